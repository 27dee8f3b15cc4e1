//! `kubectl publish status NAME`: each stage between the Ingress and a
//! working HTTPS name, with ✓ or ✗ and the reason: Service endpoints, the
//! controller's load balancer, the certificate, the Route 53 record and its
//! owner, target health, DNS resolution and an HTTPS request.
//!
//! Files: [`route`] (the same for an HTTPRoute), [`cluster`] (the stages the
//! cluster answers), [`aws`] (those ACM, Route 53 and ELBv2 answer),
//! [`reach`] (DNS and HTTPS from here).

mod aws;
mod cluster;
mod reach;
mod route;

use std::time::Duration;

use k8s_openapi::api::networking::v1::Ingress;
use kube::api::Api;
use serde::Serialize;

use super::args::{PublishArgs, StatusArgs};
use super::report::{self, Line};
use super::{Session, with_session};
use crate::client::api_error;
use crate::error::{Result, exit};
use crate::output::{self, Format, Palette};

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

/// `req` is the subcommand's flags; `args` holds the global and AWS ones.
pub(crate) fn status(req: &StatusArgs, args: &PublishArgs) -> Result<u8> {
    let timeout = req.timeout()?;
    report::check_format("status", args.global.output)?;
    with_session(&args.global, &args.aws, |s| async move {
        let ingress = Api::<Ingress>::namespaced(s.client.clone(), &s.namespace)
            .get_opt(&req.name)
            .await
            .map_err(|e| api_error(&s.context, e))?;
        let stages = match ingress {
            Some(ingress) => ingress_stages(&s, &req.name, ingress, timeout).await?,
            None => route::stages(&s, &req.name, timeout).await?,
        };
        finish(req, args, &s.namespace, stages)
    })
}

/// The hosts, the load balancer and the stages of one publication.
struct Stages {
    hosts: Vec<String>,
    lb: Option<String>,
    lines: Vec<Line>,
}

/// A stage's name, with the host when there are several.
fn named(stage: &str, host: &str, hosts: &[String]) -> String {
    if hosts.len() > 1 {
        format!("{stage} {host}")
    } else {
        stage.to_string()
    }
}

async fn ingress_stages(
    s: &Session,
    name: &str,
    ingress: Ingress,
    timeout: Duration,
) -> Result<Stages> {
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

    let mut lines = Vec::new();
    lines.push(match &backend {
        Some(b) => cluster::service_stage(&s.client, &s.context, &s.namespace, &b.name).await?,
        None => Line::failed("service", "the Ingress has no Service backend"),
    });
    lines.push(match &lb {
        Some(h) => Line::ok("load balancer", format!("admitted by the controller: {h}")),
        None => {
            let event = cluster::last_warning(&s.client, &s.namespace, name).await;
            Line::failed(
                "load balancer",
                match event {
                    Some(e) => format!("no load balancer yet; last warning: {e}"),
                    None => {
                        "no load balancer yet (the controller has not admitted the Ingress)".into()
                    }
                },
            )
        }
    });
    let certificates = aws::Certificates::Ingress(&annotations);
    lines.extend(aws::stages(&s.sdk, &hosts, lb.as_deref(), certificates).await);
    lines.extend(reach::stages(&hosts, timeout).await);
    Ok(Stages { hosts, lb, lines })
}

fn finish(req: &StatusArgs, args: &PublishArgs, namespace: &str, stages: Stages) -> Result<u8> {
    let ready = report::all_ok(&stages.lines);
    let report = Report {
        name: req.name.clone(),
        namespace: namespace.to_string(),
        hosts: stages.hosts,
        load_balancer: stages.lb,
        ready,
        stages: stages.lines,
    };
    match args.global.output {
        Some(Format::Json) => output::print_json(&report)?,
        Some(Format::Yaml) => output::print_yaml(&report)?,
        _ => output::print_lines(report::render(
            &report.stages,
            Palette::for_stdout(args.global.color),
        ))?,
    }
    Ok(if ready { exit::OK } else { exit::FAILURE })
}
