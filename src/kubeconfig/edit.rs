//! Surgical text edits against a [`yaml::Document`](super::yaml::Document).
//!
//! Each function returns an [`Edit`]: a byte range and its replacement. Nothing
//! here re-serialises YAML; every byte outside the range is kept.

use super::yaml::{Kind, Node, Style};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Edit {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) text: String,
}

/// Applies non-overlapping edits to `source`.
pub(crate) fn apply(source: &str, mut edits: Vec<Edit>) -> String {
    edits.sort_by_key(|e| std::cmp::Reverse(e.start));
    let mut out = source.to_string();
    for e in edits {
        out.replace_range(e.start..e.end, &e.text);
    }
    out
}

/// The pieces of `source` with sorted, non-overlapping edits applied, in order:
/// what [`apply`] would build, without building it.
pub(crate) fn parts<'a>(source: &'a str, edits: &'a [Edit]) -> Vec<&'a [u8]> {
    let mut out = Vec::with_capacity(2 * edits.len() + 1);
    let mut at = 0;
    for e in edits {
        out.push(&source.as_bytes()[at..e.start]);
        out.push(e.text.as_bytes());
        at = e.end;
    }
    out.push(&source.as_bytes()[at..]);
    out
}

/// Replaces a scalar's value, keeping its quoting style where the value allows it.
pub(crate) fn set_scalar(source: &str, node: &Node, value: &str) -> Edit {
    let style = match &node.kind {
        Kind::Scalar { style, .. } => *style,
        _ => Style::Plain,
    };
    let mut text = match style {
        Style::DoubleQuoted => double_quoted(value),
        Style::SingleQuoted if !value.contains('\n') => single_quoted(value),
        _ => scalar(value),
    };
    // `key:` with an empty value needs a separating space.
    if node.start == node.end && source.as_bytes().get(node.start.wrapping_sub(1)) == Some(&b':') {
        text.insert(0, ' ');
    }
    Edit {
        start: node.start,
        end: node.end,
        text,
    }
}

/// Adds `key: value` to a mapping, following its layout: flow maps get `, key: value`,
/// block maps get a new line indented like their existing keys.
pub(crate) fn insert_entry(
    source: &str,
    map: &Node,
    key: &str,
    value: &str,
    indent_hint: usize,
) -> Edit {
    let Kind::Map { entries, flow } = &map.kind else {
        return Edit {
            start: map.start,
            end: map.start,
            text: String::new(),
        };
    };
    let quoted_keys = entries.first().is_some_and(|(k, _)| {
        matches!(
            k.kind,
            Kind::Scalar {
                style: Style::DoubleQuoted,
                ..
            }
        )
    });
    let key_text = if quoted_keys {
        double_quoted(key)
    } else {
        scalar(key)
    };
    let value_text = if quoted_keys {
        double_quoted(value)
    } else {
        scalar(value)
    };
    if *flow {
        return match entries.last() {
            Some((_, last)) => Edit {
                start: last.end,
                end: last.end,
                text: format!(", {key_text}: {value_text}"),
            },
            None => {
                // `{}`: put the entry between the braces.
                Edit {
                    start: map.start + 1,
                    end: map.end - 1,
                    text: format!("{key_text}: {value_text}"),
                }
            }
        };
    }
    let indent = entries
        .first()
        .map(|(k, _)| column(source, k.start))
        .unwrap_or(indent_hint);
    let at = line_end(source, map.end);
    let mut text = String::new();
    if at == source.len() && !source.is_empty() && !source.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&" ".repeat(indent));
    text.push_str(&format!("{key_text}: {value_text}\n"));
    Edit {
        start: at,
        end: at,
        text,
    }
}

/// Removes the entry at `index` from a mapping.
pub(crate) fn remove_entry(source: &str, map: &Node, index: usize) -> Edit {
    let Kind::Map { entries, flow } = &map.kind else {
        return noop(map.start);
    };
    let (key, value) = &entries[index];
    if *flow {
        return remove_flow_item(
            entries.iter().map(|(k, v)| (k.start, v.end)),
            index,
            key.start,
            value.end,
        );
    }
    let bytes = source.as_bytes();
    let ls = line_start(source, key.start);
    let key_leads_line = bytes[ls..key.start]
        .iter()
        .all(|b| *b == b' ' || *b == b'\t');
    if !key_leads_line {
        // The key follows a `- ` item indicator: keep that, pull the next key up.
        return match entries.get(index + 1) {
            Some((next, _)) => Edit {
                start: key.start,
                end: next.start,
                text: String::new(),
            },
            None => Edit {
                start: key.start,
                end: trim_line_end(source, value.end),
                text: "{}".into(),
            },
        };
    }
    Edit {
        start: ls,
        end: line_end(source, value.end),
        text: String::new(),
    }
}

/// Removes item `index` of a sequence.
pub(crate) fn remove_item(source: &str, seq: &Node, index: usize) -> Edit {
    let Kind::Seq { items, flow } = &seq.kind else {
        return noop(seq.start);
    };
    let item = &items[index];
    if *flow {
        return remove_flow_item(
            items.iter().map(|n| (n.start, n.end)),
            index,
            item.start,
            item.end,
        );
    }
    let bytes = source.as_bytes();
    // Walk back from the item to its `-` indicator.
    let mut dash = item.start;
    while dash > 0 {
        dash -= 1;
        match bytes[dash] {
            b'-' => break,
            b' ' | b'\t' | b'\n' | b'\r' => continue,
            _ => {
                // An anchor or tag before the item; keep walking.
                continue;
            }
        }
    }
    let ls = line_start(source, dash);
    let end = line_end(source, item.end);
    if items.len() == 1 {
        // Leave an explicit empty list rather than a null.
        let before = &source[..ls];
        let colon_line_end = before.trim_end_matches(['\n', '\r', ' ']).len();
        if source[..colon_line_end].ends_with(':') {
            return Edit {
                start: colon_line_end,
                end,
                text: " []\n".into(),
            };
        }
        // Comments sit between the key and the item: drop the item, leaving a null list.
    }
    Edit {
        start: ls,
        end,
        text: String::new(),
    }
}

fn remove_flow_item(
    spans: impl Iterator<Item = (usize, usize)>,
    index: usize,
    start: usize,
    end: usize,
) -> Edit {
    let spans: Vec<(usize, usize)> = spans.collect();
    if let Some(next) = spans.get(index + 1) {
        Edit {
            start,
            end: next.0,
            text: String::new(),
        }
    } else if index > 0 {
        Edit {
            start: spans[index - 1].1,
            end,
            text: String::new(),
        }
    } else {
        Edit {
            start,
            end,
            text: String::new(),
        }
    }
}

fn noop(at: usize) -> Edit {
    Edit {
        start: at,
        end: at,
        text: String::new(),
    }
}

pub(crate) fn line_start(source: &str, at: usize) -> usize {
    source[..at].rfind('\n').map(|i| i + 1).unwrap_or(0)
}

/// The offset just past the newline that ends the line containing `at`.
pub(crate) fn line_end(source: &str, at: usize) -> usize {
    match source[at..].find('\n') {
        Some(i) => at + i + 1,
        None => source.len(),
    }
}

fn trim_line_end(source: &str, at: usize) -> usize {
    let end = line_end(source, at);
    let line = &source[at..end];
    at + line.trim_end_matches(['\n', '\r']).len()
}

pub(crate) fn column(source: &str, at: usize) -> usize {
    source[line_start(source, at)..at].chars().count()
}

/// Formats a value as a plain scalar when YAML reads it back as the same string,
/// else double-quoted.
pub(crate) fn scalar(value: &str) -> String {
    if is_plain_safe(value) {
        value.to_string()
    } else {
        double_quoted(value)
    }
}

pub(crate) fn double_quoted(value: &str) -> String {
    // JSON string escaping is valid YAML double-quoted syntax.
    serde_json::to_string(value).unwrap_or_else(|_| format!("\"{value}\""))
}

fn single_quoted(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

fn is_plain_safe(value: &str) -> bool {
    let Some(first) = value.chars().next() else {
        return false;
    };
    if !(first.is_ascii_alphanumeric() || first == '_' || first == '/' || first == '.') {
        return false;
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | '@' | ':' | '+'))
    {
        return false;
    }
    if value.ends_with(':') {
        return false;
    }
    let lower = value.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "~" | ".nan" | ".inf"
    ) {
        return false;
    }
    // Anything that YAML could read as a number stays quoted.
    let numeric = value.replace(['_', ':'], "");
    if numeric.parse::<f64>().is_ok()
        || value.starts_with("0x")
        || value.starts_with("0o")
        || value
            .chars()
            .all(|c| c.is_ascii_digit() || c == ':' || c == '.')
    {
        return false;
    }
    true
}

/// Renders a JSON mapping as block YAML in kubectl's layout: `indent` spaces
/// before each key, nested mappings `step` deeper, sequence dashes at their
/// key's column. Ends with a newline.
pub(crate) fn render_block_map(
    map: &serde_json::Map<String, serde_json::Value>,
    indent: usize,
    step: usize,
) -> String {
    let mut out = String::new();
    let pad = " ".repeat(indent);
    for (key, value) in map {
        out.push_str(&pad);
        out.push_str(&scalar(key));
        out.push(':');
        render_value_after_key(&mut out, value, indent, step);
    }
    out
}

fn render_value_after_key(out: &mut String, value: &serde_json::Value, indent: usize, step: usize) {
    use serde_json::Value;
    match value {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            out.push_str(&render_block_map(m, indent + step, step));
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            out.push_str(&render_block_seq(items, indent, step));
        }
        other => {
            out.push(' ');
            out.push_str(&inline_value(other));
            out.push('\n');
        }
    }
}

/// Block sequence items at `indent`; mapping items start on the dash line.
pub(crate) fn render_block_seq(items: &[serde_json::Value], indent: usize, step: usize) -> String {
    use serde_json::Value;
    let pad = " ".repeat(indent);
    let mut out = String::new();
    for item in items {
        out.push_str(&pad);
        out.push('-');
        match item {
            Value::Object(m) if !m.is_empty() => {
                // The first key shares the dash's line; the rest align under it.
                let body = render_block_map(m, indent + 2, step);
                out.push(' ');
                out.push_str(&body[indent + 2..]);
            }
            Value::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                out.push_str(&render_block_seq(inner, indent + step, step));
            }
            other => {
                out.push(' ');
                out.push_str(&inline_value(other));
                out.push('\n');
            }
        }
    }
    out
}

/// A scalar or an empty collection as YAML text; anything else as JSON flow.
pub(crate) fn inline_value(value: &serde_json::Value) -> String {
    match value {
        // Command-line flags (`--region`) read back as strings unquoted, as kubectl writes them.
        serde_json::Value::String(s)
            if s.len() > 2
                && s.starts_with("--")
                && s[2..]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            s.clone()
        }
        serde_json::Value::String(s) => scalar(s),
        other => other.to_string(),
    }
}

/// The offset of the `-` that introduces a block sequence item.
pub(crate) fn item_dash(source: &str, item: &Node) -> usize {
    let bytes = source.as_bytes();
    let mut at = item.start;
    while at > 0 {
        at -= 1;
        if bytes[at] == b'-' {
            return at;
        }
    }
    item.start
}

/// Where the text after a node's last line begins (just past its newline).
pub(crate) fn after_node(source: &str, node: &Node) -> usize {
    if node.end > 0 && source.as_bytes().get(node.end - 1) == Some(&b'\n') {
        node.end
    } else {
        line_end(source, node.end)
    }
}

#[cfg(test)]
mod tests {
    use super::super::yaml::Document;
    use super::*;

    fn root(doc: &Document) -> &Node {
        doc.root.as_ref().unwrap()
    }

    #[test]
    fn plain_safety() {
        assert_eq!(scalar("prod"), "prod");
        assert_eq!(
            scalar("arn:aws:eks:us-east-1:123456789012:cluster/prod"),
            "arn:aws:eks:us-east-1:123456789012:cluster/prod"
        );
        assert_eq!(scalar("true"), "\"true\"");
        assert_eq!(scalar("123"), "\"123\"");
        assert_eq!(scalar("1e3"), "\"1e3\"");
        assert_eq!(scalar("a b"), "\"a b\"");
        assert_eq!(scalar(""), "\"\"");
        assert_eq!(scalar("-x"), "\"-x\"");
        assert_eq!(scalar("12:30"), "\"12:30\"");
    }

    #[test]
    fn set_keeps_quote_style() {
        let src = "a: 'x'\nb: \"y\" # c\nc:\n";
        let doc = Document::parse(src).unwrap();
        let r = root(&doc);
        let edits = vec![
            set_scalar(src, doc.get(r, "a").unwrap(), "it's"),
            set_scalar(src, doc.get(r, "b").unwrap(), "z"),
            set_scalar(src, doc.get(r, "c").unwrap(), "w"),
        ];
        assert_eq!(apply(src, edits), "a: 'it''s'\nb: \"z\" # c\nc: w\n");
    }

    #[test]
    fn insert_follows_indentation() {
        let src = "ctx:\n    cluster: c # x\n    user: u\nnext: 1\n";
        let doc = Document::parse(src).unwrap();
        let m = doc.get(root(&doc), "ctx").unwrap();
        let out = apply(src, vec![insert_entry(src, m, "namespace", "team-a", 2)]);
        assert_eq!(
            out,
            "ctx:\n    cluster: c # x\n    user: u\n    namespace: team-a\nnext: 1\n"
        );
    }

    #[test]
    fn insert_into_flow_and_json() {
        let src = "{\"ctx\": {\"cluster\": \"c\"}, \"e\": {}}";
        let doc = Document::parse(src).unwrap();
        let r = root(&doc);
        let out = apply(
            src,
            vec![
                insert_entry(src, doc.get(r, "ctx").unwrap(), "namespace", "n", 0),
                insert_entry(src, doc.get(r, "e").unwrap(), "namespace", "m", 0),
            ],
        );
        assert_eq!(
            out,
            "{\"ctx\": {\"cluster\": \"c\", \"namespace\": \"n\"}, \"e\": {namespace: m}}"
        );
        serde_json::from_str::<serde_json::Value>(&out.replace("{namespace: m}", "{}")).unwrap();
    }

    #[test]
    fn remove_entry_and_item() {
        let src = "a: 1\nb: 2 # two\nc: 3\nl:\n- name: x\n  v: 1\n- name: y\n  v: 2\n";
        let doc = Document::parse(src).unwrap();
        let r = root(&doc);
        let Kind::Map { entries, .. } = &r.kind else {
            panic!()
        };
        let b_index = entries
            .iter()
            .position(|(k, _)| k.as_str() == Some("b"))
            .unwrap();
        let out = apply(src, vec![remove_entry(src, r, b_index)]);
        assert_eq!(
            out,
            "a: 1\nc: 3\nl:\n- name: x\n  v: 1\n- name: y\n  v: 2\n"
        );
        let l = doc.get(r, "l").unwrap();
        let out = apply(src, vec![remove_item(src, l, 0)]);
        assert_eq!(out, "a: 1\nb: 2 # two\nc: 3\nl:\n- name: y\n  v: 2\n");
    }

    #[test]
    fn removing_last_item_leaves_empty_list() {
        let src = "l:\n  - name: x\n    v: 1\nz: 1\n";
        let doc = Document::parse(src).unwrap();
        let l = doc.get(root(&doc), "l").unwrap();
        assert_eq!(apply(src, vec![remove_item(src, l, 0)]), "l: []\nz: 1\n");
    }

    #[test]
    fn remove_first_key_of_item() {
        let src = "l:\n- namespace: x\n  cluster: c\n";
        let doc = Document::parse(src).unwrap();
        let item = &doc.items(doc.get(root(&doc), "l").unwrap())[0];
        assert_eq!(
            apply(src, vec![remove_entry(src, item, 0)]),
            "l:\n- cluster: c\n"
        );
    }

    #[test]
    fn renders_block_yaml_like_kubectl() {
        let v = serde_json::json!({
            "exec": {
                "apiVersion": "client.authentication.k8s.io/v1",
                "args": ["--cluster-name", "demo", "true"],
                "env": [{"name": "AWS_PROFILE", "value": "prod"}],
                "provideClusterInfo": true,
                "extra": {},
            }
        });
        let text = render_block_map(v.as_object().unwrap(), 2, 2);
        assert_eq!(
            text,
            "  exec:\n    apiVersion: client.authentication.k8s.io/v1\n    args:\n    - --cluster-name\n    - demo\n    - \"true\"\n    env:\n    - name: AWS_PROFILE\n      value: prod\n    provideClusterInfo: true\n    extra: {}\n"
        );
        let doc = Document::parse(&text).unwrap();
        assert_eq!(doc.to_json(doc.root.as_ref().unwrap()), v);
    }
}
