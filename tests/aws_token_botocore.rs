//! Independent signature check: every honban token is re-signed by botocore
//! (from PyPI) at the token's own X-Amz-Date with the same credentials, region,
//! endpoint switches and cluster, and must carry the same host, parameters and
//! signature. Without a session token the URLs must be byte-identical.

mod aws_support;
mod support;

use std::io::Write;
use std::process::{Command, Stdio};

use aws_support::*;
use serde_json::{Value, json};

const KEY: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const SESSION: &str = "FwoGZXIvYXdzEBYaDHhonban/test+session=token==";

fn checker(cases: &[Value]) -> (bool, Value) {
    let mut child = Command::new(python())
        .arg(tool("resign_tokens.py"))
        .env_clear()
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run resign_tokens.py");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(Value::Array(cases.to_vec()).to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "checker output is not JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.success(), report)
}

struct Case {
    region: &'static str,
    session: bool,
    fips: bool,
    dualstack: bool,
    legacy: bool,
}

fn mint(sb: &AwsSandbox, c: &Case, cluster: &str) -> Value {
    let mut cmd = sb.with_keys(KEY, SECRET);
    cmd.args([
        "--cluster-name",
        cluster,
        "--region",
        c.region,
        "--no-cache",
    ])
    .env("AWS_USE_FIPS_ENDPOINT", c.fips.to_string())
    .env("AWS_USE_DUALSTACK_ENDPOINT", c.dualstack.to_string());
    if c.legacy {
        cmd.env("AWS_STS_REGIONAL_ENDPOINTS", "legacy");
    }
    if c.session {
        cmd.env("AWS_SESSION_TOKEN", SESSION);
    }
    let token = token_of(&run_ok(&mut cmd));
    json!({
        "name": format!("{} session={} fips={} dualstack={} legacy={}", c.region, c.session, c.fips, c.dualstack, c.legacy),
        "token": token,
        "access_key_id": KEY,
        "secret_access_key": SECRET,
        "session_token": if c.session { Value::from(SESSION) } else { Value::Null },
        "cluster": cluster,
        "region": c.region,
        "fips": c.fips,
        "dualstack": c.dualstack,
        "legacy": c.legacy,
    })
}

#[test]
fn botocore_re_signs_every_token_identically() {
    let sb = AwsSandbox::new();
    let mut cases = Vec::new();
    for region in ["us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1"] {
        for session in [false, true] {
            for (fips, dualstack) in [(false, false), (true, false), (false, true), (true, true)] {
                cases.push(mint(
                    &sb,
                    &Case {
                        region,
                        session,
                        fips,
                        dualstack,
                        legacy: false,
                    },
                    "demo",
                ));
            }
        }
    }
    // awscli's legacy global endpoint, and a region it does not apply to.
    for region in ["eu-west-1", "ap-east-1"] {
        cases.push(mint(
            &sb,
            &Case {
                region,
                session: false,
                fips: false,
                dualstack: false,
                legacy: true,
            },
            "demo",
        ));
    }
    let (ok, report) = checker(&cases);
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), cases.len());
    let failures: Vec<&Value> = results.iter().filter(|r| r["ok"] != true).collect();
    assert!(
        ok && failures.is_empty(),
        "botocore {} disagrees: {failures:#?}",
        report["botocore"]
    );
    // Spot-check that the matrix really covered the hosts it claims.
    let hosts: Vec<&str> = results
        .iter()
        .map(|r| r["host"].as_str().unwrap())
        .collect();
    for expected in [
        "sts.us-east-1.amazonaws.com",
        "sts-fips.eu-west-1.amazonaws.com",
        "sts.cn-north-1.api.amazonwebservices.com.cn",
        "sts.us-gov-west-1.amazonaws.com",
        "sts-fips.us-gov-west-1.api.aws",
        "sts.amazonaws.com",
        "sts.ap-east-1.amazonaws.com",
    ] {
        assert!(
            hosts.contains(&expected),
            "no case signed for {expected}: {hosts:?}"
        );
    }
}

/// The checker must be able to fail: a token for one cluster, re-signed for
/// another, or with another secret, differs.
#[test]
fn botocore_check_detects_a_different_cluster_or_secret() {
    let sb = AwsSandbox::new();
    let case = Case {
        region: "eu-west-1",
        session: true,
        fips: false,
        dualstack: false,
        legacy: false,
    };
    let mut other_cluster = mint(&sb, &case, "demo");
    other_cluster["cluster"] = json!("other");
    let mut other_secret = mint(&sb, &case, "demo");
    other_secret["secret_access_key"] = json!("not-the-secret");
    let (ok, report) = checker(&[other_cluster, other_secret]);
    assert!(!ok);
    for r in report["results"].as_array().unwrap() {
        assert_eq!(r["ok"], false, "{r}");
        assert!(
            r["problems"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p == "X-Amz-Signature differs"),
            "{r}"
        );
    }
}
