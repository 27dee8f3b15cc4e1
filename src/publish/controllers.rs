//! What runs in the cluster that publish depends on: the AWS Load Balancer
//! Controller (or EKS Auto Mode), its IngressClass and IngressClassParams,
//! and external-dns, whose version decides the annotation prefix it reads.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::networking::v1::IngressClass;
use kube::api::{Api, ListParams};
use kube::core::{ApiResource, DynamicObject, GroupVersionKind};
use serde::Serialize;

use super::build::SSL_POLICY;

/// The ALB controller's IngressClass controller names.
pub(crate) const LBC_CONTROLLER: &str = "ingress.k8s.aws/alb";
pub(crate) const AUTO_MODE_CONTROLLER: &str = "eks.amazonaws.com/alb";
/// external-dns moved its prefix in v0.22.0 (#6424), with no fallback.
pub(crate) const DNS_PREFIX: &str = "external-dns.kubernetes.io/";
pub(crate) const DNS_PREFIX_ALPHA: &str = "external-dns.alpha.kubernetes.io/";
const DNS_PREFIX_SINCE: (u64, u64, u64) = (0, 22, 0);
/// The ALB controller creates ACM certificates from v3.3.0, behind a feature gate.
const CERT_CREATION_SINCE: (u64, u64, u64) = (3, 3, 0);
pub(crate) const CERT_CREATION_GATE: &str = "EnableCertificateManagement";
/// Image repository names (the last path segment) of the two controllers.
pub(crate) const LBC_IMAGE: &str = "aws-load-balancer-controller";
pub(crate) const EXTERNAL_DNS_IMAGE: &str = "external-dns";

/// A controller Deployment found in the cluster.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Found {
    pub(crate) namespace: String,
    pub(crate) name: String,
    pub(crate) image: String,
    /// The image tag's version, when the tag is a version.
    #[serde(skip)]
    pub(crate) version: Option<(u64, u64, u64)>,
    pub(crate) args: Vec<String>,
    pub(crate) ready: i32,
    pub(crate) replicas: i32,
}

impl Found {
    pub(crate) fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    pub(crate) fn version_text(&self) -> String {
        match self.version {
            Some((a, b, c)) => format!("v{a}.{b}.{c}"),
            None => format!("version unknown (image {})", self.image),
        }
    }

    /// The values of `--NAME` (as `--NAME=V` or `--NAME V`).
    pub(crate) fn flag(&self, name: &str) -> Vec<String> {
        flag_values(&self.args, name)
    }
}

pub(crate) fn flag_values(args: &[String], name: &str) -> Vec<String> {
    let long = format!("--{name}");
    let mut out = Vec::new();
    let mut it = args.iter().peekable();
    while let Some(a) = it.next() {
        if let Some(v) = a.strip_prefix(&format!("{long}=")) {
            out.push(v.to_string());
        } else if a == &long
            && let Some(v) = it.peek()
            && !v.starts_with("--")
        {
            out.push((*v).clone());
            it.next();
        }
    }
    out
}

/// `repo/name:v1.2.3[-suffix][@sha256:…]` → (1, 2, 3).
pub(crate) fn image_version(image: &str) -> Option<(u64, u64, u64)> {
    let without_digest = image.split('@').next()?;
    let last = without_digest.rsplit('/').next()?;
    let (_, tag) = last.split_once(':')?;
    let tag = tag.strip_prefix('v').unwrap_or(tag);
    let core = tag.split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
    let major = parts.next()??;
    let minor = parts.next()??;
    let patch = parts.next().unwrap_or(Some(0))?;
    Some((major, minor, patch))
}

/// The last path segment of an image's repository, without tag or digest.
pub(crate) fn image_name(image: &str) -> &str {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    last.split(':').next().unwrap_or(last)
}

/// Deployments in every namespace (those with `labels`, when given). Err:
/// why they could not be listed.
pub(crate) async fn deployments_labelled(
    client: &kube::Client,
    labels: Option<&str>,
) -> Result<Vec<Deployment>, String> {
    let api: Api<Deployment> = Api::all(client.clone());
    // From the API server's watch cache: a large list costs it far less, and
    // a few seconds' staleness does not matter here.
    let mut lp = ListParams::default().match_any();
    if let Some(l) = labels {
        lp = lp.labels(l);
    }
    api.list(&lp).await.map(|l| l.items).map_err(|e| match e {
        kube::Error::Api(s) if s.code == 403 => {
            "this user cannot list Deployments in all namespaces".to_string()
        }
        other => other.to_string(),
    })
}

/// Every Deployment in the cluster.
pub(crate) async fn deployments(client: &kube::Client) -> Result<Vec<Deployment>, String> {
    deployments_labelled(client, None).await
}

/// The Deployments with a container whose image is `image` (by repository name).
pub(crate) fn matching(deployments: &[Deployment], image: &str) -> Vec<Found> {
    let mut out = Vec::new();
    for d in deployments {
        let spec = d.spec.as_ref();
        let containers = spec
            .and_then(|s| s.template.spec.as_ref())
            .map(|p| p.containers.as_slice())
            .unwrap_or_default();
        let Some(c) = containers
            .iter()
            .find(|c| c.image.as_deref().is_some_and(|i| image_name(i) == image))
        else {
            continue;
        };
        let image_ref = c.image.clone().unwrap_or_default();
        let mut args: Vec<String> = c.command.clone().unwrap_or_default();
        args.extend(c.args.clone().unwrap_or_default());
        let status = d.status.as_ref();
        out.push(Found {
            namespace: d.metadata.namespace.clone().unwrap_or_default(),
            name: d.metadata.name.clone().unwrap_or_default(),
            version: image_version(&image_ref),
            image: image_ref,
            args,
            ready: status.and_then(|s| s.ready_replicas).unwrap_or(0),
            replicas: spec.and_then(|s| s.replicas).unwrap_or(1),
        });
    }
    out.sort_by_key(|f| f.id());
    out
}

/// The ALB controller and external-dns Deployments found.
pub(crate) struct Scan {
    pub(crate) lbc: Result<Vec<Found>, String>,
    pub(crate) external_dns: Result<Vec<Found>, String>,
}

/// Both charts label their Deployment `app.kubernetes.io/name=<name>`: a
/// cluster that installed both with them is answered by one small list. Any
/// other cluster costs a list of every Deployment.
pub(crate) async fn scan(client: &kube::Client) -> Scan {
    let selector = format!("app.kubernetes.io/name in ({LBC_IMAGE},{EXTERNAL_DNS_IMAGE})");
    let from = |list: &[Deployment]| Scan {
        lbc: Ok(matching(list, LBC_IMAGE)),
        external_dns: Ok(matching(list, EXTERNAL_DNS_IMAGE)),
    };
    if let Ok(list) = deployments_labelled(client, Some(&selector)).await {
        let found = from(&list);
        if found.lbc.as_ref().is_ok_and(|l| !l.is_empty())
            && found.external_dns.as_ref().is_ok_and(|l| !l.is_empty())
        {
            return found;
        }
    }
    match deployments(client).await {
        Ok(list) => from(&list),
        Err(why) => Scan {
            lbc: Err(why.clone()),
            external_dns: Err(why),
        },
    }
}

/// The prefixes external-dns reads, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DnsPrefixes {
    pub(crate) prefixes: Vec<String>,
    pub(crate) reason: String,
}

/// The prefix one external-dns Deployment reads: its `--annotation-prefix`,
/// else the default of its version; None when the version is unknown.
pub(crate) fn prefix_of(found: &Found) -> Option<String> {
    if let Some(p) = found.flag("annotation-prefix").last() {
        let p = p.trim();
        return Some(if p.ends_with('/') {
            p.to_string()
        } else {
            format!("{p}/")
        });
    }
    found.version.map(|v| {
        if v >= DNS_PREFIX_SINCE {
            DNS_PREFIX.to_string()
        } else {
            DNS_PREFIX_ALPHA.to_string()
        }
    })
}

/// The prefixes to write for the external-dns Deployments found (or the
/// reason none could be looked at): each one's own, and both defaults when
/// any version cannot be known.
pub(crate) fn dns_prefixes(found: &Result<Vec<Found>, String>) -> DnsPrefixes {
    let both = || vec![DNS_PREFIX.to_string(), DNS_PREFIX_ALPHA.to_string()];
    match found {
        Err(why) => DnsPrefixes {
            prefixes: both(),
            reason: format!("external-dns not checked ({why}); writing both annotation prefixes"),
        },
        Ok(list) if list.is_empty() => DnsPrefixes {
            prefixes: both(),
            reason: "no external-dns found in the cluster; writing both annotation prefixes".into(),
        },
        Ok(list) => {
            let mut prefixes: Vec<String> = Vec::new();
            let mut parts = Vec::new();
            let mut unknown = false;
            for f in list {
                match prefix_of(f) {
                    Some(p) => {
                        parts.push(format!("{} {} reads {p}", f.id(), f.version_text()));
                        if !prefixes.contains(&p) {
                            prefixes.push(p);
                        }
                    }
                    None => {
                        unknown = true;
                        parts.push(format!("{} has an unknown version ({})", f.id(), f.image));
                    }
                }
            }
            if unknown {
                for p in both() {
                    if !prefixes.contains(&p) {
                        prefixes.push(p);
                    }
                }
            }
            prefixes.sort();
            prefixes.reverse();
            DnsPrefixes {
                reason: format!(
                    "external-dns: {}; writing {}",
                    parts.join("; "),
                    prefixes.join(" and ")
                ),
                prefixes,
            }
        }
    }
}

/// Whether an ALB controller can create ACM certificates: Ok(true) yes,
/// Ok(false) unknown, Err(why not).
pub(crate) fn cert_creation(lbc: &[Found]) -> Result<bool, String> {
    let Some(c) = lbc.first() else {
        return Ok(false);
    };
    match c.version {
        Some(v) if v < CERT_CREATION_SINCE => {
            return Err(format!(
                "the ALB controller {} is {}; certificate creation needs v3.3.0 or later",
                c.id(),
                c.version_text()
            ));
        }
        None => return Ok(false),
        Some(_) => {}
    }
    let gate_on = c.flag("feature-gates").iter().any(|g| {
        g.split(',')
            .any(|kv| kv.trim() == format!("{CERT_CREATION_GATE}=true"))
    });
    if gate_on {
        Ok(true)
    } else {
        Err(format!(
            "the ALB controller {} runs without --feature-gates={CERT_CREATION_GATE}=true",
            c.id()
        ))
    }
}

/// An IngressClass and, when it has them, its parameters.
#[derive(Debug, Clone)]
pub(crate) struct Class {
    pub(crate) name: String,
    pub(crate) controller: String,
    pub(crate) params: Option<ParamsRef>,
}

#[derive(Debug, Clone)]
pub(crate) struct ParamsRef {
    pub(crate) api_group: String,
    pub(crate) kind: String,
    pub(crate) name: String,
}

impl Class {
    pub(crate) fn is_alb(&self) -> bool {
        self.controller == LBC_CONTROLLER || self.controller == AUTO_MODE_CONTROLLER
    }
}

/// Every IngressClass. Err: why they could not be listed.
pub(crate) async fn classes(client: &kube::Client) -> Result<Vec<Class>, String> {
    let api: Api<IngressClass> = Api::all(client.clone());
    let list = api
        .list(&ListParams::default())
        .await
        .map_err(|e| match e {
            kube::Error::Api(s) if s.code == 403 => {
                "this user cannot list IngressClasses".to_string()
            }
            other => other.to_string(),
        })?;
    Ok(list
        .items
        .into_iter()
        .map(|c| {
            let spec = c.spec.unwrap_or_default();
            Class {
                name: c.metadata.name.unwrap_or_default(),
                controller: spec.controller.unwrap_or_default(),
                params: spec.parameters.map(|p| ParamsRef {
                    api_group: p.api_group.unwrap_or_default(),
                    kind: p.kind,
                    name: p.name,
                }),
            }
        })
        .collect())
}

/// The class to use when `--class` is not given: an ALB class, `alb` first.
pub(crate) fn pick_class(classes: &[Class]) -> Option<&Class> {
    let mut alb: Vec<&Class> = classes.iter().filter(|c| c.is_alb()).collect();
    alb.sort_by_key(|c| (c.name != "alb", c.name.clone()));
    alb.first().copied()
}

/// A setting of an IngressClassParams that takes precedence over what
/// publish writes on the Ingress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Override {
    pub(crate) field: String,
    pub(crate) value: String,
    /// What it means for a published Ingress.
    pub(crate) effect: String,
}

/// Reads the IngressClassParams a class points to. Ok(None): no params.
pub(crate) async fn class_params(
    client: &kube::Client,
    class: &Class,
) -> Result<Option<(String, serde_json::Value)>, String> {
    let Some(p) = &class.params else {
        return Ok(None);
    };
    let (group, version, kind) = match p.api_group.as_str() {
        "elbv2.k8s.aws" => ("elbv2.k8s.aws", "v1beta1", "IngressClassParams"),
        "eks.amazonaws.com" => ("eks.amazonaws.com", "v1", "IngressClassParams"),
        other => {
            return Err(format!(
                "IngressClass {} points to {}/{} {}, which publish does not know",
                class.name, other, p.kind, p.name
            ));
        }
    };
    let gvk = GroupVersionKind::gvk(group, version, kind);
    let ar = ApiResource::from_gvk_with_plural(&gvk, "ingressclassparams");
    let api: Api<DynamicObject> = Api::all_with(client.clone(), &ar);
    match api.get_opt(&p.name).await {
        Ok(Some(obj)) => Ok(Some((
            format!("{}/{}", group, p.name),
            obj.data.get("spec").cloned().unwrap_or_default(),
        ))),
        Ok(None) => Err(format!(
            "IngressClass {} points to IngressClassParams {}, which does not exist",
            class.name, p.name
        )),
        Err(kube::Error::Api(s)) if s.code == 403 => Err(format!(
            "this user cannot read IngressClassParams {}",
            p.name
        )),
        Err(e) => Err(e.to_string()),
    }
}

/// The settings of an IngressClassParams spec that override what publish
/// sets for `--internal`, `--group` and `--waf-acl` (None: not given).
pub(crate) fn overrides(
    spec: &serde_json::Value,
    internal: bool,
    group: Option<&str>,
    waf_acl: Option<&str>,
) -> Vec<Override> {
    let mut out = Vec::new();
    let s = |k: &str| spec.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let mut push = |field: &str, value: String, effect: String| {
        out.push(Override {
            field: field.into(),
            value,
            effect,
        })
    };
    if let Some(scheme) = s("scheme") {
        let wanted = if internal {
            "internal"
        } else {
            "internet-facing"
        };
        if scheme != wanted {
            push(
                "scheme",
                scheme.clone(),
                format!("the ALB is {scheme}, not {wanted}"),
            );
        }
    }
    if let Some(t) = s("targetType")
        && t != "ip"
    {
        push(
            "targetType",
            t.clone(),
            format!("targets are {t}, not ip (readiness gates need ip)"),
        );
    }
    if let Some(p) = s("sslPolicy")
        && p != SSL_POLICY
    {
        push(
            "sslPolicy",
            p.clone(),
            format!("the TLS policy is {p}, not {SSL_POLICY}"),
        );
    }
    for key in ["certificateArn", "certificateARNs"] {
        if let Some(v) = spec.get(key).filter(|v| !v.is_null()) {
            push(
                key,
                compact(v),
                "its certificates replace the one publish pins".into(),
            );
        }
    }
    out.extend(routing_overrides(spec, group, waf_acl));
    out
}

/// The group, redirect, WAF and listener settings that override publish's.
fn routing_overrides(
    spec: &serde_json::Value,
    group: Option<&str>,
    waf_acl: Option<&str>,
) -> Vec<Override> {
    let mut out = Vec::new();
    let mut push = |field: &str, value: String, effect: String| {
        out.push(Override {
            field: field.into(),
            value,
            effect,
        })
    };
    if let Some(g) = spec
        .get("group")
        .and_then(|g| g.get("name"))
        .and_then(|v| v.as_str())
        && group != Some(g)
    {
        push(
            "group.name",
            g.to_string(),
            format!("every Ingress of the class joins ALB group {g}"),
        );
    }
    if let Some(port) = spec.get("sslRedirectPort").filter(|v| !v.is_null()) {
        let port = compact(port);
        if port.trim_matches('"') != "443" {
            push(
                "sslRedirectPort",
                port.clone(),
                format!("HTTP redirects to port {port}, not 443"),
            );
        }
    }
    for key in ["wafv2AclArn", "wafv2AclName"] {
        if let Some(v) = spec.get(key).and_then(|v| v.as_str())
            && waf_acl != Some(v)
        {
            push(key, v.to_string(), "its WAF ACL replaces --waf-acl".into());
        }
    }
    if let Some(l) = spec.get("listeners").filter(|v| !v.is_null()) {
        push(
            "listeners",
            compact(l),
            "its listeners replace HTTP:80 + HTTPS:443".into(),
        );
    }
    out
}

fn compact(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(image: &str, args: &[&str]) -> Found {
        Found {
            namespace: "dns".into(),
            name: "external-dns".into(),
            image: image.into(),
            version: image_version(image),
            args: args.iter().map(|s| s.to_string()).collect(),
            ready: 1,
            replicas: 1,
        }
    }

    #[test]
    fn versions_from_tags() {
        assert_eq!(
            image_version("registry.example/external-dns/external-dns:v0.22.0"),
            Some((0, 22, 0))
        );
        assert_eq!(
            image_version("registry.example/bitnami/external-dns:0.15.1-debian-12-r0"),
            Some((0, 15, 1))
        );
        assert_eq!(
            image_version("localhost:5000/external-dns:v0.21.0@sha256:abc"),
            Some((0, 21, 0))
        );
        assert_eq!(image_version("external-dns@sha256:abc"), None);
        assert_eq!(image_version("external-dns:latest"), None);
        assert_eq!(image_version("localhost:5000/external-dns"), None);
        assert_eq!(
            image_name("localhost:5000/x/external-dns:v1@sha256:a"),
            "external-dns"
        );
    }

    #[test]
    fn flags() {
        let args: Vec<String> = [
            "--policy=sync",
            "--txt-owner-id",
            "prod",
            "--source=ingress",
            "--source",
            "service",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(flag_values(&args, "policy"), vec!["sync"]);
        assert_eq!(flag_values(&args, "txt-owner-id"), vec!["prod"]);
        assert_eq!(flag_values(&args, "source"), vec!["ingress", "service"]);
        assert!(flag_values(&args, "domain-filter").is_empty());
    }

    #[test]
    fn prefixes_follow_the_version() {
        let new = found("registry.example/external-dns/external-dns:v0.22.0", &[]);
        let old = found("registry.example/external-dns/external-dns:v0.21.0", &[]);
        let odd = found("registry.example/external-dns/external-dns:latest", &[]);
        let custom = found(
            "registry.example/external-dns/external-dns:v0.23.1",
            &["--annotation-prefix=external-dns.alpha.kubernetes.io"],
        );
        assert_eq!(
            dns_prefixes(&Ok(vec![new.clone()])).prefixes,
            vec![DNS_PREFIX]
        );
        assert_eq!(
            dns_prefixes(&Ok(vec![old.clone()])).prefixes,
            vec![DNS_PREFIX_ALPHA]
        );
        assert_eq!(
            dns_prefixes(&Ok(vec![custom])).prefixes,
            vec![DNS_PREFIX_ALPHA]
        );
        let both = vec![DNS_PREFIX.to_string(), DNS_PREFIX_ALPHA.to_string()];
        assert_eq!(dns_prefixes(&Ok(vec![odd])).prefixes, both);
        assert_eq!(dns_prefixes(&Ok(vec![])).prefixes, both);
        assert_eq!(dns_prefixes(&Err("forbidden".into())).prefixes, both);
        assert_eq!(dns_prefixes(&Ok(vec![new, old])).prefixes, both);
    }

    #[test]
    fn certificate_creation_support() {
        let lbc = |image: &str, args: &[&str]| vec![found(image, args)];
        assert!(cert_creation(&lbc("eks/aws-load-balancer-controller:v2.13.0", &[])).is_err());
        assert!(cert_creation(&lbc("eks/aws-load-balancer-controller:v3.3.0", &[])).is_err());
        assert_eq!(
            cert_creation(&lbc(
                "eks/aws-load-balancer-controller:v3.4.0",
                &["--feature-gates=Foo=false,EnableCertificateManagement=true"]
            )),
            Ok(true)
        );
        assert_eq!(cert_creation(&[]), Ok(false));
    }

    #[test]
    fn params_overrides() {
        let spec = serde_json::json!({
            "scheme": "internal",
            "targetType": "ip",
            "sslPolicy": "ELBSecurityPolicy-2016-08",
            "group": {"name": "shared"},
            "certificateArn": ["arn:aws:acm:us-east-1:1:certificate/x"]
        });
        let o = overrides(&spec, false, None, None);
        let fields: Vec<&str> = o.iter().map(|o| o.field.as_str()).collect();
        assert_eq!(
            fields,
            vec!["scheme", "sslPolicy", "certificateArn", "group.name"]
        );
        let o = overrides(
            &serde_json::json!({"scheme": "internal", "group": {"name": "shared"}}),
            true,
            Some("shared"),
            None,
        );
        assert!(o.is_empty(), "{o:?}");
    }

    #[test]
    fn class_choice() {
        let c = |n: &str, ctl: &str| Class {
            name: n.into(),
            controller: ctl.into(),
            params: None,
        };
        let list = vec![
            c("nginx", "k8s.io/ingress-nginx"),
            c("auto", AUTO_MODE_CONTROLLER),
            c("alb", LBC_CONTROLLER),
        ];
        assert_eq!(pick_class(&list).unwrap().name, "alb");
        assert_eq!(pick_class(&list[..2]).unwrap().name, "auto");
        assert!(pick_class(&list[..1]).is_none());
    }
}
