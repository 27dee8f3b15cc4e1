//! Live source: lists every kind the checks need, paginated (500 a page) and
//! all kinds at once, from one context or from every context concurrently.
//!
//! Memory stays bounded on big clusters: pods owned by a controller are
//! reduced to a [`PodSummary`] page by page (their spec is the controller's
//! template, checked there), Secrets and ConfigMaps are listed as metadata
//! only (so no Secret value is ever read), and managedFields are dropped.
//! A kind the user may not list is recorded under "not checked" (exit 4).

use std::collections::BTreeSet;

use kube::core::Request;
use kube::core::params::{GetParams, ListParams};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::index::{Index, NotChecked, PodSummary, pod_spec_references};
use super::object::{Object, parse_timestamp, str_at};
use super::report::{ClusterReport, Report};
use super::{AuditRequest, Settings, audit_index};
use crate::client;
use crate::error::{Error, Result};
use crate::kubeconfig::Kubeconfig;
use crate::output::{self, Palette};

const PAGE: u32 = 500;

#[derive(Clone, Copy, PartialEq, Eq)]
enum How {
    Full,
    /// Metadata only: Secrets never leave the API server with their data.
    Metadata,
    /// Pods: summarized page by page.
    Pods,
}

struct Kind {
    kind: &'static str,
    group: &'static str,
    version: &'static str,
    plural: &'static str,
    namespaced: bool,
    how: How,
}

macro_rules! kind {
    ($kind:literal, $group:literal, $version:literal, $plural:literal, $ns:literal, $how:ident) => {
        Kind {
            kind: $kind,
            group: $group,
            version: $version,
            plural: $plural,
            namespaced: $ns,
            how: How::$how,
        }
    };
}

const KINDS: &[Kind] = &[
    kind!("Node", "", "v1", "nodes", false, Full),
    kind!("Pod", "", "v1", "pods", true, Pods),
    kind!("Service", "", "v1", "services", true, Full),
    kind!("ConfigMap", "", "v1", "configmaps", true, Metadata),
    kind!("Secret", "", "v1", "secrets", true, Metadata),
    kind!("ServiceAccount", "", "v1", "serviceaccounts", true, Full),
    kind!("ResourceQuota", "", "v1", "resourcequotas", true, Full),
    kind!("LimitRange", "", "v1", "limitranges", true, Full),
    kind!(
        "ReplicationController",
        "",
        "v1",
        "replicationcontrollers",
        true,
        Full
    ),
    kind!("Deployment", "apps", "v1", "deployments", true, Full),
    kind!("StatefulSet", "apps", "v1", "statefulsets", true, Full),
    kind!("DaemonSet", "apps", "v1", "daemonsets", true, Full),
    kind!("Job", "batch", "v1", "jobs", true, Full),
    kind!("CronJob", "batch", "v1", "cronjobs", true, Full),
    kind!(
        "HorizontalPodAutoscaler",
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        true,
        Full
    ),
    kind!(
        "PodDisruptionBudget",
        "policy",
        "v1",
        "poddisruptionbudgets",
        true,
        Full
    ),
    kind!(
        "NetworkPolicy",
        "networking.k8s.io",
        "v1",
        "networkpolicies",
        true,
        Full
    ),
    kind!(
        "Ingress",
        "networking.k8s.io",
        "v1",
        "ingresses",
        true,
        Full
    ),
    kind!(
        "EndpointSlice",
        "discovery.k8s.io",
        "v1",
        "endpointslices",
        true,
        Full
    ),
    kind!(
        "Role",
        "rbac.authorization.k8s.io",
        "v1",
        "roles",
        true,
        Full
    ),
    kind!(
        "RoleBinding",
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        true,
        Full
    ),
    kind!(
        "ClusterRole",
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        false,
        Full
    ),
    kind!(
        "ClusterRoleBinding",
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        false,
        Full
    ),
];

impl Kind {
    fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    fn url(&self, namespace: Option<&str>) -> String {
        let base = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        match namespace {
            Some(ns) if self.namespaced => format!("{base}/namespaces/{ns}/{}", self.plural),
            _ => format!("{base}/{}", self.plural),
        }
    }
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    metadata: PageMeta,
    /// Metadata-only lists send `null` for no items.
    #[serde(default)]
    items: Option<Vec<Value>>,
}

#[derive(Deserialize, Default)]
struct PageMeta {
    #[serde(rename = "continue", default)]
    continue_token: Option<String>,
}

/// What could not be listed, and whether the server was reachable at all.
enum ListError {
    Forbidden(String),
    NotServed,
    Api(String),
    Transport(String),
}

fn classify(e: kube::Error) -> ListError {
    match e {
        kube::Error::Api(status) if status.code == 403 => {
            ListError::Forbidden(status.message.clone())
        }
        kube::Error::Api(status) if status.code == 404 => ListError::NotServed,
        kube::Error::Api(status) => ListError::Api(format!("{} ({})", status.message, status.code)),
        other => ListError::Transport(other.to_string()),
    }
}

#[derive(Default)]
struct Collected {
    objects: Vec<Object>,
    pods: Vec<PodSummary>,
    references: BTreeSet<(&'static str, String, String)>,
}

async fn list_kind(
    client: &kube::Client,
    kind: &'static Kind,
    namespace: Option<&str>,
) -> std::result::Result<Collected, ListError> {
    let url = kind.url(namespace);
    let request = Request::new(url);
    let mut token: Option<String> = None;
    let mut out = Collected::default();
    // Pages are parsed as they arrive, on this thread: parsing them on other
    // threads overlapped with the next fetch but raised peak memory by
    // half (an allocator arena per thread) for no steady gain in time.
    loop {
        let mut lp = ListParams::default().limit(PAGE);
        if let Some(t) = &token {
            lp = lp.continue_token(t);
        }
        let http = match kind.how {
            How::Metadata => request.list_metadata(&lp),
            _ => request.list(&lp),
        }
        .map_err(|e| classify(kube::Error::BuildRequest(e)))?;
        let text = client.request_text(http).await.map_err(classify)?;
        let next = parse_page(&text, kind, &mut out)?;
        token = next.filter(|t| !t.is_empty());
        if token.is_none() {
            break;
        }
    }
    Ok(out)
}

/// Parses one list page into `out`; returns its continue token.
fn parse_page(
    text: &str,
    kind: &Kind,
    out: &mut Collected,
) -> std::result::Result<Option<String>, ListError> {
    let unreadable =
        |e: serde_json::Error| ListError::Api(format!("unreadable {} list: {e}", kind.kind));
    if kind.how == How::Pods {
        let page: PodPage = serde_json::from_str(text).map_err(unreadable)?;
        for pod in page.items.unwrap_or_default() {
            ingest_pod(pod, out);
        }
        Ok(page.metadata.continue_token)
    } else {
        let api_version = kind.api_version();
        let page: Page = serde_json::from_str(text).map_err(unreadable)?;
        for mut item in page.items.unwrap_or_default() {
            strip(&mut item, kind.kind, &api_version);
            ingest(item, out);
        }
        Ok(page.metadata.continue_token)
    }
}

/// Keeps one listed object: pods owned by a controller become summaries
/// (plus the Secrets and ConfigMaps their spec uses), the rest objects.
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
        // Only node conditions are read from status (pods are summarized first).
        if kind != "Node" && kind != "Pod" {
            obj.remove("status");
        }
    }
}

/// A pod as listed, keeping only what the checks read: parsing straight
/// into this skips managedFields and most of status, which dominate a pod's
/// size on big clusters.
#[derive(Deserialize, Default)]
#[serde(default)]
struct LeanPod {
    metadata: LeanMeta,
    spec: Value,
    status: LeanStatus,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct LeanMeta {
    name: String,
    namespace: String,
    labels: Option<Map<String, Value>>,
    annotations: Option<Map<String, Value>>,
    owner_references: Vec<LeanOwner>,
    creation_timestamp: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LeanOwner {
    kind: String,
    name: String,
    controller: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct LeanStatus {
    phase: Option<String>,
    conditions: Vec<LeanCondition>,
    container_statuses: Vec<LeanContainerStatus>,
    init_container_statuses: Vec<LeanContainerStatus>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LeanCondition {
    #[serde(rename = "type")]
    kind: String,
    status: String,
    reason: Option<String>,
    message: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct LeanContainerStatus {
    name: String,
    restart_count: i64,
    state: Option<LeanState>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LeanState {
    waiting: Option<LeanWaiting>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LeanWaiting {
    reason: Option<String>,
}

#[derive(Deserialize)]
struct PodPage {
    #[serde(default)]
    metadata: PageMeta,
    #[serde(default)]
    items: Option<Vec<LeanPod>>,
}

fn summarize_pod(pod: &LeanPod) -> PodSummary {
    let owner = pod
        .metadata
        .owner_references
        .iter()
        .find(|o| o.controller == Some(true))
        .map(|o| (o.kind.clone(), o.name.clone()));
    let mut crashing = Vec::new();
    let mut waiting = Vec::new();
    for s in pod
        .status
        .container_statuses
        .iter()
        .chain(&pod.status.init_container_statuses)
    {
        let reason = s
            .state
            .as_ref()
            .and_then(|st| st.waiting.as_ref())
            .and_then(|w| w.reason.as_deref());
        if let Some(reason) = reason {
            if reason == "CrashLoopBackOff" {
                crashing.push((s.name.clone(), reason.to_string(), s.restart_count));
            } else {
                waiting.push(format!("container {:?} waiting: {reason}", s.name));
            }
        }
    }
    let unschedulable = pod
        .status
        .conditions
        .iter()
        .find(|c| c.kind == "PodScheduled" && c.status == "False")
        .map(|c| {
            c.message
                .clone()
                .or_else(|| c.reason.clone())
                .unwrap_or_else(|| "unschedulable".to_string())
        })
        .or_else(|| (!waiting.is_empty()).then(|| waiting.join("; ")));
    PodSummary {
        namespace: pod.metadata.namespace.clone(),
        name: pod.metadata.name.clone(),
        labels: pod.metadata.labels.clone().unwrap_or_default(),
        owner,
        node: str_at(&pod.spec, &["nodeName"]).map(str::to_string),
        phase: pod
            .status
            .phase
            .clone()
            .unwrap_or_else(|| "Unknown".to_string()),
        created: pod
            .metadata
            .creation_timestamp
            .as_deref()
            .and_then(parse_timestamp),
        unschedulable,
        crashing,
    }
}

/// Keeps one listed pod: a summary always; a bare pod (no controller) also
/// as an object, since its spec is checked like a workload's template.
fn ingest_pod(pod: LeanPod, out: &mut Collected) {
    let summary = summarize_pod(&pod);
    if summary.owner.is_some() {
        pod_spec_references(&pod.spec, &summary.namespace, &mut out.references);
        out.pods.push(summary);
        return;
    }
    out.pods.push(summary);
    let mut metadata = Map::new();
    metadata.insert("name".into(), Value::String(pod.metadata.name));
    metadata.insert("namespace".into(), Value::String(pod.metadata.namespace));
    if let Some(l) = pod.metadata.labels {
        metadata.insert("labels".into(), Value::Object(l));
    }
    if let Some(a) = pod.metadata.annotations {
        metadata.insert("annotations".into(), Value::Object(a));
    }
    let value = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": pod.spec,
    });
    if let Some(o) = Object::new(value, "", None) {
        out.objects.push(o);
    }
}

/// What one context holds, ready to index.
pub struct LiveInput {
    pub objects: Vec<Object>,
    pub pods: Vec<PodSummary>,
    pub not_checked: Vec<NotChecked>,
    pub references: BTreeSet<(&'static str, String, String)>,
}

/// Lists everything in `namespace` (or the whole cluster when `None`).
pub async fn collect(
    client: &kube::Client,
    context: &str,
    namespace: Option<&str>,
) -> Result<LiveInput> {
    let mut not_checked = Vec::new();
    let mut objects = Vec::new();
    // The namespace object itself (for exemption annotations); -A lists them all.
    let ns_request = Request::new("/api/v1/namespaces");
    let namespaces = async {
        match namespace {
            Some(ns) => {
                let http = ns_request
                    .get(ns, &GetParams::default())
                    .map_err(|e| classify(kube::Error::BuildRequest(e)))?;
                let mut v: Value = client.request(http).await.map_err(classify)?;
                strip(&mut v, "Namespace", "v1");
                Ok(vec![v])
            }
            None => {
                let http = ns_request
                    .list(&ListParams::default())
                    .map_err(|e| classify(kube::Error::BuildRequest(e)))?;
                let page: Page = client.request(http).await.map_err(classify)?;
                let mut items = page.items.unwrap_or_default();
                for v in items.iter_mut() {
                    strip(v, "Namespace", "v1");
                }
                Ok(items)
            }
        }
    };
    let lists = futures::future::join_all(KINDS.iter().map(|k| list_kind(client, k, namespace)));
    let (ns_result, results) = futures::future::join(namespaces, lists).await;
    let mut transport_errors = 0;
    let mut attempts = 0;
    let mut failures: Vec<(&str, bool, ListError)> = Vec::new();
    match ns_result {
        Ok(items) => objects.extend(items.into_iter().filter_map(|v| Object::new(v, "", None))),
        Err(ListError::NotServed) if namespace.is_some() => {
            return Err(Error::NamespaceNotFound(
                namespace.unwrap_or_default().to_string(),
            ));
        }
        Err(e) => failures.push(("Namespace", false, e)),
    }
    let mut pods = Vec::new();
    let mut references = BTreeSet::new();
    for (kind, result) in KINDS.iter().zip(results) {
        attempts += 1;
        match result {
            Ok(mut c) => {
                objects.append(&mut c.objects);
                pods.append(&mut c.pods);
                references.append(&mut c.references);
            }
            Err(e) => failures.push((kind.kind, kind.namespaced, e)),
        }
    }
    for (kind, namespaced, e) in failures {
        let scope = if namespaced {
            namespace.map(str::to_string)
        } else {
            None
        };
        let reason = match e {
            ListError::Forbidden(m) => format!("forbidden: {m}"),
            ListError::NotServed => continue,
            ListError::Api(m) => m,
            ListError::Transport(m) => {
                transport_errors += 1;
                m
            }
        };
        not_checked.push(NotChecked {
            kind: kind.to_string(),
            namespace: scope,
            reason,
        });
    }
    if transport_errors > 0 && transport_errors >= attempts {
        let first = not_checked
            .first()
            .map(|n| n.reason.clone())
            .unwrap_or_default();
        return Err(Error::Api {
            context: context.to_string(),
            message: format!("cannot reach the cluster: {first}"),
        });
    }
    Ok(LiveInput {
        objects,
        pods,
        not_checked,
        references,
    })
}

/// Whether the user may list namespaces (what -A needs); only a clear
/// "forbidden" says no, other errors surface in the audit itself.
async fn may_list_namespaces(client: &kube::Client) -> bool {
    let Ok(http) = Request::new("/api/v1/namespaces").list(&ListParams::default().limit(1)) else {
        return true;
    };
    !matches!(
        client.request_text(http).await.map_err(classify),
        Err(ListError::Forbidden(_))
    )
}

async fn audit_context(
    kc: &Kubeconfig,
    context: Option<&str>,
    req: &AuditRequest,
    settings: &Settings,
) -> Result<ClusterReport> {
    let conn = match context {
        Some(context) => client::connect_context(kc, context, &req.global).await?,
        None => client::connect(kc, &req.global).await?,
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
    let input = collect(&conn.client, &conn.context, namespace).await?;
    let mut index = Index::new(
        input.objects,
        input.pods,
        true,
        input.not_checked,
        req.zones,
    );
    index.references.extend(input.references);
    Ok(audit_index(Some(conn.context), &index, settings))
}

/// Audits the context in effect (or the server the flags name), or every
/// context concurrently.
pub fn audit(req: &AuditRequest, settings: &Settings) -> Result<Report> {
    let kc = Kubeconfig::load(req.global.kubeconfig.as_deref())?;
    if let Some(e) = kc
        .missing()
        .filter(|_| !req.global.connection.names_a_server())
    {
        return Err(e);
    }
    if kc.contexts().is_empty() && !req.global.connection.names_a_server() {
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
                }],
                score: None,
                namespaces: Vec::new(),
                summary: Default::default(),
                evaluated: Vec::new(),
            })
        })
        .collect();
    Ok(Report::new(clusters))
}
