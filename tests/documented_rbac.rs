//! Every plugin run by a user that holds exactly the permissions its README
//! section documents, and nothing more: the rules are read from the README's
//! `yaml` blocks, granted to a fresh ServiceAccount, and the plugin runs with
//! a kubeconfig holding that account's token, as a user's would.
//!
//! Also rotate-secret's optional kind: Argo Rollouts, served (a stand-in
//! CRD) but not listable by the user.

mod support;

use std::fs::File;
use std::time::Duration;

use serde_json::Value;
use support::rbac::{User, kubectl_stdin, readme_yaml};
use support::{TestEnv, TestNamespace, eventually, plugin, testenv};

// ---- rotate-secret ------------------------------------------------------

const ROTATE_FIXTURE: &str = r#"
apiVersion: v1
kind: Secret
metadata: {name: app}
stringData: {password: documented-pw-1}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx
        env: [{name: PASSWORD, valueFrom: {secretKeyRef: {name: app, key: password}}}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: backup}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: backup, image: busybox, envFrom: [{secretRef: {name: app}}]}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: runner}
imagePullSecrets: [{name: app}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  tls: [{hosts: [web.example.com], secretName: app}]
  defaultBackend: {service: {name: web, port: {number: 80}}}
"#;

/// The stand-in for Argo Rollouts' CRD is cluster-wide: tests that need it
/// present or absent take this lock (a file, so other test runs wait too).
fn argo_lock() -> File {
    let f = File::create(std::env::temp_dir().join("honban-tests-argo-rollouts.lock")).unwrap();
    f.lock().unwrap();
    f
}

const ARGO_CRD: &str = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: rollouts.argoproj.io}
spec:
  group: argoproj.io
  scope: Namespaced
  names: {kind: Rollout, plural: rollouts, singular: rollout, listKind: RolloutList}
  versions:
  - name: v1alpha1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
"#;

fn argo_served(env: &TestEnv) -> bool {
    env.kubectl()
        .args(["get", "--raw", "/apis/argoproj.io/v1alpha1"])
        .output()
        .unwrap()
        .status
        .success()
}

fn remove_argo_crd(env: &TestEnv) {
    env.kubectl_ok(&[
        "delete",
        "crd",
        "rollouts.argoproj.io",
        "--ignore-not-found",
        "--wait=true",
    ]);
    assert!(
        eventually(Duration::from_secs(60), || !argo_served(env)),
        "argoproj.io is still served"
    );
}

/// Installs the stand-in CRD; it is removed again on drop.
struct ArgoCrd(&'static TestEnv);

impl ArgoCrd {
    fn install(env: &'static TestEnv) -> ArgoCrd {
        kubectl_stdin(env, &["apply", "-f", "-"], ARGO_CRD);
        env.kubectl_ok(&[
            "wait",
            "--for=condition=Established",
            "crd/rollouts.argoproj.io",
            "--timeout=60s",
        ]);
        assert!(eventually(Duration::from_secs(60), || argo_served(env)));
        ArgoCrd(env)
    }
}

impl Drop for ArgoCrd {
    fn drop(&mut self) {
        remove_argo_crd(self.0);
    }
}

fn secret_ref(env: &TestEnv, ns: &str, object: &str, jsonpath: &str) -> String {
    env.kubectl_ok(&[
        "get",
        "-n",
        ns,
        object,
        "-o",
        &format!("jsonpath={jsonpath}"),
    ])
}

const WEB_REF: &str = "{.spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name}";

fn versions(env: &TestEnv, ns: &str) -> String {
    env.kubectl_ok(&[
        "get",
        "secrets",
        "-n",
        ns,
        "-l",
        "app.kubernetes.io/managed-by=kubectl-rotate-secret",
        "-o",
        "name",
    ])
}

#[test]
fn rotate_secret_runs_every_subcommand_with_its_documented_role() {
    let _lock = argo_lock();
    let env = testenv();
    // Argo Rollouts is not installed: its permission is not needed.
    remove_argo_crd(env);
    let ns: TestNamespace = env.namespace("rbac-rot");
    env.apply(&ns.name, ROTATE_FIXTURE);
    let role = &readme_yaml("kubectl rotate-secret")[0];
    let user = User::with_rules(env, &ns.name, role);
    const BIN: &str = "kubectl-rotate_secret";

    let refs = user.ok(BIN, &["refs", "app"]);
    for holder in [
        "deployment.apps/web",
        "cronjob.batch/backup",
        "serviceaccount/runner",
        "ingress.networking.k8s.io/web",
    ] {
        assert!(refs.contains(holder), "{holder} missing:\n{refs}");
    }
    user.ok(BIN, &["refs", "app", "--all"]);
    user.ok(
        BIN,
        &["diff", "app", "--from-literal", "password=documented-pw-2"],
    );
    let out = user.ok(
        BIN,
        &[
            "app",
            "--from-literal",
            "password=documented-pw-2",
            "--timeout",
            "120s",
        ],
    );
    let first = secret_ref(env, &ns.name, "deployment/web", WEB_REF);
    assert!(first.starts_with("app-"), "{out}");
    for (object, path) in [
        (
            "cronjob/backup",
            "{.spec.jobTemplate.spec.template.spec.containers[0].envFrom[0].secretRef.name}",
        ),
        ("serviceaccount/runner", "{.imagePullSecrets[0].name}"),
        ("ingress/web", "{.spec.tls[0].secretName}"),
    ] {
        assert_eq!(secret_ref(env, &ns.name, object, path), first, "{object}");
    }
    user.ok(
        BIN,
        &["app", "--set", "password=documented-pw-3", "--no-wait"],
    );
    user.ok(BIN, &["history", "app"]);
    user.ok(BIN, &["undo", "app", "--no-wait"]);
    assert_eq!(secret_ref(env, &ns.name, "deployment/web", WEB_REF), first);
    user.ok(BIN, &["prune", "app", "--keep", "0"]);
    user.ok(
        BIN,
        &[
            "configmap/fresh",
            "--create",
            "--from-literal",
            "k=v",
            "--no-wait",
        ],
    );
}

const ROLLOUT: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: canary}
spec:
  selector: {matchLabels: {app: canary}}
  template:
    metadata: {labels: {app: canary}}
    spec:
      containers:
      - name: canary
        image: nginx
        env: [{name: PASSWORD, valueFrom: {secretKeyRef: {name: app, key: password}}}]
"#;

#[test]
fn rotate_secret_names_a_served_kind_it_may_not_list_and_refuses_to_switch() {
    let _lock = argo_lock();
    let env = testenv();
    let _crd = ArgoCrd::install(env);
    let ns = env.namespace("rbac-argo");
    env.apply(&ns.name, ROTATE_FIXTURE);
    env.apply(&ns.name, ROLLOUT);
    let blocks = readme_yaml("kubectl rotate-secret");
    let user = User::with_rules(env, &ns.name, &blocks[0]);
    const BIN: &str = "kubectl-rotate_secret";
    let not_checked = format!(
        "warning: not checked: rollout.argoproj.io (list is forbidden in namespace {}); grant list on rollouts.argoproj.io to include them",
        ns.name
    );

    // Read-only commands say what they could not see, and go on.
    for args in [
        vec!["refs", "app"],
        vec!["history", "app"],
        vec!["diff", "app", "--from-literal", "password=argo-pw-2"],
    ] {
        let (code, stdout, stderr) = user.run(BIN, &args);
        assert_eq!(code, 0, "{args:?}:\n{stdout}{stderr}");
        assert!(
            stderr.lines().any(|l| l == not_checked),
            "{args:?}:\n{stderr}"
        );
        if args[0] == "refs" {
            assert!(stdout.contains("deployment.apps/web"), "{stdout}");
        }
    }

    // Changing commands refuse before writing anything.
    let refusal = format!(
        "cannot switch secret/app: list on rollouts.argoproj.io is forbidden in namespace {ns}, and a Rollout there may use it; nothing was changed. Grant list and patch on rollouts.argoproj.io in {ns}, then run the command again",
        ns = ns.name
    );
    for args in [
        vec!["app", "--from-literal", "password=argo-pw-2"],
        vec![
            "app",
            "--from-literal",
            "password=argo-pw-2",
            "--dry-run=server",
        ],
        vec!["undo", "app", "--to-revision", "0"],
    ] {
        let (code, stdout, stderr) = user.run(BIN, &args);
        assert_eq!(code, 1, "{args:?}:\n{stdout}{stderr}");
        assert_eq!(
            stderr,
            format!("error: documented: {refusal}\n"),
            "{args:?}"
        );
        assert!(!stderr.contains("argo-pw-2"));
    }
    let (code, _, stderr) = user.run(BIN, &["prune", "app", "--keep", "0"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot prune secret/app: list on rollouts.argoproj.io is forbidden in namespace {ns}, and a Rollout there may use it; nothing was changed. Grant list on rollouts.argoproj.io in {ns}",
            ns = ns.name
        )),
        "{stderr}"
    );
    assert_eq!(versions(env, &ns.name), "");
    assert_eq!(secret_ref(env, &ns.name, "deployment/web", WEB_REF), "app");
    assert_eq!(secret_ref(env, &ns.name, "rollout/canary", WEB_REF), "app");

    // With the README's rule for Argo Rollouts added, the Rollout is switched too.
    let with_argo = User::with_rules(env, &ns.name, &format!("{}{}", blocks[0], blocks[1]));
    let out = with_argo.ok(
        BIN,
        &["app", "--from-literal", "password=argo-pw-2", "--no-wait"],
    );
    let name = secret_ref(env, &ns.name, "deployment/web", WEB_REF);
    assert!(out.contains("rollout.argoproj.io/canary switched"), "{out}");
    assert_eq!(secret_ref(env, &ns.name, "rollout/canary", WEB_REF), name);
}

// ---- ns, ctx, audit ------------------------------------------------------

#[test]
fn ns_lists_and_switches_with_its_documented_role() {
    let env = testenv();
    let ns = env.namespace("rbac-ns");
    let role = &readme_yaml("kubectl ns")[0];
    let user = User::with_rules(env, &ns.name, role);
    let listed = user.ok("kubectl-ns", &["-o", "name"]);
    assert!(
        listed.lines().any(|l| l == "namespace/kube-system"),
        "{listed}"
    );
    user.ok("kubectl-ns", &["kube-system"]);
    let current = user.ok("kubectl-ns", &["-c"]);
    assert_eq!(current.trim(), "kube-system");
    user.ok("kubectl-ns", &["-"]);
    assert_eq!(user.ok("kubectl-ns", &["-c"]).trim(), ns.name);
}

#[test]
fn ctx_needs_no_permission_in_the_cluster() {
    let env = testenv();
    let ns = env.namespace("rbac-ctx");
    // A user with no rules at all.
    let user = User::with_rules(env, &ns.name, "");
    let listed = user.ok("kubectl-ctx", &["-o", "name"]);
    assert_eq!(listed.trim(), "documented");
    user.ok("kubectl-ctx", &["documented"]);
    user.ok("kubectl-ctx", &["-c"]);
}

/// Findings as (check, object) pairs, for comparing two reports.
fn finding_keys(report: &Value) -> Vec<(String, String)> {
    let mut keys: Vec<(String, String)> = report["clusters"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["check"].to_string(), f["object"].to_string()))
        .collect();
    keys.sort();
    keys
}

#[test]
fn audit_sees_everything_an_admin_sees_with_its_documented_roles() {
    let env = testenv();
    let ns = env.namespace("rbac-audit");
    env.apply(&ns.name, ROTATE_FIXTURE);
    let roles = &readme_yaml("kubectl audit")[0];
    let user = User::with_rules_in(env, &ns.name, roles, &["kubectl-audit"]);
    let (code, stdout, stderr) = user.run("kubectl-audit", &["-n", &ns.name, "-o", "json"]);
    let mine: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    assert_eq!(
        mine["clusters"][0]["notChecked"],
        serde_json::json!([]),
        "{stdout}"
    );
    assert_ne!(code, 4, "{stderr}");
    // The admin's report on the same namespace is the oracle.
    let admin = plugin("kubectl-audit")
        .args(["-n", &ns.name, "-o", "json", "--kubeconfig"])
        .arg(&env.kubeconfig)
        .output()
        .unwrap();
    let theirs: Value = serde_json::from_slice(&admin.stdout).unwrap();
    assert_eq!(admin.status.code(), Some(code));
    assert!(!finding_keys(&theirs).is_empty());
    assert_eq!(finding_keys(&mine), finding_keys(&theirs));
}

#[test]
fn audit_of_every_namespace_is_complete_with_its_documented_roles_bound_cluster_wide() {
    let env = testenv();
    let ns = env.namespace("rbac-audit-all");
    env.apply(&ns.name, ROTATE_FIXTURE);
    let roles = &readme_yaml("kubectl audit")[0];
    let user = User::with_rules(env, &ns.name, roles);
    let (code, stdout, stderr) = user.run("kubectl-audit", &["-A", "-o", "json"]);
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    assert_eq!(
        report["clusters"][0]["notChecked"],
        serde_json::json!([]),
        "{stderr}"
    );
    assert_ne!(code, 4, "{stderr}");
    // The fixture's namespace is among those audited.
    assert!(stdout.contains(&ns.name), "{stdout}");
}

// ---- publish --------------------------------------------------------------

const PUBLISH_FIXTURE: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: registry.example/web:1
        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {httpGet: {path: /ready, port: http}}
"#;

/// A message about something publish could not read for lack of a permission.
fn permission_trouble(text: &str) -> Option<&str> {
    text.lines()
        .find(|l| l.contains("forbidden") || l.contains("cannot list") || l.contains("cannot read"))
}

#[test]
fn publish_publishes_reports_and_unpublishes_with_its_documented_roles() {
    let env = testenv();
    let ns = env.namespace("rbac-pub");
    env.apply(&ns.name, PUBLISH_FIXTURE);
    let roles = &readme_yaml("kubectl publish")[0];
    let user = User::with_rules(env, &ns.name, roles);
    const BIN: &str = "kubectl-publish";
    let cert =
        "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555";
    // --cert-arn: no ACM call; any AWS call would fail on this endpoint.
    let aws = [
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
    ];
    let run = |args: &[&str]| user.run_with(BIN, args, &aws);

    let (code, stdout, stderr) = run(&[
        "deploy/web",
        "--host",
        "web.example.com",
        "--cert-arn",
        cert,
    ]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(permission_trouble(&stderr), None, "{stderr}");
    assert!(
        stdout.contains("ingress.networking.k8s.io/web created"),
        "{stdout}"
    );

    // status and doctor fail their AWS and controller stages here; none may
    // fail for want of a permission.
    let (_, stdout, stderr) = run(&["status", "web", "--timeout", "2s"]);
    assert!(stdout.contains("✓ service"), "{stdout}{stderr}");
    assert_eq!(permission_trouble(&format!("{stdout}{stderr}")), None);
    let (_, stdout, stderr) = run(&["doctor"]);
    assert!(stdout.contains("alb controller"), "{stdout}{stderr}");
    assert_eq!(permission_trouble(&format!("{stdout}{stderr}")), None);

    let (code, stdout, stderr) = run(&["unpublish", "web"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(
        env.kubectl_ok(&["get", "services,ingresses", "-n", &ns.name, "-o", "name"]),
        ""
    );
}
