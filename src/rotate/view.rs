//! Read-only listings: `refs` (who names BASE or its versions, and where)
//! and `history` (the versions, and who uses each).

use std::collections::BTreeMap;

use serde::Serialize;

use super::args::{HistoryArgs, RefsArgs};
use super::cluster::{self, Session, Version};
use super::gitops::gitops_manager;
use super::kinds::HolderKind;
use super::prune::usage_reason;
use super::refs::{Holder, Role};
use super::with_session;
use crate::cli::GlobalArgs;
use crate::error::{Result, exit};
use crate::output::{self, Format};

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct RefRow {
    kind: String,
    name: String,
    field: String,
    path: String,
    version: String,
    revision: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    keys: Option<Vec<String>>,
    note: String,
}

pub(crate) fn refs(args: &RefsArgs, global: &GlobalArgs) -> Result<u8> {
    with_session(global, &args.target, |s| async move {
        let (versions, holders) = tokio::try_join!(
            s.versions(),
            s.holders(HolderKind::for_usage(s.target.kind))
        )?;
        let holders = holders.warn_unchecked(global.color);
        let rows = ref_rows(&holders, &versions, args.all);
        match global.output {
            Some(Format::Json) => output::print_json(&rows)?,
            Some(Format::Yaml) => output::print_yaml(&rows)?,
            Some(Format::Name) => {
                let mut names: Vec<String> = holders
                    .iter()
                    .filter(|h| args.all || !matches!(h.role, Role::Owned { .. }))
                    .map(|h| h.display())
                    .collect();
                names.dedup();
                output::print_lines(names)?
            }
            _ => print_refs_table(&s, &rows)?,
        }
        Ok(exit::OK)
    })
}

/// One row per reference; owned objects only with `--all`.
fn ref_rows(holders: &[Holder], versions: &[Version], all: bool) -> Vec<RefRow> {
    let revision = |n: &str| versions.iter().find(|v| v.name == n).map(|v| v.revision);
    let mut rows = Vec::new();
    for h in holders {
        let note = match &h.role {
            Role::Switch => match gitops_manager(&h.meta) {
                Some(m) => format!("managed by {m}"),
                None => String::new(),
            },
            Role::Report(why) => why.clone(),
            Role::Owned { owner } => {
                if !all {
                    continue;
                }
                match usage_reason(h) {
                    Some(_) => format!("owned by {owner}"),
                    None => format!("owned by {owner}, finished"),
                }
            }
        };
        for r in &h.refs {
            rows.push(RefRow {
                kind: h.kind.api_resource().kind,
                name: h.name.clone(),
                field: r.field.clone(),
                path: r.pointer.clone(),
                version: r.name.clone(),
                revision: revision(&r.name),
                keys: r.keys.clone(),
                note: note.clone(),
            });
        }
    }
    rows
}

fn print_refs_table(s: &Session, rows: &[RefRow]) -> Result<()> {
    if rows.is_empty() {
        output::note(format!(
            "No object in namespace {} references {} or its versions.",
            s.namespace,
            s.target.display()
        ));
        return Ok(());
    }
    let mut t = output::table(&["OBJECT", "FIELD", "VERSION", "NOTE"]);
    for r in rows {
        let kind = HolderKind::from_kind(&r.kind)
            .map(|k| k.resource())
            .unwrap_or("");
        let field = match &r.keys {
            Some(k) => format!("{} ({})", r.field, k.join(",")),
            None => r.field.clone(),
        };
        let version = match r.revision {
            Some(n) => format!("{} (rev {n})", r.version),
            None => r.version.clone(),
        };
        t.add_row(vec![
            format!("{kind}/{}", r.name),
            field,
            version,
            r.note.clone(),
        ]);
    }
    output::print_table(&t)
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct HistoryRow {
    revision: u32,
    name: String,
    created: Option<String>,
    keys: Vec<String>,
    current: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    failed: Option<String>,
    used_by: Vec<String>,
}

pub(crate) fn history(args: &HistoryArgs, global: &GlobalArgs) -> Result<u8> {
    with_session(global, &args.target, |s| async move {
        let (versions, holders, original) = tokio::try_join!(
            s.versions(),
            s.holders(HolderKind::for_usage(s.target.kind)),
            s.get(&s.target.base)
        )?;
        let holders = holders.warn_unchecked(global.color);
        // Newest first, the unversioned original last.
        let all: Vec<&Version> = original.iter().chain(versions.iter()).rev().collect();
        let rows = history_rows(&s, &all, &holders, &versions);
        match global.output {
            Some(Format::Json) => output::print_json(&rows)?,
            Some(Format::Yaml) => output::print_yaml(&rows)?,
            Some(Format::Name) => output::print_lines(
                rows.iter()
                    .map(|r| format!("{}/{}", s.target.kind.resource(), r.name)),
            )?,
            _ => print_history_table(&s, &rows, &all)?,
        }
        Ok(exit::OK)
    })
}

fn history_rows(
    s: &Session,
    all: &[&Version],
    holders: &[Holder],
    versions: &[Version],
) -> Vec<HistoryRow> {
    let current = cluster::current_name(holders, versions);
    let mut users: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for h in holders {
        if usage_reason(h).is_none() {
            continue;
        }
        for n in h.names() {
            users.entry(n).or_default().push(h.display());
        }
    }
    all.iter()
        .map(|v| HistoryRow {
            revision: v.revision,
            name: v.name.clone(),
            created: v.meta.creation_timestamp.as_ref().map(|t| t.0.to_string()),
            keys: v.content.keys(),
            current: current.as_deref().unwrap_or(&s.target.base) == v.name,
            failed: v.failed().map(str::to_string),
            used_by: users.remove(v.name.as_str()).unwrap_or_default(),
        })
        .collect()
}

fn print_history_table(s: &Session, rows: &[HistoryRow], all: &[&Version]) -> Result<()> {
    if rows.is_empty() {
        output::note(format!(
            "{} has no versions in namespace {}.",
            s.target.display(),
            s.namespace
        ));
        return Ok(());
    }
    let mut t = output::table(&["REVISION", "NAME", "AGE", "KEYS", "STATUS", "USED BY"]);
    for (r, v) in rows.iter().zip(all) {
        let status = if r.current {
            "current".to_string()
        } else if r.failed.is_some() {
            "failed".to_string()
        } else if r.revision == 0 {
            "original".to_string()
        } else {
            String::new()
        };
        let used = summarize_users(&r.used_by);
        t.add_row(vec![
            r.revision.to_string(),
            r.name.clone(),
            age(v),
            r.keys.join(","),
            status,
            used,
        ]);
    }
    output::print_table(&t)?;
    for r in rows.iter().filter(|r| r.failed.is_some()) {
        output::note(format!(
            "revision {} failed: {}",
            r.revision,
            r.failed.as_deref().unwrap_or("")
        ));
    }
    Ok(())
}

fn summarize_users(users: &[String]) -> String {
    if users.is_empty() {
        return "-".into();
    }
    let shown: Vec<&str> = users.iter().take(3).map(String::as_str).collect();
    let more = users.len().saturating_sub(3);
    if more > 0 {
        format!("{} +{more} more", shown.join(","))
    } else {
        shown.join(",")
    }
}

fn age(v: &Version) -> String {
    let Some(t) = &v.meta.creation_timestamp else {
        return "<unknown>".into();
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    human_age((now - t.0.as_second()).max(0) as u64)
}

/// kubectl's short ages: 45s, 12m, 5h, 3d.
fn human_age(secs: u64) -> String {
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 2 * 3600 => format!("{}m", s / 60),
        s if s < 48 * 3600 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages() {
        assert_eq!(human_age(5), "5s");
        assert_eq!(human_age(600), "10m");
        assert_eq!(human_age(5 * 3600), "5h");
        assert_eq!(human_age(3 * 86400), "3d");
    }
}
