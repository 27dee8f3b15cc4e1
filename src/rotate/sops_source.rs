//! `--from-sops FILE`: the content of a sops-encrypted Secret or ConfigMap
//! manifest (the document named BASE, or `--select NAME`), or of a
//! sops-encrypted key file (dotenv, or a YAML/JSON map of keys). Decrypted
//! before any connection, in memory only; messages name files and keys.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::content::Content;
use super::sops_instead;
use super::target::{Target, TargetKind};
use crate::cli;
use crate::error::{Error, Result};
use crate::sops::{self, Leaf, Node, SopsError};

/// The decrypted content of every `--from-sops` file, merged.
#[derive(Debug)]
pub(crate) struct SopsContent {
    pub(crate) content: Content,
    /// The Secret type came from a manifest (else the current one's applies).
    pub(crate) typed: bool,
}

/// Reads, decrypts and merges `files`; a key in two files is refused.
pub(crate) fn load(
    files: &[String],
    select: Option<&str>,
    target: &Target,
    secret_type: Option<&str>,
) -> Result<SopsContent> {
    if let Some((_, again, _)) = cli::repeated_stream(files.iter().map(|f| (Path::new(f), true))) {
        return Err(Error::Usage(format!(
            "--from-sops {}: stdin (or this pipe) is already read by another --from-sops, and it can be read only once",
            files[again]
        )));
    }
    let mut out = SopsContent {
        content: Content::empty(target.kind, secret_type.map(str::to_string)),
        typed: secret_type.is_some(),
    };
    for file in files {
        let text = read(file)?;
        let decrypted = sops::decrypt(file, &text).map_err(|e| sops_error(e, file, target))?;
        add_file(&mut out, file, decrypted.docs, select, target)?;
    }
    Ok(out)
}

fn read(file: &str) -> Result<String> {
    let bytes = cli::read_input(Path::new(file))?;
    String::from_utf8(bytes)
        .map_err(|_| Error::Usage(format!("{file}: a sops file must be UTF-8 text")))
}

fn sops_error(e: SopsError, file: &str, target: &Target) -> Error {
    match e {
        SopsError::UnsupportedKeys {
            ref docs, dotenv, ..
        } => Error::Failed(format!(
            "{e}; decrypt it with sops instead: {}",
            sops_instead::command(file, docs, dotenv, target)
        )),
        SopsError::Format { .. } | SopsError::NotEncrypted { .. } => Error::Usage(e.to_string()),
        other => Error::Failed(other.to_string()),
    }
}

fn add_file(
    out: &mut SopsContent,
    file: &str,
    docs: Vec<Node>,
    select: Option<&str>,
    target: &Target,
) -> Result<()> {
    let manifests: Vec<&Node> = docs
        .iter()
        .filter(|d| matches!(kind_of(d), Some("Secret" | "ConfigMap")))
        .collect();
    if manifests.is_empty() {
        if select.is_some() {
            return Err(Error::Usage(format!(
                "{file}: --select picks a manifest, but the file is a map of keys"
            )));
        }
        let [doc] = &docs[..] else {
            return Err(Error::Usage(format!(
                "{file}: several documents and no Secret or ConfigMap among them"
            )));
        };
        return add_keys(&mut out.content, file, "", doc, Encoding::Text);
    }
    let want = select.unwrap_or(&target.base);
    let named = |d: &&&Node| name_of(d) == Some(want);
    let doc = match (manifests.iter().find(named), &manifests[..]) {
        (Some(d), _) => *d,
        (None, [only]) if select.is_none() => *only,
        _ => {
            let names: Vec<&str> = manifests.iter().filter_map(|d| name_of(d)).collect();
            return Err(Error::Usage(format!(
                "{file}: no document named {want:?} (names: {}); pick one with --select NAME",
                names.join(", ")
            )));
        }
    };
    let kind = kind_of(doc).unwrap_or_default();
    if kind != target.kind.kind() {
        return Err(Error::Usage(format!(
            "{file}: the document is a {kind}, but {} is a {}",
            target.display(),
            target.kind.kind()
        )));
    }
    add_manifest(out, file, doc)
}

fn kind_of(doc: &Node) -> Option<&str> {
    doc.get("apiVersion")?;
    doc.get("kind")?.as_str()
}

fn name_of(doc: &Node) -> Option<&str> {
    doc.get("metadata")?.get("name")?.as_str()
}

#[derive(Clone, Copy)]
enum Encoding {
    Text,
    Base64,
}

fn add_manifest(out: &mut SopsContent, file: &str, doc: &Node) -> Result<()> {
    let content = &mut out.content;
    match content.kind {
        TargetKind::Secret => {
            if !out.typed
                && let Some(t) = doc.get("type").and_then(Node::as_str)
            {
                content.secret_type = Some(t.to_string());
                out.typed = true;
            }
            // As the API server does: stringData wins over data for a key in both.
            let mut data = Content::empty(TargetKind::Secret, None);
            if let Some(d) = doc.get("data") {
                add_keys(&mut data, file, "data.", d, Encoding::Base64)?;
            }
            if let Some(d) = doc.get("stringData") {
                let mut strings = Content::empty(TargetKind::Secret, None);
                add_keys(&mut strings, file, "stringData.", d, Encoding::Text)?;
                data.entries.extend(strings.entries);
            }
            for (k, v) in data.entries {
                content.insert_new(&k, v.as_bytes().to_vec())?;
            }
        }
        TargetKind::ConfigMap => {
            if let Some(d) = doc.get("data") {
                add_keys(content, file, "data.", d, Encoding::Text)?;
            }
            if let Some(d) = doc.get("binaryData") {
                add_keys(content, file, "binaryData.", d, Encoding::Base64)?;
            }
        }
    }
    Ok(())
}

/// Adds every key of a flat map; `prefix` names the field in messages.
fn add_keys(
    content: &mut Content,
    file: &str,
    prefix: &str,
    map: &Node,
    encoding: Encoding,
) -> Result<()> {
    let Node::Map(items) = map else {
        if *map == Node::Null {
            return Ok(());
        }
        return Err(Error::Usage(format!(
            "{file}: {prefix}is not a map of keys"
        )));
    };
    for (key, value) in items {
        let bytes = match value {
            Node::Leaf(leaf) => leaf_bytes(leaf),
            Node::Null => Vec::new(),
            _ => {
                return Err(Error::Usage(format!(
                    "{file}: {prefix}{key} is not a plain value (nested maps and lists cannot be Secret keys)"
                )));
            }
        };
        let bytes = match encoding {
            Encoding::Text => bytes,
            Encoding::Base64 => {
                let text: Vec<u8> = bytes
                    .into_iter()
                    .filter(|b| !b.is_ascii_whitespace())
                    .collect();
                BASE64.decode(text).map_err(|_| {
                    Error::Usage(format!("{file}: {prefix}{key} is not valid base64"))
                })?
            }
        };
        content.insert_new(key, bytes).map_err(|e| match e {
            Error::Usage(m) => Error::Usage(format!("{file}: {m}")),
            other => other,
        })?;
    }
    Ok(())
}

/// A value as text: strings and bytes as they are, numbers and booleans as written.
fn leaf_bytes(leaf: &Leaf) -> Vec<u8> {
    match leaf {
        Leaf::Str(s) => s.as_bytes().to_vec(),
        Leaf::Bytes(b) => b.clone(),
        Leaf::Bool(b) => b.to_string().into_bytes(),
        other => other.to_bytes(),
    }
}
