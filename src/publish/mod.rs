//! `kubectl publish`: put a workload on the internet on AWS in one command.
//!
//! `publish KIND/NAME --host HOST` server-side applies (field manager
//! `honban`) a Service inferred from the workload as `kubectl expose` does,
//! and an Ingress for the AWS Load Balancer Controller with safe defaults:
//! internet-facing, ip targets, HTTP:80 redirected to HTTPS:443, a TLS 1.3
//! policy, the health check copied from the readiness probe, one pinned ACM
//! certificate chosen by stated rules, and the external-dns hostname under
//! the prefix the installed external-dns reads. Both objects carry the labels
//! `app.kubernetes.io/managed-by=kubectl-publish` and
//! `publish.honban.io/name=NAME` ([`crate::labels::publish`]), which is how
//! `unpublish` finds exactly them.
//!
//! Every check on the input, the cluster and ACM runs before the first write,
//! and the writes are tried as a server dry run first, so bad input leaves
//! nothing behind.
//!
//! `--api gateway` makes an HTTPRoute on the ALB controller's Gateway instead
//! of the Ingress ([`httproute`], [`gateway`]); status, unpublish and doctor
//! know both.
//!
//! Modules, in the order a publish runs: [`args`] (the command line, read
//! as parsed), [`input`] (checks on what was typed), [`backend`] (the
//! workload and its Service), [`workload`] (expose-style inference, health
//! check), [`controllers`] (ALB controller, IngressClass, external-dns),
//! [`cert`] (ACM choice), [`ingress`] or [`httproute`] (the two ways to
//! route), [`build`] and [`gateway`] (the objects), [`write`] and [`apply`]
//! (server-side apply, dry run, diff). Then [`status`], [`doctor`],
//! [`unpublish`]; [`cloud`] (AWS calls), [`net`] (DNS, HTTPS), [`report`]
//! (✓/✗ lines), [`complete`] (completion values).

mod apply;
mod args;
mod backend;
mod build;
mod cert;
mod cloud;
mod complete;
mod controllers;
mod doctor;
pub mod gateway;
mod httproute;
mod ingress;
mod input;
mod net;
mod report;
mod status;
mod unpublish;
mod workload;
mod write;

use std::future::Future;

use clap::Arg;

use crate::aws::sdk::SdkOptions;
use crate::cli::GlobalArgs;
use crate::client;
use crate::completion::{Reply, Request, Shell};
use crate::error::{Error, Result};
use crate::plugin::Plugin;

pub use args::PublishArgs;
use args::{AwsArgs, Command, RouteApi};

impl Plugin for PublishArgs {
    const BIN: &'static str = "kubectl-publish";

    fn complete(request: &Request, arg: &Arg) -> Option<Reply> {
        complete::values(request, arg)
    }

    fn completion_shell(&self) -> Option<Shell> {
        self.completion
    }

    fn run(mut self) -> Result<u8> {
        // The connection flags are flattened beside the globals; the client reads them from there.
        self.global.connection = std::mem::take(&mut self.connection);
        run(&self)
    }
}

/// Runs the subcommand, or publishes `KIND/NAME`.
fn run(args: &PublishArgs) -> Result<u8> {
    if args.command.is_some() && (args.target.is_some() || args.publish.given()) {
        return Err(Error::Usage(
            "publish flags go with KIND/NAME; put the subcommand first: kubectl publish SUBCOMMAND NAME [flags]".into(),
        ));
    }
    match &args.command {
        Some(Command::Status(status)) => status::status(status, args),
        Some(Command::Doctor(doctor)) => doctor::doctor(doctor, args),
        Some(Command::Unpublish(unpublish)) => unpublish::unpublish(unpublish, args),
        None => {
            let target = args.target.as_deref().ok_or_else(|| {
                Error::Usage(
                    "name what to publish: deploy/NAME, statefulset/NAME or svc/NAME".into(),
                )
            })?;
            publish(args, target)
        }
    }
}

/// A connected client and what the AWS side needs from the kubeconfig.
pub(crate) struct Session {
    pub(crate) client: kube::Client,
    pub(crate) context: String,
    pub(crate) namespace: String,
    pub(crate) sdk: SdkOptions,
}

/// Connects and runs `body` on a single-threaded runtime; the AWS calls use
/// `--profile`/`--region` and the region of an EKS server URL.
fn with_session<F, Fut>(global: &GlobalArgs, aws: &AwsArgs, body: F) -> Result<u8>
where
    F: FnOnce(Session) -> Fut,
    Fut: Future<Output = Result<u8>>,
{
    client::with_connection(global, |conn| {
        body(Session {
            client: conn.client,
            context: conn.context,
            namespace: conn.namespace,
            sdk: SdkOptions {
                profile: aws.profile.clone(),
                region: aws.region.clone(),
                server: Some(conn.server),
                operation_timeout: None,
            },
        })
    })
}

/// `kubectl publish KIND/NAME --host HOST …`: every check on what was typed,
/// then the Ingress, or the HTTPRoute with `--api gateway`.
fn publish(args: &PublishArgs, target: &str) -> Result<u8> {
    let publication = input::Publication::check(&args.publish, target, &args.global)?;
    let publication = &publication;
    with_session(&args.global, &args.aws, |s| async move {
        match args.publish.api() {
            RouteApi::Gateway => httproute::publish(&s, args, publication).await,
            RouteApi::Ingress => ingress::publish(&s, args, publication).await,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn usage_message(result: Result<u8>) -> String {
        match result {
            Err(Error::Usage(m)) => m,
            other => panic!("expected a usage error, got {other:?}"),
        }
    }

    fn parse(words: &[&str]) -> PublishArgs {
        PublishArgs::try_parse_from(std::iter::once("kubectl-publish").chain(words.iter().copied()))
            .unwrap()
    }

    #[test]
    fn a_subcommand_refuses_a_target_or_publish_flags() {
        let with_target = parse(&["deploy/web", "status", "web"]);
        assert!(usage_message(run(&with_target)).contains("put the subcommand first"));
        // `--dry-run=none` changes nothing, but it was given, so it is refused too.
        let with_flag = parse(&["--dry-run=none", "unpublish", "web"]);
        assert!(usage_message(run(&with_flag)).contains("put the subcommand first"));
    }

    #[test]
    fn checks_run_before_any_connection() {
        let zero = parse(&["status", "web", "--timeout", "0s"]);
        assert_eq!(usage_message(run(&zero)), "--timeout must be more than 0");
        let no_target = parse(&["-n", "shop"]);
        assert!(usage_message(run(&no_target)).starts_with("name what to publish"));
    }
}
