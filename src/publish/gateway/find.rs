//! Which Gateway a route attaches to: `--gateway NAME[/NAMESPACE]`, or the
//! one ALB Gateway the route's namespace (or the cluster) has; and what about
//! it would keep the route from serving.

use kube::api::{Api, ListParams};
use kube::core::DynamicObject;

use super::{ALB_GATEWAY_CONTROLLER, gateway, gateway_class};
use crate::client::api_error;
use crate::error::{Error, Result};

/// One listener of a Gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Listener {
    pub(crate) name: String,
    pub(crate) protocol: String,
    pub(crate) port: i64,
    /// allowedRoutes.namespaces.from: Same (the default), All or Selector.
    pub(crate) from: String,
    /// Only routes for this host (or wildcard) attach, when set.
    pub(crate) hostname: Option<String>,
}

/// The parts of a Gateway publish needs.
#[derive(Debug, Clone)]
pub(crate) struct GatewayInfo {
    pub(crate) name: String,
    pub(crate) namespace: String,
    pub(crate) class: String,
    pub(crate) listeners: Vec<Listener>,
    /// The first status address, once the controller made the load balancer.
    pub(crate) address: Option<String>,
    /// The LoadBalancerConfiguration in `spec.infrastructure.parametersRef`.
    pub(crate) params: Option<String>,
}

impl GatewayInfo {
    pub(crate) fn from_object(obj: &DynamicObject) -> GatewayInfo {
        let spec = &obj.data["spec"];
        let listeners = spec["listeners"]
            .as_array()
            .map(|l| {
                l.iter()
                    .map(|l| Listener {
                        name: l["name"].as_str().unwrap_or_default().to_string(),
                        protocol: l["protocol"].as_str().unwrap_or_default().to_string(),
                        port: l["port"].as_i64().unwrap_or_default(),
                        from: l["allowedRoutes"]["namespaces"]["from"]
                            .as_str()
                            .unwrap_or("Same")
                            .to_string(),
                        hostname: l["hostname"].as_str().map(str::to_string),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let params = &spec["infrastructure"]["parametersRef"];
        GatewayInfo {
            name: obj.metadata.name.clone().unwrap_or_default(),
            namespace: obj.metadata.namespace.clone().unwrap_or_default(),
            class: spec["gatewayClassName"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            listeners,
            address: obj.data["status"]["addresses"]
                .as_array()
                .and_then(|a| a.first())
                .and_then(|a| a["value"].as_str())
                .map(str::to_string),
            params: (params["kind"].as_str() == Some("LoadBalancerConfiguration"))
                .then(|| params["name"].as_str().map(str::to_string))
                .flatten(),
        }
    }

    pub(crate) fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    pub(crate) fn sections(&self, protocol: &str) -> Vec<String> {
        self.listeners
            .iter()
            .filter(|l| l.protocol == protocol)
            .map(|l| l.name.clone())
            .collect()
    }

    /// Listeners (that the routes attach to) whose hostname matches none of
    /// the hosts: the route is not accepted there.
    pub(crate) fn hostname_mismatches(&self, hosts: &[String]) -> Vec<String> {
        self.listeners
            .iter()
            .filter(|l| matches!(l.protocol.as_str(), "HTTP" | "HTTPS"))
            .filter_map(|l| {
                let want = l.hostname.as_deref()?;
                (!hosts.iter().any(|h| hostname_matches(want, h)))
                    .then(|| format!("{} ({want})", l.name))
            })
            .collect()
    }

    /// Listeners that would not take a route from `namespace`.
    pub(crate) fn refusing(&self, namespace: &str) -> Vec<String> {
        if self.namespace == namespace {
            return Vec::new();
        }
        self.listeners
            .iter()
            .filter(|l| l.from == "Same")
            .map(|l| l.name.clone())
            .collect()
    }
}

/// A listener hostname (exact, or `*.suffix` for one or more labels) against a host.
pub(crate) fn hostname_matches(listener: &str, host: &str) -> bool {
    match listener.strip_prefix("*.") {
        Some(suffix) => host
            .strip_suffix(suffix)
            .is_some_and(|rest| rest.len() > 1 && rest.ends_with('.')),
        None => listener.eq_ignore_ascii_case(host),
    }
}

/// `--gateway NAME[/NAMESPACE]`.
pub(crate) fn parse_gateway_flag(text: &str, default_ns: &str) -> Result<(String, String)> {
    let (name, ns) = match text.split_once('/') {
        Some((n, ns)) => (n, ns),
        None => (text, default_ns),
    };
    let ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 253
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
    };
    if !ok(name) || !ok(ns) {
        return Err(Error::Usage(format!(
            "--gateway {text:?}: give NAME or NAME/NAMESPACE of a Gateway"
        )));
    }
    Ok((name.to_string(), ns.to_string()))
}

/// GatewayClasses whose controllerName is the ALB controller's. Err: why
/// they could not be listed.
pub(crate) async fn alb_classes(client: &kube::Client) -> std::result::Result<Vec<String>, String> {
    let api: Api<DynamicObject> = Api::all_with(client.clone(), &gateway_class());
    let list = api
        .list(&ListParams::default())
        .await
        .map_err(|e| match e {
            kube::Error::Api(s) if s.code == 403 => {
                "this user cannot list GatewayClasses".to_string()
            }
            other => other.to_string(),
        })?;
    let mut names: Vec<String> = list
        .items
        .into_iter()
        .filter(|c| c.data["spec"]["controllerName"].as_str() == Some(ALB_GATEWAY_CONTROLLER))
        .filter_map(|c| c.metadata.name)
        .collect();
    names.sort();
    Ok(names)
}

/// Picks among the ALB Gateways: those in the route's namespace first, then
/// the rest; exactly one must remain.
pub(crate) fn pick_gateway<'a>(
    gateways: &'a [GatewayInfo],
    route_ns: &str,
) -> std::result::Result<&'a GatewayInfo, String> {
    let local: Vec<&GatewayInfo> = gateways
        .iter()
        .filter(|g| g.namespace == route_ns)
        .collect();
    let pool: Vec<&GatewayInfo> = if local.is_empty() {
        gateways.iter().collect()
    } else {
        local
    };
    match pool.as_slice() {
        [one] => Ok(one),
        [] => Err(format!(
            "no Gateway of the ALB controller's GatewayClass (controllerName {ALB_GATEWAY_CONTROLLER}) exists; create one, or pass --gateway NAME[/NAMESPACE]"
        )),
        many => Err(format!(
            "several ALB Gateways could take the route ({}); pass --gateway NAME[/NAMESPACE]",
            many.iter().map(|g| g.id()).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// The Gateway to attach to, and warnings about it.
pub(crate) async fn find_gateway(
    client: &kube::Client,
    context: &str,
    flag: Option<&str>,
    route_ns: &str,
) -> Result<(GatewayInfo, Vec<String>)> {
    let classes = alb_classes(client).await;
    let mut warnings = Vec::new();
    let info = match flag {
        Some(flag) => {
            let info = named_gateway(client, context, flag, route_ns).await?;
            match &classes {
                Ok(c) if !c.contains(&info.class) => warnings.push(format!(
                    "Gateway {} has class {:?}, which is not the ALB controller's ({ALB_GATEWAY_CONTROLLER})",
                    info.id(),
                    info.class
                )),
                Err(why) => warnings.push(format!("GatewayClass not checked ({why})")),
                Ok(_) => {}
            }
            info
        }
        None => only_alb_gateway(client, context, classes, route_ns).await?,
    };
    let refusing = info.refusing(route_ns);
    if !refusing.is_empty() {
        warnings.push(format!(
            "Gateway {}'s listeners {} only take routes from namespace {}; set their allowedRoutes.namespaces.from to All or Selector",
            info.id(),
            refusing.join(", "),
            info.namespace
        ));
    }
    if info.sections("HTTPS").is_empty() {
        warnings.push(format!(
            "Gateway {} has no HTTPS listener: the route is served over plain HTTP",
            info.id()
        ));
    }
    Ok((info, warnings))
}

/// `--gateway NAME[/NAMESPACE]`, which must exist.
async fn named_gateway(
    client: &kube::Client,
    context: &str,
    flag: &str,
    route_ns: &str,
) -> Result<GatewayInfo> {
    let (name, ns) = parse_gateway_flag(flag, route_ns)?;
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), &ns, &gateway());
    let obj = api
        .get_opt(&name)
        .await
        .map_err(|e| api_error(context, e))?
        .ok_or_else(|| {
            Error::Failed(format!(
                "gateway {name:?} not found in namespace {ns:?}; see `kubectl get gateways -A`"
            ))
        })?;
    Ok(GatewayInfo::from_object(&obj))
}

/// Without `--gateway`: the one Gateway of an ALB GatewayClass.
async fn only_alb_gateway(
    client: &kube::Client,
    context: &str,
    classes: std::result::Result<Vec<String>, String>,
    route_ns: &str,
) -> Result<GatewayInfo> {
    let classes = classes.map_err(|why| {
        Error::Failed(format!(
            "cannot find the ALB controller's GatewayClass ({why}); pass --gateway NAME[/NAMESPACE]"
        ))
    })?;
    if classes.is_empty() {
        return Err(Error::Failed(format!(
            "no GatewayClass has controllerName {ALB_GATEWAY_CONTROLLER} (is the ALB controller's gateway support on?); create one, or pass --gateway NAME[/NAMESPACE]"
        )));
    }
    let all: Api<DynamicObject> = Api::all_with(client.clone(), &gateway());
    let list = match all.list(&ListParams::default()).await {
        Ok(l) => l.items,
        // A user limited to one namespace can still use its Gateways.
        Err(kube::Error::Api(s)) if s.code == 403 => {
            Api::<DynamicObject>::namespaced_with(client.clone(), route_ns, &gateway())
                .list(&ListParams::default())
                .await
                .map_err(|e| api_error(context, e))?
                .items
        }
        Err(e) => return Err(api_error(context, e)),
    };
    let gateways: Vec<GatewayInfo> = list
        .iter()
        .map(GatewayInfo::from_object)
        .filter(|g| classes.contains(&g.class))
        .collect();
    Ok(pick_gateway(&gateways, route_ns)
        .map_err(Error::Failed)?
        .clone())
}

#[cfg(test)]
pub(super) mod fixture {
    use super::*;

    pub(crate) fn gw(listeners: &[(&str, &str)]) -> GatewayInfo {
        GatewayInfo {
            name: "public".into(),
            namespace: "edge".into(),
            class: "alb".into(),
            listeners: listeners
                .iter()
                .map(|(n, p)| Listener {
                    name: n.to_string(),
                    protocol: p.to_string(),
                    port: if *p == "HTTPS" { 443 } else { 80 },
                    from: "All".into(),
                    hostname: None,
                })
                .collect(),
            address: None,
            params: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::gw;
    use super::*;

    #[test]
    fn gateway_choice() {
        let mut a = gw(&[]);
        a.namespace = "shop".into();
        let b = gw(&[]);
        let both = vec![a.clone(), b.clone()];
        assert_eq!(pick_gateway(&both, "shop").unwrap().namespace, "shop");
        assert!(
            pick_gateway(&both, "other")
                .unwrap_err()
                .contains("several")
        );
        assert!(
            pick_gateway(&[], "shop")
                .unwrap_err()
                .contains("no Gateway")
        );
        assert_eq!(
            parse_gateway_flag("public/edge", "shop").unwrap(),
            ("public".into(), "edge".into())
        );
        assert_eq!(parse_gateway_flag("public", "shop").unwrap().1, "shop");
        assert!(parse_gateway_flag("Public", "shop").is_err());
        let mut same = gw(&[("http", "HTTP")]);
        same.listeners[0].from = "Same".into();
        assert_eq!(same.refusing("shop"), vec!["http"]);
        assert!(same.refusing("edge").is_empty());
    }

    #[test]
    fn listener_hostnames() {
        assert!(hostname_matches("*.example.com", "web.example.com"));
        assert!(hostname_matches("*.example.com", "a.b.example.com"));
        assert!(!hostname_matches("*.example.com", "example.com"));
        assert!(hostname_matches("web.example.com", "web.example.com"));
        assert!(!hostname_matches("api.example.com", "web.example.com"));
        let mut g = gw(&[("http", "HTTP"), ("https", "HTTPS")]);
        g.listeners[1].hostname = Some("api.example.com".into());
        assert_eq!(
            g.hostname_mismatches(&["web.example.com".into()]),
            vec!["https (api.example.com)"]
        );
        assert!(
            g.hostname_mismatches(&["api.example.com".into()])
                .is_empty()
        );
    }
}
