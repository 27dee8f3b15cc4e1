//! Large block-style files, split at their top-level keys: small sections are
//! parsed at once, large ones (a kubeconfig's `clusters` and `users`) kept as
//! text and parsed on first read, so a command that reads only `contexts`
//! never pays for the rest.
//!
//! A section holding an anchor or an alias is always deferred and read by the
//! full parser, with its anchors: an anchor in a section nobody reads costs
//! nothing. An alias naming an anchor of an earlier section is read by parsing
//! the file up to the end of its own section, which holds every anchor it can
//! name.

use std::sync::{Arc, OnceLock};

use super::listing::{self, Items, Listing};
use super::{Document, Kind, Node, SyntaxError, build, simple};
use crate::kubeconfig::peek::{self, Cut};

/// A parsed section: its value and the anchors defined in it.
pub(super) type Parsed = (Node, Vec<(usize, Node)>);

/// A top-level section kept as text until first read.
#[derive(Debug, Clone)]
pub(super) struct LazySection {
    pub(super) key: String,
    /// Byte offset of the section (its key line) in the file.
    pub(super) offset: usize,
    /// Lines before the section, to report absolute line numbers.
    pub(super) line: usize,
    /// The file's text (shared, not copied), or the section's own when cut.
    src: Arc<String>,
    /// Where the section starts in `src`, and its length.
    at: usize,
    len: usize,
    /// Anchor ids of this section are moved into a range of their own.
    id_base: usize,
    pub(super) value: OnceLock<Result<Parsed, SyntaxError>>,
    /// Its items as a list shows them, read without building the tree.
    listed: OnceLock<Option<Listing>>,
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
            let len = cut.text.len();
            let value = defer(
                &mut lazy,
                LazySection {
                    key: cut.key,
                    offset: cut.offset,
                    line: cut.line,
                    src: Arc::new(cut.text),
                    at: 0,
                    len,
                    id_base: 0,
                    value: OnceLock::new(),
                    listed: OnceLock::new(),
                },
            );
            entries.push((key, value));
        }
        Document::top_level(entries, lazy)
    }

    pub(super) fn from_sections(
        text: Arc<String>,
        sections: &[(usize, usize, usize, usize)],
    ) -> Result<Option<Document>, SyntaxError> {
        let mut entries = Vec::with_capacity(sections.len());
        let mut lazy = Vec::new();
        for &(start, colon, end, line) in sections {
            let key = plain_key(&text[start..colon], start);
            let anchored = memchr::memchr2(b'&', b'*', &text.as_bytes()[start..end]).is_some();
            let value = if anchored || end - start >= LAZY_SECTION_BYTES {
                defer(
                    &mut lazy,
                    LazySection {
                        key: text[start..colon].to_string(),
                        offset: start,
                        line,
                        src: Arc::clone(&text),
                        at: start,
                        len: end - start,
                        id_base: 0,
                        value: OnceLock::new(),
                        listed: OnceLock::new(),
                    },
                )
            } else {
                match parse_section(&text[start..end], start, line, &text[start..colon]) {
                    Ok(Some((node, _))) => node,
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
fn defer(lazy: &mut Vec<LazySection>, mut section: LazySection) -> Node {
    let node = Node {
        kind: Kind::Lazy(lazy.len()),
        start: section.offset + section.key.len() + 1,
        end: section.offset + section.text().trim_end().len(),
        anchor: 0,
    };
    // Each parser numbers its anchors from 1; a section's own range keeps
    // them apart from the other sections' (and from a full parse's).
    section.id_base = (lazy.len() + 1) << 32;
    lazy.push(section);
    node
}

impl LazySection {
    pub(super) fn text(&self) -> &str {
        &self.src[self.at..self.at + self.len]
    }

    pub(super) fn get(&self) -> &Result<Parsed, SyntaxError> {
        self.value.get_or_init(|| {
            let parsed = match parse_section(self.text(), self.offset, self.line, &self.key) {
                // An alias to an anchor of an earlier section: read the file up
                // to here (a section cut out of a file has no earlier part).
                Err(e) if e.message.contains("unknown anchor") && self.at == self.offset => {
                    self.parse_prefix()
                }
                other => other,
            };
            match parsed {
                Ok(Some((mut node, anchors))) => {
                    renumber(&mut node, self.id_base);
                    let anchors = anchors
                        .into_iter()
                        .map(|(id, mut n)| {
                            renumber(&mut n, self.id_base);
                            (id + self.id_base, n)
                        })
                        .collect();
                    Ok((node, anchors))
                }
                Ok(None) => Err(SyntaxError {
                    line: self.line + 1,
                    col: 1,
                    message: format!("unexpected structure in the {:?} section", self.key),
                }),
                Err(e) => Err(e),
            }
        })
    }

    /// The items of a section not parsed yet, read from its text without a
    /// tree (named ones only, as `Kubeconfig::named` keeps); `None` when the
    /// section is parsed already or is not a plain block list (then read its tree).
    pub(super) fn listed(&self) -> Option<Items<'_>> {
        if self.value.get().is_some() {
            return None;
        }
        let listing = self
            .listed
            .get_or_init(|| listing::read(self.text(), &self.key));
        listing.as_ref().map(|l| Items::new(self.text(), l))
    }

    /// The section's value from a full parse of the file up to its end, with
    /// every anchor defined so far (offsets are the file's already).
    fn parse_prefix(&self) -> Result<Option<Parsed>, SyntaxError> {
        let (root, anchors) = build::parse(&self.src[..self.at + self.len])?;
        let Some(Node {
            kind: Kind::Map { mut entries, .. },
            ..
        }) = root
        else {
            return Ok(None);
        };
        match entries.pop() {
            Some((k, v)) if k.as_str() == Some(&self.key) => Ok(Some((v, anchors))),
            _ => Ok(None),
        }
    }
}

/// Moves a parsed section's anchor and alias ids into its own range.
fn renumber(node: &mut Node, base: usize) {
    if node.anchor != 0 {
        node.anchor += base;
    }
    match &mut node.kind {
        Kind::Alias(id) => *id += base,
        Kind::Map { entries, .. } => {
            for (k, v) in entries {
                renumber(k, base);
                renumber(v, base);
            }
        }
        Kind::Seq { items, .. } => items.iter_mut().for_each(|i| renumber(i, base)),
        _ => {}
    }
}

/// Parses one `key: value` section cut from a file at `offset`; returns its value
/// with offsets into the whole file, or `None` if it is not exactly that one entry.
fn parse_section(
    text: &str,
    offset: usize,
    line: usize,
    key: &str,
) -> Result<Option<Parsed>, SyntaxError> {
    if let Some(Node {
        kind: Kind::Map { mut entries, .. },
        ..
    }) = simple::parse(text, offset)
        && entries.len() == 1
        && entries[0].0.as_str() == Some(key)
    {
        return Ok(entries.pop().map(|(_, v)| (v, Vec::new())));
    }
    // Positions inside the section are made absolute for error messages.
    let mut doc = Document::parse_full(text).map_err(|mut e| {
        e.line += line;
        e
    })?;
    for (_, anchored) in &mut doc.anchors {
        shift(anchored, offset);
    }
    let anchors = std::mem::take(&mut doc.anchors);
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
    Ok(Some((value, anchors)))
}

pub(super) fn shift(node: &mut Node, by: usize) {
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
/// Returns `None` for anything unusual (flow style or a multi-line value on a
/// key's line, several documents), which then gets a full parse.
pub(super) fn split_top_level(text: &str) -> Option<Vec<(usize, usize, usize, usize)>> {
    let bytes = text.as_bytes();
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
