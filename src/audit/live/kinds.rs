//! The kinds a live audit lists, and where the API serves each.

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum How {
    Full,
    /// Metadata only: Secrets never leave the API server with their data.
    Metadata,
    /// Pods: summarized page by page.
    Pods,
}

pub(crate) struct Kind {
    pub(crate) kind: &'static str,
    pub(crate) group: &'static str,
    version: &'static str,
    pub(crate) plural: &'static str,
    pub(crate) namespaced: bool,
    pub(crate) how: How,
}

macro_rules! kind {
    ($kind:literal, $group:literal, $version:literal, $plural:literal, $ns:literal, $how:ident) => {
        Kind {
            kind: $kind,
            group: $group,
            version: $version,
            plural: $plural,
            namespaced: $ns,
            how: How::$how,
        }
    };
}

pub(crate) const KINDS: &[Kind] = &[
    kind!("Node", "", "v1", "nodes", false, Full),
    kind!("Pod", "", "v1", "pods", true, Pods),
    kind!("Service", "", "v1", "services", true, Full),
    kind!("ConfigMap", "", "v1", "configmaps", true, Metadata),
    kind!("Secret", "", "v1", "secrets", true, Metadata),
    kind!("ServiceAccount", "", "v1", "serviceaccounts", true, Full),
    kind!("ResourceQuota", "", "v1", "resourcequotas", true, Full),
    kind!("LimitRange", "", "v1", "limitranges", true, Full),
    kind!(
        "ReplicationController",
        "",
        "v1",
        "replicationcontrollers",
        true,
        Full
    ),
    kind!("Deployment", "apps", "v1", "deployments", true, Full),
    kind!("StatefulSet", "apps", "v1", "statefulsets", true, Full),
    kind!("DaemonSet", "apps", "v1", "daemonsets", true, Full),
    kind!("Job", "batch", "v1", "jobs", true, Full),
    kind!("CronJob", "batch", "v1", "cronjobs", true, Full),
    kind!(
        "HorizontalPodAutoscaler",
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        true,
        Full
    ),
    kind!(
        "PodDisruptionBudget",
        "policy",
        "v1",
        "poddisruptionbudgets",
        true,
        Full
    ),
    kind!(
        "NetworkPolicy",
        "networking.k8s.io",
        "v1",
        "networkpolicies",
        true,
        Full
    ),
    kind!(
        "Ingress",
        "networking.k8s.io",
        "v1",
        "ingresses",
        true,
        Full
    ),
    kind!(
        "EndpointSlice",
        "discovery.k8s.io",
        "v1",
        "endpointslices",
        true,
        Full
    ),
    kind!(
        "Role",
        "rbac.authorization.k8s.io",
        "v1",
        "roles",
        true,
        Full
    ),
    kind!(
        "RoleBinding",
        "rbac.authorization.k8s.io",
        "v1",
        "rolebindings",
        true,
        Full
    ),
    kind!(
        "ClusterRole",
        "rbac.authorization.k8s.io",
        "v1",
        "clusterroles",
        false,
        Full
    ),
    kind!(
        "ClusterRoleBinding",
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        false,
        Full
    ),
    // prometheus-operator's; a cluster without its CRDs does not serve them.
    kind!(
        "ServiceMonitor",
        "monitoring.coreos.com",
        "v1",
        "servicemonitors",
        true,
        Full
    ),
    kind!(
        "PodMonitor",
        "monitoring.coreos.com",
        "v1",
        "podmonitors",
        true,
        Full
    ),
    kind!(
        "Prometheus",
        "monitoring.coreos.com",
        "v1",
        "prometheuses",
        true,
        Full
    ),
    kind!(
        "PrometheusAgent",
        "monitoring.coreos.com",
        "v1alpha1",
        "prometheusagents",
        true,
        Full
    ),
];

/// API groups that only exist where an add-on installed their CRDs.
const CRD_GROUPS: &[&str] = &["monitoring.coreos.com"];

impl Kind {
    /// Whether the kind comes with an add-on's CRDs rather than Kubernetes.
    pub(crate) fn comes_with_crd(&self) -> bool {
        CRD_GROUPS.contains(&self.group)
    }

    /// The discovery document of the kind's group version.
    pub(crate) fn discovery_url(&self) -> String {
        format!("/apis/{}", self.api_version())
    }

    pub(crate) fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    pub(crate) fn url(&self, namespace: Option<&str>) -> String {
        let base = if self.group.is_empty() {
            format!("/api/{}", self.version)
        } else {
            format!("/apis/{}/{}", self.group, self.version)
        };
        match namespace {
            Some(ns) if self.namespaced => format!("{base}/namespaces/{ns}/{}", self.plural),
            _ => format!("{base}/{}", self.plural),
        }
    }
}

/// `--allow-unread`'s names as kinds: a kind (`Secret`), its resource
/// (`secrets`) or `resource.group`, in any case, as kubectl accepts them.
pub(crate) fn allowed_unread(names: &[String]) -> crate::error::Result<Vec<&'static str>> {
    names
        .iter()
        .filter(|n| !n.trim().is_empty())
        .map(|name| {
            let n = name.trim().to_ascii_lowercase();
            KINDS
                .iter()
                .find(|k| {
                    let qualified = format!("{}.{}", k.plural, k.group);
                    n == k.kind.to_ascii_lowercase() || n == k.plural || n == qualified
                })
                .map(|k| k.kind)
                .ok_or_else(|| {
                    crate::error::Error::Usage(format!(
                        "--allow-unread {name:?}: not a kind the audit lists; name one as kubectl does, e.g. secrets"
                    ))
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_unread_takes_kubectls_names() {
        let names = ["secrets", "Secret", "ConfigMap", "deployments.apps"].map(String::from);
        assert_eq!(
            allowed_unread(&names).unwrap(),
            ["Secret", "Secret", "ConfigMap", "Deployment"]
        );
        assert!(allowed_unread(&["sekrets".to_string()]).is_err());
    }
}
