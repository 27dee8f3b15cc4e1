//! Live source: lists every kind the checks need, paginated (500 a page) and
//! all kinds at once, from one context or from every context concurrently.
//!
//! Memory stays bounded on big clusters: pods owned by a controller are
//! reduced to a [`PodSummary`] page by page (their spec is the controller's
//! template, checked there), Secrets and ConfigMaps are listed as metadata
//! only (so no Secret value is ever read), and managedFields are dropped.
//! A kind the user may not list is recorded under "not checked" (exit 4).

use std::collections::BTreeSet;

use serde_json::Value;

use super::index::{Index, NotChecked, PodSummary};
use super::object::Object;
use super::report::{ClusterReport, Report};
use super::{AuditArgs, Settings, audit_index, cluster_reports, phases};
use crate::client;
use crate::error::{Error, Result};
use crate::kubeconfig::Kubeconfig;
use crate::output::{self, Palette};

pub(crate) mod kinds;
mod list;
mod pods;

use list::{collect, may_list_namespaces};
use pods::{LeanPod, ingest_pod};

/// What the listing keeps, page by page.
#[derive(Default)]
struct Collected {
    objects: Vec<Object>,
    pods: Vec<PodSummary>,
    /// (kind, namespace, name) of the Secrets and ConfigMaps summarized pods use.
    references: BTreeSet<(&'static str, String, String)>,
}

/// Keeps one listed object (pods go through [`pods::ingest_pod`]).
fn ingest(item: Value, out: &mut Collected) {
    if let Some(o) = Object::new(item, "", None) {
        out.objects.push(o);
    }
}

/// Builds a live index from objects as the API returns them (with kind and
/// apiVersion), the way a cluster audit does; for tests and snapshots.
pub fn index_from_values(values: Vec<Value>, not_checked: Vec<NotChecked>) -> Index {
    let mut out = Collected::default();
    for mut v in values {
        if let Some(Value::Object(meta)) = v.get_mut("metadata") {
            meta.remove("managedFields");
        }
        if v.get("kind").and_then(Value::as_str) == Some("Pod") {
            let pod: LeanPod = serde_json::from_value(v).expect("a pod object");
            ingest_pod(pod, &mut out);
        } else {
            ingest(v, &mut out);
        }
    }
    let mut index = Index::new(out.objects, out.pods, true, not_checked, None);
    index.references.extend(out.references);
    index.cluster_wide = true;
    index
}

/// Drops what no check reads and fills in list items' apiVersion and kind.
fn strip(item: &mut Value, kind: &str, api_version: &str) {
    if let Some(obj) = item.as_object_mut() {
        obj.insert("apiVersion".into(), Value::String(api_version.to_string()));
        obj.insert("kind".into(), Value::String(kind.to_string()));
        if let Some(Value::Object(meta)) = obj.get_mut("metadata") {
            meta.remove("managedFields");
        }
        // Only node conditions and a DaemonSet's desired count are read from
        // status (pods are summarized first).
        if kind != "Node" && kind != "Pod" && kind != "DaemonSet" {
            obj.remove("status");
        }
    }
}

/// What one context holds, ready to index.
struct LiveInput {
    objects: Vec<Object>,
    pods: Vec<PodSummary>,
    not_checked: Vec<NotChecked>,
    references: BTreeSet<(&'static str, String, String)>,
}

async fn audit_context(
    kc: &Kubeconfig,
    context: Option<&str>,
    req: &AuditArgs,
    settings: &Settings,
) -> Result<ClusterReport> {
    let global = req.global.client();
    let conn = match context {
        Some(context) => client::connect_context(kc, context, &global).await?,
        None => client::connect(kc, &global).await?,
    };
    let mut namespace = (!req.all_namespaces).then_some(conn.namespace.as_str());
    if req.all_namespaces && !may_list_namespaces(&conn.client).await {
        // Every cluster-wide list would be forbidden too: audit what the
        // user can see rather than report a cluster of nothing.
        output::warn(
            Palette::for_stderr(req.global.color),
            format!(
                "context {}: you may not list namespaces, so -A audits only the context's namespace {:?}; pass -n NS for another",
                conn.context, conn.namespace
            ),
        );
        namespace = Some(conn.namespace.as_str());
    }
    // The report API first: a cluster that serves none fails before the audit.
    let report_api = if req.report {
        Some(cluster_reports::api::choose(&conn.client, &conn.context, req.report_api).await?)
    } else {
        None
    };
    phases::mark("connect", 0);
    let existing = async {
        match report_api {
            Some(api) => Some(cluster_reports::list_existing(&conn.client, api, namespace).await),
            None => None,
        }
    };
    let (input, existing) =
        futures::future::join(collect(&conn.client, &conn.context, namespace), existing).await;
    let mut input = input?;
    phases::mark("list", input.objects.len() + input.pods.len());
    let allowed = kinds::allowed_unread(&req.allow_unread)?;
    for n in &mut input.not_checked {
        // On purpose means the role leaves it out: any other error still counts.
        n.allowed = allowed.contains(&n.kind.as_str()) && n.reason.starts_with("forbidden:");
    }
    let mut index = Index::new(
        input.objects,
        input.pods,
        true,
        input.not_checked,
        req.zones,
    );
    index.references.extend(input.references);
    index.cluster_wide = namespace.is_none();
    phases::mark("index", 0);
    let mut cluster = audit_index(Some(conn.context), &index, settings);
    phases::mark("audit", cluster.findings.len());
    if let Some(existing) = existing {
        let outcome = cluster_reports::write(
            &conn.client,
            existing,
            &cluster,
            &index,
            namespace,
            settings,
            req.report_passes,
        )
        .await;
        cluster.reports = Some(outcome);
    }
    Ok(cluster)
}

/// Audits the context in effect (or the server the flags name), or every
/// context concurrently.
pub(crate) fn audit(req: &AuditArgs, settings: &Settings) -> Result<Report> {
    let kc = Kubeconfig::load(req.global.kubeconfig.as_deref())?;
    let in_pod = !req.all_contexts && client::in_cluster(&kc, &req.global.client());
    if let Some(e) = kc
        .missing()
        .filter(|_| !req.global.connection.names_a_server() && !in_pod)
    {
        return Err(e);
    }
    if kc.contexts().is_empty() && !req.global.connection.names_a_server() && !in_pod {
        return Err(Error::Failed(
            "no kubeconfig context to audit; pass --kubeconfig FILE (or --server URL), or audit manifests offline with -f DIR".into(),
        ));
    }
    if !req.all_contexts {
        let runtime = client::runtime()?;
        let report = runtime.block_on(audit_context(&kc, None, req, settings))?;
        return Ok(Report::new(vec![report]));
    }
    let contexts: Vec<String> = kc.contexts().into_iter().map(|c| c.name).collect();
    let runtime = client::runtime()?;
    let results = runtime.block_on(futures::future::join_all(
        contexts
            .iter()
            .map(|c| audit_context(&kc, Some(c), req, settings)),
    ));
    // Every context: one that cannot be audited is reported, not fatal.
    let clusters = contexts
        .into_iter()
        .zip(results)
        .map(|(context, r)| {
            r.unwrap_or_else(|e| ClusterReport {
                context: Some(context),
                findings: Vec::new(),
                not_checked: vec![NotChecked {
                    kind: "*".into(),
                    namespace: None,
                    reason: e.to_string(),
                    allowed: false,
                }],
                score: None,
                namespaces: Vec::new(),
                summary: Default::default(),
                evaluated: Vec::new(),
                withheld: Vec::new(),
                // A context that could not be audited wrote no report.
                reports: req
                    .report
                    .then(|| cluster_reports::Outcome::failed(e.to_string())),
            })
        })
        .collect();
    Ok(Report::new(clusters))
}
