//! API access for the rotate capability: reading holders and versions,
//! applying a version, patching and deleting. Requests of one phase run
//! concurrently; nothing here prints.

use std::collections::BTreeMap;

use futures::future::try_join_all;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, Preconditions};
use kube::core::DynamicObject;
use serde_json::{Value, json};

use super::args::DryRun;
use super::content::Content;
use super::kinds::HolderKind;
use super::reach::{self, Holders, NotChecked};
use super::refs::{Holder, Role};
use super::target::{Target, TargetKind};
use crate::client::{self, Connection};
use crate::error::{Error, Result};

/// The field manager for every write.
pub(crate) const FIELD_MANAGER: &str = "honban";

use crate::labels::rotate::{ANN_BASE, LABEL_BASE, LABEL_MANAGED_BY, LABEL_REVISION, MANAGED_BY};
/// The version that was in use before this one became current.
pub(crate) const ANN_PREVIOUS: &str = "rotate.honban.io/previous";
/// Set when a rollout to this version failed and was switched back.
pub(crate) const ANN_FAILED: &str = "rotate.honban.io/failed";

/// One version of the family: a `BASE-<hash>` object, or the unversioned
/// original `BASE` (revision 0).
#[derive(Debug, Clone)]
pub(crate) struct Version {
    pub(crate) name: String,
    pub(crate) revision: u32,
    pub(crate) content: Content,
    pub(crate) meta: ObjectMeta,
}

impl Version {
    fn annotation(&self, key: &str) -> Option<&str> {
        self.meta
            .annotations
            .as_ref()
            .and_then(|a| a.get(key))
            .map(String::as_str)
    }

    pub(crate) fn previous(&self) -> Option<&str> {
        self.annotation(ANN_PREVIOUS)
    }

    pub(crate) fn failed(&self) -> Option<&str> {
        self.annotation(ANN_FAILED)
    }

    pub(crate) fn is_original(&self, target: &Target) -> bool {
        self.name == target.base
    }
}

/// The label value naming the base; names longer than a label value are hashed.
pub(crate) fn base_label(base: &str) -> String {
    if base.len() <= 63 {
        base.to_string()
    } else {
        use sha2::Digest;
        let d = sha2::Sha256::digest(base.as_bytes());
        let hex: String = d.iter().take(20).map(|b| format!("{b:02x}")).collect();
        format!("sha256-{hex}")
    }
}

/// What to write for a version.
pub(crate) struct VersionSpec<'a> {
    pub(crate) name: &'a str,
    pub(crate) revision: u32,
    pub(crate) content: &'a Content,
    pub(crate) previous: Option<&'a str>,
    pub(crate) failed: Option<&'a str>,
}

/// Server-side dry run or a real request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Write {
    Real,
    ServerDryRun,
}

impl Write {
    /// The write a `--dry-run` mode makes; `client` makes none, so it is
    /// asked only for the other two.
    pub(crate) fn of(dry_run: Option<DryRun>) -> Write {
        if dry_run == Some(DryRun::Server) {
            Write::ServerDryRun
        } else {
            Write::Real
        }
    }
}

pub(crate) struct Session {
    pub(crate) client: kube::Client,
    pub(crate) context: String,
    pub(crate) namespace: String,
    pub(crate) target: Target,
}

impl Session {
    /// A session on the connection's namespace for one target.
    pub(crate) fn new(conn: Connection, target: Target) -> Session {
        Session {
            client: conn.client,
            context: conn.context,
            namespace: conn.namespace,
            target,
        }
    }

    pub(crate) fn api_error(&self, what: &str, e: kube::Error) -> Error {
        let message = match &e {
            e if client::namespace_terminating(e) => format!(
                "{what}: namespace {} is being deleted, and nothing new can be created in it until it is gone; rotate in another namespace",
                self.namespace
            ),
            kube::Error::Api(s) if s.code == 403 => format!(
                "{what}: forbidden for this user in namespace {} ({}); rotate-secret needs to read every workload and manage the {}s",
                self.namespace,
                s.message,
                self.target.kind.resource()
            ),
            kube::Error::Api(s) => format!("{what}: {} ({})", s.message, s.reason),
            other => format!("{what}: {}", client::describe(&self.context, other)),
        };
        Error::Api {
            context: self.context.clone(),
            message,
        }
    }

    fn dynamic(&self, kind: HolderKind) -> Api<DynamicObject> {
        Api::namespaced_with(self.client.clone(), &self.namespace, &kind.api_resource())
    }

    /// Every object of one kind in the namespace, as JSON; an absent API
    /// (Argo Rollouts not installed) is an empty list.
    pub(crate) async fn list_kind(&self, kind: HolderKind) -> Result<Vec<Value>> {
        self.list_raw(kind)
            .await
            .map_err(|e| self.api_error(&format!("list {}", kind.api_resource().plural), e))
    }

    async fn list_raw(&self, kind: HolderKind) -> std::result::Result<Vec<Value>, kube::Error> {
        let ar = kind.api_resource();
        match self.dynamic(kind).list(&ListParams::default()).await {
            // List items come without apiVersion and kind; output needs them.
            Ok(list) => list
                .items
                .into_iter()
                .map(|o| {
                    let mut v = serde_json::to_value(o).map_err(kube::Error::SerdeError)?;
                    v["apiVersion"] = json!(ar.api_version);
                    v["kind"] = json!(ar.kind);
                    Ok(v)
                })
                .collect(),
            Err(kube::Error::Api(s)) if s.code == 404 && kind.is_optional() => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// One kind's objects; an optional kind is asked for only when the
    /// cluster serves it, and one this user may not list is not checked.
    async fn scan_kind(&self, kind: HolderKind) -> Result<Option<Vec<Value>>> {
        let listed = match reach::served(&self.client, kind).await {
            Ok(false) => return Ok(Some(Vec::new())),
            Ok(true) => self.list_raw(kind).await,
            Err(e) => Err(e),
        };
        match listed {
            Ok(items) => Ok(Some(items)),
            Err(kube::Error::Api(s)) if s.code == 403 && kind.is_optional() => Ok(None),
            Err(e) => Err(self.api_error(&format!("list {}", kind.api_resource().plural), e)),
        }
    }

    /// Objects of the given kinds that reference the family, one LIST per kind.
    pub(crate) async fn holders(&self, kinds: Vec<HolderKind>) -> Result<Holders> {
        let lists = try_join_all(
            kinds
                .into_iter()
                .map(|k| async move { self.scan_kind(k).await.map(|items| (k, items)) }),
        )
        .await?;
        let mut out = Holders::default();
        for (kind, items) in lists {
            let Some(items) = items else {
                out.not_checked.push(NotChecked {
                    kind,
                    namespace: self.namespace.clone(),
                });
                continue;
            };
            out.found.extend(
                items
                    .into_iter()
                    .filter_map(|o| Holder::from_object(kind, o, &self.target)),
            );
        }
        Ok(out)
    }

    /// What a switch reads: the versions and every object that may name
    /// one. A kind this user may not list stops the switch here, before any write.
    pub(crate) async fn switch_inputs(&self) -> Result<(Vec<Version>, Vec<Holder>)> {
        let (versions, holders) = tokio::try_join!(
            self.versions(),
            self.holders(HolderKind::for_switch(self.target.kind))
        )?;
        let holders = holders.require_all(
            &self.context,
            &format!("switch {}", self.target.display()),
            "list and patch",
        )?;
        Ok((versions, holders))
    }

    fn version_from(&self, meta: ObjectMeta, content: Content) -> Version {
        let revision = meta
            .labels
            .as_ref()
            .and_then(|l| l.get(LABEL_REVISION))
            .and_then(|r| r.parse().ok())
            .unwrap_or(0);
        Version {
            name: meta.name.clone().unwrap_or_default(),
            revision,
            content,
            meta,
        }
    }

    /// The labelled versions of the family, oldest revision first.
    pub(crate) async fn versions(&self) -> Result<Vec<Version>> {
        let lp = ListParams::default().labels(&format!(
            "{LABEL_MANAGED_BY}={MANAGED_BY},{LABEL_BASE}={}",
            base_label(&self.target.base)
        ));
        let what = format!("list {}s", self.target.kind.resource());
        let mut out: Vec<Version> = match self.target.kind {
            TargetKind::Secret => Api::<Secret>::namespaced(self.client.clone(), &self.namespace)
                .list(&lp)
                .await
                .map_err(|e| self.api_error(&what, e))?
                .items
                .into_iter()
                .map(|s| {
                    let c = Content::from_secret(&s);
                    self.version_from(s.metadata, c)
                })
                .collect(),
            TargetKind::ConfigMap => {
                Api::<ConfigMap>::namespaced(self.client.clone(), &self.namespace)
                    .list(&lp)
                    .await
                    .map_err(|e| self.api_error(&what, e))?
                    .items
                    .into_iter()
                    .map(|c| {
                        let content = Content::from_configmap(&c);
                        self.version_from(c.metadata, content)
                    })
                    .collect()
            }
        };
        // A hashed label can collide in theory; the annotation has the full name.
        out.retain(|v| {
            v.meta
                .annotations
                .as_ref()
                .and_then(|a| a.get(ANN_BASE))
                .is_none_or(|b| *b == self.target.base)
        });
        out.sort_by_key(|v| v.revision);
        Ok(out)
    }

    /// Reads one object of the target's kind by name.
    pub(crate) async fn get(&self, name: &str) -> Result<Option<Version>> {
        let what = format!("get {}/{name}", self.target.kind.resource());
        Ok(match self.target.kind {
            TargetKind::Secret => Api::<Secret>::namespaced(self.client.clone(), &self.namespace)
                .get_opt(name)
                .await
                .map_err(|e| self.api_error(&what, e))?
                .map(|s| {
                    let c = Content::from_secret(&s);
                    self.version_from(s.metadata, c)
                }),
            TargetKind::ConfigMap => {
                Api::<ConfigMap>::namespaced(self.client.clone(), &self.namespace)
                    .get_opt(name)
                    .await
                    .map_err(|e| self.api_error(&what, e))?
                    .map(|c| {
                        let content = Content::from_configmap(&c);
                        self.version_from(c.metadata, content)
                    })
            }
        })
    }

    /// The object as it is applied: immutable, labelled with base and revision.
    pub(crate) fn version_object(&self, spec: &VersionSpec) -> Value {
        let mut obj = spec.content.to_object(spec.name);
        let mut annotations = BTreeMap::new();
        annotations.insert(ANN_BASE.to_string(), self.target.base.clone());
        if let Some(p) = spec.previous {
            annotations.insert(ANN_PREVIOUS.to_string(), p.to_string());
        }
        if let Some(f) = spec.failed {
            annotations.insert(ANN_FAILED.to_string(), f.to_string());
        }
        obj["metadata"] = json!({
            "name": spec.name,
            "namespace": self.namespace,
            "labels": {
                LABEL_MANAGED_BY: MANAGED_BY,
                LABEL_BASE: base_label(&self.target.base),
                LABEL_REVISION: spec.revision.to_string(),
            },
            "annotations": annotations,
        });
        obj
    }

    /// Server-side apply of a version. An existing version with the same
    /// data only gets its labels and annotations updated (its data is
    /// immutable and identical, being named by its hash).
    pub(crate) async fn apply_version(
        &self,
        spec: &VersionSpec<'_>,
        write: Write,
    ) -> Result<Value> {
        let obj = self.version_object(spec);
        let pp = PatchParams {
            dry_run: write == Write::ServerDryRun,
            force: true,
            field_manager: Some(FIELD_MANAGER.to_string()),
            field_validation: None,
        };
        let what = format!("apply {}/{}", self.target.kind.resource(), spec.name);
        let api: Api<DynamicObject> = Api::namespaced_with(
            self.client.clone(),
            &self.namespace,
            &kube::core::ApiResource {
                group: String::new(),
                version: "v1".into(),
                api_version: "v1".into(),
                kind: self.target.kind.kind().into(),
                plural: format!("{}s", self.target.kind.resource()),
            },
        );
        let applied = api
            .patch(spec.name, &pp, &Patch::Apply(&obj))
            .await
            .map_err(|e| match &e {
                kube::Error::Api(s) if s.code == 422 && s.message.contains("immutable") => {
                    Error::Failed(format!(
                        "{}/{} exists with different content although its name is the hash of this content; it was not made by rotate-secret or was tampered with: delete it or choose another base name",
                        self.target.kind.resource(),
                        spec.name
                    ))
                }
                _ => self.api_error(&what, e),
            })?;
        serde_json::to_value(applied).map_err(|e| Error::Failed(e.to_string()))
    }

    /// A JSON patch on one holder; the raw kube error is returned so the
    /// caller can tell a conflict from other failures.
    pub(crate) async fn patch(
        &self,
        kind: HolderKind,
        name: &str,
        ops: &Value,
        write: Write,
    ) -> std::result::Result<Value, kube::Error> {
        let patch: json_patch::Patch =
            serde_json::from_value(ops.clone()).map_err(kube::Error::SerdeError)?;
        let pp = PatchParams {
            dry_run: write == Write::ServerDryRun,
            field_manager: Some(FIELD_MANAGER.to_string()),
            ..Default::default()
        };
        let obj = self
            .dynamic(kind)
            .patch(name, &pp, &Patch::Json::<()>(patch))
            .await?;
        serde_json::to_value(obj).map_err(kube::Error::SerdeError)
    }

    /// Deletes a version only if it is still the object that was read.
    pub(crate) async fn delete_version(&self, v: &Version, write: Write) -> Result<()> {
        let dp = DeleteParams {
            dry_run: write == Write::ServerDryRun,
            preconditions: Some(Preconditions {
                uid: v.meta.uid.clone(),
                resource_version: v.meta.resource_version.clone(),
            }),
            ..Default::default()
        };
        let what = format!("delete {}/{}", self.target.kind.resource(), v.name);
        let res = match self.target.kind {
            TargetKind::Secret => Api::<Secret>::namespaced(self.client.clone(), &self.namespace)
                .delete(&v.name, &dp)
                .await
                .map(|_| ()),
            TargetKind::ConfigMap => {
                Api::<ConfigMap>::namespaced(self.client.clone(), &self.namespace)
                    .delete(&v.name, &dp)
                    .await
                    .map(|_| ())
            }
        };
        match res {
            Ok(()) => Ok(()),
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
            Err(e) => Err(self.api_error(&what, e)),
        }
    }

    /// Events in the namespace about the named objects, oldest first.
    pub(crate) async fn events_for(&self, names: &[String]) -> Vec<Value> {
        let api: Api<DynamicObject> = Api::namespaced_with(
            self.client.clone(),
            &self.namespace,
            &kube::core::ApiResource {
                group: String::new(),
                version: "v1".into(),
                api_version: "v1".into(),
                kind: "Event".into(),
                plural: "events".into(),
            },
        );
        let Ok(list) = api.list(&ListParams::default()).await else {
            return Vec::new();
        };
        let mut events: Vec<Value> = list
            .items
            .into_iter()
            .filter_map(|e| serde_json::to_value(e).ok())
            .filter(|e| {
                e["involvedObject"]["name"]
                    .as_str()
                    .is_some_and(|n| names.iter().any(|x| x == n))
            })
            .collect();
        events.sort_by(|a, b| {
            let t = |e: &Value| {
                e["lastTimestamp"]
                    .as_str()
                    .or(e["eventTime"].as_str())
                    .unwrap_or("")
                    .to_string()
            };
            t(a).cmp(&t(b))
        });
        events
    }
}

/// The version most switchable references point to (ties: the newest
/// revision); with no references, the newest revision.
pub(crate) fn current_name(holders: &[Holder], versions: &[Version]) -> Option<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for h in holders.iter().filter(|h| h.role == Role::Switch) {
        for r in &h.refs {
            *counts.entry(r.name.as_str()).or_default() += 1;
        }
    }
    let revision = |name: &str| versions.iter().find(|v| v.name == name).map(|v| v.revision);
    counts
        .into_iter()
        .max_by_key(|(name, n)| (*n, revision(name)))
        .map(|(name, _)| name.to_string())
        .or_else(|| versions.last().map(|v| v.name.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_base_names_get_a_hashed_label() {
        assert_eq!(base_label("app"), "app");
        let long = "a".repeat(100);
        let l = base_label(&long);
        assert!(l.len() <= 63 && l.starts_with("sha256-"), "{l}");
        assert_ne!(l, base_label(&"b".repeat(100)));
    }
}
