//! Switching references from one version to another, waiting for the
//! rollouts, and switching back when one fails.
//!
//! Each object is changed with a JSON patch that first `test`s the old name
//! at every path it replaces, so a concurrent edit makes the API refuse the
//! patch instead of being overwritten. The version object is created before
//! any switch and never deleted here, so at every moment (including after an
//! API error halfway through) each reference names an object that exists.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Value, json};

use super::cluster::{Session, VersionSpec, Write};
use super::content::Content;
use super::display::{for_display, print_objects};
use super::guard;
use super::refs::{self, Holder, HolderKind, Role};
use super::wait::{self, Progress};
use crate::error::{Error, Result, exit};
use crate::output::{self, ColorChoice, Format, Palette};

/// `--dry-run=client|server`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DryRun {
    Client,
    Server,
}

/// Flags shared by the commands that change the cluster.
#[derive(Debug, Clone)]
pub struct Options {
    pub dry_run: Option<DryRun>,
    pub wait: bool,
    pub timeout: Duration,
    pub force: bool,
    /// Switch the others when the GitOps guard leaves some objects alone.
    pub allow_partial: bool,
    pub output: Option<Format>,
    pub color: ColorChoice,
}

impl Options {
    fn write(&self) -> Write {
        if self.dry_run == Some(DryRun::Server) {
            Write::ServerDryRun
        } else {
            Write::Real
        }
    }

    fn suffix(&self) -> &'static str {
        match self.dry_run {
            None => "",
            Some(DryRun::Client) => " (dry run)",
            Some(DryRun::Server) => " (server dry run)",
        }
    }

    /// Progress lines go to stdout like kubectl's, unless stdout carries -o data.
    pub fn say(&self, line: impl AsRef<str>) {
        match self.output {
            None | Some(Format::Table) => {
                let _ = output::print_lines([line.as_ref()]);
            }
            _ => eprintln!("{}", line.as_ref()),
        }
    }
}

/// One name change at one path.
#[derive(Debug, Clone)]
pub struct Change {
    pub pointer: String,
    pub field: String,
    pub from: String,
    pub to: String,
}

/// The changes for one object.
#[derive(Debug, Clone)]
pub struct Plan {
    pub holder: Holder,
    pub changes: Vec<Change>,
}

impl Plan {
    /// JSON patch ops: test the old value, then replace it. Reversed for switching back.
    pub fn ops(&self, forward: bool) -> Value {
        let mut ops = Vec::new();
        for c in &self.changes {
            let (old, new) = if forward {
                (&c.from, &c.to)
            } else {
                (&c.to, &c.from)
            };
            ops.push(json!({"op": "test", "path": c.pointer, "value": old}));
            ops.push(json!({"op": "replace", "path": c.pointer, "value": new}));
        }
        Value::Array(ops)
    }

    fn fields(&self) -> String {
        let mut from: Vec<&str> = self.changes.iter().map(|c| c.from.as_str()).collect();
        from.dedup();
        let fields: Vec<&str> = self.changes.iter().map(|c| c.field.as_str()).collect();
        format!(
            "{} → {} ({})",
            from.join(", "),
            self.changes[0].to,
            fields.join(", ")
        )
    }
}

/// Switch plans for every switchable object that references another member of the family.
pub fn plan(holders: &[Holder], to: &str) -> Vec<Plan> {
    holders
        .iter()
        .filter(|h| h.role == Role::Switch)
        .filter_map(|h| {
            let changes: Vec<Change> = h
                .refs
                .iter()
                .filter(|r| r.name != to)
                .map(|r| Change {
                    pointer: r.pointer.clone(),
                    field: r.field.clone(),
                    from: r.name.clone(),
                    to: to.to_string(),
                })
                .collect();
            (!changes.is_empty()).then(|| Plan {
                holder: h.clone(),
                changes,
            })
        })
        .collect()
}

/// Where to switch to, and the version object to write first.
pub struct Destination<'a> {
    pub name: String,
    /// `None` when switching back to the unversioned original.
    pub apply: Option<VersionSpec<'a>>,
    /// Whether the version already exists (for the message).
    pub exists: bool,
    /// What the destination holds, to check the keys workloads read.
    pub content: &'a Content,
}

/// Environment variable naming a shell command run after the references are
/// read and before the first patch. Tests use it to change a workload
/// concurrently and check that the switch refuses to overwrite the change.
/// Only in builds with the test-only `test-hooks` feature: a release binary
/// must not run commands from its environment.
#[cfg(feature = "test-hooks")]
const HOOK_BEFORE_SWITCH: &str = "HONBAN_ROTATE_HOOK_BEFORE_SWITCH";

#[cfg(feature = "test-hooks")]
fn run_hook() -> Result<()> {
    if let Ok(cmd) = std::env::var(HOOK_BEFORE_SWITCH)
        && !cmd.is_empty()
    {
        let status = std::process::Command::new("sh")
            .args(["-c", &cmd])
            .stdout(std::process::Stdio::null())
            .status()
            .map_err(|e| Error::Failed(format!("{HOOK_BEFORE_SWITCH}: {e}")))?;
        if !status.success() {
            return Err(Error::Failed(format!(
                "{HOOK_BEFORE_SWITCH} failed ({status})"
            )));
        }
    }
    Ok(())
}

#[cfg(not(feature = "test-hooks"))]
fn run_hook() -> Result<()> {
    Ok(())
}

/// A refused `test` op (or a path that no longer exists) comes back as a
/// bare 422 without details; a validation error on the result names fields.
fn is_conflict(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 409 || s.code == 404
        || (s.code == 422 && s.details.as_ref().is_none_or(|d| d.causes.is_empty() && d.name.is_empty())))
}

/// Says what changed in an object whose patch was refused.
async fn conflict_detail(s: &Session, plan: &Plan, e: &kube::Error) -> String {
    if matches!(e, kube::Error::Api(st) if st.code == 404) {
        return "it was deleted".into();
    }
    let Ok(items) = s.list_kind(plan.holder.kind).await else {
        return api_message(e);
    };
    let Some(now) = items
        .iter()
        .find(|o| o["metadata"]["name"] == plan.holder.name.as_str())
    else {
        return "it was deleted".into();
    };
    let changed: Vec<String> = plan
        .changes
        .iter()
        .filter_map(|c| match now.pointer(&c.pointer).and_then(Value::as_str) {
            Some(v) if v == c.from => None,
            Some(v) => Some(format!("{} now names {v}, not {}", c.field, c.from)),
            None => Some(format!("{} is gone", c.field)),
        })
        .collect();
    if changed.is_empty() {
        api_message(e)
    } else {
        changed.join("; ")
    }
}

/// Creates or updates the destination version, switches every plan to it,
/// waits, and switches back on failure.
pub async fn run(
    s: &Session,
    holders: &[Holder],
    dest: Destination<'_>,
    opts: &Options,
) -> Result<u8> {
    let palette = Palette::for_stderr(opts.color);
    let (guarded, plans) = guard::split_managed(plan(holders, &dest.name), opts.force);
    let version = format!("{}/{}", s.target.kind.resource(), dest.name);
    guard::check(&version, dest.content, &guarded, &plans, opts)?;
    let mut written: Vec<Value> = Vec::new();

    // 1. The version exists before anything points at it.
    if let Some(spec) = &dest.apply {
        let obj = match opts.dry_run {
            Some(DryRun::Client) => s.version_object(spec),
            _ => s.apply_version(spec, opts.write()).await?,
        };
        // An object of that name made by someone else (kustomize) with the same data.
        let adopted = !dest.exists
            && obj
                .pointer("/metadata/managedFields")
                .and_then(Value::as_array)
                .is_some_and(|m| {
                    m.iter()
                        .any(|f| f["manager"] != super::cluster::FIELD_MANAGER)
                });
        let verb = if adopted {
            "adopted"
        } else if dest.exists {
            "unchanged"
        } else {
            "created"
        };
        opts.say(format!(
            "{}/{} {verb} (revision {}){}",
            s.target.kind.resource(),
            dest.name,
            spec.revision,
            opts.suffix()
        ));
        written.push(for_display(obj, s.target.kind));
    }

    for w in reports(holders, &dest.name) {
        output::warn(palette, w);
    }
    for p in &guarded {
        let manager = refs::gitops_manager(&p.holder.meta).unwrap_or_default();
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
        print_objects(opts.output, &written)?;
        return Ok(exit::OK);
    }

    // 2. Switch, all or nothing.
    if opts.dry_run.is_none() {
        run_hook()?;
    }
    let switched = match switch_all(s, &plans, true, opts).await {
        Ok(done) => done,
        Err((done, failed_plan, e)) => {
            let reverted = switch_back(s, &done, opts, palette).await.len();
            let object = failed_plan.holder.display();
            return Err(if is_conflict(&e) {
                Error::RotateConflict {
                    object,
                    detail: conflict_detail(s, &failed_plan, &e).await,
                    reverted,
                }
            } else {
                Error::Failed(format!(
                    "switching {object} failed: {}; {reverted} object(s) already switched were switched back, nothing else changed",
                    api_message(&e)
                ))
            });
        }
    };
    for (plan, obj) in &switched {
        if let Some(note) = wait::manual_rollout(plan.holder.kind, obj) {
            let note = note.replace("{to}", &dest.name);
            output::note(format!(
                "{}: {note}{}",
                plan.holder.display(),
                opts.suffix()
            ));
        }
    }
    written.extend(
        switched
            .iter()
            .map(|(_, o)| for_display(o.clone(), s.target.kind)),
    );
    if opts.dry_run.is_some() || !opts.wait {
        print_objects(opts.output, &written)?;
        return Ok(exit::OK);
    }

    // 3. Wait, and switch back if a rollout fails.
    let watch: Vec<Watched> = switched
        .iter()
        .filter(|(p, o)| p.holder.kind.rolls() && wait::manual_rollout(p.holder.kind, o).is_none())
        .map(|(p, o)| Watched {
            kind: p.holder.kind,
            name: p.holder.name.clone(),
            generation: o
                .pointer("/metadata/generation")
                .and_then(Value::as_i64)
                .unwrap_or(0),
        })
        .collect();
    let started = Instant::now();
    match wait_rollouts(s, &watch, Some(&dest.name), opts.timeout).await? {
        WaitEnd::Done => {
            if !watch.is_empty() {
                output::note(format!(
                    "{} rollout(s) complete in {:.1}s; every switched object uses {}.",
                    watch.len(),
                    started.elapsed().as_secs_f64(),
                    dest.name
                ));
            }
            print_objects(opts.output, &written)?;
            Ok(exit::OK)
        }
        WaitEnd::Failed {
            kind,
            name,
            reason,
            pods,
        } => {
            let workload = format!("{}/{name}", kind.resource());
            eprintln!("{} {workload}: {reason}", palette.error("rollout failed:"));
            for line in diagnose(s, kind, &name, &dest.name, &pods).await {
                eprintln!("  {line}");
            }
            let back = switch_back(s, &switched, opts, palette).await;
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
                .map(|(p, o)| Watched {
                    kind: p.holder.kind,
                    name: p.holder.name.clone(),
                    generation: o
                        .pointer("/metadata/generation")
                        .and_then(Value::as_i64)
                        .unwrap_or(0),
                })
                .collect();
            match wait_rollouts(s, &back, None, opts.timeout).await {
                Ok(WaitEnd::Done) => output::note("The switched-back rollouts are complete."),
                Ok(_) | Err(_) => output::warn(
                    palette,
                    "the switched-back rollouts did not all complete; check them with kubectl rollout status",
                ),
            }
            Err(Error::RolloutFailed {
                workload,
                reason,
                reverted,
            })
        }
    }
}

/// Objects that reference an older member of the family but cannot be switched.
fn reports(holders: &[Holder], to: &str) -> Vec<String> {
    holders
        .iter()
        .filter_map(|h| match &h.role {
            Role::Report(why) if h.refs.iter().any(|r| r.name != to) => Some(format!(
                "{} still uses {}: {why}",
                h.display(),
                h.names().join(", ")
            )),
            _ => None,
        })
        .collect()
}

fn api_message(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => s.message.clone(),
        other => other.to_string(),
    }
}

type SwitchFailure = (Vec<(Plan, Value)>, Plan, kube::Error);

/// Patches every plan (a few at a time), printing one line per object.
/// On the first failure the others finish, and the caller gets what was done.
async fn switch_all(
    s: &Session,
    plans: &[Plan],
    forward: bool,
    opts: &Options,
) -> std::result::Result<Vec<(Plan, Value)>, SwitchFailure> {
    let client_dry = opts.dry_run == Some(DryRun::Client);
    let results: Vec<(Plan, std::result::Result<Value, kube::Error>)> =
        stream::iter(plans.iter().cloned())
            .map(|p| async move {
                let ops = p.ops(forward);
                let res = if client_dry {
                    apply_locally(&p.holder.object, &ops)
                } else {
                    s.patch(p.holder.kind, &p.holder.name, &ops, opts.write())
                        .await
                };
                if res.is_ok() && forward {
                    opts.say(format!(
                        "{} switched: {}{}",
                        p.holder.display(),
                        p.fields(),
                        opts.suffix()
                    ));
                }
                (p, res)
            })
            .buffer_unordered(8)
            .collect()
            .await;
    let mut done = Vec::new();
    let mut failure = None;
    for (p, res) in results {
        match res {
            Ok(obj) => done.push((p, obj)),
            Err(e) if failure.is_none() => failure = Some((p, e)),
            Err(_) => {}
        }
    }
    match failure {
        None => Ok(done),
        Some((p, e)) => Err((done, p, e)),
    }
}

fn apply_locally(object: &Value, ops: &Value) -> std::result::Result<Value, kube::Error> {
    let patch: json_patch::Patch =
        serde_json::from_value(ops.clone()).map_err(kube::Error::SerdeError)?;
    let mut obj = object.clone();
    json_patch::patch(&mut obj, &patch).map_err(|e| {
        kube::Error::Api(Box::new(kube::core::Status {
            code: 422,
            message: format!("test failed: {e}"),
            reason: "Invalid".into(),
            ..Default::default()
        }))
    })?;
    Ok(obj)
}

/// Switches objects back to the names they had; returns those switched back.
async fn switch_back(
    s: &Session,
    switched: &[(Plan, Value)],
    opts: &Options,
    palette: Palette,
) -> Vec<(Plan, Value)> {
    if switched.is_empty() || opts.dry_run.is_some() {
        return Vec::new();
    }
    let plans: Vec<Plan> = switched.iter().map(|(p, _)| p.clone()).collect();
    let (done, failed) = match switch_all(s, &plans, false, opts).await {
        Ok(done) => (done, None),
        Err((done, p, e)) => (done, Some((p, e))),
    };
    for (p, _) in &done {
        eprintln!(
            "{} switched back to {}",
            p.holder.display(),
            p.changes[0].from
        );
    }
    if let Some((p, e)) = failed {
        output::warn(
            palette,
            format!(
                "could not switch {} back ({}); it keeps using {}, which exists",
                p.holder.display(),
                api_message(&e),
                p.changes[0].to
            ),
        );
    }
    done
}

#[derive(Debug, Clone)]
struct Watched {
    kind: HolderKind,
    name: String,
    generation: i64,
}

enum WaitEnd {
    Done,
    Failed {
        kind: HolderKind,
        name: String,
        reason: String,
        pods: Vec<Value>,
    },
}

/// Polls the watched workloads once a second (one LIST per kind, plus one
/// of pods to catch containers that can never start) until all are rolled
/// out, one fails, or the timeout passes.
async fn wait_rollouts(
    s: &Session,
    watch: &[Watched],
    new_name: Option<&str>,
    timeout: Duration,
) -> Result<WaitEnd> {
    if watch.is_empty() {
        return Ok(WaitEnd::Done);
    }
    let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{spinner} {prefix} {wide_msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    let bars: Vec<ProgressBar> = watch
        .iter()
        .map(|w| {
            let b = multi.add(ProgressBar::new_spinner());
            b.set_style(style.clone());
            b.set_prefix(format!("{}/{}", w.kind.resource(), w.name));
            b.set_message("waiting");
            b
        })
        .collect();
    let hidden = multi.is_hidden();
    let say = |line: String| {
        if hidden {
            eprintln!("{line}");
        } else {
            let _ = multi.println(line);
        }
    };
    let kinds: BTreeSet<HolderKind> = watch.iter().map(|w| w.kind).collect();
    let deadline = Instant::now() + timeout;
    let mut done = vec![false; watch.len()];
    let mut strikes = vec![0u32; watch.len()];
    loop {
        for b in &bars {
            b.tick();
        }
        let mut objects = Vec::new();
        for &k in &kinds {
            objects.push((k, s.list_kind(k).await?));
        }
        let pods = match new_name {
            Some(_) => s.list_kind(HolderKind::Pod).await?,
            None => Vec::new(),
        };
        for (i, w) in watch.iter().enumerate() {
            if done[i] {
                continue;
            }
            let obj = objects
                .iter()
                .filter(|(k, _)| *k == w.kind)
                .flat_map(|(_, items)| items)
                .find(|o| o["metadata"]["name"] == w.name.as_str());
            let Some(obj) = obj else {
                return Ok(finish_failed(
                    &bars,
                    w,
                    "it was deleted during the rollout".into(),
                    pods,
                ));
            };
            match wait::progress(w.kind, obj, w.generation) {
                Progress::Done => {
                    done[i] = true;
                    // The printed line replaces the bar: both would show it twice.
                    bars[i].finish_and_clear();
                    say(format!("{}/{} rolled out", w.kind.resource(), w.name));
                }
                Progress::Failed(reason) => {
                    return Ok(finish_failed(&bars, w, reason, pods));
                }
                Progress::Waiting(msg) => {
                    bars[i].set_message(msg);
                    // A container that cannot start on two looks in a row fails the rollout.
                    let fatal = new_name.and_then(|n| fatal_pod(s, w, n, &pods));
                    match fatal {
                        Some(reason) => {
                            strikes[i] += 1;
                            if strikes[i] >= 2 {
                                return Ok(finish_failed(&bars, w, reason, pods));
                            }
                        }
                        None => strikes[i] = 0,
                    }
                }
            }
        }
        if done.iter().all(|d| *d) {
            return Ok(WaitEnd::Done);
        }
        if Instant::now() >= deadline {
            let i = done.iter().position(|d| !d).unwrap_or(0);
            let w = &watch[i];
            let reason = format!("not rolled out within {}s (--timeout)", timeout.as_secs());
            return Ok(finish_failed(&bars, w, reason, pods));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

fn finish_failed(bars: &[ProgressBar], w: &Watched, reason: String, pods: Vec<Value>) -> WaitEnd {
    for b in bars {
        b.finish_and_clear();
    }
    WaitEnd::Failed {
        kind: w.kind,
        name: w.name.clone(),
        reason,
        pods,
    }
}

fn fatal_pod(s: &Session, w: &Watched, new_name: &str, pods: &[Value]) -> Option<String> {
    pods.iter()
        .filter(|p| {
            wait::pod_workload(p)
                .is_some_and(|(kinds, name)| kinds.contains(&w.kind) && name == w.name)
        })
        .filter(|p| !refs::scan(HolderKind::Pod, p, s.target.kind, &|n| n == new_name).is_empty())
        .find_map(|p| {
            wait::fatal_container_state(p).map(|state| {
                format!(
                    "pod {}: {state}",
                    p["metadata"]["name"].as_str().unwrap_or("?")
                )
            })
        })
}

/// What the user needs to see about a failed workload: its new pods'
/// container states and the recent events of the workload, its new
/// ReplicaSet and those pods.
async fn diagnose(
    s: &Session,
    kind: HolderKind,
    name: &str,
    new_name: &str,
    pods: &[Value],
) -> Vec<String> {
    let mut lines = Vec::new();
    let mut names = vec![name.to_string()];
    if matches!(kind, HolderKind::Deployment | HolderKind::Rollout)
        && let Ok(sets) = s.list_kind(HolderKind::ReplicaSet).await
    {
        for rs in sets {
            let owned = rs
                .pointer("/metadata/ownerReferences")
                .and_then(Value::as_array)
                .is_some_and(|o| {
                    o.iter().any(|o| {
                        o["name"] == name && o["kind"] == kind.api_resource().kind.as_str()
                    })
                });
            let uses_new = !refs::scan(HolderKind::ReplicaSet, &rs, s.target.kind, &|n| {
                n == new_name
            })
            .is_empty();
            if owned && uses_new {
                let rs_name = rs["metadata"]["name"].as_str().unwrap_or("").to_string();
                lines.push(format!(
                    "new replicaset {rs_name}: {} of {} pods ready",
                    rs.pointer("/status/readyReplicas")
                        .and_then(Value::as_i64)
                        .unwrap_or(0),
                    rs.pointer("/spec/replicas")
                        .and_then(Value::as_i64)
                        .unwrap_or(0)
                ));
                names.push(rs_name);
            }
        }
    }
    let mine: Vec<&Value> = pods
        .iter()
        .filter(|p| {
            wait::pod_workload(p).is_some_and(|(kinds, n)| kinds.contains(&kind) && n == name)
        })
        .filter(|p| !refs::scan(HolderKind::Pod, p, s.target.kind, &|n| n == new_name).is_empty())
        .collect();
    if mine.is_empty() {
        lines.push(format!("no pod of {} uses {new_name} yet", name));
    }
    for p in mine.iter().take(3) {
        let pname = p["metadata"]["name"].as_str().unwrap_or("?").to_string();
        for state in wait::container_states(p) {
            lines.push(format!("pod {pname}: {state}"));
        }
        names.push(pname);
    }
    let events = s.events_for(&names).await;
    let warnings: Vec<&Value> = events.iter().filter(|e| e["type"] == "Warning").collect();
    let shown: Vec<&Value> = if warnings.is_empty() {
        events.iter().collect()
    } else {
        warnings
    };
    let mut seen = std::collections::HashSet::new();
    let mut latest: Vec<&Value> = shown
        .iter()
        .rev()
        .filter(|e| seen.insert((e["involvedObject"]["name"].clone(), e["reason"].clone())))
        .take(5)
        .copied()
        .collect();
    latest.reverse();
    for e in latest {
        lines.push(format!(
            "event {}/{}: {} {}: {}",
            e["involvedObject"]["kind"]
                .as_str()
                .unwrap_or("")
                .to_lowercase(),
            e["involvedObject"]["name"].as_str().unwrap_or(""),
            e["type"].as_str().unwrap_or(""),
            e["reason"].as_str().unwrap_or(""),
            e["message"].as_str().unwrap_or("").trim()
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rotate::content::Target;

    fn holder(obj: Value) -> Holder {
        Holder::from_object(HolderKind::Deployment, obj, &Target::parse("app").unwrap()).unwrap()
    }

    fn web() -> Value {
        json!({
            "metadata": {"name": "web"},
            "spec": {"template": {"spec": {
                "containers": [{"name": "web", "env": [{"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "app", "key": "password"}}}]}],
                "volumes": [{"name": "creds", "secret": {"secretName": "app-h8mdbf6h8f"}}]
            }}}
        })
    }

    #[test]
    fn patches_test_the_old_name_and_reverse_cleanly() {
        let plans = plan(&[holder(web())], "app-2m57tk55mf");
        assert_eq!(plans.len(), 1);
        let fwd = plans[0].ops(true);
        assert_eq!(
            fwd,
            json!([
                {"op": "test", "path": "/spec/template/spec/volumes/0/secret/secretName", "value": "app-h8mdbf6h8f"},
                {"op": "replace", "path": "/spec/template/spec/volumes/0/secret/secretName", "value": "app-2m57tk55mf"},
                {"op": "test", "path": "/spec/template/spec/containers/0/env/0/valueFrom/secretKeyRef/name", "value": "app"},
                {"op": "replace", "path": "/spec/template/spec/containers/0/env/0/valueFrom/secretKeyRef/name", "value": "app-2m57tk55mf"},
            ])
        );
        let switched = apply_locally(&web(), &fwd).unwrap();
        let back = apply_locally(&switched, &plans[0].ops(false)).unwrap();
        assert_eq!(back, web());
    }

    #[test]
    fn a_concurrent_change_fails_the_test_op() {
        let plans = plan(&[holder(web())], "app-2m57tk55mf");
        let mut changed = web();
        changed["spec"]["template"]["spec"]["containers"][0]["env"][0]["valueFrom"]["secretKeyRef"]
            ["name"] = json!("other");
        let err = apply_locally(&changed, &plans[0].ops(true)).unwrap_err();
        assert!(is_conflict(&err));
    }

    #[test]
    fn nothing_to_switch_when_every_reference_is_current() {
        let mut obj = web();
        obj["spec"]["template"]["spec"]["containers"][0]["env"][0]["valueFrom"]["secretKeyRef"]["name"] =
            json!("app-h8mdbf6h8f");
        assert!(plan(&[holder(obj)], "app-h8mdbf6h8f").is_empty());
    }
}
