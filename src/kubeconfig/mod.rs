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

mod ambiguity;
mod commit;
pub mod edit;
mod minify;
mod peek;
mod simple;
mod upsert;
pub mod write;
pub mod yaml;

pub use minify::Selection;
pub use upsert::NamedEntry;

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use edit::Edit;
use yaml::{Document, Kind, Node};

/// The extension that marks a per-shell kubeconfig and remembers its sources.
pub const SHELL_EXTENSION: &str = "honban.io/shell";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `--kubeconfig FILE`
    Flag,
    /// `KUBECONFIG`, with this many distinct entries.
    Env(usize),
    /// `~/.kube/config`
    Default,
}

#[derive(Debug)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub text: String,
    pub doc: Document,
    pub exists: bool,
}

#[derive(Debug)]
pub struct Kubeconfig {
    pub files: Vec<ConfigFile>,
    pub source: Source,
    /// Names defined in more than one file (kubectl keeps the first).
    pub warnings: Vec<String>,
}

/// A read-only merged view of the contexts (see [`Kubeconfig::load_contexts`]);
/// it has no file text, so it cannot be edited or committed.
#[derive(Debug)]
pub struct ContextsView(Kubeconfig);

impl std::ops::Deref for ContextsView {
    type Target = Kubeconfig;
    fn deref(&self) -> &Kubeconfig {
        &self.0
    }
}

/// One context as the merged view sees it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ContextInfo {
    pub name: String,
    pub cluster: Option<String>,
    pub user: Option<String>,
    pub namespace: Option<String>,
    #[serde(skip)]
    pub file: usize,
    #[serde(skip)]
    pub index: usize,
}

/// Text edits to apply, per file index.
#[derive(Debug, Default)]
pub struct Change {
    pub edits: BTreeMap<usize, Vec<Edit>>,
    /// Files to create because they do not exist yet.
    pub creates: BTreeMap<usize, String>,
}

impl Change {
    pub fn is_empty(&self) -> bool {
        self.edits.values().all(|e| e.is_empty()) && self.creates.is_empty()
    }

    fn push(&mut self, file: usize, edit: Edit) {
        self.edits.entry(file).or_default().push(edit);
    }

    pub fn merge(&mut self, other: Change) {
        for (file, edits) in other.edits {
            self.edits.entry(file).or_default().extend(edits);
        }
        self.creates.extend(other.creates);
    }
}

/// The paths kubectl would load, in precedence order, and where they came from.
pub fn locate(flag: Option<&Path>) -> (Vec<PathBuf>, Source) {
    if let Some(path) = flag {
        return (vec![path.to_path_buf()], Source::Flag);
    }
    if let Some(env) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        let mut seen = HashSet::new();
        let paths: Vec<PathBuf> = std::env::split_paths(&env)
            .filter(|p| !p.as_os_str().is_empty())
            .filter(|p| seen.insert(p.clone()))
            .collect();
        if !paths.is_empty() {
            let n = paths.len();
            return (paths, Source::Env(n));
        }
    }
    (
        vec![home_dir().join(".kube").join("config")],
        Source::Default,
    )
}

pub fn home_dir() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/"))
}

impl Kubeconfig {
    /// Loads with kubectl's rules. An explicit `--kubeconfig` that does not exist is an error.
    pub fn load(flag: Option<&Path>) -> Result<Kubeconfig> {
        let (paths, source) = locate(flag);
        if source == Source::Flag && !paths[0].exists() {
            return Err(Error::Kubeconfig {
                path: paths[0].clone(),
                message: "file not found (given with --kubeconfig)".into(),
            });
        }
        Kubeconfig::load_paths(paths, source)
    }

    pub fn load_paths(paths: Vec<PathBuf>, source: Source) -> Result<Kubeconfig> {
        let mut files = Vec::with_capacity(paths.len());
        for path in paths {
            files.push(commit::settled(&path, || read_file(&path, true))?);
        }
        let mut kc = Kubeconfig {
            files,
            source,
            warnings: Vec::new(),
        };
        kc.warnings = kc.duplicate_warnings();
        Ok(kc)
    }

    /// Only `current-context` and `contexts`, for read-only commands (a list, a
    /// prompt, completion). Large block-style files are cut with [`peek`] rather
    /// than read in full. Duplicate-name warnings cover contexts only.
    pub fn load_contexts(flag: Option<&Path>) -> Result<ContextsView> {
        Kubeconfig::load_view(flag, true)
    }

    /// Only `current-context` (`kubectl ctx -c`): the contexts are not read.
    pub fn load_current(flag: Option<&Path>) -> Result<ContextsView> {
        Kubeconfig::load_view(flag, false)
    }

    fn load_view(flag: Option<&Path>, with_contexts: bool) -> Result<ContextsView> {
        let (paths, source) = locate(flag);
        if source == Source::Flag && !paths[0].exists() {
            return Kubeconfig::load(flag).map(ContextsView);
        }
        let mut files = Vec::with_capacity(paths.len());
        for path in paths {
            files.push(commit::settled(&path, || read_view(&path, with_contexts))?);
        }
        let mut kc = Kubeconfig {
            files,
            source,
            warnings: Vec::new(),
        };
        if with_contexts {
            kc.warnings = kc.duplicate_warnings();
        }
        Ok(ContextsView(kc))
    }

    fn duplicate_warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if self.files.len() < 2 {
            return warnings;
        }
        for list in ["contexts", "clusters", "users"] {
            let mut first: BTreeMap<String, usize> = BTreeMap::new();
            for (fi, file) in self.files.iter().enumerate() {
                for (name, _) in self.named(fi, list) {
                    match first.get(name) {
                        Some(&owner) if owner != fi => warnings.push(format!(
                            "{} {name:?} is defined in both {} and {}; using the first, as kubectl does",
                            &list[..list.len() - 1],
                            self.files[owner].path.display(),
                            file.path.display()
                        )),
                        Some(_) => {}
                        None => {
                            first.insert(name.to_string(), fi);
                        }
                    }
                }
            }
        }
        warnings
    }

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

    /// The current context and the file that sets it (first non-empty wins).
    pub fn current_context(&self) -> Option<(&str, usize)> {
        self.files.iter().enumerate().find_map(|(i, f)| {
            let root = f.doc.root.as_ref()?;
            f.doc
                .get_str(root, "current-context")
                .filter(|s| !s.is_empty())
                .map(|s| (s, i))
        })
    }

    /// Every context in the merged view, first definition wins, in file order.
    pub fn contexts(&self) -> Vec<ContextInfo> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for fi in 0..self.files.len() {
            for (index, (name, item)) in self.named(fi, "contexts").into_iter().enumerate() {
                if seen.insert(name) {
                    out.push(self.context_info(fi, index, name, item));
                }
            }
        }
        out
    }

    /// Looks one context up without building the whole merged list.
    pub fn context(&self, name: &str) -> Option<ContextInfo> {
        (0..self.files.len()).find_map(|fi| {
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

    pub fn require_context(&self, name: &str) -> Result<ContextInfo> {
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
    pub fn effective_context(&self, flag: Option<&str>) -> Result<ContextInfo> {
        match flag {
            Some(name) => self.require_context(name),
            None => self.require_context(self.require_current()?),
        }
    }

    /// The file a new `current-context` goes to, by kubectl's rules.
    pub fn default_destination(&self) -> usize {
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
    pub fn shell_sources(&self) -> Option<Vec<PathBuf>> {
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

    // ---- planning edits ----

    pub fn plan_use_context(&self, name: &str) -> Result<Change> {
        self.require_context(name)?;
        let mut change = Change::default();
        let dest = self.default_destination();
        self.plan_set_top_level(dest, "current-context", name, &mut change);
        // A later file may still set a different current-context; kubectl reads the
        // first non-empty one, so the destination must be the first that sets it.
        Ok(change)
    }

    fn plan_set_top_level(&self, file: usize, key: &str, value: &str, change: &mut Change) {
        let f = &self.files[file];
        match f.doc.root.as_ref() {
            Some(root) if matches!(root.kind, Kind::Map { .. }) => {
                let own = match &root.kind {
                    Kind::Map { entries, .. } => {
                        entries.iter().find(|(k, _)| k.as_str() == Some(key))
                    }
                    _ => None,
                };
                match own {
                    Some((_, v)) if matches!(v.kind, Kind::Scalar { .. }) => {
                        change.push(file, edit::set_scalar(&f.text, v, value))
                    }
                    _ => change.push(file, edit::insert_entry(&f.text, root, key, value, 0)),
                }
            }
            _ if !f.exists => {
                change.creates.insert(
                    file,
                    format!(
                        "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n{key}: {}\n",
                        edit::scalar(value)
                    ),
                );
            }
            _ => {
                // An empty existing file: append the key.
                let mut text = String::new();
                if !f.text.is_empty() && !f.text.ends_with('\n') {
                    text.push('\n');
                }
                text.push_str(&format!("{key}: {}\n", edit::scalar(value)));
                change.push(
                    file,
                    Edit {
                        start: f.text.len(),
                        end: f.text.len(),
                        text,
                    },
                );
            }
        }
    }

    /// Clears `current-context` in the first file that sets it; `None` when none does.
    pub fn plan_unset_current(&self) -> Option<Change> {
        let (_, file) = self.current_context()?;
        let f = &self.files[file];
        let root = f.doc.root.as_ref()?;
        let Kind::Map { entries, .. } = &root.kind else {
            return None;
        };
        let index = entries
            .iter()
            .position(|(k, _)| k.as_str() == Some("current-context"))?;
        let mut change = Change::default();
        change.push(file, edit::remove_entry(&f.text, root, index));
        Some(change)
    }

    /// Sets (or with `None` removes) a context's namespace, in the file that defines it.
    pub fn plan_namespace(&self, context: &str, namespace: Option<&str>) -> Result<Change> {
        let info = self.require_context(context)?;
        let f = &self.files[info.file];
        let doc = &f.doc;
        let (_, item) = self.named(info.file, "contexts")[info.index];
        let mut change = Change::default();
        let Kind::Map { entries, .. } = &item.kind else {
            return Err(self.shape_error(info.file, "a context entry is not a mapping"));
        };
        let ctx = entries
            .iter()
            .find(|(k, _)| k.as_str() == Some("context"))
            .map(|(_, v)| v);
        let ctx = match ctx {
            Some(c) if matches!(c.kind, Kind::Alias(_)) => {
                return Err(self.shape_error(
                    info.file,
                    &format!("context {context:?} takes its settings from a YAML alias; edit its namespace by hand"),
                ));
            }
            Some(c) if matches!(c.kind, Kind::Map { .. }) => c,
            Some(c) => {
                // `context:` with no value.
                if let Some(ns) = namespace {
                    change.push(
                        info.file,
                        Edit {
                            start: c.start,
                            end: c.end,
                            text: format!(" {{namespace: {}}}", edit::scalar(ns)),
                        },
                    );
                }
                return Ok(change);
            }
            None => {
                return Err(self.shape_error(
                    info.file,
                    &format!("context {context:?} has no `context:` field"),
                ));
            }
        };
        let Kind::Map {
            entries: fields, ..
        } = &ctx.kind
        else {
            unreachable!()
        };
        let own = fields
            .iter()
            .position(|(k, _)| k.as_str() == Some("namespace"));
        match (own, namespace) {
            (Some(i), Some(ns)) => {
                change.push(info.file, edit::set_scalar(&f.text, &fields[i].1, ns))
            }
            (Some(i), None) => change.push(info.file, edit::remove_entry(&f.text, ctx, i)),
            (None, Some(ns)) => {
                let key_col = entries
                    .iter()
                    .find(|(k, _)| k.as_str() == Some("context"))
                    .map(|(k, _)| edit::column(&f.text, k.start))
                    .unwrap_or(0);
                change.push(
                    info.file,
                    edit::insert_entry(&f.text, ctx, "namespace", ns, key_col + 2),
                )
            }
            (None, None) => {
                if doc.get_str(ctx, "namespace").is_some() {
                    return Err(self.shape_error(
                        info.file,
                        &format!("context {context:?} inherits its namespace through a YAML merge key; remove it by hand"),
                    ));
                }
            }
        }
        Ok(change)
    }

    /// Renames a context in its own file; the current-context follows it.
    pub fn plan_rename(&self, old: &str, new: &str, force: bool) -> Result<Change> {
        let info = self.require_context(old)?;
        if old == new {
            return Ok(Change::default());
        }
        let mut change = Change::default();
        if let Some(existing) = self.context(new) {
            if !force {
                return Err(Error::Usage(format!(
                    "context {new:?} already exists; use --force to replace it"
                )));
            }
            change.merge(self.plan_remove_items(existing.file, "contexts", &[existing.index]));
        }
        let f = &self.files[info.file];
        let (_, item) = self.named(info.file, "contexts")[info.index];
        let name_node = f.doc.get(item, "name").expect("named item has a name");
        change.push(info.file, edit::set_scalar(&f.text, name_node, new));
        if let Some((current, file)) = self.current_context()
            && current == old
        {
            let cf = &self.files[file];
            let root = cf.doc.root.as_ref().expect("current-context has a root");
            let node = cf.doc.get(root, "current-context").expect("set");
            change.push(file, edit::set_scalar(&cf.text, node, new));
        }
        Ok(change)
    }

    fn plan_remove_items(&self, file: usize, list: &str, indices: &[usize]) -> Change {
        let f = &self.files[file];
        let mut change = Change::default();
        let Some(root) = f.doc.root.as_ref() else {
            return change;
        };
        let Some(seq) = f.doc.get(root, list) else {
            return change;
        };
        // `named` skips items without a name; map its indices back to the sequence.
        let items = f.doc.items(seq);
        let named_positions: Vec<usize> = items
            .iter()
            .enumerate()
            .filter(|(_, it)| f.doc.get_str(it, "name").is_some())
            .map(|(i, _)| i)
            .collect();
        let positions: Vec<usize> = indices.iter().map(|i| named_positions[*i]).collect();
        if positions.len() == items.len() && items.len() > 1 {
            // Removing every item: remove all but the first, then the first leaves `[]`.
            for p in positions.iter().skip(1) {
                if !seq.is_flow() {
                    change.push(file, edit::remove_item(&f.text, seq, *p));
                }
            }
            if seq.is_flow() {
                change.push(
                    file,
                    Edit {
                        start: seq.start + 1,
                        end: seq.end - 1,
                        text: String::new(),
                    },
                );
            } else {
                change.push(file, remove_first_of_many(&f.text, seq));
            }
            return change;
        }
        for p in positions {
            change.push(file, edit::remove_item(&f.text, seq, p));
        }
        change
    }

    /// Deletes contexts; with `cascade`, also their clusters and users that no
    /// remaining context uses. Returns the change and what was removed.
    pub fn plan_delete(&self, names: &[String], cascade: bool) -> Result<(Change, Vec<String>)> {
        let mut targets: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        let mut removed_infos = Vec::new();
        for name in names {
            let info = self.require_context(name)?;
            let list = targets.entry(info.file).or_default();
            if !list.contains(&info.index) {
                list.push(info.index);
                removed_infos.push(info);
            }
        }
        let mut change = Change::default();
        for (file, indices) in &targets {
            change.merge(self.plan_remove_items(*file, "contexts", indices));
        }
        let mut removed = removed_infos
            .iter()
            .map(|i| format!("context/{}", i.name))
            .collect::<Vec<_>>();
        if let Some((current, _)) = self.current_context()
            && removed_infos.iter().any(|i| i.name == current)
            && let Some(unset) = self.plan_unset_current()
        {
            change.merge(unset);
        }
        if cascade {
            self.check_all()?;
            let deleted: HashSet<(usize, usize)> =
                removed_infos.iter().map(|i| (i.file, i.index)).collect();
            let mut used_clusters = HashSet::new();
            let mut used_users = HashSet::new();
            for fi in 0..self.files.len() {
                let doc = &self.files[fi].doc;
                for (index, (_, item)) in self.named(fi, "contexts").into_iter().enumerate() {
                    if deleted.contains(&(fi, index)) {
                        continue;
                    }
                    if let Some(c) = doc.get(item, "context") {
                        if let Some(cl) = doc.get_str(c, "cluster") {
                            used_clusters.insert(cl.to_string());
                        }
                        if let Some(u) = doc.get_str(c, "user") {
                            used_users.insert(u.to_string());
                        }
                    }
                }
            }
            for (list, used, pick) in [
                ("clusters", &used_clusters, 0usize),
                ("users", &used_users, 1usize),
            ] {
                let mut wanted: Vec<&str> = removed_infos
                    .iter()
                    .filter_map(|i| {
                        if pick == 0 {
                            i.cluster.as_deref()
                        } else {
                            i.user.as_deref()
                        }
                    })
                    .filter(|n| !used.contains(*n))
                    .collect();
                wanted.sort();
                wanted.dedup();
                let mut per_file: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
                for name in wanted {
                    if let Some((fi, idx)) = (0..self.files.len()).find_map(|fi| {
                        self.named(fi, list)
                            .iter()
                            .position(|(n, _)| *n == name)
                            .map(|idx| (fi, idx))
                    }) {
                        per_file.entry(fi).or_default().push(idx);
                        removed.push(format!("{}/{name}", &list[..list.len() - 1]));
                    }
                }
                for (fi, idx) in per_file {
                    change.merge(self.plan_remove_items(fi, list, &idx));
                }
            }
        }
        Ok((change, removed))
    }

    /// Parses every deferred section of every file, for commands that read them all.
    pub fn check_all(&self) -> Result<()> {
        for f in &self.files {
            f.doc.check(None).map_err(|e| Error::Yaml {
                path: f.path.clone(),
                line: e.line,
                col: e.col,
                message: e.message,
            })?;
        }
        Ok(())
    }

    fn shape_error(&self, file: usize, message: &str) -> Error {
        Error::Kubeconfig {
            path: self.files[file].path.clone(),
            message: message.to_string(),
        }
    }

    fn find_named(&self, list: &str, name: &str) -> Option<(usize, &Node)> {
        (0..self.files.len()).find_map(|fi| {
            self.named(fi, list)
                .into_iter()
                .find(|(n, _)| *n == name)
                .map(|(_, item)| (fi, item))
        })
    }
}

/// Removing the first of several block items while the rest are removed too:
/// the list ends up empty, written as `[]`.
fn remove_first_of_many(text: &str, seq: &Node) -> Edit {
    let Kind::Seq { items, .. } = &seq.kind else {
        unreachable!()
    };
    let single = Node {
        kind: Kind::Seq {
            items: vec![items[0].clone()],
            flow: false,
        },
        start: seq.start,
        end: items[0].end,
        anchor: 0,
    };
    edit::remove_item(text, &single, 0)
}

/// Files smaller than this are read in full: it costs less than cutting them.
const CUT_FROM_BYTES: u64 = 128 * 1024;

fn read_view(path: &Path, with_contexts: bool) -> Result<ConfigFile> {
    let big = fs::metadata(path).is_ok_and(|m| m.len() >= CUT_FROM_BYTES);
    if !big {
        return read_file(path, with_contexts);
    }
    // kubectl refuses a file that defines a name twice, so the lists not read
    // are still scanned for their names.
    let (wanted, scanned): (&[&str], &[&str]) = if with_contexts {
        (&["contexts", "current-context"], &["clusters", "users"])
    } else {
        (&["current-context"], &["clusters", "users", "contexts"])
    };
    match peek::sections(path, wanted, scanned) {
        Ok(peek::Peeked::Sections(cuts, names)) if !cuts.is_empty() => {
            let doc = Document::from_cuts(cuts);
            if with_contexts {
                doc.check_key("contexts").map_err(|e| Error::Yaml {
                    path: path.to_path_buf(),
                    line: e.line,
                    col: e.col,
                    message: e.message,
                })?;
            }
            let file = ConfigFile {
                path: path.to_path_buf(),
                text: String::new(),
                doc,
                exists: true,
            };
            ambiguity::check_load(&file, &names)?;
            Ok(file)
        }
        Ok(_) => read_file(path, with_contexts),
        Err(e) if e.kind() == ErrorKind::InvalidData => Err(not_utf8(path)),
        Err(e) => Err(Error::io(path, e)),
    }
}

fn not_utf8(path: &Path) -> Error {
    Error::Kubeconfig {
        path: path.to_path_buf(),
        message: "not UTF-8 text; fix the file, it was left untouched".into(),
    }
}

fn read_file(path: &Path, check_contexts: bool) -> Result<ConfigFile> {
    match fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8(bytes).map_err(|_| not_utf8(path))?;
            let yaml_error = |e: yaml::SyntaxError| Error::Yaml {
                path: path.to_path_buf(),
                line: e.line,
                col: e.col,
                message: e.message,
            };
            let doc = Document::parse(&text).map_err(yaml_error)?;
            // Almost every command reads the contexts, so their syntax errors surface now.
            if check_contexts {
                doc.check_key("contexts").map_err(yaml_error)?;
            }
            if let Some(root) = &doc.root
                && !matches!(root.kind, Kind::Map { .. })
                && !(matches!(&root.kind, Kind::Scalar { value, .. } if yaml::is_null(value)))
            {
                return Err(Error::Kubeconfig {
                    path: path.to_path_buf(),
                    message: "not a kubeconfig (the top level is not a mapping)".into(),
                });
            }
            let file = ConfigFile {
                path: path.to_path_buf(),
                text,
                doc,
                exists: true,
            };
            ambiguity::check_load(&file, &[])?;
            Ok(file)
        }
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(ConfigFile {
            path: path.to_path_buf(),
            text: String::new(),
            doc: Document::default(),
            exists: false,
        }),
        Err(e) => Err(Error::io(path, e)),
    }
}
