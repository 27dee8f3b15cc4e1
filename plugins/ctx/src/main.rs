//! `kubectl ctx`: list, switch, rename and delete kubeconfig contexts.

use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use honban::cli::GlobalArgs;
use honban::switch::ctx::{self, CtxRequest};

/// List or switch kubeconfig contexts, safely and fast.
///
/// Edits change only the bytes they must; writes take kubectl's lock and
/// replace the file atomically.
#[derive(Parser, Debug)]
#[command(name = "kubectl ctx",
    // Usage names the command users type, not the binary kubectl runs.
    bin_name = "kubectl ctx", version, after_help = EXAMPLES)]
struct Cli {
    /// NAME to switch, `-` for the previous context, NEW=OLD (or NEW=.) to rename;
    /// with -d, the contexts to delete
    #[arg(value_name = "NAME")]
    args: Vec<String>,

    /// Print the current context
    #[arg(short = 'c', long, conflicts_with_all = ["unset", "delete", "export"])]
    current: bool,

    /// Remove current-context from the file that sets it
    #[arg(short = 'u', long, conflicts_with_all = ["delete", "export"])]
    unset: bool,

    /// Delete the named contexts (`.` is the current one)
    #[arg(short = 'd', long)]
    delete: bool,

    /// With -d: also delete clusters and users no remaining context uses
    #[arg(long, requires = "delete")]
    cascade: bool,

    /// Rename onto an existing name, replacing it
    #[arg(long)]
    force: bool,

    /// Print `export KUBECONFIG=…` for a private per-shell copy of NAME;
    /// use as: eval "$(kubectl ctx --export NAME)"
    #[arg(long)]
    export: bool,

    /// Print `context/namespace` for a shell prompt (nothing when no kubeconfig exists)
    #[arg(long, conflicts_with_all = ["unset", "delete", "export", "current"])]
    prompt: bool,

    /// Never open the interactive picker
    #[arg(long, env = "HONBAN_NO_PICKER", value_parser = clap::builder::BoolishValueParser::new(), default_value_t = false)]
    no_picker: bool,

    /// Print a completion script for bash, zsh or fish
    #[arg(long, value_name = "SHELL", hide = true)]
    completion: Option<honban::completion::Shell>,

    #[command(flatten)]
    global: GlobalArgs,
}

const EXAMPLES: &str = "Examples:
  # List contexts (a picker on a terminal)
  kubectl ctx
  # Switch to prod, or back to the previous context
  kubectl ctx prod
  kubectl ctx -
  # Switch and set prod's namespace
  kubectl ctx prod -n payments
  # Rename old to new (new=. renames the current context)
  kubectl ctx new=old
  # Delete old, and its cluster and user if nothing else uses them
  kubectl ctx -d old --cascade
  # Use prod in this shell only
  eval \"$(kubectl ctx --export prod)\"";

fn main() -> ExitCode {
    if let Some(code) =
        honban::completion::intercept::<Cli>("kubectl-ctx", honban::completion::values::ctx)
    {
        return code;
    }
    let cli = Cli::parse();
    honban::error::run(|| {
        if let Some(shell) = cli.completion {
            return honban::completion::print_script(shell, &mut Cli::command(), "kubectl-ctx");
        }
        ctx::run(CtxRequest {
            args: cli.args,
            current: cli.current,
            prompt: cli.prompt,
            unset: cli.unset,
            delete: cli.delete,
            cascade: cli.cascade,
            force: cli.force,
            export: cli.export,
            no_picker: cli.no_picker,
            global: cli.global,
        })
    })
}
