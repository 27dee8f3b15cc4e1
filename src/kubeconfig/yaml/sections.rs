//! Large block-style files, split at their top-level keys: small sections are
//! parsed at once, large ones (a kubeconfig's `clusters` and `users`) kept as
//! text and parsed on first read, so a command that reads only `contexts`
//! never pays for the rest.

use super::{Document, Kind, Node, SyntaxError, simple};
use crate::kubeconfig::peek::{self, Cut};

/// A top-level section kept as text until first read.
#[derive(Debug, Clone)]
pub(super) struct LazySection {
    pub(super) key: String,
    /// Byte offset of the section (its key line) in the file.
    pub(super) offset: usize,
    /// Lines before the section, to report absolute line numbers.
    pub(super) line: usize,
    pub(super) text: String,
    pub(super) value: std::sync::OnceLock<Result<Node, SyntaxError>>,
}

/// Sections at least this large are parsed on demand.
pub(super) const LAZY_SECTION_BYTES: usize = 64 * 1024;

impl Document {
    /// A document made of some top-level sections cut out of a file (see
    /// `peek`); each is parsed when first read, and other keys are absent.
    pub(crate) fn from_cuts(cuts: Vec<Cut>) -> Document {
        let mut entries = Vec::with_capacity(cuts.len());
        let mut lazy = Vec::with_capacity(cuts.len());
        for cut in cuts {
            let key = plain_key(&cut.key, cut.offset);
            let value = defer(
                &mut lazy,
                LazySection {
                    key: cut.key,
                    offset: cut.offset,
                    line: cut.line,
                    text: cut.text,
                    value: std::sync::OnceLock::new(),
                },
            );
            entries.push((key, value));
        }
        Document::top_level(entries, lazy)
    }

    pub(super) fn from_sections(
        text: &str,
        sections: &[(usize, usize, usize, usize)],
    ) -> Result<Option<Document>, SyntaxError> {
        let mut entries = Vec::with_capacity(sections.len());
        let mut lazy = Vec::new();
        for &(start, colon, end, line) in sections {
            let key = plain_key(&text[start..colon], start);
            let value = if end - start >= LAZY_SECTION_BYTES {
                defer(
                    &mut lazy,
                    LazySection {
                        key: text[start..colon].to_string(),
                        offset: start,
                        line,
                        text: text[start..end].to_string(),
                        value: std::sync::OnceLock::new(),
                    },
                )
            } else {
                match parse_section(&text[start..end], start, line, &text[start..colon]) {
                    Ok(Some(node)) => node,
                    Ok(None) => return Ok(None),
                    Err(e) => return Err(e),
                }
            };
            entries.push((key, value));
        }
        Ok(Some(Document::top_level(entries, lazy)))
    }

    /// The root mapping of a document assembled from top-level sections.
    fn top_level(entries: Vec<(Node, Node)>, lazy: Vec<LazySection>) -> Document {
        let start = entries.first().map(|(k, _)| k.start).unwrap_or(0);
        let end = entries.last().map(|(_, v)| v.end).unwrap_or(start);
        Document {
            root: Some(Node::block_map(entries, start, end)),
            anchors: Vec::new(),
            lazy,
        }
    }
}

/// A top-level key at byte `start`.
fn plain_key(key: &str, start: usize) -> Node {
    Node::plain(key.to_string(), start, start + key.len())
}

/// Keeps a section to parse on first read; returns the node that stands for it.
fn defer(lazy: &mut Vec<LazySection>, section: LazySection) -> Node {
    let node = Node {
        kind: Kind::Lazy(lazy.len()),
        start: section.offset + section.key.len() + 1,
        end: section.offset + section.text.trim_end().len(),
        anchor: 0,
    };
    lazy.push(section);
    node
}

impl LazySection {
    pub(super) fn get(&self) -> &Result<Node, SyntaxError> {
        self.value.get_or_init(|| {
            match parse_section(&self.text, self.offset, self.line, &self.key) {
                Ok(Some(node)) => Ok(node),
                Ok(None) => Err(SyntaxError {
                    line: self.line + 1,
                    col: 1,
                    message: format!("unexpected structure in the {:?} section", self.key),
                }),
                Err(e) => Err(e),
            }
        })
    }
}

/// Parses one `key: value` section cut from a file at `offset`; returns its value
/// with offsets into the whole file, or `None` if it is not exactly that one entry.
fn parse_section(
    text: &str,
    offset: usize,
    line: usize,
    key: &str,
) -> Result<Option<Node>, SyntaxError> {
    if let Some(Node {
        kind: Kind::Map { mut entries, .. },
        ..
    }) = simple::parse(text, offset)
        && entries.len() == 1
        && entries[0].0.as_str() == Some(key)
    {
        return Ok(entries.pop().map(|(_, v)| v));
    }
    // Positions inside the section are made absolute for error messages.
    let doc = Document::parse_full(text).map_err(|mut e| {
        e.line += line;
        e
    })?;
    if !doc.anchors.is_empty() {
        return Ok(None);
    }
    let Some(Node {
        kind: Kind::Map { mut entries, .. },
        ..
    }) = doc.root
    else {
        return Ok(None);
    };
    if entries.len() != 1 || entries[0].0.as_str() != Some(key) {
        return Ok(None);
    }
    let (_, mut value) = entries.pop().expect("one entry");
    shift(&mut value, offset);
    Ok(Some(value))
}

fn shift(node: &mut Node, by: usize) {
    node.start += by;
    node.end += by;
    match &mut node.kind {
        Kind::Map { entries, .. } => {
            for (k, v) in entries {
                shift(k, by);
                shift(v, by);
            }
        }
        Kind::Seq { items, .. } => {
            for item in items {
                shift(item, by);
            }
        }
        _ => {}
    }
}

/// Splits a block-style file at its top-level keys: `(key start, colon, section end)`.
/// Returns `None` for anything unusual (flow style, anchors, multi-line values on
/// a key's line, several documents), which then gets a full parse.
pub(super) fn split_top_level(text: &str) -> Option<Vec<(usize, usize, usize, usize)>> {
    let bytes = text.as_bytes();
    // Anchors and aliases can cross sections.
    if memchr::memchr2(b'&', b'*', bytes).is_some() {
        return None;
    }
    let mut sections: Vec<(usize, usize, usize, usize)> = Vec::new();
    let mut keys = std::collections::HashSet::new();
    let mut pos = 0;
    let mut line_no = 0;
    while pos < bytes.len() {
        let line_end = memchr::memchr(b'\n', &bytes[pos..])
            .map(|i| pos + i + 1)
            .unwrap_or(bytes.len());
        match bytes[pos] {
            b' ' | b'\n' | b'\r' | b'#' => {}
            b'-' if bytes[pos..].starts_with(b"---") => {
                if !sections.is_empty() {
                    return None;
                }
            }
            b'-' => {
                // A block sequence item at column 0 belongs to the key above it.
                if sections.is_empty() {
                    return None;
                }
            }
            c if c.is_ascii_alphanumeric() || c == b'_' => {
                let key = peek::key_of(&bytes[pos..line_end])?;
                if !keys.insert(key) {
                    return None;
                }
                let colon = key.len();
                if let Some(last) = sections.last_mut() {
                    last.2 = pos;
                }
                sections.push((pos, pos + colon, bytes.len(), line_no));
            }
            _ => return None,
        }
        pos = line_end;
        line_no += 1;
    }
    if sections.is_empty() {
        None
    } else {
        Some(sections)
    }
}
