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

use std::collections::BTreeMap;

use kube::api::{Api, ListParams};
use kube::core::{ApiResource, DynamicObject, GroupVersionKind, ObjectMeta};
use serde_json::{Value, json};

use super::build::{SUCCESS_CODES, labels};
use super::workload::HealthCheck;
use crate::error::{Error, Result};

pub const GATEWAY_GROUP: &str = "gateway.networking.k8s.io";
pub const GATEWAY_VERSION: &str = "v1";
/// The ALB controller's GatewayClass controllerName for L7 gateways.
pub const ALB_GATEWAY_CONTROLLER: &str = "gateway.k8s.aws/alb";
/// The ALB controller's own gateway CRDs (TargetGroupConfiguration, …).
pub const LBC_GATEWAY_GROUP: &str = "gateway.k8s.aws";
pub const LBC_GATEWAY_VERSION: &str = "v1beta1";
/// The release line the ALB controller is built against.
pub const INSTALL_COMMAND: &str = "kubectl apply --server-side -f https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.6.0/standard-install.yaml";
pub const LBC_CRDS_HINT: &str = "kubectl apply -f https://raw.githubusercontent.com/kubernetes-sigs/aws-load-balancer-controller/refs/heads/main/config/crd/gateway/gateway-crds.yaml";
/// Suffix of the route that redirects HTTP to HTTPS.
pub const REDIRECT_SUFFIX: &str = "-redirect";

fn resource(group: &str, version: &str, kind: &str, plural: &str) -> ApiResource {
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural)
}

pub fn http_route() -> ApiResource {
    resource(GATEWAY_GROUP, GATEWAY_VERSION, "HTTPRoute", "httproutes")
}

pub fn gateway() -> ApiResource {
    resource(GATEWAY_GROUP, GATEWAY_VERSION, "Gateway", "gateways")
}

pub fn gateway_class() -> ApiResource {
    resource(
        GATEWAY_GROUP,
        GATEWAY_VERSION,
        "GatewayClass",
        "gatewayclasses",
    )
}

pub fn target_group_configuration() -> ApiResource {
    resource(
        LBC_GATEWAY_GROUP,
        LBC_GATEWAY_VERSION,
        "TargetGroupConfiguration",
        "targetgroupconfigurations",
    )
}

pub fn load_balancer_configuration() -> ApiResource {
    resource(
        LBC_GATEWAY_GROUP,
        LBC_GATEWAY_VERSION,
        "LoadBalancerConfiguration",
        "loadbalancerconfigurations",
    )
}

/// The resources (plural names) an API group version serves; None when the
/// server does not serve that group version at all.
pub async fn served(
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
pub fn missing(group: &str, resources: Option<&[String]>) -> Option<String> {
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

/// One listener of a Gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    pub name: String,
    pub protocol: String,
    pub port: i64,
    /// allowedRoutes.namespaces.from: Same (the default), All or Selector.
    pub from: String,
    /// Only routes for this host (or wildcard) attach, when set.
    pub hostname: Option<String>,
}

/// The parts of a Gateway publish needs.
#[derive(Debug, Clone)]
pub struct GatewayInfo {
    pub name: String,
    pub namespace: String,
    pub class: String,
    pub listeners: Vec<Listener>,
    /// The first status address, once the controller made the load balancer.
    pub address: Option<String>,
    /// The LoadBalancerConfiguration in `spec.infrastructure.parametersRef`.
    pub params: Option<String>,
}

impl GatewayInfo {
    pub fn from_object(obj: &DynamicObject) -> GatewayInfo {
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

    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    fn sections(&self, protocol: &str) -> Vec<String> {
        self.listeners
            .iter()
            .filter(|l| l.protocol == protocol)
            .map(|l| l.name.clone())
            .collect()
    }

    /// Listeners (that the routes attach to) whose hostname matches none of
    /// the hosts: the route is not accepted there.
    pub fn hostname_mismatches(&self, hosts: &[String]) -> Vec<String> {
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
    pub fn refusing(&self, namespace: &str) -> Vec<String> {
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
pub fn hostname_matches(listener: &str, host: &str) -> bool {
    match listener.strip_prefix("*.") {
        Some(suffix) => host
            .strip_suffix(suffix)
            .is_some_and(|rest| rest.len() > 1 && rest.ends_with('.')),
        None => listener.eq_ignore_ascii_case(host),
    }
}

/// `--gateway NAME[/NAMESPACE]`.
pub fn parse_gateway_flag(text: &str, default_ns: &str) -> Result<(String, String)> {
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
pub async fn alb_classes(client: &kube::Client) -> std::result::Result<Vec<String>, String> {
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
pub fn pick_gateway<'a>(
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
pub async fn find_gateway(
    client: &kube::Client,
    context: &str,
    flag: Option<&str>,
    route_ns: &str,
) -> Result<(GatewayInfo, Vec<String>)> {
    let classes = alb_classes(client).await;
    let mut warnings = Vec::new();
    let info = if let Some(flag) = flag {
        let (name, ns) = parse_gateway_flag(flag, route_ns)?;
        let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), &ns, &gateway());
        let obj = api
            .get_opt(&name)
            .await
            .map_err(|e| crate::client::api_error(context, e))?
            .ok_or_else(|| {
                Error::Failed(format!(
                    "gateway {name:?} not found in namespace {ns:?}; see `kubectl get gateways -A`"
                ))
            })?;
        let info = GatewayInfo::from_object(&obj);
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
    } else {
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
                    .map_err(|e| crate::client::api_error(context, e))?
                    .items
            }
            Err(e) => return Err(crate::client::api_error(context, e)),
        };
        let gateways: Vec<GatewayInfo> = list
            .iter()
            .map(GatewayInfo::from_object)
            .filter(|g| classes.contains(&g.class))
            .collect();
        pick_gateway(&gateways, route_ns)
            .map_err(Error::Failed)?
            .clone()
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

/// What the LoadBalancerConfigurations of the Gateway and its class say
/// about the scheme and certificates.
#[derive(Debug, Default)]
pub struct LoadBalancerNotes {
    pub notes: Vec<String>,
    pub warnings: Vec<String>,
    /// A listener has certificates pinned, so discovery is not what serves.
    pub certificates_pinned: bool,
}

pub async fn load_balancer_notes(
    client: &kube::Client,
    gw: &GatewayInfo,
    internal: bool,
) -> LoadBalancerNotes {
    let (mut notes, mut warnings) = (Vec::new(), Vec::new());
    let mut configs: Vec<(String, Value)> = Vec::new();
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
    let wanted = if internal {
        "internal"
    } else {
        "internet-facing"
    };
    let schemes: Vec<(String, String)> = configs
        .iter()
        .filter_map(|(id, spec)| spec["scheme"].as_str().map(|s| (id.clone(), s.to_string())))
        .collect();
    match schemes.first() {
        Some((id, s)) if s == wanted => notes.push(format!(
            "scheme: {s} (LoadBalancerConfiguration {id} of Gateway {})",
            gw.id()
        )),
        Some((id, s)) => warnings.push(format!(
            "Gateway {}'s ALB is {s} (LoadBalancerConfiguration {id}), not {wanted}; publish cannot change it on a route",
            gw.id()
        )),
        None if internal => notes.push(format!(
            "scheme: internal (the ALB controller's default; Gateway {} sets none)",
            gw.id()
        )),
        None => warnings.push(format!(
            "Gateway {}'s ALB is internal (the controller's default): no LoadBalancerConfiguration sets scheme: internet-facing; publish cannot set it on a route",
            gw.id()
        )),
    }
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
        notes.push(format!(
            "certificates: pinned by LoadBalancerConfiguration ({})",
            pinned.join(", ")
        ));
    }
    LoadBalancerNotes {
        notes,
        warnings,
        certificates_pinned: !pinned.is_empty(),
    }
}

/// Everything the routes are made from.
#[derive(Debug, Clone)]
pub struct RoutePlan {
    pub name: String,
    pub namespace: String,
    pub hosts: Vec<String>,
    pub service: String,
    pub port: i32,
    pub gateway: GatewayInfo,
    pub dns_prefixes: Vec<String>,
}

fn meta(name: &str, namespace: &str, annotations: BTreeMap<String, String>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.into()),
        namespace: Some(namespace.into()),
        labels: Some(labels_for(name)),
        annotations: (!annotations.is_empty()).then_some(annotations),
        ..Default::default()
    }
}

/// The publication's labels; the redirect route and the target group
/// configuration carry the publication's name, not their own.
fn labels_for(object_name: &str) -> BTreeMap<String, String> {
    labels(
        object_name
            .strip_suffix(REDIRECT_SUFFIX)
            .unwrap_or(object_name),
    )
}

fn parent_refs(plan: &RoutePlan, sections: &[String]) -> Value {
    let one = |section: Option<&String>| {
        let mut r = json!({"group": GATEWAY_GROUP, "kind": "Gateway", "name": plan.gateway.name});
        if plan.gateway.namespace != plan.namespace {
            r["namespace"] = json!(plan.gateway.namespace);
        }
        if let Some(s) = section {
            r["sectionName"] = json!(s);
        }
        r
    };
    if sections.is_empty() {
        json!([one(None)])
    } else {
        Value::Array(sections.iter().map(|s| one(Some(s))).collect())
    }
}

fn object(ar: &ApiResource, metadata: ObjectMeta, spec: Value) -> DynamicObject {
    let mut o = DynamicObject::new(metadata.name.as_deref().unwrap_or_default(), ar);
    o.metadata = metadata;
    o.data = json!({ "spec": spec });
    o
}

/// The HTTPRoute to the Service, and with an HTTP and an HTTPS listener on
/// the Gateway, the route redirecting HTTP to HTTPS.
pub fn routes(plan: &RoutePlan) -> Vec<DynamicObject> {
    let https = plan.gateway.sections("HTTPS");
    let http = plan.gateway.sections("HTTP");
    let split = !https.is_empty() && !http.is_empty();
    let mut annotations = BTreeMap::new();
    for prefix in &plan.dns_prefixes {
        annotations.insert(format!("{prefix}hostname"), plan.hosts.join(","));
    }
    let root = json!([{"path": {"type": "PathPrefix", "value": "/"}}]);
    let ar = http_route();
    let main = object(
        &ar,
        meta(&plan.name, &plan.namespace, annotations),
        json!({
            "parentRefs": parent_refs(plan, if split { &https } else { &[] }),
            "hostnames": plan.hosts,
            "rules": [{
                "matches": root,
                "backendRefs": [{"name": plan.service, "port": plan.port}],
            }],
        }),
    );
    if !split {
        return vec![main];
    }
    let redirect = object(
        &ar,
        meta(
            &format!("{}{REDIRECT_SUFFIX}", plan.name),
            &plan.namespace,
            BTreeMap::new(),
        ),
        json!({
            "parentRefs": parent_refs(plan, &http),
            "hostnames": plan.hosts,
            "rules": [{
                "matches": root,
                "filters": [{
                    "type": "RequestRedirect",
                    "requestRedirect": {"scheme": "https", "statusCode": 301},
                }],
            }],
        }),
    );
    vec![main, redirect]
}

/// ip targets and the health check from the readiness probe, for the
/// Service's target group.
pub fn target_group_config(
    name: &str,
    namespace: &str,
    service: &str,
    health: &HealthCheck,
) -> DynamicObject {
    let mut props = json!({"targetType": "ip"});
    if let HealthCheck::Probe {
        path, port, https, ..
    } = health
    {
        let mut hc = json!({
            "healthCheckPath": path,
            "healthCheckProtocol": if *https { "HTTPS" } else { "HTTP" },
            "matcher": {"httpCode": SUCCESS_CODES},
        });
        if let Some(p) = port {
            hc["healthCheckPort"] = json!(p.to_string());
        }
        props["healthCheckConfig"] = hc;
        // The probe speaks HTTPS to the traffic port, so the pod serves TLS there.
        if *https && port.is_none() {
            props["protocol"] = json!("HTTPS");
        }
    }
    object(
        &target_group_configuration(),
        meta(name, namespace, BTreeMap::new()),
        json!({
            "targetReference": {"name": service},
            "defaultConfiguration": props,
        }),
    )
}

/// One parent's verdict from a route's `status.parents`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentStatus {
    pub parent: String,
    pub controller: String,
    /// (type, status, reason, message) of Accepted and ResolvedRefs.
    pub conditions: Vec<(String, String, String, String)>,
}

impl ParentStatus {
    pub fn ok(&self) -> bool {
        ["Accepted", "ResolvedRefs"].iter().all(|t| {
            self.conditions
                .iter()
                .any(|(ty, st, _, _)| ty == t && st == "True")
        })
    }

    /// The first condition that is not True, as text.
    pub fn problem(&self) -> Option<String> {
        for t in ["Accepted", "ResolvedRefs"] {
            match self.conditions.iter().find(|(ty, ..)| ty == t) {
                None => return Some(format!("no {t} condition")),
                Some((_, st, reason, message)) if st != "True" => {
                    return Some(format!("{t}={st} {reason}: {message}").trim().to_string());
                }
                _ => {}
            }
        }
        None
    }
}

pub fn parent_statuses(route: &Value) -> Vec<ParentStatus> {
    route["status"]["parents"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let r = &p["parentRef"];
            let mut parent = r["name"].as_str().unwrap_or_default().to_string();
            if let Some(ns) = r["namespace"].as_str() {
                parent = format!("{ns}/{parent}");
            }
            if let Some(s) = r["sectionName"].as_str() {
                parent = format!("{parent}:{s}");
            }
            ParentStatus {
                parent,
                controller: p["controllerName"].as_str().unwrap_or_default().to_string(),
                conditions: p["conditions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|c| matches!(c["type"].as_str(), Some("Accepted" | "ResolvedRefs")))
                    .map(|c| {
                        let s = |k: &str| c[k].as_str().unwrap_or_default().to_string();
                        (s("type"), s("status"), s("reason"), s("message"))
                    })
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gw(listeners: &[(&str, &str)]) -> GatewayInfo {
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

    fn plan(g: GatewayInfo) -> RoutePlan {
        RoutePlan {
            name: "web".into(),
            namespace: "shop".into(),
            hosts: vec!["web.example.com".into()],
            service: "web".into(),
            port: 8080,
            gateway: g,
            dns_prefixes: vec!["external-dns.kubernetes.io/".into()],
        }
    }

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

    #[test]
    fn https_and_http_listeners_give_a_route_and_a_redirect() {
        let r = routes(&plan(gw(&[("http", "HTTP"), ("https", "HTTPS")])));
        assert_eq!(r.len(), 2);
        let main = serde_json::to_value(&r[0]).unwrap();
        assert_eq!(main["apiVersion"], "gateway.networking.k8s.io/v1");
        assert_eq!(main["kind"], "HTTPRoute");
        assert_eq!(
            main["spec"]["parentRefs"],
            json!([{"group": GATEWAY_GROUP, "kind": "Gateway", "name": "public", "namespace": "edge", "sectionName": "https"}])
        );
        assert_eq!(main["spec"]["hostnames"], json!(["web.example.com"]));
        assert_eq!(
            main["spec"]["rules"][0]["backendRefs"],
            json!([{"name": "web", "port": 8080}])
        );
        assert_eq!(
            main["metadata"]["annotations"]["external-dns.kubernetes.io/hostname"],
            "web.example.com"
        );
        let redirect = serde_json::to_value(&r[1]).unwrap();
        assert_eq!(redirect["metadata"]["name"], "web-redirect");
        assert_eq!(
            redirect["metadata"]["labels"]["publish.honban.io/name"],
            "web"
        );
        assert_eq!(redirect["spec"]["parentRefs"][0]["sectionName"], "http");
        assert_eq!(
            redirect["spec"]["rules"][0]["filters"][0]["requestRedirect"]["scheme"],
            "https"
        );
        assert!(redirect["spec"]["rules"][0]["backendRefs"].is_null());
    }

    #[test]
    fn one_kind_of_listener_gives_one_route_on_the_whole_gateway() {
        let r = routes(&plan(gw(&[("http", "HTTP")])));
        assert_eq!(r.len(), 1);
        let v = serde_json::to_value(&r[0]).unwrap();
        assert!(v["spec"]["parentRefs"][0]["sectionName"].is_null());
    }

    #[test]
    fn target_group_from_the_probe() {
        let health = HealthCheck::Probe {
            container: "app".into(),
            path: "/ready".into(),
            port: Some(9000),
            https: false,
            headers: vec![],
        };
        let v = serde_json::to_value(target_group_config("web", "shop", "web", &health)).unwrap();
        assert_eq!(v["kind"], "TargetGroupConfiguration");
        assert_eq!(v["spec"]["targetReference"]["name"], "web");
        let props = &v["spec"]["defaultConfiguration"];
        assert_eq!(props["targetType"], "ip");
        assert_eq!(props["healthCheckConfig"]["healthCheckPath"], "/ready");
        assert_eq!(props["healthCheckConfig"]["healthCheckPort"], "9000");
        assert_eq!(props["healthCheckConfig"]["matcher"]["httpCode"], "200-399");
    }

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

    #[test]
    fn route_status_conditions() {
        let route = json!({"status": {"parents": [{
            "parentRef": {"name": "public", "namespace": "edge", "sectionName": "https"},
            "controllerName": ALB_GATEWAY_CONTROLLER,
            "conditions": [
                {"type": "Accepted", "status": "True", "reason": "Accepted", "message": ""},
                {"type": "ResolvedRefs", "status": "False", "reason": "BackendNotFound", "message": "no svc"}
            ]
        }]}});
        let p = parent_statuses(&route);
        assert_eq!(p[0].parent, "edge/public:https");
        assert!(!p[0].ok());
        assert_eq!(
            p[0].problem().unwrap(),
            "ResolvedRefs=False BackendNotFound: no svc"
        );
        assert!(parent_statuses(&json!({})).is_empty());
    }
}
