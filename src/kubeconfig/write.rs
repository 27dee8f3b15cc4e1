//! Safe kubeconfig writes: kubectl's lock protocol plus an atomic replace.
//!
//! kubectl takes `<file>.lock` (created exclusively, deleted afterwards) before it
//! writes, so taking the same lock makes honban and kubectl exclude each other.
//! The new content goes to a temp file in the same directory, is fsynced, then
//! renamed over the original: a crash leaves the old file or the new one.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use crate::error::{Error, Result};

/// How long to wait for a lock that another live writer holds.
const LOCK_WAIT: Duration = Duration::from_secs(10);

pub struct LockGuard {
    path: PathBuf,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

pub fn lock_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// Takes `<file>.lock`. Waits while a live process holds it; a lock whose writer
/// is gone is reported, never silently broken, since breaking it could race
/// another process doing the same.
pub fn lock(file: &Path) -> Result<LockGuard> {
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
                let holder = fs::read_to_string(&path)
                    .ok()
                    .and_then(|s| s.trim().parse::<u32>().ok());
                let age = fs::metadata(&path)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| SystemTime::now().duration_since(t).ok())
                    .unwrap_or_default();
                let dead_holder =
                    holder.is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists());
                if dead_holder || Instant::now() >= deadline {
                    return Err(Error::Locked {
                        lock: path,
                        age_secs: age.as_secs(),
                        holder: holder.filter(|_| !dead_holder),
                        stale: dead_holder || age > LOCK_WAIT,
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

/// Replaces `file` with `contents` atomically, keeping its mode (and owner, when allowed).
/// A symlinked kubeconfig is written through to its target, keeping the link.
pub fn atomic_write(file: &Path, contents: &[u8]) -> Result<()> {
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
    if let Some(meta) = &existing
        && meta.permissions().mode() & 0o222 == 0
    {
        // Root may write anyway, but a file without write bits was made read-only on purpose.
        return Err(Error::Unwritable {
            path: target.clone(),
            source: std::io::Error::from(ErrorKind::PermissionDenied),
        });
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
        f.write_all(contents)?;
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
