//! Generic planning of whole-entry edits: add or replace a named cluster, user
//! or context, and replace one field under a named entry.
//!
//! New text follows the file's layout: block files get block YAML with the
//! indentation of the existing items (dash column and nesting step), flow/JSON
//! files get JSON. Every byte outside the replaced or inserted ranges is kept.

use serde_json::{Map, Value};

use super::edit::{self, Edit};
use super::yaml::{Kind, Node};
use super::{Change, Kubeconfig};
use crate::error::Result;

/// One named entry to add or replace: `- name: NAME` with `KEY: BODY`
/// (e.g. list `users`, key `user`).
#[derive(Debug, Clone)]
pub(crate) struct NamedEntry {
    pub(crate) list: String,
    pub(crate) name: String,
    pub(crate) key: String,
    pub(crate) body: Value,
}

impl NamedEntry {
    pub(crate) fn new(list: &str, name: &str, key: &str, body: Value) -> NamedEntry {
        NamedEntry {
            list: list.to_string(),
            name: name.to_string(),
            key: key.to_string(),
            body,
        }
    }
}

/// The keys of a block map, with their nodes, in order.
fn map_entries(node: &Node) -> &[(Node, Node)] {
    match &node.kind {
        Kind::Map { entries, .. } => entries,
        _ => &[],
    }
}

impl Kubeconfig {
    /// The first file that defines `name` in `list` (kubectl keeps the first).
    pub(crate) fn file_defining(&self, list: &str, name: &str) -> Option<usize> {
        self.find_named(list, name).map(|(fi, _)| fi)
    }

    /// Every named entry of `list` in `file`, as JSON (aliases resolved).
    pub(crate) fn entries(&self, file: usize, list: &str) -> Vec<(String, Value)> {
        let doc = &self.files[file].doc;
        self.named(file, list)
            .into_iter()
            .map(|(name, item)| (name.to_string(), doc.to_json(item)))
            .collect()
    }

    /// Adds or replaces named entries and, with `current`, sets `current-context`.
    ///
    /// An entry that exists is rewritten in place (only its `KEY:` value) in the
    /// file that defines it; a new one goes to file `dest`, after the list's last
    /// item. A missing or empty `dest` file gets a complete kubeconfig.
    pub(crate) fn plan_upsert(
        &self,
        dest: usize,
        entries: &[NamedEntry],
        current: Option<&str>,
    ) -> Result<Change> {
        let mut change = Change::default();
        let mut new_entries: Vec<&NamedEntry> = Vec::new();
        for e in entries {
            match self.find_named(&e.list, &e.name) {
                Some((fi, item)) => {
                    let edit = self.replace_in_item(fi, item, &[e.key.as_str()], &e.body, true)?;
                    change.push(fi, edit);
                }
                None => new_entries.push(e),
            }
        }
        let root = self.files[dest]
            .doc
            .root
            .as_ref()
            .filter(|r| matches!(r.kind, Kind::Map { .. }));
        let Some(root) = root else {
            // No file, or one without content: write a whole kubeconfig.
            self.plan_whole_file(dest, &new_entries, current, &mut change);
            return Ok(merge_insertions(change));
        };
        let mut lists: Vec<&str> = Vec::new();
        for e in &new_entries {
            if !lists.contains(&e.list.as_str()) {
                lists.push(&e.list);
            }
        }
        for list in lists {
            let items: Vec<&NamedEntry> = new_entries
                .iter()
                .copied()
                .filter(|e| e.list == list)
                .collect();
            change.push(dest, self.append_items(dest, root, list, &items)?);
        }
        if let Some(cur) = current {
            self.plan_set_top_level(
                self.default_destination(),
                "current-context",
                cur,
                &mut change,
            );
        }
        Ok(merge_insertions(change))
    }

    /// A complete kubeconfig with `entries` for file `dest`, which is missing
    /// or has no content (a bare `null`/`~` document is replaced).
    fn plan_whole_file(
        &self,
        dest: usize,
        entries: &[&NamedEntry],
        current: Option<&str>,
        change: &mut Change,
    ) {
        let f = &self.files[dest];
        let mut text = String::from("apiVersion: v1\n");
        for list in ["clusters", "contexts"] {
            text.push_str(&list_text(list, entries));
        }
        if let Some(cur) = current {
            text.push_str(&format!("current-context: {}\n", edit::scalar(cur)));
        }
        text.push_str("kind: Config\npreferences: {}\n");
        text.push_str(&list_text("users", entries));
        if !f.exists {
            change.creates.insert(dest, text);
            return;
        }
        let mut prefix = String::new();
        if !f.text.is_empty() && !f.text.ends_with('\n') {
            prefix.push('\n');
        }
        // A bare `null`/`~` document would otherwise stay in front.
        let (start, end) = match &f.doc.root {
            Some(r) => (r.start, edit::after_node(&f.text, r)),
            None => (f.text.len(), f.text.len()),
        };
        change.push(
            dest,
            Edit {
                start,
                end,
                text: prefix + &text,
            },
        );
    }

    /// Replaces the value at `path` (keys below the item) of the entry `name` in
    /// `list` of `file`, e.g. `["user", "exec"]`.
    pub(crate) fn plan_replace_field(
        &self,
        file: usize,
        list: &str,
        name: &str,
        path: &[&str],
        value: &Value,
    ) -> Result<Change> {
        let (_, item) = self
            .named(file, list)
            .into_iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| self.shape_error(file, &format!("no entry {name:?} in {list}")))?;
        let mut change = Change::default();
        change.push(file, self.replace_in_item(file, item, path, value, false)?);
        Ok(change)
    }

    /// The edit that sets `path` under a named item to `value`. With `create`, a
    /// missing last key is added to the item.
    fn replace_in_item(
        &self,
        file: usize,
        item: &Node,
        path: &[&str],
        value: &Value,
        create: bool,
    ) -> Result<Edit> {
        let text = &self.files[file].text;
        let mut node = item;
        for (depth, key) in path.iter().enumerate() {
            if matches!(node.kind, Kind::Alias(_)) {
                return Err(self.shape_error(
                    file,
                    "the entry takes its settings from a YAML alias; edit it by hand",
                ));
            }
            let found = map_entries(node)
                .iter()
                .find(|(k, _)| k.as_str() == Some(key));
            match found {
                Some((k, v)) if depth + 1 == path.len() => {
                    return self.replace_value(file, k, v, value);
                }
                Some((_, v)) => node = v,
                None if create && depth + 1 == path.len() => {
                    return Ok(insert_key_block(text, node, key, value));
                }
                None => {
                    return Err(self.shape_error(
                        file,
                        &format!("expected `{}` in the entry", path[..=depth].join(".")),
                    ));
                }
            }
        }
        Err(self.shape_error(file, "empty path"))
    }

    /// Rewrites the value of `key`, keeping the key and everything around it.
    fn replace_value(&self, file: usize, key: &Node, node: &Node, value: &Value) -> Result<Edit> {
        let text = &self.files[file].text;
        let key_col = edit::column(text, key.start);
        let in_flow = key_is_in_flow(text, key);
        match &node.kind {
            Kind::Alias(_) => {
                Err(self.shape_error(file, "the value is a YAML alias; edit it by hand"))
            }
            _ if in_flow || (node.is_flow() && !is_empty_collection(node)) => Ok(Edit {
                start: node.start,
                end: node.end,
                text: value.to_string(),
            }),
            Kind::Map { .. } | Kind::Seq { .. } if !node.is_flow() => {
                // A block value starts on its own line: keep the indentation before it.
                let col = edit::column(text, node.start);
                let step = col.saturating_sub(key_col).max(1);
                let rendered = render_value_block(value, col, step);
                Ok(Edit {
                    start: node.start,
                    end: edit::after_node(text, node),
                    text: rendered[col.min(rendered.len())..].to_string(),
                })
            }
            _ => {
                // `key:`, `key: ~` or `key: {}`: a block value on the following lines.
                let step = 2;
                let start = node.start.min(text.len());
                let mut start = start;
                // Drop the space between `:` and the old value.
                while start > key.end && text.as_bytes()[start - 1] == b' ' {
                    start -= 1;
                }
                match value {
                    Value::Object(m) if !m.is_empty() => Ok(Edit {
                        start,
                        end: node.end,
                        text: format!(
                            "\n{}",
                            edit::render_block_map(m, key_col + step, step).trim_end_matches('\n')
                        ),
                    }),
                    Value::Array(a) if !a.is_empty() => Ok(Edit {
                        start,
                        end: node.end,
                        text: format!(
                            "\n{}",
                            edit::render_block_seq(a, key_col, step).trim_end_matches('\n')
                        ),
                    }),
                    other => Ok(Edit {
                        start,
                        end: node.end,
                        text: format!(" {}", edit::inline_value(other)),
                    }),
                }
            }
        }
    }

    /// Appends items to `list` in a file whose root is a mapping.
    fn append_items(
        &self,
        file: usize,
        root: &Node,
        list: &str,
        items: &[&NamedEntry],
    ) -> Result<Edit> {
        let text = &self.files[file].text;
        let values: Vec<Value> = items.iter().map(|e| item_value(e)).collect();
        let existing = map_entries(root)
            .iter()
            .find(|(k, _)| k.as_str() == Some(list));
        if root.is_flow() {
            let existing = existing.map(|(_, seq)| seq);
            return self.append_in_flow_root(file, root, list, existing, values);
        }
        let key_col = map_entries(root)
            .first()
            .map(|(k, _)| edit::column(text, k.start))
            .unwrap_or(0);
        match existing {
            Some((key, seq)) => self.append_to_block_list(file, list, key, seq, key_col, &values),
            None => Ok(new_block_list(text, root, list, key_col, &values)),
        }
    }

    /// Appends to `list` in a flow (JSON) root: as JSON, into the list or as a new key.
    fn append_in_flow_root(
        &self,
        file: usize,
        root: &Node,
        list: &str,
        existing: Option<&Node>,
        values: Vec<Value>,
    ) -> Result<Edit> {
        Ok(match existing {
            Some(seq) if seq.is_flow() && matches!(seq.kind, Kind::Seq { .. }) => {
                flow_append(seq, &values)
            }
            Some(_) => {
                return Err(self.shape_error(file, &format!("`{list}` is not a list")));
            }
            None => {
                let last = map_entries(root).last().map(|(_, v)| v.end);
                let json = Value::Array(values).to_string();
                match last {
                    Some(at) => Edit {
                        start: at,
                        end: at,
                        text: format!(", \"{list}\": {json}"),
                    },
                    None => Edit {
                        start: root.start + 1,
                        end: root.end - 1,
                        text: format!("\"{list}\": {json}"),
                    },
                }
            }
        })
    }

    /// Appends to the block-style file's `key: seq`, after its last item in
    /// that item's layout, or in place of an empty value.
    fn append_to_block_list(
        &self,
        file: usize,
        list: &str,
        key: &Node,
        seq: &Node,
        key_col: usize,
        values: &[Value],
    ) -> Result<Edit> {
        let text = &self.files[file].text;
        match &seq.kind {
            Kind::Seq {
                items: old,
                flow: false,
            } if !old.is_empty() => {
                let last = old.last().expect("non-empty");
                let dash_col = edit::column(text, edit::item_dash(text, last));
                let step = item_step(text, last).unwrap_or(2);
                let at = edit::after_node(text, last);
                let mut out = String::new();
                if at == text.len() && !text.ends_with('\n') {
                    out.push('\n');
                }
                out.push_str(&edit::render_block_seq(values, dash_col, step));
                Ok(Edit {
                    start: at,
                    end: at,
                    text: out,
                })
            }
            Kind::Seq {
                items: old,
                flow: true,
            } if !old.is_empty() => Ok(flow_append(seq, values)),
            Kind::Seq { .. } | Kind::Scalar { .. } if is_empty_collection(seq) || is_null(seq) => {
                // `users: []`, `users:` or `users: ~`: items go on the following lines.
                let mut start = seq.start.min(text.len());
                while start > key.end && text.as_bytes()[start - 1] == b' ' {
                    start -= 1;
                }
                Ok(Edit {
                    start,
                    end: seq.end.max(start),
                    text: format!(
                        "\n{}",
                        edit::render_block_seq(values, key_col, 2).trim_end_matches('\n')
                    ),
                })
            }
            _ => Err(self.shape_error(file, &format!("`{list}` is not a list; fix the file"))),
        }
    }
}

/// A new `list:` key with its items, after the last entry of a block root.
fn new_block_list(text: &str, root: &Node, list: &str, key_col: usize, values: &[Value]) -> Edit {
    let at = edit::after_node(text, root);
    let mut out = String::new();
    if at == text.len() && !text.is_empty() && !text.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&" ".repeat(key_col));
    out.push_str(list);
    out.push_str(":\n");
    out.push_str(&edit::render_block_seq(values, key_col, 2));
    Edit {
        start: at,
        end: at,
        text: out,
    }
}

fn item_value(e: &NamedEntry) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), Value::String(e.name.clone()));
    m.insert(e.key.clone(), e.body.clone());
    Value::Object(m)
}

fn list_text(list: &str, entries: &[&NamedEntry]) -> String {
    let values: Vec<Value> = entries
        .iter()
        .filter(|e| e.list == list)
        .map(|e| item_value(e))
        .collect();
    if values.is_empty() {
        format!("{list}: []\n")
    } else {
        format!("{list}:\n{}", edit::render_block_seq(&values, 0, 2))
    }
}

fn render_value_block(value: &Value, col: usize, step: usize) -> String {
    match value {
        Value::Object(m) if !m.is_empty() => edit::render_block_map(m, col, step),
        Value::Array(a) if !a.is_empty() => edit::render_block_seq(a, col, step),
        other => format!("{}{}\n", " ".repeat(col), edit::inline_value(other)),
    }
}

/// The nesting step used inside an existing item (first nested map's indent
/// minus its key's), when it has one.
fn item_step(text: &str, item: &Node) -> Option<usize> {
    for (k, v) in map_entries(item) {
        if let Kind::Map {
            entries,
            flow: false,
        } = &v.kind
            && let Some((inner, _)) = entries.first()
        {
            let step = edit::column(text, inner.start).checked_sub(edit::column(text, k.start))?;
            if step > 0 {
                return Some(step);
            }
        }
    }
    None
}

fn is_empty_collection(node: &Node) -> bool {
    match &node.kind {
        Kind::Map { entries, .. } => entries.is_empty(),
        Kind::Seq { items, .. } => items.is_empty(),
        _ => false,
    }
}

fn is_null(node: &Node) -> bool {
    matches!(&node.kind, Kind::Scalar { value, style: super::yaml::Style::Plain } if super::yaml::is_null(value))
}

/// Whether a key sits inside a flow mapping (`{a: 1}`): then values are written as JSON.
fn key_is_in_flow(text: &str, key: &Node) -> bool {
    let ls = edit::line_start(text, key.start);
    let before = text[ls..key.start].trim();
    !(before.is_empty() || before == "-" || before.ends_with("- "))
        && (before.ends_with('{') || before.ends_with(','))
}

fn flow_append(seq: &Node, values: &[Value]) -> Edit {
    let json: Vec<String> = values.iter().map(Value::to_string).collect();
    let close = seq.end.saturating_sub(1);
    let empty = is_empty_collection(seq);
    Edit {
        start: close,
        end: close,
        text: if empty {
            json.join(", ")
        } else {
            format!(", {}", json.join(", "))
        },
    }
}

/// Adds `key:` with a block value after the last line of a block item.
fn insert_key_block(text: &str, item: &Node, key: &str, value: &Value) -> Edit {
    let entries = map_entries(item);
    let col = entries
        .first()
        .map(|(k, _)| edit::column(text, k.start))
        .unwrap_or(2);
    if item.is_flow() {
        let at = item.end.saturating_sub(1);
        return Edit {
            start: at,
            end: at,
            text: format!(
                "{}\"{key}\": {value}",
                if entries.is_empty() { "" } else { ", " }
            ),
        };
    }
    let mut single = Map::new();
    single.insert(key.to_string(), value.clone());
    let at = edit::after_node(text, item);
    let mut out = String::new();
    if at == text.len() && !text.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&edit::render_block_map(&single, col, 2));
    Edit {
        start: at,
        end: at,
        text: out,
    }
}

/// Joins pure insertions at the same offset into one edit, in planning order
/// (applying them separately would reverse their order).
fn merge_insertions(mut change: Change) -> Change {
    for edits in change.edits.values_mut() {
        let mut merged: Vec<Edit> = Vec::with_capacity(edits.len());
        for e in edits.drain(..) {
            if e.start == e.end
                && let Some(prev) = merged
                    .iter_mut()
                    .find(|p| p.start == p.end && p.start == e.start)
            {
                prev.text.push_str(&e.text);
                continue;
            }
            merged.push(e);
        }
        *edits = merged;
    }
    change
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kubeconfig::{ConfigFile, Source, yaml::Document};
    use serde_json::json;

    fn kc(text: &str) -> Kubeconfig {
        Kubeconfig {
            files: vec![ConfigFile {
                path: "config".into(),
                text: std::sync::Arc::new(text.to_string()),
                doc: Document::parse(text).unwrap(),
                exists: true,
            }],
            source: Source::Flag,
            warnings: Vec::new(),
        }
    }

    fn apply(kc: &Kubeconfig, change: Change) -> String {
        if let Some(text) = change.creates.get(&0) {
            return text.clone();
        }
        let mut edits = change.edits;
        edit::apply(&kc.files[0].text, edits.remove(&0).unwrap_or_default())
    }

    fn entries() -> Vec<NamedEntry> {
        vec![
            NamedEntry::new(
                "clusters",
                "demo",
                "cluster",
                json!({"server": "https://h", "certificate-authority-data": "QUJD"}),
            ),
            NamedEntry::new(
                "users",
                "demo",
                "user",
                json!({"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "kubectl-aws_token", "args": ["--cluster-name", "demo"]}}),
            ),
            NamedEntry::new(
                "contexts",
                "demo",
                "context",
                json!({"cluster": "demo", "user": "demo"}),
            ),
        ]
    }

    const KUBECTL_STYLE: &str = "apiVersion: v1\n# clusters we run\nclusters:\n- cluster:\n    server: https://old # keep me\n  name: old\ncontexts:\n- context:\n    cluster: old\n    user: old\n  name: old\ncurrent-context: old\nkind: Config\nusers:\n- name: old\n  user:\n    token: abc\n# trailing comment\n";

    #[test]
    fn appends_after_the_last_item_keeping_every_byte() {
        let k = kc(KUBECTL_STYLE);
        let out = apply(&k, k.plan_upsert(0, &entries(), None).unwrap());
        assert_eq!(
            out,
            "apiVersion: v1\n# clusters we run\nclusters:\n- cluster:\n    server: https://old # keep me\n  name: old\n- name: demo\n  cluster:\n    server: https://h\n    certificate-authority-data: QUJD\ncontexts:\n- context:\n    cluster: old\n    user: old\n  name: old\n- name: demo\n  context:\n    cluster: demo\n    user: demo\ncurrent-context: old\nkind: Config\nusers:\n- name: old\n  user:\n    token: abc\n- name: demo\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: kubectl-aws_token\n      args:\n      - --cluster-name\n      - demo\n# trailing comment\n"
        );
        Document::parse(&out).unwrap();
    }

    #[test]
    fn replaces_an_existing_body_in_place() {
        let k = kc(KUBECTL_STYLE);
        let e = [NamedEntry::new(
            "users",
            "old",
            "user",
            json!({"exec": {"command": "x"}}),
        )];
        let out = apply(&k, k.plan_upsert(0, &e, Some("old")).unwrap());
        assert_eq!(
            out,
            KUBECTL_STYLE.replace("    token: abc\n", "    exec:\n      command: x\n")
        );
    }

    #[test]
    fn follows_indented_items_and_four_space_nesting() {
        let text = "users:\n  - name: a\n    user:\n        token: t\nkind: Config\n";
        let k = kc(text);
        let e = [NamedEntry::new("users", "b", "user", json!({"token": "u"}))];
        let out = apply(&k, k.plan_upsert(0, &e, None).unwrap());
        assert_eq!(
            out,
            "users:\n  - name: a\n    user:\n        token: t\n  - name: b\n    user:\n        token: u\nkind: Config\n"
        );
    }

    #[test]
    fn fills_empty_and_missing_lists() {
        let text = "apiVersion: v1\nclusters: []\ncontexts:\nkind: Config\n";
        let k = kc(text);
        let out = apply(&k, k.plan_upsert(0, &entries(), Some("demo")).unwrap());
        let doc = Document::parse(&out).unwrap();
        let v = doc.to_json(doc.root.as_ref().unwrap());
        assert_eq!(v["clusters"][0]["name"], "demo");
        assert_eq!(v["contexts"][0]["context"]["user"], "demo");
        assert_eq!(v["users"][0]["user"]["exec"]["args"][1], "demo");
        assert_eq!(v["current-context"], "demo");
        assert!(
            out.starts_with("apiVersion: v1\nclusters:\n- name: demo\n"),
            "{out}"
        );
    }

    #[test]
    fn json_kubeconfig_stays_json() {
        let text = r#"{"apiVersion": "v1", "clusters": [], "users": [{"name": "a", "user": {"token": "t"}}]}"#;
        let k = kc(text);
        let out = apply(&k, k.plan_upsert(0, &entries(), None).unwrap());
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["clusters"][0]["name"], "demo");
        assert_eq!(v["users"][1]["name"], "demo");
        assert_eq!(v["contexts"][0]["context"]["cluster"], "demo");
    }

    #[test]
    fn empty_file_gets_a_whole_kubeconfig() {
        let k = kc("");
        let out = apply(&k, k.plan_upsert(0, &entries(), Some("demo")).unwrap());
        let doc = Document::parse(&out).unwrap();
        let v = doc.to_json(doc.root.as_ref().unwrap());
        assert_eq!(v["kind"], "Config");
        assert_eq!(v["current-context"], "demo");
        assert_eq!(
            v["users"][0]["user"]["exec"]["command"],
            "kubectl-aws_token"
        );
    }

    #[test]
    fn replaces_a_nested_field_only() {
        let k = kc(KUBECTL_STYLE);
        let change = k
            .plan_replace_field(0, "users", "old", &["user", "token"], &json!("new"))
            .unwrap();
        assert_eq!(
            apply(&k, change),
            KUBECTL_STYLE.replace("token: abc", "token: new")
        );
        assert!(
            k.plan_replace_field(0, "users", "old", &["user", "exec"], &json!({}))
                .is_err()
        );
    }
}
