//! Pods as listed, reduced to what the checks read: a pod a controller
//! owns becomes a [`PodSummary`] (its spec is the controller's template,
//! checked there); a bare pod is also kept as an object.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::Collected;
use crate::audit::index::{PodSummary, pod_spec_references};
use crate::audit::object::{Object, parse_timestamp, str_at};

/// A pod as listed, keeping only what the checks read: parsing straight
/// into this skips managedFields and most of status, which dominate a pod's
/// size on big clusters.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct LeanPod {
    metadata: LeanMeta,
    spec: Value,
    status: LeanStatus,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct LeanMeta {
    name: String,
    namespace: String,
    /// For the ownerReference of the pod's report (`--report`).
    uid: String,
    labels: Option<Map<String, Value>>,
    annotations: Option<Map<String, Value>>,
    owner_references: Vec<LeanOwner>,
    creation_timestamp: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LeanOwner {
    kind: String,
    name: String,
    controller: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct LeanStatus {
    phase: Option<String>,
    conditions: Vec<LeanCondition>,
    container_statuses: Vec<LeanContainerStatus>,
    init_container_statuses: Vec<LeanContainerStatus>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LeanCondition {
    #[serde(rename = "type")]
    kind: String,
    status: String,
    reason: Option<String>,
    message: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct LeanContainerStatus {
    name: String,
    restart_count: i64,
    state: Option<LeanState>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LeanState {
    waiting: Option<LeanWaiting>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LeanWaiting {
    reason: Option<String>,
}

fn summarize_pod(pod: &LeanPod) -> PodSummary {
    let owner = pod
        .metadata
        .owner_references
        .iter()
        .find(|o| o.controller == Some(true))
        .map(|o| (o.kind.clone(), o.name.clone()));
    let mut crashing = Vec::new();
    let mut waiting = Vec::new();
    for s in pod
        .status
        .container_statuses
        .iter()
        .chain(&pod.status.init_container_statuses)
    {
        let reason = s
            .state
            .as_ref()
            .and_then(|st| st.waiting.as_ref())
            .and_then(|w| w.reason.as_deref());
        if let Some(reason) = reason {
            if reason == "CrashLoopBackOff" {
                crashing.push((s.name.clone(), reason.to_string(), s.restart_count));
            } else {
                waiting.push(format!("container {:?} waiting: {reason}", s.name));
            }
        }
    }
    let unschedulable = pod
        .status
        .conditions
        .iter()
        .find(|c| c.kind == "PodScheduled" && c.status == "False")
        .map(|c| {
            c.message
                .clone()
                .or_else(|| c.reason.clone())
                .unwrap_or_else(|| "unschedulable".to_string())
        })
        .or_else(|| (!waiting.is_empty()).then(|| waiting.join("; ")));
    PodSummary {
        namespace: pod.metadata.namespace.clone(),
        name: pod.metadata.name.clone(),
        uid: pod.metadata.uid.clone(),
        labels: pod.metadata.labels.clone().unwrap_or_default(),
        owner,
        node: str_at(&pod.spec, &["nodeName"]).map(str::to_string),
        phase: pod
            .status
            .phase
            .clone()
            .unwrap_or_else(|| "Unknown".to_string()),
        created: pod
            .metadata
            .creation_timestamp
            .as_deref()
            .and_then(parse_timestamp),
        unschedulable,
        crashing,
    }
}

/// Keeps one listed pod: a summary always; a bare pod (no controller) also
/// as an object, since its spec is checked like a workload's template.
pub(crate) fn ingest_pod(pod: LeanPod, out: &mut Collected) {
    let summary = summarize_pod(&pod);
    if summary.owner.is_some() {
        pod_spec_references(&pod.spec, &summary.namespace, &mut out.references);
        out.pods.push(summary);
        return;
    }
    out.pods.push(summary);
    let mut metadata = Map::new();
    metadata.insert("name".into(), Value::String(pod.metadata.name));
    metadata.insert("namespace".into(), Value::String(pod.metadata.namespace));
    metadata.insert("uid".into(), Value::String(pod.metadata.uid));
    if let Some(l) = pod.metadata.labels {
        metadata.insert("labels".into(), Value::Object(l));
    }
    if let Some(a) = pod.metadata.annotations {
        metadata.insert("annotations".into(), Value::Object(a));
    }
    let value = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": pod.spec,
    });
    if let Some(o) = Object::new(value, "", None) {
        out.objects.push(o);
    }
}
