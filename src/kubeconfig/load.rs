//! Loading by kubectl's rules: which files (`--kubeconfig`, `KUBECONFIG`,
//! `~/.kube/config`), each read once, and the names defined in more than one.
//!
//! Read-only commands that need only the contexts take a view: a large file is
//! cut with `peek` rather than parsed in full.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::yaml::{self, Document, Kind};
use super::{ConfigFile, ContextsView, Kubeconfig, Source, ambiguity, commit, peek};
use crate::error::{Error, Result};

/// The paths kubectl would load, in precedence order, and where they came from.
pub(crate) fn locate(flag: Option<&Path>) -> (Vec<PathBuf>, Source) {
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

pub(crate) fn home_dir() -> PathBuf {
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

    pub(crate) fn load_paths(paths: Vec<PathBuf>, source: Source) -> Result<Kubeconfig> {
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
    pub(crate) fn load_contexts(flag: Option<&Path>) -> Result<ContextsView> {
        Kubeconfig::load_view(flag, true)
    }

    /// Only `current-context` (`kubectl ctx -c`): the contexts are not read.
    pub(crate) fn load_current(flag: Option<&Path>) -> Result<ContextsView> {
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

    /// Parses every deferred section of every file, for commands that read them all.
    pub(crate) fn check_all(&self) -> Result<()> {
        for f in &self.files {
            f.doc.check(None).map_err(|e| yaml_error(&f.path, e))?;
        }
        Ok(())
    }
}

pub(super) fn yaml_error(path: &Path, e: yaml::SyntaxError) -> Error {
    Error::Yaml {
        path: path.to_path_buf(),
        line: e.line,
        col: e.col,
        message: e.message,
    }
}

/// Files smaller than this are read in full: it costs less than cutting them.
pub(super) const CUT_FROM_BYTES: u64 = 128 * 1024;

fn read_view(path: &Path, with_contexts: bool) -> Result<ConfigFile> {
    let big = fs::metadata(path).is_ok_and(|m| m.len() >= CUT_FROM_BYTES);
    let big = big && !yaml::full_parse_forced();
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
                doc.check_list("contexts")
                    .map_err(|e| yaml_error(path, e))?;
            }
            let file = ConfigFile {
                path: path.to_path_buf(),
                text: Arc::default(),
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

pub(super) fn not_utf8(path: &Path) -> Error {
    Error::Kubeconfig {
        path: path.to_path_buf(),
        message: "not UTF-8 text; fix the file, it was left untouched".into(),
    }
}

fn read_file(path: &Path, check_contexts: bool) -> Result<ConfigFile> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return Ok(ConfigFile {
                path: path.to_path_buf(),
                text: Arc::default(),
                doc: Document::default(),
                exists: false,
            });
        }
        Err(e) => return Err(Error::io(path, e)),
    };
    let text = Arc::new(String::from_utf8(bytes).map_err(|_| not_utf8(path))?);
    let doc = Document::parse_shared(&text).map_err(|e| yaml_error(path, e))?;
    // Almost every command reads the contexts, so their syntax errors surface now.
    if check_contexts {
        doc.check_key("contexts").map_err(|e| yaml_error(path, e))?;
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
