//! The frame every plugin binary runs in: one entry-point shape for all.
//!
//! A capability's clap `Args` implements [`Plugin`]; the binary's `main` is
//! `honban::plugin::main::<Args>()`. The frame answers kubectl's completion
//! protocol and `__man` before clap parses anything, prints the completion
//! script for the hidden `--completion SHELL`, and turns the capability's
//! `Result` into kubectl's exit codes.

use std::process::ExitCode;

use clap::{Arg, Parser};

use crate::completion::{self, Reply, Request, Shell};
use crate::error::Result;

/// A plugin's command line, owned by its capability.
pub trait Plugin: Parser {
    /// The executable's name, e.g. `kubectl-aws_token`.
    const BIN: &'static str;

    /// Values for the arguments the clap definition cannot list (object
    /// names, profiles, check ids), matched by clap id. `None` leaves the
    /// argument to the engine's generic rules. The helpers are in
    /// `crate::completion`: `object_names::<K>(req, selector)` (or
    /// `list_meta` inside `req.with_cluster`), `contexts`, `namespaces`, and
    /// `cluster_flags(req, arg)` as the fallback of a plugin that talks to a
    /// cluster.
    fn complete(request: &Request, arg: &Arg) -> Option<Reply> {
        let _ = (request, arg);
        None
    }

    /// The shell named by the hidden `--completion` flag, if given.
    fn completion_shell(&self) -> Option<Shell>;

    /// Runs the command; the value is the exit code.
    fn run(self) -> Result<u8>;
}

/// Parses the command line and runs the plugin.
pub fn main<P: Plugin>() -> ExitCode {
    if let Some(code) = completion::intercept::<P>(P::BIN, P::complete) {
        return code;
    }
    let args = P::parse();
    crate::error::run(|| match args.completion_shell() {
        Some(shell) => completion::print_script(shell, &mut P::command(), P::BIN),
        None => args.run(),
    })
}
