//! `kubectl publish status NAME`: each stage between the Ingress and a
//! working HTTPS name, with ✓ or ✗ and the reason: Service endpoints, the
//! controller's load balancer, the certificate, the Route 53 record and its
//! owner, target health, DNS resolution and an HTTPS request.

use std::time::Duration;

use k8s_openapi::api::core::v1::{Event, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::networking::v1::Ingress;
use kube::api::{Api, ListParams};
use kube::core::DynamicObject;
use serde::Serialize;

use super::build::ALB;
use super::cloud::Cloud;
use super::report::{self, Line};
use super::{AwsFlags, Session, cert, gateway, net, with_session};
use crate::aws::time;
use crate::cli::GlobalArgs;
use crate::client::api_error;
use crate::error::{Error, Result, exit};
use crate::output::{self, Format, Palette};

#[derive(Debug, Clone, Default)]
pub struct StatusRequest {
    pub name: String,
    /// For the DNS lookup and the HTTPS request, each.
    pub timeout: Duration,
    pub aws: AwsFlags,
    pub global: GlobalArgs,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Report {
    name: String,
    namespace: String,
    hosts: Vec<String>,
    load_balancer: Option<String>,
    ready: bool,
    stages: Vec<Line>,
}

pub fn status(req: StatusRequest) -> Result<u8> {
    let global = req.global.clone();
    with_session(&global, &req.aws.clone(), |s| async move {
        let ingress = Api::<Ingress>::namespaced(s.client.clone(), &s.namespace)
            .get_opt(&req.name)
            .await
            .map_err(|e| api_error(&s.context, e))?;
        let Some(ingress) = ingress else {
            return route_status(&s, &req).await;
        };
        let spec = ingress.spec.clone().unwrap_or_default();
        let rules = spec.rules.clone().unwrap_or_default();
        let hosts: Vec<String> = rules.iter().filter_map(|r| r.host.clone()).collect();
        let backend = rules
            .iter()
            .filter_map(|r| r.http.as_ref())
            .flat_map(|h| h.paths.iter())
            .find_map(|p| p.backend.service.clone())
            .or_else(|| {
                spec.default_backend
                    .as_ref()
                    .and_then(|b| b.service.clone())
            });
        let annotations = ingress.metadata.annotations.clone().unwrap_or_default();
        let lb = ingress
            .status
            .as_ref()
            .and_then(|st| st.load_balancer.as_ref())
            .and_then(|lb| lb.ingress.as_ref())
            .and_then(|v| v.first())
            .and_then(|i| i.hostname.clone().or_else(|| i.ip.clone()));
        let many = hosts.len() > 1;
        let named = |stage: &str, host: &str| {
            if many {
                format!("{stage} {host}")
            } else {
                stage.to_string()
            }
        };

        let mut stages = Vec::new();
        stages.push(match &backend {
            Some(b) => service_stage(&s.client, &s.context, &s.namespace, &b.name).await?,
            None => Line::failed("service", "the Ingress has no Service backend"),
        });
        stages.push(match &lb {
            Some(h) => Line::ok("load balancer", format!("admitted by the controller: {h}")),
            None => {
                let event = last_warning(&s.client, &s.namespace, &req.name).await;
                Line::failed(
                    "load balancer",
                    match event {
                        Some(e) => format!("no load balancer yet; last warning: {e}"),
                        None => {
                            "no load balancer yet (the controller has not admitted the Ingress)"
                                .into()
                        }
                    },
                )
            }
        });

        match connect(&s.sdk).await {
            Err(e) => stages.push(e),
            Ok(cloud) => {
                stages.push(certificate_stage(&cloud, &annotations, &hosts).await);
                let internal = annotations
                    .get(&format!("{ALB}scheme"))
                    .is_some_and(|v| v == "internal");
                for h in &hosts {
                    stages.push(
                        dns_record_stage(
                            &cloud,
                            h,
                            lb.as_deref(),
                            internal,
                            named("dns record", h),
                        )
                        .await,
                    );
                }
                stages.push(targets_stage(&cloud, lb.as_deref()).await);
            }
        }

        stages.extend(reach_stages(&hosts, req.timeout).await);

        finish(&req, &s.namespace, hosts, lb, stages)
    })
}

/// The AWS connection for the AWS stages, or the one line that says why
/// there is none (missing credentials fail every stage the same way).
async fn connect(sdk: &crate::aws::sdk::SdkOptions) -> std::result::Result<Cloud, Line> {
    let not_checked = |e: String| Line::failed("aws", format!("AWS stages not checked: {e}"));
    let cloud = Cloud::connect(sdk)
        .await
        .map_err(|e| not_checked(e.to_string()))?;
    cloud.credentials().await.map_err(|cause| {
        not_checked(format!(
            "no AWS credentials ({cause}); {}",
            super::cloud::CREDENTIALS_FIX
        ))
    })?;
    Ok(cloud)
}

fn finish(
    req: &StatusRequest,
    namespace: &str,
    hosts: Vec<String>,
    lb: Option<String>,
    stages: Vec<Line>,
) -> Result<u8> {
    let ready = report::all_ok(&stages);
    let report = Report {
        name: req.name.clone(),
        namespace: namespace.to_string(),
        hosts,
        load_balancer: lb,
        ready,
        stages,
    };
    match req.global.output {
        Some(Format::Json) => output::print_json(&report)?,
        Some(Format::Yaml) => output::print_yaml(&report)?,
        _ => output::print_lines(report::render(
            &report.stages,
            Palette::for_stdout(req.global.color),
        ))?,
    }
    Ok(if ready { exit::OK } else { exit::FAILURE })
}

/// One ✓/✗ line from a route's `status.parents`.
fn route_stage(stage: &str, route: &serde_json::Value) -> Line {
    let parents = gateway::parent_statuses(route);
    if parents.is_empty() {
        return Line::failed(
            stage,
            "not accepted yet: no controller has reported on the route (status.parents is empty)",
        );
    }
    let problems: Vec<String> = parents
        .iter()
        .filter_map(|p| p.problem().map(|why| format!("{}: {why}", p.parent)))
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

/// `status` for an HTTPRoute publish made with `--api gateway`.
async fn route_status(s: &Session, req: &StatusRequest) -> Result<u8> {
    let not_found = || {
        Error::Failed(format!(
            "no Ingress or HTTPRoute {:?} in namespace {:?}; publish it first: kubectl publish deploy/NAME --host HOST",
            req.name, s.namespace
        ))
    };
    let routes: Api<DynamicObject> =
        Api::namespaced_with(s.client.clone(), &s.namespace, &gateway::http_route());
    let route = match routes.get_opt(&req.name).await {
        Ok(Some(r)) => r,
        Ok(None) => return Err(not_found()),
        // No HTTPRoute API at all.
        Err(kube::Error::Api(e)) if e.code == 404 => return Err(not_found()),
        Err(e) => return Err(api_error(&s.context, e)),
    };
    let route = serde_json::to_value(&route).unwrap_or_default();
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

    let mut stages = Vec::new();
    stages.push(match &backend {
        Some(b) => service_stage(&s.client, &s.context, &s.namespace, b).await?,
        None => Line::failed("service", "the HTTPRoute has no Service backend"),
    });
    stages.push(route_stage("route", &route));
    let redirect_name = format!("{}{}", req.name, gateway::REDIRECT_SUFFIX);
    if let Ok(Some(r)) = routes.get_opt(&redirect_name).await {
        stages.push(route_stage(
            "redirect",
            &serde_json::to_value(&r).unwrap_or_default(),
        ));
    }

    let parent = &spec["parentRefs"][0];
    let gw_name = parent["name"].as_str().unwrap_or_default().to_string();
    let gw_ns = parent["namespace"]
        .as_str()
        .unwrap_or(&s.namespace)
        .to_string();
    let gateways: Api<DynamicObject> =
        Api::namespaced_with(s.client.clone(), &gw_ns, &gateway::gateway());
    let lb = match gateways.get_opt(&gw_name).await {
        Ok(Some(g)) => {
            let info = gateway::GatewayInfo::from_object(&g);
            stages.push(match &info.address {
                Some(a) => Line::ok("load balancer", format!("Gateway {}: {a}", info.id())),
                None => Line::failed(
                    "load balancer",
                    format!(
                        "no load balancer yet: Gateway {} has no address (the controller has not made its ALB)",
                        info.id()
                    ),
                ),
            });
            info.address
        }
        Ok(None) => {
            stages.push(Line::failed(
                "load balancer",
                format!("Gateway {gw_ns}/{gw_name} does not exist"),
            ));
            None
        }
        Err(e) => {
            stages.push(Line::failed(
                "load balancer",
                format!("cannot read Gateway {gw_ns}/{gw_name}: {e}"),
            ));
            None
        }
    };

    match connect(&s.sdk).await {
        Err(e) => stages.push(e),
        Ok(cloud) => {
            stages.push(discovered_certificate_stage(&cloud, &hosts).await);
            let many = hosts.len() > 1;
            for h in &hosts {
                let name = if many {
                    format!("dns record {h}")
                } else {
                    "dns record".into()
                };
                stages.push(dns_record_stage(&cloud, h, lb.as_deref(), false, name).await);
            }
            stages.push(targets_stage(&cloud, lb.as_deref()).await);
        }
    }
    stages.extend(reach_stages(&hosts, req.timeout).await);
    finish(req, &s.namespace, hosts, lb, stages)
}

/// The certificates a Gateway's HTTPS listener discovers for the hosts.
async fn discovered_certificate_stage(cloud: &Cloud, hosts: &[String]) -> Line {
    let now = time::now();
    match cert::list_candidates(&cloud.acm(), hosts).await {
        Err(e) => Line::failed("certificate", e.to_string()),
        Ok(certs) => {
            let picks: Vec<_> = hosts.iter().map(|h| cert::choose(&certs, h, now)).collect();
            if picks.iter().all(|p| p.is_ok()) {
                Line::ok(
                    "certificate",
                    picks
                        .into_iter()
                        .filter_map(|p| p.ok())
                        .map(|c| c.reason(now))
                        .collect::<Vec<_>>()
                        .join("; "),
                )
            } else {
                Line::failed(
                    "certificate",
                    picks
                        .into_iter()
                        .filter_map(|p| p.err())
                        .collect::<Vec<_>>()
                        .join("; "),
                )
            }
        }
    }
}

/// DNS resolution and an HTTPS request, per host.
async fn reach_stages(hosts: &[String], timeout: Duration) -> Vec<Line> {
    let many = hosts.len() > 1;
    let named = |stage: &str, host: &str| {
        if many {
            format!("{stage} {host}")
        } else {
            stage.to_string()
        }
    };
    let mut stages = Vec::new();
    let http = net::client();
    for h in hosts {
        let resolved = net::resolve(h, timeout).await;
        match &resolved {
            Ok(ips) if !ips.is_empty() => stages.push(Line::ok(
                named("resolve", h),
                format!(
                    "{h} → {}",
                    ips.iter()
                        .map(|i| i.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
            Ok(_) => stages.push(Line::failed(
                named("resolve", h),
                format!("{h} has no addresses"),
            )),
            Err(e) => stages.push(Line::failed(
                named("resolve", h),
                format!("{h} does not resolve: {e}"),
            )),
        }
        let line = match (&resolved, &http) {
            (Ok(ips), Ok(client)) if !ips.is_empty() => {
                match net::probe_https(client, h, timeout).await {
                    Ok((code, took)) if (200..400).contains(&code) => Line::ok(
                        named("https", h),
                        format!("GET https://{h}/ → {code} in {} ms", took.as_millis()),
                    ),
                    Ok((code, _)) => {
                        Line::failed(named("https", h), format!("GET https://{h}/ → {code}"))
                    }
                    Err(e) => {
                        Line::failed(named("https", h), format!("GET https://{h}/ failed: {e}"))
                    }
                }
            }
            (Ok(ips), Err(e)) if !ips.is_empty() => Line::failed(named("https", h), e.clone()),
            _ => Line::skipped(named("https", h), format!("skipped: {h} does not resolve")),
        };
        stages.push(line);
    }

    stages
}

async fn service_stage(client: &kube::Client, context: &str, ns: &str, name: &str) -> Result<Line> {
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
async fn last_warning(client: &kube::Client, ns: &str, name: &str) -> Option<String> {
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

async fn certificate_stage(
    cloud: &Cloud,
    annotations: &std::collections::BTreeMap<String, String>,
    hosts: &[String],
) -> Line {
    let now = time::now();
    let acm = cloud.acm();
    if let Some(arns) = annotations.get(&format!("{ALB}certificate-arn")) {
        let mut parts = Vec::new();
        let mut ok = true;
        for arn in arns.split(',').map(str::trim).filter(|a| !a.is_empty()) {
            match cert::describe(&acm, arn).await {
                Ok(c) => {
                    let days = c.not_after.map(|t| (t - now).div_euclid(86_400));
                    let good = c.status == "ISSUED" && days.is_some_and(|d| d >= 0);
                    ok &= good;
                    parts.push(match days {
                        Some(d) if d >= 0 => format!("{arn}: {}, {d} days to expiry", c.status),
                        Some(d) => format!("{arn}: {}, expired {} days ago", c.status, -d),
                        None => format!("{arn}: {}", c.status),
                    });
                }
                Err(e) => {
                    ok = false;
                    parts.push(e.to_string());
                }
            }
        }
        let detail = parts.join("; ");
        return if ok {
            Line::ok("certificate", detail)
        } else {
            Line::failed("certificate", detail)
        };
    }
    if annotations
        .get(&format!("{ALB}create-acm-cert"))
        .is_some_and(|v| v == "true")
    {
        return match cert::list_candidates(&acm, hosts).await {
            Err(e) => Line::failed("certificate", e.to_string()),
            Ok(certs) => {
                let picks: Vec<_> = hosts.iter().map(|h| cert::choose(&certs, h, now)).collect();
                if picks.iter().all(|p| p.is_ok()) {
                    Line::ok(
                        "certificate",
                        picks
                            .into_iter()
                            .filter_map(|p| p.ok())
                            .map(|c| c.reason(now))
                            .collect::<Vec<_>>()
                            .join("; "),
                    )
                } else {
                    Line::failed(
                        "certificate",
                        format!(
                            "requested through the ALB controller, not issued yet: {}",
                            picks
                                .into_iter()
                                .filter_map(|p| p.err())
                                .collect::<Vec<_>>()
                                .join("; ")
                        ),
                    )
                }
            }
        };
    }
    Line::skipped(
        "certificate",
        "no certificate-arn on the Ingress: the ALB controller discovers certificates",
    )
}

/// Parses `heritage=external-dns,external-dns/owner=X,…` (quoted in Route 53).
fn txt_owner(value: &str) -> Option<String> {
    let v = value.trim().trim_matches('"');
    if !v.contains("heritage=external-dns") {
        return None;
    }
    v.split(',')
        .find_map(|kv| kv.strip_prefix("external-dns/owner="))
        .map(str::to_string)
        .or_else(|| Some("unknown".into()))
}

async fn dns_record_stage(
    cloud: &Cloud,
    host: &str,
    lb: Option<&str>,
    internal: bool,
    name: String,
) -> Line {
    let zone = match cloud.hosted_zone(host, internal).await {
        Err(e) => return Line::failed(name, e.to_string()),
        Ok(None) => return Line::failed(name, format!("no Route 53 hosted zone for {host}")),
        Ok(Some(z)) => z,
    };
    let records = match cloud.records(&zone.id, host).await {
        Err(e) => return Line::failed(name, e.to_string()),
        Ok(r) => r,
    };
    let Some(record) = records
        .iter()
        .find(|r| matches!(r.kind.as_str(), "A" | "AAAA" | "CNAME"))
    else {
        return Line::failed(
            name,
            format!(
                "no A record for {host} in zone {} yet (external-dns has not written it)",
                zone.name
            ),
        );
    };
    let points_to = record
        .alias
        .clone()
        .or_else(|| {
            record
                .values
                .first()
                .map(|v| v.trim_end_matches('.').to_string())
        })
        .unwrap_or_default();
    if let Some(lb) = lb {
        let lb = lb.trim_end_matches('.').to_ascii_lowercase();
        let target = points_to.trim_start_matches("dualstack.");
        if target != lb.trim_start_matches("dualstack.") {
            return Line::failed(
                name,
                format!(
                    "{} {host} points at {points_to}, not the load balancer {lb}",
                    record.kind
                ),
            );
        }
    }
    let mut owner = None;
    for txt_name in [
        format!("a-{host}"),
        format!("cname-{host}"),
        host.to_string(),
    ] {
        if let Ok(txts) = cloud.records(&zone.id, &txt_name).await {
            owner = txts
                .iter()
                .filter(|r| r.kind == "TXT")
                .flat_map(|r| r.values.iter())
                .find_map(|v| txt_owner(v));
            if owner.is_some() {
                break;
            }
        }
    }
    let kind = if record.alias.is_some() {
        format!("{} ALIAS", record.kind)
    } else {
        record.kind.clone()
    };
    match owner {
        Some(o) => Line::ok(
            name,
            format!(
                "{kind} {host} → {points_to} in zone {}; owner TXT: external-dns/owner={o}{}",
                zone.name,
                if lb.is_none() {
                    " (not compared: the Ingress has no load balancer yet)"
                } else {
                    ""
                }
            ),
        ),
        None => Line::failed(
            name,
            format!(
                "{kind} {host} → {points_to}, but no external-dns owner TXT record: external-dns will not update it"
            ),
        ),
    }
}

async fn targets_stage(cloud: &Cloud, lb: Option<&str>) -> Line {
    let Some(lb) = lb else {
        return Line::skipped("targets", "no load balancer yet");
    };
    let found = match cloud.load_balancer(lb).await {
        Err(e) => return Line::failed("targets", e.to_string()),
        Ok(None) => {
            return Line::skipped(
                "targets",
                format!("load balancer {lb} not found in ELBv2 in {}", cloud.region),
            );
        }
        Ok(Some(f)) => f,
    };
    match cloud.target_health(&found.arn).await {
        Err(e) => Line::failed("targets", e.to_string()),
        Ok(h) if h.total == 0 => Line::failed(
            "targets",
            format!(
                "{}: no targets registered in {} target group(s)",
                found.name, h.groups
            ),
        ),
        Ok(h) if h.healthy == h.total => Line::ok(
            "targets",
            format!(
                "{} ({}): {}/{} healthy in {} target group(s)",
                found.name, found.scheme, h.healthy, h.total, h.groups
            ),
        ),
        Ok(h) => Line::failed(
            "targets",
            format!(
                "{}: {}/{} healthy; {}",
                found.name,
                h.healthy,
                h.total,
                h.reasons
                    .iter()
                    .map(|(r, n)| format!("{n} {r}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_txt() {
        assert_eq!(
            txt_owner("\"heritage=external-dns,external-dns/owner=prod,external-dns/resource=ingress/shop/web\"")
                .as_deref(),
            Some("prod")
        );
        assert_eq!(txt_owner("\"v=spf1 -all\""), None);
    }
}
