//! `kubectl publish doctor`: the preconditions for an Ingress to become a
//! public HTTPS name on AWS, each with a one-line fix when it fails.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::Node;
use kube::api::{Api, ListParams};
use serde::Serialize;

use super::cloud::Cloud;
use super::controllers::{self, Class, Found, Intended, LBC_CONTROLLER};
use super::report::{self, Line};
use super::{AwsFlags, Session, cert, gateway, input, with_session};
use crate::cli::GlobalArgs;
use crate::error::{Result, exit};
use crate::output::{self, Format, Palette};

#[derive(Debug, Clone, Default)]
pub struct DoctorRequest {
    pub hosts: Vec<String>,
    pub class: Option<String>,
    pub vpc_id: Option<String>,
    pub internal: bool,
    /// `--api gateway`: the Gateway API checks count; otherwise they inform.
    pub gateway: bool,
    pub aws: AwsFlags,
    pub global: GlobalArgs,
}

#[derive(Debug, Serialize)]
struct Report {
    ok: bool,
    checks: Vec<Line>,
}

pub fn doctor(req: DoctorRequest) -> Result<u8> {
    let hosts = if req.hosts.is_empty() {
        Vec::new()
    } else {
        input::parse_hosts(&req.hosts)?
    };
    with_session(&req.global, &req.aws.clone(), |s| async move {
        let (classes, scan) = tokio::join!(
            controllers::classes(&s.client),
            controllers::scan(&s.client)
        );
        let class_name = req.class.clone().unwrap_or_else(|| "alb".into());
        let mut checks = vec![
            controller_check(&scan.lbc, &classes),
            class_check(&class_name, &classes),
        ];
        let class = classes
            .as_ref()
            .ok()
            .and_then(|l| l.iter().find(|c| c.name == class_name).cloned());
        checks.push(params_check(&s, class.as_ref(), req.internal).await);
        checks.extend(gateway_checks(&s.client, req.gateway).await);

        let cloud = Cloud::connect(&s.sdk).await;
        checks.push(match &cloud {
            Ok(c) => subnets_check(&s, c, &scan.lbc, req.vpc_id.as_deref(), req.internal).await,
            Err(e) => Line::failed("subnets", format!("not checked: {e}"))
                .with_fix("set AWS_REGION and AWS credentials (or pass --region/--profile)"),
        });
        checks.push(external_dns_check(&scan.external_dns, &hosts, req.gateway));
        if hosts.is_empty() {
            checks.push(Line::skipped("hosted zone", "pass --host HOST to check"));
            checks.push(Line::skipped("certificate", "pass --host HOST to check"));
        }
        for h in &hosts {
            let suffix = if hosts.len() > 1 {
                format!(" {h}")
            } else {
                String::new()
            };
            match &cloud {
                Err(e) => {
                    checks.push(Line::failed(
                        format!("hosted zone{suffix}"),
                        format!("not checked: {e}"),
                    ));
                    checks.push(Line::failed(
                        format!("certificate{suffix}"),
                        format!("not checked: {e}"),
                    ));
                }
                Ok(c) => {
                    checks.push(zone_check(c, h, req.internal, &suffix).await);
                    checks.push(cert_check(c, h, &suffix).await);
                }
            }
        }

        let ok = report::all_ok(&checks);
        let report = Report { ok, checks };
        match req.global.output {
            Some(Format::Json) => output::print_json(&report)?,
            Some(Format::Yaml) => output::print_yaml(&report)?,
            _ => output::print_lines(report::render(
                &report.checks,
                Palette::for_stdout(req.global.color),
            ))?,
        }
        Ok(if ok { exit::OK } else { exit::FAILURE })
    })
}

fn ready_text(f: &Found) -> String {
    format!(
        "{} {}, {}/{} ready",
        f.id(),
        f.version_text(),
        f.ready,
        f.replicas
    )
}

fn controller_check(
    lbc: &std::result::Result<Vec<Found>, String>,
    classes: &std::result::Result<Vec<Class>, String>,
) -> Line {
    const NAME: &str = "alb controller";
    let auto_mode = classes.as_ref().ok().and_then(|l| {
        l.iter()
            .find(|c| c.controller == controllers::AUTO_MODE_CONTROLLER)
            .map(|c| c.name.clone())
    });
    match lbc {
        Ok(list) if !list.is_empty() => match list.iter().find(|f| f.ready > 0) {
            Some(f) => Line::ok(NAME, ready_text(f)),
            None => Line::failed(NAME, format!("{}: no ready replica", ready_text(&list[0])))
                .with_fix(format!(
                    "kubectl -n {} describe deployment {}",
                    list[0].namespace, list[0].name
                )),
        },
        _ if auto_mode.is_some() => Line::ok(
            NAME,
            format!(
                "EKS Auto Mode load balancing (IngressClass {})",
                auto_mode.unwrap_or_default()
            ),
        ),
        Ok(_) => Line::failed(NAME, "no AWS Load Balancer Controller Deployment found")
            .with_fix(LBC_INSTALL),
        Err(why) => Line::failed(NAME, format!("not checked: {why}"))
            .with_fix("run doctor as a user who can list Deployments in all namespaces"),
    }
}

/// The controller calls ELBv2 and EC2 itself, so it needs an IAM role before
/// the chart is useful; the chart lives in the eks-charts repository.
const LBC_INSTALL: &str = "\
1. an IAM policy from the controller's docs/install/iam_policy.json: aws iam create-policy --policy-name AWSLoadBalancerControllerIAMPolicy --policy-document file://iam_policy.json
2. a role for its ServiceAccount kube-system/aws-load-balancer-controller, either
   IRSA: eksctl create iamserviceaccount --cluster CLUSTER -n kube-system --name aws-load-balancer-controller --attach-policy-arn arn:aws:iam::ACCOUNT:policy/AWSLoadBalancerControllerIAMPolicy --approve
   or Pod Identity (with the eks-pod-identity-agent add-on): eksctl create podidentityassociation --cluster CLUSTER --namespace kube-system --service-account-name aws-load-balancer-controller --permission-policy-arns arn:aws:iam::ACCOUNT:policy/AWSLoadBalancerControllerIAMPolicy
3. helm repo add eks https://aws.github.io/eks-charts && helm repo update eks
4. helm install aws-load-balancer-controller eks/aws-load-balancer-controller -n kube-system --set clusterName=CLUSTER --set serviceAccount.name=aws-load-balancer-controller (after IRSA's eksctl, which made the ServiceAccount: --set serviceAccount.create=false)
or enable EKS Auto Mode, which runs its own load balancing";

fn class_check(name: &str, classes: &std::result::Result<Vec<Class>, String>) -> Line {
    const NAME: &str = "ingress class";
    let create = format!(
        "printf 'apiVersion: networking.k8s.io/v1\\nkind: IngressClass\\nmetadata:\\n  name: {name}\\nspec:\\n  controller: {LBC_CONTROLLER}\\n' | kubectl apply -f -"
    );
    match classes {
        Err(why) => Line::failed(NAME, format!("not checked: {why}"))
            .with_fix("run doctor as a user who can list IngressClasses"),
        Ok(list) => match list.iter().find(|c| c.name == name) {
            None => Line::failed(NAME, format!("no IngressClass {name}")).with_fix(create),
            Some(c) if c.is_alb() => Line::ok(NAME, format!("{name} → {}", c.controller)),
            Some(c) => Line::failed(
                NAME,
                format!(
                    "IngressClass {name} belongs to {}, not the ALB controller",
                    c.controller
                ),
            )
            .with_fix("pass --class with the name of an ALB IngressClass"),
        },
    }
}

async fn params_check(s: &Session, class: Option<&Class>, internal: bool) -> Line {
    const NAME: &str = "class params";
    let Some(class) = class else {
        return Line::skipped(NAME, "no IngressClass to read");
    };
    match controllers::class_params(&s.client, class).await {
        Err(why) => Line::failed(NAME, why)
            .with_fix(format!("kubectl get ingressclass {} -o yaml", class.name)),
        Ok(None) => Line::ok(
            NAME,
            format!("IngressClass {} has no IngressClassParams", class.name),
        ),
        Ok(Some((params, spec))) => {
            let intended = Intended {
                internal,
                ..Default::default()
            };
            let found = controllers::overrides(&spec, &intended);
            if found.is_empty() {
                Line::ok(NAME, format!("{params} overrides nothing publish sets"))
            } else {
                let name = params.rsplit('/').next().unwrap_or(&params).to_string();
                let fields: Vec<String> = found.iter().map(|o| o.field.clone()).collect();
                Line::failed(
                    NAME,
                    format!(
                        "{params} overrides publish: {}",
                        found
                            .iter()
                            .map(|o| format!("{}={} ({})", o.field, o.value, o.effect))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                )
                .with_fix(format!(
                    "kubectl edit ingressclassparams {name}   # remove {}",
                    fields.join(", ")
                ))
            }
        }
    }
}

/// The cluster's VPC: `--vpc-id`, the ALB controller's `--aws-vpc-id`, or a
/// node's EC2 instance.
async fn find_vpc(
    s: &Session,
    cloud: &Cloud,
    lbc: &std::result::Result<Vec<Found>, String>,
    flag: Option<&str>,
) -> std::result::Result<(String, String), String> {
    if let Some(v) = flag {
        return Ok((v.to_string(), "--vpc-id".into()));
    }
    if let Ok(list) = lbc
        && let Some((v, f)) = list
            .iter()
            .find_map(|f| f.flag("aws-vpc-id").last().cloned().map(|v| (v, f.id())))
    {
        return Ok((v, format!("the ALB controller {f}'s --aws-vpc-id")));
    }
    let nodes = Api::<Node>::all(s.client.clone())
        .list(&ListParams::default().limit(20))
        .await
        .map_err(|e| format!("cannot list nodes ({e})"))?;
    let instance = nodes.items.iter().find_map(|n| {
        let id = n.spec.as_ref()?.provider_id.as_deref()?;
        let id = id.strip_prefix("aws://")?;
        id.rsplit('/')
            .next()
            .filter(|i| i.starts_with("i-"))
            .map(str::to_string)
    });
    let Some(instance) = instance else {
        return Err("no node has an AWS provider ID".into());
    };
    match cloud.instance_vpc(&instance).await? {
        Some(v) => Ok((v, format!("node instance {instance}"))),
        None => Err(format!("EC2 does not know instance {instance}")),
    }
}

async fn subnets_check(
    s: &Session,
    cloud: &Cloud,
    lbc: &std::result::Result<Vec<Found>, String>,
    vpc_flag: Option<&str>,
    internal: bool,
) -> Line {
    const NAME: &str = "subnets";
    let role = if internal {
        "kubernetes.io/role/internal-elb"
    } else {
        "kubernetes.io/role/elb"
    };
    let (vpc, source) = match find_vpc(s, cloud, lbc, vpc_flag).await {
        Ok(v) => v,
        Err(why) => {
            return Line::failed(NAME, format!("cannot tell the cluster's VPC: {why}"))
                .with_fix("pass --vpc-id VPC_ID");
        }
    };
    let subnets = match cloud.subnets(&vpc).await {
        Ok(s) => s,
        Err(e) => {
            return Line::failed(NAME, e)
                .with_fix("check the AWS credentials and region (ec2:DescribeSubnets)");
        }
    };
    if subnets.is_empty() {
        return Line::failed(
            NAME,
            format!(
                "VPC {vpc} (from {source}) has no subnets in {}",
                cloud.region
            ),
        )
        .with_fix("pass --vpc-id with the cluster's VPC, or --region with its region");
    }
    let tagged: Vec<_> = subnets
        .iter()
        .filter(|n| n.tags.get(role).is_some_and(|v| v.is_empty() || v == "1"))
        .collect();
    let zones: BTreeSet<&str> = tagged.iter().map(|n| n.zone.as_str()).collect();
    if zones.len() >= 2 {
        return Line::ok(
            NAME,
            format!(
                "{} subnet(s) of {vpc} tagged {role} in {}",
                tagged.len(),
                zones.into_iter().collect::<Vec<_>>().join(", ")
            ),
        );
    }
    // Suggest one untagged subnet per zone, public ones first for an internet-facing ALB.
    let mut picks: Vec<&str> = Vec::new();
    let mut picked_zones: BTreeSet<&str> = zones.clone();
    let mut candidates: Vec<_> = subnets
        .iter()
        .filter(|n| !n.tags.contains_key(role))
        .collect();
    candidates.sort_by_key(|n| (internal == n.public_ip_on_launch, n.zone.clone()));
    for n in candidates {
        if picked_zones.insert(n.zone.as_str()) {
            picks.push(&n.id);
        }
    }
    let detail = if tagged.is_empty() {
        format!(
            "no subnet of {vpc} is tagged {role}; the ALB controller cannot place the load balancer"
        )
    } else {
        format!("subnets of {vpc} tagged {role} are in one zone only; an ALB needs two")
    };
    let line = Line::failed(NAME, detail);
    if picks.is_empty() {
        line.with_fix(format!(
            "create subnets in a second zone of {vpc} and tag them {role}=1"
        ))
    } else {
        line.with_fix(format!(
            "aws ec2 create-tags --resources {} --tags Key={role},Value=1",
            picks.join(" ")
        ))
    }
}

fn external_dns_check(
    found: &std::result::Result<Vec<Found>, String>,
    hosts: &[String],
    gateway: bool,
) -> Line {
    const NAME: &str = "external-dns";
    let list = match found {
        Err(why) => {
            return Line::failed(NAME, format!("not checked: {why}"))
                .with_fix("run doctor as a user who can list Deployments in all namespaces");
        }
        Ok(l) if l.is_empty() => {
            return Line::failed(NAME, "no external-dns Deployment found").with_fix(
                "helm install external-dns external-dns/external-dns -n external-dns --create-namespace --set provider.name=aws --set policy=sync --set txtOwnerId=CLUSTER",
            );
        }
        Ok(l) => l,
    };
    let f = list.iter().find(|f| f.ready > 0).unwrap_or(&list[0]);
    let edit = format!("kubectl -n {} edit deployment {}", f.namespace, f.name);
    if f.ready == 0 {
        return Line::failed(NAME, format!("{}: no ready replica", ready_text(f))).with_fix(
            format!("kubectl -n {} describe deployment {}", f.namespace, f.name),
        );
    }
    let policy = f.flag("policy").last().cloned();
    let owner = f.flag("txt-owner-id").last().cloned();
    let sources = f.flag("source");
    let prefix = controllers::prefix_of(f)
        .unwrap_or_else(|| "an unknown annotation prefix (publish writes both)".into());
    let policy_text = match policy.as_deref() {
        Some(p @ ("upsert-only" | "create-only")) => {
            format!("policy {p} (records stay behind after unpublish)")
        }
        Some(p) => format!("policy {p}"),
        None => "no --policy (external-dns's default: sync)".into(),
    };
    let Some(owner) = owner else {
        return Line::failed(
            NAME,
            format!(
                "{}: no --txt-owner-id, so clusters sharing a zone overwrite each other's records",
                ready_text(f)
            ),
        )
        .with_fix(format!("{edit}   # add --txt-owner-id=CLUSTER to its args"));
    };
    // The source that reads what publish makes: Ingresses, or HTTPRoutes.
    let (source, objects) = if gateway {
        ("gateway-httproute", "HTTPRoutes")
    } else {
        ("ingress", "Ingresses")
    };
    if !sources.iter().any(|s| s == source) {
        return Line::failed(
            NAME,
            format!(
                "{}: it does not watch {objects} (sources: {})",
                ready_text(f),
                if sources.is_empty() {
                    "none".into()
                } else {
                    sources.join(", ")
                }
            ),
        )
        .with_fix(format!("{edit}   # add --source={source} to its args"));
    }
    let filters = f.flag("domain-filter");
    for h in hosts {
        let covered = filters.is_empty()
            || filters.iter().any(|d| {
                let d = d.trim_end_matches('.').to_ascii_lowercase();
                h == &d || h.ends_with(&format!(".{d}"))
            });
        if !covered {
            return Line::failed(
                NAME,
                format!(
                    "{}: --domain-filter {} excludes {h}",
                    ready_text(f),
                    filters.join(",")
                ),
            )
            .with_fix(format!("{edit}   # add --domain-filter=<zone of {h}>"));
        }
    }
    Line::ok(
        NAME,
        format!(
            "{}: {policy_text}, txt-owner-id {owner}, reads {prefix}",
            ready_text(f)
        ),
    )
}

async fn zone_check(cloud: &Cloud, host: &str, internal: bool, suffix: &str) -> Line {
    let name = format!("hosted zone{suffix}");
    let parent = host.split_once('.').map(|(_, d)| d).unwrap_or(host);
    match cloud.hosted_zone(host, internal).await {
        Err(e) => Line::failed(name, e.to_string()),
        Ok(Some(z)) if z.private && !internal => Line::failed(
            name,
            format!(
                "only the private zone {} ({}) holds {host}; the internet cannot resolve it",
                z.name, z.id
            ),
        )
        .with_fix(format!(
            "aws route53 create-hosted-zone --name {parent} --caller-reference \"$(date +%s)\""
        )),
        Ok(Some(z)) => Line::ok(
            name,
            format!(
                "{} ({}, {})",
                z.name,
                z.id,
                if z.private { "private" } else { "public" }
            ),
        ),
        Ok(None) => {
            Line::failed(name, format!("no Route 53 hosted zone holds {host}")).with_fix(format!(
                "aws route53 create-hosted-zone --name {parent} --caller-reference \"$(date +%s)\""
            ))
        }
    }
}

async fn cert_check(cloud: &Cloud, host: &str, suffix: &str) -> Line {
    let name = format!("certificate{suffix}");
    let now = crate::aws::time::now();
    match cert::list_candidates(&cloud.acm(), &[host.to_string()]).await {
        Err(e) => Line::failed(name, e.to_string()),
        Ok(certs) => match cert::choose(&certs, host, now) {
            Ok(c) => Line::ok(name, c.summary(now)),
            Err(why) => Line::failed(name, format!("{why} in {}", cloud.region)).with_fix(format!(
                "aws acm request-certificate --domain-name {host} --validation-method DNS (or publish with --create-cert)"
            )),
        },
    }
}

/// The Gateway API CRDs, an ALB GatewayClass and the ALB controller's
/// gateway CRDs. Without `--api gateway` a missing one is only reported.
async fn gateway_checks(client: &kube::Client, required: bool) -> Vec<Line> {
    let miss = |name: &str, detail: String, fix: String| {
        if required {
            Line::failed(name, detail).with_fix(fix)
        } else {
            Line::skipped(name, format!("{detail} (needed only for --api gateway)")).with_fix(fix)
        }
    };
    let api_version = format!("{}/{}", gateway::GATEWAY_GROUP, gateway::GATEWAY_VERSION);
    let served = gateway::served(client, &api_version).await;
    let install = gateway::INSTALL_COMMAND.to_string();
    let api_line = match &served {
        Err(e) => miss("gateway api", format!("not checked: {e}"), install.clone()),
        Ok(r) => match gateway::missing(gateway::GATEWAY_GROUP, r.as_deref()) {
            Some(why) => miss("gateway api", why, install.clone()),
            None => Line::ok(
                "gateway api",
                format!("{api_version} serves HTTPRoute and Gateway"),
            ),
        },
    };
    let installed = api_line.status == report::Mark::Ok;
    let mut lines = vec![api_line];
    if !installed {
        return lines;
    }
    lines.push(match gateway::alb_classes(client).await {
        Ok(c) if !c.is_empty() => Line::ok(
            "gateway class",
            format!("{} → {}", c.join(", "), gateway::ALB_GATEWAY_CONTROLLER),
        ),
        Ok(_) => miss(
            "gateway class",
            format!("no GatewayClass has controllerName {}", gateway::ALB_GATEWAY_CONTROLLER),
            format!(
                "printf 'apiVersion: gateway.networking.k8s.io/v1\\nkind: GatewayClass\\nmetadata:\\n  name: alb\\nspec:\\n  controllerName: {}\\n' | kubectl apply -f -",
                gateway::ALB_GATEWAY_CONTROLLER
            ),
        ),
        Err(why) => miss(
            "gateway class",
            format!("not checked: {why}"),
            "run doctor as a user who can list GatewayClasses".into(),
        ),
    });
    let lbc_version = format!(
        "{}/{}",
        gateway::LBC_GATEWAY_GROUP,
        gateway::LBC_GATEWAY_VERSION
    );
    let lbc = gateway::served(client, &lbc_version)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    lines.push(if lbc.iter().any(|r| r == "targetgroupconfigurations") {
        Line::ok(
            "gateway crds",
            format!("{lbc_version} serves TargetGroupConfiguration (health check from the readiness probe)"),
        )
    } else {
        miss(
            "gateway crds",
            format!("{lbc_version} TargetGroupConfiguration is not installed: no ip targets or probe health check for routes"),
            gateway::LBC_CRDS_HINT.into(),
        )
    });
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn external_dns(sources: &[&str]) -> Found {
        let mut args = vec!["--txt-owner-id=prod".to_string()];
        args.extend(sources.iter().map(|s| format!("--source={s}")));
        Found {
            namespace: "dns".into(),
            name: "external-dns".into(),
            image: "registry.example/external-dns:v0.22.0".into(),
            version: Some((0, 22, 0)),
            args,
            ready: 1,
            replicas: 1,
        }
    }

    #[test]
    fn external_dns_must_read_what_publish_makes() {
        let ingress_only = Ok(vec![external_dns(&["ingress"])]);
        assert_eq!(
            external_dns_check(&ingress_only, &[], false).status,
            report::Mark::Ok
        );
        let line = external_dns_check(&ingress_only, &[], true);
        assert_eq!(line.status, report::Mark::Failed);
        assert!(
            line.detail.contains("does not watch HTTPRoutes"),
            "{}",
            line.detail
        );
        assert!(line.fix.unwrap().contains("--source=gateway-httproute"));
        let both = Ok(vec![external_dns(&["ingress", "gateway-httproute"])]);
        assert_eq!(
            external_dns_check(&both, &[], true).status,
            report::Mark::Ok
        );
    }
}
