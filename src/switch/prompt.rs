//! `kubectl ctx --prompt`: `context/namespace` for PS1, starship or a tmux status
//! line, with no API call.
//!
//! A prompt renders after every command while the kubeconfig rarely changes, so
//! the answer is kept per set of kubeconfig files and reused while each file keeps
//! its identity (device, inode, size, mtime, ctime), as kube-ps1 does with mtimes.
//! A file changed in the last two seconds is not cached: two writes inside one
//! timestamp tick would look alike (git's "racily clean" problem).

use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::{Result, exit};
use crate::kubeconfig::{self, Kubeconfig};
use crate::output;

/// How long a file must have been left alone before its answer is kept.
const SETTLED: Duration = Duration::from_secs(2);

pub(super) fn run(flag: Option<&Path>) -> Result<u8> {
    let (paths, _) = kubeconfig::locate(flag);
    let stamps: Vec<Option<Stamp>> = paths.iter().map(|p| Stamp::of(p)).collect();
    if stamps.iter().all(Option::is_none) {
        return Ok(exit::OK);
    }
    let cache = cache_file(&paths);
    let identity = identity_text(&stamps);
    if let Some(answer) = cached(&cache, &identity) {
        print(&answer)?;
        return Ok(exit::OK);
    }
    let Ok(kc) = Kubeconfig::load_contexts(flag) else {
        return Ok(exit::FAILURE);
    };
    let answer = match kc.current_context() {
        Some((name, _)) => {
            let namespace = kc
                .context(name)
                .and_then(|c| c.namespace)
                .unwrap_or_else(|| "default".to_string());
            format!("{name}/{namespace}")
        }
        None => String::new(),
    };
    if stamps.iter().flatten().all(Stamp::settled) {
        // Best effort: a lost entry only costs the next prompt a read.
        let _ = store(&cache, &identity, &answer);
    }
    print(&answer)?;
    Ok(exit::OK)
}

fn print(answer: &str) -> Result<()> {
    if answer.is_empty() {
        return Ok(());
    }
    output::print_lines([answer])
}

/// What identifies one version of a file without reading it.
struct Stamp {
    dev: u64,
    ino: u64,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Stamp {
    fn of(path: &Path) -> Option<Stamp> {
        let m = fs::metadata(path).ok()?;
        Some(Stamp {
            dev: m.dev(),
            ino: m.ino(),
            size: m.size(),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
        })
    }

    fn settled(&self) -> bool {
        let latest = self.mtime.max(self.ctime);
        let changed = UNIX_EPOCH + Duration::new(latest.0.max(0) as u64, latest.1 as u32);
        SystemTime::now()
            .duration_since(changed)
            .is_ok_and(|age| age >= SETTLED)
    }
}

fn identity_text(stamps: &[Option<Stamp>]) -> String {
    let mut out = String::new();
    for stamp in stamps {
        match stamp {
            Some(s) => out.push_str(&format!(
                "{} {} {} {}.{} {}.{}\n",
                s.dev, s.ino, s.size, s.mtime.0, s.mtime.1, s.ctime.0, s.ctime.1
            )),
            None => out.push_str("-\n"),
        }
    }
    out
}

/// One entry per list of kubeconfig paths.
fn cache_file(paths: &[PathBuf]) -> PathBuf {
    let mut hasher = std::hash::DefaultHasher::new();
    paths.hash(&mut hasher);
    crate::state::cache_dir("prompt").join(format!("{:016x}", hasher.finish()))
}

/// The cached answer, when the entry was made from files with these identities.
fn cached(path: &Path, identity: &str) -> Option<String> {
    let text = fs::read_to_string(path).ok()?;
    let answer = text.strip_prefix(identity)?.strip_suffix('\n')?;
    (!answer.contains('\n')).then(|| answer.to_string())
}

fn store(path: &Path, identity: &str, answer: &str) -> std::io::Result<()> {
    let dir = path.parent().expect("a cache file has a directory");
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    let tmp = dir.join(format!(".tmp.{}", std::process::id()));
    let written = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .and_then(|mut f| f.write_all(format!("{identity}{answer}\n").as_bytes()))
        .and_then(|_| fs::rename(&tmp, path));
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_answers_only_for_the_same_identities() {
        let dir = tempfile::tempdir().unwrap();
        let entry = dir.path().join("sub").join("entry");
        store(&entry, "1 2 3 4.5 6.7\n", "prod/payments").unwrap();
        assert_eq!(
            cached(&entry, "1 2 3 4.5 6.7\n").as_deref(),
            Some("prod/payments")
        );
        assert_eq!(cached(&entry, "1 2 3 4.5 6.8\n"), None);
        assert_eq!(cached(&entry, "-\n"), None);
        // A torn entry is a miss, not a wrong answer.
        fs::write(&entry, "1 2 3 4.5 6.7\nprod/pay").unwrap();
        assert_eq!(cached(&entry, "1 2 3 4.5 6.7\n"), None);
    }

    #[test]
    fn a_fresh_file_is_not_settled() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config");
        fs::write(&file, "x").unwrap();
        assert!(!Stamp::of(&file).unwrap().settled());
        let old = SystemTime::now() - Duration::from_secs(10);
        fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(old)
            .unwrap();
        // ctime moved with the change above, so the file is still fresh.
        assert!(!Stamp::of(&file).unwrap().settled());
    }
}
