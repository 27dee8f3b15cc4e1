//! The reference graph: which objects in a namespace name a Secret or
//! ConfigMap, and at which JSON path.
//!
//! Every kind is read as JSON (`DynamicObject`), so one walker covers pod
//! templates wherever they sit (Deployment, CronJob `jobTemplate`, a
//! ControllerRevision's stored template, Argo Rollouts) and yields exact
//! JSON pointers for the switch patches.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;

use super::kinds::HolderKind;
use super::target::{Target, TargetKind};

/// One place that names the object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reference {
    /// JSON pointer to the name string.
    pub(crate) pointer: String,
    /// Where it is, for people: `containers[web].env[PASSWORD]`.
    pub(crate) field: String,
    /// The name referenced (the base or a version).
    pub(crate) name: String,
    /// Keys read through this reference; `None` means every key.
    pub(crate) keys: Option<Vec<String>>,
    /// An env var or volume marked `optional: true`.
    pub(crate) optional: bool,
}

/// What may be done with an object that references the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Role {
    /// Patched by a switch.
    Switch,
    /// Cannot be switched; shown to the user with the reason.
    Report(String),
    /// Managed by another object (a Deployment's ReplicaSet, a Job's Pod):
    /// never patched, but it keeps its version in use.
    Owned { owner: String },
}

/// An object with its references to the target family.
#[derive(Debug, Clone)]
pub(crate) struct Holder {
    pub(crate) kind: HolderKind,
    pub(crate) name: String,
    pub(crate) meta: ObjectMeta,
    pub(crate) object: Value,
    pub(crate) refs: Vec<Reference>,
    pub(crate) role: Role,
}

impl Holder {
    /// Builds the holder view of an object; `None` when it references nothing
    /// of the family.
    pub(crate) fn from_object(kind: HolderKind, object: Value, target: &Target) -> Option<Holder> {
        let refs = scan(kind, &object, target.kind, &|n| target.is_family_name(n));
        if refs.is_empty() {
            return None;
        }
        let meta: ObjectMeta = serde_json::from_value(object["metadata"].clone()).ok()?;
        let name = meta.name.clone().unwrap_or_default();
        let role = role(kind, &meta);
        Some(Holder {
            kind,
            name,
            meta,
            object,
            refs,
            role,
        })
    }

    /// `deployment.apps/web`.
    pub(crate) fn display(&self) -> String {
        format!("{}/{}", self.kind.resource(), self.name)
    }

    /// Pods that still run (not Succeeded or Failed).
    pub(crate) fn is_live_pod(&self) -> bool {
        self.kind == HolderKind::Pod
            && !matches!(
                self.object.pointer("/status/phase").and_then(Value::as_str),
                Some("Succeeded" | "Failed")
            )
    }

    /// A Job that has not finished.
    pub(crate) fn is_active_job(&self) -> bool {
        self.kind == HolderKind::Job
            && !self
                .object
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|c| {
                    matches!(c["type"].as_str(), Some("Complete" | "Failed"))
                        && c["status"] == "True"
                })
    }

    /// Distinct names this holder references, in order of first use.
    pub(crate) fn names(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for r in &self.refs {
            if !out.contains(&r.name.as_str()) {
                out.push(&r.name);
            }
        }
        out
    }
}

fn role(kind: HolderKind, meta: &ObjectMeta) -> Role {
    use HolderKind::*;
    let owner = meta.owner_references.as_ref().and_then(|refs| {
        refs.iter()
            .find(|o| o.controller == Some(true))
            .or_else(|| refs.first())
            .map(|o| {
                let res = HolderKind::from_kind(&o.kind)
                    .map(|k| k.resource().to_string())
                    .unwrap_or_else(|| o.kind.to_lowercase());
                format!("{res}/{}", o.name)
            })
    });
    match (kind, owner) {
        (ReplicaSet | Job | Pod | ControllerRevision, Some(owner)) => Role::Owned { owner },
        (ControllerRevision, None) => Role::Owned {
            owner: "nothing".into(),
        },
        (Job, None) => Role::Report(
            "a Job's pod template cannot change; it keeps this version until it finishes".into(),
        ),
        (Pod, None) => {
            Role::Report("a bare Pod cannot be switched; recreate it to use the new version".into())
        }
        (_, Some(owner)) => {
            Role::Report(format!("controlled by {owner}; change the reference there"))
        }
        (_, None) => Role::Switch,
    }
}

/// Every reference in one object to a name accepted by `matches`.
pub(crate) fn scan(
    kind: HolderKind,
    object: &Value,
    target: TargetKind,
    matches: &dyn Fn(&str) -> bool,
) -> Vec<Reference> {
    let mut out = Vec::new();
    let mut add = |pointer: String, field: String, name: &Value, keys, optional: &Value| {
        if let Some(name) = name.as_str()
            && matches(name)
        {
            out.push(Reference {
                pointer,
                field,
                name: name.to_string(),
                keys,
                optional: optional.as_bool() == Some(true),
            });
        }
    };
    if let Some(p) = kind.pod_spec_pointer() {
        if let Some(spec) = object.pointer(p) {
            scan_pod_spec(spec, p, target, &mut add);
        }
        return out;
    }
    if target != TargetKind::Secret {
        return out;
    }
    match kind {
        HolderKind::ServiceAccount => {
            for (list, what) in [
                ("imagePullSecrets", "imagePullSecrets"),
                ("secrets", "secrets"),
            ] {
                for (i, item) in items(object, &format!("/{list}")) {
                    add(
                        format!("/{list}/{i}/name"),
                        format!("{what}[{i}]"),
                        &item["name"],
                        None,
                        &Value::Null,
                    );
                }
            }
        }
        HolderKind::Ingress => {
            for (i, tls) in items(object, "/spec/tls") {
                add(
                    format!("/spec/tls/{i}/secretName"),
                    format!("tls[{i}]"),
                    &tls["secretName"],
                    None,
                    &Value::Null,
                );
            }
        }
        _ => {}
    }
    out
}

fn items<'a>(v: &'a Value, pointer: &str) -> impl Iterator<Item = (usize, &'a Value)> {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
}

fn item_keys(v: &Value) -> Option<Vec<String>> {
    v.get("items").and_then(Value::as_array).map(|items| {
        items
            .iter()
            .filter_map(|i| i["key"].as_str().map(str::to_string))
            .collect()
    })
}

type AddRef<'a> = dyn FnMut(String, String, &Value, Option<Vec<String>>, &Value) + 'a;

/// The field names a pod spec uses for one target kind.
struct PodFields {
    /// The volume source, also inside a projected volume: `secret`, `configMap`.
    volume: &'static str,
    /// The name field of that volume source.
    volume_name: &'static str,
    key_ref: &'static str,
    env_from: &'static str,
}

impl PodFields {
    fn of(target: TargetKind) -> PodFields {
        match target {
            TargetKind::Secret => PodFields {
                volume: "secret",
                volume_name: "secretName",
                key_ref: "secretKeyRef",
                env_from: "secretRef",
            },
            TargetKind::ConfigMap => PodFields {
                volume: "configMap",
                volume_name: "name",
                key_ref: "configMapKeyRef",
                env_from: "configMapRef",
            },
        }
    }
}

fn scan_pod_spec(spec: &Value, prefix: &str, target: TargetKind, add: &mut AddRef<'_>) {
    let fields = PodFields::of(target);
    scan_volumes(spec, prefix, target, &fields, add);
    scan_containers(spec, prefix, &fields, add);
    if target == TargetKind::Secret {
        for (i, s) in items(spec, "/imagePullSecrets") {
            add(
                format!("{prefix}/imagePullSecrets/{i}/name"),
                format!("imagePullSecrets[{i}]"),
                &s["name"],
                None,
                &Value::Null,
            );
        }
    }
}

/// Volumes, projected volume sources and (Secrets only) CSI node-publish secrets.
fn scan_volumes(
    spec: &Value,
    prefix: &str,
    target: TargetKind,
    f: &PodFields,
    add: &mut AddRef<'_>,
) {
    let (vol_field, vol_name) = (f.volume, f.volume_name);
    for (i, vol) in items(spec, "/volumes") {
        let vname = vol["name"].as_str().unwrap_or("?");
        let src = &vol[vol_field];
        if src.is_object() {
            add(
                format!("{prefix}/volumes/{i}/{vol_field}/{vol_name}"),
                format!("volumes[{vname}]"),
                &src[vol_name],
                item_keys(src),
                &src["optional"],
            );
        }
        for (j, source) in items(vol, "/projected/sources") {
            let src = &source[vol_field];
            if src.is_object() {
                add(
                    format!("{prefix}/volumes/{i}/projected/sources/{j}/{vol_field}/name"),
                    format!("volumes[{vname}].projected[{j}]"),
                    &src["name"],
                    item_keys(src),
                    &src["optional"],
                );
            }
        }
        let csi = &vol["csi"]["nodePublishSecretRef"];
        if target == TargetKind::Secret && csi.is_object() {
            add(
                format!("{prefix}/volumes/{i}/csi/nodePublishSecretRef/name"),
                format!("volumes[{vname}].csi.nodePublishSecretRef"),
                &csi["name"],
                None,
                &Value::Null,
            );
        }
    }
}

/// `env[].valueFrom` key references and `envFrom` in every container group.
fn scan_containers(spec: &Value, prefix: &str, f: &PodFields, add: &mut AddRef<'_>) {
    let (key_ref, env_from_ref) = (f.key_ref, f.env_from);
    for group in ["initContainers", "containers", "ephemeralContainers"] {
        for (c, container) in items(spec, &format!("/{group}")) {
            let cname = container["name"].as_str().unwrap_or("?");
            for (e, env) in items(container, "/env") {
                let r = &env["valueFrom"][key_ref];
                if r.is_object() {
                    let keys = r["key"].as_str().map(|k| vec![k.to_string()]);
                    add(
                        format!("{prefix}/{group}/{c}/env/{e}/valueFrom/{key_ref}/name"),
                        format!(
                            "{group}[{cname}].env[{}]",
                            env["name"].as_str().unwrap_or("?")
                        ),
                        &r["name"],
                        keys,
                        &r["optional"],
                    );
                }
            }
            for (e, from) in items(container, "/envFrom") {
                let r = &from[env_from_ref];
                if r.is_object() {
                    add(
                        format!("{prefix}/{group}/{c}/envFrom/{e}/{env_from_ref}/name"),
                        format!("{group}[{cname}].envFrom[{e}]"),
                        &r["name"],
                        None,
                        &r["optional"],
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::fmt::Write as _;

    /// One line per reference, for messages: `containers[web].env[PASSWORD] (key password)`.
    fn describe(r: &Reference) -> String {
        let mut s = r.field.clone();
        if let Some(keys) = &r.keys {
            let _ = write!(
                s,
                " (key{} {})",
                if keys.len() == 1 { "" } else { "s" },
                keys.join(", ")
            );
        }
        if r.optional {
            s.push_str(" optional");
        }
        s
    }

    fn target() -> Target {
        Target::parse("app").unwrap()
    }

    fn pod_spec() -> Value {
        json!({
            "initContainers": [{"name": "init", "envFrom": [{"configMapRef": {"name": "app"}}, {"secretRef": {"name": "app"}}]}],
            "containers": [{
                "name": "web",
                "env": [
                    {"name": "PLAIN", "value": "x"},
                    {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "app-h8mdbf6h8f", "key": "password"}}},
                    {"name": "OTHER", "valueFrom": {"secretKeyRef": {"name": "other", "key": "k"}}}
                ]
            }],
            "ephemeralContainers": [{"name": "debug", "env": [{"name": "T", "valueFrom": {"secretKeyRef": {"name": "app", "key": "token", "optional": true}}}]}],
            "volumes": [
                {"name": "creds", "secret": {"secretName": "app", "items": [{"key": "tls.crt", "path": "c"}]}},
                {"name": "all", "projected": {"sources": [{"serviceAccountToken": {"path": "t"}}, {"secret": {"name": "app"}}, {"configMap": {"name": "app"}}]}},
                {"name": "csi", "csi": {"driver": "d", "nodePublishSecretRef": {"name": "app"}}},
                {"name": "cm", "configMap": {"name": "app"}}
            ],
            "imagePullSecrets": [{"name": "regcred"}, {"name": "app"}]
        })
    }

    #[test]
    fn finds_every_secret_reference_in_a_deployment() {
        let obj = json!({"metadata": {"name": "web"}, "spec": {"template": {"spec": pod_spec()}}});
        let t = target();
        let refs = scan(HolderKind::Deployment, &obj, TargetKind::Secret, &|n| {
            t.is_family_name(n)
        });
        let fields: Vec<String> = refs.iter().map(describe).collect();
        assert_eq!(
            fields,
            vec![
                "volumes[creds] (key tls.crt)",
                "volumes[all].projected[1]",
                "volumes[csi].csi.nodePublishSecretRef",
                "initContainers[init].envFrom[1]",
                "containers[web].env[PASSWORD] (key password)",
                "ephemeralContainers[debug].env[T] (key token) optional",
                "imagePullSecrets[1]",
            ]
        );
        for r in &refs {
            assert_eq!(
                obj.pointer(&r.pointer).and_then(Value::as_str),
                Some(r.name.as_str()),
                "{}",
                r.pointer
            );
        }
        assert_eq!(refs[4].name, "app-h8mdbf6h8f");
    }

    #[test]
    fn configmap_references_skip_secret_only_fields() {
        let obj = json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": pod_spec()}}}}});
        let t = Target::parse("configmap/app").unwrap();
        let refs = scan(HolderKind::CronJob, &obj, TargetKind::ConfigMap, &|n| {
            t.is_family_name(n)
        });
        let pointers: Vec<&str> = refs.iter().map(|r| r.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            vec![
                "/spec/jobTemplate/spec/template/spec/volumes/1/projected/sources/2/configMap/name",
                "/spec/jobTemplate/spec/template/spec/volumes/3/configMap/name",
                "/spec/jobTemplate/spec/template/spec/initContainers/0/envFrom/0/configMapRef/name",
            ]
        );
    }

    #[test]
    fn service_account_ingress_and_controller_revision() {
        let t = target();
        let m = |n: &str| t.is_family_name(n);
        let sa = json!({"imagePullSecrets": [{"name": "app"}], "secrets": [{"name": "tok"}, {"name": "app-h8mdbf6h8f"}]});
        let refs = scan(HolderKind::ServiceAccount, &sa, TargetKind::Secret, &m);
        assert_eq!(
            refs.iter().map(|r| r.pointer.as_str()).collect::<Vec<_>>(),
            vec!["/imagePullSecrets/0/name", "/secrets/1/name"]
        );
        assert!(scan(HolderKind::ServiceAccount, &sa, TargetKind::ConfigMap, &m).is_empty());
        let ing = json!({"spec": {"tls": [{"secretName": "app"}]}});
        assert_eq!(
            scan(HolderKind::Ingress, &ing, TargetKind::Secret, &m)[0].field,
            "tls[0]"
        );
        let cr = json!({"data": {"spec": {"template": {"$patch": "replace", "spec": {"volumes": [{"name": "v", "secret": {"secretName": "app"}}]}}}}});
        assert_eq!(
            scan(HolderKind::ControllerRevision, &cr, TargetKind::Secret, &m).len(),
            1
        );
    }

    #[test]
    fn roles() {
        let t = target();
        let pod = |owner: Value| json!({"metadata": {"name": "p", "ownerReferences": owner}, "spec": {"imagePullSecrets": [{"name": "app"}]}});
        let bare = Holder::from_object(HolderKind::Pod, pod(json!([])), &t).unwrap();
        assert!(matches!(bare.role, Role::Report(_)));
        let owned = Holder::from_object(
            HolderKind::Pod,
            pod(json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-5d", "uid": "u", "controller": true}])),
            &t,
        )
        .unwrap();
        assert_eq!(
            owned.role,
            Role::Owned {
                owner: "replicaset.apps/web-5d".into()
            }
        );
        let deploy = json!({"metadata": {"name": "web"}, "spec": {"template": {"spec": {"imagePullSecrets": [{"name": "app"}]}}}});
        assert_eq!(
            Holder::from_object(HolderKind::Deployment, deploy, &t)
                .unwrap()
                .role,
            Role::Switch
        );
        let unrelated = json!({"metadata": {"name": "x"}, "spec": {"template": {"spec": {"imagePullSecrets": [{"name": "apps"}]}}}});
        assert!(Holder::from_object(HolderKind::Deployment, unrelated, &t).is_none());
    }

    #[test]
    fn jobs_and_pods_liveness() {
        let t = target();
        let job = |conds: Value| {
            Holder::from_object(
                HolderKind::Job,
                json!({"metadata": {"name": "j"}, "spec": {"template": {"spec": {"imagePullSecrets": [{"name": "app"}]}}}, "status": {"conditions": conds}}),
                &t,
            )
            .unwrap()
        };
        assert!(job(json!([])).is_active_job());
        assert!(!job(json!([{"type": "Complete", "status": "True"}])).is_active_job());
        let pod = Holder::from_object(
            HolderKind::Pod,
            json!({"metadata": {"name": "p"}, "spec": {"imagePullSecrets": [{"name": "app"}]}, "status": {"phase": "Succeeded"}}),
            &t,
        )
        .unwrap();
        assert!(!pod.is_live_pod());
    }
}
