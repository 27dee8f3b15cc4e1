//! honban (本番, "production"): kubectl plugins for running Kubernetes on AWS in
//! production, over one core crate.
//!
//! Plumbing, shared by every plugin:
//! - [`kubeconfig`]: kubectl's loading rules, byte-preserving edits, locked atomic writes;
//! - [`client`]: a `kube::Client` for a kubeconfig context and kubectl's connection flags;
//! - [`cli`]: kubectl-style global and connection flags;
//! - [`output`]: formats, colour and tables;
//! - [`state`]: kubectx-compatible history files and the per-user runtime directory;
//! - [`error`]: the error type and exit codes;
//! - [`labels`]: labels one capability writes and another reads;
//! - [`plugin`]: the frame every plugin binary runs in ([`plugin::Plugin`]);
//! - [`aws`]: AWS credentials, SDK configuration, region, STS endpoints, SigV4;
//! - `sops`: sops-encrypted files decrypted in-process (age, AWS KMS with `aws`), MAC checked.
//!
//! Capabilities, one per plugin family, each using only the plumbing:
//! - [`switch`]: `kubectl ctx` and `kubectl ns`.
//! - [`aws_token`]: `kubectl aws-token`, EKS tokens (cached, verifiable), kubeconfig setup and migration.
//! - [`rotate`]: `kubectl rotate-secret`, versioned Secrets and ConfigMaps.
//! - [`audit`]: `kubectl audit`, best-practice and health audits, live and offline.
//! - [`publish`]: `kubectl publish`, a workload on the internet on AWS (Service, ALB Ingress, ACM, DNS).

// Without `aws`, plumbing that only aws-token and publish call is unused, not dead.
#![cfg_attr(not(feature = "aws"), allow(dead_code, unused_imports))]

pub mod audit;
#[cfg(feature = "aws")]
pub mod aws;
#[cfg(feature = "aws")]
pub mod aws_token;
pub mod cli;
pub mod client;
pub mod completion;
pub mod error;
pub mod kubeconfig;
pub mod labels;
pub mod output;
pub mod plugin;
#[cfg(feature = "aws")]
pub mod publish;
pub mod rotate;
pub(crate) mod sops;
pub(crate) mod state;
pub mod switch;

pub use error::{Error, Result};
