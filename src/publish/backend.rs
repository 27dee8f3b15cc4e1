//! Where the route sends traffic: the workload's Service (made as `kubectl
//! expose` would) or the Service named, its port, and the health check from
//! the serving container's readiness probe.

use std::collections::BTreeMap;
use std::fmt::Debug;

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{PodTemplateSpec, Service};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::api::{Api, ListParams};
use kube::core::NamespaceResourceScope;
use serde::de::DeserializeOwned;

use super::Session;
use super::build;
use super::input::{Target, TargetKind};
use super::workload::{self, HealthCheck};
use crate::client::api_error;
use crate::error::{Error, Result};
use crate::output::{self, Palette};

/// Where the route sends traffic, and the Service to make (none for svc/).
pub(crate) struct Backend {
    pub(crate) service: Option<Service>,
    pub(crate) service_name: String,
    pub(crate) port: i32,
    pub(crate) health: HealthCheck,
}

impl Backend {
    /// The health check as a note, or a warning when it is the default.
    pub(crate) fn report_health(&self, palette: Palette) {
        match &self.health {
            h @ HealthCheck::Probe { .. } => output::note(h.describe()),
            h @ HealthCheck::Default { .. } => output::warn(palette, h.describe()),
        }
        if let Some(w) = self.health.header_warning() {
            output::warn(palette, w);
        }
    }
}

fn not_found(kind: TargetKind, name: &str, namespace: &str) -> Error {
    Error::Failed(format!(
        "{} {name:?} not found in namespace {namespace:?}; check the name, or pass -n NAMESPACE",
        kind.resource()
    ))
}

/// Reads the target; `port_flag` is `--port`, `name` the publication's.
pub(crate) async fn read(
    s: &Session,
    target: &Target,
    port_flag: Option<&str>,
    name: &str,
) -> Result<Backend> {
    match workload_template(s, target).await? {
        Some((template, selector)) => from_workload(s, target, port_flag, name, template, selector),
        None => from_service(s, target, port_flag).await,
    }
}

/// An object in the session's namespace; None when it does not exist.
async fn get<K>(s: &Session, name: &str) -> Result<Option<K>>
where
    K: kube::Resource<Scope = NamespaceResourceScope> + Clone + DeserializeOwned + Debug,
    K::DynamicType: Default,
{
    Api::<K>::namespaced(s.client.clone(), &s.namespace)
        .get_opt(name)
        .await
        .map_err(|e| api_error(&s.context, e))
}

/// The pod template and selector of a Deployment or StatefulSet target;
/// None for a Service.
async fn workload_template(
    s: &Session,
    target: &Target,
) -> Result<Option<(PodTemplateSpec, LabelSelector)>> {
    let ns = &s.namespace;
    let spec = match target.kind {
        TargetKind::Deployment => get::<Deployment>(s, &target.name).await?.map(|d| {
            let spec = d.spec.unwrap_or_default();
            (spec.template, spec.selector)
        }),
        TargetKind::StatefulSet => get::<StatefulSet>(s, &target.name).await?.map(|d| {
            let spec = d.spec.unwrap_or_default();
            (spec.template, spec.selector)
        }),
        TargetKind::Service => return Ok(None),
    };
    spec.map(Some)
        .ok_or_else(|| not_found(target.kind, &target.name, ns))
}

/// The Service to make for a workload, from its container ports.
fn from_workload(
    s: &Session,
    target: &Target,
    port_flag: Option<&str>,
    name: &str,
    template: PodTemplateSpec,
    selector: LabelSelector,
) -> Result<Backend> {
    let what = format!("{} {:?}", target.kind.resource(), target.name);
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
    Ok(Backend {
        service: Some(build::service(name, &s.namespace, selector, ports)),
        service_name: name.to_string(),
        port: chosen.port,
        health,
    })
}

/// A Service target: its port, and the health check of the workload it selects.
async fn from_service(s: &Session, target: &Target, port_flag: Option<&str>) -> Result<Backend> {
    let ns = &s.namespace;
    let what = format!("{} {:?}", target.kind.resource(), target.name);
    let svc = get::<Service>(s, &target.name)
        .await?
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
    selector: &BTreeMap<String, String>,
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
