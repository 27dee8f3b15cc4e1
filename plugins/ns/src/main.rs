//! `kubectl ns`: list namespaces and switch the current context's namespace.

use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use honban::cli::{ConnectionArgs, GlobalArgs};
use honban::switch::ns::{self, NsRequest};

/// List namespaces, or set the current context's namespace after checking it exists.
#[derive(Parser, Debug)]
#[command(name = "kubectl ns",
    // Usage names the command users type, not the binary kubectl runs.
    bin_name = "kubectl ns", version, after_help = EXAMPLES)]
struct Cli {
    /// Namespace to switch to, or `-` for this context's previous one
    #[arg(value_name = "NAME")]
    name: Option<String>,

    /// Print the current namespace
    #[arg(short = 'c', long, conflicts_with_all = ["unset", "name"])]
    current: bool,

    /// Remove the namespace from the current context (back to the cluster default)
    #[arg(short = 'u', long, conflicts_with = "name")]
    unset: bool,

    /// Set the namespace without checking it with the API
    #[arg(short = 'f', long)]
    force: bool,

    /// Never open the interactive picker
    #[arg(long, env = "HONBAN_NO_PICKER", value_parser = clap::builder::BoolishValueParser::new(), default_value_t = false)]
    no_picker: bool,

    /// Print a completion script for bash, zsh or fish
    #[arg(long, value_name = "SHELL", hide = true)]
    completion: Option<honban::completion::Shell>,

    #[command(flatten)]
    global: GlobalArgs,

    #[command(flatten)]
    connection: ConnectionArgs,
}

const EXAMPLES: &str = "Examples:
  # List namespaces (a picker on a terminal)
  kubectl ns
  # Switch the current context to payments, or back to the previous one
  kubectl ns payments
  kubectl ns -
  # Set it even when RBAC forbids checking that it exists
  kubectl ns team-a --force
  # Drop the namespace from the context
  kubectl ns -u";

fn main() -> ExitCode {
    if let Some(code) =
        honban::completion::intercept::<Cli>("kubectl-ns", honban::completion::values::ns)
    {
        return code;
    }
    let cli = Cli::parse();
    honban::error::run(|| {
        if let Some(shell) = cli.completion {
            return honban::completion::print_script(shell, &mut Cli::command(), "kubectl-ns");
        }
        ns::run(NsRequest {
            name: cli.name,
            current: cli.current,
            unset: cli.unset,
            force: cli.force,
            no_picker: cli.no_picker,
            global: GlobalArgs {
                connection: cli.connection,
                ..cli.global
            },
        })
    })
}
