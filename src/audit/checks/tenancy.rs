//! Multi-tenancy: the default namespace, per-namespace NetworkPolicy,
//! ResourceQuota and LimitRange, and config that never rolls out.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Cx, Target};
use crate::audit::object::{ObjRef, array_at, at, bool_at, selector_matches, str_at};

pub(crate) const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public", "kube-node-lease"];

pub(crate) fn run(cx: &mut Cx) {
    default_namespace(cx);
    namespaces(cx);
    config_not_versioned(cx);
}

fn default_namespace(cx: &mut Cx) {
    if !cx.on("default-namespace") {
        return;
    }
    let ix = cx.index;
    for w in &ix.workloads {
        let o = &ix.objects[w.obj];
        let verdict = (o.ns() == "default").then(|| {
            (
                format!("{} runs in the default namespace", o.kind),
                Some("metadata.namespace".to_string()),
            )
        });
        cx.verdict("default-namespace", w.obj, verdict);
    }
}

/// Namespaces that run workloads, with their workloads' object indexes.
fn namespaces_with_workloads(cx: &Cx) -> BTreeMap<String, Vec<usize>> {
    let ix = cx.index;
    let mut out: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for w in &ix.workloads {
        out.entry(ix.objects[w.obj].ns().to_string())
            .or_default()
            .push(w.obj);
    }
    for p in &ix.pods {
        out.entry(p.namespace.clone()).or_default();
    }
    out.retain(|ns, _| !SYSTEM_NAMESPACES.contains(&ns.as_str()));
    out
}

/// Namespaces whose network isolation is judged: those with workloads, and
/// those with NetworkPolicies (an allow-all policy is a finding on its own).
fn namespaces_for_policies(cx: &Cx) -> BTreeMap<String, Vec<usize>> {
    let mut out = namespaces_with_workloads(cx);
    for (_, p) in cx.index.of_kind("NetworkPolicy") {
        if !SYSTEM_NAMESPACES.contains(&p.ns()) {
            out.entry(p.ns().to_string()).or_default();
        }
    }
    out
}

/// The finding's target for a namespace: its object when we have it.
pub(crate) fn namespace_target(cx: &Cx, ns: &str) -> Target {
    match cx.index.of_kind("Namespace").find(|(_, o)| o.name == ns) {
        Some((i, _)) => Target::Object(i),
        None => Target::Other(Box::new(ObjRef {
            api_version: "v1".into(),
            kind: "Namespace".into(),
            namespace: None,
            name: ns.to_string(),
        })),
    }
}

fn report_namespace(cx: &mut Cx, id: &'static str, ns: &str, message: Option<String>) {
    let target = namespace_target(cx, ns);
    cx.checked_target(id, ns, target.clone());
    if let Some(message) = message {
        cx.fail_scoped(id, target, ns.to_string(), message);
    }
}

/// Policy types a NetworkPolicy applies: as written, or Ingress plus Egress
/// when it has egress rules (the API's defaulting).
fn policy_types(p: &Value) -> (bool, bool) {
    let types = array_at(p, &["spec", "policyTypes"]);
    if types.is_empty() {
        (true, at(p, &["spec", "egress"]).is_some())
    } else {
        let has = |t: &str| types.iter().any(|v| v.as_str() == Some(t));
        (has("Ingress"), has("Egress"))
    }
}

/// A rule with no peers and no ports allows everything.
fn allows_all(rules: &[Value], peers: &str) -> bool {
    rules
        .iter()
        .any(|r| array_at(r, &[peers]).is_empty() && array_at(r, &["ports"]).is_empty())
}

#[derive(Default)]
struct Isolation {
    ingress: bool,
    egress: bool,
    open_ingress: Option<String>,
    open_egress: Option<String>,
}

fn namespaces(cx: &mut Cx) {
    let ix = cx.index;
    for ns in namespaces_with_workloads(cx).into_keys() {
        if cx.on("namespace-resource-quota") && ix.readable("ResourceQuota", Some(&ns)) {
            let none = ix.of_kind_in("ResourceQuota", &ns).next().is_none();
            report_namespace(
                cx,
                "namespace-resource-quota",
                &ns,
                none.then(|| "runs workloads with no ResourceQuota".to_string()),
            );
        }
        if cx.on("namespace-limit-range") && ix.readable("LimitRange", Some(&ns)) {
            let none = ix.of_kind_in("LimitRange", &ns).next().is_none();
            report_namespace(
                cx,
                "namespace-limit-range",
                &ns,
                none.then(|| "runs workloads with no LimitRange".to_string()),
            );
        }
    }
    if !cx.on("namespace-network-policy") {
        return;
    }
    for (ns, workload_objs) in namespaces_for_policies(cx) {
        if ix.readable("NetworkPolicy", Some(&ns)) {
            let message = network_policy_gap(cx, &ns, &workload_objs);
            report_namespace(cx, "namespace-network-policy", &ns, message);
        }
    }
}

fn network_policy_gap(cx: &Cx, ns: &str, workload_objs: &[usize]) -> Option<String> {
    let ix = cx.index;
    let policies: Vec<&crate::audit::object::Object> =
        ix.of_kind_in("NetworkPolicy", ns).map(|(_, o)| o).collect();
    if policies.is_empty() {
        return Some(
            "runs workloads with no NetworkPolicy: every pod accepts traffic from anywhere".into(),
        );
    }
    // Default deny: a policy selecting every pod (podSelector: {}) for a
    // direction, with no rule that lets everything through.
    let mut deny = Isolation::default();
    for p in &policies {
        let selects_all = at(&p.value, &["spec", "podSelector"])
            .is_none_or(|s| s.as_object().is_some_and(|m| m.is_empty()));
        let (ing, eg) = policy_types(&p.value);
        let ingress_rules = array_at(&p.value, &["spec", "ingress"]);
        let egress_rules = array_at(&p.value, &["spec", "egress"]);
        if selects_all {
            if ing && allows_all(ingress_rules, "from") {
                deny.open_ingress = Some(p.name.clone());
            }
            if eg && allows_all(egress_rules, "to") {
                deny.open_egress = Some(p.name.clone());
            }
            deny.ingress |= ing;
            deny.egress |= eg;
        }
    }
    let mut gaps = Vec::new();
    if let Some(name) = &deny.open_ingress {
        gaps.push(format!("NetworkPolicy {name} allows all ingress"));
    } else if !deny.ingress {
        gaps.push("no default-deny NetworkPolicy for ingress (podSelector: {})".to_string());
    }
    if let Some(name) = &deny.open_egress {
        gaps.push(format!("NetworkPolicy {name} allows all egress"));
    } else if !deny.egress {
        gaps.push("no default-deny NetworkPolicy for egress".to_string());
    }
    if gaps.is_empty() {
        return None;
    }
    // Name the workloads no policy selects at all.
    let uncovered: Vec<String> = workload_objs
        .iter()
        .filter(|&&i| {
            let w = ix.workloads.iter().find(|w| w.obj == i);
            let labels = w.and_then(|w| ix.pod_labels(w));
            !policies
                .iter()
                .any(|p| selector_matches(at(&p.value, &["spec", "podSelector"]), labels))
        })
        .map(|&i| format!("{}/{}", ix.objects[i].kind, ix.objects[i].name))
        .collect();
    let mut message = gaps.join("; ");
    if !uncovered.is_empty() {
        let shown: Vec<&str> = uncovered.iter().take(5).map(String::as_str).collect();
        let more = if uncovered.len() > 5 {
            format!(" and {} more", uncovered.len() - 5)
        } else {
            String::new()
        };
        message.push_str(&format!(
            "; not selected by any policy: {}{more}",
            shown.join(", ")
        ));
    }
    Some(message)
}

/// kustomize's generator suffix: 10 characters of its hash alphabet.
pub(crate) fn is_content_hashed(name: &str) -> bool {
    let Some((_, suffix)) = name.rsplit_once('-') else {
        return false;
    };
    let kustomize = suffix.len() == 10 && suffix.bytes().all(|c| b"245789bcdfghkmt6".contains(&c));
    let hex = suffix.len() >= 8
        && suffix
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        && suffix.bytes().any(|c| c.is_ascii_digit())
        && suffix.bytes().any(|c| c.is_ascii_alphabetic());
    kustomize || hex
}

fn config_not_versioned(cx: &mut Cx) {
    if !cx.on("config-not-versioned") {
        return;
    }
    let ix = cx.index;
    for w in ix.workloads.iter().filter(|w| !w.batch) {
        let o = &ix.objects[w.obj];
        let Some(spec) = ix.pod_spec(w) else { continue };
        let template_annotations = ix.pod_annotations(w);
        let checksummed =
            template_annotations.is_some_and(|a| a.keys().any(|k| k.contains("checksum")));
        let reloaded = o.annotations().is_some_and(|a| {
            a.keys().any(|k| {
                k.starts_with("reloader.stakater.com/")
                    || k.ends_with(".reloader.stakater.com/reload")
            })
        });
        if checksummed || reloaded {
            cx.verdict("config-not-versioned", w.obj, None);
            continue;
        }
        let mut unversioned: Vec<String> = Vec::new();
        let mut push = |kind: &str, name: Option<&str>| {
            let Some(name) = name else { return };
            if is_content_hashed(name) || immutable(cx, kind, o.ns(), name) {
                return;
            }
            let label = format!("{kind} {name}");
            if !unversioned.contains(&label) {
                unversioned.push(label);
            }
        };
        for c in array_at(spec, &["containers"])
            .iter()
            .chain(array_at(spec, &["initContainers"]))
        {
            for e in array_at(c, &["env"]) {
                push(
                    "ConfigMap",
                    str_at(e, &["valueFrom", "configMapKeyRef", "name"]),
                );
                push("Secret", str_at(e, &["valueFrom", "secretKeyRef", "name"]));
            }
            for e in array_at(c, &["envFrom"]) {
                push("ConfigMap", str_at(e, &["configMapRef", "name"]));
                push("Secret", str_at(e, &["secretRef", "name"]));
            }
        }
        let verdict = (!unversioned.is_empty()).then(|| {
            (
                format!(
                    "reads {} through env with no content hash or checksum annotation: edits never roll out",
                    unversioned.join(", ")
                ),
                Some(format!("{}.containers", w.spec_prefix())),
            )
        });
        cx.verdict("config-not-versioned", w.obj, verdict);
    }
}

/// An immutable ConfigMap or Secret must be replaced under a new name to
/// change, so it rolls out like a hashed one.
fn immutable(cx: &Cx, kind: &str, ns: &str, name: &str) -> bool {
    cx.index
        .of_kind_in(kind, ns)
        .any(|(_, o)| o.name == name && bool_at(&o.value, &["immutable"]) == Some(true))
}

#[cfg(test)]
mod tests {
    use super::is_content_hashed;

    #[test]
    fn hashed_names() {
        assert!(is_content_hashed("app-config-6ct58987ht"));
        assert!(is_content_hashed("db-creds-5f2a9c1e"));
        assert!(!is_content_hashed("app-config"));
        assert!(!is_content_hashed("app-config-production"));
        assert!(!is_content_hashed("app-config-20240101"));
    }
}
