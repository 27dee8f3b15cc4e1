//! What a workload tells about its Service, as `kubectl expose` reads it:
//! the selector, the container ports, and (beyond expose) the ALB health
//! check from the readiness probe of the container serving the chosen port.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Container, PodTemplateSpec, ServicePort};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::input::TargetKind;
use crate::error::{Error, Result};

/// One port a container declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ContainerPortInfo {
    pub(crate) container: String,
    pub(crate) name: Option<String>,
    pub(crate) port: i32,
    pub(crate) protocol: String,
}

/// The selector a Service can use: `matchLabels` only, as `kubectl expose`
/// requires.
pub(crate) fn service_selector(
    kind: TargetKind,
    name: &str,
    selector: Option<&LabelSelector>,
) -> Result<BTreeMap<String, String>> {
    let sel = selector.cloned().unwrap_or_default();
    if sel
        .match_expressions
        .as_ref()
        .is_some_and(|e| !e.is_empty())
    {
        return Err(Error::Failed(format!(
            "{} {name:?} selects its pods with matchExpressions, which a Service selector cannot express; create a Service and publish svc/NAME",
            kind.resource()
        )));
    }
    let labels = sel.match_labels.unwrap_or_default();
    if labels.is_empty() {
        return Err(Error::Failed(format!(
            "{} {name:?} has no matchLabels selector to give a Service; create a Service and publish svc/NAME",
            kind.resource()
        )));
    }
    Ok(labels)
}

/// The ports of the regular containers, first declaration wins.
pub(crate) fn container_ports(template: &PodTemplateSpec) -> Vec<ContainerPortInfo> {
    let mut out: Vec<ContainerPortInfo> = Vec::new();
    let containers = template
        .spec
        .as_ref()
        .map(|s| s.containers.as_slice())
        .unwrap_or_default();
    for c in containers {
        for p in c.ports.iter().flatten() {
            let protocol = p.protocol.clone().unwrap_or_else(|| "TCP".into());
            if out
                .iter()
                .any(|o| o.port == p.container_port && o.protocol == protocol)
            {
                continue;
            }
            out.push(ContainerPortInfo {
                container: c.name.clone(),
                name: p.name.clone().filter(|n| !n.is_empty()),
                port: p.container_port,
                protocol,
            });
        }
    }
    out
}

/// The Service ports for a workload's container ports: like `kubectl
/// expose`, one port per container port with the same number; the target
/// is the container port's name when it has one, so the pod may renumber it.
pub(crate) fn service_ports(ports: &[ContainerPortInfo]) -> Vec<ServicePort> {
    let several = ports.len() > 1;
    let mut used: Vec<String> = Vec::new();
    ports
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let name = match &p.name {
                Some(n) if !used.contains(n) => Some(n.clone()),
                _ if several => Some(format!("port-{}", i + 1)),
                _ => None,
            };
            if let Some(n) = &name {
                used.push(n.clone());
            }
            ServicePort {
                name,
                port: p.port,
                protocol: Some(p.protocol.clone()),
                target_port: Some(match &p.name {
                    Some(n) => IntOrString::String(n.clone()),
                    None => IntOrString::Int(p.port),
                }),
                ..Default::default()
            }
        })
        .collect()
}

fn describe_ports(ports: &[ServicePort]) -> String {
    ports
        .iter()
        .map(|p| match &p.name {
            Some(n) => format!("{} ({n})", p.port),
            None => p.port.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The Service port the Ingress routes to: `--port` (number or name), the
/// only TCP port, or the one named `http`.
pub(crate) fn choose_port<'a>(
    what: &str,
    ports: &'a [ServicePort],
    flag: Option<&str>,
) -> Result<&'a ServicePort> {
    let tcp: Vec<&ServicePort> = ports
        .iter()
        .filter(|p| p.protocol.as_deref().unwrap_or("TCP") == "TCP")
        .collect();
    if let Some(flag) = flag {
        let by_number = flag.parse::<i32>().ok();
        let found = ports
            .iter()
            .find(|p| by_number.is_some_and(|n| n == p.port) || p.name.as_deref() == Some(flag));
        return match found {
            Some(p) if p.protocol.as_deref().unwrap_or("TCP") != "TCP" => {
                Err(Error::Usage(format!(
                    "--port {flag}: an ALB routes HTTP, and port {} is {}",
                    p.port,
                    p.protocol.as_deref().unwrap_or_default()
                )))
            }
            Some(p) => Ok(p),
            None => Err(Error::Usage(format!(
                "--port {flag}: {what} has no such port; it has {}",
                describe_ports(ports)
            ))),
        };
    }
    match tcp.as_slice() {
        [] => Err(Error::Failed(format!(
            "{what} declares no TCP port to publish; add a containerPort to its pod template (or publish a Service with svc/NAME)"
        ))),
        [only] => Ok(only),
        several => {
            let named_http: Vec<&&ServicePort> = several
                .iter()
                .filter(|p| p.name.as_deref() == Some("http"))
                .collect();
            match named_http.as_slice() {
                [one] => Ok(one),
                _ => Err(Error::Usage(format!(
                    "{what} has several ports: {}; choose one with --port",
                    describe_ports(ports)
                ))),
            }
        }
    }
}

/// What the ALB's health check should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HealthCheck {
    /// From an httpGet readiness probe.
    Probe {
        container: String,
        path: String,
        /// Set when the probe's port is not the traffic port.
        port: Option<i32>,
        https: bool,
        /// The probe's httpHeaders: an ALB health check sends none of them.
        headers: Vec<String>,
    },
    /// No probe the ALB can copy; why, for a warning.
    Default { reason: String },
}

impl HealthCheck {
    pub(crate) fn describe(&self) -> String {
        match self {
            HealthCheck::Probe {
                container,
                path,
                port,
                https,
                ..
            } => {
                let scheme = if *https { "HTTPS" } else { "HTTP" };
                let port = port
                    .map(|p| format!(" on port {p}"))
                    .unwrap_or_else(|| " on the traffic port".into());
                format!(
                    "health check {scheme} GET {path}{port}, success 200-399, from container {container:?}'s readiness probe"
                )
            }
            HealthCheck::Default { reason } => {
                format!("health check left at the ALB controller's default (GET /, 200): {reason}")
            }
        }
    }

    /// A warning when the probe needs headers the ALB's health check cannot send.
    pub(crate) fn header_warning(&self) -> Option<String> {
        let HealthCheck::Probe {
            container,
            path,
            headers,
            ..
        } = self
        else {
            return None;
        };
        (!headers.is_empty()).then(|| {
            format!(
                "container {container:?}'s readiness probe sends httpHeaders ({}), which an ALB health check cannot send: GET {path} must answer 200-399 without them, or every target stays unhealthy",
                headers.join(", ")
            )
        })
    }
}

/// The container that serves `target` (a Service targetPort: number or name).
pub(crate) fn serving_container<'a>(
    template: &'a PodTemplateSpec,
    target: &IntOrString,
) -> Option<(&'a Container, i32)> {
    let containers = template.spec.as_ref()?.containers.as_slice();
    for c in containers {
        for p in c.ports.iter().flatten() {
            let hit = match target {
                IntOrString::Int(n) => p.container_port == *n,
                IntOrString::String(s) => p.name.as_deref() == Some(s.as_str()),
            };
            if hit {
                return Some((c, p.container_port));
            }
        }
    }
    // An undeclared numeric port still reaches a single-container pod.
    match (target, containers) {
        (IntOrString::Int(n), [only]) => Some((only, *n)),
        _ => None,
    }
}

/// The health check from `container`'s readiness probe, where the traffic
/// reaches the pod on `traffic_port`.
pub(crate) fn health_check(container: &Container, traffic_port: i32) -> HealthCheck {
    let Some(probe) = &container.readiness_probe else {
        return HealthCheck::Default {
            reason: format!("container {:?} has no readiness probe", container.name),
        };
    };
    let kind = if probe.exec.is_some() {
        Some("exec")
    } else if probe.tcp_socket.is_some() {
        Some("tcpSocket")
    } else if probe.grpc.is_some() {
        Some("grpc")
    } else {
        None
    };
    let Some(get) = &probe.http_get else {
        return HealthCheck::Default {
            reason: format!(
                "container {:?}'s readiness probe is {}, which an ALB cannot run; set alb.ingress.kubernetes.io/healthcheck-path on the Service if / does not answer 200",
                container.name,
                kind.unwrap_or("empty")
            ),
        };
    };
    let port = match &get.port {
        IntOrString::Int(n) => Some(*n),
        IntOrString::String(name) => container
            .ports
            .iter()
            .flatten()
            .find(|p| p.name.as_deref() == Some(name.as_str()))
            .map(|p| p.container_port),
    };
    let Some(port) = port else {
        return HealthCheck::Default {
            reason: format!(
                "container {:?}'s readiness probe names a port it does not declare",
                container.name
            ),
        };
    };
    let path = get
        .path
        .clone()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "/".into());
    let path = if path.starts_with('/') {
        path
    } else {
        format!("/{path}")
    };
    HealthCheck::Probe {
        container: container.name.clone(),
        path,
        port: (port != traffic_port).then_some(port),
        https: get
            .scheme
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("HTTPS")),
        headers: get
            .http_headers
            .iter()
            .flatten()
            .map(|h| h.name.clone())
            .collect(),
    }
}

/// Whether a pod template's labels satisfy a Service selector.
pub(crate) fn selects(selector: &BTreeMap<String, String>, template: &PodTemplateSpec) -> bool {
    let labels = template.metadata.as_ref().and_then(|m| m.labels.as_ref());
    !selector.is_empty()
        && selector
            .iter()
            .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{ContainerPort, HTTPGetAction, PodSpec, Probe};

    fn container(name: &str, ports: &[(Option<&str>, i32)], probe: Option<Probe>) -> Container {
        Container {
            name: name.into(),
            ports: Some(
                ports
                    .iter()
                    .map(|(n, p)| ContainerPort {
                        name: n.map(str::to_string),
                        container_port: *p,
                        ..Default::default()
                    })
                    .collect(),
            ),
            readiness_probe: probe,
            ..Default::default()
        }
    }

    fn template(containers: Vec<Container>) -> PodTemplateSpec {
        PodTemplateSpec {
            spec: Some(PodSpec {
                containers,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    fn http_probe(path: &str, port: IntOrString) -> Probe {
        Probe {
            http_get: Some(HTTPGetAction {
                path: Some(path.into()),
                port,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn ports_like_expose() {
        let t = template(vec![
            container("web", &[(Some("http"), 8080), (None, 9090)], None),
            container("sidecar", &[(None, 8080)], None),
        ]);
        let ports = container_ports(&t);
        assert_eq!(ports.len(), 2);
        let sp = service_ports(&ports);
        assert_eq!(sp[0].name.as_deref(), Some("http"));
        assert_eq!(sp[0].target_port, Some(IntOrString::String("http".into())));
        assert_eq!(sp[1].name.as_deref(), Some("port-2"));
        assert_eq!(sp[1].target_port, Some(IntOrString::Int(9090)));
        // One unnamed port: no name, as expose.
        let single = service_ports(&container_ports(&template(vec![container(
            "a",
            &[(None, 80)],
            None,
        )])));
        assert_eq!(single[0].name, None);
    }

    #[test]
    fn port_choice() {
        let sp = service_ports(&container_ports(&template(vec![container(
            "web",
            &[(Some("http"), 8080), (Some("metrics"), 9090)],
            None,
        )])));
        assert_eq!(choose_port("deploy", &sp, None).unwrap().port, 8080);
        assert_eq!(choose_port("deploy", &sp, Some("9090")).unwrap().port, 9090);
        assert_eq!(
            choose_port("deploy", &sp, Some("metrics")).unwrap().port,
            9090
        );
        assert!(matches!(
            choose_port("deploy", &sp, Some("7")),
            Err(Error::Usage(_))
        ));
        let two = service_ports(&container_ports(&template(vec![container(
            "web",
            &[(Some("a"), 1), (Some("b"), 2)],
            None,
        )])));
        let err = choose_port("deployment web", &two, None).unwrap_err();
        assert!(err.to_string().contains("--port"), "{err}");
        let none: Vec<ServicePort> = Vec::new();
        let err = choose_port("deployment web", &none, None).unwrap_err();
        assert!(err.to_string().contains("no TCP port"), "{err}");
    }

    #[test]
    fn health_from_probe() {
        let c = container(
            "web",
            &[(Some("http"), 8080), (Some("admin"), 9000)],
            Some(http_probe("/healthz", IntOrString::String("http".into()))),
        );
        assert_eq!(
            health_check(&c, 8080),
            HealthCheck::Probe {
                container: "web".into(),
                path: "/healthz".into(),
                port: None,
                https: false,
                headers: vec![]
            }
        );
        let c = container(
            "web",
            &[(Some("http"), 8080), (Some("admin"), 9000)],
            Some(http_probe("ready", IntOrString::String("admin".into()))),
        );
        assert_eq!(
            health_check(&c, 8080),
            HealthCheck::Probe {
                container: "web".into(),
                path: "/ready".into(),
                port: Some(9000),
                https: false,
                headers: vec![]
            }
        );
        let exec = Probe {
            exec: Some(Default::default()),
            ..Default::default()
        };
        let c = container("web", &[(None, 80)], Some(exec));
        match health_check(&c, 80) {
            HealthCheck::Default { reason } => assert!(reason.contains("exec"), "{reason}"),
            other => panic!("{other:?}"),
        }
        let c = container("web", &[(None, 80)], None);
        assert!(matches!(health_check(&c, 80), HealthCheck::Default { .. }));
    }

    #[test]
    fn serving_container_by_name_or_number() {
        let t = template(vec![
            container("a", &[(Some("http"), 8080)], None),
            container("b", &[(None, 9090)], None),
        ]);
        assert_eq!(
            serving_container(&t, &IntOrString::String("http".into()))
                .map(|(c, p)| (c.name.as_str(), p)),
            Some(("a", 8080))
        );
        assert_eq!(
            serving_container(&t, &IntOrString::Int(9090)).map(|(c, p)| (c.name.as_str(), p)),
            Some(("b", 9090))
        );
        assert!(serving_container(&t, &IntOrString::Int(1)).is_none());
    }
}
