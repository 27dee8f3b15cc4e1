//! Building the span-carrying tree from saphyr's events, where saphyr and
//! kubectl's YAML reader (go-yaml) disagree on what is valid: a tab after a
//! key's `:` (kubectl reads it) and a tab after a list item's `-` (kubectl
//! refuses it).

use saphyr_parser::{Event, Parser, ScalarStyle};

use super::{Kind, Node, Style, SyntaxError};

/// The root of the first document (if any) and every anchored node.
type Parsed = (Option<Node>, Vec<(usize, Node)>);

/// Parses `text` with saphyr into the root of its first document and its anchors.
pub(super) fn parse(text: &str) -> Result<Parsed, SyntaxError> {
    // saphyr refuses a tab between `:` and a value on its line (`key:\tvalue`),
    // which YAML allows and kubectl reads. Where it does, that tab separates a
    // key from its value, so a space means the same and keeps every offset.
    let mut patched: Option<String> = None;
    for _ in 0..MAX_TAB_FIXES {
        let current = patched.as_deref().unwrap_or(text);
        match parse_events(current) {
            Err((e, Some(at))) => {
                let mut fixed = current.as_bytes().to_vec();
                if !space_tabs_before(&mut fixed, CharOffsets::new(current).byte(at)) {
                    return Err(e);
                }
                patched = Some(String::from_utf8(fixed).expect("tabs became spaces"));
            }
            other => return other.map_err(|(e, _)| e),
        }
    }
    parse_events(patched.as_deref().unwrap_or(text)).map_err(|(e, _)| e)
}

/// One parse; an error caused by a tab after `:` also gives its character index.
fn parse_events(text: &str) -> Result<Parsed, (SyntaxError, Option<usize>)> {
    let offsets = CharOffsets::new(text);
    let mut builder = Builder {
        text,
        offsets: &offsets,
        anchors: Vec::new(),
    };
    let mut parser = Parser::new_from_str(text);
    let mut root = None;
    let mut documents = 0;
    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(scan_error)?;
        match event {
            // kubectl reads the first document only, and never looks further:
            // a broken second document is not an error to it.
            Event::StreamEnd | Event::DocumentEnd => break,
            Event::DocumentStart(_) => documents += 1,
            Event::StreamStart | Event::Nothing => {}
            other => {
                let node =
                    builder.node(other, span.start.index(), span.end.index(), &mut parser)?;
                if documents <= 1 {
                    root = Some(node);
                }
            }
        }
    }
    Ok((root, builder.anchors))
}

/// How many `key:<tab>value` lines one parse may fix (each costs a parse).
const MAX_TAB_FIXES: usize = 256;

fn scan_error(e: saphyr_parser::ScanError) -> (SyntaxError, Option<usize>) {
    let tab_after_colon = e.info() == "':' must be followed by a valid YAML whitespace";
    (
        SyntaxError {
            line: e.marker().line(),
            col: e.marker().col() + 1,
            message: e.info().to_string(),
        },
        tab_after_colon.then(|| e.marker().index()),
    )
}

/// Turns the tabs between a `:` and the value at byte `at` into spaces; false
/// when no `:` precedes them.
fn space_tabs_before(text: &mut [u8], at: usize) -> bool {
    let mut i = at.min(text.len());
    while i > 0 && matches!(text[i - 1], b'\t' | b' ') {
        i -= 1;
    }
    if i == 0 || text[i - 1] != b':' || !text[i..at].contains(&b'\t') {
        return false;
    }
    for b in &mut text[i..at] {
        if *b == b'\t' {
            *b = b' ';
        }
    }
    true
}

/// Where a block scalar (`|` or `>` at `start`) ends: after its last content
/// line. The parser's span runs on over trailing blank and comment lines, up to
/// the next token, which an edit must not swallow.
fn block_scalar_end(text: &str, start: usize) -> usize {
    let Some(header_end) = text[start..].find('\n').map(|i| start + i) else {
        return text.len();
    };
    let mut end = header_end;
    let mut indent = None;
    let mut pos = header_end + 1;
    while pos < text.len() {
        let line_end = text[pos..]
            .find('\n')
            .map(|i| pos + i)
            .unwrap_or(text.len());
        let line = text[pos..line_end].trim_end_matches('\r');
        let spaces = line.len() - line.trim_start_matches(' ').len();
        if !line.trim().is_empty() {
            let content = *indent.get_or_insert(spaces);
            if spaces < content || spaces == 0 {
                break;
            }
            end = pos + line.len();
        }
        pos = line_end + 1;
    }
    end
}

/// The next event inside a collection; the input ending there is an error.
fn next_event<'i>(
    parser: &mut Parser<'i, impl saphyr_parser::Input>,
) -> Result<(Event<'i>, saphyr_parser::Span), (SyntaxError, Option<usize>)> {
    match parser.next_event() {
        Some(Ok(pair)) => Ok(pair),
        Some(Err(e)) => Err(scan_error(e)),
        None => Err((
            SyntaxError {
                line: 0,
                col: 0,
                message: "unexpected end of input".into(),
            },
            None,
        )),
    }
}

/// Maps the parser's character indices to byte offsets.
struct CharOffsets {
    /// Empty when the text is ASCII, where both are equal.
    bytes: Vec<usize>,
    len: usize,
}

impl CharOffsets {
    fn new(text: &str) -> CharOffsets {
        let bytes = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices().map(|(b, _)| b).collect()
        };
        CharOffsets {
            bytes,
            len: text.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.bytes.is_empty() {
            char_index.min(self.len)
        } else {
            self.bytes.get(char_index).copied().unwrap_or(self.len)
        }
    }
}

struct Builder<'t> {
    text: &'t str,
    offsets: &'t CharOffsets,
    anchors: Vec<(usize, Node)>,
}

impl Builder<'_> {
    fn node(
        &mut self,
        event: Event<'_>,
        start: usize,
        end: usize,
        parser: &mut Parser<'_, impl saphyr_parser::Input>,
    ) -> Result<Node, (SyntaxError, Option<usize>)> {
        let start = self.offsets.byte(start);
        let end = self.offsets.byte(end);
        let node = match event {
            Event::Scalar(value, style, anchor, _) => {
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted => Style::SingleQuoted,
                    ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
                    _ => Style::Block,
                };
                let (start, end) = self.scalar_extent(start, end, style);
                Node {
                    kind: Kind::Scalar {
                        value: value.into_owned(),
                        style,
                    },
                    start,
                    end,
                    anchor,
                }
            }
            Event::Alias(id) => Node {
                kind: Kind::Alias(id),
                start,
                end,
                anchor: 0,
            },
            Event::MappingStart(anchor, _) => self.collection(true, anchor, start, end, parser)?,
            Event::SequenceStart(anchor, _) => {
                self.collection(false, anchor, start, end, parser)?
            }
            _ => Node::plain(String::new(), start, start),
        };
        if node.anchor != 0 {
            self.anchors.push((node.anchor, node.clone()));
        }
        Ok(node)
    }

    /// A mapping or sequence whose start event spans `start..end` (byte
    /// offsets): its children, read up to its end event.
    fn collection(
        &mut self,
        is_map: bool,
        anchor: usize,
        start: usize,
        end: usize,
        parser: &mut Parser<'_, impl saphyr_parser::Input>,
    ) -> Result<Node, (SyntaxError, Option<usize>)> {
        let open = if is_map { b'{' } else { b'[' };
        // The span may begin at an anchor or tag; the flow indicator follows it.
        let flow_start = self.text.as_bytes()[start..end.max(start)]
            .iter()
            .position(|b| *b == open)
            .map(|p| start + p);
        let flow = flow_start.is_some();
        let own_start = flow_start.unwrap_or(start);
        let mut children = Vec::new();
        let close_end = loop {
            let (ev, span) = next_event(parser)?;
            if matches!(ev, Event::MappingEnd | Event::SequenceEnd) {
                break self.offsets.byte(span.end.index());
            }
            let child = self.node(ev, span.start.index(), span.end.index(), parser)?;
            children.push(child);
        };
        let node_end = if flow {
            close_end
        } else {
            children.last().map(|c| c.end).unwrap_or(own_start)
        };
        let kind = if is_map {
            let mut entries = Vec::with_capacity(children.len() / 2);
            let mut it = children.into_iter();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                entries.push((k, v));
            }
            Kind::Map { entries, flow }
        } else {
            if !flow {
                self.no_tab_after_dash(&children)?;
            }
            Kind::Seq {
                items: children,
                flow,
            }
        };
        Ok(Node {
            kind,
            start: own_start,
            end: node_end,
            anchor,
        })
    }

    /// kubectl's YAML reader refuses a tab between a block item's `-` and the
    /// item on its line; saphyr takes it, so the refusal is made here.
    fn no_tab_after_dash(&self, items: &[Node]) -> Result<(), (SyntaxError, Option<usize>)> {
        let bytes = self.text.as_bytes();
        for item in items {
            let start = item.start.min(bytes.len());
            let mut i = start;
            while i > 0 && matches!(bytes[i - 1], b' ' | b'\t' | b'\r' | b'\n') {
                i -= 1;
            }
            if i == 0 || bytes[i - 1] != b'-' {
                continue;
            }
            // The rest of the dash's line, up to the item when it is on that line.
            let rest = &bytes[i..start];
            let rest = &rest[..memchr::memchr(b'\n', rest).unwrap_or(rest.len())];
            if let Some(tab) = rest.iter().position(|b| *b == b'\t') {
                let at = i + tab;
                let line_start = bytes[..at]
                    .iter()
                    .rposition(|b| *b == b'\n')
                    .map_or(0, |p| p + 1);
                let line = 1 + bytes[..at].iter().filter(|b| **b == b'\n').count();
                let message = "a tab after a list item's '-', which kubectl refuses; use a space";
                return Err((
                    SyntaxError {
                        line,
                        col: self.text[line_start..at].chars().count() + 1,
                        message: message.into(),
                    },
                    None,
                ));
            }
        }
        Ok(())
    }

    /// The parser's scalar spans can run past the scalar (into a trailing comment),
    /// so quoted scalars are measured here from their opening quote.
    fn scalar_extent(&self, start: usize, end: usize, style: Style) -> (usize, usize) {
        let bytes = self.text.as_bytes();
        match style {
            Style::DoubleQuoted | Style::SingleQuoted => {
                let quote = if style == Style::DoubleQuoted {
                    b'"'
                } else {
                    b'\''
                };
                let Some(open) = bytes[start..].iter().position(|b| *b == quote) else {
                    return (start, end);
                };
                let open = start + open;
                let mut i = open + 1;
                while i < bytes.len() {
                    let b = bytes[i];
                    if quote == b'"' && b == b'\\' {
                        i += 2;
                        continue;
                    }
                    if b == quote {
                        if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                            i += 2;
                            continue;
                        }
                        return (open, i + 1);
                    }
                    i += 1;
                }
                (open, end)
            }
            Style::Plain if start == end && bytes.get(start) == Some(&b':') => {
                // An empty value is reported at its key's colon; place it after.
                (start + 1, start + 1)
            }
            Style::Plain => {
                let text = &self.text[start..end.max(start)];
                let trimmed = text.trim_end();
                (start, start + trimmed.len())
            }
            Style::Block => (start, block_scalar_end(&self.text[..end.max(start)], start)),
        }
    }
}
