//! AWS plumbing shared by the capabilities that talk to AWS (`aws_token`,
//! `publish`): credentials, SDK configuration, the region, STS endpoints and
//! partitions, SigV4 encoding and time formats. Nothing here knows a plugin.
//!
//! - `credentials`: env keys (no SDK), profiles and the default chain through
//!   aws-config, STS AssumeRole (also for MFA profiles);
//! - `sdk`: an aws-config `SdkConfig` for SDK clients;
//! - `region`: the region, by honban's order, never IMDS;
//! - `endpoint`: partitions and STS endpoints;
//! - `profile`: the shared config and credentials files;
//! - `rest`: signed calls to APIs without an SDK client here (EKS, EC2, KMS);
//! - `sigv4`, [`time`]: encodings and dates as AWS writes them.

pub(crate) mod credentials;
pub(crate) mod endpoint;
pub(crate) mod https;
pub(crate) mod profile;
pub(crate) mod region;
pub(crate) mod rest;
pub(crate) mod sdk;
pub(crate) mod sigv4;
pub mod time;
