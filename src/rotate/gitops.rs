//! Who else owns an object: Helm, Argo CD or Flux, whose next sync would
//! undo a patch. The guard leaves such objects alone unless `--force`.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// Where a GitOps tool or Helm owns the object: its next sync would undo a patch.
pub(crate) fn gitops_manager(meta: &ObjectMeta) -> Option<String> {
    let label = |k: &str| {
        meta.labels
            .as_ref()
            .and_then(|l| l.get(k))
            .map(String::as_str)
    };
    let annotation = |k: &str| {
        meta.annotations
            .as_ref()
            .and_then(|a| a.get(k))
            .map(String::as_str)
    };
    if let Some(id) = annotation("argocd.argoproj.io/tracking-id") {
        let app = id.split(':').next().unwrap_or(id);
        return Some(format!("Argo CD application {app}"));
    }
    if let Some(app) = label("argocd.argoproj.io/instance") {
        return Some(format!("Argo CD application {app}"));
    }
    if let Some(name) = label("kustomize.toolkit.fluxcd.io/name") {
        let ns = label("kustomize.toolkit.fluxcd.io/namespace").unwrap_or("?");
        return Some(format!("Flux Kustomization {ns}/{name}"));
    }
    if let Some(name) = label("helm.toolkit.fluxcd.io/name") {
        let ns = label("helm.toolkit.fluxcd.io/namespace").unwrap_or("?");
        return Some(format!("Flux HelmRelease {ns}/{name}"));
    }
    if label("app.kubernetes.io/managed-by").is_some_and(|v| v.eq_ignore_ascii_case("helm"))
        || annotation("meta.helm.sh/release-name").is_some()
    {
        let release = annotation("meta.helm.sh/release-name").unwrap_or("?");
        return Some(format!("Helm release {release}"));
    }
    for m in meta.managed_fields.iter().flatten() {
        match m.manager.as_deref() {
            Some("argocd-controller" | "argocd-application-controller") => {
                return Some("Argo CD".into());
            }
            Some("kustomize-controller" | "helm-controller") => return Some("Flux".into()),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn gitops_detection() {
        let meta = |labels: Value, annotations: Value| -> ObjectMeta {
            serde_json::from_value(json!({"labels": labels, "annotations": annotations})).unwrap()
        };
        assert_eq!(
            gitops_manager(&meta(
                json!({"app.kubernetes.io/managed-by": "Helm"}),
                json!({"meta.helm.sh/release-name": "shop"})
            ))
            .as_deref(),
            Some("Helm release shop")
        );
        assert_eq!(
            gitops_manager(&meta(
                json!({}),
                json!({"argocd.argoproj.io/tracking-id": "shop:apps/Deployment:ns/web"})
            ))
            .as_deref(),
            Some("Argo CD application shop")
        );
        assert_eq!(
            gitops_manager(&meta(json!({"kustomize.toolkit.fluxcd.io/name": "apps", "kustomize.toolkit.fluxcd.io/namespace": "flux-system"}), json!({}))).as_deref(),
            Some("Flux Kustomization flux-system/apps")
        );
        assert_eq!(
            gitops_manager(&meta(
                json!({"app.kubernetes.io/managed-by": "kustomize"}),
                json!({})
            )),
            None
        );
    }
}
