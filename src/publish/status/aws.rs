//! The stages AWS answers: the certificate in ACM, the Route 53 record and
//! its external-dns owner, and target health in ELBv2.

use std::collections::BTreeMap;

use super::named;
use crate::aws::sdk::SdkOptions;
use crate::aws::time;
use crate::publish::build::ALB;
use crate::publish::cert;
use crate::publish::cloud::{self, Cloud, Record, Zone};
use crate::publish::report::Line;

/// Which certificates serve the hosts: those the Ingress's annotations pin
/// or request, or those a Gateway's listener discovers from the hostnames.
pub(super) enum Certificates<'a> {
    Ingress(&'a BTreeMap<String, String>),
    Discovered,
}

/// The certificate, a DNS record per host and the targets; one line when
/// AWS cannot be reached.
pub(super) async fn stages(
    sdk: &SdkOptions,
    hosts: &[String],
    lb: Option<&str>,
    certificates: Certificates<'_>,
) -> Vec<Line> {
    let cloud = match connect(sdk).await {
        Ok(cloud) => cloud,
        Err(line) => return vec![line],
    };
    let (certificate, internal) = match certificates {
        Certificates::Ingress(annotations) => (
            certificate_stage(&cloud, annotations, hosts).await,
            annotations
                .get(&format!("{ALB}scheme"))
                .is_some_and(|v| v == "internal"),
        ),
        Certificates::Discovered => (discovered_certificate_stage(&cloud, hosts).await, false),
    };
    let mut lines = vec![certificate];
    for h in hosts {
        let stage = named("dns record", h, hosts);
        lines.push(dns_record_stage(&cloud, h, lb, internal, stage).await);
    }
    lines.push(targets_stage(&cloud, lb).await);
    lines
}

/// The AWS connection for the AWS stages, or the one line that says why
/// there is none (missing credentials fail every stage the same way).
async fn connect(sdk: &SdkOptions) -> std::result::Result<Cloud, Line> {
    let not_checked = |e: String| Line::failed("aws", format!("AWS stages not checked: {e}"));
    let cloud = Cloud::connect(sdk)
        .await
        .map_err(|e| not_checked(e.to_string()))?;
    cloud.credentials().await.map_err(|cause| {
        not_checked(format!(
            "no AWS credentials ({cause}); {}",
            cloud::CREDENTIALS_FIX
        ))
    })?;
    Ok(cloud)
}

async fn certificate_stage(
    cloud: &Cloud,
    annotations: &BTreeMap<String, String>,
    hosts: &[String],
) -> Line {
    let now = time::now();
    let acm = cloud.acm();
    if let Some(arns) = annotations.get(&format!("{ALB}certificate-arn")) {
        let mut parts = Vec::new();
        let mut ok = true;
        let mut described = Vec::new();
        for arn in arns.split(',').map(str::trim).filter(|a| !a.is_empty()) {
            match cert::describe(&acm, arn).await {
                Ok(c) => {
                    let days = c.not_after.map(|t| (t - now).div_euclid(86_400));
                    let good = c.status == "ISSUED" && days.is_some_and(|d| d >= 0);
                    ok &= good;
                    parts.push(match days {
                        Some(d) if d >= 0 => format!("{arn}: {}, {d} days to expiry", c.status),
                        Some(d) => format!("{arn}: {}, expired {} days ago", c.status, -d),
                        None => format!("{arn}: {}", c.status),
                    });
                    described.push(c);
                }
                Err(e) => {
                    ok = false;
                    parts.push(e.to_string());
                }
            }
        }
        // A pinned ARN (--cert-arn is taken as given) that names none of a
        // host's names serves it a certificate every client rejects.
        let unserved = uncovered(&described, hosts);
        if ok && !unserved.is_empty() {
            ok = false;
            parts.push(format!(
                "no pinned certificate covers {}: HTTPS clients reject the name; pin one that does (--cert-arn), or let publish choose",
                unserved.join(", ")
            ));
        }
        let detail = parts.join("; ");
        return if ok {
            Line::ok("certificate", detail)
        } else {
            Line::failed("certificate", detail)
        };
    }
    if annotations
        .get(&format!("{ALB}create-acm-cert"))
        .is_some_and(|v| v == "true")
    {
        return match cert::list_candidates(&acm, hosts).await {
            Err(e) => Line::failed("certificate", e.to_string()),
            Ok(certs) => choices_line(&certs, hosts, now, |why| {
                format!("requested through the ALB controller, not issued yet: {why}")
            }),
        };
    }
    Line::skipped(
        "certificate",
        "no certificate-arn on the Ingress: the ALB controller discovers certificates",
    )
}

/// The hosts none of the certificates covers.
fn uncovered(certs: &[cert::CertInfo], hosts: &[String]) -> Vec<String> {
    hosts
        .iter()
        .filter(|h| {
            let h = h.to_ascii_lowercase();
            !certs.iter().any(|c| c.covers(&h).is_some())
        })
        .cloned()
        .collect()
}

/// The certificates a Gateway's HTTPS listener discovers for the hosts.
async fn discovered_certificate_stage(cloud: &Cloud, hosts: &[String]) -> Line {
    let now = time::now();
    match cert::list_candidates(&cloud.acm(), hosts).await {
        Err(e) => Line::failed("certificate", e.to_string()),
        Ok(certs) => choices_line(&certs, hosts, now, |why| why),
    }
}

/// ✓ with the certificate chosen for each host, or ✗ with why some host
/// has none (worded by `failed`).
fn choices_line(
    certs: &[cert::CertInfo],
    hosts: &[String],
    now: i64,
    failed: impl FnOnce(String) -> String,
) -> Line {
    let picks: Vec<_> = hosts.iter().map(|h| cert::choose(certs, h, now)).collect();
    if picks.iter().all(|p| p.is_ok()) {
        Line::ok(
            "certificate",
            picks
                .into_iter()
                .filter_map(|p| p.ok())
                .map(|c| c.reason(now))
                .collect::<Vec<_>>()
                .join("; "),
        )
    } else {
        let why = picks
            .into_iter()
            .filter_map(|p| p.err())
            .collect::<Vec<_>>()
            .join("; ");
        Line::failed("certificate", failed(why))
    }
}

/// The host's hosted zone and its A, AAAA or CNAME record; Err: why not.
async fn address_record(
    cloud: &Cloud,
    host: &str,
    internal: bool,
) -> std::result::Result<(Zone, Record), String> {
    let zone = match cloud.hosted_zone(host, internal).await {
        Err(e) => return Err(e.to_string()),
        Ok(None) => return Err(format!("no Route 53 hosted zone for {host}")),
        Ok(Some(z)) => z,
    };
    let records = cloud
        .records(&zone.id, host)
        .await
        .map_err(|e| e.to_string())?;
    let Some(record) = records
        .into_iter()
        .find(|r| matches!(r.kind.as_str(), "A" | "AAAA" | "CNAME"))
    else {
        return Err(format!(
            "no A record for {host} in zone {} yet (external-dns has not written it)",
            zone.name
        ));
    };
    Ok((zone, record))
}

/// The external-dns owner from the TXT record next to the host's record.
async fn owner(cloud: &Cloud, zone: &str, host: &str) -> Option<String> {
    for txt_name in [
        format!("a-{host}"),
        format!("cname-{host}"),
        host.to_string(),
    ] {
        if let Ok(txts) = cloud.records(zone, &txt_name).await {
            let owner = txts
                .iter()
                .filter(|r| r.kind == "TXT")
                .flat_map(|r| r.values.iter())
                .find_map(|v| txt_owner(v));
            if owner.is_some() {
                return owner;
            }
        }
    }
    None
}

/// Parses `heritage=external-dns,external-dns/owner=X,…` (quoted in Route 53).
fn txt_owner(value: &str) -> Option<String> {
    let v = value.trim().trim_matches('"');
    if !v.contains("heritage=external-dns") {
        return None;
    }
    v.split(',')
        .find_map(|kv| kv.strip_prefix("external-dns/owner="))
        .map(str::to_string)
        .or_else(|| Some("unknown".into()))
}

async fn dns_record_stage(
    cloud: &Cloud,
    host: &str,
    lb: Option<&str>,
    internal: bool,
    name: String,
) -> Line {
    let (zone, record) = match address_record(cloud, host, internal).await {
        Ok(found) => found,
        Err(why) => return Line::failed(name, why),
    };
    let points_to = record
        .alias
        .clone()
        .or_else(|| {
            record
                .values
                .first()
                .map(|v| v.trim_end_matches('.').to_string())
        })
        .unwrap_or_default();
    if let Some(lb) = lb {
        let lb = lb.trim_end_matches('.').to_ascii_lowercase();
        let target = points_to.trim_start_matches("dualstack.");
        if target != lb.trim_start_matches("dualstack.") {
            return Line::failed(
                name,
                format!(
                    "{} {host} points at {points_to}, not the load balancer {lb}",
                    record.kind
                ),
            );
        }
    }
    let owner = owner(cloud, &zone.id, host).await;
    let kind = if record.alias.is_some() {
        format!("{} ALIAS", record.kind)
    } else {
        record.kind.clone()
    };
    match owner {
        Some(o) => Line::ok(
            name,
            format!(
                "{kind} {host} → {points_to} in zone {}; owner TXT: external-dns/owner={o}{}",
                zone.name,
                if lb.is_none() {
                    " (not compared: the Ingress has no load balancer yet)"
                } else {
                    ""
                }
            ),
        ),
        None => Line::failed(
            name,
            format!(
                "{kind} {host} → {points_to}, but no external-dns owner TXT record: external-dns will not update it"
            ),
        ),
    }
}

async fn targets_stage(cloud: &Cloud, lb: Option<&str>) -> Line {
    let Some(lb) = lb else {
        return Line::skipped("targets", "no load balancer yet");
    };
    let found = match cloud.load_balancer(lb).await {
        Err(e) => return Line::failed("targets", e.to_string()),
        Ok(None) => {
            return Line::skipped(
                "targets",
                format!("load balancer {lb} not found in ELBv2 in {}", cloud.region),
            );
        }
        Ok(Some(f)) => f,
    };
    match cloud.target_health(&found.arn).await {
        Err(e) => Line::failed("targets", e.to_string()),
        Ok(h) if h.total == 0 => Line::failed(
            "targets",
            format!(
                "{}: no targets registered in {} target group(s)",
                found.name, h.groups
            ),
        ),
        Ok(h) if h.healthy == h.total => Line::ok(
            "targets",
            format!(
                "{} ({}): {}/{} healthy in {} target group(s)",
                found.name, found.scheme, h.healthy, h.total, h.groups
            ),
        ),
        Ok(h) => Line::failed(
            "targets",
            format!(
                "{}: {}/{} healthy; {}",
                found.name,
                h.healthy,
                h.total,
                h.reasons
                    .iter()
                    .map(|(r, n)| format!("{n} {r}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_txt() {
        assert_eq!(
            txt_owner("\"heritage=external-dns,external-dns/owner=prod,external-dns/resource=ingress/shop/web\"")
                .as_deref(),
            Some("prod")
        );
        assert_eq!(txt_owner("\"v=spf1 -all\""), None);
    }
}
