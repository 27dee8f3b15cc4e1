//! Multi-document YAML to JSON values, remembering the line of every key and
//! sequence item so findings can point at `file:line`.
//!
//! Scalars resolve the way kubectl resolves them (YAML 1.1 through
//! sigs.k8s.io/yaml): `yes`/`on` are booleans, quoted text is always a string.
//! Anchors, aliases and `<<` merge keys are expanded; expansion is capped so an
//! alias bomb cannot exhaust memory.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use serde_json::{Map, Value};

/// Dotted path (`spec.template.spec.containers[0].image`) to 1-based line.
///
/// Every document's map is kept until the report is built, so it is packed:
/// the paths sorted end to end in one string, each with its end and line
/// (a hash map of boxed paths took three times the room).
#[derive(Debug, Default)]
pub(crate) struct LineMap {
    paths: String,
    /// (end of the path in `paths`, line), in `paths`' order.
    ends: Vec<(u32, u32)>,
}

impl LineMap {
    fn pack(lines: HashMap<Box<str>, u32>) -> LineMap {
        let mut sorted: Vec<(Box<str>, u32)> = lines.into_iter().collect();
        sorted.sort_unstable();
        let mut map = LineMap {
            paths: String::with_capacity(sorted.iter().map(|(p, _)| p.len()).sum()),
            ends: Vec::with_capacity(sorted.len()),
        };
        for (path, line) in sorted {
            map.paths.push_str(&path);
            map.ends.push((map.paths.len() as u32, line));
        }
        map
    }

    fn path(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1].0 };
        &self.paths[start as usize..self.ends[i].0 as usize]
    }

    fn get(&self, path: &str) -> Option<u32> {
        let (mut lo, mut hi) = (0, self.ends.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.path(mid).cmp(path) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(self.ends[mid].1),
            }
        }
        None
    }

    /// The line of `path`, or of its nearest recorded ancestor.
    pub(crate) fn line_of(&self, path: &str) -> Option<u32> {
        let mut p = path;
        loop {
            if let Some(line) = self.get(p) {
                return Some(line);
            }
            let cut = p.rfind(['.', '['])?;
            p = &p[..cut];
            if p.is_empty() {
                return None;
            }
        }
    }
}

#[derive(Debug)]
pub struct Doc {
    pub value: Value,
    /// Line of the document's first node.
    pub(crate) line: u32,
    pub(crate) lines: Arc<LineMap>,
}

#[derive(Debug, Clone)]
pub struct SyntaxError {
    pub(crate) line: u32,
    pub(crate) col: u32,
    pub(crate) message: String,
}

/// Nodes produced (including alias copies) before a document is refused.
const MAX_NODES: usize = 2_000_000;

enum Frame {
    Map {
        map: Map<String, Value>,
        key: Option<String>,
        merges: Vec<Value>,
        anchor: usize,
        path_len: usize,
        /// A complex (non-scalar) key is being built.
        key_node: bool,
    },
    Seq {
        items: Vec<Value>,
        anchor: usize,
        path_len: usize,
    },
}

struct Builder {
    stack: Vec<Frame>,
    path: String,
    lines: HashMap<Box<str>, u32>,
    anchors: HashMap<usize, Value>,
    nodes: usize,
    root: Option<Value>,
    root_line: u32,
}

pub fn parse_stream(text: &str) -> Result<Vec<Doc>, SyntaxError> {
    let mut parser = Parser::new_from_str(text);
    let mut docs = Vec::new();
    let mut b: Option<Builder> = None;
    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|e| SyntaxError {
            line: e.marker().line() as u32,
            col: e.marker().col() as u32 + 1,
            message: e.info().to_string(),
        })?;
        match event {
            Event::StreamStart | Event::Nothing => {}
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                b = Some(Builder {
                    stack: Vec::new(),
                    path: String::new(),
                    lines: HashMap::new(),
                    anchors: HashMap::new(),
                    nodes: 0,
                    root: None,
                    root_line: span.start.line() as u32,
                });
            }
            Event::DocumentEnd => {
                if let Some(done) = b.take() {
                    docs.push(Doc {
                        value: done.root.unwrap_or(Value::Null),
                        line: done.root_line,
                        lines: Arc::new(LineMap::pack(done.lines)),
                    });
                }
            }
            other => {
                let builder = b.as_mut().ok_or_else(|| SyntaxError {
                    line: span.start.line() as u32,
                    col: span.start.col() as u32 + 1,
                    message: "content outside a document".into(),
                })?;
                builder.event(other, span)?;
            }
        }
    }
    Ok(docs)
}

impl Builder {
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), SyntaxError> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(self.error(span, "document too large (alias expansion?)"));
        }
        let line = span.start.line() as u32;
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let tag_suffix = tag.as_ref().map(|t| t.suffix.as_str());
                self.scalar(text, style, anchor, tag_suffix, line);
            }
            Event::Alias(id) => self.alias(id, span, line)?,
            Event::MappingStart(anchor, _) => {
                let path_len = self.enter(line);
                self.stack.push(Frame::Map {
                    map: Map::new(),
                    key: None,
                    merges: Vec::new(),
                    anchor,
                    path_len,
                    key_node: false,
                });
            }
            Event::SequenceStart(anchor, _) => {
                let path_len = self.enter(line);
                self.stack.push(Frame::Seq {
                    items: Vec::new(),
                    anchor,
                    path_len,
                });
            }
            Event::MappingEnd => self.mapping_end(line),
            Event::SequenceEnd => self.sequence_end(line),
            _ => {}
        }
        Ok(())
    }

    fn scalar(
        &mut self,
        text: Cow<'_, str>,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&str>,
        line: u32,
    ) {
        // A plain scalar in key position is a key: remember its line.
        if let Some(Frame::Map {
            key: key @ None,
            key_node: false,
            ..
        }) = self.stack.last_mut()
        {
            let k = text.into_owned();
            let seg_path = join_key(&self.path, &k);
            self.lines.entry(seg_path.into()).or_insert(line);
            *key = Some(k);
            if anchor > 0 {
                let value = Value::String(key.clone().unwrap_or_default());
                self.anchors.insert(anchor, value);
            }
            return;
        }
        let value = resolve_scalar(&text, style, tag);
        if anchor > 0 {
            self.anchors.insert(anchor, value.clone());
        }
        self.finish(value, line);
    }

    fn alias(&mut self, id: usize, span: Span, line: u32) -> Result<(), SyntaxError> {
        // Count before copying, so an alias bomb fails before it allocates.
        self.nodes += self.anchors.get(&id).map(count_nodes).unwrap_or(1);
        if self.nodes > MAX_NODES {
            return Err(self.error(span, "document too large (alias expansion)"));
        }
        let value = self.anchors.get(&id).cloned().unwrap_or(Value::Null);
        if let Some(Frame::Map {
            key: key @ None,
            key_node: false,
            ..
        }) = self.stack.last_mut()
        {
            *key = Some(value_to_key(&value));
            return Ok(());
        }
        self.finish(value, line);
        Ok(())
    }

    /// A mapping ends: apply its `<<` merges (its own keys win).
    fn mapping_end(&mut self, line: u32) {
        if let Some(Frame::Map {
            mut map,
            merges,
            anchor,
            path_len,
            ..
        }) = self.stack.pop()
        {
            for merged in merges {
                let sources = match merged {
                    Value::Array(items) => items,
                    other => vec![other],
                };
                for source in sources {
                    if let Value::Object(m) = source {
                        for (k, v) in m {
                            map.entry(k).or_insert(v);
                        }
                    }
                }
            }
            // Maps grow by doubling; refit them, as every one is kept.
            let value = Value::Object(Map::from_iter(map));
            if anchor > 0 {
                self.anchors.insert(anchor, value.clone());
            }
            self.path.truncate(path_len);
            self.finish(value, line);
        }
    }

    fn sequence_end(&mut self, line: u32) {
        if let Some(Frame::Seq {
            items,
            anchor,
            path_len,
        }) = self.stack.pop()
        {
            let value = Value::Array(items);
            if anchor > 0 {
                self.anchors.insert(anchor, value.clone());
            }
            self.path.truncate(path_len);
            self.finish(value, line);
        }
    }

    /// A collection starts: extend the path to where it sits; returns the
    /// path length to restore when it ends.
    fn enter(&mut self, line: u32) -> usize {
        let before = self.path.len();
        match self.stack.last_mut() {
            None => {
                self.root_line = line;
            }
            Some(Frame::Map {
                key: None,
                key_node,
                ..
            }) => {
                // A collection used as a key: build it, stringify it later.
                *key_node = true;
            }
            Some(Frame::Map { key: Some(k), .. }) => {
                let k = k.clone();
                self.path = join_key(&self.path, &k);
            }
            Some(Frame::Seq { items, .. }) => {
                let index = items.len();
                self.path.push_str(&format!("[{index}]"));
                self.lines.entry(self.path.as_str().into()).or_insert(line);
            }
        }
        before
    }

    /// A node is complete: attach it to its parent.
    fn finish(&mut self, value: Value, line: u32) {
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(value);
                }
            }
            Some(Frame::Map {
                map,
                key,
                merges,
                key_node,
                ..
            }) => {
                if *key_node && key.is_none() {
                    *key_node = false;
                    *key = Some(value_to_key(&value));
                    return;
                }
                match key.take() {
                    Some(k) if k == "<<" => merges.push(value),
                    Some(k) => {
                        map.insert(k, value);
                    }
                    None => {
                        *key = Some(value_to_key(&value));
                    }
                }
            }
            Some(Frame::Seq { items, .. }) => {
                if !matches!(value, Value::Object(_) | Value::Array(_)) {
                    let item_path = format!("{}[{}]", self.path, items.len());
                    self.lines.entry(item_path.into()).or_insert(line);
                }
                items.push(value);
            }
        }
    }

    fn error(&self, span: Span, message: &str) -> SyntaxError {
        SyntaxError {
            line: span.start.line() as u32,
            col: span.start.col() as u32 + 1,
            message: message.to_string(),
        }
    }
}

fn join_key(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn value_to_key(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn count_nodes(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(count_nodes).sum::<usize>(),
        Value::Object(map) => 1 + map.values().map(count_nodes).sum::<usize>(),
        _ => 1,
    }
}

fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&str>) -> Value {
    match tag {
        Some("str") | Some("binary") => return Value::String(text.to_string()),
        Some("int") | Some("float") => {
            if let Some(n) = parse_number(text) {
                return n;
            }
            return Value::String(text.to_string());
        }
        Some("bool") => {
            if let Some(b) = parse_bool(text) {
                return Value::Bool(b);
            }
        }
        Some("null") => return Value::Null,
        _ => {}
    }
    if style != ScalarStyle::Plain {
        return Value::String(text.to_string());
    }
    if matches!(text, "" | "~" | "null" | "Null" | "NULL") {
        return Value::Null;
    }
    if let Some(b) = parse_bool(text) {
        return Value::Bool(b);
    }
    parse_number(text).unwrap_or_else(|| Value::String(text.to_string()))
}

fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y" | "Y" => {
            Some(true)
        }
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n" | "N" => {
            Some(false)
        }
        _ => None,
    }
}

fn parse_number(text: &str) -> Option<Value> {
    let first = text.as_bytes().first()?;
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return None;
    }
    let cleaned: String;
    let t = if text.contains('_') {
        cleaned = text.replace('_', "");
        cleaned.as_str()
    } else {
        text
    };
    let (negative, digits) = match t.as_bytes()[0] {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    let radix_value = if let Some(hex) = digits.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()
    } else if let Some(oct) = digits.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()
    } else if digits.len() > 1
        && digits.starts_with('0')
        && digits.bytes().all(|c| c.is_ascii_digit())
    {
        i64::from_str_radix(&digits[1..], 8).ok()
    } else {
        None
    };
    if let Some(v) = radix_value {
        return Some(Value::from(if negative { -v } else { v }));
    }
    if let Ok(i) = t.parse::<i64>() {
        return Some(Value::from(i));
    }
    if t.bytes()
        .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'-' | b'+'))
        && let Ok(f) = t.parse::<f64>()
        && f.is_finite()
    {
        return Some(Value::from(f));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn documents_values_and_lines() {
        let text = "\
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: app
          image: nginx
        - name: side
          image: 'busybox:1.36'
---
# empty
---
kind: Service
";
        let docs = parse_stream(text).unwrap();
        assert_eq!(docs.len(), 3);
        let d = &docs[0];
        assert_eq!(d.line, 2);
        assert_eq!(d.value["spec"]["replicas"], json!(3));
        assert_eq!(
            d.value["spec"]["template"]["spec"]["containers"][1]["image"],
            json!("busybox:1.36")
        );
        assert_eq!(d.lines.line_of("spec.replicas"), Some(7));
        assert_eq!(
            d.lines.line_of("spec.template.spec.containers[1]"),
            Some(13)
        );
        assert_eq!(
            d.lines.line_of("spec.template.spec.containers[1].image"),
            Some(14)
        );
        // A missing field points at its nearest ancestor.
        assert_eq!(
            d.lines
                .line_of("spec.template.spec.containers[0].resources.limits"),
            Some(11)
        );
        assert!(docs[1].value.is_null());
        assert_eq!(docs[2].value["kind"], json!("Service"));
        assert_eq!(docs[2].line, 18);
    }

    #[test]
    fn scalars_resolve_like_kubectl() {
        let docs = parse_stream(
            "a: yes\nb: '1'\nc: 010\nd: 1.5\ne: ~\nf: 0x1F\ng: \"on\"\nh: !!str 12\ni: 1_000\n",
        )
        .unwrap();
        assert_eq!(
            docs[0].value,
            json!({"a": true, "b": "1", "c": 8, "d": 1.5, "e": null, "f": 31, "g": "on", "h": "12", "i": 1000})
        );
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let docs =
            parse_stream("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\nlist: [*b, *b]\n").unwrap();
        assert_eq!(docs[0].value["m"], json!({"y": 3, "x": 1}));
        assert_eq!(docs[0].value["list"][1]["x"], json!(1));
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for name in ['b', 'c', 'd', 'e', 'f', 'g', 'h'] {
            text.push_str(&format!(
                "{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
            prev = name;
        }
        let err = parse_stream(&text).unwrap_err();
        assert!(err.message.contains("too large"), "{err:?}");
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let err = parse_stream("a: [1, 2\nb: c\n").unwrap_err();
        assert!(err.line >= 1);
    }
}
