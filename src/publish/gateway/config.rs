//! What the LoadBalancerConfigurations of a Gateway and of its class say
//! about the ALB's scheme and certificates: publish cannot set them on a
//! route, so it says what they are.

use kube::api::Api;
use kube::core::DynamicObject;
use serde_json::Value;

use super::find::GatewayInfo;
use super::{gateway_class, load_balancer_configuration};

/// What the LoadBalancerConfigurations of the Gateway and its class say
/// about the scheme and certificates.
#[derive(Debug, Default)]
pub(crate) struct LoadBalancerNotes {
    pub(crate) notes: Vec<String>,
    pub(crate) warnings: Vec<String>,
    /// A listener has certificates pinned, so discovery is not what serves.
    pub(crate) certificates_pinned: bool,
}

/// `internal` is `--internal`: the scheme the route wants.
pub(crate) async fn load_balancer_notes(
    client: &kube::Client,
    gw: &GatewayInfo,
    internal: bool,
) -> LoadBalancerNotes {
    let configs = configurations(client, gw).await;
    let mut notes = LoadBalancerNotes::default();
    scheme_note(&mut notes, &configs, gw, internal);
    let pinned: Vec<String> = configs
        .iter()
        .flat_map(|(id, spec)| {
            spec["listenerConfigurations"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|l| !l["defaultCertificate"].is_null() || !l["certificates"].is_null())
                .map(move |l| {
                    format!(
                        "{} in {id}",
                        l["protocolPort"].as_str().unwrap_or("a listener")
                    )
                })
        })
        .collect();
    if !pinned.is_empty() {
        notes.notes.push(format!(
            "certificates: pinned by LoadBalancerConfiguration ({})",
            pinned.join(", ")
        ));
    }
    notes.certificates_pinned = !pinned.is_empty();
    notes
}

/// The Gateway's LoadBalancerConfiguration, then its class's, as
/// (`namespace/name`, spec); those that cannot be read are left out.
async fn configurations(client: &kube::Client, gw: &GatewayInfo) -> Vec<(String, Value)> {
    let mut configs = Vec::new();
    if let Some(name) = &gw.params {
        let api: Api<DynamicObject> = Api::namespaced_with(
            client.clone(),
            &gw.namespace,
            &load_balancer_configuration(),
        );
        if let Ok(Some(o)) = api.get_opt(name).await {
            configs.push((format!("{}/{name}", gw.namespace), o.data["spec"].clone()));
        }
    }
    let classes: Api<DynamicObject> = Api::all_with(client.clone(), &gateway_class());
    if let Ok(Some(class)) = classes.get_opt(&gw.class).await {
        let p = &class.data["spec"]["parametersRef"];
        if p["kind"].as_str() == Some("LoadBalancerConfiguration")
            && let (Some(name), Some(ns)) = (p["name"].as_str(), p["namespace"].as_str())
        {
            let api: Api<DynamicObject> =
                Api::namespaced_with(client.clone(), ns, &load_balancer_configuration());
            if let Ok(Some(o)) = api.get_opt(name).await {
                configs.push((format!("{ns}/{name}"), o.data["spec"].clone()));
            }
        }
    }
    configs
}

/// The first scheme set, against the one wanted.
fn scheme_note(
    out: &mut LoadBalancerNotes,
    configs: &[(String, Value)],
    gw: &GatewayInfo,
    internal: bool,
) {
    let wanted = if internal {
        "internal"
    } else {
        "internet-facing"
    };
    let scheme = configs
        .iter()
        .find_map(|(id, spec)| spec["scheme"].as_str().map(|s| (id, s)));
    match scheme {
        Some((id, s)) if s == wanted => out.notes.push(format!(
            "scheme: {s} (LoadBalancerConfiguration {id} of Gateway {})",
            gw.id()
        )),
        Some((id, s)) => out.warnings.push(format!(
            "Gateway {}'s ALB is {s} (LoadBalancerConfiguration {id}), not {wanted}; publish cannot change it on a route",
            gw.id()
        )),
        None if internal => out.notes.push(format!(
            "scheme: internal (the ALB controller's default; Gateway {} sets none)",
            gw.id()
        )),
        None => out.warnings.push(format!(
            "Gateway {}'s ALB is internal (the controller's default): no LoadBalancerConfiguration sets scheme: internet-facing; publish cannot set it on a route",
            gw.id()
        )),
    }
}
