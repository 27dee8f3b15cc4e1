//! The `sops` block: master keys, the MAC, `lastmodified` and the rules that
//! say which values are encrypted. Taken from the first document and removed
//! from every document, as sops does; dotenv files carry it flattened
//! (`sops_age__list_0__map_enc=…`).

use regex::Regex;

use super::tree::{Leaf, Node};

/// Which values sops encrypted. At most one rule; none means the default
/// `unencrypted_suffix: _unencrypted`.
#[derive(Debug)]
pub(crate) enum Rule {
    UnencryptedSuffix(String),
    EncryptedSuffix(String),
    UnencryptedRegex(Regex),
    EncryptedRegex(Regex),
}

impl Rule {
    /// sops' `shouldBeEncrypted`, on the keys of the path to a value.
    pub(crate) fn encrypts(&self, path: &[&str]) -> bool {
        match self {
            Rule::UnencryptedSuffix(s) => !path.iter().any(|p| p.ends_with(s.as_str())),
            Rule::EncryptedSuffix(s) => path.iter().any(|p| p.ends_with(s.as_str())),
            Rule::UnencryptedRegex(r) => !path.iter().any(|p| r.is_match(p)),
            Rule::EncryptedRegex(r) => path.iter().any(|p| r.is_match(p)),
        }
    }
}

/// An AWS KMS master key.
#[derive(Debug, Clone)]
pub(crate) struct KmsKey {
    pub(crate) arn: String,
    pub(crate) role: Option<String>,
    /// The encryption context, in the file's order.
    pub(crate) context: Vec<(String, String)>,
    pub(crate) aws_profile: Option<String>,
    /// Base64 of KMS' ciphertext blob.
    pub(crate) enc: String,
}

/// One master key that wraps the data key.
#[derive(Debug, Clone)]
pub(crate) enum MasterKey {
    Age {
        recipient: String,
        enc: String,
    },
    Kms(KmsKey),
    /// A type honban cannot use (`pgp`, `gcp_kms`, `azure_kv`, `hc_vault`, `hckms`).
    Unsupported(&'static str),
}

#[derive(Debug)]
pub(crate) struct Metadata {
    pub(crate) keys: Vec<MasterKey>,
    pub(crate) mac: String,
    pub(crate) lastmodified: String,
    pub(crate) rule: Rule,
    pub(crate) mac_only_encrypted: bool,
}

const UNSUPPORTED: [&str; 5] = ["pgp", "gcp_kms", "azure_kv", "hc_vault", "hckms"];

/// Takes the `sops` block out of the documents; `Ok(None)` when there is none.
pub(crate) fn extract(docs: &mut [Node], flattened: bool) -> Result<Option<Metadata>, String> {
    let mut block = None;
    for (i, doc) in docs.iter_mut().enumerate() {
        let Node::Map(items) = doc else { continue };
        if flattened {
            if i == 0 {
                let (meta, rest): (Vec<_>, Vec<_>) =
                    items.drain(..).partition(|(k, _)| k.starts_with("sops_"));
                *items = rest;
                if !meta.is_empty() {
                    block = Some(unflatten(meta)?);
                }
            }
            continue;
        }
        let mut found = Vec::new();
        items.retain(|(k, v)| {
            if k == "sops" {
                found.push(v.clone());
                false
            } else {
                true
            }
        });
        if i == 0 {
            if found.len() > 1 {
                return Err("duplicate sops entry".into());
            }
            block = found.pop();
        }
    }
    block.map(|b| parse(&b)).transpose()
}

fn parse(block: &Node) -> Result<Metadata, String> {
    let Node::Map(_) = block else {
        return Err("the sops entry is not a mapping".into());
    };
    let text = |k: &str| block.get(k).and_then(scalar_text).filter(|s| !s.is_empty());
    let mut keys = keys_of(block)?;
    if let Some(Node::Seq(groups)) = block.get("key_groups") {
        if groups.len() > 1 {
            return Err(
                "the file splits its data key over several key_groups (Shamir), which honban does not combine".into(),
            );
        }
        for g in groups {
            keys.extend(keys_of(g)?);
        }
    }
    if text("unencrypted_comment_regex").is_some() || text("encrypted_comment_regex").is_some() {
        return Err(
            "the file uses (un)encrypted_comment_regex, which honban does not support".into(),
        );
    }
    let regex = |s: String| Regex::new(&s).map_err(|e| format!("invalid regex {s:?}: {e}"));
    let mut rules = Vec::new();
    if let Some(s) = text("unencrypted_suffix") {
        rules.push(Rule::UnencryptedSuffix(s));
    }
    if let Some(s) = text("encrypted_suffix") {
        rules.push(Rule::EncryptedSuffix(s));
    }
    if let Some(s) = text("unencrypted_regex") {
        rules.push(Rule::UnencryptedRegex(regex(s)?));
    }
    if let Some(s) = text("encrypted_regex") {
        rules.push(Rule::EncryptedRegex(regex(s)?));
    }
    if rules.len() > 1 {
        return Err("more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex and unencrypted_regex".into());
    }
    let rule = rules
        .pop()
        .unwrap_or_else(|| Rule::UnencryptedSuffix("_unencrypted".into()));
    let mac_only_encrypted = match block.get("mac_only_encrypted") {
        Some(Node::Leaf(Leaf::Bool(b))) => *b,
        Some(n) => matches!(scalar_text(n).as_deref(), Some("true" | "True" | "1")),
        None => false,
    };
    Ok(Metadata {
        keys,
        mac: text("mac").unwrap_or_default(),
        lastmodified: text("lastmodified").ok_or("no lastmodified in the sops entry")?,
        rule,
        mac_only_encrypted,
    })
}

fn keys_of(group: &Node) -> Result<Vec<MasterKey>, String> {
    let mut keys = Vec::new();
    let list = |name: &str| match group.get(name) {
        Some(Node::Seq(items)) => items.clone(),
        _ => Vec::new(),
    };
    for k in list("age") {
        let field = |f: &str| k.get(f).and_then(scalar_text).unwrap_or_default();
        keys.push(MasterKey::Age {
            recipient: field("recipient"),
            enc: field("enc"),
        });
    }
    for k in list("kms") {
        let field = |f: &str| k.get(f).and_then(scalar_text).filter(|s| !s.is_empty());
        let context = match k.get("context") {
            Some(Node::Map(items)) => items
                .iter()
                .map(|(name, v)| (name.clone(), scalar_text(v).unwrap_or_default()))
                .collect(),
            _ => Vec::new(),
        };
        keys.push(MasterKey::Kms(KmsKey {
            arn: field("arn").ok_or("a kms key has no arn")?,
            role: field("role"),
            context,
            aws_profile: field("aws_profile"),
            enc: field("enc").unwrap_or_default(),
        }));
    }
    for name in UNSUPPORTED {
        if !list(name).is_empty() {
            keys.push(MasterKey::Unsupported(name));
        }
    }
    Ok(keys)
}

fn scalar_text(node: &Node) -> Option<String> {
    match node {
        Node::Leaf(Leaf::Bytes(_)) | Node::Map(_) | Node::Seq(_) => None,
        Node::Leaf(l) => Some(match l {
            Leaf::Bool(b) => b.to_string(),
            _ => String::from_utf8_lossy(&l.to_bytes()).into_owned(),
        }),
        Node::Null => None,
    }
}

/// sops' flattened metadata keys back into a tree: `__map_K` and `__list_N`.
fn unflatten(items: Vec<(String, Node)>) -> Result<Node, String> {
    let mut root = Node::Map(Vec::new());
    for (key, value) in items {
        let path = key.strip_prefix("sops_").unwrap_or(&key);
        let tokens = tokenize(path).map_err(|e| format!("sops entry {key}: {e}"))?;
        insert(&mut root, &tokens, value).map_err(|e| format!("sops entry {key}: {e}"))?;
    }
    Ok(root)
}

enum Token {
    Key(String),
    Index(usize),
}

/// The highest list index a flattened entry may name: a file lists a few
/// master keys, and the list is filled up to the index.
const MAX_LIST_INDEX: usize = 1024;

/// The deepest a flattened entry may nest (sops writes at most five levels,
/// `key_groups__list_0__map_kms__list_0__map_context__map_K`); the tree is
/// built and dropped recursively.
const MAX_DEPTH: usize = 16;

fn tokenize(path: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut rest = path;
    let mut is_index = false;
    loop {
        if tokens.len() == MAX_DEPTH {
            return Err(format!("nested deeper than {MAX_DEPTH} levels"));
        }
        let next_map = rest.find("__map_");
        let next_list = rest.find("__list_");
        let cut = match (next_map, next_list) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let (head, tail) = match cut {
            Some(i) => (&rest[..i], Some(&rest[i..])),
            None => (rest, None),
        };
        tokens.push(if is_index {
            match head.parse() {
                Ok(i) if i <= MAX_LIST_INDEX => Token::Index(i),
                _ => {
                    return Err(format!(
                        "{head:?} is not a list index (0 to {MAX_LIST_INDEX})"
                    ));
                }
            }
        } else {
            Token::Key(head.to_string())
        });
        match tail {
            Some(t) if t.starts_with("__map_") => {
                is_index = false;
                rest = &t["__map_".len()..];
            }
            Some(t) => {
                is_index = true;
                rest = &t["__list_".len()..];
            }
            None => return Ok(tokens),
        }
    }
}

fn insert(node: &mut Node, tokens: &[Token], value: Node) -> Result<(), String> {
    let Some((first, rest)) = tokens.split_first() else {
        *node = value;
        return Ok(());
    };
    let fresh = || match rest.first() {
        Some(Token::Index(_)) => Node::Seq(Vec::new()),
        Some(Token::Key(_)) => Node::Map(Vec::new()),
        None => Node::Null,
    };
    match (first, node) {
        (Token::Key(k), Node::Map(items)) => {
            let i = match items.iter().position(|(name, _)| name == k) {
                Some(i) => i,
                None => {
                    items.push((k.clone(), fresh()));
                    items.len() - 1
                }
            };
            insert(&mut items[i].1, rest, value)
        }
        (Token::Index(i), Node::Seq(items)) => {
            while items.len() <= *i {
                items.push(fresh());
            }
            insert(&mut items[*i], rest, value)
        }
        _ => Err("mixes a list and a mapping".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sops::tree::{Format, parse as parse_tree};

    #[test]
    fn flattened_dotenv_metadata() {
        let mut docs = parse_tree(
            "A=1\nsops_age__list_0__map_recipient=age1x\nsops_age__list_0__map_enc=E\\nF\nsops_lastmodified=2024-01-01T00:00:00Z\nsops_mac=M\nsops_mac_only_encrypted=true\nsops_unencrypted_suffix=_plain\n",
            Format::Dotenv,
        )
        .unwrap();
        let m = extract(&mut docs, true).unwrap().unwrap();
        assert_eq!(docs[0].get("A").unwrap().as_str(), Some("1"));
        assert!(docs[0].get("sops_mac").is_none());
        assert!(m.mac_only_encrypted);
        assert!(matches!(&m.keys[0], MasterKey::Age { enc, .. } if enc == "E\nF"));
        assert!(!m.rule.encrypts(&["a_plain"]));
        assert!(m.rule.encrypts(&["a"]));
    }

    #[test]
    fn flattened_list_indexes_are_bounded() {
        for index in ["x", "", "1025", "99999999999"] {
            let mut docs = parse_tree(
                &format!("A=1\nsops_age__list_{index}__map_enc=E\nsops_lastmodified=t\n"),
                Format::Dotenv,
            )
            .unwrap();
            let err = extract(&mut docs, true).unwrap_err();
            assert!(err.contains("is not a list index"), "{index}: {err}");
        }
        // As deep as sops writes, and far deeper.
        let deep = |n: usize| {
            format!(
                "A=1\nsops_x{}=1\nsops_lastmodified=t\n",
                "__map_x".repeat(n)
            )
        };
        let mut docs = parse_tree(&deep(15), Format::Dotenv).unwrap();
        assert!(extract(&mut docs, true).is_ok());
        let mut docs = parse_tree(&deep(300_000), Format::Dotenv).unwrap();
        let err = extract(&mut docs, true).unwrap_err();
        assert!(err.contains("nested deeper than 16 levels"), "{err}");
    }

    #[test]
    fn rules_and_unsupported_keys() {
        let mut docs = parse_tree(
            "data: {a: x}\nsops:\n  pgp: [{fp: F, enc: x}]\n  lastmodified: '2024-01-01T00:00:00Z'\n  mac: M\n  encrypted_regex: ^(data|stringData)$\n",
            Format::Yaml,
        )
        .unwrap();
        let m = extract(&mut docs, false).unwrap().unwrap();
        assert!(matches!(m.keys[..], [MasterKey::Unsupported("pgp")]));
        assert!(m.rule.encrypts(&["data", "a"]));
        assert!(!m.rule.encrypts(&["metadata", "name"]));
        let mut none = parse_tree("a: 1\n", Format::Yaml).unwrap();
        assert!(extract(&mut none, false).unwrap().is_none());
    }
}
