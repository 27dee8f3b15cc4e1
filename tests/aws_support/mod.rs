//! Helpers shared by the aws-token tests: a clean AWS environment per test,
//! the project's Python venv (botocore, awscli), and token decoding.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::support::{bin, repo_root};

/// Test identities the testenv token webhook knows (tests/tools/aws-token-identities.json).
pub const ADMIN_KEY: &str = "AKIDHONBANE2EADMIN01";
pub const ADMIN_SECRET: &str = "honbanE2eAdminSecretKeyNotRealAtAll000001";
pub const SESSION_KEY: &str = "ASIDHONBANE2ESESSION";
pub const SESSION_SECRET: &str = "honbanE2eSessionSecretKeyNotReal/0000002";

/// A private HOME (token cache, ~/.aws) and an environment without the
/// caller's AWS settings.
pub struct AwsSandbox {
    pub dir: tempfile::TempDir,
}

impl AwsSandbox {
    pub fn new() -> AwsSandbox {
        AwsSandbox {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn home(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, text).unwrap();
        p
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.home().join(".kube/cache/honban/aws-token")
    }

    /// The cached token entries (not locks).
    pub fn token_files(&self) -> Vec<PathBuf> {
        let Ok(rd) = std::fs::read_dir(self.cache_dir()) else {
            return Vec::new();
        };
        let mut v: Vec<PathBuf> = rd
            .map(|e| e.unwrap().path())
            .filter(|p| {
                let n = p.file_name().unwrap().to_string_lossy();
                n.starts_with("token-") && n.ends_with(".json")
            })
            .collect();
        v.sort();
        v
    }

    /// A clean environment: PATH, HOME, no AWS_* or KUBE* variables from the caller.
    pub fn apply_env(&self, cmd: &mut Command) {
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("NO_COLOR", "1")
            // Never reach a real instance metadata service from the tests.
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", self.path("aws/config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", self.path("aws/credentials"));
    }

    /// `kubectl-aws_token` in this sandbox with env credentials.
    pub fn token_cmd(&self) -> Command {
        let mut cmd = Command::new(bin("kubectl-aws_token"));
        self.apply_env(&mut cmd);
        cmd
    }

    pub fn with_keys(&self, key: &str, secret: &str) -> Command {
        let mut cmd = self.token_cmd();
        cmd.env("AWS_ACCESS_KEY_ID", key)
            .env("AWS_SECRET_ACCESS_KEY", secret);
        cmd
    }
}

pub struct Output {
    pub status: std::process::ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("run command");
    Output {
        status: out.status,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs and expects success; returns stdout.
pub fn run_ok(cmd: &mut Command) -> String {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{}{}",
        out.status,
        out.stdout,
        out.stderr
    );
    out.stdout
}

/// The token in an ExecCredential.
pub fn token_of(exec_credential: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(exec_credential)
        .unwrap_or_else(|e| panic!("not an ExecCredential ({e}): {exec_credential}"));
    v["status"]["token"]
        .as_str()
        .expect("status.token")
        .to_string()
}

pub fn decode_url(token: &str) -> String {
    let body = token.strip_prefix("k8s-aws-v1.").expect("token prefix");
    String::from_utf8(URL_SAFE_NO_PAD.decode(body).expect("base64url")).unwrap()
}

pub fn encode_url(url: &str) -> String {
    format!("k8s-aws-v1.{}", URL_SAFE_NO_PAD.encode(url))
}

/// The project's Python venv (botocore, awscli), created by its setup script on first use.
pub fn python() -> PathBuf {
    static PY: OnceLock<PathBuf> = OnceLock::new();
    PY.get_or_init(|| {
        let out = Command::new(repo_root().join("tests/tools/setup-python.sh"))
            .output()
            .expect("run tests/tools/setup-python.sh");
        assert!(
            out.status.success(),
            "tests/tools/setup-python.sh failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    })
    .clone()
}

/// awscli's `aws`, from the same venv.
pub fn aws_cli() -> PathBuf {
    python().parent().unwrap().join("aws")
}

pub fn tool(name: &str) -> PathBuf {
    repo_root().join("tests/tools").join(name)
}
