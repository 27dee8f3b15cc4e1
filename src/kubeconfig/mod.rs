//! The kubeconfig engine: kubectl's loading and merge rules, the owning file of
//! every change, byte-preserving edits and safe writes.
//!
//! Loading: `--kubeconfig FILE`, else every file in `KUBECONFIG` (first wins on
//! merge), else `~/.kube/config`. Files are opened read-only and each is parsed
//! once. A change is planned as text edits per file ([`Change`]) on a read taken
//! under kubectl's `<file>.lock` (see `commit`); only the files it touches are written.
//!
//! Every reader gives a file kubectl's meaning (go-yaml, YAML 1.1): a repeated
//! key reads as its last copy, and what kubectl refuses is refused
//! (`ambiguity`), as is an edit of a file whose meaning hangs on a repeat.
//!
//! The rooms: this file holds the model (the loaded files and a planned
//! [`Change`]) and its private accessors; `load` reads files by kubectl's
//! rules, `select` answers which context, `plan` and `delete` turn a request
//! into edits, `upsert` adds or replaces whole entries, `commit` writes.

mod ambiguity;
mod commit;
mod delete;
pub(crate) mod edit;
mod load;
mod minify;
mod peek;
mod plan;
mod select;
mod splice;
mod upsert;
pub(crate) mod write;
pub mod yaml;

pub(crate) use load::{home_dir, locate};
pub(crate) use minify::Selection;
pub use select::ContextInfo;
pub(crate) use upsert::NamedEntry;

use std::collections::BTreeMap;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::Arc;

use crate::error::Error;
use edit::Edit;
use yaml::{Document, Node};

/// The extension that marks a per-shell kubeconfig and remembers its sources.
pub(crate) const SHELL_EXTENSION: &str = "honban.io/shell";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// `--kubeconfig FILE`
    Flag,
    /// `KUBECONFIG`, with this many distinct entries.
    Env(usize),
    /// `~/.kube/config`
    Default,
}

#[derive(Debug)]
pub(crate) struct ConfigFile {
    pub(crate) path: PathBuf,
    /// Shared with the document's deferred sections, which point into it.
    pub(crate) text: Arc<String>,
    pub(crate) doc: Document,
    pub(crate) exists: bool,
}

#[derive(Debug)]
pub struct Kubeconfig {
    pub(crate) files: Vec<ConfigFile>,
    pub(crate) source: Source,
    /// Names defined in more than one file (kubectl keeps the first).
    pub(crate) warnings: Vec<String>,
}

/// A read-only merged view of the contexts (see [`Kubeconfig::load_contexts`]);
/// it has no file text, so it cannot be edited or committed.
#[derive(Debug)]
pub(crate) struct ContextsView(Kubeconfig);

impl Deref for ContextsView {
    type Target = Kubeconfig;
    fn deref(&self) -> &Kubeconfig {
        &self.0
    }
}

/// Text edits to apply, per file index. Public while aws-token's planning
/// functions, which return it, are.
#[derive(Debug, Default)]
pub struct Change {
    pub(crate) edits: BTreeMap<usize, Vec<Edit>>,
    /// Files to create because they do not exist yet.
    pub(crate) creates: BTreeMap<usize, String>,
}

impl Change {
    pub(crate) fn is_empty(&self) -> bool {
        self.edits.values().all(|e| e.is_empty()) && self.creates.is_empty()
    }

    fn push(&mut self, file: usize, edit: Edit) {
        self.edits.entry(file).or_default().push(edit);
    }

    pub(crate) fn merge(&mut self, other: Change) {
        for (file, edits) in other.edits {
            self.edits.entry(file).or_default().extend(edits);
        }
        self.creates.extend(other.creates);
    }
}

/// The accessors every room below reads the files through.
impl Kubeconfig {
    fn root(&self, file: usize) -> Option<&Node> {
        self.files[file].doc.root.as_ref()
    }

    /// `(name, item)` pairs of a named list (`contexts`, `clusters`, `users`) in one file.
    fn named(&self, file: usize, list: &str) -> Vec<(&str, &Node)> {
        let doc = &self.files[file].doc;
        let Some(root) = self.root(file) else {
            return Vec::new();
        };
        let Some(seq) = doc.get(root, list) else {
            return Vec::new();
        };
        doc.items(seq)
            .iter()
            .filter_map(|item| doc.get_str(item, "name").map(|n| (n, item)))
            .collect()
    }

    /// The first file that defines `name` in `list`, and its item.
    fn find_named(&self, list: &str, name: &str) -> Option<(usize, &Node)> {
        (0..self.files.len()).find_map(|fi| {
            self.named(fi, list)
                .into_iter()
                .find(|(n, _)| *n == name)
                .map(|(_, item)| (fi, item))
        })
    }

    fn shape_error(&self, file: usize, message: &str) -> Error {
        Error::Kubeconfig {
            path: self.files[file].path.clone(),
            message: message.to_string(),
        }
    }
}
