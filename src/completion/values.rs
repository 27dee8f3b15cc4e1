//! Each plugin's values for the arguments its clap definition cannot list.
//! Arguments are matched by their clap id (the field name). Cluster lookups
//! list metadata only (no Secret data crosses the wire) and give up after
//! [`super::CLUSTER_TIMEOUT`].

use std::collections::BTreeSet;

use clap::Arg;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, ListParams};

use super::{Reply, Request};
use crate::client::{self, Connection};
use crate::error::Result;

/// Enough names for a completion menu; one page, one request.
pub(crate) const PAGE: u32 = 500;

fn id(arg: &Arg) -> &str {
    arg.get_id().as_str()
}

/// `kubectl ctx NAME`: contexts, each with its cluster.
pub fn ctx(req: &Request, arg: &Arg) -> Option<Reply> {
    (id(arg) == "args")
        .then(|| super::contexts(req, true))
        .or_else(|| super::cluster_flags(req, arg))
}

/// `kubectl aws-token`: profile names from the shared AWS config files.
pub fn aws_token(_req: &Request, arg: &Arg) -> Option<Reply> {
    (id(arg) == "profile").then(aws_profiles)
}

fn aws_profiles() -> Reply {
    Reply::names(crate::aws::profile::Profiles::load().names())
}

/// Names of one kind in the typed namespace, with their metadata.
pub(crate) async fn list_meta<K>(
    conn: &Connection,
    selector: Option<&str>,
) -> Result<Vec<ObjectMeta>>
where
    K: kube::Resource<Scope = kube::core::NamespaceResourceScope>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug,
    K::DynamicType: Default,
{
    let api: Api<K> = Api::namespaced(conn.client.clone(), &conn.namespace);
    let mut params = ListParams::default().limit(PAGE);
    if let Some(s) = selector {
        params = params.labels(s);
    }
    let list = api
        .list_metadata(&params)
        .await
        .map_err(|e| client::api_error(&conn.context, e))?;
    Ok(list.items.into_iter().map(|m| m.metadata).collect())
}

/// `kubectl rotate-secret [secret/|configmap/]BASE`: Secrets by bare name (a
/// bare name means a Secret), ConfigMaps as `configmap/NAME`. A rotated
/// object's versions are offered once, as their base.
pub fn rotate_secret(req: &Request, arg: &Arg) -> Option<Reply> {
    match id(arg) {
        "target" => Some(rotate_target(req)),
        "secret_type" => Some(Reply::names(SECRET_TYPES.map(String::from))),
        _ => super::cluster_flags(req, arg),
    }
}

/// The Secret types Kubernetes defines.
const SECRET_TYPES: [&str; 8] = [
    "Opaque",
    "kubernetes.io/tls",
    "kubernetes.io/dockerconfigjson",
    "kubernetes.io/dockercfg",
    "kubernetes.io/basic-auth",
    "kubernetes.io/ssh-auth",
    "kubernetes.io/service-account-token",
    "bootstrap.kubernetes.io/token",
];

fn rotate_target(req: &Request) -> Reply {
    use crate::rotate::cluster::{ANN_BASE, LABEL_BASE, LABEL_MANAGED_BY, MANAGED_BY};
    let (kind, _) = req.partial.split_once('/').unwrap_or(("", ""));
    // The prefix each kind's names are offered with, as the user spells it.
    let (secrets, configmaps): (Option<String>, Option<String>) = match kind {
        "" => (Some(String::new()), Some("configmap/".into())),
        "secret" | "secrets" => (Some(format!("{kind}/")), None),
        "configmap" | "configmaps" | "cm" => (None, Some(format!("{kind}/"))),
        _ => return Reply::values([]),
    };
    let (want_secrets, want_configmaps) = (secrets.is_some(), configmaps.is_some());
    let lists = req.with_cluster(|conn| async move {
        // Each list on its own: a user may read ConfigMaps but not Secrets.
        let s = async {
            if want_secrets {
                list_meta::<Secret>(&conn, None).await.ok()
            } else {
                None
            }
        };
        let c = async {
            if want_configmaps {
                list_meta::<ConfigMap>(&conn, None).await.ok()
            } else {
                None
            }
        };
        Ok(tokio::join!(s, c))
    });
    let Some((secret_list, configmap_list)) = lists else {
        return Reply::values([]);
    };
    let bases = |metas: Vec<ObjectMeta>| -> BTreeSet<String> {
        metas
            .into_iter()
            .filter_map(|m| {
                let ours = m
                    .labels
                    .as_ref()
                    .and_then(|l| l.get(LABEL_MANAGED_BY))
                    .is_some_and(|v| v == MANAGED_BY);
                let base = m
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get(ANN_BASE))
                    .or_else(|| m.labels.as_ref().and_then(|l| l.get(LABEL_BASE)))
                    .filter(|_| ours)
                    .cloned();
                base.or(m.name)
            })
            // Helm's release records are not something anyone rotates.
            .filter(|n| !n.starts_with("sh.helm.release."))
            .collect()
    };
    let mut out = Vec::new();
    if let (Some(prefix), Some(list)) = (secrets, secret_list) {
        out.extend(
            bases(list)
                .into_iter()
                .map(|n| (format!("{prefix}{n}"), "Secret".to_string())),
        );
    }
    if let (Some(prefix), Some(list)) = (configmaps, configmap_list) {
        out.extend(
            bases(list)
                .into_iter()
                .map(|n| (format!("{prefix}{n}"), "ConfigMap".to_string())),
        );
    }
    Reply::values(out)
}

/// `kubectl audit --checks/--skip`: check ids (with what they check) and categories.
pub fn audit(req: &Request, arg: &Arg) -> Option<Reply> {
    use crate::audit::checks::{CHECKS, Category};
    if !matches!(id(arg), "checks" | "skip") {
        return super::cluster_flags(req, arg);
    }
    let categories = Category::ALL.iter().map(|c| {
        (
            c.as_str().to_string(),
            "every check in this category".to_string(),
        )
    });
    let ids = CHECKS
        .iter()
        .map(|c| (c.id.to_string(), c.title.to_string()));
    Some(Reply::values(categories.chain(ids)))
}
