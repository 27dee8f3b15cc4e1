//! `kubectl ns` against the real local control plane: listing, validation with
//! GET, the RBAC-forbidden path and `--force`, history, and kubectl's plugin path.

mod support;

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use support::{path_with_plugins, plugin, testenv};

/// A private copy of testenv's kubeconfig with `context` as the current one.
fn kubeconfig_for(context: &str) -> (tempfile::TempDir, PathBuf) {
    let env = testenv();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    fs::copy(&env.kubeconfig, &path).unwrap();
    let out = Command::new(&env.kubectl)
        .args(["config", "use-context", context, "--kubeconfig"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    (dir, path)
}

fn ns(dir: &tempfile::TempDir, kubeconfig: &std::path::Path) -> assert_cmd::Command {
    let mut cmd = plugin("kubectl-ns");
    cmd.env("KUBECONFIG", kubeconfig)
        .env("XDG_CACHE_HOME", dir.path().join("cache"));
    cmd
}

/// A context's namespace as the pinned kubectl reads the file (None when unset).
fn namespace_of(kubeconfig: &std::path::Path, context: &str) -> Option<String> {
    let out = Command::new(&testenv().kubectl)
        .args([
            "config",
            "view",
            "-o",
            &format!("jsonpath={{.contexts[?(@.name==\"{context}\")].context.namespace}}"),
            "--kubeconfig",
        ])
        .arg(kubeconfig)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kubectl config view: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ns = String::from_utf8(out.stdout).unwrap();
    (!ns.is_empty()).then_some(ns)
}

#[test]
fn lists_namespaces_from_the_api() {
    let env = testenv();
    let mine = env.namespace("ns-list");
    let (dir, kc) = kubeconfig_for("testenv-admin");
    let out = ns(&dir, &kc).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let names = String::from_utf8(out.stdout).unwrap();
    for expected in ["default", "kube-system", "team-a", mine.name.as_str()] {
        assert!(
            names.lines().any(|l| l == expected),
            "{expected} missing from:\n{names}"
        );
    }
    // The same set kubectl sees, exactly. Tests running in parallel create and
    // delete namespaces, so compare only when kubectl's lists just before and
    // just after ours agree.
    let sorted = |text: &str| {
        let mut v: Vec<String> = text.lines().map(String::from).collect();
        v.sort();
        v
    };
    let mut compared = false;
    for _ in 0..20 {
        let before = sorted(&env.kubectl_ok(&["get", "ns", "-o", "name"]));
        let ours = ns(&dir, &kc).args(["-o", "name"]).output().unwrap();
        assert!(ours.status.success());
        let after = sorted(&env.kubectl_ok(&["get", "ns", "-o", "name"]));
        if before == after {
            assert_eq!(sorted(&String::from_utf8(ours.stdout).unwrap()), before);
            compared = true;
            break;
        }
    }
    assert!(
        compared,
        "namespaces kept changing; kubectl's list was never stable"
    );

    let json = ns(&dir, &kc).args(["-o", "json"]).output().unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let current: Vec<_> = rows
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["current"] == true)
        .collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["name"], "default");
}

#[test]
fn switching_checks_the_namespace_exists() {
    let env = testenv();
    let mine = env.namespace("ns-switch");
    let (dir, kc) = kubeconfig_for("testenv-admin");
    let first_ns = namespace_of(&kc, "testenv-admin").unwrap_or_else(|| "default".into());
    ns(&dir, &kc).arg(&mine.name).assert().success();
    assert_eq!(
        namespace_of(&kc, "testenv-admin").as_deref(),
        Some(mine.name.as_str())
    );
    ns(&dir, &kc)
        .arg("-c")
        .assert()
        .success()
        .stdout(format!("{}\n", mine.name));

    // The previous namespace is remembered per context, in kubens's format.
    let prev = fs::read_to_string(dir.path().join("cache/kubens/testenv-admin")).unwrap();
    assert_eq!(prev, first_ns);
    ns(&dir, &kc).arg("-").assert().success();
    assert_eq!(
        namespace_of(&kc, "testenv-admin").unwrap_or_else(|| "default".into()),
        first_ns
    );

    // A namespace that does not exist is refused, and nothing changes.
    let snapshot = fs::read_to_string(&kc).unwrap();
    let out = ns(&dir, &kc)
        .arg("does-not-exist-anywhere")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: namespace \"does-not-exist-anywhere\" not found; run `kubectl ns` to list namespaces\n"
    );
    assert_eq!(fs::read_to_string(&kc).unwrap(), snapshot);
}

#[test]
fn unset_removes_the_namespace_key() {
    let (dir, kc) = kubeconfig_for("testenv-admin");
    ns(&dir, &kc).arg("kube-system").assert().success();
    ns(&dir, &kc).arg("-u").assert().success();
    assert_eq!(namespace_of(&kc, "testenv-admin"), None);
    ns(&dir, &kc)
        .arg("-c")
        .assert()
        .success()
        .stdout("default\n");
}

#[test]
fn restricted_user_can_switch_to_its_namespace() {
    let (dir, kc) = kubeconfig_for("testenv-restricted");
    // GET on its own namespace is allowed even though LIST is not.
    ns(&dir, &kc).arg("team-a").assert().success();
    assert_eq!(
        namespace_of(&kc, "testenv-restricted").as_deref(),
        Some("team-a")
    );
}

#[test]
fn restricted_user_forbidden_path_suggests_force() {
    let (dir, kc) = kubeconfig_for("testenv-restricted");
    let before = fs::read_to_string(&kc).unwrap();
    let out = ns(&dir, &kc).arg("kube-system").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("forbids") && stderr.contains("--force"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("not found"),
        "forbidden must not be reported as missing: {stderr}"
    );
    assert_eq!(fs::read_to_string(&kc).unwrap(), before);

    ns(&dir, &kc)
        .args(["kube-system", "--force"])
        .assert()
        .success();
    assert_eq!(
        namespace_of(&kc, "testenv-restricted").as_deref(),
        Some("kube-system")
    );

    // Listing is forbidden for this user: one clear line, exit 1.
    let out = ns(&dir, &kc).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("may not list namespaces"), "{stderr}");
}

#[test]
fn through_kubectl_ns_switches_and_completes() {
    let env = testenv();
    let mine = env.namespace("ns-kubectl");
    let (dir, kc) = kubeconfig_for("testenv-admin");
    let kubectl = || {
        let mut c = Command::new(&env.kubectl);
        c.env("PATH", path_with_plugins())
            .env("KUBECONFIG", &kc)
            .env("XDG_CACHE_HOME", dir.path().join("cache"))
            .env("HONBAN_NO_PICKER", "1");
        c
    };
    let out = kubectl().args(["ns", &mine.name]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // kubectl itself now works in that namespace.
    let out = kubectl()
        .args(["config", "view", "--minify", "-o", "jsonpath={..namespace}"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), mine.name);

    let out = kubectl()
        .args(["__complete", "ns", "ns-kubectl"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().any(|l| l == mine.name), "{text}");
    assert!(
        text.lines()
            .all(|l| l.starts_with("ns-kubectl") || l == ":4"),
        "{text}"
    );
}

#[test]
fn unreachable_cluster_fails_in_one_line_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("config");
    // A port nobody listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    fs::write(
        &kc,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:{port}\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: x\n  context:\n    cluster: c\n    user: u\ncurrent-context: x\n"
        ),
    )
    .unwrap();
    let out = ns(&dir, &kc)
        .args(["--request-timeout", "3s", "anything"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("error: x: "), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
