//! A strict, fast reader for the plain block-style YAML that kubeconfigs are
//! made of: `key: value` mappings, `- ` sequences, plain or simply quoted
//! one-line scalars, comments and one-line flow collections (those with
//! content go to the full parser one at a time). It builds the same
//! [`Node`] tree (with the same spans) as the full parser, and gives up on
//! anything else (anchors, tags, flow collections over several lines, multi-line
//! or escaped scalars, tabs in indentation, repeated keys), which the full
//! YAML parser then reads. A tab may separate a value from its `:`.

use std::borrow::Cow;

use super::{Kind, Node, Style};

/// Parses `text` (a slice starting at `offset` in the file); `None` means
/// "not in the simple subset".
pub(crate) fn parse(text: &str, offset: usize) -> Option<Node> {
    let lines = lines(text)?;
    if lines.is_empty() {
        return None;
    }
    let mut pos = 0;
    let node = block(&lines, &mut pos, lines[0].indent, offset)?;
    (pos == lines.len()).then_some(node)
}

/// One content line: its indentation, whether it opens a sequence item, and
/// the byte range of what follows the indentation (and the `- `).
pub(super) struct Line<'t> {
    pub(super) indent: usize,
    pub(super) dash: bool,
    /// Byte offset (in the slice) of the content after indentation and dash.
    start: usize,
    /// Column of that content.
    pub(super) column: usize,
    pub(super) content: &'t str,
}

fn lines(text: &str) -> Option<Vec<Line<'_>>> {
    // Sized once: a large section has thousands of lines.
    let mut out = Vec::with_capacity(memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1);
    for line in Lines::new(text) {
        out.push(line?);
    }
    Some(out)
}

/// The content lines of a text one at a time (blank and comment lines left
/// out); an item `None` means the text leaves the subset there.
pub(super) struct Lines<'t> {
    text: &'t str,
    pos: usize,
}

impl<'t> Lines<'t> {
    pub(super) fn new(text: &'t str) -> Lines<'t> {
        Lines { text, pos: 0 }
    }
}

impl<'t> Iterator for Lines<'t> {
    type Item = Option<Line<'t>>;

    fn next(&mut self) -> Option<Option<Line<'t>>> {
        let text = self.text;
        let bytes = text.as_bytes();
        while self.pos < bytes.len() {
            let pos = self.pos;
            let end = memchr::memchr(b'\n', &bytes[pos..])
                .map(|i| pos + i)
                .unwrap_or(bytes.len());
            self.pos = end + 1;
            let raw = &text[pos..end];
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            let indent = raw.len() - raw.trim_start_matches(' ').len();
            let rest = &raw[indent..];
            if rest.starts_with('\t') {
                return Some(None);
            }
            if rest.is_empty() || rest.starts_with('#') {
                continue;
            }
            return Some(line(pos, indent, rest));
        }
        None
    }
}

/// The content line at byte `pos` whose content after `indent` spaces is `rest`.
fn line(pos: usize, indent: usize, rest: &str) -> Option<Line<'_>> {
    if rest == "---" || rest == "..." || rest.starts_with("--- ") {
        return None;
    }
    if let Some(after) = rest
        .strip_prefix("- ")
        .or_else(|| (rest == "-").then_some(""))
    {
        let inner = after.len() - after.trim_start_matches(' ').len();
        if after[inner..].starts_with('\t') {
            // kubectl refuses a tab after `-`; the full parser says where.
            return None;
        }
        let column = indent + (rest.len() - after.len()) + inner;
        Some(Line {
            indent,
            dash: true,
            start: pos + column,
            column,
            content: &after[inner..],
        })
    } else {
        Some(Line {
            indent,
            dash: false,
            start: pos + indent,
            column: indent,
            content: rest,
        })
    }
}

/// Reads the block (mapping or sequence) whose lines sit at `indent`.
fn block(lines: &[Line], pos: &mut usize, indent: usize, offset: usize) -> Option<Node> {
    let first = lines.get(*pos)?;
    if first.dash {
        sequence(lines, pos, indent, offset, false)
    } else {
        mapping(lines, pos, indent, offset, false)
    }
}

fn sequence(
    lines: &[Line],
    pos: &mut usize,
    indent: usize,
    offset: usize,
    indentless: bool,
) -> Option<Node> {
    let start = sequence_start(&lines[*pos], offset, indentless);
    let mut items = Vec::new();
    let end = sequence_items(lines, pos, indent, offset, &mut |item| items.push(item))?;
    Some(Node {
        kind: Kind::Seq { items, flow: false },
        start,
        end,
        anchor: 0,
    })
}

/// Where the full parser starts a sequence: at its first `-`, or, for a
/// sequence at its key's own column, at the first item's content.
fn sequence_start(first: &Line, offset: usize, indentless: bool) -> usize {
    if indentless {
        offset + first.start
    } else {
        offset + first.start - (first.column - first.indent)
    }
}

/// Reads the items of a block sequence at `indent`, handing each to `each`;
/// returns where the last one ends (`None` for none, or outside the subset).
fn sequence_items(
    lines: &[Line],
    pos: &mut usize,
    indent: usize,
    offset: usize,
    each: &mut dyn FnMut(Node),
) -> Option<usize> {
    let mut end = None;
    while let Some(line) = lines.get(*pos) {
        if line.indent != indent || !line.dash {
            break;
        }
        if line.content.is_empty() {
            return None;
        }
        let item = if split_key(line.content).is_some() {
            mapping(lines, pos, line.column, offset, true)?
        } else {
            let node = scalar(line.content, offset + line.start)?;
            *pos += 1;
            node
        };
        end = Some(item.end);
        each(item);
    }
    end
}

/// Reads `key: value` lines at `column`. The first line may be a `- ` item line
/// (`in_item` is then set), whose content starts the mapping.
fn mapping(
    lines: &[Line],
    pos: &mut usize,
    column: usize,
    offset: usize,
    in_item: bool,
) -> Option<Node> {
    let mut entries: Vec<(Node, Node)> = Vec::new();
    let mut first = true;
    while let Some(line) = lines.get(*pos) {
        // An item's mapping starts on its `- ` line; later keys stand alone.
        let at_column = if first && in_item {
            true
        } else {
            !line.dash && line.indent == column
        };
        if !at_column {
            if line.indent > column {
                return None;
            }
            break;
        }
        first = false;
        let (key_text, rest, rest_at) = split_key(line.content)?;
        let key_start = offset + line.start;
        let key = Node::plain(key_text.to_string(), key_start, key_start + key_text.len());
        if entries.iter().any(|(k, _)| k.as_str() == Some(key_text)) {
            return None;
        }
        *pos += 1;
        let value_text = strip_comment(rest);
        let value = if value_text.is_empty() {
            nested(lines, pos, column, offset, key.end)?
        } else {
            let value_start =
                key_start + rest_at + (rest.len() - rest.trim_start_matches(BLANK).len());
            scalar(value_text, value_start)?
        };
        entries.push((key, value));
    }
    let start = entries.first()?.0.start;
    let end = entries.last()?.1.end.max(entries.last()?.0.end);
    Some(Node::block_map(entries, start, end))
}

/// The value of a `key:` with nothing after it on its line (the key ends at
/// `key_end`, its colon follows): a nested block on the following lines, or null.
fn nested(
    lines: &[Line],
    pos: &mut usize,
    column: usize,
    offset: usize,
    key_end: usize,
) -> Option<Node> {
    match lines.get(*pos) {
        Some(next) if next.dash && next.indent >= column => {
            sequence(lines, pos, next.indent, offset, next.indent == column)
        }
        Some(next) if !next.dash && next.indent > column => {
            mapping(lines, pos, next.indent, offset, false)
        }
        _ => {
            // `key:` with nothing: an empty plain scalar after the colon.
            let at = key_end + 1;
            Some(Node::plain(String::new(), at, at))
        }
    }
}

/// `key: rest` → (key, rest, offset of rest in content). Keys are plain words.
pub(super) fn split_key(content: &str) -> Option<(&str, &str, usize)> {
    let colon = memchr::memchr(b':', content.as_bytes())?;
    let key = &content[..colon];
    if key.is_empty()
        || !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'))
    {
        return None;
    }
    let rest = &content[colon + 1..];
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    Some((key, rest, colon + 1))
}

/// Spaces and tabs: YAML's separation whitespace (not Unicode's).
const BLANK: [char; 2] = [' ', '\t'];

/// Cuts a trailing ` # comment`, outside quotes; trims spaces and tabs.
pub(super) fn strip_comment(rest: &str) -> &str {
    let trimmed = rest.trim_start_matches(BLANK);
    let bytes = trimmed.as_bytes();
    let mut quote = None;
    for (i, b) in bytes.iter().enumerate() {
        match (quote, *b) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') if i == 0 => quote = Some(*b),
            (None, b'#') if i > 0 && matches!(bytes[i - 1], b' ' | b'\t') => {
                return trimmed[..i].trim_end_matches(BLANK);
            }
            _ => {}
        }
    }
    if trimmed.starts_with('#') {
        return "";
    }
    trimmed.trim_end_matches(BLANK)
}

/// A one-line scalar at byte `start`.
fn scalar(text: &str, start: usize) -> Option<Node> {
    let (value, style) = match scalar_ref(text, start)? {
        Scalar::Str(value, style) => (value.into_owned(), style),
        Scalar::Node(node) => return Some(node),
    };
    Some(Node {
        kind: Kind::Scalar { value, style },
        start,
        end: start + text.len(),
        anchor: 0,
    })
}

/// A one-line value as [`scalar`] reads it, its string borrowed from the text
/// where it can be: what a listing keeps without building a node.
pub(super) enum Scalar<'t> {
    Str(Cow<'t, str>, Style),
    /// A flow collection (`{}`, `[]` or one that closes on its line).
    Node(Node),
}

/// [`scalar`]'s reading of `text`, at byte `start`; `None` outside the subset.
pub(super) fn scalar_ref(text: &str, start: usize) -> Option<Scalar<'_>> {
    let first = text.as_bytes().first()?;
    Some(match first {
        b'"' => {
            let inner = text.strip_prefix('"')?.strip_suffix('"')?;
            if memchr::memchr2(b'"', b'\\', inner.as_bytes()).is_some() {
                return None;
            }
            Scalar::Str(Cow::Borrowed(inner), Style::DoubleQuoted)
        }
        b'\'' => {
            let inner = text.strip_prefix('\'')?.strip_suffix('\'')?;
            if memchr::memchr(b'\'', inner.as_bytes()).is_none() {
                Scalar::Str(Cow::Borrowed(inner), Style::SingleQuoted)
            } else if inner.replace("''", "").contains('\'') {
                return None;
            } else {
                Scalar::Str(Cow::Owned(inner.replace("''", "'")), Style::SingleQuoted)
            }
        }
        b'{' | b'[' => {
            let kind = match text {
                "{}" => Kind::Map {
                    entries: Vec::new(),
                    flow: true,
                },
                "[]" => Kind::Seq {
                    items: Vec::new(),
                    flow: true,
                },
                _ => return flow(text, start).map(Scalar::Node),
            };
            Scalar::Node(Node {
                kind,
                start,
                end: start + 2,
                anchor: 0,
            })
        }
        b'&' | b'*' | b'!' | b'|' | b'>' | b'%' | b'@' | b'`' | b'?' | b',' | b']' | b'}'
        | b'#' => return None,
        b'-' if text == "-" || text.starts_with("- ") => return None,
        _ => {
            if opens_mapping_or_comment(text.as_bytes()) {
                return None;
            }
            Scalar::Str(Cow::Borrowed(text), Style::Plain)
        }
    })
}

/// A flow collection that opens and closes on its line (`{name: a, context:
/// {…}}`), read by the full parser alone: a few such entries in a large file
/// cost a few small parses, not a parse of their whole section.
fn flow(text: &str, start: usize) -> Option<Node> {
    let bytes = text.as_bytes();
    if !crate::kubeconfig::peek::balanced(bytes)
        || memchr::memchr3(b'&', b'*', b'!', bytes).is_some()
    {
        return None;
    }
    let (Some(mut node), anchors) = super::build::parse(text).ok()? else {
        return None;
    };
    if !anchors.is_empty() || !node.is_flow() || node.start != 0 || node.end != text.len() {
        return None;
    }
    super::sections::shift(&mut node, start);
    Some(node)
}

/// Whether a plain scalar holds `: ` or ends in `:` (a mapping) or holds ` #`
/// (a comment): one pass, as this runs for every value of a large file.
fn opens_mapping_or_comment(text: &[u8]) -> bool {
    memchr::memchr2_iter(b':', b'#', text).any(|i| match text[i] {
        b':' => matches!(text.get(i + 1), None | Some(b' ' | b'\t')),
        _ => i > 0 && matches!(text[i - 1], b' ' | b'\t'),
    })
}

#[cfg(test)]
mod tests {
    use super::super::{Document, Kind, Node};
    use super::parse;

    fn same(a: &Node, b: &Node, path: &str) {
        assert_eq!((a.start, a.end), (b.start, b.end), "span of {path}");
        match (&a.kind, &b.kind) {
            (
                Kind::Scalar {
                    value: va,
                    style: sa,
                },
                Kind::Scalar {
                    value: vb,
                    style: sb,
                },
            ) => {
                assert_eq!((va, sa), (vb, sb), "scalar {path}")
            }
            (
                Kind::Map {
                    entries: ea,
                    flow: fa,
                },
                Kind::Map {
                    entries: eb,
                    flow: fb,
                },
            ) => {
                assert_eq!(fa, fb, "flow of {path}");
                assert_eq!(ea.len(), eb.len(), "entries of {path}");
                for ((ka, va), (kb, vb)) in ea.iter().zip(eb) {
                    same(ka, kb, &format!("{path}.key"));
                    same(va, vb, &format!("{path}.{}", ka.as_str().unwrap_or("?")));
                }
            }
            (
                Kind::Seq {
                    items: ia,
                    flow: fa,
                },
                Kind::Seq {
                    items: ib,
                    flow: fb,
                },
            ) => {
                assert_eq!(fa, fb, "flow of {path}");
                assert_eq!(ia.len(), ib.len(), "items of {path}");
                for (i, (x, y)) in ia.iter().zip(ib).enumerate() {
                    same(x, y, &format!("{path}[{i}]"));
                }
            }
            (x, y) => panic!("{path}: {x:?} vs {y:?}"),
        }
    }

    fn agrees(text: &str) {
        let fast = parse(text, 0).unwrap_or_else(|| panic!("not in the simple subset:\n{text}"));
        let full = Document::parse_strict(text).unwrap();
        same(&fast, full.root.as_ref().unwrap(), "$");
    }

    #[test]
    fn matches_the_full_parser_on_kubeconfig_shapes() {
        // kubectl's own output style: items at column 0, keys sorted.
        agrees(
            "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: QUJD+/=\n    server: https://127.0.0.1:6443\n  name: kind\ncontexts:\n- context:\n    cluster: kind\n    user: kind\n  name: kind\ncurrent-context: kind\nkind: Config\npreferences: {}\nusers:\n- name: kind\n  user:\n    token: abc.def\n",
        );
        // Indented items, comments, quotes, nulls and empty values.
        agrees(
            "# head\nkind: Config\ncontexts:\n    # note\n    - name: 'it''s'   # c\n      context:\n          cluster: \"c #1\"\n          namespace:\n    -   name: b\n        context: {}\nextensions: []\ncurrent-context: \"dev\"   # last used\nempty:\nlast: ~\n",
        );
        // Sequences of scalars, nested lists at the key's column, exec args.
        agrees(
            "users:\n- name: u\n  user:\n    exec:\n      args:\n      - --region\n      - us-east-1\n      command: aws\n      env:\n      - name: AWS_PROFILE\n        value: prod\n      interactiveMode: IfAvailable\n",
        );
    }

    #[test]
    fn reads_one_line_flow_entries_and_crlf_as_the_full_parser_does() {
        agrees(
            "contexts:\r\n    - {name: a, context: {cluster: c, user: u}}\r\n    - name: b\r\n      context:\r\n          namespace: n\r\n    - {name: 'q''s', context: {}}  # c\r\n",
        );
        agrees(
            "users:\n- name: u\n  user:\n    exec: {command: aws, args: [eks, \"get-token\"]}\na: [1, 2]\nb: {c: d}\n",
        );
    }

    #[test]
    fn gives_up_outside_the_subset() {
        for text in [
            "a: &x 1\nb: *x\n",
            "a: |\n  text\n",
            "a: [1,\n  2]\n",
            "a: {b: &x c}\n",
            "a: \"esc\\n\"\n",
            "a:\n\t- tab\n",
            "a: b: c\n",
            "a: 1\na: 2\n",
            "- top\n- level\nkey: x\n",
            "a:\n  b: 1\n   c: 2\n",
            "---\na: 1\n",
            "a: !!str 1\n",
            "a: multi\n  line\n",
        ] {
            assert!(parse(text, 0).is_none(), "should fall back: {text:?}");
        }
    }

    #[test]
    fn offsets_are_shifted() {
        let text = "contexts:\n- name: a\n";
        let node = parse(text, 100).unwrap();
        assert_eq!(node.start, 100);
    }
}
