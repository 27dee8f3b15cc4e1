//! Completion and man pages for every plugin, end to end: `kubectl __complete
//! <plugin> …` runs the shipped `kubectl_complete-*` script, which runs the
//! plugin; cluster-backed values come from the real testenv.

mod support;

use std::fs;
use std::path::Path;
use std::process::Command;

use support::{kubectl_path, path_with_plugins, testenv};

/// (binary suffix, kubectl's plugin name).
const PLUGINS: &[(&str, &str)] = &[
    ("ctx", "ctx"),
    ("ns", "ns"),
    ("aws_token", "aws-token"),
    ("rotate_secret", "rotate-secret"),
    ("publish", "publish"),
    ("audit", "audit"),
];

/// `kubectl __complete WORDS…` with the plugins and their completers on PATH;
/// returns the output lines (values only, descriptions dropped) and the directive.
fn kubectl_complete(kubeconfig: &Path, home: &Path, words: &[&str]) -> (Vec<String>, String) {
    let out = Command::new(kubectl_path())
        .env("PATH", path_with_plugins())
        .env("KUBECONFIG", kubeconfig)
        .env("HOME", home)
        .env_remove("AWS_CONFIG_FILE")
        .env_remove("AWS_SHARED_CREDENTIALS_FILE")
        .env_remove("AWS_PROFILE")
        .arg("__complete")
        .args(words)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "kubectl __complete {words:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut values: Vec<String> = text
        .lines()
        .map(|l| l.split('\t').next().unwrap().to_string())
        .collect();
    let directive = values.pop().unwrap_or_default();
    assert!(directive.starts_with(':'), "no directive line in {text:?}");
    (values, directive)
}

fn has(values: &[String], want: &str) -> bool {
    values.iter().any(|v| v == want)
}

#[test]
fn shipped_completion_scripts_match_the_binaries() {
    for (bin, _) in PLUGINS {
        for shell in ["bash", "zsh", "fish"] {
            let out = Command::new(support::bin(&format!("kubectl-{bin}")))
                .args(["--completion", shell])
                .output()
                .unwrap();
            assert!(out.status.success(), "kubectl-{bin} --completion {shell}");
            let path = support::repo_root().join(format!("completions/kubectl-{bin}.{shell}"));
            let shipped = fs::read_to_string(&path).unwrap_or_default();
            assert_eq!(
                String::from_utf8(out.stdout).unwrap(),
                shipped,
                "completions/kubectl-{bin}.{shell} is stale; regenerate with kubectl-{bin} --completion {shell}"
            );
        }
        // kubectl finds the dynamic completer by this exact name.
        let completer = support::repo_root().join(format!("completions/kubectl_complete-{bin}"));
        let text = fs::read_to_string(&completer).unwrap();
        assert!(
            text.contains(&format!("exec kubectl-{bin} __complete \"$@\"")),
            "{}: {text}",
            completer.display()
        );
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&completer).unwrap().permissions().mode();
        assert!(
            mode & 0o111 != 0,
            "{} is not executable",
            completer.display()
        );
    }
}

/// The first man page formatter found: man, then groff, then mandoc.
fn formatter() -> Option<Vec<&'static str>> {
    let found = |name: &str| {
        Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if found("man") {
        Some(vec!["man", "--warnings", "-l"])
    } else if found("groff") {
        Some(vec!["groff", "-man", "-Tutf8", "-ww", "-z"])
    } else if found("mandoc") {
        Some(vec!["mandoc", "-Tlint", "-Wwarning"])
    } else {
        None
    }
}

#[test]
fn shipped_man_pages_match_the_binaries_and_render() {
    let formatter = formatter();
    if formatter.is_none() {
        support::skip(
            "man page rendering",
            "no man, groff or mandoc on this machine; the pages were only compared",
        );
    }
    for (bin, plugin) in PLUGINS {
        let out = Command::new(support::bin(&format!("kubectl-{bin}")))
            .arg("__man")
            .output()
            .unwrap();
        assert!(out.status.success(), "kubectl-{bin} __man");
        let page = String::from_utf8(out.stdout).unwrap();
        let path = support::repo_root().join(format!("man/man1/kubectl-{bin}.1"));
        let shipped = fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            page, shipped,
            "man/man1/kubectl-{bin}.1 is stale; regenerate with kubectl-{bin} __man > man/man1/kubectl-{bin}.1"
        );
        assert_eq!(
            page.matches(".TH ").count(),
            1,
            "one title line in kubectl-{bin}.1"
        );
        let Some(cmd) = &formatter else { continue };
        let rendered = Command::new(cmd[0])
            .args(&cmd[1..])
            .arg(&path)
            .env("MANWIDTH", "100")
            .env("LC_ALL", "C.UTF-8")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&rendered.stderr);
        assert!(
            rendered.status.success() && stderr.trim().is_empty(),
            "{} on kubectl-{bin}.1: {stderr}",
            cmd.join(" ")
        );
        if cmd[0] == "man" {
            let text = String::from_utf8_lossy(&rendered.stdout);
            for heading in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS"] {
                assert!(
                    text.contains(heading),
                    "kubectl-{bin}.1 has no {heading}:\n{text}"
                );
            }
            assert!(
                text.contains(&format!("kubectl {plugin}")),
                "kubectl-{bin}.1 does not name `kubectl {plugin}`:\n{text}"
            );
        }
    }
    // Subcommands are documented in the same page, not in pages that do not exist.
    let aws =
        fs::read_to_string(support::repo_root().join("man/man1/kubectl-aws_token.1")).unwrap();
    assert!(
        aws.contains("COMMAND: kubectl aws\\-token cache list"),
        "{aws}"
    );
    assert!(!aws.contains("aws-token-setup(1)"), "{aws}");
}

#[test]
fn aws_token_completes_profiles_subcommands_and_flags_through_kubectl() {
    let home = tempfile::tempdir().unwrap();
    fs::create_dir_all(home.path().join(".aws")).unwrap();
    fs::write(
        home.path().join(".aws/config"),
        "[default]\nregion = us-east-1\n\n[profile prod-admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = default\n\n[profile staging]\nregion = eu-west-1\n",
    )
    .unwrap();
    fs::write(
        home.path().join(".aws/credentials"),
        "[ci-bot]\naws_access_key_id = AKIDEXAMPLE\n",
    )
    .unwrap();
    let kc = home.path().join("no-kubeconfig");
    let complete = |words: &[&str]| kubectl_complete(&kc, home.path(), words);

    let (values, directive) = complete(&["aws-token", "--cluster-name", "prod", "--profile", ""]);
    assert_eq!(values, ["ci-bot", "default", "prod-admin", "staging"]);
    assert_eq!(directive, ":4");
    let (values, _) = complete(&["aws-token", "--cluster-name", "prod", "--profile", "pr"]);
    assert_eq!(values, ["prod-admin"]);
    let (values, _) = complete(&["aws-token", "setup", "--profile=st"]);
    assert_eq!(values, ["--profile=staging"]);

    let (values, _) = complete(&["aws-token", ""]);
    for sub in ["cache", "setup", "migrate", "verify"] {
        assert!(has(&values, sub), "{sub} in {values:?}");
    }
    // Token flags exclude subcommands.
    let (values, _) = complete(&["aws-token", "--cluster-name", "prod", ""]);
    assert!(values.is_empty(), "{values:?}");
    let (values, _) = complete(&["aws-token", "cache", ""]);
    assert_eq!(values, ["list", "clear"]);
    let (values, _) = complete(&["aws-token", "cache", "list", "-o", "j"]);
    assert_eq!(values, ["json"]);
    let (values, _) = complete(&["aws-token", "--cluster-name", "x", "--ro"]);
    assert_eq!(values, ["--role-arn"]);
    // A flag already given is not offered again; the hidden one never is.
    let (values, _) = complete(&["aws-token", "--cluster-name", "x", "--"]);
    assert!(!has(&values, "--cluster-name"), "{values:?}");
    assert!(has(&values, "--profile"), "{values:?}");
    assert!(!has(&values, "--completion"), "{values:?}");
    // File values go to the shell's file completion.
    let (values, directive) = complete(&["aws-token", "setup", "--ca-file", ""]);
    assert!(values.is_empty(), "{values:?}");
    assert_eq!(directive, ":0");
}

#[test]
fn rotate_secret_completes_secrets_and_configmaps_of_the_typed_namespace() {
    let env = testenv();
    let mine = env.namespace("cmpl-rot");
    let other = env.namespace("cmpl-rot-other");
    env.kubectl_ok(&[
        "create",
        "secret",
        "generic",
        "db-creds",
        "-n",
        &mine.name,
        "--from-literal=password=x",
    ]);
    env.kubectl_ok(&[
        "create",
        "configmap",
        "web-conf",
        "-n",
        &mine.name,
        "--from-literal=a=b",
    ]);
    env.kubectl_ok(&[
        "create",
        "secret",
        "generic",
        "elsewhere",
        "-n",
        &other.name,
        "--from-literal=k=v",
    ]);
    env.kubectl_ok(&[
        "create",
        "configmap",
        "elsewhere-conf",
        "-n",
        &other.name,
        "--from-literal=k=v",
    ]);
    let home = tempfile::tempdir().unwrap();
    let complete = |words: &[&str]| kubectl_complete(&env.kubeconfig, home.path(), words);

    let (values, directive) = complete(&["rotate-secret", "-n", &mine.name, ""]);
    assert_eq!(directive, ":4");
    for want in [
        "db-creds",
        "configmap/web-conf",
        "refs",
        "history",
        "undo",
        "prune",
    ] {
        assert!(has(&values, want), "{want} in {values:?}");
    }
    assert!(
        !values.iter().any(|v| v.contains("elsewhere")),
        "another namespace leaked in: {values:?}"
    );
    // The prefix picks the kind, spelled as typed; --namespace= works too.
    let ns_flag = format!("--namespace={}", mine.name);
    let (values, _) = complete(&["rotate-secret", "history", &ns_flag, "cm/"]);
    assert!(has(&values, "cm/web-conf"), "{values:?}");
    assert!(!values.iter().any(|v| v.contains("db-creds")), "{values:?}");
    let (values, _) = complete(&["rotate-secret", "refs", "-n", &other.name, "secret/"]);
    assert_eq!(values, ["secret/elsewhere"]);

    // A rotated Secret's versions are offered once, as the base they version.
    let out = env
        .kubectl()
        .args([
            "rotate-secret",
            "db-creds",
            "--from-literal",
            "password=y",
            "-n",
            &mine.name,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = env.kubectl_ok(&["get", "secrets", "-n", &mine.name, "-o", "name"]);
    assert!(
        listed.lines().any(|l| l.starts_with("secret/db-creds-")),
        "a version exists: {listed}"
    );
    let (values, _) = complete(&["rotate-secret", "undo", "-n", &mine.name, "db"]);
    assert_eq!(values, ["db-creds"]);

    // Source flags complete files; --dry-run= its modes.
    let (values, directive) = complete(&["rotate-secret", "db-creds", "--from-env-file", ""]);
    assert!(values.is_empty());
    assert_eq!(directive, ":0");
    let (values, _) = complete(&["rotate-secret", "db-creds", "--type", "kubernetes.io/t"]);
    assert_eq!(values, ["kubernetes.io/tls"]);
    let (values, _) = complete(&["rotate-secret", "db-creds", "--dry-run="]);
    assert_eq!(
        values,
        ["--dry-run=none", "--dry-run=client", "--dry-run=server"]
    );

    // A user who may not list Secrets still gets the subcommands, and no error.
    let ctx = [
        "rotate-secret",
        "--context",
        "testenv-restricted",
        "-n",
        "team-a",
        "",
    ];
    let (values, directive) = complete(&ctx);
    assert_eq!(directive, ":4");
    assert!(has(&values, "refs"), "{values:?}");
}

#[test]
fn completion_against_an_unreachable_cluster_is_quiet() {
    let home = tempfile::tempdir().unwrap();
    let kc = home.path().join("config");
    // A port nobody listens on.
    fs::write(
        &kc,
        "apiVersion: v1\nkind: Config\ncurrent-context: gone\nclusters:\n- name: gone\n  cluster: {server: 'https://127.0.0.1:9'}\ncontexts:\n- name: gone\n  context: {cluster: gone, user: u}\nusers:\n- name: u\n  user: {token: t}\n",
    )
    .unwrap();
    let (values, directive) = kubectl_complete(&kc, home.path(), &["publish", "deploy/"]);
    assert!(values.is_empty(), "{values:?}");
    assert_eq!(directive, ":4");
    let (values, _) = kubectl_complete(&kc, home.path(), &["rotate-secret", ""]);
    assert!(has(&values, "history"), "{values:?}");
}

#[test]
fn publish_completes_kinds_workloads_and_published_names() {
    use honban::labels::publish::{MANAGED_BY, MANAGED_BY_LABEL, NAME_LABEL};
    let env = testenv();
    let mine = env.namespace("cmpl-pub");
    let other = env.namespace("cmpl-pub-other");
    env.kubectl_ok(&[
        "create",
        "deployment",
        "web",
        "--image=nginx:1.27",
        "-n",
        &mine.name,
    ]);
    env.kubectl_ok(&[
        "create",
        "deployment",
        "other-web",
        "--image=nginx:1.27",
        "-n",
        &other.name,
    ]);
    env.kubectl_ok(&[
        "create",
        "service",
        "clusterip",
        "api",
        "--tcp=80:8080",
        "-n",
        &mine.name,
    ]);
    env.apply(
        &mine.name,
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  serviceName: db\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    spec: {containers: [{name: db, image: postgres:17}]}\n",
    );
    // What publish leaves behind, found by its labels; and an Ingress it did not make.
    env.apply(
        &mine.name,
        &format!(
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: shop\n  labels: {{{MANAGED_BY_LABEL}: {MANAGED_BY}, {NAME_LABEL}: shop}}\nspec:\n  defaultBackend: {{service: {{name: api, port: {{number: 80}}}}}}\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: hand-made}}\nspec:\n  defaultBackend: {{service: {{name: api, port: {{number: 80}}}}}}\n"
        ),
    );
    let home = tempfile::tempdir().unwrap();
    let complete = |words: &[&str]| kubectl_complete(&env.kubeconfig, home.path(), words);

    let (values, directive) = complete(&["publish", "-n", &mine.name, ""]);
    for want in [
        "deploy/",
        "statefulset/",
        "svc/",
        "status",
        "doctor",
        "unpublish",
    ] {
        assert!(has(&values, want), "{want} in {values:?}");
    }
    assert_eq!(directive, ":4");
    // NoSpace when only a kind prefix is left: the name goes on.
    let (values, directive) = complete(&["publish", "-n", &mine.name, "de"]);
    assert_eq!(
        (values, directive.as_str()),
        (vec!["deploy/".to_string()], ":6")
    );
    let (values, directive) = complete(&["publish", "-n", &mine.name, "statu"]);
    assert_eq!(
        (values, directive.as_str()),
        (vec!["status".to_string()], ":4")
    );
    let (values, _) = complete(&["publish", "-n", &mine.name, "deploy/"]);
    assert_eq!(values, ["deploy/web"]);
    let (values, _) = complete(&["publish", "-n", &mine.name, "sts/"]);
    assert_eq!(values, ["sts/db"]);
    let (values, _) = complete(&["publish", "-n", &mine.name, "svc/"]);
    assert_eq!(values, ["svc/api"]);
    let (values, _) = complete(&["publish", "-n", &other.name, "deploy/"]);
    assert_eq!(values, ["deploy/other-web"]);

    let (values, _) = complete(&["publish", "status", "-n", &mine.name, ""]);
    assert_eq!(values, ["shop"]);
    let (values, _) = complete(&["publish", "unpublish", "-n", &other.name, ""]);
    assert!(values.is_empty(), "{values:?}");

    let (values, _) = complete(&["publish", "deploy/web", "--dry-run="]);
    assert!(has(&values, "--dry-run=server"), "{values:?}");
    let (values, _) = complete(&["publish", "doctor", "--int"]);
    assert_eq!(values, ["--internal"]);
}

#[test]
fn audit_completes_check_ids_categories_and_files() {
    let home = tempfile::tempdir().unwrap();
    let kc = home.path().join("no-kubeconfig");
    let complete = |words: &[&str]| kubectl_complete(&kc, home.path(), words);
    let catalogue = support::plugin("kubectl-audit")
        .args(["checks", "-o", "json"])
        .output()
        .unwrap();
    assert!(catalogue.status.success());
    let checks: serde_json::Value = serde_json::from_slice(&catalogue.stdout).unwrap();
    let ids: Vec<String> = checks
        .as_array()
        .or_else(|| checks.get("checks").and_then(|c| c.as_array()))
        .expect("the catalogue is a list")
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    assert!(ids.len() > 10, "{ids:?}");

    let (values, directive) = complete(&["audit", "--checks", ""]);
    assert_eq!(directive, ":4");
    for id in &ids {
        assert!(has(&values, id), "{id} in {values:?}");
    }
    for category in [
        "reliability",
        "tenancy",
        "security",
        "health",
        "observability",
    ] {
        assert!(has(&values, category), "{category} in {values:?}");
    }
    // List values complete their last item and skip those already given.
    let first = &ids[0];
    let (values, _) = complete(&["audit", "--skip", &format!("{first},")]);
    assert_eq!(values.len(), ids.len() - 1 + 5, "{values:?}");
    assert!(values.iter().all(|v| v.starts_with(&format!("{first},"))));
    assert!(!has(&values, &format!("{first},{first}")));

    let (values, directive) = complete(&["audit", "-f", ""]);
    assert!(values.is_empty());
    assert_eq!(directive, ":0");
    let (values, _) = complete(&["audit", "--fail-on", ""]);
    assert!(has(&values, "warning"), "{values:?}");
    let (values, _) = complete(&["audit", ""]);
    assert_eq!(values, ["checks", "install", "uninstall", "reports"]);
    let (values, _) = complete(&["audit", "-"]);
    assert!(
        has(&values, "--filename") && has(&values, "--skip"),
        "{values:?}"
    );
    let (values, _) = complete(&["audit", "--all-n"]);
    assert_eq!(values, ["--all-namespaces"]);
}

/// `kubectl-x --completion bash | head` and `__man | head` close the pipe early:
/// a quiet exit 0, never a panic.
#[test]
fn scripts_and_pages_survive_a_closed_pipe() {
    for args in [&["--completion", "bash"][..], &["__man"][..]] {
        let mut child = Command::new(support::bin("kubectl-publish"))
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {:?} {stderr}", out.status);
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}
