//! Planning a delete: contexts by name and, with `cascade`, the clusters and
//! users no remaining context uses. Items go in the file that defines them.

use std::collections::{BTreeMap, HashSet};

use super::edit::{self, Edit};
use super::yaml::{Kind, Node};
use super::{Change, ContextInfo, Kubeconfig};
use crate::error::Result;

/// The names of clusters and of users some context still uses.
type InUse = (HashSet<String>, HashSet<String>);

/// Item indices to remove, per file.
type PerFile = BTreeMap<usize, Vec<usize>>;

impl Kubeconfig {
    /// Deletes contexts; with `cascade`, also their clusters and users that no
    /// remaining context uses. Returns the change and what was removed.
    pub(crate) fn plan_delete(
        &self,
        names: &[String],
        cascade: bool,
    ) -> Result<(Change, Vec<String>)> {
        let (targets, deleted) = self.delete_targets(names)?;
        let mut change = Change::default();
        for (file, indices) in &targets {
            change.merge(self.plan_remove_items(*file, "contexts", indices));
        }
        let mut removed = deleted
            .iter()
            .map(|i| format!("context/{}", i.name))
            .collect::<Vec<_>>();
        if let Some((current, _)) = self.current_context()
            && deleted.iter().any(|i| i.name == current)
            && let Some(unset) = self.plan_unset_current()
        {
            change.merge(unset);
        }
        if cascade {
            self.check_all()?;
            let (used_clusters, used_users) = self.in_use_after(&deleted);
            let clusters = deleted.iter().filter_map(|i| i.cluster.as_deref());
            self.plan_remove_unused(
                "clusters",
                clusters,
                &used_clusters,
                &mut change,
                &mut removed,
            );
            let users = deleted.iter().filter_map(|i| i.user.as_deref());
            self.plan_remove_unused("users", users, &used_users, &mut change, &mut removed);
        }
        Ok((change, removed))
    }

    /// The contexts named, once each: their item indices per file, and the
    /// contexts in the order named.
    fn delete_targets(&self, names: &[String]) -> Result<(PerFile, Vec<ContextInfo>)> {
        let mut targets = PerFile::new();
        let mut deleted = Vec::new();
        for name in names {
            let info = self.require_context(name)?;
            let list = targets.entry(info.file).or_default();
            if !list.contains(&info.index) {
                list.push(info.index);
                deleted.push(info);
            }
        }
        Ok((targets, deleted))
    }

    /// The clusters and users the contexts left after a delete still use.
    fn in_use_after(&self, deleted: &[ContextInfo]) -> InUse {
        let deleted: HashSet<(usize, usize)> = deleted.iter().map(|i| (i.file, i.index)).collect();
        let (mut clusters, mut users) = (HashSet::new(), HashSet::new());
        for fi in 0..self.files.len() {
            let doc = &self.files[fi].doc;
            for (index, (_, item)) in self.named(fi, "contexts").into_iter().enumerate() {
                if deleted.contains(&(fi, index)) {
                    continue;
                }
                if let Some(c) = doc.get(item, "context") {
                    if let Some(cl) = doc.get_str(c, "cluster") {
                        clusters.insert(cl.to_string());
                    }
                    if let Some(u) = doc.get_str(c, "user") {
                        users.insert(u.to_string());
                    }
                }
            }
        }
        (clusters, users)
    }

    /// Removes the entries of `list` named in `candidates` that are not `used`,
    /// each from the first file that defines it, and records them in `removed`.
    fn plan_remove_unused<'a>(
        &self,
        list: &str,
        candidates: impl Iterator<Item = &'a str>,
        used: &HashSet<String>,
        change: &mut Change,
        removed: &mut Vec<String>,
    ) {
        let mut wanted: Vec<&str> = candidates.filter(|n| !used.contains(*n)).collect();
        wanted.sort();
        wanted.dedup();
        let mut per_file = PerFile::new();
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

    /// Removes items of a named list in one file, by their index among the named items.
    pub(super) fn plan_remove_items(&self, file: usize, list: &str, indices: &[usize]) -> Change {
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
