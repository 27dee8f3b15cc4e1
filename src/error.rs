//! One error type for the core, and the exit codes the plugins return.
//!
//! Every variant renders as one line that tells the user what to do next.

use std::path::{Path, PathBuf};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Exit codes shared by every plugin (audit documents its own on top).
pub(crate) mod exit {
    pub const OK: u8 = 0;
    pub const FAILURE: u8 = 1;
    pub const USAGE: u8 = 2;
    /// The user cancelled an interactive picker (128 + SIGINT, as fzf exits).
    pub const CANCELLED: u8 = 130;
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Usage(String),

    #[error("{path}:{line}:{col}: invalid YAML: {message}; fix the file, it was left untouched")]
    Yaml {
        path: PathBuf,
        line: usize,
        col: usize,
        message: String,
    },

    #[error("{path}: {message}")]
    Kubeconfig { path: PathBuf, message: String },

    #[error("no context named {0:?}; run `kubectl ctx` to list contexts")]
    ContextNotFound(String),

    #[error("{}", no_kubeconfig_message(.paths, *.from_env))]
    NoKubeconfig { paths: Vec<PathBuf>, from_env: bool },

    #[error("no current context is set; pick one with `kubectl ctx NAME`")]
    NoCurrentContext,

    #[error(
        "no cluster named {0:?} in the kubeconfig (--cluster); run `kubectl config get-clusters` to list them"
    )]
    ClusterNotFound(String),

    #[error(
        "no user named {0:?} in the kubeconfig (--user); run `kubectl config get-users` to list them"
    )]
    UserNotFound(String),

    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("cannot write {path}: {source}; nothing was changed")]
    Unwritable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{}", locked_message(.lock, *.age_secs, *.holder, *.stale))]
    Locked {
        lock: PathBuf,
        age_secs: u64,
        holder: Option<u32>,
        stale: bool,
    },

    #[error("namespace {0:?} not found; run `kubectl ns` to list namespaces")]
    NamespaceNotFound(String),

    #[error(
        "cannot check namespace {namespace:?}: the API forbids it for this user ({reason}); use --force to set it without checking"
    )]
    NamespaceForbidden { namespace: String, reason: String },

    #[error("{context}: {message}")]
    Api { context: String, message: String },

    #[error("{0}")]
    Failed(String),

    /// Writing stdout failed (a full disk, a closed file). A closed pipe is
    /// not an error: output drops the rest quietly (see `output::write_stdout`).
    #[error("writing output: {}", os_message(.0))]
    Output(std::io::Error),

    /// rotate-secret: an object changed between reading and patching.
    #[error(
        "{object} changed while it was being switched ({detail}); not overwritten: {reverted} object(s) already switched were switched back; run the command again"
    )]
    RotateConflict {
        object: String,
        detail: String,
        reverted: usize,
    },

    /// rotate-secret: a rollout failed and the switch was undone.
    #[error(
        "rollout of {workload} failed ({reason}); switched {reverted} object(s) back to their previous version"
    )]
    RolloutFailed {
        workload: String,
        reason: String,
        reverted: usize,
    },
}

fn locked_message(lock: &Path, age: u64, holder: Option<u32>, stale: bool) -> String {
    if stale {
        format!(
            "{} is a stale lock ({age}s old) left by a writer that is gone; if no kubectl is running, remove it: rm {}",
            lock.display(),
            lock.display()
        )
    } else {
        let by = holder
            .map(|p| format!(" by process {p}"))
            .unwrap_or_default();
        format!(
            "{} is held{by} ({age}s); another kubectl or honban is writing, try again",
            lock.display()
        )
    }
}

fn no_kubeconfig_message(paths: &[PathBuf], from_env: bool) -> String {
    let list: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    if from_env {
        let exist = if list.len() == 1 {
            "which does not exist"
        } else {
            "none of which exists"
        };
        format!(
            "no kubeconfig file found: KUBECONFIG names {}, {exist}; point KUBECONFIG or --kubeconfig at an existing file",
            list.join(", ")
        )
    } else {
        format!(
            "no kubeconfig file found at {}; create it, or point KUBECONFIG or --kubeconfig at one",
            list.join(", ")
        )
    }
}

/// The system's message without Rust's " (os error N)" suffix.
fn os_message(e: &std::io::Error) -> String {
    let text = e.to_string();
    match e.raw_os_error() {
        Some(n) => text
            .strip_suffix(&format!(" (os error {n})"))
            .unwrap_or(&text)
            .to_string(),
        None => text,
    }
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => exit::USAGE,
            _ => exit::FAILURE,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Failed(e.to_string())
    }
}

/// Runs a plugin's body and turns its result into a process exit code,
/// printing the error as one line on stderr.
pub fn run(body: impl FnOnce() -> Result<u8>) -> std::process::ExitCode {
    match body() {
        Ok(code) => std::process::ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(e.exit_code())
        }
    }
}
