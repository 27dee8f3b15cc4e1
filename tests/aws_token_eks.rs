//! `kubectl aws-token setup` from EKS: DescribeCluster fills the endpoint and
//! CA (`--cluster-name` without `--server`), and `--all` writes a fleet.
//! moto's EKS runs on loopback (tests/tools/eks_moto.py), driven through its
//! stdin to set what moto's API cannot (status, endpoint, CA, a refusing
//! region). The written entries are used by the pinned kubectl against
//! testenv, whose token webhook re-signs each token with botocore for
//! cluster id `testenv` (see tests/aws_token_testenv.rs).

mod aws_support;
mod support;

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::OnceLock;

use aws_support::*;
use honban::kubeconfig::yaml::Document;
use serde_json::{Value, json};
use support::{path_with_plugins, testenv};

const ACCOUNT: &str = "123456789012";
const ADMIN_USER: &str = "arn:aws:iam::000000000000:user/honban-e2e-admin";

/// The venv's python with moto (once per test binary).
fn moto_python() -> std::path::PathBuf {
    static PY: OnceLock<std::path::PathBuf> = OnceLock::new();
    PY.get_or_init(|| {
        let out = Command::new(support::repo_root().join("tests/tools/setup-python.sh"))
            .arg("moto")
            .output()
            .expect("run tests/tools/setup-python.sh moto");
        assert!(
            out.status.success(),
            "setup-python.sh moto failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().into()
    })
    .clone()
}

/// moto's server for one test, with a command channel into its state.
struct Moto {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    endpoint: String,
}

impl Moto {
    fn start() -> Moto {
        let mut child = Command::new(moto_python())
            .arg(tool("eks_moto.py"))
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
            stdin,
            stdout,
            endpoint: format!("http://127.0.0.1:{port}"),
        }
    }

    fn send(&mut self, cmd: Value) -> Value {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{cmd}").unwrap();
        stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        let v: Value = serde_json::from_str(&line).expect("moto answers JSON");
        assert!(v.get("error").is_none(), "moto {cmd}: {v}");
        v
    }

    fn cluster(&mut self, region: &str, name: &str, extra: Value) -> Value {
        let mut cmd = json!({"op": "cluster", "account": ACCOUNT, "region": region, "name": name});
        cmd.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        self.send(cmd)
    }

    /// `kubectl-aws_token` in the sandbox, pointed at this moto with env keys.
    fn setup(&self, sb: &AwsSandbox, kubeconfig: &Path) -> Command {
        let mut cmd = sb.with_keys(ADMIN_KEY, ADMIN_SECRET);
        cmd.env("AWS_ENDPOINT_URL", &self.endpoint).args([
            "setup",
            "--kubeconfig",
            kubeconfig.to_str().unwrap(),
        ]);
        cmd
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// testenv's API server URL and CA data.
fn testenv_cluster() -> (String, String) {
    let text = fs::read_to_string(&testenv().kubeconfig).unwrap();
    let doc = Document::parse(&text).unwrap();
    let v = doc.to_json(doc.root.as_ref().unwrap());
    let c = &v["clusters"][0]["cluster"];
    (
        c["server"].as_str().unwrap().to_string(),
        c["certificate-authority-data"]
            .as_str()
            .unwrap()
            .to_string(),
    )
}

fn kubeconfig_json(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap();
    let doc = Document::parse(&text).unwrap();
    doc.to_json(doc.root.as_ref().unwrap())
}

fn named<'a>(kc: &'a Value, list: &str, name: &str) -> Option<&'a Value> {
    kc[list].as_array()?.iter().find(|e| e["name"] == name)
}

const USER_FILE: &str = "\
# my clusters, by hand
apiVersion: v1
kind: Config
clusters:
- name: mine   # keep this comment
  cluster: {server: 'https://mine.example:6443'}
users:
- name: mine
  user: {token: abc}
contexts:
- name: mine
  context: {cluster: mine, user: mine}
current-context: mine
";

#[test]
fn setup_fills_endpoint_and_ca_from_describe_cluster_and_kubectl_authenticates() {
    let mut moto = Moto::start();
    let (server, ca) = testenv_cluster();
    moto.cluster(
        "us-east-1",
        "testenv",
        json!({"endpoint": server, "ca": ca}),
    );
    let sb = AwsSandbox::new();
    let kc = sb.write("config", USER_FILE);

    let out =
        run(moto
            .setup(&sb, &kc)
            .args(["--cluster-name", "testenv", "--region", "us-east-1"]));
    assert!(out.status.success(), "setup failed: {}", out.stderr);
    assert!(
        out.stderr.contains("context \"testenv\" added"),
        "{}",
        out.stderr
    );

    let text = fs::read_to_string(&kc).unwrap();
    // Every line of the user's file is still there, in order and untouched.
    let mut rest = text.as_str();
    for line in USER_FILE.lines() {
        let at = rest
            .find(&format!("{line}\n"))
            .unwrap_or_else(|| panic!("lost {line:?}:\n{text}"));
        rest = &rest[at + line.len() + 1..];
    }
    let v = kubeconfig_json(&kc);
    assert_eq!(
        named(&v, "clusters", "testenv").unwrap()["cluster"]["server"],
        server
    );
    assert_eq!(
        named(&v, "clusters", "testenv").unwrap()["cluster"]["certificate-authority-data"],
        ca
    );
    assert_eq!(v["current-context"], "mine");

    // The entry works: kubectl runs kubectl-aws_token, testenv's webhook
    // re-signs the token with botocore for cluster id `testenv`.
    let who = run_ok(
        Command::new(&testenv().kubectl)
            .env_clear()
            .env("PATH", path_with_plugins())
            .env("HOME", sb.home())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", sb.path("aws/config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", sb.path("aws/credentials"))
            .env("AWS_ACCESS_KEY_ID", ADMIN_KEY)
            .env("AWS_SECRET_ACCESS_KEY", ADMIN_SECRET)
            .env("KUBECONFIG", &kc)
            .args([
                "--context",
                "testenv",
                "auth",
                "whoami",
                "-o",
                "jsonpath={.status.userInfo.username}",
            ]),
    );
    assert_eq!(who, ADMIN_USER);
}

#[test]
fn setup_refuses_a_cluster_that_is_not_active_and_writes_nothing() {
    let mut moto = Moto::start();
    moto.cluster("eu-west-1", "young", json!({"status": "CREATING"}));
    let sb = AwsSandbox::new();
    let kc = sb.write("config", USER_FILE);
    let out = run(moto
        .setup(&sb, &kc)
        .args(["--cluster-name", "young", "--region", "eu-west-1"]));
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("\"young\" in eu-west-1 is CREATING, not ACTIVE"),
        "{}",
        out.stderr
    );
    assert_eq!(fs::read_to_string(&kc).unwrap(), USER_FILE);
}

#[test]
fn setup_warns_about_a_private_only_endpoint() {
    let mut moto = Moto::start();
    let made = moto.cluster("eu-west-1", "inside", json!({"public": false}));
    let sb = AwsSandbox::new();
    let kc = sb.path("config");
    let out = run(moto
        .setup(&sb, &kc)
        .args(["--cluster-name", "inside", "--region", "eu-west-1"]));
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("warning: EKS cluster \"inside\" has a private endpoint only"),
        "{}",
        out.stderr
    );
    let v = kubeconfig_json(&kc);
    assert_eq!(
        named(&v, "clusters", "inside").unwrap()["cluster"]["server"],
        made["endpoint"]
    );
    let args = &named(&v, "users", "inside").unwrap()["user"]["exec"]["args"];
    assert_eq!(
        *args,
        json!(["--cluster-name", "inside", "--region", "eu-west-1"])
    );
}

#[test]
fn setup_reports_access_denied_and_missing_clusters() {
    let mut moto = Moto::start();
    moto.cluster("eu-west-1", "prod", json!({}));
    let sb = AwsSandbox::new();
    let kc = sb.path("config");
    let out = run(moto
        .setup(&sb, &kc)
        .args(["--cluster-name", "gone", "--region", "eu-west-1"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stderr
            .contains("ResourceNotFoundException: No cluster found for name: gone;"),
        "{}",
        out.stderr
    );
    moto.send(json!({"op": "deny", "region": "eu-west-1"}));
    let out = run(moto
        .setup(&sb, &kc)
        .args(["--cluster-name", "prod", "--region", "eu-west-1"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        out.stderr.contains("AccessDeniedException"),
        "{}",
        out.stderr
    );
    assert!(!kc.exists());
}

#[test]
fn setup_with_server_and_ca_calls_no_aws() {
    let sb = AwsSandbox::new();
    let kc = sb.path("config");
    let ca = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==";
    // Nothing listens on port 9: any AWS call would fail.
    let out = run(sb
        .token_cmd()
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .args(["setup", "--kubeconfig", kc.to_str().unwrap()])
        .args(["--cluster-name", "air", "--server", "https://10.0.0.1"])
        .args(["--ca-data", ca, "--region", "eu-west-1"]));
    assert!(out.status.success(), "{}", out.stderr);
    // A CA without a server is refused before any call.
    let out = run(sb
        .token_cmd()
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .args(["setup", "--kubeconfig", kc.to_str().unwrap()])
        .args(["--cluster-name", "air", "--ca-data", ca]));
    assert_eq!(out.status.code(), Some(2), "{}", out.stderr);
}
