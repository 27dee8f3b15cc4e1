//! Repointing every reference from one version to another: write the
//! version, switch the references, wait for the rollouts, and switch back
//! when one fails.
//!
//! Each object is changed with a JSON patch that first `test`s the old name
//! at every path it replaces ([`super::patch`]), so a concurrent edit makes
//! the API refuse the patch instead of being overwritten. The version object
//! is created before any switch and never deleted here, so at every moment
//! (including after an API error halfway through) each reference names an
//! object that exists.

use std::time::Instant;

use serde_json::Value;

use super::args::{DryRun, Mode};
use super::cluster::{FIELD_MANAGER, Session, VersionSpec, Write};
use super::content::Content;
use super::diagnose::diagnose;
use super::display::{for_display, print_objects};
use super::gitops;
use super::guard;
use super::patch::{self, switch_back, switch_or_revert};
use super::plan::{self, Plan};
use super::refs::Holder;
use super::status;
use super::wait::{Failure, WaitEnd, Watched, wait_rollouts};
use crate::error::{Error, Result, exit};
use crate::output::{self, Palette};

/// Where to switch to, and the version object to write first.
pub(crate) struct Destination<'a> {
    pub(crate) name: String,
    /// `None` when switching back to the unversioned original.
    pub(crate) apply: Option<VersionSpec<'a>>,
    /// Whether the version already exists (for the message).
    pub(crate) exists: bool,
    /// What the destination holds, to check the keys workloads read.
    pub(crate) content: &'a Content,
}

/// Creates or updates the destination version, switches every plan to it,
/// waits, and switches back on failure.
pub(crate) async fn run(
    s: &Session,
    holders: &[Holder],
    dest: Destination<'_>,
    mode: &Mode<'_>,
) -> Result<u8> {
    let palette = Palette::for_stderr(mode.global.color);
    let (guarded, plans) = guard::split_managed(plan::plan(holders, &dest.name), mode.flags.force);
    let version = format!("{}/{}", s.target.kind.resource(), dest.name);
    guard::check(&version, dest.content, &guarded, &plans, mode)?;

    // 1. The version exists before anything points at it.
    let mut written: Vec<Value> = Vec::new();
    if let Some(spec) = &dest.apply {
        written.push(write_version(s, spec, dest.exists, mode).await?);
    }
    warn_left_alone(holders, &guarded, &dest.name, palette);
    if plans.is_empty() {
        if holders.is_empty() {
            output::note(format!(
                "Nothing references {} or its versions yet.",
                s.target.display()
            ));
        } else if guarded.is_empty() {
            output::note(format!(
                "Every switchable reference already uses {}.",
                dest.name
            ));
        }
        print_objects(mode.global.output, &written)?;
        return Ok(exit::OK);
    }

    // 2. Switch, all or nothing.
    if mode.dry_run().is_none() {
        patch::run_hook()?;
    }
    let switched = switch_or_revert(s, &plans, mode, palette).await?;
    note_manual_rollouts(&switched, &dest.name, mode);
    written.extend(
        switched
            .iter()
            .map(|(_, o)| for_display(o.clone(), s.target.kind)),
    );
    if mode.dry_run().is_some() || mode.flags.no_wait {
        print_objects(mode.global.output, &written)?;
        return Ok(exit::OK);
    }

    // 3. Wait, and switch back if a rollout fails.
    let watch: Vec<Watched> = switched
        .iter()
        .filter(|(p, o)| {
            p.holder.kind.rolls() && status::manual_rollout(p.holder.kind, o).is_none()
        })
        .map(|(p, o)| Watched::of(p, o))
        .collect();
    let started = Instant::now();
    if let WaitEnd::Failed(failure) =
        wait_rollouts(s, &watch, Some(&dest.name), mode.timeout).await?
    {
        return Err(revert_failed(s, &dest, &switched, &watch, failure, mode).await);
    }
    if !watch.is_empty() {
        output::note(format!(
            "{} rollout(s) complete in {:.1}s; every switched object uses {}.",
            watch.len(),
            started.elapsed().as_secs_f64(),
            dest.name
        ));
    }
    print_objects(mode.global.output, &written)?;
    Ok(exit::OK)
}

/// Applies the version (or computes it, with `--dry-run=client`), says so,
/// and returns it as `-o` shows it.
async fn write_version(
    s: &Session,
    spec: &VersionSpec<'_>,
    exists: bool,
    mode: &Mode<'_>,
) -> Result<Value> {
    let obj = match mode.dry_run() {
        Some(DryRun::Client) => s.version_object(spec),
        _ => s.apply_version(spec, Write::of(mode.dry_run())).await?,
    };
    // An object of that name made by someone else (kustomize) with the same data.
    let adopted = !exists
        && obj
            .pointer("/metadata/managedFields")
            .and_then(Value::as_array)
            .is_some_and(|m| m.iter().any(|f| f["manager"] != FIELD_MANAGER));
    let verb = if adopted {
        "adopted"
    } else if exists {
        "unchanged"
    } else {
        "created"
    };
    mode.say(format!(
        "{}/{} {verb} (revision {}){}",
        s.target.kind.resource(),
        spec.name,
        spec.revision,
        mode.suffix()
    ));
    Ok(for_display(obj, s.target.kind))
}

/// Warns about the objects that keep an older version: those that cannot be
/// switched, and those the GitOps guard leaves alone.
fn warn_left_alone(holders: &[Holder], guarded: &[Plan], to: &str, palette: Palette) {
    for w in plan::reports(holders, to) {
        output::warn(palette, w);
    }
    for p in guarded {
        let manager = gitops::gitops_manager(&p.holder.meta).unwrap_or_default();
        output::warn(
            palette,
            format!(
                "{} is managed by {manager}, so it was not patched (its next sync would undo it); in its source, change {}; or rerun with --force",
                p.holder.display(),
                p.changes
                    .iter()
                    .map(|c| format!("{} from {} to {}", c.field, c.from, c.to))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
}

/// Objects whose switch takes effect without a rollout to wait for (an
/// OnDelete StatefulSet, a CronJob's next Job) get a note saying when it does.
fn note_manual_rollouts(switched: &[(Plan, Value)], to: &str, mode: &Mode<'_>) {
    for (plan, obj) in switched {
        if let Some(note) = status::manual_rollout(plan.holder.kind, obj) {
            let note = note.replace("{to}", to);
            output::note(format!(
                "{}: {note}{}",
                plan.holder.display(),
                mode.suffix()
            ));
        }
    }
}

/// A rollout failed: says why, switches everything back, marks the version
/// as failed, waits for the switched-back rollouts, and returns the error.
async fn revert_failed(
    s: &Session,
    dest: &Destination<'_>,
    switched: &[(Plan, Value)],
    watch: &[Watched],
    failure: Failure,
    mode: &Mode<'_>,
) -> Error {
    let Failure {
        kind,
        name,
        reason,
        pods,
    } = failure;
    let palette = Palette::for_stderr(mode.global.color);
    let workload = format!("{}/{name}", kind.resource());
    eprintln!("{} {workload}: {reason}", palette.error("rollout failed:"));
    for line in diagnose(s, kind, &name, &dest.name, &pods).await {
        eprintln!("  {line}");
    }
    let back = switch_back(s, switched, mode, palette).await;
    let reverted = back.len();
    if let Some(spec) = &dest.apply {
        let failed = format!("{workload}: {reason}");
        let marked = VersionSpec {
            failed: Some(&failed),
            ..*spec
        };
        if let Err(e) = s.apply_version(&marked, Write::Real).await {
            output::warn(
                palette,
                format!("could not mark {} as failed: {e}", dest.name),
            );
        }
    }
    let back: Vec<Watched> = back
        .iter()
        .filter(|(p, _)| {
            watch
                .iter()
                .any(|w| w.kind == p.holder.kind && w.name == p.holder.name)
        })
        .map(|(p, o)| Watched::of(p, o))
        .collect();
    match wait_rollouts(s, &back, None, mode.timeout).await {
        Ok(WaitEnd::Done) => output::note("The switched-back rollouts are complete."),
        Ok(_) | Err(_) => output::warn(
            palette,
            "the switched-back rollouts did not all complete; check them with kubectl rollout status",
        ),
    }
    Error::RolloutFailed {
        workload,
        reason,
        reverted,
    }
}
