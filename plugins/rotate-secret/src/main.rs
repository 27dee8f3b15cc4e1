//! `kubectl rotate-secret`: rotate a Secret or ConfigMap by creating an
//! immutable, content-hashed version and switching every reference to it.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use honban::cli::{ConnectionArgs, GlobalArgs};
use honban::rotate::commands::{self, DEFAULT_TIMEOUT, DryRunMode, Invocation, MutateFlags};
use honban::rotate::content::SourceFlags;

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
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// The object to rotate: BASE, secret/BASE or configmap/BASE
    #[arg(value_name = "[secret/|configmap/]BASE")]
    target: Option<String>,

    #[command(flatten)]
    source: SourceArgs,

    /// Start a new versioned object when BASE does not exist yet (no object, no versions)
    #[arg(long)]
    create: bool,

    #[command(flatten)]
    mutate: MutateArgs,

    /// Print a completion script for bash, zsh or fish
    #[arg(long, value_name = "SHELL", hide = true)]
    completion: Option<honban::completion::Shell>,

    #[command(flatten)]
    global: GlobalArgs,

    #[command(flatten)]
    connection: ConnectionArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List the objects that reference BASE or any of its versions
    Refs {
        #[arg(value_name = "[secret/|configmap/]BASE")]
        target: String,
        /// Also list ReplicaSets, ControllerRevisions, Pods and Jobs owned by other objects
        #[arg(long)]
        all: bool,
    },
    /// List the versions: revision, name, age, keys and who uses each
    History {
        #[arg(value_name = "[secret/|configmap/]BASE")]
        target: String,
    },
    /// Show the key-level change a rotation would make (Secret values hidden)
    Diff {
        #[arg(value_name = "[secret/|configmap/]BASE")]
        target: String,
        #[command(flatten)]
        source: SourceArgs,
        /// Show Secret values instead of sizes
        #[arg(long)]
        show_values: bool,
    },
    /// Switch back to the previous version, or to --to-revision N (0 = the unversioned original)
    Undo {
        #[arg(value_name = "[secret/|configmap/]BASE")]
        target: String,
        /// The revision to switch to (see `history`)
        #[arg(long, value_name = "N")]
        to_revision: Option<u32>,
        #[command(flatten)]
        mutate: MutateArgs,
    },
    /// Delete old versions that nothing uses any more
    Prune {
        #[arg(value_name = "[secret/|configmap/]BASE")]
        target: String,
        /// Keep this many newest versions even when unused
        #[arg(long, value_name = "N", default_value_t = honban::labels::rotate::DEFAULT_KEEP)]
        keep: usize,
        /// Only print what would be deleted: client, or server (the API checks the deletes)
        #[arg(long, value_name = "MODE", num_args = 0..=1, require_equals = true, default_missing_value = "client")]
        dry_run: Option<DryRunArg>,
    },
}

#[derive(Args, Debug, Clone)]
struct SourceArgs {
    /// A KEY=VALUE pair to store (repeatable)
    #[arg(long = "from-literal", value_name = "KEY=VALUE")]
    from_literal: Vec<String>,
    /// A file (key: its name, or KEY=) or a directory of files (repeatable)
    #[arg(long = "from-file", value_name = "[KEY=]PATH")]
    from_file: Vec<String>,
    /// A file of KEY=VALUE lines (repeatable)
    #[arg(long = "from-env-file", value_name = "PATH")]
    from_env_file: Vec<PathBuf>,
    /// Version the object in use as it is (adopt an unversioned or kustomize-made object)
    #[arg(long)]
    from_current: bool,
    /// Set KEY=VALUE on top of the current version (repeatable)
    #[arg(long, value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Remove KEY from the current version (repeatable)
    #[arg(long, value_name = "KEY")]
    unset: Vec<String>,
    /// Secret type for the new version (default: the current one's, else Opaque)
    #[arg(long = "type", value_name = "TYPE")]
    secret_type: Option<String>,
}

impl SourceArgs {
    fn flags(self) -> SourceFlags {
        SourceFlags {
            from_literal: self.from_literal,
            from_file: self.from_file,
            from_env_file: self.from_env_file,
            from_current: self.from_current,
            set: self.set,
            unset: self.unset,
            secret_type: self.secret_type,
        }
    }
}

#[derive(Args, Debug, Clone)]
struct MutateArgs {
    /// Change nothing: client (compute locally) or server (the API checks every write)
    #[arg(long, value_name = "MODE", num_args = 0..=1, require_equals = true, default_missing_value = "client")]
    dry_run: Option<DryRunArg>,
    /// Do not wait for the rollouts (and so never switch back automatically)
    #[arg(long)]
    no_wait: bool,
    /// How long to wait for the rollouts before switching back, e.g. 90s, 5m
    #[arg(long, value_name = "DURATION", default_value = DEFAULT_TIMEOUT)]
    timeout: String,
    /// Switch even when a workload reads a key the new version lacks, and patch objects managed by Helm, Argo CD or Flux too
    #[arg(long)]
    force: bool,
    /// Switch the other objects when some are managed by Helm, Argo CD or Flux (those are left alone)
    #[arg(long)]
    allow_partial: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum DryRunArg {
    None,
    Client,
    Server,
}

impl DryRunArg {
    fn into_core(self) -> DryRunMode {
        match self {
            DryRunArg::None => DryRunMode::None,
            DryRunArg::Client => DryRunMode::Client,
            DryRunArg::Server => DryRunMode::Server,
        }
    }
}

impl MutateArgs {
    fn flags(self) -> MutateFlags {
        MutateFlags {
            dry_run: self.dry_run.map(DryRunArg::into_core),
            no_wait: self.no_wait,
            timeout: self.timeout,
            force: self.force,
            allow_partial: self.allow_partial,
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

fn main() -> ExitCode {
    if let Some(code) = honban::completion::intercept::<Cli>(
        "kubectl-rotate_secret",
        honban::completion::values::rotate_secret,
    ) {
        return code;
    }
    let cli = Cli::parse();
    honban::error::run(|| {
        if let Some(shell) = cli.completion {
            return honban::completion::print_script(
                shell,
                &mut Cli::command(),
                "kubectl-rotate_secret",
            );
        }
        commands::run(Invocation {
            subcommand: cli.command.map(Command::into_core),
            target: cli.target,
            source: cli.source.flags(),
            create: cli.create,
            mutate: cli.mutate.flags(),
            global: GlobalArgs {
                connection: cli.connection,
                ..cli.global
            },
        })
    })
}

impl Command {
    fn into_core(self) -> commands::Subcommand {
        match self {
            Command::Refs { target, all } => commands::Subcommand::Refs { target, all },
            Command::History { target } => commands::Subcommand::History { target },
            Command::Diff {
                target,
                source,
                show_values,
            } => commands::Subcommand::Diff {
                target,
                source: source.flags(),
                show_values,
            },
            Command::Undo {
                target,
                to_revision,
                mutate,
            } => commands::Subcommand::Undo {
                target,
                to_revision,
                mutate: mutate.flags(),
            },
            Command::Prune {
                target,
                keep,
                dry_run,
            } => commands::Subcommand::Prune {
                target,
                keep,
                dry_run: dry_run.map(DryRunArg::into_core),
            },
        }
    }
}
