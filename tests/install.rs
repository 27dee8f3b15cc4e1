//! `./install.sh` into a temporary PREFIX with the binaries this suite built
//! (`--from`, so no release build), and `./install.sh --uninstall` after it.

mod support;

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::{bin_dir, kubectl_path, repo_root};

fn install(prefix: &Path, args: &[&str]) -> Output {
    Command::new(repo_root().join("install.sh"))
        .args(args)
        .env("PREFIX", prefix)
        .env("NO_COLOR", "1")
        .env_remove("HONBAN_INSTALL_FROM")
        .output()
        .expect("run install.sh")
}

fn install_from_build(prefix: &Path) -> Output {
    let from = bin_dir();
    let out = install(prefix, &["--from", from.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "install.sh failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Every file and directory under `root`, relative to it.
fn tree(root: &Path) -> BTreeSet<String> {
    fn walk(root: &Path, dir: &Path, found: &mut BTreeSet<String>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if path.is_dir() {
                found.insert(format!("{relative}/"));
                walk(root, &path, found);
            } else {
                found.insert(relative);
            }
        }
    }
    let mut found = BTreeSet::new();
    walk(root, root, &mut found);
    found
}

fn plugin_binaries() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(repo_root().join("plugins"))
        .unwrap()
        .map(|e| e.unwrap())
        // One directory per plugin; files beside them (the shared build script) are not plugins.
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().to_string_lossy().replace('-', "_"))
        .map(|name| format!("kubectl-{name}"))
        .collect();
    names.sort();
    names
}

/// Files in a repo directory whose names end with `suffix`.
fn repo_files(dir: &str, suffix: &str) -> Vec<(String, PathBuf)> {
    let Ok(listing) = fs::read_dir(repo_root().join(dir)) else {
        return Vec::new();
    };
    let mut files: Vec<(String, PathBuf)> = listing
        .map(|e| e.unwrap().path())
        .filter_map(|path| {
            let name = path.file_name()?.to_str()?.to_string();
            name.strip_suffix(suffix)
                .map(|stem| (stem.to_string(), path.clone()))
        })
        .collect();
    files.sort();
    files
}

/// Files that belong to someone else and must survive an uninstall.
const UNRELATED: [&str; 4] = [
    "bin/other-tool",
    "share/man/man1/other-tool.1",
    "share/bash-completion/completions/other-tool",
    "notes.txt",
];

#[test]
fn install_puts_every_file_where_kubectl_man_and_shells_look_and_uninstall_removes_only_those() {
    let prefix = tempfile::tempdir().unwrap();
    let prefix = prefix.path();
    for file in UNRELATED {
        let path = prefix.join(file);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, "not honban's\n").unwrap();
    }
    let before = tree(prefix);

    let out = install_from_build(prefix);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("building"),
        "--from must not build: {stderr}"
    );
    // The main job ran on the installed kubectl-audit and printed its report.
    assert!(stderr.contains("main job"), "{stderr}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("examples/"),
        "audit report: {}",
        String::from_utf8_lossy(&out.stdout)
    );

    for binary in plugin_binaries() {
        let installed = prefix.join("bin").join(&binary);
        let mode = fs::metadata(&installed)
            .unwrap_or_else(|e| panic!("{}: {e}", installed.display()))
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755, "{binary}");
        assert_eq!(
            fs::metadata(&installed).unwrap().len(),
            fs::metadata(bin_dir().join(&binary)).unwrap().len(),
            "{binary} is not the built one"
        );
    }
    let helpers = repo_files("completions", "")
        .into_iter()
        .filter(|(name, _)| name.starts_with("kubectl_complete-"))
        .collect::<Vec<_>>();
    assert!(
        !helpers.is_empty(),
        "no kubectl_complete-* helpers in completions/"
    );
    for (name, _) in &helpers {
        assert!(prefix.join("bin").join(name).is_file(), "bin/{name}");
    }

    // kubectl finds every plugin on PATH.
    let plugins = Command::new(kubectl_path())
        .args(["plugin", "list", "--name-only"])
        .env(
            "PATH",
            format!("{}:/usr/bin:/bin", prefix.join("bin").display()),
        )
        .output()
        .unwrap();
    let listed = String::from_utf8_lossy(&plugins.stdout);
    for binary in plugin_binaries() {
        assert!(
            listed.lines().any(|l| l == binary),
            "kubectl plugin list: {listed}"
        );
    }

    // bash: the file is named after the command it completes.
    let bash = repo_files("completions", ".bash");
    assert!(!bash.is_empty(), "no bash completions in completions/");
    for (command, _) in &bash {
        let script = prefix
            .join("share/bash-completion/completions")
            .join(command);
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "source '{}' && complete -p {command}",
                script.display()
            ))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // zsh autoloads _<command> from site-functions; fish loads <command>.fish.
    for (command, _) in repo_files("completions", ".zsh") {
        let script = prefix.join(format!("share/zsh/site-functions/_{command}"));
        let text =
            fs::read_to_string(&script).unwrap_or_else(|e| panic!("{}: {e}", script.display()));
        assert!(
            text.starts_with(&format!("#compdef {command}")),
            "{}",
            script.display()
        );
    }
    for (command, _) in repo_files("completions", ".fish") {
        let script = prefix.join(format!("share/fish/vendor_completions.d/{command}.fish"));
        let text =
            fs::read_to_string(&script).unwrap_or_else(|e| panic!("{}: {e}", script.display()));
        assert!(
            text.contains(&format!("-c {command}")),
            "{}",
            script.display()
        );
    }

    let pages = repo_files("man/man1", ".1");
    if pages.is_empty() {
        support::skip(
            "install man lookup",
            "man/man1/ has no pages in this checkout",
        );
    } else if Command::new("man").arg("--version").output().is_err() {
        support::skip("install man lookup", "man is not installed");
    } else {
        let man_dir = prefix.join("share/man");
        for (page, _) in &pages {
            let found = Command::new("man")
                .arg("-M")
                .arg(&man_dir)
                .args(["-w", page])
                .output()
                .unwrap();
            assert_eq!(
                String::from_utf8_lossy(&found.stdout).trim(),
                man_dir.join(format!("man1/{page}.1")).to_string_lossy(),
                "man -w {page}: {}",
                String::from_utf8_lossy(&found.stderr)
            );
        }
        let shown = Command::new("man")
            .arg("-M")
            .arg(&man_dir)
            .arg("kubectl-audit")
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "80")
            .output()
            .unwrap();
        assert!(
            shown.status.success(),
            "{}",
            String::from_utf8_lossy(&shown.stderr)
        );
        let page = String::from_utf8_lossy(&shown.stdout);
        assert!(
            page.contains("KUBECTL-AUDIT(1)") && page.contains("kubectl audit"),
            "{page}"
        );
    }

    // A second install over the first changes nothing the uninstall relies on.
    let record = prefix.join("share/honban/installed");
    let first = fs::read_to_string(&record).unwrap();
    install_from_build(prefix);
    assert_eq!(fs::read_to_string(&record).unwrap(), first);

    let out = install(prefix, &["--uninstall"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        tree(prefix),
        before,
        "uninstall should leave exactly what was there before install"
    );
}

#[test]
fn uninstall_without_a_record_refuses_and_touches_nothing() {
    let prefix = tempfile::tempdir().unwrap();
    fs::create_dir_all(prefix.path().join("bin")).unwrap();
    fs::write(prefix.path().join("bin/kubectl-ctx"), "someone else's\n").unwrap();
    let before = tree(prefix.path());
    let out = install(prefix.path(), &["--uninstall"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to uninstall"));
    assert_eq!(tree(prefix.path()), before);
}

#[test]
fn uninstall_ignores_record_entries_outside_the_prefix() {
    let scratch = tempfile::tempdir().unwrap();
    let prefix = scratch.path().join("prefix");
    let outside = scratch.path().join("outside.txt");
    fs::write(&outside, "keep\n").unwrap();
    fs::create_dir_all(prefix.join("share/honban")).unwrap();
    fs::create_dir_all(prefix.join("bin")).unwrap();
    fs::write(prefix.join("bin/kubectl-ns"), "installed\n").unwrap();
    fs::write(
        prefix.join("share/honban/installed"),
        format!(
            "f ../outside.txt\nf {}\nf bin/kubectl-ns\n",
            outside.display()
        ),
    )
    .unwrap();
    let out = install(&prefix, &["--uninstall"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(outside.exists(), "a record entry reached outside PREFIX");
    assert!(!prefix.join("bin/kubectl-ns").exists());
}

#[test]
fn unknown_install_option_is_a_usage_error() {
    let prefix = tempfile::tempdir().unwrap();
    let out = install(prefix.path(), &["--frm", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(tree(prefix.path()), BTreeSet::new());
}

/// Runs install.sh's release-build step with a stand-in `cargo` first on
/// PATH that records its arguments and whether its stderr is a terminal, then
/// fails, so no real release build runs. Returns (install.sh stderr, record).
fn build_step(on_terminal: bool) -> (String, String) {
    let scratch = tempfile::tempdir().unwrap();
    let fake = scratch.path().join("bin");
    fs::create_dir_all(&fake).unwrap();
    let record = scratch.path().join("cargo-call");
    fs::write(
        fake.join("cargo"),
        format!(
            "#!/bin/sh\n{{ echo \"$*\"; if [ -t 2 ]; then echo tty; else echo no-tty; fi; }} > '{}'\nexit 1\n",
            record.display()
        ),
    )
    .unwrap();
    fs::set_permissions(fake.join("cargo"), fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", fake.display(), std::env::var("PATH").unwrap());
    let script = repo_root().join("install.sh");
    let mut cmd = if on_terminal {
        // util-linux's script gives the child a pseudo-terminal.
        let mut c = Command::new("script");
        c.args(["-qefc", script.to_str().unwrap(), "/dev/null"]);
        c
    } else {
        Command::new(&script)
    };
    let out = cmd
        .env("PATH", path)
        .env("PREFIX", scratch.path().join("prefix"))
        .env_remove("HONBAN_INSTALL_FROM")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run install.sh");
    assert!(!out.status.success(), "the stand-in cargo fails the build");
    let mut text = String::from_utf8_lossy(&out.stderr).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stdout));
    (text, fs::read_to_string(&record).expect("cargo was called"))
}

#[test]
fn release_build_on_a_terminal_shows_cargo_progress_and_says_it_takes_minutes() {
    let (said, call) = build_step(true);
    assert!(said.contains("several minutes on 2 cores"), "{said}");
    let mut lines = call.lines();
    let args = lines.next().unwrap();
    assert!(args.starts_with("build --release --locked -p "), "{args}");
    assert!(!args.split(' ').any(|a| a == "-q"), "{args}");
    assert_eq!(lines.next(), Some("tty"));
}

#[test]
fn release_build_into_a_log_stays_quiet() {
    let (said, call) = build_step(false);
    assert!(said.contains("several minutes on 2 cores"), "{said}");
    let mut lines = call.lines();
    let args = lines.next().unwrap();
    assert!(args.split(' ').any(|a| a == "-q"), "{args}");
    assert_eq!(lines.next(), Some("no-tty"));
}
