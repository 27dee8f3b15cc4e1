//! Users that hold exactly the permissions a plugin's guide documents: its
//! `yaml` blocks granted to a fresh ServiceAccount, with a kubeconfig that
//! holds the account's token (`kubectl create token`), as a user's would.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use super::{TestEnv, plugin, repo_root, unique_suffix};

/// The `yaml` blocks a plugin's guide documents as its permissions: the
/// `## Permissions` section of `docs/<plugin>.md` (`section` is `kubectl
/// NAME`), in order.
pub fn readme_yaml(section: &str) -> Vec<String> {
    let plugin = section.trim_start_matches("kubectl ");
    let path = repo_root().join("docs").join(format!("{plugin}.md"));
    let guide = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        // Until the guide exists, the README's `## kubectl NAME` section.
        Err(_) => return yaml_blocks(&section_of(&read_readme(), section)),
    };
    yaml_blocks(&section_of(&guide, "Permissions"))
}

fn read_readme() -> String {
    std::fs::read_to_string(repo_root().join("README.md")).unwrap()
}

/// `## heading` up to the next `## `.
fn section_of(text: &str, heading: &str) -> String {
    let start = text
        .find(&format!("\n## {heading}\n"))
        .unwrap_or_else(|| panic!("no section `## {heading}`"));
    let body = &text[start + 1..];
    let end = body[3..].find("\n## ").map_or(body.len(), |e| e + 3);
    body[..end].to_string()
}

fn yaml_blocks(section: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut rest = section;
    while let Some(i) = rest.find("```yaml\n") {
        let text = &rest[i + 8..];
        let close = text.find("\n```").expect("closed yaml block");
        blocks.push(text[..close + 1].to_string());
        rest = &text[close..];
    }
    blocks
}

/// A ServiceAccount holding exactly the given Role/ClusterRole manifest,
/// with a kubeconfig of its own; cluster-wide objects are removed on drop.
pub struct User {
    env: &'static TestEnv,
    _dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
    cluster_objects: Vec<String>,
}

impl Drop for User {
    fn drop(&mut self) {
        for o in &self.cluster_objects {
            let _ = self
                .env
                .kubectl()
                .args(["delete", o, "--ignore-not-found", "--wait=false"])
                .output();
        }
    }
}

pub fn kubectl_stdin(env: &TestEnv, args: &[&str], stdin: &str) -> String {
    use std::io::Write;
    let mut child = env
        .kubectl()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "kubectl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Gives every object of the manifest a unique name, so parallel runs never
/// share a ClusterRole.
fn uniquely_named(manifest: &str, suffix: &str) -> String {
    let mut out = String::new();
    let mut in_metadata = false;
    for line in manifest.lines() {
        if line == "metadata:" {
            in_metadata = true;
        } else if in_metadata && let Some(name) = line.strip_prefix("  name: ") {
            out.push_str(&format!("  name: {name}-{suffix}\n"));
            in_metadata = false;
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

impl User {
    /// Grants `manifest` (Roles bound in `ns`, ClusterRoles cluster-wide) to
    /// a new ServiceAccount and writes a kubeconfig with its token.
    pub fn with_rules(env: &'static TestEnv, ns: &str, manifest: &str) -> User {
        Self::with_rules_in(env, ns, manifest, &[])
    }

    /// As [`User::with_rules`], but the ClusterRoles named in `in_namespace`
    /// are bound with a RoleBinding in `ns`, so they grant only there.
    pub fn with_rules_in(
        env: &'static TestEnv,
        ns: &str,
        manifest: &str,
        in_namespace: &[&str],
    ) -> User {
        let suffix = unique_suffix();
        let sa = format!("documented-{suffix}");
        env.kubectl_ok(&["create", "serviceaccount", &sa, "-n", ns]);
        let mut user = User {
            env,
            _dir: tempfile::tempdir().unwrap(),
            kubeconfig: PathBuf::new(),
            cluster_objects: Vec::new(),
        };
        let applied = if manifest.trim().is_empty() {
            String::new()
        } else {
            kubectl_stdin(
                env,
                &["apply", "-n", ns, "-o", "name", "-f", "-"],
                &uniquely_named(manifest, &suffix),
            )
        };
        let subject = format!("{ns}:{sa}");
        for object in applied.lines() {
            let (kind, name) = object.split_once('/').unwrap();
            let binding = format!("{name}-binding");
            let cluster_role_here = in_namespace.iter().any(|n| name == format!("{n}-{suffix}"));
            match kind {
                "role.rbac.authorization.k8s.io" => {
                    env.kubectl_ok(&[
                        "create",
                        "rolebinding",
                        &binding,
                        "-n",
                        ns,
                        &format!("--role={name}"),
                        &format!("--serviceaccount={subject}"),
                    ]);
                }
                "clusterrole.rbac.authorization.k8s.io" if cluster_role_here => {
                    user.cluster_objects.push(object.to_string());
                    env.kubectl_ok(&[
                        "create",
                        "rolebinding",
                        &binding,
                        "-n",
                        ns,
                        &format!("--clusterrole={name}"),
                        &format!("--serviceaccount={subject}"),
                    ]);
                }
                "clusterrole.rbac.authorization.k8s.io" => {
                    user.cluster_objects.push(object.to_string());
                    env.kubectl_ok(&[
                        "create",
                        "clusterrolebinding",
                        &binding,
                        &format!("--clusterrole={name}"),
                        &format!("--serviceaccount={subject}"),
                    ]);
                    user.cluster_objects
                        .push(format!("clusterrolebinding/{binding}"));
                }
                other => panic!("a permissions block holds a {other}"),
            }
        }
        let token = env.kubectl_ok(&["create", "token", &sa, "-n", ns, "--duration=1h"]);
        let view = |path: &str| {
            env.kubectl_ok(&[
                "config",
                "view",
                "--raw",
                "--minify",
                "-o",
                &format!("jsonpath={{.clusters[0].cluster.{path}}}"),
            ])
        };
        let kubeconfig = format!(
            "apiVersion: v1
kind: Config
clusters:
- name: testenv
  cluster:
    server: {}
    certificate-authority-data: {}
users:
- name: {sa}
  user:
    token: {}
contexts:
- name: documented
  context:
    cluster: testenv
    user: {sa}
    namespace: {ns}
current-context: documented
",
            view("server"),
            view("certificate-authority-data"),
            token.trim()
        );
        user.kubeconfig = user._dir.path().join("config");
        std::fs::write(&user.kubeconfig, kubeconfig).unwrap();
        user
    }

    /// Runs a plugin as this user; returns exit code, stdout, stderr.
    pub fn run(&self, bin: &str, args: &[&str]) -> (i32, String, String) {
        self.run_with(bin, args, &[])
    }

    pub fn run_with(
        &self,
        bin: &str,
        args: &[&str],
        envs: &[(&str, &str)],
    ) -> (i32, String, String) {
        let mut cmd = plugin(bin);
        cmd.args(args)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .env("XDG_CACHE_HOME", self._dir.path().join("cache"))
            .timeout(Duration::from_secs(180));
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Runs a plugin as this user and requires success without a 403.
    pub fn ok(&self, bin: &str, args: &[&str]) -> String {
        let (code, stdout, stderr) = self.run(bin, args);
        assert_eq!(code, 0, "{bin} {args:?}:\n{stdout}{stderr}");
        assert!(!stderr.contains("forbidden"), "{bin} {args:?}:\n{stderr}");
        stdout
    }
}
