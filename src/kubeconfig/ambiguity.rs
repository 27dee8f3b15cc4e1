//! Files kubectl refuses or reads differently from how they look.
//!
//! kubectl decodes a kubeconfig with go-yaml (YAML 1.1) into JSON, then into
//! typed lists. Three consequences matter to honban:
//! - a name defined twice in `clusters`, `users` or `contexts` makes kubectl
//!   refuse the whole file (`duplicate name "a" in list`), so honban refuses it
//!   too, for every command, instead of silently picking one;
//! - a name or `current-context` that YAML 1.1 reads as a number or boolean
//!   (`name: 123`, `current-context: yes`) is a type error to kubectl;
//! - a key set twice in one mapping is legal to kubectl, which reads the last.
//!   honban reads the last as well, but will not edit such a file: an edit of
//!   one copy could say "switched" while kubectl keeps reading the other.
//!
//! Large sections not parsed yet are checked by [`NameScan`], a line scanner
//! that reads only item names, so a listing of a large file stays cheap.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use foldhash::fast::FixedState;

use super::ConfigFile;
use super::edit::Edit;
use super::yaml::{Document, Kind, Node, Style};
use crate::error::{Error, Result};

/// The named lists, as a kubeconfig calls them and as one of their items is called.
pub(super) const LISTS: [(&str, &str); 3] = [
    ("clusters", "cluster"),
    ("users", "user"),
    ("contexts", "context"),
];

/// Refuses what kubectl refuses to load: a name defined twice in one list, or a
/// name or `current-context` that is not a string to kubectl. `scanned` holds the
/// names of lists read by a [`NameScan`] instead of being in the document.
pub(super) fn check_load(file: &ConfigFile, scanned: &[(String, ScannedNames)]) -> Result<()> {
    let doc = &file.doc;
    let Some(root) = doc.root.as_ref() else {
        return Ok(());
    };
    if let Some(node) = doc.get(root, "current-context") {
        not_typed(file, node, "current-context")?;
    }
    for (list, item_word) in LISTS {
        if unique_listed(doc, list) {
            continue;
        }
        // Scanned names come with their lines; parsed ones with byte offsets,
        // turned into lines only for the message (counting is not free).
        let parsed;
        let (names, offsets) = match scanned.iter().find(|(k, _)| k == list) {
            Some((_, names)) => (names, false),
            None => match top_level(doc, root, list) {
                Some(node) => {
                    parsed = list_names(file, node, item_word)?;
                    (&parsed.0, parsed.1)
                }
                None => continue,
            },
        };
        let mut first: HashMap<&str, usize, FixedState> =
            HashMap::with_capacity_and_hasher(names.len(), FixedState::default());
        for (name, at) in names.iter() {
            if let Some(before) = first.insert(name, at) {
                let line = |at: usize| {
                    if offsets {
                        doc.line_at(at, &file.text)
                    } else {
                        at
                    }
                };
                return Err(Error::Kubeconfig {
                    path: file.path.clone(),
                    message: format!(
                        "{item_word} {:?} is defined twice, on lines {} and {}; kubectl refuses the file (duplicate name in {list}): remove or rename one of them",
                        name,
                        line(before),
                        line(at)
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Whether a list read without its tree (see `Document::listed`) names every
/// item with a string, none twice: then there is nothing to report, and its
/// text is not read again.
fn unique_listed(doc: &Document, list: &str) -> bool {
    let Some(listed) = doc.listed(list) else {
        return false;
    };
    let Some(names) = listed.all_names() else {
        return false;
    };
    let mut seen = HashSet::with_capacity_and_hasher(listed.len(), FixedState::default());
    for (name, plain) in names {
        if (plain && yaml11_type(name).is_some()) || !seen.insert(name) {
            return false;
        }
    }
    true
}

/// A top-level value as it stands: a deferred section is not parsed by looking.
fn top_level<'a>(doc: &'a Document, root: &'a Node, key: &str) -> Option<&'a Node> {
    let Kind::Map { entries, .. } = &root.kind else {
        return None;
    };
    let own = entries.iter().rev().find(|(k, _)| k.as_str() == Some(key));
    own.map(|(_, v)| v).or_else(|| doc.get(root, key))
}

/// Item names in order, each with the line it is on (of the item, when it
/// has no name); their text is kept in one buffer.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct ScannedNames {
    text: String,
    /// Start and length in `text`, and the line.
    names: Vec<(usize, usize, usize)>,
}

impl ScannedNames {
    fn push(&mut self, name: &str, line: usize) {
        self.names.push((self.text.len(), name.len(), line));
        self.text.push_str(name);
    }

    fn len(&self) -> usize {
        self.names.len()
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = (&str, usize)> {
        self.names
            .iter()
            .map(|&(at, len, line)| (&self.text[at..at + len], line))
    }
}

/// The item names of a list, and whether their `line`s are byte offsets.
fn list_names(file: &ConfigFile, list: &Node, item_word: &str) -> Result<(ScannedNames, bool)> {
    let doc = &file.doc;
    if let Some((text, line)) = doc.unparsed(list) {
        let mut scan = NameScan::default();
        for (i, l) in text.split_inclusive('\n').enumerate() {
            scan.line(l.as_bytes(), line + 1 + i);
        }
        if let Some(names) = scan.finish() {
            return Ok((names, false));
        }
    }
    let mut out = ScannedNames::default();
    for item in doc.items(list) {
        if !matches!(doc.resolve(item).kind, Kind::Map { .. }) {
            continue;
        }
        // A missing or null name is the empty name to kubectl.
        let (name, at) = match doc.get(item, "name") {
            Some(node) => {
                not_typed(file, node, &format!("{item_word} name"))?;
                (doc.str_of(node).unwrap_or_default(), node.start)
            }
            None => ("", item.start),
        };
        out.push(name, at);
    }
    Ok((out, true))
}

/// A plain scalar that YAML 1.1 reads as a number or boolean is an error to kubectl.
fn not_typed(file: &ConfigFile, node: &Node, what: &str) -> Result<()> {
    let node = file.doc.resolve(node);
    let Kind::Scalar { value, style } = &node.kind else {
        return Ok(());
    };
    match (style, yaml11_type(value)) {
        (Style::Plain, Some(kind)) => Err(Error::Kubeconfig {
            path: file.path.clone(),
            message: format!(
                "line {}: {what} {value} is a {kind} to kubectl, which refuses the file; quote it: \"{value}\"",
                file.doc.line_at(node.start, &file.text)
            ),
        }),
        _ => Ok(()),
    }
}

/// What go-yaml (YAML 1.1) makes of a plain scalar other than a string or null.
pub(super) fn yaml11_type(value: &str) -> Option<&'static str> {
    const BOOLS: [&str; 22] = [
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false",
        "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF",
    ];
    if BOOLS.contains(&value) {
        return Some("boolean");
    }
    let first = value.bytes().next()?;
    if !(first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'.')) {
        return None;
    }
    let plain = value.replace('_', "");
    let unsigned = plain.strip_prefix(['+', '-']).unwrap_or(&plain);
    let radix = |prefix: [&str; 2], ok: fn(char) -> bool| {
        prefix
            .iter()
            .find_map(|p| unsigned.strip_prefix(p))
            .is_some_and(|d| !d.is_empty() && d.chars().all(ok))
    };
    let number = radix(["0x", "0X"], |c| c.is_ascii_hexdigit())
        || radix(["0o", "0O"], |c| ('0'..='7').contains(&c))
        || radix(["0b", "0B"], |c| c == '0' || c == '1')
        || is_yaml_float(unsigned)
        || matches!(
            unsigned,
            ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN"
        );
    number.then_some("number")
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, go-yaml's float (and integer) form.
fn is_yaml_float(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut i = digits(0);
    if i == 0 {
        if b.first() != Some(&b'.') || digits(1) == 0 {
            return false;
        }
        i = 1 + digits(1);
    } else if b.get(i) == Some(&b'.') {
        i += 1 + digits(i + 1);
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let exp = digits(j);
        if exp == 0 {
            return false;
        }
        i = j + exp;
    }
    i == b.len()
}

/// Refuses to edit a file whose top level sets a key twice, or in which a key is
/// set twice inside `contexts` or inside a top-level section an edit falls in;
/// the message names both lines. A repeat elsewhere does not change what the
/// edit means, and large sections nobody reads are not parsed for this.
pub(super) fn check_edit(file: &ConfigFile, edits: &[Edit]) -> Result<()> {
    let Some(root) = file.doc.root.as_ref() else {
        return Ok(());
    };
    let Kind::Map { entries, .. } = &root.kind else {
        return Ok(());
    };
    let touched = |v: &Node| {
        edits
            .iter()
            .any(|e| e.start <= v.end && e.end >= v.start && e.start >= v.start)
    };
    let repeat = repeated_in(entries).map(|r| (r, true)).or_else(|| {
        entries
            .iter()
            .filter(|(k, v)| k.as_str() == Some("contexts") || touched(v))
            .find_map(|(_, v)| repeated_key(&file.doc, v, 0))
            .map(|r| (r, false))
    });
    let Some(((key, first, second), top)) = repeat else {
        return Ok(());
    };
    let (a, b) = (
        file.doc.line_at(first, &file.text),
        file.doc.line_at(second, &file.text),
    );
    let place = if top {
        "at the top level"
    } else {
        "in one mapping"
    };
    Err(Error::Kubeconfig {
        path: file.path.clone(),
        message: format!(
            "{key} is set twice {place}, on lines {a} and {b}, and kubectl reads only line {b}: remove the {key} on line {a} (or the one on line {b}) and run the command again; nothing was changed"
        ),
    })
}

/// The first key set twice among these entries: (key, first offset, second offset).
fn repeated_in(entries: &[(Node, Node)]) -> Option<(String, usize, usize)> {
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(entries.len());
    entries.iter().find_map(|(k, _)| {
        let key = k.as_str()?;
        seen.insert(key, k.start)
            .map(|first| (key.to_string(), first, k.start))
    })
}

/// The first key set twice in one mapping: (key, first offset, second offset).
fn repeated_key(doc: &Document, node: &Node, depth: usize) -> Option<(String, usize, usize)> {
    let node = doc.parsed(node)?;
    if depth > 64 {
        return None;
    }
    match &node.kind {
        Kind::Map { entries, .. } => repeated_in(entries).or_else(|| {
            entries
                .iter()
                .find_map(|(_, v)| repeated_key(doc, v, depth + 1))
        }),
        Kind::Seq { items, .. } => items.iter().find_map(|i| repeated_key(doc, i, depth + 1)),
        _ => None,
    }
}

/// Item names of a block-sequence section (`clusters:` and its items), read
/// line by line: the item-level `name:` keys, nothing else. Anything it does not
/// recognise for certain makes [`NameScan::finish`] return `None`, and the
/// caller parses the section instead.
#[derive(Debug, Default)]
pub(super) struct NameScan {
    started: bool,
    item_indent: Option<usize>,
    /// Column of the current item's keys, once known.
    key_col: Option<usize>,
    /// The current item: its name so far (a range of `names`' text) and its
    /// line (else the item's first line).
    item: Option<(Option<(usize, usize)>, usize)>,
    /// The line just read was a `name:`; a deeper line next would continue it.
    after_name: bool,
    /// The line just read was a one-line flow item; only a new item may follow.
    after_flow: bool,
    line_no: usize,
    names: ScannedNames,
    unsure: bool,
}

impl NameScan {
    /// Feeds one line of the section (the `key:` line first); `line_no` is 1-based.
    pub(crate) fn line(&mut self, raw: &[u8], line_no: usize) {
        if self.unsure {
            return;
        }
        self.line_no = line_no;
        let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if !self.started {
            self.started = true;
            let value = raw
                .iter()
                .position(|b| *b == b':')
                .map(|c| value_of(&raw[c + 1..]));
            if !matches!(value, Some(Some("" | "[]" | "~" | "null"))) {
                self.unsure = true;
            }
            return;
        }
        let indent = raw.iter().take_while(|b| **b == b' ').count();
        let rest = &raw[indent..];
        if rest.is_empty() || rest[0] == b'#' {
            return;
        }
        let after_name = std::mem::take(&mut self.after_name);
        let dash = rest == b"-" || rest.starts_with(b"- ");
        let item_indent = *self.item_indent.get_or_insert(indent);
        if std::mem::take(&mut self.after_flow) && !(dash && indent == item_indent) {
            self.unsure = true;
            return;
        }
        if rest[0] == b'\t' || indent < item_indent || (after_name && !dash && self.deeper(indent))
        {
            self.unsure = true;
            return;
        }
        if indent == item_indent && dash {
            self.close_item();
            self.item = Some((None, line_no));
            let after = &rest[1..];
            let spaces = after.iter().take_while(|b| **b == b' ').count();
            let content = &after[spaces..];
            if content.first() == Some(&b'{') {
                self.flow_item(content);
                return;
            }
            self.key_col = (!content.is_empty()).then_some(indent + 1 + spaces);
            if !content.is_empty() {
                self.key(content);
            }
            return;
        }
        if self.item.is_none() {
            self.unsure = true;
            return;
        }
        match self.key_col {
            None if indent > item_indent && !dash => {
                self.key_col = Some(indent);
                self.key(rest);
            }
            Some(col) if indent == col && !dash => self.key(rest),
            Some(col) if indent > col => {}
            _ => self.unsure = true,
        }
    }

    /// An item written as a one-line flow mapping (`- {name: a, user: {…}}`),
    /// read by the full parser on its own.
    fn flow_item(&mut self, content: &[u8]) {
        self.key_col = None;
        self.after_flow = true;
        let name = std::str::from_utf8(content)
            .ok()
            .and_then(|c| Document::parse(c).ok())
            .and_then(|doc| {
                let root = doc.root.as_ref().filter(|r| r.is_flow())?;
                let Kind::Map { .. } = root.kind else {
                    return None;
                };
                // A missing or null name is the empty name to kubectl.
                let Some(node) = doc.get(root, "name").map(|n| doc.resolve(n)) else {
                    return Some(String::new());
                };
                let Kind::Scalar { value, style } = &node.kind else {
                    return None;
                };
                let typed = *style == Style::Plain && yaml11_type(value).is_some();
                (!typed).then(|| doc.str_of(node).unwrap_or_default().to_string())
            });
        match (name, self.item.is_some()) {
            (Some(name), true) => {
                let at = self.keep_name(&name);
                if let Some(item) = self.item.as_mut() {
                    item.0 = Some(at);
                }
            }
            _ => self.unsure = true,
        }
    }

    /// Whether a line indented this much (not blank) can go unread: it sits
    /// below the items' keys, or the scan has already given up.
    pub(crate) fn skips(&mut self, indent: usize) -> bool {
        if self.unsure {
            return true;
        }
        if self.after_flow {
            return false;
        }
        if !self.deeper(indent) {
            return false;
        }
        // What follows a `name:` line more deeply indented continues the name.
        if std::mem::take(&mut self.after_name) {
            self.unsure = true;
        }
        true
    }

    fn deeper(&self, indent: usize) -> bool {
        self.key_col.is_some_and(|c| indent > c)
    }

    /// An item-level `key: value` line.
    fn key(&mut self, content: &[u8]) {
        let Some(colon) = content.iter().position(|b| *b == b':') else {
            self.unsure = true;
            return;
        };
        let key = &content[..colon];
        let plain_key = !key.is_empty()
            && key
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'/'));
        let after = &content[colon + 1..];
        if !plain_key || !(after.is_empty() || matches!(after[0], b' ' | b'\t')) {
            self.unsure = true;
            return;
        }
        if key != b"name" {
            return;
        }
        match value_of(after).and_then(name_value) {
            Some(name) => {
                let at = self.keep_name(&name);
                let line = self.line_no;
                if let Some(item) = self.item.as_mut() {
                    *item = (Some(at), line);
                }
                self.after_name = true;
            }
            None => self.unsure = true,
        }
    }

    /// Keeps a name's text (until its item closes) and says where it is.
    fn keep_name(&mut self, name: &str) -> (usize, usize) {
        let at = self.names.text.len();
        self.names.text.push_str(name);
        (at, name.len())
    }

    fn close_item(&mut self) {
        if let Some((name, line)) = self.item.take() {
            let (at, len) = name.unwrap_or((0, 0));
            self.names.names.push((at, len, line));
        }
    }

    /// The names in order, or `None` when the section needs a real parse.
    pub(crate) fn finish(mut self) -> Option<ScannedNames> {
        self.close_item();
        (!self.unsure).then_some(self.names)
    }
}

/// A one-line value after `:` with its comment cut; `None` if not UTF-8.
/// A quoted value is left whole (with any comment after it) for [`name_value`].
fn value_of(after: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(after).ok()?;
    let text = text.trim_matches([' ', '\t']);
    if text.starts_with('#') {
        return Some("");
    }
    if text.starts_with(['"', '\'']) {
        return Some(text);
    }
    let bytes = text.as_bytes();
    let cut =
        memchr::memchr_iter(b'#', bytes).find(|&i| i > 0 && matches!(bytes[i - 1], b' ' | b'\t'));
    Some(match cut {
        Some(i) => text[..i].trim_end_matches([' ', '\t']),
        None => text,
    })
}

/// The string a simple one-line name value stands for; `None` when unsure.
fn name_value(v: &str) -> Option<Cow<'_, str>> {
    if matches!(v, "" | "~" | "null" | "Null" | "NULL") {
        return Some(Cow::Borrowed(""));
    }
    if let Some(quote) = v.chars().next().filter(|c| matches!(c, '"' | '\'')) {
        let body = &v[1..];
        // The closing quote; in single quotes `''` is a quote inside.
        let mut end = None;
        let mut i = 0;
        while let Some(off) = body[i..].find(quote) {
            let at = i + off;
            if quote == '\'' && body[at + 1..].starts_with('\'') {
                i = at + 2;
                continue;
            }
            end = Some(at);
            break;
        }
        let end = end?;
        let (inner, after) = (
            &body[..end],
            body[end + 1..].trim_start_matches([' ', '\t']),
        );
        let comment_only = after.is_empty()
            || (after.starts_with('#')
                && end + 1 < body.len()
                && body[end + 1..].starts_with([' ', '\t']));
        if !comment_only || (quote == '"' && inner.contains('\\')) {
            return None;
        }
        return Some(if quote == '\'' && inner.contains("''") {
            Cow::Owned(inner.replace("''", "'"))
        } else {
            Cow::Borrowed(inner)
        });
    }
    let indicator = v.starts_with([
        '&', '*', '!', '|', '>', '%', '@', '`', '?', ',', '[', ']', '{', '}', '#', '-', ':',
    ]);
    // `: `, `:<tab>` or a final `:`.
    let mapping = memchr::memchr_iter(b':', v.as_bytes())
        .any(|i| matches!(v.as_bytes().get(i + 1), None | Some(b' ' | b'\t')));
    if indicator || mapping || yaml11_type(v).is_some() {
        return None;
    }
    Some(Cow::Borrowed(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &str) -> Option<Vec<(String, usize)>> {
        let mut s = NameScan::default();
        for (i, l) in text.split_inclusive('\n').enumerate() {
            s.line(l.as_bytes(), i + 1);
        }
        s.finish()
            .map(|v| v.iter().map(|(n, l)| (n.to_string(), l)).collect())
    }

    #[test]
    fn scans_item_names_with_their_lines() {
        let text = "users:\n- name: a\n  user:\n    exec:\n      env:\n      - name: X\n        value: y\n-   user: {}\n    name: 'it''s'  # c\n# note\n\n- name: \"q\"\n- user: {}\n";
        assert_eq!(
            scan(text),
            Some(vec![
                ("a".into(), 2),
                ("it's".into(), 9),
                ("q".into(), 12),
                (String::new(), 13)
            ])
        );
        let indented =
            "clusters:\n  - cluster:\n      server: s\n    name: c1\n  -\n    name: c2\n";
        assert_eq!(
            scan(indented),
            Some(vec![("c1".into(), 4), ("c2".into(), 6)])
        );
    }

    #[test]
    fn gives_up_on_what_it_cannot_read_for_certain() {
        for text in [
            "users: [{name: a}]\n",
            "users:\n- name: &n a\n",
            "users:\n- <<: *base\n",
            "users:\n- \"name\": a\n",
            "users:\n- name: multi\n    line\n",
            "users:\n- name: 123\n",
            "users:\n- name: \"esc\\n\"\n",
            "users:\n-\tname: a\n",
            "users:\n- - a\n",
        ] {
            assert_eq!(scan(text), None, "{text:?}");
        }
    }

    fn file(text: &str) -> ConfigFile {
        ConfigFile {
            path: "config".into(),
            text: std::sync::Arc::new(text.to_string()),
            doc: Document::parse(text).unwrap(),
            exists: true,
        }
    }

    fn edit_at(text: &str, needle: &str) -> Vec<Edit> {
        let start = text.find(needle).unwrap();
        vec![Edit {
            start,
            end: start + needle.len(),
            text: "x".into(),
        }]
    }

    #[test]
    fn an_edit_is_refused_where_a_key_is_set_twice_in_what_it_changes() {
        // A user entry with two tokens: a switch does not touch it, an edit of that user does.
        let text = "users:\n- name: u\n  user:\n    token: one\n    token: two\ncontexts:\n- name: a\ncurrent-context: a\n";
        let f = file(text);
        assert!(check_edit(&f, &edit_at(text, "current-context: a")).is_ok());
        let err = check_edit(&f, &edit_at(text, "one"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("token is set twice in one mapping, on lines 4 and 5"),
            "{err}"
        );
        // Inside contexts or at the top level, every edit is refused.
        let text = "contexts:\n- name: a\n  name: b\ncurrent-context: b\n";
        let err = check_edit(&file(text), &edit_at(text, "b\n"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("name is set twice in one mapping, on lines 2 and 3"),
            "{err}"
        );
        let text = "current-context: a\ncontexts: []\ncurrent-context: b\n";
        let err = check_edit(&file(text), &[]).unwrap_err().to_string();
        assert!(err.contains("at the top level, on lines 1 and 3"), "{err}");
    }

    #[test]
    fn yaml11_types_match_go_yaml() {
        for v in [
            "yes", "No", "on", "OFF", "y", "123", "0x1F", "1e3", "1_000", ".5", "019", "+1",
            "0o17", "0b101", ".inf", "-.Inf", "1.", "-2",
        ] {
            assert!(yaml11_type(v).is_some(), "{v}");
        }
        for v in [
            "1.2.3",
            "1:20",
            "_1",
            "2024-01-01",
            "yess",
            "prod",
            "e3",
            "1e",
            "0x",
            ".",
            "-",
        ] {
            assert_eq!(yaml11_type(v), None, "{v}");
        }
    }
}
