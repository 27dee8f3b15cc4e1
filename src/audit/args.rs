//! `kubectl audit`'s command line: the clap definition the plugin binary
//! parses, read as is by the audit (a new flag goes here, then where it acts).

use std::path::PathBuf;

use clap::{Arg, Args, Parser, Subcommand, ValueEnum};

use super::checks::{CHECKS, Category, Severity};
use super::cluster_reports::ReportApiChoice;
use crate::cli::{ConnectionArgs, GlobalArgs};
use crate::completion::{self, Reply, Request, Shell};
use crate::error::Result;
use crate::output::ColorChoice;
use crate::plugin::Plugin;

/// Audit a live cluster or manifest files for reliability, multi-tenancy,
/// security, health and observability problems.
///
/// Exit codes: 0 nothing at or above --fail-on; 3 findings at or above it;
/// 4 some kinds or inputs could not be read (listed under "not checked";
/// not for kinds --allow-unread names);
/// 1 the audit could not run, or --report could not write; 2 usage.
#[derive(Parser, Debug)]
#[command(name = "kubectl audit",
    // Usage names the command users type, not the binary kubectl runs.
    bin_name = "kubectl audit", version, after_help = EXAMPLES)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub(crate) command: Option<Command>,

    /// Manifests to audit instead of a cluster: files, directories (read
    /// recursively) or - for stdin; repeat for several
    #[arg(short = 'f', long = "filename", value_name = "FILE|DIR|-")]
    pub(crate) files: Vec<PathBuf>,

    /// Audit every namespace of the cluster
    #[arg(short = 'A', long)]
    pub(crate) all_namespaces: bool,

    /// Audit every context of the kubeconfig, concurrently
    #[arg(long)]
    pub(crate) all_contexts: bool,

    /// Only these checks: ids or categories (reliability, tenancy, security, health, observability), comma-separated
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub(crate) checks: Vec<String>,

    /// Skip these checks: ids or categories, comma-separated
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub(crate) skip: Vec<String>,

    /// Hide findings below this severity
    #[arg(long, value_enum, default_value_t = Level::Info)]
    pub(crate) min_severity: Level,

    /// Exit 3 when a finding is at or above this severity
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub(crate) fail_on: FailOn,

    /// Config file: per-check severity, disabled checks, exemptions
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,

    /// Audit kube-system's well-known add-ons (aws-node, kube-proxy, coredns,
    /// CSI drivers) too: see `kubectl audit checks --exemptions`
    #[arg(long)]
    pub(crate) no_default_exemptions: bool,

    /// List every kind that could not be read, with the API's message
    #[arg(short = 'v', long)]
    pub(crate) verbose: bool,

    /// Offline: zones the target cluster spans (2 or more turns spread-zones on)
    #[arg(long, value_name = "N")]
    pub(crate) zones: Option<usize>,

    /// Write the findings into the audited cluster as reports (OpenReports
    /// or PolicyReports) that Policy Reporter and other dashboards read
    #[arg(long)]
    pub(crate) report: bool,

    /// The report API --report writes
    #[arg(long, value_enum, value_name = "API", default_value_t = ReportApiChoice::Auto, requires = "report")]
    pub(crate) report_api: ReportApiChoice,

    /// With --report: also a pass result for every check that applied to an object and passed
    #[arg(long, requires = "report")]
    pub(crate) report_passes: bool,

    /// Kinds left unread on purpose (e.g. secrets, for a role without them):
    /// still listed under "not checked" when forbidden, but no exit 4 for them
    #[arg(long, value_name = "KINDS", value_delimiter = ',')]
    pub(crate) allow_unread: Vec<String>,

    /// Print a completion script for bash, zsh or fish
    #[arg(long, value_name = "SHELL", hide = true)]
    completion: Option<Shell>,

    #[command(flatten)]
    pub(crate) global: Global,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// List every check: id, category, severity, rationale and fix
    Checks {
        /// List the built-in exemptions for system add-ons instead
        #[arg(long)]
        exemptions: bool,
    },
    /// Run the audit in the cluster: a CronJob writing reports, with a read-only ServiceAccount
    Install(super::install::InstallArgs),
    /// Remove what install made (and, with --reports, honban's reports)
    Uninstall(super::install::UninstallArgs),
    /// Read honban's in-cluster reports back: counts per namespace, the
    /// worst objects, report ages, and whether the audit CronJob still runs
    Reports(super::reports::ReportsArgs),
}

/// The kubectl-style flags, with audit's own -o (it adds sarif and junit).
#[derive(Args, Debug)]
pub(crate) struct Global {
    /// Path to the kubeconfig file to use
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use
    #[arg(long, global = true, value_name = "NAME")]
    pub(crate) context: Option<String>,

    /// The namespace to audit (offline: the namespace of objects that set none)
    #[arg(short = 'n', long, global = true, value_name = "NAMESPACE")]
    pub(crate) namespace: Option<String>,

    /// Time to wait for one API request, e.g. 5s, 1m (0 = no limit)
    #[arg(long, global = true, value_name = "DURATION")]
    request_timeout: Option<String>,

    /// Output format
    #[arg(short = 'o', long = "output", global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub(crate) output: OutputFormat,

    /// Colour: auto (terminal and no NO_COLOR), always or never
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub(crate) color: ColorChoice,

    #[command(flatten)]
    pub(crate) connection: ConnectionArgs,
}

impl Global {
    /// The flags in the shape the client connects with (its -o is not ours).
    pub(crate) fn client(&self) -> GlobalArgs {
        GlobalArgs {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
            namespace: self.namespace.clone(),
            request_timeout: self.request_timeout.clone(),
            output: None,
            color: self.color,
            connection: self.connection.clone(),
        }
    }
}

const EXAMPLES: &str = "Examples:
  # Audit manifests, no cluster needed
  kubectl audit -f examples/
  helm template app ./chart | kubectl audit -f -
  kubectl audit -f k8s/ -o sarif > audit.sarif
  # One namespace of the current context
  kubectl audit -n shop
  # Every namespace of every context
  kubectl audit -A --all-contexts
  # Publish the findings as OpenReports in the cluster (dashboards read them)
  kubectl audit -A --report
  kubectl audit --checks security --min-severity warning
  # The check catalogue
  kubectl audit checks -o json
  # honban's in-cluster reports, every namespace of every context
  kubectl audit reports -A --all-contexts

Skip a check for one object or namespace with the annotation
  honban.io/audit-skip: \"image-tag,liveness-probe\"";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub(crate) enum OutputFormat {
    #[default]
    Table,
    Json,
    Yaml,
    Sarif,
    Junit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Level {
    Info,
    Warning,
    Error,
}

impl Level {
    pub(crate) fn severity(self) -> Severity {
        match self {
            Level::Info => Severity::Info,
            Level::Warning => Severity::Warning,
            Level::Error => Severity::Error,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FailOn {
    Info,
    Warning,
    Error,
    /// Never exit 3.
    None,
}

impl Plugin for AuditArgs {
    const BIN: &'static str = "kubectl-audit";

    /// `--checks`/`--skip`: check ids (with what they check) and categories;
    /// `--allow-unread`: the kinds a live audit lists.
    fn complete(req: &Request, arg: &Arg) -> Option<Reply> {
        if arg.get_id() == "allow_unread" {
            let kinds = super::live::kinds::KINDS
                .iter()
                .map(|k| (k.plural.to_string(), k.kind.to_string()));
            return Some(Reply::values(kinds));
        }
        if !matches!(arg.get_id().as_str(), "checks" | "skip") {
            return completion::cluster_flags(req, arg);
        }
        let categories = Category::ALL.iter().map(|c| {
            (
                c.as_str().to_string(),
                "every check in this category".to_string(),
            )
        });
        let ids = CHECKS
            .iter()
            .map(|c| (c.id.to_string(), c.title.to_string()));
        Some(Reply::values(categories.chain(ids)))
    }

    fn completion_shell(&self) -> Option<Shell> {
        self.completion
    }

    fn run(self) -> Result<u8> {
        match self.command {
            Some(Command::Checks { exemptions }) => super::list(self.global.output, exemptions),
            Some(Command::Install(ref req)) => super::install::install(req, &self.global),
            Some(Command::Uninstall(ref req)) => super::install::uninstall(req, &self.global),
            Some(Command::Reports(ref reports)) => super::reports::run(reports, &self.global),
            None => super::run(&self),
        }
    }
}
