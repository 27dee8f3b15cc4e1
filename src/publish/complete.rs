//! `kubectl publish`'s completion values: `KIND/NAME` targets (kinds first,
//! then names once a kind is typed), published names for status and
//! unpublish, IngressClasses, AWS profiles.

use std::collections::BTreeSet;

use clap::Arg;
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::networking::v1::{Ingress, IngressClass};
use kube::api::{Api, ListParams};

use crate::client;
use crate::completion::values::{PAGE, list_meta};
use crate::completion::{self, NO_FILE_COMP, NO_SPACE, Reply, Request};
use crate::labels::publish::{MANAGED_BY, MANAGED_BY_LABEL, NAME_LABEL};

pub(crate) fn values(req: &Request, arg: &Arg) -> Option<Reply> {
    match arg.get_id().as_str() {
        "target" => Some(target(req)),
        "name"
            if matches!(
                req.path.first().map(String::as_str),
                Some("status" | "unpublish")
            ) =>
        {
            Some(published_names(req))
        }
        "class" => Some(ingress_classes(req)),
        "profile" => Some(Reply::names(crate::aws::profile::Profiles::load().names())),
        _ => completion::cluster_flags(req, arg),
    }
}

fn target(req: &Request) -> Reply {
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
        listed
            .unwrap_or_default()
            .into_iter()
            .filter_map(|m| m.name)
            .map(|n| format!("{kind}/{n}")),
    )
}

/// What `publish` made, found by its labels on the Ingresses.
fn published_names(req: &Request) -> Reply {
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
