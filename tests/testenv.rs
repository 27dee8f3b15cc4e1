//! The local control plane itself: version, zoned nodes, rollouts, RBAC for the
//! restricted user, and a second, private environment that `down` removes
//! without a trace.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use support::{repo_root, testenv};

#[test]
fn server_is_kubernetes_1_36() {
    let env = testenv();
    let out = env.kubectl_ok(&["version", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let server = v["serverVersion"]["gitVersion"].as_str().unwrap();
    assert!(server.starts_with("v1.36."), "server {server}");
    let client = v["clientVersion"]["gitVersion"].as_str().unwrap();
    assert!(
        client.starts_with("v1.36."),
        "kubectl {client} is pinned to the same minor"
    );
}

#[test]
fn six_ready_nodes_across_three_zones() {
    let env = testenv();
    let out = env.kubectl_ok(&["get", "nodes", "-o", "json"]);
    let nodes: serde_json::Value = serde_json::from_str(&out).unwrap();
    let items = nodes["items"].as_array().unwrap();
    assert_eq!(items.len(), 6);
    let mut zones = std::collections::BTreeMap::new();
    for n in items {
        let labels = &n["metadata"]["labels"];
        let zone = labels["topology.kubernetes.io/zone"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(labels["kubernetes.io/hostname"], n["metadata"]["name"]);
        let ready = n["status"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["type"] == "Ready" && c["status"] == "True");
        assert!(ready, "{} is not Ready", n["metadata"]["name"]);
        *zones.entry(zone).or_insert(0) += 1;
    }
    assert_eq!(zones.len(), 3, "{zones:?}");
    assert!(zones.values().all(|n| *n == 2), "{zones:?}");
}

#[test]
fn deployment_becomes_ready_and_rolls_out_an_update() {
    let env = testenv();
    let ns = env.namespace("te-deploy");
    env.apply(
        &ns.name,
        r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: registry.example/web:1.0
        env: [{name: MODE, value: one}]
"#,
    );
    let started = Instant::now();
    env.wait_rollout(&ns.name, "web", Duration::from_secs(60));
    assert!(started.elapsed() < Duration::from_secs(60));
    let ready = env.kubectl_ok(&[
        "get",
        "deploy",
        "web",
        "-n",
        &ns.name,
        "-o",
        "jsonpath={.status.readyReplicas}",
    ]);
    assert_eq!(ready, "3");

    env.kubectl_ok(&["set", "env", "-n", &ns.name, "deployment/web", "MODE=two"]);
    env.wait_rollout(&ns.name, "web", Duration::from_secs(60));
    let pods = env.kubectl_ok(&[
        "get",
        "pods",
        "-n",
        &ns.name,
        "-l",
        "app=web",
        "-o",
        "jsonpath={range .items[*]}{.spec.containers[0].env[0].value}{\"\\n\"}{end}",
    ]);
    assert!(
        support::eventually(Duration::from_secs(30), || {
            let pods = env.kubectl_ok(&[
                "get",
                "pods",
                "-n",
                &ns.name,
                "-l",
                "app=web",
                "--field-selector=status.phase=Running",
                "-o",
                "jsonpath={range .items[*]}{.spec.containers[0].env[0].value}{\"\\n\"}{end}",
            ]);
            let values: Vec<&str> = pods.lines().collect();
            values.len() == 3 && values.iter().all(|v| *v == "two")
        }),
        "pods after the update: {pods}"
    );
}

#[test]
fn restricted_user_can_create_pods_but_not_read_secrets() {
    let env = testenv();
    let can_i = |verb: &str, resource: &str| {
        let out = env
            .kubectl()
            .args([
                "--context",
                "testenv-restricted",
                "-n",
                "team-a",
                "auth",
                "can-i",
                verb,
                resource,
            ])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    assert_eq!(can_i("get", "secrets"), "no");
    assert_eq!(can_i("list", "secrets"), "no");
    assert_eq!(can_i("create", "pods"), "yes");
    assert_eq!(can_i("create", "deployments.apps"), "yes");
    let out = env
        .kubectl()
        .args(["--context", "testenv-restricted", "get", "namespaces"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Forbidden"));
}

/// Alive and not a zombie (a container's init may never reap the exited ones).
fn is_running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat
                .rsplit(')')
                .next()
                .and_then(|r| r.split_whitespace().next());
            !matches!(state, Some("Z") | Some("X"))
        }
        Err(_) => false,
    }
}

fn pids_of(state: &Path) -> Vec<u32> {
    std::fs::read_to_string(state.join("pids"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect()
}

fn data_dir_of(state: &Path) -> PathBuf {
    let text = std::fs::read_to_string(state.join("state.env")).unwrap();
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("DATA_DIR="))
        .unwrap();
    PathBuf::from(line.trim_matches(['\'', '"']))
}

#[test]
fn a_private_environment_starts_and_down_leaves_nothing_behind() {
    // Its own state directory, so the shared environment keeps running.
    let state = tempfile::tempdir().unwrap().keep().join("testenv-state");
    let script = repo_root().join("testenv/testenv");
    let run = |cmd: &str| {
        Command::new(&script)
            .arg(cmd)
            .env("HONBAN_TESTENV_STATE", &state)
            .output()
            .unwrap()
    };
    let up = run("up");
    assert!(
        up.status.success(),
        "{}",
        String::from_utf8_lossy(&up.stderr)
    );
    assert!(String::from_utf8_lossy(&up.stdout).starts_with("export KUBECONFIG="));
    let pids = pids_of(&state);
    let data = data_dir_of(&state);
    assert!(pids.len() >= 5, "pids: {pids:?}");
    assert!(data.exists());

    // A second `up` reuses the running one.
    let again = run("up");
    assert!(again.status.success());
    assert_eq!(again.stdout, up.stdout);
    assert_eq!(pids_of(&state), pids);

    let status = run("status");
    assert!(String::from_utf8_lossy(&status.stdout).contains("readyz:    ok"));

    let down = run("down");
    assert!(
        down.status.success(),
        "{}",
        String::from_utf8_lossy(&down.stderr)
    );
    for pid in &pids {
        assert!(!is_running(*pid), "process {pid} still runs after down");
    }
    assert!(!data.exists(), "{} was not removed", data.display());
    assert!(
        !run("env").status.success(),
        "env must fail once it is down"
    );
}

/// A copy of the files `testenv` runs from, as a second clone would have them.
fn clone_of_testenv(into: &Path) {
    let root = repo_root();
    for dir in ["testenv/k8s", "testenv/etcd", "testenv/kwok", "tests/tools"] {
        std::fs::create_dir_all(into.join(dir)).unwrap();
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                std::fs::copy(&path, into.join(dir).join(path.file_name().unwrap())).unwrap();
            }
        }
    }
    std::fs::copy(root.join("testenv/testenv"), into.join("testenv/testenv")).unwrap();
}

/// Stops a clone's control plane (its own state only) even when the test fails.
struct Clone {
    dir: PathBuf,
    runtime: PathBuf,
}

impl Clone {
    fn testenv(&self, cmd: &str) -> std::process::Output {
        // As a user runs it: no explicit state dir, so the default decides.
        // The build cache is shared, so nothing is compiled.
        let cache = std::env::var_os("HONBAN_TESTENV_CACHE")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo_root().join("testenv/.cache"));
        Command::new(self.dir.join("testenv/testenv"))
            .arg(cmd)
            .env_remove("HONBAN_TESTENV_STATE")
            .env("HONBAN_TESTENV_CACHE", cache)
            .env("XDG_RUNTIME_DIR", &self.runtime)
            .output()
            .unwrap()
    }
}

impl Drop for Clone {
    fn drop(&mut self) {
        let _ = self.testenv("down");
    }
}

fn kubeconfig_of(up: &std::process::Output) -> String {
    let stdout = String::from_utf8_lossy(&up.stdout);
    assert!(
        up.status.success(),
        "up failed: {}",
        String::from_utf8_lossy(&up.stderr)
    );
    stdout
        .trim()
        .strip_prefix("export KUBECONFIG=")
        .unwrap_or_else(|| panic!("{stdout}"))
        .to_string()
}

fn server_of(kubeconfig: &str) -> String {
    let text = std::fs::read_to_string(kubeconfig).unwrap();
    text.lines()
        .find_map(|l| l.trim().strip_prefix("server: "))
        .unwrap()
        .to_string()
}

#[test]
fn two_clones_get_two_control_planes_by_default() {
    // Both clones share one runtime dir, as two checkouts of one user do.
    let base = tempfile::tempdir().unwrap();
    let runtime = base.path().join("run");
    std::fs::create_dir_all(&runtime).unwrap();
    let clone = |name: &str| {
        let dir = base.path().join(name);
        clone_of_testenv(&dir);
        Clone {
            dir,
            runtime: runtime.clone(),
        }
    };
    let first = clone("first");
    let second = clone("second");

    let first_kc = kubeconfig_of(&first.testenv("up"));
    let second_kc = kubeconfig_of(&second.testenv("up"));
    assert_ne!(
        first_kc, second_kc,
        "the second clone reused the first one's control plane"
    );
    assert_ne!(server_of(&first_kc), server_of(&second_kc));

    // Stopping the second leaves the first running.
    let down = second.testenv("down");
    assert!(down.status.success());
    let status = first.testenv("status");
    assert!(
        String::from_utf8_lossy(&status.stdout).contains("readyz:    ok"),
        "{}",
        String::from_utf8_lossy(&status.stdout)
    );
}
