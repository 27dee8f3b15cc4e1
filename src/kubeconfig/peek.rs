//! Cutting a few top-level sections out of a large kubeconfig without reading
//! the rest into memory: what a context list or a shell prompt needs (`contexts`
//! and `current-context`) is a few percent of a file that mostly holds
//! certificates and tokens.
//!
//! The file is streamed once through a fixed buffer. Lines at column 0 are
//! checked against the same rules as the lazy loader's split (plain block
//! style, one document, no multi-line value on a key's line); lines of other
//! sections are skipped without being copied. Anything unusual gives up with
//! `None`, and the caller reads the file in full.
//!
//! kubectl refuses a file that defines a name twice, so the lists that are not
//! kept are still read for their item names (see `ambiguity::NameScan`); their
//! lines below item level are skipped like the rest.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader, ErrorKind, Read};
use std::path::Path;

use super::ambiguity::{NameScan, ScannedNames};

/// One top-level `key: value` section as it stands in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cut {
    pub(crate) key: String,
    /// Byte offset of the key line in the file.
    pub(crate) offset: usize,
    /// Lines before the key line.
    pub(crate) line: usize,
    /// The key line and every line of its value.
    pub(crate) text: String,
}

/// What a file gave: the wanted sections found, in file order, and the item
/// names of the scanned ones.
#[derive(Debug)]
pub(crate) enum Peeked {
    Missing,
    Sections(Vec<Cut>, Vec<(String, ScannedNames)>),
    /// Not plain block style: read it in full.
    Unusual,
}

const BUFFER: usize = 256 * 1024;

/// Streams `path`, keeps the top-level sections named in `wanted` and reads
/// the item names of those named in `scanned` (see [`NameScan`]).
pub(crate) fn sections(path: &Path, wanted: &[&str], scanned: &[&str]) -> std::io::Result<Peeked> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Peeked::Missing),
        Err(e) => return Err(e),
    };
    Ok(match cut(file, wanted, scanned)? {
        Some((cuts, names)) => Peeked::Sections(cuts, names),
        None => Peeked::Unusual,
    })
}

/// [`sections`] of a file already open (read from where it stands).
pub(crate) fn sections_of(
    file: &File,
    wanted: &[&str],
    scanned: &[&str],
) -> std::io::Result<Peeked> {
    Ok(match cut(file, wanted, scanned)? {
        Some((cuts, names)) => Peeked::Sections(cuts, names),
        None => Peeked::Unusual,
    })
}

type Scanned = Vec<(String, ScannedNames)>;

fn cut(
    reader: impl Read,
    wanted: &[&str],
    scanned: &[&str],
) -> std::io::Result<Option<(Vec<Cut>, Scanned)>> {
    let mut reader = BufReader::with_capacity(BUFFER, reader);
    let mut cutter = Cutter {
        wanted,
        scanned,
        cuts: Vec::new(),
        kept: Vec::new(),
        keys: HashSet::new(),
        keeping: false,
        scanning: None,
        names: Vec::new(),
        offset: 0,
        line_no: 0,
    };
    let mut line = Vec::new();
    loop {
        let buf = reader.fill_buf()?;
        let Some(&first) = buf.first() else { break };
        let top_level = !matches!(first, b' ' | b'\n' | b'\r' | b'#');
        if let (false, Some(kept)) = (top_level, cutter.kept_text()) {
            // Kept lines go straight into their section, every whole line in
            // the buffer up to the next top-level one at once.
            let (bytes, lines) = kept_run(buf);
            if bytes == 0 {
                cutter.offset += reader.read_until(b'\n', kept)?;
                cutter.line_no += 1;
            } else {
                kept.extend_from_slice(&buf[..bytes]);
                reader.consume(bytes);
                cutter.offset += bytes;
                cutter.line_no += lines;
            }
            continue;
        }
        if !top_level && cutter.skips(buf) {
            cutter.offset += skip_line(&mut reader)?;
            cutter.line_no += 1;
            continue;
        }
        line.clear();
        let n = reader.read_until(b'\n', &mut line)?;
        if top_level && !cutter.top_level(first, &line) {
            return Ok(None);
        }
        cutter.take(&line);
        cutter.offset += n;
        cutter.line_no += 1;
    }
    cutter.finish()
}

/// The state of one pass over a file.
struct Cutter<'w> {
    wanted: &'w [&'w str],
    scanned: &'w [&'w str],
    cuts: Vec<Cut>,
    /// The bytes of each kept section, checked as UTF-8 once at the end.
    kept: Vec<Vec<u8>>,
    keys: HashSet<Vec<u8>>,
    /// Whether the section being read is one we keep (then `cuts.last()` is it).
    keeping: bool,
    /// The section being scanned for names, if any, and the names found so far.
    scanning: Option<(String, NameScan)>,
    names: Scanned,
    offset: usize,
    line_no: usize,
}

impl Cutter<'_> {
    /// The bytes of the section being kept, if one is.
    fn kept_text(&mut self) -> Option<&mut Vec<u8>> {
        self.kept.last_mut().filter(|_| self.keeping)
    }

    /// Whether an indented line (at the start of `buf`) is skipped uncopied: it
    /// belongs to a section neither kept nor scanned, or it lies below item
    /// level in a scanned one (most of a CA or a token).
    fn skips(&mut self, buf: &[u8]) -> bool {
        if self.keeping {
            return false;
        }
        let Some((_, scan)) = self.scanning.as_mut() else {
            return true;
        };
        let spaces = buf.iter().take_while(|b| **b == b' ').count();
        let content = buf.get(spaces).is_some_and(|b| !matches!(b, b'\n' | b'\r'));
        content && scan.skips(spaces)
    }

    /// Reads a line at column 0 that starts with `first`; false when the file
    /// is unusual and needs a real parse.
    fn top_level(&mut self, first: u8, line: &[u8]) -> bool {
        match first {
            b'-' if line.starts_with(b"---") => {
                // A start marker may open the only document; a second one is unusual.
                let rest = line[3..].trim_ascii();
                if !self.keys.is_empty() || !(rest.is_empty() || rest.starts_with(b"#")) {
                    return false;
                }
                self.keeping = false;
                finish_scan(&mut self.scanning, &mut self.names)
            }
            // A block sequence at column 0 continues the key above it.
            b'-' if !self.keys.is_empty() => true,
            c if c.is_ascii_alphanumeric() || c == b'_' => self.section(line),
            _ => false,
        }
    }

    /// Starts the section of a top-level `key: value` line.
    fn section(&mut self, line: &[u8]) -> bool {
        let Some(key) = key_of(line) else {
            return false;
        };
        if !self.keys.insert(key.to_vec()) {
            return false;
        }
        self.keeping = self.wanted.iter().any(|w| w.as_bytes() == key);
        if !finish_scan(&mut self.scanning, &mut self.names) {
            return false;
        }
        if !self.keeping
            && let Some(s) = self.scanned.iter().find(|s| s.as_bytes() == key)
        {
            self.scanning = Some((s.to_string(), NameScan::default()));
        }
        if self.keeping {
            self.cuts.push(Cut {
                key: String::from_utf8_lossy(key).into_owned(),
                offset: self.offset,
                line: self.line_no,
                text: String::new(),
            });
            self.kept.push(Vec::new());
        }
        true
    }

    /// Gives a line read in full to the name scan and to the kept section.
    fn take(&mut self, line: &[u8]) {
        if let Some((_, scan)) = self.scanning.as_mut() {
            scan.line(line, self.line_no + 1);
        }
        if let Some(kept) = self.kept_text() {
            kept.extend_from_slice(line);
        }
    }

    /// The sections kept and the names scanned; `None` when unusual.
    fn finish(mut self) -> std::io::Result<Option<(Vec<Cut>, Scanned)>> {
        // An alias in a kept section may name an anchor in a skipped one.
        if self
            .kept
            .iter()
            .any(|k| memchr::memchr2(b'&', b'*', k).is_some())
        {
            return Ok(None);
        }
        if !finish_scan(&mut self.scanning, &mut self.names) {
            return Ok(None);
        }
        for (cut, kept) in self.cuts.iter_mut().zip(self.kept) {
            cut.text = String::from_utf8(kept).map_err(|_| {
                std::io::Error::new(ErrorKind::InvalidData, "the kubeconfig is not UTF-8 text")
            })?;
        }
        Ok(Some((self.cuts, self.names)))
    }
}

/// Ends a scanned section; false when it needs a real parse.
fn finish_scan(scanning: &mut Option<(String, NameScan)>, names: &mut Scanned) -> bool {
    match scanning.take() {
        None => true,
        Some((key, scan)) => match scan.finish() {
            Some(found) => {
                names.push((key, found));
                true
            }
            None => false,
        },
    }
}

/// The whole lines at the start of `buf` (which starts with one that is not
/// top-level) before the next top-level line: their length and count.
fn kept_run(buf: &[u8]) -> (usize, usize) {
    let (mut end, mut lines) = (0, 0);
    for i in memchr::memchr_iter(b'\n', buf) {
        end = i + 1;
        lines += 1;
        if buf
            .get(end)
            .is_some_and(|b| !matches!(b, b' ' | b'\n' | b'\r' | b'#'))
        {
            break;
        }
    }
    (end, lines)
}

/// Consumes one line without copying it; returns its length.
fn skip_line(reader: &mut impl BufRead) -> std::io::Result<usize> {
    let mut skipped = 0;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            return Ok(skipped);
        }
        match memchr::memchr(b'\n', buf) {
            Some(i) => {
                reader.consume(i + 1);
                return Ok(skipped + i + 1);
            }
            None => {
                let n = buf.len();
                reader.consume(n);
                skipped += n;
            }
        }
    }
}

/// The key of a top-level `key: value` line, when the value ends on that line
/// (shared with the lazy loader's split, so both cut files the same way).
pub(super) fn key_of(line: &[u8]) -> Option<&[u8]> {
    let colon = memchr::memchr(b':', line)?;
    let key = &line[..colon];
    if !key
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
    {
        return None;
    }
    let after = &line[colon + 1..];
    if !(after.is_empty() || matches!(after[0], b' ' | b'\t' | b'\n' | b'\r')) {
        return None;
    }
    let value = after_properties(after.trim_ascii())?;
    let quoted_open = |q: u8| value.first() == Some(&q) && !value[1..].contains(&q);
    let opens_multiline = matches!(value.first(), Some(b'|' | b'>' | b'&' | b'!' | b'*'))
        || (matches!(value.first(), Some(b'[' | b'{')) && !balanced(value))
        || quoted_open(b'"')
        || quoted_open(b'\'');
    (!opens_multiline).then_some(key)
}

/// A value after its anchor (`&name`): what follows still has to end on this
/// line, or be empty (a block on the next lines). An alias (`*name`) is a whole
/// value. `None` for a tag, an anchor on an alias, or a second anchor.
fn after_properties(value: &[u8]) -> Option<&[u8]> {
    let name_end = |v: &[u8]| {
        v.iter()
            .position(|b| matches!(b, b' ' | b'\t'))
            .unwrap_or(v.len())
    };
    match value.first() {
        Some(b'*')
            if name_end(value) == value.len()
                || value[name_end(value)..].trim_ascii().starts_with(b"#") =>
        {
            Some(b"")
        }
        Some(b'&') => {
            let rest = value[name_end(value)..].trim_ascii();
            let rest = if rest.starts_with(b"#") {
                &b""[..]
            } else {
                rest
            };
            (!matches!(rest.first(), Some(b'&' | b'*' | b'!'))).then_some(rest)
        }
        _ => Some(value),
    }
}

/// Whether a one-line flow collection closes on its own line.
pub(crate) fn balanced(value: &[u8]) -> bool {
    let mut depth = 0i32;
    let mut quote: Option<u8> = None;
    for &c in value {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(c),
            (None, b'[' | b'{') => depth += 1,
            (None, b']' | b'}') => depth -= 1,
            (None, b'#') => break,
            _ => {}
        }
    }
    depth == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut_str(text: &str, wanted: &[&str]) -> Option<Vec<Cut>> {
        cut(text.as_bytes(), wanted, &[])
            .unwrap()
            .map(|(cuts, _)| cuts)
    }

    #[test]
    fn keeps_only_the_wanted_sections_with_their_positions() {
        let text = "apiVersion: v1\nclusters:\n- name: a\n  cluster:\n    server: https://a\ncontexts:\n# note\n- name: a\n  context:\n    cluster: a\n\ncurrent-context: a # last\nusers:\n- name: a\n";
        let cuts = cut_str(text, &["contexts", "current-context"]).unwrap();
        assert_eq!(cuts.len(), 2);
        assert_eq!(cuts[0].key, "contexts");
        assert_eq!(
            cuts[0].text,
            "contexts:\n# note\n- name: a\n  context:\n    cluster: a\n\n"
        );
        assert_eq!(&text[cuts[0].offset..cuts[0].offset + 9], "contexts:");
        assert_eq!(cuts[0].line, 5);
        assert_eq!(cuts[1].text, "current-context: a # last\n");
        assert_eq!(cuts[1].line, 11);
    }

    #[test]
    fn long_lines_cross_the_buffer() {
        let big = "x".repeat(3 * BUFFER);
        let text = format!("users:\n- name: u\n  user:\n    token: {big}\ncurrent-context: c\n");
        let cuts = cut_str(&text, &["current-context"]).unwrap();
        assert_eq!(cuts[0].text, "current-context: c\n");
        assert_eq!(cuts[0].offset, text.find("current-context").unwrap());
    }

    #[test]
    fn kept_sections_larger_than_the_buffer_are_cut_whole() {
        let mut contexts = String::from("contexts:\r\n");
        for i in 0..(3 * BUFFER / 40) {
            contexts.push_str(&format!(
                "- name: c{i}\r\n  # note\r\n\r\n  context: {{}}\r\n"
            ));
        }
        let long = format!(
            "- name: long\n  context:\n    cluster: {}\n",
            "x".repeat(BUFFER)
        );
        let text = format!("a: 1\n{contexts}{long}current-context: c1\nb: 2\n");
        let cuts = cut_str(&text, &["contexts", "current-context"]).unwrap();
        assert_eq!(cuts[0].text, format!("{contexts}{long}"));
        assert_eq!((cuts[0].offset, cuts[0].line), (5, 1));
        assert_eq!(cuts[1].text, "current-context: c1\n");
        assert_eq!(cuts[1].offset, text.find("current-context").unwrap());
        assert_eq!(cuts[1].line, text[..cuts[1].offset].matches('\n').count());
    }

    #[test]
    fn gives_up_on_what_the_lazy_split_would_not_take() {
        for text in [
            "a: 1\n---\nb: 2\n",
            "a: 1\na: 2\n",
            "contexts: [\n  {name: a}]\n",
            "a: |\nx\n",
            "\"quoted\": 1\n",
            "? complex\n: key\n",
            "- top\n",
            "a: \"open\n  quote\"\n",
            "%YAML 1.2\n---\na: 1\n",
            "base: &b x\ncontexts:\n- name: *b\n",
        ] {
            assert!(cut_str(text, &["contexts"]).is_none(), "{text:?}");
        }
        assert!(cut_str("---\ncontexts: []\n", &["contexts"]).is_some());
    }
}

/// The cut loader against the full one, on files large enough to be cut.
#[cfg(test)]
mod agreement {
    use super::super::Kubeconfig;
    use std::path::Path;

    /// Pads a kubeconfig with a large `users` section so it is cut, not read whole.
    fn padded(text: &str) -> String {
        let mut users = String::from("users:\n");
        for i in 0..400 {
            users.push_str(&format!(
                "- name: pad-{i}\n  user:\n    token: {}\n",
                "t".repeat(400)
            ));
        }
        format!("{users}{text}")
    }

    fn summary(kc: &Kubeconfig) -> String {
        let contexts: Vec<String> = kc
            .contexts()
            .iter()
            .map(|c| format!("{}|{:?}|{:?}|{:?}", c.name, c.cluster, c.user, c.namespace))
            .collect();
        format!("{:?} {:?}", kc.current_context().map(|c| c.0), contexts)
    }

    fn agree(text: &str) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, padded(text)).unwrap();
        let full = Kubeconfig::load(Some(&path)).map(|kc| summary(&kc));
        let cut = Kubeconfig::load_contexts(Some(&path)).map(|kc| summary(&kc));
        match (&full, &cut) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{text}"),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{text}"),
            _ => panic!("full {full:?} vs cut {cut:?} for:\n{text}"),
        }
        let current = Kubeconfig::load_current(Some(&path)).map(|kc| summary_current(&kc));
        let full_current = Kubeconfig::load(Some(&path)).map(|kc| summary_current(&kc));
        if let (Ok(a), Ok(b)) = (&full_current, &current) {
            assert_eq!(a, b, "{text}");
        }
        assert!(Path::new(&path).exists());
    }

    fn summary_current(kc: &Kubeconfig) -> Option<String> {
        kc.current_context().map(|c| c.0.to_string())
    }

    #[test]
    fn cut_files_read_the_same_as_whole_ones() {
        for text in [
            "contexts:\n- name: a\n  context:\n    cluster: c\n    user: u\n    namespace: n\ncurrent-context: a\n",
            "current-context: 'b'  # last\ncontexts:\n    # c\n    - context:\n          cluster: c\n      name: b\n    - name: \"a\"\n      context: {}\n",
            "contexts:\r\n- name: a\r\n  context:\r\n    namespace: x\r\n\r\ncurrent-context: a\r\n",
            "contexts: []\ncurrent-context: a\n",
            "contexts:\ncurrent-context:\n",
            "kind: Config\n",
            "contexts:\n- name: a\n  context:\n    namespace: \"\"\ncurrent-context: a\n",
            // Outside the cut subset: the full loader decides.
            "base: &b\n  cluster: c\ncontexts:\n- name: a\n  context: *b\ncurrent-context: a\n",
            "contexts: [{name: a, context: {namespace: x}}]\ncurrent-context: a\n",
            "contexts:\n- name: a\n  context:\n    namespace: x\ncurrent-context: a\ncurrent-context: b\n",
            "---\ncontexts:\n- name: a\ncurrent-context: a\n",
            // A name defined twice is refused by both, naming the same lines.
            "clusters:\n- name: c\n  cluster: {}\n-   cluster: {}\n    name: 'c'\ncontexts:\n- name: a\ncurrent-context: a\n",
            "contexts:\n- name: a\n- name: b\n- name: a\ncurrent-context: a\n",
            "current-context: a\ncontexts:\n- name: a\ncurrent-context: b\n",
            // Errors inside the contexts are the same error, at the same line.
            "contexts:\n- name: a\n  context:\n    namespace: [x\ncurrent-context: a\n",
            "contexts:\n- name: a\n   context: x\n  bad\ncurrent-context: a\n",
        ] {
            agree(text);
        }
    }
}
