//! kubectl's exec credential protocol (`client.authentication.k8s.io` v1 and
//! v1beta1): the `KUBERNETES_EXEC_INFO` input and the `ExecCredential` output.

use serde::Deserialize;
use serde_json::json;

use crate::aws::time;
use crate::error::{Error, Result};

pub(crate) const V1: &str = "client.authentication.k8s.io/v1";
pub(crate) const V1BETA1: &str = "client.authentication.k8s.io/v1beta1";

/// What kubectl told the plugin about this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExecInfo {
    pub(crate) api_version: String,
    /// `spec.interactive`: whether stdin may be used for prompts.
    pub(crate) interactive: Option<bool>,
    /// `spec.cluster.server`, sent when the kubeconfig sets `provideClusterInfo: true`.
    pub(crate) server: Option<String>,
}

#[derive(Deserialize)]
struct Input {
    #[serde(rename = "apiVersion")]
    api_version: Option<String>,
    #[serde(default)]
    spec: Spec,
}

#[derive(Deserialize, Default)]
struct Spec {
    interactive: Option<bool>,
    cluster: Option<Cluster>,
}

#[derive(Deserialize)]
struct Cluster {
    server: Option<String>,
}

/// Reads `KUBERNETES_EXEC_INFO`; `None` when kubectl did not set it.
pub(crate) fn from_env() -> Result<Option<ExecInfo>> {
    match std::env::var("KUBERNETES_EXEC_INFO") {
        Ok(text) if !text.trim().is_empty() => parse(&text).map(Some),
        _ => Ok(None),
    }
}

pub(crate) fn parse(text: &str) -> Result<ExecInfo> {
    let input: Input = serde_json::from_str(text).map_err(|e| {
        Error::Failed(format!(
            "KUBERNETES_EXEC_INFO is not a valid ExecCredential ({e}); check the kubeconfig's exec entry"
        ))
    })?;
    let api_version = input.api_version.unwrap_or_else(|| V1BETA1.to_string());
    if api_version != V1 && api_version != V1BETA1 {
        return Err(Error::Failed(format!(
            "unsupported exec credential apiVersion {api_version:?}; set the kubeconfig's exec apiVersion to {V1}"
        )));
    }
    Ok(ExecInfo {
        api_version,
        interactive: input.spec.interactive,
        server: input.spec.cluster.and_then(|c| c.server),
    })
}

/// The `ExecCredential` kubectl reads from stdout.
pub(crate) fn credential_json(api_version: &str, token: &str, expires_at: i64) -> String {
    json!({
        "kind": "ExecCredential",
        "apiVersion": api_version,
        "spec": {},
        "status": {
            "expirationTimestamp": time::rfc3339(expires_at),
            "token": token,
        }
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_v1_with_cluster_info() {
        let info = parse(
            r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false,"cluster":{"server":"https://x.gr7.eu-west-1.eks.amazonaws.com","certificate-authority-data":"AA=="}}}"#,
        )
        .unwrap();
        assert_eq!(info.api_version, V1);
        assert_eq!(info.interactive, Some(false));
        assert_eq!(
            info.server.as_deref(),
            Some("https://x.gr7.eu-west-1.eks.amazonaws.com")
        );
    }

    #[test]
    fn echoes_v1beta1_and_rejects_others() {
        let info =
            parse(r#"{"apiVersion":"client.authentication.k8s.io/v1beta1","spec":{}}"#).unwrap();
        assert_eq!(info.api_version, V1BETA1);
        assert!(parse(r#"{"apiVersion":"client.authentication.k8s.io/v1alpha1"}"#).is_err());
        assert!(parse("not json").is_err());
    }

    #[test]
    fn output_shape() {
        let out: serde_json::Value =
            serde_json::from_str(&credential_json(V1, "k8s-aws-v1.abc", 0)).unwrap();
        assert_eq!(out["kind"], "ExecCredential");
        assert_eq!(out["apiVersion"], V1);
        assert_eq!(out["status"]["expirationTimestamp"], "1970-01-01T00:00:00Z");
        assert_eq!(out["status"]["token"], "k8s-aws-v1.abc");
    }
}
