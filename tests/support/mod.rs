//! Test support shared by the integration tests.
//!
//! `testenv()` starts the real local control plane once per test binary (or
//! reuses one that runs), and every test takes its own namespace from it.
//! Plugins are run from the workspace's target directory, which is also put
//! first on PATH so `kubectl ctx` finds `kubectl-ctx`.

#![allow(dead_code)]

pub mod moto;
pub mod rbac;
pub mod rotate;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub struct TestEnv {
    pub kubeconfig: PathBuf,
    pub kubectl: PathBuf,
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The directory holding the built plugin binaries.
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/<test> -> target/<profile>
    exe.parent()
        .and_then(Path::parent)
        .expect("target dir")
        .to_path_buf()
}

pub fn bin(name: &str) -> PathBuf {
    let path = bin_dir().join(name);
    assert!(
        path.exists(),
        "{} is not built; run the tests with `cargo test --workspace`",
        path.display()
    );
    path
}

/// A command for a plugin binary with a clean, predictable environment.
pub fn plugin(name: &str) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(bin(name));
    cmd.env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .env("HONBAN_NO_PICKER", "1");
    cmd
}

/// PATH with the plugins and the pinned kubectl first.
pub fn path_with_plugins() -> String {
    let kubectl_dir = kubectl_path().parent().unwrap().to_path_buf();
    let completions = repo_root().join("completions");
    format!(
        "{}:{}:{}:{}",
        bin_dir().display(),
        completions.display(),
        kubectl_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

pub fn kubectl_path() -> PathBuf {
    static KUBECTL: OnceLock<PathBuf> = OnceLock::new();
    KUBECTL
        .get_or_init(|| {
            let out = Command::new(repo_root().join("testenv/testenv"))
                .arg("kubectl-path")
                .output()
                .expect("run testenv kubectl-path");
            assert!(
                out.status.success(),
                "testenv kubectl-path failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
        })
        .clone()
}

/// Starts testenv (or reuses the running one) once per test binary.
pub fn testenv() -> &'static TestEnv {
    static ENV: OnceLock<TestEnv> = OnceLock::new();
    ENV.get_or_init(|| {
        let out = Command::new(repo_root().join("testenv/testenv"))
            .arg("up")
            .output()
            .expect("run testenv up");
        assert!(
            out.status.success(),
            "testenv up failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        let line = stdout
            .lines()
            .find_map(|l| l.strip_prefix("export KUBECONFIG="))
            .expect("testenv up prints export KUBECONFIG=");
        let kubeconfig = PathBuf::from(line.trim().trim_matches('\'').trim_matches('"'));
        TestEnv {
            kubeconfig,
            kubectl: kubectl_path(),
        }
    })
}

impl TestEnv {
    /// The pinned kubectl, against testenv as admin.
    pub fn kubectl(&self) -> Command {
        let mut cmd = Command::new(&self.kubectl);
        cmd.env("KUBECONFIG", &self.kubeconfig)
            .env("PATH", path_with_plugins());
        cmd
    }

    /// Runs kubectl and returns stdout, panicking with stderr on failure.
    pub fn kubectl_ok(&self, args: &[&str]) -> String {
        let out = self.kubectl().args(args).output().expect("run kubectl");
        assert!(
            out.status.success(),
            "kubectl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Applies a manifest given as text.
    pub fn apply(&self, namespace: &str, manifest: &str) {
        use std::io::Write;
        let mut child = self
            .kubectl()
            .args(["apply", "-n", namespace, "-f", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn kubectl apply");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(manifest.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "kubectl apply failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Creates a namespace of its own for one test; it is deleted on drop.
    pub fn namespace(&'static self, prefix: &str) -> TestNamespace {
        let name = format!("{prefix}-{}", unique_suffix());
        self.kubectl_ok(&["create", "namespace", &name]);
        TestNamespace { env: self, name }
    }

    /// Waits until a Deployment's rollout completes.
    pub fn wait_rollout(&self, namespace: &str, deployment: &str, timeout: Duration) {
        let out = self
            .kubectl()
            .args([
                "rollout",
                "status",
                "-n",
                namespace,
                &format!("deployment/{deployment}"),
                &format!("--timeout={}s", timeout.as_secs()),
            ])
            .output()
            .expect("run kubectl rollout status");
        assert!(
            out.status.success(),
            "rollout of {namespace}/{deployment} did not complete: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

pub struct TestNamespace {
    env: &'static TestEnv,
    pub name: String,
}

impl Drop for TestNamespace {
    fn drop(&mut self) {
        let _ = self
            .env
            .kubectl()
            .args(["delete", "namespace", &self.name, "--wait=false"])
            .output();
    }
}

pub fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{:x}{:x}{n}", std::process::id() % 0xfff, t % 0xffff)
}

/// Polls until `check` returns true or the timeout passes.
pub fn eventually(timeout: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    check()
}

/// A kubeconfig copy with one context, for tests that edit it.
pub fn admin_kubeconfig_copy(dir: &Path) -> PathBuf {
    let env = testenv();
    let dest = dir.join("config");
    std::fs::copy(&env.kubeconfig, &dest).expect("copy testenv kubeconfig");
    dest
}

/// Records that part of a test did not run, and why. A passing test's output
/// is hidden, so test.sh names every skip in its closing line from the file
/// `HONBAN_SKIP_LOG` points to.
pub fn skip(what: &str, why: &str) {
    use std::io::Write;
    eprintln!("SKIPPED {what}: {why}");
    if let Some(path) = std::env::var_os("HONBAN_SKIP_LOG") {
        let mut log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("HONBAN_SKIP_LOG {}: {e}", path.display()));
        // One write per line: tests run in parallel and in several processes.
        log.write_all(format!("{what}: {why}\n").as_bytes())
            .expect("write HONBAN_SKIP_LOG");
    }
}

/// Whether this run is CI, where shared test data must be present.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// A directory of `../shared` (test data kept beside the clone, never copied
/// in): `var` names it when set, else `../shared/<name>` next to the repo.
/// None when absent; the caller skips with `skip`, and under CI=true fails.
pub fn shared_dir(var: &str, name: &str, marker: &str) -> Option<PathBuf> {
    let dir = std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared").join(name));
    if dir.join(marker).exists() {
        return Some(dir);
    }
    assert!(
        !in_ci(),
        "CI=true but {} is missing: set {var} or put shared/ beside the clone",
        dir.join(marker).display()
    );
    None
}

/// A control plane of the test's own, in a private state directory, for a
/// test that must see a cluster in a state the shared one has left behind
/// (such as one that never had some CRDs). Stopped again on drop.
pub struct PrivateTestEnv {
    pub env: TestEnv,
    state: PathBuf,
    _dir: tempfile::TempDir,
}

impl PrivateTestEnv {
    pub fn start() -> PrivateTestEnv {
        let dir = tempfile::tempdir().expect("temp dir");
        let state = dir.path().join("testenv");
        let out = Command::new(repo_root().join("testenv/testenv"))
            .arg("up")
            .env("HONBAN_TESTENV_STATE", &state)
            .output()
            .expect("run testenv up");
        let started = PrivateTestEnv {
            env: TestEnv {
                kubeconfig: state.join("kubeconfig"),
                kubectl: kubectl_path(),
            },
            state,
            _dir: dir,
        };
        assert!(
            out.status.success(),
            "private testenv up failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        started
    }
}

impl Drop for PrivateTestEnv {
    fn drop(&mut self) {
        let _ = Command::new(repo_root().join("testenv/testenv"))
            .arg("down")
            .env("HONBAN_TESTENV_STATE", &self.state)
            .output();
    }
}
