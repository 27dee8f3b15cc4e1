//! The fleet view's data: honban's reports folded, page by page, into
//! counts per namespace and object, and the JSON shape `-o json` prints.
//!
//! Results map back to honban's levels: severity `critical`/`high` is an
//! error, `medium`/`low` a warning, `info` info; without a severity, `fail`
//! is a warning and `warn`/`error` info. `pass` counts as a pass, `skip` not
//! at all. A report's time is its last write (the newest
//! `metadata.managedFields[].time`, else its creation): the API server sets
//! it, and an unchanged run writes nothing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::audit::object::parse_timestamp;

/// Objects listed as the worst of a namespace.
pub(crate) const WORST: usize = 5;

/// One report as listed: only what the view reads.
#[derive(Deserialize)]
pub(crate) struct RawReport {
    #[serde(default)]
    metadata: RawMeta,
    #[serde(default)]
    scope: Option<Scope>,
    #[serde(default)]
    results: Option<Vec<RawResult>>,
}

impl RawReport {
    /// Whether this is the report of Namespace `ns` (its own findings).
    pub(crate) fn is_namespace(&self, ns: &str) -> bool {
        self.scope
            .as_ref()
            .is_some_and(|s| s.kind == "Namespace" && s.name == ns)
    }
}

#[derive(Deserialize, Default)]
struct RawMeta {
    #[serde(default)]
    name: String,
    namespace: Option<String>,
    #[serde(rename = "creationTimestamp")]
    created: Option<String>,
    #[serde(rename = "managedFields", default)]
    managed: Option<Vec<ManagedEntry>>,
}

#[derive(Deserialize)]
struct ManagedEntry {
    time: Option<String>,
}

#[derive(Deserialize)]
struct RawResult {
    result: Option<String>,
    severity: Option<String>,
}

/// The object a report is about (its `scope`).
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Scope {
    #[serde(default)]
    pub(crate) kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) namespace: Option<String>,
    #[serde(default)]
    pub(crate) name: String,
}

#[derive(Serialize, Default, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Counts {
    pub(crate) errors: usize,
    pub(crate) warnings: usize,
    pub(crate) info: usize,
    pub(crate) passes: usize,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.errors += o.errors;
        self.warnings += o.warnings;
        self.info += o.info;
        self.passes += o.passes;
    }

    fn findings(&self) -> usize {
        self.errors + self.warnings + self.info
    }

    fn count(&mut self, r: &RawResult) {
        let severity = r.severity.as_deref().unwrap_or("");
        let result = r.result.as_deref().unwrap_or("");
        match (result, severity) {
            ("pass", _) => self.passes += 1,
            ("skip", _) | ("", _) => {}
            (_, "critical" | "high") => self.errors += 1,
            (_, "medium" | "low") => self.warnings += 1,
            (_, "info") => self.info += 1,
            ("fail", _) => self.warnings += 1,
            _ => self.info += 1,
        }
    }
}

/// One object's reports (several when its results were split) in one API.
#[derive(Default)]
struct Entry {
    counts: Counts,
    reports: usize,
    written: i64,
}

/// Everything read from one cluster, keyed by API then object.
#[derive(Default)]
pub(crate) struct Fold {
    entries: BTreeMap<(Scope, &'static str), Entry>,
}

impl Fold {
    /// Adds one listed report of `api`.
    pub(crate) fn add(&mut self, api: &'static str, report: RawReport) {
        let meta = &report.metadata;
        let written = meta
            .managed
            .iter()
            .flatten()
            .filter_map(|m| m.time.as_deref().and_then(parse_timestamp))
            .chain(meta.created.as_deref().and_then(parse_timestamp))
            .max()
            .unwrap_or(0);
        // A report about no one object (cluster-wide findings) stands for
        // itself, by name, the same in both APIs.
        let mut scope = report.scope.unwrap_or_else(|| Scope {
            kind: String::new(),
            namespace: None,
            name: meta.name.clone(),
        });
        // A namespaced report is about something in its namespace.
        if scope.namespace.is_none() {
            scope.namespace = meta.namespace.clone();
        }
        let entry = self.entries.entry((scope, api)).or_default();
        for r in report.results.iter().flatten() {
            entry.counts.count(r);
        }
        entry.reports += 1;
        entry.written = entry.written.max(written);
    }

    /// Per namespace, with each object counted once: where both report APIs
    /// hold an object (the API was switched), the one written last wins.
    pub(crate) fn namespaces(self, now: i64) -> Vec<NamespaceView> {
        let mut objects: BTreeMap<Scope, Entry> = BTreeMap::new();
        for ((scope, _), e) in self.entries {
            match objects.get(&scope) {
                Some(have) if have.written >= e.written => {}
                _ => {
                    objects.insert(scope, e);
                }
            }
        }
        let mut by_ns: BTreeMap<Option<String>, NamespaceView> = BTreeMap::new();
        for (scope, e) in objects {
            // A Namespace's own findings belong to its row.
            let ns = match scope.kind.as_str() {
                "Namespace" => Some(scope.name.clone()),
                _ => scope.namespace.clone(),
            };
            let view = by_ns.entry(ns.clone()).or_insert_with(|| NamespaceView {
                namespace: ns,
                ..NamespaceView::default()
            });
            view.reports += e.reports;
            view.objects += 1;
            view.counts.add(&e.counts);
            view.newest = view.newest.max(e.written);
            view.oldest = if view.oldest == 0 {
                e.written
            } else {
                view.oldest.min(e.written)
            };
            if e.counts.findings() > 0 {
                view.worst.push(ObjectView {
                    object: scope,
                    counts: e.counts,
                });
            }
        }
        let mut out: Vec<NamespaceView> = by_ns.into_values().collect();
        for v in &mut out {
            v.worst.sort_by(|a, b| {
                let key = |o: &ObjectView| (o.counts.errors, o.counts.warnings, o.counts.info);
                key(b).cmp(&key(a)).then_with(|| a.object.cmp(&b.object))
            });
            v.worst.truncate(WORST);
            v.newest_age = (v.newest > 0).then(|| (now - v.newest).max(0));
        }
        out
    }
}

#[derive(Serialize, Default, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NamespaceView {
    /// `None` for cluster-scoped objects (a Namespace counts in its own row).
    pub(crate) namespace: Option<String>,
    pub(crate) reports: usize,
    /// Objects with a report (with or without findings).
    pub(crate) objects: usize,
    #[serde(flatten)]
    pub(crate) counts: Counts,
    #[serde(serialize_with = "as_time")]
    pub(crate) newest: i64,
    #[serde(serialize_with = "as_time")]
    pub(crate) oldest: i64,
    /// Seconds since the newest report was written.
    pub(crate) newest_age: Option<i64>,
    pub(crate) worst: Vec<ObjectView>,
}

#[derive(Serialize, Debug)]
pub(crate) struct ObjectView {
    #[serde(flatten)]
    pub(crate) object: Scope,
    #[serde(flatten)]
    pub(crate) counts: Counts,
}

/// How fresh the audits are, and what that was judged from.
#[derive(Serialize, Default, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Freshness {
    /// `cronjob` (its status), `reports` (the CronJob has no successful run
    /// yet: the newest report's age), or `none` (no CronJob: not judged).
    pub(crate) judged_by: &'static str,
    pub(crate) cron_job: Option<String>,
    pub(crate) schedule: Option<String>,
    pub(crate) interval_seconds: Option<i64>,
    pub(crate) suspended: bool,
    #[serde(serialize_with = "as_opt_time")]
    pub(crate) last_schedule_time: Option<i64>,
    #[serde(serialize_with = "as_opt_time")]
    pub(crate) last_successful_time: Option<i64>,
    pub(crate) last_job: Option<JobView>,
    pub(crate) stale: bool,
    /// Other installs' CronJobs (`install -n`), not judged: each audits
    /// the whole cluster, so the chosen one speaks for the reports.
    pub(crate) other_cron_jobs: Vec<String>,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct JobView {
    pub(crate) name: String,
    /// `running`, `succeeded` or `failed`.
    pub(crate) status: &'static str,
    pub(crate) reason: Option<String>,
}

/// One cluster's view; `error` set when it could not be read.
#[derive(Serialize, Default, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ClusterView {
    pub(crate) context: String,
    pub(crate) error: Option<String>,
    /// The report APIs served and read (`group/version`).
    pub(crate) apis: Vec<&'static str>,
    pub(crate) freshness: Freshness,
    pub(crate) warnings: Vec<String>,
    pub(crate) namespaces: Vec<NamespaceView>,
    /// The kinds the last run over every namespace could not read, from
    /// the cluster report (none with -n for a user bound in a namespace).
    pub(crate) not_checked: Vec<Unread>,
}

/// A kind a run could not read; `allowed`: left unread on purpose.
#[derive(Serialize, Debug)]
pub(crate) struct Unread {
    pub(crate) kind: String,
    pub(crate) allowed: bool,
    pub(crate) message: String,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub(crate) struct View {
    pub(crate) api_version: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) clusters: Vec<ClusterView>,
}

fn rfc3339(t: i64) -> String {
    let days = t.div_euclid(86400);
    let secs = t.rem_euclid(86400);
    let (y, m, d) = super::cron::civil(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn as_time<S: serde::Serializer>(t: &i64, s: S) -> Result<S::Ok, S::Error> {
    as_opt_time(&Some(*t).filter(|t| *t > 0), s)
}

fn as_opt_time<S: serde::Serializer>(t: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&rfc3339(*t)),
        None => s.serialize_none(),
    }
}

/// Short age as kubectl prints it: 45s, 12m, 5h, 3d.
pub(crate) fn age(secs: i64) -> String {
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 2 * 3600 => format!("{}m", s / 60),
        s if s < 2 * 86400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report(v: serde_json::Value) -> RawReport {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn folds_by_object_and_keeps_the_newest_api() {
        let mut fold = Fold::default();
        let scope = json!({"kind": "Deployment", "namespace": "shop", "name": "api"});
        let results = json!([
            {"result": "fail", "severity": "high"},
            {"result": "fail", "severity": "medium"},
            {"result": "warn", "severity": "info"},
            {"result": "pass"},
            {"result": "skip", "severity": "high"},
        ]);
        for t in ["2026-01-01T00:00:00Z", "2026-01-01T00:10:00Z"] {
            fold.add(
                "openreports.io/v1alpha1",
                report(
                    json!({"metadata": {"namespace": "shop", "creationTimestamp": t},
                    "scope": scope, "results": results}),
                ),
            );
        }
        fold.add(
            "wgpolicyk8s.io/v1alpha2",
            report(json!({"metadata": {"namespace": "shop", "creationTimestamp": "2025-01-01T00:00:00Z"},
                "scope": scope, "results": [{"result": "fail", "severity": "high"}]})),
        );
        fold.add(
            "openreports.io/v1alpha1",
            report(
                json!({"metadata": {"creationTimestamp": "2026-01-01T00:00:00Z",
                "managedFields": [{"time": "2026-01-02T00:00:00Z"}]},
                "scope": {"kind": "Namespace", "name": "shop"},
                "results": [{"result": "fail"}]}),
            ),
        );
        let now = parse_timestamp("2026-01-02T01:00:00Z").unwrap();
        let views = fold.namespaces(now);
        assert_eq!(views.len(), 1);
        let shop = &views[0];
        assert_eq!(shop.reports, 3);
        assert_eq!(shop.objects, 2);
        let want = Counts {
            errors: 2,
            warnings: 3,
            info: 2,
            passes: 2,
        };
        assert_eq!(shop.counts, want);
        assert_eq!(shop.newest_age, Some(3600));
        assert_eq!(shop.worst[0].object.name, "api");
        assert_eq!(rfc3339(shop.oldest), "2026-01-01T00:10:00Z");
    }

    #[test]
    fn ages() {
        assert_eq!(age(59), "59s");
        assert_eq!(age(600), "10m");
        assert_eq!(age(5 * 3600), "5h");
        assert_eq!(age(3 * 86400), "3d");
    }
}
