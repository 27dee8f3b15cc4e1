//! What `kubectl rotate-secret <TAB>` offers beyond its clap definition:
//! Secrets by bare name (a bare name means a Secret), ConfigMaps as
//! `configmap/NAME`, a rotated object's versions once, as their base, and
//! the Secret types. Lookups list metadata only: no Secret data crosses the wire.

use std::collections::BTreeSet;

use clap::Arg;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::completion::values::list_meta;
use crate::completion::{self, Reply, Request};
use crate::labels::rotate::{ANN_BASE, LABEL_BASE, LABEL_MANAGED_BY, MANAGED_BY};

/// The values for one argument, by its clap id (the field name).
pub(crate) fn values(req: &Request, arg: &Arg) -> Option<Reply> {
    match arg.get_id().as_str() {
        "target" => Some(targets(req)),
        "secret_type" => Some(Reply::names(SECRET_TYPES.map(String::from))),
        _ => completion::cluster_flags(req, arg),
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

fn targets(req: &Request) -> Reply {
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

/// The names to offer: a version as the base it versions, others as they are.
fn bases(metas: Vec<ObjectMeta>) -> BTreeSet<String> {
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
}
