//! `kubectl audit install` / `uninstall` against the real testenv: the
//! manifest passes honban's own offline audit and the API server's dry run,
//! install then uninstall leaves nothing of its own (and nothing else
//! touched), the CronJob's ServiceAccount can run the audit and change
//! nothing but reports, and the in-cluster configuration path connects with
//! a ServiceAccount's token and CA files.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use support::{TestEnv, TestNamespace};

const SA: &str = "honban-audit";

fn audit(env: &TestEnv) -> assert_cmd::Command {
    let mut cmd = support::plugin("kubectl-audit");
    cmd.arg("--kubeconfig").arg(&env.kubeconfig);
    cmd
}

fn stdout_of(cmd: &mut assert_cmd::Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed ({:?}): {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The manifest `install --dry-run=client -o json` prints, as its items.
fn manifest(extra: &[&str]) -> Vec<Value> {
    let mut cmd = support::plugin("kubectl-audit");
    cmd.args(["install", "--dry-run=client", "-o", "json"])
        .args(extra);
    let list: Value = serde_json::from_str(&stdout_of(&mut cmd)).unwrap();
    assert_eq!(list["kind"], "List");
    list["items"].as_array().unwrap().clone()
}

fn of_kind<'a>(items: &'a [Value], kind: &str) -> &'a Value {
    items
        .iter()
        .find(|o| o["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in the manifest"))
}

/// Every (apiGroup, resource) a ClusterRole grants `verb` on.
fn granted(role: &Value, verb: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for rule in role["rules"].as_array().unwrap() {
        if !rule["verbs"].as_array().unwrap().iter().any(|v| v == verb) {
            continue;
        }
        for g in rule["apiGroups"].as_array().unwrap() {
            for r in rule["resources"].as_array().unwrap() {
                out.push((
                    g.as_str().unwrap().to_string(),
                    r.as_str().unwrap().to_string(),
                ));
            }
        }
    }
    out
}

fn run_with_stdin(mut cmd: Command, stdin: &str) -> std::process::Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn the_manifest_follows_its_own_advice() {
    for extra in [&[][..], &["--with-secrets"][..]] {
        let mut cmd = support::plugin("kubectl-audit");
        cmd.args(["install", "--dry-run=client", "-o", "yaml"])
            .args(extra);
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let yaml = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            stderr.contains("RBAC cannot limit it to metadata"),
            !extra.is_empty(),
            "{stderr}"
        );
        // The pipe the docs show: install's own objects, audited offline.
        let report = support::plugin("kubectl-audit")
            .args(["-f", "-", "-o", "json", "--fail-on", "warning"])
            .write_stdin(yaml)
            .output()
            .unwrap();
        let r: Value = serde_json::from_slice(&report.stdout).unwrap();
        let loud: Vec<&Value> = r["clusters"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] != "info")
            .collect();
        assert!(loud.is_empty(), "{extra:?}: {loud:#?}");
        assert_eq!(report.status.code(), Some(0), "{extra:?}: {r}");
        assert_eq!(r["clusters"][0]["summary"]["objects"], 8, "{r}");
    }
}

#[test]
fn the_manifest_runs_the_report_and_grants_no_secrets_by_default() {
    let items = manifest(&[]);
    let kinds: Vec<&str> = items.iter().map(|o| o["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "Namespace",
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "NetworkPolicy",
            "ResourceQuota",
            "LimitRange",
            "CronJob"
        ]
    );
    for o in &items {
        assert_eq!(
            o["metadata"]["labels"]["app.kubernetes.io/managed-by"], "honban",
            "{o}"
        );
    }
    let cron = &of_kind(&items, "CronJob")["spec"];
    assert_eq!(cron["concurrencyPolicy"], "Forbid");
    assert!(cron["successfulJobsHistoryLimit"].as_u64().unwrap() > 0);
    let job = &cron["jobTemplate"]["spec"];
    assert!(job["activeDeadlineSeconds"].as_u64().unwrap() > 0);
    let container = &job["template"]["spec"]["containers"][0];
    assert_eq!(
        container["image"],
        format!("ghcr.io/honban/honban-audit:v{}", env!("CARGO_PKG_VERSION"))
    );
    let args: Vec<&str> = container["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    // Secrets are left out of the role on purpose: the run says so and
    // still succeeds (any other unreadable kind fails the Job).
    assert_eq!(
        args,
        [
            "-A",
            "--report",
            "--report-api",
            "auto",
            "--fail-on",
            "none",
            "--allow-unread",
            "secrets"
        ]
    );

    let role = of_kind(&items, "ClusterRole");
    let list = granted(role, "list");
    assert!(!list.iter().any(|(_, r)| r == "secrets"), "{role}");
    for must in ["pods", "deployments", "clusterrolebindings", "namespaces"] {
        assert!(list.iter().any(|(_, r)| r == must), "{must}: {role}");
    }
    assert!(granted(role, "update").is_empty(), "{role}");
    for verb in ["create", "patch", "delete"] {
        let written: Vec<String> = granted(role, verb).into_iter().map(|(g, _)| g).collect();
        assert!(
            written
                .iter()
                .all(|g| g == "openreports.io" || g == "wgpolicyk8s.io"),
            "{verb}: {written:?}"
        );
        assert!(!written.is_empty());
    }

    let with = manifest(&[
        "--with-secrets",
        "--report-api",
        "wgpolicy",
        "--image",
        "registry.example/audit:1",
        "--schedule",
        "*/5 * * * *",
    ]);
    let role = of_kind(&with, "ClusterRole");
    assert!(granted(role, "list").contains(&(String::new(), "secrets".into())));
    assert!(!granted(role, "get").iter().any(|(_, r)| r == "secrets"));
    let written: Vec<String> = granted(role, "create")
        .into_iter()
        .map(|(g, _)| g)
        .collect();
    assert!(written.iter().all(|g| g == "wgpolicyk8s.io"), "{written:?}");
    let cron = &of_kind(&with, "CronJob")["spec"];
    assert_eq!(cron["schedule"], "*/5 * * * *");
    let container = &cron["jobTemplate"]["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["image"], "registry.example/audit:1");
    assert_eq!(
        container["args"],
        json!([
            "-A",
            "--report",
            "--report-api",
            "wgpolicy",
            "--fail-on",
            "none"
        ]),
        "--with-secrets: nothing left unread on purpose"
    );
}

#[test]
fn bad_flags_are_usage_errors_that_send_nothing() {
    for args in [
        &["install", "--schedule", "hourly"][..],
        &["install", "--image", "has space"][..],
        &["install", "-o", "sarif", "--dry-run"][..],
        &["uninstall", "-o", "junit"][..],
    ] {
        let out = support::plugin("kubectl-audit")
            .args(args)
            .args(["--server", "https://127.0.0.1:1"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}

/// Uninstalls on drop, so a failed test leaves no cluster-scoped objects.
struct Installed {
    env: &'static TestEnv,
    ns: TestNamespace,
}

impl Installed {
    fn new(env: &'static TestEnv, prefix: &str, extra: &[&str]) -> Installed {
        let ns = env.namespace(prefix);
        let out = stdout_of(audit(env).args(["install", "-n", &ns.name]).args(extra));
        assert_eq!(out.lines().count(), 7, "all but the namespace: {out}");
        Installed { env, ns }
    }

    fn cluster_name(&self) -> String {
        format!("honban-audit-{}", self.ns.name)
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        let _ = audit(self.env)
            .args(["uninstall", "-n", &self.ns.name])
            .output();
        let name = self.cluster_name();
        let _ = self
            .env
            .kubectl()
            .args(["delete", "clusterrole,clusterrolebinding", &name])
            .arg("--ignore-not-found")
            .output();
    }
}

#[test]
fn the_manifest_passes_the_api_servers_dry_run_and_changes_nothing() {
    let env = support::testenv();
    let ns = env.namespace("audit-install-dry");
    let out = stdout_of(audit(env).args(["install", "-n", &ns.name, "--dry-run=server"]));
    assert_eq!(out.lines().count(), 7, "{out}");
    assert!(
        out.lines().all(|l| l.ends_with("(server dry run)")),
        "{out}"
    );
    let left = env.kubectl_ok(&[
        "get",
        "cronjob,serviceaccount,networkpolicy,resourcequota,limitrange",
        "-n",
        &ns.name,
        "-l",
        "app.kubernetes.io/managed-by=honban",
        "-o",
        "name",
    ]);
    assert_eq!(left.trim(), "", "a dry run created objects");
    let role = env
        .kubectl()
        .args(["get", "clusterrole", &format!("honban-audit-{}", ns.name)])
        .output()
        .unwrap();
    assert!(!role.status.success(), "a dry run created the ClusterRole");
    // The pinned kubectl's own server-side dry run of the same manifest.
    let yaml = stdout_of(support::plugin("kubectl-audit").args([
        "install",
        "-n",
        &ns.name,
        "--dry-run=client",
        "-o",
        "yaml",
    ]));
    let mut kubectl = env.kubectl();
    kubectl.args(["apply", "--server-side", "--dry-run=server", "-f", "-"]);
    let applied = run_with_stdin(kubectl, &yaml);
    assert!(
        applied.status.success(),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
}

#[test]
fn uninstall_removes_what_install_made_and_nothing_else() {
    let env = support::testenv();
    let inst = Installed::new(env, "audit-install-life", &[]);
    let ns = inst.ns.name.clone();
    let listed = || {
        env.kubectl_ok(&[
            "get",
            "cronjob,serviceaccount,networkpolicy,resourcequota,limitrange",
            "-n",
            &ns,
            "-l",
            "app.kubernetes.io/managed-by=honban",
            "-o",
            "jsonpath={range .items[*]}{.kind}/{.metadata.name}@{.metadata.resourceVersion} {end}",
        ])
    };
    let first = listed();
    assert_eq!(first.split_whitespace().count(), 5, "{first}");
    // A second install with nothing changed rewrites nothing.
    stdout_of(audit(env).args(["install", "-n", &ns]));
    assert_eq!(listed(), first);
    // Objects install did not make, in its namespace and named like its own.
    env.apply(
        &ns,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep-me\n",
    );
    let foreign = format!("honban-audit-foreign-{}", support::unique_suffix());
    env.kubectl_ok(&[
        "create",
        "clusterrole",
        &foreign,
        "--verb=get",
        "--resource=pods",
    ]);

    let out = stdout_of(audit(env).args(["uninstall", "-n", &ns]));
    assert_eq!(out.lines().count(), 7, "{out}");
    assert!(out.contains("cronjob.batch/honban-audit deleted"), "{out}");
    assert!(
        !out.contains("namespace/"),
        "the namespace was not install's: {out}"
    );
    assert_eq!(listed().trim(), "");
    for kind in ["clusterrole", "clusterrolebinding"] {
        let gone = env
            .kubectl()
            .args(["get", kind, &inst.cluster_name()])
            .output()
            .unwrap();
        assert!(!gone.status.success(), "{kind} left behind");
    }
    env.kubectl_ok(&["get", "configmap", "keep-me", "-n", &ns]);
    env.kubectl_ok(&["get", "namespace", &ns]);
    env.kubectl_ok(&["delete", "clusterrole", &foreign]);
    // Nothing left: a second uninstall says so and succeeds.
    let again = audit(env).args(["uninstall", "-n", &ns]).output().unwrap();
    assert_eq!(again.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&again.stderr).contains("nothing to uninstall"));
}

/// Serves both report APIs, with the CRDs from their Go modules.
fn report_crds(env: &TestEnv) {
    let crds = Command::new(support::repo_root().join("tests/tools/report-crds.sh"))
        .args(["all", "--apply"])
        .env("KUBECONFIG", &env.kubeconfig)
        .env("KUBECTL", &env.kubectl)
        .output()
        .unwrap();
    assert!(
        crds.status.success(),
        "report CRDs: {}",
        String::from_utf8_lossy(&crds.stderr)
    );
}

/// `uninstall --reports` deletes honban's reports in every namespace, so it
/// runs in the private cluster only (see below).
fn uninstall_reports_deletes_honbans_reports_only(env: &TestEnv) {
    let ns = install_in(env, "reports", &[]);
    let report = |api: &str, kind: &str, name: &str, managed_by: &str| {
        format!(
            "apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: {name}\n  labels:\n    app.kubernetes.io/managed-by: {managed_by}\nresults: []\n---\n"
        )
    };
    let mut manifest = String::new();
    manifest += &report("openreports.io/v1alpha1", "Report", "ours-or", "honban");
    manifest += &report(
        "wgpolicyk8s.io/v1alpha2",
        "PolicyReport",
        "ours-wg",
        "honban",
    );
    manifest += &report("openreports.io/v1alpha1", "Report", "theirs-or", "kyverno");
    manifest += &report(
        "wgpolicyk8s.io/v1alpha2",
        "PolicyReport",
        "theirs-wg",
        "kyverno",
    );
    env.apply(&ns, &manifest);

    let out = stdout_of(audit(env).args(["uninstall", "-n", &ns, "--reports"]));
    assert!(out.contains("reports deleted"), "{out}");
    let left = env.kubectl_ok(&[
        "get",
        "reports.openreports.io,policyreports.wgpolicyk8s.io",
        "-n",
        &ns,
        "-o",
        "jsonpath={.items[*].metadata.name}",
    ]);
    let mut left: Vec<&str> = left.split_whitespace().collect();
    left.sort();
    assert_eq!(left, ["theirs-or", "theirs-wg"]);
}

/// A kubeconfig holding only a TokenRequest token for the CronJob's
/// ServiceAccount.
fn service_account_kubeconfig(env: &TestEnv, ns: &str, dir: &Path) -> PathBuf {
    token_kubeconfig(env, ns, SA, dir)
}

/// A kubeconfig holding only a TokenRequest token for ServiceAccount `sa`.
fn token_kubeconfig(env: &TestEnv, ns: &str, sa: &str, dir: &Path) -> PathBuf {
    let token = env.kubectl_ok(&["create", "token", sa, "-n", ns, "--duration", "20m"]);
    let server = env.kubectl_ok(&[
        "config",
        "view",
        "--raw",
        "--minify",
        "-o",
        "jsonpath={.clusters[0].cluster.server}",
    ]);
    let ca = env.kubectl_ok(&[
        "config",
        "view",
        "--raw",
        "--minify",
        "-o",
        "jsonpath={.clusters[0].cluster.certificate-authority-data}",
    ]);
    let path = dir.join(format!("{sa}.kubeconfig"));
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {server}\n    certificate-authority-data: {ca}\nusers:\n- name: sa\n  user:\n    token: {}\ncontexts:\n- name: sa\n  context: {{cluster: c, user: sa}}\ncurrent-context: sa\n",
            token.trim()
        ),
    )
    .unwrap();
    path
}

fn can_i(env: &TestEnv, kubeconfig: &Path, ns: &str, verb: &str, what: &str) -> bool {
    // Its own discovery cache: a shared one may predate the report CRDs.
    let cache = kubeconfig.with_file_name("kube-cache");
    let out = env
        .kubectl()
        .env("KUBECONFIG", kubeconfig)
        .arg("--cache-dir")
        .arg(&cache)
        .args(["auth", "can-i", verb, what])
        // Cluster-scoped kinds: -A (kubectl warns on a namespace).
        .args(if ns.is_empty() {
            vec!["-A"]
        } else {
            vec!["-n", ns]
        })
        .output()
        .unwrap();
    let answer = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        (answer == "yes" || answer == "no") && stderr.trim().is_empty(),
        "{verb} {what}: {answer:?} {stderr}"
    );
    answer == "yes"
}

/// The installed CronJob's arguments, as its pod gets them.
fn cron_job_args(env: &TestEnv, ns: &str) -> Vec<String> {
    let args = env.kubectl_ok(&[
        "get",
        "cronjob",
        SA,
        "-n",
        ns,
        "-o",
        "jsonpath={.spec.jobTemplate.spec.template.spec.containers[0].args}",
    ]);
    serde_json::from_str(&args).unwrap_or_else(|e| panic!("{e}: {args}"))
}

/// Runs the CronJob's command, exactly its arguments (plus `-o json`), with
/// only a ServiceAccount's token. Other tests delete namespaces all the
/// while, and a report cannot be written into a namespace being deleted:
/// such a run is run again.
fn audit_as(env: &TestEnv, kubeconfig: &Path, args: &[String]) -> (Option<i32>, Value) {
    for _ in 0..3 {
        let (code, r) = audit_once(kubeconfig, args);
        let error = r["clusters"][0]["reports"]["error"].as_str().unwrap_or("");
        let Some(ns) = error
            .split_once("in namespace ")
            .map(|(_, rest)| rest.split([' ', ',', ';']).next().unwrap_or(""))
        else {
            return (code, r);
        };
        let phase = env
            .kubectl()
            .args(["get", "namespace", ns, "-o", "jsonpath={.status.phase}"])
            .output()
            .unwrap();
        let going = !phase.status.success() || phase.stdout == b"Terminating";
        if !going {
            return (code, r);
        }
        eprintln!("namespace {ns} went away during the run: again");
    }
    audit_once(kubeconfig, args)
}

fn audit_once(kubeconfig: &Path, args: &[String]) -> (Option<i32>, Value) {
    let out = support::plugin("kubectl-audit")
        .env("KUBECONFIG", kubeconfig)
        .args(args)
        .args(["-o", "json"])
        .output()
        .unwrap();
    let r = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), r)
}

/// The kinds not checked that were left unread on purpose (`--allow-unread`).
fn allowed_unread(r: &Value) -> Vec<String> {
    r["clusters"][0]["notChecked"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["allowed"] == true)
        .map(|n| n["kind"].as_str().unwrap().to_string())
        .collect()
}

fn not_checked(r: &Value) -> Vec<String> {
    r["clusters"][0]["notChecked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_string())
        .collect()
}

/// What the role lets the ServiceAccount write, by the API server's own
/// account (SelfSubjectRulesReview): the (group, resource, verb) triples.
fn writes(env: &TestEnv, kubeconfig: &Path, ns: &str) -> Vec<(String, String, String)> {
    let review = format!(
        "apiVersion: authorization.k8s.io/v1\nkind: SelfSubjectRulesReview\nspec:\n  namespace: {ns}\n"
    );
    let mut cmd = env.kubectl();
    cmd.env("KUBECONFIG", kubeconfig)
        .args(["create", "--validate=false", "-o", "json", "-f", "-"]);
    let out = run_with_stdin(cmd, &review);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut found = Vec::new();
    for rule in v["status"]["resourceRules"].as_array().unwrap() {
        let s = |k: &str| -> Vec<String> {
            rule[k]
                .as_array()
                .map(|a| a.iter().map(|x| x.as_str().unwrap().to_string()).collect())
                .unwrap_or_default()
        };
        for verb in s("verbs") {
            if ["get", "list", "watch"].contains(&verb.as_str()) {
                continue;
            }
            for g in s("apiGroups") {
                for r in s("resources") {
                    found.push((g.clone(), r.clone(), verb.clone()));
                }
            }
        }
    }
    found
}

/// The CronJob's own run, `-A --report`, writes reports for the whole
/// cluster and sweeps honban's stale ones, and `uninstall --reports` deletes
/// them all: on the shared cluster that would rewrite or delete the reports
/// other tests and benchmarks write. Both run in a cluster of their own.
#[test]
fn cluster_wide_runs_in_a_private_cluster() {
    let private = support::PrivateTestEnv::start();
    let env = &private.env;
    report_crds(env);
    env.apply(
        "default",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: app\n          image: registry.example/app:1.0\n",
    );
    the_service_account_can_audit_and_write_only_reports(env);
    uninstall_reports_deletes_honbans_reports_only(env);
}

/// A namespace with an install in it, in a private cluster (torn down whole).
fn install_in(env: &TestEnv, prefix: &str, extra: &[&str]) -> String {
    let ns = format!("audit-install-{prefix}-{}", support::unique_suffix());
    env.kubectl_ok(&["create", "namespace", &ns]);
    stdout_of(audit(env).args(["install", "-n", &ns]).args(extra));
    ns
}

fn the_service_account_can_audit_and_write_only_reports(env: &TestEnv) {
    let ns = install_in(env, "rbac", &[]);
    let dir = tempfile::tempdir().unwrap();
    let kc = service_account_kubeconfig(env, &ns, dir.path());

    // The whole cluster is read; Secrets alone are not, and say so, but
    // they are left out on purpose: the Job succeeds.
    let args = cron_job_args(env, &ns);
    let (code, r) = audit_as(env, &kc, &args);
    assert_eq!(not_checked(&r), ["Secret"], "{r}");
    assert_eq!(allowed_unread(&r), ["Secret"], "{r}");
    assert_eq!(code, Some(0), "Secrets left unread on purpose: {r}");
    let reports = &r["clusters"][0]["reports"];
    assert_eq!(reports["error"], Value::Null, "{r}");
    assert!(
        reports["written"].as_u64().unwrap() + reports["unchanged"].as_u64().unwrap() > 0,
        "{reports}"
    );
    assert!(
        r["clusters"][0]["summary"]["objects"].as_u64().unwrap() > 10,
        "{r}"
    );
    // The reports say it too: a skip in the cluster report, which the
    // reports view reads back.
    let whole: Value = serde_json::from_str(&env.kubectl_ok(&[
        "get",
        "clusterreports.openreports.io",
        "honban-cluster",
        "-o",
        "json",
    ]))
    .unwrap();
    let skips: Vec<&Value> = whole["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["policy"] == "not-checked")
        .collect();
    assert_eq!(skips.len(), 1, "{whole:#}");
    assert_eq!(skips[0]["rule"], "Secret");
    assert_eq!(skips[0]["result"], "skip");
    assert_eq!(skips[0]["properties"]["allowedUnread"], "true");
    assert!(whole["summary"]["skip"].as_u64().unwrap() >= 1, "{whole:#}");
    let view: Value =
        serde_json::from_str(&stdout_of(audit(env).args(["reports", "-A", "-o", "json"]))).unwrap();
    let unread = &view["clusters"][0]["notChecked"];
    assert_eq!(unread[0]["kind"], "Secret", "{view:#}");
    assert_eq!(unread[0]["allowed"], true, "{view:#}");

    assert!(!can_i(env, &kc, &ns, "create", "pods"));
    assert!(!can_i(env, &kc, &ns, "list", "secrets"));
    assert!(!can_i(env, &kc, &ns, "get", "secrets"));
    assert!(!can_i(env, &kc, "default", "update", "deployments.apps"));
    assert!(!can_i(env, &kc, "", "delete", "namespaces"));
    assert!(!can_i(
        env,
        &kc,
        "",
        "patch",
        "clusterroles.rbac.authorization.k8s.io"
    ));
    assert!(can_i(env, &kc, "default", "list", "pods"));
    assert!(can_i(
        env,
        &kc,
        "default",
        "create",
        "reports.openreports.io"
    ));
    assert!(can_i(
        env,
        &kc,
        "default",
        "delete",
        "policyreports.wgpolicyk8s.io"
    ));
    // Every write the API server grants it: reports, and the self-reviews
    // every authenticated user may create.
    let self_reviews = ["authorization.k8s.io", "authentication.k8s.io"];
    for (group, resource, verb) in writes(env, &kc, &ns) {
        assert!(
            group == "openreports.io"
                || group == "wgpolicyk8s.io"
                || (self_reviews.contains(&group.as_str()) && verb == "create"),
            "{verb} {resource}.{group}"
        );
    }

    an_unexpected_forbidden_kind_still_fails_the_run(env, &ns, &args, dir.path());

    // --with-secrets: list on Secrets (metadata is all the audit reads), still no get.
    stdout_of(audit(env).args(["install", "-n", &ns, "--with-secrets"]));
    assert!(support::eventually(Duration::from_secs(10), || can_i(
        env, &kc, &ns, "list", "secrets"
    )));
    assert!(!can_i(env, &kc, &ns, "get", "secrets"));
    let args = cron_job_args(env, &ns);
    assert!(!args.contains(&"--allow-unread".to_string()), "{args:?}");
    let (code, r) = audit_as(env, &kc, &args);
    assert_eq!(not_checked(&r), Vec::<String>::new(), "{r}");
    assert_eq!(code, Some(0), "{r}");
    assert_eq!(r["clusters"][0]["reports"]["error"], Value::Null, "{r}");
    // A complete run leaves no "not checked" in the reports.
    let left = env.kubectl_ok(&[
        "get",
        "clusterreports.openreports.io",
        "-l",
        "app.kubernetes.io/managed-by=honban",
        "-o",
        "json",
    ]);
    assert!(!left.contains("\"not-checked\""), "{left}");
}

/// The CronJob's arguments under a role that also lacks ConfigMaps (install's
/// own rules, less one): Secrets are still allowed to go unread, ConfigMaps
/// are not, so the run exits 4.
fn an_unexpected_forbidden_kind_still_fails_the_run(
    env: &TestEnv,
    ns: &str,
    args: &[String],
    dir: &Path,
) {
    let role = env.kubectl_ok(&["get", "clusterrole", &format!("{SA}-{ns}"), "-o", "json"]);
    let mut rules: Value = serde_json::from_str::<Value>(&role).unwrap()["rules"].clone();
    for rule in rules.as_array_mut().unwrap() {
        if let Some(resources) = rule["resources"].as_array_mut() {
            resources.retain(|r| r != "configmaps");
        }
    }
    let partial = "audit-partial";
    let objects = json!({"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": partial, "namespace": ns}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": partial}, "rules": rules},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
            "metadata": {"name": partial},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": partial},
            "subjects": [{"kind": "ServiceAccount", "name": partial, "namespace": ns}]},
    ]});
    env.apply(ns, &objects.to_string());
    let kc = token_kubeconfig(env, ns, partial, dir);
    assert!(support::eventually(Duration::from_secs(10), || can_i(
        env, &kc, ns, "list", "pods"
    )));
    let (code, r) = audit_as(env, &kc, args);
    assert_eq!(not_checked(&r), ["ConfigMap", "Secret"], "{r}");
    assert_eq!(allowed_unread(&r), ["Secret"], "{r}");
    assert_eq!(code, Some(4), "ConfigMaps were not meant to go unread: {r}");
}

#[test]
fn the_cronjobs_pod_is_admitted_under_the_restricted_profile() {
    let env = support::testenv();
    let inst = Installed::new(env, "audit-install-pod", &[]);
    let ns = inst.ns.name.clone();
    env.kubectl_ok(&[
        "label",
        "namespace",
        &ns,
        "pod-security.kubernetes.io/enforce=restricted",
    ]);
    env.kubectl_ok(&[
        "create",
        "job",
        "run-now",
        "--from=cronjob/honban-audit",
        "-n",
        &ns,
    ]);
    let created = support::eventually(Duration::from_secs(60), || {
        !env.kubectl_ok(&[
            "get",
            "pods",
            "-n",
            &ns,
            "-l",
            "job-name=run-now",
            "-o",
            "name",
        ])
        .trim()
        .is_empty()
    });
    let events = env.kubectl_ok(&["get", "events", "-n", &ns]);
    assert!(created, "the Job's pod was not created: {events}");
}

/// The in-cluster path, as in a pod: no kubeconfig, the API server in
/// KUBERNETES_SERVICE_HOST/PORT, and the ServiceAccount's token, CA and
/// namespace in /var/run/secrets/kubernetes.io/serviceaccount, which exists
/// only in a private mount namespace (a tmpfs over /run), never on the host.
fn in_pod(dir: &Path, host: &str, port: &str, args: &[&str]) -> Option<std::process::Output> {
    let script = format!(
        "mount -t tmpfs tmpfs /run && mkdir -p /run/secrets/kubernetes.io/serviceaccount && cp {0}/. /run/secrets/kubernetes.io/serviceaccount/ -r && exec \"$@\"",
        dir.join("sa").display()
    );
    let out = Command::new("unshare")
        .args([
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            &script,
            "sh",
        ])
        .arg(support::bin("kubectl-audit"))
        .args(args)
        .env_remove("KUBECONFIG")
        .env("HOME", dir)
        .env("NO_COLOR", "1")
        .env("KUBERNETES_SERVICE_HOST", host)
        .env("KUBERNETES_SERVICE_PORT", port)
        .output()
        .ok()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("unshare failed") || stderr.contains("Operation not permitted") {
        return None;
    }
    Some(out)
}

#[test]
fn in_cluster_config_uses_the_service_account_files() {
    let env = support::testenv();
    let inst = Installed::new(env, "audit-install-incluster", &[]);
    let ns = inst.ns.name.clone();
    let dir = tempfile::tempdir().unwrap();
    let sa = dir.path().join("sa");
    std::fs::create_dir(&sa).unwrap();
    let token = env.kubectl_ok(&["create", "token", SA, "-n", &ns, "--duration", "20m"]);
    std::fs::write(sa.join("token"), token.trim()).unwrap();
    let ca = env.kubectl_ok(&[
        "config",
        "view",
        "--raw",
        "--minify",
        "-o",
        "jsonpath={.clusters[0].cluster.certificate-authority-data}",
    ]);
    let ca = Command::new("base64")
        .arg("-d")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().unwrap().write_all(ca.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap()
        .stdout;
    std::fs::write(sa.join("ca.crt"), ca).unwrap();
    std::fs::write(sa.join("namespace"), &ns).unwrap();
    let server = env.kubectl_ok(&[
        "config",
        "view",
        "--minify",
        "-o",
        "jsonpath={.clusters[0].cluster.server}",
    ]);
    let (host, port) = server
        .trim()
        .trim_start_matches("https://")
        .rsplit_once(':')
        .unwrap();

    let Some(out) = in_pod(dir.path(), host, port, &["-o", "json", "--fail-on", "none"]) else {
        support::skip(
            "audit_install in-cluster config",
            "unshare --mount is not permitted here (needs root or user namespaces)",
        );
        assert!(!support::in_ci(), "CI must exercise the in-cluster path");
        return;
    };
    let r: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(r["clusters"][0]["context"], "in-cluster", "{r}");
    // No -n: the namespace file's namespace, audited as the ServiceAccount.
    let namespaces: Vec<&str> = r["clusters"][0]["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["namespace"].as_str())
        .collect();
    assert_eq!(namespaces, [ns.as_str()], "{r}");
    assert_eq!(
        not_checked(&r),
        ["Secret"],
        "the ServiceAccount's rights: {r}"
    );

    // Without the token file the path is named, and nothing else is tried.
    std::fs::remove_file(sa.join("token")).unwrap();
    let out = in_pod(dir.path(), host, port, &[]).unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("in-cluster"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn install_and_uninstall_work_with_the_documented_permissions() {
    let env = support::testenv();
    report_crds(env);
    let home = env.namespace("audit-install-perm");
    let blocks = support::rbac::readme_yaml("kubectl audit");
    let installer = blocks.last().unwrap();
    assert!(
        installer.contains("name: kubectl-audit-install"),
        "{installer}"
    );
    let roles = format!("{}---\n{installer}", blocks[0]);
    let user = support::rbac::User::with_rules(env, &home.name, &roles);
    // A namespace that does not exist yet: install creates it, uninstall deletes it.
    let target = format!("audit-install-new-{}", support::unique_suffix());
    let guard = scopeguard(env, &target);
    let out = user.ok("kubectl-audit", &["install", "-n", &target]);
    assert_eq!(out.lines().count(), 8, "{out}");
    let again = user.ok(
        "kubectl-audit",
        &["install", "-n", &target, "--with-secrets"],
    );
    assert_eq!(again.lines().count(), 8, "{again}");
    // Not --reports: on the shared cluster it would delete others' reports.
    let out = user.ok("kubectl-audit", &["uninstall", "-n", &target]);
    assert!(
        out.contains(&format!("namespace/{target} deleted")),
        "{out}"
    );
    drop(guard);
}

/// Removes an install into `ns` (namespace included) when dropped.
fn scopeguard(env: &'static TestEnv, ns: &str) -> impl Drop {
    struct Guard(&'static TestEnv, String);
    impl Drop for Guard {
        fn drop(&mut self) {
            let _ = audit(self.0).args(["uninstall", "-n", &self.1]).output();
            let _ = self
                .0
                .kubectl()
                .args([
                    "delete",
                    "namespace",
                    &self.1,
                    "--ignore-not-found",
                    "--wait=false",
                ])
                .output();
        }
    }
    Guard(env, ns.to_string())
}

#[test]
fn an_object_the_api_refuses_stops_the_install_before_any_write() {
    let env = support::testenv();
    let ns = env.namespace("audit-install-refused");
    // Five fields, so only the API server can say minute 61 does not exist.
    let out = audit(env)
        .args(["install", "-n", &ns.name, "--schedule", "61 * * * *"])
        .output()
        .unwrap();
    let _cleanup = scopeguard(env, &ns.name);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cronjob.batch/honban-audit"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(out.stdout.is_empty());
    let sa = env
        .kubectl()
        .args(["get", "serviceaccount", SA, "-n", &ns.name])
        .output()
        .unwrap();
    assert!(!sa.status.success(), "the ServiceAccount was written");
    let role = env
        .kubectl()
        .args(["get", "clusterrole", &format!("honban-audit-{}", ns.name)])
        .output()
        .unwrap();
    assert!(!role.status.success(), "the ClusterRole was written");
}
