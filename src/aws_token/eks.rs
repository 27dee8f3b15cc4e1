//! EKS's two read-only calls `setup` needs: DescribeCluster (endpoint, CA,
//! status, endpoint access) and ListClusters, and EC2's DescribeRegions for
//! `--all-regions`, signed by hand
//! (`crate::aws::rest`) rather than through aws-sdk-eks (see Cargo.toml).

use std::time::Duration;

use serde_json::Value;

use crate::aws::credentials::{self, SigningCredentials};
use crate::aws::rest::{self, ApiError, Service};
use crate::aws::sigv4::uri_encode;
use crate::error::{Error, Result};

/// One call's bound, retries included.
const CALL_TIMEOUT: Duration = Duration::from_secs(20);

/// What DescribeCluster says about a cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ClusterInfo {
    pub(crate) name: String,
    pub(crate) arn: String,
    pub(crate) endpoint: String,
    /// Base64 PEM, as kubeconfig's `certificate-authority-data` wants it.
    pub(crate) ca_data: String,
    pub(crate) status: String,
    /// Reachable only from inside its VPC (no public endpoint).
    pub(crate) private_only: bool,
}

fn eks(region: &str) -> Service {
    Service {
        name: "eks",
        env_id: "EKS",
        region: region.to_string(),
    }
}

/// Credentials for EKS calls: `--profile`, else env keys, else the default chain.
pub(crate) async fn credentials(profile: Option<&str>, region: &str) -> Result<SigningCredentials> {
    match (profile, credentials::from_env()) {
        (Some(p), _) => credentials::from_profile(p, region).await,
        (None, Some(env)) => Ok(env),
        (None, None) => credentials::from_default_chain(region).await,
    }
}

/// DescribeCluster.
pub(crate) async fn describe(
    creds: &SigningCredentials,
    region: &str,
    name: &str,
) -> std::result::Result<ClusterInfo, ApiError> {
    let path = format!("/clusters/{}", uri_encode(name));
    let body = rest::get_json(&eks(region), creds, &path, CALL_TIMEOUT).await?;
    let c = &body["cluster"];
    let text = |p: &str| c.pointer(p).and_then(Value::as_str).unwrap_or_default();
    let flag = |p: &str| c.pointer(p).and_then(Value::as_bool);
    Ok(ClusterInfo {
        name: text("/name").to_string(),
        arn: text("/arn").to_string(),
        endpoint: text("/endpoint").to_string(),
        ca_data: text("/certificateAuthority/data").to_string(),
        status: text("/status").to_string(),
        private_only: flag("/resourcesVpcConfig/endpointPublicAccess") == Some(false),
    })
}

/// ListClusters, every page.
pub(crate) async fn list(
    creds: &SigningCredentials,
    region: &str,
    timeout: Duration,
) -> std::result::Result<Vec<String>, ApiError> {
    let mut names = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let mut path = "/clusters?maxResults=100".to_string();
        if let Some(t) = &next {
            path.push_str(&format!("&nextToken={}", uri_encode(t)));
        }
        let body = rest::get_json(&eks(region), creds, &path, timeout).await?;
        let page = body["clusters"].as_array().into_iter().flatten();
        names.extend(page.filter_map(Value::as_str).map(str::to_string));
        next = body["nextToken"].as_str().map(str::to_string);
        if next.is_none() {
            return Ok(names);
        }
    }
}

/// EC2 DescribeRegions: the regions enabled for the account (opt-in
/// regions only once opted in), asked in `region`.
pub(crate) async fn enabled_regions(
    creds: &SigningCredentials,
    region: &str,
) -> std::result::Result<Vec<String>, ApiError> {
    let ec2 = Service {
        name: "ec2",
        env_id: "EC2",
        region: region.to_string(),
    };
    let path = "/?Action=DescribeRegions&Version=2016-11-15";
    let body = rest::get(&ec2, creds, path, CALL_TIMEOUT).await?;
    let text = String::from_utf8_lossy(&body);
    let mut regions: Vec<String> = text
        .split("<regionName>")
        .skip(1)
        .filter_map(|s| s.split("</regionName>").next())
        .map(|s| s.trim().to_string())
        .collect();
    regions.sort();
    regions.dedup();
    Ok(regions)
}

/// The endpoint and CA `setup --cluster-name` writes: the cluster must be
/// ACTIVE; a private-only endpoint is written with a warning.
pub(crate) fn describe_for_setup(
    profile: Option<&str>,
    region: &str,
    name: &str,
) -> Result<ClusterInfo> {
    let rt = crate::client::runtime()?;
    let info = rt.block_on(async {
        let creds = credentials(profile, region).await?;
        describe(&creds, region, name).await.map_err(|e| {
            Error::Failed(format!(
                "EKS DescribeCluster {name:?} in {region}: {e}; or pass --server and --ca-data to set up without calling AWS"
            ))
        })
    })?;
    check_usable(&info, region)?;
    if info.private_only {
        crate::output::note(format!("warning: {}", private_warning(&info)));
    }
    Ok(info)
}

/// Refuses a cluster that is not ACTIVE or answered without an endpoint or CA.
pub(crate) fn check_usable(info: &ClusterInfo, region: &str) -> Result<()> {
    if info.status != "ACTIVE" {
        return Err(Error::Failed(format!(
            "EKS cluster {:?} in {region} is {}, not ACTIVE: it has no usable endpoint yet; run setup again once it is ACTIVE",
            info.name,
            if info.status.is_empty() {
                "in an unknown state"
            } else {
                &info.status
            }
        )));
    }
    if info.endpoint.is_empty() || info.ca_data.is_empty() {
        return Err(Error::Failed(format!(
            "EKS cluster {:?} in {region}: DescribeCluster gave no endpoint or CA",
            info.name
        )));
    }
    Ok(())
}

pub(crate) fn private_warning(info: &ClusterInfo) -> String {
    format!(
        "EKS cluster {:?} has a private endpoint only: kubectl reaches it only from inside its VPC (or a network connected to it)",
        info.name
    )
}
