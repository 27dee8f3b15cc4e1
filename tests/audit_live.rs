//! `kubectl audit` against the real testenv control plane: namespace guard
//! rails, RBAC reachability, zone spread as the scheduler placed the pods,
//! a user who may not list everything, health, and every context at once.

mod support;

use std::time::Duration;

use serde_json::Value;

fn audit(env: &support::TestEnv) -> assert_cmd::Command {
    let mut cmd = support::plugin("kubectl-audit");
    cmd.arg("--kubeconfig").arg(&env.kubeconfig);
    cmd
}

fn report(cmd: &mut assert_cmd::Command) -> (Option<i32>, Value) {
    let out = cmd.args(["-o", "json"]).output().unwrap();
    let value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), value)
}

fn findings<'a>(report: &'a Value, check: &str) -> Vec<&'a Value> {
    report["clusters"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == check)
        .collect()
}

fn deployment(name: &str, replicas: u32, spec: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
{spec}
      containers:
        - name: app
          image: registry.example/app:1.0
"
    )
}

#[test]
fn a_namespace_without_policy_quota_and_limits_is_flagged() {
    let env = support::testenv();
    let ns = env.namespace("audit-guard");
    env.apply(&ns.name, &deployment("web", 1, ""));
    let (code, r) = report(audit(env).args(["-n", &ns.name]));
    assert_eq!(code, Some(0), "warnings only: {r}");
    for check in [
        "namespace-network-policy",
        "namespace-resource-quota",
        "namespace-limit-range",
    ] {
        let f = findings(&r, check);
        assert_eq!(f.len(), 1, "{check}: {r}");
        assert_eq!(f[0]["object"]["kind"], "Namespace");
        assert_eq!(f[0]["object"]["name"], ns.name.as_str());
        assert_eq!(f[0]["file"], Value::Null);
    }
    // With the guard rails in place, all three are satisfied.
    env.apply(
        &ns.name,
        "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: quota}
spec: {hard: {pods: '20'}}
---
apiVersion: v1
kind: LimitRange
metadata: {name: defaults}
spec: {limits: [{type: Container, default: {memory: 256Mi}, defaultRequest: {cpu: 50m, memory: 64Mi}}]}
",
    );
    let (_, r) = report(audit(env).args(["-n", &ns.name]));
    for check in [
        "namespace-network-policy",
        "namespace-resource-quota",
        "namespace-limit-range",
        "resources",
    ] {
        assert!(findings(&r, check).is_empty(), "{check}: {r}");
    }
}

#[test]
fn restricted_user_can_read_team_a_secrets_by_creating_pods() {
    let env = support::testenv();
    // team-a must hold a Secret for the finding to matter.
    let secret = format!("audit-probe-{}", support::unique_suffix());
    env.kubectl_ok(&[
        "create",
        "secret",
        "generic",
        &secret,
        "-n",
        "team-a",
        "--from-literal=k=v",
    ]);
    let (_, r) = report(audit(env).args(["--context", "testenv-admin", "-n", "team-a"]));
    env.kubectl_ok(&["delete", "secret", &secret, "-n", "team-a", "--wait=false"]);
    let f = findings(&r, "rbac-pod-create-reads-secrets");
    let hit = f
        .iter()
        .find(|f| f["message"].as_str().unwrap().contains("User restricted"))
        .unwrap_or_else(|| panic!("no finding for the restricted user: {r}"));
    let message = hit["message"].as_str().unwrap();
    assert!(message.contains("in team-a"), "{message}");
    assert_eq!(hit["object"]["kind"], "RoleBinding");
    assert_eq!(hit["object"]["namespace"], "team-a");
    assert!(message.contains(&format!(
        "RoleBinding {}",
        hit["object"]["name"].as_str().unwrap()
    )));
    // The report never carries a Secret's value.
    assert!(!r.to_string().contains("\"k\":\"v\""));
}

/// A ServiceAccount that may list Secrets, with an IRSA role, in `ns`.
fn privileged_irsa_account(name: &str, arn: &str) -> String {
    format!(
        "apiVersion: v1
kind: ServiceAccount
metadata:
  name: {name}
  annotations: {{eks.amazonaws.com/role-arn: '{arn}'}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {{name: {name}}}
rules: [{{apiGroups: [''], resources: [secrets], verbs: [list]}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: {name}}}
subjects: [{{kind: ServiceAccount, name: {name}}}]
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: {name}}}
"
    )
}

#[test]
fn restricted_user_can_run_as_team_a_service_accounts_until_they_move_out() {
    let env = support::testenv();
    let name = format!("irsa-probe-{}", support::unique_suffix());
    let arn = format!("arn:aws:iam::111122223333:role/{name}");
    let checks = "rbac-pod-create-uses-sa,rbac-pod-create-assumes-iam-role";
    let audit_team_a = || {
        report(audit(env).args([
            "--context",
            "testenv-admin",
            "-n",
            "team-a",
            "--checks",
            checks,
        ]))
        .1
    };
    let about = |r: &Value, check: &str| -> Vec<String> {
        findings(r, check)
            .iter()
            .filter(|f| f["object"]["name"] == name.as_str())
            .map(|f| f["message"].as_str().unwrap().to_string())
            .collect()
    };
    env.apply("team-a", &privileged_irsa_account(&name, &arn));
    let r = std::panic::catch_unwind(audit_team_a);
    let delete = ["serviceaccount", "role", "rolebinding"].map(|k| format!("{k}/{name}"));
    let mut args = vec!["delete", "-n", "team-a", "--wait=false"];
    args.extend(delete.iter().map(String::as_str));
    env.kubectl_ok(&args);
    let r = r.unwrap_or_else(|e| std::panic::resume_unwind(e));
    let uses = about(&r, "rbac-pod-create-uses-sa");
    assert_eq!(uses.len(), 1, "{r}");
    assert!(
        uses[0].starts_with(&format!(
            "User restricted can create pods in team-a through RoleBinding testenv-restricted and run them as ServiceAccount team-a/{name}: it may list secrets in team-a"
        )),
        "{uses:?}"
    );
    let role = about(&r, "rbac-pod-create-assumes-iam-role");
    assert_eq!(role.len(), 1, "{r}");
    assert!(
        role[0].ends_with(&format!("and so assume IAM role {arn}")),
        "{role:?}"
    );
    // Moved to a namespace the restricted user cannot create pods in: gone.
    let elsewhere = env.namespace("irsa");
    env.apply(&elsewhere.name, &privileged_irsa_account(&name, &arn));
    let r = audit_team_a();
    assert!(about(&r, "rbac-pod-create-uses-sa").is_empty(), "{r}");
    assert!(
        about(&r, "rbac-pod-create-assumes-iam-role").is_empty(),
        "{r}"
    );
    let (_, r) = report(audit(env).args([
        "--context",
        "testenv-admin",
        "-n",
        &elsewhere.name,
        "--checks",
        checks,
    ]));
    assert!(about(&r, "rbac-pod-create-uses-sa").is_empty(), "{r}");
    assert!(
        about(&r, "rbac-pod-create-assumes-iam-role").is_empty(),
        "{r}"
    );
}

#[test]
fn spread_zones_sees_pods_in_one_zone_until_a_zone_constraint_is_added() {
    let env = support::testenv();
    let ns = env.namespace("audit-zones");
    let pinned = "      nodeSelector: {topology.kubernetes.io/zone: us-east-1a}";
    env.apply(&ns.name, &deployment("api", 3, pinned));
    env.wait_rollout(&ns.name, "api", Duration::from_secs(120));
    let (_, r) = report(audit(env).args(["-n", &ns.name, "--checks", "spread-zones"]));
    let f = findings(&r, "spread-zones");
    assert_eq!(f.len(), 1, "{r}");
    let message = f[0]["message"].as_str().unwrap();
    assert!(message.contains("pins it to zone us-east-1a"), "{message}");
    assert!(
        message.contains("its pods run in 1 zone (us-east-1a)"),
        "{message}"
    );
    let spread = format!(
        "{pinned}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: topology.kubernetes.io/zone
          whenUnsatisfiable: ScheduleAnyway
          labelSelector: {{matchLabels: {{app: api}}}}"
    );
    env.apply(&ns.name, &deployment("api", 3, &spread));
    env.wait_rollout(&ns.name, "api", Duration::from_secs(120));
    let (_, r) = report(audit(env).args(["-n", &ns.name, "--checks", "spread-zones"]));
    assert!(findings(&r, "spread-zones").is_empty(), "{r}");
}

#[test]
fn a_user_who_cannot_list_some_kinds_gets_exit_4_and_a_not_checked_list() {
    let env = support::testenv();
    let out = audit(env)
        .args(["--context", "testenv-restricted"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Not checked"), "{text}");
    // Forbidden kinds fold into one line; -v lists them.
    assert!(!text.contains("Secret in team-a: forbidden"), "{text}");
    assert!(
        text.contains("kinds: forbidden to list (-v lists them"),
        "{text}"
    );
    let out = audit(env)
        .args(["--context", "testenv-restricted", "-v"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Secret in team-a: forbidden"), "{text}");
    let (code, r) = report(audit(env).args(["--context", "testenv-restricted"]));
    assert_eq!(code, Some(4));
    let not_checked = r["clusters"][0]["notChecked"].as_array().unwrap();
    let secret = not_checked
        .iter()
        .find(|n| n["kind"] == "Secret")
        .expect("Secret not checked");
    assert_eq!(secret["namespace"], "team-a");
    assert!(
        not_checked
            .iter()
            .any(|n| n["kind"] == "Node" && n["namespace"].is_null())
    );
    // Checks that depend on an unreadable kind stay quiet instead of guessing.
    assert!(findings(&r, "namespace-network-policy").is_empty());
}

#[test]
fn health_checks_on_live_state() {
    let env = support::testenv();
    let ns = env.namespace("audit-health");
    env.apply(
        &ns.name,
        &format!(
            "{}---
apiVersion: v1
kind: Service
metadata: {{name: nobody}}
spec: {{selector: {{app: nobody}}, ports: [{{port: 80}}]}}
---
apiVersion: v1
kind: Service
metadata: {{name: web}}
spec: {{selector: {{app: web}}, ports: [{{port: 80}}]}}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: orphan}}
data: {{a: b}}
---
apiVersion: v1
kind: Secret
metadata: {{name: orphan-secret}}
stringData: {{token: not-a-real-token}}
",
            deployment("web", 2, "")
        ),
    );
    env.wait_rollout(&ns.name, "web", Duration::from_secs(120));
    // Endpoints follow the pods' readiness; give the controller a moment.
    let mut r = Value::Null;
    for _ in 0..30 {
        (_, r) = report(audit(env).args(["-n", &ns.name, "--checks", "health"]));
        let names: Vec<&str> = findings(&r, "service-no-endpoints")
            .iter()
            .map(|f| f["object"]["name"].as_str().unwrap())
            .collect();
        if names == ["nobody"] {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let names = |check: &str| -> Vec<String> {
        findings(&r, check)
            .iter()
            .map(|f| f["object"]["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(names("service-no-endpoints"), ["nobody"], "{r}");
    assert_eq!(names("unused-configmap"), ["orphan"], "{r}");
    assert_eq!(names("unused-secret"), ["orphan-secret"], "{r}");
    assert!(names("pod-crashloop").is_empty(), "{r}");
    assert!(names("pod-pending").is_empty(), "{r}");
    assert!(
        names("node-not-ready").is_empty(),
        "kwok nodes are Ready: {r}"
    );
    assert!(
        !r.to_string().contains("not-a-real-token"),
        "a Secret value leaked"
    );
}

#[test]
fn all_contexts_audits_every_context_and_reports_per_cluster() {
    let env = support::testenv();
    let (code, r) = report(audit(env).args(["--all-contexts", "--checks", "tenancy"]));
    let contexts: Vec<&str> = r["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["context"].as_str().unwrap())
        .collect();
    assert_eq!(contexts, ["testenv-admin", "testenv-restricted"]);
    // The restricted context cannot list everything: the run says so.
    assert_eq!(code, Some(4));
    assert!(
        r["clusters"][0]["notChecked"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{r}"
    );
    assert!(
        !r["clusters"][1]["notChecked"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // A score where something was judged; none where nothing could be.
    assert!(r["clusters"][0]["score"].as_u64().is_some(), "{r}");
    let restricted = &r["clusters"][1];
    assert!(
        restricted["score"].as_u64().is_some() || restricted["score"].is_null(),
        "{r}"
    );
}

#[test]
fn a_missing_namespace_or_an_unreachable_cluster_is_exit_1() {
    let env = support::testenv();
    let out = audit(env)
        .args(["-n", "no-such-namespace-here"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not found"));
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1
kind: Config
current-context: gone
contexts: [{name: gone, context: {cluster: gone, user: gone}}]
clusters: [{name: gone, cluster: {server: 'https://127.0.0.1:1'}}]
users: [{name: gone, user: {token: x}}]
",
    )
    .unwrap();
    let out = support::plugin("kubectl-audit")
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .args(["--request-timeout", "5s"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("gone: cannot reach the server https://127.0.0.1:1: connection refused"),
        "{err}"
    );
}

#[test]
fn a_user_who_may_list_nothing_gets_no_score_and_one_forbidden_line() {
    let env = support::testenv();
    // The admin impersonates a user no binding names: every list is forbidden.
    let nobody = format!("audit-nobody-{}", support::unique_suffix());
    let run = |extra: &[&str]| {
        audit(env)
            .args(["--context", "testenv-admin", "--as", &nobody, "-A"])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(4));
    let text = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // -A without the right to list namespaces falls back, and says so.
    assert!(
        stderr.contains(
            "you may not list namespaces, so -A audits only the context's namespace \"default\""
        ),
        "{stderr}"
    );
    assert!(text.contains("Score n/a (incomplete)"), "{text}");
    assert!(!text.contains("Score 100"), "{text}");
    let forbidden: Vec<&str> = text.lines().filter(|l| l.contains("forbidden")).collect();
    assert_eq!(forbidden.len(), 1, "{text}");
    assert!(forbidden[0].contains("kinds: forbidden to list (-v lists them"));
    let verbose = run(&["-v"]);
    let text = String::from_utf8_lossy(&verbose.stdout);
    assert!(text.contains("Secret in default: forbidden"), "{text}");
    let (code, r) = report(audit(env).args(["--context", "testenv-admin", "--as", &nobody, "-A"]));
    assert_eq!(code, Some(4));
    let cluster = &r["clusters"][0];
    assert!(cluster["score"].is_null(), "{r}");
    assert_eq!(cluster["summary"]["objects"], 0);
    // The fallback audits the namespace, not the cluster.
    let secret = cluster["notChecked"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "Secret")
        .expect("Secret not checked");
    assert_eq!(secret["namespace"], "default");
}

#[test]
fn unused_secret_agrees_with_rotate_secret_prune_on_kept_versions() {
    let env = support::testenv();
    let ns = env.namespace("audit-rotated");
    let rotate = |args: &[&str]| {
        let out = support::plugin("kubectl-rotate_secret")
            .args(args)
            .arg("--kubeconfig")
            .arg(&env.kubeconfig)
            .args(["-n", &ns.name])
            .timeout(Duration::from_secs(120))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    for i in 1..=7 {
        rotate(&["app", "--create", "--from-literal", &format!("token=t{i}")]);
    }
    // The oracle: what prune (default --keep) would delete.
    let dry = rotate(&["prune", "app", "--dry-run"]);
    let mut pruned: Vec<String> = dry
        .lines()
        .filter(|l| l.contains(" deleted"))
        .filter_map(|l| {
            l.strip_prefix("secret/")?
                .split_once(' ')
                .map(|p| p.0.to_string())
        })
        .collect();
    pruned.sort();
    assert_eq!(pruned.len(), 2, "7 versions, 5 kept: {dry}");
    let (_, r) = report(audit(env).args(["-n", &ns.name, "--checks", "unused-secret"]));
    let f = findings(&r, "unused-secret");
    let mut unused: Vec<String> = f
        .iter()
        .map(|f| f["object"]["name"].as_str().unwrap().to_string())
        .collect();
    unused.sort();
    assert_eq!(unused, pruned, "{r}");
    for finding in f {
        let message = finding["message"].as_str().unwrap();
        assert!(
            message.contains("`kubectl rotate-secret prune app`"),
            "{message}"
        );
    }
}

#[test]
fn eks_add_ons_as_the_api_server_stores_them_audit_clean_by_default() {
    let env = support::testenv();
    // The API server's own defaulting, without touching the shared kube-system.
    let path = support::repo_root().join("tests/fixtures/audit-eks/kube-system.yaml");
    let stored = env.kubectl_ok(&[
        "apply",
        "--dry-run=server",
        "-o",
        "json",
        "-f",
        path.to_str().unwrap(),
    ]);
    assert!(stored.contains("\"name\": \"aws-node\""), "{stored}");
    let run = |extra: &[&str]| {
        let out = support::plugin("kubectl-audit")
            .args(["-f", "-", "-o", "json"])
            .args(extra)
            .write_stdin(stored.clone())
            .output()
            .unwrap();
        let r: Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code(), r)
    };
    let (code, r) = run(&[]);
    assert_eq!(code, Some(0), "{r}");
    assert_eq!(r["clusters"][0]["findings"], serde_json::json!([]), "{r}");
    assert!(r["clusters"][0]["summary"]["exempted"].as_u64().unwrap() > 0);
    let (code, r) = run(&["--no-default-exemptions"]);
    assert_eq!(code, Some(3), "{r}");
    assert!(
        findings(&r, "host-namespaces")
            .iter()
            .any(|f| f["object"]["name"] == "aws-node")
    );
}

/// A live Secret is never sops-encrypted, and the audit lists Secrets
/// without their data: `plaintext-secret` judges files only.
#[test]
fn plaintext_secret_judges_files_never_live_secrets() {
    let env = support::testenv();
    let ns = env.namespace("audit-plaintext");
    let secret = "apiVersion: v1
kind: Secret
metadata: {name: api-db}
stringData: {password: live-value-5d2e}
";
    env.apply(&ns.name, secret);
    let out = audit(env)
        .args(["-n", &ns.name, "-o", "json"])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(findings(&r, "plaintext-secret").is_empty(), "{r}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("live-value-5d2e"));
    // The same Secret as a file is flagged.
    let offline = support::plugin("kubectl-audit")
        .args(["-f", "-", "-n", &ns.name, "-o", "json"])
        .write_stdin(secret)
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&offline.stdout).unwrap();
    assert_eq!(findings(&r, "plaintext-secret").len(), 1, "{r}");
    // Asked for by name, it is not run live (the JUnit suite has no case for it).
    let junit = audit(env)
        .args([
            "-n",
            &ns.name,
            "--checks",
            "plaintext-secret",
            "-o",
            "junit",
        ])
        .output()
        .unwrap();
    let junit = String::from_utf8(junit.stdout).unwrap();
    assert!(!junit.contains("plaintext-secret"), "{junit}");
}
