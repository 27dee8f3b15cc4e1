//! Observability of workloads: metrics collected (`metrics-endpoint`),
//! scrape annotations that can work (`metrics-annotation`), Datadog
//! Autodiscovery annotations (`datadog-annotation`) and tracing (`tracing`).
//! Monitors are in `monitors`, the cluster's agents in `agents`.

use serde_json::{Map, Value};

use super::Cx;
use super::monitors::{pod_monitor_selects, services_selected};
use crate::audit::index::{Index, Workload, containers_all};
use crate::audit::object::{Object, array_at, as_int, str_at, value_text};

const SCRAPE: &str = "prometheus.io/scrape";
const PORT: &str = "prometheus.io/port";
const PATH: &str = "prometheus.io/path";
const DATADOG: &str = "ad.datadoghq.com/";

pub(crate) fn run(cx: &mut Cx) {
    metrics_endpoint(cx);
    metrics_annotation(cx);
    datadog_annotation(cx);
    tracing(cx);
}

/// Deployments, StatefulSets and DaemonSets: what runs for good.
fn long_running(ix: &Index, w: &Workload) -> bool {
    matches!(
        ix.objects[w.obj].kind.as_str(),
        "Deployment" | "StatefulSet" | "DaemonSet"
    )
}

fn text<'a>(annotations: Option<&'a Map<String, Value>>, key: &str) -> Option<&'a str> {
    annotations?.get(key)?.as_str()
}

/// Names of the env variables the pod's containers set.
fn env_names(spec: &Value) -> impl Iterator<Item = &str> {
    containers_all(spec)
        .flat_map(|c| array_at(c, &["env"]))
        .filter_map(|e| str_at(e, &["name"]))
}

fn metrics_endpoint(cx: &mut Cx) {
    if !cx.on("metrics-endpoint") {
        return;
    }
    let ix = cx.index;
    for w in ix.workloads.iter().filter(|w| long_running(ix, w)) {
        let verdict = (!metrics_collected(ix, w)).then(|| {
            let mut msg = "nothing collects its metrics: no prometheus.io/scrape, ServiceMonitor, PodMonitor, Datadog check or OpenTelemetry metrics exporter".to_string();
            if !ix.live {
                msg.push_str(" in the input");
            } else if !ix.cluster_wide {
                msg.push_str(" in the audited namespace");
            }
            (msg, Some(w.meta_path.join(".")))
        });
        cx.verdict("metrics-endpoint", w.obj, verdict);
    }
}

fn metrics_collected(ix: &Index, w: &Workload) -> bool {
    let o = &ix.objects[w.obj];
    let annotations = ix.pod_annotations(w);
    if text(annotations, SCRAPE) == Some("true") || datadog_check(annotations) {
        return true;
    }
    let otel = ix.pod_spec(w).is_some_and(|spec| {
        env_names(spec).any(|n| {
            n == "OTEL_EXPORTER_OTLP_ENDPOINT" || n == "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"
        })
    });
    if otel {
        return true;
    }
    let services = ix.services_selecting(w);
    let scraped_service = services
        .iter()
        .any(|&s| ix.objects[s].annotation(SCRAPE) == Some("true"));
    let monitored_service = ix.of_kind("ServiceMonitor").any(|(_, m)| {
        services_selected(ix, m)
            .iter()
            .any(|s| services.contains(s))
    });
    let pod_monitor = ix
        .of_kind("PodMonitor")
        .any(|(_, m)| pod_monitor_selects(m, o.ns(), ix.pod_labels(w)));
    scraped_service || monitored_service || pod_monitor
}

/// A Datadog Autodiscovery check: v2 `<container>.checks`, or v1
/// `<container>.check_names` / `.init_configs` / `.instances`.
fn datadog_check(annotations: Option<&Map<String, Value>>) -> bool {
    annotations.is_some_and(|a| {
        a.keys().filter_map(|k| datadog_key(k)).any(|(_, suffix)| {
            matches!(
                suffix,
                "checks" | "check_names" | "init_configs" | "instances"
            )
        })
    })
}

/// `ad.datadoghq.com/<container>.<suffix>` split in two; pod-level keys
/// (`ad.datadoghq.com/tags`) have no container and give `None`.
fn datadog_key(key: &str) -> Option<(&str, &str)> {
    key.strip_prefix(DATADOG)?.split_once('.')
}

fn metrics_annotation(cx: &mut Cx) {
    if !cx.on("metrics-annotation") {
        return;
    }
    let ix = cx.index;
    for w in &ix.workloads {
        let o = &ix.objects[w.obj];
        let annotations = ix.pod_annotations(w);
        let mut problems = scrape_problems(annotations, ix.pod_spec(w));
        let misplaced = w.meta_path != crate::audit::index::META_POD
            && o.annotations().is_some_and(|own| {
                own.keys().any(|k| {
                    k.starts_with("prometheus.io/")
                        && !annotations.is_some_and(|a| a.contains_key(k))
                })
            });
        if misplaced {
            problems.push(format!(
                "the prometheus.io annotations sit on the {}'s own metadata, where pod discovery never sees them; move them to {}.annotations",
                o.kind,
                w.meta_path.join(".")
            ));
        }
        if !has_prometheus(annotations) && !misplaced {
            continue;
        }
        let path = if misplaced {
            "metadata.annotations".to_string()
        } else {
            format!("{}.annotations", w.meta_path.join("."))
        };
        let verdict = (!problems.is_empty()).then(|| (problems.join("; "), Some(path)));
        cx.verdict("metrics-annotation", w.obj, verdict);
    }
    // The community chart's kubernetes-service-endpoints job reads them on Services.
    for (i, s) in ix.of_kind("Service") {
        if !has_prometheus(s.annotations()) {
            continue;
        }
        let problems = scrape_problems(s.annotations(), None);
        let verdict = (!problems.is_empty())
            .then(|| (problems.join("; "), Some("metadata.annotations".into())));
        cx.verdict("metrics-annotation", i, verdict);
    }
}

fn has_prometheus(annotations: Option<&Map<String, Value>>) -> bool {
    annotations.is_some_and(|a| a.keys().any(|k| k.starts_with("prometheus.io/")))
}

/// What stops the community Prometheus chart's kubernetes-pods job (and
/// kubernetes-service-endpoints) from using the annotations: it keeps only
/// scrape "true", takes the port with the regex `(\d+)` and the path as is.
fn scrape_problems(annotations: Option<&Map<String, Value>>, spec: Option<&Value>) -> Vec<String> {
    let mut problems = Vec::new();
    let get = |k: &str| annotations.and_then(|a| a.get(k)).map(value_text);
    if let Some(scrape) = get(SCRAPE)
        && scrape != "true"
        && scrape != "false"
    {
        problems.push(format!(
            "{SCRAPE} {scrape:?} is neither \"true\" nor \"false\""
        ));
    }
    if let Some(port) = get(PORT) {
        match port.trim().parse::<u16>() {
            Err(_) => problems.push(format!(
                "{PORT} {port:?} is not a port number (a port name does not work)"
            )),
            Ok(n) => {
                if let Some(spec) = spec {
                    let declared = container_ports(spec);
                    if !declared.contains(&i64::from(n)) {
                        let list: Vec<String> = declared.iter().map(i64::to_string).collect();
                        problems.push(format!(
                            "{PORT} {n} is no port of any container (declared: {})",
                            if list.is_empty() {
                                "none".to_string()
                            } else {
                                list.join(", ")
                            }
                        ));
                    }
                }
            }
        }
    }
    if let Some(path) = get(PATH)
        && !path.starts_with('/')
    {
        problems.push(format!("{PATH} {path:?} does not start with /"));
    }
    problems
}

fn container_ports(spec: &Value) -> Vec<i64> {
    let mut ports: Vec<i64> = containers_all(spec)
        .flat_map(|c| array_at(c, &["ports"]))
        .filter_map(|p| p.get("containerPort").and_then(as_int))
        .collect();
    ports.sort_unstable();
    ports.dedup();
    ports
}

fn datadog_annotation(cx: &mut Cx) {
    if !cx.on("datadog-annotation") {
        return;
    }
    let ix = cx.index;
    for w in &ix.workloads {
        let Some(annotations) = ix.pod_annotations(w) else {
            continue;
        };
        if !annotations.keys().any(|k| k.starts_with(DATADOG)) {
            continue;
        }
        let names: Vec<&str> = ix
            .pod_spec(w)
            .map(|s| {
                containers_all(s)
                    .filter_map(|c| str_at(c, &["name"]))
                    .collect()
            })
            .unwrap_or_default();
        let mut problems: Vec<String> = annotations
            .iter()
            .filter_map(|(k, v)| datadog_problem(k, v, &names))
            .collect();
        problems.extend(v1_lengths(annotations));
        let path = format!("{}.annotations", w.meta_path.join("."));
        let verdict = (!problems.is_empty()).then(|| (problems.join("; "), Some(path)));
        cx.verdict("datadog-annotation", w.obj, verdict);
    }
}

/// One annotation's problem: a container name the pod lacks, or JSON the
/// agent's Autodiscovery parser rejects (which disables the check silently).
fn datadog_problem(key: &str, value: &Value, containers: &[&str]) -> Option<String> {
    let (container, suffix) = datadog_key(key)?;
    if !containers.contains(&container) {
        return Some(format!(
            "{key} names no container of the pod (containers: {})",
            containers.join(", ")
        ));
    }
    let expected = match suffix {
        "checks" => "an object of integrations, each an object with an instances array",
        "check_names" | "init_configs" | "instances" => "a JSON array",
        "logs" => "an array of objects",
        "tags" => "an object",
        _ => return None,
    };
    let text = value_text(value);
    let parsed: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => return Some(format!("{key} is not valid JSON ({e})")),
    };
    (!shape_ok(suffix, &parsed)).then(|| format!("{key} is not {expected}"))
}

fn shape_ok(suffix: &str, v: &Value) -> bool {
    match suffix {
        "checks" => v.as_object().is_some_and(|m| {
            m.values().all(|c| {
                c.as_object().is_some_and(|c| {
                    c.get("instances").is_none_or(Value::is_array)
                        && c.get("init_config")
                            .is_none_or(|i| i.is_object() || i.is_null())
                })
            })
        }),
        "logs" => v.as_array().is_some_and(|a| a.iter().all(Value::is_object)),
        "tags" => v.is_object(),
        _ => v.is_array(),
    }
}

/// v1: check_names, init_configs and instances are parallel arrays.
fn v1_lengths(annotations: &Map<String, Value>) -> Option<String> {
    let mut containers: Vec<&str> = annotations
        .keys()
        .filter_map(|k| datadog_key(k))
        .filter(|(_, s)| *s == "check_names")
        .map(|(c, _)| c)
        .collect();
    containers.dedup();
    for c in containers {
        let len = |suffix: &str| {
            let v = annotations.get(&format!("{DATADOG}{c}.{suffix}"))?;
            serde_json::from_str::<Value>(&value_text(v))
                .ok()?
                .as_array()
                .map(Vec::len)
        };
        let lens = [len("check_names"), len("init_configs"), len("instances")];
        if lens.iter().all(Option::is_some) && !(lens[0] == lens[1] && lens[1] == lens[2]) {
            return Some(format!(
                "{DATADOG}{c}.check_names, .init_configs and .instances differ in length"
            ));
        }
    }
    None
}

fn tracing(cx: &mut Cx) {
    if !cx.on("tracing") {
        return;
    }
    let ix = cx.index;
    for w in ix.workloads.iter().filter(|w| long_running(ix, w)) {
        let o = &ix.objects[w.obj];
        let verdict = (!traced(ix, w, o)).then(|| {
            (
                "no tracing wired: no OpenTelemetry exporter or OTEL_SERVICE_NAME, SDK injection annotation, Zipkin or Jaeger endpoint, or Datadog APM".to_string(),
                Some(format!("{}.containers", w.spec_prefix())),
            )
        });
        cx.verdict("tracing", w.obj, verdict);
    }
}

fn traced(ix: &Index, w: &Workload, o: &Object) -> bool {
    let env = ix
        .pod_spec(w)
        .is_some_and(|spec| env_names(spec).any(tracing_env));
    let labels = ix.pod_labels(w);
    let datadog_admission = labels
        .and_then(|l| l.get("admission.datadoghq.com/enabled"))
        .is_some_and(|v| value_text(v) == "true");
    let namespace = ix
        .of_kind("Namespace")
        .find(|(_, n)| n.name == o.ns())
        .and_then(|(_, n)| n.annotations());
    env || datadog_admission || injects(ix.pod_annotations(w)) || injects(namespace)
}

fn tracing_env(name: &str) -> bool {
    matches!(
        name,
        "OTEL_SERVICE_NAME"
            | "OTEL_EXPORTER_OTLP_ENDPOINT"
            | "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
            | "DD_AGENT_HOST"
            | "DD_TRACE_AGENT_URL"
    ) || ((name.contains("ZIPKIN") || name.contains("JAEGER"))
        && (name.ends_with("ENDPOINT") || name.ends_with("HOST") || name.ends_with("URL")))
}

/// The OpenTelemetry operator injects an SDK for
/// `instrumentation.opentelemetry.io/inject-<language>` unless it is "false".
fn injects(annotations: Option<&Map<String, Value>>) -> bool {
    annotations.is_some_and(|a| {
        a.iter().any(|(k, v)| {
            k.starts_with("instrumentation.opentelemetry.io/inject-") && value_text(v) != "false"
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datadog_keys_split_at_the_container() {
        assert_eq!(
            datadog_key("ad.datadoghq.com/app.checks"),
            Some(("app", "checks"))
        );
        assert_eq!(
            datadog_key("ad.datadoghq.com/app.check.id"),
            Some(("app", "check.id"))
        );
        assert_eq!(datadog_key("ad.datadoghq.com/tags"), None);
    }

    #[test]
    fn tracing_env_names() {
        assert!(tracing_env("OTEL_SERVICE_NAME"));
        assert!(tracing_env("JAEGER_AGENT_HOST"));
        assert!(tracing_env("OTEL_EXPORTER_ZIPKIN_ENDPOINT"));
        assert!(!tracing_env("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"));
    }
}
