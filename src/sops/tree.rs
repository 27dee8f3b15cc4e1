//! The tree sops encrypts, read the way sops' own stores read it: ordered
//! maps, lists and typed scalars from YAML (go-yaml v3's typing of plain
//! scalars), JSON (integers within int64, other numbers as floats) and
//! dotenv (`KEY=VALUE` lines, `\n` escapes). Comments are dropped: sops
//! never hashes them.

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};

/// One node of a document.
#[derive(Clone, PartialEq)]
pub(crate) enum Node {
    Map(Vec<(String, Node)>),
    Seq(Vec<Node>),
    Leaf(Leaf),
    Null,
}

/// A scalar, typed as sops types it (which decides the bytes the MAC hashes).
#[derive(Clone, PartialEq)]
pub(crate) enum Leaf {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A decrypted `type:bytes` value.
    Bytes(Vec<u8>),
}

// Values may be secrets: never shown by `{:?}`.
impl std::fmt::Debug for Leaf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{} bytes>", self.to_bytes().len())
    }
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Node::Map(items) => f
                .debug_map()
                .entries(items.iter().map(|(k, v)| (k, v)))
                .finish(),
            Node::Seq(items) => f.debug_list().entries(items).finish(),
            Node::Leaf(l) => l.fmt(f),
            Node::Null => f.write_str("null"),
        }
    }
}

impl Leaf {
    /// sops' `ToBytes`: what the MAC hashes for this value.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        match self {
            Leaf::Str(s) => s.as_bytes().to_vec(),
            Leaf::Int(i) => i.to_string().into_bytes(),
            Leaf::Float(x) => go_float(*x).into_bytes(),
            Leaf::Bool(true) => b"True".to_vec(),
            Leaf::Bool(false) => b"False".to_vec(),
            Leaf::Bytes(b) => b.clone(),
        }
    }
}

/// Go's `strconv.FormatFloat(x, 'f', -1, 64)`: shortest digits, no exponent.
pub(crate) fn go_float(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{x}")
    }
}

impl Node {
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(items) => items.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Node::Leaf(Leaf::Str(s)) => Some(s),
            _ => None,
        }
    }
}

/// The file formats sops stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Yaml,
    Json,
    Dotenv,
}

impl Format {
    /// By extension as sops picks its store; stdin and unknown names are sniffed.
    pub(crate) fn guess(name: &str, text: &str) -> Format {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".json") {
            return Format::Json;
        }
        if lower.ends_with(".env") {
            return Format::Dotenv;
        }
        if lower.ends_with(".yaml") || lower.ends_with(".yml") {
            return Format::Yaml;
        }
        let trimmed = text.trim_start_matches('\u{feff}').trim_start();
        if trimmed.starts_with('{') {
            Format::Json
        } else if text.lines().any(|l| l.starts_with("sops_mac=")) {
            Format::Dotenv
        } else {
            Format::Yaml
        }
    }
}

/// Every document of the file (dotenv and JSON have one).
pub(crate) fn parse(text: &str, format: Format) -> Result<Vec<Node>, String> {
    match format {
        Format::Yaml => parse_yaml(text),
        Format::Json => {
            let value: serde_json::Value =
                serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
            Ok(vec![from_json(value)])
        }
        Format::Dotenv => parse_dotenv(text).map(|n| vec![n]),
    }
}

fn from_json(value: serde_json::Value) -> Node {
    use serde_json::Value;
    match value {
        Value::Null => Node::Null,
        Value::Bool(b) => Node::Leaf(Leaf::Bool(b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Node::Leaf(Leaf::Int(i)),
            None => Node::Leaf(Leaf::Float(n.as_f64().unwrap_or(f64::NAN))),
        },
        Value::String(s) => Node::Leaf(Leaf::Str(s)),
        Value::Array(items) => Node::Seq(items.into_iter().map(from_json).collect()),
        Value::Object(map) => Node::Map(map.into_iter().map(|(k, v)| (k, from_json(v))).collect()),
    }
}

/// sops' dotenv store: `#` lines are comments, every other non-empty line
/// is `KEY=VALUE`, and `\n` in a value is a newline.
fn parse_dotenv(text: &str) -> Result<Node, String> {
    let mut items = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(format!("line {}: not KEY=VALUE", i + 1));
        };
        items.push((
            key.to_string(),
            Node::Leaf(Leaf::Str(value.replace("\\n", "\n"))),
        ));
    }
    Ok(Node::Map(items))
}

enum Frame {
    Map {
        items: Vec<(String, Node)>,
        key: Option<String>,
        anchor: usize,
        /// Nodes built before this one started: its size is the difference.
        start: usize,
    },
    Seq {
        items: Vec<Node>,
        anchor: usize,
        start: usize,
    },
}

/// Nodes built, alias copies included, before a file is refused: aliases of
/// aliases grow exponentially, and no Secret or ConfigMap (1 MiB at most)
/// has this many values.
const MAX_NODES: usize = 1_000_000;

/// The nodes of one file as they are built, with what anchors name.
struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    root: Option<Node>,
    nodes: usize,
}

impl Builder {
    /// Counts `size` more nodes; refuses the file past [`MAX_NODES`].
    fn grow(&mut self, size: usize) -> Result<(), String> {
        self.nodes = self.nodes.saturating_add(size);
        if self.nodes > MAX_NODES {
            return Err(format!(
                "more than {MAX_NODES} values (aliases expand too far)"
            ));
        }
        Ok(())
    }

    /// A finished node: counted, remembered under its anchor, and placed.
    fn finish(&mut self, anchor: usize, start: usize, node: Node) -> Result<(), String> {
        self.grow(1)?;
        if anchor != 0 {
            let size = self.nodes - start;
            self.anchors.insert(anchor, (node.clone(), size));
        }
        place(&mut self.stack, &mut self.root, node)
    }

    fn alias(&mut self, id: usize, line: usize) -> Result<(), String> {
        let size = self
            .anchors
            .get(&id)
            .map(|(_, size)| *size)
            .ok_or_else(|| format!("unknown YAML alias at line {line}"))?;
        // Counted before the copy is made.
        self.grow(size)?;
        let node = self.anchors.get(&id).map(|(node, _)| node.clone());
        place(&mut self.stack, &mut self.root, node.unwrap_or(Node::Null))
    }
}

fn parse_yaml(text: &str) -> Result<Vec<Node>, String> {
    let mut parser = Parser::new_from_str(text);
    let mut docs = Vec::new();
    let mut b = Builder {
        stack: Vec::new(),
        anchors: HashMap::new(),
        root: None,
        nodes: 0,
    };
    while let Some(event) = parser.next_event() {
        let (event, span) = event
            .map_err(|e| format!("invalid YAML at line {}: {}", e.marker().line(), e.info()))?;
        match event {
            Event::DocumentStart(_) => {
                b.root = None;
                b.anchors.clear();
            }
            Event::DocumentEnd => match b.root.take() {
                Some(Node::Map(items)) => docs.push(Node::Map(items)),
                // An empty document (`---` alone): sops keeps an empty branch.
                None | Some(Node::Null) => docs.push(Node::Map(Vec::new())),
                Some(_) => return Err("a YAML document must be a mapping".into()),
            },
            Event::MappingStart(anchor, _) => b.stack.push(Frame::Map {
                items: Vec::new(),
                key: None,
                anchor,
                start: b.nodes,
            }),
            Event::SequenceStart(anchor, _) => b.stack.push(Frame::Seq {
                items: Vec::new(),
                anchor,
                start: b.nodes,
            }),
            Event::MappingEnd => match b.stack.pop() {
                Some(Frame::Map {
                    items,
                    anchor,
                    start,
                    ..
                }) => b.finish(anchor, start, Node::Map(items))?,
                _ => return Err("unbalanced YAML mapping".into()),
            },
            Event::SequenceEnd => match b.stack.pop() {
                Some(Frame::Seq {
                    items,
                    anchor,
                    start,
                }) => b.finish(anchor, start, Node::Seq(items))?,
                _ => return Err("unbalanced YAML sequence".into()),
            },
            Event::Scalar(value, style, anchor, tag) => {
                let node = scalar(value, style, tag.as_deref())?;
                b.finish(anchor, b.nodes, node)?;
            }
            Event::Alias(id) => b.alias(id, span.start.line())?,
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
    }
    Ok(docs)
}

fn place(stack: &mut [Frame], root: &mut Option<Node>, node: Node) -> Result<(), String> {
    match stack.last_mut() {
        None => *root = Some(node),
        Some(Frame::Seq { items, .. }) => items.push(node),
        Some(Frame::Map { items, key, .. }) => match key.take() {
            None => match node {
                Node::Leaf(Leaf::Str(s)) => {
                    if items.iter().any(|(k, _)| *k == s) {
                        return Err(format!("mapping key {s:?} already defined"));
                    }
                    *key = Some(s);
                }
                // sops refuses keys that are not strings.
                _ => {
                    return Err(
                        "a mapping key is not a string (sops supports only string keys)".into(),
                    );
                }
            },
            Some(k) => items.push((k, node)),
        },
    }
    Ok(())
}

/// go-yaml v3's typing of a scalar decoded into `interface{}`.
fn scalar(value: Cow<'_, str>, style: ScalarStyle, tag: Option<&Tag>) -> Result<Node, String> {
    let text = value.into_owned();
    if let Some(tag) = tag {
        if tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!" {
            return Ok(match tag.suffix.as_str() {
                "str" => Node::Leaf(Leaf::Str(text)),
                "binary" => {
                    use base64::Engine as _;
                    let clean: String = text.split_whitespace().collect();
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(clean)
                        .map_err(|_| "invalid !!binary value".to_string())?;
                    Node::Leaf(Leaf::Str(String::from_utf8_lossy(&bytes).into_owned()))
                }
                _ => resolve_plain(text),
            });
        }
        return Ok(Node::Leaf(Leaf::Str(text)));
    }
    if style != ScalarStyle::Plain {
        return Ok(Node::Leaf(Leaf::Str(text)));
    }
    Ok(resolve_plain(text))
}

fn resolve_plain(text: String) -> Node {
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return Node::Null,
        "true" | "True" | "TRUE" => return Node::Leaf(Leaf::Bool(true)),
        "false" | "False" | "FALSE" => return Node::Leaf(Leaf::Bool(false)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Node::Leaf(Leaf::Float(f64::INFINITY));
        }
        "-.inf" | "-.Inf" | "-.INF" => return Node::Leaf(Leaf::Float(f64::NEG_INFINITY)),
        ".nan" | ".NaN" | ".NAN" => return Node::Leaf(Leaf::Float(f64::NAN)),
        _ => {}
    }
    let first = text.as_bytes()[0];
    if first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.') {
        if let Some(i) = go_parse_int(&text) {
            return Node::Leaf(Leaf::Int(i));
        }
        if is_yaml_float(&text)
            && let Ok(x) = text.parse::<f64>()
        {
            return Node::Leaf(Leaf::Float(x));
        }
    }
    Node::Leaf(Leaf::Str(text))
}

/// Go's `strconv.ParseInt(s, 0, 64)`: sign, `0x`/`0o`/`0b`/leading-`0` prefixes.
fn go_parse_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes()[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    // go-yaml v3 drops every `_` before parsing.
    let digits = digits.replace('_', "");
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let magnitude = i128::from_str_radix(&digits, radix).ok()?;
    let value = if neg { -magnitude } else { magnitude };
    i64::try_from(value).ok()
}

/// go-yaml's float pattern: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
fn is_yaml_float(s: &str) -> bool {
    let b = s.trim_start_matches(['-', '+']);
    if s.len() - b.len() > 1 {
        return false;
    }
    let (mantissa, exponent) = match b.find(['e', 'E']) {
        Some(i) => (&b[..i], Some(&b[i + 1..])),
        None => (b, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => digits(frac),
        Some((int, frac)) => digits(int) && (frac.is_empty() || digits(frac)),
        None => digits(mantissa),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        digits(e.trim_start_matches(['-', '+']))
            && e.len() - e.trim_start_matches(['-', '+']).len() <= 1
    });
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(text: &str) -> Node {
        resolve_plain(text.to_string())
    }

    #[test]
    fn go_yaml_typing_of_plain_scalars() {
        assert_eq!(leaf("12"), Node::Leaf(Leaf::Int(12)));
        assert_eq!(leaf("0x1F"), Node::Leaf(Leaf::Int(31)));
        assert_eq!(leaf("010"), Node::Leaf(Leaf::Int(8)));
        assert_eq!(leaf("-7"), Node::Leaf(Leaf::Int(-7)));
        assert_eq!(leaf("1.50"), Node::Leaf(Leaf::Float(1.5)));
        assert_eq!(leaf("1e3").clone(), Node::Leaf(Leaf::Float(1000.0)));
        assert_eq!(leaf("True"), Node::Leaf(Leaf::Bool(true)));
        assert_eq!(leaf("yes"), Node::Leaf(Leaf::Str("yes".into())));
        assert_eq!(leaf("~"), Node::Null);
        assert_eq!(leaf("1.2.3"), Node::Leaf(Leaf::Str("1.2.3".into())));
        assert_eq!(
            leaf("2001-12-14"),
            Node::Leaf(Leaf::Str("2001-12-14".into()))
        );
        assert_eq!(Leaf::Float(1.5).to_bytes(), b"1.5");
        assert_eq!(Leaf::Float(1e21).to_bytes(), b"1000000000000000000000");
        assert_eq!(Leaf::Bool(false).to_bytes(), b"False");
    }

    #[test]
    fn yaml_documents_keep_order_and_types() {
        let docs = parse(
            "a: 1\nb: 'x'\nc: [true, ~]\n---\nd: &v {e: f}\ng: *v\n",
            Format::Yaml,
        )
        .unwrap();
        assert_eq!(docs.len(), 2);
        let Node::Map(items) = &docs[0] else { panic!() };
        let keys: Vec<&str> = items.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["a", "b", "c"]);
        assert_eq!(docs[1].get("g"), docs[1].get("d"));
        assert!(parse("a: 1\na: 2\n", Format::Yaml).is_err());
    }

    #[test]
    fn alias_expansion_is_bounded() {
        // Ten aliases of ten aliases ...: 10^6 leaves from seven lines.
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..6 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        let err = parse(&text, Format::Yaml).unwrap_err();
        assert!(err.contains("aliases expand too far"), "{err}");
        // Aliases within the bound still expand.
        let small = parse("a: &a [x, x]\nb: [*a, *a]\n", Format::Yaml).unwrap();
        let Some(Node::Seq(b)) = small[0].get("b") else {
            panic!("{small:?}")
        };
        assert_eq!(b.len(), 2);
    }

    #[test]
    fn dotenv_and_json() {
        let n = parse("# c\nA=x\\ny\n\nB=\n", Format::Dotenv).unwrap();
        assert_eq!(n[0].get("A").unwrap().as_str(), Some("x\ny"));
        assert_eq!(n[0].get("B").unwrap().as_str(), Some(""));
        let j = parse(
            r#"{"a": 1, "b": 1.0, "c": 9223372036854775808}"#,
            Format::Json,
        )
        .unwrap();
        assert_eq!(j[0].get("a"), Some(&Node::Leaf(Leaf::Int(1))));
        assert_eq!(j[0].get("b"), Some(&Node::Leaf(Leaf::Float(1.0))));
        assert!(matches!(j[0].get("c"), Some(Node::Leaf(Leaf::Float(_)))));
        assert_eq!(Format::guess("-", "{\n"), Format::Json);
        assert_eq!(Format::guess("x.env", ""), Format::Dotenv);
        assert_eq!(Format::guess("-", "A=1\nsops_mac=x\n"), Format::Dotenv);
    }
}
