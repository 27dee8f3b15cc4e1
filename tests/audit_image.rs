//! The kubectl-audit image's recipe (plugins/audit/Containerfile): every
//! stage from scratch, nothing run at build time (there is no shell), only
//! the static binary, a numeric non-root user and the binary as entry point.
//! Building it needs a release build and buildah: `scripts/audit-image`.
//! Its reproducibility is checked with a small static binary instead (the
//! audit's own static build takes most of an hour): two builds, one image.

mod support;

use std::path::Path;
use std::process::Command;

fn instructions() -> Vec<(String, String)> {
    let text =
        std::fs::read_to_string(support::repo_root().join("plugins/audit/Containerfile")).unwrap();
    let mut out = Vec::new();
    let mut pending = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        pending.push_str(line.trim_end_matches('\\'));
        pending.push(' ');
        if line.ends_with('\\') {
            continue;
        }
        let (op, rest) = pending.trim().split_once(' ').unwrap();
        out.push((op.to_ascii_uppercase(), rest.trim().to_string()));
        pending.clear();
    }
    out
}

#[test]
fn the_image_is_scratch_with_one_static_binary_and_a_numeric_non_root_user() {
    let ins = instructions();
    let froms: Vec<&str> = ins
        .iter()
        .filter(|(op, _)| op == "FROM")
        .map(|(_, a)| a.as_str())
        .collect();
    assert!(froms.len() >= 2, "multi-stage: {froms:?}");
    assert!(
        froms
            .iter()
            .all(|f| f.split_whitespace().next() == Some("scratch")),
        "{froms:?}"
    );
    for (op, args) in &ins {
        assert!(
            ["FROM", "COPY", "USER", "ENTRYPOINT", "CMD", "LABEL"].contains(&op.as_str()),
            "{op} {args}: a scratch image has no shell to RUN in"
        );
    }
    // The final stage: what follows the last FROM.
    let last = ins.iter().rposition(|(op, _)| op == "FROM").unwrap();
    let final_stage = &ins[last..];
    let copies: Vec<&str> = final_stage
        .iter()
        .filter(|(op, _)| op == "COPY")
        .map(|(_, a)| a.as_str())
        .collect();
    assert_eq!(copies.len(), 1, "only the binary: {copies:?}");
    assert!(
        copies[0].ends_with("/kubectl-audit /kubectl-audit"),
        "{copies:?}"
    );
    let user = final_stage
        .iter()
        .find(|(op, _)| op == "USER")
        .map(|(_, a)| a.clone())
        .expect("a USER in the final stage");
    let uid: u32 = user
        .split(':')
        .next()
        .unwrap()
        .parse()
        .expect("numeric uid");
    assert_ne!(uid, 0, "non-root");
    let entry = final_stage
        .iter()
        .find(|(op, _)| op == "ENTRYPOINT")
        .unwrap();
    assert_eq!(entry.1, r#"["/kubectl-audit"]"#);
}

#[test]
fn the_install_manifest_runs_as_the_images_user() {
    let out = support::plugin("kubectl-audit")
        .args(["install", "--dry-run=client", "-o", "json"])
        .output()
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let cron = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == "CronJob")
        .unwrap();
    let pod = &cron["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    let user = instructions()
        .into_iter()
        .rfind(|(op, _)| op == "USER")
        .unwrap()
        .1;
    assert_eq!(
        format!(
            "{}:{}",
            pod["securityContext"]["runAsUser"], pod["securityContext"]["runAsGroup"]
        ),
        user
    );
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Whether CI's entry point installs buildah: then the build must run there.
fn ci_installs_buildah() -> bool {
    std::fs::read_to_string(support::repo_root().join(".ci/run"))
        .is_ok_and(|s| s.contains("buildah"))
}

/// Runs a command, requires success, returns its stdout.
fn ok(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The local image `name`, removed on drop (buildah's store is shared).
struct Image(String);

impl Drop for Image {
    fn drop(&mut self) {
        let _ = Command::new("buildah").args(["rmi", &self.0]).output();
    }
}

impl Image {
    /// scripts/audit-image with a prebuilt binary; returns the image ID.
    fn build(&self, binary: &Path, epoch: &str, archive: &Path) -> String {
        ok(
            Command::new(support::repo_root().join("scripts/audit-image"))
                .arg("--binary")
                .arg(binary)
                .args(["--name", &self.0, "--no-run", "--archive"])
                .arg(archive)
                .env("SOURCE_DATE_EPOCH", epoch),
        );
        let id = ok(Command::new("buildah").args([
            "images",
            "--no-trunc",
            "--format",
            "{{.ID}}",
            &self.0,
        ]));
        id.trim().trim_start_matches("sha256:").to_string()
    }
}

/// A static binary of a few hundred KB, as the image needs (no libc in it).
fn small_static_binary(dir: &Path) -> std::path::PathBuf {
    let src = dir.join("main.rs");
    std::fs::write(&src, "fn main() { println!(\"kubectl audit (test)\"); }\n").unwrap();
    let bin = dir.join("kubectl-audit");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    ok(Command::new(rustc)
        .args([
            "-O",
            "-C",
            "strip=symbols",
            "-C",
            "target-feature=+crt-static",
        ])
        .args(["-C", "relocation-model=static", "-o"])
        .arg(&bin)
        .arg(&src));
    bin
}

#[test]
fn two_builds_of_one_binary_give_one_image_and_one_archive() {
    if !have("buildah") {
        support::skip(
            "audit_image reproducible build",
            "buildah is not installed (scripts/release --image installs it)",
        );
        assert!(
            !(support::in_ci() && ci_installs_buildah()),
            "CI installs buildah: the image must be built"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let bin = small_static_binary(dir.path());
    // The second build's copy is an hour older: a rebuilt or copied binary
    // has another mtime, which must not reach the image.
    let copy = dir.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    let again = copy.join("kubectl-audit");
    std::fs::copy(&bin, &again).unwrap();
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&again)
        .unwrap()
        .set_modified(hour_ago)
        .unwrap();

    let image = Image(format!(
        "localhost/honban-audit-repro-{}:test",
        support::unique_suffix()
    ));
    let epoch = "1700000000";
    let (first_tar, second_tar) = (dir.path().join("1.tar"), dir.path().join("2.tar"));
    let first = image.build(&bin, epoch, &first_tar);
    let second = image.build(&again, epoch, &second_tar);
    assert_eq!(first, second, "one binary, one epoch: one image ID");
    assert!(
        std::fs::read(&first_tar).unwrap() == std::fs::read(&second_tar).unwrap(),
        "the OCI archives differ"
    );

    // Nothing in the config varies with the build or the builder.
    let inspect: serde_json::Value = serde_json::from_str(&ok(
        Command::new("buildah").args(["inspect", "--type", "image", &image.0])
    ))
    .unwrap();
    let config = &inspect["OCIv1"];
    assert_eq!(config["created"], "2023-11-14T22:13:20Z", "{config:#}");
    assert!(config["history"].is_null(), "{config:#}");
    let labels = config["config"]["Labels"].as_object().unwrap();
    assert!(
        labels
            .keys()
            .all(|k| k.starts_with("org.opencontainers.image.")),
        "{labels:?}"
    );

    // The archive holds that image: its manifest's config is the image ID.
    let layout = dir.path().join("layout");
    std::fs::create_dir(&layout).unwrap();
    ok(Command::new("tar")
        .arg("-C")
        .arg(&layout)
        .arg("-xf")
        .arg(&first_tar));
    let blob = |digest: &str| -> serde_json::Value {
        let hex = digest.trim_start_matches("sha256:");
        serde_json::from_slice(&std::fs::read(layout.join("blobs/sha256").join(hex)).unwrap())
            .unwrap()
    };
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    let manifest = blob(index["manifests"][0]["digest"].as_str().unwrap());
    assert_eq!(
        manifest["config"]["digest"],
        format!("sha256:{first}"),
        "{manifest:#}"
    );

    // The epoch is what dates it: another one, another image (under its own
    // name, so that neither is left behind untagged).
    let later = Image(format!("{}-later", image.0));
    let other = later.build(&bin, "1700003600", &dir.path().join("3.tar"));
    assert_ne!(other, first);
}
