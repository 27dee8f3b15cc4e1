//! The krew manifests and the release archives they point at.
//!
//! The committed `plugins/<name>/krew.yaml` files are checked field by field.
//! Then `scripts/release --prebuilt` packs the binaries this suite just built
//! (no release build) into a temporary directory, and every manifest it writes
//! there must name a binary that is in the archive, with the archive's sha256.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};

use serde::Deserialize;
use sha2::{Digest, Sha256};
use support::{bin_dir, repo_root};

// Unknown fields are errors, as they are for krew itself.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Manifest {
    api_version: String,
    kind: String,
    metadata: Metadata,
    spec: Spec,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Metadata {
    name: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Spec {
    version: String,
    homepage: String,
    short_description: String,
    description: String,
    caveats: String,
    platforms: Vec<Platform>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Platform {
    selector: Selector,
    uri: String,
    sha256: String,
    bin: String,
    files: Vec<FileOperation>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Selector {
    match_labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct FileOperation {
    from: String,
    to: String,
}

fn load(path: &Path) -> Manifest {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Plugin directory name -> binary name, as Cargo builds them.
fn plugin_binaries() -> &'static BTreeMap<String, String> {
    static BINARIES: OnceLock<BTreeMap<String, String>> = OnceLock::new();
    BINARIES.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let out = Command::new(cargo)
            .args([
                "metadata",
                "--no-deps",
                "--offline",
                "--format-version",
                "1",
            ])
            .current_dir(repo_root())
            .output()
            .expect("cargo metadata");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let metadata: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let plugins_dir = repo_root().join("plugins");
        let mut binaries = BTreeMap::new();
        for package in metadata["packages"].as_array().unwrap() {
            let manifest = PathBuf::from(package["manifest_path"].as_str().unwrap());
            let dir = manifest.parent().unwrap();
            if dir.parent() != Some(plugins_dir.as_path()) {
                continue;
            }
            let name = dir.file_name().unwrap().to_str().unwrap().to_string();
            let bins: Vec<&str> = package["targets"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|t| t["kind"].as_array().unwrap().iter().any(|k| k == "bin"))
                .map(|t| t["name"].as_str().unwrap())
                .collect();
            assert_eq!(bins.len(), 1, "plugins/{name} should build one binary");
            binaries.insert(name, bins[0].to_string());
        }
        assert!(binaries.len() >= 6, "plugins found: {binaries:?}");
        binaries
    })
}

fn version() -> String {
    format!("v{}", env!("CARGO_PKG_VERSION"))
}

/// Everything wrong with one manifest, without looking at any archive.
fn structure_problems(plugin: &str, manifest: &Manifest) -> Vec<String> {
    let mut problems = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            problems.push(what);
        }
    };
    let spec = &manifest.spec;
    check(
        manifest.api_version == "krew.googlecontainertools.github.com/v1alpha2",
        format!("apiVersion is {}", manifest.api_version),
    );
    check(
        manifest.kind == "Plugin",
        format!("kind is {}", manifest.kind),
    );
    check(
        manifest.metadata.name == plugin,
        format!("metadata.name is {}, not {plugin}", manifest.metadata.name),
    );
    check(
        spec.version == version(),
        format!(
            "version {} is not {} from Cargo.toml",
            spec.version,
            version()
        ),
    );
    check(
        spec.homepage == env!("CARGO_PKG_REPOSITORY") && spec.homepage.starts_with("https://"),
        format!("homepage is {}", spec.homepage),
    );
    // krew search shows this in one column.
    check(
        !spec.short_description.trim().is_empty()
            && spec.short_description.chars().count() <= 50
            && !spec.short_description.contains('\n'),
        format!("shortDescription {:?}", spec.short_description),
    );
    check(
        spec.description.trim().len() > 50,
        "description is empty or too short".into(),
    );
    check(!spec.caveats.trim().is_empty(), "caveats are empty".into());
    check(!spec.platforms.is_empty(), "no platforms".into());

    let binary = plugin_binaries()
        .get(plugin)
        .cloned()
        .unwrap_or_else(|| format!("<no binary for plugins/{plugin}>"));
    // kubectl looks for kubectl-<name with - as _> on PATH.
    check(
        binary == format!("kubectl-{}", plugin.replace('-', "_")),
        format!("binary {binary} is not what kubectl runs for `kubectl {plugin}`"),
    );
    let mut seen = BTreeSet::new();
    for platform in &spec.platforms {
        let labels = &platform.selector.match_labels;
        let os = labels.get("os").cloned().unwrap_or_default();
        let arch = labels.get("arch").cloned().unwrap_or_default();
        check(
            ["linux", "darwin"].contains(&os.as_str())
                && ["amd64", "arm64"].contains(&arch.as_str()),
            format!("selector {labels:?}"),
        );
        check(
            seen.insert((os.clone(), arch.clone())),
            format!("{os}/{arch} listed twice"),
        );
        let archive = format!("honban-{}-{os}-{arch}.tar.gz", version());
        check(
            platform.uri
                == format!(
                    "{}/releases/download/{}/{archive}",
                    spec.homepage,
                    version()
                ),
            format!("uri {}", platform.uri),
        );
        check(
            platform.sha256.len() == 64
                && platform
                    .sha256
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
            format!("sha256 {:?}", platform.sha256),
        );
        check(
            platform.bin == binary,
            format!("bin {} is not the plugin's binary {binary}", platform.bin),
        );
        let froms: Vec<&str> = platform.files.iter().map(|f| f.from.as_str()).collect();
        check(
            froms.contains(&binary.as_str()) && froms.contains(&"LICENSE"),
            format!("files {froms:?} miss the binary or LICENSE"),
        );
        check(
            platform.files.iter().all(|f| f.to == "."),
            "files should land in the plugin's root".into(),
        );
    }
    problems
}

/// Checks one platform entry against the archive its uri names, found in
/// `dist` by file name. Err says what does not match.
fn verify_against_archive(platform: &Platform, dist: &Path) -> Result<(), String> {
    let name = platform.uri.rsplit('/').next().unwrap();
    let archive = dist.join(name);
    let actual = sha256_of(&archive)?;
    if actual != platform.sha256 {
        return Err(format!(
            "sha256 mismatch for {name}: manifest says {}, archive is {actual}",
            platform.sha256
        ));
    }
    let entries = &unpacked(&archive)?.entries;
    for file in &platform.files {
        if !entries.contains(&file.from) {
            return Err(format!("{name} has no {}", file.from));
        }
    }
    if !entries.contains(&platform.bin) {
        return Err(format!("{name} has no bin {}", platform.bin));
    }
    Ok(())
}

fn sha256_of(path: &Path) -> Result<String, String> {
    let bytes = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// What an archive holds: its entry names, and for each plugin binary in it
/// whether it is byte for byte the one the suite built.
struct Unpacked {
    entries: BTreeSet<String>,
    same_as_built: BTreeMap<String, bool>,
}

/// Unpacks an archive once (debug binaries make it large) and remembers it.
fn unpacked(archive: &Path) -> Result<Arc<Unpacked>, String> {
    static SEEN: Mutex<BTreeMap<PathBuf, Arc<Unpacked>>> = Mutex::new(BTreeMap::new());
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(found) = seen.get(archive) {
        return Ok(found.clone());
    }
    let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
    let out = Command::new("tar")
        .arg("-xzvf")
        .arg(archive)
        .arg("-C")
        .arg(scratch.path())
        .output()
        .map_err(|e| format!("tar: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{}: {}",
            archive.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let entries: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim_end_matches('/').to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let mut same_as_built = BTreeMap::new();
    for binary in plugin_binaries().values() {
        let packed = scratch.path().join(binary);
        if packed.exists() {
            let same = fs::read(&packed).ok() == fs::read(bin_dir().join(binary)).ok();
            same_as_built.insert(binary.clone(), same);
        }
    }
    let found = Arc::new(Unpacked {
        entries,
        same_as_built,
    });
    seen.insert(archive.to_path_buf(), found.clone());
    Ok(found)
}

/// `scripts/release --prebuilt` over the suite's own binaries, once per run.
/// The output lives under cargo's per-target temporary directory and is
/// replaced on the next run.
fn packed() -> &'static Path {
    static DIST: OnceLock<PathBuf> = OnceLock::new();
    DIST.get_or_init(|| {
        for binary in plugin_binaries().values() {
            support::bin(binary);
        }
        let dist = Path::new(env!("CARGO_TARGET_TMPDIR")).join("krew-release");
        let _ = fs::remove_dir_all(&dist);
        fs::create_dir_all(&dist).unwrap();
        let out = Command::new(repo_root().join("scripts/release"))
            .arg("--prebuilt")
            .arg(bin_dir())
            .arg("--out")
            .arg(&dist)
            .arg("--fast")
            .output()
            .expect("run scripts/release");
        assert!(
            out.status.success(),
            "scripts/release failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        dist
    })
}

fn host_archive(dist: &Path) -> PathBuf {
    dist.join(format!("honban-{}-linux-amd64.tar.gz", version()))
}

#[test]
fn every_plugin_has_a_committed_manifest_with_every_required_field() {
    for plugin in plugin_binaries().keys() {
        let path = repo_root().join("plugins").join(plugin).join("krew.yaml");
        assert!(
            path.exists(),
            "{} is missing; run scripts/release",
            path.display()
        );
        let problems = structure_problems(plugin, &load(&path));
        assert!(problems.is_empty(), "{}: {problems:#?}", path.display());
    }
}

#[test]
fn committed_manifests_match_what_scripts_release_writes_but_the_digests() {
    let dist = packed();
    for plugin in plugin_binaries().keys() {
        let committed = load(&repo_root().join("plugins").join(plugin).join("krew.yaml"));
        let generated = load(&dist.join("krew").join(format!("{plugin}.yaml")));
        let strip = |m: &Manifest| {
            let mut m = m.clone();
            m.spec.platforms.retain(|p| {
                p.selector.match_labels.get("os").map(String::as_str) == Some("linux")
                    && p.selector.match_labels.get("arch").map(String::as_str) == Some("amd64")
            });
            for platform in &mut m.spec.platforms {
                platform.sha256.clear();
            }
            m
        };
        assert_eq!(
            strip(&committed),
            strip(&generated),
            "plugins/{plugin}/krew.yaml is stale; run scripts/release"
        );
    }
}

#[test]
fn generated_manifests_name_binaries_in_the_archive_with_its_sha256() {
    let dist = packed();
    let manifests: Vec<_> = fs::read_dir(dist.join("krew"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(manifests.len(), plugin_binaries().len(), "{manifests:?}");
    for (plugin, binary) in plugin_binaries() {
        let manifest = load(&dist.join("krew").join(format!("{plugin}.yaml")));
        let problems = structure_problems(plugin, &manifest);
        assert!(problems.is_empty(), "{plugin}: {problems:#?}");
        assert_eq!(
            manifest.spec.platforms.len(),
            1,
            "prebuilt packs the host only"
        );
        let platform = &manifest.spec.platforms[0];
        assert_eq!(platform.bin, *binary);
        verify_against_archive(platform, dist).unwrap_or_else(|e| panic!("{plugin}: {e}"));
    }
}

#[test]
fn archive_holds_every_built_binary_license_man_pages_and_completions() {
    let dist = packed();
    let unpacked = unpacked(&host_archive(dist)).unwrap();
    let entries = &unpacked.entries;
    for binary in plugin_binaries().values() {
        assert_eq!(
            unpacked.same_as_built.get(binary),
            Some(&true),
            "{binary} in the archive is missing or not the built one"
        );
    }
    assert!(entries.contains("LICENSE"), "{entries:?}");
    let root = repo_root();
    for dir in ["man/man1", "completions"] {
        let Ok(listing) = fs::read_dir(root.join(dir)) else {
            support::skip(
                "release archive contents",
                &format!("{dir}/ does not exist in this checkout; nothing of it to pack"),
            );
            continue;
        };
        for entry in listing {
            let name = entry.unwrap().file_name();
            let wanted = format!("{dir}/{}", name.to_string_lossy());
            if dir == "man/man1" && !wanted.ends_with(".1") {
                continue;
            }
            assert!(entries.contains(&wanted), "{wanted} not in the archive");
        }
    }
}

#[test]
fn sha256_files_agree_with_sha256sum() {
    let dist = packed();
    for file in [
        "SHA256SUMS",
        &format!("honban-{}-linux-amd64.tar.gz.sha256", version()),
    ] {
        let out = Command::new("sha256sum")
            .args(["--check", "--strict", file])
            .current_dir(dist)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{file}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The control: the same files reject an archive with one bit flipped.
    let tampered = tempfile::tempdir().unwrap();
    let archive = host_archive(dist);
    let mut bytes = fs::read(&archive).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    fs::write(tampered.path().join(archive.file_name().unwrap()), &bytes).unwrap();
    let sums = format!("honban-{}-linux-amd64.tar.gz.sha256", version());
    fs::copy(dist.join(&sums), tampered.path().join(&sums)).unwrap();
    let status = Command::new("sha256sum")
        .args(["--check", "--status", &sums])
        .current_dir(tampered.path())
        .status()
        .unwrap();
    assert!(!status.success(), "sha256sum accepted a tampered archive");
}

#[test]
fn a_manifest_naming_a_file_the_archive_lacks_is_reported() {
    let dist = packed();
    let mut platform = load(&dist.join("krew").join("ctx.yaml")).spec.platforms[0].clone();
    platform.files[0].from = "kubectl-nonexistent".into();
    let error = verify_against_archive(&platform, dist).unwrap_err();
    assert!(error.contains("has no kubectl-nonexistent"), "{error}");
}
