//! aws-token through kubectl against testenv: kube-apiserver sends bearer
//! tokens it does not know to a test-only EKS-style webhook
//! (tests/tools/eks_token_webhook.py, started by testenv) that applies the
//! verifier's rules, re-signs the token with botocore for cluster id `testenv`
//! and maps the access key to a user.

mod aws_support;
mod support;

use std::fs;
use std::path::Path;
use std::process::Command;

use aws_support::*;
use honban::kubeconfig::yaml::Document;
use support::{path_with_plugins, testenv};

/// The webhook checks tokens for this cluster id.
const CLUSTER_ID: &str = "testenv";
const ADMIN_USER: &str = "arn:aws:iam::000000000000:user/honban-e2e-admin";

/// testenv must run the token webhook; one started by an older testenv does not.
fn require_webhook() {
    let env = testenv();
    let out = Command::new(support::repo_root().join("testenv/testenv"))
        .arg("status")
        .output()
        .expect("run testenv status");
    let status = String::from_utf8_lossy(&out.stdout);
    assert!(
        status
            .lines()
            .any(|l| l.starts_with("aws-token-webhook") && l.ends_with("alive")),
        "testenv ({}) runs without the aws-token webhook: it was started by an older testenv; restart it with `testenv/testenv down && testenv/testenv up`\n{status}",
        env.kubeconfig.display()
    );
}

/// testenv's API server URL and CA data.
fn cluster() -> (String, String) {
    require_webhook();
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

/// The pinned kubectl with this kubeconfig and AWS keys, the plugins on PATH.
fn kubectl(sb: &AwsSandbox, kubeconfig: &Path, key: &str, secret: &str) -> Command {
    let mut cmd = Command::new(&testenv().kubectl);
    sb.apply_env(&mut cmd);
    cmd.env("PATH", path_with_plugins())
        .env("KUBECONFIG", kubeconfig)
        .env("AWS_ACCESS_KEY_ID", key)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env("AWS_REGION", "us-east-1");
    cmd
}

fn setup(sb: &AwsSandbox, kubeconfig: &Path, extra: &[&str]) {
    let (server, ca) = cluster();
    let out = run(sb
        .token_cmd()
        .args([
            "setup",
            "--kubeconfig",
            kubeconfig.to_str().unwrap(),
            "--cluster-name",
            CLUSTER_ID,
            "--server",
            &server,
            "--ca-data",
            &ca,
            "--region",
            "us-east-1",
            "--set-current",
        ])
        .args(extra));
    assert!(out.status.success(), "setup failed: {}", out.stderr);
}

#[test]
fn kubectl_authenticates_with_the_setup_entry() {
    let sb = AwsSandbox::new();
    let kc = sb.write("config", "# my clusters\napiVersion: v1\nkind: Config\n");
    setup(&sb, &kc, &[]);

    let out = run(kubectl(&sb, &kc, ADMIN_KEY, ADMIN_SECRET).args(["get", "ns", "-o", "name"]));
    assert!(
        out.status.success(),
        "kubectl get ns failed: {}",
        out.stderr
    );
    assert!(
        out.stdout.lines().any(|l| l == "namespace/default"),
        "{}",
        out.stdout
    );
    // The webhook mapped honban's token to the IAM identity.
    let who = run_ok(kubectl(&sb, &kc, ADMIN_KEY, ADMIN_SECRET).args([
        "auth",
        "whoami",
        "-o",
        "jsonpath={.status.userInfo.username}",
    ]));
    assert_eq!(who, ADMIN_USER);
    // kubectl ran the plugin, which cached the token under this HOME.
    assert_eq!(sb.token_files().len(), 1);

    // Temporary credentials with a session token map to their own identity.
    let who = run_ok(
        kubectl(&sb, &kc, SESSION_KEY, SESSION_SECRET)
            .env("AWS_SESSION_TOKEN", "e2e/session+token")
            .args([
                "auth",
                "whoami",
                "-o",
                "jsonpath={.status.userInfo.username}",
            ]),
    );
    assert_eq!(
        who,
        "arn:aws:sts::000000000000:assumed-role/honban-e2e/session"
    );
}

#[test]
fn tampered_entries_get_401() {
    let sb = AwsSandbox::new();
    let kc = sb.path("config");
    setup(&sb, &kc, &[]);
    let unauthorized = |cmd: &mut Command| {
        // -v=6 logs each response's status line.
        let out = run(cmd.args(["get", "--raw", "/api", "-v=6"]));
        assert!(!out.status.success(), "expected 401, got: {}", out.stdout);
        assert!(
            out.stderr.contains("401 Unauthorized"),
            "expected 401 Unauthorized: {}",
            out.stderr
        );
        assert!(!out.stderr.contains("200 OK"), "{}", out.stderr);
    };
    // A wrong secret: the signature does not verify.
    unauthorized(&mut kubectl(&sb, &kc, ADMIN_KEY, "not-the-secret"));
    // An unknown access key.
    unauthorized(&mut kubectl(&sb, &kc, "AKIDNOBODYKNOWSTHIS1", ADMIN_SECRET));

    // The entry edited to sign for another cluster: valid for that one, not this.
    let text = fs::read_to_string(&kc).unwrap();
    let needle = "      - --cluster-name\n      - testenv\n";
    assert!(text.contains(needle), "{text}");
    let tampered = sb.write(
        "tampered",
        &text.replacen(needle, "      - --cluster-name\n      - someone-else\n", 1),
    );
    unauthorized(&mut kubectl(&sb, &tampered, ADMIN_KEY, ADMIN_SECRET));

    // And the untouched entry still works with the right keys.
    let ok = run(
        kubectl(&sb, &kc, ADMIN_KEY, ADMIN_SECRET).args(["get", "ns", "default", "-o", "name"])
    );
    assert!(ok.status.success(), "{}", ok.stderr);
}

#[test]
fn migrated_awscli_entry_keeps_working() {
    let sb = AwsSandbox::new();
    let (server, ca) = cluster();
    let aws = aws_cli();
    // What `aws eks update-kubeconfig` writes, pointing at the project's awscli.
    let original = format!(
        "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: {ca}\n    server: {server}\n  name: arn:aws:eks:us-east-1:000000000000:cluster/testenv\ncontexts:\n- context:\n    cluster: arn:aws:eks:us-east-1:000000000000:cluster/testenv\n    user: arn:aws:eks:us-east-1:000000000000:cluster/testenv\n  name: testenv   # via awscli\ncurrent-context: testenv\nkind: Config\npreferences: {{}}\nusers:\n- name: arn:aws:eks:us-east-1:000000000000:cluster/testenv\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      args:\n      - --region\n      - us-east-1\n      - eks\n      - get-token\n      - --cluster-name\n      - {CLUSTER_ID}\n      - --output\n      - json\n      command: {}\n",
        aws.display()
    );
    let kc = sb.write("config", &original);
    // awscli's tokens pass the same webhook: the two are interchangeable.
    let who = run_ok(kubectl(&sb, &kc, ADMIN_KEY, ADMIN_SECRET).args([
        "auth",
        "whoami",
        "-o",
        "jsonpath={.status.userInfo.username}",
    ]));
    assert_eq!(who, ADMIN_USER);
    assert!(sb.token_files().is_empty(), "awscli ran, not honban");

    let out = run(sb
        .token_cmd()
        .args(["migrate", "--kubeconfig", kc.to_str().unwrap()]));
    assert!(out.status.success(), "{}", out.stderr);
    let after = fs::read_to_string(&kc).unwrap();
    // Only the exec block changed.
    let exec_start = original.find("    exec:\n").unwrap();
    assert_eq!(&after[..exec_start], &original[..exec_start]);
    assert!(
        after[exec_start..].contains("command: kubectl-aws_token"),
        "{after}"
    );

    let who = run_ok(kubectl(&sb, &kc, ADMIN_KEY, ADMIN_SECRET).args([
        "auth",
        "whoami",
        "-o",
        "jsonpath={.status.userInfo.username}",
    ]));
    assert_eq!(who, ADMIN_USER);
    assert_eq!(
        sb.token_files().len(),
        1,
        "now honban minted (and cached) the token"
    );
}
