//! The on-disk cache for tokens and assumed-role credentials.
//!
//! kubectl runs the exec plugin on every invocation and keeps nothing between
//! processes, so without this cache every `kubectl get` would sign a new token
//! (and call STS when a role or SSO is involved).
//!
//! Layout: `~/.kube/cache/honban/aws-token/` (0700) holds one JSON file per key,
//! `token-<sha256>.json` or `creds-<sha256>.json` (0600), named by a hash over
//! every input that changes the result. Rules:
//! - a file that is not ours, not a regular file, or readable by group or others
//!   is refused with the reason, and replaced by a fresh private one;
//! - writers take `<file>.lock` (flock), re-check the entry, then write a temp
//!   file and rename it into place, so readers see the old entry or the new one;
//! - an unreadable or corrupt entry is ignored and rewritten;
//! - entries are used until their expiry minus a margin.
//!
//! Lock files stay in place: deleting one while another process waits on it
//! would let two writers in.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Serialize, de::DeserializeOwned};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::state::current_uid;

const LOCK_WAIT: Duration = Duration::from_secs(3);
pub(crate) const FORMAT_VERSION: u32 = 1;

/// What a cache entry is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Token,
    Credentials,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Kind::Token => "token",
            Kind::Credentials => "creds",
        }
    }
}

/// The inputs an entry depends on, as ordered name/value pairs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Key {
    pub(crate) fields: BTreeMap<String, String>,
}

impl Key {
    pub(crate) fn new() -> Key {
        Key::default()
    }

    pub(crate) fn with(mut self, name: &str, value: impl Into<String>) -> Key {
        self.fields.insert(name.to_string(), value.into());
        self
    }

    pub(crate) fn with_opt(self, name: &str, value: Option<&str>) -> Key {
        match value {
            Some(v) => self.with(name, v),
            None => self,
        }
    }

    pub(crate) fn digest(&self) -> String {
        let mut h = Sha256::new();
        for (k, v) in &self.fields {
            // Length-prefixed, so no two field sets hash the same text.
            h.update((k.len() as u64).to_le_bytes());
            h.update(k.as_bytes());
            h.update((v.len() as u64).to_le_bytes());
            h.update(v.as_bytes());
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Why a cache file was not used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Group or others can access it: its secret may have leaked.
    Exposed {
        mode: u32,
    },
    NotOwned {
        uid: u32,
    },
    NotRegular,
}

impl Refusal {
    pub(crate) fn explain(&self, path: &Path) -> String {
        match self {
            Refusal::Exposed { mode } => format!(
                "refusing cache file {}: its mode {mode:04o} lets group or others read it, so the token in it may have leaked; a new private entry replaces it",
                path.display()
            ),
            Refusal::NotOwned { uid } => format!(
                "refusing cache file {}: it belongs to uid {uid}, not to you; remove it",
                path.display()
            ),
            Refusal::NotRegular => format!(
                "refusing cache file {}: not a regular file (a symlink?); remove it",
                path.display()
            ),
        }
    }
}

pub(crate) enum Lookup<T> {
    Hit(T),
    Miss,
    Corrupt,
    Refused(Refusal),
}

#[derive(Debug, Clone)]
pub(crate) struct Cache {
    pub(crate) dir: PathBuf,
}

pub(crate) fn default_dir() -> PathBuf {
    crate::state::cache_dir("aws-token")
}

/// Checks that a file is ours, regular, and private.
pub(crate) fn check_private(meta: &fs::Metadata) -> Option<Refusal> {
    if !meta.file_type().is_file() {
        return Some(Refusal::NotRegular);
    }
    if meta.uid() != current_uid() {
        return Some(Refusal::NotOwned { uid: meta.uid() });
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Some(Refusal::Exposed { mode });
    }
    None
}

/// Holds an entry's lock until dropped.
pub(crate) struct EntryLock {
    _file: File,
}

impl Cache {
    pub(crate) fn at(dir: PathBuf) -> Cache {
        Cache { dir }
    }

    /// Creates the directory (0700) when it is missing and tightens it when it is ours.
    pub(crate) fn prepare(&self) -> Result<()> {
        // One stat on the usual path, where the directory is already there.
        let meta = match fs::symlink_metadata(&self.dir) {
            Err(e) if e.kind() == ErrorKind::NotFound => {
                fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(&self.dir)
                    .map_err(|e| Error::io(&self.dir, e))?;
                fs::symlink_metadata(&self.dir)
            }
            other => other,
        }
        .map_err(|e| Error::io(&self.dir, e))?;
        if !meta.is_dir() || meta.uid() != current_uid() {
            return Err(Error::Failed(format!(
                "{} is not a directory owned by you; remove it",
                self.dir.display()
            )));
        }
        if meta.mode() & 0o077 != 0 {
            fs::set_permissions(&self.dir, fs::Permissions::from_mode(0o700))
                .map_err(|e| Error::io(&self.dir, e))?;
        }
        Ok(())
    }

    pub(crate) fn path(&self, kind: Kind, key: &Key) -> PathBuf {
        self.dir
            .join(format!("{}-{}.json", kind.prefix(), key.digest()))
    }

    /// Reads an entry. `matches` rejects an entry whose stored key differs (a
    /// hash collision or a format change).
    pub(crate) fn lookup<T: DeserializeOwned>(&self, path: &Path) -> Lookup<T> {
        let file = match OpenOptions::new()
            .read(true)
            .custom_flags(libc_o_nofollow())
            .open(path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::NotFound => return Lookup::Miss,
            Err(_) => {
                return match fs::symlink_metadata(path) {
                    Ok(m) if m.file_type().is_symlink() => Lookup::Refused(Refusal::NotRegular),
                    _ => Lookup::Corrupt,
                };
            }
        };
        let meta = match file.metadata() {
            Ok(m) => m,
            Err(_) => return Lookup::Corrupt,
        };
        if let Some(refusal) = check_private(&meta) {
            return Lookup::Refused(refusal);
        }
        match serde_json::from_reader(std::io::BufReader::new(file)) {
            Ok(v) => Lookup::Hit(v),
            Err(_) => Lookup::Corrupt,
        }
    }

    /// Takes the entry's lock, waiting a little for another writer; `None` when it
    /// stays busy, in which case the caller goes on without writing.
    pub(crate) fn lock(&self, path: &Path) -> Option<EntryLock> {
        let mut lock_path = path.as_os_str().to_owned();
        lock_path.push(".lock");
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(libc_o_nofollow())
            .open(PathBuf::from(lock_path))
            .ok()?;
        let deadline = Instant::now() + LOCK_WAIT;
        let mut delay = Duration::from_millis(1);
        loop {
            match file.try_lock() {
                Ok(()) => return Some(EntryLock { _file: file }),
                Err(std::fs::TryLockError::WouldBlock) if Instant::now() < deadline => {
                    std::thread::sleep(delay);
                    delay = (delay * 2).min(Duration::from_millis(20));
                }
                Err(_) => return None,
            }
        }
    }

    /// Writes an entry: a private temp file renamed over the old one.
    pub(crate) fn store<T: Serialize>(&self, path: &Path, value: &T) -> Result<()> {
        let text = serde_json::to_vec(value).map_err(|e| Error::Failed(e.to_string()))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = self.dir.join(format!(
            ".{name}.{}.{}.tmp",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or_default()
        ));
        let result = (|| -> std::io::Result<()> {
            let mut f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&tmp)?;
            // The umask may have narrowed the mode further; never widened it.
            f.write_all(&text)?;
            // No fsync: a torn entry after a crash reads as corrupt and is rewritten.
            drop(f);
            fs::rename(&tmp, path)
        })();
        result.map_err(|e| {
            let _ = fs::remove_file(&tmp);
            self.refused_write(
                e,
                &format!(
                    "make it writable (chmod u+w {}) or pass --no-cache",
                    self.dir.display()
                ),
            )
        })
    }

    /// A write in the directory that failed; `fix` says what to do when the
    /// directory is not writable by this user (read-only, or another's).
    fn refused_write(&self, e: std::io::Error, fix: &str) -> Error {
        let denied = matches!(
            e.kind(),
            ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem
        );
        Error::Failed(if denied {
            format!("cannot write in {}: {e}; {fix}", self.dir.display())
        } else {
            format!("cannot write in {}: {e}", self.dir.display())
        })
    }

    /// Who was last given an entry: `(parent pid, signing time of the token)`.
    /// kubectl runs the plugin again in the same process after a 401; seeing the
    /// same parent ask for the same token again is how that retry is recognised.
    pub(crate) fn served_to(&self, path: &Path) -> Option<(u32, i64)> {
        let file = OpenOptions::new()
            .read(true)
            .custom_flags(libc_o_nofollow())
            .open(served_path(path))
            .ok()?;
        let mut text = String::new();
        file.take(64).read_to_string(&mut text).ok()?;
        let mut fields = text.split_whitespace();
        let pid = fields.next()?.parse().ok()?;
        let at = fields.next()?.parse().ok()?;
        Some((pid, at))
    }

    /// Records who was given an entry; best effort (a lost record only costs a
    /// re-sign). The record has a fixed width and is written in place with one
    /// write: it runs on every cache hit, where a temp file and a rename would
    /// cost more than the rest of the hit.
    pub(crate) fn record_served(&self, path: &Path, parent: u32, signed_at: i64) {
        let record = format!("{parent:<10} {signed_at:<20}\n");
        let _ = OpenOptions::new()
            .write(true)
            .create(true)
            .mode(0o600)
            .custom_flags(libc_o_nofollow())
            .open(served_path(path))
            .and_then(|mut f| f.write_all(record.as_bytes()));
    }

    /// Every entry file (not locks or temp files) with its kind.
    pub(crate) fn files(&self) -> Result<Vec<(Kind, PathBuf)>> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io(&self.dir, e)),
        };
        let mut out = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.ends_with(".json") {
                continue;
            }
            let kind = if name.starts_with("token-") {
                Kind::Token
            } else if name.starts_with("creds-") {
                Kind::Credentials
            } else {
                continue;
            };
            out.push((kind, entry.path()));
        }
        out.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(out)
    }

    /// Removes every entry, lock and temp file; returns how many entries went.
    pub(crate) fn clear(&self) -> Result<usize> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(Error::io(&self.dir, e)),
        };
        let mut removed = 0;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let ours = (name.starts_with("token-") || name.starts_with("creds-"))
                && (name.ends_with(".json")
                    || name.ends_with(".json.lock")
                    || name.ends_with(".json.served"))
                || (name.starts_with('.') && name.ends_with(".tmp"));
            if !ours {
                continue;
            }
            fs::remove_file(entry.path()).map_err(|e| {
                self.refused_write(
                    e,
                    &format!(
                        "make it writable (chmod u+w {}) and clear again",
                        self.dir.display()
                    ),
                )
            })?;
            if name.ends_with(".json") {
                removed += 1;
            }
        }
        Ok(removed)
    }
}

fn served_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".served");
    PathBuf::from(p)
}

/// `O_NOFOLLOW`: a symlink planted in place of an entry is not followed.
fn libc_o_nofollow() -> i32 {
    libc::O_NOFOLLOW
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, serde::Deserialize, PartialEq, Debug)]
    struct Entry {
        value: String,
    }

    fn temp_cache() -> (tempfile::TempDir, Cache) {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().join("c"));
        cache.prepare().unwrap();
        (dir, cache)
    }

    #[test]
    fn key_digest_depends_on_every_field() {
        let a = Key::new().with("cluster", "a").with("region", "us-east-1");
        let b = Key::new().with("cluster", "a").with("region", "us-east-2");
        let c = Key::new().with("cluster", "a").with("region", "us-east-1");
        assert_ne!(a.digest(), b.digest());
        assert_eq!(a.digest(), c.digest());
        // Field boundaries matter.
        let d = Key::new().with("ab", "c");
        let e = Key::new().with("a", "bc");
        assert_ne!(d.digest(), e.digest());
    }

    #[test]
    fn store_then_lookup_is_private() {
        let (_d, cache) = temp_cache();
        let path = cache.path(Kind::Token, &Key::new().with("k", "v"));
        cache.store(&path, &Entry { value: "x".into() }).unwrap();
        let meta = fs::metadata(&path).unwrap();
        assert_eq!(meta.mode() & 0o777, 0o600);
        assert_eq!(fs::metadata(&cache.dir).unwrap().mode() & 0o777, 0o700);
        match cache.lookup::<Entry>(&path) {
            Lookup::Hit(e) => assert_eq!(e.value, "x"),
            _ => panic!("expected a hit"),
        }
    }

    #[test]
    fn exposed_and_corrupt_entries_are_not_used() {
        let (_d, cache) = temp_cache();
        let path = cache.path(Kind::Token, &Key::new().with("k", "v"));
        cache.store(&path, &Entry { value: "x".into() }).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            cache.lookup::<Entry>(&path),
            Lookup::Refused(Refusal::Exposed { mode: 0o644 })
        ));
        fs::write(&path, "{not json").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        assert!(matches!(cache.lookup::<Entry>(&path), Lookup::Corrupt));
        let link = cache.dir.join("token-link.json");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        assert!(matches!(
            cache.lookup::<Entry>(&link),
            Lookup::Refused(Refusal::NotRegular)
        ));
    }

    #[test]
    fn loosened_directory_is_tightened() {
        let (_d, cache) = temp_cache();
        fs::set_permissions(&cache.dir, fs::Permissions::from_mode(0o755)).unwrap();
        cache.prepare().unwrap();
        assert_eq!(fs::metadata(&cache.dir).unwrap().mode() & 0o777, 0o700);
    }

    #[test]
    fn clear_removes_entries_and_locks() {
        let (_d, cache) = temp_cache();
        let path = cache.path(Kind::Token, &Key::new().with("k", "v"));
        let lock = cache.lock(&path).unwrap();
        cache.store(&path, &Entry { value: "x".into() }).unwrap();
        drop(lock);
        fs::write(cache.dir.join("unrelated"), "keep").unwrap();
        assert_eq!(cache.files().unwrap().len(), 1);
        assert_eq!(cache.clear().unwrap(), 1);
        let left: Vec<_> = fs::read_dir(&cache.dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, vec![std::ffi::OsString::from("unrelated")]);
    }

    #[test]
    fn served_records_are_rewritten_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::at(dir.path().to_path_buf());
        let path = dir.path().join("token-x.json");
        assert_eq!(cache.served_to(&path), None);
        // The earlier, shorter format still reads and is fully overwritten.
        fs::write(served_path(&path), "25660 1795674194").unwrap();
        assert_eq!(cache.served_to(&path), Some((25660, 1795674194)));
        cache.record_served(&path, 4_000_000, 1_900_000_000);
        assert_eq!(cache.served_to(&path), Some((4_000_000, 1_900_000_000)));
        cache.record_served(&path, 7, 8);
        assert_eq!(cache.served_to(&path), Some((7, 8)));
        let fresh = dir.path().join("token-y.json");
        cache.record_served(&fresh, 1, 2);
        let meta = fs::metadata(served_path(&fresh)).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        fs::write(served_path(&path), "garbage").unwrap();
        assert_eq!(cache.served_to(&path), None);
    }

    #[test]
    fn lock_excludes_a_second_holder() {
        let (_d, cache) = temp_cache();
        let path = cache.path(Kind::Token, &Key::new().with("k", "v"));
        let first = cache.lock(&path).unwrap();
        let mut lock_path = path.as_os_str().to_owned();
        lock_path.push(".lock");
        let other = File::open(PathBuf::from(lock_path)).unwrap();
        assert!(other.try_lock().is_err());
        drop(first);
        assert!(other.try_lock().is_ok());
    }
}
