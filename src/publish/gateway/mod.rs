//! `publish --api gateway`: an HTTPRoute on a Gateway of the AWS Load
//! Balancer Controller's GatewayClass (controllerName `gateway.k8s.aws/alb`)
//! instead of an Ingress.
//!
//! What the Ingress carries as annotations lives elsewhere with the Gateway
//! API: the scheme, TLS policy and certificates belong to the Gateway (its
//! LoadBalancerConfiguration), which publish does not own; the target type
//! and health check go into a TargetGroupConfiguration for the Service, when
//! the controller's CRDs are installed. With both an HTTP and an HTTPS
//! listener on the Gateway, a second route `NAME-redirect` answers HTTP with
//! a redirect to HTTPS, as `ssl-redirect` does for an Ingress.
//!
//! Public only for a test against a real API server: [`check_api`].
//!
//! Files: [`find`] (which Gateway a route attaches to), [`config`] (what its
//! LoadBalancerConfigurations say), [`routes`] (the HTTPRoutes and the
//! TargetGroupConfiguration publish makes).

mod config;
mod find;
mod routes;

use kube::core::{ApiResource, GroupVersionKind};

use crate::error::{Error, Result};

pub(crate) use config::load_balancer_notes;
pub(crate) use find::{GatewayInfo, alb_classes, find_gateway};
pub(crate) use routes::{RoutePlan, routes, target_group_config};

pub const GATEWAY_GROUP: &str = "gateway.networking.k8s.io";
pub(crate) const GATEWAY_VERSION: &str = "v1";
/// The ALB controller's GatewayClass controllerName for L7 gateways.
pub(crate) const ALB_GATEWAY_CONTROLLER: &str = "gateway.k8s.aws/alb";
/// The ALB controller's own gateway CRDs (TargetGroupConfiguration, …).
pub(crate) const LBC_GATEWAY_GROUP: &str = "gateway.k8s.aws";
pub(crate) const LBC_GATEWAY_VERSION: &str = "v1beta1";
/// The release line the ALB controller is built against.
pub(crate) const INSTALL_COMMAND: &str = "kubectl apply --server-side -f https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.6.0/standard-install.yaml";
pub(crate) const LBC_CRDS_HINT: &str = "kubectl apply -f https://raw.githubusercontent.com/kubernetes-sigs/aws-load-balancer-controller/refs/heads/main/config/crd/gateway/gateway-crds.yaml";
/// Suffix of the route that redirects HTTP to HTTPS.
pub(crate) const REDIRECT_SUFFIX: &str = "-redirect";

fn resource(group: &str, version: &str, kind: &str, plural: &str) -> ApiResource {
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural)
}

pub(crate) fn http_route() -> ApiResource {
    resource(GATEWAY_GROUP, GATEWAY_VERSION, "HTTPRoute", "httproutes")
}

pub(crate) fn gateway() -> ApiResource {
    resource(GATEWAY_GROUP, GATEWAY_VERSION, "Gateway", "gateways")
}

pub(crate) fn gateway_class() -> ApiResource {
    resource(
        GATEWAY_GROUP,
        GATEWAY_VERSION,
        "GatewayClass",
        "gatewayclasses",
    )
}

pub(crate) fn target_group_configuration() -> ApiResource {
    resource(
        LBC_GATEWAY_GROUP,
        LBC_GATEWAY_VERSION,
        "TargetGroupConfiguration",
        "targetgroupconfigurations",
    )
}

pub(crate) fn load_balancer_configuration() -> ApiResource {
    resource(
        LBC_GATEWAY_GROUP,
        LBC_GATEWAY_VERSION,
        "LoadBalancerConfiguration",
        "loadbalancerconfigurations",
    )
}

/// The resources (plural names) an API group version serves; None when the
/// server does not serve that group version at all.
pub(crate) async fn served(
    client: &kube::Client,
    api_version: &str,
) -> std::result::Result<Option<Vec<String>>, String> {
    match client.list_api_group_resources(api_version).await {
        Ok(list) => Ok(Some(list.resources.into_iter().map(|r| r.name).collect())),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// Why the Gateway API cannot be used, from what `group/v1` serves.
pub(crate) fn missing(group: &str, resources: Option<&[String]>) -> Option<String> {
    let Some(resources) = resources else {
        return Some(format!(
            "the Gateway API is not installed: the cluster does not serve {group}/{GATEWAY_VERSION}"
        ));
    };
    let absent: Vec<&str> = ["httproutes", "gateways"]
        .into_iter()
        .filter(|r| !resources.iter().any(|have| have == r))
        .collect();
    if absent.is_empty() {
        None
    } else {
        Some(format!(
            "the Gateway API is not fully installed: {group}/{GATEWAY_VERSION} does not serve {}",
            absent.join(" or ")
        ))
    }
}

/// Which of the ALB controller's gateway CRDs the cluster serves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Apis {
    pub target_group_configuration: bool,
    pub load_balancer_configuration: bool,
}

/// Checks that `group` (the Gateway API's, unless a test says otherwise)
/// serves HTTPRoute and Gateway at v1, and which ALB controller CRDs exist.
pub async fn check_api(client: &kube::Client, group: &str) -> Result<Apis> {
    let gw = served(client, &format!("{group}/{GATEWAY_VERSION}"))
        .await
        .map_err(|e| Error::Failed(format!("cannot check for the Gateway API: {e}")))?;
    if let Some(why) = missing(group, gw.as_deref()) {
        return Err(Error::Failed(format!(
            "{why}; install its CRDs with: {INSTALL_COMMAND}"
        )));
    }
    let lbc = served(
        client,
        &format!("{LBC_GATEWAY_GROUP}/{LBC_GATEWAY_VERSION}"),
    )
    .await
    .ok()
    .flatten()
    .unwrap_or_default();
    Ok(Apis {
        target_group_configuration: lbc.iter().any(|r| r == "targetgroupconfigurations"),
        load_balancer_configuration: lbc.iter().any(|r| r == "loadbalancerconfigurations"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_api_is_explained() {
        assert!(
            missing(GATEWAY_GROUP, None)
                .unwrap()
                .contains("not installed")
        );
        let partial = vec!["gateways".to_string(), "gatewayclasses".to_string()];
        assert!(
            missing(GATEWAY_GROUP, Some(&partial))
                .unwrap()
                .contains("does not serve httproutes")
        );
        let full = vec!["gateways".to_string(), "httproutes".to_string()];
        assert_eq!(missing(GATEWAY_GROUP, Some(&full)), None);
    }
}
