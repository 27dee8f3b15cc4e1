//! Values from the cluster for the plugins' providers: the names of one
//! kind in the typed namespace (`object_names`, `list_meta`). Lookups
//! list metadata only (no Secret data crosses the wire) and give up after
//! the completion's cluster timeout. Beside them, the providers of the
//! plugins not yet in the plugin frame; arguments are matched by their clap
//! id (the field name).

use std::collections::BTreeSet;

use clap::Arg;
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::networking::v1::{Ingress, IngressClass};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, ListParams};

use super::{NO_FILE_COMP, NO_SPACE, Reply, Request};
use crate::client::{self, Connection};
use crate::error::Result;

/// Enough names for a completion menu; one page, one request.
const PAGE: u32 = 500;

fn id(arg: &Arg) -> &str {
    arg.get_id().as_str()
}

fn aws_profiles() -> Reply {
    Reply::names(crate::aws::profile::Profiles::load().names())
}

/// A namespaced kind whose metadata can be listed (Secret, Deployment, …).
pub(crate) trait NamespacedKind:
    kube::Resource<Scope = kube::core::NamespaceResourceScope, DynamicType: Default>
    + Clone
    + serde::de::DeserializeOwned
    + std::fmt::Debug
{
}

impl<K> NamespacedKind for K where
    K: kube::Resource<Scope = kube::core::NamespaceResourceScope, DynamicType: Default>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug
{
}

/// Names of one kind in the typed namespace (with a label `selector`, if
/// given); empty on any error or timeout. E.g.
/// `object_names::<Deployment>(req, None)` in a plugin's `complete`.
#[allow(dead_code)] // until a capability's provider lists plain names
pub(crate) fn object_names<K: NamespacedKind>(
    req: &Request,
    selector: Option<&str>,
) -> Vec<String> {
    let listed = req.with_cluster(|conn| async move { list_meta::<K>(&conn, selector).await });
    names(listed.unwrap_or_default())
}

/// One page of one kind's metadata in the connection's namespace, for
/// providers that need labels or several kinds at once (inside
/// `Request::with_cluster`).
pub(crate) async fn list_meta<K: NamespacedKind>(
    conn: &Connection,
    selector: Option<&str>,
) -> Result<Vec<ObjectMeta>> {
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

/// The names among `metas`.
pub(crate) fn names(metas: Vec<ObjectMeta>) -> Vec<String> {
    metas.into_iter().filter_map(|m| m.name).collect()
}

/// `kubectl publish`: `KIND/NAME` targets (kinds first, then names once a
/// kind is typed), published names for status and unpublish, IngressClasses,
/// AWS profiles.
pub fn publish(req: &Request, arg: &Arg) -> Option<Reply> {
    match id(arg) {
        "target" => Some(publish_target(req)),
        "name"
            if matches!(
                req.path.first().map(String::as_str),
                Some("status" | "unpublish")
            ) =>
        {
            Some(published_names(req))
        }
        "class" => Some(ingress_classes(req)),
        "profile" => Some(aws_profiles()),
        _ => super::cluster_flags(req, arg),
    }
}

fn publish_target(req: &Request) -> Reply {
    let Some((kind, _)) = req.partial.split_once('/') else {
        return Reply {
            candidates: [
                ("deploy/", "a Deployment"),
                ("statefulset/", "a StatefulSet"),
                ("svc/", "a Service"),
            ]
            .map(|(k, d)| (k.to_string(), d.to_string()))
            .into(),
            directive: NO_FILE_COMP | NO_SPACE,
        };
    };
    #[derive(Clone, Copy)]
    enum Kind {
        Deploy,
        Sts,
        Svc,
    }
    let k = match kind {
        "deploy" | "deployment" | "deployments" | "deployment.apps" | "deployments.apps" => {
            Kind::Deploy
        }
        "sts" | "statefulset" | "statefulsets" | "statefulset.apps" | "statefulsets.apps" => {
            Kind::Sts
        }
        "svc" | "service" | "services" => Kind::Svc,
        _ => return Reply::values([]),
    };
    let listed = req.with_cluster(|conn| async move {
        match k {
            Kind::Deploy => list_meta::<Deployment>(&conn, None).await,
            Kind::Sts => list_meta::<StatefulSet>(&conn, None).await,
            Kind::Svc => list_meta::<Service>(&conn, None).await,
        }
    });
    Reply::names(
        names(listed.unwrap_or_default())
            .into_iter()
            .map(|n| format!("{kind}/{n}")),
    )
}

/// What `publish` made, found by its labels on the Ingresses.
fn published_names(req: &Request) -> Reply {
    use crate::publish::build::{MANAGED_BY, MANAGED_BY_LABEL, NAME_LABEL};
    let selector = format!("{MANAGED_BY_LABEL}={MANAGED_BY}");
    let listed =
        req.with_cluster(|conn| async move { list_meta::<Ingress>(&conn, Some(&selector)).await });
    let names: BTreeSet<String> = listed
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| m.labels?.get(NAME_LABEL).cloned())
        .collect();
    Reply::names(names)
}

fn ingress_classes(req: &Request) -> Reply {
    let listed = req.with_cluster(|conn| async move {
        let api: Api<IngressClass> = Api::all(conn.client.clone());
        let list = api
            .list_metadata(&ListParams::default().limit(PAGE))
            .await
            .map_err(|e| client::api_error(&conn.context, e))?;
        Ok(list
            .items
            .into_iter()
            .filter_map(|m| m.metadata.name)
            .collect::<Vec<_>>())
    });
    Reply::names(listed.unwrap_or_default())
}
