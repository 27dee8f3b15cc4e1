//! Health of a live cluster: crash loops, pending pods, Services without
//! endpoints, unused ConfigMaps and Secrets, NotReady nodes; and API versions
//! that are gone (this one also offline, from the manifests).

use serde_json::Value;

use super::Cx;
use super::tenancy::SYSTEM_NAMESPACES;
use crate::audit::index::PodSummary;
use crate::audit::object::{ObjRef, Object, array_at, map_selector_matches, str_at};

/// How long a pod may stay Pending before it is reported.
pub(crate) const PENDING_GRACE_SECS: i64 = 300;

pub(crate) fn run(cx: &mut Cx) {
    if cx.index.live {
        pods(cx);
        services(cx);
        unused(cx, "unused-configmap", "ConfigMap");
        unused(cx, "unused-secret", "Secret");
        nodes(cx);
    }
    deprecated_api(cx);
}

fn pod_ref(p: &PodSummary) -> ObjRef {
    ObjRef {
        api_version: "v1".into(),
        kind: "Pod".into(),
        namespace: Some(p.namespace.clone()),
        name: p.name.clone(),
    }
}

fn pods(cx: &mut Cx) {
    let ix = cx.index;
    let now = cx.opts.now;
    for p in &ix.pods {
        if cx.on("pod-crashloop") {
            cx.checked(&p.namespace);
            if !p.crashing.is_empty() {
                let what: Vec<String> = p
                    .crashing
                    .iter()
                    .map(|(c, reason, restarts)| {
                        format!("container {c:?} is in {reason} ({restarts} restarts)")
                    })
                    .collect();
                cx.fail_other("pod-crashloop", pod_ref(p), what.join("; "));
            }
        }
        if cx.on("pod-pending") {
            cx.checked(&p.namespace);
            let age = p.created.map(|c| now - c).unwrap_or(0);
            if p.phase == "Pending" && age > PENDING_GRACE_SECS {
                let why = p
                    .unschedulable
                    .clone()
                    .unwrap_or_else(|| "not started".to_string());
                cx.fail_other(
                    "pod-pending",
                    pod_ref(p),
                    format!("Pending for {}m: {why}", age / 60),
                );
            }
        }
    }
}

fn services(cx: &mut Cx) {
    if !cx.on("service-no-endpoints") {
        return;
    }
    let ix = cx.index;
    for (i, svc) in ix.of_kind("Service") {
        let selector = svc.get(&["spec", "selector"]).and_then(Value::as_object);
        if selector.is_none_or(|s| s.is_empty())
            || str_at(&svc.value, &["spec", "type"]) == Some("ExternalName")
            || !ix.readable("EndpointSlice", Some(svc.ns()))
        {
            continue;
        }
        let ready = ix.of_kind_in("EndpointSlice", svc.ns()).any(|(_, s)| {
            s.labels()
                .and_then(|l| l.get("kubernetes.io/service-name"))
                .and_then(Value::as_str)
                == Some(svc.name.as_str())
                && array_at(&s.value, &["endpoints"]).iter().any(|e| {
                    e.get("conditions")
                        .and_then(|c| c.get("ready"))
                        .and_then(Value::as_bool)
                        != Some(false)
                })
        });
        let verdict = (!ready).then(|| {
            let running = ix
                .pods
                .iter()
                .filter(|p| {
                    p.namespace == svc.ns() && map_selector_matches(selector, Some(&p.labels))
                })
                .count();
            let why = if running == 0 {
                "its selector matches no pod".to_string()
            } else {
                format!("{running} pod(s) match its selector but none is ready")
            };
            (format!("no ready endpoints: {why}"), None)
        });
        cx.verdict("service-no-endpoints", i, verdict);
    }
}

/// Secrets managed by the platform, never "used" by a pod spec.
fn platform_secret(s: &Object) -> bool {
    let labels = s.labels();
    let label = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
    s.annotation("kubernetes.io/service-account.name").is_some()
        || label("owner") == Some("helm")
        || s.name.starts_with("sh.helm.release.")
        || s.get(&["type"]).and_then(Value::as_str).is_some_and(|t| {
            t == "kubernetes.io/service-account-token"
                || t.starts_with("helm.sh/")
                || t == "bootstrap.kubernetes.io/token"
        })
}

fn unused(cx: &mut Cx, id: &'static str, kind: &'static str) {
    if !cx.on(id) {
        return;
    }
    let ix = cx.index;
    let candidates: Vec<usize> = ix
        .of_kind(kind)
        .filter(|(_, o)| !SYSTEM_NAMESPACES.contains(&o.ns()))
        .filter(|(_, o)| ix.readable("Pod", Some(o.ns())))
        .filter(|(_, o)| o.get(&["metadata", "ownerReferences"]).is_none())
        .filter(|(_, o)| {
            !(kind == "ConfigMap"
                && (o.name == "kube-root-ca.crt" || o.name.ends_with("-ca-bundle")))
        })
        .filter(|(_, o)| !(kind == "Secret" && platform_secret(o)))
        .map(|(i, _)| i)
        .collect();
    let families = super::rotated::standings(ix, kind);
    for i in candidates {
        let o = &ix.objects[i];
        let used = ix
            .references
            .contains(&(kind, o.ns().to_string(), o.name.clone()));
        let message = match families.get(&i) {
            _ if used => None,
            // Kept for rollback, as prune keeps it.
            Some(s) if s.kept => None,
            Some(s) => Some(super::rotated::message(kind, s)),
            None => Some(format!(
                "no pod, ServiceAccount or Ingress uses this {kind}"
            )),
        };
        cx.verdict(id, i, message.map(|m| (m, None)));
    }
}

fn nodes(cx: &mut Cx) {
    if !cx.on("node-not-ready") {
        return;
    }
    let ix = cx.index;
    for (i, node) in ix.of_kind("Node") {
        let ready = array_at(&node.value, &["status", "conditions"])
            .iter()
            .find(|c| str_at(c, &["type"]) == Some("Ready"));
        let status = ready
            .and_then(|c| str_at(c, &["status"]))
            .unwrap_or("Unknown");
        let verdict = (status != "True").then(|| {
            let reason = ready
                .and_then(|c| str_at(c, &["message"]).or_else(|| str_at(c, &["reason"])))
                .unwrap_or("no Ready condition");
            (format!("Ready is {status}: {reason}"), None)
        });
        cx.verdict("node-not-ready", i, verdict);
    }
}

/// (apiVersion, kind or "*", Kubernetes release that removed it, replacement).
const REMOVED: &[(&str, &str, &str, &str)] = &[
    (
        "extensions/v1beta1",
        "Ingress",
        "1.22",
        "networking.k8s.io/v1",
    ),
    (
        "extensions/v1beta1",
        "NetworkPolicy",
        "1.16",
        "networking.k8s.io/v1",
    ),
    (
        "extensions/v1beta1",
        "PodSecurityPolicy",
        "1.16",
        "Pod Security Admission",
    ),
    ("extensions/v1beta1", "*", "1.16", "apps/v1"),
    ("apps/v1beta1", "*", "1.16", "apps/v1"),
    ("apps/v1beta2", "*", "1.16", "apps/v1"),
    (
        "networking.k8s.io/v1beta1",
        "*",
        "1.22",
        "networking.k8s.io/v1",
    ),
    (
        "rbac.authorization.k8s.io/v1beta1",
        "*",
        "1.22",
        "rbac.authorization.k8s.io/v1",
    ),
    (
        "rbac.authorization.k8s.io/v1alpha1",
        "*",
        "1.22",
        "rbac.authorization.k8s.io/v1",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "*",
        "1.22",
        "admissionregistration.k8s.io/v1",
    ),
    (
        "apiextensions.k8s.io/v1beta1",
        "*",
        "1.22",
        "apiextensions.k8s.io/v1",
    ),
    (
        "apiregistration.k8s.io/v1beta1",
        "*",
        "1.22",
        "apiregistration.k8s.io/v1",
    ),
    (
        "certificates.k8s.io/v1beta1",
        "*",
        "1.22",
        "certificates.k8s.io/v1",
    ),
    (
        "coordination.k8s.io/v1beta1",
        "*",
        "1.22",
        "coordination.k8s.io/v1",
    ),
    (
        "scheduling.k8s.io/v1beta1",
        "*",
        "1.22",
        "scheduling.k8s.io/v1",
    ),
    (
        "storage.k8s.io/v1beta1",
        "CSIStorageCapacity",
        "1.27",
        "storage.k8s.io/v1",
    ),
    ("storage.k8s.io/v1beta1", "*", "1.22", "storage.k8s.io/v1"),
    ("batch/v1beta1", "*", "1.25", "batch/v1"),
    ("batch/v2alpha1", "*", "1.21", "batch/v1"),
    (
        "policy/v1beta1",
        "PodSecurityPolicy",
        "1.25",
        "Pod Security Admission",
    ),
    ("policy/v1beta1", "*", "1.25", "policy/v1"),
    ("autoscaling/v2beta1", "*", "1.25", "autoscaling/v2"),
    ("autoscaling/v2beta2", "*", "1.26", "autoscaling/v2"),
    (
        "discovery.k8s.io/v1beta1",
        "*",
        "1.25",
        "discovery.k8s.io/v1",
    ),
    ("events.k8s.io/v1beta1", "*", "1.25", "events.k8s.io/v1"),
    ("node.k8s.io/v1beta1", "*", "1.25", "node.k8s.io/v1"),
    (
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "*",
        "1.26",
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "*",
        "1.29",
        "flowcontrol.apiserver.k8s.io/v1",
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "*",
        "1.32",
        "flowcontrol.apiserver.k8s.io/v1",
    ),
];

pub(crate) fn removed_api(api_version: &str, kind: &str) -> Option<(&'static str, &'static str)> {
    REMOVED
        .iter()
        .find(|(v, k, _, _)| *v == api_version && (*k == kind || *k == "*"))
        .map(|(_, _, release, to)| (*release, *to))
}

fn deprecated_api(cx: &mut Cx) {
    if !cx.on("deprecated-api") {
        return;
    }
    let ix = cx.index;
    for (i, o) in ix.objects.iter().enumerate() {
        // Live objects come back in the version asked for; what matters is
        // the version their owner last applied.
        let applied;
        let version = if ix.live {
            let Some(last) = o.annotation("kubectl.kubernetes.io/last-applied-configuration")
            else {
                continue;
            };
            applied = serde_json::from_str::<Value>(last).ok();
            match applied.as_ref().and_then(|v| str_at(v, &["apiVersion"])) {
                Some(v) => v,
                None => continue,
            }
        } else {
            o.api_version.as_str()
        };
        let verdict = removed_api(version, &o.kind).map(|(release, to)| {
            (
                format!(
                    "{version} {} was removed in Kubernetes {release}; use {to}",
                    o.kind
                ),
                Some("apiVersion".to_string()),
            )
        });
        cx.verdict("deprecated-api", i, verdict);
    }
}
