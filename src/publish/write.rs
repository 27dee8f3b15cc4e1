//! The last step of a publish: refuse to take over what publish did not
//! make, then apply the objects, or show them (`--diff`, `--dry-run`).

use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::networking::v1::Ingress;
use kube::api::Api;
use kube::{Resource, ResourceExt};

use super::Session;
use super::apply::{self, Applier, Known, Object};
use super::args::{DryRun, PublishArgs, PublishFlags};
use super::build;
use crate::client::api_error;
use crate::error::{Error, Result, exit};
use crate::output::{self, Format};

/// The namespace label (with `--namespace-readiness-gate`) and the Service
/// to make, which come before the route.
pub(crate) fn leading_objects(
    s: &Session,
    flags: &PublishFlags,
    service: Option<Service>,
) -> Vec<Object> {
    let mut objects = Vec::new();
    if flags.namespace_readiness_gate {
        objects.push(Object::Namespace(Box::new(build::namespace_label(
            &s.namespace,
        ))));
    }
    if let Some(svc) = service {
        objects.push(Object::Service(Box::new(svc)));
    }
    objects
}

/// Refuses to take over a Service or Ingress publish did not make. Returns
/// the live resourceVersions it read.
pub(crate) async fn check_not_foreign(
    s: &Session,
    name: &str,
    makes_service: bool,
    makes_ingress: bool,
) -> Result<Known> {
    let mut known = Known::new();
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

/// Reads what publish made under `publication` for each custom object,
/// refusing objects it did not make; adds their resourceVersions.
pub(crate) async fn check_custom_not_foreign(
    s: &Session,
    publication: &str,
    objects: &[Object],
    known: &mut Known,
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

/// Applies the objects, or shows them (`--diff`, `--dry-run`).
pub(crate) async fn write_objects(
    s: &Session,
    args: &PublishArgs,
    objects: &[Object],
    known: Known,
    name: &str,
) -> Result<u8> {
    let flags = &args.publish;
    let format = args.global.output;
    let mut applier = Applier {
        session: s,
        force_conflicts: flags.force_conflicts,
        known,
    };
    if flags.diff {
        return show_diff(&mut applier, objects).await;
    }
    match flags.dry_run() {
        Some(DryRun::Client) => {
            let values: Vec<_> = objects.iter().map(Object::to_value).collect();
            print_objects(format, objects, &values, "(dry run)")?;
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
            print_results(format, objects, &values, lines)?;
        }
        Some(DryRun::None) | None => {
            let applied = applier.apply_all(objects).await?;
            let lines = applied
                .iter()
                .map(|a| format!("{} {}", a.object.kind_name(), a.outcome.word()))
                .collect();
            let values: Vec<_> = applied
                .into_iter()
                .map(|a| without_managed_fields(a.result))
                .collect();
            print_results(format, objects, &values, lines)?;
            output::note(format!(
                "next: kubectl publish status {name} -n {}",
                s.namespace
            ));
        }
    }
    Ok(exit::OK)
}

/// `--diff`: each object against its live self; applies nothing.
async fn show_diff(applier: &mut Applier<'_>, objects: &[Object]) -> Result<u8> {
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
