//! The region, by honban's order; never IMDS.

use super::endpoint;
use super::profile::{Profiles, env_nonempty};
use crate::error::Result;

/// `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`, the
/// EKS server URL, `us-east-1`.
pub(crate) fn resolve_region(
    flag: Option<&str>,
    profiles: &Profiles,
    profile: &str,
    server: Option<&str>,
) -> Result<String> {
    let region = flag
        .map(str::to_string)
        .or_else(|| env_nonempty("AWS_REGION"))
        .or_else(|| env_nonempty("AWS_DEFAULT_REGION"))
        .or_else(|| profiles.get(profile, "region").map(str::to_string))
        .or_else(|| server.and_then(endpoint::region_from_eks_server))
        .unwrap_or_else(|| "us-east-1".to_string());
    let region = region.trim().to_string();
    endpoint::validate_region(&region)?;
    Ok(region)
}
