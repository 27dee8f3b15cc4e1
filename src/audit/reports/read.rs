//! Reads honban's reports from one cluster: both report APIs, whichever are
//! served, selected by honban's label only (never another tool's), 500 a
//! page, folded into the view as the pages arrive.

use kube::core::Request;
use kube::core::params::ListParams;
use serde::Deserialize;

use super::view::{Fold, RawReport, Unread};
use crate::error::{Error, Result};

/// The label every report honban writes carries; the only selector used.
pub(crate) const MANAGED_BY: &str = "app.kubernetes.io/managed-by=honban";
const PAGE: u32 = 500;
/// The policy of the results that name a kind a run could not read.
use crate::audit::cluster_reports::NOT_CHECKED;

/// A report API: group/version, then the namespaced and cluster plurals.
pub(crate) struct ReportApi {
    pub(crate) api_version: &'static str,
    namespaced: &'static str,
    cluster: &'static str,
}

pub(crate) const APIS: &[ReportApi] = &[
    ReportApi {
        api_version: "openreports.io/v1alpha1",
        namespaced: "reports",
        cluster: "clusterreports",
    },
    ReportApi {
        api_version: "wgpolicyk8s.io/v1alpha2",
        namespaced: "policyreports",
        cluster: "clusterpolicyreports",
    },
];

/// Which reports to read.
#[derive(Clone, Copy)]
pub(crate) enum Scope<'a> {
    /// One namespace: its reports and its Namespace's ClusterReport.
    Namespace(&'a str),
    All,
}

/// What one cluster holds.
pub(crate) struct Read {
    pub(crate) apis: Vec<&'static str>,
    pub(crate) fold: Fold,
    /// Things the user should know that did not stop the read.
    pub(crate) notes: Vec<String>,
    /// What the last run over every namespace could not read.
    pub(crate) unread: Vec<Unread>,
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    metadata: PageMeta,
    #[serde(default)]
    items: Option<Vec<RawReport>>,
}

#[derive(Deserialize, Default)]
struct PageMeta {
    #[serde(rename = "continue", default)]
    continue_token: Option<String>,
}

/// Reads every served report API in `scope`.
pub(crate) async fn read(client: &kube::Client, context: &str, scope: Scope<'_>) -> Result<Read> {
    let mut out = Read {
        apis: Vec::new(),
        fold: Fold::default(),
        notes: Vec::new(),
        unread: Vec::new(),
    };
    for api in APIS {
        if !served(client, context, api).await? {
            continue;
        }
        out.apis.push(api.api_version);
        let base = format!("/apis/{}", api.api_version);
        let namespaced = match scope {
            Scope::Namespace(ns) => format!("{base}/namespaces/{ns}/{}", api.namespaced),
            Scope::All => format!("{base}/{}", api.namespaced),
        };
        list(client, &namespaced, api, &mut out.fold, None)
            .await
            .map_err(|e| e.into_error(context, api.namespaced, api, scope))?;
        let cluster = format!("{base}/{}", api.cluster);
        let only = match scope {
            Scope::Namespace(ns) => Some(ns),
            Scope::All => None,
        };
        match list(client, &cluster, api, &mut out.fold, only).await {
            Ok(()) => {}
            // -n: the Namespace's own findings are a bonus, not the point.
            Err(ListError::Forbidden(_)) if only.is_some() => out.notes.push(format!(
                "you may not list {}.{} at the cluster scope: the namespace's own findings (NetworkPolicy, quota) are not counted",
                api.cluster,
                group(api)
            )),
            Err(e) => return Err(e.into_error(context, api.cluster, api, Scope::All)),
        }
        if out.unread.is_empty() {
            out.unread = unread(client, &cluster).await;
        }
    }
    if out.apis.is_empty() {
        return Err(Error::Api {
            context: context.to_string(),
            message: "no report API is served (neither openreports.io nor wgpolicyk8s.io), so there are no reports to read; `kubectl audit --report` needs one of their CRDs (see docs/audit.md)".into(),
        });
    }
    Ok(out)
}

/// The cluster report honban writes, whole (it is one small object).
#[derive(Deserialize)]
struct Whole {
    #[serde(default)]
    items: Vec<WholeReport>,
}

#[derive(Deserialize)]
struct WholeReport {
    #[serde(default)]
    results: Vec<WholeResult>,
}

#[derive(Deserialize)]
struct WholeResult {
    #[serde(default)]
    policy: String,
    #[serde(default)]
    rule: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    properties: std::collections::BTreeMap<String, String>,
}

/// The kinds the last run over every namespace could not read: the
/// `not-checked` skips of `honban-cluster`. Listed by name (list is what
/// the reports role grants); a user who may not gets none.
async fn unread(client: &kube::Client, url: &str) -> Vec<Unread> {
    let lp = ListParams::default()
        .labels(MANAGED_BY)
        .fields("metadata.name=honban-cluster");
    let Ok(http) = Request::new(url).list(&lp) else {
        return Vec::new();
    };
    let Ok(whole) = client.request::<Whole>(http).await else {
        return Vec::new();
    };
    whole
        .items
        .into_iter()
        .flat_map(|r| r.results)
        .filter(|r| r.policy == NOT_CHECKED && r.result == "skip")
        .map(|r| Unread {
            allowed: r
                .properties
                .get("allowedUnread")
                .is_some_and(|v| v == "true"),
            kind: r.rule,
            message: r.message,
        })
        .collect()
}

fn group(api: &ReportApi) -> &'static str {
    api.api_version.split('/').next().unwrap_or_default()
}

enum ListError {
    Forbidden(String),
    Other(String),
}

impl ListError {
    fn into_error(self, context: &str, plural: &str, api: &ReportApi, scope: Scope<'_>) -> Error {
        let message = match self {
            ListError::Forbidden(m) => {
                let place = match scope {
                    Scope::Namespace(ns) => format!("in namespace {ns}"),
                    Scope::All => "at the cluster scope".to_string(),
                };
                format!(
                    "forbidden to list {plural}.{} {place} ({m}); `kubectl audit reports` needs list on the report kinds: see Permissions in docs/audit.md",
                    group(api)
                )
            }
            ListError::Other(m) => format!("cannot list {plural}.{}: {m}", group(api)),
        };
        Error::Api {
            context: context.to_string(),
            message,
        }
    }
}

fn classify(e: kube::Error) -> ListError {
    match e {
        kube::Error::Api(s) if s.code == 403 => ListError::Forbidden(s.message),
        kube::Error::Api(s) => ListError::Other(format!("{} ({})", s.message, s.code)),
        other => ListError::Other(other.to_string()),
    }
}

/// Whether the API serves a report group version (discovery is open to
/// every authenticated user, unlike listing).
async fn served(client: &kube::Client, context: &str, api: &ReportApi) -> Result<bool> {
    let url = format!("/apis/{}", api.api_version);
    let request = http::Request::get(url)
        .body(Vec::new())
        .map_err(|e| Error::Failed(e.to_string()))?;
    match client.request_text(request).await {
        Ok(_) => Ok(true),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(false),
        Err(e) => Err(crate::client::api_error(context, e)),
    }
}

/// Lists one kind's pages into `fold`; `only_namespace` keeps just the
/// ClusterReport of that Namespace.
async fn list(
    client: &kube::Client,
    url: &str,
    api: &ReportApi,
    fold: &mut Fold,
    only_namespace: Option<&str>,
) -> std::result::Result<(), ListError> {
    let request = Request::new(url);
    let mut token: Option<String> = None;
    loop {
        let mut lp = ListParams::default().labels(MANAGED_BY).limit(PAGE);
        if let Some(t) = &token {
            lp = lp.continue_token(t);
        }
        let http = request
            .list(&lp)
            .map_err(|e| ListError::Other(e.to_string()))?;
        let text = client.request_text(http).await.map_err(classify)?;
        let page: Page = serde_json::from_str(&text)
            .map_err(|e| ListError::Other(format!("unreadable list: {e}")))?;
        for report in page.items.unwrap_or_default() {
            if only_namespace.is_none_or(|ns| report.is_namespace(ns)) {
                fold.add(api.api_version, report);
            }
        }
        token = page.metadata.continue_token.filter(|t| !t.is_empty());
        if token.is_none() {
            return Ok(());
        }
    }
}
