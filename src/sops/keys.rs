//! Unwrapping the data key with one of the file's master keys: age with the
//! identities sops would find (`SOPS_AGE_KEY`, `SOPS_AGE_KEY_FILE`, the
//! user's `sops/age/keys.txt`, all together), then AWS KMS.

use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use super::metadata::{MasterKey, Metadata};

/// Why no master key gave the data key.
#[derive(Debug)]
pub(crate) enum KeyFailure {
    /// Only key types honban cannot use.
    Unsupported(Vec<&'static str>),
    /// Each key tried, and why it failed (no secret in the text).
    Failed(Vec<String>),
}

/// The 32-byte data key.
pub(crate) fn data_key(meta: &Metadata) -> Result<Vec<u8>, KeyFailure> {
    let mut reasons = Vec::new();
    let mut unsupported = Vec::new();
    let mut identities: Option<Result<Identities, String>> = None;
    let ages: Vec<(&str, &str)> = meta
        .keys
        .iter()
        .filter_map(|k| match k {
            MasterKey::Age { recipient, enc } => Some((recipient.as_str(), enc.as_str())),
            _ => None,
        })
        .collect();
    for (recipient, enc) in &ages {
        let ids = identities.get_or_insert_with(load_identities);
        match ids {
            Ok(ids) => match unwrap_age(ids, enc) {
                Ok(key) => return Ok(key),
                Err(e) => reasons.push(format!("age {recipient}: {e}")),
            },
            Err(e) => reasons.push(format!("age {recipient}: {e}")),
        }
    }
    for key in &meta.keys {
        match key {
            MasterKey::Age { .. } => {}
            MasterKey::Unsupported(kind) => unsupported.push(*kind),
            #[cfg(feature = "aws")]
            MasterKey::Kms(kms) => match super::kms::decrypt(kms) {
                Ok(key) => return Ok(key),
                Err(e) => reasons.push(format!("kms {}: {e}", kms.arn)),
            },
            #[cfg(not(feature = "aws"))]
            MasterKey::Kms(kms) => {
                reasons.push(format!("kms {}: this build has no AWS support", kms.arn))
            }
        }
    }
    if reasons.is_empty() && !unsupported.is_empty() {
        return Err(KeyFailure::Unsupported(unsupported));
    }
    if reasons.is_empty() {
        reasons.push("the file lists no master key".into());
    }
    Err(KeyFailure::Failed(reasons))
}

type Identities = Vec<Box<dyn age::Identity + Send + Sync>>;

/// Every age identity sops would use; where none is found, the places looked.
fn load_identities() -> Result<Identities, String> {
    let mut ids: Identities = Vec::new();
    let mut errors = Vec::new();
    if let Ok(text) = std::env::var("SOPS_AGE_KEY") {
        // Several keys may share a line here.
        let lines: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .flat_map(|l| l.split_whitespace())
            .map(|k| format!("{k}\n"))
            .collect();
        parse_into(&mut ids, lines.as_bytes(), "SOPS_AGE_KEY", &mut errors);
    }
    if let Some(path) = std::env::var_os("SOPS_AGE_KEY_FILE") {
        match read_small(Path::new(&path)) {
            Ok(b) => parse_into(&mut ids, &b, "SOPS_AGE_KEY_FILE", &mut errors),
            Err(e) => errors.push(format!(
                "cannot read SOPS_AGE_KEY_FILE {}: {e}",
                PathBuf::from(&path).display()
            )),
        }
    }
    let default = default_keys_file();
    if let Some(path) = &default
        && let Ok(b) = read_small(path)
    {
        parse_into(&mut ids, &b, &path.display().to_string(), &mut errors);
    }
    if !errors.is_empty() && ids.is_empty() {
        return Err(errors.join("; "));
    }
    if ids.is_empty() {
        let place = default
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "~/.config/sops/age/keys.txt".into());
        return Err(format!(
            "no age identity found (set SOPS_AGE_KEY or SOPS_AGE_KEY_FILE, or put it in {place})"
        ));
    }
    Ok(ids)
}

/// The most read from an age keys file: one key line is 75 bytes.
const MAX_KEYS_FILE: usize = 1024 * 1024;

/// A keys file, refused past [`MAX_KEYS_FILE`] (a device or a log named by mistake).
fn read_small(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(u64::try_from(MAX_KEYS_FILE + 1).unwrap_or(u64::MAX))
        .read_to_end(&mut bytes)?;
    if bytes.len() > MAX_KEYS_FILE {
        return Err(std::io::Error::other(
            "larger than 1 MiB, so not a keys file",
        ));
    }
    Ok(bytes)
}

fn parse_into(ids: &mut Identities, bytes: &[u8], source: &str, errors: &mut Vec<String>) {
    match age::IdentityFile::from_buffer(BufReader::new(bytes)).map(|f| f.into_identities()) {
        Ok(Ok(found)) => ids.extend(found),
        // The parser's message may quote the line, which holds a key: not shown.
        _ => errors.push(format!("{source} holds no valid age identity")),
    }
}

/// sops' `os.UserConfigDir()/sops/age/keys.txt`.
fn default_keys_file() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            let home = PathBuf::from(std::env::var_os("HOME")?);
            Some(if cfg!(target_os = "macos") {
                home.join("Library/Application Support")
            } else {
                home.join(".config")
            })
        })?;
    Some(base.join("sops/age/keys.txt"))
}

fn unwrap_age(ids: &Identities, enc: &str) -> Result<Vec<u8>, String> {
    let decryptor = age::Decryptor::new_buffered(age::armor::ArmoredReader::new(enc.as_bytes()))
        .map_err(|e| format!("not an age file: {e}"))?;
    let mut reader = decryptor
        .decrypt(ids.iter().map(|i| i.as_ref() as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => {
                "none of the age identities found is this recipient's".to_string()
            }
            other => other.to_string(),
        })?;
    let mut key = Vec::new();
    reader
        .read_to_end(&mut key)
        .map_err(|e| format!("cannot read the data key: {e}"))?;
    if key.len() != 32 {
        return Err("the wrapped data key is not 32 bytes".into());
    }
    Ok(key)
}
