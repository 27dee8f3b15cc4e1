//! Committing a planned change under kubectl's lock, and reads that tell a file
//! caught mid-rewrite from a broken one.
//!
//! kubectl rewrites a kubeconfig in place (truncate, then write) while it holds
//! `<file>.lock`. A read taken outside the lock can catch it halfway and see a
//! context missing or the YAML cut short, so a change is read and planned only
//! once the lock is held; a read made earlier only tells which files to lock.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use std::io::Read;

use super::edit::Edit;
use super::yaml::{Document, Kind, SyntaxError};
use super::{Change, ConfigFile, Kubeconfig, edit, write};
use crate::error::{Error, Result};

/// How often a change is planned again because it turned out to touch a file
/// that was not locked.
const ATTEMPTS: usize = 5;

impl Kubeconfig {
    /// Writes a change: the files it touches are locked (sorted, like kubectl), every
    /// file is read again, `plan` runs on that read, and each touched file is
    /// replaced atomically. An error from `plan` under the lock is final; one from
    /// the read passed in (which may be torn) only decides what to lock. The read
    /// is used up: a large file is written around the edits, never held twice.
    pub(crate) fn commit(
        this: Kubeconfig,
        plan: impl Fn(&Kubeconfig) -> Result<Change>,
    ) -> Result<()> {
        let tentative = plan(&this);
        let dest = this.default_destination();
        let mut locked = match tentative {
            Ok(ref change) if !change.is_empty() => touched(change),
            // Nothing to do, or no plan at all: either may come from a torn read, so
            // lock where a new current-context goes and look again. A file that does
            // not exist was not torn.
            Ok(_) if !this.files[dest].exists => return Ok(()),
            Err(e) if !this.files[dest].exists => return Err(e),
            _ => BTreeSet::from([dest]),
        };
        let paths: Vec<PathBuf> = this.files.iter().map(|f| f.path.clone()).collect();
        let source = this.source;
        let mut last = this;
        for attempt in 0..ATTEMPTS {
            let guards = match lock_files(&paths, &locked) {
                Ok(guards) => guards,
                // That lock was only to confirm the first answer; it stands.
                Err(e) if attempt == 0 => {
                    return match tentative {
                        Ok(change) if change.is_empty() => Ok(()),
                        Ok(_) => Err(e),
                        Err(plan_error) => Err(plan_error),
                    };
                }
                Err(e) => return Err(e),
            };
            // The same bytes parse the same: only a file that changed is parsed again.
            let kc = if last.unchanged_on_disk() {
                last
            } else {
                Kubeconfig::load_paths(paths.clone(), source)?
            };
            let change = plan(&kc)?;
            let wanted = touched(&change);
            if !wanted.is_subset(&locked) {
                drop(guards);
                locked.extend(wanted);
                last = kc;
                continue;
            }
            kc.write_change(change)?;
            drop(guards);
            return Ok(());
        }
        Err(Error::Failed(
            "the kubeconfig kept changing while honban tried to write it; try again".into(),
        ))
    }

    /// Runs `look` on this read. When it fails, the read may have caught kubectl
    /// mid-rewrite, so the files are read again under the lock of the file a new
    /// current-context goes to (kubectl locks every file before writing any), and
    /// that answer stands.
    pub(crate) fn confirm<T>(
        self,
        look: impl Fn(&Kubeconfig) -> Result<T>,
    ) -> Result<(Kubeconfig, T)> {
        let first = match look(&self) {
            Ok(value) => return Ok((self, value)),
            Err(e) => e,
        };
        let paths: Vec<PathBuf> = self.files.iter().map(|f| f.path.clone()).collect();
        let dest = self.default_destination();
        if !self.files[dest].exists {
            return Err(first);
        }
        let Ok(guards) = lock_files(&paths, &BTreeSet::from([dest])) else {
            return Err(first);
        };
        let kc = Kubeconfig::load_paths(paths, self.source)?;
        drop(guards);
        let value = look(&kc)?;
        Ok((kc, value))
    }

    /// Whether every file still holds exactly the bytes this read saw
    /// (compared as it streams in: a large file is not held twice).
    fn unchanged_on_disk(&self) -> bool {
        self.files.iter().all(|f| match fs::File::open(&f.path) {
            Ok(file) => f.exists && same_bytes(file, f.text.as_bytes()).unwrap_or(false),
            Err(e) => !f.exists && e.kind() == std::io::ErrorKind::NotFound,
        })
    }

    /// Applies a change planned on this very read; the caller holds the locks.
    fn write_change(&self, mut change: Change) -> Result<()> {
        // A file whose meaning hangs on which of two equal keys is read is not edited.
        for fi in touched(&change) {
            let edits = change.edits.get(&fi).map(Vec::as_slice).unwrap_or_default();
            super::ambiguity::check_edit(&self.files[fi], edits)?;
        }
        for fi in touched(&change) {
            let f = &self.files[fi];
            // Never write what we could not read back.
            let unreadable = |e: SyntaxError| {
                Error::Failed(format!(
                    "internal error: edit of {} would produce invalid YAML ({}); nothing was written",
                    f.path.display(),
                    e.message
                ))
            };
            if let Some(text) = change.creates.remove(&fi) {
                Document::parse(&text)
                    .and_then(|d| d.check(None))
                    .map_err(unreadable)?;
                write::atomic_write(&f.path, text.as_bytes())?;
                continue;
            }
            let mut edits = change.edits.remove(&fi).unwrap_or_default();
            edits.sort_by_key(|e| (e.start, e.end));
            match check_window(f, &edits) {
                Some(checked) => checked.map_err(unreadable)?,
                None => {
                    // Sections the edit left alone were valid before and are not parsed again.
                    let contents = edit::apply(&f.text, edits.clone());
                    Document::parse(&contents)
                        .and_then(|d| d.check(Some(&f.doc)))
                        .map_err(unreadable)?;
                }
            }
            write::atomic_write_parts(&f.path, &edit::parts(&f.text, &edits))?;
        }
        Ok(())
    }
}

/// Whether `reader` yields exactly `expected`.
fn same_bytes(mut reader: impl Read, expected: &[u8]) -> std::io::Result<bool> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut at = 0;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(at == expected.len()),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if expected.get(at..at + n) != Some(&buf[..n]) {
            return Ok(false);
        }
        at += n;
    }
}

/// Checks the result of sorted `edits` by parsing only the top-level sections
/// they fall in, when the file was split at its top-level keys (each section
/// whole lines, no alias in them). `None` when the whole result must be parsed.
fn check_window(f: &ConfigFile, edits: &[Edit]) -> Option<std::result::Result<(), SyntaxError>> {
    let root = f.doc.root.as_ref().filter(|_| f.doc.is_split())?;
    let Kind::Map { entries, .. } = &root.kind else {
        return None;
    };
    let starts: Vec<usize> = entries.iter().map(|(k, _)| k.start).collect();
    let text = f.text.as_str();
    // An insertion at a section's first byte ends the section before it.
    let section_of = |e: &Edit| {
        let at = if e.start == e.end {
            e.start.saturating_sub(1)
        } else {
            e.start
        };
        starts.partition_point(|s| *s <= at).saturating_sub(1)
    };
    let first = section_of(edits.first()?);
    let last = edits.iter().map(section_of).max()?;
    let lo = if first == 0 { 0 } else { starts[first] };
    let hi = starts.get(last + 1).copied().unwrap_or(text.len());
    if edits.iter().any(|e| e.start < lo || e.end > hi) {
        return None;
    }
    let shifted = edits
        .iter()
        .map(|e| Edit {
            start: e.start - lo,
            end: e.end - lo,
            text: e.text.clone(),
        })
        .collect();
    let window = edit::apply(&text[lo..hi], shifted);
    if memchr::memchr(b'*', window.as_bytes()).is_some() {
        return None;
    }
    if hi < text.len() && !window.is_empty() && !window.ends_with('\n') {
        return Some(Err(SyntaxError::new(
            "an edit runs into the next top-level key",
        )));
    }
    Some(Document::parse(&window).and_then(|d| d.check(None)))
}

/// The files a change writes.
fn touched(change: &Change) -> BTreeSet<usize> {
    change
        .edits
        .iter()
        .filter(|(_, e)| !e.is_empty())
        .map(|(fi, _)| *fi)
        .chain(change.creates.keys().copied())
        .collect()
}

/// Takes `<file>.lock` for each chosen file, in path order as kubectl does, so
/// two writers never wait on each other crosswise.
fn lock_files(paths: &[PathBuf], chosen: &BTreeSet<usize>) -> Result<Vec<write::LockGuard>> {
    let mut sorted: Vec<&Path> = chosen.iter().map(|&fi| paths[fi].as_path()).collect();
    sorted.sort();
    sorted.dedup();
    let mut guards = Vec::with_capacity(sorted.len());
    for path in sorted {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
            && !parent.exists()
        {
            fs::create_dir_all(parent).map_err(|e| Error::Unwritable {
                path: parent.to_path_buf(),
                source: e,
            })?;
        }
        guards.push(write::lock(path)?);
    }
    Ok(guards)
}

/// Reads one file with `read`. A parse that fails, or a file found empty, while
/// another writer holds the file's lock may have caught kubectl mid-rewrite: it is
/// read again once the lock is released, and only what is read without a writer counts.
pub(super) fn settled(path: &Path, read: impl Fn() -> Result<ConfigFile>) -> Result<ConfigFile> {
    let mut result = read();
    for _ in 0..ATTEMPTS {
        let torn = match &result {
            Err(Error::Yaml { .. } | Error::Kubeconfig { .. }) => true,
            Ok(f) => f.exists && f.doc.root.is_none(),
            Err(_) => false,
        };
        if !torn || !write::wait_for_other_writer(path) {
            break;
        }
        result = read();
    }
    result
}
