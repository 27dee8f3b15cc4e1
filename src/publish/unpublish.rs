//! `kubectl publish unpublish NAME`: deletes the Ingress, HTTPRoutes,
//! TargetGroupConfiguration and Service publish made under NAME, found by
//! label, and nothing else.

use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::networking::v1::Ingress;
use kube::ResourceExt;
use kube::api::{Api, DeleteParams, ListParams};
use kube::core::{ApiResource, DynamicObject};

use super::args::{PublishArgs, UnpublishArgs};
use super::{Session, build, controllers, gateway, with_session};
use crate::client::api_error;
use crate::error::{Error, Result, exit};
use crate::output::{self, Format, Palette};

/// What publish made under one name.
struct Found {
    ingresses: Vec<Ingress>,
    services: Vec<Service>,
    /// Routes and target group configurations, with their API.
    custom: Vec<(DynamicObject, ApiResource)>,
}

pub(crate) fn unpublish(req: &UnpublishArgs, args: &PublishArgs) -> Result<u8> {
    let palette = Palette::for_stderr(args.global.color);
    let names = names_only(args.global.output)?;
    with_session(&args.global, &args.aws, |s| async move {
        let selector = build::selector(&req.name);
        let found = find(&s, &selector).await?;
        if found.ingresses.is_empty() && found.services.is_empty() && found.custom.is_empty() {
            return Err(Error::Failed(format!(
                "nothing published as {:?} in namespace {:?}; see `kubectl get ingress -l {selector}`",
                req.name, s.namespace
            )));
        }
        warn_records_stay(&s, &hosts(&found), palette).await;
        let lines = delete(&s, &found, req.dry_run, names).await?;
        output::print_lines(lines)?;
        Ok(exit::OK)
    })
}

/// As `kubectl delete`: `-o name` prints `KIND/NAME` lines, and no other
/// format applies. Checked before connecting.
fn names_only(output: Option<Format>) -> Result<bool> {
    match output {
        None => Ok(false),
        Some(Format::Name) => Ok(true),
        Some(other) => {
            let other = format!("{other:?}").to_ascii_lowercase();
            Err(Error::Usage(format!(
                "unpublish supports only -o name, as kubectl delete does (not -o {other})"
            )))
        }
    }
}

/// One deleted object's line: kubectl delete's, or its `-o name` form.
fn deleted_line(kind: &str, name: &str, suffix: &str, names: bool) -> String {
    if names {
        format!("{kind}/{name}")
    } else {
        format!("{kind} {name:?} deleted{suffix}")
    }
}

async fn find(s: &Session, selector: &str) -> Result<Found> {
    let lp = ListParams::default().labels(selector);
    let ingresses = Api::<Ingress>::namespaced(s.client.clone(), &s.namespace)
        .list(&lp)
        .await
        .map_err(|e| api_error(&s.context, e))?
        .items;
    let services = Api::<Service>::namespaced(s.client.clone(), &s.namespace)
        .list(&lp)
        .await
        .map_err(|e| api_error(&s.context, e))?
        .items;
    // Routes and target group configurations, only where the cluster
    // serves them: without those APIs no permission on them is needed.
    let mut custom = Vec::new();
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
        let api: Api<DynamicObject> = Api::namespaced_with(s.client.clone(), &s.namespace, &ar);
        match api.list(&lp).await {
            Ok(l) => custom.extend(l.items.into_iter().map(|o| (o, ar.clone()))),
            Err(kube::Error::Api(e)) if e.code == 404 => {}
            Err(e) => return Err(api_error(&s.context, e)),
        }
    }
    Ok(Found {
        ingresses,
        services,
        custom,
    })
}

/// The hosts the Ingresses and routes served.
fn hosts(found: &Found) -> Vec<String> {
    let mut hosts: Vec<String> = found
        .ingresses
        .iter()
        .filter_map(|i| i.spec.as_ref()?.rules.as_ref())
        .flatten()
        .filter_map(|r| r.host.clone())
        .collect();
    for (o, _) in &found.custom {
        for h in o.data["spec"]["hostnames"].as_array().into_iter().flatten() {
            if let Some(h) = h.as_str()
                && !hosts.iter().any(|have| have == h)
            {
                hosts.push(h.to_string());
            }
        }
    }
    hosts
}

/// An external-dns that never deletes leaves the hosts' records behind.
async fn warn_records_stay(s: &Session, hosts: &[String], palette: Palette) {
    if hosts.is_empty() {
        return;
    }
    let Ok(list) = controllers::deployments(&s.client).await else {
        return;
    };
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

/// Deletes the Ingresses, then the custom objects, then the Services; one
/// line each.
async fn delete(s: &Session, found: &Found, dry_run: bool, names: bool) -> Result<Vec<String>> {
    let mut dp = DeleteParams::default();
    if dry_run {
        dp = dp.dry_run();
    }
    let suffix = if dry_run { " (dry run)" } else { "" };
    let mut lines = Vec::new();
    let ingresses = Api::<Ingress>::namespaced(s.client.clone(), &s.namespace);
    for i in &found.ingresses {
        ingresses
            .delete(&i.name_any(), &dp)
            .await
            .map_err(|e| api_error(&s.context, e))?;
        lines.push(deleted_line(
            "ingress.networking.k8s.io",
            &i.name_any(),
            suffix,
            names,
        ));
    }
    for (o, ar) in &found.custom {
        let api: Api<DynamicObject> = Api::namespaced_with(s.client.clone(), &s.namespace, ar);
        api.delete(&o.name_any(), &dp)
            .await
            .map_err(|e| api_error(&s.context, e))?;
        let kind = format!("{}.{}", ar.kind.to_ascii_lowercase(), ar.group);
        lines.push(deleted_line(&kind, &o.name_any(), suffix, names));
    }
    let services = Api::<Service>::namespaced(s.client.clone(), &s.namespace);
    for svc in &found.services {
        services
            .delete(&svc.name_any(), &dp)
            .await
            .map_err(|e| api_error(&s.context, e))?;
        lines.push(deleted_line("service", &svc.name_any(), suffix, names));
    }
    Ok(lines)
}
