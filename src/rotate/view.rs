//! Read-only views: `refs`, `history` and `diff`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::cluster::{self, Version};
use super::content::{EntryValue, SourceFlags, TargetKind};
use super::prune::usage_reason;
use super::reach::Holders;
use super::refs::{self, Holder, HolderKind, Role};
use super::{guard, switch};
use super::{new_content, resolve_current, with_session};
use crate::cli::GlobalArgs;
use crate::error::{Result, exit};
use crate::output::{self, ColorChoice, Format, Palette};

#[derive(Debug, Clone)]
pub struct RefsRequest {
    pub target: String,
    pub all: bool,
    pub global: GlobalArgs,
}

#[derive(Debug, Clone)]
pub struct HistoryRequest {
    pub target: String,
    pub global: GlobalArgs,
}

#[derive(Debug, Clone)]
pub struct DiffRequest {
    pub target: String,
    pub source: SourceFlags,
    pub show_values: bool,
    pub global: GlobalArgs,
}

/// Read-only views go on without the kinds they could not read, and say so.
fn noting_unchecked(holders: Holders, color: ColorChoice) -> Vec<Holder> {
    let palette = Palette::for_stderr(color);
    for n in &holders.not_checked {
        output::warn(palette, n.line());
    }
    holders.found
}

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

pub fn refs(req: RefsRequest) -> Result<u8> {
    let (global, target) = (req.global.clone(), req.target.clone());
    with_session(&global, &target, |s| async move {
        let (versions, holders) = tokio::try_join!(
            s.versions(),
            s.holders(HolderKind::for_usage(s.target.kind))
        )?;
        let holders = noting_unchecked(holders, req.global.color);
        let revision = |n: &str| versions.iter().find(|v| v.name == n).map(|v| v.revision);
        let mut rows = Vec::new();
        for h in &holders {
            let note = match &h.role {
                Role::Switch => match refs::gitops_manager(&h.meta) {
                    Some(m) => format!("managed by {m}"),
                    None => String::new(),
                },
                Role::Report(why) => why.clone(),
                Role::Owned { owner } => {
                    if !req.all {
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
        match req.global.output {
            Some(Format::Json) => output::print_json(&rows)?,
            Some(Format::Yaml) => output::print_yaml(&rows)?,
            Some(Format::Name) => {
                let mut names: Vec<String> = holders
                    .iter()
                    .filter(|h| req.all || !matches!(h.role, Role::Owned { .. }))
                    .map(|h| h.display())
                    .collect();
                names.dedup();
                output::print_lines(names)?
            }
            _ => {
                if rows.is_empty() {
                    output::note(format!(
                        "No object in namespace {} references {} or its versions.",
                        s.namespace,
                        s.target.display()
                    ));
                    return Ok(exit::OK);
                }
                let mut t = output::table(&["OBJECT", "FIELD", "VERSION", "NOTE"]);
                for r in &rows {
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
                output::print_table(&t)?
            }
        }
        Ok(exit::OK)
    })
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

pub fn history(req: HistoryRequest) -> Result<u8> {
    let (global, target) = (req.global.clone(), req.target.clone());
    with_session(&global, &target, |s| async move {
        let (versions, holders, original) = tokio::try_join!(
            s.versions(),
            s.holders(HolderKind::for_usage(s.target.kind)),
            s.get(&s.target.base)
        )?;
        let holders = noting_unchecked(holders, req.global.color);
        let current = cluster::current_name(&holders, &versions);
        let mut users: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for h in &holders {
            if usage_reason(h).is_none() {
                continue;
            }
            for n in h.names() {
                users.entry(n).or_default().push(h.display());
            }
        }
        let all: Vec<&Version> = original.iter().chain(versions.iter()).collect();
        let rows: Vec<HistoryRow> = all
            .iter()
            .rev()
            .map(|v| HistoryRow {
                revision: v.revision,
                name: v.name.clone(),
                created: v.meta.creation_timestamp.as_ref().map(|t| t.0.to_string()),
                keys: v.content.keys(),
                current: current.as_deref().unwrap_or(&s.target.base) == v.name,
                failed: v.failed().map(str::to_string),
                used_by: users.remove(v.name.as_str()).unwrap_or_default(),
            })
            .collect();
        match req.global.output {
            Some(Format::Json) => output::print_json(&rows)?,
            Some(Format::Yaml) => output::print_yaml(&rows)?,
            Some(Format::Name) => output::print_lines(
                rows.iter()
                    .map(|r| format!("{}/{}", s.target.kind.resource(), r.name)),
            )?,
            _ => {
                if rows.is_empty() {
                    output::note(format!(
                        "{} has no versions in namespace {}.",
                        s.target.display(),
                        s.namespace
                    ));
                    return Ok(exit::OK);
                }
                let mut t =
                    output::table(&["REVISION", "NAME", "AGE", "KEYS", "STATUS", "USED BY"]);
                for (r, v) in rows.iter().zip(all.iter().rev()) {
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
            }
        }
        Ok(exit::OK)
    })
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
pub fn human_age(secs: u64) -> String {
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 2 * 3600 => format!("{}m", s / 60),
        s if s < 48 * 3600 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86400),
    }
}

#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct KeyChange {
    pub key: String,
    /// added, removed, changed or unchanged
    pub change: &'static str,
    pub old_size: Option<usize>,
    pub new_size: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_value: Option<String>,
}

/// Key-level changes between two versions; values are included only when
/// `show_values` (always for ConfigMaps, which hold no secrets).
pub fn key_changes(
    old: &BTreeMap<String, EntryValue>,
    new: &BTreeMap<String, EntryValue>,
    show_values: bool,
) -> Vec<KeyChange> {
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    let shown = |v: Option<&EntryValue>| -> Option<String> {
        if !show_values {
            return None;
        }
        v.map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    keys.into_iter()
        .map(|k| {
            let (o, n) = (old.get(k), new.get(k));
            let change = match (o, n) {
                (None, Some(_)) => "added",
                (Some(_), None) => "removed",
                (Some(a), Some(b)) if a.as_bytes() != b.as_bytes() => "changed",
                _ => "unchanged",
            };
            KeyChange {
                key: k.clone(),
                change,
                old_size: o.map(|v| v.as_bytes().len()),
                new_size: n.map(|v| v.as_bytes().len()),
                old_value: shown(o),
                new_value: shown(n),
            }
        })
        .collect()
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct DiffDoc {
    from: Option<String>,
    to: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    type_change: Option<(String, String)>,
    keys: Vec<KeyChange>,
}

pub fn diff(req: DiffRequest) -> Result<u8> {
    let source = req.source.source()?;
    let (global, target) = (req.global.clone(), req.target.clone());
    with_session(&global, &target, |s| async move {
        let (versions, holders) = tokio::try_join!(
            s.versions(),
            s.holders(HolderKind::for_switch(s.target.kind))
        )?;
        let holders = noting_unchecked(holders, req.global.color);
        let current = resolve_current(&s, &holders, &versions).await?;
        let content = new_content(&s, &source, &req.source, current.as_ref())?;
        let to = s.target.version_name(&content.suffix());
        let missing = guard::missing_keys(&switch::plan(&holders, &to), &content);
        let palette = Palette::for_stderr(req.global.color);
        for m in &missing {
            output::warn(palette, m.warning());
        }
        if !missing.is_empty() {
            output::note("A rotation to this content is refused unless --force.");
        }
        let show = req.show_values || s.target.kind == TargetKind::ConfigMap;
        let empty = BTreeMap::new();
        let old = current
            .as_ref()
            .map(|c| &c.content.entries)
            .unwrap_or(&empty);
        let changes = key_changes(old, &content.entries, show);
        let type_change = current.as_ref().and_then(|c| {
            (c.content.secret_type != content.secret_type).then(|| {
                (
                    c.content.secret_type.clone().unwrap_or_default(),
                    content.secret_type.clone().unwrap_or_default(),
                )
            })
        });
        let doc = DiffDoc {
            from: current.as_ref().map(|c| c.name.clone()),
            to: to.clone(),
            type_change,
            keys: changes,
        };
        match req.global.output {
            Some(Format::Json) => output::print_json(&doc)?,
            Some(Format::Yaml) => output::print_yaml(&doc)?,
            _ => print_diff(s.target.kind.resource(), &doc, show)?,
        }
        Ok(exit::OK)
    })
}

fn print_diff(res: &str, doc: &DiffDoc, show: bool) -> Result<()> {
    let mut lines = Vec::new();
    let from = doc.from.as_deref().unwrap_or("(nothing)");
    if doc.from.as_deref() == Some(doc.to.as_str()) {
        lines.push(format!("{res}/{from}: no change"));
        return output::print_lines(lines);
    }
    lines.push(format!("{res}/{from} → {res}/{}", doc.to));
    if let Some((a, b)) = &doc.type_change {
        lines.push(format!("~ type: {a} → {b}"));
    }
    let size = |n: Option<usize>| n.map(|n| format!("{n} bytes")).unwrap_or_default();
    for k in &doc.keys {
        let mark = match k.change {
            "added" => "+",
            "removed" => "-",
            "changed" => "~",
            _ => " ",
        };
        let detail = if show {
            let v = |x: &Option<String>| format!("{:?}", x.as_deref().unwrap_or(""));
            match k.change {
                "added" => v(&k.new_value),
                "removed" => v(&k.old_value),
                "changed" => format!("{} → {}", v(&k.old_value), v(&k.new_value)),
                _ => String::new(),
            }
        } else {
            match k.change {
                "added" => format!("({}, value hidden)", size(k.new_size)),
                "removed" => format!("({})", size(k.old_size)),
                "changed" => format!(
                    "({} → {}, values hidden; --show-values to see them)",
                    size(k.old_size),
                    size(k.new_size)
                ),
                _ => String::new(),
            }
        };
        lines.push(
            format!("{mark} {} {}", k.key, detail)
                .trim_end()
                .to_string(),
        );
    }
    output::print_lines(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(pairs: &[(&str, &str)]) -> BTreeMap<String, EntryValue> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), EntryValue::Bytes(v.as_bytes().to_vec())))
            .collect()
    }

    #[test]
    fn key_level_changes_hide_values_by_default() {
        let old = entries(&[("password", "hunter2"), ("user", "u"), ("gone", "x")]);
        let new = entries(&[("password", "correct horse"), ("user", "u"), ("token", "t")]);
        let changes = key_changes(&old, &new, false);
        let summary: Vec<(&str, &str)> =
            changes.iter().map(|c| (c.key.as_str(), c.change)).collect();
        assert_eq!(
            summary,
            vec![
                ("gone", "removed"),
                ("password", "changed"),
                ("token", "added"),
                ("user", "unchanged")
            ]
        );
        let json = serde_json::to_string(&changes).unwrap();
        assert!(
            !json.contains("hunter2") && !json.contains("horse"),
            "{json}"
        );
        let shown = key_changes(&old, &new, true);
        assert_eq!(shown[1].old_value.as_deref(), Some("hunter2"));
    }

    #[test]
    fn ages() {
        assert_eq!(human_age(5), "5s");
        assert_eq!(human_age(600), "10m");
        assert_eq!(human_age(5 * 3600), "5h");
        assert_eq!(human_age(3 * 86400), "3d");
    }
}
