//! The observability checks: for each, a fixture where it fires and a
//! minimal change that silences it (offline through the same code as
//! `kubectl audit -f`, live-only ones through the live indexing), then
//! against testenv with prometheus-operator's real CRDs (Go module
//! github.com/prometheus-operator/prometheus-operator, fetched by
//! tests/tools/prometheus-operator-crds.sh): monitors that do and do not
//! select, in their own namespace and others, a log shipper that misses a
//! tainted kwok node, and the cluster's metrics agent. CRDs are cluster-wide
//! and shared: applied idempotently and never deleted.

mod support;

use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use honban::audit::{self, live, yaml};
use serde_json::Value;

/// Names (Kind/name) of the objects `check` fires on, offline.
fn fired(manifest: &str, check: &str) -> Vec<String> {
    let report = audit::audit_text(manifest, &[check], None);
    assert!(
        report.not_checked.is_empty(),
        "fixture did not parse: {:?}",
        report.not_checked
    );
    let mut names: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.check == check)
        .map(|f| format!("{}/{}", f.object.kind, f.object.name))
        .collect();
    names.dedup();
    names
}

fn messages(manifest: &str, check: &str) -> Vec<String> {
    audit::audit_text(manifest, &[check], None)
        .findings
        .into_iter()
        .map(|f| f.message)
        .collect()
}

/// Live-only checks: objects as the API returns them, every namespace seen.
fn live_fired(objects: &str, check: &str) -> Vec<String> {
    let values = yaml::parse_stream(objects)
        .expect("fixture parses")
        .into_iter()
        .map(|d| d.value)
        .filter(|v| !v.is_null())
        .collect();
    let index = live::index_from_values(values, Vec::new());
    let report = audit::audit_index(
        Some("test".into()),
        &index,
        &audit::test_settings(&[check], true),
    );
    report
        .findings
        .iter()
        .filter(|f| f.check == check)
        .map(|f| format!("{}/{}: {}", f.object.kind, f.object.name, f.message))
        .collect()
}

/// A workload in namespace `ns` with pod label app=`name`, pod template
/// annotations `annotations` (a flow map body) and extra container lines.
fn workload(kind: &str, ns: &str, name: &str, annotations: &str, container: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: {kind}
metadata:
  name: {name}
  namespace: {ns}
spec:
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
      annotations: {{{annotations}}}
    spec:
      containers:
        - name: app
          image: example/app:1.0
          ports:
            - {{name: http, containerPort: 8080}}
{container}"
    )
}

fn deployment(name: &str, annotations: &str, container: &str) -> String {
    workload("Deployment", "shop", name, annotations, container)
}

fn service(ns: &str, name: &str, annotations: &str) -> String {
    format!(
        "apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: {ns}
  labels: {{app: {name}}}
  annotations: {{{annotations}}}
spec:
  selector: {{app: {name}}}
  ports:
    - {{name: web, port: 80, targetPort: http}}
"
    )
}

fn service_monitor(ns: &str, name: &str, app: &str, port: &str, namespaces: &str) -> String {
    format!(
        "apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {name}
  namespace: {ns}
spec:
  selector:
    matchLabels: {{app: {app}}}
  namespaceSelector: {{{namespaces}}}
  endpoints:
    - {{port: {port}, interval: 30s}}
"
    )
}

fn pod_monitor(ns: &str, name: &str, app: &str, port: &str, namespaces: &str) -> String {
    format!(
        "apiVersion: monitoring.coreos.com/v1
kind: PodMonitor
metadata:
  name: {name}
  namespace: {ns}
spec:
  selector:
    matchLabels: {{app: {app}}}
  namespaceSelector: {{{namespaces}}}
  podMetricsEndpoints:
    - {{port: {port}}}
"
    )
}

fn env(pairs: &[(&str, &str)]) -> String {
    let mut out = "          env:\n".to_string();
    for (k, v) in pairs {
        out.push_str(&format!("            - {{name: {k}, value: \"{v}\"}}\n"));
    }
    out
}

fn join(docs: &[String]) -> String {
    docs.join("---\n")
}

// ---- metrics-endpoint -------------------------------------------------

#[test]
fn metrics_endpoint_fires_for_long_running_workloads_nothing_collects() {
    let api = deployment("api", "", "");
    assert_eq!(fired(&api, "metrics-endpoint"), ["Deployment/api"]);
    assert!(messages(&api, "metrics-endpoint")[0].ends_with("in the input"));
    // The scrape annotation on the pod template silences it.
    let scraped = deployment("api", "prometheus.io/scrape: 'true'", "");
    assert!(fired(&scraped, "metrics-endpoint").is_empty());
    // A StatefulSet and a DaemonSet count; a Job and a CronJob never do.
    let sts = workload("StatefulSet", "shop", "db", "", "");
    assert_eq!(fired(&sts, "metrics-endpoint"), ["StatefulSet/db"]);
    let ds = workload("DaemonSet", "shop", "agent", "", "");
    assert_eq!(fired(&ds, "metrics-endpoint"), ["DaemonSet/agent"]);
    let job = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: once, namespace: shop}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: app, image: example/app:1.0}]\n";
    assert!(fired(job, "metrics-endpoint").is_empty());
}

#[test]
fn metrics_endpoint_counts_a_scraped_service_and_service_monitors_by_the_operators_rules() {
    let api = deployment("api", "", "");
    let plain = join(&[api.clone(), service("shop", "api", "")]);
    assert_eq!(fired(&plain, "metrics-endpoint"), ["Deployment/api"]);
    let scraped = join(&[
        api.clone(),
        service("shop", "api", "prometheus.io/scrape: 'true'"),
    ]);
    assert!(fired(&scraped, "metrics-endpoint").is_empty());
    // A ServiceMonitor in another namespace looks only in its own by default.
    let elsewhere = join(&[
        api.clone(),
        service("shop", "api", ""),
        service_monitor("monitoring", "api", "api", "web", ""),
    ]);
    assert_eq!(fired(&elsewhere, "metrics-endpoint"), ["Deployment/api"]);
    let named = join(&[
        api.clone(),
        service("shop", "api", ""),
        service_monitor("monitoring", "api", "api", "web", "matchNames: [shop]"),
    ]);
    assert!(fired(&named, "metrics-endpoint").is_empty());
    let any = join(&[
        api,
        service("shop", "api", ""),
        service_monitor("monitoring", "api", "api", "web", "any: true"),
    ]);
    assert!(fired(&any, "metrics-endpoint").is_empty());
}

#[test]
fn metrics_endpoint_counts_pod_monitors_datadog_checks_and_otel_exporters() {
    let api = deployment("api", "", "");
    let other_app = join(&[api.clone(), pod_monitor("shop", "pm", "web", "http", "")]);
    assert_eq!(fired(&other_app, "metrics-endpoint"), ["Deployment/api"]);
    let pm = join(&[api, pod_monitor("shop", "pm", "api", "http", "")]);
    assert!(fired(&pm, "metrics-endpoint").is_empty());
    let v2 = deployment(
        "api",
        r#"ad.datadoghq.com/app.checks: '{"openmetrics": {"instances": [{}]}}'"#,
        "",
    );
    assert!(fired(&v2, "metrics-endpoint").is_empty());
    let v1 = deployment(
        "api",
        r#"ad.datadoghq.com/app.check_names: '["nginx"]'"#,
        "",
    );
    assert!(fired(&v1, "metrics-endpoint").is_empty());
    let otel = deployment(
        "api",
        "",
        &env(&[("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://otel:4318")]),
    );
    assert!(fired(&otel, "metrics-endpoint").is_empty());
    // A traces-only exporter is no metrics exporter.
    let traces = deployment(
        "api",
        "",
        &env(&[("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://otel:4318")]),
    );
    assert_eq!(fired(&traces, "metrics-endpoint"), ["Deployment/api"]);
}

// ---- metrics-annotation -----------------------------------------------

#[test]
fn metrics_annotation_flags_annotations_the_scrape_job_cannot_use() {
    let port_name = deployment(
        "api",
        "prometheus.io/scrape: 'true', prometheus.io/port: http",
        "",
    );
    assert_eq!(fired(&port_name, "metrics-annotation"), ["Deployment/api"]);
    let port_number = deployment(
        "api",
        "prometheus.io/scrape: 'true', prometheus.io/port: '8080'",
        "",
    );
    assert!(fired(&port_number, "metrics-annotation").is_empty());
    let undeclared = deployment(
        "api",
        "prometheus.io/scrape: 'true', prometheus.io/port: '9090'",
        "",
    );
    assert_eq!(
        messages(&undeclared, "metrics-annotation"),
        ["prometheus.io/port 9090 is no port of any container (declared: 8080)"]
    );
    let path = deployment(
        "api",
        "prometheus.io/scrape: 'true', prometheus.io/path: metrics",
        "",
    );
    assert_eq!(fired(&path, "metrics-annotation"), ["Deployment/api"]);
    let good_path = deployment(
        "api",
        "prometheus.io/scrape: 'true', prometheus.io/path: /metrics",
        "",
    );
    assert!(fired(&good_path, "metrics-annotation").is_empty());
    let yes = deployment("api", "prometheus.io/scrape: 'yes'", "");
    assert_eq!(fired(&yes, "metrics-annotation"), ["Deployment/api"]);
    let off = deployment("api", "prometheus.io/scrape: 'false'", "");
    assert!(fired(&off, "metrics-annotation").is_empty());
}

#[test]
fn metrics_annotation_flags_annotations_on_the_workloads_own_metadata_and_services() {
    let api = deployment("api", "", "");
    let own = api.replace(
        "  namespace: shop\n",
        "  namespace: shop\n  annotations: {prometheus.io/scrape: 'true'}\n",
    );
    assert_eq!(fired(&own, "metrics-annotation"), ["Deployment/api"]);
    assert!(messages(&own, "metrics-annotation")[0].contains("own metadata"));
    let both = own.replace(
        "      annotations: {}\n",
        "      annotations: {prometheus.io/scrape: 'true'}\n",
    );
    assert!(fired(&both, "metrics-annotation").is_empty());
    let svc = service(
        "shop",
        "api",
        "prometheus.io/scrape: 'true', prometheus.io/port: web",
    );
    assert_eq!(fired(&svc, "metrics-annotation"), ["Service/api"]);
    let svc_ok = service(
        "shop",
        "api",
        "prometheus.io/scrape: 'true', prometheus.io/port: '8080'",
    );
    assert!(fired(&svc_ok, "metrics-annotation").is_empty());
}

// ---- monitor-selects-nothing ------------------------------------------

#[test]
fn monitor_selects_nothing_follows_the_operators_namespace_default() {
    let svc = service("shop", "api", "");
    let own = join(&[
        svc.clone(),
        service_monitor("shop", "api", "api", "web", ""),
    ]);
    assert!(fired(&own, "monitor-selects-nothing").is_empty());
    let other = join(&[
        svc.clone(),
        service_monitor("monitoring", "api", "api", "web", ""),
    ]);
    assert_eq!(
        fired(&other, "monitor-selects-nothing"),
        ["ServiceMonitor/api"]
    );
    assert_eq!(
        messages(&other, "monitor-selects-nothing"),
        ["selects no Service in namespace monitoring of the input"]
    );
    let named = join(&[
        svc.clone(),
        service_monitor("monitoring", "api", "api", "web", "matchNames: [shop]"),
    ]);
    assert!(fired(&named, "monitor-selects-nothing").is_empty());
    let wrong_labels = join(&[svc, service_monitor("shop", "api", "web", "web", "")]);
    assert_eq!(
        fired(&wrong_labels, "monitor-selects-nothing"),
        ["ServiceMonitor/api"]
    );
}

#[test]
fn monitor_selects_nothing_checks_port_names_of_services_and_containers() {
    let svc = service("shop", "api", "");
    // `port` is the Service port *name*: the number or the target port's name is not it.
    let by_number = join(&[
        svc.clone(),
        service_monitor("shop", "api", "api", "'80'", ""),
    ]);
    assert_eq!(
        fired(&by_number, "monitor-selects-nothing"),
        ["ServiceMonitor/api"]
    );
    let target = join(&[
        svc.clone(),
        service_monitor("shop", "api", "api", "http", ""),
    ]);
    assert_eq!(
        messages(&target, "monitor-selects-nothing"),
        ["endpoint port \"http\" names no port of the Service it selects (api; port names: web)"]
    );
    let api = deployment("api", "", "");
    let pm_bad = join(&[api.clone(), pod_monitor("shop", "pm", "api", "metrics", "")]);
    assert_eq!(fired(&pm_bad, "monitor-selects-nothing"), ["PodMonitor/pm"]);
    let pm_ok = join(&[api.clone(), pod_monitor("shop", "pm", "api", "http", "")]);
    assert!(fired(&pm_ok, "monitor-selects-nothing").is_empty());
    let pm_elsewhere = join(&[
        api.clone(),
        pod_monitor("monitoring", "pm", "api", "http", ""),
    ]);
    assert_eq!(
        fired(&pm_elsewhere, "monitor-selects-nothing"),
        ["PodMonitor/pm"]
    );
    let pm_any = join(&[
        api,
        pod_monitor("monitoring", "pm", "api", "http", "any: true"),
    ]);
    assert!(fired(&pm_any, "monitor-selects-nothing").is_empty());
}

// ---- datadog-annotation -----------------------------------------------

#[test]
fn datadog_annotation_needs_a_container_name_and_json_of_the_right_shape() {
    let wrong_name = deployment(
        "api",
        r#"ad.datadoghq.com/nginx.checks: '{"nginx": {"instances": [{}]}}'"#,
        "",
    );
    assert_eq!(fired(&wrong_name, "datadog-annotation"), ["Deployment/api"]);
    let right_name = wrong_name.replace("datadoghq.com/nginx.", "datadoghq.com/app.");
    assert!(fired(&right_name, "datadog-annotation").is_empty());
    let bad_json = deployment(
        "api",
        r#"ad.datadoghq.com/app.checks: '{"nginx": {"instances": [{}]}'"#,
        "",
    );
    assert_eq!(fired(&bad_json, "datadog-annotation"), ["Deployment/api"]);
    assert!(messages(&bad_json, "datadog-annotation")[0].contains("is not valid JSON"));
    let wrong_shape = deployment(
        "api",
        r#"ad.datadoghq.com/app.checks: '[{"nginx": {}}]'"#,
        "",
    );
    assert_eq!(
        fired(&wrong_shape, "datadog-annotation"),
        ["Deployment/api"]
    );
    let v1_uneven = deployment(
        "api",
        r#"ad.datadoghq.com/app.check_names: '["nginx", "redis"]', ad.datadoghq.com/app.init_configs: '[{}]', ad.datadoghq.com/app.instances: '[{}]'"#,
        "",
    );
    assert_eq!(fired(&v1_uneven, "datadog-annotation"), ["Deployment/api"]);
    let v1_even = v1_uneven.replace(r#"'["nginx", "redis"]'"#, r#"'["nginx"]'"#);
    assert!(fired(&v1_even, "datadog-annotation").is_empty());
    // Pod-level keys name no container.
    let tags = deployment("api", r#"ad.datadoghq.com/tags: '{"team": "shop"}'"#, "");
    assert!(fired(&tags, "datadog-annotation").is_empty());
}

// ---- tracing ----------------------------------------------------------

#[test]
fn tracing_counts_otel_zipkin_jaeger_and_datadog_apm() {
    let api = deployment("api", "", "");
    assert_eq!(fired(&api, "tracing"), ["Deployment/api"]);
    for (k, v) in [
        ("OTEL_SERVICE_NAME", "api"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel:4317"),
        ("OTEL_EXPORTER_ZIPKIN_ENDPOINT", "http://zipkin:9411"),
        ("JAEGER_AGENT_HOST", "jaeger"),
        ("DD_AGENT_HOST", "10.0.0.1"),
        ("DD_TRACE_AGENT_URL", "unix:///var/run/datadog/apm.socket"),
    ] {
        let wired = deployment("api", "", &env(&[(k, v)]));
        assert!(fired(&wired, "tracing").is_empty(), "{k}");
    }
    let admission = api.replace(
        "      labels: {app: api}\n",
        "      labels: {app: api, admission.datadoghq.com/enabled: 'true'}\n",
    );
    assert!(fired(&admission, "tracing").is_empty());
}

#[test]
fn tracing_counts_the_otel_operators_injection_on_the_pod_or_its_namespace() {
    let api = deployment("api", "", "");
    let pod = deployment(
        "api",
        "instrumentation.opentelemetry.io/inject-java: 'true'",
        "",
    );
    assert!(fired(&pod, "tracing").is_empty());
    let off = deployment(
        "api",
        "instrumentation.opentelemetry.io/inject-java: 'false'",
        "",
    );
    assert_eq!(fired(&off, "tracing"), ["Deployment/api"]);
    let ns = format!(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  annotations: {{instrumentation.opentelemetry.io/inject-python: monitoring/python}}\n---\n{api}"
    );
    assert!(fired(&ns, "tracing").is_empty());
}

// ---- log-shipper and metrics-agent (live) ------------------------------

fn node(name: &str, taints: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Node\nmetadata:\n  name: {name}\n  labels: {{kubernetes.io/os: linux}}\nspec:\n  taints: [{taints}]\n"
    )
}

fn shipper(image: &str, tolerations: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: logs
  namespace: logging
spec:
  selector:
    matchLabels: {{app: logs}}
  template:
    metadata:
      labels: {{app: logs}}
    spec:
      tolerations: [{tolerations}]
      containers:
        - name: ship
          image: {image}
"
    )
}

#[test]
fn log_shipper_names_the_nodes_a_shipper_does_not_tolerate() {
    let nodes = join(&[
        node("a", ""),
        node("b", "{key: dedicated, value: gpu, effect: NoSchedule}"),
        node(
            "c",
            "{key: node.kubernetes.io/unschedulable, effect: NoSchedule}",
        ),
    ]);
    let none = join(&[
        nodes.clone(),
        workload("DaemonSet", "kube-system", "proxy", "", ""),
    ]);
    assert_eq!(
        live_fired(&none, "log-shipper"),
        [
            "Cluster/(cluster): no DaemonSet ships logs (none runs fluent-bit, fluentd, vector, the Datadog agent, an OpenTelemetry collector, promtail, alloy, the Grafana agent or filebeat): container logs die with their node"
        ]
    );
    let misses = join(&[
        nodes.clone(),
        shipper("cr.fluentbit.io/fluent/fluent-bit:4.0.3", ""),
    ]);
    assert_eq!(
        live_fired(&misses, "log-shipper"),
        [
            "DaemonSet/logs: ships logs from 2 of 3 schedulable nodes: it does not tolerate the taints of, or its node selector leaves out, b"
        ]
    );
    let tolerant = join(&[
        nodes.clone(),
        shipper(
            "cr.fluentbit.io/fluent/fluent-bit:4.0.3",
            "{operator: Exists}",
        ),
    ]);
    assert!(live_fired(&tolerant, "log-shipper").is_empty());
    let keyed = join(&[
        nodes.clone(),
        shipper(
            "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.0",
            "{key: dedicated, operator: Equal, value: gpu, effect: NoSchedule}",
        ),
    ]);
    assert!(live_fired(&keyed, "log-shipper").is_empty());
    // A DaemonSet of some other image ships nothing.
    let other = join(&[nodes, shipper("example/app:1.0", "{operator: Exists}")]);
    assert_eq!(live_fired(&other, "log-shipper").len(), 1);
}

#[test]
fn metrics_agent_wants_a_prometheus_or_an_agent_somewhere() {
    let app = workload("Deployment", "shop", "api", "", "");
    assert_eq!(
        live_fired(&app, "metrics-agent"),
        [
            "Cluster/(cluster): nothing collects metrics: no Prometheus or PrometheusAgent object, no Prometheus server, Datadog agent, CloudWatch agent or ADOT collector"
        ]
    );
    let prometheus = join(&[
        app.clone(),
        "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k8s, namespace: monitoring}\nspec: {}\n".into(),
    ]);
    assert!(live_fired(&prometheus, "metrics-agent").is_empty());
    let server = join(&[
        app.clone(),
        workload("StatefulSet", "monitoring", "prom", "", "")
            .replace("example/app:1.0", "quay.io/prometheus/prometheus:v3.5.0"),
    ]);
    assert!(live_fired(&server, "metrics-agent").is_empty());
    let cloudwatch = join(&[
        app,
        workload("DaemonSet", "amazon-cloudwatch", "cwagent", "", "").replace(
            "example/app:1.0",
            "public.ecr.aws/cloudwatch-agent/cloudwatch-agent:1.300055.0b1207",
        ),
    ]);
    assert!(live_fired(&cloudwatch, "metrics-agent").is_empty());
}

#[test]
fn cluster_wide_checks_stay_silent_offline_and_in_one_namespace() {
    let app = workload("Deployment", "shop", "api", "", "");
    let report = audit::audit_text(&app, &[], None);
    assert!(
        !report
            .findings
            .iter()
            .any(|f| f.check == "log-shipper" || f.check == "metrics-agent")
    );
}

// ---- against testenv ---------------------------------------------------

fn audit_json(env: &support::TestEnv, args: &[&str]) -> Value {
    let out = support::plugin("kubectl-audit")
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .args(args)
        .args(["-o", "json"])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// (check, Kind/name, message) of the findings in namespace `ns` (or the
/// cluster-scoped ones for `None`).
fn findings_in(report: &Value, ns: Option<&str>) -> Vec<(String, String, String)> {
    report["clusters"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["object"]["namespace"].as_str() == ns)
        .map(|f| {
            (
                f["check"].as_str().unwrap().to_string(),
                format!(
                    "{}/{}",
                    f["object"]["kind"].as_str().unwrap(),
                    f["object"]["name"].as_str().unwrap()
                ),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn has(found: &[(String, String, String)], check: &str, object: &str) -> bool {
    found.iter().any(|(c, o, _)| c == check && o == object)
}

/// prometheus-operator's CRDs, applied once per test binary.
fn with_crds() -> &'static support::TestEnv {
    static READY: OnceLock<()> = OnceLock::new();
    let env = support::testenv();
    READY.get_or_init(|| {
        let out =
            Command::new(support::repo_root().join("tests/tools/prometheus-operator-crds.sh"))
                .output()
                .expect("run tests/tools/prometheus-operator-crds.sh");
        assert!(
            out.status.success(),
            "prometheus-operator-crds.sh failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let path = String::from_utf8(out.stdout).unwrap().trim().to_string();
        env.kubectl_ok(&["apply", "--server-side", "--force-conflicts", "-f", &path]);
        // Right after the apply a CRD may have no conditions yet, which
        // `kubectl wait` takes for an error: ask again.
        let established = support::eventually(Duration::from_secs(60), || {
            env.kubectl()
                .args([
                    "wait",
                    "--for=condition=Established",
                    "--timeout=10s",
                    "crd/servicemonitors.monitoring.coreos.com",
                    "crd/podmonitors.monitoring.coreos.com",
                    "crd/prometheuses.monitoring.coreos.com",
                    "crd/prometheusagents.monitoring.coreos.com",
                ])
                .output()
                .is_ok_and(|o| o.status.success())
        });
        assert!(
            established,
            "prometheus-operator's CRDs are not established"
        );
    });
    env
}

/// The cluster-wide checks see every namespace: tests that add or look for
/// the cluster's shippers and agents take turns.
fn cluster_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn live_monitors_select_by_label_namespace_and_port_name() {
    let env = with_crds();
    let app = env.namespace("obs-app");
    let mon = env.namespace("obs-mon");
    let (a, m) = (app.name.as_str(), mon.name.as_str());
    env.apply(a, &workload("Deployment", a, "api", "", ""));
    env.apply(a, &workload("Deployment", a, "worker", "", ""));
    env.apply(a, &workload("Deployment", a, "lonely", "", ""));
    env.apply(a, &service(a, "api", ""));
    // Own namespace, right port name: selects api.
    env.apply(a, &service_monitor(a, "api", "api", "web", ""));
    // Another namespace, no namespaceSelector: looks only in its own.
    env.apply(m, &service_monitor(m, "api-default", "api", "web", ""));
    // Another namespace, naming the app's: selects, but by the wrong port.
    let named = format!("matchNames: [{a}]");
    env.apply(m, &service_monitor(m, "api-port", "api", "http", &named));
    // A PodMonitor in another namespace with any: true selects worker.
    env.apply(m, &pod_monitor(m, "worker", "worker", "http", "any: true"));
    env.apply(
        m,
        &pod_monitor(m, "nothing", "nothing", "http", "any: true"),
    );

    let report = audit_json(
        env,
        &["-A", "--checks", "metrics-endpoint,monitor-selects-nothing"],
    );
    let in_app = findings_in(&report, Some(a));
    let in_mon = findings_in(&report, Some(m));
    assert!(
        !has(&in_app, "metrics-endpoint", "Deployment/api"),
        "{in_app:?}"
    );
    assert!(
        !has(&in_app, "metrics-endpoint", "Deployment/worker"),
        "{in_app:?}"
    );
    assert!(
        has(&in_app, "metrics-endpoint", "Deployment/lonely"),
        "{in_app:?}"
    );
    assert!(!has(
        &in_app,
        "monitor-selects-nothing",
        "ServiceMonitor/api"
    ));
    assert!(has(
        &in_mon,
        "monitor-selects-nothing",
        "ServiceMonitor/api-default"
    ));
    assert!(has(
        &in_mon,
        "monitor-selects-nothing",
        "ServiceMonitor/api-port"
    ));
    assert!(has(
        &in_mon,
        "monitor-selects-nothing",
        "PodMonitor/nothing"
    ));
    assert!(!has(
        &in_mon,
        "monitor-selects-nothing",
        "PodMonitor/worker"
    ));
    assert_eq!(
        in_mon
            .iter()
            .filter(|f| f.0 == "monitor-selects-nothing")
            .count(),
        3,
        "{in_mon:?}"
    );

    // Audited alone, the monitoring namespace cannot judge monitors that
    // look elsewhere; the one looking only at its own is still judged.
    let report = audit_json(env, &["-n", m, "--checks", "monitor-selects-nothing"]);
    let alone: Vec<String> = findings_in(&report, Some(m))
        .into_iter()
        .map(|f| f.1)
        .collect();
    assert_eq!(alone, ["ServiceMonitor/api-default"]);
    // The minimal fixes: name the namespace, name the Service's port.
    env.apply(m, &service_monitor(m, "api-default", "api", "web", &named));
    env.apply(m, &service_monitor(m, "api-port", "api", "web", &named));
    let report = audit_json(env, &["-A", "--checks", "monitor-selects-nothing"]);
    let in_mon = findings_in(&report, Some(m));
    assert_eq!(
        in_mon.iter().map(|f| f.1.as_str()).collect::<Vec<_>>(),
        ["PodMonitor/nothing"],
        "{in_mon:?}"
    );
}

/// A kwok node of this test's own, tainted; deleted on drop.
struct TaintedNode {
    env: &'static support::TestEnv,
    name: String,
}

impl TaintedNode {
    fn add(env: &'static support::TestEnv) -> TaintedNode {
        let name = format!("kwok-obs-{}", support::unique_suffix());
        env.apply(
            "default",
            &format!(
                "apiVersion: v1
kind: Node
metadata:
  name: {name}
  annotations: {{kwok.x-k8s.io/node: fake}}
  labels: {{type: kwok, kubernetes.io/hostname: {name}, kubernetes.io/os: linux}}
spec:
  taints: [{{key: dedicated, value: gpu, effect: NoSchedule}}]
"
            ),
        );
        TaintedNode { env, name }
    }
}

impl Drop for TaintedNode {
    fn drop(&mut self) {
        let _ = self
            .env
            .kubectl()
            .args(["delete", "node", &self.name, "--wait=false"])
            .output();
    }
}

#[test]
fn live_log_shipper_misses_a_tainted_kwok_node_until_it_tolerates_it() {
    let _turn = cluster_lock();
    let env = with_crds();
    let ns = env.namespace("obs-logs");
    let n = ns.name.as_str();
    let node = TaintedNode::add(env);
    let report = audit_json(env, &["-A", "--checks", "log-shipper"]);
    let cluster = findings_in(&report, None);
    assert!(
        has(&cluster, "log-shipper", "Cluster/(cluster)"),
        "{report}"
    );

    let ds = shipper("cr.fluentbit.io/fluent/fluent-bit:4.0.3", "").replace("logging", n);
    env.apply(n, &ds);
    let report = audit_json(env, &["-A", "--checks", "log-shipper"]);
    assert!(findings_in(&report, None).is_empty(), "{report}");
    let found = findings_in(&report, Some(n));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, "DaemonSet/logs");
    assert!(
        found[0].2.ends_with(&format!(", {}", node.name))
            || found[0].2.ends_with(&format!(" {}", node.name)),
        "{found:?}"
    );

    // Tolerating the taint silences it (once the controller counts the node).
    env.apply(
        n,
        &shipper(
            "cr.fluentbit.io/fluent/fluent-bit:4.0.3",
            "{operator: Exists}",
        )
        .replace("logging", n),
    );
    let silent = support::eventually(Duration::from_secs(30), || {
        let report = audit_json(env, &["-A", "--checks", "log-shipper"]);
        findings_in(&report, Some(n)).is_empty() && findings_in(&report, None).is_empty()
    });
    assert!(silent, "the tolerant shipper is still reported");
}

#[test]
fn live_metrics_agent_is_a_prometheus_object() {
    let _turn = cluster_lock();
    let env = with_crds();
    let ns = env.namespace("obs-prom");
    let report = audit_json(env, &["-A", "--checks", "metrics-agent"]);
    assert!(
        has(
            &findings_in(&report, None),
            "metrics-agent",
            "Cluster/(cluster)"
        ),
        "{report}"
    );
    // In one namespace, a cluster-wide absence is not judged.
    let report = audit_json(env, &["-n", &ns.name, "--checks", "metrics-agent"]);
    assert!(findings_in(&report, None).is_empty(), "{report}");
    env.apply(
        &ns.name,
        "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k8s}\nspec: {}\n",
    );
    let report = audit_json(env, &["-A", "--checks", "metrics-agent"]);
    assert!(findings_in(&report, None).is_empty(), "{report}");
}

/// The kinds a user no binding names could not list, with `-A` as `nobody`.
fn not_checked_kinds(env: &support::TestEnv, nobody: &str) -> Vec<String> {
    let report = audit_json(env, &["--context", "testenv-admin", "--as", nobody, "-A"]);
    report["clusters"][0]["notChecked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_string())
        .collect()
}

/// RBAC forbids before the API routes a request, so a role without
/// monitoring.coreos.com is refused its kinds even where no CRD serves them:
/// there, discovery says the group is absent and the audit stays complete.
#[test]
fn a_role_without_the_monitoring_group_misses_nothing_where_the_crds_are_absent() {
    let nobody = format!("audit-nobody-{}", support::unique_suffix());
    let shared = with_crds();
    let kinds = not_checked_kinds(shared, &nobody);
    assert!(kinds.iter().any(|k| k == "ServiceMonitor"), "{kinds:?}");
    let private = support::PrivateTestEnv::start();
    let kinds = not_checked_kinds(&private.env, &nobody);
    assert!(kinds.iter().any(|k| k == "Deployment"), "{kinds:?}");
    for absent in [
        "ServiceMonitor",
        "PodMonitor",
        "Prometheus",
        "PrometheusAgent",
    ] {
        assert!(!kinds.iter().any(|k| k == absent), "{absent}: {kinds:?}");
    }
}
