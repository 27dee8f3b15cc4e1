//! `kubectl audit`: best-practice and health audits of a cluster or of manifests.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand};
use honban::audit::{self, AuditRequest, FailOn, Level, OutputFormat};
use honban::cli::{ConnectionArgs, GlobalArgs};
use honban::output::ColorChoice;

/// Audit a live cluster or manifest files for reliability, multi-tenancy,
/// security and health problems.
///
/// Exit codes: 0 nothing at or above --fail-on; 3 findings at or above it;
/// 4 some kinds or inputs could not be read (listed under "not checked");
/// 1 the audit could not run; 2 usage.
#[derive(Parser, Debug)]
#[command(name = "kubectl audit",
    // Usage names the command users type, not the binary kubectl runs.
    bin_name = "kubectl audit", version, after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// Manifests to audit instead of a cluster: files, directories (read
    /// recursively) or - for stdin; repeat for several
    #[arg(short = 'f', long = "filename", value_name = "FILE|DIR|-")]
    files: Vec<PathBuf>,

    /// Audit every namespace of the cluster
    #[arg(short = 'A', long)]
    all_namespaces: bool,

    /// Audit every context of the kubeconfig, concurrently
    #[arg(long)]
    all_contexts: bool,

    /// Only these checks: ids or categories (reliability, tenancy, security, health), comma-separated
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    checks: Vec<String>,

    /// Skip these checks: ids or categories, comma-separated
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    skip: Vec<String>,

    /// Hide findings below this severity
    #[arg(long, value_enum, default_value_t = Level::Info)]
    min_severity: Level,

    /// Exit 3 when a finding is at or above this severity
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,

    /// Config file: per-check severity, disabled checks, exemptions
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Audit kube-system's well-known add-ons (aws-node, kube-proxy, coredns,
    /// CSI drivers) too: see `kubectl audit checks --exemptions`
    #[arg(long)]
    no_default_exemptions: bool,

    /// List every kind that could not be read, with the API's message
    #[arg(short = 'v', long)]
    verbose: bool,

    /// Offline: zones the target cluster spans (2 or more turns spread-zones on)
    #[arg(long, value_name = "N")]
    zones: Option<usize>,

    /// Print a completion script for bash, zsh or fish
    #[arg(long, value_name = "SHELL", hide = true)]
    completion: Option<honban::completion::Shell>,

    #[command(flatten)]
    global: Global,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List every check: id, category, severity, rationale and fix
    Checks {
        /// List the built-in exemptions for system add-ons instead
        #[arg(long)]
        exemptions: bool,
    },
}

/// The kubectl-style flags, with audit's own -o (it adds sarif and junit).
#[derive(Args, Debug)]
struct Global {
    /// Path to the kubeconfig file to use
    #[arg(long, global = true, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use
    #[arg(long, global = true, value_name = "NAME")]
    context: Option<String>,

    /// The namespace to audit (offline: the namespace of objects that set none)
    #[arg(short = 'n', long, global = true, value_name = "NAMESPACE")]
    namespace: Option<String>,

    /// Time to wait for one API request, e.g. 5s, 1m (0 = no limit)
    #[arg(long, global = true, value_name = "DURATION")]
    request_timeout: Option<String>,

    /// Output format
    #[arg(short = 'o', long = "output", global = true, value_enum, default_value_t = OutputFormat::Table)]
    output: OutputFormat,

    /// Colour: auto (terminal and no NO_COLOR), always or never
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,

    #[command(flatten)]
    connection: ConnectionArgs,
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
  kubectl audit --checks security --min-severity warning
  # The check catalogue
  kubectl audit checks -o json

Skip a check for one object or namespace with the annotation
  honban.io/audit-skip: \"image-tag,liveness-probe\"";

fn main() -> ExitCode {
    if let Some(code) =
        honban::completion::intercept::<Cli>("kubectl-audit", honban::completion::values::audit)
    {
        return code;
    }
    let cli = Cli::parse();
    honban::error::run(|| {
        if let Some(shell) = cli.completion {
            return honban::completion::print_script(shell, &mut Cli::command(), "kubectl-audit");
        }
        if let Some(Command::Checks { exemptions }) = cli.command {
            if exemptions {
                return audit::list_default_exemptions(cli.global.output);
            }
            return audit::list_checks(cli.global.output);
        }
        let global = GlobalArgs {
            kubeconfig: cli.global.kubeconfig,
            context: cli.global.context,
            namespace: cli.global.namespace,
            request_timeout: cli.global.request_timeout,
            output: None,
            color: cli.global.color,
            connection: cli.global.connection,
        };
        audit::run(AuditRequest {
            files: cli.files,
            all_namespaces: cli.all_namespaces,
            all_contexts: cli.all_contexts,
            output: cli.global.output,
            checks: cli.checks,
            skip: cli.skip,
            min_severity: cli.min_severity,
            fail_on: cli.fail_on,
            config: cli.config,
            no_default_exemptions: cli.no_default_exemptions,
            verbose: cli.verbose,
            zones: cli.zones,
            global,
        })
    })
}
