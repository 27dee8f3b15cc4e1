//! `kubectl rotate-secret diff`: the key-level change a rotation would make,
//! Secret values hidden unless `--show-values`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::args::DiffArgs;
use super::content::EntryValue;
use super::guard;
use super::kinds::HolderKind;
use super::plan;
use super::rotation::{decrypt_sops, new_content, resolve_current};
use super::target::{Target, TargetKind};
use super::with_session;
use crate::cli::GlobalArgs;
use crate::error::{Result, exit};
use crate::output::{self, Format, Palette};

#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) struct KeyChange {
    pub(crate) key: String,
    /// added, removed, changed or unchanged
    pub(crate) change: &'static str,
    pub(crate) old_size: Option<usize>,
    pub(crate) new_size: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) old_value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) new_value: Option<String>,
}

/// Key-level changes between two versions; values are included only when
/// `show_values` (always for ConfigMaps, which hold no secrets).
pub(crate) fn key_changes(
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

pub(crate) fn diff(args: &DiffArgs, global: &GlobalArgs) -> Result<u8> {
    let source = args.source.source()?;
    let sops = decrypt_sops(source, &args.source, &Target::parse(&args.target)?)?;
    with_session(global, &args.target, |s| async move {
        let (versions, holders) = tokio::try_join!(
            s.versions(),
            s.holders(HolderKind::for_switch(s.target.kind))
        )?;
        let holders = holders.warn_unchecked(global.color);
        let current = resolve_current(&s, &holders, &versions).await?;
        let content = new_content(&s, source, &args.source, sops, current.as_ref())?;
        let to = s.target.version_name(&content.suffix());
        let missing = guard::missing_keys(&plan::plan(&holders, &to), &content);
        let palette = Palette::for_stderr(global.color);
        for m in &missing {
            output::warn(palette, m.warning());
        }
        if !missing.is_empty() {
            output::note("A rotation to this content is refused unless --force.");
        }
        let show = args.show_values || s.target.kind == TargetKind::ConfigMap;
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
        match global.output {
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
}
