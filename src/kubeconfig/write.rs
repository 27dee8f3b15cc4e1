//! Safe kubeconfig writes: kubectl's lock protocol plus an atomic replace.
//!
//! kubectl takes `<file>.lock` (created exclusively, deleted afterwards) before it
//! writes, so taking the same lock makes honban and kubectl exclude each other.
//! The new content goes to a temp file in the same directory, is fsynced, then
//! renamed over the original: a crash leaves the old file or the new one.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use super::edit::Edit;
use crate::error::{Error, Result};

/// How long to wait for a lock that another live writer holds.
const LOCK_WAIT: Duration = Duration::from_secs(10);

pub(crate) struct LockGuard {
    path: PathBuf,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

pub(crate) fn lock_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Takes `<file>.lock`. Waits while a live process holds it; a lock whose writer
/// is gone is reported, never silently broken, since breaking it could race
/// another process doing the same.
pub(crate) fn lock(file: &Path) -> Result<LockGuard> {
    let path = lock_path(file);
    let deadline = Instant::now() + LOCK_WAIT;
    let mut delay = Duration::from_millis(2);
    loop {
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut f) => {
                // kubectl leaves the lock empty; our PID lets a later run tell a stale lock.
                let _ = write!(f, "{}", std::process::id());
                return Ok(LockGuard { path });
            }
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                let Some(first) = LockLook::take(&path) else {
                    // Released between our attempt and our look: try again at once.
                    continue;
                };
                let dead_holder = first.holder().is_some_and(|pid| !process_runs(pid));
                if dead_holder {
                    // The holder may have unlocked and exited right after we read its PID.
                    // Only a lock that is still the same file with the same content is stale.
                    if LockLook::take(&path).as_ref() == Some(&first) {
                        return Err(Error::Locked {
                            lock: path,
                            age_secs: first.age().as_secs(),
                            holder: None,
                            stale: true,
                        });
                    }
                    continue;
                }
                if Instant::now() >= deadline {
                    return Err(Error::Locked {
                        lock: path,
                        age_secs: first.age().as_secs(),
                        holder: first.holder(),
                        stale: first.age() > LOCK_WAIT,
                    });
                }
                std::thread::sleep(delay);
                delay = (delay * 2).min(Duration::from_millis(50));
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {
                return Err(Error::io(file, e));
            }
            Err(e) => {
                return Err(Error::Unwritable {
                    path: path.clone(),
                    source: e,
                });
            }
        }
    }
}

/// One look at a lock someone else holds: which file it is and what it says.
#[derive(Debug, PartialEq, Eq)]
struct LockLook {
    dev: u64,
    ino: u64,
    ctime: (i64, i64),
    content: Vec<u8>,
    modified: Option<SystemTime>,
}

impl LockLook {
    /// `None` when there is no lock (any more).
    fn take(path: &Path) -> Option<LockLook> {
        let mut f = File::open(path).ok()?;
        let meta = f.metadata().ok()?;
        let mut content = Vec::new();
        f.read_to_end(&mut content).ok()?;
        Some(LockLook {
            dev: meta.dev(),
            ino: meta.ino(),
            ctime: (meta.ctime(), meta.ctime_nsec()),
            content,
            modified: meta.modified().ok(),
        })
    }

    fn holder(&self) -> Option<u32> {
        std::str::from_utf8(&self.content).ok()?.trim().parse().ok()
    }

    fn age(&self) -> Duration {
        self.modified
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .unwrap_or_default()
    }
}

fn process_runs(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// When another writer holds `<file>.lock`, waits until it lets go (at most as
/// long as [`lock`] would). Returns whether there was such a writer. Readers use
/// it to tell a file caught mid-rewrite (kubectl truncates, then writes) from a
/// broken one.
pub(crate) fn wait_for_other_writer(file: &Path) -> bool {
    let path = lock_path(file);
    let deadline = Instant::now() + LOCK_WAIT;
    let me = std::process::id();
    let mut waited = false;
    loop {
        let Some(look) = LockLook::take(&path) else {
            return waited;
        };
        let gone = look
            .holder()
            .is_some_and(|pid| pid == me || !process_runs(pid));
        if gone || look.age() > LOCK_WAIT {
            return waited;
        }
        if Instant::now() >= deadline {
            // A writer that hangs this long is not mid-rewrite: let the read's own error stand.
            return false;
        }
        waited = true;
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Replaces `file` with `contents` atomically, keeping its mode (and owner, when allowed).
/// A symlinked kubeconfig is written through to its target, keeping the link.
pub(crate) fn atomic_write(file: &Path, contents: &[u8]) -> Result<()> {
    atomic_write_parts(file, &[contents])
}

/// [`atomic_write`] of the concatenation of `parts`, which is never built in
/// memory (an edit of a large file writes the old bytes around the edits).
pub(crate) fn atomic_write_parts(file: &Path, parts: &[&[u8]]) -> Result<()> {
    atomic_write_with(file, |f| {
        for part in parts {
            f.write_all(part)?;
        }
        Ok(())
    })
}

/// [`atomic_write`] of `src` (of `len` bytes, from the file itself) with
/// sorted, non-overlapping `edits` applied. The unchanged bytes are copied by
/// the kernel, so the file is never held in memory; the caller holds the
/// lock, so `src` cannot change meanwhile (a short copy is an error all the same).
pub(crate) fn atomic_splice(file: &Path, src: &File, len: u64, edits: &[Edit]) -> Result<()> {
    atomic_write_with(file, |out| {
        let mut at = 0;
        for e in edits {
            copy_range(src, out, at, e.start as u64)?;
            out.write_all(e.text.as_bytes())?;
            at = e.end as u64;
        }
        copy_range(src, out, at, len)
    })
}

/// Copies bytes `from..to` of `src` to the end of `out` (copy_file_range on Linux).
fn copy_range(mut src: &File, out: &mut File, from: u64, to: u64) -> std::io::Result<()> {
    src.seek(SeekFrom::Start(from))?;
    let copied = std::io::copy(&mut src.take(to - from), out)?;
    if copied != to - from {
        return Err(std::io::Error::new(
            ErrorKind::UnexpectedEof,
            "the kubeconfig changed while it was copied",
        ));
    }
    Ok(())
}

/// Replaces `file` atomically with what `fill` writes to a temp file beside it.
fn atomic_write_with(
    file: &Path,
    fill: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> Result<()> {
    let target = match fs::canonicalize(file) {
        Ok(t) => t,
        Err(e) if e.kind() == ErrorKind::NotFound => file.to_path_buf(),
        Err(e) => return Err(Error::io(file, e)),
    };
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let existing = fs::metadata(&target).ok();
    if let Some(meta) = &existing {
        // The rename below needs only the directory: check the file itself, as kubectl's
        // in-place write does. Root may write anyway, but a file without write bits was
        // made read-only on purpose.
        let refused = if meta.permissions().mode() & 0o222 == 0 {
            Some(std::io::Error::from(ErrorKind::PermissionDenied))
        } else {
            may_write(&target).err()
        };
        if let Some(source) = refused {
            return Err(Error::Unwritable {
                path: target.clone(),
                source,
            });
        }
    }
    let file_name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "config".into());
    remove_dead_temp_files(&dir, &file_name);
    let tmp = dir.join(format!(
        ".{file_name}.honban-{}-{}.tmp",
        std::process::id(),
        nanos()
    ));
    let result = (|| -> std::io::Result<()> {
        let mut f = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        let mode = existing
            .as_ref()
            .map(|m| m.permissions().mode() & 0o7777)
            .unwrap_or(0o600);
        f.set_permissions(fs::Permissions::from_mode(mode))?;
        if let Some(meta) = &existing {
            // Only root can give a file away; failing that the new file is ours, as before.
            let _ = std::os::unix::fs::fchown(&f, Some(meta.uid()), Some(meta.gid()));
        }
        fill(&mut f)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, &target)?;
        if let Ok(d) = File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(Error::Unwritable {
            path: target,
            source: e,
        });
    }
    Ok(())
}

/// Whether this process may write `path` itself (access(2) with the effective IDs).
fn may_write(path: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes())
        .map_err(|_| std::io::Error::from(ErrorKind::InvalidInput))?;
    // SAFETY: `c_path` is a NUL-terminated string that outlives the call; faccessat
    // only reads it.
    let rc = unsafe {
        libc::faccessat(
            libc::AT_FDCWD,
            c_path.as_ptr(),
            libc::W_OK,
            libc::AT_EACCESS,
        )
    };
    if rc == 0 {
        return Ok(());
    }
    let e = std::io::Error::last_os_error();
    // Plain "permission denied", as for a read-only file, without the errno suffix.
    Err(match e.kind() {
        ErrorKind::PermissionDenied => std::io::Error::from(ErrorKind::PermissionDenied),
        _ => e,
    })
}

/// Temp files of writers that were killed mid-write; their PID no longer runs.
fn remove_dead_temp_files(dir: &Path, file_name: &str) {
    let prefix = format!(".{file_name}.honban-");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Some(rest) = name.strip_prefix(&prefix) else {
            continue;
        };
        let pid = rest.split('-').next().unwrap_or_default();
        if !pid.is_empty() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = fs::remove_file(entry.path());
        }
    }
}

fn nanos() -> u128 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default()
}
