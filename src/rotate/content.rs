//! What a version holds: the keys and values of a Secret or ConfigMap, as
//! the object is written and read back, and the kustomize hash that names it.
//!
//! Values stay in memory as bytes and are never formatted into messages;
//! only key names and sizes are shown.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use serde_json::{Value, json};

use super::hash::{self, GoJson};
use super::target::TargetKind;
use crate::error::{Error, Result};

/// Kubernetes' rule for ConfigMap and Secret keys.
pub(crate) fn validate_key(key: &str) -> Result<()> {
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
pub(crate) enum EntryValue {
    Text(String),
    Bytes(Vec<u8>),
}

impl EntryValue {
    pub(crate) fn as_bytes(&self) -> &[u8] {
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
pub(crate) struct Content {
    pub(crate) kind: TargetKind,
    /// The Secret type (`Opaque`, `kubernetes.io/tls`, ...); `None` for ConfigMaps.
    pub(crate) secret_type: Option<String>,
    pub(crate) entries: BTreeMap<String, EntryValue>,
}

impl Content {
    pub(crate) fn empty(kind: TargetKind, secret_type: Option<String>) -> Content {
        Content {
            kind,
            secret_type: match kind {
                TargetKind::Secret => Some(secret_type.unwrap_or_else(|| "Opaque".to_string())),
                TargetKind::ConfigMap => None,
            },
            entries: BTreeMap::new(),
        }
    }

    pub(crate) fn from_secret(s: &Secret) -> Content {
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

    pub(crate) fn from_configmap(c: &ConfigMap) -> Content {
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
    pub(crate) fn insert_new(&mut self, key: &str, value: Vec<u8>) -> Result<()> {
        validate_key(key)?;
        if self.entries.contains_key(key) {
            return Err(Error::Usage(format!("key {key:?} is given more than once")));
        }
        self.entries.insert(key.to_string(), self.value_for(value));
        Ok(())
    }

    pub(crate) fn value_for(&self, value: Vec<u8>) -> EntryValue {
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
    pub(crate) fn suffix(&self) -> String {
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
    pub(crate) fn to_object(&self, name: &str) -> Value {
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

    pub(crate) fn keys(&self) -> Vec<String> {
        self.entries.keys().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rotate::sources::build_new;

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
}
