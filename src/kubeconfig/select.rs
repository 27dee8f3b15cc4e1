//! Which context: the current one, a named one, the merged list (first
//! definition wins), and the file a new `current-context` goes to.

use std::collections::HashSet;
use std::path::PathBuf;

use super::yaml::{Item, Node};
use super::{Kubeconfig, SHELL_EXTENSION, Source};
use crate::error::{Error, Result};

/// One context as the merged view sees it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ContextInfo {
    pub name: String,
    pub cluster: Option<String>,
    pub user: Option<String>,
    pub namespace: Option<String>,
    #[serde(skip)]
    pub(crate) file: usize,
    #[serde(skip)]
    pub(crate) index: usize,
}

impl ContextInfo {
    fn listed(l: Item, file: usize, index: usize) -> ContextInfo {
        ContextInfo {
            name: l.name.to_string(),
            cluster: l.cluster.map(str::to_string),
            user: l.user.map(str::to_string),
            namespace: l.namespace.filter(|n| !n.is_empty()).map(str::to_string),
            file,
            index,
        }
    }
}

impl Kubeconfig {
    /// The current context and the file that sets it (first non-empty wins).
    pub(crate) fn current_context(&self) -> Option<(&str, usize)> {
        self.files.iter().enumerate().find_map(|(i, f)| {
            let root = f.doc.root.as_ref()?;
            f.doc
                .get_str(root, "current-context")
                .filter(|s| !s.is_empty())
                .map(|s| (s, i))
        })
    }

    /// Every context in the merged view, first definition wins, in file order.
    pub(crate) fn contexts(&self) -> Vec<ContextInfo> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for fi in 0..self.files.len() {
            if let Some(listed) = self.files[fi].doc.listed("contexts") {
                for (index, l) in listed.iter().enumerate() {
                    if seen.insert(l.name) {
                        out.push(ContextInfo::listed(l, fi, index));
                    }
                }
                continue;
            }
            for (index, (name, item)) in self.named(fi, "contexts").into_iter().enumerate() {
                if seen.insert(name) {
                    out.push(self.context_info(fi, index, name, item));
                }
            }
        }
        out
    }

    /// The names of [`contexts`](Self::contexts) alone, borrowed: a listing of
    /// names builds nothing per context.
    pub(crate) fn context_names(&self) -> Vec<&str> {
        if let [_] = self.files.as_slice() {
            return self.names_in(0);
        }
        let mut seen = HashSet::new();
        (0..self.files.len())
            .flat_map(|fi| self.names_in(fi))
            .filter(|n| seen.insert(*n))
            .collect()
    }

    /// The context names of one file, from its list read without a tree when
    /// it was (see `Document::listed`).
    fn names_in(&self, file: usize) -> Vec<&str> {
        match self.files[file].doc.listed("contexts") {
            Some(listed) => (0..listed.len()).map(|i| listed.name(i)).collect(),
            None => self
                .named(file, "contexts")
                .into_iter()
                .map(|(n, _)| n)
                .collect(),
        }
    }

    /// Looks one context up without building the whole merged list.
    pub fn context(&self, name: &str) -> Option<ContextInfo> {
        (0..self.files.len()).find_map(|fi| {
            if let Some(listed) = self.files[fi].doc.listed("contexts") {
                return (0..listed.len())
                    .find(|&i| listed.name(i) == name)
                    .map(|index| ContextInfo::listed(listed.get(index), fi, index));
            }
            self.named(fi, "contexts")
                .into_iter()
                .enumerate()
                .find(|(_, (n, _))| *n == name)
                .map(|(index, (n, item))| self.context_info(fi, index, n, item))
        })
    }

    fn context_info(&self, file: usize, index: usize, name: &str, item: &Node) -> ContextInfo {
        let doc = &self.files[file].doc;
        let ctx = doc.get(item, "context");
        let field = |k: &str| ctx.and_then(|c| doc.get_str(c, k)).map(str::to_string);
        ContextInfo {
            name: name.to_string(),
            cluster: field("cluster"),
            user: field("user"),
            namespace: field("namespace").filter(|n| !n.is_empty()),
            file,
            index,
        }
    }

    /// When none of the files looked at exists, the error that says so: an
    /// empty list is otherwise all a user sees of a mistyped KUBECONFIG.
    pub(crate) fn missing(&self) -> Option<Error> {
        if self.files.iter().any(|f| f.exists) {
            return None;
        }
        Some(Error::NoKubeconfig {
            paths: self.files.iter().map(|f| f.path.clone()).collect(),
            from_env: matches!(self.source, Source::Env(_)),
        })
    }

    pub(crate) fn require_context(&self, name: &str) -> Result<ContextInfo> {
        self.context(name).ok_or_else(|| {
            self.missing()
                .unwrap_or_else(|| Error::ContextNotFound(name.to_string()))
        })
    }

    /// The current context's name, or why there is none.
    pub(crate) fn require_current(&self) -> Result<&str> {
        match self.current_context() {
            Some((name, _)) => Ok(name),
            None => Err(self.missing().unwrap_or(Error::NoCurrentContext)),
        }
    }

    /// The context a command acts on: `--context`, else the current one.
    pub(crate) fn effective_context(&self, flag: Option<&str>) -> Result<ContextInfo> {
        match flag {
            Some(name) => self.require_context(name),
            None => self.require_context(self.require_current()?),
        }
    }

    /// The file a new `current-context` goes to, by kubectl's rules.
    pub(crate) fn default_destination(&self) -> usize {
        match self.source {
            Source::Flag | Source::Default => 0,
            Source::Env(1) => 0,
            Source::Env(_) => self
                .files
                .iter()
                .position(|f| f.exists)
                .unwrap_or(self.files.len() - 1),
        }
    }

    /// Sources remembered by a per-shell kubeconfig, when this is one.
    pub(crate) fn shell_sources(&self) -> Option<Vec<PathBuf>> {
        if self.files.len() != 1 {
            return None;
        }
        let doc = &self.files[0].doc;
        let root = self.root(0)?;
        let exts = doc.get(root, "extensions")?;
        doc.items(exts).iter().find_map(|e| {
            if doc.get_str(e, "name") != Some(SHELL_EXTENSION) {
                return None;
            }
            let ext = doc.get(e, "extension")?;
            let sources = doc.get(ext, "sources")?;
            Some(
                doc.items(sources)
                    .iter()
                    .filter_map(|s| doc.str_of(s).map(PathBuf::from))
                    .collect(),
            )
        })
    }
}
