//! `kubectl aws-token` end to end, without a cluster: the ExecCredential
//! protocol, the fast path, honest expiry, the token cache, `verify` against
//! tokens from honban, botocore and awscli, and byte-preserving kubeconfig edits.

mod aws_support;
mod support;

use std::fs;
use std::io::Write;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_support::*;

const KEY: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn exec_credential(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {stdout}"))
}

fn rfc3339_secs(s: &str) -> i64 {
    honban::aws::time::parse_rfc3339(s).unwrap_or_else(|| panic!("not RFC 3339: {s}"))
}

#[test]
fn prints_only_an_exec_credential_echoing_the_api_version() {
    let sb = AwsSandbox::new();
    // No KUBERNETES_EXEC_INFO: v1beta1, as awscli does.
    let out = run_ok(sb.with_keys(KEY, SECRET).args(["--cluster-name", "demo"]));
    let v = exec_credential(&out);
    assert_eq!(v["kind"], "ExecCredential");
    assert_eq!(v["apiVersion"], "client.authentication.k8s.io/v1beta1");
    assert_eq!(out.lines().count(), 1, "stdout carries only the credential");
    let expires = rfc3339_secs(v["status"]["expirationTimestamp"].as_str().unwrap());
    assert!(
        expires > now() + 13 * 60 && expires <= now() + 14 * 60 + 1,
        "{v}"
    );
    let url = decode_url(v["status"]["token"].as_str().unwrap());
    assert!(
        url.starts_with(
            "https://sts.us-east-1.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&"
        ),
        "{url}"
    );
    assert!(url.contains("X-Amz-Expires=60&"), "{url}");

    // v1 in, v1 out; the region comes from the EKS server URL kubectl passes along.
    let info = r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false,"cluster":{"server":"https://ABCD.gr7.eu-central-1.eks.amazonaws.com"}}}"#;
    let out = run_ok(
        sb.with_keys(KEY, SECRET)
            .env("KUBERNETES_EXEC_INFO", info)
            .args(["--cluster-name", "demo", "--no-cache"]),
    );
    let v = exec_credential(&out);
    assert_eq!(v["apiVersion"], "client.authentication.k8s.io/v1");
    assert!(
        decode_url(v["status"]["token"].as_str().unwrap())
            .starts_with("https://sts.eu-central-1.amazonaws.com/")
    );

    // An explicit region outranks the server URL; AWS_REGION outranks nothing given.
    let out = run_ok(
        sb.with_keys(KEY, SECRET)
            .env("KUBERNETES_EXEC_INFO", info)
            .env("AWS_REGION", "ap-southeast-2")
            .args(["--cluster-name", "demo", "--no-cache"]),
    );
    assert!(decode_url(&token_of(&out)).starts_with("https://sts.ap-southeast-2.amazonaws.com/"));

    // kubectl no longer speaks v1alpha1: a clear failure, nothing on stdout.
    let out = run(sb
        .with_keys(KEY, SECRET)
        .env(
            "KUBERNETES_EXEC_INFO",
            r#"{"apiVersion":"client.authentication.k8s.io/v1alpha1","spec":{}}"#,
        )
        .args(["--cluster-name", "demo"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("apiVersion"), "{}", out.stderr);
}

#[test]
fn usage_errors_exit_2() {
    let sb = AwsSandbox::new();
    let out = run(sb.with_keys(KEY, SECRET).args(["--region", "us-east-1"]));
    assert_eq!(out.status.code(), Some(2), "{}", out.stderr);
    let out = run(sb.with_keys(KEY, SECRET).args([
        "--cluster-name",
        "demo",
        "--region",
        "us-east-1.evil.example",
    ]));
    assert_eq!(out.status.code(), Some(2), "{}", out.stderr);
    assert!(out.stderr.contains("invalid AWS region"), "{}", out.stderr);
    let out = run(sb.with_keys(KEY, SECRET).args([
        "--cluster-name",
        "demo",
        "--sts-endpoint",
        "http://sts.example",
    ]));
    assert_eq!(out.status.code(), Some(2), "{}", out.stderr);
    // verify's verdict names no object: -o name is refused, not a table in disguise.
    let token = token_of(&run_ok(sb.with_keys(KEY, SECRET).args([
        "--cluster-name",
        "demo",
        "--no-cache",
    ])));
    let out = run(sb.with_keys(KEY, SECRET).args([
        "verify",
        "--cluster-name",
        "demo",
        "-o",
        "name",
        &token,
    ]));
    assert_eq!(out.status.code(), Some(2), "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr.contains("-o name does not apply"),
        "{}",
        out.stderr
    );
}

#[test]
fn endpoint_switches_from_environment() {
    let sb = AwsSandbox::new();
    let host = |envs: &[(&str, &str)], region: &str| {
        let mut cmd = sb.with_keys(KEY, SECRET);
        cmd.args(["--cluster-name", "demo", "--no-cache", "--region", region]);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let url = decode_url(&token_of(&run_ok(&mut cmd)));
        let rest = url.strip_prefix("https://").unwrap();
        let host = rest.split('/').next().unwrap().to_string();
        let region = url.split("%2F").nth(2).unwrap().to_string();
        (host, region)
    };
    assert_eq!(
        host(&[("AWS_USE_FIPS_ENDPOINT", "true")], "us-west-2").0,
        "sts-fips.us-west-2.amazonaws.com"
    );
    assert_eq!(
        host(&[("AWS_USE_DUALSTACK_ENDPOINT", "true")], "us-west-2").0,
        "sts.us-west-2.api.aws"
    );
    assert_eq!(
        host(&[("AWS_STS_REGIONAL_ENDPOINTS", "legacy")], "eu-west-1"),
        ("sts.amazonaws.com".to_string(), "us-east-1".to_string())
    );
    assert_eq!(
        host(&[("AWS_STS_REGIONAL_ENDPOINTS", "legacy")], "ap-east-1"),
        (
            "sts.ap-east-1.amazonaws.com".to_string(),
            "ap-east-1".to_string()
        )
    );
    assert_eq!(
        host(&[], "us-isob-east-1").0,
        "sts.us-isob-east-1.sc2s.sgov.gov"
    );
}

/// With env keys and no region, nothing may wait for an instance metadata
/// service: this one accepts connections and never answers.
#[test]
fn fast_path_never_waits_for_imds() {
    let sb = AwsSandbox::new();
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", silent.local_addr().unwrap());
    for args in [
        &["--cluster-name", "demo"][..],
        &["--cluster-name", "demo", "--no-cache"][..],
    ] {
        let started = Instant::now();
        let mut cmd = sb.with_keys(KEY, SECRET);
        cmd.env_remove("AWS_EC2_METADATA_DISABLED")
            .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", &endpoint)
            .args(args);
        let out = run_ok(&mut cmd);
        // A hang guard, not a performance assertion (awscli and aws-config wait 1-3 s here).
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "took {:?}",
            started.elapsed()
        );
        assert!(decode_url(&token_of(&out)).contains("%2Fus-east-1%2Fsts%2F"));
    }
    // The real proof: nobody even connected to the metadata endpoint.
    silent.set_nonblocking(true).unwrap();
    match silent.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("the plugin contacted the metadata endpoint: {other:?}"),
    }

    // Control: with no credentials at all the default chain does ask IMDS (for
    // credentials, never for a region), so the check above can see a contact.
    silent.set_nonblocking(false).unwrap();
    let mut cmd = sb.token_cmd();
    cmd.env_remove("AWS_EC2_METADATA_DISABLED")
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", &endpoint)
        .args(["--cluster-name", "demo", "--no-cache"]);
    let out = run(&mut cmd);
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains("no AWS credentials found"),
        "{}",
        out.stderr
    );
    silent.set_nonblocking(true).unwrap();
    assert!(
        silent.accept().is_ok(),
        "the control run should have reached the endpoint"
    );
}

/// A user without credentials, or with a misspelt profile, reads one short
/// line that says what to do, not the SDK's Debug dump of every attempt.
#[test]
fn missing_credentials_get_one_short_line_saying_what_to_do() {
    let sb = AwsSandbox::new();
    sb.write("aws/config", "[profile real]\nregion = eu-west-1\n");
    let cases: [(&[&str], &str); 2] = [
        (
            &["--cluster-name", "demo"],
            "set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or pass --profile",
        ),
        (
            &["--cluster-name", "demo", "--profile", "reel"],
            "no AWS profile \"reel\" in ",
        ),
    ];
    for (args, says) in cases {
        let out = run(sb.token_cmd().args(args));
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "{}", out.stdout);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        assert!(out.stderr.contains(says), "{args:?}: {}", out.stderr);
        for debug in ["CredentialsNotLoaded", "{ source", "ProviderAttempt"] {
            assert!(
                !out.stderr.contains(debug),
                "{args:?}: the SDK's Debug form leaked into the message: {}",
                out.stderr
            );
        }
    }
}

fn write_credential_process(sb: &AwsSandbox, expires_in_secs: i64) -> std::path::PathBuf {
    let expiration = honban::aws::time::rfc3339(now() + expires_in_secs);
    let counter = sb.path("process-calls");
    let script = sb.write(
        "cred-process.sh",
        &format!(
            "#!/bin/sh\n# Counts its calls; fails once {fail} exists.\necho call >> '{counter}'\n[ -e '{fail}' ] && {{ echo 'credential source is down' >&2; exit 1; }}\ncat <<'EOF'\n{{\"Version\": 1, \"AccessKeyId\": \"ASIDPROCESSKEY000001\", \"SecretAccessKey\": \"process/secret\", \"SessionToken\": \"process-session\", \"Expiration\": \"{expiration}\"}}\nEOF\n",
            counter = counter.display(),
            fail = sb.path("fail").display(),
        ),
    );
    fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
    sb.write(
        "aws/config",
        &format!(
            "[profile proc]\nregion = eu-west-1\ncredential_process = {}\n",
            script.display()
        ),
    );
    counter
}

fn calls(counter: &std::path::Path) -> usize {
    fs::read_to_string(counter)
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

#[test]
fn short_lived_credentials_shorten_the_expiry() {
    let sb = AwsSandbox::new();
    write_credential_process(&sb, 5 * 60);
    let out =
        run_ok(
            sb.token_cmd()
                .args(["--cluster-name", "demo", "--profile", "proc", "--no-cache"]),
        );
    let v = exec_credential(&out);
    let expires = rfc3339_secs(v["status"]["expirationTimestamp"].as_str().unwrap());
    let creds_expire = now() + 5 * 60;
    assert!(
        expires <= creds_expire - 60,
        "expirationTimestamp {expires} must be ≤ {}",
        creds_expire - 60
    );
    assert!(
        expires >= creds_expire - 60 - 10,
        "and not much shorter: {expires}"
    );
    let url = decode_url(v["status"]["token"].as_str().unwrap());
    // Region from the profile, session token from the process.
    assert!(
        url.starts_with("https://sts.eu-west-1.amazonaws.com/"),
        "{url}"
    );
    assert!(
        url.contains("X-Amz-Security-Token=process-session"),
        "{url}"
    );
    assert!(url.contains("ASIDPROCESSKEY000001%2F"), "{url}");
}

#[test]
fn second_call_is_served_from_the_cache() {
    let sb = AwsSandbox::new();
    let counter = write_credential_process(&sb, 3600);
    let args = ["--cluster-name", "demo", "--profile", "proc"];
    let first = token_of(&run_ok(sb.token_cmd().args(args)));
    assert_eq!(calls(&counter), 1);
    // The credential source now fails: only the cache can answer.
    fs::write(sb.path("fail"), "").unwrap();
    let second = token_of(&run_ok(sb.token_cmd().args(args)));
    assert_eq!(second, first);
    assert_eq!(
        calls(&counter),
        1,
        "the credential process must not run again"
    );
    // A different cluster is a different key: the (failing) source is asked.
    let other = run(sb
        .token_cmd()
        .args(["--cluster-name", "other", "--profile", "proc"]));
    assert_eq!(other.status.code(), Some(1));
    assert!(
        other.stderr.contains("credential source is down"),
        "{}",
        other.stderr
    );
    assert!(other.stdout.is_empty());
    // --no-cache skips the cache.
    let bypass =
        run(sb
            .token_cmd()
            .args(["--cluster-name", "demo", "--profile", "proc", "--no-cache"]));
    assert_eq!(bypass.status.code(), Some(1));

    let list = run_ok(sb.token_cmd().args(["cache", "list", "-o", "json"]));
    let rows: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(rows[0]["cluster"], "demo");
    assert_eq!(rows[0]["identity"], "profile:proc");
    assert_eq!(rows[0]["region"], "eu-west-1");
    assert!(
        rows[0]["status"].as_str().unwrap().starts_with("valid"),
        "{list}"
    );
    let table = run_ok(sb.token_cmd().args(["cache", "list"]));
    assert!(table.starts_with("KIND"), "{table}");
    assert!(!table.contains(&first), "cache list never prints a token");

    let cleared = run(sb.token_cmd().args(["cache", "clear"]));
    assert!(cleared.status.success());
    assert!(
        cleared.stderr.contains("removed 1 cache entry"),
        "{}",
        cleared.stderr
    );
    assert!(sb.token_files().is_empty());
}

#[test]
fn exposed_cache_file_is_refused_and_replaced() {
    let sb = AwsSandbox::new();
    let counter = write_credential_process(&sb, 3600);
    let args = ["--cluster-name", "demo", "--profile", "proc"];
    let first = token_of(&run_ok(sb.token_cmd().args(args)));
    let files = sb.token_files();
    assert_eq!(files.len(), 1);
    let mode = |p: &std::path::Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&files[0]), 0o600);
    assert_eq!(mode(&sb.cache_dir()), 0o700);

    fs::set_permissions(&files[0], fs::Permissions::from_mode(0o644)).unwrap();
    let out = run(sb.token_cmd().args(args));
    assert!(out.status.success(), "{}", out.stderr);
    assert!(out.stderr.contains("refusing cache file"), "{}", out.stderr);
    assert!(out.stderr.contains("0644"), "{}", out.stderr);
    assert_eq!(calls(&counter), 2, "a refused entry is not used");
    let _ = first;
    assert_eq!(mode(&files[0]), 0o600, "the entry is rewritten privately");
    let list = run_ok(sb.token_cmd().args(["cache", "list", "-o", "json"]));
    assert!(list.contains("valid"), "{list}");

    // A corrupt entry is ignored and rewritten.
    fs::write(&files[0], "{ torn").unwrap();
    fs::set_permissions(&files[0], fs::Permissions::from_mode(0o600)).unwrap();
    run_ok(sb.token_cmd().args(args));
    assert_eq!(calls(&counter), 3);
    let text = fs::read_to_string(&files[0]).unwrap();
    assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok());
}

#[test]
fn a_cached_token_signed_after_now_is_signed_again() {
    // The clock moved back an hour since the entry was written (an NTP step, a
    // restored VM): its signing time is now in the future, so STS would refuse
    // the token as not yet valid, and its expiry outlives EKS's 15 minutes.
    let sb = AwsSandbox::new();
    let args = ["--cluster-name", "demo"];
    run_ok(sb.with_keys(KEY, SECRET).args(args));
    let files = sb.token_files();
    assert_eq!(files.len(), 1);
    let mut entry: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&files[0]).unwrap()).unwrap();
    for field in ["signedAt", "expiresAt"] {
        entry[field] = (entry[field].as_i64().unwrap() + 3600).into();
    }
    // fs::write keeps the file's private mode, so the entry is not refused for it.
    fs::write(&files[0], entry.to_string()).unwrap();
    let list = run_ok(sb.token_cmd().args(["cache", "list", "-o", "json"]));
    let rows: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert!(
        rows[0]["status"]
            .as_str()
            .unwrap()
            .starts_with("not used: signed after now"),
        "cache list must say what the token path will do: {list}"
    );

    let before = now();
    let out = run_ok(sb.with_keys(KEY, SECRET).args(args));
    let v = exec_credential(&out);
    let expires = rfc3339_secs(v["status"]["expirationTimestamp"].as_str().unwrap());
    assert!(
        expires <= now() + 14 * 60,
        "an entry signed in the future was served: {v}"
    );
    let url = decode_url(v["status"]["token"].as_str().unwrap());
    let signed = url.split("X-Amz-Date=").nth(1).unwrap();
    let signed = rfc3339_secs(&format!(
        "{}-{}-{}T{}:{}:{}Z",
        &signed[0..4],
        &signed[4..6],
        &signed[6..8],
        &signed[9..11],
        &signed[11..13],
        &signed[13..15]
    ));
    assert!(signed >= before && signed <= now(), "{url}");
    let rewritten: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&files[0]).unwrap()).unwrap();
    assert!(
        rewritten["signedAt"].as_i64().unwrap() <= now(),
        "the entry is replaced: {rewritten}"
    );
}

#[test]
fn concurrent_calls_leave_one_valid_entry() {
    let sb = AwsSandbox::new();
    let children: Vec<_> = (0..20)
        .map(|_| {
            sb.with_keys(KEY, SECRET)
                .args(["--cluster-name", "demo"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let tokens: Vec<String> = children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            token_of(&String::from_utf8(out.stdout).unwrap())
        })
        .collect();
    assert!(
        tokens.iter().all(|t| t == &tokens[0]),
        "every caller gets the one cached token"
    );
    let files = sb.token_files();
    assert_eq!(files.len(), 1, "{files:?}");
    let leftovers: Vec<_> = fs::read_dir(sb.cache_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let entry: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&files[0]).unwrap()).unwrap();
    assert_eq!(entry["token"], tokens[0].as_str());
    let verified =
        run(sb
            .with_keys(KEY, SECRET)
            .args(["verify", "--cluster-name", "demo", &tokens[0]]));
    assert!(
        verified.status.success(),
        "{}{}",
        verified.stdout,
        verified.stderr
    );
}

fn verify(sb: &AwsSandbox, token: &str, cluster: &str) -> Output {
    run(sb
        .with_keys(KEY, SECRET)
        .args(["verify", "--cluster-name", cluster, token]))
}

#[test]
fn verify_accepts_good_tokens_and_rejects_bad_ones() {
    let sb = AwsSandbox::new();
    let token = token_of(&run_ok(sb.with_keys(KEY, SECRET).args([
        "--cluster-name",
        "demo",
        "--no-cache",
    ])));

    let good = verify(&sb, &token, "demo");
    assert!(good.status.success(), "{}{}", good.stdout, good.stderr);
    assert!(
        good.stdout.contains("access key:     AKIDEXAMPLE"),
        "{}",
        good.stdout
    );
    assert!(
        good.stdout.contains("signature:      valid"),
        "{}",
        good.stdout
    );
    // From stdin, as an ExecCredential.
    let mut child = sb
        .with_keys(KEY, SECRET)
        .args(["verify", "--cluster-name", "demo", "-o", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    write!(
        child.stdin.take().unwrap(),
        "{{\"status\": {{\"token\": \"{token}\"}}}}"
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["valid"], true);
    assert_eq!(report["claims"]["region"], "us-east-1");
    assert_eq!(report["signature"], "valid");

    let rejected = |tok: &str, cluster: &str, rule: &str| {
        let out = verify(&sb, tok, cluster);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{rule}: {}{}",
            out.stdout,
            out.stderr
        );
        assert!(
            out.stderr.contains(&format!("token rejected: {rule}")),
            "expected rule {rule}: {}",
            out.stderr
        );
    };
    // Another cluster: only the signature can tell.
    rejected(&token, "other", "signature");
    let url = decode_url(&token);
    // Tampered signature, date and expiry.
    let sig_at = url.find("X-Amz-Signature=").unwrap() + "X-Amz-Signature=".len();
    let mut tampered = url.clone();
    let flipped = if &url[sig_at..sig_at + 1] == "0" {
        "1"
    } else {
        "0"
    };
    tampered.replace_range(sig_at..sig_at + 1, flipped);
    rejected(&encode_url(&tampered), "demo", "signature");
    let date_at = url.find("X-Amz-Date=").unwrap() + "X-Amz-Date=".len();
    let mut redated = url.clone();
    let sec: u32 = url[date_at + 13..date_at + 15].parse().unwrap();
    redated.replace_range(
        date_at + 13..date_at + 15,
        &format!("{:02}", (sec + 1) % 60),
    );
    rejected(&encode_url(&redated), "demo", "signature");
    // Extra query parameters are refused even before the signature.
    rejected(
        &encode_url(&format!("{url}&X-Amz-User-Agent=aws-sdk")),
        "demo",
        "parameters",
    );
    rejected(
        &encode_url(&url.replace(
            "https://sts.us-east-1.amazonaws.com",
            "https://sts.us-east-1.amazonaws.com.evil.example",
        )),
        "demo",
        "host",
    );
    rejected(
        &token.replacen("k8s-aws-v1.", "k8s-aws-v2.", 1),
        "demo",
        "prefix",
    );
    rejected(&format!("{token}=="), "demo", "base64");

    // Without the secret for the token's key, the rules still apply and say so.
    let other_keys = run(sb.with_keys("AKIDSOMEONEELSE00001", "x").args([
        "verify",
        "--cluster-name",
        "demo",
        &token,
    ]));
    assert!(other_keys.status.success());
    assert!(
        other_keys.stdout.contains("not checked"),
        "{}",
        other_keys.stdout
    );
}

#[test]
fn verify_rejects_expired_and_accepts_awscli_tokens() {
    let sb = AwsSandbox::new();
    let py = python();
    let mint = |at: i64| {
        let mut cmd = Command::new(&py);
        sb.apply_env(&mut cmd);
        cmd.env("AWS_ACCESS_KEY_ID", KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET)
            .arg(tool("resign_tokens.py"))
            .args([
                "mint",
                "--cluster",
                "demo",
                "--region",
                "us-east-1",
                "--at",
                &at.to_string(),
            ]);
        run_ok(&mut cmd).trim().to_string()
    };
    // botocore-signed now: valid; signed 16 minutes ago: expired.
    let fresh = verify(&sb, &mint(now()), "demo");
    assert!(fresh.status.success(), "{}{}", fresh.stdout, fresh.stderr);
    assert!(fresh.stdout.contains("signature:      valid"));
    let old = verify(&sb, &mint(now() - 16 * 60), "demo");
    assert_eq!(old.status.code(), Some(1));
    assert!(
        old.stderr.contains("token rejected: expired"),
        "{}",
        old.stderr
    );

    // awscli's own `aws eks get-token`, with and without a session token.
    for session in [None, Some("awscli/session+token=")] {
        let mut cmd = Command::new(aws_cli());
        sb.apply_env(&mut cmd);
        cmd.env("AWS_ACCESS_KEY_ID", KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET)
            .args([
                "eks",
                "get-token",
                "--cluster-name",
                "demo",
                "--region",
                "eu-west-1",
            ]);
        if let Some(s) = session {
            cmd.env("AWS_SESSION_TOKEN", s);
        }
        let cred = run_ok(&mut cmd);
        let token = token_of(&cred);
        let mut v = sb.with_keys(KEY, SECRET);
        if let Some(s) = session {
            v.env("AWS_SESSION_TOKEN", s);
        }
        let out = run(v.args([
            "verify",
            "--cluster-name",
            "demo",
            "--region",
            "eu-west-1",
            &token,
        ]));
        assert!(
            out.status.success(),
            "awscli token rejected: {}{}",
            out.stdout,
            out.stderr
        );
        assert!(
            out.stdout.contains("signature:      valid"),
            "{}",
            out.stdout
        );
        assert_eq!(
            out.stdout.contains("session token:  yes"),
            session.is_some()
        );
        let wrong = verify(&sb, &token, "other");
        assert_eq!(wrong.status.code(), Some(1));
        // A token from one partition is not valid for a cluster in another.
        let cn = run(sb.with_keys(KEY, SECRET).args([
            "verify",
            "--cluster-name",
            "demo",
            "--region",
            "cn-north-1",
            &token,
        ]));
        assert!(cn.stderr.contains("token rejected: host"), "{}", cn.stderr);
    }
}

const MIGRATE_FIXTURE: &str = "\
# kubeconfig written by `aws eks update-kubeconfig`, then edited by hand
apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==
    server: https://ABC.gr7.eu-west-1.eks.amazonaws.com
  name: arn:aws:eks:eu-west-1:111122223333:cluster/prod
contexts:
- context:
    cluster: arn:aws:eks:eu-west-1:111122223333:cluster/prod
    user: arn:aws:eks:eu-west-1:111122223333:cluster/prod
  name: prod   # daily driver
current-context: prod
kind: Config
preferences: {}
users:
- name: arn:aws:eks:eu-west-1:111122223333:cluster/prod
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - --region
      - eu-west-1
      - eks
      - get-token
      - --cluster-name
      - prod
      - --output
      - json
      - --role
      - arn:aws:iam::111122223333:role/admin
      command: aws
      env:
      - name: AWS_PROFILE
        value: corp
- name: legacy
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws-iam-authenticator
      args: [\"token\", \"-i\", \"legacy\", \"-r\", \"arn:aws:iam::111122223333:role/ops\"]
- name: static   # not an exec user: left alone
  user:
    token: abc
";

#[test]
fn migrate_rewrites_only_the_exec_entries() {
    let sb = AwsSandbox::new();
    let kc = sb.write("config", MIGRATE_FIXTURE);
    let kc_arg = kc.to_str().unwrap();

    let dry = run(sb
        .token_cmd()
        .args(["migrate", "--dry-run", "--kubeconfig", kc_arg]));
    assert!(dry.status.success(), "{}", dry.stderr);
    assert_eq!(
        fs::read_to_string(&kc).unwrap(),
        MIGRATE_FIXTURE,
        "--dry-run writes nothing"
    );
    assert!(
        dry.stdout.contains("-      command: aws\n"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stdout.contains("+      command: kubectl-aws_token\n"),
        "{}",
        dry.stdout
    );
    assert!(
        dry.stderr.contains("2 user(s) would be migrated"),
        "{}",
        dry.stderr
    );

    let out = run(sb.token_cmd().args(["migrate", "--kubeconfig", kc_arg]));
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(out.stdout, dry.stdout, "migrate prints the diff it applies");
    let after = fs::read_to_string(&kc).unwrap();
    let before_exec_1 = &MIGRATE_FIXTURE[MIGRATE_FIXTURE
        .find("      apiVersion: client.authentication.k8s.io/v1beta1\n      args:")
        .unwrap()
        ..MIGRATE_FIXTURE.find("- name: legacy").unwrap()];
    let new_exec_1 = "      apiVersion: client.authentication.k8s.io/v1\n      command: kubectl-aws_token\n      args:\n      - --cluster-name\n      - prod\n      - --region\n      - eu-west-1\n      - --role-arn\n      - arn:aws:iam::111122223333:role/admin\n      env:\n      - name: AWS_PROFILE\n        value: corp\n      interactiveMode: IfAvailable\n      provideClusterInfo: true\n      installHint: \"kubectl-aws_token is part of honban; install it with `kubectl krew install honban/aws-token`\"\n";
    let before_exec_2 = "      apiVersion: client.authentication.k8s.io/v1beta1\n      command: aws-iam-authenticator\n      args: [\"token\", \"-i\", \"legacy\", \"-r\", \"arn:aws:iam::111122223333:role/ops\"]\n";
    let new_exec_2 = "      apiVersion: client.authentication.k8s.io/v1\n      command: kubectl-aws_token\n      args:\n      - --cluster-name\n      - legacy\n      - --role-arn\n      - arn:aws:iam::111122223333:role/ops\n      interactiveMode: IfAvailable\n      provideClusterInfo: true\n      installHint: \"kubectl-aws_token is part of honban; install it with `kubectl krew install honban/aws-token`\"\n";
    // Every byte outside the two exec blocks is as it was.
    let expected = MIGRATE_FIXTURE
        .replacen(before_exec_1, new_exec_1, 1)
        .replacen(before_exec_2, new_exec_2, 1);
    assert_eq!(after, expected);

    // Idempotent: nothing left to migrate.
    let again = run(sb.token_cmd().args(["migrate", "--kubeconfig", kc_arg]));
    assert!(again.status.success());
    assert!(
        again.stderr.contains("nothing to migrate"),
        "{}",
        again.stderr
    );
    assert_eq!(fs::read_to_string(&kc).unwrap(), expected);
}

#[test]
fn setup_adds_entries_and_keeps_every_other_byte() {
    let sb = AwsSandbox::new();
    let fixture = include_str!("fixtures/commented.yaml");
    let kc = sb.write("config", fixture);
    let kc_arg = kc.to_str().unwrap();
    let ca = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==";
    let out = run(sb.token_cmd().args([
        "setup",
        "--kubeconfig",
        kc_arg,
        "--cluster-name",
        "demo",
        "--server",
        "https://ABC.gr7.eu-west-1.eks.amazonaws.com",
        "--ca-data",
        ca,
        "--profile",
        "prod",
        "--role-arn",
        "arn:aws:iam::111122223333:role/admin",
    ]));
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stderr.contains("cluster \"demo\" added"),
        "{}",
        out.stderr
    );
    let after = fs::read_to_string(&kc).unwrap();
    // Removing the three inserted blocks gives back the original, byte for byte.
    let cluster_block = "    - name: demo\n      cluster:\n          server: https://ABC.gr7.eu-west-1.eks.amazonaws.com\n          certificate-authority-data: \"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==\"\n";
    let user_block = "    - name: demo\n      user:\n          exec:\n              apiVersion: client.authentication.k8s.io/v1\n              command: kubectl-aws_token\n              args:\n              - --cluster-name\n              - demo\n              - --region\n              - eu-west-1\n              - --role-arn\n              - arn:aws:iam::111122223333:role/admin\n              env:\n              - name: AWS_PROFILE\n                value: prod\n              interactiveMode: IfAvailable\n              provideClusterInfo: true\n              installHint: \"kubectl-aws_token is part of honban; install it with `kubectl krew install honban/aws-token`\"\n";
    let context_block =
        "    - name: demo\n      context:\n          cluster: demo\n          user: demo\n";
    for block in [cluster_block, user_block, context_block] {
        assert_eq!(
            after.matches(block).count(),
            1,
            "missing block:\n{block}\nin:\n{after}"
        );
    }
    assert_eq!(
        after
            .replace(cluster_block, "")
            .replace(user_block, "")
            .replace(context_block, ""),
        fixture
    );
    assert!(
        after.contains("current-context: \"dev\"   # last used"),
        "no --set-current"
    );

    // Running it again with other values updates in place; --set-current switches.
    let out = run(sb.token_cmd().args([
        "setup",
        "--kubeconfig",
        kc_arg,
        "--cluster-name",
        "demo",
        "--server",
        "https://XYZ.gr7.eu-west-1.eks.amazonaws.com",
        "--ca-data",
        ca,
        "--set-current",
    ]));
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stderr.contains("cluster \"demo\" updated"),
        "{}",
        out.stderr
    );
    let again = fs::read_to_string(&kc).unwrap();
    assert_eq!(again.matches("- name: demo").count(), 3);
    assert!(again.contains("server: https://XYZ.gr7.eu-west-1.eks.amazonaws.com"));
    assert!(!again.contains("AWS_PROFILE"));
    assert!(again.contains("current-context: \"demo\"   # last used"));
    // Everything but the demo entries and current-context is still the original.
    let user_v2 = user_block
        .replace(
            "              - --role-arn\n              - arn:aws:iam::111122223333:role/admin\n",
            "",
        )
        .replace(
            "              env:\n              - name: AWS_PROFILE\n                value: prod\n",
            "",
        );
    let restored = again
        .replace(&cluster_block.replace("ABC", "XYZ"), "")
        .replace(&user_v2, "")
        .replace(context_block, "")
        .replace("current-context: \"demo\"", "current-context: \"dev\"");
    assert_eq!(restored, fixture);

    // Bad input leaves the file alone.
    let bad = run(sb.token_cmd().args([
        "setup",
        "--kubeconfig",
        kc_arg,
        "--cluster-name",
        "demo",
        "--server",
        "http://plain",
        "--ca-data",
        ca,
    ]));
    assert_eq!(bad.status.code(), Some(2));
    let bad_ca = run(sb.token_cmd().args([
        "setup",
        "--kubeconfig",
        kc_arg,
        "--cluster-name",
        "demo",
        "--server",
        "https://x",
        "--ca-data",
        "not base64!",
    ]));
    assert_eq!(bad_ca.status.code(), Some(2));
    // A CA file that is not there is a usage error naming the flag and file.
    let missing = sb.path("no-such-ca.crt");
    let missing_ca = run(sb.token_cmd().args([
        "setup",
        "--kubeconfig",
        kc_arg,
        "--cluster-name",
        "demo",
        "--server",
        "https://x",
        "--ca-file",
        missing.to_str().unwrap(),
    ]));
    assert_eq!(missing_ca.status.code(), Some(2), "{}", missing_ca.stderr);
    assert!(missing_ca.stdout.is_empty());
    assert_eq!(
        missing_ca.stderr.lines().count(),
        1,
        "{}",
        missing_ca.stderr
    );
    let said = format!("--ca-file {}", missing.display());
    assert!(missing_ca.stderr.contains(&said), "{}", missing_ca.stderr);
    assert_eq!(fs::read_to_string(&kc).unwrap(), again);
}

#[test]
fn setup_creates_a_missing_kubeconfig() {
    let sb = AwsSandbox::new();
    let kc = sb.path("new/config");
    let ca_file = sb.write(
        "ca.crt",
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    );
    let out = run(sb.token_cmd().env("KUBECONFIG", &kc).args([
        "setup",
        "--cluster-name",
        "demo",
        "--server",
        "https://ABC.gr7.us-west-2.eks.amazonaws.com",
        "--ca-file",
        ca_file.to_str().unwrap(),
        "--alias",
        "dev",
        "--set-current",
    ]));
    assert!(out.status.success(), "{}", out.stderr);
    let text = fs::read_to_string(&kc).unwrap();
    let doc = honban::kubeconfig::yaml::Document::parse(&text).unwrap();
    let v = doc.to_json(doc.root.as_ref().unwrap());
    assert_eq!(v["current-context"], "dev");
    assert_eq!(v["contexts"][0]["context"]["user"], "dev");
    assert_eq!(
        v["users"][0]["user"]["exec"]["args"],
        serde_json::json!(["--cluster-name", "demo", "--region", "us-west-2"])
    );
    assert_eq!(
        fs::metadata(&kc).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

/// kubectl keeps a credential in memory and runs the plugin again, in the same
/// process, only after a 401. The cache must not hand that process the same
/// token again: the second request from one parent signs afresh.
#[test]
fn a_kubectl_retry_after_401_is_not_served_the_same_cached_token() {
    let sb = AwsSandbox::new();
    let counter = write_credential_process(&sb, 3600);
    let info = r#"{"apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}"#;
    // Each `sh -c` is a new parent, like separate kubectl runs.
    let via_new_parent = || {
        let mut cmd = Command::new("sh");
        sb.apply_env(&mut cmd);
        cmd.env("KUBERNETES_EXEC_INFO", info)
            .arg("-c")
            .arg("\"$0\" \"$@\"")
            .arg(support::bin("kubectl-aws_token"))
            .args(["--cluster-name", "demo", "--profile", "proc"]);
        run_ok(&mut cmd)
    };
    via_new_parent();
    via_new_parent();
    assert_eq!(
        calls(&counter),
        1,
        "separate kubectl runs share the cached token"
    );

    // This test process is one parent asking twice: the second is a retry.
    let same_parent = || {
        let mut cmd = sb.token_cmd();
        cmd.env("KUBERNETES_EXEC_INFO", info)
            .args(["--cluster-name", "demo", "--profile", "proc"]);
        run_ok(&mut cmd)
    };
    same_parent();
    assert_eq!(
        calls(&counter),
        1,
        "a first request is served from the cache"
    );
    same_parent();
    assert_eq!(
        calls(&counter),
        2,
        "the retry re-resolves credentials and signs afresh"
    );
    via_new_parent();
    assert_eq!(
        calls(&counter),
        2,
        "the fresh token is cached for everyone else"
    );

    // Env keys: a wrong secret never shares an entry with the right one.
    let right = token_of(&run_ok(
        sb.with_keys(KEY, SECRET).args(["--cluster-name", "demo"]),
    ));
    let wrong = token_of(&run_ok(
        sb.with_keys(KEY, "wrong").args(["--cluster-name", "demo"]),
    ));
    assert_ne!(right, wrong);
    let again = token_of(&run_ok(
        sb.with_keys(KEY, SECRET).args(["--cluster-name", "demo"]),
    ));
    assert_eq!(again, right);
}

#[test]
fn completes_subcommands_flags_and_profiles() {
    let sb = AwsSandbox::new();
    sb.write(
        "aws/config",
        "[default]\n[profile prod]\nregion = eu-west-1\n",
    );
    sb.write("aws/credentials", "[ci]\naws_access_key_id = x\n");
    let complete = |words: &[&str]| run_ok(sb.token_cmd().arg("__complete").args(words));
    let subs = complete(&[""]);
    assert!(subs.lines().any(|l| l.starts_with("setup\t")), "{subs}");
    assert!(subs.ends_with(":4\n"), "{subs}");
    assert_eq!(complete(&["cache", "c"]), "clear\tRemove every entry\n:4\n");
    let flags = complete(&["verify", "--cl"]);
    assert!(flags.starts_with("--cluster-name\t"), "{flags}");
    assert_eq!(
        complete(&["--cluster-name", "x", "--profile", ""]),
        "ci\ndefault\nprod\n:4\n"
    );
    assert_eq!(complete(&["--cluster-name", ""]), ":4\n");
}

const NOBODY: u32 = 65534;

/// The effective uid, from /proc (no libc needed in the tests).
fn effective_uid() -> u32 {
    fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|u| u.parse().ok())
        .expect("Uid line in /proc/self/status")
}

/// `cmd` run as `nobody` through setpriv, with only `cmd`'s own environment.
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
        .args(cmd.get_args())
        .env_clear();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            wrapped.env(k, v);
        }
    }
    wrapped
}

/// A cache directory the user may not write (made read-only, or left by
/// another tool): the token is still printed, and the one warning says what
/// to do; `cache clear` fails in one line that says it too.
#[test]
fn a_read_only_cache_dir_still_gives_a_token_and_says_what_to_do() {
    let setpriv_works = || {
        Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "true"])
            .status()
            .is_ok_and(|s| s.success())
    };
    if effective_uid() != 0 || !setpriv_works() {
        support::skip(
            "aws-token with a read-only cache directory",
            "needs root and setpriv to run the plugin as an unprivileged user",
        );
        return;
    }
    let sb = AwsSandbox::new();
    fs::set_permissions(sb.home(), fs::Permissions::from_mode(0o755)).unwrap();
    let dir = sb.cache_dir();
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("token-old.json"), "{}").unwrap();
    let mut p = dir.clone();
    while p != sb.home() {
        std::os::unix::fs::chown(&p, Some(NOBODY), Some(NOBODY)).unwrap();
        p.pop();
    }
    std::os::unix::fs::chown(dir.join("token-old.json"), Some(NOBODY), Some(NOBODY)).unwrap();
    fs::set_permissions(
        dir.join("token-old.json"),
        fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o500)).unwrap();

    let mut token = sb.with_keys(KEY, SECRET);
    token.args(["--cluster-name", "demo"]);
    let out = run(&mut as_nobody(&token));
    assert!(out.status.success(), "{}", out.stderr);
    assert!(token_of(&out.stdout).starts_with("k8s-aws-v1."));
    let fix = format!("make it writable (chmod u+w {})", dir.display());
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(
        out.stderr.starts_with("warning: cannot cache the token: ")
            && out.stderr.contains(&fix)
            && out.stderr.contains("--no-cache"),
        "{}",
        out.stderr
    );

    let mut clear = sb.token_cmd();
    clear.args(["cache", "clear"]);
    let out = run(&mut as_nobody(&clear));
    assert_eq!(out.status.code(), Some(1), "{}", out.stderr);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains(&fix), "{}", out.stderr);
    assert!(dir.join("token-old.json").exists());
    // Let the sandbox be removed.
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
}
