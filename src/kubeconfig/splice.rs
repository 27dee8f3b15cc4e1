//! A switch of one large file that never holds the file: under kubectl's lock
//! the file is cut (`peek`: the contexts and `current-context` kept, the other
//! lists scanned for their names), the edit is planned and checked on the cut,
//! and the new file is the old bytes around the edit, copied by the kernel.
//!
//! Only the plain case is taken here: one file, cut cleanly, whose
//! `current-context` holds a value. Anything else (several files, a per-shell
//! copy, no `current-context` line, a file `peek` gives up on) is left to the
//! full path (`Kubeconfig::load` and `commit`), which answers the same.

use std::fs::{self, File};
use std::path::Path;
use std::sync::Arc;

use super::edit::{self, Edit};
use super::load::{CUT_FROM_BYTES, not_utf8, yaml_error};
use super::peek::{self, Cut, Peeked};
use super::yaml::{self, Document, Kind};
use super::{ConfigFile, Kubeconfig, Source, ambiguity, locate, write};
use crate::error::{Error, Result};

/// What a switch found before it wrote.
#[derive(Debug)]
pub(crate) struct Switched {
    /// The current context before the switch.
    pub(crate) previous: Option<String>,
}

impl Kubeconfig {
    /// Sets `current-context` to `name` in one large file without reading it
    /// into memory. `Ok(None)` when the file is not one this path takes (the
    /// lock is released by then); errors are those the full path gives.
    pub(crate) fn use_context_spliced(flag: Option<&Path>, name: &str) -> Result<Option<Switched>> {
        let (paths, source) = locate(flag);
        if matches!(source, Source::Env(n) if n > 1) || yaml::full_parse_forced() {
            return Ok(None);
        }
        let path = paths[0].as_path();
        match fs::metadata(path) {
            Ok(m) if m.is_file() && m.len() >= CUT_FROM_BYTES => {}
            _ => return Ok(None),
        }
        let _lock = write::lock(path)?;
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        let wanted = ["contexts", "current-context", "extensions"];
        let (cuts, names) = match peek::sections_of(&file, &wanted, &["clusters", "users"]) {
            Ok(Peeked::Sections(cuts, names)) => (cuts, names),
            Ok(_) => return Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => return Err(not_utf8(path)),
            Err(e) => return Err(Error::io(path, e)),
        };
        // A per-shell copy switches by refilling itself from its sources.
        if cuts.iter().any(|c| c.key == "extensions") {
            return Ok(None);
        }
        let Some(line) = cuts.iter().find(|c| c.key == "current-context").cloned() else {
            return Ok(None);
        };
        let doc = Document::from_cuts(cuts);
        doc.check_key("contexts").map_err(|e| yaml_error(path, e))?;
        let cut = ConfigFile {
            path: path.to_path_buf(),
            text: Arc::default(),
            doc,
            exists: true,
        };
        ambiguity::check_load(&cut, &names)?;
        let kc = Kubeconfig {
            files: vec![cut],
            source,
            warnings: Vec::new(),
        };
        kc.require_context(name)?;
        let Some(edit) = kc.current_context_edit(name) else {
            return Ok(None);
        };
        ambiguity::check_edit(&kc.files[0], std::slice::from_ref(&edit))?;
        check_line(&line, &edit, path)?;
        // The cut read only some lines as text; the full path refuses a file
        // that is not UTF-8 anywhere, and so does this one.
        if !all_utf8(&file).map_err(|e| Error::io(path, e))? {
            return Err(not_utf8(path));
        }
        write::atomic_splice(path, &file, len, std::slice::from_ref(&edit))?;
        let previous = kc.current_context().map(|(n, _)| n.to_string());
        Ok(Some(Switched { previous }))
    }

    /// The edit that sets the existing, non-empty `current-context` value; `None`
    /// when there is no such value to replace in place.
    fn current_context_edit(&self, name: &str) -> Option<Edit> {
        let doc = &self.files[0].doc;
        let value = doc.get(doc.root.as_ref()?, "current-context")?;
        let scalar = matches!(value.kind, Kind::Scalar { .. }) && value.start < value.end;
        // The cut holds no text before the value, which only an empty value needs.
        scalar.then(|| edit::set_scalar("", value, name))
    }
}

/// Whether the whole file is UTF-8 text, read from the start in small pieces.
fn all_utf8(mut file: &File) -> std::io::Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    file.seek(SeekFrom::Start(0))?;
    let mut buf = vec![0u8; 64 * 1024];
    // Bytes of a character cut at the end of the last piece.
    let mut carry = 0;
    loop {
        let n = match file.read(&mut buf[carry..]) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let filled = carry + n;
        if n == 0 {
            return Ok(carry == 0);
        }
        carry = match std::str::from_utf8(&buf[..filled]) {
            Ok(_) => 0,
            // Cut short, not wrong: keep the start of the character.
            Err(e) if e.error_len().is_none() => filled - e.valid_up_to(),
            Err(_) => return Ok(false),
        };
        buf.copy_within(filled - carry..filled, 0);
    }
}

/// The `current-context` line as edited must read back as that one key: never
/// write what could not be read.
fn check_line(line: &Cut, e: &Edit, path: &Path) -> Result<()> {
    let shifted = Edit {
        start: e.start - line.offset,
        end: e.end - line.offset,
        text: e.text.clone(),
    };
    let text = edit::apply(&line.text, vec![shifted]);
    let ok = Document::parse(&text)
        .and_then(|d| d.check(None).map(|()| d))
        .map(|d| {
            d.root
                .as_ref()
                .and_then(|r| d.get_str(r, "current-context"))
                .is_some()
        });
    match ok {
        Ok(true) => Ok(()),
        Ok(false) => Err(Error::Failed(format!(
            "internal error: edit of {} would not read back; nothing was written",
            path.display()
        ))),
        Err(e) => Err(Error::Failed(format!(
            "internal error: edit of {} would produce invalid YAML ({}); nothing was written",
            path.display(),
            e.message
        ))),
    }
}
