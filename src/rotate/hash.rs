//! kustomize's name-suffix hash (`api/hasher/hasher.go`), byte for byte.
//!
//! The hashed text is what Go's `encoding/json` writes for a small map, so
//! keys are sorted bytewise and strings use Go's escaping (HTML-safe `<>&`,
//! U+2028/U+2029, short `\b`/`\f` as in Go ≥ 1.22). serde_json escapes
//! differently, so the encoder below writes the text itself.
//!
//! kustomize reads the name with `yaml.Lookup("metadata/name")`, a single
//! key that never exists, so it always hashes `"name":""`: the same data
//! gets the same suffix under any base name. Verified against kustomize
//! v5.8.1 (`kubectl kustomize`); honban does the same so its names match.
//! (`kubectl create --append-hash` hashes the real name and differs.)

use std::collections::BTreeMap;
use std::fmt::Write as _;

use sha2::{Digest, Sha256};

/// A value in the hashed document. Objects read from the API only hold
/// strings; `Number` exists because kustomize hashes unquoted YAML numbers
/// as JSON numbers, which its test vectors exercise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum GoJson {
    Str(String),
    /// A number, written as given.
    #[cfg(test)]
    Number(String),
    Map(BTreeMap<String, GoJson>),
}

impl From<&str> for GoJson {
    fn from(s: &str) -> Self {
        GoJson::Str(s.to_string())
    }
}

/// What kustomize hashes for a ConfigMap: `data` and `binaryData` as stored.
/// `None` means the field is absent.
pub(crate) fn configmap_hash(
    data: Option<BTreeMap<String, GoJson>>,
    binary_data: Option<BTreeMap<String, GoJson>>,
) -> String {
    let mut m = BTreeMap::new();
    m.insert("kind".to_string(), GoJson::from("ConfigMap"));
    m.insert("name".to_string(), GoJson::from(""));
    // An absent `data` is hashed as "" (not null); binaryData only when present.
    m.insert(
        "data".to_string(),
        data.map(GoJson::Map).unwrap_or_else(|| GoJson::from("")),
    );
    if let Some(b) = binary_data {
        m.insert("binaryData".to_string(), GoJson::Map(b));
    }
    suffix(&GoJson::Map(m))
}

/// What kustomize hashes for a Secret: `type`, `data` (base64 text as
/// stored) and `stringData` when present.
pub(crate) fn secret_hash(
    type_: Option<&str>,
    data: Option<BTreeMap<String, GoJson>>,
    string_data: Option<BTreeMap<String, GoJson>>,
) -> String {
    let mut m = BTreeMap::new();
    m.insert("kind".to_string(), GoJson::from("Secret"));
    m.insert("name".to_string(), GoJson::from(""));
    m.insert("type".to_string(), GoJson::from(type_.unwrap_or("")));
    m.insert(
        "data".to_string(),
        data.map(GoJson::Map).unwrap_or_else(|| GoJson::from("")),
    );
    if let Some(s) = string_data {
        m.insert("stringData".to_string(), GoJson::Map(s));
    }
    suffix(&GoJson::Map(m))
}

/// SHA-256 of the Go JSON text, first 10 hex digits, vowels and look-alikes
/// swapped out so the suffix never spells a word.
pub(crate) fn suffix(doc: &GoJson) -> String {
    let text = encode(doc);
    let digest = Sha256::digest(text.as_bytes());
    let mut hex = String::with_capacity(64);
    for b in digest {
        let _ = write!(hex, "{b:02x}");
    }
    hex[..10]
        .chars()
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            other => other,
        })
        .collect()
}

/// True when `s` could be a suffix made by [`suffix`].
pub(crate) fn looks_like_suffix(s: &str) -> bool {
    s.len() == 10 && s.bytes().all(|b| b"g2k456789mbcdtfh".contains(&b))
}

/// Go `encoding/json` compact output for the document.
pub(crate) fn encode(doc: &GoJson) -> String {
    let mut out = String::new();
    write_value(&mut out, doc);
    out
}

fn write_value(out: &mut String, v: &GoJson) {
    match v {
        GoJson::Str(s) => write_string(out, s),
        #[cfg(test)]
        GoJson::Number(n) => out.push_str(n),
        GoJson::Map(m) => {
            out.push('{');
            // BTreeMap<String> orders by bytes, as Go sorts map keys.
            for (i, (k, v)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k);
                out.push(':');
                write_value(out, v);
            }
            out.push('}');
        }
    }
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, GoJson)]) -> Option<BTreeMap<String, GoJson>> {
        Some(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    fn s(v: &str) -> GoJson {
        GoJson::Str(v.to_string())
    }

    fn n(v: &str) -> GoJson {
        GoJson::Number(v.to_string())
    }

    // kustomize api/hasher/hasher_test.go, TestConfigMapHash.
    #[test]
    fn kustomize_configmap_vectors() {
        assert_eq!(configmap_hash(None, None), "6ct58987ht");
        assert_eq!(configmap_hash(map(&[("one", s(""))]), None), "9g67k2htb6");
        assert_eq!(
            configmap_hash(
                map(&[("two", n("2")), ("one", s("")), ("three", n("3"))]),
                None
            ),
            "7757f9kkct"
        );
        assert_eq!(configmap_hash(None, map(&[("one", s(""))])), "6mtk2m274t");
        assert_eq!(
            configmap_hash(map(&[("one", s(""))]), map(&[("two", s(""))])),
            "698h7c7t9m"
        );
    }

    // kustomize api/hasher/hasher_test.go, TestSecretHash.
    #[test]
    fn kustomize_secret_vectors() {
        assert_eq!(secret_hash(Some("my-type"), None, None), "5gmgkf8578");
        assert_eq!(
            secret_hash(Some("my-type"), map(&[("one", s(""))]), None),
            "74bd68bm66"
        );
        assert_eq!(
            secret_hash(
                Some("my-type"),
                map(&[("two", n("2")), ("one", s("")), ("three", n("3"))]),
                None
            ),
            "4gf75c7476"
        );
        assert_eq!(
            secret_hash(
                Some("my-type"),
                map(&[("one", s(""))]),
                map(&[("two", n("2"))])
            ),
            "c4h4264gdb"
        );
    }

    #[test]
    fn hashed_text_is_go_compact_json_with_sorted_keys() {
        let doc = GoJson::Map(
            [
                ("name".to_string(), s("")),
                ("kind".to_string(), s("ConfigMap")),
                ("data".to_string(), s("")),
            ]
            .into_iter()
            .collect(),
        );
        assert_eq!(encode(&doc), r#"{"data":"","kind":"ConfigMap","name":""}"#);
    }

    // Names produced by kustomize v5.8.1 (`kubectl kustomize`, kubectl 1.36.4)
    // for configMapGenerator/secretGenerator entries with these literals.
    #[test]
    fn kustomize_generator_output() {
        // configMapGenerator `app` and `other-name`, literals [a=x]: both app-5642bm9b6f.
        assert_eq!(configmap_hash(map(&[("a", s("x"))]), None), "5642bm9b6f");
        // secretGenerator `db`, literals [password=pass].
        assert_eq!(
            secret_hash(Some("Opaque"), map(&[("password", s("cGFzcw=="))]), None),
            "7f4fkf9686"
        );
        // secretGenerator `tls`, type kubernetes.io/tls, literals [tls.crt=c, tls.key=k].
        assert_eq!(
            secret_hash(
                Some("kubernetes.io/tls"),
                map(&[("tls.crt", s("Yw==")), ("tls.key", s("aw=="))]),
                None
            ),
            "d94tkf5ft2"
        );
        // configMapGenerator `esc`, files [weird.txt] holding "a<&>\x08b\n":
        // Go's HTML-safe escaping and its short \b.
        assert_eq!(
            configmap_hash(map(&[("weird.txt", s("a<&>\u{8}b\n"))]), None),
            "557dg8gm6h"
        );
    }

    #[test]
    fn go_escaping() {
        assert_eq!(
            encode(&s("<&>\u{8}\u{c}\u{1}\u{7f}é\u{2028}\"\\")),
            "\"\\u003c\\u0026\\u003e\\b\\f\\u0001\u{7f}é\\u2028\\\"\\\\\""
        );
    }

    #[test]
    fn suffix_alphabet() {
        assert!(looks_like_suffix("h8mdbf6h8f"));
        assert!(!looks_like_suffix("h8mdbf6h8"));
        assert!(!looks_like_suffix("h8mdbf6h8a"));
        assert!(!looks_like_suffix("h8mdbf6h80"));
    }
}
