//! `kubectl publish KIND/NAME --api gateway`: the Service, an HTTPRoute (and
//! its HTTP→HTTPS redirect route) on the ALB controller's Gateway, and a
//! TargetGroupConfiguration; and what about the Gateway, its certificates
//! and external-dns would keep the route from serving.

use k8s_openapi::api::networking::v1::Ingress;
use kube::api::Api;

use super::Session;
use super::apply::Object;
use super::args::PublishArgs;
use super::backend::{self, Backend};
use super::cert;
use super::cloud::Cloud;
use super::controllers::{self, Found};
use super::gateway::{self, GatewayInfo};
use super::input::Publication;
use super::{build, write};
use crate::error::Result;
use crate::output::{self, Palette};

pub(crate) async fn publish(s: &Session, args: &PublishArgs, p: &Publication) -> Result<u8> {
    let flags = &args.publish;
    let palette = Palette::for_stderr(args.global.color);
    // Before anything else: without the CRDs nothing is read or written.
    let apis = gateway::check_api(&s.client, gateway::GATEWAY_GROUP).await?;
    let (backend, found, scan) = tokio::join!(
        backend::read(s, &p.target, flags.port.as_deref(), &p.name),
        gateway::find_gateway(
            &s.client,
            &s.context,
            flags.gateway.as_deref(),
            &s.namespace
        ),
        controllers::scan(&s.client)
    );
    let backend = backend?;
    let (gw, warnings) = found?;
    let mut known = write::check_not_foreign(s, &p.name, backend.service.is_some(), false).await?;
    report_gateway(s, &gw, warnings, p, palette).await;
    let mut certificates_pinned = false;
    if apis.load_balancer_configuration {
        let lb = gateway::load_balancer_notes(&s.client, &gw, flags.internal).await;
        lb.notes.into_iter().for_each(output::note);
        for w in lb.warnings {
            output::warn(palette, w);
        }
        certificates_pinned = lb.certificates_pinned;
    } else {
        output::warn(
            palette,
            format!(
                "scheme, TLS policy and certificates belong to the Gateway; the LoadBalancerConfiguration CRD is not installed, so Gateway {}'s ALB has the controller's defaults (scheme internal)",
                gw.id()
            ),
        );
    }
    // The listener discovers ACM certificates from the route's hostnames:
    // say which one it will find, without making it a precondition.
    if !certificates_pinned {
        report_discovered_certificates(s, &p.hosts, palette).await;
    }
    let dns = controllers::dns_prefixes(&scan.external_dns);
    output::note(dns.reason.clone());
    warn_external_dns_sources(&scan.external_dns, palette);

    let service_name = backend.service_name.clone();
    let plan = gateway::RoutePlan {
        name: p.name.clone(),
        namespace: s.namespace.clone(),
        hosts: p.hosts.clone(),
        service: service_name,
        port: backend.port,
        gateway: gw,
        dns_prefixes: dns.prefixes,
    };
    let objects = objects(
        s,
        args,
        &plan,
        backend,
        apis.target_group_configuration,
        palette,
    );
    write::check_custom_not_foreign(s, &p.name, &objects, &mut known).await?;
    write::write_objects(s, args, &objects, known, &p.name).await
}

/// The Gateway chosen, what keeps it from taking the route, and an Ingress
/// an earlier publish left.
async fn report_gateway(
    s: &Session,
    gw: &GatewayInfo,
    warnings: Vec<String>,
    p: &Publication,
    palette: Palette,
) {
    output::note(format!(
        "gateway: {} (class {}){}",
        gw.id(),
        gw.class,
        gw.address
            .as_ref()
            .map(|a| format!(", address {a}"))
            .unwrap_or_default()
    ));
    for w in warnings {
        output::warn(palette, w);
    }
    let mismatched = gw.hostname_mismatches(&p.hosts);
    if !mismatched.is_empty() {
        output::warn(
            palette,
            format!(
                "Gateway {} listeners {} take no route for {}: the route is not accepted there",
                gw.id(),
                mismatched.join(", "),
                p.hosts.join(", ")
            ),
        );
    }
    // An Ingress from an earlier publish under this name would keep its own ALB.
    let name = &p.name;
    if let Ok(Some(ing)) = Api::<Ingress>::namespaced(s.client.clone(), &s.namespace)
        .get_opt(name)
        .await
        && build::is_ours(ing.metadata.labels.as_ref(), name)
    {
        output::warn(
            palette,
            format!(
                "ingress {name:?} from an earlier publish still routes to its own ALB; delete it with `kubectl delete ingress {name} -n {}` once the route serves",
                s.namespace
            ),
        );
    }
}

/// Which ACM certificate the HTTPS listener will discover for each host.
async fn report_discovered_certificates(s: &Session, hosts: &[String], palette: Palette) {
    let cloud = match Cloud::connect(&s.sdk).await {
        Ok(cloud) => cloud,
        Err(e) => return output::warn(palette, format!("certificates not checked: {e}")),
    };
    let certs = match cert::list_candidates(&cloud.acm(), hosts).await {
        Ok(certs) => certs,
        Err(e) => return output::warn(palette, format!("certificates not checked: {e}")),
    };
    let now = crate::aws::time::now();
    for h in hosts {
        match cert::choose(&certs, h, now) {
            Ok(c) => output::note(format!(
                "the Gateway's HTTPS listener discovers the {}",
                c.reason(now)
            )),
            Err(why) => output::warn(
                palette,
                format!(
                    "{why} in {}: the HTTPS listener will have no certificate for it",
                    cloud.region
                ),
            ),
        }
    }
}

/// external-dns writes records for HTTPRoutes only with their source on.
fn warn_external_dns_sources(
    external_dns: &std::result::Result<Vec<Found>, String>,
    palette: Palette,
) {
    let gateway_source = "gateway-httproute";
    match external_dns {
        Ok(list) if !list.is_empty() => {
            for f in list {
                if !f.flag("source").iter().any(|s| s == gateway_source) {
                    output::warn(
                        palette,
                        format!(
                            "external-dns {} does not read HTTPRoutes; add --source={gateway_source} to its args",
                            f.id()
                        ),
                    );
                }
            }
        }
        _ => output::note(format!(
            "external-dns reads HTTPRoute hostnames only with --source={gateway_source}"
        )),
    }
}

/// The namespace label and Service, the routes, and the target group
/// configuration when its CRD is installed.
fn objects(
    s: &Session,
    args: &PublishArgs,
    plan: &gateway::RoutePlan,
    backend: Backend,
    target_group_configuration: bool,
    palette: Palette,
) -> Vec<Object> {
    let mut objects = write::leading_objects(s, &args.publish, backend.service.clone());
    let routes = gateway::routes(plan);
    if routes.len() > 1 {
        output::note(format!(
            "HTTP listeners redirect to HTTPS through route {}{}",
            plan.name,
            gateway::REDIRECT_SUFFIX
        ));
    }
    for r in routes {
        objects.push(Object::Custom(Box::new(r), Box::new(gateway::http_route())));
    }
    if target_group_configuration {
        backend.report_health(palette);
        objects.push(Object::Custom(
            Box::new(gateway::target_group_config(
                &plan.name,
                &s.namespace,
                &backend.service_name,
                &backend.health,
            )),
            Box::new(gateway::target_group_configuration()),
        ));
    } else {
        output::warn(
            palette,
            format!(
                "ip targets and the health check from the readiness probe are not set: the ALB controller's TargetGroupConfiguration CRD is not installed ({}); the controller's defaults apply (instance targets, which need a NodePort Service)",
                gateway::LBC_CRDS_HINT
            ),
        );
    }
    objects
}
