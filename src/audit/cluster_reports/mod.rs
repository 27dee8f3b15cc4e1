//! `kubectl audit --report`: writes the findings into the audited cluster as
//! OpenReports (or wg-policy PolicyReports), which Policy Reporter,
//! Kyverno's tooling, Kubewarden and Headlamp read.
//!
//! One run: pick the API ([`api::choose`]), build the reports ([`build`]),
//! list honban's existing ones (by `app.kubernetes.io/managed-by=honban`,
//! never another tool's; listed while the audit lists the objects), and
//! compare: only new or changed reports are written (a bounded number in
//! flight), so a second run with nothing changed writes nothing. A new report
//! is created, which costs the API server less CPU than a server-side apply
//! (7–8.5 ms against 9–16 ms for a 6.7 KB report); a changed one is
//! applied. Asking the server for less (`fieldValidation=Ignore`, an answer
//! of metadata only) saved nothing measurable: its cost is decoding,
//! validating and storing every result (the audit guide's figures). Then
//! honban's reports the run did not write are deleted, except
//! those about kinds the run could not read: an incomplete run deletes
//! nothing it could not re-check. Permissions are asked first
//! (SelfSubjectAccessReview), so a missing grant writes nothing.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use futures::StreamExt;
use serde::Serialize;

use crate::audit::Settings;
use crate::audit::index::{Index, NotChecked};
use crate::audit::phases;
use crate::audit::report::ClusterReport;

pub(crate) mod api;
mod build;
mod model;

use api::ReportApi;
pub(crate) use api::ReportApiChoice;
pub(crate) use build::NOT_CHECKED;
use build::{Desired, Stamp};
use model::Report;

/// Writes in flight at once. Measured on testenv under load (301 reports,
/// load average ~7): 8 in flight took 16.5 s, 32 took 10.1 s; the API
/// server's own limit for mutating requests is 200.
const WRITES_IN_FLIGHT: usize = 32;

/// What `--report` did in one cluster (also in `-o json`).
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Outcome {
    /// The API written to, e.g. `openreports.io/v1alpha1`.
    pub(crate) api: Option<String>,
    pub(crate) written: usize,
    pub(crate) unchanged: usize,
    pub(crate) deleted: usize,
    /// Reports the run did not write but kept: their kinds were not checked.
    pub(crate) kept: usize,
    pub(crate) error: Option<String>,
}

impl Outcome {
    pub(crate) fn failed(error: String) -> Outcome {
        Outcome {
            error: Some(error),
            ..Outcome::default()
        }
    }

    /// The line printed on stderr.
    pub(crate) fn line(&self) -> String {
        let mut line = format!(
            "{} report{} written, {} unchanged, {} deleted",
            self.written,
            if self.written == 1 { "" } else { "s" },
            self.unchanged,
            self.deleted
        );
        if self.kept > 0 {
            line.push_str(&format!(
                " ({} kept: about kinds this run could not read)",
                self.kept
            ));
        }
        line
    }
}

/// One id per invocation, on every report it writes.
fn run_id() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        format!(
            "{}-{:x}",
            now.as_secs(),
            now.subsec_nanos() ^ std::process::id()
        )
    })
}

/// What one run changes.
struct Plan<'a> {
    /// Reports to write, and whether each is new.
    writes: Vec<(Desired, bool)>,
    unchanged: usize,
    deletes: Vec<&'a Report>,
    kept: usize,
}

/// Key of a report: (cluster-scoped, namespace, name).
type Key = (bool, Option<String>, String);

fn key_of(api: &ReportApi, r: &Report) -> Key {
    (
        r.kind == api.cluster_kind,
        r.metadata.namespace.clone(),
        r.metadata.name.clone(),
    )
}

/// Whether the run re-checked what a report of honban's is about.
fn rechecked(existing: &Report, not_checked: &[NotChecked], cluster_wide: bool) -> bool {
    let Some(scope) = &existing.scope else {
        // The cluster-wide report: only a complete -A run speaks for it.
        return cluster_wide && not_checked.is_empty();
    };
    // A namespaced report's scope is in its own namespace when it names none.
    let ns = scope
        .namespace
        .as_deref()
        .or(existing.metadata.namespace.as_deref());
    !not_checked.iter().any(|n| {
        (n.kind == scope.kind || n.kind == "*")
            && (n.namespace.is_none() || n.namespace.as_deref() == ns)
    })
}

fn plan<'a>(
    api: &ReportApi,
    desired: Vec<Desired>,
    existing: &'a [Report],
    not_checked: &[NotChecked],
    namespace: Option<&str>,
) -> Plan<'a> {
    let by_key: HashMap<Key, &Report> = existing.iter().map(|r| (key_of(api, r), r)).collect();
    let mut wanted = HashSet::new();
    let mut p = Plan {
        writes: Vec::new(),
        unchanged: 0,
        deletes: Vec::new(),
        kept: 0,
    };
    for d in desired {
        let key = (d.cluster, d.namespace.clone(), d.name.clone());
        match by_key.get(&key) {
            Some(old) if old.same_as(&d.body, api::MANAGED_BY) => p.unchanged += 1,
            Some(_) => p.writes.push((d, false)),
            None => p.writes.push((d, true)),
        }
        wanted.insert(key);
    }
    for old in existing {
        let key = key_of(api, old);
        if wanted.contains(&key) {
            continue;
        }
        // -n NS speaks only for NS: of the cluster reports, NS's own.
        if let (true, Some(ns)) = (key.0, namespace)
            && !old
                .scope
                .as_ref()
                .is_some_and(|s| s.kind == "Namespace" && s.name == ns)
        {
            continue;
        }
        if rechecked(old, not_checked, namespace.is_none()) {
            p.deletes.push(old);
        } else {
            p.kept += 1;
        }
    }
    p
}

/// Refuses before the first write when a verb the plan needs is not granted.
async fn check_permissions(
    client: &kube::Client,
    api: &ReportApi,
    p: &Plan<'_>,
    namespace: Option<&str>,
) -> Result<(), String> {
    let mut needed: Vec<(&str, bool)> = Vec::new();
    for cluster in [false, true] {
        let writes = p.writes.iter().filter(|(d, _)| d.cluster == cluster);
        // A new report is created; patch is asked for every write, since a
        // create that meets a report another run wrote meanwhile applies.
        if writes.clone().any(|(_, new)| *new) {
            needed.push(("create", cluster));
        }
        if writes.count() > 0 {
            needed.push(("patch", cluster));
        }
        if p.deletes
            .iter()
            .any(|r| (r.kind == api.cluster_kind) == cluster)
        {
            needed.push(("delete", cluster));
        }
    }
    for (verb, cluster) in needed {
        if !api::may(client, api, verb, cluster, namespace).await? {
            return Err(format!(
                "forbidden: you may not {verb} {}{}, so no report was written; grant the roles under `--report` in the audit guide's Permissions",
                api.resource(cluster),
                api::where_(cluster, namespace)
            ));
        }
    }
    Ok(())
}

/// Runs `calls` with a bounded number in flight; the count that succeeded
/// and the first error.
async fn bounded<F>(calls: Vec<F>) -> (usize, Option<String>)
where
    F: std::future::Future<Output = Result<(), String>>,
{
    let results: Vec<Result<(), String>> = futures::stream::iter(calls)
        .buffer_unordered(WRITES_IN_FLIGHT)
        .collect()
        .await;
    let done = results.iter().filter(|r| r.is_ok()).count();
    (done, results.into_iter().find_map(Result::err))
}

/// The report API of a run and honban's reports already in it.
pub(crate) struct Existing {
    api: &'static ReportApi,
    reports: Result<Vec<Report>, String>,
}

/// honban's reports in the cluster (namespaced ones in `namespace`, or all),
/// listed while the audit lists the objects: the two are independent.
pub(crate) async fn list_existing(
    client: &kube::Client,
    api: &'static ReportApi,
    namespace: Option<&str>,
) -> Existing {
    let reports = futures::future::try_join(
        api::list_ours(client, api, false, namespace),
        api::list_ours(client, api, true, None),
    )
    .await
    .map(|(mut ns, cl)| {
        ns.extend(cl);
        ns
    });
    phases::mark("list reports", reports.as_ref().map_or(0, Vec::len));
    Existing { api, reports }
}

/// Writes one cluster's reports. `namespace` is the namespace the audit
/// covered (`None`: every namespace); `existing` is [`list_existing`]'s.
pub(crate) async fn write(
    client: &kube::Client,
    existing: Existing,
    cluster: &ClusterReport,
    index: &Index,
    namespace: Option<&str>,
    settings: &Settings,
    passes: bool,
) -> Outcome {
    let api = existing.api;
    let mut outcome = Outcome {
        api: Some(api.api_version()),
        ..Outcome::default()
    };
    let existing = match existing.reports {
        Ok(existing) => existing,
        Err(e) => return Outcome::failed(e),
    };
    let stamp = Stamp {
        api,
        config: &settings.config,
        run_id: run_id(),
        now: crate::audit::now_secs(),
        max_bytes: build::MAX_BYTES,
    };
    let desired = build::reports(&stamp, cluster, index, namespace, passes);
    phases::mark("build reports", desired.len());
    let p = plan(api, desired, &existing, &cluster.not_checked, namespace);
    phases::mark("compare", p.writes.len());
    if let Err(e) = check_permissions(client, api, &p, namespace).await {
        return Outcome::failed(e);
    }
    phases::mark("permissions", 0);
    outcome.unchanged = p.unchanged;
    outcome.kept = p.kept;
    let (written, error) = bounded(
        p.writes
            .iter()
            .map(|(d, new)| api::write(client, api, &d.body, *new))
            .collect(),
    )
    .await;
    outcome.written = written;
    phases::mark("write", written);
    if let Some(e) = error {
        // A failed write leaves the set incomplete: delete nothing.
        outcome.error = Some(e);
        return outcome;
    }
    let (deleted, error) = bounded(
        p.deletes
            .iter()
            .map(|v| api::delete(client, api, v))
            .collect(),
    )
    .await;
    outcome.deleted = deleted;
    phases::mark("delete", deleted);
    outcome.error = error;
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn nc(kind: &str, ns: Option<&str>) -> NotChecked {
        NotChecked {
            kind: kind.into(),
            namespace: ns.map(str::to_string),
            reason: "forbidden".into(),
            allowed: false,
        }
    }

    #[test]
    fn an_incomplete_run_keeps_what_it_could_not_recheck() {
        let read = |v: serde_json::Value| -> Report { serde_json::from_value(v).unwrap() };
        let secret = read(json!({"metadata": {"name": "x", "namespace": "a"},
            "scope": {"apiVersion": "v1", "kind": "Secret", "name": "s"}}));
        let deploy = read(json!({"metadata": {"name": "y"},
            "scope": {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "a", "name": "d"}}));
        let whole = read(json!({"metadata": {"name": "honban-cluster"}}));
        let gaps = [nc("Secret", None)];
        assert!(!rechecked(&secret, &gaps, true));
        assert!(rechecked(&deploy, &gaps, true));
        assert!(!rechecked(&whole, &gaps, true));
        assert!(rechecked(&whole, &[], true));
        assert!(!rechecked(&whole, &[], false));
        assert!(!rechecked(&deploy, &[nc("*", None)], true));
        assert!(rechecked(&deploy, &[nc("Deployment", Some("b"))], false));
    }

    #[test]
    fn a_namespace_run_sweeps_only_its_own_namespace_report() {
        let read = |v: serde_json::Value| -> Report { serde_json::from_value(v).unwrap() };
        let existing = vec![
            read(
                json!({"kind": "ClusterReport", "metadata": {"name": "honban-ns"},
                "scope": {"apiVersion": "v1", "kind": "Namespace", "name": "shop"}}),
            ),
            read(
                json!({"kind": "ClusterReport", "metadata": {"name": "honban-other-ns"},
                "scope": {"apiVersion": "v1", "kind": "Namespace", "name": "blog"}}),
            ),
            read(
                json!({"kind": "ClusterReport", "metadata": {"name": "honban-node"},
                "scope": {"apiVersion": "v1", "kind": "Node", "name": "n1"}}),
            ),
            read(
                json!({"kind": "Report", "metadata": {"name": "honban-d", "namespace": "shop"},
                "scope": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "d"}}),
            ),
        ];
        let p = plan(&api::OPENREPORTS, Vec::new(), &existing, &[], Some("shop"));
        let mut deleted: Vec<&str> = p.deletes.iter().map(|r| r.metadata.name.as_str()).collect();
        deleted.sort();
        assert_eq!(deleted, ["honban-d", "honban-ns"]);
        assert_eq!(p.kept, 0);
        // Every namespace: all four are the run's to sweep.
        let p = plan(&api::OPENREPORTS, Vec::new(), &existing, &[], None);
        assert_eq!(p.deletes.len(), 4);
    }
}
