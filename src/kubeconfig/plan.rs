//! Planning the small edits of a context switch: `current-context`, a
//! context's namespace and its name. Each returns a [`Change`] to commit.

use super::edit::{self, Edit};
use super::yaml::{Kind, Node};
use super::{Change, Kubeconfig};
use crate::error::{Error, Result};

impl Kubeconfig {
    pub(crate) fn plan_use_context(&self, name: &str) -> Result<Change> {
        self.require_context(name)?;
        let mut change = Change::default();
        let dest = self.default_destination();
        self.plan_set_top_level(dest, "current-context", name, &mut change);
        // A later file may still set a different current-context; kubectl reads the
        // first non-empty one, so the destination must be the first that sets it.
        Ok(change)
    }

    pub(super) fn plan_set_top_level(
        &self,
        file: usize,
        key: &str,
        value: &str,
        change: &mut Change,
    ) {
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
    pub(crate) fn plan_unset_current(&self) -> Option<Change> {
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
    pub(crate) fn plan_namespace(&self, context: &str, namespace: Option<&str>) -> Result<Change> {
        let info = self.require_context(context)?;
        let f = &self.files[info.file];
        let (_, item) = self.named(info.file, "contexts")[info.index];
        let mut change = Change::default();
        let Kind::Map { entries, .. } = &item.kind else {
            return Err(self.shape_error(info.file, "a context entry is not a mapping"));
        };
        let ctx = entries.iter().find(|(k, _)| k.as_str() == Some("context"));
        let (key, ctx) = match ctx {
            Some((_, c)) if matches!(c.kind, Kind::Alias(_)) => {
                return Err(self.shape_error(
                    info.file,
                    &format!("context {context:?} takes its settings from a YAML alias; edit its namespace by hand"),
                ));
            }
            Some((k, c)) if matches!(c.kind, Kind::Map { .. }) => (k, c),
            Some((_, c)) => {
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
        let key_col = edit::column(&f.text, key.start);
        let ns_edit = self.namespace_edit(info.file, context, ctx, key_col, namespace)?;
        if let Some(e) = ns_edit {
            change.push(info.file, e);
        }
        Ok(change)
    }

    /// The edit of the `namespace:` field in a context's `context:` mapping,
    /// whose key sits at `key_col`.
    fn namespace_edit(
        &self,
        file: usize,
        context: &str,
        ctx: &Node,
        key_col: usize,
        namespace: Option<&str>,
    ) -> Result<Option<Edit>> {
        let f = &self.files[file];
        let Kind::Map {
            entries: fields, ..
        } = &ctx.kind
        else {
            unreachable!()
        };
        let own = fields
            .iter()
            .position(|(k, _)| k.as_str() == Some("namespace"));
        Ok(match (own, namespace) {
            (Some(i), Some(ns)) => Some(edit::set_scalar(&f.text, &fields[i].1, ns)),
            (Some(i), None) => Some(edit::remove_entry(&f.text, ctx, i)),
            (None, Some(ns)) => Some(edit::insert_entry(
                &f.text,
                ctx,
                "namespace",
                ns,
                key_col + 2,
            )),
            (None, None) if f.doc.get_str(ctx, "namespace").is_some() => {
                return Err(self.shape_error(
                    file,
                    &format!("context {context:?} inherits its namespace through a YAML merge key; remove it by hand"),
                ));
            }
            (None, None) => None,
        })
    }

    /// Renames a context in its own file; the current-context follows it.
    pub(crate) fn plan_rename(&self, old: &str, new: &str, force: bool) -> Result<Change> {
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
}
