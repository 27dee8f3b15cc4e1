//! Each plugin's values for the arguments its clap definition cannot list.
//! Arguments are matched by their clap id (the field name). Cluster lookups
//! list metadata only (no Secret data crosses the wire) and give up after
//! [`super::CLUSTER_TIMEOUT`].

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
async fn list_meta<K>(conn: &Connection, selector: Option<&str>) -> Result<Vec<ObjectMeta>>
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

fn names(metas: Vec<ObjectMeta>) -> Vec<String> {
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
