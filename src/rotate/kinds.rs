//! The kinds of object that can name a Secret or ConfigMap, with their API
//! resource, kubectl's spelling, and where their pod spec sits.

use kube::core::ApiResource;

use super::target::TargetKind;

/// The kinds that can hold a reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum HolderKind {
    Deployment,
    StatefulSet,
    DaemonSet,
    Rollout,
    ReplicaSet,
    CronJob,
    Job,
    Pod,
    ServiceAccount,
    Ingress,
    ControllerRevision,
}

impl HolderKind {
    /// Kinds read before a switch: everything that can be switched or must be reported.
    pub(crate) fn for_switch(kind: TargetKind) -> Vec<HolderKind> {
        use HolderKind::*;
        let mut v = vec![
            Deployment,
            StatefulSet,
            DaemonSet,
            Rollout,
            ReplicaSet,
            CronJob,
            Job,
            Pod,
        ];
        if kind == TargetKind::Secret {
            v.extend([ServiceAccount, Ingress]);
        }
        v
    }

    /// Kinds read before pruning: also the history kept for `rollout undo`.
    pub(crate) fn for_usage(kind: TargetKind) -> Vec<HolderKind> {
        let mut v = Self::for_switch(kind);
        v.push(HolderKind::ControllerRevision);
        v
    }

    pub(crate) fn api_resource(self) -> ApiResource {
        use HolderKind::*;
        let (group, version, kind, plural) = match self {
            Deployment => ("apps", "v1", "Deployment", "deployments"),
            StatefulSet => ("apps", "v1", "StatefulSet", "statefulsets"),
            DaemonSet => ("apps", "v1", "DaemonSet", "daemonsets"),
            ReplicaSet => ("apps", "v1", "ReplicaSet", "replicasets"),
            ControllerRevision => ("apps", "v1", "ControllerRevision", "controllerrevisions"),
            Rollout => ("argoproj.io", "v1alpha1", "Rollout", "rollouts"),
            CronJob => ("batch", "v1", "CronJob", "cronjobs"),
            Job => ("batch", "v1", "Job", "jobs"),
            Pod => ("", "v1", "Pod", "pods"),
            ServiceAccount => ("", "v1", "ServiceAccount", "serviceaccounts"),
            Ingress => ("networking.k8s.io", "v1", "Ingress", "ingresses"),
        };
        ApiResource {
            group: group.into(),
            version: version.into(),
            api_version: if group.is_empty() {
                version.into()
            } else {
                format!("{group}/{version}")
            },
            kind: kind.into(),
            plural: plural.into(),
        }
    }

    /// kubectl's `kind.group` spelling, as in `deployment.apps/web`.
    pub(crate) fn resource(self) -> &'static str {
        use HolderKind::*;
        match self {
            Deployment => "deployment.apps",
            StatefulSet => "statefulset.apps",
            DaemonSet => "daemonset.apps",
            ReplicaSet => "replicaset.apps",
            ControllerRevision => "controllerrevision.apps",
            Rollout => "rollout.argoproj.io",
            CronJob => "cronjob.batch",
            Job => "job.batch",
            Pod => "pod",
            ServiceAccount => "serviceaccount",
            Ingress => "ingress.networking.k8s.io",
        }
    }

    pub(crate) fn from_kind(kind: &str) -> Option<HolderKind> {
        use HolderKind::*;
        Some(match kind {
            "Deployment" => Deployment,
            "StatefulSet" => StatefulSet,
            "DaemonSet" => DaemonSet,
            "ReplicaSet" => ReplicaSet,
            "ControllerRevision" => ControllerRevision,
            "Rollout" => Rollout,
            "CronJob" => CronJob,
            "Job" => Job,
            "Pod" => Pod,
            "ServiceAccount" => ServiceAccount,
            "Ingress" => Ingress,
            _ => return None,
        })
    }

    /// JSON pointer of the pod spec inside the object.
    pub(crate) fn pod_spec_pointer(self) -> Option<&'static str> {
        use HolderKind::*;
        match self {
            Deployment | StatefulSet | DaemonSet | ReplicaSet | Job | Rollout => {
                Some("/spec/template/spec")
            }
            CronJob => Some("/spec/jobTemplate/spec/template/spec"),
            Pod => Some("/spec"),
            // StatefulSet and DaemonSet history stores the whole template.
            ControllerRevision => Some("/data/spec/template/spec"),
            ServiceAccount | Ingress => None,
        }
    }

    /// Kinds whose pods are replaced by a controller after a template change.
    pub(crate) fn rolls(self) -> bool {
        matches!(
            self,
            HolderKind::Deployment
                | HolderKind::StatefulSet
                | HolderKind::DaemonSet
                | HolderKind::Rollout
        )
    }
}
