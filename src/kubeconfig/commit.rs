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

use super::{Change, ConfigFile, Kubeconfig, edit, write};
use crate::error::{Error, Result};
use crate::kubeconfig::yaml::Document;

/// How often a change is planned again because it turned out to touch a file
/// that was not locked.
const ATTEMPTS: usize = 5;

impl Kubeconfig {
    /// Writes a change: the files it touches are locked (sorted, like kubectl), every
    /// file is read again, `plan` runs on that read, and each touched file is
    /// replaced atomically. An error from `plan` under the lock is final; one from
    /// the read passed in (which may be torn) only decides what to lock.
    pub(crate) fn commit(
        this: Kubeconfig,
        plan: impl Fn(&Kubeconfig) -> Result<Change>,
    ) -> Result<Kubeconfig> {
        let tentative = plan(&this);
        let dest = this.default_destination();
        let mut locked = match tentative {
            Ok(ref change) if !change.is_empty() => touched(change),
            // Nothing to do, or no plan at all: either may come from a torn read, so
            // lock where a new current-context goes and look again. A file that does
            // not exist was not torn.
            Ok(_) if !this.files[dest].exists => return Ok(this),
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
                        Ok(change) if change.is_empty() => Ok(last),
                        Ok(_) => Err(e),
                        Err(plan_error) => Err(plan_error),
                    };
                }
                Err(e) => return Err(e),
            };
            // The same bytes parse the same: only a file that changed is parsed again.
            let mut kc = if last.unchanged_on_disk() {
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
            return Ok(kc);
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

    /// Whether every file still holds exactly the bytes this read saw.
    fn unchanged_on_disk(&self) -> bool {
        self.files.iter().all(|f| match fs::read(&f.path) {
            Ok(bytes) => f.exists && bytes == f.text.as_bytes(),
            Err(e) => !f.exists && e.kind() == std::io::ErrorKind::NotFound,
        })
    }

    /// Applies a change planned on this very read; the caller holds the locks.
    fn write_change(&mut self, mut change: Change) -> Result<()> {
        // A file whose meaning hangs on which of two equal keys is read is not edited.
        for fi in touched(&change) {
            let edits = change.edits.get(&fi).map(Vec::as_slice).unwrap_or_default();
            super::ambiguity::check_edit(&self.files[fi], edits)?;
        }
        for fi in touched(&change) {
            let contents = match change.creates.get(&fi) {
                Some(text) => text.clone(),
                None => edit::apply(
                    &self.files[fi].text,
                    change.edits.remove(&fi).unwrap_or_default(),
                ),
            };
            // Never write what we could not read back; sections the edit left
            // alone were valid before and are not parsed again.
            let check = Document::parse(&contents).and_then(|d| d.check(Some(&self.files[fi].doc)));
            if let Err(e) = check {
                return Err(Error::Failed(format!(
                    "internal error: edit of {} would produce invalid YAML ({}); nothing was written",
                    self.files[fi].path.display(),
                    e.message
                )));
            }
            write::atomic_write(&self.files[fi].path, contents.as_bytes())?;
            self.files[fi].text = contents;
            self.files[fi].exists = true;
        }
        Ok(())
    }
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
