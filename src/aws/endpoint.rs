//! STS endpoint selection: partitions, FIPS, dual-stack and the legacy global
//! endpoint, following the STS endpoint rule set that botocore and the AWS
//! SDKs share; plus the host whitelist the EKS token verifier applies.

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Partition {
    pub(crate) name: &'static str,
    pub(crate) dns_suffix: &'static str,
    pub(crate) dual_stack_suffix: &'static str,
}

const AWS: Partition = Partition {
    name: "aws",
    dns_suffix: "amazonaws.com",
    dual_stack_suffix: "api.aws",
};

/// Partitions other than `aws`, with the region prefix that selects each
/// (`^<prefix>-\w+-\d+$` in the SDKs' partition table).
const PARTITIONS: &[(&str, Partition)] = &[
    (
        "cn",
        Partition {
            name: "aws-cn",
            dns_suffix: "amazonaws.com.cn",
            dual_stack_suffix: "api.amazonwebservices.com.cn",
        },
    ),
    (
        "us-gov",
        Partition {
            name: "aws-us-gov",
            dns_suffix: "amazonaws.com",
            dual_stack_suffix: "api.aws",
        },
    ),
    (
        "us-iso",
        Partition {
            name: "aws-iso",
            dns_suffix: "c2s.ic.gov",
            dual_stack_suffix: "api.aws.ic.gov",
        },
    ),
    (
        "us-isob",
        Partition {
            name: "aws-iso-b",
            dns_suffix: "sc2s.sgov.gov",
            dual_stack_suffix: "api.aws.scloud",
        },
    ),
    (
        "eu-isoe",
        Partition {
            name: "aws-iso-e",
            dns_suffix: "cloud.adc-e.uk",
            dual_stack_suffix: "api.cloud-aws.adc-e.uk",
        },
    ),
    (
        "us-isof",
        Partition {
            name: "aws-iso-f",
            dns_suffix: "csp.hci.ic.gov",
            dual_stack_suffix: "api.aws.hci.ic.gov",
        },
    ),
    (
        "eusc-de",
        Partition {
            name: "aws-eusc",
            dns_suffix: "amazonaws.eu",
            dual_stack_suffix: "api.amazonwebservices.eu",
        },
    ),
];

/// Regions that `AWS_STS_REGIONAL_ENDPOINTS=legacy` sends to `sts.amazonaws.com`.
const LEGACY_GLOBAL_REGIONS: &[&str] = &[
    "ap-northeast-1",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "aws-global",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

pub(crate) const GLOBAL_HOST: &str = "sts.amazonaws.com";

/// `<prefix>-<word>-<digits>` with the prefix's own dashes.
fn region_has_prefix(region: &str, prefix: &str) -> bool {
    let Some(rest) = region
        .strip_prefix(prefix)
        .and_then(|r| r.strip_prefix('-'))
    else {
        return false;
    };
    let mut parts = rest.split('-');
    let (Some(word), Some(digits), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !word.is_empty()
        && word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The partition a region belongs to; unknown shapes fall back to `aws`, as in the SDKs.
pub(crate) fn partition_of(region: &str) -> Partition {
    PARTITIONS
        .iter()
        .filter(|(prefix, _)| region_has_prefix(region, prefix))
        // `us-isob-…` must not match `us-iso`'s shape; the exact shape check already
        // rejects it, but prefer the longest prefix for safety.
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|(_, p)| *p)
        .unwrap_or(AWS)
}

/// Checks that a region is safe to place in a host name.
pub(crate) fn validate_region(region: &str) -> Result<()> {
    let ok = !region.is_empty()
        && region.len() <= 64
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !region.starts_with('-')
        && !region.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "invalid AWS region {region:?}; use a region name such as us-east-1"
        )))
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct EndpointOptions {
    pub(crate) fips: bool,
    pub(crate) dual_stack: bool,
    /// `AWS_STS_REGIONAL_ENDPOINTS=legacy`.
    pub(crate) legacy_global: bool,
}

/// Where a token is signed for: the host in the presigned URL and the SigV4 region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StsEndpoint {
    pub(crate) host: String,
    pub(crate) signing_region: String,
    pub(crate) partition: &'static str,
}

/// Resolves the STS endpoint for a region, as the AWS SDKs do.
pub(crate) fn resolve(region: &str, opts: EndpointOptions) -> StsEndpoint {
    let p = partition_of(region);
    let global = || StsEndpoint {
        host: GLOBAL_HOST.to_string(),
        signing_region: "us-east-1".to_string(),
        partition: p.name,
    };
    let host = |h: String| StsEndpoint {
        host: h,
        signing_region: region.to_string(),
        partition: p.name,
    };
    if opts.legacy_global
        && !opts.fips
        && !opts.dual_stack
        && LEGACY_GLOBAL_REGIONS.contains(&region)
    {
        return global();
    }
    match (opts.fips, opts.dual_stack) {
        (true, true) => host(format!("sts-fips.{region}.{}", p.dual_stack_suffix)),
        // GovCloud's regular STS endpoints are already FIPS endpoints.
        (true, false) if p.name == "aws-us-gov" => host(format!("sts.{region}.amazonaws.com")),
        (true, false) => host(format!("sts-fips.{region}.{}", p.dns_suffix)),
        (false, true) => host(format!("sts.{region}.{}", p.dual_stack_suffix)),
        (false, false) if region == "aws-global" => global(),
        (false, false) => host(format!("sts.{region}.{}", p.dns_suffix)),
    }
}

/// An explicit `--sts-endpoint URL`: an https URL with a host and nothing else.
pub(crate) fn from_override(url: &str, region: &str) -> Result<StsEndpoint> {
    let bad = |why: &str| {
        Error::Usage(format!(
            "invalid --sts-endpoint {url:?}: {why}; give a URL like https://sts.us-east-1.amazonaws.com"
        ))
    };
    let rest = url
        .strip_prefix("https://")
        .ok_or_else(|| bad("the token verifier accepts https only"))?;
    let host = rest.strip_suffix('/').unwrap_or(rest);
    if host.is_empty()
        || !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':'))
    {
        return Err(bad("expected a bare host name, without a path or query"));
    }
    Ok(StsEndpoint {
        host: host.to_ascii_lowercase(),
        signing_region: region.to_string(),
        partition: partition_of(region).name,
    })
}

/// Hosts the EKS verifier accepts for tokens signed in `region`: the regional,
/// FIPS, dual-stack and FIPS dual-stack hosts, and the global host in `aws`.
pub(crate) fn verifier_hosts(region: &str) -> Vec<String> {
    let p = partition_of(region);
    let mut hosts = vec![
        format!("sts.{region}.{}", p.dns_suffix),
        format!("sts-fips.{region}.{}", p.dns_suffix),
        format!("sts.{region}.{}", p.dual_stack_suffix),
        format!("sts-fips.{region}.{}", p.dual_stack_suffix),
    ];
    if p.name == "aws" {
        hosts.push(GLOBAL_HOST.to_string());
    }
    hosts.dedup();
    hosts
}

/// The region in an EKS API server URL, e.g. `https://ABC.gr7.us-west-2.eks.amazonaws.com`.
pub(crate) fn region_from_eks_server(server: &str) -> Option<String> {
    let rest = server.split_once("://").map(|(_, r)| r).unwrap_or(server);
    let host = rest.split(['/', ':', '?']).next()?.to_ascii_lowercase();
    let labels: Vec<&str> = host.split('.').collect();
    let eks = labels.iter().position(|l| *l == "eks")?;
    // The labels after `eks` must be a known partition suffix.
    let suffix = labels[eks + 1..].join(".");
    let region = *labels.get(eks.checked_sub(1)?)?;
    let p = partition_of(region);
    (validate_region(region).is_ok()
        && region.contains('-')
        && (suffix == p.dns_suffix || suffix == p.dual_stack_suffix))
        .then(|| region.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(region: &str, fips: bool, dual_stack: bool, legacy: bool) -> (String, String) {
        let e = resolve(
            region,
            EndpointOptions {
                fips,
                dual_stack,
                legacy_global: legacy,
            },
        );
        (e.host, e.signing_region)
    }

    #[test]
    fn regional_hosts_per_partition() {
        assert_eq!(
            host("us-west-2", false, false, false).0,
            "sts.us-west-2.amazonaws.com"
        );
        assert_eq!(
            host("cn-north-1", false, false, false).0,
            "sts.cn-north-1.amazonaws.com.cn"
        );
        assert_eq!(
            host("us-gov-west-1", false, false, false).0,
            "sts.us-gov-west-1.amazonaws.com"
        );
        assert_eq!(
            host("us-iso-east-1", false, false, false).0,
            "sts.us-iso-east-1.c2s.ic.gov"
        );
        assert_eq!(
            host("us-isob-east-1", false, false, false).0,
            "sts.us-isob-east-1.sc2s.sgov.gov"
        );
        assert_eq!(
            host("eu-isoe-west-1", false, false, false).0,
            "sts.eu-isoe-west-1.cloud.adc-e.uk"
        );
        assert_eq!(
            host("us-isof-south-1", false, false, false).0,
            "sts.us-isof-south-1.csp.hci.ic.gov"
        );
        assert_eq!(
            host("eusc-de-east-1", false, false, false).0,
            "sts.eusc-de-east-1.amazonaws.eu"
        );
    }

    #[test]
    fn fips_and_dual_stack() {
        assert_eq!(
            host("us-west-2", true, false, false).0,
            "sts-fips.us-west-2.amazonaws.com"
        );
        assert_eq!(
            host("us-west-2", false, true, false).0,
            "sts.us-west-2.api.aws"
        );
        assert_eq!(
            host("us-west-2", true, true, false).0,
            "sts-fips.us-west-2.api.aws"
        );
        assert_eq!(
            host("us-gov-west-1", true, false, false).0,
            "sts.us-gov-west-1.amazonaws.com"
        );
        assert_eq!(
            host("us-gov-west-1", true, true, false).0,
            "sts-fips.us-gov-west-1.api.aws"
        );
        assert_eq!(
            host("cn-north-1", false, true, false).0,
            "sts.cn-north-1.api.amazonwebservices.com.cn"
        );
    }

    #[test]
    fn legacy_global_endpoint() {
        assert_eq!(
            host("eu-west-1", false, false, true),
            ("sts.amazonaws.com".into(), "us-east-1".into())
        );
        assert_eq!(
            host("ap-east-1", false, false, true),
            ("sts.ap-east-1.amazonaws.com".into(), "ap-east-1".into())
        );
        // FIPS wins over legacy.
        assert_eq!(
            host("us-east-1", true, false, true).0,
            "sts-fips.us-east-1.amazonaws.com"
        );
    }

    #[test]
    fn verifier_whitelist() {
        let hosts = verifier_hosts("us-east-1");
        assert!(hosts.contains(&"sts.amazonaws.com".to_string()));
        assert!(hosts.contains(&"sts-fips.us-east-1.api.aws".to_string()));
        assert!(!verifier_hosts("cn-north-1").contains(&"sts.amazonaws.com".to_string()));
    }

    #[test]
    fn region_from_server_url() {
        assert_eq!(
            region_from_eks_server("https://ABCDEF0123.gr7.us-west-2.eks.amazonaws.com").as_deref(),
            Some("us-west-2")
        );
        assert_eq!(
            region_from_eks_server("https://x.yl4.cn-north-1.eks.amazonaws.com.cn:443/").as_deref(),
            Some("cn-north-1")
        );
        assert_eq!(region_from_eks_server("https://127.0.0.1:6443"), None);
        assert_eq!(region_from_eks_server("https://eks.example.com"), None);
    }

    #[test]
    fn region_validation() {
        assert!(validate_region("us-east-1").is_ok());
        assert!(validate_region("us-east-1.evil.com").is_err());
        assert!(validate_region("").is_err());
    }

    #[test]
    fn endpoint_override() {
        let e = from_override("https://sts.example.internal/", "us-east-1").unwrap();
        assert_eq!(e.host, "sts.example.internal");
        assert!(from_override("http://sts.example.internal", "us-east-1").is_err());
        assert!(from_override("https://h/?a=b", "us-east-1").is_err());
    }
}
