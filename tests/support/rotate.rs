//! Running `kubectl rotate-secret` as a user does, for the rotate-secret tests.

use std::time::Duration;

use super::{TestEnv, plugin};

pub const BIN: &str = "kubectl-rotate_secret";

/// One finished run of the plugin.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "expected success:\n{}{}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn text(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// Fails if any of the secret values appears in stdout or stderr.
    pub fn assert_hides(&self, secrets: &[&str]) -> &Run {
        for s in secrets {
            assert!(
                !self.stdout.contains(s),
                "stdout shows a secret value:\n{}",
                self.stdout
            );
            assert!(
                !self.stderr.contains(s),
                "stderr shows a secret value:\n{}",
                self.stderr
            );
        }
        self
    }
}

pub fn rotate_secret(env: &TestEnv, ns: &str, args: &[&str]) -> Run {
    rotate_secret_with(env, ns, args, &[])
}

pub fn rotate_secret_with(env: &TestEnv, ns: &str, args: &[&str], envs: &[(&str, &str)]) -> Run {
    let mut cmd = plugin(BIN);
    cmd.args(args)
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .args(["-n", ns])
        .timeout(Duration::from_secs(180));
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run kubectl-rotate_secret");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn get(env: &TestEnv, ns: &str, object: &str, jsonpath: &str) -> String {
    env.kubectl_ok(&[
        "get",
        "-n",
        ns,
        object,
        "-o",
        &format!("jsonpath={jsonpath}"),
    ])
}

pub fn secret_names(env: &TestEnv, ns: &str) -> Vec<String> {
    get(env, ns, "secrets", "{.items[*].metadata.name}")
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// Reads `secret/NAME created (revision N)` from a rotation's output.
pub fn created_name(run: &Run) -> String {
    run.text()
        .lines()
        .find_map(|l| {
            let rest = l.strip_prefix("secret/")?;
            let (name, tail) = rest.split_once(' ')?;
            (tail.starts_with("created") || tail.starts_with("unchanged")).then(|| name.to_string())
        })
        .unwrap_or_else(|| panic!("no version line in:\n{}", run.text()))
}
