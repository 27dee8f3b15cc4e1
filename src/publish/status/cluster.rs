//! The stages the cluster answers: the Service's ready endpoints, and the
//! controller's last warning about an Ingress without a load balancer.

use k8s_openapi::api::core::v1::{Event, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::api::{Api, ListParams};

use crate::client::api_error;
use crate::error::Result;
use crate::publish::report::Line;

pub(super) async fn service_stage(
    client: &kube::Client,
    context: &str,
    ns: &str,
    name: &str,
) -> Result<Line> {
    let svc = Api::<Service>::namespaced(client.clone(), ns)
        .get_opt(name)
        .await
        .map_err(|e| api_error(context, e))?;
    if svc.is_none() {
        return Ok(Line::failed(
            "service",
            format!("service {name:?} does not exist"),
        ));
    }
    let slices = Api::<EndpointSlice>::namespaced(client.clone(), ns)
        .list(&ListParams::default().labels(&format!("kubernetes.io/service-name={name}")))
        .await
        .map_err(|e| api_error(context, e))?;
    let (mut ready, mut total) = (0usize, 0usize);
    let mut seen = std::collections::BTreeSet::new();
    for slice in slices.items {
        for ep in slice.endpoints.into_iter().flatten() {
            // The same pod appears once per address family.
            let key = ep
                .target_ref
                .as_ref()
                .and_then(|t| t.name.clone())
                .unwrap_or_else(|| ep.addresses.join(","));
            if !seen.insert(key) {
                continue;
            }
            total += 1;
            if ep.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true) {
                ready += 1;
            }
        }
    }
    Ok(if ready > 0 {
        Line::ok(
            "service",
            format!("{name}: {ready} of {total} endpoints ready"),
        )
    } else if total > 0 {
        Line::failed(
            "service",
            format!("{name}: none of {total} endpoints ready"),
        )
    } else {
        Line::failed(
            "service",
            format!("{name}: no endpoints; no ready pod matches its selector"),
        )
    })
}

/// The most recent Warning event about the Ingress, as `reason: message`.
pub(super) async fn last_warning(client: &kube::Client, ns: &str, name: &str) -> Option<String> {
    let lp = ListParams::default().fields(&format!(
        "involvedObject.kind=Ingress,involvedObject.name={name},type=Warning"
    ));
    let events = Api::<Event>::namespaced(client.clone(), ns)
        .list(&lp)
        .await
        .ok()?;
    events
        .items
        .into_iter()
        .max_by_key(|e| {
            e.last_timestamp
                .as_ref()
                .map(|t| t.0.as_second())
                .or_else(|| e.event_time.as_ref().map(|t| t.0.as_second()))
                .unwrap_or(0)
        })
        .map(|e| {
            format!(
                "{}: {}",
                e.reason.unwrap_or_default(),
                e.message.unwrap_or_default().trim()
            )
        })
}
