//! `kubectl ctx` end to end: byte-preserving edits, kubectl's file rules, safe
//! writes under concurrency and SIGKILL, per-shell copies, and kubectl itself.

mod support;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use support::{kubectl_path, path_with_plugins, plugin};

const FIXTURE: &str = include_str!("fixtures/commented.yaml");

struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        fs::write(&p, text).unwrap();
        p
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// kubectl ctx with this sandbox's state directories.
    fn ctx(&self) -> assert_cmd::Command {
        let mut cmd = plugin("kubectl-ctx");
        cmd.env("XDG_CACHE_HOME", self.path("cache"))
            .env("XDG_RUNTIME_DIR", self.path("run"))
            .env("HOME", self.dir.path());
        cmd
    }
}

/// Lines that differ between two texts of the same line count, as (line, before, after).
fn changed_lines(before: &str, after: &str) -> Vec<(usize, String, String)> {
    let a: Vec<&str> = before.split_inclusive('\n').collect();
    let b: Vec<&str> = after.split_inclusive('\n').collect();
    assert_eq!(a.len(), b.len(), "line count changed:\n{after}");
    a.iter()
        .zip(&b)
        .enumerate()
        .filter(|(_, (x, y))| x != y)
        .map(|(i, (x, y))| (i + 1, x.to_string(), y.to_string()))
        .collect()
}

/// The current context as the pinned kubectl reads it (None when unset).
fn current_context_of(path: &Path) -> Option<String> {
    let out = Command::new(kubectl_path())
        .args(["config", "current-context", "--kubeconfig"])
        .arg(path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        assert!(
            stderr.contains("current-context is not set"),
            "kubectl config current-context: {stderr}"
        );
        return None;
    }
    Some(
        String::from_utf8(out.stdout)
            .unwrap()
            .trim_end()
            .to_string(),
    )
}

#[test]
fn switch_changes_only_the_current_context_line() {
    let sb = Sandbox::new();
    let kc = sb.write("config", FIXTURE);
    sb.ctx()
        .args(["--kubeconfig"])
        .arg(&kc)
        .arg("prod")
        .assert()
        .success();
    let after = fs::read_to_string(&kc).unwrap();
    let changes = changed_lines(FIXTURE, &after);
    assert_eq!(
        changes,
        vec![(
            40,
            "current-context: \"dev\"   # last used\n".to_string(),
            "current-context: \"prod\"   # last used\n".to_string()
        )]
    );
}

#[test]
fn namespace_is_inserted_with_the_files_own_indentation() {
    let sb = Sandbox::new();
    let kc = sb.write("config", FIXTURE);
    sb.ctx()
        .arg("--kubeconfig")
        .arg(&kc)
        .args(["dev", "-n", "web"])
        .assert()
        .success();
    let after = fs::read_to_string(&kc).unwrap();
    let expected = FIXTURE.replace(
        "          cluster: dev-cluster\n          user: alice\n",
        "          cluster: dev-cluster\n          user: alice\n          namespace: web\n",
    );
    assert_eq!(after, expected);

    // An existing namespace is replaced in place.
    sb.ctx()
        .arg("--kubeconfig")
        .arg(&kc)
        .args(["prod", "-n", "billing"])
        .assert()
        .success();
    let again = fs::read_to_string(&kc).unwrap();
    let changes = changed_lines(&after, &again);
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert!(
        changes
            .iter()
            .any(|(_, _, l)| l == "          namespace: billing\n")
    );
    assert!(
        changes
            .iter()
            .any(|(_, _, l)| l.starts_with("current-context: \"prod\""))
    );
}

#[test]
fn rename_touches_only_the_name_and_current_context() {
    let sb = Sandbox::new();
    let kc = sb.write("config", FIXTURE);
    sb.ctx()
        .arg("--kubeconfig")
        .arg(&kc)
        .arg("development=dev")
        .assert()
        .success();
    let after = fs::read_to_string(&kc).unwrap();
    let changes = changed_lines(FIXTURE, &after);
    assert_eq!(
        changes,
        vec![
            (
                32,
                "    - name: dev\n".into(),
                "    - name: development\n".into()
            ),
            (
                40,
                "current-context: \"dev\"   # last used\n".into(),
                "current-context: \"development\"   # last used\n".into()
            ),
        ]
    );
    // Renaming onto an existing name needs --force.
    sb.ctx()
        .arg("--kubeconfig")
        .arg(&kc)
        .arg("prod=ci")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--force"));
    assert_eq!(fs::read_to_string(&kc).unwrap(), after);
    sb.ctx()
        .arg("--kubeconfig")
        .arg(&kc)
        .args(["prod=ci", "--force"])
        .assert()
        .success();
    let forced = sb.ctx().arg("--kubeconfig").arg(&kc).output().unwrap();
    assert_eq!(
        String::from_utf8(forced.stdout).unwrap(),
        "development\nprod\n"
    );
}

#[test]
fn delete_removes_only_that_entry_and_cascade_keeps_shared_entries() {
    let sb = Sandbox::new();
    let kc = sb.write("config", FIXTURE);
    sb.ctx()
        .arg("--kubeconfig")
        .arg(&kc)
        .args(["-d", "ci"])
        .assert()
        .success();
    let after = fs::read_to_string(&kc).unwrap();
    let expected = FIXTURE.replace(
        "    - name: 'ci'\n      context:\n          cluster: prod-cluster\n          user: ci\n",
        "",
    );
    assert_eq!(after, expected);

    // prod-cluster is still used by prod; alice by prod and dev.
    let kc2 = sb.write("config2", FIXTURE);
    sb.ctx()
        .arg("--kubeconfig")
        .arg(&kc2)
        .args(["-d", "ci", "--cascade"])
        .assert()
        .success()
        .stderr(predicates::str::contains("Deleted user/ci"));
    let after2 = fs::read_to_string(&kc2).unwrap();
    assert!(after2.contains("- name: prod-cluster"));
    assert!(!after2.contains("command: bin/get-token"));
    assert_eq!(
        after2,
        expected.replace(
            "    - name: ci\n      user:\n          exec:\n              apiVersion: client.authentication.k8s.io/v1beta1\n              command: bin/get-token\n              args: [\"--cluster\", prod]\n",
            ""
        )
    );

    // `.` is the current context; deleting it unsets current-context.
    sb.ctx()
        .arg("--kubeconfig")
        .arg(&kc2)
        .args(["-d", "."])
        .assert()
        .success();
    assert_eq!(current_context_of(&kc2), None);
    let listed = sb.ctx().arg("--kubeconfig").arg(&kc2).output().unwrap();
    assert_eq!(String::from_utf8(listed.stdout).unwrap(), "prod\n");
}

#[test]
fn unset_removes_current_context_from_the_file_that_sets_it() {
    let sb = Sandbox::new();
    let first = sb.write(
        "a",
        "apiVersion: v1\nkind: Config\ncontexts:\n- name: a\n  context: {cluster: c}\n",
    );
    let second = sb.write(
        "b",
        "apiVersion: v1\nkind: Config\ncontexts:\n- name: b\n  context: {cluster: c}\ncurrent-context: b\n",
    );
    let kubeconfig = format!("{}:{}", first.display(), second.display());
    sb.ctx()
        .env("KUBECONFIG", &kubeconfig)
        .arg("-c")
        .assert()
        .success()
        .stdout("b\n");
    sb.ctx()
        .env("KUBECONFIG", &kubeconfig)
        .arg("-u")
        .assert()
        .success();
    assert_eq!(
        fs::read_to_string(&second).unwrap(),
        "apiVersion: v1\nkind: Config\ncontexts:\n- name: b\n  context: {cluster: c}\n"
    );
    assert!(
        !fs::read_to_string(&first)
            .unwrap()
            .contains("current-context")
    );
    sb.ctx()
        .env("KUBECONFIG", &kubeconfig)
        .arg("-c")
        .assert()
        .code(1);
}

#[test]
fn multi_file_kubeconfig_writes_only_the_owning_file() {
    let sb = Sandbox::new();
    let a_text = "# file a\napiVersion: v1\nkind: Config\ncontexts:\n- name: alpha\n  context:\n    cluster: ca\n    user: ua\ncurrent-context: alpha\n";
    let b_text = "# file b\napiVersion: v1\nkind: Config\ncontexts:\n- name: beta\n  context:\n    cluster: cb\n    user: ub\n";
    let a = sb.write("a.yaml", a_text);
    let b = sb.write("b.yaml", b_text);
    let kubeconfig = format!("{}:{}", a.display(), b.display());

    // current-context goes to the first file, even though beta lives in the second.
    sb.ctx()
        .env("KUBECONFIG", &kubeconfig)
        .arg("beta")
        .assert()
        .success();
    assert_eq!(
        fs::read_to_string(&a).unwrap(),
        a_text.replace("current-context: alpha", "current-context: beta")
    );
    assert_eq!(fs::read_to_string(&b).unwrap(), b_text);

    // A context's namespace goes to the file that defines it.
    sb.ctx()
        .env("KUBECONFIG", &kubeconfig)
        .args(["beta", "-n", "team-b"])
        .assert()
        .success();
    assert_eq!(
        fs::read_to_string(&b).unwrap(),
        b_text.replace("    user: ub\n", "    user: ub\n    namespace: team-b\n")
    );

    // kubectl agrees with what we wrote.
    let out = Command::new(kubectl_path())
        .env("KUBECONFIG", &kubeconfig)
        .args([
            "config",
            "view",
            "-o",
            "jsonpath={.contexts[?(@.name==\"beta\")].context.namespace}",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "team-b");
}

#[test]
fn duplicate_names_warn_and_the_first_file_wins() {
    let sb = Sandbox::new();
    let a = sb.write("a", "contexts:\n- name: dup\n  context: {cluster: first}\n");
    let b = sb.write("b", "contexts:\n- name: dup\n  context: {cluster: second}\n- name: only-b\n  context: {cluster: x}\n");
    let kubeconfig = format!("{}:{}", a.display(), b.display());
    let out = sb
        .ctx()
        .env("KUBECONFIG", &kubeconfig)
        .args(["-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning:") && stderr.contains("\"dup\""),
        "{stderr}"
    );
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["name"], "dup");
    assert_eq!(rows[0]["cluster"], "first");
    assert_eq!(rows[1]["name"], "only-b");
    assert_eq!(rows.as_array().unwrap().len(), 2);
}

#[test]
fn read_only_kubeconfig_lists_but_refuses_to_switch() {
    let sb = Sandbox::new();
    let kc = sb.write("config", FIXTURE);
    fs::set_permissions(&kc, fs::Permissions::from_mode(0o444)).unwrap();
    sb.ctx()
        .arg("--kubeconfig")
        .arg(&kc)
        .assert()
        .success()
        .stdout("ci\ndev\nprod\n");
    sb.ctx()
        .arg("--kubeconfig")
        .arg(&kc)
        .arg("-c")
        .assert()
        .success()
        .stdout("dev\n");
    let out = sb
        .ctx()
        .arg("--kubeconfig")
        .arg(&kc)
        .arg("prod")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("error: cannot write"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(fs::read_to_string(&kc).unwrap(), FIXTURE);
    assert!(!sb.path("config.lock").exists());
}

#[test]
fn malformed_yaml_exits_1_with_position_and_leaves_the_file() {
    let sb = Sandbox::new();
    let broken =
        "apiVersion: v1\ncontexts:\n- name: a\n  context: {cluster: c\ncurrent-context: a\n";
    let kc = sb.write("config", broken);
    let out = sb
        .ctx()
        .arg("--kubeconfig")
        .arg(&kc)
        .arg("a")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("invalid YAML") && stderr.contains(&format!("{}:", kc.display())),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(fs::read_to_string(&kc).unwrap(), broken);
}

#[test]
fn user_mistakes_get_one_line_errors() {
    let sb = Sandbox::new();
    let kc = sb.write("config", FIXTURE);
    let missing_ctx = sb
        .ctx()
        .arg("--kubeconfig")
        .arg(&kc)
        .arg("nope")
        .output()
        .unwrap();
    assert_eq!(missing_ctx.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&missing_ctx.stderr),
        "error: no context named \"nope\"; run `kubectl ctx` to list contexts\n"
    );
    let missing_file = sb
        .ctx()
        .arg("--kubeconfig")
        .arg(sb.path("absent"))
        .output()
        .unwrap();
    assert_eq!(missing_file.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing_file.stderr).contains("file not found"));
    sb.ctx().arg("--bogus-flag").assert().code(2);
    assert_eq!(fs::read_to_string(&kc).unwrap(), FIXTURE);
}

#[test]
fn previous_context_uses_kubectx_state_and_creates_its_directory() {
    let sb = Sandbox::new();
    let kc = sb.write("config", FIXTURE);
    sb.ctx()
        .arg("--kubeconfig")
        .arg(&kc)
        .arg("prod")
        .assert()
        .success();
    // kubectx's format: the previous name, no trailing newline.
    assert_eq!(fs::read_to_string(sb.path("cache/kubectx")).unwrap(), "dev");
    sb.ctx()
        .arg("--kubeconfig")
        .arg(&kc)
        .arg("-")
        .assert()
        .success();
    assert_eq!(current_context_of(&kc).as_deref(), Some("dev"));
    sb.ctx()
        .arg("--kubeconfig")
        .arg(&kc)
        .arg("-")
        .assert()
        .success();
    assert_eq!(current_context_of(&kc).as_deref(), Some("prod"));

    // Without XDG_CACHE_HOME the state lives in ~/.kube, as for kubectx.
    plugin("kubectl-ctx")
        .env("HOME", sb.dir.path())
        .env_remove("XDG_CACHE_HOME")
        .arg("--kubeconfig")
        .arg(&kc)
        .arg("ci")
        .assert()
        .success();
    assert_eq!(
        fs::read_to_string(sb.path(".kube/kubectx")).unwrap(),
        "prod"
    );
}

#[test]
fn json_and_name_output() {
    let sb = Sandbox::new();
    let kc = sb.write("config", FIXTURE);
    let out = sb
        .ctx()
        .arg("--kubeconfig")
        .arg(&kc)
        .args(["-o", "json"])
        .output()
        .unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 3);
    assert_eq!(rows[2]["name"], "prod");
    assert_eq!(rows[2]["namespace"], "payments");
    assert_eq!(rows[1]["current"], true);
    sb.ctx()
        .arg("--kubeconfig")
        .arg(&kc)
        .args(["-o", "name"])
        .assert()
        .success()
        .stdout("ci\ndev\nprod\n");
}

#[test]
fn stale_lock_is_reported_clearly() {
    let sb = Sandbox::new();
    let kc = sb.write("config", FIXTURE);
    // A lock left by a process that no longer runs.
    let mut dead = Command::new("true").spawn().unwrap();
    let pid = dead.id();
    dead.wait().unwrap();
    fs::write(sb.path("config.lock"), pid.to_string()).unwrap();
    let out = sb
        .ctx()
        .arg("--kubeconfig")
        .arg(&kc)
        .arg("prod")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("stale lock") && stderr.contains("rm "),
        "{stderr}"
    );
    assert_eq!(fs::read_to_string(&kc).unwrap(), FIXTURE);
}

#[test]
fn export_makes_a_private_per_shell_copy() {
    let sb = Sandbox::new();
    fs::create_dir_all(sb.path("kube/bin")).unwrap();
    let kc = sb.write("kube/config", FIXTURE);
    let out = sb
        .ctx()
        .current_dir(sb.dir.path())
        .env("KUBECONFIG", "kube/config")
        .args(["--export", "prod"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = String::from_utf8(out.stdout).unwrap();
    let shell_file = PathBuf::from(
        line.trim()
            .strip_prefix("export KUBECONFIG=")
            .unwrap()
            .trim_matches('\''),
    );
    let dir_mode = fs::metadata(shell_file.parent().unwrap())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dir_mode, 0o700);
    assert_eq!(
        fs::metadata(&shell_file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let copy = fs::read_to_string(&shell_file).unwrap();
    let abs_ca = sb.path("kube/certs/prod-ca.crt");
    assert!(copy.contains(&abs_ca.display().to_string()), "{copy}");
    assert!(
        !copy.contains("dev-cluster"),
        "only one context is copied:\n{copy}"
    );

    // In that shell, ns edits the copy only, and ctx refills it from the original.
    sb.ctx()
        .env("KUBECONFIG", &shell_file)
        .args(["ci"])
        .assert()
        .success();
    let refilled = fs::read_to_string(&shell_file).unwrap();
    assert!(refilled.contains("current-context: ci"), "{refilled}");
    let exec_cmd = sb.path("kube/bin/get-token");
    assert!(
        refilled.contains(&exec_cmd.display().to_string()),
        "exec.command made absolute:\n{refilled}"
    );
    plugin("kubectl-ns")
        .env("KUBECONFIG", &shell_file)
        .args(["--force", "sandbox"])
        .assert()
        .success();
    assert!(
        fs::read_to_string(&shell_file)
            .unwrap()
            .contains("namespace: sandbox")
    );
    assert_eq!(
        fs::read_to_string(&kc).unwrap(),
        FIXTURE,
        "the original is never touched"
    );

    // kubectl reads the per-shell file.
    let view = Command::new(kubectl_path())
        .env("KUBECONFIG", &shell_file)
        .args([
            "config",
            "view",
            "--minify",
            "-o",
            "jsonpath={.contexts[0].name}/{.contexts[0].context.namespace}",
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&view.stdout), "ci/sandbox");
}

/// A large kubeconfig, so a write takes long enough to be interrupted.
fn big_kubeconfig(contexts: usize) -> String {
    let mut s = String::from("apiVersion: v1\nkind: Config\n# generated\nclusters:\n");
    let filler = "A".repeat(1500);
    for i in 0..contexts {
        s.push_str(&format!("- name: c{i}\n  cluster:\n    server: https://10.0.{}.{}:6443\n    certificate-authority-data: {filler}\n", i / 250, i % 250));
    }
    s.push_str("users:\n- name: u\n  user:\n    token: t\ncontexts:\n");
    for i in 0..contexts {
        s.push_str(&format!(
            "- name: ctx-{i}\n  context:\n    cluster: c{i}\n    user: u\n"
        ));
    }
    s.push_str("current-context: ctx-0\n");
    s
}

#[test]
fn concurrent_honban_and_kubectl_writers_leave_a_valid_file() {
    let sb = Sandbox::new();
    let original = big_kubeconfig(40);
    let kc = sb.write("config", &original);
    let mut children = Vec::new();
    for i in 0..50 {
        let target = format!("ctx-{}", i % 40);
        let child = if i % 2 == 0 {
            Command::new(support::bin("kubectl-ctx"))
                .env("XDG_CACHE_HOME", sb.path("cache"))
                .arg("--kubeconfig")
                .arg(&kc)
                .arg(&target)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        } else {
            Command::new(kubectl_path())
                .args(["config", "use-context", &target, "--kubeconfig"])
                .arg(&kc)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        children.push((i, child));
    }
    let mut honban_ok = 0;
    for (i, child) in children {
        let out = child.wait_with_output().unwrap();
        if i % 2 == 0 {
            // honban waits for the lock rather than failing.
            assert!(
                out.status.success(),
                "honban writer failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            honban_ok += 1;
        }
    }
    assert_eq!(honban_ok, 25);
    // kubectl parses what the writers left.
    let view = Command::new(kubectl_path())
        .args(["config", "view", "-o", "json", "--kubeconfig"])
        .arg(&kc)
        .output()
        .unwrap();
    assert!(
        view.status.success(),
        "kubectl config view: {}",
        String::from_utf8_lossy(&view.stderr)
    );
    let current = current_context_of(&kc).unwrap();
    assert!(current.starts_with("ctx-"));
    // kubectl still reads every context.
    let out = Command::new(kubectl_path())
        .args(["config", "get-contexts", "-o", "name", "--kubeconfig"])
        .arg(&kc)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 40);
    assert!(!sb.path("config.lock").exists());
}

#[test]
fn sigkill_mid_write_never_leaves_a_partial_file() {
    let sb = Sandbox::new();
    let original = big_kubeconfig(1500);
    let kc = sb.write("config", &original);
    let variants: Vec<String> = (0..2)
        .map(|i| {
            original.replace(
                "current-context: ctx-0\n",
                &format!("current-context: ctx-{i}\n"),
            )
        })
        .collect();
    let mut seed: u64 = 0x9e3779b97f4a7c15 ^ std::process::id() as u64;
    let mut interrupted = 0;
    for round in 0..200 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay_us = seed % 12_000;
        let target = format!("ctx-{}", (round + 1) % 2);
        let mut child = Command::new(support::bin("kubectl-ctx"))
            .env("XDG_CACHE_HOME", sb.path("cache"))
            .arg("--kubeconfig")
            .arg(&kc)
            .arg(&target)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(delay_us));
        let _ = child.kill();
        let status = child.wait().unwrap();
        if !status.success() {
            interrupted += 1;
        }
        let now = fs::read_to_string(&kc).unwrap();
        assert!(
            variants.contains(&now),
            "round {round}: the file is neither the old nor the new version ({} bytes)",
            now.len()
        );
        // A killed writer leaves its lock; a user would remove it as the error says.
        let _ = fs::remove_file(sb.path("config.lock"));
    }
    assert!(
        interrupted > 20,
        "only {interrupted} of 200 writers were interrupted"
    );
    // Temp files of killed writers are swept by the next successful write.
    sb.ctx()
        .arg("--kubeconfig")
        .arg(&kc)
        .arg("ctx-1")
        .assert()
        .success();
    let leftovers: Vec<_> = fs::read_dir(sb.dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".honban-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn through_kubectl_the_plugin_runs_and_completes() {
    let sb = Sandbox::new();
    let kc = sb.write("config", FIXTURE);
    let kubectl = || {
        let mut c = Command::new(kubectl_path());
        c.env("PATH", path_with_plugins())
            .env("KUBECONFIG", &kc)
            .env("XDG_CACHE_HOME", sb.path("cache"))
            .env("HONBAN_NO_PICKER", "1");
        c
    };
    let out = kubectl().args(["ctx", "prod"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(current_context_of(&kc).as_deref(), Some("prod"));
    let out = kubectl().args(["ctx", "-c"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "prod\n");

    let out = kubectl().args(["__complete", "ctx", ""]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let names: Vec<&str> = text
        .lines()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    assert_eq!(names, vec!["ci", "dev", "prod", ":4"], "{text}");
    let out = kubectl().args(["__complete", "ctx", "d"]).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "dev\tdev-cluster\n:4\n"
    );
}

#[test]
fn broken_pipe_is_not_an_error() {
    let sb = Sandbox::new();
    let kc = sb.write("config", &big_kubeconfig(3000).replace("filler", ""));
    let mut child = Command::new(support::bin("kubectl-ctx"))
        .arg("--kubeconfig")
        .arg(&kc)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty());
}

#[test]
fn prompt_prints_context_and_namespace_without_an_api_call() {
    let sb = Sandbox::new();
    // Every cluster points at a listener of ours: any API call connects to it.
    let api = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    api.set_nonblocking(true).unwrap();
    let server = format!("https://127.0.0.1:{}", api.local_addr().unwrap().port());
    let fixture = FIXTURE
        .replace("https://prod.example.com:6443", &server)
        .replace("https://dev.example.com", &server);
    assert_eq!(fixture.matches(&server).count(), 2);
    let kc = sb.write("config", &fixture);
    sb.ctx()
        .arg("--kubeconfig")
        .arg(&kc)
        .arg("--prompt")
        .assert()
        .success()
        .stdout("dev/default\n");
    sb.ctx()
        .arg("--kubeconfig")
        .arg(&kc)
        .args(["prod"])
        .assert()
        .success();
    sb.ctx()
        .arg("--kubeconfig")
        .arg(&kc)
        .arg("--prompt")
        .assert()
        .success()
        .stdout("prod/payments\n");
    // No kubeconfig at all: an empty prompt segment, not an error.
    sb.ctx()
        .arg("--prompt")
        .assert()
        .success()
        .stdout("")
        .stderr("");
    // A broken file: quiet, exit 1.
    let broken = sb.write("broken", "contexts: [\n");
    sb.ctx()
        .arg("--kubeconfig")
        .arg(&broken)
        .arg("--prompt")
        .assert()
        .code(1)
        .stdout("")
        .stderr("");
    match api.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("ctx connected to the API server: {other:?}"),
    }
}

#[test]
fn prompt_reuses_its_answer_only_while_the_kubeconfig_is_unchanged() {
    let sb = Sandbox::new();
    let kc = sb.write("config", FIXTURE);
    let prompt = || {
        let out = sb
            .ctx()
            .arg("--kubeconfig")
            .arg(&kc)
            .arg("--prompt")
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let entries = || -> Vec<PathBuf> {
        match fs::read_dir(sb.path(".kube/cache/honban/prompt")) {
            Ok(dir) => dir
                .map(|e| e.unwrap().path())
                .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
                .collect(),
            Err(_) => Vec::new(),
        }
    };
    // A file written this instant could change again within the same timestamp
    // tick, so its answer is not kept.
    assert_eq!(prompt(), "dev/default\n");
    assert!(entries().is_empty());

    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert_eq!(prompt(), "dev/default\n");
    let found = entries();
    assert_eq!(found.len(), 1, "one cache entry expected: {found:?}");
    let entry = &found[0];
    // The next prompt answers from the entry: a doctored answer shows through.
    let text = fs::read_to_string(entry).unwrap();
    fs::write(entry, text.replace("dev/default\n", "from/cache\n")).unwrap();
    assert_eq!(prompt(), "from/cache\n");

    // An in-place rewrite of the same size (as kubectl writes) is seen at once.
    let same_size = FIXTURE.replace("\"dev\"   # last", "\"ci\"    # last");
    assert_eq!(same_size.len(), FIXTURE.len());
    fs::write(&kc, &same_size).unwrap();
    assert_eq!(prompt(), "ci/default\n");
    // So is a switch, which replaces the file.
    sb.ctx()
        .arg("--kubeconfig")
        .arg(&kc)
        .arg("prod")
        .assert()
        .success();
    assert_eq!(prompt(), "prod/payments\n");
}
