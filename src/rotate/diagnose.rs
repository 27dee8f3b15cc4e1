//! What the user needs to see about a failed rollout: the new ReplicaSet's
//! readiness, the new pods' container states, and the latest events of the
//! workload, that ReplicaSet and those pods.

use std::collections::HashSet;

use serde_json::Value;

use super::cluster::Session;
use super::kinds::HolderKind;
use super::refs;
use super::status;

/// The lines shown, and the objects whose events are looked up.
struct Findings {
    lines: Vec<String>,
    names: Vec<String>,
}

/// Diagnoses workload `name` of `kind`, which failed to roll out to `new_name`.
pub(crate) async fn diagnose(
    s: &Session,
    kind: HolderKind,
    name: &str,
    new_name: &str,
    pods: &[Value],
) -> Vec<String> {
    let mut found = Findings {
        lines: Vec::new(),
        names: vec![name.to_string()],
    };
    if matches!(kind, HolderKind::Deployment | HolderKind::Rollout)
        && let Ok(sets) = s.list_kind(HolderKind::ReplicaSet).await
    {
        new_replicasets(s, kind, name, new_name, &sets, &mut found);
    }
    new_pods(s, kind, name, new_name, pods, &mut found);
    let events = s.events_for(&found.names).await;
    found.lines.extend(latest_events(&events));
    found.lines
}

/// The workload's ReplicaSets that use the new version, with their readiness.
fn new_replicasets(
    s: &Session,
    kind: HolderKind,
    name: &str,
    new_name: &str,
    sets: &[Value],
    found: &mut Findings,
) {
    for rs in sets {
        let owned = rs
            .pointer("/metadata/ownerReferences")
            .and_then(Value::as_array)
            .is_some_and(|o| {
                o.iter()
                    .any(|o| o["name"] == name && o["kind"] == kind.api_resource().kind.as_str())
            });
        let uses_new = !refs::scan(HolderKind::ReplicaSet, rs, s.target.kind, &|n| {
            n == new_name
        })
        .is_empty();
        if owned && uses_new {
            let rs_name = rs["metadata"]["name"].as_str().unwrap_or("").to_string();
            found.lines.push(format!(
                "new replicaset {rs_name}: {} of {} pods ready",
                rs.pointer("/status/readyReplicas")
                    .and_then(Value::as_i64)
                    .unwrap_or(0),
                rs.pointer("/spec/replicas")
                    .and_then(Value::as_i64)
                    .unwrap_or(0)
            ));
            found.names.push(rs_name);
        }
    }
}

/// The container states of up to three of the workload's pods on the new version.
fn new_pods(
    s: &Session,
    kind: HolderKind,
    name: &str,
    new_name: &str,
    pods: &[Value],
    found: &mut Findings,
) {
    let mine: Vec<&Value> = pods
        .iter()
        .filter(|p| {
            status::pod_workload(p).is_some_and(|(kinds, n)| kinds.contains(&kind) && n == name)
        })
        .filter(|p| !refs::scan(HolderKind::Pod, p, s.target.kind, &|n| n == new_name).is_empty())
        .collect();
    if mine.is_empty() {
        found
            .lines
            .push(format!("no pod of {} uses {new_name} yet", name));
    }
    for p in mine.iter().take(3) {
        let pname = p["metadata"]["name"].as_str().unwrap_or("?").to_string();
        for state in status::container_states(p) {
            found.lines.push(format!("pod {pname}: {state}"));
        }
        found.names.push(pname);
    }
}

/// The five latest events (warnings, if there are any), one per object and reason.
fn latest_events(events: &[Value]) -> Vec<String> {
    let warnings: Vec<&Value> = events.iter().filter(|e| e["type"] == "Warning").collect();
    let shown: Vec<&Value> = if warnings.is_empty() {
        events.iter().collect()
    } else {
        warnings
    };
    let mut seen = HashSet::new();
    let mut latest: Vec<&Value> = shown
        .iter()
        .rev()
        .filter(|e| seen.insert((e["involvedObject"]["name"].clone(), e["reason"].clone())))
        .take(5)
        .copied()
        .collect();
    latest.reverse();
    latest
        .into_iter()
        .map(|e| {
            format!(
                "event {}/{}: {} {}: {}",
                e["involvedObject"]["kind"]
                    .as_str()
                    .unwrap_or("")
                    .to_lowercase(),
                e["involvedObject"]["name"].as_str().unwrap_or(""),
                e["type"].as_str().unwrap_or(""),
                e["reason"].as_str().unwrap_or(""),
                e["message"].as_str().unwrap_or("").trim()
            )
        })
        .collect()
}
