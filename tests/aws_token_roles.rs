//! Role assumption and MFA, against a small STS stand-in (tests/tools/fake_sts.py)
//! that logs what it was asked: AssumeRole parameters, the signing identity,
//! the MFA prompt and its interactive rules, and the credentials cache.

mod aws_support;
mod support;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_support::*;
use serde_json::Value;

struct FakeSts {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl FakeSts {
    fn start(sb: &AwsSandbox) -> FakeSts {
        let log = sb.path("sts.log");
        let port_file = sb.path("sts.port");
        let child = Command::new(python())
            .arg(tool("fake_sts.py"))
            .arg("--log")
            .arg(&log)
            .arg("--port-file")
            .arg(&port_file)
            .stdin(Stdio::null())
            .spawn()
            .expect("start fake_sts.py");
        let deadline = Instant::now() + Duration::from_secs(20);
        let port = loop {
            if let Ok(p) = std::fs::read_to_string(&port_file) {
                break p.trim().parse().unwrap();
            }
            assert!(Instant::now() < deadline, "fake STS did not start");
            std::thread::sleep(Duration::from_millis(50));
        };
        FakeSts { child, port, log }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn assume_roles(&self) -> Vec<Value> {
        self.requests()
            .into_iter()
            .filter(|r| r["action"] == "AssumeRole")
            .collect()
    }
}

impl Drop for FakeSts {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn signing_key(exec_credential: &str) -> String {
    let url = decode_url(&token_of(exec_credential));
    let cred = url.split("X-Amz-Credential=").nth(1).unwrap();
    cred.split("%2F").next().unwrap().to_string()
}

#[test]
fn role_is_assumed_once_then_cached() {
    let sb = AwsSandbox::new();
    let sts = FakeSts::start(&sb);
    let role = "arn:aws:iam::000000000000:role/deploy";
    let call = |cluster: &str| {
        run_ok(
            sb.with_keys("AKIDBASEUSER00000001", "base-secret")
                .env("AWS_ENDPOINT_URL_STS", sts.url())
                .args([
                    "--cluster-name",
                    cluster,
                    "--region",
                    "eu-west-1",
                    "--role-arn",
                    role,
                ])
                .args(["--external-id", "ext-1", "--duration", "1h"]),
        )
    };
    let first = call("demo");
    let assumed = sts.assume_roles();
    assert_eq!(assumed.len(), 1, "{assumed:?}");
    let p = &assumed[0]["params"];
    assert_eq!(
        assumed[0]["signer"], "AKIDBASEUSER00000001",
        "the base keys sign AssumeRole"
    );
    assert_eq!(p["RoleArn"], role);
    assert_eq!(p["RoleSessionName"], "honban-aws-token");
    assert_eq!(p["ExternalId"], "ext-1");
    assert_eq!(p["DurationSeconds"], "3600");
    assert!(p.get("SerialNumber").is_none());
    // The token is signed with the role's credentials, session token included.
    let key = signing_key(&first);
    assert!(key.starts_with("ASIDFAKEHONBANAW"), "{key}");
    assert!(decode_url(&token_of(&first)).contains("X-Amz-Security-Token=session-"));

    // Same request: the token cache answers. Another cluster: the cached role
    // credentials sign a new token without another AssumeRole.
    assert_eq!(token_of(&call("demo")), token_of(&first));
    let other = call("other");
    assert_ne!(token_of(&other), token_of(&first));
    assert_eq!(signing_key(&other), key);
    assert_eq!(sts.assume_roles().len(), 1);

    let list = run_ok(sb.token_cmd().args(["cache", "list", "-o", "json"]));
    let rows: Value = serde_json::from_str(&list).unwrap();
    let kinds: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.iter().filter(|k| **k == "token").count(), 2, "{list}");
    assert_eq!(
        kinds.iter().filter(|k| **k == "credentials").count(),
        1,
        "{list}"
    );
    assert!(!list.contains("secret-"), "cache list never shows secrets");

    // STS refusing is a one-line failure with STS's own words.
    let denied = run(sb
        .with_keys("AKIDBASEUSER00000001", "base-secret")
        .env("AWS_ENDPOINT_URL_STS", sts.url())
        .args([
            "--cluster-name",
            "demo",
            "--role-arn",
            "arn:aws:iam::000000000000:role/admin-mfa",
        ]));
    assert_eq!(denied.status.code(), Some(1));
    assert!(denied.stdout.is_empty());
    assert!(
        denied.stderr.contains("AssumeRole arn:aws:iam::000000000000:role/admin-mfa failed: AccessDenied: MultiFactorAuthentication required"),
        "{}",
        denied.stderr
    );
    assert_eq!(denied.stderr.lines().count(), 1, "{}", denied.stderr);
}

#[test]
fn forward_session_name_reuses_the_callers_session() {
    let sb = AwsSandbox::new();
    let sts = FakeSts::start(&sb);
    let role = "arn:aws:iam::000000000000:role/deploy";
    // This fake identity is itself an assumed role with session "alice".
    run_ok(
        sb.with_keys("AKIDROLEBASE00000001", "base-secret")
            .env("AWS_ENDPOINT_URL_STS", sts.url())
            .args([
                "--cluster-name",
                "demo",
                "--role-arn",
                role,
                "--forward-session-name",
            ]),
    );
    let reqs = sts.requests();
    assert_eq!(reqs[0]["action"], "GetCallerIdentity");
    assert_eq!(reqs[1]["action"], "AssumeRole");
    assert_eq!(reqs[1]["params"]["RoleSessionName"], "alice");

    // A plain IAM user has no session to forward.
    let out = run(sb
        .with_keys("AKIDBASEUSER00000001", "base-secret")
        .env("AWS_ENDPOINT_URL_STS", sts.url())
        .args([
            "--cluster-name",
            "demo",
            "--role-arn",
            role,
            "--forward-session-name",
        ]));
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stderr.contains("use --session-name"), "{}", out.stderr);
}

#[test]
fn mfa_profile_prompts_only_when_kubectl_allows_it() {
    let sb = AwsSandbox::new();
    let sts = FakeSts::start(&sb);
    sb.write(
        "aws/config",
        "[profile admin]\nrole_arn = arn:aws:iam::000000000000:role/admin-mfa\nmfa_serial = arn:aws:iam::000000000000:mfa/alice\nsource_profile = base\nregion = us-west-2\n",
    );
    sb.write(
        "aws/credentials",
        "[base]\naws_access_key_id = AKIDBASEPROFILE00001\naws_secret_access_key = base-secret\n",
    );
    let exec_info = |interactive: bool| {
        format!(
            r#"{{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{{"interactive":{interactive}}}}}"#
        )
    };
    let cmd = |cluster: &str, interactive: bool| {
        let mut c = sb.token_cmd();
        c.env("AWS_PROFILE", "admin")
            .env("AWS_ENDPOINT_URL_STS", sts.url())
            .env("KUBERNETES_EXEC_INFO", exec_info(interactive))
            .args(["--cluster-name", cluster])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    };
    let finish = |mut child: Child, input: &str| {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status,
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };

    // kubectl says no terminal: a clear error, no prompt, no STS call.
    let (status, stdout, stderr) = finish(cmd("demo", false).spawn().unwrap(), "");
    assert_eq!(status.code(), Some(1));
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("an MFA code for arn:aws:iam::000000000000:mfa/alice is needed"),
        "{stderr}"
    );
    assert!(!stderr.contains("Enter MFA code"), "{stderr}");
    assert!(sts.assume_roles().is_empty());

    // Interactive: the prompt goes to stderr, the code to STS, the credential to stdout.
    let (status, stdout, stderr) = finish(cmd("demo", true).spawn().unwrap(), "123456\n");
    assert!(status.success(), "{stderr}");
    assert!(
        stderr.contains("Enter MFA code for arn:aws:iam::000000000000:mfa/alice: "),
        "{stderr}"
    );
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["apiVersion"], "client.authentication.k8s.io/v1");
    assert!(
        decode_url(v["status"]["token"].as_str().unwrap())
            .starts_with("https://sts.us-west-2.amazonaws.com/")
    );
    let assumed = sts.assume_roles();
    assert_eq!(assumed.len(), 1);
    assert_eq!(assumed[0]["signer"], "AKIDBASEPROFILE00001");
    assert_eq!(
        assumed[0]["params"]["SerialNumber"],
        "arn:aws:iam::000000000000:mfa/alice"
    );
    assert_eq!(assumed[0]["params"]["TokenCode"], "123456");

    // The MFA session is cached: kubectl's non-interactive runs now work.
    let (status, stdout, stderr) = finish(cmd("other", false).spawn().unwrap(), "");
    assert!(status.success(), "{stderr}");
    assert!(!stderr.contains("MFA"), "{stderr}");
    assert!(signing_key(&stdout).starts_with("ASIDFAKE"));
    assert_eq!(sts.assume_roles().len(), 1);

    // A malformed code is a usage error, before any STS call.
    run_ok(sb.token_cmd().args(["cache", "clear"]));
    let (status, _, stderr) = finish(cmd("demo", true).spawn().unwrap(), "12ab\n");
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert_eq!(sts.assume_roles().len(), 1);
}

#[test]
fn another_secret_for_the_same_key_id_does_not_reuse_role_credentials() {
    let sb = AwsSandbox::new();
    let sts = FakeSts::start(&sb);
    let call = |secret: &str, cluster: &str| {
        run_ok(
            sb.with_keys("AKIDROTATEDUSER00001", secret)
                .env("AWS_ENDPOINT_URL_STS", sts.url())
                .args(["--cluster-name", cluster, "--region", "eu-west-1"])
                .args(["--role-arn", "arn:aws:iam::000000000000:role/deploy"]),
        )
    };
    call("old-secret", "demo");
    assert_eq!(sts.assume_roles().len(), 1);
    // A rotated (or wrong) secret must go to STS itself, not get the role
    // credentials the old secret earned.
    call("new-secret", "other");
    assert_eq!(sts.assume_roles().len(), 2, "{:?}", sts.assume_roles());
    // Each secret keeps its own entry.
    call("old-secret", "third");
    call("new-secret", "fourth");
    assert_eq!(sts.assume_roles().len(), 2, "{:?}", sts.assume_roles());
    let list = run_ok(sb.token_cmd().args(["cache", "list", "-o", "json"]));
    assert!(!list.contains("old-secret") && !list.contains("new-secret"));
    for entry in std::fs::read_dir(sb.cache_dir()).into_iter().flatten() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap_or_default();
        assert!(!text.contains("-secret"), "a secret in the cache: {text}");
    }
}
