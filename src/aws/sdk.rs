//! An aws-config `SdkConfig` for AWS SDK clients (ACM, Route 53, ELBv2, …).
//!
//! The region follows honban's order ([`super::region::resolve_region`], never IMDS);
//! credentials come from aws-config's chain, or from `--profile` alone.
//! Endpoints: aws-config honours `AWS_ENDPOINT_URL` and the per-service
//! `AWS_ENDPOINT_URL_<SERVICE>` (and a profile's `endpoint_url`), which is how
//! tests point every client at a local stand-in.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

use super::profile::{self, Profiles, env_nonempty};
use crate::error::Result;

// `pub` while publish's public items still name it; the module is crate-private.
/// What shapes the SDK configuration, from a plugin's flags.
#[derive(Debug, Clone, Default)]
pub struct SdkOptions {
    pub(crate) profile: Option<String>,
    pub(crate) region: Option<String>,
    /// The cluster's API server URL: an EKS URL names the region.
    pub(crate) server: Option<String>,
    /// Bound on one whole operation, retries included.
    pub(crate) operation_timeout: Option<Duration>,
}

/// The region these options resolve to, without loading anything else.
pub(crate) fn region(opts: &SdkOptions) -> Result<String> {
    let profiles = Profiles::load();
    let name = profile::selected(opts.profile.as_deref());
    super::region::resolve_region(
        opts.region.as_deref(),
        &profiles,
        &name,
        opts.server.as_deref(),
    )
}

/// Loads the shared configuration. Credentials are resolved lazily, on the
/// first call a client makes.
pub(crate) async fn load(opts: &SdkOptions) -> Result<SdkConfig> {
    let region = region(opts)?;
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .operation_attempt_timeout(Duration::from_secs(15))
        .operation_timeout(opts.operation_timeout.unwrap_or(Duration::from_secs(30)))
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region))
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard().with_max_attempts(3));
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    Ok(loader.load().await)
}

/// The endpoint for a service that has no SDK client here (signed by hand):
/// `AWS_ENDPOINT_URL_<SERVICE>`, then the configuration's endpoint URL, then
/// the regional default.
pub(crate) fn endpoint_url(config: &SdkConfig, service_env_id: &str, default_host: &str) -> String {
    env_nonempty(&format!("AWS_ENDPOINT_URL_{service_env_id}"))
        .or_else(|| config.endpoint_url().map(str::to_string))
        .unwrap_or_else(|| format!("https://{default_host}"))
        .trim_end_matches('/')
        .to_string()
}
