//! `prune`: delete old versions that nothing can still need.
//!
//! A version is kept while any of these names it: a workload template, a
//! ReplicaSet or ControllerRevision kept for `kubectl rollout undo`, a live
//! Pod, a CronJob or an unfinished Job, a ServiceAccount or an Ingress.
//! On top of that the `--keep` newest versions are kept. The unversioned
//! original (`BASE`) is not a version and is never deleted.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::args::{DryRun, PruneArgs, dry_run_suffix};
use super::cluster::{Session, Version, Write};
use super::kinds::HolderKind;
use super::refs::{Holder, Role};
use super::{check_mutating_output, with_session};
use crate::cli::GlobalArgs;
use crate::error::{Result, exit};
use crate::output::{self, Format};

/// The decision for one version.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Decision {
    pub(crate) name: String,
    pub(crate) revision: u32,
    pub(crate) delete: bool,
    /// What still uses it, each with why that keeps it.
    pub(crate) used_by: Vec<String>,
    /// Kept as one of the `--keep` newest.
    pub(crate) kept_by_count: bool,
}

impl Decision {
    /// One line for people: `in use by a, b, c (+4 more); one of the 3 newest (--keep 3)`.
    pub(crate) fn why(&self, keep: usize) -> String {
        let mut parts = Vec::new();
        if !self.used_by.is_empty() {
            let shown: Vec<&str> = self.used_by.iter().take(3).map(String::as_str).collect();
            let more = self.used_by.len().saturating_sub(3);
            parts.push(format!(
                "in use by {}{}",
                shown.join(", "),
                if more > 0 {
                    format!(" (+{more} more)")
                } else {
                    String::new()
                }
            ));
        }
        if self.kept_by_count {
            parts.push(format!("one of the {keep} newest (--keep {keep})"));
        }
        if parts.is_empty() {
            parts.push("nothing uses it".into());
        }
        parts.join("; ")
    }
}

/// Why a holder keeps the versions it names; `None` when it does not
/// (a finished Pod or Job).
pub(crate) fn usage_reason(h: &Holder) -> Option<String> {
    let owner = match &h.role {
        Role::Owned { owner } => Some(owner.as_str()),
        _ => None,
    };
    match h.kind {
        HolderKind::Pod if !h.is_live_pod() => None,
        HolderKind::Job if !h.is_active_job() => None,
        HolderKind::Pod => Some(match owner {
            Some(o) => format!("live {} of {o}", h.display()),
            None => format!("live {}", h.display()),
        }),
        HolderKind::Job => Some(format!("active {}", h.display())),
        HolderKind::ReplicaSet => {
            let replicas = h
                .object
                .pointer("/spec/replicas")
                .and_then(Value::as_i64)
                .unwrap_or(1);
            Some(match owner {
                Some(o) if replicas == 0 => {
                    format!("{} (kept by {o} for rollout undo)", h.display())
                }
                Some(o) => format!("{} of {o}", h.display()),
                None => h.display(),
            })
        }
        HolderKind::ControllerRevision => Some(format!(
            "{} ({} history for rollout undo)",
            h.display(),
            owner.unwrap_or("rollout")
        )),
        _ => Some(format!("{} template", h.display())),
    }
}

/// The workload whose rollout history `h` is: a ReplicaSet its Deployment
/// scaled to zero, or a ControllerRevision. Both stay until the owner's
/// `revisionHistoryLimit` drops them.
fn history_owner(h: &Holder) -> Option<&str> {
    let Role::Owned { owner } = &h.role else {
        return None;
    };
    match h.kind {
        HolderKind::ControllerRevision => Some(owner),
        HolderKind::ReplicaSet => {
            let replicas = h.object.pointer("/spec/replicas").and_then(Value::as_i64);
            (replicas == Some(0)).then_some(owner.as_str())
        }
        _ => None,
    }
}

/// The closing lines of a prune: what was deleted and kept, and why, and
/// when rollout history is what keeps versions, which setting decides that.
pub(crate) fn summary(decisions: &[Decision], holders: &[Holder], keep: usize) -> Vec<String> {
    let users: Vec<&Holder> = holders
        .iter()
        .filter(|h| usage_reason(h).is_some())
        .collect();
    let naming = |name: &str| -> Vec<&Holder> {
        users
            .iter()
            .copied()
            .filter(|h| h.names().contains(&name))
            .collect()
    };
    let (mut in_use, mut history, mut by_count) = (0, 0, 0);
    // owner -> the history objects of it that keep versions
    let mut owners: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for d in decisions.iter().filter(|d| !d.delete) {
        let named_by = naming(&d.name);
        if named_by.is_empty() {
            by_count += 1;
        } else if named_by.iter().all(|h| history_owner(h).is_some()) {
            history += 1;
            for h in named_by {
                let of = owners
                    .entry(history_owner(h).unwrap_or_default())
                    .or_default();
                if !of.contains(&h.name.as_str()) {
                    of.push(&h.name);
                }
            }
        } else {
            in_use += 1;
        }
    }
    let deleted = decisions.iter().filter(|d| d.delete).count();
    let mut reasons = Vec::new();
    if in_use > 0 {
        reasons.push(format!("{in_use} in use"));
    }
    if history > 0 {
        reasons.push(format!(
            "{history} only by old revisions kept for rollout undo"
        ));
    }
    if by_count > 0 {
        reasons.push(format!("{by_count} as the newest (--keep {keep})"));
    }
    let mut lines = vec![format!(
        "Deleted {deleted}, kept {}{}",
        decisions.len() - deleted,
        if reasons.is_empty() {
            String::new()
        } else {
            format!(": {}", reasons.join(", "))
        }
    )];
    for (owner, objects) in owners {
        lines.push(history_hint(owner, objects.len(), holders));
    }
    lines
}

fn history_hint(owner: &str, count: usize, holders: &[Holder]) -> String {
    let limit = holders
        .iter()
        .find(|h| h.display() == owner)
        .and_then(|h| h.object.pointer("/spec/revisionHistoryLimit"))
        .and_then(Value::as_i64)
        .map(|n| n.to_string())
        .unwrap_or_else(|| "10, the default".into());
    let what = if owner.starts_with("deployment") {
        "ReplicaSets"
    } else {
        "ControllerRevisions"
    };
    format!(
        "hint: {owner} keeps old {what} for `kubectl rollout undo` (spec.revisionHistoryLimit: {limit}), and {count} of them still name{} these versions; lower its revisionHistoryLimit to keep fewer, then prune again",
        if count == 1 { "s" } else { "" }
    )
}

/// Decides, newest first, which versions go.
pub(crate) fn decide(versions: &[Version], holders: &[Holder], keep: usize) -> Vec<Decision> {
    let mut users: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for h in holders {
        if let Some(reason) = usage_reason(h) {
            for name in h.names() {
                users.entry(name).or_default().push(reason.clone());
            }
        }
    }
    let mut newest: Vec<&Version> = versions.iter().collect();
    newest.sort_by_key(|v| std::cmp::Reverse(v.revision));
    newest
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let mut used_by = users.remove(v.name.as_str()).unwrap_or_default();
            used_by.sort();
            let kept_by_count = i < keep;
            Decision {
                name: v.name.clone(),
                revision: v.revision,
                delete: used_by.is_empty() && !kept_by_count,
                used_by,
                kept_by_count,
            }
        })
        .collect()
}

pub(crate) fn prune(args: &PruneArgs, global: &GlobalArgs) -> Result<u8> {
    check_mutating_output(global.output)?;
    with_session(global, &args.target, |s| async move {
        let (versions, holders) = tokio::try_join!(
            s.versions(),
            s.holders(HolderKind::for_usage(s.target.kind))
        )?;
        let holders =
            holders.require_all(&s.context, &format!("prune {}", s.target.display()), "list")?;
        let decisions = decide(&versions, &holders, args.keep);
        run_decisions(&s, &versions, &holders, &decisions, args, global).await
    })
}

async fn run_decisions(
    s: &Session,
    versions: &[Version],
    holders: &[Holder],
    decisions: &[Decision],
    args: &PruneArgs,
    global: &GlobalArgs,
) -> Result<u8> {
    let data_on_stdout = matches!(
        global.output,
        Some(Format::Json | Format::Yaml | Format::Name)
    );
    let say = |line: String| {
        if data_on_stdout {
            eprintln!("{line}");
        } else {
            let _ = output::print_lines([line]);
        }
    };
    let suffix = dry_run_suffix(args.dry_run());
    let res = s.target.kind.resource();
    if decisions.is_empty() {
        output::note(format!("{} has no versions.", s.target.display()));
    }
    let mut deleted = Vec::new();
    for d in decisions {
        if !d.delete {
            say(format!(
                "{res}/{} kept (revision {}): {}",
                d.name,
                d.revision,
                d.why(args.keep)
            ));
            continue;
        }
        let v = versions
            .iter()
            .find(|v| v.name == d.name)
            .expect("decided from this list");
        if args.dry_run() != Some(DryRun::Client) {
            s.delete_version(v, Write::of(args.dry_run())).await?;
        }
        say(format!(
            "{res}/{} deleted (revision {}): {}{suffix}",
            d.name,
            d.revision,
            d.why(args.keep)
        ));
        deleted.push(format!("{res}/{}", d.name));
    }
    if !decisions.is_empty() {
        let lines = summary(decisions, holders, args.keep);
        output::note(format!("{}{suffix}", lines[0]));
        for hint in &lines[1..] {
            output::note(hint);
        }
    }
    match global.output {
        Some(Format::Json) => output::print_json(decisions)?,
        Some(Format::Yaml) => output::print_yaml(&decisions)?,
        Some(Format::Name) => output::print_lines(&deleted)?,
        _ => {}
    }
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rotate::content::Content;
    use crate::rotate::target::{Target, TargetKind};
    use serde_json::json;

    fn version(name: &str, revision: u32) -> Version {
        Version {
            name: name.into(),
            revision,
            content: Content::empty(TargetKind::Secret, None),
            meta: Default::default(),
        }
    }

    fn holder(kind: HolderKind, obj: Value) -> Holder {
        Holder::from_object(kind, obj, &Target::parse("app").unwrap()).unwrap()
    }

    fn uses(name: &str) -> Value {
        json!({"volumes": [{"name": "v", "secret": {"secretName": name}}]})
    }

    const V1: &str = "app-hhhhhhhhhh";
    const V2: &str = "app-2222222222";
    const V3: &str = "app-kkkkkkkkkk";
    const V4: &str = "app-4444444444";
    const V5: &str = "app-5555555555";

    #[test]
    fn keep_zero_keeps_every_version_in_use() {
        let owner =
            |kind: &str, name: &str| json!([{"kind": kind, "name": name, "controller": true}]);
        let holders = vec![
            holder(
                HolderKind::Deployment,
                json!({"metadata": {"name": "web"}, "spec": {"template": {"spec": uses(V5)}}}),
            ),
            holder(
                HolderKind::ReplicaSet,
                json!({"metadata": {"name": "web-1", "ownerReferences": owner("Deployment", "web")}, "spec": {"replicas": 0, "template": {"spec": uses(V1)}}}),
            ),
            holder(
                HolderKind::Pod,
                json!({"metadata": {"name": "pinned"}, "spec": uses(V2), "status": {"phase": "Running"}}),
            ),
            holder(
                HolderKind::Pod,
                json!({"metadata": {"name": "done"}, "spec": uses(V4), "status": {"phase": "Succeeded"}}),
            ),
            holder(
                HolderKind::CronJob,
                json!({"metadata": {"name": "nightly"}, "spec": {"jobTemplate": {"spec": {"template": {"spec": uses(V3)}}}}}),
            ),
        ];
        let versions: Vec<Version> = [V1, V2, V3, V4, V5]
            .iter()
            .enumerate()
            .map(|(i, n)| version(n, i as u32 + 1))
            .collect();
        let d = decide(&versions, &holders, 0);
        let by_name = |n: &str| d.iter().find(|x| x.name == n).unwrap().clone();
        assert!(!by_name(V1).delete);
        assert_eq!(
            by_name(V1).used_by,
            vec!["replicaset.apps/web-1 (kept by deployment.apps/web for rollout undo)"]
        );
        assert_eq!(by_name(V2).why(0), "in use by live pod/pinned");
        assert_eq!(
            by_name(V3).why(0),
            "in use by cronjob.batch/nightly template"
        );
        assert_eq!(by_name(V4).why(0), "nothing uses it");
        assert!(!by_name(V2).delete);
        assert!(!by_name(V3).delete);
        assert!(by_name(V4).delete, "a finished pod keeps nothing");
        assert!(!by_name(V5).delete);
        assert_eq!(d[0].name, V5, "newest first");
    }

    #[test]
    fn keep_n_keeps_the_newest() {
        let versions: Vec<Version> = [V1, V2, V3]
            .iter()
            .enumerate()
            .map(|(i, n)| version(n, i as u32 + 1))
            .collect();
        let d = decide(&versions, &[], 2);
        assert_eq!(
            d.iter().map(|x| x.delete).collect::<Vec<_>>(),
            vec![false, false, true]
        );
        assert_eq!(d[0].why(2), "one of the 2 newest (--keep 2)");
    }

    #[test]
    fn the_summary_counts_why_and_names_the_history_limit() {
        let rs = |name: &str, replicas: i64, uses_v: &str| {
            holder(
                HolderKind::ReplicaSet,
                json!({"metadata": {"name": name, "ownerReferences": [{"kind": "Deployment", "name": "web", "controller": true}]},
                       "spec": {"replicas": replicas, "template": {"spec": uses(uses_v)}}}),
            )
        };
        let holders = vec![
            holder(
                HolderKind::Deployment,
                json!({"metadata": {"name": "web"}, "spec": {"revisionHistoryLimit": 4, "template": {"spec": uses(V3)}}}),
            ),
            rs("web-3", 1, V3),
            rs("web-2", 0, V2),
            rs("web-1", 0, V1),
        ];
        let versions: Vec<Version> = [V1, V2, V3, V4]
            .iter()
            .enumerate()
            .map(|(i, n)| version(n, i as u32 + 1))
            .collect();
        let d = decide(&versions, &holders, 1);
        assert_eq!(
            summary(&d, &holders, 1),
            vec![
                "Deleted 0, kept 4: 1 in use, 2 only by old revisions kept for rollout undo, 1 as the newest (--keep 1)".to_string(),
                "hint: deployment.apps/web keeps old ReplicaSets for `kubectl rollout undo` (spec.revisionHistoryLimit: 4), and 2 of them still name these versions; lower its revisionHistoryLimit to keep fewer, then prune again".to_string(),
            ]
        );
        let none = decide(&versions, &[], 0);
        assert_eq!(
            summary(&none, &[], 0),
            vec!["Deleted 4, kept 0".to_string()]
        );
    }

    #[test]
    fn long_user_lists_are_shortened() {
        let d = Decision {
            name: V1.into(),
            revision: 1,
            delete: false,
            used_by: (0..5).map(|i| format!("live pod/p{i}")).collect(),
            kept_by_count: true,
        };
        assert_eq!(
            d.why(1),
            "in use by live pod/p0, live pod/p1, live pod/p2 (+2 more); one of the 1 newest (--keep 1)"
        );
    }
}
