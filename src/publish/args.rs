//! `kubectl publish`'s command line: the clap definition the code reads, and
//! the checks that tie a subcommand to the flags given with it.

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::cli::{ConnectionArgs, GlobalArgs, parse_duration};
use crate::completion::Shell;
use crate::error::{Error, Result};

/// Put a workload on the internet on AWS: Service + ALB Ingress + ACM certificate + DNS.
///
/// Creates or updates, by server-side apply (field manager `honban`), a
/// Service inferred from the workload and an Ingress for the AWS Load
/// Balancer Controller: internet-facing, ip targets, HTTP redirected to
/// HTTPS, TLS 1.3 policy, health check from the readiness probe, one ACM
/// certificate pinned, and the external-dns hostname. With `--api gateway`,
/// a Gateway API HTTPRoute on the ALB controller's Gateway instead.
#[derive(Parser, Debug)]
#[command(
    name = "kubectl publish",
    // Usage names the command users type, not the binary kubectl runs.
    bin_name = "kubectl publish",
    version,
    arg_required_else_help = true,
    // A subcommand or the object, never both; clap's own usage would show
    // `[KIND/NAME] [COMMAND]`, the object before the subcommand. Global flags
    // may still come first, so the two are not declared in conflict.
    override_usage = "kubectl publish [OPTIONS] <KIND/NAME>\n       kubectl publish [OPTIONS] <COMMAND>",
    after_help = EXAMPLES
)]
pub struct PublishArgs {
    #[command(subcommand)]
    pub(crate) command: Option<Command>,

    /// What to publish: deploy/NAME, statefulset/NAME or svc/NAME
    #[arg(value_name = "KIND/NAME")]
    pub(crate) target: Option<String>,

    #[command(flatten)]
    pub(crate) publish: PublishFlags,

    /// Print a completion script for bash, zsh or fish
    #[arg(long, value_name = "SHELL", hide = true)]
    pub(crate) completion: Option<Shell>,

    #[command(flatten)]
    pub(crate) aws: AwsArgs,

    #[command(flatten)]
    pub(crate) global: GlobalArgs,

    #[command(flatten)]
    pub(crate) connection: ConnectionArgs,
}

/// The flags that go with `KIND/NAME`.
#[derive(Args, Debug, Clone, Default)]
pub(crate) struct PublishFlags {
    /// Host name to serve (repeatable, or comma-separated)
    #[arg(long = "host", value_name = "HOST")]
    pub(crate) hosts: Vec<String>,

    /// Name of the Service and Ingress (default: the workload's name)
    #[arg(long, value_name = "NAME")]
    pub(crate) name: Option<String>,

    /// The port to route to, by number or name, when there are several
    #[arg(long, value_name = "PORT")]
    pub(crate) port: Option<String>,

    /// IngressClass (default: the ALB controller's class, `alb` first)
    #[arg(long, value_name = "CLASS")]
    pub(crate) class: Option<String>,

    /// An internal ALB instead of an internet-facing one
    #[arg(long)]
    pub(crate) internal: bool,

    /// Share one ALB with the other Ingresses of this group
    #[arg(long, value_name = "NAME")]
    pub(crate) group: Option<String>,

    /// Attach this regional WAFv2 web ACL
    #[arg(long, value_name = "ARN")]
    pub(crate) waf_acl: Option<String>,

    /// AWS tags for the ALB, KEY=VALUE (repeatable, or comma-separated)
    #[arg(long, value_name = "KEY=VALUE")]
    pub(crate) tags: Vec<String>,

    /// Use this ACM certificate instead of choosing one (repeatable)
    #[arg(long, value_name = "ARN", conflicts_with = "create_cert")]
    pub(crate) cert_arn: Vec<String>,

    /// Have the ALB controller request the certificate (controller v3.3.0+)
    #[arg(long)]
    pub(crate) create_cert: bool,

    /// Label the namespace so pods get ALB readiness gates
    #[arg(long)]
    pub(crate) namespace_readiness_gate: bool,

    /// Change nothing: client (print what would be applied) or server (the API checks it)
    #[arg(long, value_name = "MODE", num_args = 0..=1, require_equals = true, default_missing_value = "client")]
    pub(crate) dry_run: Option<DryRun>,

    /// Show the change against the live objects, and apply nothing
    #[arg(long, conflicts_with = "dry_run")]
    pub(crate) diff: bool,

    /// Take over fields another field manager owns
    #[arg(long)]
    pub(crate) force_conflicts: bool,

    /// Route with an Ingress (default) or a Gateway API HTTPRoute on the ALB controller's Gateway
    #[arg(long, value_name = "API", value_enum)]
    pub(crate) api: Option<RouteApi>,

    /// With --api gateway: the Gateway to attach to (default: the ALB Gateway in the namespace, or the only one)
    #[arg(long, value_name = "NAME[/NAMESPACE]")]
    pub(crate) gateway: Option<String>,
}

/// `--profile` and `--region` for the AWS calls.
#[derive(Args, Debug, Clone, Default)]
pub(crate) struct AwsArgs {
    /// AWS profile for the ACM, Route 53, ELBv2 and EC2 calls
    #[arg(long, global = true, value_name = "NAME")]
    pub(crate) profile: Option<String>,

    /// AWS region (default: AWS_REGION, the profile's, the EKS server URL's, us-east-1)
    #[arg(long, global = true, value_name = "REGION")]
    pub(crate) region: Option<String>,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Each stage from Service to HTTPS answer, with ✓ or ✗ and the reason
    Status(StatusArgs),
    /// Check the cluster's and account's preconditions, with a fix for each failure
    Doctor(DoctorArgs),
    /// Delete the Service and Ingress (or HTTPRoutes) publish made under NAME, and nothing else
    Unpublish(UnpublishArgs),
}

// The subcommands' structs carry no doc comment: the variant's is their help.
#[derive(Args, Debug)]
pub(crate) struct StatusArgs {
    /// The publication (Ingress or HTTPRoute) name
    pub(crate) name: String,
    /// Time allowed for the DNS lookup and for the HTTPS request, each
    #[arg(long, value_name = "DURATION", default_value = "5s")]
    pub(crate) timeout: String,
}

#[derive(Args, Debug)]
pub(crate) struct DoctorArgs {
    /// Also check the hosted zone and certificate for this host (repeatable)
    #[arg(long = "host", value_name = "HOST")]
    pub(crate) hosts: Vec<String>,
    /// The IngressClass to check
    #[arg(long, value_name = "CLASS")]
    pub(crate) class: Option<String>,
    /// The cluster's VPC (default: the ALB controller's --aws-vpc-id, or a node's instance)
    #[arg(long, value_name = "VPC_ID")]
    pub(crate) vpc_id: Option<String>,
    /// Check for an internal ALB (private subnets) instead
    #[arg(long)]
    pub(crate) internal: bool,
    /// With gateway, the Gateway API checks must pass (otherwise they only inform)
    #[arg(long, value_name = "API", value_enum)]
    pub(crate) api: Option<RouteApi>,
}

#[derive(Args, Debug)]
pub(crate) struct UnpublishArgs {
    /// The publication name
    pub(crate) name: String,
    /// Only say what would be deleted (the API checks the deletes)
    #[arg(long)]
    pub(crate) dry_run: bool,
}

/// Which API routes traffic to the Service.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub(crate) enum RouteApi {
    #[default]
    Ingress,
    Gateway,
}

/// `--dry-run[=none|client|server]`; `none` is given, and means no dry run.
/// (No doc comments on the values: clap would print them in the help.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DryRun {
    None,
    // Build the objects and print them; no API writes.
    Client,
    // The API server checks every write and changes nothing.
    Server,
}

const EXAMPLES: &str = "Examples:
  # Service + Ingress, certificate from ACM
  kubectl publish deploy/web --host web.example.com
  kubectl publish deploy/web --host web.example.com --dry-run -o yaml
  kubectl publish deploy/web --host web.example.com --diff
  kubectl publish svc/api --host api.example.com --port http --group public
  # Through a Gateway API gateway instead of an Ingress
  kubectl publish deploy/web --host web.example.com \\
    --api gateway --gateway public/edge
  # ✓/✗ per stage (-o json)
  kubectl publish status web
  # Preconditions, with fixes
  kubectl publish doctor --host web.example.com
  # Delete what publish made
  kubectl publish unpublish web

Exit codes: 0 done (status/doctor: all ✓), 1 failed (status/doctor: a stage
or check is ✗), 2 usage.";

impl PublishFlags {
    /// Whether any publish flag was given (`--dry-run=none` too).
    pub(crate) fn given(&self) -> bool {
        !self.hosts.is_empty()
            || self.name.is_some()
            || self.port.is_some()
            || self.class.is_some()
            || self.internal
            || self.group.is_some()
            || self.waf_acl.is_some()
            || !self.tags.is_empty()
            || !self.cert_arn.is_empty()
            || self.create_cert
            || self.namespace_readiness_gate
            || self.dry_run.is_some()
            || self.diff
            || self.force_conflicts
            || self.api.is_some()
            || self.gateway.is_some()
    }

    /// The dry run asked for; `--dry-run=none` is none.
    pub(crate) fn dry_run(&self) -> Option<DryRun> {
        self.dry_run.filter(|d| *d != DryRun::None)
    }

    pub(crate) fn api(&self) -> RouteApi {
        self.api.unwrap_or_default()
    }
}

impl DoctorArgs {
    /// `--api gateway`: the Gateway API checks count; otherwise they inform.
    pub(crate) fn gateway_required(&self) -> bool {
        self.api == Some(RouteApi::Gateway)
    }
}

impl StatusArgs {
    /// `--timeout`, checked before any connection.
    pub(crate) fn timeout(&self) -> Result<std::time::Duration> {
        let d = parse_duration(&self.timeout)?;
        if d.is_zero() {
            return Err(Error::Usage("--timeout must be more than 0".into()));
        }
        Ok(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_sees_every_publish_flag_kind() {
        assert!(!PublishFlags::default().given());
        for flags in [
            PublishFlags {
                hosts: vec!["a.example.com".into()],
                ..Default::default()
            },
            PublishFlags {
                internal: true,
                ..Default::default()
            },
            PublishFlags {
                api: Some(RouteApi::Ingress),
                ..Default::default()
            },
        ] {
            assert!(flags.given(), "{flags:?}");
        }
    }
}
