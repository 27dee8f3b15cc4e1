//! Listing: every kind paginated (500 a page) and all kinds at once; a
//! kind the user may not list is recorded under "not checked".

use std::collections::BTreeSet;

use kube::core::Request;
use kube::core::params::{GetParams, ListParams};
use serde::Deserialize;
use serde_json::Value;

use super::kinds::{How, KINDS, Kind};
use super::pods::{LeanPod, ingest_pod};
use super::{Collected, LiveInput, strip};
use crate::audit::index::NotChecked;
use crate::audit::object::Object;
use crate::error::{Error, Result};

const PAGE: u32 = 500;

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
    Transport(kube::Error),
}

fn classify(e: kube::Error) -> ListError {
    match e {
        kube::Error::Api(status) if status.code == 403 => {
            ListError::Forbidden(status.message.clone())
        }
        kube::Error::Api(status) if status.code == 404 => ListError::NotServed,
        kube::Error::Api(status) => ListError::Api(format!("{} ({})", status.message, status.code)),
        other => ListError::Transport(other),
    }
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
        let text = match client.request_text(http).await.map_err(classify) {
            // RBAC answers before routing: a role without the add-on's group
            // is forbidden even where its CRDs are not installed.
            Err(ListError::Forbidden(_))
                if kind.comes_with_crd() && !served(client, kind).await =>
            {
                return Err(ListError::NotServed);
            }
            other => other?,
        };
        let next = parse_page(&text, kind, &mut out)?;
        token = next.filter(|t| !t.is_empty());
        if token.is_none() {
            break;
        }
    }
    Ok(out)
}

/// Whether the API serves a kind's group version; discovery is open to every
/// authenticated user, unlike listing.
async fn served(client: &kube::Client, kind: &Kind) -> bool {
    let Ok(request) = http::Request::get(kind.discovery_url()).body(Vec::new()) else {
        return true;
    };
    !matches!(
        client.request_text(request).await.map_err(classify),
        Err(ListError::NotServed)
    )
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
            super::ingest(item, out);
        }
        Ok(page.metadata.continue_token)
    }
}

#[derive(Deserialize)]
struct PodPage {
    #[serde(default)]
    metadata: PageMeta,
    #[serde(default)]
    items: Option<Vec<LeanPod>>,
}

/// The namespace object itself (for exemption annotations); -A lists them all.
async fn namespaces(
    client: &kube::Client,
    namespace: Option<&str>,
) -> std::result::Result<Vec<Value>, ListError> {
    let ns_request = Request::new("/api/v1/namespaces");
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
}

/// Lists everything in `namespace` (or the whole cluster when `None`).
pub(super) async fn collect(
    client: &kube::Client,
    context: &str,
    namespace: Option<&str>,
) -> Result<LiveInput> {
    let lists = futures::future::join_all(KINDS.iter().map(|k| list_kind(client, k, namespace)));
    let (ns_result, results) = futures::future::join(namespaces(client, namespace), lists).await;
    let mut objects = Vec::new();
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
        match result {
            Ok(mut c) => {
                objects.append(&mut c.objects);
                pods.append(&mut c.pods);
                references.append(&mut c.references);
            }
            Err(e) => failures.push((kind.kind, kind.namespaced, e)),
        }
    }
    let (not_checked, transport_errors) = not_checked(failures, context, namespace);
    if transport_errors > 0 && transport_errors >= KINDS.len() {
        let first = not_checked
            .first()
            .map(|n| n.reason.clone())
            .unwrap_or_default();
        return Err(Error::Api {
            context: context.to_string(),
            // A connection failure's reason names the server, cause and fix.
            message: if first.starts_with("cannot reach") {
                first
            } else {
                format!("cannot reach the cluster: {first}")
            },
        });
    }
    Ok(LiveInput {
        objects,
        pods,
        not_checked,
        references,
    })
}

/// The lists that failed, as "not checked" entries (a kind the server does
/// not serve is no gap), and how many failed for want of a connection.
fn not_checked(
    failures: Vec<(&str, bool, ListError)>,
    context: &str,
    namespace: Option<&str>,
) -> (Vec<NotChecked>, usize) {
    let mut not_checked = Vec::new();
    let mut transport_errors = 0;
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
            ListError::Transport(e) => {
                transport_errors += 1;
                crate::client::describe(context, &e)
            }
        };
        not_checked.push(NotChecked {
            kind: kind.to_string(),
            namespace: scope,
            reason,
            allowed: false,
        });
    }
    (not_checked, transport_errors)
}

/// Whether the user may list namespaces (what -A needs); only a clear
/// "forbidden" says no, other errors surface in the audit itself.
pub(super) async fn may_list_namespaces(client: &kube::Client) -> bool {
    let Ok(http) = Request::new("/api/v1/namespaces").list(&ListParams::default().limit(1)) else {
        return true;
    };
    !matches!(
        client.request_text(http).await.map_err(classify),
        Err(ListError::Forbidden(_))
    )
}
