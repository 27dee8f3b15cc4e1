//! The krew manifest templates and the manifests scripts/release renders.
//!
//! The committed `plugins/<name>/krew.yaml` files are templates in
//! krew-release-bot's format: they carry no digest, since a digest belongs to
//! one build. `scripts/release --prebuilt` packs the binaries this suite just
//! built (no release build) into a temporary directory and renders every
//! template there: each manifest must be one krew accepts, name a binary that
//! is in the archive, with the archive's sha256. `--manifests-only` renders the
//! templates for all four platforms over stand-in archives, to check every
//! entry of every template (also against Go's text/template, the engine
//! krew-release-bot renders with), and refuses templates it cannot render
//! honestly.

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

/// The platforms every template offers, in krew's `<os>-<arch>` form.
const PLATFORMS: [&str; 4] = ["linux-amd64", "linux-arm64", "darwin-amd64", "darwin-arm64"];

fn template_path(plugin: &str) -> PathBuf {
    repo_root().join("plugins").join(plugin).join("krew.yaml")
}

fn template(plugin: &str) -> String {
    let path = template_path(plugin);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The line krew-release-bot turns into an entry's `uri` and `sha256`.
fn add_uri_and_sha(platform: &str) -> String {
    format!(
        "    {{{{ addURIAndSha \"{}/releases/download/{{{{ .TagName }}}}/honban-{{{{ .TagName }}}}-{platform}.tar.gz\" .TagName }}}}",
        env!("CARGO_PKG_REPOSITORY")
    )
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
    let entries = entries(&archive)?;
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

/// An archive's entry names, read once per archive (debug binaries make the
/// suite's archive large).
fn entries(archive: &Path) -> Result<Arc<BTreeSet<String>>, String> {
    static SEEN: Mutex<BTreeMap<PathBuf, Arc<BTreeSet<String>>>> = Mutex::new(BTreeMap::new());
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(found) = seen.get(archive) {
        return Ok(found.clone());
    }
    let out = Command::new("tar")
        .arg("-tzf")
        .arg(archive)
        .output()
        .map_err(|e| format!("tar: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{}: {}",
            archive.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let found: Arc<BTreeSet<String>> = Arc::new(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.trim_end_matches('/').to_string())
            .filter(|l| !l.is_empty())
            .collect(),
    );
    seen.insert(archive.to_path_buf(), found.clone());
    Ok(found)
}

/// Runs scripts/release (from `root`, the repository or a copy of part of
/// it) and returns its exit status and standard error.
fn release(root: &Path, args: &[&str], out: &Path) -> (std::process::ExitStatus, String) {
    let run = Command::new(root.join("scripts/release"))
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .expect("run scripts/release");
    (
        run.status,
        String::from_utf8_lossy(&run.stderr).into_owned(),
    )
}

/// `scripts/release --prebuilt` over the suite's own binaries, once per run,
/// and what it said. The output lives under cargo's per-target temporary
/// directory and is replaced on the next run.
fn packed_run() -> &'static (PathBuf, String) {
    static DIST: OnceLock<(PathBuf, String)> = OnceLock::new();
    DIST.get_or_init(|| {
        for binary in plugin_binaries().values() {
            support::bin(binary);
        }
        let dist = Path::new(env!("CARGO_TARGET_TMPDIR")).join("krew-release");
        let _ = fs::remove_dir_all(&dist);
        fs::create_dir_all(&dist).unwrap();
        let prebuilt = bin_dir();
        let (status, log) = release(
            &repo_root(),
            &["--prebuilt", prebuilt.to_str().unwrap(), "--fast"],
            &dist,
        );
        assert!(status.success(), "scripts/release failed:\n{log}");
        (dist, log)
    })
}

fn packed() -> &'static Path {
    &packed_run().0
}

fn host_archive(dist: &Path) -> PathBuf {
    dist.join(format!("honban-{}-linux-amd64.tar.gz", version()))
}

/// Writes a small archive per platform, as other machines would have built
/// them: every plugin binary's name (empty), LICENSE, and the platform's name,
/// so no two share a digest.
fn write_stand_in_archives(dir: &Path) {
    let mut names: Vec<&str> = plugin_binaries().values().map(String::as_str).collect();
    names.extend(["LICENSE", "platform"]);
    for platform in PLATFORMS {
        let stage = tempfile::tempdir().unwrap();
        for name in &names {
            fs::write(stage.path().join(name), "").unwrap();
        }
        fs::write(stage.path().join("platform"), platform).unwrap();
        let archive = dir.join(format!("honban-{}-{platform}.tar.gz", version()));
        // Entries named without ./, as scripts/release packs them.
        let status = Command::new("tar")
            .arg("-czf")
            .arg(&archive)
            .arg("-C")
            .arg(stage.path())
            .args(&names)
            .status()
            .unwrap();
        assert!(status.success());
    }
}

/// `scripts/release --manifests-only` over an archive for each of the four
/// platforms, once per run.
fn rendered_for_all_platforms() -> &'static Path {
    static DIST: OnceLock<PathBuf> = OnceLock::new();
    DIST.get_or_init(|| {
        let dist = Path::new(env!("CARGO_TARGET_TMPDIR")).join("krew-templates");
        let _ = fs::remove_dir_all(&dist);
        fs::create_dir_all(&dist).unwrap();
        write_stand_in_archives(&dist);
        let (status, log) = release(&repo_root(), &["--manifests-only"], &dist);
        assert!(status.success(), "scripts/release failed:\n{log}");
        assert!(!log.contains("not built"), "{log}");
        dist
    })
}

fn labels(platform: &Platform) -> String {
    let label = |key: &str| {
        platform
            .selector
            .match_labels
            .get(key)
            .cloned()
            .unwrap_or_default()
    };
    format!("{}-{}", label("os"), label("arch"))
}

#[test]
fn every_template_is_in_krew_release_bots_format_for_the_four_platforms() {
    for plugin in plugin_binaries().keys() {
        let text = template(plugin);
        let actions: Vec<&str> = text.lines().filter(|l| l.contains("{{")).collect();
        let mut wanted = vec!["  version: {{ .TagName }}".to_string()];
        wanted.extend(PLATFORMS.iter().map(|p| add_uri_and_sha(p)));
        assert_eq!(actions, wanted, "plugins/{plugin}/krew.yaml");
        assert!(
            !text.contains("sha256:") && !text.contains("uri:"),
            "plugins/{plugin}/krew.yaml: a digest or uri belongs to a release, not to the template"
        );
    }
}

#[test]
fn every_template_renders_for_the_four_platforms_to_a_manifest_krew_accepts() {
    let dist = rendered_for_all_platforms();
    for plugin in plugin_binaries().keys() {
        let manifest = load(&dist.join("krew").join(format!("{plugin}.yaml")));
        let problems = structure_problems(plugin, &manifest);
        assert!(problems.is_empty(), "{plugin}: {problems:#?}");
        let offered: Vec<String> = manifest.spec.platforms.iter().map(labels).collect();
        assert_eq!(offered, PLATFORMS, "{plugin}");
        for platform in &manifest.spec.platforms {
            verify_against_archive(platform, dist).unwrap_or_else(|e| panic!("{plugin}: {e}"));
        }
    }
    let out = Command::new("sha256sum")
        .args(["--check", "--strict", "SHA256SUMS"])
        .current_dir(dist)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}");
    assert_eq!(said.lines().count(), PLATFORMS.len(), "{said}");
}

#[test]
fn a_rendered_manifest_differs_from_its_template_only_in_the_rendered_fields() {
    let dist = rendered_for_all_platforms();
    let release_url = format!(
        "{}/releases/download/{}",
        env!("CARGO_PKG_REPOSITORY"),
        version()
    );
    for plugin in plugin_binaries().keys() {
        let text = template(plugin);
        let rendered =
            fs::read_to_string(dist.join("krew").join(format!("{plugin}.yaml"))).unwrap();
        let mut lines = rendered.lines();
        for line in text.lines() {
            let mut next = || lines.next().unwrap_or_default().to_string();
            if line == "  version: {{ .TagName }}" {
                assert_eq!(next(), format!("  version: {}", version()), "{plugin}");
            } else if let Some(platform) = PLATFORMS.iter().find(|p| line == add_uri_and_sha(p)) {
                let archive = format!("honban-{}-{platform}.tar.gz", version());
                assert_eq!(
                    next(),
                    format!("    uri: {release_url}/{archive}"),
                    "{plugin}"
                );
                let digest = sha256_of(&dist.join(&archive)).unwrap();
                assert_eq!(next(), format!("    sha256: {digest}"), "{plugin}");
            } else {
                assert_eq!(
                    next(),
                    line,
                    "{plugin}: a line outside the rendered fields changed"
                );
            }
        }
        assert_eq!(
            lines.next(),
            None,
            "{plugin}: lines the template does not have"
        );
    }
}

/// Go's text/template with krew-release-bot's addURIAndSha (digests read from
/// a directory, not downloaded): tests/tools/krew-template, built once.
fn go_template_renderer() -> &'static PathBuf {
    static TOOL: OnceLock<PathBuf> = OnceLock::new();
    TOOL.get_or_init(|| {
        let out = Command::new(repo_root().join("tests/tools/krew-template.sh"))
            .output()
            .expect("run tests/tools/krew-template.sh");
        assert!(
            out.status.success(),
            "krew-template.sh failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    })
}

#[test]
fn go_text_template_renders_every_template_as_scripts_release_does() {
    let dist = rendered_for_all_platforms();
    for plugin in plugin_binaries().keys() {
        let out = Command::new(go_template_renderer())
            .arg(version())
            .arg(dist)
            .arg(template_path(plugin))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{plugin}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let ours = fs::read_to_string(dist.join("krew").join(format!("{plugin}.yaml"))).unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), ours, "{plugin}");
    }
}

#[test]
fn a_platform_the_release_did_not_build_is_left_out_and_named() {
    let (dist, log) = packed_run();
    let all = rendered_for_all_platforms();
    for plugin in plugin_binaries().keys() {
        let manifest = load(&dist.join("krew").join(format!("{plugin}.yaml")));
        let offered: Vec<String> = manifest.spec.platforms.iter().map(labels).collect();
        assert_eq!(
            offered,
            ["linux-amd64"],
            "{plugin}: prebuilt packs the host only"
        );
        // Leaving entries out changes nothing else: the same manifest as
        // the four-platform one, without three entries and with this digest.
        let mut full = load(&all.join("krew").join(format!("{plugin}.yaml")));
        full.spec.platforms.retain(|p| labels(p) == "linux-amd64");
        full.spec.platforms[0].sha256 = manifest.spec.platforms[0].sha256.clone();
        assert_eq!(manifest, full, "{plugin}");
        assert!(
            log.contains(&format!(
                "plugins/{plugin}/krew.yaml: without linux-arm64, darwin-amd64, darwin-arm64 (not built)"
            )),
            "{log}"
        );
    }
}

#[test]
fn prebuilt_manifests_name_binaries_in_the_archive_with_its_sha256() {
    let dist = packed();
    let manifests: Vec<_> = fs::read_dir(dist.join("krew"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(manifests.len(), plugin_binaries().len(), "{manifests:?}");
    let sums = fs::read_to_string(dist.join("SHA256SUMS")).unwrap();
    for (plugin, binary) in plugin_binaries() {
        let manifest = load(&dist.join("krew").join(format!("{plugin}.yaml")));
        let problems = structure_problems(plugin, &manifest);
        assert!(problems.is_empty(), "{plugin}: {problems:#?}");
        let platform = &manifest.spec.platforms[0];
        assert_eq!(platform.bin, *binary);
        verify_against_archive(platform, dist).unwrap_or_else(|e| panic!("{plugin}: {e}"));
        let listed = format!(
            "{}  honban-{}-linux-amd64.tar.gz\n",
            platform.sha256,
            version()
        );
        assert_eq!(sums, listed, "SHA256SUMS and krew/{plugin}.yaml disagree");
    }
}

#[test]
fn archive_holds_every_built_binary_license_man_pages_and_completions() {
    let dist = packed();
    let archive = host_archive(dist);
    let entries = entries(&archive).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let status = Command::new("tar")
        .arg("-xzf")
        .arg(&archive)
        .arg("-C")
        .arg(scratch.path())
        .status()
        .unwrap();
    assert!(status.success());
    for binary in plugin_binaries().values() {
        let packed = fs::read(scratch.path().join(binary)).ok();
        assert!(
            packed.is_some() && packed == fs::read(bin_dir().join(binary)).ok(),
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

/// scripts/release over `text` as ctx's template, in a tree of its own (the
/// script, Cargo.toml, plugins/ctx/krew.yaml) with a linux-amd64 archive: its
/// status, what it said, and whether it left the manifest already in its
/// output alone.
fn render_template(text: &str) -> (bool, String, bool) {
    let root = tempfile::tempdir().unwrap();
    let tree = root.path();
    fs::create_dir_all(tree.join("scripts")).unwrap();
    fs::create_dir_all(tree.join("plugins/ctx")).unwrap();
    fs::copy(
        repo_root().join("scripts/release"),
        tree.join("scripts/release"),
    )
    .unwrap();
    fs::copy(repo_root().join("Cargo.toml"), tree.join("Cargo.toml")).unwrap();
    fs::write(tree.join("plugins/ctx/krew.yaml"), text).unwrap();
    let out = tree.join("out");
    fs::create_dir_all(out.join("krew")).unwrap();
    let stand_ins = rendered_for_all_platforms();
    let archive = format!("honban-{}-linux-amd64.tar.gz", version());
    fs::copy(stand_ins.join(&archive), out.join(&archive)).unwrap();
    let before = "an earlier release's manifest\n";
    fs::write(out.join("krew/ctx.yaml"), before).unwrap();
    let (status, log) = release(tree, &["--manifests-only"], &out);
    let kept = fs::read_to_string(out.join("krew/ctx.yaml")).unwrap() == before;
    (status.success(), log, kept)
}

#[test]
fn a_template_scripts_release_cannot_render_honestly_is_refused() {
    let ctx = template("ctx");
    let entry = add_uri_and_sha("linux-amd64");
    let refused = [
        (
            "a template action scripts/release does not render",
            ctx.replace("caveats: |", "caveats: {{ .Version }}"),
        ),
        (
            "the entry for linux/arm64 names honban-v",
            ctx.replacen("arch: amd64", "arch: arm64", 1),
        ),
        (
            "this platform entry has no addURIAndSha line",
            ctx.replace(
                &add_uri_and_sha("linux-arm64"),
                "    uri: https://example.invalid/x.tar.gz",
            ),
        ),
        ("(four spaces)", ctx.replace(&entry, &format!("  {entry}"))),
        (
            "no platform entry for honban-v",
            ctx.replace("os: linux", "os: freebsd")
                .replace("-linux-", "-freebsd-"),
        ),
    ];
    for (message, text) in &refused {
        let (ok, log, kept) = render_template(text);
        assert!(!ok && log.contains(message), "wanted {message:?}:\n{log}");
        assert!(kept, "{message}: a refused render replaced the manifest");
    }
    // The control: the same tree with the template unedited renders.
    let (ok, log, kept) = render_template(&ctx);
    assert!(ok && !kept, "{log}");
}
