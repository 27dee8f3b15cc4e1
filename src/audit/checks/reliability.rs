//! Reliability: replicas, spread over nodes and zones, probes, graceful stop,
//! disruption budgets, image tags, resources.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::Cx;
use crate::audit::index::{Index, Workload, autoscaler_min, containers_indexed};
use crate::audit::object::{
    Object, array_at, as_int, at, int_at, selector_matches, str_at, value_text,
};

pub(crate) const HOSTNAME_KEYS: &[&str] = &["kubernetes.io/hostname"];
pub(crate) const ZONE_KEYS: &[&str] = &[
    "topology.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/zone",
];

pub(crate) fn run(cx: &mut Cx) {
    min_replicas(cx);
    spread(cx, "spread-nodes", HOSTNAME_KEYS);
    if cx.index.zones.is_some_and(|z| z >= 2) {
        spread(cx, "spread-zones", ZONE_KEYS);
    }
    probes(cx);
    graceful_stop(cx);
    pdb_missing(cx);
    pdb_blocks_eviction(cx);
    image_tag(cx);
    resources(cx);
}

fn long_running_scalable(w: &Workload) -> bool {
    w.scalable && !w.batch
}

/// The replicas the spread and budget checks plan for, and how a message
/// says it. A file that leaves spec.replicas unset, with no autoscaler in the
/// input, usually has one outside it (autoscaled workloads should not set
/// replicas): it may run several, so those checks apply, as kube-score reads it.
fn planned_replicas(ix: &Index, w: &Workload) -> Option<(i64, String)> {
    let n = ix.effective_replicas(w)?;
    let unset = ix.objects[w.obj].get(&["spec", "replicas"]).is_none();
    if !ix.live && w.hpa.is_none() && unset {
        return Some((2, "replicas unset (an autoscaler may run several)".into()));
    }
    Some((n, format!("{n} replicas")))
}

fn min_replicas(cx: &mut Cx) {
    if !cx.on("min-replicas") {
        return;
    }
    let ix = cx.index;
    for w in ix.workloads.iter().filter(|w| long_running_scalable(w)) {
        let o = &ix.objects[w.obj];
        if !matches!(
            o.kind.as_str(),
            "Deployment" | "StatefulSet" | "DeploymentConfig"
        ) {
            continue;
        }
        let replicas = int_at(&o.value, &["spec", "replicas"]);
        // Live, the autoscaler itself writes spec.replicas; what the owner
        // wrote is in the last-applied configuration, if kubectl applied it.
        let written = if ix.live {
            o.annotation("kubectl.kubernetes.io/last-applied-configuration")
                .and_then(|t| serde_json::from_str::<Value>(t).ok())
                .and_then(|v| int_at(&v, &["spec", "replicas"]))
        } else {
            replicas
        };
        let verdict = if let Some(h) = w.hpa {
            let hpa = &ix.objects[h];
            let min = autoscaler_min(hpa);
            if let Some(r) = written {
                Some((
                    format!(
                        "{} {} scales it, yet it sets replicas: {r}; every apply resets the autoscaler's choice",
                        hpa.kind, hpa.name
                    ),
                    Some("spec.replicas".to_string()),
                ))
            } else if min < 2 {
                Some((
                    format!(
                        "{} {} allows {min} replica(s); set its minimum to 2 or more",
                        hpa.kind, hpa.name
                    ),
                    None,
                ))
            } else {
                None
            }
        } else {
            match replicas.unwrap_or(1) {
                // Scaled to zero on purpose: nothing runs, nothing to spread.
                0 => None,
                1 => Some((
                    format!(
                        "{} runs 1 replica: every drain or crash is an outage",
                        o.kind
                    ),
                    Some("spec.replicas".to_string()),
                )),
                _ => None,
            }
        };
        cx.verdict("min-replicas", w.obj, verdict);
    }
    // HPAs whose target is not part of the input are judged on their own.
    for (h, hpa) in ix.of_kind("HorizontalPodAutoscaler") {
        if ix.workloads.iter().any(|w| w.hpa == Some(h)) {
            continue;
        }
        let min = autoscaler_min(hpa);
        let verdict = (min < 2).then(|| {
            (
                format!("minReplicas is {min}; set it to 2 or more"),
                Some("spec.minReplicas".to_string()),
            )
        });
        cx.verdict("min-replicas", h, verdict);
    }
}

/// Whether a pod spec spreads its own pods over one of `keys`, through a
/// topology spread constraint or a pod anti-affinity term (required or
/// preferred) whose selector matches the pods' own labels.
pub(crate) fn spreads(
    spec: &Value,
    labels: Option<&Map<String, Value>>,
    ns: &str,
    keys: &[&str],
) -> bool {
    let key_ok = |v: &Value| str_at(v, &["topologyKey"]).is_some_and(|k| keys.contains(&k));
    let tsc = array_at(spec, &["topologySpreadConstraints"])
        .iter()
        .any(|c| key_ok(c) && selector_matches(c.get("labelSelector"), labels));
    if tsc {
        return true;
    }
    let term_ok = |t: &Value| {
        if !key_ok(t) || !selector_matches(t.get("labelSelector"), labels) {
            return false;
        }
        // The term counts only pods of the namespaces it names (own by default).
        let names = array_at(t, &["namespaces"]);
        let own_listed = names.is_empty() || names.iter().any(|n| n.as_str() == Some(ns));
        let all_by_selector = t
            .get("namespaceSelector")
            .and_then(Value::as_object)
            .is_some_and(|m| m.is_empty());
        own_listed || all_by_selector
    };
    let anti = at(spec, &["affinity", "podAntiAffinity"]);
    let required = anti
        .map(|a| array_at(a, &["requiredDuringSchedulingIgnoredDuringExecution"]))
        .unwrap_or(&[]);
    let preferred = anti
        .map(|a| array_at(a, &["preferredDuringSchedulingIgnoredDuringExecution"]))
        .unwrap_or(&[]);
    required.iter().any(term_ok)
        || preferred
            .iter()
            .filter_map(|p| p.get("podAffinityTerm"))
            .any(term_ok)
}

fn spread(cx: &mut Cx, id: &'static str, keys: &[&str]) {
    if !cx.on(id) {
        return;
    }
    let ix = cx.index;
    for w in ix.workloads.iter().filter(|w| long_running_scalable(w)) {
        let Some((replicas, said)) = planned_replicas(ix, w) else {
            continue;
        };
        if replicas < 2 {
            continue;
        }
        let o = &ix.objects[w.obj];
        let Some(spec) = ix.pod_spec(w) else { continue };
        let labels = ix.pod_labels(w);
        let verdict = (!spreads(spec, labels, o.ns(), keys)).then(|| {
            let what = if id == "spread-zones" {
                "zones"
            } else {
                "nodes"
            };
            let mut msg = format!("{said} with no topology spread or anti-affinity over {what}");
            if id == "spread-zones" {
                if let Some(pinned) = pinned_zone(spec) {
                    msg.push_str(&format!("; its nodeSelector pins it to zone {pinned}"));
                }
                let placed = observed_zones(cx, o, labels);
                if !placed.is_empty() {
                    msg.push_str(&format!(
                        "; its pods run in {} zone{} ({})",
                        placed.len(),
                        if placed.len() == 1 { "" } else { "s" },
                        placed.iter().cloned().collect::<Vec<_>>().join(", ")
                    ));
                }
            }
            (
                msg,
                Some(format!("{}.topologySpreadConstraints", w.spec_prefix())),
            )
        });
        cx.verdict(id, w.obj, verdict);
    }
}

fn pinned_zone(spec: &Value) -> Option<String> {
    let sel = at(spec, &["nodeSelector"])?.as_object()?;
    ZONE_KEYS.iter().find_map(|k| sel.get(*k)).map(value_text)
}

/// Live: the zones the workload's pods actually run in.
fn observed_zones(cx: &Cx, o: &Object, labels: Option<&Map<String, Value>>) -> BTreeSet<String> {
    let ix = cx.index;
    let selector = o.get(&["spec", "selector"]);
    let mut zones = BTreeSet::new();
    if !ix.live || labels.is_none() {
        return zones;
    }
    for p in ix.pods_in(o.ns()) {
        let matches = match o.kind.as_str() {
            "Deployment" | "StatefulSet" | "ReplicaSet" => {
                selector_matches(selector, Some(&p.labels))
            }
            _ => false,
        };
        if matches && let Some(zone) = p.node.as_ref().and_then(|n| ix.node_zones.get(n)) {
            zones.insert(zone.clone());
        }
    }
    zones
}

fn has_probe(c: &Value, field: &str) -> bool {
    c.get(field).is_some_and(|p| p.is_object())
}

fn probes(cx: &mut Cx) {
    let ix = cx.index;
    for w in ix.workloads.iter().filter(|w| !w.batch) {
        let Some(spec) = ix.pod_spec(w) else { continue };
        let o = &ix.objects[w.obj];
        // A bare pod only needs readiness when a Service sends it traffic;
        // controllers also gate rollouts on it. Files without any Service
        // cannot tell, so a Service elsewhere is assumed.
        let readiness_applies = o.kind != "Pod"
            || !ix.services_selecting(w).is_empty()
            || (!ix.live && ix.of_kind("Service").next().is_none());
        for (i, c) in array_at(spec, &["containers"]).iter().enumerate() {
            let name = str_at(c, &["name"]).unwrap_or("?");
            let path = format!("{}.containers[{i}]", w.spec_prefix());
            if readiness_applies && cx.on("readiness-probe") {
                let verdict = (!has_probe(c, "readinessProbe")).then(|| {
                    (
                        format!("container {name:?} has no readiness probe"),
                        Some(path.clone()),
                    )
                });
                cx.verdict("readiness-probe", w.obj, verdict);
            }
            if cx.on("liveness-probe") {
                let verdict = (!has_probe(c, "livenessProbe")).then(|| {
                    (
                        format!("container {name:?} has no liveness probe"),
                        Some(path.clone()),
                    )
                });
                cx.verdict("liveness-probe", w.obj, verdict);
            }
        }
    }
}

/// Seconds a preStop hook waits: the `sleep` action, or `sleep N` run by exec.
pub(crate) fn prestop_seconds(c: &Value) -> Option<i64> {
    let pre = at(c, &["lifecycle", "preStop"])?;
    if let Some(s) = at(pre, &["sleep", "seconds"]).and_then(as_int) {
        return Some(s);
    }
    let cmd = array_at(pre, &["exec", "command"]);
    let words: Vec<String> = cmd
        .iter()
        .filter_map(Value::as_str)
        .flat_map(|s| s.split(|c: char| c.is_whitespace() || c == ';' || c == '&'))
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let pos = words
        .iter()
        .position(|w| w == "sleep" || w.ends_with("/sleep"))?;
    let n = words.get(pos + 1)?;
    n.trim_end_matches('s')
        .parse::<f64>()
        .ok()
        .map(|f| f.ceil() as i64)
}

fn graceful_stop(cx: &mut Cx) {
    if !cx.on("graceful-stop") {
        return;
    }
    let ix = cx.index;
    for w in ix.workloads.iter().filter(|w| !w.batch) {
        let Some(spec) = ix.pod_spec(w) else { continue };
        let grace_path = format!("{}.terminationGracePeriodSeconds", w.spec_prefix());
        let grace = at(spec, &["terminationGracePeriodSeconds"])
            .and_then(as_int)
            .unwrap_or(30);
        let containers = array_at(spec, &["containers"]);
        let mut verdict = None;
        if grace == 0 {
            verdict = Some((
                "terminationGracePeriodSeconds is 0: containers are killed without a chance to finish requests".to_string(),
                Some(grace_path.clone()),
            ));
        }
        if verdict.is_none() {
            for (i, c) in containers.iter().enumerate() {
                if let Some(sleep) = prestop_seconds(c)
                    && sleep >= grace
                {
                    let name = str_at(c, &["name"]).unwrap_or("?");
                    verdict = Some((
                        format!(
                            "container {name:?} sleeps {sleep}s in preStop but the grace period is {grace}s: it is killed before it stops"
                        ),
                        Some(format!(
                            "{}.containers[{i}].lifecycle.preStop",
                            w.spec_prefix()
                        )),
                    ));
                    break;
                }
            }
        }
        if verdict.is_none() {
            let services = ix.services_selecting(w);
            let any_prestop = containers
                .iter()
                .any(|c| at(c, &["lifecycle", "preStop"]).is_some());
            if !services.is_empty() && !any_prestop {
                let names: Vec<&str> = services
                    .iter()
                    .map(|&s| ix.objects[s].name.as_str())
                    .collect();
                verdict = Some((
                    format!(
                        "behind Service {} with no preStop delay: in-flight requests are cut while endpoints are removed",
                        names.join(", ")
                    ),
                    Some(format!("{}.containers[0]", w.spec_prefix())),
                ));
            }
        }
        cx.verdict("graceful-stop", w.obj, verdict);
    }
}

fn pdb_missing(cx: &mut Cx) {
    if !cx.on("pdb-missing") {
        return;
    }
    let ix = cx.index;
    for w in ix.workloads.iter().filter(|w| long_running_scalable(w)) {
        let o = &ix.objects[w.obj];
        if !ix.readable("PodDisruptionBudget", Some(o.ns())) {
            continue;
        }
        let Some((replicas, said)) = planned_replicas(ix, w) else {
            continue;
        };
        if replicas < 2 {
            continue;
        }
        let verdict = ix.pdbs_selecting(w).is_empty().then(|| {
            (
                format!("{said} and no PodDisruptionBudget selects its pods"),
                None,
            )
        });
        cx.verdict("pdb-missing", w.obj, verdict);
    }
}

fn is_zero(v: &Value) -> bool {
    match v {
        Value::String(s) => s.trim() == "0%" || s.trim() == "0",
        other => as_int(other) == Some(0),
    }
}

fn pdb_blocks_eviction(cx: &mut Cx) {
    if !cx.on("pdb-blocks-eviction") {
        return;
    }
    let ix = cx.index;
    for (p, pdb) in ix.of_kind("PodDisruptionBudget") {
        let mut verdict = None;
        if let Some(mu) = pdb.get(&["spec", "maxUnavailable"])
            && is_zero(mu)
        {
            verdict = Some((
                format!(
                    "maxUnavailable is {}: no pod can ever be evicted",
                    value_text(mu)
                ),
                Some("spec.maxUnavailable".to_string()),
            ));
        }
        if verdict.is_none()
            && let Some(ma) = pdb.get(&["spec", "minAvailable"])
        {
            if ma.as_str().is_some_and(|s| s.trim() == "100%") {
                verdict = Some((
                    "minAvailable is 100%: no pod can ever be evicted".to_string(),
                    Some("spec.minAvailable".to_string()),
                ));
            } else {
                let percent = ma
                    .as_str()
                    .and_then(|s| s.trim().strip_suffix('%'))
                    .and_then(|p| p.trim().parse::<f64>().ok());
                let fixed = if percent.is_none() { as_int(ma) } else { None };
                let selector = pdb.get(&["spec", "selector"]);
                for w in ix.workloads.iter().filter(|w| w.scalable) {
                    let o = &ix.objects[w.obj];
                    if o.ns() != pdb.ns() || !selector_matches(selector, ix.pod_labels(w)) {
                        continue;
                    }
                    let Some(replicas) = ix.effective_replicas(w) else {
                        continue;
                    };
                    // Percentages round up, as the disruption controller does.
                    let min = match (fixed, percent) {
                        (Some(n), _) => n,
                        (None, Some(p)) => (p * replicas as f64 / 100.0).ceil() as i64,
                        _ => continue,
                    };
                    if replicas > 0 && min >= replicas {
                        let by = if w.hpa.is_some() {
                            " (autoscaler minimum)"
                        } else {
                            ""
                        };
                        verdict = Some((
                            format!(
                                "minAvailable {} with {replicas} replicas{by} of {} {}: no pod can be evicted",
                                value_text(ma),
                                o.kind,
                                o.name
                            ),
                            Some("spec.minAvailable".to_string()),
                        ));
                        break;
                    }
                }
            }
        }
        cx.verdict("pdb-blocks-eviction", p, verdict);
    }
}

/// Whether an image reference is pinned: a digest, or a tag other than latest.
pub(crate) fn image_pinned(image: &str) -> Result<(), &'static str> {
    if image.contains('@') {
        return Ok(());
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        None => Err("has no tag"),
        Some((_, "latest")) => Err("uses the latest tag"),
        Some((_, "")) => Err("has an empty tag"),
        Some(_) => Ok(()),
    }
}

fn image_tag(cx: &mut Cx) {
    if !cx.on("image-tag") {
        return;
    }
    let ix = cx.index;
    for w in &ix.workloads {
        let Some(spec) = ix.pod_spec(w) else { continue };
        for (field, i, c) in containers_indexed(spec) {
            let Some(image) = str_at(c, &["image"]) else {
                continue;
            };
            let name = str_at(c, &["name"]).unwrap_or("?");
            let verdict = image_pinned(image).err().map(|why| {
                (
                    format!("container {name:?} image {image:?} {why}"),
                    Some(format!("{}.{field}[{i}].image", w.spec_prefix())),
                )
            });
            cx.verdict("image-tag", w.obj, verdict);
        }
    }
}

/// What a namespace's LimitRange fills in for containers that omit it.
#[derive(Default, Clone, Copy)]
struct Defaults {
    cpu_request: bool,
    memory_request: bool,
    memory_limit: bool,
}

fn limit_range_defaults(cx: &Cx, ns: &str) -> Defaults {
    let mut d = Defaults::default();
    for (_, lr) in cx.index.of_kind_in("LimitRange", ns) {
        for limit in array_at(&lr.value, &["spec", "limits"]) {
            if str_at(limit, &["type"]) != Some("Container") {
                continue;
            }
            let has = |field: &str, res: &str| at(limit, &[field, res]).is_some();
            // A default limit also becomes the default request.
            d.cpu_request |= has("defaultRequest", "cpu") || has("default", "cpu");
            d.memory_request |= has("defaultRequest", "memory") || has("default", "memory");
            d.memory_limit |= has("default", "memory");
        }
    }
    d
}

fn resources(cx: &mut Cx) {
    if !cx.on("resources") {
        return;
    }
    let ix = cx.index;
    for w in &ix.workloads {
        let Some(spec) = ix.pod_spec(w) else { continue };
        let ns = ix.objects[w.obj].ns();
        let defaults = limit_range_defaults(cx, ns);
        for (field, i, c) in containers_indexed(spec) {
            let name = str_at(c, &["name"]).unwrap_or("?");
            let set = |kind: &str, res: &str| at(c, &["resources", kind, res]).is_some();
            // The API server copies a limit into a missing request.
            let mut missing = Vec::new();
            if !(set("requests", "cpu") || set("limits", "cpu") || defaults.cpu_request) {
                missing.push("CPU request");
            }
            if !(set("requests", "memory") || set("limits", "memory") || defaults.memory_request) {
                missing.push("memory request");
            }
            if !(set("limits", "memory") || defaults.memory_limit) {
                missing.push("memory limit");
            }
            let verdict = (!missing.is_empty()).then(|| {
                (
                    format!("container {name:?} sets no {}", join_words(&missing)),
                    Some(format!("{}.{field}[{i}].resources", w.spec_prefix())),
                )
            });
            cx.verdict("resources", w.obj, verdict);
        }
    }
}

pub(crate) fn join_words(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}
