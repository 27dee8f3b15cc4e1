//! The release build, as install.sh and scripts/release make it (`cargo build
//! --release`, no features), carries none of the test-only seams that the
//! suite's own build (`--features honban/test-hooks`, see test.sh) has.

mod support;

use std::path::PathBuf;
use std::process::Command;

use support::repo_root;

const SEAM: &str = "HONBAN_ROTATE_HOOK_BEFORE_SWITCH";

fn contains(path: &PathBuf, needle: &str) -> bool {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Builds one plugin the way install.sh does and returns its executable.
fn release_build(package: &str) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--locked",
            "--message-format=json",
            "-p",
            package,
        ])
        .current_dir(repo_root())
        .output()
        .expect("run cargo build --release");
    assert!(
        out.status.success(),
        "cargo build --release -p {package} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .unwrap_or_else(|| panic!("cargo built no executable for {package}"))
}

#[test]
fn the_release_binary_lacks_the_rotate_test_hook() {
    // The control: the suite's build has the seam exactly when the feature is on,
    // so the byte search below can find the string when it is there.
    let suite = support::bin("kubectl-rotate_secret");
    assert_eq!(
        contains(&suite, SEAM),
        cfg!(feature = "test-hooks"),
        "{} vs the test-hooks feature",
        suite.display()
    );
    let release = release_build("kubectl-rotate-secret");
    assert!(
        !contains(&release, SEAM),
        "{} contains {SEAM}: a release binary would run commands from its environment",
        release.display()
    );
}
