//! Findings (and, with `--report-passes`, passes) turned into report
//! objects: one per audited object, scoped to it and owned by it so the
//! garbage collector removes it with the object; cluster-scoped objects and
//! Namespaces get a cluster report (Kyverno's placement). A report over
//! [`MAX_BYTES`] is split into parts.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::api::{MANAGED_BY, MANAGED_BY_VALUE, RUN_ID, ReportApi, SOURCE};
use crate::audit::checks::{self, Severity};
use crate::audit::index::Index;
use crate::audit::object::ObjRef;
use crate::audit::report::ClusterReport;

/// etcd refuses requests over 1.5 MiB; a report stays under 1 MiB.
pub(crate) const MAX_BYTES: usize = 1024 * 1024;

/// One report object as it should be in the cluster.
pub(crate) struct Desired {
    pub(crate) cluster: bool,
    pub(crate) namespace: Option<String>,
    pub(crate) name: String,
    pub(crate) body: Value,
}

/// What every report of one run shares.
pub(crate) struct Stamp<'a> {
    pub(crate) api: &'a ReportApi,
    pub(crate) run_id: &'a str,
    /// Seconds since the epoch, the results' timestamp.
    pub(crate) now: i64,
    pub(crate) max_bytes: usize,
}

/// The kind the checks' cluster-wide findings are about (no object).
const CLUSTER_KIND: &str = "Cluster";

/// honban severity → (result, severity) as the report APIs spell them.
fn mapping(severity: Severity) -> (&'static str, &'static str) {
    match severity {
        Severity::Error => ("fail", "high"),
        Severity::Warning => ("fail", "medium"),
        Severity::Info => ("warn", "info"),
    }
}

/// Sort key of a result: fail (high, then medium), warn, pass.
fn rank(result: &Value) -> u8 {
    match (result["result"].as_str(), result["severity"].as_str()) {
        (Some("fail"), Some("high")) => 0,
        (Some("fail"), _) => 1,
        (Some("warn"), _) => 2,
        _ => 3,
    }
}

fn result(
    stamp: &Stamp,
    check: &str,
    severity: Severity,
    message: &str,
    fix: Option<&str>,
    pass: bool,
) -> Value {
    let (outcome, sev) = mapping(severity);
    let category = checks::info(check).map_or("", |i| i.category.as_str());
    let mut properties = Map::new();
    if let Some(fix) = fix {
        properties.insert("fix".into(), json!(fix));
    }
    properties.insert("honbanVersion".into(), json!(env!("CARGO_PKG_VERSION")));
    json!({
        "source": SOURCE,
        "policy": check,
        "rule": check,
        "category": category,
        "severity": sev,
        "result": if pass { "pass" } else { outcome },
        "message": message,
        "timestamp": {"seconds": stamp.now, "nanos": 0},
        "properties": properties,
    })
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
    let mut by_object: BTreeMap<&ObjRef, Vec<Value>> = BTreeMap::new();
    let mut failed: HashSet<(&str, &ObjRef)> = HashSet::new();
    for f in &cluster.findings {
        failed.insert((f.check, &f.object));
        if in_scope(&f.object, namespace) {
            let r = result(stamp, f.check, f.severity, &f.message, Some(f.fix), false);
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
            let r = result(stamp, check, info.severity, info.title, None, true);
            by_object.entry(object).or_default().push(r);
        }
    }
    let uids = uids(index);
    let mut out = Vec::new();
    for (object, mut results) in by_object {
        results.sort_by(|a, b| {
            (rank(a), a["policy"].as_str(), a["message"].as_str()).cmp(&(
                rank(b),
                b["policy"].as_str(),
                b["message"].as_str(),
            ))
        });
        let uid = uids
            .get(&(
                object.kind.as_str(),
                object.namespace.as_deref(),
                object.name.as_str(),
            ))
            .copied();
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

/// One object's report, split into parts when it would pass the limit.
fn for_object(
    stamp: &Stamp,
    object: &ObjRef,
    uid: Option<&str>,
    results: Vec<Value>,
) -> Vec<Desired> {
    let cluster = object.namespace.is_none();
    let base = base_name(object, uid);
    let envelope = envelope(stamp, object, uid, &base);
    // Room for the results: the envelope, its summary, and a margin.
    let room = stamp
        .max_bytes
        .saturating_sub(serde_json::to_vec(&envelope).map_or(0, |v| v.len()) + 256);
    let mut parts: Vec<Vec<Value>> = vec![Vec::new()];
    let mut used = 0;
    for r in results {
        let size = serde_json::to_vec(&r).map_or(0, |v| v.len()) + 1;
        let last = parts.last_mut().expect("one part");
        if !last.is_empty() && used + size > room {
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
            body["metadata"]["name"] = json!(name);
            body["summary"] = summary(&results);
            body["results"] = Value::Array(results);
            Desired {
                cluster,
                namespace: object.namespace.clone(),
                name,
                body,
            }
        })
        .collect()
}

fn envelope(stamp: &Stamp, object: &ObjRef, uid: Option<&str>, name: &str) -> Value {
    let cluster = object.namespace.is_none();
    let mut metadata = json!({
        "name": name,
        "labels": {MANAGED_BY: MANAGED_BY_VALUE, RUN_ID: stamp.run_id},
    });
    if let Some(ns) = &object.namespace {
        metadata["namespace"] = json!(ns);
    }
    let mut body = json!({
        "apiVersion": stamp.api.api_version(),
        "kind": stamp.api.kind_of(cluster),
        "metadata": metadata,
    });
    if stamp.api.report_source {
        body["source"] = json!(SOURCE);
    }
    if object.kind == CLUSTER_KIND && cluster {
        return body;
    }
    let mut scope = json!({
        "apiVersion": object.api_version,
        "kind": object.kind,
        "name": object.name,
    });
    if let Some(ns) = &object.namespace {
        scope["namespace"] = json!(ns);
    }
    if let Some(uid) = uid {
        scope["uid"] = json!(uid);
        body["metadata"]["ownerReferences"] = json!([{
            "apiVersion": object.api_version,
            "kind": object.kind,
            "name": object.name,
            "uid": uid,
        }]);
    }
    body["scope"] = scope;
    body
}

fn summary(results: &[Value]) -> Value {
    let mut counts: BTreeMap<&str, u64> = ["pass", "fail", "warn", "error", "skip"]
        .into_iter()
        .map(|k| (k, 0))
        .collect();
    for r in results {
        if let Some(c) = r["result"].as_str().and_then(|k| counts.get_mut(k)) {
            *c += 1;
        }
    }
    json!(counts)
}

/// What decides whether a report must be rewritten: everything but the run
/// id and the results' timestamps, so an unchanged run writes nothing.
pub(crate) fn fingerprint(report: &Value) -> Value {
    let results: Vec<Value> = report["results"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .map(|r| {
                    let mut r = r.clone();
                    if let Some(o) = r.as_object_mut() {
                        o.remove("timestamp");
                    }
                    r
                })
                .collect()
        })
        .unwrap_or_default();
    let owners: Vec<Value> = report["metadata"]["ownerReferences"]
        .as_array()
        .map(|os| {
            os.iter()
                .map(|o| json!([o["apiVersion"], o["kind"], o["name"], o["uid"]]))
                .collect()
        })
        .unwrap_or_default();
    json!({
        "managedBy": report["metadata"]["labels"][MANAGED_BY],
        "owners": owners,
        "source": report["source"],
        "scope": report["scope"],
        "summary": report["summary"],
        "results": results,
    })
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
        let stamp = Stamp {
            api: &OPENREPORTS,
            run_id: "r1",
            now: 1,
            max_bytes: 4096,
        };
        let results: Vec<Value> = (0..100)
            .map(|i| {
                result(
                    &stamp,
                    "image-tag",
                    Severity::Error,
                    &format!("container c{i} has no tag"),
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
            total += p.body["results"].as_array().unwrap().len();
            assert_eq!(
                p.body["summary"]["fail"].as_u64().unwrap() as usize,
                p.body["results"].as_array().unwrap().len()
            );
        }
        assert_eq!(total, 100);
        assert_eq!(parts[0].name, "honban-u-1");
        assert_eq!(parts[1].name, "honban-u-1-1");
    }

    #[test]
    fn run_id_and_timestamps_do_not_change_the_fingerprint() {
        let one = Stamp {
            api: &OPENREPORTS,
            run_id: "a",
            now: 1,
            max_bytes: MAX_BYTES,
        };
        let two = Stamp {
            api: &OPENREPORTS,
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
                    msg,
                    Some("f"),
                    false,
                )],
            )
            .remove(0)
            .body
        };
        assert_eq!(fingerprint(&body(&one, "m")), fingerprint(&body(&two, "m")));
        assert_ne!(
            fingerprint(&body(&one, "m")),
            fingerprint(&body(&one, "other"))
        );
    }
}
