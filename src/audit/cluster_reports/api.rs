//! The two report APIs `--report` writes (OpenReports and its predecessor,
//! wg-policy's PolicyReport): where each is served, and the calls made on
//! them. The names here are shared with `audit install` and `audit reports`.

use clap::ValueEnum;
use kube::core::Request;
use kube::core::params::{DeleteParams, ListParams, Patch, PatchParams, PostParams, Preconditions};
use serde::Deserialize;
use serde_json::{Value, json};

use super::model::Report;
use crate::error::{Error, Result};

/// The label every report honban writes carries; `audit reports` and
/// `audit uninstall --reports` select by it alone.
pub(crate) const MANAGED_BY: &str = "app.kubernetes.io/managed-by";
pub(crate) const MANAGED_BY_VALUE: &str = "honban";
/// The run that last wrote the report.
pub(crate) const RUN_ID: &str = "audit.honban.io/run-id";
/// Results' `source`, and OpenReports' report-level `source`.
pub(crate) const SOURCE: &str = "honban";
/// Server-side apply's field manager.
const FIELD_MANAGER: &str = "honban-audit";

/// `--report-api`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub(crate) enum ReportApiChoice {
    /// openreports when its CRDs are served, else wgpolicy
    #[default]
    Auto,
    /// openreports.io/v1alpha1 Report and ClusterReport
    Openreports,
    /// wgpolicyk8s.io/v1alpha2 PolicyReport and ClusterPolicyReport
    Wgpolicy,
}

/// One report API: its group version and its namespaced and cluster kinds.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ReportApi {
    pub(crate) group: &'static str,
    pub(crate) version: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) plural: &'static str,
    pub(crate) cluster_kind: &'static str,
    pub(crate) cluster_plural: &'static str,
    /// OpenReports has a report-level `source`; wg-policy does not.
    pub(crate) report_source: bool,
    /// Where its CRDs come from, for the message when they are not served.
    install: &'static str,
}

pub(crate) static OPENREPORTS: ReportApi = ReportApi {
    group: "openreports.io",
    version: "v1alpha1",
    kind: "Report",
    plural: "reports",
    cluster_kind: "ClusterReport",
    cluster_plural: "clusterreports",
    report_source: true,
    install: "kubectl apply --server-side -f https://raw.githubusercontent.com/openreports/reports-api/v0.2.1/config/crd/openreports.io_reports.yaml -f https://raw.githubusercontent.com/openreports/reports-api/v0.2.1/config/crd/openreports.io_clusterreports.yaml",
};

pub(crate) static WGPOLICY: ReportApi = ReportApi {
    group: "wgpolicyk8s.io",
    version: "v1alpha2",
    kind: "PolicyReport",
    plural: "policyreports",
    cluster_kind: "ClusterPolicyReport",
    cluster_plural: "clusterpolicyreports",
    report_source: false,
    install: "kubectl apply --server-side -f https://raw.githubusercontent.com/kyverno/kyverno/v1.19.1/config/crds/policyreport/wgpolicyk8s.io_policyreports.yaml -f https://raw.githubusercontent.com/kyverno/kyverno/v1.19.1/config/crds/policyreport/wgpolicyk8s.io_clusterpolicyreports.yaml",
};

impl ReportApi {
    pub(crate) fn api_version(&self) -> String {
        format!("{}/{}", self.group, self.version)
    }

    pub(crate) fn kind_of(&self, cluster: bool) -> &'static str {
        if cluster {
            self.cluster_kind
        } else {
            self.kind
        }
    }

    /// `reports.openreports.io`, as RBAC and kubectl name it.
    pub(crate) fn resource(&self, cluster: bool) -> String {
        let plural = if cluster {
            self.cluster_plural
        } else {
            self.plural
        };
        format!("{plural}.{}", self.group)
    }

    /// The collection URL: cluster reports, or reports in one namespace or all.
    pub(crate) fn url(&self, cluster: bool, namespace: Option<&str>) -> String {
        let base = format!("/apis/{}/{}", self.group, self.version);
        match (cluster, namespace) {
            (true, _) => format!("{base}/{}", self.cluster_plural),
            (false, Some(ns)) => format!("{base}/namespaces/{ns}/{}", self.plural),
            (false, None) => format!("{base}/{}", self.plural),
        }
    }
}

#[derive(Deserialize)]
struct ResourceList {
    #[serde(default)]
    resources: Vec<NamedResource>,
}

#[derive(Deserialize)]
struct NamedResource {
    name: String,
}

/// Whether the API serves both kinds of `api` (discovery, which every
/// authenticated user may read).
async fn served(client: &kube::Client, context: &str, api: &ReportApi) -> Result<bool> {
    let url = format!("/apis/{}/{}", api.group, api.version);
    let request = http::Request::get(url)
        .body(Vec::new())
        .map_err(|e| Error::Failed(e.to_string()))?;
    match client.request::<ResourceList>(request).await {
        Ok(list) => {
            let has = |p: &str| list.resources.iter().any(|r| r.name == p);
            Ok(has(api.plural) && has(api.cluster_plural))
        }
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(false),
        Err(e) => Err(crate::client::api_error(context, e)),
    }
}

/// The report API `--report-api` asks for, once it is known to be served.
pub(crate) async fn choose(
    client: &kube::Client,
    context: &str,
    choice: ReportApiChoice,
) -> Result<&'static ReportApi> {
    let candidates: &[&'static ReportApi] = match choice {
        ReportApiChoice::Auto => &[&OPENREPORTS, &WGPOLICY],
        ReportApiChoice::Openreports => &[&OPENREPORTS],
        ReportApiChoice::Wgpolicy => &[&WGPOLICY],
    };
    for api in candidates {
        if served(client, context, api).await? {
            return Ok(api);
        }
    }
    let message = match choice {
        ReportApiChoice::Auto => format!(
            "context {context}: --report needs the OpenReports (openreports.io) or the PolicyReport (wgpolicyk8s.io) CRDs, and neither is served; install one: {}",
            OPENREPORTS.install
        ),
        _ => {
            let api = candidates[0];
            format!(
                "context {context}: --report-api {} is not served ({}/{} {} and {}); install its CRDs: {}",
                if api.group == OPENREPORTS.group {
                    "openreports"
                } else {
                    "wgpolicy"
                },
                api.group,
                api.version,
                api.kind,
                api.cluster_kind,
                api.install
            )
        }
    };
    Err(Error::Failed(message))
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    metadata: PageMeta,
    #[serde(default)]
    items: Option<Vec<Report>>,
}

#[derive(Deserialize, Default)]
struct PageMeta {
    #[serde(rename = "continue", default)]
    continue_token: Option<String>,
}

/// Why a call failed: forbidden calls name the verb and resource.
pub(crate) fn call_error(verb: &str, resource: &str, where_: &str, e: kube::Error) -> String {
    match e {
        kube::Error::Api(s) if s.code == 403 => format!(
            "forbidden: you may not {verb} {resource}{where_}; grant the roles under `--report` in the audit guide's Permissions"
        ),
        kube::Error::Api(s) => format!(
            "cannot {verb} {resource}{where_}: {} ({})",
            s.message, s.code
        ),
        other => format!("cannot {verb} {resource}{where_}: {other}"),
    }
}

pub(crate) fn where_(cluster: bool, namespace: Option<&str>) -> String {
    match (cluster, namespace) {
        (true, _) => String::new(),
        (false, Some(ns)) => format!(" in namespace {ns}"),
        (false, None) => " in every namespace".to_string(),
    }
}

/// honban's reports of one kind (cluster, one namespace or all), paginated.
pub(crate) async fn list_ours(
    client: &kube::Client,
    api: &ReportApi,
    cluster: bool,
    namespace: Option<&str>,
) -> std::result::Result<Vec<Report>, String> {
    let request = Request::new(api.url(cluster, namespace));
    let selector = format!("{MANAGED_BY}={MANAGED_BY_VALUE}");
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut lp = ListParams::default().labels(&selector).limit(500);
        if let Some(t) = &token {
            lp = lp.continue_token(t);
        }
        let http = request.list(&lp).map_err(|e| e.to_string())?;
        let page: Page = client.request(http).await.map_err(|e| {
            call_error(
                "list",
                &api.resource(cluster),
                &where_(cluster, namespace),
                e,
            )
        })?;
        out.extend(page.items.unwrap_or_default());
        token = page.metadata.continue_token.filter(|t| !t.is_empty());
        if token.is_none() {
            return Ok(out);
        }
    }
}

/// Writes one report: a new one by create (POST, cheaper on the API server
/// than an apply), an existing one by server-side apply. A create that finds
/// the report there already (another run was quicker) applies instead.
pub(crate) async fn write(
    client: &kube::Client,
    api: &ReportApi,
    report: &Report,
    new: bool,
) -> std::result::Result<(), String> {
    let cluster = report.kind == api.cluster_kind;
    let namespace = report.metadata.namespace.as_deref();
    let request = Request::new(api.url(cluster, namespace));
    let failed =
        |verb: &str, e| call_error(verb, &api.resource(cluster), &where_(cluster, namespace), e);
    sent(report);
    if new {
        let params = PostParams {
            field_manager: Some(FIELD_MANAGER.to_string()),
            ..PostParams::default()
        };
        let body = serde_json::to_vec(report).map_err(|e| e.to_string())?;
        match retried(client, || request.create(&params, body.clone())).await {
            Err(kube::Error::Api(s)) if s.code == 409 => {}
            other => return other.map_err(|e| failed("create", e)),
        }
    }
    let params = PatchParams::apply(FIELD_MANAGER).force();
    let name = report.metadata.name.as_str();
    retried(client, || {
        request.patch(name, &params, &Patch::Apply(report))
    })
    .await
    .map_err(|e| failed("patch", e))
}

/// Test builds only: appends each report written to the file
/// `HONBAN_AUDIT_SENT` names (one JSON a line, as sent), so the tests can
/// compare what the API server kept with what was sent.
#[cfg(feature = "test-hooks")]
fn sent(report: &Report) {
    use std::io::Write;
    use std::sync::Mutex;
    static LOCK: Mutex<()> = Mutex::new(());
    let Some(path) = std::env::var_os("HONBAN_AUDIT_SENT") else {
        return;
    };
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let mut line = serde_json::to_vec(report).unwrap_or_default();
    line.push(b'\n');
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(&line));
    if let Err(e) = written {
        eprintln!("HONBAN_AUDIT_SENT: {e}");
    }
}

#[cfg(not(feature = "test-hooks"))]
#[inline(always)]
fn sent(_report: &Report) {}

/// Sends a write, again after a pause while the server cannot take it now
/// (both writes are idempotent: a create's retry may meet its own success
/// as a 409, which the caller turns into an apply).
async fn retried<F>(client: &kube::Client, build: F) -> std::result::Result<(), kube::Error>
where
    F: Fn() -> std::result::Result<http::Request<Vec<u8>>, kube::core::request::Error>,
{
    let mut attempt = 0;
    loop {
        let http = build().map_err(kube::Error::BuildRequest)?;
        match client.request_text(http).await {
            Ok(_) => return Ok(()),
            Err(e) if attempt < RETRIES && transient(&e) => {
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(250 << attempt)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Attempts after the first for a write the server could not take now.
const RETRIES: u32 = 3;

/// Throttled (429, API Priority and Fairness), or the server busy or
/// unreachable for a moment: worth another try, since an apply is idempotent.
fn transient(e: &kube::Error) -> bool {
    match e {
        kube::Error::Api(s) => matches!(s.code, 429 | 500 | 502 | 503 | 504),
        kube::Error::HyperError(_) | kube::Error::Service(_) => true,
        _ => false,
    }
}

/// Deletes one report, only if it is still the object that was listed.
pub(crate) async fn delete(
    client: &kube::Client,
    api: &ReportApi,
    existing: &Report,
) -> std::result::Result<(), String> {
    let cluster = existing.kind == api.cluster_kind;
    let namespace = existing.metadata.namespace.as_deref();
    let name = existing.metadata.name.as_str();
    let params = DeleteParams {
        preconditions: Some(Preconditions {
            uid: existing.metadata.uid.clone(),
            resource_version: None,
        }),
        ..DeleteParams::default()
    };
    let http = Request::new(api.url(cluster, namespace))
        .delete(name, &params)
        .map_err(|e| e.to_string())?;
    match client.request_text(http).await {
        Ok(_) => Ok(()),
        // Gone already (garbage-collected with its object): nothing to do.
        Err(kube::Error::Api(s)) if s.code == 404 || s.code == 409 => Ok(()),
        Err(e) => Err(call_error(
            "delete",
            &api.resource(cluster),
            &where_(cluster, namespace),
            e,
        )),
    }
}

/// Whether the user may `verb` the report kind (SelfSubjectAccessReview),
/// asked before the first write so a missing grant writes nothing.
pub(crate) async fn may(
    client: &kube::Client,
    api: &ReportApi,
    verb: &str,
    cluster: bool,
    namespace: Option<&str>,
) -> std::result::Result<bool, String> {
    let plural = if cluster {
        api.cluster_plural
    } else {
        api.plural
    };
    let mut attributes = json!({"group": api.group, "resource": plural, "verb": verb});
    if let (false, Some(ns)) = (cluster, namespace) {
        attributes["namespace"] = json!(ns);
    }
    let review = json!({
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": attributes},
    });
    let body = serde_json::to_vec(&review).map_err(|e| e.to_string())?;
    let http = Request::new("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")
        .create(&PostParams::default(), body)
        .map_err(|e| e.to_string())?;
    let answer: Value = client
        .request(http)
        .await
        .map_err(|e| format!("cannot ask the API what you may do: {e}"))?;
    Ok(answer["status"]["allowed"].as_bool() == Some(true))
}
