//! The audit report: findings after exemptions and filters, what could not
//! be checked, and scores. Its JSON form is the stable interface.
//!
//! Score (per namespace and per cluster), polaris' formula over our counts:
//! `passed = max(evaluations - errors - warnings, 0)` and
//! `score = floor(100 * 2*passed / (2*passed + warnings + 2*errors))`;
//! info findings do not lower it, and nothing evaluated scores 100, unless
//! something could not be read: then there is no score (`null`).
//! `--min-severity` only hides findings: the counts and scores include them.

use std::collections::BTreeMap;

use serde::Serialize;

use super::checks::{CLUSTER, Category, Cx, RawFinding, Severity, Target};
use super::config::{Config, annotation_skips};
use super::index::{Index, NotChecked};
use super::object::ObjRef;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub clusters: Vec<ClusterReport>,
}

impl Report {
    pub fn new(clusters: Vec<ClusterReport>) -> Report {
        Report {
            api_version: "honban.io/v1",
            kind: "AuditReport",
            clusters,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterReport {
    /// `None` offline.
    pub context: Option<String>,
    pub findings: Vec<Finding>,
    pub not_checked: Vec<NotChecked>,
    /// `None` when the report is incomplete and nothing could be judged:
    /// a score there would claim a clean cluster nobody could see.
    pub score: Option<u32>,
    pub namespaces: Vec<NamespaceScore>,
    pub summary: Summary,
    /// (check, object) pairs the checks judged, when tracking was asked for.
    #[serde(skip)]
    pub evaluated: Vec<(&'static str, ObjRef)>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub check: &'static str,
    pub severity: Severity,
    pub category: Category,
    pub object: ObjRef,
    pub message: String,
    pub fix: &'static str,
    pub file: Option<String>,
    pub line: Option<u32>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceScore {
    /// `None` for cluster-scoped objects; "" for objects with no namespace (offline).
    pub namespace: Option<String>,
    pub score: u32,
    pub errors: u32,
    pub warnings: u32,
    pub info: u32,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub objects: usize,
    pub errors: u32,
    pub warnings: u32,
    pub info: u32,
    /// Findings an annotation, the config or a built-in exemption exempted.
    pub exempted: u32,
    /// Findings `--min-severity` left out of the list; still counted above
    /// and in the scores.
    pub hidden: u32,
}

pub struct Filters<'a> {
    pub config: &'a Config,
    pub min_severity: Severity,
}

pub fn score(evaluations: u32, errors: u32, warnings: u32) -> u32 {
    let passed = evaluations.saturating_sub(errors + warnings) as u64;
    let denominator = 2 * passed + warnings as u64 + 2 * errors as u64;
    if denominator == 0 {
        return 100;
    }
    (100 * 2 * passed / denominator) as u32
}

/// Turns a check run into a cluster report.
pub fn build(context: Option<String>, index: &Index, cx: Cx, filters: &Filters) -> ClusterReport {
    let mut findings = Vec::with_capacity(cx.findings.len());
    let mut exempted = 0;
    let mut hidden = 0;
    let mut counts: BTreeMap<String, (u32, u32, u32)> = BTreeMap::new();
    let evaluations = cx.evaluations;
    let evaluated = cx
        .evaluated
        .unwrap_or_default()
        .into_iter()
        .map(|(check, target)| {
            let r = match target {
                Target::Object(i) => index.objects[i].obj_ref(),
                Target::Other(r) => *r,
            };
            (check, r)
        })
        .collect();
    for raw in cx.findings {
        let RawFinding {
            check,
            target,
            message,
            path,
            scope,
        } = raw;
        let Some(info) = super::checks::info(check) else {
            continue;
        };
        let (object, source, annotations, by_default) = match &target {
            Target::Object(i) => {
                let o = &index.objects[*i];
                let by_default = filters.config.default_exemptions
                    && super::defaults::exemption_for(check, o).is_some();
                (o.obj_ref(), o.source.as_ref(), o.annotations(), by_default)
            }
            Target::Other(r) => (ObjRef::clone(r), None, None, false),
        };
        let ns_annotations = object
            .namespace
            .as_deref()
            .or(if object.kind == "Namespace" {
                Some(object.name.as_str())
            } else {
                None
            })
            .and_then(|ns| index.of_kind("Namespace").find(|(_, n)| n.name == ns))
            .and_then(|(_, n)| n.annotations());
        let by_annotation = filters.config.annotation_exemptions
            && (annotation_skips(annotations, check) || annotation_skips(ns_annotations, check));
        if by_default || by_annotation || filters.config.exempts(check, &object) {
            exempted += 1;
            continue;
        }
        let severity = filters.config.severity_of(check);
        // Counted before the filter: --min-severity hides, it never scores.
        let c = counts.entry(scope).or_default();
        match severity {
            Severity::Error => c.0 += 1,
            Severity::Warning => c.1 += 1,
            Severity::Info => c.2 += 1,
        }
        if severity < filters.min_severity {
            hidden += 1;
            continue;
        }
        findings.push(Finding {
            check,
            severity,
            category: info.category,
            object,
            message,
            fix: info.fix,
            file: source.map(|s| s.file.to_string()),
            line: source.map(|s| s.line_of(path.as_deref())),
        });
    }
    findings.sort_by(|a, b| {
        let key = |f: &Finding| {
            (
                f.object.display_namespace().map(str::to_string),
                f.object.kind.clone(),
                f.object.name.clone(),
                std::cmp::Reverse(f.severity),
                f.check,
            )
        };
        key(a).cmp(&key(b))
    });
    let mut namespaces = Vec::new();
    let mut summary = Summary {
        objects: index.objects.len() + index.pods.iter().filter(|p| p.owner.is_some()).count(),
        exempted,
        hidden,
        ..Summary::default()
    };
    let mut total_evaluations = 0;
    let keys: std::collections::BTreeSet<&String> =
        evaluations.keys().chain(counts.keys()).collect();
    for key in keys {
        let e = evaluations.get(key).copied().unwrap_or(0);
        let (errors, warnings, info) = counts.get(key).copied().unwrap_or_default();
        total_evaluations += e;
        summary.errors += errors;
        summary.warnings += warnings;
        summary.info += info;
        namespaces.push(NamespaceScore {
            namespace: (key != CLUSTER).then(|| key.clone()),
            score: score(e, errors, warnings),
            errors,
            warnings,
            info,
        });
    }
    let mut not_checked = index.not_checked.clone();
    not_checked.sort();
    not_checked.dedup();
    let unjudged = total_evaluations == 0 && !not_checked.is_empty();
    ClusterReport {
        context,
        score: (!unjudged).then(|| score(total_evaluations, summary.errors, summary.warnings)),
        findings,
        not_checked,
        namespaces,
        summary,
        evaluated,
    }
}

#[cfg(test)]
mod tests {
    use super::score;

    #[test]
    fn scores() {
        assert_eq!(score(0, 0, 0), 100);
        assert_eq!(score(10, 0, 0), 100);
        assert_eq!(score(10, 0, 10), 0);
        // 8 passed, 1 warning, 1 error: 16 / (16 + 1 + 2)
        assert_eq!(score(10, 1, 1), 84);
    }
}
