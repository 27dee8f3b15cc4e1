//! `kubectl ctx --export NAME`: a private one-context kubeconfig for this
//! shell, and the `export KUBECONFIG=…` line that points the shell at it.

use std::path::PathBuf;

use crate::error::{Error, Result, exit};
use crate::kubeconfig::{Kubeconfig, SHELL_EXTENSION};
use crate::output;
use crate::state;

/// Writes a private one-context kubeconfig and prints the `export` line for it.
/// `into` refills an existing per-shell file instead of making a new one.
pub(super) fn export(
    originals: &Kubeconfig,
    name: &str,
    namespace: Option<&str>,
    into: Option<PathBuf>,
) -> Result<u8> {
    let mut doc = originals.minify(name)?;
    if let Some(ns) = namespace {
        doc["contexts"][0]["context"]["namespace"] = serde_json::Value::String(ns.to_string());
    }
    let sources: Vec<String> = originals
        .files
        .iter()
        .map(|f| absolute(&f.path).display().to_string())
        .collect();
    doc["extensions"] = serde_json::json!([{
        "name": SHELL_EXTENSION,
        "extension": {"sources": sources},
    }]);
    let text = output::to_yaml(&doc)?;
    let refill = into.is_some();
    let path = match into {
        Some(p) => p,
        None => {
            let dir = state::runtime_dir()?;
            sweep_old_shell_files(&dir);
            dir.join(format!(
                "shell-{}-{}.kubeconfig",
                parent_pid(),
                std::process::id()
            ))
        }
    };
    let create = !path.exists();
    if create {
        // Credentials inside: the file is the user's alone from its first byte.
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
    }
    let _lock = crate::kubeconfig::write::lock(&path)?;
    crate::kubeconfig::write::atomic_write(&path, text.as_bytes())?;
    if !refill {
        output::print_lines([format!(
            "export KUBECONFIG={}",
            shell_quote(&path.display().to_string())
        )])?;
    }
    Ok(exit::OK)
}

fn absolute(p: &std::path::Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    }
}

fn parent_pid() -> u32 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the `(comm)`; the parent PID is the second of them.
            let rest = &s[s.rfind(')')? + 2..];
            rest.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

/// Per-shell files whose shell is gone and that nobody touched for a day.
fn sweep_old_shell_files(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let day = std::time::Duration::from_secs(24 * 3600);
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix("shell-")
            .and_then(|r| r.split('-').next())
        else {
            continue;
        };
        let shell_alive = std::path::Path::new(&format!("/proc/{pid}")).exists();
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > day);
        if !shell_alive && old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn shell_quote(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+:@".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
