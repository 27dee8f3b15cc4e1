//! Every kubeconfig writer (ctx, ns, aws-token setup and migrate) end to end:
//! a file the user may not write is refused like kubectl refuses it, and
//! concurrent writers (honban and the pinned kubectl) neither trip over a lock
//! that was just released nor plan a change from a half-written file.

mod support;

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use support::kubectl_path;

const FIXTURE: &str = include_str!("fixtures/commented.yaml");

/// The user the permission tests run as (`nobody`).
const NOBODY: u32 = 65534;

const MIGRATE_FIXTURE: &str = "\
apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: https://ABC.gr7.eu-west-1.eks.amazonaws.com
contexts:
- name: prod
  context:
    cluster: prod
    user: prod
current-context: prod
users:
- name: prod
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [\"--region\", \"eu-west-1\", \"eks\", \"get-token\", \"--cluster-name\", \"prod\"]
";

struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        fs::write(&p, text).unwrap();
        p
    }

    /// Names in the sandbox other than the ones given: locks and temp files left behind.
    fn leftovers(&self, expected: &[&str]) -> Vec<String> {
        fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !expected.contains(&n.as_str()))
            .collect()
    }
}

/// A plugin command with this sandbox's state directories.
fn plugin_in(sb: &Sandbox, program: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .env("HONBAN_NO_PICKER", "1")
        .env("HOME", sb.dir.path())
        .env("XDG_CACHE_HOME", sb.path("cache"))
        .env("XDG_RUNTIME_DIR", sb.path("run"));
    cmd
}

/// The same command run as `nobody`, through setpriv, when this test runs as root.
fn as_nobody(cmd: &Command) -> Command {
    let mut wrapped = Command::new("setpriv");
    wrapped
        .args([
            &format!("--reuid={NOBODY}"),
            &format!("--regid={NOBODY}"),
            "--clear-groups",
            "--",
        ])
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => wrapped.env(k, v),
            None => wrapped.env_remove(k),
        };
    }
    wrapped
}

/// Why the permission test cannot run here, if it cannot.
fn cannot_drop_privileges() -> Option<String> {
    if effective_uid() != 0 {
        return Some(
            "not running as root, so no root-owned file can be made for another user".into(),
        );
    }
    match Command::new("setpriv")
        .args([
            &format!("--reuid={NOBODY}"),
            &format!("--regid={NOBODY}"),
            "--clear-groups",
            "true",
        ])
        .status()
    {
        Ok(s) if s.success() => None,
        Ok(s) => Some(format!("setpriv cannot switch to uid {NOBODY} ({s})")),
        Err(e) => Some(format!("setpriv (util-linux) is not available: {e}")),
    }
}

/// The effective uid, from /proc (no libc needed in the tests).
fn effective_uid() -> u32 {
    let status = fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|u| u.parse().ok())
        .expect("Uid line in /proc/self/status")
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

/// A sandbox `nobody` may enter and write, holding a root-owned 0644 kubeconfig.
fn root_owned_in_writable_dir(content: &str) -> (Sandbox, PathBuf) {
    let sb = Sandbox::new();
    fs::set_permissions(sb.dir.path(), fs::Permissions::from_mode(0o777)).unwrap();
    let kc = sb.write("config", content);
    fs::set_permissions(&kc, fs::Permissions::from_mode(0o644)).unwrap();
    (sb, kc)
}

fn assert_refused(out: &Output, kc: &Path, content: &str, sb: &Sandbox, what: &str) {
    assert_eq!(
        out.status.code(),
        Some(1),
        "{what}: exit {:?}, stderr: {}",
        out.status.code(),
        text(&out.stderr)
    );
    assert_eq!(
        text(&out.stderr),
        format!(
            "error: cannot write {}: permission denied; nothing was changed\n",
            kc.display()
        ),
        "{what}"
    );
    assert_eq!(fs::read_to_string(kc).unwrap(), content, "{what}: content");
    let meta = fs::metadata(kc).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (0, 0), "{what}: owner");
    assert_eq!(meta.mode() & 0o7777, 0o644, "{what}: mode");
    assert_eq!(
        sb.leftovers(&["config", "cache", "run"]),
        Vec::<String>::new(),
        "{what}: a lock or temp file was left"
    );
}

#[test]
fn a_file_the_user_may_not_write_is_refused_by_every_writer() {
    if let Some(reason) = cannot_drop_privileges() {
        eprintln!("skipped: {reason}");
        return;
    }
    let ctx = support::bin("kubectl-ctx");
    let ns = support::bin("kubectl-ns");
    let token = support::bin("kubectl-aws_token");

    // kubectl itself, the oracle: it writes in place, so it needs the file.
    let (sb, kc) = root_owned_in_writable_dir(FIXTURE);
    let out = as_nobody(
        plugin_in(&sb, &kubectl_path())
            .args(["config", "use-context", "prod", "--kubeconfig"])
            .arg(&kc),
    )
    .output()
    .unwrap();
    assert!(!out.status.success(), "kubectl wrote a file it may not");
    assert!(
        text(&out.stderr).contains(&format!("open {}: permission denied", kc.display())),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(fs::read_to_string(&kc).unwrap(), FIXTURE);

    let kc_arg = kc.to_str().unwrap().to_string();
    let writers: Vec<(&str, PathBuf, Vec<&str>)> = vec![
        (
            "ctx switch",
            ctx.clone(),
            vec!["--kubeconfig", &kc_arg, "prod"],
        ),
        (
            "ctx switch with -n",
            ctx.clone(),
            vec!["--kubeconfig", &kc_arg, "ci", "-n", "tools"],
        ),
        (
            "ctx rename",
            ctx.clone(),
            vec!["--kubeconfig", &kc_arg, "staging=dev"],
        ),
        (
            "ctx delete",
            ctx.clone(),
            vec!["--kubeconfig", &kc_arg, "-d", "ci"],
        ),
        (
            "ctx unset",
            ctx.clone(),
            vec!["--kubeconfig", &kc_arg, "-u"],
        ),
        (
            "ns",
            ns.clone(),
            vec!["--kubeconfig", &kc_arg, "--force", "tools"],
        ),
        (
            "ns unset",
            ns.clone(),
            vec!["--kubeconfig", &kc_arg, "--context", "prod", "-u"],
        ),
        (
            "aws-token setup",
            token.clone(),
            vec![
                "setup",
                "--kubeconfig",
                &kc_arg,
                "--cluster-name",
                "demo",
                "--server",
                "https://ABC.gr7.eu-west-1.eks.amazonaws.com",
                "--ca-data",
                "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==",
            ],
        ),
    ];
    for (what, program, args) in writers {
        let out = as_nobody(plugin_in(&sb, &program).args(&args))
            .output()
            .unwrap();
        assert_refused(&out, &kc, FIXTURE, &sb, what);
    }

    let (sb, kc) = root_owned_in_writable_dir(MIGRATE_FIXTURE);
    let out = as_nobody(
        plugin_in(&sb, &token)
            .args(["migrate", "--kubeconfig"])
            .arg(&kc),
    )
    .output()
    .unwrap();
    assert_refused(&out, &kc, MIGRATE_FIXTURE, &sb, "aws-token migrate");
}

#[test]
fn root_still_writes_a_file_it_does_not_own_and_keeps_the_owner() {
    if effective_uid() != 0 {
        eprintln!("skipped: not running as root");
        return;
    }
    let sb = Sandbox::new();
    let kc = sb.write("config", FIXTURE);
    std::os::unix::fs::chown(&kc, Some(NOBODY), Some(NOBODY)).unwrap();
    fs::set_permissions(&kc, fs::Permissions::from_mode(0o644)).unwrap();
    let out = plugin_in(&sb, &support::bin("kubectl-ctx"))
        .arg("--kubeconfig")
        .arg(&kc)
        .arg("prod")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let current = Command::new(kubectl_path())
        .args(["config", "current-context", "--kubeconfig"])
        .arg(&kc)
        .output()
        .unwrap();
    assert_eq!(text(&current.stdout), "prod\n");
    let meta = fs::metadata(&kc).unwrap();
    assert_eq!((meta.uid(), meta.gid()), (NOBODY, NOBODY));
    assert_eq!(meta.mode() & 0o7777, 0o644);
}

/// A kubeconfig with `contexts` contexts, each with its own cluster; `filler`
/// bytes of CA data per cluster make kubectl's in-place rewrite take a while.
fn generated_kubeconfig(contexts: usize, filler: usize) -> String {
    let ca = "A".repeat(filler);
    let mut s = String::from("apiVersion: v1\nkind: Config\nclusters:\n");
    for i in 0..contexts {
        s.push_str(&format!(
            "- name: c{i}\n  cluster:\n    server: https://10.0.0.{i}:6443\n    certificate-authority-data: {ca}\n"
        ));
    }
    s.push_str("contexts:\n");
    for i in 0..contexts {
        s.push_str(&format!(
            "- name: ctx-{i}\n  context:\n    cluster: c{i}\n    user: u\n"
        ));
    }
    s.push_str("current-context: ctx-0\nusers:\n- name: u\n  user:\n    token: t\n");
    s
}

/// Runs `kubectl-ctx NAME` `rounds` times for each writer thread, all at once,
/// and returns the stderr of every run that failed.
fn concurrent_switches(
    sb: &Sandbox,
    kc: &Path,
    writers: usize,
    rounds: usize,
    targets: &[String],
) -> Vec<String> {
    let ctx = support::bin("kubectl-ctx");
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..writers)
            .map(|w| {
                let ctx = &ctx;
                scope.spawn(move || {
                    let mut failures = Vec::new();
                    for round in 0..rounds {
                        let target = &targets[(w + round) % targets.len()];
                        let out = plugin_in(sb, ctx)
                            .arg("--kubeconfig")
                            .arg(kc)
                            .arg(target)
                            .stdout(Stdio::null())
                            .output()
                            .unwrap();
                        if !out.status.success() {
                            failures.push(text(&out.stderr));
                        }
                    }
                    failures
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}

fn kubectl_contexts(kc: &Path) -> serde_json::Value {
    let out = Command::new(kubectl_path())
        .args(["config", "view", "-o", "json", "--kubeconfig"])
        .arg(kc)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn ten_concurrent_writers_never_call_a_released_lock_stale() {
    let sb = Sandbox::new();
    let kc = sb.write("config", &generated_kubeconfig(10, 64));
    let targets: Vec<String> = (0..10).map(|i| format!("ctx-{i}")).collect();
    let failures = concurrent_switches(&sb, &kc, 10, 150, &targets);
    let stale = failures.iter().filter(|e| e.contains("stale lock")).count();
    assert_eq!(
        (stale, failures.len()),
        (0, 0),
        "stale-lock errors and failures out of 1500 switches; first: {:?}",
        failures.first()
    );
    // kubectl reads the result, and nothing was left behind.
    let view = kubectl_contexts(&kc);
    assert_eq!(view["contexts"].as_array().unwrap().len(), 10);
    assert!(targets.contains(&view["current-context"].as_str().unwrap().to_string()));
    assert_eq!(
        sb.leftovers(&["config", "cache", "run"]),
        Vec::<String>::new()
    );
}

/// kubectl adds contexts `new-W-J` (with namespace `ns-W-J`), rewriting the file
/// in place each time; an attempt that finds the lock taken is tried again.
/// Returns the contexts kubectl reported as written.
fn kubectl_adds_contexts(kc: &Path, writer: usize, count: usize) -> Vec<String> {
    let mut written = Vec::new();
    for j in 0..count {
        let name = format!("new-{writer}-{j}");
        for _attempt in 0..500 {
            let out = Command::new(kubectl_path())
                .args(["config", "set-context", &name, "--cluster=c0", "--user=u"])
                .arg(format!("--namespace=ns-{writer}-{j}"))
                .arg("--kubeconfig")
                .arg(kc)
                .output()
                .unwrap();
            if out.status.success() {
                written.push(name);
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    written
}

#[test]
fn switches_during_kubectl_rewrites_fail_never_and_lose_no_kubectl_edit() {
    let sb = Sandbox::new();
    // 40 clusters of 8 KB come before the contexts, as kubectl writes them back.
    let kc = sb.write("config", &generated_kubeconfig(40, 8 * 1024));
    let targets: Vec<String> = [26, 39, 13, 33]
        .iter()
        .map(|i| format!("ctx-{i}"))
        .collect();
    let (failures, written) = std::thread::scope(|scope| {
        // One kubectl writer: two of them lose each other's edits (kubectl plans
        // outside its lock and deletes what it did not see), which is not honban's doing.
        let kubectl = scope.spawn(|| kubectl_adds_contexts(&kc, 0, 30));
        let failures = concurrent_switches(&sb, &kc, 3, 50, &targets);
        (failures, kubectl.join().unwrap())
    });
    assert_eq!(
        failures.len(),
        0,
        "honban switches that failed out of 150; first: {:?}",
        failures.first()
    );
    assert_eq!(written.len(), 30, "kubectl gave up on some edits");
    // Every edit kubectl reported is there, with its namespace, and no context was lost.
    let view = kubectl_contexts(&kc);
    let contexts = view["contexts"].as_array().unwrap();
    let namespace_of = |name: &str| {
        contexts
            .iter()
            .find(|c| c["name"] == name)
            .map(|c| c["context"]["namespace"].as_str().unwrap_or("").to_string())
    };
    for name in &written {
        let ns = name.replacen("new-", "ns-", 1);
        assert_eq!(
            namespace_of(name),
            Some(ns),
            "kubectl's edit of {name} was lost"
        );
    }
    for i in 0..40 {
        assert!(
            namespace_of(&format!("ctx-{i}")).is_some(),
            "ctx-{i} was lost"
        );
    }
    assert_eq!(contexts.len(), 70);
    assert_eq!(
        sb.leftovers(&["config", "cache", "run"]),
        Vec::<String>::new()
    );
}

/// Rewrites the file in place the way kubectl does (`<file>.lock` created
/// exclusively, truncate, write, remove the lock), with the same content, but
/// writes it in two halves with a pause between: kubectl's half-written moment
/// lasts microseconds, this one long enough to be met every time. Returns how
/// many rewrites it made.
fn slow_in_place_rewrites(kc: &Path, stop: &AtomicBool) -> usize {
    let lock = PathBuf::from(format!("{}.lock", kc.display()));
    let mut rewrites = 0;
    while !stop.load(Ordering::Relaxed) {
        if OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&lock)
            .is_ok()
        {
            let content = fs::read(kc).unwrap();
            let mut f = OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(kc)
                .unwrap();
            let half = content.len() / 2;
            f.write_all(&content[..half]).unwrap();
            std::thread::sleep(Duration::from_millis(3));
            f.write_all(&content[half..]).unwrap();
            drop(f);
            fs::remove_file(&lock).unwrap();
            rewrites += 1;
        }
        std::thread::sleep(Duration::from_millis(4));
    }
    rewrites
}

#[test]
fn ctx_and_ns_never_plan_from_a_half_written_file() {
    let sb = Sandbox::new();
    let kc = sb.write("config", &generated_kubeconfig(40, 1024));
    let targets: Vec<String> = [26, 39, 13, 33]
        .iter()
        .map(|i| format!("ctx-{i}"))
        .collect();
    let stop = AtomicBool::new(false);
    let (failures, rewrites) = std::thread::scope(|scope| {
        let rewriter = scope.spawn(|| slow_in_place_rewrites(&kc, &stop));
        // kubectl ns finds the current context on its own read, then writes.
        let ns = scope.spawn(|| {
            let ns = support::bin("kubectl-ns");
            (0..40)
                .filter_map(|i| {
                    let out = plugin_in(&sb, &ns)
                        .arg("--kubeconfig")
                        .arg(&kc)
                        .args(["--force", &format!("team-{i}")])
                        .output()
                        .unwrap();
                    (!out.status.success()).then(|| text(&out.stderr))
                })
                .collect::<Vec<_>>()
        });
        let mut failures = concurrent_switches(&sb, &kc, 3, 40, &targets);
        failures.extend(ns.join().unwrap());
        stop.store(true, Ordering::Relaxed);
        (failures, rewriter.join().unwrap())
    });
    assert!(rewrites > 10, "only {rewrites} in-place rewrites ran");
    assert_eq!(
        failures.len(),
        0,
        "runs that failed out of 160 ({rewrites} in-place rewrites); first: {:?}",
        failures.first()
    );
    let view = kubectl_contexts(&kc);
    assert_eq!(view["contexts"].as_array().unwrap().len(), 40);
    assert!(targets.contains(&view["current-context"].as_str().unwrap().to_string()));
    assert_eq!(
        sb.leftovers(&["config", "cache", "run"]),
        Vec::<String>::new()
    );
}

#[test]
fn a_file_cut_short_under_a_held_lock_is_read_again_once_the_lock_is_released() {
    let sb = Sandbox::new();
    // What a reader meets while kubectl rewrites in place: its empty lock, and the
    // file cut inside a flow sequence (invalid YAML) or truncated to nothing.
    let cut = &FIXTURE[..FIXTURE.find("args: [\"--cluster\",").unwrap() + 19];
    for (what, partial) in [("cut", cut), ("empty", "")] {
        let kc = sb.write("config", partial);
        let lock = sb.write("config.lock", "");
        let switch = plugin_in(&sb, &support::bin("kubectl-ctx"))
            .arg("--kubeconfig")
            .arg(&kc)
            .arg("prod")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let list = plugin_in(&sb, &support::bin("kubectl-ctx"))
            .arg("--kubeconfig")
            .arg(&kc)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // The writer finishes a moment later (the readers have started by then).
        std::thread::sleep(Duration::from_millis(300));
        fs::write(&kc, FIXTURE).unwrap();
        fs::remove_file(&lock).unwrap();
        let switch = switch.wait_with_output().unwrap();
        assert!(switch.status.success(), "{what}: {}", text(&switch.stderr));
        let list = list.wait_with_output().unwrap();
        assert!(list.status.success(), "{what}: {}", text(&list.stderr));
        assert_eq!(text(&list.stdout), "ci\ndev\nprod\n", "{what}");
        assert_eq!(
            fs::read_to_string(&kc).unwrap(),
            FIXTURE.replace("current-context: \"dev\"", "current-context: \"prod\""),
            "{what}"
        );
    }
}
