//! Shell completion and man pages.
//!
//! kubectl (1.26+) runs `kubectl_complete-<plugin>` for `kubectl <plugin> <TAB>`
//! with the words typed after the plugin name, the last one partial. The
//! shipped `kubectl_complete-*` scripts call the plugin as
//! `kubectl-<plugin> __complete WORDS…`, which [`intercept`] catches before
//! clap parses anything. Output is cobra's: `value<TAB>description` lines, then
//! `:<directive>`.
//!
//! One engine serves every plugin (`walk`): it walks the typed words through
//! the plugin's clap definition and only asks the plugin
//! ([`crate::plugin::Plugin::complete`]) for what the definition cannot know:
//! object names, profiles, check ids. Generic values need no provider
//! (`rules`): `--kubeconfig` and file-like values complete files, enums their
//! values. A plugin's `complete` falls back to `cluster_flags` for
//! `--context`, `-n` and kubectl's connection flags, and lists objects with
//! `object_names` (or `list_meta` inside `Request::with_cluster`).

mod connection;
mod man;
mod protocol;
mod request;
mod rules;
pub mod values;
mod walk;

pub(crate) use protocol::{NO_FILE_COMP, NO_SPACE};
pub use protocol::{Reply, Shell, print_script};
pub use request::Request;
pub(crate) use rules::{cluster_flags, contexts, namespaces};
// What a capability's `Plugin::complete` calls to list objects.
#[allow(unused_imports)]
pub(crate) use values::{list_meta, names, object_names};

use std::process::ExitCode;

use clap::{Arg, Command, CommandFactory};

use crate::error::{Result, exit};
use crate::output;

/// A plugin's values for the arguments the clap definition cannot list.
/// `None` leaves the argument to the generic rules.
pub type Provider = fn(&Request, &Arg) -> Option<Reply>;

/// Handles the hidden pre-clap commands of every plugin: `__complete WORDS…`
/// (kubectl's completion protocol) and `__man` (the roff man page). `bin` is
/// the executable's name, e.g. `kubectl-aws_token`.
pub fn intercept<C: CommandFactory>(bin: &str, values: Provider) -> Option<ExitCode> {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some("__complete") => {
            let words: Vec<String> = args.collect();
            Some(crate::error::run(|| complete(C::command(), &words, values)))
        }
        Some("__man") => Some(crate::error::run(|| man::print_man(C::command(), bin))),
        _ => None,
    }
}

/// Answers `__complete WORDS…` for the plugin defined by `cmd`.
fn complete(cmd: Command, words: &[String], values: Provider) -> Result<u8> {
    output::print_lines(walk::answer(cmd, words, values))?;
    Ok(exit::OK)
}
