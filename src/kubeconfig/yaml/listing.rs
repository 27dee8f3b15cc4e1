//! A context list read straight from the text of a one-key section
//! (`contexts:` and a block list under it): each item's `name`, and the
//! `cluster`, `user` and `namespace` of its `context`, as `Document::get_str`
//! reads them from the tree, without building the tree.
//!
//! It takes exactly what the simple reader takes, line by line with the same
//! functions (lines, keys, comments, scalars), and gives up on the rest: a
//! section it reads is one the simple reader parses, so the answers are the
//! tree's. Items are read one at a time, each from the lines down to the next
//! item, and their strings point into the section's text.

use std::borrow::Cow;

use super::simple::{self, Line, Lines, Scalar};
use super::{Document, Kind, Node, Style, is_null};

/// A string of a listed item: a range of the section's text, or (with
/// [`OWN`] set) of the listing's own copies (a quoted value with `''` in it,
/// or one read from a flow collection).
#[derive(Debug, Clone, Copy)]
struct Text {
    at: u32,
    len: u32,
}

/// Marks a [`Text`] held in the listing's own copies.
const OWN: u32 = 1 << 31;

/// One item that has a name, as a list shows it.
#[derive(Debug, Clone)]
struct Listed {
    name: Text,
    /// Whether the name is a plain scalar (which YAML 1.1 may read as a
    /// number or a boolean).
    name_plain: bool,
    cluster: Option<Text>,
    user: Option<Text>,
    namespace: Option<Text>,
}

/// The named items of a list, in order.
#[derive(Debug, Clone)]
pub(super) struct Listing {
    items: Vec<Listed>,
    own: String,
    /// Every item that is a mapping has a name that is a string (not null,
    /// not a collection): the names are then all the list's names.
    names_complete: bool,
}

/// A listing with the text its items point into.
#[derive(Clone, Copy)]
pub(crate) struct Items<'a> {
    text: &'a str,
    listing: &'a Listing,
}

/// One listed item's strings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Item<'a> {
    pub(crate) name: &'a str,
    pub(crate) cluster: Option<&'a str>,
    pub(crate) user: Option<&'a str>,
    pub(crate) namespace: Option<&'a str>,
}

impl<'a> Items<'a> {
    pub(super) fn new(text: &'a str, listing: &'a Listing) -> Items<'a> {
        Items { text, listing }
    }

    pub(crate) fn len(&self) -> usize {
        self.listing.items.len()
    }

    pub(crate) fn get(&self, i: usize) -> Item<'a> {
        let l = &self.listing.items[i];
        let text = |t: &Text| self.str(t);
        Item {
            name: text(&l.name),
            cluster: l.cluster.as_ref().map(text),
            user: l.user.as_ref().map(text),
            namespace: l.namespace.as_ref().map(text),
        }
    }

    pub(crate) fn iter(self) -> impl Iterator<Item = Item<'a>> {
        (0..self.len()).map(move |i| self.get(i))
    }

    pub(crate) fn name(&self, i: usize) -> &'a str {
        self.str(&self.listing.items[i].name)
    }

    /// Every name of the list, each with whether it is a plain scalar; `None`
    /// when some item's name is missing, null or not a scalar (the list's
    /// names are then read another way).
    pub(crate) fn all_names(self) -> Option<impl Iterator<Item = (&'a str, bool)>> {
        self.listing.names_complete.then(move || {
            (0..self.len()).map(move |i| (self.name(i), self.listing.items[i].name_plain))
        })
    }

    fn str(&self, t: &Text) -> &'a str {
        let (text, at) = match t.at & OWN {
            0 => (self.text, t.at),
            _ => (self.listing.own.as_str(), t.at & !OWN),
        };
        &text[at as usize..(at + t.len) as usize]
    }
}

/// Reads the items of `text`, a section `key:` whose value is a block list;
/// `None` when the simple reader would not read it as exactly that.
pub(super) fn read(text: &str, key: &str) -> Option<Listing> {
    if text.len() >= OWN as usize {
        return None;
    }
    let mut lines = Lines::new(text);
    let first = lines.next()??;
    let (key_text, rest, _) = simple::split_key(first.content)?;
    if first.dash || key_text != key || !simple::strip_comment(rest).is_empty() {
        return None;
    }
    let mut reader = Reader {
        text,
        keys: Vec::new(),
        listing: Listing {
            // Room for the most items the text can hold: pages never written
            // cost nothing, and the list is never copied as it grows.
            items: Vec::with_capacity(text.len() / 16),
            own: String::new(),
            names_complete: true,
        },
    };
    let mut item: Vec<Line> = Vec::new();
    let mut indent = None;
    for line in lines {
        let line = line?;
        match indent {
            None if line.dash && line.indent >= first.indent => indent = Some(line.indent),
            None => return None,
            // The next item; any other line this far left ends the list early.
            Some(i) if line.indent <= i => {
                if !(line.dash && line.indent == i) {
                    return None;
                }
                reader.item(&item)?;
                item.clear();
            }
            Some(_) => {}
        }
        item.push(line);
    }
    if item.is_empty() {
        return None;
    }
    reader.item(&item)?;
    Some(reader.listing)
}

/// Which values of a mapping a listing keeps.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Item,
    Context,
    Other,
}

/// A value as far as a listing needs it.
enum Value<'t> {
    Str(Cow<'t, str>, Style),
    /// A flow collection.
    Node(Node),
    /// A block collection.
    Block,
}

impl<'t> Value<'t> {
    /// The string `Document::str_of` gives.
    fn string(self) -> Option<Cow<'t, str>> {
        match self {
            Value::Str(v, Style::Plain) if is_null(&v) => None,
            Value::Str(v, _) => Some(v),
            Value::Node(_) | Value::Block => None,
        }
    }
}

/// What one item holds of what a listing shows.
#[derive(Default)]
struct Fields<'t> {
    name: Option<Value<'t>>,
    cluster: Option<Cow<'t, str>>,
    user: Option<Cow<'t, str>>,
    namespace: Option<Cow<'t, str>>,
}

impl<'t> Fields<'t> {
    fn keep(&mut self, role: Role, key: &str, value: Value<'t>) {
        match (role, key) {
            (Role::Item, "name") => self.name = Some(value),
            (Role::Item, "context") => {
                if let Value::Node(node) = value {
                    let doc = Document::default();
                    let field = |k: &str| doc.get_str(&node, k).map(|s| Cow::Owned(s.to_string()));
                    self.cluster = field("cluster");
                    self.user = field("user");
                    self.namespace = field("namespace");
                }
            }
            (Role::Context, "cluster") => self.cluster = value.string(),
            (Role::Context, "user") => self.user = value.string(),
            (Role::Context, "namespace") => self.namespace = value.string(),
            _ => {}
        }
    }
}

struct Reader<'t> {
    text: &'t str,
    /// Keys of the mappings being read, innermost last (a key twice in one
    /// mapping is outside the subset).
    keys: Vec<&'t str>,
    listing: Listing,
}

impl<'t> Reader<'t> {
    /// One item: its `- ` line and every line down to the next item.
    fn item(&mut self, lines: &[Line<'t>]) -> Option<()> {
        let first = &lines[0];
        if first.content.is_empty() {
            return None;
        }
        if simple::split_key(first.content).is_none() {
            // A scalar or a flow collection, on its line alone.
            let value = simple::scalar_ref(first.content, 0)?;
            if lines.len() != 1 {
                return None;
            }
            if let Scalar::Node(node) = value {
                self.flow_item(&node);
            }
            return Some(());
        }
        let mut fields = Fields::default();
        let mut pos = 0;
        self.keys.clear();
        self.mapping(lines, &mut pos, first.column, true, Role::Item, &mut fields)?;
        if pos != lines.len() {
            return None;
        }
        let name_plain = matches!(fields.name, Some(Value::Str(_, Style::Plain)));
        let Some(name) = fields.name.and_then(Value::string) else {
            self.listing.names_complete = false;
            return Some(());
        };
        let item = Listed {
            name: self.text_of(name),
            name_plain,
            cluster: fields.cluster.map(|s| self.text_of(s)),
            user: fields.user.map(|s| self.text_of(s)),
            namespace: fields.namespace.map(|s| self.text_of(s)),
        };
        self.listing.items.push(item);
        Some(())
    }

    /// An item written as a flow collection, read from its node.
    fn flow_item(&mut self, node: &Node) {
        let doc = Document::default();
        if !matches!(node.kind, Kind::Map { .. }) {
            return;
        }
        let name_node = doc.get(node, "name");
        let Some(name) = name_node.and_then(|n| doc.str_of(n)) else {
            self.listing.names_complete = false;
            return;
        };
        let name_plain = matches!(
            name_node.map(|n| &n.kind),
            Some(Kind::Scalar {
                style: Style::Plain,
                ..
            })
        );
        let context = doc.get(node, "context");
        let mut field = |k: &str| context.and_then(|c| doc.get_str(c, k)).map(|s| self.own(s));
        let (cluster, user, namespace) = (field("cluster"), field("user"), field("namespace"));
        let name = self.own(name);
        self.listing.items.push(Listed {
            name,
            name_plain,
            cluster,
            user,
            namespace,
        });
    }

    /// A copy kept in the listing's own text.
    fn own(&mut self, s: &str) -> Text {
        let at = self.listing.own.len() as u32 | OWN;
        self.listing.own.push_str(s);
        Text {
            at,
            len: s.len() as u32,
        }
    }

    fn text_of(&mut self, s: Cow<'t, str>) -> Text {
        let base = self.text.as_ptr() as usize;
        match s {
            Cow::Borrowed(b)
                if (base..=base + self.text.len()).contains(&(b.as_ptr() as usize)) =>
            {
                // Within the text, shorter than `OWN` (see `read`).
                Text {
                    at: (b.as_ptr() as usize - base) as u32,
                    len: b.len() as u32,
                }
            }
            other => self.own(&other),
        }
    }

    /// `simple::mapping`'s reading of `key: value` lines at `column`, keeping
    /// what `role` asks for.
    fn mapping(
        &mut self,
        lines: &[Line<'t>],
        pos: &mut usize,
        column: usize,
        in_item: bool,
        role: Role,
        fields: &mut Fields<'t>,
    ) -> Option<()> {
        let base = self.keys.len();
        let mut first = true;
        while let Some(line) = lines.get(*pos) {
            let at_column = (first && in_item) || (!line.dash && line.indent == column);
            if !at_column {
                if line.indent > column {
                    return None;
                }
                break;
            }
            first = false;
            let (key, rest, _) = simple::split_key(line.content)?;
            if self.keys[base..].contains(&key) {
                return None;
            }
            self.keys.push(key);
            *pos += 1;
            let value_text = simple::strip_comment(rest);
            let value = if value_text.is_empty() {
                let inner = match (role, key) {
                    (Role::Item, "context") => Role::Context,
                    _ => Role::Other,
                };
                self.nested(lines, pos, column, inner, fields)?
            } else {
                match simple::scalar_ref(value_text, 0)? {
                    Scalar::Str(v, style) => Value::Str(v, style),
                    Scalar::Node(node) => Value::Node(node),
                }
            };
            fields.keep(role, key, value);
        }
        self.keys.truncate(base);
        (!first).then_some(())
    }

    /// `simple::nested`: what follows a `key:` with nothing after it.
    fn nested(
        &mut self,
        lines: &[Line<'t>],
        pos: &mut usize,
        column: usize,
        role: Role,
        fields: &mut Fields<'t>,
    ) -> Option<Value<'t>> {
        match lines.get(*pos) {
            Some(next) if next.dash && next.indent >= column => {
                self.items(lines, pos, next.indent)?;
                Some(Value::Block)
            }
            Some(next) if !next.dash && next.indent > column => {
                self.mapping(lines, pos, next.indent, false, role, fields)?;
                Some(Value::Block)
            }
            _ => Some(Value::Str(Cow::Borrowed(""), Style::Plain)),
        }
    }

    /// `simple::sequence_items`: a block list below an item, kept in nothing.
    fn items(&mut self, lines: &[Line<'t>], pos: &mut usize, indent: usize) -> Option<()> {
        let mut any = false;
        let mut ignored = Fields::default();
        while let Some(line) = lines.get(*pos) {
            if line.indent != indent || !line.dash {
                break;
            }
            if line.content.is_empty() {
                return None;
            }
            if simple::split_key(line.content).is_some() {
                self.mapping(lines, pos, line.column, true, Role::Other, &mut ignored)?;
            } else {
                simple::scalar_ref(line.content, 0)?;
                *pos += 1;
            }
            any = true;
        }
        any.then_some(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Document, Kind, simple};
    use super::{Items, read};

    type Rows = Vec<(String, Option<String>, Option<String>, Option<String>)>;

    /// What the tree gives: the simple reader's parse of a one-key section,
    /// read with `get_str`; and whether every mapping item has a string name.
    fn by_tree(text: &str, key: &str) -> Option<(Rows, bool)> {
        let root = simple::parse(text, 0)?;
        let Kind::Map { entries, .. } = &root.kind else {
            return None;
        };
        let [(k, list)] = entries.as_slice() else {
            return None;
        };
        let Kind::Seq { items, flow: false } = &list.kind else {
            return None;
        };
        if k.as_str() != Some(key) {
            return None;
        }
        let doc = Document::default();
        let mut complete = true;
        let mut rows = Vec::new();
        for item in items {
            if !matches!(item.kind, Kind::Map { .. }) {
                continue;
            }
            let Some(name) = doc.get_str(item, "name") else {
                complete = false;
                continue;
            };
            let context = doc.get(item, "context");
            let f = |k: &str| context.and_then(|c| doc.get_str(c, k)).map(str::to_string);
            rows.push((name.to_string(), f("cluster"), f("user"), f("namespace")));
        }
        Some((rows, complete))
    }

    fn by_listing(text: &str, key: &str) -> Option<(Rows, bool)> {
        let listing = read(text, key)?;
        let items = Items::new(text, &listing);
        let rows = items
            .iter()
            .map(|i| {
                let s = |v: Option<&str>| v.map(str::to_string);
                (i.name.to_string(), s(i.cluster), s(i.user), s(i.namespace))
            })
            .collect();
        Some((rows, items.all_names().is_some()))
    }

    fn agrees(text: &str) {
        assert_eq!(
            by_listing(text, "contexts"),
            by_tree(text, "contexts"),
            "{text:?}"
        );
    }

    #[test]
    fn reads_what_the_tree_reads_item_by_item() {
        let items = [
            "- name: a\n  context:\n    cluster: c\n    user: u\n    namespace: n\n",
            "-   context:\n        cluster: \"c #1\"  # x\n        namespace:\n    name: 'it''s'\n",
            "- name: b  # owner\n  context: {cluster: c, user: 'u', namespace: \"\"}\n",
            "- {name: f, context: {cluster: fc, namespace: fn}}\n",
            "- {name: 'q''s', context: {}}  # c\n",
            "- name: \"\"\n  context: []\n",
            "- name: ~\n  context:\n    cluster: x\n",
            "- name:\n  context: {}\n",
            "- context:\n    cluster: no-name\n",
            "- name: 123\n  context:\n    user: typed\n",
            "- name: n\n  context:\n    extensions:\n    - name: e\n      extension:\n        a: [1, 2]\n    cluster: after-list\n",
            "- name: deep\n  context:\n    cluster:\n      nested: map\n    user: null\n    namespace: NULL\n",
            "- plain scalar item\n",
            "- [a, b]\n",
            "- name: {a: b}\n",
            "- name: x\n  extra:\n  - one\n  - two: 2\n    three: 3\n",
            "- name: tab\t# c\n  context:\tx\n",
            "- name: ctx\r\n  context:\r\n    cluster: crlf\r\n",
        ];
        for item in items {
            agrees(&format!("contexts:\n{item}"));
            agrees(&format!("contexts:  # c\n\n# note\n{item}{item}"));
            let indented: String = item.lines().map(|l| format!("    {l}\n")).collect();
            agrees(&format!("contexts:\n{indented}  # between\n{indented}"));
        }
        let all: String = items.concat();
        agrees(&format!("contexts:\n{all}"));
        assert!(by_listing(&format!("contexts:\n{all}"), "contexts").is_some());
    }

    #[test]
    fn gives_up_where_the_tree_is_not_one_block_list() {
        for text in [
            "contexts:\n- name: a\nusers: []\n",
            "contexts: []\n",
            "contexts:\n  a: 1\n",
            "clusters:\n- name: a\n",
            "contexts:\n- name: a\n  name: b\n",
            "contexts:\n- name: &x a\n",
            "contexts:\n- name: a\n bad: 1\n",
            "contexts:\n- name: a\n   bad: 1\n",
            "contexts:\n  - name: a\n - name: b\n",
            "contexts:\n- name: a\n  context:\n    cluster: a\n     user: b\n",
            "contexts:\n- name: a\n  context:\n    <<: *base\n",
            "contexts:\n- name: \"esc\\n\"\n",
            "contexts:\n- name: a\n  context: |\n    text\n",
            "contexts:\n- name: a\n  context: {cluster: [a,\n    b]}\n",
            "contexts:\n-\n  name: a\n",
            "contexts:\n- name: a\n\t- tab\n",
            "contexts:\n- name: a\n---\n",
            "contexts:\n- plain\n  more\n",
            "contexts:\n- name: a\n  context:\n    cluster: b: c\n",
            "contexts:\n- name: a\n  list:\n  -\n",
        ] {
            assert!(read(text, "contexts").is_none(), "{text:?}");
            assert!(by_tree(text, "contexts").is_none(), "{text:?}");
        }
    }
}
