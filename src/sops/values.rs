//! Opening sops' values and checking its MAC, by sops' rules: each value is
//! AES-256-GCM under the data key with a 32-byte nonce and the key path
//! (`data:password:`) as additional data, so a value moved to another key
//! fails; the MAC is SHA-512 over the plaintext values in document order
//! (only the encrypted ones, after a fixed prefix, with
//! `mac_only_encrypted`), stored encrypted with `lastmodified` as the
//! additional data.

use std::sync::OnceLock;

use aes_gcm::aead::consts::U32;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::aes::Aes256;
use aes_gcm::{AesGcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use regex::Regex;
use sha2::{Digest, Sha512};

use super::metadata::Metadata;
use super::tree::{Leaf, Node};

/// AES-256-GCM with sops' 32-byte nonce.
type SopsGcm = AesGcm<Aes256, U32>;

/// sops' `MACOnlyEncryptedInitialization`: SHA-256 of "sops", hashed first
/// so such a MAC never equals one over all values.
const MAC_ONLY_ENCRYPTED_PREFIX: [u8; 32] = [
    0x8a, 0x3f, 0xd2, 0xad, 0x54, 0xce, 0x66, 0x52, 0x7b, 0x10, 0x34, 0xf3, 0xd1, 0x47, 0xbe, 0x0b,
    0x0b, 0x97, 0x5b, 0x3b, 0xf4, 0x4f, 0x72, 0xc6, 0xfd, 0xad, 0xec, 0x81, 0x76, 0xf2, 0x7d, 0x69,
];

/// Which check failed. Never carries a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The value at this path (`data:password:`) does not authenticate:
    /// changed, or moved from another key.
    Value(String),
    /// The value at this path should be encrypted but is not in sops' form.
    Malformed(String),
    /// The MAC cannot be opened: it or `lastmodified` was changed.
    MacUnreadable,
    /// The values do not match the MAC: a plaintext value was changed,
    /// or one was added or removed.
    MacMismatch,
}

/// Decrypts every document in place and checks the MAC.
pub(crate) fn open(docs: &mut [Node], key: &[u8], meta: &Metadata) -> Result<(), Failure> {
    let cipher = SopsGcm::new_from_slice(key).map_err(|_| Failure::MacUnreadable)?;
    let mut walk = Walk {
        cipher: &cipher,
        meta,
        hash: Sha512::new(),
        path: Vec::new(),
    };
    if meta.mac_only_encrypted {
        walk.hash.update(MAC_ONLY_ENCRYPTED_PREFIX);
    }
    for doc in docs.iter_mut() {
        walk.node(doc)?;
    }
    let computed: String = walk
        .hash
        .finalize()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    let stored = if meta.mac.is_empty() {
        Vec::new()
    } else {
        let aad = go_rfc3339(&meta.lastmodified).ok_or(Failure::MacUnreadable)?;
        decrypt_value(&cipher, &meta.mac, &aad)
            .map_err(|_| Failure::MacUnreadable)?
            .1
    };
    // Not secret: a digest of the values, compared in full either way.
    if stored != computed.as_bytes() {
        return Err(Failure::MacMismatch);
    }
    Ok(())
}

struct Walk<'a> {
    cipher: &'a SopsGcm,
    meta: &'a Metadata,
    hash: Sha512,
    path: Vec<String>,
}

impl Walk<'_> {
    fn node(&mut self, node: &mut Node) -> Result<(), Failure> {
        match node {
            Node::Map(items) => {
                for (k, v) in items.iter_mut() {
                    self.path.push(k.clone());
                    let r = self.node(v);
                    self.path.pop();
                    r?;
                }
                Ok(())
            }
            // List items keep their parent's path, as in sops.
            Node::Seq(items) => items.iter_mut().try_for_each(|v| self.node(v)),
            Node::Null => Ok(()),
            Node::Leaf(leaf) => self.leaf(leaf),
        }
    }

    fn leaf(&mut self, leaf: &mut Leaf) -> Result<(), Failure> {
        let keys: Vec<&str> = self.path.iter().map(String::as_str).collect();
        let encrypted = self.meta.rule.encrypts(&keys);
        let aad = format!("{}:", self.path.join(":"));
        if encrypted {
            let Leaf::Str(text) = &*leaf else {
                return Err(Failure::Malformed(aad));
            };
            // sops leaves empty strings as they are.
            if !text.is_empty() {
                let (kind, plain) = decrypt_value(self.cipher, text, &aad)?;
                *leaf = typed(&kind, plain).ok_or_else(|| Failure::Malformed(aad.clone()))?;
            }
        }
        if encrypted || !self.meta.mac_only_encrypted {
            self.hash.update(leaf.to_bytes());
        }
        Ok(())
    }
}

fn enc_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]")
            .expect("valid pattern")
    })
}

/// Opens one `ENC[AES256_GCM,…]` value: its type and plaintext.
fn decrypt_value(cipher: &SopsGcm, text: &str, aad: &str) -> Result<(String, Vec<u8>), Failure> {
    let malformed = || Failure::Malformed(aad.to_string());
    let caps = enc_pattern().captures(text).ok_or_else(malformed)?;
    let part = |i: usize| BASE64.decode(&caps[i]).map_err(|_| malformed());
    let (mut data, iv, tag) = (part(1)?, part(2)?, part(3)?);
    if iv.len() != 32 {
        return Err(malformed());
    }
    data.extend_from_slice(&tag);
    let plain = cipher
        .decrypt(
            Nonce::<U32>::from_slice(&iv),
            Payload {
                msg: &data,
                aad: aad.as_bytes(),
            },
        )
        .map_err(|_| Failure::Value(aad.to_string()))?;
    Ok((caps[4].to_string(), plain))
}

/// The decrypted value as sops types it (`type:` of the value).
fn typed(kind: &str, plain: Vec<u8>) -> Option<Leaf> {
    let text = || String::from_utf8(plain.clone()).ok();
    Some(match kind {
        "str" | "comment" => Leaf::Str(text()?),
        "bytes" => Leaf::Bytes(plain),
        "int" => Leaf::Int(text()?.parse().ok()?),
        "float" => Leaf::Float(text()?.parse().ok()?),
        "bool" => Leaf::Bool(match text()?.as_str() {
            "1" | "t" | "T" | "TRUE" | "true" | "True" => true,
            "0" | "f" | "F" | "FALSE" | "false" | "False" => false,
            _ => return None,
        }),
        // A timestamp's text is what sops hashes.
        "time" => Leaf::Str(text()?),
        _ => return None,
    })
}

/// Go's `time.Parse(RFC3339)` then `Format(RFC3339)`: fractional seconds
/// dropped, a zero offset written `Z`. None when it is not RFC 3339.
fn go_rfc3339(s: &str) -> Option<String> {
    let (date_time, offset) = if let Some(stripped) = s.strip_suffix('Z') {
        (stripped, "Z")
    } else {
        // `get`: the text is the file's, and may cut a character in two.
        let cut = s.len().checked_sub(6)?;
        let (date_time, off) = (s.get(..cut)?, s.get(cut..)?);
        let ok = off.starts_with(['+', '-']) && off.as_bytes()[3] == b':';
        if !ok {
            return None;
        }
        (date_time, if &off[1..] == "00:00" { "Z" } else { off })
    };
    let whole = date_time.split('.').next()?;
    if whole.len() != 19 || !whole.is_ascii() || whole.as_bytes()[10] != b'T' {
        return None;
    }
    Some(format!("{whole}{offset}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lastmodified_as_go_formats_it() {
        assert_eq!(
            go_rfc3339("2024-05-01T10:20:30Z").as_deref(),
            Some("2024-05-01T10:20:30Z")
        );
        assert_eq!(
            go_rfc3339("2024-05-01T10:20:30.123456Z").as_deref(),
            Some("2024-05-01T10:20:30Z")
        );
        assert_eq!(
            go_rfc3339("2024-05-01T10:20:30+00:00").as_deref(),
            Some("2024-05-01T10:20:30Z")
        );
        assert_eq!(
            go_rfc3339("2024-05-01T10:20:30-07:00").as_deref(),
            Some("2024-05-01T10:20:30-07:00")
        );
        assert_eq!(go_rfc3339("yesterday"), None);
        // A tampered date with multi-byte characters is refused, not a panic.
        assert_eq!(go_rfc3339("2026-12-06T15:00:00\u{e9}\u{e9}\u{e9}x"), None);
        assert_eq!(go_rfc3339("2026-12-06T15:00:0\u{e9}+01:00"), None);
    }

    #[test]
    fn a_value_is_bound_to_its_path() {
        let key = [7u8; 32];
        let cipher = SopsGcm::new_from_slice(&key).unwrap();
        let nonce = [9u8; 32];
        let sealed = cipher
            .encrypt(
                Nonce::<U32>::from_slice(&nonce),
                Payload {
                    msg: b"s3cret",
                    aad: b"data:password:",
                },
            )
            .unwrap();
        let (data, tag) = sealed.split_at(sealed.len() - 16);
        let text = format!(
            "ENC[AES256_GCM,data:{},iv:{},tag:{},type:str]",
            BASE64.encode(data),
            BASE64.encode(nonce),
            BASE64.encode(tag)
        );
        let (kind, plain) = decrypt_value(&cipher, &text, "data:password:").unwrap();
        assert_eq!((kind.as_str(), plain.as_slice()), ("str", &b"s3cret"[..]));
        assert_eq!(
            decrypt_value(&cipher, &text, "data:user:").unwrap_err(),
            Failure::Value("data:user:".into())
        );
        assert!(matches!(
            decrypt_value(&cipher, "plain", "a:"),
            Err(Failure::Malformed(_))
        ));
    }
}
