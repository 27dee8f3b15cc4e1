//! Rollout status after a switch, in the spirit of `kubectl rollout status`,
//! plus the signs that new pods will never become Ready
//! (`CreateContainerConfigError`, crash loops, image pull failures).

use serde_json::Value;

use super::kinds::HolderKind;

/// Where one workload's rollout stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Progress {
    Waiting(String),
    Done,
    Failed(String),
}

fn int(v: &Value, pointer: &str) -> i64 {
    v.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

fn replicas(v: &Value) -> i64 {
    v.pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1)
}

/// Status of a workload object whose template changed at `generation`.
pub(crate) fn progress(kind: HolderKind, obj: &Value, generation: i64) -> Progress {
    match kind {
        HolderKind::Deployment => deployment(obj, generation),
        HolderKind::StatefulSet => statefulset(obj, generation),
        HolderKind::DaemonSet => daemonset(obj, generation),
        HolderKind::Rollout => argo_rollout(obj, generation),
        _ => Progress::Done,
    }
}

fn observed(obj: &Value, generation: i64) -> bool {
    // Argo Rollouts writes observedGeneration as a string.
    let seen = match obj.pointer("/status/observedGeneration") {
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0),
        Some(Value::String(s)) => s.parse().unwrap_or(0),
        _ => 0,
    };
    seen >= generation
}

fn deployment(obj: &Value, generation: i64) -> Progress {
    if !observed(obj, generation) {
        return Progress::Waiting("waiting for the controller to see the change".into());
    }
    let conditions = obj
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Some(c) = conditions.iter().find(|c| c["type"] == "Progressing")
        && c["reason"] == "ProgressDeadlineExceeded"
    {
        return Progress::Failed(format!(
            "ProgressDeadlineExceeded: {}",
            c["message"].as_str().unwrap_or("no progress")
        ));
    }
    let want = replicas(obj);
    let updated = int(obj, "/status/updatedReplicas");
    let total = int(obj, "/status/replicas");
    let available = int(obj, "/status/availableReplicas");
    if updated < want {
        Progress::Waiting(format!("{updated} of {want} updated"))
    } else if total > updated {
        Progress::Waiting(format!(
            "{} old replicas pending termination",
            total - updated
        ))
    } else if available < updated {
        Progress::Waiting(format!("{available} of {updated} updated available"))
    } else {
        Progress::Done
    }
}

/// StatefulSets and DaemonSets: `OnDelete` never rolls by itself, and nothing
/// is known until the controller has seen the new generation.
fn before_rollout(obj: &Value, generation: i64) -> Option<Progress> {
    if obj
        .pointer("/spec/updateStrategy/type")
        .and_then(Value::as_str)
        == Some("OnDelete")
    {
        return Some(Progress::Done);
    }
    (!observed(obj, generation))
        .then(|| Progress::Waiting("waiting for the controller to see the change".into()))
}

fn statefulset(obj: &Value, generation: i64) -> Progress {
    if let Some(early) = before_rollout(obj, generation) {
        return early;
    }
    let want = replicas(obj);
    let ready = int(obj, "/status/readyReplicas");
    let updated = int(obj, "/status/updatedReplicas");
    let partition = int(obj, "/spec/updateStrategy/rollingUpdate/partition");
    if ready < want {
        return Progress::Waiting(format!("{ready} of {want} ready"));
    }
    if partition > 0 {
        return if updated < want - partition {
            Progress::Waiting(format!(
                "{updated} of {} updated (partition {partition})",
                want - partition
            ))
        } else {
            Progress::Done
        };
    }
    let current = obj.pointer("/status/currentRevision");
    let update = obj.pointer("/status/updateRevision");
    if update.is_some() && current != update {
        Progress::Waiting(format!("{updated} of {want} updated"))
    } else {
        Progress::Done
    }
}

fn daemonset(obj: &Value, generation: i64) -> Progress {
    if let Some(early) = before_rollout(obj, generation) {
        return early;
    }
    let want = int(obj, "/status/desiredNumberScheduled");
    let updated = int(obj, "/status/updatedNumberScheduled");
    let available = int(obj, "/status/numberAvailable");
    if updated < want {
        Progress::Waiting(format!("{updated} of {want} updated"))
    } else if available < want {
        Progress::Waiting(format!("{available} of {want} available"))
    } else {
        Progress::Done
    }
}

fn argo_rollout(obj: &Value, generation: i64) -> Progress {
    if !observed(obj, generation) {
        return Progress::Waiting("waiting for the controller to see the change".into());
    }
    let message = obj["status"]["message"].as_str().unwrap_or("");
    match obj["status"]["phase"].as_str() {
        Some("Healthy") => Progress::Done,
        Some("Degraded") => Progress::Failed(format!("Degraded: {message}")),
        Some(phase) => Progress::Waiting(format!("{phase} {message}").trim().to_string()),
        None => Progress::Waiting("no status yet".into()),
    }
}

/// Rollouts that never complete on their own, with the reason to tell the user.
pub(crate) fn manual_rollout(kind: HolderKind, obj: &Value) -> Option<&'static str> {
    let on_delete = obj
        .pointer("/spec/updateStrategy/type")
        .and_then(Value::as_str)
        == Some("OnDelete");
    match kind {
        HolderKind::StatefulSet | HolderKind::DaemonSet if on_delete => {
            Some("updateStrategy OnDelete: pods change only when deleted")
        }
        HolderKind::ReplicaSet => {
            Some("a bare ReplicaSet does not replace its pods; delete them to roll")
        }
        HolderKind::CronJob => Some("its next Job uses {to}"),
        HolderKind::ServiceAccount => Some("pods created from now on get {to}"),
        HolderKind::Ingress => Some("the ingress controller picks up {to}"),
        _ => None,
    }
}

/// Container states that mean a pod will not become Ready by waiting.
const FATAL_WAITING: &[&str] = &[
    "CreateContainerConfigError",
    "CreateContainerError",
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "InvalidImageName",
    "RunContainerError",
];

/// The first fatal container state of a pod, as `container web: CreateContainerConfigError: message`.
pub(crate) fn fatal_container_state(pod: &Value) -> Option<String> {
    for group in ["initContainerStatuses", "containerStatuses"] {
        for status in pod
            .pointer(&format!("/status/{group}"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let waiting = &status["state"]["waiting"];
            if let Some(reason) = waiting["reason"].as_str()
                && FATAL_WAITING.contains(&reason)
            {
                return Some(
                    format!(
                        "container {}: {reason}: {}",
                        status["name"].as_str().unwrap_or("?"),
                        waiting["message"].as_str().unwrap_or("")
                    )
                    .trim_end_matches([' ', ':'])
                    .to_string(),
                );
            }
        }
    }
    None
}

/// Container states of a pod for a failure report, one line each.
pub(crate) fn container_states(pod: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for group in ["initContainerStatuses", "containerStatuses"] {
        for s in pod
            .pointer(&format!("/status/{group}"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let name = s["name"].as_str().unwrap_or("?");
            let restarts = s["restartCount"].as_i64().unwrap_or(0);
            let state = &s["state"];
            let text = if let Some(w) = state.get("waiting") {
                format!(
                    "waiting {} {}",
                    w["reason"].as_str().unwrap_or(""),
                    w["message"].as_str().unwrap_or("")
                )
            } else if let Some(t) = state.get("terminated") {
                format!(
                    "terminated {} (exit code {})",
                    t["reason"].as_str().unwrap_or(""),
                    t["exitCode"].as_i64().unwrap_or(0)
                )
            } else if state.get("running").is_some() {
                format!("running, ready={}", s["ready"].as_bool().unwrap_or(false))
            } else {
                "unknown".to_string()
            };
            out.push(format!(
                "container {name}: {}{}",
                text.trim(),
                if restarts > 0 {
                    format!(", {restarts} restarts")
                } else {
                    String::new()
                }
            ));
        }
    }
    if out.is_empty() {
        let phase = pod["status"]["phase"].as_str().unwrap_or("Unknown");
        let unscheduled = pod
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|c| c["type"] == "PodScheduled" && c["status"] == "False");
        match unscheduled {
            Some(c) => out.push(format!(
                "{phase}, not scheduled: {}",
                c["message"].as_str().unwrap_or("")
            )),
            None => out.push(phase.to_string()),
        }
    }
    out
}

/// The workload a pod belongs to: ReplicaSet owners map to their Deployment
/// or Rollout through the pod-template-hash suffix.
pub(crate) fn pod_workload(pod: &Value) -> Option<(Vec<HolderKind>, String)> {
    let owner = pod
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)?
        .iter()
        .find(|o| o["controller"] == true)?;
    let name = owner["name"].as_str()?;
    match owner["kind"].as_str()? {
        "StatefulSet" => Some((vec![HolderKind::StatefulSet], name.to_string())),
        "DaemonSet" => Some((vec![HolderKind::DaemonSet], name.to_string())),
        "ReplicaSet" => {
            let labels = &pod["metadata"]["labels"];
            let hash = labels["pod-template-hash"]
                .as_str()
                .or_else(|| labels["rollouts-pod-template-hash"].as_str())?;
            let base = name.strip_suffix(&format!("-{hash}"))?;
            Some((
                vec![HolderKind::Deployment, HolderKind::Rollout],
                base.to_string(),
            ))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deployment_states() {
        let d = |status: Value| json!({"metadata": {"generation": 2}, "spec": {"replicas": 2}, "status": status});
        assert!(matches!(
            progress(
                HolderKind::Deployment,
                &d(json!({"observedGeneration": 1})),
                2
            ),
            Progress::Waiting(_)
        ));
        assert_eq!(
            progress(
                HolderKind::Deployment,
                &d(
                    json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 2, "availableReplicas": 2})
                ),
                2
            ),
            Progress::Waiting("1 old replicas pending termination".into())
        );
        assert_eq!(
            progress(
                HolderKind::Deployment,
                &d(
                    json!({"observedGeneration": 2, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2})
                ),
                2
            ),
            Progress::Done
        );
        let stuck = d(
            json!({"observedGeneration": 2, "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded", "message": "ReplicaSet \"web-1\" has timed out progressing."}]}),
        );
        assert_eq!(
            progress(HolderKind::Deployment, &stuck, 2),
            Progress::Failed(
                "ProgressDeadlineExceeded: ReplicaSet \"web-1\" has timed out progressing.".into()
            )
        );
    }

    #[test]
    fn statefulset_and_daemonset_states() {
        let sts = json!({"spec": {"replicas": 2}, "status": {"observedGeneration": 3, "readyReplicas": 2, "updatedReplicas": 1, "currentRevision": "a", "updateRevision": "b"}});
        assert!(matches!(
            progress(HolderKind::StatefulSet, &sts, 3),
            Progress::Waiting(_)
        ));
        let sts = json!({"spec": {"replicas": 2}, "status": {"observedGeneration": 3, "readyReplicas": 2, "updatedReplicas": 2, "currentRevision": "b", "updateRevision": "b"}});
        assert_eq!(progress(HolderKind::StatefulSet, &sts, 3), Progress::Done);
        let ds = json!({"status": {"observedGeneration": 1, "desiredNumberScheduled": 6, "updatedNumberScheduled": 6, "numberAvailable": 5}});
        assert_eq!(
            progress(HolderKind::DaemonSet, &ds, 1),
            Progress::Waiting("5 of 6 available".into())
        );
        let ondelete = json!({"spec": {"updateStrategy": {"type": "OnDelete"}}});
        assert_eq!(
            progress(HolderKind::DaemonSet, &ondelete, 9),
            Progress::Done
        );
        assert!(manual_rollout(HolderKind::DaemonSet, &ondelete).is_some());
    }

    #[test]
    fn argo_rollout_string_generation() {
        let r = json!({"status": {"observedGeneration": "4", "phase": "Degraded", "message": "RolloutAborted"}});
        assert_eq!(
            progress(HolderKind::Rollout, &r, 4),
            Progress::Failed("Degraded: RolloutAborted".into())
        );
    }

    #[test]
    fn fatal_states_and_owners() {
        let pod = json!({
            "metadata": {"labels": {"pod-template-hash": "7d9f"}, "ownerReferences": [{"kind": "ReplicaSet", "name": "web-7d9f", "controller": true}]},
            "status": {"containerStatuses": [{"name": "web", "restartCount": 0, "state": {"waiting": {"reason": "CreateContainerConfigError", "message": "couldn't find key password in Secret ns/app-x"}}}]}
        });
        assert_eq!(
            fatal_container_state(&pod).unwrap(),
            "container web: CreateContainerConfigError: couldn't find key password in Secret ns/app-x"
        );
        assert_eq!(pod_workload(&pod).unwrap().1, "web");
        let fine = json!({"status": {"containerStatuses": [{"name": "web", "ready": true, "state": {"running": {}}}]}});
        assert_eq!(fatal_container_state(&fine), None);
        assert_eq!(
            container_states(&fine),
            vec!["container web: running, ready=true"]
        );
        let pending = json!({"status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False", "message": "0/6 nodes are available"}]}});
        assert_eq!(
            container_states(&pending),
            vec!["Pending, not scheduled: 0/6 nodes are available"]
        );
    }
}
