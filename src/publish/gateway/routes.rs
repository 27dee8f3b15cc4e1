//! The objects `publish --api gateway` makes: the HTTPRoute to the Service
//! (and the one redirecting HTTP to HTTPS), and a TargetGroupConfiguration
//! with ip targets and the health check from the readiness probe.

use std::collections::BTreeMap;

use kube::core::{ApiResource, DynamicObject, ObjectMeta};
use serde_json::{Value, json};

use super::find::GatewayInfo;
use super::{GATEWAY_GROUP, REDIRECT_SUFFIX, http_route, target_group_configuration};
use crate::publish::build::{SUCCESS_CODES, labels};
use crate::publish::workload::HealthCheck;

/// Everything the routes are made from.
#[derive(Debug, Clone)]
pub(crate) struct RoutePlan {
    pub(crate) name: String,
    pub(crate) namespace: String,
    pub(crate) hosts: Vec<String>,
    pub(crate) service: String,
    pub(crate) port: i32,
    pub(crate) gateway: GatewayInfo,
    pub(crate) dns_prefixes: Vec<String>,
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
pub(crate) fn routes(plan: &RoutePlan) -> Vec<DynamicObject> {
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
pub(crate) fn target_group_config(
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

#[cfg(test)]
mod tests {
    use super::super::find::fixture::gw;
    use super::*;

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
}
