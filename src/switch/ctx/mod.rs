//! `kubectl ctx`: list, switch, rename, delete and export contexts.
//!
//! Nothing here builds a client or a runtime: every operation is a kubeconfig
//! read and at most one locked, byte-preserving write. The command line is
//! [`CtxArgs`]; the listing is in `list`, the edits in `edit`, the per-shell
//! copy in `export`.

mod edit;
mod export;
mod list;

use clap::{Arg, Parser};

use crate::cli::GlobalArgs;
use crate::completion::{self, Reply, Request, Shell};
use crate::error::{Error, Result, exit};
use crate::kubeconfig::{Kubeconfig, Source};
use crate::output::{self, Palette};
use crate::plugin::Plugin;
use crate::state;

/// List or switch kubeconfig contexts, safely and fast.
///
/// Edits change only the bytes they must; writes take kubectl's lock and
/// replace the file atomically.
#[derive(Parser, Debug)]
#[command(name = "kubectl ctx",
    // Usage names the command users type, not the binary kubectl runs.
    bin_name = "kubectl ctx", version, after_help = EXAMPLES)]
pub struct CtxArgs {
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
    completion: Option<Shell>,

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

impl Plugin for CtxArgs {
    const BIN: &'static str = "kubectl-ctx";

    fn complete(req: &Request, arg: &Arg) -> Option<Reply> {
        // Contexts, each with its cluster.
        (arg.get_id() == "args")
            .then(|| completion::contexts(req, true))
            .or_else(|| completion::cluster_flags(req, arg))
    }

    fn completion_shell(&self) -> Option<Shell> {
        self.completion
    }

    fn run(self) -> Result<u8> {
        run(self)
    }
}

fn run(req: CtxArgs) -> Result<u8> {
    if req.prompt {
        return super::prompt::run(req.global.kubeconfig.as_deref());
    }
    let flag = req.global.kubeconfig.clone();
    if req.current {
        let kc = Kubeconfig::load_current(flag.as_deref())?;
        let name = kc.require_current()?;
        output::print_lines([name])?;
        return Ok(exit::OK);
    }
    let err_palette = Palette::for_stderr(req.global.color);
    if lists_only(&req) && !merged(&req) {
        return list_one_file(&req);
    }
    if let Some(code) = switch_one_file(&req)? {
        return Ok(code);
    }
    let kc = Kubeconfig::load(flag.as_deref())?;
    for w in &kc.warnings {
        output::warn(err_palette, w);
    }
    if req.unset {
        return edit::unset(kc);
    }
    if req.delete {
        return edit::delete(kc, &req);
    }
    if req.export {
        let name = match req.args.as_slice() {
            [name] => resolve_name(&kc, name)?,
            [] => kc.require_current()?.to_string(),
            _ => return Err(Error::Usage("--export takes one context name".into())),
        };
        return export::export(&kc, &name, req.global.namespace.as_deref(), None);
    }
    by_names(kc, &req)
}

/// The plain forms: a list (or the picker), a switch, `-` or a rename.
fn by_names(kc: Kubeconfig, req: &CtxArgs) -> Result<u8> {
    match req.args.as_slice() {
        [] => {
            if req.global.namespace.is_some() {
                return Err(Error::Usage(
                    "-n needs a context: kubectl ctx NAME -n NAMESPACE (or use kubectl ns)".into(),
                ));
            }
            if wants_picker(req) {
                return list::pick(kc, req);
            }
            list::list(&kc, req)
        }
        [arg] => {
            if let Some((new, old)) = arg.split_once('=') {
                return edit::rename(kc, req, new, old);
            }
            edit::switch(kc, req, &target(arg)?)
        }
        _ => Err(Error::Usage(
            "too many arguments; to delete several contexts use -d NAME…".into(),
        )),
    }
}

/// `NAME` or `-`: the context to switch to.
fn target(arg: &str) -> Result<String> {
    if arg == "-" {
        state::read(&state::previous_context_file())
            .ok_or_else(|| Error::Failed("no previous context is recorded yet".into()))
    } else {
        Ok(arg.to_string())
    }
}

/// A plain `kubectl ctx NAME` on one large file, switched without reading the
/// file into memory; `None` when the full path has to do it.
fn switch_one_file(req: &CtxArgs) -> Result<Option<u8>> {
    let [arg] = req.args.as_slice() else {
        return Ok(None);
    };
    if arg.contains('=') || req.unset || req.delete || req.export || req.global.namespace.is_some()
    {
        return Ok(None);
    }
    let name = target(arg)?;
    match Kubeconfig::use_context_spliced(req.global.kubeconfig.as_deref(), &name)? {
        Some(done) => edit::switched(done.previous.as_deref(), &name, None).map(Some),
        None => Ok(None),
    }
}

/// Whether the kubeconfig is a merged view of several files: that view also
/// warns about clusters and users defined twice, so it is read in full.
fn merged(req: &CtxArgs) -> bool {
    let flag = req.global.kubeconfig.as_deref();
    matches!(crate::kubeconfig::locate(flag).1, Source::Env(n) if n > 1)
}

/// One file's listing needs only its contexts.
fn list_one_file(req: &CtxArgs) -> Result<u8> {
    let view = Kubeconfig::load_contexts(req.global.kubeconfig.as_deref())?;
    for w in &view.warnings {
        output::warn(Palette::for_stderr(req.global.color), w);
    }
    let listed = list::list(&view, req);
    // The process ends next: freeing thousands of YAML nodes one by one
    // would cost a fifth of the listing.
    std::mem::forget(view);
    listed
}

fn wants_picker(req: &CtxArgs) -> bool {
    req.global.output.is_none()
        && !req.no_picker
        && output::stdout_is_terminal()
        && stdin_is_terminal()
}

/// A plain listing, which reads nothing but the contexts.
fn lists_only(req: &CtxArgs) -> bool {
    req.args.is_empty()
        && !(req.unset || req.delete || req.export)
        && req.global.namespace.is_none()
        && !wants_picker(req)
}

fn stdin_is_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal()
}

/// `.` stands for the current context.
fn resolve_name(kc: &Kubeconfig, name: &str) -> Result<String> {
    if name == "." {
        Ok(kc.require_current()?.to_string())
    } else {
        Ok(name.to_string())
    }
}
