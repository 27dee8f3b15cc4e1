//! Findings (and, with `--report-passes`, passes) turned into report
//! objects: one per audited object, scoped to it and owned by it so the
//! garbage collector removes it with the object; cluster-scoped objects and
//! Namespaces get a cluster report (Kyverno's placement). A report over
//! [`MAX_BYTES`] is split into parts.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::api::{MANAGED_BY, MANAGED_BY_VALUE, RUN_ID, ReportApi, SOURCE};
use super::model::{Metadata, ObjectReference, Owner, Report, ReportResult, Summary, Timestamp};
use crate::audit::checks::{self, Severity};
use crate::audit::config::Config;
use crate::audit::index::{Index, NotChecked};
use crate::audit::object::ObjRef;
use crate::audit::report::ClusterReport;

/// etcd refuses requests over 1.5 MiB; a report stays under 1 MiB.
pub(crate) const MAX_BYTES: usize = 1024 * 1024;

/// One report object as it should be in the cluster.
pub(crate) struct Desired {
    pub(crate) cluster: bool,
    pub(crate) namespace: Option<String>,
    pub(crate) name: String,
    pub(crate) body: Report,
}

/// What every report of one run shares.
pub(crate) struct Stamp<'a> {
    pub(crate) api: &'a ReportApi,
    /// The config's severities (a pass is reported at its check's).
    pub(crate) config: &'a Config,
    pub(crate) run_id: &'a str,
    /// Seconds since the epoch, the results' timestamp.
    pub(crate) now: i64,
    pub(crate) max_bytes: usize,
}

/// The kind the checks' cluster-wide findings are about (no object).
const CLUSTER_KIND: &str = "Cluster";
/// The policy of the results that name a kind the run could not read.
pub(crate) const NOT_CHECKED: &str = "not-checked";

/// honban severity → (result, severity) as the report APIs spell them.
fn mapping(severity: Severity) -> (&'static str, &'static str) {
    match severity {
        Severity::Error => ("fail", "high"),
        Severity::Warning => ("fail", "medium"),
        Severity::Info => ("warn", "info"),
    }
}

/// Sort key of a result: fail (high, then medium), warn, pass.
fn rank(r: &ReportResult) -> u8 {
    match (r.result.as_ref(), r.severity.as_ref()) {
        ("fail", "high") => 0,
        ("fail", _) => 1,
        ("warn", _) => 2,
        _ => 3,
    }
}

fn result(
    stamp: &Stamp,
    check: &'static str,
    severity: Severity,
    message: Cow<'static, str>,
    fix: Option<&'static str>,
    pass: bool,
) -> ReportResult {
    let (outcome, sev) = mapping(severity);
    let category = checks::info(check).map_or("", |i| i.category.as_str());
    let mut properties = BTreeMap::new();
    if let Some(fix) = fix {
        properties.insert(Cow::Borrowed("fix"), Cow::Borrowed(fix));
    }
    properties.insert(
        Cow::Borrowed("honbanVersion"),
        Cow::Borrowed(env!("CARGO_PKG_VERSION")),
    );
    ReportResult {
        source: Cow::Borrowed(SOURCE),
        policy: Cow::Borrowed(check),
        rule: Cow::Borrowed(check),
        category: Cow::Borrowed(category),
        severity: Cow::Borrowed(sev),
        result: Cow::Borrowed(if pass { "pass" } else { outcome }),
        message,
        timestamp: Some(Timestamp {
            seconds: stamp.now,
            nanos: 0,
        }),
        properties,
    }
}

/// A kind the run could not read, as a `skip` result: policy
/// `not-checked`, rule the kind, and whether it was left unread on purpose.
fn not_checked(stamp: &Stamp, n: &NotChecked) -> ReportResult {
    let scope = n
        .namespace
        .as_deref()
        .map(|ns| format!(" in {ns}"))
        .unwrap_or_default();
    let why = if n.allowed {
        "left unread on purpose (--allow-unread); the checks that need it did not run"
    } else {
        "the checks that need it did not run"
    };
    let message = format!("{}{scope} not checked: {}; {why}", n.kind, n.reason);
    let mut r = result(
        stamp,
        NOT_CHECKED,
        Severity::Info,
        Cow::Owned(message),
        None,
        false,
    );
    r.rule = Cow::Owned(n.kind.clone());
    r.result = Cow::Borrowed("skip");
    let allowed = if n.allowed { "true" } else { "false" };
    r.properties
        .insert(Cow::Borrowed("allowedUnread"), Cow::Borrowed(allowed));
    r
}

/// Whether a run over `namespace` (None: every namespace) speaks for the
/// object: `-n NS` writes only NS's objects and NS's own Namespace.
fn in_scope(object: &ObjRef, namespace: Option<&str>) -> bool {
    match namespace {
        None => true,
        Some(ns) => match &object.namespace {
            Some(o) => o == ns,
            None => object.kind == "Namespace" && object.name == ns,
        },
    }
}

/// The uids of the objects the audit listed, by (kind, namespace, name).
fn uids(index: &Index) -> HashMap<(&str, Option<&str>, &str), &str> {
    let mut out = HashMap::new();
    for o in &index.objects {
        if let Some(uid) = o.get(&["metadata", "uid"]).and_then(Value::as_str) {
            out.insert(
                (o.kind.as_str(), o.namespace.as_deref(), o.name.as_str()),
                uid,
            );
        }
    }
    for p in &index.pods {
        if !p.uid.is_empty() {
            out.insert(
                ("Pod", Some(p.namespace.as_str()), p.name.as_str()),
                p.uid.as_str(),
            );
        }
    }
    out
}

/// Every report the run should leave in the cluster.
pub(crate) fn reports(
    stamp: &Stamp,
    cluster: &ClusterReport,
    index: &Index,
    namespace: Option<&str>,
    passes: bool,
) -> Vec<Desired> {
    let whole = ObjRef::cluster();
    let mut by_object: BTreeMap<&ObjRef, Vec<ReportResult>> = BTreeMap::new();
    // A run over every namespace speaks for the cluster: the kinds it could
    // not read go into the cluster report as skips, saying why.
    if namespace.is_none() {
        for n in &cluster.not_checked {
            let r = not_checked(stamp, n);
            by_object.entry(&whole).or_default().push(r);
        }
    }
    let mut failed: HashSet<(&str, &ObjRef)> = HashSet::new();
    for f in &cluster.findings {
        failed.insert((f.check, &f.object));
        if in_scope(&f.object, namespace) {
            let message = Cow::Owned(f.message.clone());
            let r = result(stamp, f.check, f.severity, message, Some(f.fix), false);
            by_object.entry(&f.object).or_default().push(r);
        }
    }
    if passes {
        failed.extend(cluster.withheld.iter().map(|(c, o)| (*c, o)));
        let mut seen = HashSet::new();
        for (check, object) in &cluster.evaluated {
            if failed.contains(&(*check, object))
                || !in_scope(object, namespace)
                || !seen.insert((*check, object))
            {
                continue;
            }
            let Some(info) = checks::info(check) else {
                continue;
            };
            let severity = stamp.config.severity_of(check);
            let r = result(
                stamp,
                info.id,
                severity,
                Cow::Borrowed(info.title),
                None,
                true,
            );
            by_object.entry(object).or_default().push(r);
        }
    }
    let uids = uids(index);
    let mut out = Vec::new();
    for (object, mut results) in by_object {
        results.sort_by(|a, b| {
            (rank(a), &a.policy, &a.message).cmp(&(rank(b), &b.policy, &b.message))
        });
        let key = (
            object.kind.as_str(),
            object.namespace.as_deref(),
            object.name.as_str(),
        );
        let uid = uids.get(&key).copied();
        out.extend(for_object(stamp, object, uid, results));
    }
    out
}

/// The report name: honban's prefix keeps it apart from Kyverno's, which
/// names its reports by the object's uid alone.
fn base_name(object: &ObjRef, uid: Option<&str>) -> String {
    if object.kind == CLUSTER_KIND && object.namespace.is_none() {
        return "honban-cluster".to_string();
    }
    match uid {
        Some(uid) => format!("honban-{uid}"),
        None => {
            let key = format!(
                "{}/{}/{}/{}",
                object.api_version,
                object.kind,
                object.namespace.as_deref().unwrap_or(""),
                object.name
            );
            let digest = Sha256::digest(key.as_bytes());
            let hex: String = digest.iter().take(10).map(|b| format!("{b:02x}")).collect();
            format!("honban-{hex}")
        }
    }
}

fn json_len<T: serde::Serialize>(v: &T) -> usize {
    serde_json::to_vec(v).map_or(0, |v| v.len())
}

/// One object's report, split into parts when it would pass the limit.
fn for_object(
    stamp: &Stamp,
    object: &ObjRef,
    uid: Option<&str>,
    results: Vec<ReportResult>,
) -> Vec<Desired> {
    let cluster = object.namespace.is_none();
    let base = base_name(object, uid);
    let envelope = envelope(stamp, object, uid, &base);
    // Room for the results: the envelope, its summary, and a margin.
    let room = stamp.max_bytes.saturating_sub(json_len(&envelope) + 256);
    let mut parts: Vec<Vec<ReportResult>> = vec![Vec::new()];
    let mut used = 0;
    for r in results {
        let size = json_len(&r) + 1;
        if parts.last().is_some_and(|p| !p.is_empty()) && used + size > room {
            parts.push(Vec::new());
            used = 0;
        }
        used += size;
        parts.last_mut().expect("one part").push(r);
    }
    parts
        .into_iter()
        .enumerate()
        .map(|(i, results)| {
            let name = if i == 0 {
                base.clone()
            } else {
                format!("{base}-{i}")
            };
            let mut body = envelope.clone();
            body.metadata.name = name.clone();
            body.summary = summary(&results);
            body.results = results;
            Desired {
                cluster,
                namespace: object.namespace.clone(),
                name,
                body,
            }
        })
        .collect()
}

fn envelope(stamp: &Stamp, object: &ObjRef, uid: Option<&str>, name: &str) -> Report {
    let cluster = object.namespace.is_none();
    let labels = [(MANAGED_BY, MANAGED_BY_VALUE), (RUN_ID, stamp.run_id)]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut report = Report {
        api_version: stamp.api.api_version(),
        kind: stamp.api.kind_of(cluster).to_string(),
        metadata: Metadata {
            name: name.to_string(),
            namespace: object.namespace.clone(),
            labels,
            ..Metadata::default()
        },
        source: stamp.api.report_source.then(|| SOURCE.to_string()),
        ..Report::default()
    };
    if object.kind == CLUSTER_KIND && cluster {
        return report;
    }
    report.scope = Some(ObjectReference {
        api_version: object.api_version.clone(),
        kind: object.kind.clone(),
        name: object.name.clone(),
        namespace: object.namespace.clone(),
        uid: uid.map(str::to_string),
    });
    if let Some(uid) = uid {
        report.metadata.owner_references = vec![Owner {
            api_version: object.api_version.clone(),
            kind: object.kind.clone(),
            name: object.name.clone(),
            uid: uid.to_string(),
        }];
    }
    report
}

fn summary(results: &[ReportResult]) -> Summary {
    let mut s = Summary::default();
    for r in results {
        match r.result.as_ref() {
            "pass" => s.pass += 1,
            "fail" => s.fail += 1,
            "warn" => s.warn += 1,
            "error" => s.error += 1,
            _ => s.skip += 1,
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::cluster_reports::api::OPENREPORTS;

    fn deployment() -> ObjRef {
        ObjRef {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            namespace: Some("shop".into()),
            name: "web".into(),
        }
    }

    #[test]
    fn splits_under_the_limit_and_keeps_every_result() {
        let config = Config::with_defaults();
        let stamp = Stamp {
            api: &OPENREPORTS,
            config: &config,
            run_id: "r1",
            now: 1,
            max_bytes: 4096,
        };
        let results: Vec<ReportResult> = (0..100)
            .map(|i| {
                let message = Cow::Owned(format!("container c{i} has no tag"));
                result(
                    &stamp,
                    "image-tag",
                    Severity::Error,
                    message,
                    Some("pin it"),
                    false,
                )
            })
            .collect();
        let parts = for_object(&stamp, &deployment(), Some("u-1"), results);
        assert!(parts.len() > 1);
        let mut total = 0;
        for p in &parts {
            assert!(serde_json::to_vec(&p.body).unwrap().len() <= 4096);
            total += p.body.results.len();
            assert_eq!(p.body.summary.fail as usize, p.body.results.len());
        }
        assert_eq!(total, 100);
        assert_eq!(parts[0].name, "honban-u-1");
        assert_eq!(parts[1].name, "honban-u-1-1");
    }

    #[test]
    fn a_run_over_every_namespace_names_what_it_could_not_read() {
        let config = Config::with_defaults();
        let stamp = Stamp {
            api: &OPENREPORTS,
            config: &config,
            run_id: "r",
            now: 1,
            max_bytes: MAX_BYTES,
        };
        let unread = NotChecked {
            kind: "Secret".into(),
            namespace: None,
            reason: "forbidden: no".into(),
            allowed: true,
        };
        let index = crate::audit::live::index_from_values(Vec::new(), vec![unread]);
        let settings = crate::audit::test_settings(&[], true);
        let cluster = crate::audit::audit_index(Some("c".into()), &index, &settings);
        let all = reports(&stamp, &cluster, &index, None, false);
        let whole = all.iter().find(|d| d.name == "honban-cluster").unwrap();
        let r = whole
            .body
            .results
            .iter()
            .find(|r| r.policy == NOT_CHECKED)
            .unwrap();
        assert_eq!(r.rule, "Secret");
        assert_eq!((r.result.as_ref(), r.severity.as_ref()), ("skip", "info"));
        assert_eq!(r.properties["allowedUnread"], "true");
        assert_eq!(whole.body.summary.skip, 1);
        // -n NS speaks for NS only, not for the cluster.
        let one = reports(&stamp, &cluster, &index, Some("shop"), false);
        assert!(one.iter().all(|d| d.name != "honban-cluster"));
    }

    #[test]
    fn run_id_and_timestamps_do_not_make_a_report_differ() {
        let config = Config::with_defaults();
        let one = Stamp {
            api: &OPENREPORTS,
            config: &config,
            run_id: "a",
            now: 1,
            max_bytes: MAX_BYTES,
        };
        let two = Stamp {
            api: &OPENREPORTS,
            config: &config,
            run_id: "b",
            now: 2,
            max_bytes: MAX_BYTES,
        };
        let body = |s: &Stamp, msg: &str| {
            for_object(
                s,
                &deployment(),
                Some("u"),
                vec![result(
                    s,
                    "image-tag",
                    Severity::Warning,
                    Cow::Owned(msg.to_string()),
                    Some("f"),
                    false,
                )],
            )
            .remove(0)
            .body
        };
        assert!(body(&one, "m").same_as(&body(&two, "m"), MANAGED_BY));
        assert!(!body(&one, "m").same_as(&body(&one, "other"), MANAGED_BY));
        // Read back through JSON, as from the API server.
        let text = serde_json::to_string(&body(&one, "m")).unwrap();
        let back: Report = serde_json::from_str(&text).unwrap();
        assert!(back.same_as(&body(&two, "m"), MANAGED_BY));
    }
}
