//! The doctor's AWS checks: subnets tagged for the ALB in two zones of the
//! cluster's VPC, and for each `--host` a hosted zone and a certificate.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::Node;
use kube::api::{Api, ListParams};

use crate::error::Error;
use crate::publish::Session;
use crate::publish::cert;
use crate::publish::cloud::{Cloud, Subnet};
use crate::publish::controllers::Found;
use crate::publish::report::Line;

/// The hosted zone and certificate of each host, or why they were not checked.
pub(super) async fn host_checks(
    cloud: &std::result::Result<Cloud, Error>,
    hosts: &[String],
    internal: bool,
) -> Vec<Line> {
    let mut checks = Vec::new();
    if hosts.is_empty() {
        checks.push(Line::skipped("hosted zone", "pass --host HOST to check"));
        checks.push(Line::skipped("certificate", "pass --host HOST to check"));
    }
    for h in hosts {
        let suffix = if hosts.len() > 1 {
            format!(" {h}")
        } else {
            String::new()
        };
        match cloud {
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
                checks.push(zone_check(c, h, internal, &suffix).await);
                checks.push(cert_check(c, h, &suffix).await);
            }
        }
    }
    checks
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

pub(super) async fn subnets_check(
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
    let detail = if tagged.is_empty() {
        format!(
            "no subnet of {vpc} is tagged {role}; the ALB controller cannot place the load balancer"
        )
    } else {
        format!("subnets of {vpc} tagged {role} are in one zone only; an ALB needs two")
    };
    let picks = untagged_per_zone(&subnets, role, zones, internal);
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

/// One untagged subnet per zone not yet covered, public ones first for an
/// internet-facing ALB: the subnets to suggest tagging.
fn untagged_per_zone<'a>(
    subnets: &'a [Subnet],
    role: &str,
    mut covered: BTreeSet<&'a str>,
    internal: bool,
) -> Vec<&'a str> {
    let mut picks: Vec<&str> = Vec::new();
    let mut candidates: Vec<_> = subnets
        .iter()
        .filter(|n| !n.tags.contains_key(role))
        .collect();
    candidates.sort_by_key(|n| (internal == n.public_ip_on_launch, n.zone.clone()));
    for n in candidates {
        if covered.insert(n.zone.as_str()) {
            picks.push(&n.id);
        }
    }
    picks
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
