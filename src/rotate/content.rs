//! What a version holds: the keys and values of a Secret or ConfigMap, read
//! from the sources on the command line or from a live object.
//!
//! Values stay in memory as bytes and are never formatted into messages;
//! only key names and sizes are shown.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use serde_json::{Value, json};

use super::hash::{self, GoJson};
use crate::error::{Error, Result};

/// Secret or ConfigMap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetKind {
    Secret,
    ConfigMap,
}

impl TargetKind {
    /// kubectl's resource name, as in `secret/app`.
    pub fn resource(self) -> &'static str {
        match self {
            TargetKind::Secret => "secret",
            TargetKind::ConfigMap => "configmap",
        }
    }

    pub fn kind(self) -> &'static str {
        match self {
            TargetKind::Secret => "Secret",
            TargetKind::ConfigMap => "ConfigMap",
        }
    }
}

/// The logical object being versioned: `secret/app` or `configmap/app`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub kind: TargetKind,
    pub base: String,
}

/// Longest base name that still leaves room for `-<10 chars>` in 253.
pub const MAX_BASE_LEN: usize = 253 - 11;

impl Target {
    /// Parses `app`, `secret/app` or `configmap/app` (also `secrets/`, `cm/`).
    pub fn parse(s: &str) -> Result<Target> {
        let (kind, base) = match s.split_once('/') {
            None => (TargetKind::Secret, s),
            Some(("secret" | "secrets", b)) => (TargetKind::Secret, b),
            Some(("configmap" | "configmaps" | "cm", b)) => (TargetKind::ConfigMap, b),
            Some((other, _)) => {
                return Err(Error::Usage(format!(
                    "cannot rotate a {other:?}; name a secret/NAME or configmap/NAME"
                )));
            }
        };
        if !is_dns_subdomain(base) {
            return Err(Error::Usage(format!(
                "{base:?} is not a valid object name (lowercase letters, digits, '-' and '.')"
            )));
        }
        if base.len() > MAX_BASE_LEN {
            return Err(Error::Usage(format!(
                "name {base:?} is {} characters; a versioned name adds 11, so the base may have at most {MAX_BASE_LEN}",
                base.len()
            )));
        }
        Ok(Target {
            kind,
            base: base.to_string(),
        })
    }

    /// `secret/app`.
    pub fn display(&self) -> String {
        format!("{}/{}", self.kind.resource(), self.base)
    }

    pub fn version_name(&self, suffix: &str) -> String {
        format!("{}-{suffix}", self.base)
    }

    /// True for the base name or `BASE-<hash>` (a version made here or by kustomize).
    pub fn is_family_name(&self, name: &str) -> bool {
        name == self.base || self.is_version_name(name)
    }

    pub fn is_version_name(&self, name: &str) -> bool {
        name.strip_prefix(self.base.as_str())
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(hash::looks_like_suffix)
    }
}

fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// Kubernetes' rule for ConfigMap and Secret keys.
pub fn validate_key(key: &str) -> Result<()> {
    let ok = !key.is_empty()
        && key.len() <= 253
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && key != "."
        && key != ".."
        && !key.starts_with("..");
    if ok {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "invalid key {key:?}: use letters, digits, '-', '_' or '.'"
        )))
    }
}

/// One value. ConfigMaps keep UTF-8 text in `data` and anything else in
/// `binaryData`; Secret values are always bytes.
#[derive(Clone, PartialEq, Eq)]
pub enum EntryValue {
    Text(String),
    Bytes(Vec<u8>),
}

impl EntryValue {
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            EntryValue::Text(s) => s.as_bytes(),
            EntryValue::Bytes(b) => b,
        }
    }
}

// Never show a value by accident (e.g. in a `{:?}` of a struct holding it).
impl std::fmt::Debug for EntryValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{} bytes>", self.as_bytes().len())
    }
}

/// The data of one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    pub kind: TargetKind,
    /// The Secret type (`Opaque`, `kubernetes.io/tls`, ...); `None` for ConfigMaps.
    pub secret_type: Option<String>,
    pub entries: BTreeMap<String, EntryValue>,
}

impl Content {
    pub fn empty(kind: TargetKind, secret_type: Option<String>) -> Content {
        Content {
            kind,
            secret_type: match kind {
                TargetKind::Secret => Some(secret_type.unwrap_or_else(|| "Opaque".to_string())),
                TargetKind::ConfigMap => None,
            },
            entries: BTreeMap::new(),
        }
    }

    pub fn from_secret(s: &Secret) -> Content {
        let entries = s
            .data
            .iter()
            .flatten()
            .map(|(k, v)| (k.clone(), EntryValue::Bytes(v.0.clone())))
            .collect();
        Content {
            kind: TargetKind::Secret,
            secret_type: Some(s.type_.clone().unwrap_or_else(|| "Opaque".to_string())),
            entries,
        }
    }

    pub fn from_configmap(c: &ConfigMap) -> Content {
        let mut entries: BTreeMap<String, EntryValue> = c
            .data
            .iter()
            .flatten()
            .map(|(k, v)| (k.clone(), EntryValue::Text(v.clone())))
            .collect();
        for (k, v) in c.binary_data.iter().flatten() {
            entries.insert(k.clone(), EntryValue::Bytes(v.0.clone()));
        }
        Content {
            kind: TargetKind::ConfigMap,
            secret_type: None,
            entries,
        }
    }

    /// Adds a value, refusing a key given twice.
    pub fn insert_new(&mut self, key: &str, value: Vec<u8>) -> Result<()> {
        validate_key(key)?;
        if self.entries.contains_key(key) {
            return Err(Error::Usage(format!("key {key:?} is given more than once")));
        }
        self.entries.insert(key.to_string(), self.value_for(value));
        Ok(())
    }

    fn value_for(&self, value: Vec<u8>) -> EntryValue {
        match self.kind {
            TargetKind::Secret => EntryValue::Bytes(value),
            TargetKind::ConfigMap => match String::from_utf8(value) {
                Ok(s) => EntryValue::Text(s),
                Err(e) => EntryValue::Bytes(e.into_bytes()),
            },
        }
    }

    fn text_map(&self) -> BTreeMap<String, String> {
        self.entries
            .iter()
            .filter_map(|(k, v)| match v {
                EntryValue::Text(s) => Some((k.clone(), s.clone())),
                EntryValue::Bytes(_) => None,
            })
            .collect()
    }

    fn base64_map(&self) -> BTreeMap<String, String> {
        self.entries
            .iter()
            .filter_map(|(k, v)| match v {
                EntryValue::Bytes(b) => Some((k.clone(), BASE64.encode(b))),
                EntryValue::Text(_) if self.kind == TargetKind::Secret => {
                    Some((k.clone(), BASE64.encode(v.as_bytes())))
                }
                EntryValue::Text(_) => None,
            })
            .collect()
    }

    /// The kustomize name suffix of this content. Hashes the object as
    /// [`Content::to_object`] writes it, so the name can be recomputed from
    /// the live object. Like kustomize, it does not depend on the base name.
    pub fn suffix(&self) -> String {
        fn as_go(m: BTreeMap<String, String>) -> Option<BTreeMap<String, GoJson>> {
            (!m.is_empty()).then(|| m.into_iter().map(|(k, v)| (k, GoJson::Str(v))).collect())
        }
        match self.kind {
            TargetKind::Secret => {
                hash::secret_hash(self.secret_type.as_deref(), as_go(self.base64_map()), None)
            }
            TargetKind::ConfigMap => {
                hash::configmap_hash(as_go(self.text_map()), as_go(self.base64_map()))
            }
        }
    }

    /// The object to apply, without metadata beyond the name.
    pub fn to_object(&self, name: &str) -> Value {
        let mut obj = json!({
            "apiVersion": "v1",
            "kind": self.kind.kind(),
            "metadata": { "name": name },
            "immutable": true,
        });
        match self.kind {
            TargetKind::Secret => {
                obj["type"] = json!(self.secret_type.as_deref().unwrap_or("Opaque"));
                let data = self.base64_map();
                if !data.is_empty() {
                    obj["data"] = json!(data);
                }
            }
            TargetKind::ConfigMap => {
                let data = self.text_map();
                if !data.is_empty() {
                    obj["data"] = json!(data);
                }
                let binary = self.base64_map();
                if !binary.is_empty() {
                    obj["binaryData"] = json!(binary);
                }
            }
        }
        obj
    }

    pub fn keys(&self) -> Vec<String> {
        self.entries.keys().cloned().collect()
    }
}

/// The sources given on the command line.
#[derive(Debug, Clone, Default)]
pub struct SourceFlags {
    pub from_literal: Vec<String>,
    pub from_file: Vec<String>,
    pub from_env_file: Vec<PathBuf>,
    pub from_current: bool,
    pub set: Vec<String>,
    pub unset: Vec<String>,
    pub secret_type: Option<String>,
}

/// Where the new content comes from, once the flags are checked.
#[derive(Debug, Clone)]
pub enum Source {
    /// New content from literals, files and env files (may be combined, as in kubectl).
    New {
        literals: Vec<String>,
        files: Vec<String>,
        env_files: Vec<PathBuf>,
    },
    /// The live object as it is.
    Current,
    /// The current version with keys set or removed.
    Edit {
        set: Vec<String>,
        unset: Vec<String>,
    },
}

impl SourceFlags {
    pub fn source(&self) -> Result<Source> {
        let new = !self.from_literal.is_empty()
            || !self.from_file.is_empty()
            || !self.from_env_file.is_empty();
        let edit = !self.set.is_empty() || !self.unset.is_empty();
        let given = usize::from(new) + usize::from(edit) + usize::from(self.from_current);
        if given == 0 {
            return Err(Error::Usage(
                "give the new content: --from-literal, --from-file, --from-env-file, --from-current, or --set/--unset"
                    .into(),
            ));
        }
        if given > 1 {
            return Err(Error::Usage(
                "--from-literal/--from-file/--from-env-file, --from-current and --set/--unset cannot be combined"
                    .into(),
            ));
        }
        if self.from_current {
            return Ok(Source::Current);
        }
        if edit {
            return Ok(Source::Edit {
                set: self.set.clone(),
                unset: self.unset.clone(),
            });
        }
        Ok(Source::New {
            literals: self.from_literal.clone(),
            files: self.from_file.clone(),
            env_files: self.from_env_file.clone(),
        })
    }
}

impl Source {
    /// Whether the content depends on what is in the cluster.
    pub fn needs_current(&self) -> bool {
        !matches!(self, Source::New { .. })
    }
}

/// Builds content from literals, files and env files.
pub fn build_new(
    kind: TargetKind,
    secret_type: Option<String>,
    literals: &[String],
    files: &[String],
    env_files: &[PathBuf],
) -> Result<Content> {
    let mut content = Content::empty(kind, secret_type);
    for lit in literals {
        let (k, v) = split_pair(lit, "--from-literal")?;
        content.insert_new(k, v.as_bytes().to_vec())?;
    }
    for spec in files {
        add_file_source(&mut content, spec)?;
    }
    for path in env_files {
        for (k, v) in read_env_file(path)? {
            content.insert_new(&k, v.into_bytes())?;
        }
    }
    Ok(content)
}

/// Applies `--set k=v` and `--unset k` to a copy of the current content.
pub fn edit(current: &Content, set: &[String], unset: &[String]) -> Result<Content> {
    let mut next = current.clone();
    for key in unset {
        if next.entries.remove(key).is_none() {
            return Err(Error::Usage(format!(
                "--unset {key}: the current version has no such key (keys: {})",
                current.keys().join(", ")
            )));
        }
    }
    let mut seen = BTreeSet::new();
    for pair in set {
        let (k, v) = split_pair(pair, "--set")?;
        validate_key(k)?;
        if !seen.insert(k.to_string()) {
            return Err(Error::Usage(format!("--set {k}: key given more than once")));
        }
        if unset.iter().any(|u| u == k) {
            return Err(Error::Usage(format!("key {k:?} is both set and unset")));
        }
        let value = next.value_for(v.as_bytes().to_vec());
        next.entries.insert(k.to_string(), value);
    }
    Ok(next)
}

// The value is never echoed in the message: it may be a secret.
fn split_pair<'a>(s: &'a str, flag: &str) -> Result<(&'a str, &'a str)> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k, v)),
        _ => Err(Error::Usage(format!(
            "{flag} takes KEY=VALUE (the argument has no key before '=')"
        ))),
    }
}

/// `[key=]path`: one file under a key (default: its file name), or every
/// regular file of a directory.
fn add_file_source(content: &mut Content, spec: &str) -> Result<()> {
    let (key, path) = match spec.split_once('=') {
        Some((k, p)) if !k.is_empty() && !p.is_empty() => (Some(k), Path::new(p)),
        Some(_) => {
            return Err(Error::Usage(format!(
                "--from-file {spec:?}: use [KEY=]PATH"
            )));
        }
        None => (None, Path::new(spec)),
    };
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        if key.is_some() {
            return Err(Error::Usage(format!(
                "--from-file {spec:?}: a directory takes no key; each file becomes a key"
            )));
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| Error::io(path, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for file in files {
            let name = file_key(&file)?;
            let data = std::fs::read(&file).map_err(|e| Error::io(&file, e))?;
            content.insert_new(&name, data)?;
        }
        return Ok(());
    }
    let name = match key {
        Some(k) => k.to_string(),
        None => file_key(path)?,
    };
    let data = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    content.insert_new(&name, data)
}

fn file_key(path: &Path) -> Result<String> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .ok_or_else(|| {
            Error::Usage(format!(
                "{}: cannot use this file name as a key",
                path.display()
            ))
        })
}

/// kubectl's env-file rules: `KEY=VALUE` per line, `#` comments and blank
/// lines skipped, leading space trimmed, the value taken verbatim (no
/// unquoting); a bare `KEY` takes its value from the environment, and is
/// skipped when unset.
pub fn read_env_file(path: &Path) -> Result<Vec<(String, String)>> {
    let text = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let text = String::from_utf8(text).map_err(|_| {
        Error::Usage(format!(
            "{}: an env file must be UTF-8 text",
            path.display()
        ))
    })?;
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = if i == 0 {
            raw.trim_start_matches('\u{feff}')
        } else {
            raw
        };
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = match line.split_once('=') {
            Some((k, v)) => (k, Some(v.to_string())),
            None => (line.trim_end(), None),
        };
        if !is_env_var_name(key) {
            return Err(Error::Usage(format!(
                "{}:{}: {key:?} is not a valid variable name",
                path.display(),
                i + 1
            )));
        }
        match value.or_else(|| std::env::var(key).ok()) {
            Some(v) => out.push((key.to_string(), v)),
            None => continue,
        }
    }
    Ok(out)
}

fn is_env_var_name(s: &str) -> bool {
    // Kubernetes' IsEnvVarName: printable ASCII except '=', not starting with a digit.
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.bytes()
            .all(|b| (b' '..=b'~').contains(&b) && b != b'=' && b != b' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(Target::parse("app").unwrap().kind, TargetKind::Secret);
        assert_eq!(
            Target::parse("cm/app").unwrap(),
            Target {
                kind: TargetKind::ConfigMap,
                base: "app".into()
            }
        );
        assert_eq!(Target::parse("secrets/db.prod").unwrap().base, "db.prod");
        assert!(Target::parse("deployment/app").is_err());
        assert!(Target::parse("App").is_err());
        assert!(Target::parse("").is_err());
        assert!(Target::parse(&"a".repeat(243)).is_err());
        assert!(Target::parse(&"a".repeat(242)).is_ok());
    }

    #[test]
    fn family_names() {
        let t = Target::parse("app").unwrap();
        assert!(t.is_family_name("app"));
        assert!(t.is_family_name("app-h8mdbf6h8f"));
        assert!(!t.is_family_name("app-config"));
        assert!(!t.is_family_name("app-h8mdbf6h8f-x"));
        assert!(!t.is_family_name("apps-h8mdbf6h8f"));
    }

    #[test]
    fn literal_secret_matches_kustomize_name() {
        let c = build_new(
            TargetKind::Secret,
            None,
            &["password=pass".into()],
            &[],
            &[],
        )
        .unwrap();
        assert_eq!(c.suffix(), "7f4fkf9686");
        let obj = c.to_object("db-7f4fkf9686");
        assert_eq!(obj["data"]["password"], "cGFzcw==");
        assert_eq!(obj["type"], "Opaque");
        assert_eq!(obj["immutable"], true);
    }

    #[test]
    fn configmap_literal_matches_kustomize_name() {
        let c = build_new(TargetKind::ConfigMap, None, &["a=x".into()], &[], &[]).unwrap();
        assert_eq!(c.suffix(), "5642bm9b6f");
        assert_eq!(c.to_object("app-5642bm9b6f")["data"]["a"], "x");
    }

    #[test]
    fn the_hash_of_a_read_back_object_is_the_same() {
        let c = build_new(
            TargetKind::Secret,
            Some("kubernetes.io/basic-auth".into()),
            &["username=u".into(), "password=p=q".into()],
            &[],
            &[],
        )
        .unwrap();
        let secret: Secret = serde_json::from_value(c.to_object("x")).unwrap();
        let back = Content::from_secret(&secret);
        assert_eq!(back, c);
        assert_eq!(back.suffix(), c.suffix());
        assert_eq!(back.entries["password"].as_bytes(), b"p=q");
    }

    #[test]
    fn configmap_binary_files_go_to_binary_data() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("logo.bin"), [0xff, 0x00, 0xfe]).unwrap();
        std::fs::write(dir.path().join("conf.txt"), "a: 1\n").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let spec = dir.path().to_str().unwrap().to_string();
        let c = build_new(TargetKind::ConfigMap, None, &[], &[spec], &[]).unwrap();
        let obj = c.to_object("x");
        assert_eq!(obj["data"]["conf.txt"], "a: 1\n");
        assert_eq!(obj["binaryData"]["logo.bin"], "/wD+");
        assert_eq!(c.entries.len(), 2);
        let cm: ConfigMap = serde_json::from_value(obj).unwrap();
        assert_eq!(Content::from_configmap(&cm), c);
    }

    #[test]
    fn file_with_key_and_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("pw.txt");
        std::fs::write(&f, "s3cret").unwrap();
        let spec = format!("password={}", f.display());
        let c = build_new(
            TargetKind::Secret,
            None,
            &[],
            std::slice::from_ref(&spec),
            &[],
        )
        .unwrap();
        assert_eq!(c.entries["password"].as_bytes(), b"s3cret");
        let err = build_new(
            TargetKind::Secret,
            None,
            &["password=x".into()],
            &[spec],
            &[],
        )
        .unwrap_err();
        assert!(err.to_string().contains("more than once"), "{err}");
        assert!(build_new(TargetKind::Secret, None, &["=x".into()], &[], &[]).is_err());
        assert!(build_new(TargetKind::Secret, None, &["a b=x".into()], &[], &[]).is_err());
    }

    #[test]
    fn env_file_rules() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("app.env");
        // SAFETY: single-threaded use of a variable name no other test reads.
        unsafe { std::env::set_var("HONBAN_TEST_ENV_FROM_PROCESS", "from-env") };
        std::fs::write(
            &f,
            "\u{feff}# comment\n\n  USER=admin\nPASSWORD=\"quoted\" \nEMPTY=\nHONBAN_TEST_ENV_FROM_PROCESS\nHONBAN_TEST_UNSET_VARIABLE\n",
        )
        .unwrap();
        let pairs = read_env_file(&f).unwrap();
        assert_eq!(
            pairs,
            vec![
                ("USER".to_string(), "admin".to_string()),
                ("PASSWORD".to_string(), "\"quoted\" ".to_string()),
                ("EMPTY".to_string(), String::new()),
                (
                    "HONBAN_TEST_ENV_FROM_PROCESS".to_string(),
                    "from-env".to_string()
                ),
            ]
        );
        std::fs::write(&f, "1BAD=x\n").unwrap();
        let err = read_env_file(&f).unwrap_err();
        assert!(err.to_string().contains(":1:"), "{err}");
    }

    #[test]
    fn set_and_unset() {
        let cur = build_new(
            TargetKind::Secret,
            None,
            &["a=1".into(), "b=2".into()],
            &[],
            &[],
        )
        .unwrap();
        let next = edit(&cur, &["b=3".into(), "c=4".into()], &["a".into()]).unwrap();
        assert_eq!(next.keys(), vec!["b", "c"]);
        assert_eq!(next.entries["b"].as_bytes(), b"3");
        assert!(edit(&cur, &[], &["zz".into()]).is_err());
        assert!(edit(&cur, &["a=1".into()], &["a".into()]).is_err());
    }

    #[test]
    fn source_flags_are_exclusive() {
        let mut f = SourceFlags::default();
        assert!(f.source().is_err());
        f.from_literal = vec!["a=b".into()];
        f.from_file = vec!["x".into()];
        assert!(matches!(f.source().unwrap(), Source::New { .. }));
        f.from_current = true;
        assert!(f.source().is_err());
        let f = SourceFlags {
            set: vec!["a=b".into()],
            unset: vec!["c".into()],
            ..Default::default()
        };
        assert!(matches!(f.source().unwrap(), Source::Edit { .. }));
    }

    #[test]
    fn values_are_not_debug_printed() {
        let c = build_new(TargetKind::Secret, None, &["k=hunter2".into()], &[], &[]).unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("7 bytes"));
        let err = split_pair("=hunter2", "--set").unwrap_err().to_string();
        assert!(!err.contains("hunter2"));
    }
}
