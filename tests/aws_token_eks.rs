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
use std::path::Path;
use std::process::Command;

use aws_support::*;
use honban::kubeconfig::yaml::Document;
use serde_json::{Value, json};
use support::moto::Moto;
use support::{path_with_plugins, testenv};

const ACCOUNT: &str = "123456789012";
const ADMIN_USER: &str = "arn:aws:iam::000000000000:user/honban-e2e-admin";

/// moto's EKS (tests/tools/eks_moto.py), driven through its command channel.
trait Eks {
    fn eks() -> Moto;
    fn cluster(&mut self, region: &str, name: &str, extra: Value) -> Value;
    fn setup(&self, sb: &AwsSandbox, kubeconfig: &Path) -> Command;
}

impl Eks for Moto {
    fn eks() -> Moto {
        Moto::start("eks_moto.py", &[])
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
    let mut moto = Moto::eks();
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
    let mut moto = Moto::eks();
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
    let mut moto = Moto::eks();
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
    let mut moto = Moto::eks();
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

const OTHER_ACCOUNT: &str = "222222222222";

/// A fleet: profile `a` (testenv's admin keys, moto's default account) and
/// profile `b` (keys of a second moto account); `testenv` and `prod` in
/// account a, `dev` in account b, in eu-west-1 and us-east-1.
struct Fleet {
    moto: Moto,
    sb: AwsSandbox,
    kc: std::path::PathBuf,
    /// Profile b's access key id.
    b_key: String,
}

impl Fleet {
    fn new() -> Fleet {
        let mut moto = Moto::eks();
        let b = moto.send(json!({"op": "account", "account": OTHER_ACCOUNT}));
        let sb = AwsSandbox::new();
        sb.write(
            "aws/credentials",
            &format!(
                "[a]\naws_access_key_id = {ADMIN_KEY}\naws_secret_access_key = {ADMIN_SECRET}\n\
                 [b]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
                b["key"].as_str().unwrap(),
                b["secret"].as_str().unwrap()
            ),
        );
        let (server, ca) = testenv_cluster();
        moto.cluster(
            "us-east-1",
            "testenv",
            json!({"endpoint": server, "ca": ca}),
        );
        moto.cluster("eu-west-1", "prod", json!({}));
        for region in ["eu-west-1", "us-east-1"] {
            moto.send(
                json!({"op": "cluster", "account": OTHER_ACCOUNT, "region": region, "name": "dev"}),
            );
        }
        let kc = sb.write("config", USER_FILE);
        let b_key = b["key"].as_str().unwrap().to_string();
        Fleet {
            moto,
            sb,
            kc,
            b_key,
        }
    }

    /// `setup --all --profile a --profile b --region eu-west-1 --region us-east-1`.
    fn setup_all(&self, extra: &[&str]) -> Output {
        let mut cmd = self.sb.token_cmd();
        cmd.env("AWS_ENDPOINT_URL", &self.moto.endpoint)
            .args(["setup", "--all", "--kubeconfig", self.kc.to_str().unwrap()])
            .args(["--profile", "a", "--profile", "b"])
            .args(["--region", "eu-west-1", "--region", "us-east-1"])
            .args(extra);
        run(&mut cmd)
    }
}

/// The summary rows of `-o json`, keyed `profile/region`.
fn rows(out: &Output) -> std::collections::BTreeMap<String, Value> {
    let v: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}{}", out.stdout, out.stderr));
    v["regions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                format!(
                    "{}/{}",
                    r["profile"].as_str().unwrap(),
                    r["region"].as_str().unwrap()
                ),
                r.clone(),
            )
        })
        .collect()
}

fn counts(row: &Value) -> [u64; 5] {
    ["added", "updated", "unchanged", "pruned", "failed"].map(|k| row[k].as_u64().unwrap())
}

fn context_names(kc: &Path) -> Vec<String> {
    let v = kubeconfig_json(kc);
    let mut names: Vec<String> = v["contexts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn setup_all_writes_two_profiles_by_two_regions_then_writes_nothing() {
    let f = Fleet::new();
    let out = f.setup_all(&["-o", "json"]);
    assert!(out.status.success(), "{}{}", out.stdout, out.stderr);
    let r = rows(&out);
    assert_eq!(counts(&r["a/eu-west-1"]), [1, 0, 0, 0, 0]);
    assert_eq!(counts(&r["a/us-east-1"]), [1, 0, 0, 0, 0]);
    assert_eq!(counts(&r["b/eu-west-1"]), [1, 0, 0, 0, 0]);
    assert_eq!(counts(&r["b/us-east-1"]), [1, 0, 0, 0, 0]);
    assert_eq!(
        context_names(&f.kc),
        [
            "a-prod-eu-west-1",
            "a-testenv-us-east-1",
            "b-dev-eu-west-1",
            "b-dev-us-east-1",
            "mine"
        ]
    );
    // The user's own lines are all still there, in order.
    let text = fs::read_to_string(&f.kc).unwrap();
    let mut rest = text.as_str();
    for line in USER_FILE.lines() {
        let at = rest
            .find(&format!("{line}\n"))
            .unwrap_or_else(|| panic!("lost {line:?}:\n{text}"));
        rest = &rest[at + line.len() + 1..];
    }
    // Marked in a way kubectl ignores, and the profile reaches the plugin.
    let v = kubeconfig_json(&f.kc);
    let ctx = named(&v, "contexts", "b-dev-us-east-1").unwrap();
    assert_eq!(
        ctx["context"]["extensions"][0],
        json!({"name": "honban.dev/aws-token-setup", "extension": {"profile": "b", "region": "us-east-1", "cluster": "dev"}})
    );
    let exec = &named(&v, "users", "b-dev-us-east-1").unwrap()["user"]["exec"];
    assert_eq!(
        exec["args"],
        json!(["--cluster-name", "dev", "--region", "us-east-1"])
    );
    assert_eq!(exec["env"], json!([{"name": "AWS_PROFILE", "value": "b"}]));

    // Second run: nothing changed, nothing written, and it says so.
    let before = fs::metadata(&f.kc).unwrap().modified().unwrap();
    let out = f.setup_all(&[]);
    assert!(out.status.success(), "{}", out.stderr);
    assert!(out.stderr.contains("nothing to write"), "{}", out.stderr);
    assert_eq!(fs::read_to_string(&f.kc).unwrap(), text);
    assert_eq!(fs::metadata(&f.kc).unwrap().modified().unwrap(), before);
    assert!(
        out.stdout
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()
                == ["a", "eu-west-1", "0", "0", "1", "0", "0"]),
        "{}",
        out.stdout
    );
    // `-o name`: the contexts it set up, as kubectl names contexts.
    let out = f.setup_all(&["-o", "name"]);
    assert!(out.status.success(), "{}", out.stderr);
    let mut names: Vec<&str> = out.stdout.lines().collect();
    names.sort();
    assert_eq!(
        names,
        [
            "a-prod-eu-west-1",
            "a-testenv-us-east-1",
            "b-dev-eu-west-1",
            "b-dev-us-east-1"
        ]
    );

    // The written context works: kubectl runs kubectl-aws_token with
    // AWS_PROFILE=a; testenv's webhook re-signs the token for `testenv`.
    let who = run_ok(
        Command::new(&testenv().kubectl)
            .env_clear()
            .env("PATH", path_with_plugins())
            .env("HOME", f.sb.home())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", f.sb.path("aws/config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", f.sb.path("aws/credentials"))
            .env("KUBECONFIG", &f.kc)
            .args(["--context", "a-testenv-us-east-1", "auth", "whoami"])
            .args(["-o", "jsonpath={.status.userInfo.username}"]),
    );
    assert_eq!(who, ADMIN_USER);
}

#[test]
fn setup_all_updates_in_place_and_prunes_only_its_own_entries() {
    let mut f = Fleet::new();
    assert!(f.setup_all(&[]).status.success());
    // By hand: a context for a cluster in scope, unmarked; it must survive --prune.
    let hand = "\
- name: hand-dev
  context: {cluster: b-dev-eu-west-1, user: b-dev-eu-west-1}
";
    let text = fs::read_to_string(&f.kc).unwrap();
    let text = text.replacen("contexts:\n", &format!("contexts:\n{hand}"), 1);
    fs::write(&f.kc, &text).unwrap();

    let changed = f.moto.cluster(
        "eu-west-1",
        "prod",
        json!({"endpoint": "https://moved.gr7.eu-west-1.eks.amazonaws.com", "ca_generation": 1}),
    );
    f.moto.send(
        json!({"op": "delete", "account": OTHER_ACCOUNT, "region": "us-east-1", "name": "dev"}),
    );
    f.moto.send(
        json!({"op": "delete", "account": OTHER_ACCOUNT, "region": "eu-west-1", "name": "dev"}),
    );

    let out = f.setup_all(&["--prune", "-o", "json"]);
    assert!(out.status.success(), "{}{}", out.stdout, out.stderr);
    let r = rows(&out);
    assert_eq!(counts(&r["a/eu-west-1"]), [0, 1, 0, 0, 0]);
    assert_eq!(counts(&r["a/us-east-1"]), [0, 0, 1, 0, 0]);
    assert_eq!(counts(&r["b/us-east-1"]), [0, 0, 0, 1, 0]);
    assert_eq!(counts(&r["b/eu-west-1"]), [0, 0, 0, 1, 0]);

    let v = kubeconfig_json(&f.kc);
    let prod = &named(&v, "clusters", "a-prod-eu-west-1").unwrap()["cluster"];
    assert_eq!(
        prod["server"],
        "https://moved.gr7.eu-west-1.eks.amazonaws.com"
    );
    assert_eq!(prod["certificate-authority-data"], changed["ca"]);
    assert_eq!(
        context_names(&f.kc),
        [
            "a-prod-eu-west-1",
            "a-testenv-us-east-1",
            "hand-dev",
            "mine"
        ]
    );
    // The cluster and user the hand-written context still uses stay; the other pair goes.
    assert!(named(&v, "clusters", "b-dev-eu-west-1").is_some());
    assert!(named(&v, "users", "b-dev-eu-west-1").is_some());
    assert!(named(&v, "clusters", "b-dev-us-east-1").is_none());
    assert!(named(&v, "users", "b-dev-us-east-1").is_none());
    let text = fs::read_to_string(&f.kc).unwrap();
    assert!(
        text.contains("- name: mine   # keep this comment\n"),
        "{text}"
    );
}

#[test]
fn setup_all_reports_a_denied_region_writes_the_rest_and_prunes_nothing_there() {
    let mut f = Fleet::new();
    assert!(f.setup_all(&[]).status.success());
    f.moto.send(
        json!({"op": "delete", "account": OTHER_ACCOUNT, "region": "us-east-1", "name": "dev"}),
    );
    f.moto.send(json!({"op": "deny", "region": "us-east-1"}));
    f.moto.send(
        json!({"op": "cluster", "account": OTHER_ACCOUNT, "region": "eu-west-1", "name": "qa"}),
    );

    let out = f.setup_all(&["--prune"]);
    assert_eq!(out.status.code(), Some(1), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("error: b/us-east-1: ListClusters: AccessDeniedException: User:"),
        "{}",
        out.stderr
    );
    let table: Vec<Vec<&str>> = out
        .stdout
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert!(
        table.contains(&vec!["b", "eu-west-1", "1", "0", "1", "0", "0"]),
        "{}",
        out.stdout
    );
    assert!(
        table.contains(&vec!["b", "us-east-1", "0", "0", "0", "0", "1"]),
        "{}",
        out.stdout
    );
    // The rest was written; nothing in the denied region was pruned.
    let names = context_names(&f.kc);
    assert!(names.contains(&"b-qa-eu-west-1".to_string()), "{names:?}");
    assert!(names.contains(&"b-dev-us-east-1".to_string()), "{names:?}");
}

#[test]
fn setup_all_regions_asks_ec2_for_the_regions_of_the_account() {
    let mut f = Fleet::new();
    f.moto.cluster("ap-southeast-2", "syd", json!({}));
    let mut cmd = f.sb.token_cmd();
    cmd.env("AWS_ENDPOINT_URL", &f.moto.endpoint)
        .args([
            "setup",
            "--all",
            "--all-regions",
            "--profile",
            "a",
            "-o",
            "json",
        ])
        .args(["--kubeconfig", f.kc.to_str().unwrap()]);
    let out = run(&mut cmd);
    assert!(out.status.success(), "{}{}", out.stdout, out.stderr);
    let r = rows(&out);
    assert!(r.len() > 10, "{r:?}");
    assert_eq!(counts(&r["a/ap-southeast-2"]), [1, 0, 0, 0, 0]);
    assert_eq!(counts(&r["a/eu-west-1"]), [1, 0, 0, 0, 0]);
    assert_eq!(counts(&r["a/us-east-1"]), [1, 0, 0, 0, 0]);
    assert!(context_names(&f.kc).contains(&"syd-ap-southeast-2".to_string()));
}

#[test]
fn setup_all_regions_sets_up_the_other_profiles_when_one_cannot_list_its_regions() {
    let mut f = Fleet::new();
    let all_regions = |f: &Fleet, extra: &[&str]| {
        let mut cmd = f.sb.token_cmd();
        cmd.env("AWS_ENDPOINT_URL", &f.moto.endpoint)
            .args(["setup", "--all", "--all-regions", "--profile", "a"])
            .args(["--profile", "b", "-o", "json", "--prune"])
            .args(["--kubeconfig", f.kc.to_str().unwrap()])
            .args(extra);
        run(&mut cmd)
    };
    let out = all_regions(&f, &[]);
    assert!(out.status.success(), "{}{}", out.stdout, out.stderr);
    assert!(context_names(&f.kc).contains(&"b-dev-us-east-1".to_string()));

    // Profile b's keys stop working (EC2 answers AuthFailure); a gains a cluster.
    f.moto.send(json!({"op": "reject", "key": f.b_key}));
    f.moto.cluster("eu-west-1", "new", json!({}));
    let dry = all_regions(&f, &["--dry-run"]);
    assert_eq!(dry.status.code(), Some(1), "{}{}", dry.stdout, dry.stderr);
    let out = all_regions(&f, &[]);
    assert_eq!(out.status.code(), Some(1), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains(
            "error: b/us-east-1: EC2 DescribeRegions in us-east-1: AuthFailure: AWS was not able to validate"
        ),
        "{}",
        out.stderr
    );
    let r = rows(&out);
    let b_rows: Vec<_> = r.keys().filter(|k| k.starts_with("b/")).collect();
    assert_eq!(b_rows, ["b/us-east-1"], "{r:?}");
    assert_eq!(counts(&r["b/us-east-1"]), [0, 0, 0, 0, 1]);
    assert_eq!(counts(&r["a/eu-west-1"]), [1, 0, 1, 0, 0]);
    // a's new cluster is written; b's entries are kept, not pruned.
    let names = context_names(&f.kc);
    for kept in ["a-new-eu-west-1", "b-dev-eu-west-1", "b-dev-us-east-1"] {
        assert!(names.contains(&kept.to_string()), "{kept}: {names:?}");
    }
}

#[test]
fn cluster_names_complete_from_list_clusters_within_a_bound_and_from_a_short_cache() {
    let mut moto = Moto::eks();
    moto.cluster("eu-west-1", "alpha", json!({}));
    moto.cluster("eu-west-1", "beta", json!({}));
    moto.cluster("us-east-1", "gamma", json!({}));
    let sb = AwsSandbox::new();
    let complete = |endpoint: &str, words: &[&str]| {
        run_ok(
            sb.with_keys(ADMIN_KEY, ADMIN_SECRET)
                .env("AWS_ENDPOINT_URL", endpoint)
                .arg("__complete")
                .args(words),
        )
    };
    let setup_eu = ["setup", "--region", "eu-west-1", "--cluster-name", ""];
    assert_eq!(complete(&moto.endpoint, &setup_eu), "alpha\nbeta\n:4\n");
    assert_eq!(
        complete(
            &moto.endpoint,
            &["--region=us-east-1", "--cluster-name", ""]
        ),
        "gamma\n:4\n"
    );
    // Within the cache's minute, a new cluster is not listed yet.
    moto.cluster("eu-west-1", "delta", json!({}));
    assert_eq!(complete(&moto.endpoint, &setup_eu), "alpha\nbeta\n:4\n");

    // An endpoint that accepts connections and never answers: TAB still returns, empty.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", silent.local_addr().unwrap());
    let started = std::time::Instant::now();
    assert_eq!(complete(&endpoint, &setup_eu), ":4\n");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn setup_all_skips_clusters_that_are_not_active_and_warns_about_private_ones() {
    let mut f = Fleet::new();
    f.moto
        .cluster("eu-west-1", "young", json!({"status": "CREATING"}));
    f.moto
        .cluster("eu-west-1", "inside", json!({"public": false}));
    let out = f.setup_all(&[]);
    assert!(out.status.success(), "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr
            .contains("warning: skipped: EKS cluster \"young\" in eu-west-1 is CREATING"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("warning: EKS cluster \"inside\" has a private endpoint only"),
        "{}",
        out.stderr
    );
    let names = context_names(&f.kc);
    assert!(
        names.contains(&"a-inside-eu-west-1".to_string()),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.contains("young")), "{names:?}");
}
