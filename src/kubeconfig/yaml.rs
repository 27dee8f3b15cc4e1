//! A span-carrying YAML tree, built once from parser events.
//!
//! Reads go through this tree; writes splice new text into the original bytes at
//! the spans recorded here, so comments, layout, quoting and anchors survive.
//! Offsets are byte offsets into the source text.

mod build;
mod listing;
mod sections;
mod simple;

use std::sync::Arc;

pub(crate) use listing::{Item, Items};
use sections::{LAZY_SECTION_BYTES, LazySection, split_top_level};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Block,
}

#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Scalar {
        value: String,
        style: Style,
    },
    Map {
        entries: Vec<(Node, Node)>,
        flow: bool,
    },
    Seq {
        items: Vec<Node>,
        flow: bool,
    },
    Alias(usize),
    /// A top-level value parsed only when first read (see [`Document::parse`]).
    Lazy(usize),
}

#[derive(Debug, Clone)]
pub struct Node {
    pub(crate) kind: Kind,
    /// First byte of the node's own text (after any anchor or tag).
    pub(crate) start: usize,
    /// One past the last byte of the node's text.
    pub(crate) end: usize,
    pub(crate) anchor: usize,
}

#[derive(Debug, Clone)]
pub struct SyntaxError {
    pub(crate) line: usize,
    pub(crate) col: usize,
    pub(crate) message: String,
}

impl SyntaxError {
    /// An error with no position.
    pub(crate) fn new(message: &str) -> SyntaxError {
        SyntaxError {
            line: 0,
            col: 0,
            message: message.into(),
        }
    }
}

/// A parsed single-document YAML file: its root (if any) and its anchors.
///
/// Large block-style files are split at their top-level keys first: small
/// sections are parsed at once, large ones (a kubeconfig's `clusters` and
/// `users`) on first access. Lookups resolve them transparently, so a command
/// that only reads `contexts` never pays for the rest of the file.
#[derive(Debug, Default, Clone)]
pub struct Document {
    pub root: Option<Node>,
    anchors: Vec<(usize, Node)>,
    lazy: Vec<LazySection>,
}

impl Document {
    pub fn parse(text: &str) -> Result<Document, SyntaxError> {
        Document::parse_with(text, || Arc::new(text.to_string()))
    }

    /// [`Document::parse`] of a text already shared: deferred sections point
    /// into it rather than copying it.
    pub(crate) fn parse_shared(text: &Arc<String>) -> Result<Document, SyntaxError> {
        Document::parse_with(text, || Arc::clone(text))
    }

    fn parse_with(
        text: &str,
        shared: impl FnOnce() -> Arc<String>,
    ) -> Result<Document, SyntaxError> {
        if full_parse_forced() {
            return Document::parse_full(text);
        }
        if text.len() >= 2 * LAZY_SECTION_BYTES
            && let Some(sections) = split_top_level(text)
            && let Some(doc) = Document::from_sections(shared(), &sections)?
        {
            return Ok(doc);
        }
        if let Some(root) = simple::parse(text, 0)
            && matches!(root.kind, Kind::Map { .. })
        {
            return Ok(Document {
                root: Some(root),
                anchors: Vec::new(),
                lazy: Vec::new(),
            });
        }
        Document::parse_full(text)
    }

    /// The full YAML parser, bypassing the fast paths (tests compare them).
    #[cfg(test)]
    pub(crate) fn parse_strict(text: &str) -> Result<Document, SyntaxError> {
        Document::parse_full(text)
    }

    fn parse_full(text: &str) -> Result<Document, SyntaxError> {
        let (root, anchors) = build::parse(text)?;
        Ok(Document {
            root,
            anchors,
            lazy: Vec::new(),
        })
    }

    /// Parses every deferred section and reports the first syntax error.
    /// `unchanged_from` skips sections whose text equals the same section there.
    pub(crate) fn check(&self, unchanged_from: Option<&Document>) -> Result<(), SyntaxError> {
        for section in &self.lazy {
            let same = unchanged_from.is_some_and(|old| {
                old.lazy
                    .iter()
                    .any(|o| o.key == section.key && o.text() == section.text())
            });
            if same {
                continue;
            }
            if let Err(e) = section.get() {
                return Err(e.clone());
            }
        }
        Ok(())
    }

    /// Whether the file was split at its top-level keys (see `sections`).
    pub(crate) fn is_split(&self) -> bool {
        !self.lazy.is_empty()
    }

    /// Parses one deferred top-level section now, reporting its syntax error.
    pub(crate) fn check_key(&self, key: &str) -> Result<(), SyntaxError> {
        match self.lazy.iter().find(|l| l.key == key) {
            Some(section) => section.get().as_ref().map(|_| ()).map_err(Clone::clone),
            None => Ok(()),
        }
    }

    /// The items of a deferred top-level list not parsed yet, read without
    /// building its tree; `None` when it has to be parsed (see [`Items`]).
    pub(crate) fn listed(&self, key: &str) -> Option<Items<'_>> {
        self.lazy.iter().find(|l| l.key == key)?.listed()
    }

    /// [`check_key`](Self::check_key) that, for a plain block list, only
    /// checks its syntax and leaves it unparsed (see [`listed`](Self::listed)).
    pub(crate) fn check_list(&self, key: &str) -> Result<(), SyntaxError> {
        if self.listed(key).is_some() {
            return Ok(());
        }
        self.check_key(key)
    }

    /// The text of a deferred section not parsed yet, and the lines before it.
    pub(super) fn unparsed(&self, node: &Node) -> Option<(&str, usize)> {
        match node.kind {
            Kind::Lazy(i) if self.lazy[i].value.get().is_none() => {
                Some((self.lazy[i].text(), self.lazy[i].line))
            }
            _ => None,
        }
    }

    /// A node as parsed so far: `None` for a deferred section nobody has read.
    pub(super) fn parsed<'a>(&'a self, node: &'a Node) -> Option<&'a Node> {
        match node.kind {
            Kind::Lazy(i) => self.lazy[i].value.get()?.as_ref().ok().map(|(n, _)| n),
            _ => Some(node),
        }
    }

    /// The 1-based line of a byte offset; `text` is the file (empty for a
    /// document cut from one, whose sections carry their own text).
    pub(super) fn line_at(&self, offset: usize, text: &str) -> usize {
        let section = self
            .lazy
            .iter()
            .find(|l| (l.offset..l.offset + l.text().len()).contains(&offset));
        match section {
            Some(l) => {
                l.line
                    + 1
                    + l.text().as_bytes()[..offset - l.offset]
                        .iter()
                        .filter(|b| **b == b'\n')
                        .count()
            }
            None => {
                let end = offset.min(text.len());
                1 + text.as_bytes()[..end]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count()
            }
        }
    }

    /// Resolves a deferred section; other nodes are returned as they are.
    pub(crate) fn force<'a>(&'a self, node: &'a Node) -> &'a Node {
        match node.kind {
            Kind::Lazy(i) => match self.lazy[i].get() {
                Ok((n, _)) => n,
                Err(_) => &NULL_NODE,
            },
            _ => node,
        }
    }

    /// Follows an alias to the node it names.
    pub(crate) fn resolve<'a>(&'a self, node: &'a Node) -> &'a Node {
        let node = self.force(node);
        match node.kind {
            Kind::Alias(id) => self.anchor(id).unwrap_or(node),
            _ => node,
        }
    }

    /// The node an anchor id names: anchors of a deferred section carry ids of
    /// their own (see `sections`), found once that section is parsed.
    fn anchor(&self, id: usize) -> Option<&Node> {
        fn named(anchors: &[(usize, Node)], id: usize) -> Option<&Node> {
            anchors
                .iter()
                .rev()
                .find(|(anchor, _)| *anchor == id)
                .map(|(_, n)| n)
        }
        named(&self.anchors, id).or_else(|| {
            self.lazy
                .iter()
                .find_map(|l| l.value.get()?.as_ref().ok().and_then(|(_, a)| named(a, id)))
        })
    }

    /// Looks a key up in a mapping as kubectl's YAML reader does: entries apply in
    /// order and a later one wins, whether a repeated key or a `<<` merge after it
    /// (within one merge list the first source wins).
    pub(crate) fn get<'a>(&'a self, map: &'a Node, key: &str) -> Option<&'a Node> {
        self.get_depth(map, key, 0)
    }

    fn get_depth<'a>(&'a self, map: &'a Node, key: &str, depth: usize) -> Option<&'a Node> {
        let map = self.resolve(map);
        let Kind::Map { entries, .. } = &map.kind else {
            return None;
        };
        for (k, v) in entries.iter().rev() {
            match k.as_str() {
                Some(name) if name == key => return Some(self.force(v)),
                Some("<<") if depth < 64 => {
                    if let Some(found) = self
                        .merge_sources(v)
                        .into_iter()
                        .find_map(|source| self.get_depth(source, key, depth + 1))
                    {
                        return Some(found);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// The mappings a `<<` value merges in, in the order they take priority.
    fn merge_sources<'a>(&'a self, value: &'a Node) -> Vec<&'a Node> {
        let merged = self.resolve(value);
        match &merged.kind {
            Kind::Seq { items, .. } => items.iter().collect(),
            _ => vec![merged],
        }
    }

    /// The string value of a scalar (following aliases); `None` for null or non-scalars.
    pub(crate) fn str_of<'a>(&'a self, node: &'a Node) -> Option<&'a str> {
        let node = self.resolve(node);
        match &node.kind {
            Kind::Scalar { value, style } => {
                if *style == Style::Plain && is_null(value) {
                    None
                } else {
                    Some(value.as_str())
                }
            }
            _ => None,
        }
    }

    pub(crate) fn get_str<'a>(&'a self, map: &'a Node, key: &str) -> Option<&'a str> {
        self.get(map, key).and_then(|n| self.str_of(n))
    }

    pub(crate) fn items<'a>(&'a self, node: &'a Node) -> &'a [Node] {
        match &self.resolve(node).kind {
            Kind::Seq { items, .. } => items,
            _ => &[],
        }
    }

    /// Converts a subtree to JSON, resolving aliases and merge keys.
    pub fn to_json(&self, node: &Node) -> serde_json::Value {
        self.to_json_depth(node, 0)
    }

    fn to_json_depth(&self, node: &Node, depth: usize) -> serde_json::Value {
        use serde_json::Value;
        if depth > 64 {
            return Value::Null;
        }
        let node = self.resolve(node);
        match &node.kind {
            Kind::Scalar { value, style } => scalar_to_json(value, *style),
            Kind::Seq { items, .. } => Value::Array(
                items
                    .iter()
                    .map(|n| self.to_json_depth(n, depth + 1))
                    .collect(),
            ),
            Kind::Map { entries, .. } => {
                // In order, a later entry overwriting an earlier one, as `get` reads.
                let mut out = serde_json::Map::new();
                for (k, v) in entries {
                    if k.as_str() != Some("<<") {
                        let key = self.str_of(k).unwrap_or_default().to_string();
                        out.insert(key, self.to_json_depth(v, depth + 1));
                        continue;
                    }
                    // The first source of a merge list wins: apply them last to first.
                    for source in self.merge_sources(v).into_iter().rev() {
                        if let Value::Object(m) = self.to_json_depth(source, depth + 1) {
                            out.extend(m);
                        }
                    }
                }
                Value::Object(out)
            }
            Kind::Alias(_) | Kind::Lazy(_) => Value::Null,
        }
    }
}

impl Node {
    /// A plain scalar at `start..end`.
    fn plain(value: String, start: usize, end: usize) -> Node {
        Node {
            kind: Kind::Scalar {
                value,
                style: Style::Plain,
            },
            start,
            end,
            anchor: 0,
        }
    }

    /// A block mapping at `start..end`.
    fn block_map(entries: Vec<(Node, Node)>, start: usize, end: usize) -> Node {
        Node {
            kind: Kind::Map {
                entries,
                flow: false,
            },
            start,
            end,
            anchor: 0,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    pub(crate) fn is_flow(&self) -> bool {
        matches!(
            self.kind,
            Kind::Map { flow: true, .. } | Kind::Seq { flow: true, .. }
        )
    }
}

/// Only in builds with the test-only `test-hooks` feature:
/// `HONBAN_TEST_FULL_PARSE` makes every read a full parse of the whole file,
/// so tests can hold the fast readers to the full parser's answers.
#[cfg(feature = "test-hooks")]
pub(crate) fn full_parse_forced() -> bool {
    std::env::var_os("HONBAN_TEST_FULL_PARSE").is_some()
}

#[cfg(not(feature = "test-hooks"))]
pub(crate) fn full_parse_forced() -> bool {
    false
}

pub(crate) fn is_null(value: &str) -> bool {
    matches!(value, "" | "~" | "null" | "Null" | "NULL")
}

fn scalar_to_json(value: &str, style: Style) -> serde_json::Value {
    use serde_json::Value;
    if style != Style::Plain {
        return Value::String(value.to_string());
    }
    if is_null(value) {
        return Value::Null;
    }
    match value {
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Ok(i) = value.parse::<i64>() {
        return Value::from(i);
    }
    if value.contains('.')
        && let Ok(f) = value.parse::<f64>()
        && f.is_finite()
    {
        return Value::from(f);
    }
    Value::String(value.to_string())
}

static NULL_NODE: Node = Node {
    kind: Kind::Scalar {
        value: String::new(),
        style: Style::Plain,
    },
    start: 0,
    end: 0,
    anchor: 0,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_scalar_span_excludes_trailing_comment() {
        let text = "a: \"x y\" # note\nb: 'it''s'\n";
        let doc = Document::parse(text).unwrap();
        let root = doc.root.as_ref().unwrap();
        let a = doc.get(root, "a").unwrap();
        assert_eq!(&text[a.start..a.end], "\"x y\"");
        let b = doc.get(root, "b").unwrap();
        assert_eq!(&text[b.start..b.end], "'it''s'");
        assert_eq!(doc.str_of(b), Some("it's"));
    }

    #[test]
    fn aliases_and_merge_keys_resolve() {
        let text = "base: &b {cluster: c1, user: u1}\nctx:\n  <<: *b\n  user: u2\nsame: *b\n";
        let doc = Document::parse(text).unwrap();
        let root = doc.root.as_ref().unwrap();
        let ctx = doc.get(root, "ctx").unwrap();
        assert_eq!(doc.get_str(ctx, "cluster"), Some("c1"));
        assert_eq!(doc.get_str(ctx, "user"), Some("u2"));
        let same = doc.get(root, "same").unwrap();
        assert_eq!(doc.get_str(same, "user"), Some("u1"));
    }

    #[test]
    fn non_ascii_offsets_are_bytes() {
        let text = "# 本番\nname: \"ünï\"\n";
        let doc = Document::parse(text).unwrap();
        let root = doc.root.as_ref().unwrap();
        let n = doc.get(root, "name").unwrap();
        assert_eq!(&text[n.start..n.end], "\"ünï\"");
    }

    #[test]
    fn syntax_error_has_position() {
        let err = Document::parse("a: [1, 2\nb: c\n").unwrap_err();
        assert!(err.line >= 1, "{err:?}");
    }

    fn big(extra: &str) -> String {
        let mut s = String::from("# big\napiVersion: v1\nclusters:\n");
        for i in 0..3000 {
            s.push_str(&format!("- name: c{i}\n  cluster:\n    server: https://h{i}:6443\n    certificate-authority-data: QUJDREVGR0g=\n"));
        }
        s.push_str("contexts:\n- name: a\n  context: {cluster: c1, user: u}\n");
        s.push_str(extra);
        s.push_str("current-context: a # note\n");
        s
    }

    #[test]
    fn large_files_are_split_and_sections_parse_on_demand() {
        let text = big("");
        let doc = Document::parse(&text).unwrap();
        assert!(!doc.lazy.is_empty(), "the clusters section is deferred");
        let root = doc.root.as_ref().unwrap();
        assert_eq!(doc.get_str(root, "current-context"), Some("a"));
        let clusters = doc.get(root, "clusters").unwrap();
        let items = doc.items(clusters);
        assert_eq!(items.len(), 3000);
        let server = doc
            .get(doc.get(&items[2999], "cluster").unwrap(), "server")
            .unwrap();
        assert_eq!(&text[server.start..server.end], "https://h2999:6443");
        // The same answers as a full parse.
        let full = Document::parse_full(&text).unwrap();
        assert_eq!(doc.to_json(root), full.to_json(full.root.as_ref().unwrap()));
    }

    #[test]
    fn deferred_syntax_errors_carry_absolute_lines() {
        let mut text = big("");
        text = text.replace(
            "    server: https://h2000:6443\n",
            "    server: [https://h2000:6443\n",
        );
        let doc = Document::parse(&text).unwrap();
        let err = doc.check(None).unwrap_err();
        let expected_line = text[..text.find("[https://h2000").unwrap()]
            .matches('\n')
            .count()
            + 1;
        assert!(
            err.line >= expected_line && err.line <= expected_line + 2,
            "{err:?} vs {expected_line}"
        );
    }

    #[test]
    fn unusual_layouts_fall_back_to_a_full_parse() {
        let text = big("block: |\n  text\nother: 1\n");
        let doc = Document::parse(&text).unwrap();
        assert!(doc.lazy.is_empty());
        assert_eq!(
            doc.get_str(doc.root.as_ref().unwrap(), "current-context"),
            Some("a")
        );
    }

    /// Anchors stay in their sections: the file is still split, and every
    /// alias (within a section, across sections, through `<<`) reads as in a
    /// full parse.
    #[test]
    fn anchors_and_aliases_are_read_per_section() {
        for extra in [
            "x-note: &note \"owned by platform\"\n",
            "anchor: &x 1\nalias: *x\n",
            "base: &b\n  cluster: c9\nctx:\n  <<: *b\n  user: u2\n",
            "list:\n- &i {a: 1}\n- *i\nx: &y\n  b: 2\nz: [*y, *i]\n",
        ] {
            let text = big(extra);
            let doc = Document::parse(&text).unwrap();
            assert!(!doc.lazy.is_empty(), "{extra:?}");
            let root = doc.root.as_ref().unwrap();
            assert_eq!(doc.get_str(root, "current-context"), Some("a"));
            let full = Document::parse_full(&text).unwrap();
            assert_eq!(
                doc.to_json(root),
                full.to_json(full.root.as_ref().unwrap()),
                "{extra:?}"
            );
        }
    }
}
