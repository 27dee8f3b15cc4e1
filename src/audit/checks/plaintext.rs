//! `plaintext-secret`: a Secret in the audited files must be sops-encrypted.
//! Which values sops leaves in the clear follows the one rule recorded in the
//! file's `sops` block, decided as sops' own encrypt step decides it (every
//! key on the value's path counts; `_unencrypted` when no rule is recorded).
//! Only key names are reported, never a value.

use regex::Regex;
use serde_json::{Map, Value};

use super::Cx;
use crate::audit::object::Object;
use crate::sops::Rule;

const ID: &str = "plaintext-secret";
/// Key names a message lists before "and N more".
const LISTED: usize = 3;

pub(crate) fn run(cx: &mut Cx) {
    // Live Secrets are never sops-encrypted, and are listed without data.
    if !cx.on(ID) || cx.index.live {
        return;
    }
    let ix = cx.index;
    for (i, o) in ix.of_kind("Secret") {
        let entries = entries(o);
        if entries.is_empty() {
            continue;
        }
        cx.verdict(ID, i, judge(o, &entries));
    }
}

/// One value of `data` or `stringData`: its field name and key.
struct Entry<'a> {
    field: &'static str,
    key: &'a str,
    value: &'a Value,
}

impl Entry<'_> {
    fn path(&self) -> String {
        format!("{}.{}", self.field, self.key)
    }
}

fn entries(o: &Object) -> Vec<Entry<'_>> {
    ["data", "stringData"]
        .into_iter()
        .filter_map(|field| Some((field, o.get(&[field])?.as_object()?)))
        .flat_map(|(field, map)| {
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(move |(key, value)| Entry { field, key, value })
        })
        .collect()
}

/// The finding (message, field path) for a Secret with plaintext values.
fn judge(o: &Object, entries: &[Entry]) -> Option<(String, Option<String>)> {
    let block = o.get(&["sops"]).and_then(Value::as_object);
    let rules = block.map(Rules::from_block);
    // sops' path holds the keys above the Secret too (`items` in a List).
    let prefix = o
        .source
        .as_ref()
        .map(|s| s.prefix.to_string())
        .unwrap_or_default();
    let above: Vec<&str> = prefix
        .split('.')
        .map(|p| p.split('[').next().unwrap_or(p))
        .filter(|p| !p.is_empty())
        .collect();
    let clear: Vec<&Entry> = entries
        .iter()
        .filter(|e| !is_encrypted(e.value))
        .filter(|e| {
            rules.as_ref().is_none_or(|r| {
                let mut path = above.clone();
                path.extend([e.field, e.key]);
                r.encrypts(&path)
            })
        })
        .collect();
    if block.is_none() && clear.is_empty() {
        return Some((
            "has ENC[...] values but no sops block: nothing can decrypt them (cut off?)".into(),
            Some(entries[0].path()),
        ));
    }
    let first = clear.first()?;
    let names = listed(&clear);
    let message = if block.is_none() {
        let n = clear.len();
        let s = if n == 1 { "" } else { "s" };
        format!("holds {n} value{s} in plaintext ({names}) and no sops block")
    } else {
        let (verb, it) = if clear.len() == 1 {
            ("is", "it")
        } else {
            ("are", "them")
        };
        format!(
            "{names} {verb} in plaintext although the sops block's rules encrypt {it} (added or edited after encryption?)"
        )
    };
    Some((message, Some(first.path())))
}

fn listed(clear: &[&Entry]) -> String {
    let names: Vec<String> = clear.iter().take(LISTED).map(|e| e.path()).collect();
    let rest = clear.len().saturating_sub(LISTED);
    if rest == 0 {
        names.join(", ")
    } else {
        format!("{} and {rest} more", names.join(", "))
    }
}

/// A value as sops writes an encrypted one.
fn is_encrypted(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.starts_with("ENC[AES256_GCM,data:") && s.ends_with(']'))
}

/// The encryption rules of a sops block. sops refuses a file with more than
/// one; each is applied in sops' order all the same.
struct Rules {
    rules: Vec<Rule>,
    /// Whether sops' choice cannot be told from the block, so values in the
    /// clear are not judged: a comment regex (the audit reads no comments),
    /// or an encrypted_regex Go's regexp would also fail on.
    judges_nothing: bool,
}

impl Rules {
    fn from_block(block: &Map<String, Value>) -> Rules {
        let text = |k: &str| {
            block
                .get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let regex = |k: &str| text(k).map(|r| Regex::new(&r).ok());
        let by_comment = text("unencrypted_comment_regex").is_some()
            || text("encrypted_comment_regex").is_some();
        let encrypted_regex = regex("encrypted_regex");
        let mut rules = Vec::new();
        rules.extend(text("unencrypted_suffix").map(Rule::UnencryptedSuffix));
        rules.extend(text("encrypted_suffix").map(Rule::EncryptedSuffix));
        // An invalid unencrypted_regex matches nothing, so it changes nothing.
        let unencrypted_regex = regex("unencrypted_regex");
        rules.extend(
            unencrypted_regex
                .clone()
                .flatten()
                .map(Rule::UnencryptedRegex),
        );
        rules.extend(encrypted_regex.clone().flatten().map(Rule::EncryptedRegex));
        let recorded =
            !rules.is_empty() || unencrypted_regex.is_some() || encrypted_regex.is_some();
        if !recorded && !by_comment {
            rules.push(Rule::UnencryptedSuffix("_unencrypted".to_string()));
        }
        Rules {
            rules,
            judges_nothing: by_comment || matches!(encrypted_regex, Some(None)),
        }
    }

    /// Whether sops encrypts the value at `path` (keys from the document root).
    fn encrypts(&self, path: &[&str]) -> bool {
        if self.judges_nothing {
            return false;
        }
        // An unencrypted_regex only ever turns encryption off; the others decide.
        self.rules.iter().fold(true, |encrypted, rule| match rule {
            Rule::UnencryptedRegex(_) => encrypted && rule.encrypts(path),
            _ => rule.encrypts(path),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(block: &str) -> Rules {
        let v: Value = serde_json::from_str(block).unwrap();
        Rules::from_block(v.as_object().unwrap())
    }

    #[test]
    fn sops_rules_per_path() {
        let default = rules("{}");
        assert!(default.encrypts(&["data", "password"]));
        assert!(!default.encrypts(&["data", "note_unencrypted"]));
        let regex = rules(r#"{"encrypted_regex": "^(data|stringData)$"}"#);
        assert!(regex.encrypts(&["stringData", "user"]));
        assert!(!regex.encrypts(&["metadata", "name"]));
        // The default suffix does not apply once another rule is recorded.
        assert!(regex.encrypts(&["data", "note_unencrypted"]));
        let unenc = rules(r#"{"unencrypted_regex": "^public"}"#);
        assert!(!unenc.encrypts(&["data", "public-key"]));
        assert!(unenc.encrypts(&["data", "private-key"]));
        let suffix = rules(r#"{"encrypted_suffix": "_secret"}"#);
        assert!(suffix.encrypts(&["data", "db_secret"]));
        assert!(!suffix.encrypts(&["data", "db"]));
        assert!(!rules(r#"{"encrypted_regex": "("}"#).encrypts(&["data", "x"]));
        assert!(!rules(r#"{"encrypted_comment_regex": "sops"}"#).encrypts(&["data", "x"]));
    }
}
