//! Built-in exemptions for the system add-ons every EKS (and most
//! Kubernetes) clusters run in `kube-system`: node agents need the host
//! network and privileges by design, so a fresh cluster would otherwise fail
//! its first audit. Like polaris' defaults, each entry is matched by
//! namespace, kind and name, and, for workloads, by the image repository of
//! every container: a look-alike running another image is still checked.
//! The add-ons' metrics and traces are their provider's to wire, so the
//! observability checks skip them too.
//! `--no-default-exemptions` (or `defaultExemptions: false`) turns them off;
//! `kubectl audit checks --exemptions` lists them.

use serde::Serialize;
use serde_json::Value;

use super::index::{SPEC_TEMPLATE, containers_all};
use super::matching::{covers, glob};
use super::object::{Object, at};

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DefaultExemption {
    pub(crate) namespace: Option<&'static str>,
    pub(crate) kind: &'static str,
    /// A glob on the object's name.
    pub(crate) name: &'static str,
    /// Globs on image repositories (without tag or digest); every container
    /// must match one. Empty for objects without containers.
    pub(crate) images: &'static [&'static str],
    /// Check ids or categories.
    pub(crate) checks: &'static [&'static str],
    pub(crate) reason: &'static str,
}

/// EKS serves its add-ons from a regional ECR registry per partition.
macro_rules! ecr {
    ($repo:literal) => {
        concat!("*.dkr.ecr.*.amazonaws.com*/", $repo)
    };
}

/// What a node agent needs: the node's network, files and privileges.
const NODE_AGENT: &[&str] = &[
    "security",
    "resources",
    "readiness-probe",
    "liveness-probe",
    "observability",
];

const CSI_IMAGES: &[&str] = &[
    ecr!("eks/aws-ebs-csi-driver"),
    ecr!("eks/aws-efs-csi-driver"),
    ecr!("eks/csi-node-driver-registrar"),
    ecr!("eks/livenessprobe"),
    ecr!("eks/csi-provisioner"),
    ecr!("eks/csi-attacher"),
    ecr!("eks/csi-snapshotter"),
    ecr!("eks/csi-resizer"),
    "public.ecr.aws/ebs-csi-driver/aws-ebs-csi-driver",
    "public.ecr.aws/efs-csi-driver/amazon/aws-efs-csi-driver",
    "public.ecr.aws/eks-distro/kubernetes-csi/*",
    "registry.k8s.io/sig-storage/*",
];

pub(crate) static DEFAULT_EXEMPTIONS: &[DefaultExemption] = &[
    DefaultExemption {
        namespace: Some("kube-system"),
        kind: "DaemonSet",
        name: "aws-node",
        images: &[
            ecr!("amazon-k8s-cni"),
            ecr!("amazon-k8s-cni-init"),
            ecr!("amazon/aws-network-policy-agent"),
        ],
        checks: NODE_AGENT,
        reason: "Amazon VPC CNI: sets up every pod's network on the node, with the host network and privileges",
    },
    DefaultExemption {
        namespace: Some("kube-system"),
        kind: "DaemonSet",
        name: "kube-proxy",
        images: &[ecr!("eks/kube-proxy"), "registry.k8s.io/kube-proxy"],
        checks: NODE_AGENT,
        reason: "kube-proxy: programs the node's iptables or IPVS rules, with the host network and privileges",
    },
    DefaultExemption {
        namespace: Some("kube-system"),
        kind: "DaemonSet",
        name: "eks-pod-identity-agent",
        images: &[ecr!("eks/eks-pod-identity-agent")],
        checks: NODE_AGENT,
        reason: "EKS Pod Identity agent: serves credentials on a link-local address of the node's network",
    },
    DefaultExemption {
        namespace: Some("kube-system"),
        kind: "DaemonSet",
        name: "*-csi-node",
        images: CSI_IMAGES,
        checks: NODE_AGENT,
        reason: "EBS/EFS CSI node plugin: mounts volumes into the kubelet's directories, privileged",
    },
    DefaultExemption {
        namespace: Some("kube-system"),
        kind: "Deployment",
        name: "*-csi-controller",
        images: CSI_IMAGES,
        checks: &[
            "security",
            "resources",
            "readiness-probe",
            "liveness-probe",
            "observability",
        ],
        reason: "EBS/EFS CSI controller: its sidecars ship without probes or limits, and it talks to the API",
    },
    DefaultExemption {
        namespace: Some("kube-system"),
        kind: "Deployment",
        name: "coredns",
        images: &[
            ecr!("eks/coredns"),
            "registry.k8s.io/coredns/coredns",
            "registry.k8s.io/coredns",
        ],
        checks: &["security", "pdb-missing", "spread-zones", "observability"],
        reason: "CoreDNS: the cluster's DNS as the add-on ships it; it reads the API and binds port 53",
    },
    DefaultExemption {
        namespace: None,
        kind: "ClusterRoleBinding",
        name: "eks:*",
        images: &[],
        checks: &["tenancy"],
        reason: "EKS's own bindings (eks:addon-cluster-admin and the like) for its managed add-ons",
    },
    DefaultExemption {
        namespace: None,
        kind: "ClusterRole",
        name: "eks:*",
        images: &[],
        checks: &["tenancy"],
        reason: "EKS's own roles for its control plane and managed add-ons",
    },
];

/// An image's repository: the reference without tag or digest.
pub(crate) fn repository(image: &str) -> &str {
    let image = image.split('@').next().unwrap_or(image);
    match image.rfind(':') {
        Some(i) if !image[i..].contains('/') => &image[..i],
        _ => image,
    }
}

impl DefaultExemption {
    fn matches(&self, check: &str, obj: &Object) -> bool {
        if !self.checks.iter().any(|c| covers(c, check))
            || !self.kind.eq_ignore_ascii_case(&obj.kind)
            || self.namespace != obj.namespace.as_deref()
            || !glob(self.name, &obj.name)
        {
            return false;
        }
        if self.images.is_empty() {
            return true;
        }
        let Some(spec) = at(&obj.value, SPEC_TEMPLATE) else {
            return false;
        };
        let mut any = false;
        let every = containers_all(spec).all(|c| {
            any = true;
            c.get("image")
                .and_then(Value::as_str)
                .is_some_and(|i| self.images.iter().any(|p| glob(p, repository(i))))
        });
        any && every
    }
}

/// The built-in exemption that covers this check on this object, if any.
pub(crate) fn exemption_for(check: &str, obj: &Object) -> Option<&'static DefaultExemption> {
    DEFAULT_EXEMPTIONS.iter().find(|e| e.matches(check, obj))
}

/// `kubectl audit checks --exemptions`: the built-in exemptions as a table.
pub(crate) fn exemptions_table() -> Vec<String> {
    let mut t = crate::output::table(&["NAMESPACE", "KIND", "NAME", "CHECKS", "IMAGES", "WHY"]);
    for e in DEFAULT_EXEMPTIONS {
        let images = if e.images.is_empty() {
            "-".to_string()
        } else {
            e.images.join("\n")
        };
        t.add_row(vec![
            e.namespace.unwrap_or("(cluster)").to_string(),
            e.kind.to_string(),
            e.name.to_string(),
            e.checks.join(","),
            images,
            e.reason.to_string(),
        ]);
    }
    let mut lines: Vec<String> = t
        .to_string()
        .lines()
        .map(|l| l.trim_end().to_string())
        .collect();
    lines.push(String::new());
    lines.push(
        "Every container's image must match for a workload to be exempted; --no-default-exemptions turns them off.".into(),
    );
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories() {
        assert_eq!(
            repository(
                "602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/kube-proxy:v1.31.3-eksbuild.2"
            ),
            "602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/kube-proxy"
        );
        assert_eq!(repository("localhost:5000/app"), "localhost:5000/app");
        assert_eq!(repository("app@sha256:abc"), "app");
        assert!(glob(
            ecr!("eks/kube-proxy"),
            "602401143452.dkr.ecr.cn-north-1.amazonaws.com.cn/eks/kube-proxy"
        ));
    }
}
