//! `kubectl audit --report` against testenv with the real report CRDs
//! (OpenReports from github.com/openreports/reports-api, wg-policy's
//! PolicyReport from github.com/kyverno/kyverno, fetched and applied by
//! tests/tools/report-crds.sh): the API server validates what is written,
//! reports are read back with kubectl, the garbage collector removes a
//! report with its object, an unchanged run writes nothing, stale reports
//! go and other tools' stay, a missing grant writes nothing, a cluster
//! without the CRDs is refused, and a big report is split.
//!
//! Every run here is `-n NS` on the test's own namespace: an `-A` run would
//! speak for (and sweep) every namespace, including other tests'. The CRDs
//! are cluster-wide and shared: applied idempotently, never deleted.

mod support;

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;
use support::rbac::{User, readme_yaml};
use support::{TestEnv, plugin};

/// The report CRDs of both APIs, applied once per test binary.
fn with_crds() -> &'static TestEnv {
    static READY: OnceLock<()> = OnceLock::new();
    let env = support::testenv();
    READY.get_or_init(|| {
        let out =
            std::process::Command::new(support::repo_root().join("tests/tools/report-crds.sh"))
                .args(["all", "--apply"])
                .env("KUBECTL", &env.kubectl)
                .env("KUBECONFIG", &env.kubeconfig)
                .output()
                .expect("run tests/tools/report-crds.sh");
        assert!(
            out.status.success(),
            "report-crds.sh failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    });
    env
}

/// A Deployment with `containers` untagged containers (each one fails
/// several checks: image-tag, resources, probes, securityContext).
fn deployment(name: &str, containers: usize, image: &str) -> String {
    let mut spec = String::new();
    for i in 0..containers {
        spec.push_str(&format!("      - name: c{i}\n        image: {image}\n"));
    }
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  replicas: 0
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers:
{spec}"
    )
}

/// Runs the audit as admin; returns (exit code, stdout, stderr).
fn audit(env: &TestEnv, args: &[&str]) -> (i32, String, String) {
    let out = plugin("kubectl-audit")
        .args(args)
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .timeout(Duration::from_secs(180))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `--report` on one namespace and requires it to succeed (findings
/// exit 3, which is success for the report).
fn report(env: &TestEnv, ns: &str, extra: &[&str]) -> (String, String) {
    let mut args = vec!["-n", ns, "--report"];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = audit(env, &args);
    assert!(code == 0 || code == 3, "exit {code}:\n{stderr}");
    (stdout, stderr)
}

/// Runs `--report` on one namespace like [`report`], recording every report
/// body the run sent (the test-hooks build's `HONBAN_AUDIT_SENT`).
fn report_sent(env: &TestEnv, ns: &str, extra: &[&str]) -> (String, String, Vec<Value>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sent.jsonl");
    let mut args = vec!["-n", ns, "--report"];
    args.extend_from_slice(extra);
    let out = plugin("kubectl-audit")
        .args(&args)
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .env("HONBAN_AUDIT_SENT", &path)
        .timeout(Duration::from_secs(180))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out.status.code().unwrap_or(-1);
    assert!(code == 0 || code == 3, "exit {code}:\n{stderr}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("no report bodies recorded (a test-hooks build records them): {e}\n{stderr}")
    });
    let sent = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a sent body is JSON"))
        .collect();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    (stdout, stderr, sent)
}

/// Where `sent` says something `kept` does not: the API server dropped or
/// changed a field (a field its schema prunes, since the writes skip the
/// strict check). `None` when every field sent was kept as sent.
fn dropped(sent: &Value, kept: &Value, at: &str) -> Option<String> {
    match (sent, kept) {
        (Value::Object(s), Value::Object(k)) => s.iter().find_map(|(key, v)| match k.get(key) {
            Some(kv) => dropped(v, kv, &format!("{at}.{key}")),
            None => Some(format!("{at}.{key} was sent but not kept")),
        }),
        (Value::Array(s), Value::Array(k)) if s.len() == k.len() => s
            .iter()
            .zip(k)
            .enumerate()
            .find_map(|(i, (sv, kv))| dropped(sv, kv, &format!("{at}[{i}]"))),
        _ if sent == kept => None,
        _ => Some(format!("{at}: sent {sent}, kept {kept}")),
    }
}

/// Reads back every report a run sent and requires the server to have kept
/// all of it.
fn assert_kept_as_sent(env: &TestEnv, sent: &[Value]) {
    assert!(!sent.is_empty(), "the run sent no report");
    for body in sent {
        let group = body["apiVersion"]
            .as_str()
            .unwrap()
            .split('/')
            .next()
            .unwrap();
        let kind = body["kind"].as_str().unwrap().to_lowercase();
        let resource = format!("{kind}s.{group}");
        let name = body["metadata"]["name"].as_str().unwrap();
        let mut args = vec!["get", resource.as_str(), name, "-o", "json"];
        if let Some(ns) = body["metadata"]["namespace"].as_str() {
            args.extend_from_slice(&["-n", ns]);
        }
        let kept: Value = serde_json::from_str(&env.kubectl_ok(&args)).expect("kubectl -o json");
        if let Some(problem) = dropped(body, &kept, "") {
            panic!("{resource} {name}: {problem}\nsent: {body}\nkept: {kept}");
        }
    }
}

/// `kubectl get RESOURCE -o yaml`, read as YAML: the items.
fn get_yaml(env: &TestEnv, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["get"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-o", "yaml"]);
    let text = env.kubectl_ok(&all);
    let list: Value = serde_saphyr::from_str(&text).expect("kubectl -o yaml parses");
    list["items"].as_array().cloned().unwrap_or_default()
}

fn uid(env: &TestEnv, args: &[&str]) -> String {
    let mut all = vec!["get"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["-o", "jsonpath={.metadata.uid}"]);
    env.kubectl_ok(&all)
}

/// honban's reports in `ns` whose scope is `kind/name`.
fn scoped<'a>(reports: &'a [Value], kind: &str, name: &str) -> Vec<&'a Value> {
    reports
        .iter()
        .filter(|r| r["scope"]["kind"] == kind && r["scope"]["name"] == name)
        .collect()
}

fn policies(report: &Value) -> Vec<(String, String)> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["policy"].as_str().unwrap().to_string(),
                r["result"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The counts `-o json` gives for the first cluster.
fn counts(stdout: &str) -> (u64, u64, u64) {
    let v: Value = serde_json::from_str(stdout).expect("-o json");
    let r = &v["clusters"][0]["reports"];
    (
        r["written"].as_u64().unwrap(),
        r["unchanged"].as_u64().unwrap(),
        r["deleted"].as_u64().unwrap(),
    )
}

/// The shape both APIs share, checked on what the API server stored.
fn assert_shape(report: &Value, kind: &str, name: &str, owner_uid: &str) {
    let meta = &report["metadata"];
    assert_eq!(meta["labels"]["app.kubernetes.io/managed-by"], "honban");
    assert!(
        meta["labels"]["audit.honban.io/run-id"].is_string(),
        "{report}"
    );
    let owners = meta["ownerReferences"].as_array().expect("ownerReferences");
    assert_eq!(owners.len(), 1);
    assert_eq!(owners[0]["uid"], owner_uid);
    assert_eq!(owners[0]["kind"], kind);
    assert_eq!(report["scope"]["uid"], owner_uid);
    assert_eq!(report["scope"]["name"], name);
    let results = report["results"].as_array().unwrap();
    assert!(!results.is_empty());
    let mut fails = 0;
    for r in results {
        assert_eq!(r["source"], "honban");
        assert_eq!(r["policy"], r["rule"]);
        assert!(r["category"].is_string() && r["message"].is_string(), "{r}");
        assert!(r["timestamp"]["seconds"].as_i64().unwrap() > 0);
        assert!(r["properties"]["honbanVersion"].is_string(), "{r}");
        match (
            r["result"].as_str().unwrap(),
            r["severity"].as_str().unwrap(),
        ) {
            ("fail", "high" | "medium") => fails += 1,
            ("warn", "info") | ("pass", _) => {}
            other => panic!("unexpected mapping {other:?}"),
        }
        if r["result"] != "pass" {
            assert!(r["properties"]["fix"].is_string(), "{r}");
        }
    }
    assert_eq!(report["summary"]["fail"], fails);
}

#[test]
fn reports_pass_the_crd_schema_of_both_apis_and_read_back() {
    let env = with_crds();
    let ns = env.namespace("report-schema");
    env.apply(&ns.name, &deployment("api", 2, "nginx"));
    let dep_uid = uid(env, &["deployment", "api", "-n", &ns.name]);
    let ns_uid = uid(env, &["namespace", &ns.name]);

    let (_, stderr, sent) = report_sent(env, &ns.name, &["--report-api", "openreports"]);
    assert!(
        stderr.contains("reports written, 0 unchanged, 0 deleted"),
        "{stderr}"
    );
    // Every field of every report sent is what the server kept.
    assert_kept_as_sent(env, &sent);
    let reports = get_yaml(env, &["reports.openreports.io", "-n", &ns.name]);
    let dep = scoped(&reports, "Deployment", "api");
    assert_eq!(dep.len(), 1, "{reports:?}");
    assert_shape(dep[0], "Deployment", "api", &dep_uid);
    assert_eq!(dep[0]["source"], "honban");
    let results = policies(dep[0]);
    assert!(
        results.contains(&("image-tag".into(), "fail".into())),
        "{results:?}"
    );
    assert!(
        results.contains(&("liveness-probe".into(), "warn".into())),
        "{results:?}"
    );
    // The namespace-level checks: a ClusterReport owned by the Namespace.
    let cluster = get_yaml(env, &["clusterreports.openreports.io"]);
    let nsr = scoped(&cluster, "Namespace", &ns.name);
    assert_eq!(nsr.len(), 1);
    assert_shape(nsr[0], "Namespace", &ns.name, &ns_uid);
    assert!(policies(nsr[0]).contains(&("namespace-resource-quota".into(), "fail".into())));

    let (_, _, sent) = report_sent(env, &ns.name, &["--report-api", "wgpolicy"]);
    assert_kept_as_sent(env, &sent);
    let reports = get_yaml(env, &["policyreports.wgpolicyk8s.io", "-n", &ns.name]);
    let dep = scoped(&reports, "Deployment", "api");
    assert_eq!(dep.len(), 1, "{reports:?}");
    assert_shape(dep[0], "Deployment", "api", &dep_uid);
    // wg-policy has no report-level source.
    assert!(dep[0].get("source").is_none());
    let cluster = get_yaml(env, &["clusterpolicyreports.wgpolicyk8s.io"]);
    assert_eq!(scoped(&cluster, "Namespace", &ns.name).len(), 1);
}

#[test]
fn report_passes_adds_a_pass_for_each_check_that_applied_and_passed() {
    let env = with_crds();
    let ns = env.namespace("report-passes");
    env.apply(&ns.name, &deployment("api", 1, "nginx"));
    report(
        env,
        &ns.name,
        &["--report-api", "openreports", "--report-passes"],
    );
    let reports = get_yaml(env, &["reports.openreports.io", "-n", &ns.name]);
    let dep = scoped(&reports, "Deployment", "api");
    let results = policies(dep[0]);
    // Passed: the container shares no host namespace. Failed: untagged image.
    assert!(
        results.contains(&("host-namespaces".into(), "pass".into())),
        "{results:?}"
    );
    assert!(
        !results.contains(&("image-tag".into(), "pass".into())),
        "{results:?}"
    );
    assert!(
        results.contains(&("image-tag".into(), "fail".into())),
        "{results:?}"
    );
    let passes = results.iter().filter(|(_, r)| r == "pass").count();
    assert_eq!(dep[0]["summary"]["pass"], passes);
    assert_shape(
        dep[0],
        "Deployment",
        "api",
        &uid(env, &["deployment", "api", "-n", &ns.name]),
    );
}

#[test]
fn a_report_is_garbage_collected_with_its_deployment() {
    let env = with_crds();
    let ns = env.namespace("report-gc");
    env.apply(&ns.name, &deployment("api", 1, "nginx"));
    env.apply(&ns.name, &deployment("keep", 1, "nginx"));
    report(env, &ns.name, &[]);
    let reports = get_yaml(env, &["reports.openreports.io", "-n", &ns.name]);
    assert_eq!(scoped(&reports, "Deployment", "api").len(), 1);
    env.kubectl_ok(&[
        "delete",
        "deployment",
        "api",
        "-n",
        &ns.name,
        "--wait=false",
    ]);
    // testenv's kube-controller-manager runs the garbage collector.
    let collected = support::eventually(Duration::from_secs(90), || {
        let reports = get_yaml(env, &["reports.openreports.io", "-n", &ns.name]);
        scoped(&reports, "Deployment", "api").is_empty()
    });
    assert!(collected, "the report outlived its Deployment");
    let reports = get_yaml(env, &["reports.openreports.io", "-n", &ns.name]);
    assert_eq!(scoped(&reports, "Deployment", "keep").len(), 1);
}

/// resourceVersion of every honban report about the namespace.
fn versions(env: &TestEnv, ns: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let namespaced = get_yaml(
        env,
        &[
            "reports.openreports.io",
            "-n",
            ns,
            "-l",
            "app.kubernetes.io/managed-by=honban",
        ],
    );
    let cluster = get_yaml(
        env,
        &[
            "clusterreports.openreports.io",
            "-l",
            "app.kubernetes.io/managed-by=honban",
        ],
    );
    for r in namespaced.iter().chain(scoped(&cluster, "Namespace", ns)) {
        out.insert(
            r["metadata"]["name"].as_str().unwrap().to_string(),
            r["metadata"]["resourceVersion"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    out
}

const OTHER_TOOL: &str = "apiVersion: openreports.io/v1alpha1
kind: Report
metadata:
  name: kyverno-thing
  labels: {app.kubernetes.io/managed-by: kyverno}
source: kyverno
results:
- {policy: require-labels, result: fail, source: kyverno}
";

#[test]
fn fixing_unchanged_runs_stale_reports_and_other_tools() {
    let env = with_crds();
    let ns = env.namespace("report-life");
    let n = ns.name.as_str();
    env.apply(n, &deployment("api", 1, "nginx"));
    env.apply(n, OTHER_TOOL);
    env.apply(n, &stale("honban-stale", "Deployment", "apps/v1"));
    let (stdout, stderr) = report(env, n, &["-o", "json"]);
    let (written, unchanged, deleted) = counts(&stdout);
    assert!(written >= 2, "{stdout}");
    assert_eq!((unchanged, deleted), (0, 1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{written} reports written, 0 unchanged, 1 deleted"
        )),
        "{stderr}"
    );
    let reports = get_yaml(env, &["reports.openreports.io", "-n", n]);
    let names: Vec<&str> = reports
        .iter()
        .map(|r| r["metadata"]["name"].as_str().unwrap())
        .collect();
    assert!(!names.contains(&"honban-stale"), "{names:?}");
    assert!(
        names.contains(&"kyverno-thing"),
        "another tool's report must stay: {names:?}"
    );
    assert!(
        policies(scoped(&reports, "Deployment", "api")[0])
            .contains(&("image-tag".into(), "fail".into()))
    );

    // Nothing changed: nothing written, every resourceVersion as it was.
    let before = versions(env, n);
    let (stdout, stderr) = report(env, n, &["-o", "json"]);
    assert_eq!(counts(&stdout), (0, before.len() as u64, 0), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "0 reports written, {} unchanged, 0 deleted",
            before.len()
        )),
        "{stderr}"
    );
    assert_eq!(versions(env, n), before);

    // The fix: a tagged image. Its result goes; the report is rewritten.
    env.apply(n, &deployment("api", 1, "nginx:1.27"));
    let (stdout, _, sent) = report_sent(env, n, &["-o", "json"]);
    assert_eq!(counts(&stdout), (1, before.len() as u64 - 1, 0), "{stdout}");
    // The rewrite (server-side apply) kept every field sent, too.
    assert_kept_as_sent(env, &sent);
    let reports = get_yaml(env, &["reports.openreports.io", "-n", n]);
    let results = policies(scoped(&reports, "Deployment", "api")[0]);
    assert!(
        !results.iter().any(|(p, _)| p == "image-tag"),
        "{results:?}"
    );
    assert!(
        reports
            .iter()
            .any(|r| r["metadata"]["name"] == "kyverno-thing")
    );
}

/// A report under honban's name but without its label (so not listed as
/// honban's): the create meets it, and the run applies over it instead.
#[test]
fn a_report_by_honbans_name_without_its_label_is_taken_over() {
    let env = with_crds();
    let ns = env.namespace("report-takeover");
    let n = ns.name.as_str();
    env.apply(n, &deployment("api", 1, "nginx"));
    let owner = uid(env, &["deployment", "api", "-n", n]);
    let name = format!("honban-{owner}");
    env.apply(
        n,
        &format!(
            "apiVersion: openreports.io/v1alpha1
kind: Report
metadata: {{name: {name}}}
source: elsewhere
summary: {{pass: 7}}
results: []
"
        ),
    );
    let (stdout, stderr) = report(env, n, &["-o", "json"]);
    let (written, _, deleted) = counts(&stdout);
    assert!(written >= 1 && deleted == 0, "{stderr}");
    let reports = get_yaml(env, &["reports.openreports.io", "-n", n]);
    let api = scoped(&reports, "Deployment", "api");
    assert_eq!(api.len(), 1, "{reports:?}");
    assert_shape(api[0], "Deployment", "api", &owner);
    assert_eq!(api[0]["metadata"]["name"], name.as_str());
    assert_eq!(api[0]["source"], "honban");
    assert_eq!(api[0]["summary"]["pass"], 0);
    assert!(policies(api[0]).contains(&("image-tag".into(), "fail".into())));
    // Now honban's: the next run finds it unchanged.
    let (stdout, stderr) = report(env, n, &["-o", "json"]);
    assert_eq!(counts(&stdout), (0, written, 0), "{stderr}");
}

/// Read roles (the guide's first block) plus list on the report kinds, but
/// no write: the run names the verb and resource, exits 1, writes nothing.
#[test]
fn a_forbidden_write_names_verb_and_resource_and_writes_nothing() {
    let env = with_crds();
    let ns = env.namespace("report-forbidden");
    env.apply(&ns.name, &deployment("api", 1, "nginx"));
    let roles = &readme_yaml("kubectl audit")[0];
    let list_only = format!(
        "{roles}---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: report-list-only
rules:
- apiGroups: [openreports.io]
  resources: [reports, clusterreports]
  verbs: [list]
"
    );
    let user = User::with_rules_in(env, &ns.name, &list_only, &["kubectl-audit"]);
    let (code, stdout, stderr) = user.run("kubectl-audit", &["-n", &ns.name, "--report"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stderr.contains("forbidden: you may not create reports.openreports.io in namespace"),
        "{stderr}"
    );
    assert!(!stderr.contains("reports written"), "{stderr}");
    assert!(get_yaml(env, &["reports.openreports.io", "-n", &ns.name]).is_empty());
}

/// The guide's `--report` block, with the read roles, is enough.
#[test]
fn the_documented_report_roles_are_enough() {
    let env = with_crds();
    let ns = env.namespace("report-documented");
    env.apply(&ns.name, &deployment("api", 1, "nginx"));
    let blocks = readme_yaml("kubectl audit");
    let roles = format!("{}---\n{}", blocks[0], blocks[1]);
    let user = User::with_rules_in(
        env,
        &ns.name,
        &roles,
        &["kubectl-audit", "kubectl-audit-report"],
    );
    let (code, stdout, stderr) = user.run("kubectl-audit", &["-n", &ns.name, "--report"]);
    assert!(code == 0 || code == 3, "{stdout}{stderr}");
    assert!(!stderr.contains("forbidden"), "{stderr}");
    assert_eq!(
        scoped(
            &get_yaml(env, &["reports.openreports.io", "-n", &ns.name]),
            "Deployment",
            "api"
        )
        .len(),
        1
    );
}

/// The shared cluster has the CRDs and other tests rely on them, so the
/// cluster that serves neither API is a control plane of the test's own.
#[test]
fn a_cluster_serving_neither_api_is_refused_with_how_to_install() {
    let _shared = with_crds();
    let private = support::PrivateTestEnv::start();
    let (code, stdout, stderr) = audit(&private.env, &["-A", "--report"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("neither is served"), "{stderr}");
    assert!(
        stderr.contains("kubectl apply --server-side -f https://"),
        "{stderr}"
    );
    let (code, _, stderr) = audit(
        &private.env,
        &["-A", "--report", "--report-api", "wgpolicy"],
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains("--report-api wgpolicy is not served"),
        "{stderr}"
    );
}

/// 400 containers failing about nine checks each make an object's results
/// larger than 1 MiB: the report is split, each part under the limit, and
/// together they hold every finding once.
#[test]
fn a_report_over_one_mebibyte_is_split() {
    let env = with_crds();
    let ns = env.namespace("report-split");
    env.apply(&ns.name, &deployment("wide", 400, "nginx"));
    let (stdout, _) = report(env, &ns.name, &["-o", "json"]);
    let audit: Value = serde_json::from_str(&stdout).unwrap();
    let findings: Vec<(String, String)> = audit["clusters"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["object"]["name"] == "wide")
        .map(|f| {
            (
                f["check"].as_str().unwrap().into(),
                f["message"].as_str().unwrap().into(),
            )
        })
        .collect();
    let text = env.kubectl_ok(&[
        "get",
        "reports.openreports.io",
        "-n",
        &ns.name,
        "-o",
        "json",
    ]);
    let list: Value = serde_json::from_str(&text).unwrap();
    let parts: Vec<&Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["scope"]["name"] == "wide")
        .collect();
    assert!(parts.len() >= 2, "{} parts", parts.len());
    let mut stored: Vec<(String, String)> = Vec::new();
    for p in &parts {
        assert!(serde_json::to_vec(p).unwrap().len() <= 1024 * 1024);
        for r in p["results"].as_array().unwrap() {
            stored.push((
                r["policy"].as_str().unwrap().into(),
                r["message"].as_str().unwrap().into(),
            ));
        }
    }
    let (mut want, mut got) = (findings.clone(), stored.clone());
    want.sort();
    got.sort();
    assert_eq!(got, want);
    // Unchanged, a split report is not rewritten either.
    let (stdout, _) = report(env, &ns.name, &["-o", "json"]);
    assert_eq!(counts(&stdout).0, 0);
}

/// `--all-contexts`: each context's cluster gets its reports; a line each.
#[test]
fn all_contexts_reports_each_cluster() {
    let env = with_crds();
    let ns = env.namespace("report-contexts");
    env.apply(&ns.name, &deployment("api", 1, "nginx"));
    let dir = tempfile::tempdir().unwrap();
    let config = support::admin_kubeconfig_copy(dir.path());
    let path = config.to_str().unwrap();
    // Two admin contexts on the one cluster testenv has.
    env.kubectl_ok(&[
        "config",
        "delete-context",
        "testenv-restricted",
        "--kubeconfig",
        path,
    ]);
    env.kubectl_ok(&[
        "config",
        "set-context",
        "second",
        "--cluster=testenv",
        "--user=testenv-admin",
        "--kubeconfig",
        path,
    ]);
    let out = plugin("kubectl-audit")
        .args(["--all-contexts", "-n", &ns.name, "--report", "--kubeconfig"])
        .arg(&config)
        .timeout(Duration::from_secs(180))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(matches!(out.status.code(), Some(0 | 3)), "{stderr}");
    assert!(stderr.contains("context testenv-admin: "), "{stderr}");
    assert!(stderr.contains("context second: "), "{stderr}");
    assert!(stderr.contains("reports written"), "{stderr}");
    assert_eq!(
        scoped(
            &get_yaml(env, &["reports.openreports.io", "-n", &ns.name]),
            "Deployment",
            "api"
        )
        .len(),
        1
    );
}

/// A stale report about `kind/name` (which does not exist), as an earlier
/// run would have left it.
fn stale(name: &str, kind: &str, api_version: &str) -> String {
    format!(
        "apiVersion: openreports.io/v1alpha1
kind: Report
metadata:
  name: {name}
  labels: {{app.kubernetes.io/managed-by: honban, audit.honban.io/run-id: old}}
source: honban
scope: {{apiVersion: {api_version}, kind: {kind}, name: gone}}
results:
- {{policy: some-check, rule: some-check, result: fail, source: honban}}
"
    )
}

/// A user who may not list Secrets: the run is incomplete (exit 4), keeps
/// the stale report about a Secret it could not re-check, and deletes the
/// one about a Deployment it could.
#[test]
fn an_incomplete_run_deletes_only_what_it_could_recheck() {
    let env = with_crds();
    let ns = env.namespace("report-incomplete");
    let n = ns.name.as_str();
    env.apply(n, &deployment("api", 1, "nginx"));
    env.apply(n, &stale("honban-stale-secret", "Secret", "v1"));
    env.apply(
        n,
        &stale("honban-stale-deployment", "Deployment", "apps/v1"),
    );
    let blocks = readme_yaml("kubectl audit");
    let no_secrets = blocks[0].replace(
        "resources: [pods, services, configmaps, secrets,",
        "resources: [pods, services, configmaps,",
    );
    assert_ne!(no_secrets, blocks[0], "the guide's role lists secrets");
    let roles = format!("{no_secrets}---\n{}", blocks[1]);
    let user = User::with_rules_in(env, n, &roles, &["kubectl-audit", "kubectl-audit-report"]);
    let (code, stdout, stderr) = user.run("kubectl-audit", &["-n", n, "--report", "-o", "json"]);
    assert_eq!(code, 4, "{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["clusters"][0]["reports"]["kept"], 1, "{stdout}");
    assert_eq!(v["clusters"][0]["reports"]["deleted"], 1, "{stdout}");
    assert!(stderr.contains("1 deleted (1 kept"), "{stderr}");
    let names: Vec<String> = get_yaml(env, &["reports.openreports.io", "-n", n])
        .iter()
        .map(|r| r["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    assert!(
        names.contains(&"honban-stale-secret".to_string()),
        "{names:?}"
    );
    assert!(
        !names.contains(&"honban-stale-deployment".to_string()),
        "{names:?}"
    );
}
