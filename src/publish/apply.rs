//! Writing the objects: server-side apply with field manager `honban`, a
//! server dry run of everything before the first real write, an undo of what
//! the run created when a later write fails, and the renderings
//! `--dry-run -o yaml` and `--diff` show.

use std::fmt::Debug;

use k8s_openapi::api::core::v1::{Namespace, Service};
use k8s_openapi::api::networking::v1::Ingress;
use kube::api::{Api, DeleteParams, Patch, PatchParams};
use kube::core::{ApiResource, DynamicObject};
use kube::{Resource, ResourceExt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::Session;
use super::build::{FIELD_MANAGER, READINESS_GATE_LABEL};
use crate::client::api_error;
use crate::error::{Error, Result};

/// One object to apply.
#[derive(Debug, Clone)]
pub(crate) enum Object {
    Namespace(Box<Namespace>),
    Service(Box<Service>),
    Ingress(Box<Ingress>),
    /// A custom resource (HTTPRoute, TargetGroupConfiguration), namespaced.
    Custom(Box<DynamicObject>, Box<ApiResource>),
}

impl Object {
    pub(crate) fn name(&self) -> String {
        match self {
            Object::Namespace(o) => o.name_any(),
            Object::Service(o) => o.name_any(),
            Object::Ingress(o) => o.name_any(),
            Object::Custom(o, _) => o.name_any(),
        }
    }

    /// kubectl's `-o name` form.
    pub(crate) fn kind_name(&self) -> String {
        let kind = match self {
            Object::Namespace(_) => "namespace".to_string(),
            Object::Service(_) => "service".to_string(),
            Object::Ingress(_) => "ingress.networking.k8s.io".to_string(),
            Object::Custom(_, ar) => format!("{}.{}", ar.kind.to_ascii_lowercase(), ar.group),
        };
        format!("{kind}/{}", self.name())
    }

    pub(crate) fn to_value(&self) -> Value {
        let v = match self {
            Object::Namespace(o) => serde_json::to_value(o),
            Object::Service(o) => serde_json::to_value(o),
            Object::Ingress(o) => serde_json::to_value(o),
            Object::Custom(o, _) => serde_json::to_value(o),
        };
        v.unwrap_or(Value::Null)
    }
}

/// What an apply did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Created,
    Configured,
    Unchanged,
}

impl Outcome {
    pub(crate) fn word(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Configured => "configured",
            Outcome::Unchanged => "unchanged",
        }
    }
}

/// The result of applying one object.
pub(crate) struct Applied {
    pub(crate) object: Object,
    pub(crate) outcome: Outcome,
    /// The object as the server returned it.
    pub(crate) result: Value,
    /// The live object before, if there was one.
    pub(crate) before: Option<Value>,
}

/// Live resourceVersions by `kind/name`; None when the object is absent.
pub(crate) type Known = std::collections::BTreeMap<String, Option<String>>;

/// Applies objects in the session's namespace.
pub(crate) struct Applier<'a> {
    pub(crate) session: &'a Session,
    /// `--force-conflicts`.
    pub(crate) force_conflicts: bool,
    /// Live resourceVersions already read, so a real apply does not read
    /// the object again.
    pub(crate) known: Known,
}

impl Applier<'_> {
    fn params(&self, dry_run: bool) -> PatchParams {
        let mut p = PatchParams::apply(FIELD_MANAGER);
        if self.force_conflicts {
            p = p.force();
        }
        if dry_run {
            p = p.dry_run();
        }
        p
    }

    async fn apply_one<K>(
        &self,
        api: Api<K>,
        obj: &K,
        kind_name: &str,
        dry_run: bool,
    ) -> Result<(Option<Value>, Value, Outcome)>
    where
        K: Resource + Clone + DeserializeOwned + Serialize + Debug,
    {
        let name = obj.meta().name.clone().unwrap_or_default();
        let to_value = |o: &K| serde_json::to_value(o).unwrap_or(Value::Null);
        let rv = |o: &K| o.meta().resource_version.clone();
        // (the live object when read here, its resourceVersion if it exists)
        let (before, before_rv) = match self.known.get(kind_name) {
            Some(known) => (None, known.clone().map(Some)),
            _ => {
                let live = api
                    .get_opt(&name)
                    .await
                    .map_err(|e| api_error(&self.session.context, e))?;
                let version = live.as_ref().map(rv);
                (live.as_ref().map(to_value), version)
            }
        };
        let after = api
            .patch(&name, &self.params(dry_run), &Patch::Apply(obj))
            .await
            .map_err(|e| self.apply_error(&name, e))?;
        let outcome = match before_rv {
            None => Outcome::Created,
            Some(v) if v == rv(&after) => Outcome::Unchanged,
            Some(_) => Outcome::Configured,
        };
        Ok((before, to_value(&after), outcome))
    }

    fn apply_error(&self, name: &str, e: kube::Error) -> Error {
        if let kube::Error::Api(s) = &e
            && s.code == 409
        {
            return Error::Failed(format!(
                "{name}: another field manager owns fields publish sets ({}); rerun with --force-conflicts to take them over",
                s.message
            ));
        }
        api_error(&self.session.context, e)
    }

    pub(crate) async fn apply(&self, object: &Object, dry_run: bool) -> Result<Applied> {
        let kind_name = object.kind_name();
        let kind_name = kind_name.as_str();
        let (before, result, outcome) = match object {
            Object::Namespace(o) => {
                self.apply_one(
                    Api::<Namespace>::all(self.session.client.clone()),
                    &**o,
                    kind_name,
                    dry_run,
                )
                .await?
            }
            Object::Service(o) => {
                self.apply_one(
                    Api::<Service>::namespaced(
                        self.session.client.clone(),
                        &self.session.namespace,
                    ),
                    &**o,
                    kind_name,
                    dry_run,
                )
                .await?
            }
            Object::Ingress(o) => {
                self.apply_one(
                    Api::<Ingress>::namespaced(
                        self.session.client.clone(),
                        &self.session.namespace,
                    ),
                    &**o,
                    kind_name,
                    dry_run,
                )
                .await?
            }
            Object::Custom(o, ar) => {
                self.apply_one(
                    Api::<DynamicObject>::namespaced_with(
                        self.session.client.clone(),
                        &self.session.namespace,
                        ar,
                    ),
                    &**o,
                    kind_name,
                    dry_run,
                )
                .await?
            }
        };
        Ok(Applied {
            object: object.clone(),
            outcome,
            result,
            before,
        })
    }

    /// Applies every object. Each one after the first is first sent as a
    /// server dry run, so a rejected object stops the run before anything is
    /// written (the first one fails alone if it fails). Should a later write
    /// still fail, what this run created is undone: objects it created are
    /// deleted, and a readiness-gate label it added is removed.
    pub(crate) async fn apply_all(&self, objects: &[Object]) -> Result<Vec<Applied>> {
        for o in objects.iter().skip(1) {
            self.apply(o, true).await?;
        }
        let mut done: Vec<Applied> = Vec::new();
        for o in objects {
            match self.apply(o, false).await {
                Ok(a) => done.push(a),
                Err(e) => {
                    let undone = self.undo(&done).await;
                    if undone.is_empty() {
                        return Err(e);
                    }
                    return Err(Error::Failed(format!(
                        "{e}; undid {}, which this run had made",
                        undone.join(", ")
                    )));
                }
            }
        }
        Ok(done)
    }

    /// Undoes, newest first, what these applies created; what existed before
    /// the run is left as it was. Returns what it undid.
    async fn undo(&self, done: &[Applied]) -> Vec<String> {
        let client = &self.session.client;
        let ns = &self.session.namespace;
        let delete = DeleteParams::default();
        let mut undone = Vec::new();
        for a in done.iter().rev() {
            let name = a.object.name();
            let created = a.outcome == Outcome::Created;
            let ok = match &a.object {
                Object::Service(_) if created => Api::<Service>::namespaced(client.clone(), ns)
                    .delete(&name, &delete)
                    .await
                    .is_ok(),
                Object::Ingress(_) if created => Api::<Ingress>::namespaced(client.clone(), ns)
                    .delete(&name, &delete)
                    .await
                    .is_ok(),
                Object::Custom(_, ar) if created => {
                    Api::<DynamicObject>::namespaced_with(client.clone(), ns, ar)
                        .delete(&name, &delete)
                        .await
                        .is_ok()
                }
                // Never delete a namespace; take back only a label this run added.
                Object::Namespace(_) if added_gate_label(a) => {
                    let patch =
                        serde_json::json!({"metadata": {"labels": {READINESS_GATE_LABEL: null}}});
                    Api::<Namespace>::all(client.clone())
                        .patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
                        .await
                        .is_ok()
                }
                _ => false,
            };
            if ok {
                let what = a.object.kind_name();
                undone.push(match &a.object {
                    Object::Namespace(_) => format!("label {READINESS_GATE_LABEL} on {what}"),
                    _ => what,
                });
            }
        }
        undone
    }
}

/// Whether this apply put the readiness-gate label on the namespace (it was
/// not there before).
fn added_gate_label(a: &Applied) -> bool {
    let had = |v: Option<&Value>| {
        v.and_then(|v| v.pointer("/metadata/labels"))
            .and_then(|l| l.get(READINESS_GATE_LABEL))
            .is_some()
    };
    a.outcome != Outcome::Unchanged
        && a.before.is_some()
        && !had(a.before.as_ref())
        && had(Some(&a.result))
}

/// Drops what the server adds to every object, for diffs.
pub(crate) fn strip_server_fields(v: &mut Value) {
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        for k in [
            "managedFields",
            "resourceVersion",
            "uid",
            "generation",
            "creationTimestamp",
        ] {
            meta.remove(k);
        }
        if let Some(a) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            a.remove("kubectl.kubernetes.io/last-applied-configuration");
            if a.is_empty() {
                meta.remove("annotations");
            }
        }
    }
    if let Some(o) = v.as_object_mut() {
        o.remove("status");
    }
}

/// YAML as kubectl writes it: long strings (ARNs, JSON annotations) stay on
/// one line instead of folding.
pub(crate) fn to_yaml(v: &Value) -> Result<String> {
    let options = serde_saphyr::ser_options! { prefer_block_scalars: false };
    serde_saphyr::to_string_with_options(v, options).map_err(|e| Error::Failed(e.to_string()))
}

/// A unified diff of one object, live against what applying would make.
pub(crate) fn diff(kind_name: &str, live: Option<&Value>, planned: &Value) -> Result<String> {
    let render = |v: Option<&Value>| -> Result<String> {
        match v {
            None => Ok(String::new()),
            Some(v) => {
                let mut v = v.clone();
                strip_server_fields(&mut v);
                to_yaml(&v)
            }
        }
    };
    let old = render(live)?;
    let new = render(Some(planned))?;
    if old == new {
        return Ok(String::new());
    }
    let d = similar::TextDiff::from_lines(&old, &new);
    Ok(d.unified_diff()
        .context_radius(3)
        .header(
            &format!("live/{kind_name}"),
            &format!("publish/{kind_name}"),
        )
        .to_string())
}

/// Objects as a YAML stream (`---` between documents).
pub(crate) fn yaml_stream(values: &[Value]) -> Result<String> {
    let mut out = String::new();
    for v in values {
        let doc = to_yaml(v)?;
        out.push_str("---\n");
        out.push_str(doc.trim_start_matches("---\n"));
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    Ok(out)
}

/// Objects as a kubectl `List`.
pub(crate) fn json_list(values: &[Value]) -> Value {
    serde_json::json!({
        "apiVersion": "v1",
        "kind": "List",
        "items": values,
        "metadata": {},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_ignores_server_fields() {
        let live = serde_json::json!({
            "metadata": {"name": "web", "resourceVersion": "1", "managedFields": [{}], "labels": {"a": "1"}},
            "spec": {"x": 1},
            "status": {"y": 2}
        });
        let same = serde_json::json!({"metadata": {"name": "web", "resourceVersion": "2", "labels": {"a": "1"}}, "spec": {"x": 1}});
        assert_eq!(diff("service/web", Some(&live), &same).unwrap(), "");
        let changed = serde_json::json!({"metadata": {"name": "web", "labels": {"a": "2"}}, "spec": {"x": 1}});
        let d = diff("service/web", Some(&live), &changed).unwrap();
        assert!(d.contains("--- live/service/web"), "{d}");
        assert!(
            d.contains("-    a: '1'") || d.contains("-    a: \"1\""),
            "{d}"
        );
        let created = diff("service/web", None, &changed).unwrap();
        assert!(created.contains("+  name: web"), "{created}");
    }

    #[test]
    fn yaml_stream_separates_documents() {
        let s = yaml_stream(&[serde_json::json!({"a": 1}), serde_json::json!({"b": 2})]).unwrap();
        assert_eq!(s, "---\na: 1\n---\nb: 2\n");
    }
}
