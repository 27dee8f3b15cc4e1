//! The objects publish applies: a Service inferred from the workload, an
//! Ingress for the ALB controller with safe defaults, and (on request) the
//! namespace label for pod readiness gates. Pure functions of the plan.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Namespace, Service, ServicePort, ServiceSpec};
use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule,
    IngressServiceBackend, IngressSpec, IngressTLS, ServiceBackendPort,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::args::PublishFlags;
use super::workload::HealthCheck;
// The labels that let `unpublish` find exactly what publish made.
use crate::labels::publish::{MANAGED_BY, MANAGED_BY_LABEL, NAME_LABEL};

/// Server-side apply field manager.
pub(crate) const FIELD_MANAGER: &str = "honban";

/// The ALB controller's annotation prefix.
pub(crate) const ALB: &str = "alb.ingress.kubernetes.io/";
/// The AWS console's default; the controller's own default dates from 2016.
pub(crate) const SSL_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06";
pub(crate) const LISTEN_PORTS: &str = r#"[{"HTTP":80},{"HTTPS":443}]"#;
/// The kubelet counts 200-399 as ready; so does the ALB then.
pub(crate) const SUCCESS_CODES: &str = "200-399";
pub(crate) const READINESS_GATE_LABEL: &str = "elbv2.k8s.aws/pod-readiness-gate-inject";

/// How the Ingress gets its certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Certificate {
    /// Pinned ARNs; the first is the listener's default.
    Arns(Vec<String>),
    /// The ALB controller requests one (v3.3.0+).
    Create,
}

/// Everything the Ingress is made from: `--internal`, `--group` and
/// `--waf-acl` as given, and what was derived from the flags and the cluster.
#[derive(Debug, Clone)]
pub(crate) struct IngressPlan<'a> {
    pub(crate) flags: &'a PublishFlags,
    pub(crate) name: String,
    pub(crate) namespace: String,
    pub(crate) class: String,
    pub(crate) hosts: Vec<String>,
    pub(crate) service: String,
    pub(crate) port: i32,
    pub(crate) certificate: Certificate,
    pub(crate) health: HealthCheck,
    /// `--tags`, parsed.
    pub(crate) tags: Vec<(String, String)>,
    pub(crate) dns_prefixes: Vec<String>,
}

pub(crate) fn labels(name: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (MANAGED_BY_LABEL.to_string(), MANAGED_BY.to_string()),
        (NAME_LABEL.to_string(), name.to_string()),
    ])
}

/// The label selector matching what publish made under `name`.
pub(crate) fn selector(name: &str) -> String {
    format!("{MANAGED_BY_LABEL}={MANAGED_BY},{NAME_LABEL}={name}")
}

/// Whether an object's labels say publish made it under `name`.
pub(crate) fn is_ours(labels: Option<&BTreeMap<String, String>>, name: &str) -> bool {
    labels.is_some_and(|l| {
        l.get(MANAGED_BY_LABEL).map(String::as_str) == Some(MANAGED_BY)
            && l.get(NAME_LABEL).map(String::as_str) == Some(name)
    })
}

pub(crate) fn annotations(plan: &IngressPlan) -> BTreeMap<String, String> {
    let mut a = BTreeMap::new();
    let mut set = |k: &str, v: String| {
        a.insert(format!("{ALB}{k}"), v);
    };
    set(
        "scheme",
        if plan.flags.internal {
            "internal"
        } else {
            "internet-facing"
        }
        .into(),
    );
    set("target-type", "ip".into());
    set("listen-ports", LISTEN_PORTS.into());
    set("ssl-redirect", "443".into());
    set("ssl-policy", SSL_POLICY.into());
    match &plan.certificate {
        Certificate::Arns(arns) => set("certificate-arn", arns.join(",")),
        Certificate::Create => set("create-acm-cert", "true".into()),
    }
    if let HealthCheck::Probe {
        path, port, https, ..
    } = &plan.health
    {
        set("healthcheck-path", path.clone());
        set("success-codes", SUCCESS_CODES.into());
        if let Some(p) = port {
            set("healthcheck-port", p.to_string());
        }
        if *https {
            set("healthcheck-protocol", "HTTPS".into());
            // The probe speaks HTTPS to the traffic port, so the pod serves TLS there.
            if port.is_none() {
                set("backend-protocol", "HTTPS".into());
            }
        }
    }
    if let Some(g) = &plan.flags.group {
        set("group.name", g.clone());
    }
    if let Some(w) = &plan.flags.waf_acl {
        set("wafv2-acl-arn", w.clone());
    }
    if !plan.tags.is_empty() {
        set(
            "tags",
            plan.tags
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(","),
        );
    }
    for prefix in &plan.dns_prefixes {
        a.insert(format!("{prefix}hostname"), plan.hosts.join(","));
    }
    a
}

pub(crate) fn ingress(plan: &IngressPlan) -> Ingress {
    let backend = IngressBackend {
        service: Some(IngressServiceBackend {
            name: plan.service.clone(),
            port: Some(ServiceBackendPort {
                number: Some(plan.port),
                name: None,
            }),
        }),
        resource: None,
    };
    Ingress {
        metadata: ObjectMeta {
            name: Some(plan.name.clone()),
            namespace: Some(plan.namespace.clone()),
            labels: Some(labels(&plan.name)),
            annotations: Some(annotations(plan)),
            ..Default::default()
        },
        spec: Some(IngressSpec {
            ingress_class_name: Some(plan.class.clone()),
            tls: Some(vec![IngressTLS {
                hosts: Some(plan.hosts.clone()),
                secret_name: None,
            }]),
            rules: Some(
                plan.hosts
                    .iter()
                    .map(|h| IngressRule {
                        host: Some(h.clone()),
                        http: Some(HTTPIngressRuleValue {
                            paths: vec![HTTPIngressPath {
                                path: Some("/".into()),
                                path_type: "Prefix".into(),
                                backend: backend.clone(),
                            }],
                        }),
                    })
                    .collect(),
            ),
            default_backend: None,
        }),
        status: None,
    }
}

pub(crate) fn service(
    name: &str,
    namespace: &str,
    selector: BTreeMap<String, String>,
    ports: Vec<ServicePort>,
) -> Service {
    Service {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some(namespace.into()),
            labels: Some(labels(name)),
            ..Default::default()
        },
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".into()),
            selector: Some(selector),
            ports: Some(ports),
            ..Default::default()
        }),
        status: None,
    }
}

/// Only the readiness-gate label: server-side apply merges it in and owns
/// nothing else of the namespace.
pub(crate) fn namespace_label(namespace: &str) -> Namespace {
    Namespace {
        metadata: ObjectMeta {
            name: Some(namespace.into()),
            labels: Some(BTreeMap::from([(
                READINESS_GATE_LABEL.to_string(),
                "enabled".to_string(),
            )])),
            ..Default::default()
        },
        spec: None,
        status: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(flags: &PublishFlags) -> IngressPlan<'_> {
        IngressPlan {
            flags,
            name: "web".into(),
            namespace: "shop".into(),
            class: "alb".into(),
            hosts: vec!["web.example.com".into(), "www.example.com".into()],
            service: "web".into(),
            port: 8080,
            certificate: Certificate::Arns(vec!["arn:a".into(), "arn:b".into()]),
            health: HealthCheck::Probe {
                container: "web".into(),
                path: "/healthz".into(),
                port: None,
                https: false,
                headers: vec![],
            },
            tags: vec![("team".into(), "web".into()), ("env".into(), "prod".into())],
            dns_prefixes: vec![super::super::controllers::DNS_PREFIX.into()],
        }
    }

    #[test]
    fn default_annotations() {
        let a = annotations(&plan(&PublishFlags::default()));
        let get = |k: &str| a.get(&format!("{ALB}{k}")).map(String::as_str);
        assert_eq!(get("scheme"), Some("internet-facing"));
        assert_eq!(get("target-type"), Some("ip"));
        assert_eq!(get("listen-ports"), Some(r#"[{"HTTP":80},{"HTTPS":443}]"#));
        assert_eq!(get("ssl-redirect"), Some("443"));
        assert_eq!(get("ssl-policy"), Some(SSL_POLICY));
        assert_eq!(get("certificate-arn"), Some("arn:a,arn:b"));
        assert_eq!(get("healthcheck-path"), Some("/healthz"));
        assert_eq!(get("success-codes"), Some("200-399"));
        assert_eq!(get("tags"), Some("team=web,env=prod"));
        assert_eq!(get("healthcheck-port"), None);
        assert_eq!(get("group.name"), None);
        assert_eq!(
            a.get("external-dns.kubernetes.io/hostname")
                .map(String::as_str),
            Some("web.example.com,www.example.com")
        );
    }

    #[test]
    fn options_change_annotations() {
        let flags = PublishFlags {
            internal: true,
            group: Some("shared".into()),
            waf_acl: Some("arn:aws:wafv2:x".into()),
            ..Default::default()
        };
        let mut p = plan(&flags);
        p.certificate = Certificate::Create;
        p.health = HealthCheck::Probe {
            container: "web".into(),
            path: "/ready".into(),
            port: Some(9000),
            https: true,
            headers: vec![],
        };
        let a = annotations(&p);
        let get = |k: &str| a.get(&format!("{ALB}{k}")).map(String::as_str);
        assert_eq!(get("scheme"), Some("internal"));
        assert_eq!(get("create-acm-cert"), Some("true"));
        assert_eq!(get("certificate-arn"), None);
        assert_eq!(get("group.name"), Some("shared"));
        assert_eq!(get("wafv2-acl-arn"), Some("arn:aws:wafv2:x"));
        assert_eq!(get("healthcheck-port"), Some("9000"));
        assert_eq!(get("healthcheck-protocol"), Some("HTTPS"));
        assert_eq!(get("backend-protocol"), None);
    }

    #[test]
    fn ingress_shape() {
        let i = ingress(&plan(&PublishFlags::default()));
        let spec = i.spec.unwrap();
        assert_eq!(spec.ingress_class_name.as_deref(), Some("alb"));
        assert_eq!(spec.tls.unwrap()[0].hosts.as_ref().unwrap().len(), 2);
        let rules = spec.rules.unwrap();
        assert_eq!(rules.len(), 2);
        let path = &rules[1].http.as_ref().unwrap().paths[0];
        assert_eq!(path.path_type, "Prefix");
        let svc = path.backend.service.as_ref().unwrap();
        assert_eq!(
            (svc.name.as_str(), svc.port.as_ref().unwrap().number),
            ("web", Some(8080))
        );
        assert!(is_ours(i.metadata.labels.as_ref(), "web"));
        assert!(!is_ours(i.metadata.labels.as_ref(), "api"));
    }
}
