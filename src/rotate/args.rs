//! `kubectl rotate-secret`'s command line: the clap definition the plugin
//! parses, and what its flags mean to the code that reads them.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::cli::{ConnectionArgs, GlobalArgs, parse_duration};
use crate::completion::Shell;
use crate::error::Result;
use crate::output::{self, Format};

/// How long rotate and undo wait for the rollouts unless told otherwise.
const DEFAULT_TIMEOUT: &str = "5m";

/// Rotate a Secret or ConfigMap: create an immutable BASE-<hash> version,
/// switch every workload to it, wait for the rollouts, and switch back if one fails.
#[derive(Parser, Debug)]
#[command(
    name = "kubectl rotate-secret",
    // Usage names the command users type, not the binary kubectl runs.
    bin_name = "kubectl rotate-secret",
    version,
    arg_required_else_help = true,
    // A subcommand or the object, never both; clap's own usage would show
    // `[BASE] [COMMAND]`, the object before the subcommand. Global flags
    // may still come first, so the two are not declared in conflict.
    override_usage = "kubectl rotate-secret [OPTIONS] <[secret/|configmap/]BASE>\n       kubectl rotate-secret [OPTIONS] <COMMAND>",
    after_help = EXAMPLES
)]
pub struct RotateSecretArgs {
    #[command(subcommand)]
    pub(crate) command: Option<Command>,

    /// The object to rotate: BASE, secret/BASE or configmap/BASE
    #[arg(value_name = "[secret/|configmap/]BASE")]
    pub(crate) target: Option<String>,

    #[command(flatten)]
    pub(crate) source: SourceArgs,

    /// Start a new versioned object when BASE does not exist yet (no object, no versions)
    #[arg(long)]
    pub(crate) create: bool,

    #[command(flatten)]
    pub(crate) mutate: MutateArgs,

    /// Print a completion script for bash, zsh or fish
    #[arg(long, value_name = "SHELL", hide = true)]
    pub(crate) completion: Option<Shell>,

    #[command(flatten)]
    pub(crate) global: GlobalArgs,

    #[command(flatten)]
    pub(crate) connection: ConnectionArgs,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// List the objects that reference BASE or any of its versions
    Refs(RefsArgs),
    /// List the versions: revision, name, age, keys and who uses each
    History(HistoryArgs),
    /// Show the key-level change a rotation would make (Secret values hidden)
    Diff(DiffArgs),
    /// Switch back to the previous version, or to --to-revision N (0 = the unversioned original)
    Undo(UndoArgs),
    /// Delete old versions that nothing uses any more
    Prune(PruneArgs),
}

// The subcommands' Args carry no doc comment: the variant's is the help.
#[derive(Args, Debug)]
pub(crate) struct RefsArgs {
    #[arg(value_name = "[secret/|configmap/]BASE")]
    pub(crate) target: String,
    /// Also list ReplicaSets, ControllerRevisions, Pods and Jobs owned by other objects
    #[arg(long)]
    pub(crate) all: bool,
}

#[derive(Args, Debug)]
pub(crate) struct HistoryArgs {
    #[arg(value_name = "[secret/|configmap/]BASE")]
    pub(crate) target: String,
}

#[derive(Args, Debug)]
pub(crate) struct DiffArgs {
    #[arg(value_name = "[secret/|configmap/]BASE")]
    pub(crate) target: String,
    #[command(flatten)]
    pub(crate) source: SourceArgs,
    /// Show Secret values instead of sizes
    #[arg(long)]
    pub(crate) show_values: bool,
}

#[derive(Args, Debug)]
pub(crate) struct UndoArgs {
    #[arg(value_name = "[secret/|configmap/]BASE")]
    pub(crate) target: String,
    /// The revision to switch to (see `history`)
    #[arg(long, value_name = "N")]
    pub(crate) to_revision: Option<u32>,
    #[command(flatten)]
    pub(crate) mutate: MutateArgs,
}

#[derive(Args, Debug)]
pub(crate) struct PruneArgs {
    #[arg(value_name = "[secret/|configmap/]BASE")]
    pub(crate) target: String,
    /// Keep this many newest versions even when unused
    #[arg(long, value_name = "N", default_value_t = crate::labels::rotate::DEFAULT_KEEP)]
    pub(crate) keep: usize,
    /// Only print what would be deleted: client, or server (the API checks the deletes)
    #[arg(long, value_name = "MODE", num_args = 0..=1, require_equals = true, default_missing_value = "client")]
    dry_run: Option<DryRun>,
}

impl PruneArgs {
    pub(crate) fn dry_run(&self) -> Option<DryRun> {
        effective(self.dry_run)
    }
}

// Where the new content comes from (`sources` reads them). Flattened
// Args carry no doc comment: it would become the parent's help.
#[derive(Args, Debug, Clone, Default)]
pub(crate) struct SourceArgs {
    /// A KEY=VALUE pair to store (repeatable)
    #[arg(long = "from-literal", value_name = "KEY=VALUE")]
    pub(crate) from_literal: Vec<String>,
    /// A file (key: its name, or KEY=) or a directory of files (repeatable)
    #[arg(long = "from-file", value_name = "[KEY=]PATH")]
    pub(crate) from_file: Vec<String>,
    /// A file of KEY=VALUE lines; - reads stdin (repeatable)
    #[arg(long = "from-env-file", value_name = "PATH")]
    pub(crate) from_env_file: Vec<PathBuf>,
    /// A sops-encrypted Secret/ConfigMap manifest or dotenv/YAML/JSON key file, decrypted in memory; - reads stdin (repeatable)
    #[arg(long = "from-sops", value_name = "FILE")]
    pub(crate) from_sops: Vec<String>,
    /// The document of a multi-document --from-sops file to use (default: the one named BASE)
    #[arg(long, value_name = "NAME", requires = "from_sops")]
    pub(crate) select: Option<String>,
    /// Version the object in use as it is (adopt an unversioned or kustomize-made object)
    #[arg(long)]
    pub(crate) from_current: bool,
    /// Set KEY=VALUE on top of the current version (repeatable)
    #[arg(long, value_name = "KEY=VALUE")]
    pub(crate) set: Vec<String>,
    /// Remove KEY from the current version (repeatable)
    #[arg(long, value_name = "KEY")]
    pub(crate) unset: Vec<String>,
    /// Secret type for the new version (default: the current one's, else Opaque)
    #[arg(long = "type", value_name = "TYPE")]
    pub(crate) secret_type: Option<String>,
}

impl SourceArgs {
    pub(crate) fn given(&self) -> bool {
        !(self.from_literal.is_empty()
            && self.from_file.is_empty()
            && self.from_env_file.is_empty()
            && self.from_sops.is_empty()
            && !self.from_current
            && self.set.is_empty()
            && self.unset.is_empty()
            && self.secret_type.is_none())
    }
}

// The flags of the commands that change the cluster (rotate and undo).
#[derive(Args, Debug, Clone)]
pub(crate) struct MutateArgs {
    /// Change nothing: client (compute locally) or server (the API checks every write)
    #[arg(long, value_name = "MODE", num_args = 0..=1, require_equals = true, default_missing_value = "client")]
    dry_run: Option<DryRun>,
    /// Do not wait for the rollouts (and so never switch back automatically)
    #[arg(long)]
    pub(crate) no_wait: bool,
    /// How long to wait for the rollouts before switching back, e.g. 90s, 5m
    #[arg(long, value_name = "DURATION", default_value = DEFAULT_TIMEOUT)]
    timeout: String,
    /// Switch even when a workload reads a key the new version lacks, and patch objects managed by Helm, Argo CD or Flux too
    #[arg(long)]
    pub(crate) force: bool,
    /// Switch the other objects when some are managed by Helm, Argo CD or Flux (those are left alone)
    #[arg(long)]
    pub(crate) allow_partial: bool,
}

impl MutateArgs {
    /// Whether any was given; an unchanged `--timeout` counts as not given.
    pub(crate) fn given(&self) -> bool {
        self.dry_run.is_some()
            || self.no_wait
            || self.force
            || self.allow_partial
            || self.timeout != DEFAULT_TIMEOUT
    }

    pub(crate) fn dry_run(&self) -> Option<DryRun> {
        effective(self.dry_run)
    }
}

/// `--dry-run[=none|client|server]`; `none` is given, and means no dry run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DryRun {
    None,
    Client,
    Server,
}

fn effective(given: Option<DryRun>) -> Option<DryRun> {
    given.filter(|d| *d != DryRun::None)
}

/// What every line about a write ends with: ` (dry run)`, ` (server dry run)` or nothing.
pub(crate) fn dry_run_suffix(dry_run: Option<DryRun>) -> &'static str {
    match dry_run {
        None | Some(DryRun::None) => "",
        Some(DryRun::Client) => " (dry run)",
        Some(DryRun::Server) => " (server dry run)",
    }
}

/// How a switch runs: the mutating and global flags as given, with
/// `--timeout` parsed once, before any connection.
pub(crate) struct Mode<'a> {
    pub(crate) flags: &'a MutateArgs,
    pub(crate) global: &'a GlobalArgs,
    pub(crate) timeout: Duration,
}

impl<'a> Mode<'a> {
    pub(crate) fn new(flags: &'a MutateArgs, global: &'a GlobalArgs) -> Result<Mode<'a>> {
        Ok(Mode {
            flags,
            global,
            timeout: parse_duration(&flags.timeout)?,
        })
    }

    pub(crate) fn dry_run(&self) -> Option<DryRun> {
        self.flags.dry_run()
    }

    pub(crate) fn suffix(&self) -> &'static str {
        dry_run_suffix(self.dry_run())
    }

    /// Progress lines go to stdout like kubectl's, unless stdout carries -o data.
    pub(crate) fn say(&self, line: impl AsRef<str>) {
        match self.global.output {
            None | Some(Format::Table) => {
                let _ = output::print_lines([line.as_ref()]);
            }
            _ => eprintln!("{}", line.as_ref()),
        }
    }
}

const EXAMPLES: &str = "Examples:
  # New version, switch, wait
  kubectl rotate-secret app --from-literal password=s3cret
  # Edit on top of the current version
  kubectl rotate-secret app --set password=s3cret --unset old
  kubectl rotate-secret configmap/web --from-file nginx.conf
  # Version the live object as it is
  kubectl rotate-secret app --from-current
  # Start a new versioned object
  kubectl rotate-secret new-app --create --from-literal k=v
  # From a sops-encrypted manifest in git (age or AWS KMS), decrypted in memory
  kubectl rotate-secret app --from-sops secrets/app.enc.yaml
  # What would change (values hidden)
  kubectl rotate-secret diff app --from-env-file prod.env
  # Who uses which version
  kubectl rotate-secret refs app
  kubectl rotate-secret history app
  # Back to the previous version
  kubectl rotate-secret undo app
  kubectl rotate-secret prune app --keep 3 --dry-run

Exit codes: 0 done (or nothing to do), 1 failed (a rollout failure is
switched back first) or refused before any write (a key a workload reads
is missing, a managed object would be left behind), 2 usage.";

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> RotateSecretArgs {
        let words = std::iter::once("kubectl-rotate_secret").chain(args.iter().copied());
        RotateSecretArgs::try_parse_from(words).unwrap()
    }

    #[test]
    fn only_a_changed_timeout_counts_as_given() {
        assert!(!parse(&["app"]).mutate.given());
        assert!(!parse(&["app", "--timeout", "5m"]).mutate.given());
        assert!(parse(&["app", "--timeout", "6m"]).mutate.given());
    }

    #[test]
    fn dry_run_none_means_no_dry_run() {
        assert_eq!(parse(&["app"]).mutate.dry_run(), None);
        assert_eq!(parse(&["app", "--dry-run=none"]).mutate.dry_run(), None);
        assert!(parse(&["app", "--dry-run=none"]).mutate.given());
        assert_eq!(
            parse(&["app", "--dry-run"]).mutate.dry_run(),
            Some(DryRun::Client)
        );
        assert_eq!(
            parse(&["app", "--dry-run=server"]).mutate.dry_run(),
            Some(DryRun::Server)
        );
    }
}
