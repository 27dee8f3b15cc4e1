//! `kubectl publish`: put a workload on the internet on AWS in one command.
//!
//! `publish KIND/NAME --host HOST` server-side applies (field manager
//! `honban`) a Service inferred from the workload as `kubectl expose` does,
//! and an Ingress for the AWS Load Balancer Controller with safe defaults:
//! internet-facing, ip targets, HTTP:80 redirected to HTTPS:443, a TLS 1.3
//! policy, the health check copied from the readiness probe, one pinned ACM
//! certificate chosen by stated rules, and the external-dns hostname under
//! the prefix the installed external-dns reads. Both objects carry the labels
//! `app.kubernetes.io/managed-by=kubectl-publish` and
//! `publish.honban.io/name=NAME`, which is how `unpublish` finds exactly them.
//!
//! Every check on the input, the cluster and ACM runs before the first write,
//! and the writes are tried as a server dry run first, so bad input leaves
//! nothing behind.
//!
//! `--api gateway` makes an HTTPRoute on the ALB controller's Gateway instead
//! of the Ingress (see [`gateway`]); status, unpublish and doctor know both.
//!
//! Modules: [`commands`] (the plugin's command line), [`input`] (flags),
//! [`workload`] (expose-style inference, health check), [`build`] (objects),
//! [`cert`] (ACM choice), [`controllers`] (ALB controller, IngressClass,
//! external-dns), [`gateway`] (Gateway API routes), [`apply`] (server-side
//! apply, dry run, diff), [`cloud`] (AWS calls), [`net`] (DNS, HTTPS),
//! [`status`], [`doctor`], [`report`] (✓/✗ lines).

pub mod apply;
pub mod build;
pub mod cert;
pub mod cloud;
pub mod commands;
pub mod controllers;
pub mod doctor;
pub mod gateway;
pub mod input;
pub mod net;
pub mod report;
pub mod status;
pub mod workload;

use std::future::Future;

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{PodTemplateSpec, Service};
use k8s_openapi::api::networking::v1::Ingress;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::api::{Api, DeleteParams, ListParams};
use kube::{Resource, ResourceExt};

use crate::aws::sdk::SdkOptions;
use crate::cli::GlobalArgs;
use crate::client::{self, api_error};
use crate::error::{Error, Result, exit};
use crate::kubeconfig::Kubeconfig;
use crate::output::{self, Format, Palette};

use apply::{Applier, Object};
use build::{Certificate, IngressPlan};
use cloud::Cloud;
use input::{Target, TargetKind};
use workload::HealthCheck;

/// `--profile` and `--region` for the AWS calls.
#[derive(Debug, Clone, Default)]
pub struct AwsFlags {
    pub profile: Option<String>,
    pub region: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DryRun {
    /// Build the objects and print them; no API writes.
    Client,
    /// The API server checks every write and changes nothing.
    Server,
}

/// `kubectl publish KIND/NAME --host HOST …`
#[derive(Debug, Clone, Default)]
pub struct PublishRequest {
    pub target: String,
    pub hosts: Vec<String>,
    pub name: Option<String>,
    pub port: Option<String>,
    pub class: Option<String>,
    pub internal: bool,
    pub group: Option<String>,
    pub waf_acl: Option<String>,
    pub tags: Vec<String>,
    pub cert_arn: Vec<String>,
    pub create_cert: bool,
    pub readiness_gate: bool,
    pub dry_run: Option<DryRun>,
    pub diff: bool,
    pub force_conflicts: bool,
    /// Ingress (the default) or a Gateway API HTTPRoute.
    pub api: RouteApi,
    /// `--gateway NAME[/NAMESPACE]` for `--api gateway`.
    pub gateway: Option<String>,
    pub aws: AwsFlags,
    pub global: GlobalArgs,
}

/// Which API routes traffic to the Service.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RouteApi {
    #[default]
    Ingress,
    Gateway,
}

/// A connected client and what the AWS side needs from the kubeconfig.
pub struct Session {
    pub client: kube::Client,
    pub context: String,
    pub namespace: String,
    pub sdk: SdkOptions,
}

/// Connects and runs `body` on a single-threaded runtime.
fn with_session<F, Fut>(global: &GlobalArgs, aws: &AwsFlags, body: F) -> Result<u8>
where
    F: FnOnce(Session) -> Fut,
    Fut: Future<Output = Result<u8>>,
{
    let kc = Kubeconfig::load(global.kubeconfig.as_deref())?;
    for w in &kc.warnings {
        output::warn(Palette::for_stderr(global.color), w);
    }
    let rt = client::runtime()?;
    rt.block_on(async {
        let conn = client::connect(&kc, global).await?;
        body(Session {
            client: conn.client,
            context: conn.context,
            namespace: conn.namespace,
            sdk: SdkOptions {
                profile: aws.profile.clone(),
                region: aws.region.clone(),
                server: Some(conn.server),
                operation_timeout: None,
            },
        })
        .await
    })
}

/// Where the Ingress sends traffic, and the Service to make (none for svc/).
struct Backend {
    service: Option<Service>,
    service_name: String,
    port: i32,
    health: HealthCheck,
}

fn not_found(kind: TargetKind, name: &str, namespace: &str) -> Error {
    Error::Failed(format!(
        "{} {name:?} not found in namespace {namespace:?}; check the name, or pass -n NAMESPACE",
        kind.resource()
    ))
}

async fn read_backend(
    s: &Session,
    target: &Target,
    port_flag: Option<&str>,
    name: &str,
) -> Result<Backend> {
    let ns = &s.namespace;
    let what = format!("{} {:?}", target.kind.resource(), target.name);
    let template_and_selector = match target.kind {
        TargetKind::Deployment => {
            let d = Api::<Deployment>::namespaced(s.client.clone(), ns)
                .get_opt(&target.name)
                .await
                .map_err(|e| api_error(&s.context, e))?
                .ok_or_else(|| not_found(target.kind, &target.name, ns))?;
            let spec = d.spec.unwrap_or_default();
            Some((spec.template, spec.selector))
        }
        TargetKind::StatefulSet => {
            let d = Api::<StatefulSet>::namespaced(s.client.clone(), ns)
                .get_opt(&target.name)
                .await
                .map_err(|e| api_error(&s.context, e))?
                .ok_or_else(|| not_found(target.kind, &target.name, ns))?;
            let spec = d.spec.unwrap_or_default();
            Some((spec.template, spec.selector))
        }
        TargetKind::Service => None,
    };
    if let Some((template, selector)) = template_and_selector {
        let selector = workload::service_selector(target.kind, &target.name, Some(&selector))?;
        let container_ports = workload::container_ports(&template);
        if container_ports.is_empty() {
            return Err(Error::Failed(format!(
                "{what} declares no container ports; add a containerPort to its pod template, or create a Service and publish svc/NAME"
            )));
        }
        let ports = workload::service_ports(&container_ports);
        let chosen = workload::choose_port(&what, &ports, port_flag)?.clone();
        let target_port = chosen
            .target_port
            .clone()
            .unwrap_or(IntOrString::Int(chosen.port));
        let health = health_for(&template, &target_port);
        return Ok(Backend {
            service: Some(build::service(name, ns, selector, ports)),
            service_name: name.to_string(),
            port: chosen.port,
            health,
        });
    }
    let svc = Api::<Service>::namespaced(s.client.clone(), ns)
        .get_opt(&target.name)
        .await
        .map_err(|e| api_error(&s.context, e))?
        .ok_or_else(|| not_found(target.kind, &target.name, ns))?;
    let spec = svc.spec.unwrap_or_default();
    let ports = spec.ports.unwrap_or_default();
    let chosen = workload::choose_port(&what, &ports, port_flag)?.clone();
    let selector = spec.selector.unwrap_or_default();
    let target_port = chosen
        .target_port
        .clone()
        .unwrap_or(IntOrString::Int(chosen.port));
    let health = match selected_template(s, &selector).await? {
        Some(t) => health_for(&t, &target_port),
        None => HealthCheck::Default {
            reason: format!(
                "no Deployment or StatefulSet in {ns} matches service {:?}'s selector",
                target.name
            ),
        },
    };
    Ok(Backend {
        service: None,
        service_name: target.name.clone(),
        port: chosen.port,
        health,
    })
}

fn health_for(template: &PodTemplateSpec, target_port: &IntOrString) -> HealthCheck {
    match workload::serving_container(template, target_port) {
        Some((c, traffic_port)) => workload::health_check(c, traffic_port),
        None => HealthCheck::Default {
            reason: "no container declares the Service's target port".into(),
        },
    }
}

/// The pod template of a Deployment or StatefulSet a Service selects.
async fn selected_template(
    s: &Session,
    selector: &std::collections::BTreeMap<String, String>,
) -> Result<Option<PodTemplateSpec>> {
    if selector.is_empty() {
        return Ok(None);
    }
    let deployments = Api::<Deployment>::namespaced(s.client.clone(), &s.namespace)
        .list(&ListParams::default())
        .await
        .map_err(|e| api_error(&s.context, e))?;
    for d in deployments.items {
        if let Some(spec) = d.spec
            && workload::selects(selector, &spec.template)
        {
            return Ok(Some(spec.template));
        }
    }
    let sets = Api::<StatefulSet>::namespaced(s.client.clone(), &s.namespace)
        .list(&ListParams::default())
        .await
        .map_err(|e| api_error(&s.context, e))?;
    Ok(sets
        .items
        .into_iter()
        .filter_map(|d| d.spec)
        .find(|spec| workload::selects(selector, &spec.template))
        .map(|spec| spec.template))
}

/// Refuses to take over a Service or Ingress publish did not make. Returns
/// the live resourceVersions it read (`kind/name` → None when absent).
async fn check_not_foreign(
    s: &Session,
    name: &str,
    makes_service: bool,
    makes_ingress: bool,
) -> Result<std::collections::BTreeMap<String, Option<String>>> {
    let mut known = std::collections::BTreeMap::new();
    if makes_service {
        let svc = Api::<Service>::namespaced(s.client.clone(), &s.namespace)
            .get_opt(name)
            .await
            .map_err(|e| api_error(&s.context, e))?;
        if let Some(svc) = &svc
            && !build::is_ours(svc.meta().labels.as_ref(), name)
        {
            return Err(Error::Failed(format!(
                "service {name:?} already exists and was not made by kubectl publish; publish it with svc/{name}, or pass --name NEW"
            )));
        }
        known.insert(
            format!("service/{name}"),
            svc.and_then(|s| s.metadata.resource_version),
        );
    }
    if !makes_ingress {
        return Ok(known);
    }
    let ing = Api::<Ingress>::namespaced(s.client.clone(), &s.namespace)
        .get_opt(name)
        .await
        .map_err(|e| api_error(&s.context, e))?;
    if let Some(ing) = &ing
        && !build::is_ours(ing.meta().labels.as_ref(), name)
    {
        return Err(Error::Failed(format!(
            "ingress {name:?} already exists and was not made by kubectl publish; pass --name NEW"
        )));
    }
    known.insert(
        format!("ingress.networking.k8s.io/{name}"),
        ing.and_then(|i| i.metadata.resource_version),
    );
    Ok(known)
}

pub fn publish(req: PublishRequest) -> Result<u8> {
    let target = Target::parse(&req.target)?;
    let hosts = input::parse_hosts(&req.hosts)?;
    let tags = input::parse_tags(&req.tags)?;
    if let Some(g) = &req.group {
        input::check_group(g)?;
    }
    if let Some(w) = &req.waf_acl {
        input::check_arn("--waf-acl", w, "wafv2")?;
    }
    for a in &req.cert_arn {
        input::check_arn("--cert-arn", a, "acm")?;
    }
    if !req.cert_arn.is_empty() && req.create_cert {
        return Err(Error::Usage(
            "--cert-arn and --create-cert exclude each other".into(),
        ));
    }
    if req.global.output == Some(Format::Table) {
        return Err(Error::Usage(
            "-o table does not apply to publish; use -o yaml, json or name".into(),
        ));
    }
    if req.api == RouteApi::Gateway {
        gateway_flags(&req)?;
    } else if req.gateway.is_some() {
        return Err(Error::Usage("--gateway needs --api gateway".into()));
    }
    let name = req.name.clone().unwrap_or_else(|| target.name.clone());
    input::check_object_name(&name)?;
    let palette = Palette::for_stderr(req.global.color);
    let (global, aws) = (req.global.clone(), req.aws.clone());

    with_session(&global, &aws, |s| async move {
        if req.api == RouteApi::Gateway {
            return publish_gateway(&s, &req, &target, &hosts, &name, palette).await;
        }
        // The cluster-wide lookups run while the workload is read.
        let (target_read, classes, scan) = tokio::join!(
            async {
                let backend = read_backend(&s, &target, req.port.as_deref(), &name).await?;
                let known = check_not_foreign(&s, &name, backend.service.is_some(), true).await?;
                Ok::<_, Error>((backend, known))
            },
            controllers::classes(&s.client),
            controllers::scan(&s.client)
        );
        let (backend, known) = target_read?;
        let class = match (&req.class, &classes) {
            (Some(c), _) => c.clone(),
            (None, Ok(list)) => match controllers::pick_class(list) {
                Some(c) => c.name.clone(),
                None => {
                    output::warn(
                        palette,
                        "no IngressClass for the ALB controller exists; using \"alb\" (run `kubectl publish doctor`)",
                    );
                    "alb".into()
                }
            },
            (None, Err(why)) => {
                output::note(format!("IngressClass not checked ({why}); using \"alb\""));
                "alb".into()
            }
        };
        if let Ok(list) = &classes
            && let Some(c) = list.iter().find(|c| c.name == class)
            && let Ok(Some((params, spec))) = controllers::class_params(&s.client, c).await
        {
            let intended = controllers::Intended {
                internal: req.internal,
                group: req.group.clone(),
                waf_acl: req.waf_acl.clone(),
            };
            for o in controllers::overrides(&spec, &intended) {
                output::warn(
                    palette,
                    format!(
                        "IngressClassParams {params} sets {}={}: {}",
                        o.field, o.value, o.effect
                    ),
                );
            }
        }

        let certificate = if !req.cert_arn.is_empty() {
            output::note(format!(
                "certificate: {} (from --cert-arn)",
                req.cert_arn.join(", ")
            ));
            Certificate::Arns(req.cert_arn.clone())
        } else if req.create_cert {
            match controllers::cert_creation(scan.lbc.as_deref().unwrap_or_default()) {
                Err(why) => {
                    return Err(Error::Failed(format!(
                        "{why}; request a certificate in ACM and pass --cert-arn ARN"
                    )));
                }
                Ok(false) => output::warn(
                    palette,
                    "cannot confirm the ALB controller creates certificates (it needs v3.3.0+ and --feature-gates=EnableCertificateManagement=true)",
                ),
                Ok(true) => {}
            }
            output::note(
                "certificate: the ALB controller will request one from ACM and validate it in Route 53 (up to 30 minutes)",
            );
            Certificate::Create
        } else {
            let (arns, reasons) = cert::resolve(&s.sdk, &hosts).await?;
            for r in reasons {
                output::note(r);
            }
            Certificate::Arns(arns)
        };

        let dns = controllers::dns_prefixes(&scan.external_dns);
        output::note(dns.reason.clone());
        match &backend.health {
            h @ HealthCheck::Probe { .. } => output::note(h.describe()),
            h @ HealthCheck::Default { .. } => output::warn(palette, h.describe()),
        }
        if let Some(w) = backend.health.header_warning() {
            output::warn(palette, w);
        }
        if let Some(g) = &req.group {
            output::warn(
                palette,
                format!(
                    "ALB group {g:?}: anyone who may create Ingresses of class {class} can join it and change its rules or WAF ACL"
                ),
            );
        }

        let plan = IngressPlan {
            name: name.clone(),
            namespace: s.namespace.clone(),
            class,
            hosts: hosts.clone(),
            service: backend.service_name.clone(),
            port: backend.port,
            internal: req.internal,
            certificate,
            health: backend.health.clone(),
            group: req.group.clone(),
            waf_acl: req.waf_acl.clone(),
            tags,
            dns_prefixes: dns.prefixes,
        };
        let mut objects = Vec::new();
        if req.readiness_gate {
            objects.push(Object::Namespace(Box::new(build::namespace_label(
                &s.namespace,
            ))));
        }
        if let Some(svc) = backend.service {
            objects.push(Object::Service(Box::new(svc)));
        }
        objects.push(Object::Ingress(Box::new(build::ingress(&plan))));

        write_objects(&s, &req, &objects, known, &name).await
    })
}

/// Flags that set what a Gateway owns, not a route: refused with where the
/// setting lives instead.
fn gateway_flags(req: &PublishRequest) -> Result<()> {
    let lbc = "the Gateway's LoadBalancerConfiguration (gateway.k8s.aws)";
    let refused = [
        (
            req.class.is_some(),
            "--class",
            "pick the Gateway with --gateway NAME[/NAMESPACE]".to_string(),
        ),
        (
            req.group.is_some(),
            "--group",
            "routes share the ALB of their Gateway".to_string(),
        ),
        (
            req.waf_acl.is_some(),
            "--waf-acl",
            format!("set it in {lbc}"),
        ),
        (
            !req.tags.is_empty(),
            "--tags",
            format!("set ALB tags in {lbc}"),
        ),
        (
            !req.cert_arn.is_empty(),
            "--cert-arn",
            format!("pin it in {lbc} under listenerConfigurations[].defaultCertificate"),
        ),
        (
            req.create_cert,
            "--create-cert",
            "the controller creates certificates for Ingresses only; request one in ACM"
                .to_string(),
        ),
    ];
    for (given, flag, instead) in refused {
        if given {
            return Err(Error::Usage(format!(
                "{flag} does not apply with --api gateway: {instead}"
            )));
        }
    }
    Ok(())
}

/// Reads what publish made under `name` for each custom object, refusing
/// objects it did not make; returns their resourceVersions.
async fn check_custom_not_foreign(
    s: &Session,
    publication: &str,
    objects: &[Object],
    known: &mut std::collections::BTreeMap<String, Option<String>>,
) -> Result<()> {
    for o in objects {
        let Object::Custom(obj, ar) = o else { continue };
        let api: Api<kube::core::DynamicObject> =
            Api::namespaced_with(s.client.clone(), &s.namespace, ar.as_ref());
        let live = api
            .get_opt(&obj.name_any())
            .await
            .map_err(|e| api_error(&s.context, e))?;
        if let Some(l) = &live
            && !build::is_ours(l.metadata.labels.as_ref(), publication)
        {
            return Err(Error::Failed(format!(
                "{} already exists and was not made by kubectl publish; pass --name NEW",
                o.kind_name()
            )));
        }
        known.insert(
            o.kind_name(),
            live.and_then(|l| l.metadata.resource_version),
        );
    }
    Ok(())
}

/// `--api gateway`: the Service, an HTTPRoute (and its HTTP→HTTPS redirect
/// route) on the ALB controller's Gateway, and a TargetGroupConfiguration.
async fn publish_gateway(
    s: &Session,
    req: &PublishRequest,
    target: &Target,
    hosts: &[String],
    name: &str,
    palette: Palette,
) -> Result<u8> {
    // Before anything else: without the CRDs nothing is read or written.
    let apis = gateway::check_api(&s.client, gateway::GATEWAY_GROUP).await?;
    let (backend, found, scan) = tokio::join!(
        read_backend(s, target, req.port.as_deref(), name),
        gateway::find_gateway(&s.client, &s.context, req.gateway.as_deref(), &s.namespace),
        controllers::scan(&s.client)
    );
    let backend = backend?;
    let (gw, warnings) = found?;
    let mut known = check_not_foreign(s, name, backend.service.is_some(), false).await?;
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
    let mismatched = gw.hostname_mismatches(hosts);
    if !mismatched.is_empty() {
        output::warn(
            palette,
            format!(
                "Gateway {} listeners {} take no route for {}: the route is not accepted there",
                gw.id(),
                mismatched.join(", "),
                hosts.join(", ")
            ),
        );
    }
    // An Ingress from an earlier publish under this name would keep its own ALB.
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
    let mut certificates_pinned = false;
    if apis.load_balancer_configuration {
        let lb = gateway::load_balancer_notes(&s.client, &gw, req.internal).await;
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
        match Cloud::connect(&s.sdk).await {
            Ok(cloud) => match cert::list_candidates(&cloud.acm(), hosts).await {
                Ok(certs) => {
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
                Err(e) => output::warn(palette, format!("certificates not checked: {e}")),
            },
            Err(e) => output::warn(palette, format!("certificates not checked: {e}")),
        }
    }
    let dns = controllers::dns_prefixes(&scan.external_dns);
    output::note(dns.reason.clone());
    let gateway_source = "gateway-httproute";
    match &scan.external_dns {
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

    let mut objects = Vec::new();
    if req.readiness_gate {
        objects.push(Object::Namespace(Box::new(build::namespace_label(
            &s.namespace,
        ))));
    }
    if let Some(svc) = backend.service {
        objects.push(Object::Service(Box::new(svc)));
    }
    let plan = gateway::RoutePlan {
        name: name.to_string(),
        namespace: s.namespace.clone(),
        hosts: hosts.to_vec(),
        service: backend.service_name.clone(),
        port: backend.port,
        gateway: gw,
        dns_prefixes: dns.prefixes,
    };
    let routes = gateway::routes(&plan);
    if routes.len() > 1 {
        output::note(format!(
            "HTTP listeners redirect to HTTPS through route {}{}",
            name,
            gateway::REDIRECT_SUFFIX
        ));
    }
    for r in routes {
        objects.push(Object::Custom(Box::new(r), Box::new(gateway::http_route())));
    }
    if apis.target_group_configuration {
        match &backend.health {
            h @ HealthCheck::Probe { .. } => output::note(h.describe()),
            h @ HealthCheck::Default { .. } => output::warn(palette, h.describe()),
        }
        if let Some(w) = backend.health.header_warning() {
            output::warn(palette, w);
        }
        objects.push(Object::Custom(
            Box::new(gateway::target_group_config(
                name,
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
    check_custom_not_foreign(s, name, &objects, &mut known).await?;
    write_objects(s, req, &objects, known, name).await
}

/// Applies the objects, or shows them (`--diff`, `--dry-run`).
async fn write_objects(
    s: &Session,
    req: &PublishRequest,
    objects: &[Object],
    known: std::collections::BTreeMap<String, Option<String>>,
    name: &str,
) -> Result<u8> {
    let mut applier = Applier {
        client: s.client.clone(),
        context: s.context.clone(),
        namespace: s.namespace.clone(),
        force_conflicts: req.force_conflicts,
        known,
    };
    if req.diff {
        // The diff needs the live objects themselves.
        applier.known.clear();
        let mut any = false;
        for o in objects {
            let a = applier.apply(o, true).await?;
            let d = apply::diff(&o.kind_name(), a.before.as_ref(), &a.result)?;
            if !d.is_empty() {
                any = true;
                output::print_lines([d.trim_end()])?;
            }
        }
        if !any {
            output::note("no changes");
        }
        return Ok(exit::OK);
    }
    match req.dry_run {
        Some(DryRun::Client) => {
            let values: Vec<_> = objects.iter().map(Object::to_value).collect();
            print_objects(req.global.output, objects, &values, "(dry run)")?;
        }
        Some(DryRun::Server) => {
            let mut values = Vec::new();
            let mut lines = Vec::new();
            for o in objects {
                let a = applier.apply(o, true).await?;
                lines.push(format!(
                    "{} {} (server dry run)",
                    o.kind_name(),
                    a.outcome.word()
                ));
                values.push(without_managed_fields(a.result));
            }
            print_results(req.global.output, objects, &values, lines)?;
        }
        None => {
            let applied = applier.apply_all(objects).await?;
            let lines = applied
                .iter()
                .map(|a| format!("{} {}", a.object.kind_name(), a.outcome.word()))
                .collect();
            let values: Vec<_> = applied
                .into_iter()
                .map(|a| without_managed_fields(a.result))
                .collect();
            print_results(req.global.output, objects, &values, lines)?;
            output::note(format!(
                "next: kubectl publish status {name} -n {}",
                s.namespace
            ));
        }
    }
    Ok(exit::OK)
}

/// Server results as kubectl prints them: without managedFields.
fn without_managed_fields(mut v: serde_json::Value) -> serde_json::Value {
    if let Some(meta) = v.get_mut("metadata").and_then(|m| m.as_object_mut()) {
        meta.remove("managedFields");
    }
    v
}

fn print_objects(
    format: Option<Format>,
    objects: &[Object],
    values: &[serde_json::Value],
    suffix: &str,
) -> Result<()> {
    let lines = objects
        .iter()
        .map(|o| format!("{} {suffix}", o.kind_name()))
        .collect();
    print_results(format, objects, values, lines)
}

fn print_results(
    format: Option<Format>,
    objects: &[Object],
    values: &[serde_json::Value],
    lines: Vec<String>,
) -> Result<()> {
    match format {
        Some(Format::Yaml) => {
            let text = apply::yaml_stream(values)?;
            output::print_lines([text.trim_end()])
        }
        Some(Format::Json) => output::print_json(&apply::json_list(values)),
        Some(Format::Name) => output::print_lines(objects.iter().map(Object::kind_name)),
        Some(Format::Table) | None => output::print_lines(lines),
    }
}

/// `kubectl publish unpublish NAME`
#[derive(Debug, Clone, Default)]
pub struct UnpublishRequest {
    pub name: String,
    pub dry_run: bool,
    pub global: GlobalArgs,
}

/// Deletes the Ingress and Service publish made under NAME, found by label,
/// and nothing else.
pub fn unpublish(req: UnpublishRequest) -> Result<u8> {
    let palette = Palette::for_stderr(req.global.color);
    with_session(&req.global, &AwsFlags::default(), |s| async move {
        let selector = build::selector(&req.name);
        let lp = ListParams::default().labels(&selector);
        let ingresses = Api::<Ingress>::namespaced(s.client.clone(), &s.namespace);
        let services = Api::<Service>::namespaced(s.client.clone(), &s.namespace);
        let found_ingresses = ingresses
            .list(&lp)
            .await
            .map_err(|e| api_error(&s.context, e))?
            .items;
        let found_services = services
            .list(&lp)
            .await
            .map_err(|e| api_error(&s.context, e))?
            .items;
        // Routes and target group configurations, only where the cluster
        // serves them: without those APIs no permission on them is needed.
        let mut found_custom = Vec::new();
        for ar in [gateway::http_route(), gateway::target_group_configuration()] {
            let served = gateway::served(&s.client, &ar.api_version)
                .await
                .map_err(|message| Error::Api {
                    context: s.context.clone(),
                    message,
                })?;
            if !served.is_some_and(|r| r.contains(&ar.plural)) {
                continue;
            }
            let api: Api<kube::core::DynamicObject> =
                Api::namespaced_with(s.client.clone(), &s.namespace, &ar);
            match api.list(&lp).await {
                Ok(l) => found_custom.extend(l.items.into_iter().map(|o| (o, ar.clone()))),
                Err(kube::Error::Api(e)) if e.code == 404 => {}
                Err(e) => return Err(api_error(&s.context, e)),
            }
        }
        if found_ingresses.is_empty() && found_services.is_empty() && found_custom.is_empty() {
            return Err(Error::Failed(format!(
                "nothing published as {:?} in namespace {:?}; see `kubectl get ingress -l {selector}`",
                req.name, s.namespace
            )));
        }
        let mut hosts: Vec<String> = found_ingresses
            .iter()
            .filter_map(|i| i.spec.as_ref()?.rules.as_ref())
            .flatten()
            .filter_map(|r| r.host.clone())
            .collect();
        for (o, _) in &found_custom {
            for h in o.data["spec"]["hostnames"].as_array().into_iter().flatten() {
                if let Some(h) = h.as_str()
                    && !hosts.iter().any(|have| have == h)
                {
                    hosts.push(h.to_string());
                }
            }
        }
        if !hosts.is_empty()
            && let Ok(list) = controllers::deployments(&s.client).await
        {
            for f in controllers::matching(&list, controllers::EXTERNAL_DNS_IMAGE) {
                if let Some(p) = f
                    .flag("policy")
                    .last()
                    .filter(|p| *p == "upsert-only" || *p == "create-only")
                {
                    output::warn(
                        palette,
                        format!(
                            "external-dns {} runs with --policy={p}: the Route 53 records for {} stay behind; delete them by hand",
                            f.id(),
                            hosts.join(", ")
                        ),
                    );
                }
            }
        }
        let mut dp = DeleteParams::default();
        if req.dry_run {
            dp = dp.dry_run();
        }
        let suffix = if req.dry_run { " (dry run)" } else { "" };
        let mut lines = Vec::new();
        for i in &found_ingresses {
            ingresses
                .delete(&i.name_any(), &dp)
                .await
                .map_err(|e| api_error(&s.context, e))?;
            lines.push(format!(
                "ingress.networking.k8s.io {:?} deleted{suffix}",
                i.name_any()
            ));
        }
        for (o, ar) in &found_custom {
            let api: Api<kube::core::DynamicObject> =
                Api::namespaced_with(s.client.clone(), &s.namespace, ar);
            api.delete(&o.name_any(), &dp)
                .await
                .map_err(|e| api_error(&s.context, e))?;
            lines.push(format!(
                "{}.{} {:?} deleted{suffix}",
                ar.kind.to_ascii_lowercase(),
                ar.group,
                o.name_any()
            ));
        }
        for svc in &found_services {
            services
                .delete(&svc.name_any(), &dp)
                .await
                .map_err(|e| api_error(&s.context, e))?;
            lines.push(format!("service {:?} deleted{suffix}", svc.name_any()));
        }
        output::print_lines(lines)?;
        Ok(exit::OK)
    })
}

pub use doctor::{DoctorRequest, doctor};
pub use status::{StatusRequest, status};
