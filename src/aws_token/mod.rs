//! `kubectl aws-token`: EKS IAM exec credentials in milliseconds, cached across
//! kubectl runs, verifiable offline. This file is the plugin's command line
//! ([`AwsTokenArgs`]); each subcommand lands in `commands`.
//!
//! A token request runs in this order, stopping as soon as it can (`mint`):
//! 1. read `KUBERNETES_EXEC_INFO` (apiVersion to echo, interactivity, server URL; `exec`);
//! 2. resolve the region without IMDS: `--region`, `AWS_REGION`,
//!    `AWS_DEFAULT_REGION`, the profile's `region`, the EKS server URL, `us-east-1`;
//! 3. pick the STS endpoint (`crate::aws::endpoint`);
//! 4. look the token up in the cache (`cache`, `entries`); for env credentials
//!    the key includes their access key id, read from the environment at no cost;
//! 5. on a miss, under the entry's lock: get credentials (`role`): env keys
//!    directly (the fast path, no SDK), otherwise aws-config; assume a role
//!    with aws-sdk-sts when asked (assumed credentials are cached too);
//! 6. presign (`token`), store, print.
//!
//! `setup` and `migrate` write kubeconfig entries (`setup`);
//! `verify` applies EKS's rules offline (`verify`).
//!
//! A new flag is a field of its subcommand's struct below, read where that
//! subcommand lands in `commands` (the token's flags also in `mint` and `role`).

mod cache;
mod commands;
mod complete;
mod eks;
mod entries;
mod exec;
mod fleet;
mod mint;
mod role;
mod setup;
mod token;
mod verify;

use std::path::PathBuf;

use clap::{Arg, Args, Parser, Subcommand};

use crate::completion::{Reply, Request, Shell};
use crate::error::Result;
use crate::output::Format;
use crate::plugin::Plugin;

/// Print an EKS token as an ExecCredential for kubectl, from a private cache
/// when a valid one is there. Also: set up and migrate kubeconfig entries,
/// verify tokens, manage the cache.
#[derive(Parser, Debug)]
#[command(
    name = "kubectl aws-token",
    // Usage names the command users type, not the binary kubectl runs.
    bin_name = "kubectl aws-token",
    version,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = EXAMPLES
)]
pub struct AwsTokenArgs {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    token: TokenArgs,

    /// Print a completion script for bash, zsh or fish
    #[arg(long, value_name = "SHELL", hide = true)]
    completion: Option<Shell>,
}

#[derive(Args, Debug)]
struct TokenArgs {
    /// The EKS cluster's name (sent as x-k8s-aws-id)
    #[arg(long, value_name = "NAME", required_unless_present_any = ["cluster_id", "completion"])]
    cluster_name: Option<String>,

    /// The cluster id, for EKS local clusters on Outposts
    #[arg(long, value_name = "ID", conflicts_with = "cluster_name")]
    cluster_id: Option<String>,

    /// AWS region [default: AWS_REGION, the profile's region, the server URL's, us-east-1]
    #[arg(long, value_name = "REGION")]
    region: Option<String>,

    /// AWS profile to take credentials from (outranks AWS_ACCESS_KEY_ID)
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,

    /// Assume this IAM role and sign with its credentials
    #[arg(long, value_name = "ARN")]
    role_arn: Option<String>,

    /// External id for the role
    #[arg(long, value_name = "ID", requires = "role_arn")]
    external_id: Option<String>,

    /// Role session name [default: honban-aws-token]
    #[arg(
        long,
        value_name = "NAME",
        requires = "role_arn",
        conflicts_with = "forward_session_name"
    )]
    session_name: Option<String>,

    /// Reuse the caller's own role session name for the assumed role
    #[arg(long, requires = "role_arn")]
    forward_session_name: bool,

    /// Role session duration, e.g. 1h (15m to 12h)
    #[arg(long, value_name = "DURATION", requires = "role_arn")]
    duration: Option<String>,

    /// STS endpoint to sign for (and to call), e.g. https://sts.us-east-1.amazonaws.com
    #[arg(long, value_name = "URL")]
    sts_endpoint: Option<String>,

    /// Neither read nor write the cache
    #[arg(long)]
    no_cache: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List or clear cached tokens and role credentials
    Cache {
        #[command(subcommand)]
        action: CacheAction,
    },
    /// Add or update a kubeconfig cluster, user and context for an EKS cluster
    Setup(SetupArgs),
    /// Rewrite `aws eks get-token` and `aws-iam-authenticator token` users to aws-token
    Migrate {
        /// Show the diff without writing
        #[arg(long)]
        dry_run: bool,
        /// Path to the kubeconfig file to change
        #[arg(long, value_name = "FILE")]
        kubeconfig: Option<PathBuf>,
    },
    /// Check a token against EKS's rules and print what it claims
    Verify(VerifyArgs),
}

#[derive(Subcommand, Debug)]
enum CacheAction {
    /// List entries with their cluster, identity, expiry and status
    List {
        /// Output format
        #[arg(short = 'o', long = "output", value_enum)]
        output: Option<Format>,
    },
    /// Remove every entry
    Clear,
}

#[derive(Args, Debug)]
struct SetupArgs {
    /// The EKS cluster's name
    #[arg(long, value_name = "NAME", required_unless_present = "all")]
    cluster_name: Option<String>,
    /// Set up every cluster ListClusters finds in the regions (--region) and profiles (--profile)
    #[arg(
        long,
        conflicts_with_all = ["cluster_name", "cluster_id", "server", "alias", "set_current"]
    )]
    all: bool,
    /// Cluster id (EKS local clusters on Outposts), sent instead of the name
    #[arg(long, value_name = "ID")]
    cluster_id: Option<String>,
    /// The API server URL (https://…eks.amazonaws.com) [default: from EKS DescribeCluster]
    #[arg(long, value_name = "URL")]
    server: Option<String>,
    /// The cluster CA certificate (PEM file)
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "ca_data",
        requires = "server"
    )]
    ca_file: Option<PathBuf>,
    /// The cluster CA certificate, base64 PEM (as `aws eks describe-cluster` gives it)
    #[arg(long, value_name = "BASE64", requires = "server")]
    ca_data: Option<String>,
    /// With --all: every region enabled for each profile's account (EC2 DescribeRegions)
    #[arg(long, requires = "all", conflicts_with = "region")]
    all_regions: bool,
    /// AWS region, repeatable with --all [default: from the server URL; without --server: AWS_REGION, the profile's, us-east-1]
    #[arg(long, value_name = "REGION")]
    region: Vec<String>,
    /// IAM role the token is signed with
    #[arg(long, value_name = "ARN")]
    role_arn: Option<String>,
    /// AWS profile (set as AWS_PROFILE for the plugin), repeatable with --all
    #[arg(long, value_name = "NAME")]
    profile: Vec<String>,
    /// Name for the cluster, user and context [default: the cluster name]
    #[arg(long, value_name = "NAME")]
    alias: Option<String>,
    /// With --all: names from {profile}, {region}, {account}, {cluster} [default: {cluster}, with {profile}- and -{region} when several]
    #[arg(long, value_name = "TEMPLATE", requires = "all")]
    name_template: Option<String>,
    /// With --all: remove the entries an earlier --all wrote, in these profiles and regions, for clusters that are gone
    #[arg(long, requires = "all")]
    prune: bool,
    /// With --all: output format of the summary
    #[arg(short = 'o', long = "output", value_enum, requires = "all")]
    output: Option<Format>,
    /// Switch current-context to it
    #[arg(long)]
    set_current: bool,
    /// Show the diff without writing
    #[arg(long)]
    dry_run: bool,
    /// Path to the kubeconfig file to change
    #[arg(long, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct VerifyArgs {
    /// The token, an ExecCredential, or `-` for stdin [default: stdin]
    #[arg(value_name = "TOKEN")]
    token: Option<String>,
    /// The cluster the token must be for
    #[arg(long, value_name = "NAME", required_unless_present = "cluster_id")]
    cluster_name: Option<String>,
    /// Cluster id (EKS local clusters on Outposts)
    #[arg(long, value_name = "ID", conflicts_with = "cluster_name")]
    cluster_id: Option<String>,
    /// The cluster's region: the token must come from its partition
    #[arg(long, value_name = "REGION")]
    region: Option<String>,
    /// Profile whose credentials re-sign the token [default: env credentials]
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
    /// Output format
    #[arg(short = 'o', long = "output", value_enum)]
    output: Option<Format>,
}

const EXAMPLES: &str = "Examples:
  # Print an ExecCredential (cached)
  kubectl aws-token --cluster-name prod
  # Add a cluster, user and context for an EKS cluster, and switch to it
  kubectl aws-token setup --cluster-name prod --region eu-west-1 --set-current
  # Show how `aws eks get-token` users would change
  kubectl aws-token migrate --dry-run
  # Check a token as EKS would
  kubectl aws-token --cluster-name prod |
    kubectl aws-token verify --cluster-name prod
  kubectl aws-token cache list

Exit codes: 0 ok, 1 failure (or a rejected token), 2 usage.";

impl Plugin for AwsTokenArgs {
    const BIN: &'static str = "kubectl-aws_token";

    /// Profile names from the shared AWS config files; cluster names from EKS.
    fn complete(req: &Request, arg: &Arg) -> Option<Reply> {
        complete::values(req, arg)
    }

    fn completion_shell(&self) -> Option<Shell> {
        self.completion
    }

    fn run(self) -> Result<u8> {
        match self.command {
            None => commands::run_token(&self.token),
            Some(Command::Cache {
                action: CacheAction::List { output },
            }) => commands::run_cache_list(output),
            Some(Command::Cache {
                action: CacheAction::Clear,
            }) => commands::run_cache_clear(),
            Some(Command::Setup(args)) => commands::run_setup(&args),
            Some(Command::Migrate {
                dry_run,
                kubeconfig,
            }) => commands::run_migrate(dry_run, kubeconfig.as_deref()),
            Some(Command::Verify(args)) => commands::run_verify(args),
        }
    }
}
