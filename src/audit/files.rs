//! Offline source: `-f FILE|DIR|-`. Multi-document YAML, JSON and `kind: List`
//! (also `PodList` and friends); directories are read recursively (`.yaml`,
//! `.yml`, `.json`; hidden entries skipped). A file that cannot be parsed is
//! listed under "not checked" with its position; the rest is still audited.
//! So is a document sops encrypted whole (its kind is ciphertext); a List's
//! sops block goes to each item, where `plaintext-secret` reads it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use super::index::NotChecked;
use super::object::{Object, Source};
use super::yaml::{self, LineMap};
use crate::error::{Error, Result};

#[derive(Debug, Default)]
pub(crate) struct FileInput {
    pub(crate) objects: Vec<Object>,
    pub(crate) not_checked: Vec<NotChecked>,
    pub(crate) files: usize,
}

/// Reads every input; `default_namespace` is `-n` (or "").
pub(crate) fn read(inputs: &[PathBuf], default_namespace: &str) -> Result<FileInput> {
    let mut out = FileInput::default();
    let mut files = Vec::new();
    let mut stdin_done = false;
    for input in inputs {
        if input.as_os_str() == "-" {
            if !stdin_done {
                stdin_done = true;
                files.push(None);
            }
            continue;
        }
        let meta = std::fs::metadata(input).map_err(|e| Error::io(input, e))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            walk(input, 0, &mut found)?;
            found.sort();
            files.extend(found.into_iter().map(Some));
        } else {
            files.push(Some(input.clone()));
        }
    }
    for file in files {
        let (name, text) = match &file {
            None => {
                let mut text = String::new();
                std::io::stdin()
                    .read_to_string(&mut text)
                    .map_err(|e| Error::io("-", e))?;
                ("-".to_string(), text)
            }
            Some(path) => match std::fs::read(path) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(t) => (path.display().to_string(), t),
                    Err(_) => {
                        out.not_checked
                            .push(unreadable(&path.display().to_string(), "not UTF-8 text"));
                        continue;
                    }
                },
                Err(e) => {
                    out.not_checked
                        .push(unreadable(&path.display().to_string(), &e.to_string()));
                    continue;
                }
            },
        };
        out.files += 1;
        parse_text(&name, &text, default_namespace, &mut out);
    }
    Ok(out)
}

fn unreadable(file: &str, why: &str) -> NotChecked {
    NotChecked {
        kind: "*".into(),
        namespace: None,
        reason: format!("{file}: {why}"),
        allowed: false,
    }
}

fn walk(dir: &Path, depth: usize, found: &mut Vec<PathBuf>) -> Result<()> {
    if depth > 32 {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let meta = std::fs::metadata(&path).map_err(|e| Error::io(&path, e))?;
        if meta.is_dir() {
            walk(&path, depth + 1, found)?;
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
        {
            found.push(path);
        }
    }
    Ok(())
}

/// Parses one file's text into objects (public for tests and the conformance run).
pub(crate) fn parse_text(name: &str, text: &str, default_namespace: &str, out: &mut FileInput) {
    let file: Arc<str> = Arc::from(name);
    let trimmed = text.trim_start();
    let looks_json = trimmed.starts_with('{') || trimmed.starts_with('[');
    if looks_json && let Ok(value) = serde_json::from_str::<Value>(text) {
        let lead = text.len() - trimmed.len();
        let line = text[..lead].matches('\n').count() as u32 + 1;
        let lines = Arc::new(LineMap::default());
        let values = match value {
            Value::Array(items) => items,
            other => vec![other],
        };
        for v in values {
            add_value(v, &file, line, &lines, "", default_namespace, out);
        }
        return;
    }
    match yaml::parse_stream(text) {
        Ok(docs) => {
            for doc in docs {
                add_value(
                    doc.value,
                    &file,
                    doc.line,
                    &doc.lines,
                    "",
                    default_namespace,
                    out,
                );
            }
        }
        Err(e) => out.not_checked.push(NotChecked {
            kind: "*".into(),
            namespace: None,
            reason: format!("{name}:{}:{}: invalid YAML: {}", e.line, e.col, e.message),
            allowed: false,
        }),
    }
}

fn add_value(
    value: Value,
    file: &Arc<str>,
    line: u32,
    lines: &Arc<LineMap>,
    prefix: &str,
    default_namespace: &str,
    out: &mut FileInput,
) {
    if value.is_null() {
        return;
    }
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or("");
    if kind.ends_with("List") && value.get("items").is_some_and(Value::is_array) {
        let item_kind = kind.strip_suffix("List").unwrap_or("").to_string();
        let list_version = value
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("v1")
            .to_string();
        let Value::Object(mut map) = value else {
            return;
        };
        let Some(Value::Array(items)) = map.remove("items") else {
            return;
        };
        // A sops-encrypted List has one sops block, for every item.
        let sops = map.remove("sops").filter(Value::is_object);
        for (i, mut item) in items.into_iter().enumerate() {
            let item_prefix = format!("{prefix}items[{i}]");
            // `kubectl get -o json` items carry their kind; typed lists may not.
            if let Some(obj) = item.as_object_mut() {
                if let Some(block) = &sops {
                    obj.entry("sops").or_insert_with(|| block.clone());
                }
                if !obj.contains_key("kind") && !item_kind.is_empty() {
                    obj.insert("kind".into(), Value::String(item_kind.clone()));
                }
                if !obj.contains_key("apiVersion") {
                    obj.insert("apiVersion".into(), Value::String(list_version.clone()));
                }
            }
            let item_line = lines.line_of(&item_prefix).unwrap_or(line);
            add_value(
                item,
                file,
                item_line,
                lines,
                &format!("{item_prefix}."),
                default_namespace,
                out,
            );
        }
        return;
    }
    if let Some(whole) = encrypted_whole(kind, file, line) {
        out.not_checked.push(whole);
        return;
    }
    let source = Source {
        file: file.clone(),
        line,
        lines: lines.clone(),
        prefix: Arc::from(prefix),
    };
    match Object::new(value, default_namespace, Some(source)) {
        Some(o) => out.objects.push(o),
        None => out.not_checked.push(NotChecked {
            kind: "*".into(),
            namespace: None,
            reason: format!("{file}:{line}: not a Kubernetes object (no kind)"),
            allowed: false,
        }),
    }
}

/// sops without a rule encrypts every value, the kind too: nothing to audit.
fn encrypted_whole(kind: &str, file: &str, line: u32) -> Option<NotChecked> {
    kind.starts_with("ENC[").then(|| NotChecked {
        kind: "*".into(),
        namespace: None,
        reason: format!(
            "{file}:{line}: sops encrypted the whole document, kind included; \
             encrypt only data and stringData (--encrypted-regex '^(data|stringData)$')"
        ),
        allowed: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_json_and_positions() {
        let mut out = FileInput::default();
        parse_text(
            "a.yaml",
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: one}\n- kind: Secret\n  metadata:\n    name: two\n    namespace: x\n",
            "",
            &mut out,
        );
        parse_text(
            "b.json",
            r#"{"apiVersion":"v1","kind":"PodList","items":[{"metadata":{"name":"p"},"spec":{}}]}"#,
            "shop",
            &mut out,
        );
        let names: Vec<(&str, &str, &str)> = out
            .objects
            .iter()
            .map(|o| (o.kind.as_str(), o.name.as_str(), o.ns()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("ConfigMap", "one", ""),
                ("Secret", "two", "x"),
                ("Pod", "p", "shop")
            ]
        );
        assert_eq!(out.objects[0].source.as_ref().unwrap().line, 4);
        assert_eq!(out.objects[1].source.as_ref().unwrap().line, 7);
        assert_eq!(
            out.objects[1]
                .source
                .as_ref()
                .unwrap()
                .line_of(Some("metadata.namespace")),
            10
        );
    }

    #[test]
    fn bad_yaml_and_non_objects_are_listed_not_dropped() {
        let mut out = FileInput::default();
        parse_text("bad.yaml", "a: [1, 2\n", "", &mut out);
        parse_text("plain.yaml", "just: data\n", "", &mut out);
        parse_text("empty.yaml", "# nothing\n---\n", "", &mut out);
        assert!(out.objects.is_empty());
        assert_eq!(out.not_checked.len(), 2, "{:?}", out.not_checked);
        assert!(out.not_checked[0].reason.starts_with("bad.yaml:"));
        assert!(
            out.not_checked[1]
                .reason
                .contains("plain.yaml:1: not a Kubernetes object")
        );
    }
}
