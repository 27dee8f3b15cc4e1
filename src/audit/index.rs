//! Everything one audit run looks at, indexed for the cross-object checks
//! (PDB, NetworkPolicy, Service, HPA, RBAC): objects by kind and namespace,
//! pod-bearing workloads, and in live mode pod summaries and what could not
//! be read.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value};

use super::object::{Object, array_at, at, int_at, map_selector_matches, selector_matches, str_at};

/// A kind that could not be read (RBAC, API error); the report lists it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct NotChecked {
    pub(crate) kind: String,
    /// `None`: cluster-wide (or a cluster-scoped kind).
    pub(crate) namespace: Option<String>,
    pub(crate) reason: String,
    /// Forbidden, and left unread on purpose (`--allow-unread`): still
    /// listed, but no exit 4 on its account.
    pub(crate) allowed: bool,
}

/// What the checks need from a live pod. Controller-owned pods are kept only
/// as summaries: their spec is their controller's template, already checked.
#[derive(Debug, Clone)]
pub(crate) struct PodSummary {
    pub(crate) namespace: String,
    pub(crate) name: String,
    pub(crate) uid: String,
    pub(crate) labels: Map<String, Value>,
    pub(crate) owner: Option<(String, String)>,
    pub(crate) node: Option<String>,
    pub(crate) phase: String,
    pub(crate) created: Option<i64>,
    /// PodScheduled=False: why.
    pub(crate) unschedulable: Option<String>,
    /// Containers waiting in CrashLoopBackOff and friends: (name, reason, restarts).
    pub(crate) crashing: Vec<(String, String, i64)>,
}

/// An object that carries a pod template (or is a pod).
#[derive(Debug, Clone)]
pub(crate) struct Workload {
    pub(crate) obj: usize,
    /// Field path of the pod spec, e.g. `spec.template.spec`.
    pub(crate) spec_path: &'static [&'static str],
    pub(crate) meta_path: &'static [&'static str],
    /// Deployment, StatefulSet, ReplicaSet, ReplicationController, DeploymentConfig.
    pub(crate) scalable: bool,
    /// Runs to completion: Job, CronJob, or a pod that does not restart.
    pub(crate) batch: bool,
    /// The HorizontalPodAutoscaler that scales it.
    pub(crate) hpa: Option<usize>,
}

impl Workload {
    pub(crate) fn spec_prefix(&self) -> String {
        self.spec_path.join(".")
    }
}

#[derive(Debug, Default)]
pub struct Index {
    pub(crate) objects: Vec<Object>,
    pub(crate) live: bool,
    /// Live, every namespace was listed (-A): cluster-wide absences count.
    pub(crate) cluster_wide: bool,
    pub(crate) pods: Vec<PodSummary>,
    pub(crate) not_checked: Vec<NotChecked>,
    /// Zones the cluster's nodes span (live), or `--zones` offline.
    pub(crate) zones: Option<usize>,
    pub(crate) node_zones: HashMap<String, String>,
    pub(crate) workloads: Vec<Workload>,
    by_kind: HashMap<String, Vec<usize>>,
    by_kind_ns: HashMap<(String, String), Vec<usize>>,
    /// Live pod summaries by namespace.
    pods_by_ns: HashMap<String, Vec<usize>>,
    /// Secrets and ConfigMaps referenced from anywhere: (kind, namespace, name).
    pub(crate) references: BTreeSet<(&'static str, String, String)>,
}

pub(crate) const SPEC_POD: &[&str] = &["spec"];
pub(crate) const META_POD: &[&str] = &["metadata"];
pub(crate) const SPEC_TEMPLATE: &[&str] = &["spec", "template", "spec"];
pub(crate) const META_TEMPLATE: &[&str] = &["spec", "template", "metadata"];
pub(crate) const SPEC_CRONJOB: &[&str] = &["spec", "jobTemplate", "spec", "template", "spec"];
pub(crate) const META_CRONJOB: &[&str] = &["spec", "jobTemplate", "spec", "template", "metadata"];

impl Index {
    pub(crate) fn new(
        objects: Vec<Object>,
        pods: Vec<PodSummary>,
        live: bool,
        not_checked: Vec<NotChecked>,
        zones_flag: Option<usize>,
    ) -> Index {
        let mut index = Index {
            objects,
            pods,
            live,
            not_checked,
            ..Index::default()
        };
        for (i, o) in index.objects.iter().enumerate() {
            index.by_kind.entry(o.kind.clone()).or_default().push(i);
            if o.namespace.is_some() {
                index
                    .by_kind_ns
                    .entry((o.kind.clone(), o.ns().to_string()))
                    .or_default()
                    .push(i);
            }
        }
        for (i, p) in index.pods.iter().enumerate() {
            index
                .pods_by_ns
                .entry(p.namespace.clone())
                .or_default()
                .push(i);
        }
        index.build_workloads();
        index.build_zones(zones_flag);
        index.build_references();
        index
    }

    pub(crate) fn of_kind(&self, kind: &str) -> impl Iterator<Item = (usize, &Object)> + '_ {
        self.by_kind
            .get(kind)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .map(|&i| (i, &self.objects[i]))
    }

    pub(crate) fn of_kind_in<'a>(
        &'a self,
        kind: &str,
        namespace: &str,
    ) -> impl Iterator<Item = (usize, &'a Object)> + 'a {
        self.by_kind_ns
            .get(&(kind.to_string(), namespace.to_string()))
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .map(|&i| (i, &self.objects[i]))
    }

    /// Live pod summaries of one namespace.
    pub(crate) fn pods_in<'a>(
        &'a self,
        namespace: &str,
    ) -> impl Iterator<Item = &'a PodSummary> + 'a {
        self.pods_by_ns
            .get(namespace)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .map(|&i| &self.pods[i])
    }

    /// Whether `kind` could be read in `namespace` (always, offline).
    pub(crate) fn readable(&self, kind: &str, namespace: Option<&str>) -> bool {
        !self.not_checked.iter().any(|n| {
            n.kind == kind && (n.namespace.is_none() || n.namespace.as_deref() == namespace)
        })
    }

    pub(crate) fn pod_spec(&self, w: &Workload) -> Option<&Value> {
        at(&self.objects[w.obj].value, w.spec_path)
    }

    /// The pods' labels: the template's, or (for a template-less fragment)
    /// what the controller's selector requires.
    pub(crate) fn pod_labels(&self, w: &Workload) -> Option<&Map<String, Value>> {
        let mut path: Vec<&str> = w.meta_path.to_vec();
        path.push("labels");
        let o = &self.objects[w.obj];
        at(&o.value, &path)
            .and_then(Value::as_object)
            .or_else(|| at(&o.value, &["spec", "selector", "matchLabels"])?.as_object())
    }

    pub(crate) fn pod_annotations(&self, w: &Workload) -> Option<&Map<String, Value>> {
        let mut path: Vec<&str> = w.meta_path.to_vec();
        path.push("annotations");
        at(&self.objects[w.obj].value, &path)?.as_object()
    }

    /// Replicas the workload runs with: the HPA's minimum when one scales it,
    /// else `spec.replicas` (default 1). `None` for kinds without replicas.
    pub(crate) fn effective_replicas(&self, w: &Workload) -> Option<i64> {
        if !w.scalable {
            return None;
        }
        if let Some(h) = w.hpa {
            return Some(autoscaler_min(&self.objects[h]));
        }
        Some(int_at(&self.objects[w.obj].value, &["spec", "replicas"]).unwrap_or(1))
    }

    /// Services in the workload's namespace whose selector picks its pods.
    pub(crate) fn services_selecting(&self, w: &Workload) -> Vec<usize> {
        let o = &self.objects[w.obj];
        let labels = self.pod_labels(w);
        self.of_kind_in("Service", o.ns())
            .filter(|(_, s)| {
                let sel = at(&s.value, &["spec", "selector"]).and_then(Value::as_object);
                map_selector_matches(sel, labels)
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// PodDisruptionBudgets in the workload's namespace that select its pods.
    pub(crate) fn pdbs_selecting(&self, w: &Workload) -> Vec<usize> {
        let o = &self.objects[w.obj];
        let labels = self.pod_labels(w);
        self.of_kind_in("PodDisruptionBudget", o.ns())
            .filter(|(_, p)| selector_matches(at(&p.value, &["spec", "selector"]), labels))
            .map(|(i, _)| i)
            .collect()
    }

    fn build_workloads(&mut self) {
        let mut workloads = Vec::new();
        for (i, o) in self.objects.iter().enumerate() {
            let (spec_path, meta_path, scalable, batch) = match o.kind.as_str() {
                "Pod" => {
                    let restart = str_at(&o.value, &["spec", "restartPolicy"]).unwrap_or("Always");
                    (SPEC_POD, META_POD, false, restart != "Always")
                }
                "Deployment"
                | "StatefulSet"
                | "ReplicaSet"
                | "ReplicationController"
                | "DeploymentConfig" => (SPEC_TEMPLATE, META_TEMPLATE, true, false),
                "DaemonSet" => (SPEC_TEMPLATE, META_TEMPLATE, false, false),
                "Job" => (SPEC_TEMPLATE, META_TEMPLATE, false, true),
                "CronJob" => (SPEC_CRONJOB, META_CRONJOB, false, true),
                _ => continue,
            };
            // Live: a controller's children are checked through the controller.
            if self.live && o.controller_owner().is_some() {
                continue;
            }
            workloads.push(Workload {
                obj: i,
                spec_path,
                meta_path,
                scalable,
                batch,
                hpa: None,
            });
        }
        let autoscalers: Vec<(usize, &Object)> = self
            .of_kind("HorizontalPodAutoscaler")
            .chain(self.of_kind("ScaledObject"))
            .collect();
        for (h, hpa) in autoscalers {
            // KEDA's ScaledObject targets a Deployment unless it says otherwise.
            let kind =
                str_at(&hpa.value, &["spec", "scaleTargetRef", "kind"]).unwrap_or("Deployment");
            let name = str_at(&hpa.value, &["spec", "scaleTargetRef", "name"]).unwrap_or("");
            for w in workloads.iter_mut() {
                let o = &self.objects[w.obj];
                if o.kind == kind && o.name == name && o.ns() == hpa.ns() {
                    w.hpa = Some(h);
                }
            }
        }
        self.workloads = workloads;
    }

    fn build_zones(&mut self, zones_flag: Option<usize>) {
        let mut zones = BTreeSet::new();
        let mut node_zones = HashMap::new();
        for (_, node) in self.of_kind("Node") {
            let zone = node
                .labels()
                .and_then(|l| {
                    l.get("topology.kubernetes.io/zone")
                        .or_else(|| l.get("failure-domain.beta.kubernetes.io/zone"))
                })
                .and_then(Value::as_str);
            if let Some(z) = zone {
                zones.insert(z.to_string());
                node_zones.insert(node.name.clone(), z.to_string());
            }
        }
        self.node_zones = node_zones;
        self.zones = if self.live {
            if self.readable("Node", None) {
                Some(zones.len())
            } else {
                zones_flag
            }
        } else {
            zones_flag
        };
    }

    fn build_references(&mut self) {
        let mut refs = BTreeSet::new();
        for w in &self.workloads {
            let ns = self.objects[w.obj].ns().to_string();
            if let Some(spec) = self.pod_spec(w) {
                pod_spec_references(spec, &ns, &mut refs);
            }
        }
        // Live: pods of controllers are summaries; their templates were seen
        // through the controllers, but a ReplicaSet's older template may still
        // run, so live references also come from the pods' own specs (added by
        // the live source through `add_reference`).
        for (_, sa) in self.of_kind("ServiceAccount") {
            for s in array_at(&sa.value, &["secrets"])
                .iter()
                .chain(array_at(&sa.value, &["imagePullSecrets"]))
            {
                if let Some(name) = s.get("name").and_then(Value::as_str) {
                    refs.insert(("Secret", sa.ns().to_string(), name.to_string()));
                }
            }
        }
        for (_, ing) in self.of_kind("Ingress") {
            for tls in array_at(&ing.value, &["spec", "tls"]) {
                if let Some(name) = tls.get("secretName").and_then(Value::as_str) {
                    refs.insert(("Secret", ing.ns().to_string(), name.to_string()));
                }
            }
        }
        self.references.append(&mut refs);
    }
}

/// The fewest replicas an autoscaler keeps: an HPA's minReplicas (default
/// 1) or a KEDA ScaledObject's minReplicaCount (default 0).
pub(crate) fn autoscaler_min(a: &Object) -> i64 {
    if a.kind == "ScaledObject" {
        int_at(&a.value, &["spec", "minReplicaCount"]).unwrap_or(0)
    } else {
        int_at(&a.value, &["spec", "minReplicas"]).unwrap_or(1)
    }
}

/// Every Secret and ConfigMap a pod spec uses: volumes (also projected),
/// env and envFrom (containers and init containers), image pull secrets.
pub(crate) fn pod_spec_references(
    spec: &Value,
    ns: &str,
    refs: &mut BTreeSet<(&'static str, String, String)>,
) {
    let mut add = |kind: &'static str, name: Option<&str>| {
        if let Some(n) = name {
            refs.insert((kind, ns.to_string(), n.to_string()));
        }
    };
    for vol in array_at(spec, &["volumes"]) {
        add("Secret", str_at(vol, &["secret", "secretName"]));
        add("ConfigMap", str_at(vol, &["configMap", "name"]));
        for src in array_at(vol, &["projected", "sources"]) {
            add("Secret", str_at(src, &["secret", "name"]));
            add("ConfigMap", str_at(src, &["configMap", "name"]));
        }
    }
    for s in array_at(spec, &["imagePullSecrets"]) {
        add("Secret", str_at(s, &["name"]));
    }
    for c in containers_all(spec) {
        for e in array_at(c, &["env"]) {
            add("Secret", str_at(e, &["valueFrom", "secretKeyRef", "name"]));
            add(
                "ConfigMap",
                str_at(e, &["valueFrom", "configMapKeyRef", "name"]),
            );
        }
        for e in array_at(c, &["envFrom"]) {
            add("Secret", str_at(e, &["secretRef", "name"]));
            add("ConfigMap", str_at(e, &["configMapRef", "name"]));
        }
    }
}

/// Containers then init containers, with the field each sits under.
pub(crate) fn containers_all(spec: &Value) -> impl Iterator<Item = &Value> {
    array_at(spec, &["containers"])
        .iter()
        .chain(array_at(spec, &["initContainers"]))
}

/// (field, index, container) for containers and init containers.
pub(crate) fn containers_indexed(
    spec: &Value,
) -> impl Iterator<Item = (&'static str, usize, &Value)> {
    array_at(spec, &["containers"])
        .iter()
        .enumerate()
        .map(|(i, c)| ("containers", i, c))
        .chain(
            array_at(spec, &["initContainers"])
                .iter()
                .enumerate()
                .map(|(i, c)| ("initContainers", i, c)),
        )
}
