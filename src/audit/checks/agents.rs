//! The cluster's own collectors (live, every namespace): a log shipper on
//! every schedulable node (`log-shipper`) and a metrics agent
//! (`metrics-agent`). Both are recognised by image repository and
//! `app.kubernetes.io/name`, loosely: charts move images between registries.

use serde_json::Value;

use super::{CLUSTER, Cx, Target};
use crate::audit::defaults::repository;
use crate::audit::index::{Index, Workload, containers_all};
use crate::audit::object::{ObjRef, Object, array_at, bool_at, str_at, value_text};

/// Log shippers: (image repository suffix, app.kubernetes.io/name).
const LOG_SHIPPERS: &[(&str, &str)] = &[
    ("/fluent-bit", "fluent-bit"),
    ("/fluentd-kubernetes-daemonset", "fluentd"),
    ("/fluentd", "fluentd"),
    ("/aws-for-fluent-bit", "aws-for-fluent-bit"),
    ("/vector", "vector"),
    ("datadoghq/agent", "datadog"),
    ("datadog/agent", "datadog-agent"),
    ("/opentelemetry-collector", "opentelemetry-collector"),
    (
        "/opentelemetry-collector-contrib",
        "opentelemetry-collector-contrib",
    ),
    (
        "/opentelemetry-collector-k8s",
        "opentelemetry-collector-k8s",
    ),
    ("/aws-otel-collector", "aws-otel-collector"),
    ("/promtail", "promtail"),
    ("/alloy", "alloy"),
    ("grafana/agent", "grafana-agent"),
    ("/filebeat", "filebeat"),
];

/// Metrics collectors: a Prometheus server, the Datadog agent, the
/// CloudWatch agent, the ADOT collector.
const METRICS_AGENTS: &[(&str, &str)] = &[
    ("/prometheus", "prometheus"),
    ("datadoghq/agent", "datadog"),
    ("datadog/agent", "datadog-agent"),
    ("/cloudwatch-agent", "cloudwatch-agent"),
    ("/aws-otel-collector", "aws-otel-collector"),
];

/// Taints the DaemonSet controller tolerates on its own (Kubernetes
/// "DaemonSet: taints and tolerations"): they never keep a DaemonSet off a node.
const DAEMONSET_TOLERATED: &[&str] = &[
    "node.kubernetes.io/not-ready",
    "node.kubernetes.io/unreachable",
    "node.kubernetes.io/disk-pressure",
    "node.kubernetes.io/memory-pressure",
    "node.kubernetes.io/pid-pressure",
    "node.kubernetes.io/unschedulable",
    "node.kubernetes.io/network-unavailable",
];

pub(crate) fn run(cx: &mut Cx) {
    let ix = cx.index;
    // A namespace's audit cannot tell the cluster has no agent elsewhere.
    if !ix.live || !ix.cluster_wide {
        return;
    }
    if cx.on("log-shipper") && ix.readable("DaemonSet", None) && ix.readable("Node", None) {
        log_shipper(cx);
    }
    if cx.on("metrics-agent")
        && ["Deployment", "StatefulSet", "DaemonSet"]
            .iter()
            .all(|k| ix.readable(k, None))
    {
        metrics_agent(cx);
    }
}

fn cluster_target() -> Target {
    Target::Other(Box::new(ObjRef::cluster()))
}

/// Whether a workload runs one of `known`: by an image's repository suffix,
/// or by `app.kubernetes.io/name` on the object or its pod template.
fn runs(ix: &Index, w: &Workload, known: &[(&str, &str)]) -> bool {
    let o = &ix.objects[w.obj];
    let by_image = ix.pod_spec(w).is_some_and(|spec| {
        containers_all(spec)
            .filter_map(|c| str_at(c, &["image"]))
            .map(repository)
            .any(|repo| {
                known.iter().any(|(suffix, _)| {
                    repo.ends_with(suffix) || repo == suffix.trim_start_matches('/')
                })
            })
    });
    let name_label = |l: Option<&serde_json::Map<String, Value>>| {
        l.and_then(|l| l.get("app.kubernetes.io/name"))
            .map(value_text)
            .is_some_and(|n| known.iter().any(|(_, name)| *name == n))
    };
    by_image || name_label(o.labels()) || name_label(ix.pod_labels(w))
}

fn log_shipper(cx: &mut Cx) {
    let ix = cx.index;
    let shippers: Vec<&Workload> = ix
        .workloads
        .iter()
        .filter(|w| ix.objects[w.obj].kind == "DaemonSet" && runs(ix, w, LOG_SHIPPERS))
        .collect();
    if shippers.is_empty() {
        cx.checked_target("log-shipper", CLUSTER, cluster_target());
        cx.fail_scoped(
            "log-shipper",
            cluster_target(),
            CLUSTER.to_string(),
            "no DaemonSet ships logs (none runs fluent-bit, fluentd, vector, the Datadog agent, an OpenTelemetry collector, promtail, alloy, the Grafana agent or filebeat): container logs die with their node".into(),
        );
        return;
    }
    let nodes: Vec<&Object> = ix
        .of_kind("Node")
        .map(|(_, n)| n)
        .filter(|n| bool_at(&n.value, &["spec", "unschedulable"]) != Some(true))
        .collect();
    let covered_by_any = |n: &Object| shippers.iter().any(|w| covers(ix, w, n));
    for w in &shippers {
        let left_out: Vec<&str> = nodes
            .iter()
            .filter(|n| !covers(ix, w, n) && !covered_by_any(n))
            .map(|n| n.name.as_str())
            .collect();
        let o = &ix.objects[w.obj];
        let desired = o
            .get(&["status", "desiredNumberScheduled"])
            .and_then(Value::as_i64);
        let verdict = if !left_out.is_empty() {
            Some(format!(
                "ships logs from {} of {} schedulable nodes: it does not tolerate the taints of, or its node selector leaves out, {}",
                nodes.len() - left_out.len(),
                nodes.len(),
                left_out.join(", ")
            ))
        } else {
            desired
                .filter(|&d| shippers.len() == 1 && d < nodes.len() as i64)
                .map(|d| format!("is scheduled on {d} of {} schedulable nodes", nodes.len()))
        };
        let path = Some(format!("{}.tolerations", w.spec_prefix()));
        cx.verdict("log-shipper", w.obj, verdict.map(|m| (m, path)));
    }
}

/// Whether a DaemonSet's pods may run on a node: its nodeSelector matches
/// the node's labels and it tolerates every NoSchedule/NoExecute taint.
fn covers(ix: &Index, w: &Workload, node: &Object) -> bool {
    let Some(spec) = ix.pod_spec(w) else {
        return false;
    };
    let labels = node.labels();
    let selected = spec
        .get("nodeSelector")
        .and_then(Value::as_object)
        .is_none_or(|sel| {
            sel.iter().all(|(k, v)| {
                labels
                    .and_then(|l| l.get(k))
                    .is_some_and(|have| value_text(have) == value_text(v))
            })
        });
    let tolerations = array_at(spec, &["tolerations"]);
    selected
        && array_at(&node.value, &["spec", "taints"])
            .iter()
            .filter(|t| {
                matches!(str_at(t, &["effect"]), Some("NoSchedule" | "NoExecute"))
                    && !str_at(t, &["key"]).is_some_and(|k| DAEMONSET_TOLERATED.contains(&k))
            })
            .all(|t| tolerations.iter().any(|tol| tolerates(tol, t)))
}

/// Kubernetes' toleration matching: an empty key with Exists matches every
/// taint; otherwise keys match, Exists ignores the value, Equal (the
/// default) compares it; an empty effect matches every effect.
fn tolerates(tol: &Value, taint: &Value) -> bool {
    let effect_ok = str_at(tol, &["effect"])
        .filter(|e| !e.is_empty())
        .is_none_or(|e| Some(e) == str_at(taint, &["effect"]));
    let key = str_at(tol, &["key"]).unwrap_or("");
    let exists = str_at(tol, &["operator"]) == Some("Exists");
    if !effect_ok {
        return false;
    }
    if key.is_empty() {
        return exists;
    }
    key == str_at(taint, &["key"]).unwrap_or("")
        && (exists
            || str_at(tol, &["value"]).unwrap_or("") == str_at(taint, &["value"]).unwrap_or(""))
}

fn metrics_agent(cx: &mut Cx) {
    let ix = cx.index;
    let operator = ix
        .of_kind("Prometheus")
        .next()
        .or(ix.of_kind("PrometheusAgent").next());
    let agent = ix
        .workloads
        .iter()
        .filter(|w| {
            matches!(
                ix.objects[w.obj].kind.as_str(),
                "Deployment" | "StatefulSet" | "DaemonSet"
            )
        })
        .any(|w| runs(ix, w, METRICS_AGENTS));
    cx.checked_target("metrics-agent", CLUSTER, cluster_target());
    if operator.is_none() && !agent {
        cx.fail_scoped(
            "metrics-agent",
            cluster_target(),
            CLUSTER.to_string(),
            "nothing collects metrics: no Prometheus or PrometheusAgent object, no Prometheus server, Datadog agent, CloudWatch agent or ADOT collector".into(),
        );
    }
}
