//! Values from the cluster for the plugins' providers: the names of one
//! kind in the typed namespace (`object_names`, `list_meta`). Lookups
//! list metadata only (no Secret data crosses the wire) and give up after
//! the completion's cluster timeout. Each capability's `Plugin::complete`
//! calls them; arguments are matched there by their clap id (the field name).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, ListParams};

use super::Request;
use crate::client::{self, Connection};
use crate::error::Result;

/// Enough names for a completion menu; one page, one request.
pub(crate) const PAGE: u32 = 500;

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
