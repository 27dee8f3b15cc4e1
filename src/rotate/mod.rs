//! `kubectl rotate-secret`: versioned, content-hashed Secrets and ConfigMaps.
//!
//! A rotation never edits an object in place. It creates an immutable
//! `BASE-<hash>` object (the hash is kustomize's name suffix, so kustomize
//! and honban agree on names), switches every reference in the namespace to
//! it with JSON patches that test the old value, waits for the rollouts and
//! switches everything back if one fails. Old versions are pruned only when
//! nothing can still need them: templates, ReplicaSets and
//! ControllerRevisions kept for `kubectl rollout undo`, live pods, CronJobs
//! and active Jobs, ServiceAccounts.
//!
//! Versions carry the labels `app.kubernetes.io/managed-by=kubectl-rotate-secret`,
//! `rotate.honban.io/base` and `rotate.honban.io/revision` (a creation
//! counter that never changes), and the annotation `rotate.honban.io/previous`
//! naming the version that was in use before this one became current, which
//! is what `undo` goes back to.
//!
//! Modules, from the command line down:
//! - `args`: the clap definition (`RotateSecretArgs`) and what its flags mean;
//!   `complete`: the values completion offers.
//! - The commands: `rotation` (rotate), `undo`, `prune`, `view`
//!   (refs, history), `diff`.
//! - What a version holds: `target` (the name and its family), `content`
//!   (keys, values, the object), `sources` (the source flags), `sops_source`
//!   (`--from-sops`), `sops_instead` (the sops command for keys honban
//!   cannot use), `hash`
//!   (kustomize's hash).
//! - Who uses it: `kinds` (holder kinds), `refs` (the reference graph),
//!   `gitops` (Helm, Argo CD, Flux), `reach` (optional kinds, what was not
//!   checked), `cluster` (the session and its API calls).
//! - Switching: `repoint` (write, switch, wait, switch back), `plan`
//!   (the paths and patches), `guard` (what a switch refuses before
//!   writing), `patch` (all-or-nothing patching), `wait` and `status`
//!   (rollouts), `diagnose` (why one failed), `display` (-o output).

mod args;
mod cluster;
mod complete;
mod content;
mod diagnose;
mod diff;
mod display;
mod gitops;
mod guard;
mod hash;
mod kinds;
mod patch;
mod plan;
mod prune;
mod reach;
mod refs;
mod repoint;
mod rotation;
mod sops_instead;
mod sops_source;
mod sources;
mod status;
mod target;
mod undo;
mod view;
mod wait;

use std::future::Future;

use clap::Arg;

pub use args::RotateSecretArgs;

use args::{Command, Mode};
use cluster::Session;
use target::Target;

use crate::cli::GlobalArgs;
use crate::client;
use crate::completion::{Reply, Request, Shell};
use crate::error::{Error, Result};
use crate::output::Format;
use crate::plugin::Plugin;

impl Plugin for RotateSecretArgs {
    const BIN: &'static str = "kubectl-rotate_secret";

    fn complete(req: &Request, arg: &Arg) -> Option<Reply> {
        complete::values(req, arg)
    }

    fn completion_shell(&self) -> Option<Shell> {
        self.completion
    }

    fn run(mut self) -> Result<u8> {
        // The connection flags are flattened beside the globals; the client reads them from there.
        self.global.connection = std::mem::take(&mut self.connection);
        // Global flags may come before a subcommand; rotation flags may not.
        if self.command.is_some()
            && (self.target.is_some() || self.source.given() || self.create || self.mutate.given())
        {
            return Err(Error::Usage(
                "put the subcommand first: kubectl rotate-secret SUBCOMMAND BASE [flags]".into(),
            ));
        }
        let global = &self.global;
        match &self.command {
            Some(Command::Refs(refs)) => view::refs(refs, global),
            Some(Command::History(history)) => view::history(history, global),
            Some(Command::Diff(args)) => diff::diff(args, global),
            Some(Command::Undo(undo)) => undo::undo(undo, &Mode::new(&undo.mutate, global)?),
            Some(Command::Prune(prune)) => prune::prune(prune, global),
            None => {
                let target = self
                    .target
                    .as_deref()
                    .ok_or_else(|| Error::Usage("name the Secret or ConfigMap to rotate".into()))?;
                let mode = Mode::new(&self.mutate, global)?;
                rotation::rotate(target, &self.source, self.create, &mode)
            }
        }
    }
}

/// Parses the target, connects, and runs `body` on a single-threaded runtime.
fn with_session<F, Fut>(global: &GlobalArgs, target: &str, body: F) -> Result<u8>
where
    F: FnOnce(Session) -> Fut,
    Fut: Future<Output = Result<u8>>,
{
    let target = Target::parse(target)?;
    client::with_connection(global, |conn| body(Session::new(conn, target)))
}

/// The commands that write print the objects written; a table is for listings.
fn check_mutating_output(format: Option<Format>) -> Result<()> {
    match format {
        None | Some(Format::Json | Format::Yaml | Format::Name) => Ok(()),
        Some(Format::Table) => Err(Error::Usage(
            "-o table is for listings; use -o json, yaml or name here".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    fn run(words: &[&str]) -> Result<u8> {
        let words = std::iter::once("kubectl-rotate_secret").chain(words.iter().copied());
        RotateSecretArgs::try_parse_from(words).unwrap().run()
    }

    fn usage_message(result: Result<u8>) -> String {
        match result {
            Err(Error::Usage(m)) => m,
            other => panic!("expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn a_subcommand_refuses_rotation_flags() {
        for words in [
            &["app", "refs", "app"][..],
            &["--from-current", "refs", "app"],
            &["--create", "refs", "app"],
            &["--dry-run=none", "refs", "app"],
        ] {
            assert!(usage_message(run(words)).starts_with("put the subcommand first"));
        }
    }

    #[test]
    fn checks_run_before_any_connection() {
        assert_eq!(
            usage_message(run(&["--create"])),
            "name the Secret or ConfigMap to rotate"
        );
        assert!(usage_message(run(&["undo", "app", "--timeout", "soon"])).contains("soon"));
        assert!(usage_message(run(&["app", "--timeout", "soon"])).contains("soon"));
    }
}
