//! Versions `kubectl rotate-secret` made, read from its labels as data (the
//! audit does not import the rotate capability): the newest ones are kept
//! for rollback on purpose, so they are not "unused"; older ones are what
//! `kubectl rotate-secret prune` is for.

use std::collections::{BTreeMap, HashMap};

use crate::audit::index::Index;
use crate::labels::rotate::{
    ANN_BASE, DEFAULT_KEEP, LABEL_BASE, LABEL_MANAGED_BY, LABEL_REVISION, MANAGED_BY,
};

/// Where one Secret or ConfigMap stands in its rotate-secret family.
pub(crate) struct Standing {
    pub(crate) base: String,
    /// Among the [`DEFAULT_KEEP`] newest of its family.
    pub(crate) kept: bool,
    /// The unversioned original `BASE`, which prune never deletes.
    pub(crate) original: bool,
}

/// The family standing of every object of `kind` that belongs to one.
pub(crate) fn standings(ix: &Index, kind: &str) -> HashMap<usize, Standing> {
    // (namespace, base) -> [(revision, object)]
    let mut families: BTreeMap<(String, String), Vec<(u64, usize)>> = BTreeMap::new();
    for (i, o) in ix.of_kind(kind) {
        let label = |k: &str| o.labels().and_then(|l| l.get(k)).and_then(|v| v.as_str());
        if label(LABEL_MANAGED_BY) != Some(MANAGED_BY) {
            continue;
        }
        let Some(base) = o.annotation(ANN_BASE).or_else(|| label(LABEL_BASE)) else {
            continue;
        };
        let revision = label(LABEL_REVISION)
            .and_then(|r| r.parse().ok())
            .unwrap_or(0);
        families
            .entry((o.ns().to_string(), base.to_string()))
            .or_default()
            .push((revision, i));
    }
    let mut out = HashMap::new();
    for ((ns, base), mut members) in families {
        let original = ix
            .of_kind_in(kind, &ns)
            .find(|(i, o)| o.name == base && !members.iter().any(|(_, m)| m == i));
        if let Some((i, _)) = original {
            members.push((0, i));
        }
        members.sort_by_key(|(revision, _)| std::cmp::Reverse(*revision));
        for (rank, (_, i)) in members.into_iter().enumerate() {
            out.insert(
                i,
                Standing {
                    base: base.clone(),
                    kept: rank < DEFAULT_KEEP,
                    original: original.is_some_and(|(o, _)| o == i),
                },
            );
        }
    }
    out
}

/// Why an unused member of a family past the kept history can go.
pub(crate) fn message(kind: &str, s: &Standing) -> String {
    let target = if kind == "ConfigMap" {
        format!("configmap/{}", s.base)
    } else {
        s.base.clone()
    };
    if s.original {
        format!(
            "the original of {}, replaced by kubectl rotate-secret versions and older than the {DEFAULT_KEEP} newest kept for rollback; prune never deletes it: `kubectl delete {} {}` once you will not go back to it",
            s.base,
            kind.to_ascii_lowercase(),
            s.base
        )
    } else {
        format!(
            "an old kubectl rotate-secret version of {}, older than the {DEFAULT_KEEP} newest kept for rollback: `kubectl rotate-secret prune {target}` deletes the versions nothing can still need",
            s.base
        )
    }
}
