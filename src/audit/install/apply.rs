//! Install's API calls: server-side apply of the objects in order, and
//! uninstall's deletes, which touch only objects carrying install's label.

use futures::{StreamExt, TryStreamExt};
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PropagationPolicy};
use kube::core::{ApiResource, DynamicObject, GroupVersionKind};
use serde_json::{Value, json};

use super::InstallArgs;
use super::manifest::{
    self, CLUSTER_ROLE, CLUSTER_ROLE_BINDING, INSTALLED, MANAGED_BY, Manifest, NAME, NAMESPACE,
    Res, cluster_name, report_apis, report_kinds,
};
use crate::audit::args::OutputFormat;
use crate::audit::cluster_reports::ReportApiChoice;
use crate::client::{Connection, api_error};
use crate::error::{Error, Result};
use crate::output::{self, Palette};

const FIELD_MANAGER: &str = "kubectl-audit";
/// Report deletes in flight at once.
const IN_FLIGHT: usize = 8;

fn api(conn: &Connection, res: &Res, namespace: &str) -> Api<DynamicObject> {
    let ar = ApiResource::from_gvk_with_plural(
        &GroupVersionKind::gvk(res.group, res.version, res.kind),
        res.plural,
    );
    // An empty namespace: every namespace (a namespaced kind's list).
    if res.namespaced && !namespace.is_empty() {
        Api::namespaced_with(conn.client.clone(), namespace, &ar)
    } else {
        Api::all_with(conn.client.clone(), &ar)
    }
}

fn is_status(e: &kube::Error, code: u16) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == code)
}

fn ours(o: &DynamicObject) -> bool {
    o.metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(MANAGED_BY.0))
        .is_some_and(|v| v == MANAGED_BY.1)
}

/// One applied object: its `-o name` and the object the server returned.
pub(super) struct Applied {
    name: String,
    object: Option<Value>,
}

/// Applies every object in order, after a server dry run of them all, so
/// an object the API refuses stops the install before anything is written.
/// A namespace that exists without install's label is used as is (uninstall
/// will then leave it). In a dry run into a namespace that does not exist
/// yet, the namespaced objects cannot be checked: the API refuses them for
/// want of the namespace.
pub(super) async fn install(
    conn: &Connection,
    req: &InstallArgs,
    namespace: &str,
    dry_run: bool,
) -> Result<Vec<Applied>> {
    let existing = match api(conn, &NAMESPACE, "").get(namespace).await {
        Ok(o) => Some(ours(&o)),
        Err(e) if is_status(&e, 404) => None,
        Err(e) => return Err(api_error(&conn.context, e)),
    };
    let objects = manifest::build(req, namespace, existing != Some(false));
    // A binding to a role that does not exist yet is refused in a dry run
    // (unless one may bind anything): it is checked once the role is there.
    let role = api(conn, &CLUSTER_ROLE, "")
        .get_opt(&cluster_name(namespace))
        .await
        .map_err(|e| api_error(&conn.context, e))?;
    let check = Pass::Check {
        exists: existing.is_some(),
        role: role.is_some(),
        say: dry_run,
    };
    let checked = apply_all(conn, &objects, namespace, check).await?;
    if dry_run {
        return Ok(checked);
    }
    apply_all(conn, &objects, namespace, Pass::Write).await
}

/// A pass over the objects: the server's dry run (`exists`, `role`: whether
/// the namespace and the ClusterRole do; `say`: whether to note what it
/// cannot check), or the writes.
#[derive(Clone, Copy)]
enum Pass {
    Check { exists: bool, role: bool, say: bool },
    Write,
}

impl Pass {
    /// Why the dry run cannot check `res`, if it cannot.
    fn unchecked(self, res: &Res, namespace: &str) -> Option<String> {
        match self {
            Pass::Check { exists: false, .. } if res.namespaced => {
                Some(format!("namespace {namespace} does not exist yet"))
            }
            _ => None,
        }
    }

    /// Whether a refusal is only the dry run's: a binding to a ClusterRole
    /// the same install creates, which only who may bind anything can check.
    fn excuses(self, res: &Res) -> bool {
        matches!(self, Pass::Check { role: false, .. }) && res.kind == CLUSTER_ROLE_BINDING.kind
    }

    fn say(self, message: String) {
        if matches!(self, Pass::Check { say: true, .. }) {
            output::note(message);
        }
    }
}

async fn apply_all(
    conn: &Connection,
    objects: &[Manifest],
    namespace: &str,
    pass: Pass,
) -> Result<Vec<Applied>> {
    let mut params = PatchParams::apply(FIELD_MANAGER);
    params.dry_run = matches!(pass, Pass::Check { .. });
    let mut out = Vec::new();
    for m in objects {
        let name = format!("{}/{}", m.res.type_name(), m.name);
        if let Some(why) = pass.unchecked(&m.res, namespace) {
            pass.say(format!("{name}: not checked by the server, because {why}"));
            out.push(Applied { name, object: None });
            continue;
        }
        let object = match apply_one(conn, m, namespace, &params).await {
            Ok(object) => Some(object),
            Err(_) if pass.excuses(&m.res) => {
                pass.say(format!(
                    "{name}: not checked by the server, because the ClusterRole it binds does not exist yet"
                ));
                None
            }
            Err(e) => return Err(e),
        };
        out.push(Applied { name, object });
    }
    Ok(out)
}

async fn apply_one(
    conn: &Connection,
    m: &Manifest,
    namespace: &str,
    params: &PatchParams,
) -> Result<Value> {
    let applied = api(conn, &m.res, namespace)
        .patch(&m.name, params, &Patch::Apply(&m.value))
        .await
        .map_err(|e| {
            let what = format!("{}/{}", m.res.type_name(), m.name);
            match api_error(&conn.context, e) {
                Error::Api { context, message } => Error::Api {
                    context,
                    message: format!("{what}: {message}"),
                },
                other => other,
            }
        })?;
    let mut value = serde_json::to_value(applied).unwrap_or(Value::Null);
    if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    Ok(value)
}

/// Prints objects: a YAML stream, a JSON `List`, or a line per object.
pub(super) fn print_objects(objects: Vec<Value>, format: OutputFormat) -> Result<()> {
    match format {
        OutputFormat::Json => {
            output::print_json(&json!({"apiVersion": "v1", "kind": "List", "items": objects}))
        }
        _ => {
            let mut text = String::new();
            for o in &objects {
                text.push_str("---\n");
                text.push_str(&output::to_yaml(o)?);
            }
            output::print_text(&text)
        }
    }
}

/// After an install: kubectl's line per object, or the objects themselves.
pub(super) fn report_applied(
    applied: Vec<Applied>,
    format: OutputFormat,
    dry_run: bool,
) -> Result<()> {
    if format != OutputFormat::Table {
        return print_objects(
            applied.into_iter().filter_map(|a| a.object).collect(),
            format,
        );
    }
    let suffix = if dry_run { " (server dry run)" } else { "" };
    output::print_lines(
        applied
            .iter()
            .filter(|a| a.object.is_some())
            .map(|a| format!("{} serverside-applied{suffix}", a.name)),
    )
}

/// Deletes what install made, newest layer first; an object of the same
/// name without install's label is left alone, with a warning.
pub(super) async fn uninstall(conn: &Connection, namespace: &str, palette: Palette) -> Result<()> {
    let cluster = cluster_name(namespace);
    let mut lines = Vec::new();
    for res in INSTALLED {
        let name = match (res.kind, res.namespaced) {
            ("Namespace", _) => namespace,
            (_, false) => cluster.as_str(),
            _ => NAME,
        };
        let what = format!("{}/{name}", res.type_name());
        let api = api(conn, &res, namespace);
        match api.get(name).await {
            // Already going (a namespace terminates for a while).
            Ok(o) if o.metadata.deletion_timestamp.is_some() => continue,
            Ok(o) if ours(&o) => {}
            Ok(_) => {
                output::warn(
                    palette,
                    format!("{what} was not made by kubectl audit install: left alone"),
                );
                continue;
            }
            Err(e) if is_status(&e, 404) => continue,
            Err(e) => return Err(api_error(&conn.context, e)),
        }
        let params = DeleteParams {
            propagation_policy: Some(PropagationPolicy::Background),
            ..Default::default()
        };
        match api.delete(name, &params).await {
            Ok(_) => lines.push(format!("{what} deleted")),
            Err(e) if is_status(&e, 404) => {}
            Err(e) => return Err(api_error(&conn.context, e)),
        }
    }
    if lines.is_empty() {
        output::note(format!(
            "nothing to uninstall: no kubectl audit install in namespace {namespace}"
        ));
    }
    output::print_lines(lines)
}

/// Deletes every report honban wrote, in every namespace, for both report
/// APIs; an API the cluster does not serve holds none.
pub(super) async fn delete_reports(conn: &Connection) -> Result<()> {
    let selector = format!("{}={}", MANAGED_BY.0, MANAGED_BY.1);
    let mut deleted = 0usize;
    let kinds = report_apis(ReportApiChoice::Auto)
        .into_iter()
        .flat_map(report_kinds);
    for res in kinds {
        let all = api(conn, &res, "");
        let list = match all.list(&ListParams::default().labels(&selector)).await {
            Ok(l) => l,
            Err(e) if is_status(&e, 404) => continue,
            Err(e) => return Err(api_error(&conn.context, e)),
        };
        deleted += futures::stream::iter(list.items)
            .map(|o| delete_report(conn, res, o))
            .buffer_unordered(IN_FLIGHT)
            .try_fold(0, |n, one| async move { Ok(n + one) })
            .await?;
    }
    output::print_lines([format!("{deleted} reports deleted")])
}

async fn delete_report(conn: &Connection, res: Res, o: DynamicObject) -> Result<usize> {
    // Selected by label already; checked again so a relabelled object is spared.
    if !ours(&o) {
        return Ok(0);
    }
    let name = o.metadata.name.clone().unwrap_or_default();
    let ns = o.metadata.namespace.clone().unwrap_or_default();
    match api(conn, &res, &ns)
        .delete(&name, &DeleteParams::default())
        .await
    {
        Ok(_) => Ok(1),
        Err(e) if is_status(&e, 404) => Ok(0),
        Err(e) => Err(api_error(&conn.context, e)),
    }
}
