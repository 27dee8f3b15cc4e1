//! Choosing the ACM certificate to pin on the Ingress.
//!
//! The ALB controller's discovery attaches every matching certificate, so a
//! wildcard can win over an exact one and public and private-CA certificates
//! get mixed. publish picks one per host instead and pins its ARN: only
//! ISSUED, unexpired certificates that cover the host; an exact name before a
//! wildcard, a public CA before a private one, the latest expiry first.

use std::cmp::Ordering;

use futures::StreamExt;
use serde::Serialize;

use crate::aws::time;
use crate::error::{Error, Result};

/// What publish needs to know about one ACM certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CertInfo {
    pub(crate) arn: String,
    pub(crate) domain: String,
    /// Subject alternative names (ACM lists the domain among them).
    pub(crate) names: Vec<String>,
    /// ISSUED, PENDING_VALIDATION, EXPIRED, …
    pub(crate) status: String,
    /// IMPORTED, AMAZON_ISSUED or PRIVATE.
    pub(crate) kind: String,
    /// Seconds since the epoch.
    pub(crate) not_after: Option<i64>,
}

impl CertInfo {
    pub(crate) fn private_ca(&self) -> bool {
        self.kind == "PRIVATE"
    }

    fn all_names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.domain.as_str()).chain(self.names.iter().map(String::as_str))
    }

    /// How this certificate covers `host`, if it does.
    pub(crate) fn covers(&self, host: &str) -> Option<Match> {
        let mut best = None;
        for name in self.all_names() {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            if name == host {
                return Some(Match::Exact);
            }
            // A wildcard covers exactly one label.
            if let Some(suffix) = name.strip_prefix("*.")
                && let Some((first, rest)) = host.split_once('.')
                && !first.is_empty()
                && rest == suffix
            {
                best = Some(Match::Wildcard(name.clone()));
            }
        }
        best
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Match {
    Exact,
    Wildcard(String),
}

/// The certificate chosen for one host, and why.
#[derive(Debug, Clone)]
pub(crate) struct Choice {
    pub(crate) host: String,
    pub(crate) cert: CertInfo,
    pub(crate) matched: Match,
    /// Other certificates covering the host, each with why it lost.
    pub(crate) passed_over: Vec<(CertInfo, String)>,
}

fn date(secs: i64) -> String {
    time::rfc3339(secs)[..10].to_string()
}

fn days_left(not_after: i64, now: i64) -> i64 {
    (not_after - now).div_euclid(86_400)
}

impl Choice {
    /// One line: which certificate for which host, and why.
    pub(crate) fn reason(&self, now: i64) -> String {
        format!("certificate for {}: {}", self.host, self.summary(now))
    }

    /// Which certificate and why.
    pub(crate) fn summary(&self, now: i64) -> String {
        let matched = match &self.matched {
            Match::Exact => "exact match".to_string(),
            Match::Wildcard(w) => format!("wildcard {w}"),
        };
        let ca = if self.cert.private_ca() {
            "private CA".to_string()
        } else {
            format!("public CA ({})", self.cert.kind.to_ascii_lowercase())
        };
        let expiry = self
            .cert
            .not_after
            .map(|t| format!(", expires {} ({} days)", date(t), days_left(t, now)))
            .unwrap_or_default();
        let mut line = format!("{} ({matched}, ISSUED, {ca}{expiry})", self.cert.arn);
        if !self.passed_over.is_empty() {
            let others: Vec<String> = self
                .passed_over
                .iter()
                .map(|(c, why)| format!("{} ({why})", c.arn))
                .collect();
            line.push_str(&format!("; preferred over {}", others.join(", ")));
        }
        line
    }
}

/// Why a covering certificate cannot be used at all, if it cannot.
fn unusable(cert: &CertInfo, now: i64) -> Option<String> {
    if cert.status != "ISSUED" {
        return Some(cert.status.clone());
    }
    match cert.not_after {
        Some(t) if t <= now => Some(format!("expired on {}", date(t))),
        _ => None,
    }
}

/// Picks the certificate for `host`, or says why none fits.
pub(crate) fn choose(
    certs: &[CertInfo],
    host: &str,
    now: i64,
) -> std::result::Result<Choice, String> {
    let covering: Vec<(&CertInfo, Match)> = certs
        .iter()
        .filter_map(|c| c.covers(host).map(|m| (c, m)))
        .collect();
    let mut usable: Vec<&(&CertInfo, Match)> = covering
        .iter()
        .filter(|(c, _)| unusable(c, now).is_none())
        .collect();
    usable.sort_by(|(a, am), (b, bm)| rank(a, am, b, bm));
    let Some((best, matched)) = usable.first().map(|(c, m)| ((*c).clone(), m.clone())) else {
        let seen: Vec<String> = covering
            .iter()
            .map(|(c, _)| format!("{} ({})", c.arn, unusable(c, now).unwrap_or_default()))
            .collect();
        return Err(if seen.is_empty() {
            format!("no ACM certificate covers {host}")
        } else {
            format!(
                "no ISSUED, unexpired ACM certificate covers {host} (seen: {})",
                seen.join(", ")
            )
        });
    };
    let passed_over = covering
        .iter()
        .filter(|(c, _)| c.arn != best.arn)
        .map(|(c, m)| {
            let why = if let Some(u) = unusable(c, now) {
                u
            } else if let (Match::Wildcard(w), Match::Exact) = (m, &matched) {
                format!("wildcard {w}")
            } else if c.private_ca() && !best.private_ca() {
                "private CA".to_string()
            } else {
                match c.not_after {
                    Some(t) => format!("expires earlier, {}", date(t)),
                    None => "ranked lower".to_string(),
                }
            };
            ((*c).clone(), why)
        })
        .collect();
    Ok(Choice {
        host: host.to_string(),
        cert: best,
        matched,
        passed_over,
    })
}

fn rank(a: &CertInfo, am: &Match, b: &CertInfo, bm: &Match) -> Ordering {
    let exact = |m: &Match| !matches!(m, Match::Exact);
    exact(am)
        .cmp(&exact(bm))
        .then(a.private_ca().cmp(&b.private_ca()))
        .then(b.not_after.unwrap_or(0).cmp(&a.not_after.unwrap_or(0)))
        .then(a.arn.cmp(&b.arn))
}

/// Key types ALBs serve; ListCertificates returns only RSA_2048 (and 1024)
/// unless asked for the others.
const KEY_TYPES: &[&str] = &[
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "EC_prime256v1",
    "EC_secp384r1",
    "EC_secp521r1",
];

/// Every certificate in the region that might cover one of `hosts`.
pub(crate) async fn list_candidates(
    client: &aws_sdk_acm::Client,
    hosts: &[String],
) -> Result<Vec<CertInfo>> {
    use aws_sdk_acm::types::{Filters, KeyAlgorithm};
    let filters = Filters::builder()
        .set_key_types(Some(
            KEY_TYPES.iter().map(|k| KeyAlgorithm::from(*k)).collect(),
        ))
        .build();
    let mut pages = client
        .list_certificates()
        .includes(filters)
        .into_paginator()
        .send();
    let mut known = Vec::new();
    let mut to_describe = Vec::new();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| Error::Failed(super::cloud::sdk_error("ACM ListCertificates", &e)))?;
        for s in page.certificate_summary_list() {
            let Some(arn) = s.certificate_arn() else {
                continue;
            };
            let names: Vec<String> = s.subject_alternative_name_summaries().to_vec();
            let complete = !names.is_empty()
                && !s
                    .has_additional_subject_alternative_names()
                    .unwrap_or(false)
                && s.status().is_some()
                && s.r#type().is_some();
            if !complete {
                to_describe.push(arn.to_string());
                continue;
            }
            let info = CertInfo {
                arn: arn.to_string(),
                domain: s.domain_name().unwrap_or_default().to_string(),
                names,
                status: s
                    .status()
                    .map(|x| x.as_str().to_string())
                    .unwrap_or_default(),
                kind: s
                    .r#type()
                    .map(|x| x.as_str().to_string())
                    .unwrap_or_default(),
                not_after: s.not_after().map(|t| t.secs()),
            };
            if hosts.iter().any(|h| info.covers(h).is_some()) {
                known.push(info);
            }
        }
    }
    let described: Vec<Result<CertInfo>> = futures::stream::iter(to_describe)
        .map(|arn| async move { describe(client, &arn).await })
        .buffer_unordered(8)
        .collect()
        .await;
    for d in described {
        let info = d?;
        if hosts.iter().any(|h| info.covers(h).is_some()) {
            known.push(info);
        }
    }
    known.sort_by(|a, b| a.arn.cmp(&b.arn));
    Ok(known)
}

/// One certificate's details.
pub(crate) async fn describe(client: &aws_sdk_acm::Client, arn: &str) -> Result<CertInfo> {
    let out = client
        .describe_certificate()
        .certificate_arn(arn)
        .send()
        .await
        .map_err(|e| Error::Failed(super::cloud::sdk_error("ACM DescribeCertificate", &e)))?;
    let c = out
        .certificate()
        .ok_or_else(|| Error::Failed(format!("ACM returned no details for {arn}")))?;
    Ok(CertInfo {
        arn: arn.to_string(),
        domain: c.domain_name().unwrap_or_default().to_string(),
        names: c.subject_alternative_names().to_vec(),
        status: c
            .status()
            .map(|x| x.as_str().to_string())
            .unwrap_or_default(),
        kind: c
            .r#type()
            .map(|x| x.as_str().to_string())
            .unwrap_or_default(),
        not_after: c.not_after().map(|t| t.secs()),
    })
}

/// The certificate ARNs for the hosts, chosen in ACM, with a reason each.
pub(crate) async fn resolve(
    sdk: &crate::aws::sdk::SdkOptions,
    hosts: &[String],
) -> Result<(Vec<String>, Vec<String>)> {
    let cloud = super::cloud::Cloud::connect(sdk).await?;
    if let Err(why) = cloud.credentials().await {
        return Err(Error::Failed(format!(
            "no AWS credentials to look up a certificate in ACM ({why}); set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, pass --profile, or pass --cert-arn ARN (or --create-cert), which needs no ACM call"
        )));
    }
    let certs = list_candidates(&cloud.acm(), hosts).await?;
    let now = crate::aws::time::now();
    let mut arns: Vec<String> = Vec::new();
    let mut reasons = Vec::new();
    let mut missing = Vec::new();
    for h in hosts {
        match choose(&certs, h, now) {
            Ok(c) => {
                reasons.push(c.reason(now));
                if !arns.contains(&c.cert.arn) {
                    arns.push(c.cert.arn.clone());
                }
            }
            Err(why) => missing.push(why),
        }
    }
    if !missing.is_empty() {
        return Err(Error::Failed(format!(
            "{} in {}; pass --cert-arn ARN, or --create-cert to have the ALB controller request one",
            missing.join("; "),
            cloud.region
        )));
    }
    Ok((arns, reasons))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;
    const DAY: i64 = 86_400;

    fn cert(arn: &str, names: &[&str], status: &str, kind: &str, days: i64) -> CertInfo {
        CertInfo {
            arn: arn.into(),
            domain: names[0].into(),
            names: names.iter().map(|s| s.to_string()).collect(),
            status: status.into(),
            kind: kind.into(),
            not_after: Some(NOW + days * DAY),
        }
    }

    #[test]
    fn covers() {
        let w = cert("w", &["*.example.com"], "ISSUED", "IMPORTED", 10);
        assert_eq!(
            w.covers("web.example.com"),
            Some(Match::Wildcard("*.example.com".into()))
        );
        assert_eq!(w.covers("a.web.example.com"), None);
        assert_eq!(w.covers("example.com"), None);
        let e = cert("e", &["Web.Example.com."], "ISSUED", "IMPORTED", 10);
        assert_eq!(e.covers("web.example.com"), Some(Match::Exact));
    }

    #[test]
    fn exact_beats_wildcard_and_expired() {
        let certs = vec![
            cert("a-wild", &["*.example.com"], "ISSUED", "AMAZON_ISSUED", 300),
            cert("b-expired", &["web.example.com"], "EXPIRED", "IMPORTED", -1),
            cert("c-exact", &["web.example.com"], "ISSUED", "IMPORTED", 30),
            cert("d-other", &["api.example.com"], "ISSUED", "IMPORTED", 30),
        ];
        let c = choose(&certs, "web.example.com", NOW).unwrap();
        assert_eq!(c.cert.arn, "c-exact");
        let reason = c.reason(NOW);
        assert!(reason.contains("exact match"), "{reason}");
        assert!(
            reason.contains("a-wild (wildcard *.example.com)"),
            "{reason}"
        );
        assert!(reason.contains("b-expired (EXPIRED)"), "{reason}");
        assert!(!reason.contains("d-other"), "{reason}");
    }

    #[test]
    fn issued_but_past_not_after_is_expired() {
        let certs = vec![cert("x", &["web.example.com"], "ISSUED", "IMPORTED", -2)];
        let err = choose(&certs, "web.example.com", NOW).unwrap_err();
        assert!(err.contains("expired on"), "{err}");
    }

    #[test]
    fn public_before_private_then_latest_expiry() {
        let certs = vec![
            cert("p-private", &["web.example.com"], "ISSUED", "PRIVATE", 900),
            cert(
                "q-short",
                &["web.example.com"],
                "ISSUED",
                "AMAZON_ISSUED",
                10,
            ),
            cert("r-long", &["web.example.com"], "ISSUED", "IMPORTED", 200),
        ];
        let c = choose(&certs, "web.example.com", NOW).unwrap();
        assert_eq!(c.cert.arn, "r-long");
        let reason = c.reason(NOW);
        assert!(reason.contains("p-private (private CA)"), "{reason}");
        assert!(reason.contains("q-short (expires earlier"), "{reason}");
        // Only private: it is used.
        let c = choose(&certs[..1], "web.example.com", NOW).unwrap();
        assert_eq!(c.cert.arn, "p-private");
        assert!(c.reason(NOW).contains("private CA"));
    }

    #[test]
    fn wildcard_when_nothing_exact() {
        let certs = vec![
            cert(
                "pending",
                &["web.example.com"],
                "PENDING_VALIDATION",
                "AMAZON_ISSUED",
                0,
            ),
            cert(
                "wild",
                &["example.com", "*.example.com"],
                "ISSUED",
                "AMAZON_ISSUED",
                90,
            ),
        ];
        let c = choose(&certs, "web.example.com", NOW).unwrap();
        assert_eq!(c.cert.arn, "wild");
        assert!(c.reason(NOW).contains("pending (PENDING_VALIDATION)"));
        let err = choose(&certs, "other.org", NOW).unwrap_err();
        assert_eq!(err, "no ACM certificate covers other.org");
    }
}
