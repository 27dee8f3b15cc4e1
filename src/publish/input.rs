//! Parsing and checking what the user typed: the target, hosts, tags, the
//! group name and ARNs. Every check here runs before anything is read from or
//! written to the cluster.

use super::args::{PublishFlags, RouteApi};
use crate::cli::GlobalArgs;
use crate::error::{Error, Result};
use crate::output::Format;

/// What `KIND/NAME` and the publish flags ask for, once checked: the values
/// derived from the flags (the flags themselves are read where they land).
#[derive(Debug, Clone)]
pub(crate) struct Publication {
    pub(crate) target: Target,
    /// The name of the Service and Ingress or HTTPRoute: `--name`, else the workload's.
    pub(crate) name: String,
    pub(crate) hosts: Vec<String>,
    pub(crate) tags: Vec<(String, String)>,
}

impl Publication {
    /// Every check on what was typed, before anything is read from the cluster.
    pub(crate) fn check(
        flags: &PublishFlags,
        target: &str,
        global: &GlobalArgs,
    ) -> Result<Publication> {
        let target = Target::parse(target)?;
        let hosts = parse_hosts(&flags.hosts)?;
        let tags = parse_tags(&flags.tags)?;
        if let Some(g) = &flags.group {
            check_group(g)?;
        }
        if let Some(w) = &flags.waf_acl {
            check_arn("--waf-acl", w, "wafv2")?;
        }
        for a in &flags.cert_arn {
            check_arn("--cert-arn", a, "acm")?;
        }
        if !flags.cert_arn.is_empty() && flags.create_cert {
            return Err(Error::Usage(
                "--cert-arn and --create-cert exclude each other".into(),
            ));
        }
        if global.output == Some(Format::Table) {
            return Err(Error::Usage(
                "-o table does not apply to publish; use -o yaml, json or name".into(),
            ));
        }
        if flags.api() == RouteApi::Gateway {
            refuse_gateway_owned(flags)?;
        } else if flags.gateway.is_some() {
            return Err(Error::Usage("--gateway needs --api gateway".into()));
        }
        let name = flags.name.clone().unwrap_or_else(|| target.name.clone());
        check_object_name(&name)?;
        Ok(Publication {
            target,
            name,
            hosts,
            tags,
        })
    }
}

/// Flags that set what a Gateway owns, not a route: refused with where the
/// setting lives instead.
fn refuse_gateway_owned(flags: &PublishFlags) -> Result<()> {
    let lbc = "the Gateway's LoadBalancerConfiguration (gateway.k8s.aws)";
    let refused = [
        (
            flags.class.is_some(),
            "--class",
            "pick the Gateway with --gateway NAME[/NAMESPACE]".to_string(),
        ),
        (
            flags.group.is_some(),
            "--group",
            "routes share the ALB of their Gateway".to_string(),
        ),
        (
            flags.waf_acl.is_some(),
            "--waf-acl",
            format!("set it in {lbc}"),
        ),
        (
            !flags.tags.is_empty(),
            "--tags",
            format!("set ALB tags in {lbc}"),
        ),
        (
            !flags.cert_arn.is_empty(),
            "--cert-arn",
            format!("pin it in {lbc} under listenerConfigurations[].defaultCertificate"),
        ),
        (
            flags.create_cert,
            "--create-cert",
            "the controller creates certificates for Ingresses only; request one in ACM"
                .to_string(),
        ),
    ];
    for (given, flag, instead) in refused {
        if given {
            return Err(Error::Usage(format!(
                "{flag} does not apply with --api gateway: {instead}"
            )));
        }
    }
    Ok(())
}

/// What `kubectl publish KIND/NAME` points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TargetKind {
    Deployment,
    StatefulSet,
    Service,
}

impl TargetKind {
    /// kubectl's resource name, for messages.
    pub(crate) fn resource(self) -> &'static str {
        match self {
            TargetKind::Deployment => "deployment",
            TargetKind::StatefulSet => "statefulset",
            TargetKind::Service => "service",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    pub(crate) kind: TargetKind,
    pub(crate) name: String,
}

impl Target {
    pub(crate) fn parse(text: &str) -> Result<Target> {
        let usage = || {
            Error::Usage(format!(
                "invalid target {text:?}; give deploy/NAME, statefulset/NAME or svc/NAME"
            ))
        };
        let (kind, name) = text.split_once('/').ok_or_else(usage)?;
        let kind =
            match kind.to_ascii_lowercase().as_str() {
                "deploy" | "deployment" | "deployments" | "deployment.apps"
                | "deployments.apps" => TargetKind::Deployment,
                "sts" | "statefulset" | "statefulsets" | "statefulset.apps"
                | "statefulsets.apps" => TargetKind::StatefulSet,
                "svc" | "service" | "services" => TargetKind::Service,
                _ => return Err(usage()),
            };
        if name.is_empty() || name.contains('/') {
            return Err(usage());
        }
        Ok(Target {
            kind,
            name: name.to_string(),
        })
    }
}

/// A host to publish: lowercased, without a trailing dot, a DNS name with at
/// least two labels and a non-numeric top-level label (so no IP addresses).
pub(crate) fn parse_host(text: &str) -> Result<String> {
    let host = text.trim().trim_end_matches('.').to_ascii_lowercase();
    let bad = |why: &str| {
        Error::Usage(format!(
            "--host {text:?} is not a DNS name ({why}); give a name like web.example.com"
        ))
    };
    if host.starts_with("*.") {
        return Err(bad(
            "wildcard hosts are not published; name each host with --host",
        ));
    }
    if host.is_empty() {
        return Err(bad("it is empty"));
    }
    if host.len() > 253 {
        return Err(bad("longer than 253 characters"));
    }
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 {
        return Err(bad("it needs a domain, at least two labels"));
    }
    for label in &labels {
        if label.is_empty() {
            return Err(bad("it has an empty label"));
        }
        if label.len() > 63 {
            return Err(bad("a label is longer than 63 characters"));
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(bad("only letters, digits, '-' and '.' are allowed"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(bad("a label starts or ends with '-'"));
        }
    }
    if labels
        .last()
        .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad("the last label is numeric; IP addresses are not hosts"));
    }
    Ok(host)
}

/// Hosts from repeated `--host` flags, in order, without duplicates.
pub(crate) fn parse_hosts(flags: &[String]) -> Result<Vec<String>> {
    if flags.is_empty() {
        return Err(Error::Usage(
            "give at least one --host, e.g. --host web.example.com".into(),
        ));
    }
    let mut hosts: Vec<String> = Vec::new();
    for f in flags {
        for part in f.split(',').filter(|p| !p.trim().is_empty()) {
            let h = parse_host(part)?;
            if !hosts.contains(&h) {
                hosts.push(h);
            }
        }
    }
    if hosts.is_empty() {
        return Err(Error::Usage("--host is empty".into()));
    }
    Ok(hosts)
}

/// `--tags k=v` (repeatable, or comma-separated) as the ALB controller's
/// stringMap `k1=v1,k2=v2`. Later keys replace earlier ones.
pub(crate) fn parse_tags(flags: &[String]) -> Result<Vec<(String, String)>> {
    let mut tags: Vec<(String, String)> = Vec::new();
    for f in flags {
        for part in f.split(',').filter(|p| !p.trim().is_empty()) {
            let (k, v) = part.split_once('=').ok_or_else(|| {
                Error::Usage(format!("--tags {part:?}: use KEY=VALUE (comma-separated)"))
            })?;
            let (k, v) = (k.trim(), v.trim());
            if k.is_empty() || k.len() > 128 || v.len() > 256 || v.contains('=') {
                return Err(Error::Usage(format!(
                    "--tags {part:?}: an AWS tag key is 1..128 characters and a value at most 256, without '='"
                )));
            }
            if k.starts_with("aws:") {
                return Err(Error::Usage(format!(
                    "--tags {part:?}: keys starting with aws: are reserved by AWS"
                )));
            }
            tags.retain(|(key, _)| key != k);
            tags.push((k.to_string(), v.to_string()));
        }
    }
    Ok(tags)
}

/// An IngressGroup name: at most 63 characters, lowercase alphanumerics,
/// '-' and '.', starting and ending with an alphanumeric.
pub(crate) fn check_group(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && name
            .bytes()
            .last()
            .is_some_and(|b| b.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "--group {name:?}: use at most 63 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"
        )))
    }
}

/// A plausible ARN of the given service (`acm`, `wafv2`), checked by shape only.
pub(crate) fn check_arn(flag: &str, arn: &str, service: &str) -> Result<()> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == service
        && !parts[5].is_empty();
    if ok {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "{flag} {arn:?} is not an {service} ARN (arn:aws:{service}:REGION:ACCOUNT:…)"
        )))
    }
}

/// A Service or Ingress name: a DNS-1035 label (what a Service name must be).
pub(crate) fn check_object_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && name.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && !name.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "{name:?} cannot name a Service (lowercase letters, digits and '-', starting with a letter, at most 63); pass --name NAME"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let t = Target::parse("deploy/web").unwrap();
        assert_eq!((t.kind, t.name.as_str()), (TargetKind::Deployment, "web"));
        assert_eq!(
            Target::parse("statefulset.apps/db").unwrap().kind,
            TargetKind::StatefulSet
        );
        assert_eq!(Target::parse("svc/api").unwrap().kind, TargetKind::Service);
        for bad in ["web", "pod/web", "deploy/", "deploy/a/b", ""] {
            assert!(matches!(Target::parse(bad), Err(Error::Usage(_))), "{bad}");
        }
    }

    #[test]
    fn hosts() {
        assert_eq!(parse_host("Web.Example.COM.").unwrap(), "web.example.com");
        for bad in [
            "web",
            "not a host",
            "web_1.example.com",
            "-web.example.com",
            "10.0.0.1",
            "*.example.com",
            "a..b",
            &format!("{}.com", "a".repeat(64)),
        ] {
            assert!(matches!(parse_host(bad), Err(Error::Usage(_))), "{bad}");
        }
        assert_eq!(
            parse_hosts(&["a.example.com,b.example.com".into(), "a.example.com".into()]).unwrap(),
            vec!["a.example.com", "b.example.com"]
        );
        assert!(parse_hosts(&[]).is_err());
    }

    #[test]
    fn tags() {
        let t = parse_tags(&["team=web,env=prod".into(), "env=stage".into()]).unwrap();
        assert_eq!(
            t,
            vec![
                ("team".into(), "web".into()),
                ("env".into(), "stage".into())
            ]
        );
        assert!(parse_tags(&["novalue".into()]).is_err());
        assert!(parse_tags(&["aws:x=1".into()]).is_err());
    }

    #[test]
    fn groups_and_arns() {
        assert!(check_group("shared.public-1").is_ok());
        assert!(check_group("Shared").is_err());
        assert!(check_group("-a").is_err());
        assert!(check_group(&"a".repeat(64)).is_err());
        assert!(
            check_arn(
                "--waf-acl",
                "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/x/1",
                "wafv2"
            )
            .is_ok()
        );
        assert!(check_arn("--waf-acl", "my-acl", "wafv2").is_err());
        assert!(
            check_arn(
                "--cert-arn",
                "arn:aws:wafv2:us-east-1:1:regional/webacl/x/1",
                "acm"
            )
            .is_err()
        );
        assert!(check_object_name("web").is_ok());
        assert!(check_object_name("web.v2").is_err());
        assert!(check_object_name("1web").is_err());
    }
}
