//! The house rules (docs/ARCHITECTURE.md), checked on the source tree:
//! capabilities use only the plumbing, the plumbing uses no capability, no
//! sibling modules import each other, files and functions stay small, and a
//! plugin's `main.rs` is parse-and-one-call.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// One module per plugin family; each may use only the plumbing.
const CAPABILITIES: &[&str] = &["switch", "aws_token", "rotate", "publish", "audit"];
const MAX_FILE_LINES: usize = 600;
const MAX_FN_LINES: usize = 80;
const MAX_MAIN_LINES: usize = 60;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn sources() -> Vec<(String, String)> {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(root().join("src")).unwrap();
            (
                rel.to_string_lossy().into_owned(),
                fs::read_to_string(&p).unwrap(),
            )
        })
        .collect()
}

/// The code before the file's unit tests (`#[cfg(test)]` at column 0).
fn without_tests(text: &str) -> &str {
    match text.find("\n#[cfg(test)]") {
        Some(i) => &text[..i],
        None => text,
    }
}

/// The top-level module a file belongs to: `rotate/refs.rs` → `rotate`.
fn top_module(rel: &str) -> &str {
    rel.split('/').next().unwrap().trim_end_matches(".rs")
}

/// Top-level modules this code names through `crate::` (also inside grouped
/// `use crate::{a, b::c}`).
fn crate_references(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    found.insert(name);
                }
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            found.insert(name);
        }
    }
    found
}

#[test]
fn capabilities_use_only_the_plumbing_and_the_plumbing_no_capability() {
    let mut wrong = Vec::new();
    for (rel, text) in sources() {
        let home = top_module(&rel);
        for name in crate_references(&text) {
            let foreign_capability = CAPABILITIES.contains(&name.as_str()) && name != home;
            if foreign_capability {
                wrong.push(format!("src/{rel} uses crate::{name}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "a capability may use only the plumbing (docs/ARCHITECTURE.md):\n{}",
        wrong.join("\n")
    );
}

#[test]
fn reference_scan_sees_grouped_and_plain_paths() {
    let refs =
        crate_references("use crate::{audit::x, error::Result};\nlet a = crate::rotate::f();");
    assert_eq!(
        refs.into_iter().collect::<Vec<_>>(),
        ["audit", "error", "rotate"]
    );
}

/// `a.rs` and `b.rs` in one directory that name each other (`super::b` /
/// `super::a`): two rooms with one wall, which makes neither readable alone.
#[test]
fn no_sibling_modules_import_each_other() {
    let mut names: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (rel, text) in sources() {
        let path = Path::new(&rel);
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        if stem == "mod" || stem == "lib" {
            continue;
        }
        let dir = path.parent().unwrap().to_string_lossy().into_owned();
        let code = without_tests(&text);
        let siblings: BTreeSet<String> = code
            .match_indices("super::")
            .map(|(i, _)| {
                code[i + "super::".len()..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect()
            })
            .collect();
        for s in siblings {
            names
                .entry(format!("{dir}/{stem}"))
                .or_default()
                .insert(format!("{dir}/{s}"));
        }
    }
    let mut circles = Vec::new();
    for (a, targets) in &names {
        for b in targets {
            if a < b && names.get(b).is_some_and(|t| t.contains(a)) {
                circles.push(format!("{a} <-> {b}"));
            }
        }
    }
    assert!(
        circles.is_empty(),
        "sibling modules import each other:\n{}",
        circles.join("\n")
    );
}

#[test]
fn no_source_file_over_the_limit() {
    let mut big = Vec::new();
    for (rel, text) in sources() {
        let lines = without_tests(&text).lines().count();
        if lines > MAX_FILE_LINES {
            big.push(format!("src/{rel}: {lines} lines"));
        }
    }
    assert!(
        big.is_empty(),
        "files over {MAX_FILE_LINES} lines (tests aside); split by responsibility:\n{}",
        big.join("\n")
    );
}

/// rustfmt closes a function's body at the indentation of its `fn` line.
fn long_functions(rel: &str, code: &str) -> Vec<String> {
    let lines: Vec<&str> = code.lines().collect();
    let mut long = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let is_fn = [
            "fn ",
            "pub fn ",
            "pub(crate) fn ",
            "async fn ",
            "pub async fn ",
            "pub(crate) async fn ",
            "const fn ",
            "pub const fn ",
        ]
        .iter()
        .any(|p| trimmed.starts_with(p));
        if !is_fn || trimmed.ends_with(';') || trimmed.ends_with('}') {
            continue;
        }
        let indent = &line[..line.len() - trimmed.len()];
        let close = format!("{indent}}}");
        if let Some(len) = lines[start + 1..].iter().position(|l| *l == close)
            && len + 2 > MAX_FN_LINES
        {
            {
                let name: String = trimmed
                    .split("fn ")
                    .nth(1)
                    .unwrap_or("")
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                long.push(format!("src/{rel}:{} {name}: {} lines", start + 1, len + 2));
            }
        }
    }
    long
}

#[test]
fn no_function_over_the_limit() {
    let mut long = Vec::new();
    for (rel, text) in sources() {
        long.extend(long_functions(&rel, without_tests(&text)));
    }
    assert!(
        long.is_empty(),
        "functions over {MAX_FN_LINES} lines; split by step:\n{}",
        long.join("\n")
    );
}

#[test]
fn function_scan_measures_a_body() {
    let code = format!(
        "fn short() {{\n}}\n\nfn long() {{\n{}}}\n",
        "    x;\n".repeat(90)
    );
    let found = long_functions("x.rs", &code);
    assert_eq!(found, ["src/x.rs:4 long: 92 lines"]);
}

#[test]
fn plugin_mains_are_parse_and_one_call() {
    let mut fat = Vec::new();
    for entry in fs::read_dir(root().join("plugins")).unwrap() {
        let main = entry.unwrap().path().join("src/main.rs");
        let Ok(text) = fs::read_to_string(&main) else {
            continue;
        };
        let lines = text.lines().count();
        if lines > MAX_MAIN_LINES || !text.contains("honban::plugin::main::<") {
            fat.push(format!("{}: {lines} lines", main.display()));
        }
    }
    assert!(
        fat.is_empty(),
        "a plugin's main.rs is `honban::plugin::main::<Args>()` and at most {MAX_MAIN_LINES} lines:\n{}",
        fat.join("\n")
    );
}

/// ctx, ns and audit never call AWS, so they must not pay for compiling its
/// SDK: the core crate's `aws` feature is off for them (Cargo.toml).
/// rotate-secret turns it on: `--from-sops` decrypts with AWS KMS.
#[test]
fn plugins_that_never_call_aws_link_no_aws_sdk() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    for plugin in ["kubectl-ctx", "kubectl-ns", "kubectl-audit"] {
        let out = std::process::Command::new(&cargo)
            .args([
                "tree",
                "--offline",
                "-e",
                "normal,build",
                "--prefix",
                "none",
                "-p",
                plugin,
            ])
            .current_dir(root())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let tree = String::from_utf8(out.stdout).unwrap();
        let aws: BTreeSet<&str> = tree
            .lines()
            .filter_map(|l| l.split_whitespace().next())
            .filter(|name| {
                [
                    "aws-config",
                    "aws-sdk-",
                    "aws-sigv4",
                    "aws-credential-types",
                    "aws-smithy-",
                    "aws-runtime",
                ]
                .iter()
                .any(|p| name.starts_with(p))
            })
            .collect();
        assert!(aws.is_empty(), "{plugin} compiles {aws:?}");
    }
    // The check sees them where they are.
    let out = std::process::Command::new(&cargo)
        .args([
            "tree",
            "--offline",
            "-e",
            "normal",
            "--prefix",
            "none",
            "-p",
            "kubectl-aws-token",
        ])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("aws-sigv4"));
}
