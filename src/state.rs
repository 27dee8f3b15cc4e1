//! Small state files shared with kubectx/kubens, so users who switch over keep
//! their history: `${XDG_CACHE_HOME:-$HOME/.kube}/kubectx` holds the previous
//! context, `…/kubens/<context>` the previous namespace of each context.
//! Values are written without a trailing newline, as kubectx does.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub(crate) fn state_dir() -> PathBuf {
    match std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => crate::kubeconfig::home_dir().join(".kube"),
    }
}

/// honban's own cache for one purpose, beside kubectl's: `~/.kube/cache/honban/<name>`.
pub(crate) fn cache_dir(name: &str) -> PathBuf {
    crate::kubeconfig::home_dir()
        .join(".kube")
        .join("cache")
        .join("honban")
        .join(name)
}

pub(crate) fn previous_context_file() -> PathBuf {
    state_dir().join("kubectx")
}

/// kubens (Go) keeps one file per context and makes subdirectories for `/` in names.
pub(crate) fn previous_namespace_file(context: &str) -> PathBuf {
    state_dir().join("kubens").join(context)
}

pub(crate) fn read(path: &Path) -> Option<String> {
    fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Writes a state value atomically, creating missing directories.
pub(crate) fn write(path: &Path, value: &str) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    let result = (|| -> std::io::Result<()> {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(value.as_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

/// A private per-user runtime directory (0700) for per-shell kubeconfigs.
pub(crate) fn runtime_dir() -> Result<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let base = match std::env::var_os("XDG_RUNTIME_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir).join("honban"),
        None => std::env::temp_dir().join(format!("honban-{}", current_uid())),
    };
    if !base.exists() {
        fs::create_dir_all(&base).map_err(|e| Error::io(&base, e))?;
    }
    fs::set_permissions(&base, fs::Permissions::from_mode(0o700))
        .map_err(|e| Error::io(&base, e))?;
    let meta = fs::symlink_metadata(&base).map_err(|e| Error::io(&base, e))?;
    // A directory planted by someone else in /tmp must not receive credentials.
    if !meta.is_dir() || meta.uid() != current_uid() {
        return Err(Error::Failed(format!(
            "{} is not a directory owned by you; remove it or set XDG_RUNTIME_DIR",
            base.display()
        )));
    }
    Ok(base)
}

pub(crate) fn current_uid() -> u32 {
    use std::os::unix::fs::MetadataExt;
    static UID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *UID.get_or_init(|| fs::metadata("/proc/self").map(|m| m.uid()).unwrap_or(0))
}
