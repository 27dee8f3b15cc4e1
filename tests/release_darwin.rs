//! The macOS release archives, checked as far as a Linux machine can: nothing
//! in them is ever run here.
//!
//! `scripts/release --platforms darwin-arm64,darwin-amd64 --plugins aws-token`
//! cross-builds them with zig (installing the pinned toolchain first, through
//! scripts/darwin-toolchain). One plugin keeps CI's time down: every plugin
//! links the same crates, and aws-token is one that talks to both kube and
//! AWS. Each binary must be a Mach-O executable of its archive's
//! architecture, load only libSystem, libiconv and the two frameworks
//! docs/install.md names (each imported symbol bound to its owner), and
//! carry the workspace's version; the archive must hold what a Linux archive
//! holds; the manifest and SHA256SUMS must name each archive's digest.

mod support;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Instant;

use sha2::{Digest, Sha256};
use support::repo_root;

const PLUGIN: &str = "aws-token";
const BINARY: &str = "kubectl-aws_token";
const SYSTEM: &str = "/usr/lib/libSystem.B.dylib";
/// The libc crate links it on Apple targets; a build on a Mac loads it too.
const ICONV: &str = "/usr/lib/libiconv.2.dylib";
const SECURITY: &str = "/System/Library/Frameworks/Security.framework/Versions/A/Security";
const CORE_FOUNDATION: &str =
    "/System/Library/Frameworks/CoreFoundation.framework/Versions/A/CoreFoundation";

/// krew's platform, and the Mach-O CPU type of its binaries.
const PLATFORMS: [(&str, u32); 2] = [("darwin-arm64", 0x0100_000c), ("darwin-amd64", 0x0100_0007)];

fn version() -> String {
    format!("v{}", env!("CARGO_PKG_VERSION"))
}

fn archive_name(platform: &str) -> String {
    format!("honban-{}-{platform}.tar.gz", version())
}

/// The darwin release for one plugin, built once per run under cargo's
/// per-target temporary directory.
fn dist() -> &'static Path {
    static DIST: OnceLock<PathBuf> = OnceLock::new();
    DIST.get_or_init(|| {
        let dist = Path::new(env!("CARGO_TARGET_TMPDIR")).join("darwin-release");
        let _ = fs::remove_dir_all(&dist);
        fs::create_dir_all(&dist).unwrap();
        let started = Instant::now();
        let out = Command::new(repo_root().join("scripts/release"))
            .args(["--platforms", "darwin-arm64,darwin-amd64"])
            .args(["--plugins", PLUGIN, "--fast", "--out"])
            .arg(&dist)
            .output()
            .expect("run scripts/release");
        let log = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "scripts/release failed:\n{log}");
        assert!(!log.contains("skipping"), "{log}");
        eprintln!(
            "darwin release of {PLUGIN} built in {} s:\n{log}",
            started.elapsed().as_secs()
        );
        dist
    })
}

/// The archive's entries, and the directory it was unpacked into.
fn unpack(platform: &str) -> (BTreeSet<String>, tempfile::TempDir) {
    let scratch = tempfile::tempdir().unwrap();
    let out = Command::new("tar")
        .arg("-xzvf")
        .arg(dist().join(archive_name(platform)))
        .arg("-C")
        .arg(scratch.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let entries = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim_end_matches('/').to_string())
        .filter(|l| !l.is_empty())
        .collect();
    (entries, scratch)
}

fn binary(platform: &str) -> Vec<u8> {
    let (_, dir) = unpack(platform);
    fs::read(dir.path().join(BINARY)).unwrap()
}

/// What the tests read from a Mach-O executable's header and load commands.
#[derive(Debug)]
struct MachO {
    cputype: u32,
    filetype: u32,
    flags: u32,
    /// LC_LOAD_DYLIB and its weak, re-export, lazy and upward variants, in order.
    dylibs: Vec<String>,
    /// Undefined external symbols with the dylib each is bound to (two-level namespace).
    imports: Vec<(String, Option<String>)>,
    /// LC_BUILD_VERSION or LC_VERSION_MIN_MACOSX: platform and minimum OS
    /// version (xxxx.yy.zz nibbles).
    build: Option<(u32, u32)>,
}

const MH_MAGIC_64: u32 = 0xfeed_facf;
const MH_EXECUTE: u32 = 2;
const MH_PIE: u32 = 0x0020_0000;
const LC_SYMTAB: u32 = 0x2;
const LC_BUILD_VERSION: u32 = 0x32;
/// What older minimums (x86_64's 10.12) use instead: macOS implied.
const LC_VERSION_MIN_MACOSX: u32 = 0x24;
const DYLIB_COMMANDS: [u32; 5] = [0xc, 0x8000_0018, 0x8000_001f, 0x20, 0x8000_0023];

fn u32_at(bytes: &[u8], at: usize) -> Result<u32, String> {
    bytes
        .get(at..at + 4)
        .map(|b| u32::from_le_bytes(b.try_into().unwrap()))
        .ok_or_else(|| format!("truncated at {at}"))
}

fn c_string(bytes: &[u8], at: usize) -> Result<String, String> {
    let tail = bytes.get(at..).ok_or("string out of range")?;
    let end = tail.iter().position(|&b| b == 0).ok_or("unterminated")?;
    Ok(String::from_utf8_lossy(&tail[..end]).into_owned())
}

/// Parses a thin 64-bit little-endian Mach-O file; Err for anything else.
fn parse(bytes: &[u8]) -> Result<MachO, String> {
    if u32_at(bytes, 0)? != MH_MAGIC_64 {
        return Err(format!("magic {:#x} is not MH_MAGIC_64", u32_at(bytes, 0)?));
    }
    let mut macho = MachO {
        cputype: u32_at(bytes, 4)?,
        filetype: u32_at(bytes, 12)?,
        flags: u32_at(bytes, 24)?,
        dylibs: Vec::new(),
        imports: Vec::new(),
        build: None,
    };
    let mut symtab = None;
    let mut at = 32;
    for _ in 0..u32_at(bytes, 16)? {
        let (cmd, size) = (u32_at(bytes, at)?, u32_at(bytes, at + 4)? as usize);
        if DYLIB_COMMANDS.contains(&cmd) {
            macho
                .dylibs
                .push(c_string(bytes, at + u32_at(bytes, at + 8)? as usize)?);
        } else if cmd == LC_SYMTAB {
            symtab = Some(
                (0..4)
                    .map(|i| u32_at(bytes, at + 8 + 4 * i))
                    .collect::<Result<Vec<_>, _>>()?,
            );
        } else if cmd == LC_BUILD_VERSION {
            macho.build = Some((u32_at(bytes, at + 8)?, u32_at(bytes, at + 12)?));
        } else if cmd == LC_VERSION_MIN_MACOSX {
            macho.build = Some((1, u32_at(bytes, at + 8)?));
        }
        if size < 8 {
            return Err(format!("load command {cmd:#x} of size {size}"));
        }
        at += size;
    }
    if let Some(symtab) = symtab {
        macho.imports = imports(bytes, &symtab, &macho.dylibs)?;
    }
    Ok(macho)
}

/// The undefined external symbols of the symbol table (nlist_64 entries), each
/// with the dylib its library ordinal names.
fn imports(
    bytes: &[u8],
    symtab: &[u32],
    dylibs: &[String],
) -> Result<Vec<(String, Option<String>)>, String> {
    let [symoff, nsyms, stroff, _] = symtab else {
        unreachable!()
    };
    let mut found = Vec::new();
    for i in 0..*nsyms as usize {
        let entry = *symoff as usize + 16 * i;
        let n_type = *bytes.get(entry + 4).ok_or("symbol table out of range")?;
        let n_desc = u16::from_le_bytes([bytes[entry + 6], bytes[entry + 7]]);
        if n_type & 0x0e != 0 || n_type & 0x01 == 0 {
            continue;
        }
        let name = c_string(bytes, *stroff as usize + u32_at(bytes, entry)? as usize)?;
        let ordinal = usize::from(n_desc >> 8);
        found.push((
            name,
            ordinal.checked_sub(1).and_then(|o| dylibs.get(o).cloned()),
        ));
    }
    Ok(found)
}

#[test]
fn each_darwin_binary_is_a_mach_o_executable_of_its_archives_architecture() {
    for (platform, cputype) in PLATFORMS {
        let macho = parse(&binary(platform)).unwrap_or_else(|e| panic!("{platform}: {e}"));
        assert_eq!(macho.cputype, cputype, "{platform}: {macho:?}");
        assert_eq!(macho.filetype, MH_EXECUTE, "{platform}");
        assert_ne!(
            macho.flags & MH_PIE,
            0,
            "{platform}: not position-independent"
        );
        // Platform 1 is macOS; the minimum version is rustc's default for the target.
        let (os, minos) = macho
            .build
            .unwrap_or_else(|| panic!("{platform}: no minimum OS version"));
        assert_eq!(os, 1, "{platform}: LC_BUILD_VERSION platform");
        assert!(minos >= 10 << 16, "{platform}: minimum macOS {minos:#x}");
    }
    // The control: the parser refuses the suite's own Linux (ELF) binary.
    let elf = fs::read(support::bin(BINARY)).unwrap();
    assert!(parse(&elf).is_err());
}

#[test]
fn darwin_binaries_load_only_libsystem_libiconv_and_the_trust_store_frameworks() {
    for (platform, _) in PLATFORMS {
        let macho = parse(&binary(platform)).unwrap();
        let loaded: BTreeSet<&str> = macho.dylibs.iter().map(String::as_str).collect();
        assert_eq!(
            loaded,
            BTreeSet::from([SYSTEM, ICONV, SECURITY, CORE_FOUNDATION]),
            "{platform}"
        );
        assert!(!macho.imports.is_empty(), "{platform}: no imports found");
        // These are linked against stubs (scripts/darwin-framework-stubs):
        // a symbol bound to the wrong one would fail on a Mac at launch.
        for (symbol, dylib) in &macho.imports {
            let core_foundation = symbol.starts_with("_CF") || symbol.starts_with("_kCF");
            let security = symbol.starts_with("_Sec") || symbol.starts_with("_kSec");
            let iconv = symbol.starts_with("_iconv");
            let owner_ok = match dylib.as_deref() {
                Some(SECURITY) => !core_foundation && !iconv,
                Some(CORE_FOUNDATION) => core_foundation,
                Some(ICONV) => iconv,
                Some(SYSTEM) => !core_foundation && !security && !iconv,
                _ => false,
            };
            assert!(owner_ok, "{platform}: {symbol} bound to {dylib:?}");
        }
    }
}

#[test]
fn darwin_binaries_carry_the_workspace_version() {
    let contains =
        |bytes: &[u8], needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    let name = format!("kubectl {PLUGIN}");
    let version = env!("CARGO_PKG_VERSION");
    // The control: the suite's Linux binary says `{name} {version}` for --version.
    let out = support::plugin(BINARY).arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{name} {version}\n")
    );
    for (platform, _) in PLATFORMS {
        let bytes = binary(platform);
        assert!(contains(&bytes, &name), "{platform}: no {name:?}");
        assert!(contains(&bytes, version), "{platform}: no {version}");
    }
}

#[test]
fn darwin_archives_hold_what_a_linux_archive_holds() {
    let mut wanted = BTreeSet::from([BINARY.to_string(), "LICENSE".to_string()]);
    for dir in ["man/man1", "completions"] {
        wanted.insert(dir.to_string());
        if dir == "man/man1" {
            wanted.insert("man".to_string());
        }
        for entry in fs::read_dir(repo_root().join(dir)).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if dir != "man/man1" || name.ends_with(".1") {
                wanted.insert(format!("{dir}/{name}"));
            }
        }
    }
    for (platform, _) in PLATFORMS {
        let (entries, _dir) = unpack(platform);
        assert_eq!(entries, wanted, "{platform}");
    }
}

fn sha256_of(path: &Path) -> String {
    Sha256::digest(fs::read(path).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn the_manifest_and_sha256sums_name_each_darwin_archives_digest() {
    let dist = dist();
    let manifest = fs::read_to_string(dist.join("krew").join(format!("{PLUGIN}.yaml"))).unwrap();
    let manifest: serde_json::Value = serde_saphyr::from_str(&manifest).unwrap();
    let platforms = manifest["spec"]["platforms"].as_array().unwrap();
    // The template's entries for the two platforms built, and no other.
    let platform_of = |entry: &serde_json::Value| {
        let labels = &entry["selector"]["matchLabels"];
        format!(
            "{}-{}",
            labels["os"].as_str().unwrap(),
            labels["arch"].as_str().unwrap()
        )
    };
    let offered: BTreeSet<String> = platforms.iter().map(platform_of).collect();
    assert_eq!(platforms.len(), PLATFORMS.len(), "{platforms:#?}");
    assert_eq!(
        offered,
        BTreeSet::from(PLATFORMS.map(|(p, _)| p.to_string()))
    );
    for entry in platforms {
        let platform = platform_of(entry);
        let archive = archive_name(&platform);
        assert!(
            entry["uri"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/{archive}"))
        );
        assert_eq!(
            entry["sha256"],
            sha256_of(&dist.join(&archive)),
            "{platform}"
        );
        assert_eq!(entry["bin"], BINARY);
    }
    let out = Command::new("sha256sum")
        .args(["--check", "--strict", "SHA256SUMS"])
        .current_dir(dist)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (platform, _) in PLATFORMS {
        assert!(
            said.contains(&format!("{}: OK", archive_name(platform))),
            "{said}"
        );
    }
}
