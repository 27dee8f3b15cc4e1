//! `kubectl publish status NAME` for an HTTPRoute publish made with `--api
//! gateway`: the route's and the redirect route's verdicts from their
//! parents, the Gateway's address, then the same AWS and reach stages.

use std::time::Duration;

use kube::api::Api;
use kube::core::DynamicObject;
use serde_json::Value;

use super::{Stages, aws, cluster, reach};
use crate::client::api_error;
use crate::error::{Error, Result};
use crate::publish::Session;
use crate::publish::gateway::{self, GatewayInfo};
use crate::publish::report::Line;

pub(super) async fn stages(s: &Session, name: &str, timeout: Duration) -> Result<Stages> {
    let routes: Api<DynamicObject> =
        Api::namespaced_with(s.client.clone(), &s.namespace, &gateway::http_route());
    let route = read_route(s, &routes, name).await?;
    let spec = &route["spec"];
    let hosts: Vec<String> = spec["hostnames"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| h.as_str().map(str::to_string))
        .collect();
    let backend = spec["rules"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| r["backendRefs"].as_array().into_iter().flatten())
        .find_map(|b| b["name"].as_str().map(str::to_string));

    let mut lines = Vec::new();
    lines.push(match &backend {
        Some(b) => cluster::service_stage(&s.client, &s.context, &s.namespace, b).await?,
        None => Line::failed("service", "the HTTPRoute has no Service backend"),
    });
    lines.push(route_stage("route", &route));
    let redirect_name = format!("{name}{}", gateway::REDIRECT_SUFFIX);
    if let Ok(Some(r)) = routes.get_opt(&redirect_name).await {
        lines.push(route_stage(
            "redirect",
            &serde_json::to_value(&r).unwrap_or_default(),
        ));
    }
    let (lb_line, lb) = gateway_stage(s, &spec["parentRefs"][0]).await;
    lines.push(lb_line);

    let certificates = aws::Certificates::Discovered;
    lines.extend(aws::stages(&s.sdk, &hosts, lb.as_deref(), certificates).await);
    lines.extend(reach::stages(&hosts, timeout).await);
    Ok(Stages { hosts, lb, lines })
}

/// The HTTPRoute as JSON; not found (or no HTTPRoute API) is an error.
async fn read_route(s: &Session, routes: &Api<DynamicObject>, name: &str) -> Result<Value> {
    let not_found = || {
        Error::Failed(format!(
            "no Ingress or HTTPRoute {name:?} in namespace {:?}; publish it first: kubectl publish deploy/NAME --host HOST",
            s.namespace
        ))
    };
    let route = match routes.get_opt(name).await {
        Ok(Some(r)) => r,
        Ok(None) => return Err(not_found()),
        // No HTTPRoute API at all.
        Err(kube::Error::Api(e)) if e.code == 404 => return Err(not_found()),
        Err(e) => return Err(api_error(&s.context, e)),
    };
    Ok(serde_json::to_value(&route).unwrap_or_default())
}

/// The first parent Gateway's address: the load balancer stage, and the
/// address when it has one.
async fn gateway_stage(s: &Session, parent: &Value) -> (Line, Option<String>) {
    let gw_name = parent["name"].as_str().unwrap_or_default().to_string();
    let gw_ns = parent["namespace"]
        .as_str()
        .unwrap_or(&s.namespace)
        .to_string();
    let gateways: Api<DynamicObject> =
        Api::namespaced_with(s.client.clone(), &gw_ns, &gateway::gateway());
    match gateways.get_opt(&gw_name).await {
        Ok(Some(g)) => {
            let info = GatewayInfo::from_object(&g);
            let line = match &info.address {
                Some(a) => Line::ok("load balancer", format!("Gateway {}: {a}", info.id())),
                None => Line::failed(
                    "load balancer",
                    format!(
                        "no load balancer yet: Gateway {} has no address (the controller has not made its ALB)",
                        info.id()
                    ),
                ),
            };
            (line, info.address)
        }
        Ok(None) => (
            Line::failed(
                "load balancer",
                format!("Gateway {gw_ns}/{gw_name} does not exist"),
            ),
            None,
        ),
        Err(e) => (
            Line::failed(
                "load balancer",
                format!("cannot read Gateway {gw_ns}/{gw_name}: {e}"),
            ),
            None,
        ),
    }
}

/// One ✓/✗ line from a route's `status.parents`, counting only verdicts on
/// the route's current generation: after publish changes the route, the
/// status still holds the controller's word on the previous spec.
fn route_stage(stage: &str, route: &serde_json::Value) -> Line {
    let parents = parent_statuses(route);
    let generation = route["metadata"]["generation"].as_i64();
    if parents.is_empty() {
        return Line::failed(
            stage,
            "not accepted yet: no controller has reported on the route (status.parents is empty)",
        );
    }
    let problems: Vec<String> = parents
        .iter()
        .filter_map(|p| {
            p.problem(generation)
                .map(|why| format!("{}: {why}", p.parent))
        })
        .collect();
    let controllers: std::collections::BTreeSet<&str> =
        parents.iter().map(|p| p.controller.as_str()).collect();
    if problems.is_empty() {
        Line::ok(
            stage,
            format!(
                "Accepted and ResolvedRefs on {} by {}",
                parents
                    .iter()
                    .map(|p| p.parent.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                controllers.into_iter().collect::<Vec<_>>().join(", ")
            ),
        )
    } else {
        Line::failed(stage, problems.join("; "))
    }
}

/// One parent's verdict from a route's `status.parents`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ParentStatus {
    parent: String,
    controller: String,
    /// (type, status, reason, message) of Accepted and ResolvedRefs.
    conditions: Vec<(String, String, String, String)>,
    /// The oldest route generation those conditions were written for, when
    /// they say (`observedGeneration`).
    observed: Option<i64>,
}

impl ParentStatus {
    // Only the tests ask for the verdict alone; the stage wants the problem.
    #[cfg(test)]
    fn ok(&self) -> bool {
        ["Accepted", "ResolvedRefs"].iter().all(|t| {
            self.conditions
                .iter()
                .any(|(ty, st, _, _)| ty == t && st == "True")
        })
    }

    /// The first condition that is not True, or that speaks of an older
    /// generation of the route than `generation`, as text.
    fn problem(&self, generation: Option<i64>) -> Option<String> {
        if let (Some(seen), Some(now)) = (self.observed, generation)
            && seen < now
        {
            return Some(format!(
                "not accepted yet: the controller's verdict is for generation {seen}, the route is at {now} (it has not seen the latest change)"
            ));
        }
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

fn parent_statuses(route: &Value) -> Vec<ParentStatus> {
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
            let conditions: Vec<&Value> = p["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|c| matches!(c["type"].as_str(), Some("Accepted" | "ResolvedRefs")))
                .collect();
            ParentStatus {
                parent,
                controller: p["controllerName"].as_str().unwrap_or_default().to_string(),
                observed: conditions
                    .iter()
                    .filter_map(|c| c["observedGeneration"].as_i64())
                    .min(),
                conditions: conditions
                    .iter()
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
    use crate::publish::gateway::ALB_GATEWAY_CONTROLLER;
    use serde_json::json;

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
            p[0].problem(None).unwrap(),
            "ResolvedRefs=False BackendNotFound: no svc"
        );
        assert!(parent_statuses(&json!({})).is_empty());
    }
}
