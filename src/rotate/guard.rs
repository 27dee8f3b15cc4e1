//! What a switch refuses before it writes anything.
//!
//! Two outcomes leave an application broken or split, and both are known
//! before the first write: a version that lacks a key a workload reads (its
//! new pods cannot start, and with `--no-wait` nothing would switch back),
//! and objects the GitOps guard leaves alone while the other users of the
//! same Secret switch (the app and its backup job on different passwords).
//! `--force` overrides both; `--allow-partial` only the second.

use std::collections::BTreeMap;

use super::args::Mode;
use super::content::Content;
use super::gitops::gitops_manager;
use super::plan::Plan;
use crate::error::{Error, Result};

/// A required key a switched object reads that the destination lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MissingKey {
    /// `deployment.apps/web`
    pub(crate) object: String,
    pub(crate) key: String,
    /// Where it is read, e.g. `containers[web].env[DB_USER]`.
    pub(crate) field: String,
}

impl MissingKey {
    /// The warning shown by `diff` and by a `--force`d switch.
    pub(crate) fn warning(&self) -> String {
        format!(
            "{} reads key {:?} ({}), which the new version lacks: its new pods will not start",
            self.object, self.key, self.field
        )
    }
}

/// Keys that the references of `plans` read and `content` lacks; references
/// marked `optional: true` start without them and are left out.
pub(crate) fn missing_keys(plans: &[Plan], content: &Content) -> Vec<MissingKey> {
    let mut out = Vec::new();
    for p in plans {
        for r in p.holder.refs.iter().filter(|r| !r.optional) {
            for key in r.keys.iter().flatten() {
                if !content.entries.contains_key(key) {
                    out.push(MissingKey {
                        object: p.holder.display(),
                        key: key.clone(),
                        field: r.field.clone(),
                    });
                }
            }
        }
    }
    out
}

/// Splits plans into those the GitOps guard leaves alone (a sync by Helm,
/// Argo CD or Flux would undo the patch) and those to switch.
pub(crate) fn split_managed(plans: Vec<Plan>, force: bool) -> (Vec<Plan>, Vec<Plan>) {
    plans
        .into_iter()
        .partition(|p| !force && gitops_manager(&p.holder.meta).is_some())
}

/// Refuses a switch to `version` (`secret/app-…`) that would leave pods
/// unable to start or a rotation half done; prints the missing keys as
/// warnings when `--force` lets it through. Managed objects count for the
/// keys too: their source is to name the same version.
pub(crate) fn check(
    version: &str,
    content: &Content,
    managed: &[Plan],
    plans: &[Plan],
    mode: &Mode<'_>,
) -> Result<()> {
    let mut missing = missing_keys(managed, content);
    missing.extend(missing_keys(plans, content));
    let (force, allow_partial) = (mode.flags.force, mode.flags.allow_partial);
    if force {
        for m in &missing {
            crate::output::warn(
                crate::output::Palette::for_stderr(mode.global.color),
                m.warning(),
            );
        }
    } else if !missing.is_empty() {
        return Err(Error::Failed(missing_message(version, &missing)));
    }
    if managed.is_empty() || force || allow_partial {
        return Ok(());
    }
    Err(Error::Failed(partial_message(managed, plans)))
}

fn missing_message(version: &str, missing: &[MissingKey]) -> String {
    let mut by_object: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for m in missing {
        by_object
            .entry(m.object.as_str())
            .or_default()
            .push(format!("{:?} ({})", m.key, m.field));
    }
    let keys: std::collections::BTreeSet<&str> = missing.iter().map(|m| m.key.as_str()).collect();
    let readers: Vec<String> = by_object
        .iter()
        .map(|(object, keys)| format!("{object} reads {}", keys.join(", ")))
        .collect();
    format!(
        "{version} lacks {} that {} read{}, so new pods would not start: {}; nothing was changed. Give {} too, or rerun with --force to switch anyway",
        plural(keys.len(), "a key", "keys"),
        plural(by_object.len(), "a workload", "workloads"),
        if by_object.len() == 1 { "s" } else { "" },
        readers.join("; "),
        if keys.len() == 1 {
            "that key"
        } else {
            "those keys"
        },
    )
}

fn partial_message(managed: &[Plan], plans: &[Plan]) -> String {
    let owners: Vec<String> = managed
        .iter()
        .map(|p| {
            let manager = gitops_manager(&p.holder.meta).unwrap_or_default();
            format!("{} is managed by {manager}", p.holder.display())
        })
        .collect();
    let others = if plans.is_empty() {
        "nothing else would switch".to_string()
    } else {
        let names: Vec<String> = plans.iter().map(|p| p.holder.display()).collect();
        format!(
            "{} would switch alone, a half-done rotation",
            names.join(", ")
        )
    };
    format!(
        "{}, so {} not be patched (its next sync would undo it) and {others}; nothing was changed. Change the reference in the source and rerun with --allow-partial, or rerun with --force to patch {} too",
        owners.join(", "),
        if managed.len() == 1 {
            "it would"
        } else {
            "they would"
        },
        if managed.len() == 1 { "it" } else { "them" },
    )
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        one.to_string()
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rotate::args::RotateSecretArgs;
    use crate::rotate::kinds::HolderKind;
    use crate::rotate::plan::plan;
    use crate::rotate::refs::Holder;
    use crate::rotate::sources::build_new;
    use crate::rotate::target::{Target, TargetKind};
    use clap::Parser;
    use serde_json::{Value, json};

    fn holder(kind: HolderKind, obj: Value) -> Holder {
        Holder::from_object(kind, obj, &Target::parse("app").unwrap()).unwrap()
    }

    fn reads(name: &str, key: &str, optional: bool) -> Value {
        json!({"metadata": {"name": name}, "spec": {"template": {"spec": {"containers": [
            {"name": name, "env": [{"name": key, "valueFrom": {"secretKeyRef": {"name": "app", "key": key, "optional": optional}}}]}
        ]}}}})
    }

    fn content(literals: &[&str]) -> Content {
        let literals: Vec<String> = literals.iter().map(|l| l.to_string()).collect();
        build_new(TargetKind::Secret, None, &literals, &[], &[]).unwrap()
    }

    #[test]
    fn every_required_missing_key_is_named_and_optional_ones_are_not() {
        let holders = [
            holder(HolderKind::Deployment, reads("web", "DB_USER", false)),
            holder(HolderKind::Deployment, reads("api", "TOKEN", true)),
        ];
        let plans = plan(&holders, "app-x");
        let missing = missing_keys(&plans, &content(&["password=p"]));
        assert_eq!(
            missing,
            vec![MissingKey {
                object: "deployment.apps/web".into(),
                key: "DB_USER".into(),
                field: "containers[web].env[DB_USER]".into(),
            }]
        );
        assert_eq!(
            missing_message("secret/app-x", &missing),
            "secret/app-x lacks a key that a workload reads, so new pods would not start: deployment.apps/web reads \"DB_USER\" (containers[web].env[DB_USER]); nothing was changed. Give that key too, or rerun with --force to switch anyway"
        );
        assert!(missing_keys(&plans, &content(&["DB_USER=u"])).is_empty());
    }

    #[test]
    fn a_managed_object_names_its_manager_and_who_would_switch_alone() {
        let mut managed = reads("web", "K", false);
        managed["metadata"]["annotations"] = json!({"meta.helm.sh/release-name": "shop"});
        let holders = [
            holder(HolderKind::Deployment, managed),
            holder(HolderKind::Deployment, reads("api", "K", false)),
        ];
        let (guarded, plans) = split_managed(plan(&holders, "app-x"), false);
        assert_eq!(guarded.len(), 1);
        assert_eq!(
            partial_message(&guarded, &plans),
            "deployment.apps/web is managed by Helm release shop, so it would not be patched (its next sync would undo it) and deployment.apps/api would switch alone, a half-done rotation; nothing was changed. Change the reference in the source and rerun with --allow-partial, or rerun with --force to patch it too"
        );
        let (guarded, _) = split_managed(plan(&holders, "app-x"), true);
        assert!(guarded.is_empty(), "--force patches managed objects");
    }

    #[test]
    fn a_managed_object_counts_for_missing_keys() {
        let mut managed = reads("web", "K", false);
        managed["metadata"]["annotations"] = json!({"meta.helm.sh/release-name": "shop"});
        let (guarded, plans) = split_managed(
            plan(&[holder(HolderKind::Deployment, managed)], "app-x"),
            false,
        );
        let args = RotateSecretArgs::try_parse_from([
            "kubectl-rotate_secret",
            "app",
            "--allow-partial",
            "--color=never",
        ])
        .unwrap();
        let opts = Mode::new(&args.mutate, &args.global).unwrap();
        let refused = check(
            "secret/app-x",
            &content(&["other=o"]),
            &guarded,
            &plans,
            &opts,
        );
        assert!(
            matches!(&refused, Err(Error::Failed(m)) if m.contains("deployment.apps/web reads \"K\"")),
            "{refused:?}"
        );
        assert!(check("secret/app-x", &content(&["K=k"]), &guarded, &plans, &opts).is_ok());
    }
}
