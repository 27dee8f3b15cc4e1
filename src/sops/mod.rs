//! sops-encrypted files, decrypted in-process: the file format (YAML, JSON,
//! dotenv), the data key from an age or AWS KMS master key, every value
//! opened with its key path, and the MAC checked by sops' own rules. There
//! is no way to skip the MAC.
//!
//! - `tree`: the documents, typed as sops' stores type them;
//! - `metadata`: the `sops` block (keys, MAC, encryption rules);
//! - `keys`: the data key from age identities or KMS (`kms`, feature `aws`);
//! - `values`: AES-256-GCM values and the MAC.
//!
//! Decrypted values stay in memory: errors name the file, the check and the
//! key path, never a value.

mod keys;
#[cfg(feature = "aws")]
mod kms;
mod metadata;
mod tree;
mod values;

pub(crate) use metadata::Rule;
pub(crate) use tree::{Leaf, Node};

use keys::KeyFailure;
use values::Failure;

/// Why a sops file could not be used. Every message names the file.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SopsError {
    #[error("{file}: {message}")]
    Format { file: String, message: String },

    #[error("{file}: not a sops-encrypted file (no sops metadata)")]
    NotEncrypted { file: String },

    /// Only master keys of types honban cannot use (pgp, gcp_kms, ...).
    /// `docs` (keys in the clear, values still encrypted) and `dotenv` say
    /// what the file holds, so a caller can name the sops command that works.
    #[error("{file}: encrypted only for {}, which honban cannot decrypt", .types.join(", "))]
    UnsupportedKeys {
        file: String,
        types: Vec<&'static str>,
        docs: Vec<Node>,
        dotenv: bool,
    },

    #[error("{file}: cannot get the data key: {}", .reasons.join("; "))]
    NoDataKey { file: String, reasons: Vec<String> },

    #[error(
        "{file}: the value at {path} fails authentication: it was changed, or moved from another key; nothing was created"
    )]
    ValueTampered { file: String, path: String },

    #[error("{file}: the value at {path} is not a sops-encrypted value; nothing was created")]
    ValueMalformed { file: String, path: String },

    #[error(
        "{file}: MAC check failed: the MAC cannot be opened (the MAC or lastmodified was changed); nothing was created"
    )]
    MacUnreadable { file: String },

    #[error(
        "{file}: MAC check failed: the values do not match the MAC (a value was changed, added or removed); nothing was created"
    )]
    MacMismatch { file: String },
}

/// A decrypted file: its documents in order, with the `sops` block removed.
#[derive(Debug)]
pub(crate) struct Decrypted {
    pub(crate) docs: Vec<Node>,
}

/// Decrypts `text`, read from `file` (a path, or `-` for stdin; its
/// extension picks the format as sops picks its store).
pub(crate) fn decrypt(file: &str, text: &str) -> Result<Decrypted, SopsError> {
    let format = tree::Format::guess(file, text);
    let fail = |message: String| SopsError::Format {
        file: file.to_string(),
        message,
    };
    let mut docs = tree::parse(text, format).map_err(fail)?;
    let meta = metadata::extract(&mut docs, format == tree::Format::Dotenv)
        .map_err(fail)?
        .ok_or_else(|| SopsError::NotEncrypted {
            file: file.to_string(),
        })?;
    let key = match keys::data_key(&meta) {
        Ok(key) => key,
        Err(KeyFailure::Unsupported(types)) => {
            return Err(SopsError::UnsupportedKeys {
                file: file.to_string(),
                types,
                docs,
                dotenv: format == tree::Format::Dotenv,
            });
        }
        Err(KeyFailure::Failed(reasons)) => {
            return Err(SopsError::NoDataKey {
                file: file.to_string(),
                reasons,
            });
        }
    };
    values::open(&mut docs, &key, &meta).map_err(|f| {
        let file = file.to_string();
        match f {
            Failure::Value(path) => SopsError::ValueTampered { file, path },
            Failure::Malformed(path) => SopsError::ValueMalformed { file, path },
            Failure::MacUnreadable => SopsError::MacUnreadable { file },
            Failure::MacMismatch => SopsError::MacMismatch { file },
        }
    })?;
    Ok(Decrypted { docs })
}
