//! prometheus-operator's monitors (monitoring.coreos.com/v1): which Services
//! a ServiceMonitor and which pods a PodMonitor select, by the operator's own
//! rules, and `monitor-selects-nothing`.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::Cx;
use crate::audit::index::{Index, Workload, containers_all};
use crate::audit::object::{Object, array_at, at, bool_at, selector_matches, str_at};

pub(crate) fn run(cx: &mut Cx) {
    if !cx.on("monitor-selects-nothing") {
        return;
    }
    let ix = cx.index;
    for (i, m) in ix.of_kind("ServiceMonitor") {
        if sees_its_namespaces(ix, m) {
            let verdict = service_monitor_verdict(ix, i);
            cx.verdict("monitor-selects-nothing", i, verdict);
        }
    }
    for (i, m) in ix.of_kind("PodMonitor") {
        if sees_its_namespaces(ix, m) {
            let verdict = pod_monitor_verdict(ix, i);
            cx.verdict("monitor-selects-nothing", i, verdict);
        }
    }
}

/// A live audit of one namespace cannot judge a monitor that looks into
/// others (offline, the input is all there is, and the message says so).
fn sees_its_namespaces(ix: &Index, monitor: &Object) -> bool {
    if !ix.live || ix.cluster_wide {
        return true;
    }
    match Namespaces::of(monitor) {
        Namespaces::Any => false,
        Namespaces::Named(names) => names.iter().all(|n| n == monitor.ns()),
    }
}

/// The namespaces a monitor looks in. prometheus-operator's
/// `NamespaceSelector`: `any: true` is every namespace, `matchNames` those
/// listed, and neither the monitor's own namespace.
enum Namespaces {
    Any,
    Named(Vec<String>),
}

impl Namespaces {
    fn of(monitor: &Object) -> Namespaces {
        let sel = monitor.get(&["spec", "namespaceSelector"]);
        if sel.and_then(|s| bool_at(s, &["any"])) == Some(true) {
            return Namespaces::Any;
        }
        let names: Vec<String> = sel
            .map(|s| array_at(s, &["matchNames"]))
            .unwrap_or(&[])
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        if names.is_empty() {
            Namespaces::Named(vec![monitor.ns().to_string()])
        } else {
            Namespaces::Named(names)
        }
    }

    fn contains(&self, ns: &str) -> bool {
        match self {
            Namespaces::Any => true,
            Namespaces::Named(names) => names.iter().any(|n| n == ns),
        }
    }

    fn said(&self, live: bool) -> String {
        let place = match self {
            Namespaces::Any => "any namespace".to_string(),
            Namespaces::Named(n) if n.len() == 1 => format!("namespace {}", n[0]),
            Namespaces::Named(n) => format!("namespaces {}", n.join(", ")),
        };
        if live {
            place
        } else {
            format!("{place} of the input")
        }
    }
}

/// The Services a ServiceMonitor selects (label selector within its
/// namespaces; a missing selector selects nothing, `{}` every Service).
pub(crate) fn services_selected(ix: &Index, monitor: &Object) -> Vec<usize> {
    let namespaces = Namespaces::of(monitor);
    let selector = monitor.get(&["spec", "selector"]);
    ix.of_kind("Service")
        .filter(|(_, s)| namespaces.contains(s.ns()) && selector_matches(selector, s.labels()))
        .map(|(i, _)| i)
        .collect()
}

/// Whether a PodMonitor selects pods with these labels in `ns`.
pub(crate) fn pod_monitor_selects(
    monitor: &Object,
    ns: &str,
    labels: Option<&Map<String, Value>>,
) -> bool {
    Namespaces::of(monitor).contains(ns)
        && selector_matches(monitor.get(&["spec", "selector"]), labels)
}

fn service_monitor_verdict(ix: &Index, m: usize) -> Option<(String, Option<String>)> {
    let monitor = &ix.objects[m];
    let services = services_selected(ix, monitor);
    if services.is_empty() {
        return Some((
            format!(
                "selects no Service in {}",
                Namespaces::of(monitor).said(ix.live)
            ),
            Some("spec.selector".into()),
        ));
    }
    // `endpoints[].port` is a Service port name (it wins over targetPort).
    let names: BTreeSet<&str> = services
        .iter()
        .flat_map(|&s| array_at(&ix.objects[s].value, &["spec", "ports"]))
        .filter_map(|p| str_at(p, &["name"]))
        .collect();
    let endpoints = array_at(&monitor.value, &["spec", "endpoints"]);
    let (i, port) = missing_port(endpoints, "port", &names)?;
    let which: Vec<&str> = services
        .iter()
        .map(|&s| ix.objects[s].name.as_str())
        .collect();
    Some((
        format!(
            "endpoint port {port:?} names no port of the Service{} it selects ({}; port names: {})",
            if which.len() == 1 { "" } else { "s" },
            which.join(", "),
            listed(&names)
        ),
        Some(format!("spec.endpoints[{i}].port")),
    ))
}

fn pod_monitor_verdict(ix: &Index, m: usize) -> Option<(String, Option<String>)> {
    let monitor = &ix.objects[m];
    let selected: Vec<&Workload> = ix
        .workloads
        .iter()
        .filter(|w| pod_monitor_selects(monitor, ix.objects[w.obj].ns(), ix.pod_labels(w)))
        .collect();
    let live_pods = ix
        .pods
        .iter()
        .any(|p| pod_monitor_selects(monitor, &p.namespace, Some(&p.labels)));
    if selected.is_empty() && !live_pods {
        return Some((
            format!(
                "selects no pod in {}",
                Namespaces::of(monitor).said(ix.live)
            ),
            Some("spec.selector".into()),
        ));
    }
    if selected.is_empty() {
        // Pods of controllers outside the audit: their ports are unknown.
        return None;
    }
    // `podMetricsEndpoints[].port` is a container port name.
    let names: BTreeSet<&str> = selected
        .iter()
        .filter_map(|w| ix.pod_spec(w))
        .flat_map(containers_all)
        .flat_map(|c| array_at(c, &["ports"]))
        .filter_map(|p| str_at(p, &["name"]))
        .collect();
    let endpoints = array_at(&monitor.value, &["spec", "podMetricsEndpoints"]);
    let (i, port) = missing_port(endpoints, "port", &names)?;
    Some((
        format!(
            "endpoint port {port:?} names no container port of the pods it selects (port names: {})",
            listed(&names)
        ),
        Some(format!("spec.podMetricsEndpoints[{i}].port")),
    ))
}

/// The first endpoint whose named port is not among `names`.
fn missing_port<'a>(
    endpoints: &'a [Value],
    field: &str,
    names: &BTreeSet<&str>,
) -> Option<(usize, &'a str)> {
    endpoints.iter().enumerate().find_map(|(i, e)| {
        let port = at(e, &[field])?.as_str()?;
        (!names.contains(port)).then_some((i, port))
    })
}

fn listed(names: &BTreeSet<&str>) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names.iter().copied().collect::<Vec<_>>().join(", ")
    }
}
