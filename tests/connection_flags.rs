//! kubectl's connection flags (`--as`, `--as-group`, `--user`, `--cluster`,
//! `--token`, `-s/--server`, `--certificate-authority`,
//! `--insecure-skip-tls-verify`, `--tls-server-name`) on the plugins that talk
//! to a cluster, against the real local control plane, with the pinned kubectl
//! as the oracle: the same flags must get the same answers.

mod support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use base64::Engine;
use honban::kubeconfig::Kubeconfig;
use serde_json::Value;
use support::{plugin, testenv};

/// What a CI job is handed: the server, its CA file and the users' tokens.
struct Creds {
    server: String,
    ca: PathBuf,
    admin_token: String,
    restricted_token: String,
    _dir: tempfile::TempDir,
}

fn creds() -> Creds {
    let env = testenv();
    let kc = Kubeconfig::load(Some(&env.kubeconfig)).unwrap();
    let admin = kc.minify("testenv-admin").unwrap();
    let restricted = kc.minify("testenv-restricted").unwrap();
    let text = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_str).unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.crt");
    let pem = base64::engine::general_purpose::STANDARD
        .decode(text(
            &admin,
            "/clusters/0/cluster/certificate-authority-data",
        ))
        .unwrap();
    fs::write(&ca, pem).unwrap();
    Creds {
        server: text(&admin, "/clusters/0/cluster/server"),
        ca,
        admin_token: text(&admin, "/users/0/user/token"),
        restricted_token: text(&restricted, "/users/0/user/token"),
        _dir: dir,
    }
}

/// A plugin run against testenv's kubeconfig (current context: the admin).
fn run(bin: &str, args: &[&str]) -> Output {
    plugin(bin)
        .arg("--kubeconfig")
        .arg(&testenv().kubeconfig)
        .args(args)
        .output()
        .unwrap()
}

/// A plugin run as a CI job runs it: no kubeconfig anywhere, flags only.
fn run_bare(bin: &str, home: &Path, args: &[&str]) -> Output {
    plugin(bin)
        .env("HOME", home)
        .env("KUBECONFIG", home.join("no-such-kubeconfig"))
        .args(args)
        .output()
        .unwrap()
}

/// The pinned kubectl with the same flags; it answers yes or no.
fn kubectl_succeeds(args: &[&str]) -> bool {
    testenv()
        .kubectl()
        .args(args)
        .output()
        .unwrap()
        .status
        .success()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn lines(out: &Output) -> Vec<String> {
    stdout(out).lines().map(String::from).collect()
}

#[test]
fn the_admin_impersonating_the_restricted_user_gets_its_answers() {
    // Listing namespaces: the admin may, the restricted user may not.
    let admin = run("kubectl-ns", &["-o", "name"]);
    assert!(admin.status.success(), "{}", stderr(&admin));
    assert!(kubectl_succeeds(&["get", "ns"]));

    let as_restricted = run("kubectl-ns", &["--as", "restricted"]);
    let itself = run("kubectl-ns", &["--context", "testenv-restricted"]);
    assert_eq!(as_restricted.status.code(), Some(1));
    assert_eq!(stderr(&as_restricted).lines().count(), 1);
    assert!(
        stderr(&as_restricted).contains("may not list namespaces"),
        "{}",
        stderr(&as_restricted)
    );
    assert_eq!(itself.status.code(), as_restricted.status.code());
    assert!(!kubectl_succeeds(&["get", "ns", "--as", "restricted"]));

    // Checking one namespace: team-a yes, kube-system no, for both.
    for (namespace, allowed) in [("team-a", true), ("kube-system", false)] {
        assert_eq!(
            kubectl_succeeds(&["get", "ns", namespace, "--as", "restricted"]),
            allowed
        );
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = support::admin_kubeconfig_copy(dir.path());
        let out = plugin("kubectl-ns")
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .env("XDG_CACHE_HOME", dir.path().join("cache"))
            .args([namespace, "--as", "restricted"])
            .output()
            .unwrap();
        assert_eq!(
            out.status.success(),
            allowed,
            "{namespace}: {}",
            stderr(&out)
        );
        // The switch writes the admin's context: impersonation only checks.
        let kc = Kubeconfig::load(Some(&kubeconfig)).unwrap();
        let written = kc.context("testenv-admin").unwrap().namespace;
        let expected = if allowed { namespace } else { "default" };
        assert_eq!(written.as_deref(), Some(expected));
    }

    // publish reads Ingresses, which the restricted user may not list.
    let unpublish = ["unpublish", "web", "--dry-run", "-n", "team-a"];
    let out = run("kubectl-publish", &unpublish);
    assert!(
        stderr(&out).contains("nothing published"),
        "{}",
        stderr(&out)
    );
    let out = run(
        "kubectl-publish",
        &[&unpublish[..], &["--as", "restricted"]].concat(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("User \"restricted\" cannot list resource \"ingresses\""),
        "{}",
        stderr(&out)
    );
    assert!(!kubectl_succeeds(&[
        "get",
        "ingress",
        "-n",
        "team-a",
        "--as",
        "restricted"
    ]));

    // An audit as the restricted user leaves out exactly what the user cannot read.
    let not_checked = |args: &[&str]| {
        let out = run(
            "kubectl-audit",
            &[&["-n", "team-a", "-o", "json"], args].concat(),
        );
        let report: Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
        let mut kinds: Vec<String> = report["clusters"][0]["notChecked"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| format!("{} {}", n["kind"], n["namespace"]))
            .collect();
        kinds.sort();
        (out.status.code(), kinds)
    };
    let (code, impersonated) = not_checked(&["--as", "restricted"]);
    assert_eq!(code, Some(4));
    assert!(
        impersonated.iter().any(|k| k.starts_with("\"Secret\"")),
        "{impersonated:?}"
    );
    assert_eq!(
        (code, impersonated),
        not_checked(&["--context", "testenv-restricted"])
    );
    assert_eq!(
        not_checked(&[]).1,
        Vec::<String>::new(),
        "the admin reads everything"
    );
}

#[test]
fn as_group_grants_the_groups_permissions() {
    // restricted in system:masters may list namespaces.
    let out = run(
        "kubectl-ns",
        &[
            "-o",
            "name",
            "--as",
            "restricted",
            "--as-group",
            "system:masters",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(lines(&out).contains(&"namespace/kube-system".to_string()));
    assert!(kubectl_succeeds(&[
        "get",
        "ns",
        "--as",
        "restricted",
        "--as-group",
        "system:masters"
    ]));

    // A group bound in one namespace grants a user nothing without the group.
    let env = testenv();
    let ns = env.namespace("flags-group");
    let group = format!("honban-readers-{}", support::unique_suffix());
    env.kubectl_ok(&[
        "create",
        "rolebinding",
        "readers",
        "-n",
        &ns.name,
        "--clusterrole",
        "testenv-namespace-get",
        "--group",
        &group,
    ]);
    for (groups, allowed) in [(vec![], false), (vec!["--as-group", group.as_str()], true)] {
        let args = [
            &["get", "ns", ns.name.as_str(), "--as", "someone"],
            &groups[..],
        ]
        .concat();
        assert_eq!(kubectl_succeeds(&args), allowed, "kubectl {args:?}");
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = support::admin_kubeconfig_copy(dir.path());
        let out = plugin("kubectl-ns")
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .env("XDG_CACHE_HOME", dir.path().join("cache"))
            .args([&[ns.name.as_str(), "--as", "someone"], &groups[..]].concat())
            .output()
            .unwrap();
        assert_eq!(
            out.status.success(),
            allowed,
            "{groups:?}: {}",
            stderr(&out)
        );
        if !allowed {
            assert!(stderr(&out).contains("forbids"), "{}", stderr(&out));
        }
    }
}

#[test]
fn user_token_and_cluster_pick_the_credentials_as_kubectl_does() {
    let c = creds();
    // The restricted user's entry or token on the admin's context: forbidden.
    for args in [
        vec!["--user", "testenv-restricted"],
        vec!["--token", c.restricted_token.as_str()],
    ] {
        assert!(!kubectl_succeeds(&[&["get", "ns"], &args[..]].concat()));
        let out = run("kubectl-ns", &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&out).contains("may not list namespaces"),
            "{}",
            stderr(&out)
        );
    }
    // The admin's entry or token on the restricted context: allowed.
    for args in [
        vec!["--context", "testenv-restricted", "--user", "testenv-admin"],
        vec![
            "--context",
            "testenv-restricted",
            "--token",
            c.admin_token.as_str(),
        ],
    ] {
        assert!(kubectl_succeeds(&[&["get", "ns"], &args[..]].concat()));
        let out = run("kubectl-ns", &args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
    // Entries named by a flag must exist.
    let out = run("kubectl-ns", &["--cluster", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim(),
        "error: no cluster named \"nope\" in the kubeconfig (--cluster); run `kubectl config get-clusters` to list them"
    );
    let out = run(
        "kubectl-rotate_secret",
        &["history", "app", "--user", "nope"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no user named \"nope\""),
        "{}",
        stderr(&out)
    );
}

#[test]
fn server_and_token_work_without_any_kubeconfig() {
    let c = creds();
    let env = testenv();
    let ns = env.namespace("flags-ci");
    let home = tempfile::tempdir().unwrap();
    let ca = c.ca.to_str().unwrap();
    let base = [
        "--server",
        c.server.as_str(),
        "--token",
        c.admin_token.as_str(),
    ];

    // With the CA, or with verification skipped: both connect, as in kubectl.
    for tls in [
        vec!["--certificate-authority", ca],
        vec!["--insecure-skip-tls-verify"],
    ] {
        let args = [&base[..], &tls[..], &["-o", "name"]].concat();
        let ours = run_bare("kubectl-ns", home.path(), &args);
        assert!(ours.status.success(), "{tls:?}: {}", stderr(&ours));
        let names = lines(&ours);
        assert!(
            names.contains(&format!("namespace/{}", ns.name)),
            "{names:?}"
        );
        let kubectl = env
            .kubectl()
            .env("KUBECONFIG", home.path().join("no-such-kubeconfig"))
            .args([&["get", "ns"], &args[..]].concat())
            .output()
            .unwrap();
        assert!(kubectl.status.success(), "{}", stderr(&kubectl));
    }
    // Neither: the server's certificate is not trusted.
    let out = run_bare("kubectl-ns", home.path(), &base);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));

    // A CI rotation: rotate-secret makes a new version of the Secret.
    env.kubectl_ok(&[
        "create",
        "secret",
        "generic",
        "app",
        "-n",
        &ns.name,
        "--from-literal=password=old",
    ]);
    let args = [
        &base[..],
        &["--certificate-authority", ca, "-n", &ns.name],
        &["app", "--from-literal", "password=s3cret", "-o", "name"],
    ]
    .concat();
    let out = run_bare("kubectl-rotate_secret", home.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let secrets = env.kubectl_ok(&["get", "secrets", "-n", &ns.name, "-o", "name"]);
    assert!(secrets.contains("secret/app-"), "{secrets}");
    assert!(
        !stderr(&out).contains(&c.admin_token),
        "the token is never printed"
    );

    // A CI audit of that namespace.
    let args = [
        &base[..],
        &["--insecure-skip-tls-verify", "-n", &ns.name, "-o", "json"],
    ]
    .concat();
    let out = run_bare("kubectl-audit", home.path(), &args);
    let report: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    assert_eq!(report["clusters"][0]["context"], c.server.as_str());
    assert!(matches!(out.status.code(), Some(0 | 3)), "{}", stderr(&out));
}

#[test]
fn server_and_tls_server_name_override_the_cluster_entry() {
    let c = creds();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = support::admin_kubeconfig_copy(dir.path());
    // The entry points nowhere; --server points it back, keeping its CA.
    let text = fs::read_to_string(&kubeconfig).unwrap();
    fs::write(&kubeconfig, text.replace(&c.server, "https://127.0.0.1:1")).unwrap();
    let ns = |args: &[&str]| {
        plugin("kubectl-ns")
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .args(["--request-timeout", "5s", "-o", "name"])
            .args(args)
            .output()
            .unwrap()
    };
    assert_eq!(ns(&[]).status.code(), Some(1));
    let out = ns(&["-s", &c.server]);
    assert!(out.status.success(), "{}", stderr(&out));

    // The serving certificate names localhost and kubernetes.default, not example.com.
    let out = ns(&["-s", &c.server, "--tls-server-name", "kubernetes.default"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = ns(&["-s", &c.server, "--tls-server-name", "api.example.com"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    for (name, ok) in [("kubernetes.default", true), ("api.example.com", false)] {
        let args = ["get", "ns", "-s", &c.server, "--tls-server-name", name];
        let kubectl = testenv()
            .kubectl()
            .env("KUBECONFIG", &kubeconfig)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(kubectl.status.success(), ok, "{}", stderr(&kubectl));
    }
}

#[test]
fn combinations_kubectl_refuses_are_one_line_usage_errors() {
    let c = creds();
    let ca = c.ca.to_str().unwrap();
    let cases: [(&str, &[&str], &str); 5] = [
        (
            "kubectl-ns",
            &["--insecure-skip-tls-verify", "--certificate-authority", ca],
            "exclude each other",
        ),
        (
            "kubectl-ns",
            &["--as-group", "system:masters"],
            "add --as USER",
        ),
        (
            "kubectl-audit",
            &["-f", "examples/", "--as-uid", "1"],
            "add --as USER",
        ),
        (
            "kubectl-rotate_secret",
            &["history", "app", "--as-uid", "1"],
            "add --as USER",
        ),
        (
            "kubectl-audit",
            &["--all-contexts", "--server", &c.server],
            "--all-contexts",
        ),
    ];
    for (bin, args, says) in cases {
        let out = run(bin, args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{bin} {args:?}: {}",
            stderr(&out)
        );
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("error: ") && err.contains(says), "{err}");
        assert!(stdout(&out).is_empty());
    }
    // kubectl refuses the first two as well.
    assert!(!kubectl_succeeds(&[
        "get",
        "ns",
        "--insecure-skip-tls-verify",
        "--certificate-authority",
        ca
    ]));
    assert!(!kubectl_succeeds(&[
        "get",
        "ns",
        "--as-group",
        "system:masters"
    ]));
}

#[test]
fn connection_flags_complete_from_the_kubeconfig_and_rbac() {
    // Completion reads the kubeconfig the typed words name.
    let kubeconfig = testenv().kubeconfig.to_str().unwrap().to_string();
    let typed = |rest: &[&str]| -> Vec<String> {
        let words: Vec<&str> = [&["--kubeconfig", kubeconfig.as_str()], rest].concat();
        let out = plugin("kubectl-ns")
            .arg("__complete")
            .args(&words)
            .output()
            .unwrap();
        lines(&out)
    };
    assert_eq!(typed(&["--cluster", ""]), ["testenv", ":4"]);
    assert_eq!(
        typed(&["--user", "testenv-"]),
        ["testenv-admin", "testenv-restricted", ":4"]
    );
    assert_eq!(typed(&["--certificate-authority", ""]), [":0"]);
    // --as offers who the bindings name (restricted is bound in team-a).
    let as_users = typed(&["-n", "team-a", "--as", ""]);
    assert!(
        as_users.contains(&"restricted\tuser".to_string()),
        "{as_users:?}"
    );
    let groups = typed(&["--as-group", "system:m"]);
    assert!(
        groups.contains(&"system:masters\tgroup".to_string()),
        "{groups:?}"
    );
    assert!(
        groups
            .iter()
            .all(|g| g.starts_with("system:m") || g == ":4"),
        "{groups:?}"
    );
    // Typed flags reach the lookups: the restricted user cannot list namespaces.
    assert!(typed(&["-n", ""]).contains(&"kube-system".to_string()));
    assert_eq!(typed(&["--as", "restricted", "-n", ""]), [":4"]);
}

#[test]
fn an_unreachable_server_is_named_with_the_cause_and_what_to_check() {
    let c = creds();
    let home = tempfile::tempdir().unwrap();
    // A port nothing listens on: bound, then released.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}", closed.local_addr().unwrap());
    drop(closed);
    let ca = c.ca.to_str().unwrap();
    let base = [
        "--token",
        c.admin_token.as_str(),
        "--request-timeout",
        "10s",
    ];
    let out = run_bare(
        "kubectl-ns",
        home.path(),
        &[
            &base[..],
            &["--server", &url, "--certificate-authority", ca],
        ]
        .concat(),
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(&url), "names the server: {err}");
    assert!(err.contains("connection refused"), "{err}");
    assert!(
        err.contains("--server") && err.contains("cluster is up"),
        "{err}"
    );
    assert!(!err.contains("ServiceError"), "{err}");

    // The real server with a CA that did not sign its certificate: kubectl
    // refuses it too; the message says TLS and points at the CA.
    let wrong_ca = support::repo_root().join("tests/fixtures/tls/unrelated-ca.crt");
    let wrong_ca = wrong_ca.to_str().unwrap();
    let tls = [
        &base[..],
        &["--server", &c.server, "--certificate-authority", wrong_ca],
    ]
    .concat();
    let kubectl = testenv()
        .kubectl()
        .env("KUBECONFIG", home.path().join("no-such-kubeconfig"))
        .args([&["get", "ns"], &tls[..]].concat())
        .output()
        .unwrap();
    assert!(!kubectl.status.success(), "{}", stdout(&kubectl));
    for bin in ["kubectl-ns", "kubectl-audit"] {
        let out = run_bare(bin, home.path(), &tls);
        assert_eq!(out.status.code(), Some(1), "{bin}: {}", stdout(&out));
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{bin}: {err}");
        assert!(err.contains(&c.server), "{bin}: {err}");
        assert!(err.contains("TLS verification failed"), "{bin}: {err}");
        assert!(err.contains("certificate-authority"), "{bin}: {err}");
        assert!(
            !err.contains(&c.admin_token),
            "{bin}: the token is never printed"
        );
    }
}
