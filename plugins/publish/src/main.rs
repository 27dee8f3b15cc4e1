//! `kubectl publish`: put a workload on the internet on AWS in one command:
//! a Service, an ALB Ingress with safe defaults, a pinned ACM certificate and
//! the external-dns hostname.

use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use honban::cli::{ConnectionArgs, GlobalArgs};
use honban::publish::commands::{self, DryRunMode, Invocation, PublishFlags};
use honban::publish::{AwsFlags, RouteApi};

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
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// What to publish: deploy/NAME, statefulset/NAME or svc/NAME
    #[arg(value_name = "KIND/NAME")]
    target: Option<String>,

    #[command(flatten)]
    publish: PublishArgs,

    /// Print a completion script for bash, zsh or fish
    #[arg(long, value_name = "SHELL", hide = true)]
    completion: Option<honban::completion::Shell>,

    #[command(flatten)]
    aws: AwsArgs,

    #[command(flatten)]
    global: GlobalArgs,

    #[command(flatten)]
    connection: ConnectionArgs,
}

#[derive(Args, Debug, Clone)]
struct PublishArgs {
    /// Host name to serve (repeatable, or comma-separated)
    #[arg(long = "host", value_name = "HOST")]
    hosts: Vec<String>,

    /// Name of the Service and Ingress (default: the workload's name)
    #[arg(long, value_name = "NAME")]
    name: Option<String>,

    /// The port to route to, by number or name, when there are several
    #[arg(long, value_name = "PORT")]
    port: Option<String>,

    /// IngressClass (default: the ALB controller's class, `alb` first)
    #[arg(long, value_name = "CLASS")]
    class: Option<String>,

    /// An internal ALB instead of an internet-facing one
    #[arg(long)]
    internal: bool,

    /// Share one ALB with the other Ingresses of this group
    #[arg(long, value_name = "NAME")]
    group: Option<String>,

    /// Attach this regional WAFv2 web ACL
    #[arg(long, value_name = "ARN")]
    waf_acl: Option<String>,

    /// AWS tags for the ALB, KEY=VALUE (repeatable, or comma-separated)
    #[arg(long, value_name = "KEY=VALUE")]
    tags: Vec<String>,

    /// Use this ACM certificate instead of choosing one (repeatable)
    #[arg(long, value_name = "ARN", conflicts_with = "create_cert")]
    cert_arn: Vec<String>,

    /// Have the ALB controller request the certificate (controller v3.3.0+)
    #[arg(long)]
    create_cert: bool,

    /// Label the namespace so pods get ALB readiness gates
    #[arg(long)]
    namespace_readiness_gate: bool,

    /// Change nothing: client (print what would be applied) or server (the API checks it)
    #[arg(long, value_name = "MODE", num_args = 0..=1, require_equals = true, default_missing_value = "client")]
    dry_run: Option<DryRunArg>,

    /// Show the change against the live objects, and apply nothing
    #[arg(long, conflicts_with = "dry_run")]
    diff: bool,

    /// Take over fields another field manager owns
    #[arg(long)]
    force_conflicts: bool,

    /// Route with an Ingress (default) or a Gateway API HTTPRoute on the ALB controller's Gateway
    #[arg(long, value_name = "API", value_enum)]
    api: Option<ApiArg>,

    /// With --api gateway: the Gateway to attach to (default: the ALB Gateway in the namespace, or the only one)
    #[arg(long, value_name = "NAME[/NAMESPACE]")]
    gateway: Option<String>,
}

#[derive(Args, Debug, Clone)]
struct AwsArgs {
    /// AWS profile for the ACM, Route 53, ELBv2 and EC2 calls
    #[arg(long, global = true, value_name = "NAME")]
    profile: Option<String>,

    /// AWS region (default: AWS_REGION, the profile's, the EKS server URL's, us-east-1)
    #[arg(long, global = true, value_name = "REGION")]
    region: Option<String>,
}

impl AwsArgs {
    fn flags(self) -> AwsFlags {
        AwsFlags {
            profile: self.profile,
            region: self.region,
        }
    }
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Each stage from Service to HTTPS answer, with ✓ or ✗ and the reason
    Status {
        /// The publication (Ingress or HTTPRoute) name
        name: String,
        /// Time allowed for the DNS lookup and for the HTTPS request, each
        #[arg(long, value_name = "DURATION", default_value = "5s")]
        timeout: String,
    },
    /// Check the cluster's and account's preconditions, with a fix for each failure
    Doctor {
        /// Also check the hosted zone and certificate for this host (repeatable)
        #[arg(long = "host", value_name = "HOST")]
        hosts: Vec<String>,
        /// The IngressClass to check
        #[arg(long, value_name = "CLASS")]
        class: Option<String>,
        /// The cluster's VPC (default: the ALB controller's --aws-vpc-id, or a node's instance)
        #[arg(long, value_name = "VPC_ID")]
        vpc_id: Option<String>,
        /// Check for an internal ALB (private subnets) instead
        #[arg(long)]
        internal: bool,
        /// With gateway, the Gateway API checks must pass (otherwise they only inform)
        #[arg(long, value_name = "API", value_enum)]
        api: Option<ApiArg>,
    },
    /// Delete the Service and Ingress (or HTTPRoutes) publish made under NAME, and nothing else
    Unpublish {
        /// The publication name
        name: String,
        /// Only say what would be deleted (the API checks the deletes)
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ApiArg {
    Ingress,
    Gateway,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum DryRunArg {
    None,
    Client,
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

fn main() -> ExitCode {
    if let Some(code) =
        honban::completion::intercept::<Cli>("kubectl-publish", honban::completion::values::publish)
    {
        return code;
    }
    let cli = Cli::parse();
    honban::error::run(|| {
        if let Some(shell) = cli.completion {
            return honban::completion::print_script(shell, &mut Cli::command(), "kubectl-publish");
        }
        commands::run(Invocation {
            subcommand: cli.command.map(Command::into_core),
            target: cli.target,
            publish: cli.publish.into_core(),
            aws: cli.aws.flags(),
            global: GlobalArgs {
                connection: cli.connection,
                ..cli.global
            },
        })
    })
}

impl Command {
    fn into_core(self) -> commands::Subcommand {
        match self {
            Command::Status { name, timeout } => commands::Subcommand::Status { name, timeout },
            Command::Doctor {
                hosts,
                class,
                vpc_id,
                internal,
                api,
            } => commands::Subcommand::Doctor {
                hosts,
                class,
                vpc_id,
                internal,
                api: api.map(ApiArg::into_core),
            },
            Command::Unpublish { name, dry_run } => {
                commands::Subcommand::Unpublish { name, dry_run }
            }
        }
    }
}

impl PublishArgs {
    fn into_core(self) -> PublishFlags {
        PublishFlags {
            hosts: self.hosts,
            name: self.name,
            port: self.port,
            class: self.class,
            internal: self.internal,
            group: self.group,
            waf_acl: self.waf_acl,
            tags: self.tags,
            cert_arn: self.cert_arn,
            create_cert: self.create_cert,
            namespace_readiness_gate: self.namespace_readiness_gate,
            dry_run: self.dry_run.map(|mode| match mode {
                DryRunArg::None => DryRunMode::None,
                DryRunArg::Client => DryRunMode::Client,
                DryRunArg::Server => DryRunMode::Server,
            }),
            diff: self.diff,
            force_conflicts: self.force_conflicts,
            api: self.api.map(ApiArg::into_core),
            gateway: self.gateway,
        }
    }
}

impl ApiArg {
    fn into_core(self) -> RouteApi {
        match self {
            ApiArg::Ingress => RouteApi::Ingress,
            ApiArg::Gateway => RouteApi::Gateway,
        }
    }
}
