//! Exemption annotations on an object or its namespace: ours
//! (`honban.io/audit-skip`) and those of polaris and kube-score, mapped to
//! our check ids, so manifests annotated for those tools need no second set.

use serde_json::{Map, Value};

use super::matching::covers;

const SKIP_ANNOTATION: &str = "honban.io/audit-skip";

/// polaris check names that mean one of ours.
const POLARIS: &[(&str, &[&str])] = &[
    ("deploymentMissingReplicas", &["min-replicas"]),
    ("readinessProbeMissing", &["readiness-probe"]),
    ("livenessProbeMissing", &["liveness-probe"]),
    ("missingPodDisruptionBudget", &["pdb-missing"]),
    ("pdbDisruptionsIsZero", &["pdb-blocks-eviction"]),
    (
        "pdbMinAvailableGreaterThanHPAMinReplicas",
        &["pdb-blocks-eviction"],
    ),
    (
        "topologySpreadConstraint",
        &["spread-nodes", "spread-zones"],
    ),
    ("tagNotSpecified", &["image-tag"]),
    ("cpuRequestsMissing", &["resources"]),
    ("memoryRequestsMissing", &["resources"]),
    ("memoryLimitsMissing", &["resources"]),
    ("missingNetworkPolicy", &["namespace-network-policy"]),
    ("runAsRootAllowed", &["run-as-non-root"]),
    ("runAsPrivileged", &["privileged"]),
    ("hostProcess", &["privileged"]),
    ("privilegeEscalationAllowed", &["privilege-escalation"]),
    ("hostNetworkSet", &["host-namespaces"]),
    ("hostPIDSet", &["host-namespaces"]),
    ("hostIPCSet", &["host-namespaces"]),
    ("hostPathSet", &["host-path"]),
    ("dangerousCapabilities", &["capabilities"]),
    ("insecureCapabilities", &["capabilities"]),
    ("notReadOnlyRootFilesystem", &["read-only-root-fs"]),
    ("automountServiceAccountToken", &["automount-sa-token"]),
    ("linuxHardening", &["seccomp"]),
    (
        "clusterrolebindingClusterAdmin",
        &["rbac-cluster-admin-binding"],
    ),
    (
        "rolebindingClusterAdminClusterRole",
        &["rbac-cluster-admin-binding"],
    ),
    (
        "rolebindingClusterAdminRole",
        &["rbac-cluster-admin-binding"],
    ),
];

/// kube-score test ids that mean one of ours.
const KUBE_SCORE: &[(&str, &[&str])] = &[
    ("deployment-replicas", &["min-replicas"]),
    ("statefulset-replicas", &["min-replicas"]),
    ("horizontalpodautoscaler-replicas", &["min-replicas"]),
    (
        "deployment-targeted-by-hpa-does-not-have-replicas-configured",
        &["min-replicas"],
    ),
    ("deployment-has-host-podantiaffinity", &["spread-nodes"]),
    ("statefulset-has-host-podantiaffinity", &["spread-nodes"]),
    ("pod-probes", &["readiness-probe", "liveness-probe"]),
    ("deployment-has-poddisruptionbudget", &["pdb-missing"]),
    ("statefulset-has-poddisruptionbudget", &["pdb-missing"]),
    ("container-resources", &["resources"]),
    ("container-image-tag", &["image-tag"]),
    (
        "container-security-context-user-group-id",
        &["run-as-non-root"],
    ),
    ("container-security-context-privileged", &["privileged"]),
    (
        "container-security-context-readonlyrootfilesystem",
        &["read-only-root-fs"],
    ),
    ("container-seccomp-profile", &["seccomp"]),
    ("pod-networkpolicy", &["namespace-network-policy"]),
    ("stable-version", &["deprecated-api"]),
];

/// Whether an object's (or its namespace's) annotations skip a check.
pub(crate) fn annotation_skips(annotations: Option<&Map<String, Value>>, check: &str) -> bool {
    let Some(a) = annotations else { return false };
    let text = |k: &str| a.get(k).and_then(Value::as_str);
    if let Some(list) = text(SKIP_ANNOTATION)
        && list.split(',').map(str::trim).any(|n| covers(n, check))
    {
        return true;
    }
    let truthy = |k: &str| text(k).is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if truthy("polaris.fairwinds.com/exempt") {
        return true;
    }
    if POLARIS.iter().any(|(p, ours)| {
        ours.contains(&check) && truthy(&format!("polaris.fairwinds.com/{p}-exempt"))
    }) {
        return true;
    }
    if let Some(list) = text("kube-score/ignore") {
        return list.split(',').map(str::trim).any(|ks| {
            KUBE_SCORE
                .iter()
                .any(|(k, ours)| *k == ks && ours.contains(&check))
        });
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn annotations_of_three_tools() {
        let a = json!({
            "honban.io/audit-skip": "image-tag, security",
            "polaris.fairwinds.com/readinessProbeMissing-exempt": "true",
            "kube-score/ignore": "container-resources,pod-networkpolicy"
        });
        let a = a.as_object();
        assert!(annotation_skips(a, "image-tag"));
        assert!(annotation_skips(a, "privileged"));
        assert!(annotation_skips(a, "readiness-probe"));
        assert!(!annotation_skips(a, "liveness-probe"));
        assert!(annotation_skips(a, "resources"));
        assert!(annotation_skips(a, "namespace-network-policy"));
        assert!(!annotation_skips(a, "min-replicas"));
        let all = json!({"polaris.fairwinds.com/exempt": "true"});
        assert!(annotation_skips(all.as_object(), "min-replicas"));
    }
}
