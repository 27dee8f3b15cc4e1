//! moto's server on loopback, standing in for AWS: one per test, started
//! from a script in tests/tools/ that prints its port, stopped when dropped
//! (its stdin closes). The venv comes from tests/tools/setup-python.sh.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

use super::repo_root;

/// The project venv's python, with moto installed (once per test binary).
pub fn python() -> PathBuf {
    static PY: OnceLock<PathBuf> = OnceLock::new();
    PY.get_or_init(|| {
        let out = Command::new(repo_root().join("tests/tools/setup-python.sh"))
            .arg("moto")
            .output()
            .expect("run tests/tools/setup-python.sh moto");
        assert!(
            out.status.success(),
            "setup-python.sh moto failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    })
    .clone()
}

/// A tests/tools/ script.
pub fn script(name: &str) -> PathBuf {
    repo_root().join("tests/tools").join(name)
}

/// One moto server: `endpoint` for AWS_ENDPOINT_URL, and the script's
/// command channel (a JSON line in, a JSON line out) where it has one.
pub struct Moto {
    child: Child,
    script: PathBuf,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    pub endpoint: String,
    home: tempfile::TempDir,
}

impl Moto {
    /// Runs `tests/tools/<name> <args>` and reads the port it prints.
    pub fn start(name: &str, args: &[&str]) -> Moto {
        let script = script(name);
        let mut child = Command::new(python())
            .arg(&script)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto");
        let stdin = child.stdin.take();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).expect("moto prints its port");
        let port: u16 = line.trim().parse().expect("moto port");
        Moto {
            child,
            script,
            stdin,
            stdout,
            endpoint: format!("http://127.0.0.1:{port}"),
            home: tempfile::tempdir().unwrap(),
        }
    }

    /// publish_moto.py's server (ACM, Route 53, EC2, ELBv2, KMS, STS).
    pub fn publish() -> Moto {
        Moto::start("publish_moto.py", &["serve"])
    }

    /// Sends one command on the script's channel; fails the test on `error`.
    pub fn send(&mut self, cmd: Value) -> Value {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{cmd}").unwrap();
        stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        let v: Value = serde_json::from_str(&line).expect("moto answers JSON");
        assert!(v.get("error").is_none(), "moto {cmd}: {v}");
        v
    }

    /// Creates an AWS fixture by running the script with `name` and `args`
    /// against this moto (see tests/tools/publish_moto.py).
    pub fn fixture(&self, name: &str, args: Value) -> Value {
        let mut cmd = Command::new(python());
        cmd.arg(&self.script).arg(name).arg(args.to_string());
        self.env(&mut cmd);
        let out = cmd.output().expect("run a moto fixture");
        assert!(
            out.status.success(),
            "fixture {name} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("fixture prints JSON")
    }

    /// A private HOME, empty, for runs that must find no AWS settings.
    pub fn home(&self) -> &std::path::Path {
        self.home.path()
    }

    /// AWS settings pointing every service at this moto with moto's test
    /// keys in us-east-1, and no config or credentials file of the caller's.
    pub fn env_pairs(&self) -> Vec<(&'static str, String)> {
        let home = self.home.path();
        let path = |name: &str| home.join(name).display().to_string();
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_DEFAULT_REGION", "us-east-1".into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
            ("AWS_CONFIG_FILE", path("aws-config")),
            ("AWS_SHARED_CREDENTIALS_FILE", path("aws-credentials")),
        ]
    }

    /// [`Moto::env_pairs`] on `cmd`, with a private HOME and none of the
    /// caller's profile or role settings.
    pub fn env(&self, cmd: &mut Command) {
        for var in [
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
            "AWS_SESSION_TOKEN",
            "AWS_ROLE_ARN",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
        ] {
            cmd.env_remove(var);
        }
        cmd.envs(self.env_pairs()).env("HOME", self.home.path());
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
