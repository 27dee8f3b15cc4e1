//! Tables as a newcomer sees them: columns that line up with colour on, and
//! an audit table that fits the terminal it is shown on (a real
//! pseudo-terminal here) while pipes keep one full line per finding.

mod support;

use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;
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
