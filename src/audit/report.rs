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

use super::annotations::annotation_skips;
use super::checks::{CLUSTER, Category, Cx, RawFinding, Severity, Target};
use super::config::Config;
use super::index::{Index, NotChecked};
use super::object::{ObjRef, Source};

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Report {
    pub(crate) api_version: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) clusters: Vec<ClusterReport>,
}

impl Report {
    pub(crate) fn new(clusters: Vec<ClusterReport>) -> Report {
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
    pub(crate) context: Option<String>,
    pub findings: Vec<Finding>,
    pub not_checked: Vec<NotChecked>,
    /// `None` when the report is incomplete and nothing could be judged:
    /// a score there would claim a clean cluster nobody could see.
    pub(crate) score: Option<u32>,
    pub(crate) namespaces: Vec<NamespaceScore>,
    pub summary: Summary,
    /// (check, object) pairs the checks judged, when tracking was asked for.
    #[serde(skip)]
    pub evaluated: Vec<(&'static str, ObjRef)>,
    /// (check, object) pairs that failed but are not listed (exempted or
    /// below `--min-severity`), when tracking: neither a finding nor a pass.
    #[serde(skip)]
    pub(crate) withheld: Vec<(&'static str, ObjRef)>,
    /// What `--report` wrote into the cluster.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reports: Option<super::cluster_reports::Outcome>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub check: &'static str,
    pub(crate) severity: Severity,
    pub(crate) category: Category,
    pub object: ObjRef,
    pub message: String,
    pub(crate) fix: &'static str,
    pub(crate) file: Option<String>,
    pub(crate) line: Option<u32>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NamespaceScore {
    /// `None` for cluster-scoped objects; "" for objects with no namespace (offline).
    pub(crate) namespace: Option<String>,
    pub(crate) score: u32,
    pub(crate) errors: u32,
    pub(crate) warnings: u32,
    pub(crate) info: u32,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub(crate) objects: usize,
    pub(crate) errors: u32,
    pub(crate) warnings: u32,
    pub(crate) info: u32,
    /// Findings an annotation, the config or a built-in exemption exempted.
    pub exempted: u32,
    /// Findings `--min-severity` left out of the list; still counted above
    /// and in the scores.
    pub(crate) hidden: u32,
}

pub(crate) struct Filters<'a> {
    pub(crate) config: &'a Config,
    pub(crate) min_severity: Severity,
}

pub(crate) fn score(evaluations: u32, errors: u32, warnings: u32) -> u32 {
    let passed = evaluations.saturating_sub(errors + warnings) as u64;
    let denominator = 2 * passed + warnings as u64 + 2 * errors as u64;
    if denominator == 0 {
        return 100;
    }
    (100 * 2 * passed / denominator) as u32
}

/// Findings kept after exemptions and `--min-severity`, with the counts
/// per score key (errors, warnings, info), which include hidden findings.
#[derive(Default)]
struct Kept {
    findings: Vec<Finding>,
    counts: BTreeMap<String, (u32, u32, u32)>,
    exempted: u32,
    hidden: u32,
    withheld: Vec<(&'static str, ObjRef)>,
}

/// Turns a check run into a cluster report.
pub(crate) fn build(
    context: Option<String>,
    index: &Index,
    cx: Cx,
    filters: &Filters,
) -> ClusterReport {
    let evaluations = cx.evaluations;
    let tracking = cx.evaluated.is_some();
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
    let mut kept = keep(index, cx.findings, filters, tracking);
    sort(&mut kept.findings);
    let mut summary = Summary {
        objects: index.objects.len() + index.pods.iter().filter(|p| p.owner.is_some()).count(),
        exempted: kept.exempted,
        hidden: kept.hidden,
        ..Summary::default()
    };
    let (namespaces, total_evaluations) =
        namespace_scores(&evaluations, &kept.counts, &mut summary);
    let mut not_checked = index.not_checked.clone();
    not_checked.sort();
    not_checked.dedup();
    let unjudged = total_evaluations == 0 && !not_checked.is_empty();
    ClusterReport {
        context,
        score: (!unjudged).then(|| score(total_evaluations, summary.errors, summary.warnings)),
        findings: kept.findings,
        not_checked,
        namespaces,
        summary,
        evaluated,
        withheld: kept.withheld,
        reports: None,
    }
}

/// Applies exemptions (built-in, annotations, config) and severities, and
/// counts what `--min-severity` hides.
fn keep(index: &Index, raw: Vec<RawFinding>, filters: &Filters, tracking: bool) -> Kept {
    let mut kept = Kept {
        findings: Vec::with_capacity(raw.len()),
        ..Kept::default()
    };
    for raw in raw {
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
        let (object, source, exempt) = exemption(index, check, &target, filters);
        if exempt {
            kept.exempted += 1;
            if tracking {
                kept.withheld.push((check, object));
            }
            continue;
        }
        let severity = filters.config.severity_of(check);
        // Counted before the filter: --min-severity hides, it never scores.
        let c = kept.counts.entry(scope).or_default();
        match severity {
            Severity::Error => c.0 += 1,
            Severity::Warning => c.1 += 1,
            Severity::Info => c.2 += 1,
        }
        if severity < filters.min_severity {
            kept.hidden += 1;
            if tracking {
                kept.withheld.push((check, object));
            }
            continue;
        }
        kept.findings.push(Finding {
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
    kept
}

/// The finding's object, its source, and whether an exemption covers it.
fn exemption<'a>(
    index: &'a Index,
    check: &str,
    target: &Target,
    filters: &Filters,
) -> (ObjRef, Option<&'a Source>, bool) {
    let (object, source, annotations, by_default) = match target {
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
    let exempt = by_default || by_annotation || filters.config.exempts(check, &object);
    (object, source, exempt)
}

/// Namespace, then object, then the most severe first.
fn sort(findings: &mut [Finding]) {
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
}

/// A score per namespace (and [`CLUSTER`]); adds the counts to `summary`
/// and returns the scores with the total of evaluations.
fn namespace_scores(
    evaluations: &BTreeMap<String, u32>,
    counts: &BTreeMap<String, (u32, u32, u32)>,
    summary: &mut Summary,
) -> (Vec<NamespaceScore>, u32) {
    let mut namespaces = Vec::new();
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
    (namespaces, total_evaluations)
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
