//! `--help`, the man pages and the examples agree, and name the commands as
//! users type them (`kubectl aws-token`, not the binary `kubectl-aws_token`).

mod support;

use support::{plugin, repo_root};

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
