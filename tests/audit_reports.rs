//! `kubectl audit reports` against testenv with the real report CRDs
//! (OpenReports and wg-policy, from their Go modules through
//! tests/tools/report-crds.sh): the view's counts equal what the reports
//! hold as kubectl reads them, another tool's reports are ignored, the
//! freshness warnings come from a CronJob's status and its last Job's real
//! failure, and a user who may not list reports gets a clear error.
//!
//! The view finds install's CronJob by its labels in any namespace; with
//! several (other tests install into their own namespaces on the shared
//! cluster), the one in the namespace in view decides, so each test puts
//! its CronJob in its own namespace and views that one.

mod support;

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use serde_json::{Value, json};
use support::rbac::{User, readme_yaml};

const HONBAN: &str = "app.kubernetes.io/managed-by=honban";

/// The report CRDs, applied once per test binary.
fn with_crds() -> &'static support::TestEnv {
    static READY: OnceLock<()> = OnceLock::new();
    let env = support::testenv();
    READY.get_or_init(|| {
        let out = Command::new(support::repo_root().join("tests/tools/report-crds.sh"))
            .args(["all", "--apply"])
            .env("KUBECONFIG", &env.kubeconfig)
            .env("KUBECTL", &env.kubectl)
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

/// Runs `kubectl audit reports ARGS -o json` as admin; returns exit code,
/// JSON and stderr.
fn view(env: &support::TestEnv, args: &[&str]) -> (i32, Value, String) {
    let out = support::plugin("kubectl-audit")
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .arg("reports")
        .args(args)
        .args(["-o", "json"])
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (out.status.code().unwrap_or(-1), value, stderr)
}

fn result(policy: &str, result: &str, severity: &str) -> Value {
    json!({"source": "honban", "policy": policy, "rule": policy, "category": "security",
        "result": result, "severity": severity, "message": format!("{policy} failed"),
        "timestamp": {"seconds": 1765000000, "nanos": 0},
        "properties": {"fix": "see kubectl audit checks", "honbanVersion": "0.1.0"}})
}

/// A report as honban lays it out: one object in scope, honban's labels.
fn report(
    api: &str,
    kind: &str,
    name: &str,
    ns: Option<&str>,
    scope: Value,
    results: &[Value],
) -> Value {
    let count = |r: &str| results.iter().filter(|x| x["result"] == r).count();
    let mut metadata = json!({"name": name, "labels": {
        "app.kubernetes.io/managed-by": "honban", "audit.honban.io/run-id": "test-run"}});
    if let Some(ns) = ns {
        metadata["namespace"] = json!(ns);
    }
    let mut r = json!({"apiVersion": api, "kind": kind, "metadata": metadata, "scope": scope,
        "summary": {"pass": count("pass"), "fail": count("fail"), "warn": count("warn"),
            "error": 0, "skip": 0},
        "results": results});
    if api.starts_with("openreports") {
        r["source"] = json!("honban");
    }
    r
}

fn apply_json(env: &support::TestEnv, objects: &[Value]) {
    let list = json!({"apiVersion": "v1", "kind": "List", "items": objects});
    support::rbac::kubectl_stdin(env, &["apply", "-f", "-"], &list.to_string());
}

/// Counts from the reports as kubectl reads them, by the documented
/// mapping: the namespace's reports and its Namespace's ClusterReport, per
/// object (scope).
fn expected(env: &support::TestEnv, ns: &str) -> BTreeMap<String, [u64; 4]> {
    let mut out = BTreeMap::new();
    for (kinds, namespaced) in [
        ("reports.openreports.io", true),
        ("policyreports.wgpolicyk8s.io", true),
        ("clusterreports.openreports.io", false),
        ("clusterpolicyreports.wgpolicyk8s.io", false),
    ] {
        let mut args = vec!["get", kinds, "-l", HONBAN, "-o", "json"];
        if namespaced {
            args.extend(["-n", ns]);
        }
        let list: Value = serde_json::from_str(&env.kubectl_ok(&args)).unwrap();
        for r in list["items"].as_array().unwrap() {
            let scope = &r["scope"];
            let of_this_namespace = scope["kind"] == "Namespace" && scope["name"] == ns;
            if !namespaced && !of_this_namespace {
                continue;
            }
            let key = format!(
                "{}/{}",
                scope["kind"].as_str().unwrap(),
                scope["name"].as_str().unwrap()
            );
            let c = out.entry(key).or_insert([0u64; 4]);
            for x in r["results"].as_array().unwrap() {
                match (
                    x["result"].as_str().unwrap(),
                    x["severity"].as_str().unwrap_or(""),
                ) {
                    ("pass", _) => c[3] += 1,
                    ("skip", _) => {}
                    (_, "critical" | "high") => c[0] += 1,
                    (_, "medium" | "low") => c[1] += 1,
                    _ => c[2] += 1,
                }
            }
        }
    }
    out
}

fn sum(counts: &BTreeMap<String, [u64; 4]>) -> [u64; 4] {
    let mut total = [0u64; 4];
    for c in counts.values() {
        for i in 0..4 {
            total[i] += c[i];
        }
    }
    total
}

fn counts(v: &Value) -> [u64; 4] {
    ["errors", "warnings", "info", "passes"].map(|k| v[k].as_u64().unwrap())
}

fn row<'a>(view: &'a Value, ns: &str) -> &'a Value {
    view["clusters"][0]["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["namespace"] == ns)
        .unwrap_or_else(|| panic!("no row for {ns}: {view:#}"))
}

#[test]
fn counts_equal_the_reports_and_other_tools_reports_are_ignored() {
    let env = with_crds();
    let ns = env.namespace("reports-view");
    let n = ns.name.as_str();
    let deploy = |name: &str| json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": name, "namespace": n});
    let ns_uid = env.kubectl_ok(&["get", "namespace", n, "-o", "jsonpath={.metadata.uid}"]);
    // The namespace's own findings: a ClusterReport owned by the Namespace,
    // so it goes with it.
    let mut of_namespace = report(
        "openreports.io/v1alpha1",
        "ClusterReport",
        &format!("namespace-{n}"),
        None,
        json!({"apiVersion": "v1", "kind": "Namespace", "name": n}),
        &[result("namespace-network-policy", "fail", "medium")],
    );
    of_namespace["metadata"]["ownerReferences"] =
        json!([{"apiVersion": "v1", "kind": "Namespace", "name": n, "uid": ns_uid}]);
    let api_results = [
        result("privileged", "fail", "high"),
        result("image-tag", "fail", "medium"),
        result("liveness-probe", "warn", "info"),
        result("resources", "pass", "info"),
    ];
    apply_json(
        env,
        &[
            report(
                "openreports.io/v1alpha1",
                "Report",
                "api",
                Some(n),
                deploy("api"),
                &api_results,
            ),
            // One object's results split over two reports.
            report(
                "openreports.io/v1alpha1",
                "Report",
                "worker-1",
                Some(n),
                deploy("worker"),
                &[result("run-as-non-root", "fail", "medium")],
            ),
            report(
                "openreports.io/v1alpha1",
                "Report",
                "worker-2",
                Some(n),
                deploy("worker"),
                &[
                    result("host-namespaces", "fail", "high"),
                    result("seccomp", "fail", "medium"),
                ],
            ),
            // Written through the older API.
            report(
                "wgpolicyk8s.io/v1alpha2",
                "PolicyReport",
                "web",
                Some(n),
                deploy("web"),
                &[result("tracing", "warn", "info")],
            ),
            of_namespace,
        ],
    );
    // Kyverno's report on the same object: never counted.
    let mut theirs = report(
        "openreports.io/v1alpha1",
        "Report",
        "kyverno-api",
        Some(n),
        deploy("api"),
        &[
            result("disallow-privileged", "fail", "critical"),
            result("other", "fail", "high"),
        ],
    );
    theirs["metadata"]["labels"] = json!({"app.kubernetes.io/managed-by": "kyverno"});
    theirs["source"] = json!("kyverno");
    apply_json(env, &[theirs]);

    let (code, view, stderr) = view(env, &["-n", n]);
    assert_eq!(code, 0, "{stderr}");
    let cluster = &view["clusters"][0];
    let apis = cluster["apis"].as_array().unwrap();
    assert!(
        apis.contains(&json!("openreports.io/v1alpha1"))
            && apis.contains(&json!("wgpolicyk8s.io/v1alpha2"))
    );

    let want = expected(env, n);
    let row = row(&view, n);
    let total = sum(&want);
    assert_eq!(counts(row), total, "{view:#}");
    assert_eq!(total, [2, 4, 2, 1]);
    assert_eq!(row["objects"], 4, "api, worker, web, the Namespace");
    assert_eq!(row["reports"], 5);
    let worst = row["worst"].as_array().unwrap();
    let names: Vec<String> = worst
        .iter()
        .map(|o| {
            format!(
                "{}/{}",
                o["kind"].as_str().unwrap(),
                o["name"].as_str().unwrap()
            )
        })
        .collect();
    // worker: 1 error, 2 warnings; api: 1 error, 1 warning, 1 info.
    assert_eq!(
        names[..2],
        ["Deployment/worker", "Deployment/api"],
        "{view:#}"
    );
    for o in worst.iter().filter(|o| o["kind"] == "Deployment") {
        let key = format!("Deployment/{}", o["name"].as_str().unwrap());
        assert_eq!(counts(o), want[&key], "{key}");
    }
    // The table says the same, and names the worst first.
    let table = support::plugin("kubectl-audit")
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .args(["reports", "-n", n])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("Deployment/api: 1 error, 1 warning, 1 info"),
        "{text}"
    );
}

fn cron_job(ns: &str) -> String {
    format!(
        "apiVersion: batch/v1
kind: CronJob
metadata:
  name: honban-audit
  namespace: {ns}
  labels: {{app.kubernetes.io/managed-by: honban, app.kubernetes.io/name: honban-audit}}
spec:
  schedule: \"0 * * * *\"
  suspend: true
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{{name: audit, image: registry.example/honban-audit:0.1.0}}]
"
    )
}

fn ago(secs: i64) -> String {
    let out = Command::new("date")
        .args([
            "-u",
            "-d",
            &format!("@{}", now() - secs),
            "+%Y-%m-%dT%H:%M:%SZ",
        ])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn set_last_success(env: &support::TestEnv, ns: &str, secs_ago: i64) {
    let t = ago(secs_ago);
    let patch = format!(r#"{{"status":{{"lastScheduleTime":"{t}","lastSuccessfulTime":"{t}"}}}}"#);
    env.kubectl_ok(&[
        "patch",
        "cronjob",
        "honban-audit",
        "-n",
        ns,
        "--subresource=status",
        "--type=merge",
        "-p",
        &patch,
    ]);
}

#[test]
fn stale_when_the_cronjobs_last_success_is_older_than_twice_its_interval() {
    let env = with_crds();
    let ns = env.namespace("reports-stale");
    let n = ns.name.as_str();
    env.apply(n, &cron_job(n));

    // Never ran: judged by the newest report (none) against the CronJob's
    // own age, which is fresh.
    let (code, v, stderr) = view(env, &["-n", n]);
    assert_eq!(code, 0, "{stderr}");
    let f = &v["clusters"][0]["freshness"];
    assert_eq!(f["judgedBy"], "reports", "{v:#}");
    assert_eq!(f["cronJob"], format!("{n}/honban-audit"));
    assert_eq!(f["intervalSeconds"], 3600);
    assert_eq!(f["stale"], false);
    assert!(stderr.contains("is suspended: no audit runs"), "{stderr}");

    // Hourly, last success 3 hours ago: stale, on stderr and in the JSON.
    set_last_success(env, n, 3 * 3600);
    let (code, v, stderr) = view(env, &["-n", n]);
    assert_eq!(code, 0, "a warning is no failure: {stderr}");
    let cluster = &v["clusters"][0];
    assert_eq!(cluster["freshness"]["judgedBy"], "cronjob");
    assert_eq!(cluster["freshness"]["stale"], true, "{v:#}");
    assert!(
        stderr.contains("the last successful audit run was 3h ago, more than twice the schedule's interval (0 * * * * runs at least every 60m)"),
        "{stderr}"
    );
    let warnings = cluster["warnings"].as_array().unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.as_str().unwrap().contains("3h ago")),
        "{v:#}"
    );

    // 90 minutes: within twice an hour.
    set_last_success(env, n, 90 * 60);
    let (_, v, stderr) = view(env, &["-n", n]);
    assert_eq!(v["clusters"][0]["freshness"]["stale"], false, "{stderr}");
    assert!(!stderr.contains("more than twice"), "{stderr}");
}

#[test]
fn a_failed_last_run_is_a_warning() {
    let env = with_crds();
    let ns = env.namespace("reports-failed");
    let n = ns.name.as_str();
    env.apply(n, &cron_job(n));
    set_last_success(env, n, 600);
    let uid = env.kubectl_ok(&[
        "get",
        "cronjob",
        "honban-audit",
        "-n",
        n,
        "-o",
        "jsonpath={.metadata.uid}",
    ]);
    // A run of the CronJob that the Job controller fails for real: its
    // deadline passes before it can finish.
    let job = format!(
        "apiVersion: batch/v1
kind: Job
metadata:
  name: honban-audit-29000000
  ownerReferences: [{{apiVersion: batch/v1, kind: CronJob, name: honban-audit, uid: {uid}, controller: true}}]
spec:
  activeDeadlineSeconds: 1
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers: [{{name: audit, image: registry.example/honban-audit:0.1.0, command: [sleep, \"3600\"]}}]
"
    );
    env.apply(n, &job);
    let failed = support::eventually(Duration::from_secs(120), || {
        env.kubectl_ok(&[
            "get",
            "job",
            "honban-audit-29000000",
            "-n",
            n,
            "-o",
            "jsonpath={.status.conditions[?(@.type==\"Failed\")].status}",
        ])
        .trim()
            == "True"
    });
    assert!(failed, "the Job controller did not fail the Job");

    let (code, v, stderr) = view(env, &["-n", n]);
    assert_eq!(code, 0, "{stderr}");
    let job = &v["clusters"][0]["freshness"]["lastJob"];
    assert_eq!(job["name"], "honban-audit-29000000", "{v:#}");
    assert_eq!(job["status"], "failed");
    assert!(
        job["reason"]
            .as_str()
            .unwrap()
            .starts_with("DeadlineExceeded"),
        "{v:#}"
    );
    assert!(
        stderr.contains(&format!(
            "the last audit run failed: Job {n}/honban-audit-29000000 (DeadlineExceeded"
        )),
        "{stderr}"
    );
    // The last success is recent: a failure alone, not staleness.
    assert_eq!(v["clusters"][0]["freshness"]["stale"], false);
}

#[test]
fn the_documented_role_reads_and_no_role_is_a_clear_error() {
    let env = with_crds();
    let ns = env.namespace("reports-rbac");
    let n = ns.name.as_str();
    let deploy =
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": "api", "namespace": n});
    apply_json(
        env,
        &[report(
            "openreports.io/v1alpha1",
            "Report",
            "api",
            Some(n),
            deploy,
            &[result("privileged", "fail", "high")],
        )],
    );

    let nobody = User::with_rules(env, n, "");
    let (code, stdout, stderr) = nobody.run_with("kubectl-audit", &["reports"], &[]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    let first = stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with(&format!("error: documented: forbidden to list reports.openreports.io in namespace {n} ("))
            && first.ends_with("`kubectl audit reports` needs list on the report kinds: see Permissions in docs/audit.md"),
        "{stderr}"
    );

    // The documented role, bound in the namespace (where the test's CronJob
    // would live too): reads, and says what a namespace binding cannot see.
    let role = readme_yaml("kubectl audit")
        .into_iter()
        .find(|b| b.contains("name: kubectl-audit-reports"))
        .expect("a kubectl-audit-reports role under Permissions in docs/audit.md");
    let reader = User::with_rules_in(env, n, &role, &["kubectl-audit-reports"]);
    let (code, stdout, stderr) = reader.run_with("kubectl-audit", &["reports", "-o", "json"], &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(counts(row(&v, n)), [1, 0, 0, 0], "{v:#}");
    // It may list CronJobs in its namespace only: honban-system and NS are
    // looked at, neither holds one, so freshness is not judged, quietly.
    assert_eq!(
        v["clusters"][0]["freshness"]["judgedBy"], "none",
        "no CronJob it can see: {v:#}"
    );
    assert_eq!(v["clusters"][0]["freshness"]["stale"], false);
    assert!(
        stderr.contains("you may not list clusterreports.openreports.io at the cluster scope"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("cannot read the audit CronJob"),
        "{stderr}"
    );
}

fn audit(env: &support::TestEnv, args: &[&str]) -> Value {
    let out = support::plugin("kubectl-audit")
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .args(args)
        .args(["--fail-on", "none", "-o", "json"])
        .timeout(Duration::from_secs(180))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "kubectl audit {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_view_of_what_audit_report_wrote_matches_the_audit() {
    let env = with_crds();
    let ns = env.namespace("reports-live");
    let n = ns.name.as_str();
    env.apply(
        n,
        "apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 1
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        image: registry.example/api:latest
        securityContext: {privileged: true}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: registry.example/web:1.0
        resources:
          requests: {cpu: 10m, memory: 32Mi}
          limits: {memory: 32Mi}
",
    );
    // Settled first: a pod still starting is a health finding that a
    // second run would rightly rewrite.
    env.wait_rollout(n, "api", Duration::from_secs(120));
    env.wait_rollout(n, "web", Duration::from_secs(120));
    let audited = audit(env, &["-n", n, "--report", "--report-passes"]);
    let (code, first, stderr) = view(env, &["-n", n]);
    assert_eq!(code, 0, "{stderr}");
    // The view agrees with the reports as kubectl reads them...
    let want = expected(env, n);
    assert!(want.contains_key("Deployment/api"), "{want:?}");
    let row1 = row(&first, n);
    assert_eq!(counts(row1), sum(&want), "{first:#}\n{want:?}");
    assert!(row1["passes"].as_u64().unwrap() > 0, "--report-passes");
    // ...and with the audit that wrote them.
    let findings = audited["clusters"][0]["findings"].as_array().unwrap();
    let level = |s: &str| findings.iter().filter(|f| f["severity"] == s).count() as u64;
    assert_eq!(
        counts(row1)[..3],
        [level("error"), level("warning"), level("info")],
        "{first:#}"
    );
    let worst = &row1["worst"][0];
    assert_eq!(
        (worst["kind"].as_str(), worst["name"].as_str()),
        (Some("Deployment"), Some("api")),
        "{first:#}"
    );

    // A second run with nothing changed writes nothing: the newest
    // report's time does not move.
    audit(env, &["-n", n, "--report", "--report-passes"]);
    let (_, second, _) = view(env, &["-n", n]);
    let row2 = row(&second, n);
    assert_eq!(row2["newest"], row1["newest"], "{second:#}");
    assert_eq!(counts(row2), counts(row1));
}

#[test]
fn all_contexts_shows_every_cluster_and_one_that_cannot_be_read_is_exit_1() {
    let env = with_crds();
    // testenv's kubeconfig: the admin, and a restricted user who may not
    // list reports.
    let (code, v, stderr) = view(env, &["-A", "--all-contexts"]);
    let clusters = v["clusters"].as_array().unwrap();
    let contexts: Vec<&str> = clusters
        .iter()
        .map(|c| c["context"].as_str().unwrap())
        .collect();
    assert_eq!(contexts, ["testenv-admin", "testenv-restricted"], "{v:#}");
    assert_eq!(code, 1, "{stderr}");
    assert!(clusters[0]["error"].is_null(), "{v:#}");
    let error = clusters[1]["error"].as_str().unwrap();
    assert!(
        error.contains("forbidden to list reports.openreports.io at the cluster scope"),
        "{error}"
    );
    assert!(clusters[1]["namespaces"].as_array().unwrap().is_empty());
}

/// A real `kubectl audit install -n NS` into a test namespace; uninstall
/// (which deletes the cluster-scoped role and binding) on drop.
struct Install<'a> {
    env: &'a support::TestEnv,
    ns: String,
}

impl Drop for Install<'_> {
    fn drop(&mut self) {
        let _ = support::plugin("kubectl-audit")
            .arg("--kubeconfig")
            .arg(&self.env.kubeconfig)
            .args(["uninstall", "-n", &self.ns])
            .output();
    }
}

#[test]
fn a_healthy_default_install_in_any_namespace_gives_no_warning() {
    let env = with_crds();
    let ns = env.namespace("reports-install");
    let n = ns.name.as_str();
    let out = support::plugin("kubectl-audit")
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .args(["install", "-n", n])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _install = Install { env, ns: n.into() };
    // A run of the CronJob, completed by testenv's kwok nodes as a
    // container that exits 0 would.
    env.kubectl_ok(&[
        "create",
        "job",
        "run-1",
        "--from=cronjob/honban-audit",
        "-n",
        n,
    ]);
    let complete = support::eventually(Duration::from_secs(120), || {
        env.kubectl_ok(&[
            "get",
            "job",
            "run-1",
            "-n",
            n,
            "-o",
            "jsonpath={.status.conditions[?(@.type==\"Complete\")].status}",
        ])
        .trim()
            == "True"
    });
    assert!(complete, "the Job did not complete");

    // Found by install's labels in NS, not in honban-system.
    let (code, v, stderr) = view(env, &["-n", n]);
    assert_eq!(code, 0, "{stderr}");
    let cluster = &v["clusters"][0];
    let f = &cluster["freshness"];
    assert_eq!(f["cronJob"], format!("{n}/honban-audit"), "{v:#}");
    assert_eq!(f["lastJob"]["name"], "run-1", "{v:#}");
    assert_eq!(f["lastJob"]["status"], "succeeded", "{v:#}");
    assert_eq!(f["stale"], false, "{v:#}");
    assert_eq!(cluster["warnings"], json!([]), "{v:#}");
    assert!(!stderr.contains("warning"), "{stderr}");
}
