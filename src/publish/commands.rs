//! `kubectl publish`'s command line, as the plugin hands it over: which
//! subcommand, the publish flags as given, and the checks between them.

use std::time::Duration;

use crate::cli::{GlobalArgs, parse_duration};
use crate::error::{Error, Result};

use super::{
    AwsFlags, DoctorRequest, DryRun, PublishRequest, RouteApi, StatusRequest, UnpublishRequest,
};

/// One invocation of `kubectl publish`.
#[derive(Debug, Clone, Default)]
pub struct Invocation {
    pub subcommand: Option<Subcommand>,
    /// `KIND/NAME`, for publishing.
    pub target: Option<String>,
    pub publish: PublishFlags,
    pub aws: AwsFlags,
    pub global: GlobalArgs,
}

#[derive(Debug, Clone)]
pub enum Subcommand {
    Status {
        name: String,
        /// As given, e.g. `5s`.
        timeout: String,
    },
    Doctor {
        hosts: Vec<String>,
        class: Option<String>,
        vpc_id: Option<String>,
        internal: bool,
        api: Option<RouteApi>,
    },
    Unpublish {
        name: String,
        dry_run: bool,
    },
}

/// `--dry-run[=none|client|server]` as given (`none` is given, and means no dry run).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DryRunMode {
    None,
    Client,
    Server,
}

/// The flags that go with `KIND/NAME`.
#[derive(Debug, Clone, Default)]
pub struct PublishFlags {
    pub hosts: Vec<String>,
    pub name: Option<String>,
    pub port: Option<String>,
    pub class: Option<String>,
    pub internal: bool,
    pub group: Option<String>,
    pub waf_acl: Option<String>,
    pub tags: Vec<String>,
    pub cert_arn: Vec<String>,
    pub create_cert: bool,
    pub namespace_readiness_gate: bool,
    pub dry_run: Option<DryRunMode>,
    pub diff: bool,
    pub force_conflicts: bool,
    pub api: Option<RouteApi>,
    pub gateway: Option<String>,
}

impl PublishFlags {
    fn given(&self) -> bool {
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
}

pub fn run(inv: Invocation) -> Result<u8> {
    let Invocation {
        subcommand,
        target,
        publish,
        aws,
        global,
    } = inv;
    if subcommand.is_some() && (target.is_some() || publish.given()) {
        return Err(Error::Usage(
            "publish flags go with KIND/NAME; put the subcommand first: kubectl publish SUBCOMMAND NAME [flags]".into(),
        ));
    }
    match subcommand {
        Some(Subcommand::Status { name, timeout }) => super::status(StatusRequest {
            name,
            timeout: parse_timeout(&timeout)?,
            aws,
            global,
        }),
        Some(Subcommand::Doctor {
            hosts,
            class,
            vpc_id,
            internal,
            api,
        }) => super::doctor(DoctorRequest {
            hosts,
            class,
            vpc_id,
            internal,
            gateway: api == Some(RouteApi::Gateway),
            aws,
            global,
        }),
        Some(Subcommand::Unpublish { name, dry_run }) => super::unpublish(UnpublishRequest {
            name,
            dry_run,
            global,
        }),
        None => {
            let target = target.ok_or_else(|| {
                Error::Usage(
                    "name what to publish: deploy/NAME, statefulset/NAME or svc/NAME".into(),
                )
            })?;
            let p = publish;
            super::publish(PublishRequest {
                target,
                hosts: p.hosts,
                name: p.name,
                port: p.port,
                class: p.class,
                internal: p.internal,
                group: p.group,
                waf_acl: p.waf_acl,
                tags: p.tags,
                cert_arn: p.cert_arn,
                create_cert: p.create_cert,
                readiness_gate: p.namespace_readiness_gate,
                dry_run: match p.dry_run {
                    None | Some(DryRunMode::None) => None,
                    Some(DryRunMode::Client) => Some(DryRun::Client),
                    Some(DryRunMode::Server) => Some(DryRun::Server),
                },
                diff: p.diff,
                force_conflicts: p.force_conflicts,
                api: p.api.unwrap_or_default(),
                gateway: p.gateway,
                aws,
                global,
            })
        }
    }
}

fn parse_timeout(text: &str) -> Result<Duration> {
    let d = parse_duration(text)?;
    if d.is_zero() {
        return Err(Error::Usage("--timeout must be more than 0".into()));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage_message(result: Result<u8>) -> String {
        match result {
            Err(Error::Usage(m)) => m,
            other => panic!("expected a usage error, got {other:?}"),
        }
    }

    fn status(timeout: &str) -> Option<Subcommand> {
        Some(Subcommand::Status {
            name: "web".into(),
            timeout: timeout.into(),
        })
    }

    #[test]
    fn a_subcommand_refuses_a_target_or_publish_flags() {
        let with_target = Invocation {
            subcommand: status("5s"),
            target: Some("deploy/web".into()),
            ..Default::default()
        };
        assert!(usage_message(run(with_target)).contains("put the subcommand first"));
        // `--dry-run=none` changes nothing, but it was given, so it is refused too.
        let with_flag = Invocation {
            subcommand: Some(Subcommand::Unpublish {
                name: "web".into(),
                dry_run: false,
            }),
            publish: PublishFlags {
                dry_run: Some(DryRunMode::None),
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(usage_message(run(with_flag)).contains("put the subcommand first"));
    }

    #[test]
    fn checks_run_before_any_connection() {
        let zero = Invocation {
            subcommand: status("0s"),
            ..Default::default()
        };
        assert_eq!(usage_message(run(zero)), "--timeout must be more than 0");
        let no_target = Invocation::default();
        assert!(usage_message(run(no_target)).starts_with("name what to publish"));
    }

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
