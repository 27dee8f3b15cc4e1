//! `kubectl rotate-secret`'s command line, as the plugin hands it over: which
//! subcommand, the rotation flags as given, and the checks between them.

use crate::cli::{GlobalArgs, parse_duration};
use crate::error::{Error, Result};

use super::content::SourceFlags;
use super::prune::PruneRequest;
use super::switch::Options;
use super::view::{DiffRequest, HistoryRequest, RefsRequest};
use super::{DryRun, RotateRequest, UndoRequest};

/// How long rotate and undo wait for the rollouts unless told otherwise.
pub const DEFAULT_TIMEOUT: &str = "5m";

/// One invocation of `kubectl rotate-secret`.
#[derive(Debug, Clone, Default)]
pub struct Invocation {
    pub subcommand: Option<Subcommand>,
    /// The object to rotate, when no subcommand is given.
    pub target: Option<String>,
    pub source: SourceFlags,
    /// `--create`: a rotation may start a new family.
    pub create: bool,
    pub mutate: MutateFlags,
    pub global: GlobalArgs,
}

#[derive(Debug, Clone)]
pub enum Subcommand {
    Refs {
        target: String,
        all: bool,
    },
    History {
        target: String,
    },
    Diff {
        target: String,
        source: SourceFlags,
        show_values: bool,
    },
    Undo {
        target: String,
        to_revision: Option<u32>,
        mutate: MutateFlags,
    },
    Prune {
        target: String,
        keep: usize,
        dry_run: Option<DryRunMode>,
    },
}

/// `--dry-run[=none|client|server]` as given (`none` is given, and means no dry run).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DryRunMode {
    None,
    Client,
    Server,
}

impl DryRunMode {
    fn dry_run(mode: Option<DryRunMode>) -> Option<DryRun> {
        match mode? {
            DryRunMode::None => None,
            DryRunMode::Client => Some(DryRun::Client),
            DryRunMode::Server => Some(DryRun::Server),
        }
    }
}

/// The flags of the commands that change the cluster, as given.
#[derive(Debug, Clone)]
pub struct MutateFlags {
    pub dry_run: Option<DryRunMode>,
    pub no_wait: bool,
    /// As given, e.g. `90s`; [`DEFAULT_TIMEOUT`] when not.
    pub timeout: String,
    pub force: bool,
    /// Switch the others when the GitOps guard leaves some objects alone.
    pub allow_partial: bool,
}

impl Default for MutateFlags {
    fn default() -> Self {
        MutateFlags {
            dry_run: None,
            no_wait: false,
            timeout: DEFAULT_TIMEOUT.to_string(),
            force: false,
            allow_partial: false,
        }
    }
}

impl MutateFlags {
    fn given(&self) -> bool {
        self.dry_run.is_some()
            || self.no_wait
            || self.force
            || self.allow_partial
            || self.timeout != DEFAULT_TIMEOUT
    }

    fn options(self, global: &GlobalArgs) -> Result<Options> {
        let timeout = parse_duration(&self.timeout)?;
        Ok(Options {
            dry_run: DryRunMode::dry_run(self.dry_run),
            wait: !self.no_wait,
            timeout,
            force: self.force,
            allow_partial: self.allow_partial,
            output: global.output,
            color: global.color,
        })
    }
}

fn source_given(s: &SourceFlags) -> bool {
    !(s.from_literal.is_empty()
        && s.from_file.is_empty()
        && s.from_env_file.is_empty()
        && !s.from_current
        && s.set.is_empty()
        && s.unset.is_empty()
        && s.secret_type.is_none())
}

pub fn run(inv: Invocation) -> Result<u8> {
    let Invocation {
        subcommand,
        target,
        source,
        create,
        mutate,
        global,
    } = inv;
    // Global flags may come before a subcommand; rotation flags may not.
    if subcommand.is_some()
        && (target.is_some() || source_given(&source) || create || mutate.given())
    {
        return Err(Error::Usage(
            "put the subcommand first: kubectl rotate-secret SUBCOMMAND BASE [flags]".into(),
        ));
    }
    match subcommand {
        Some(Subcommand::Refs { target, all }) => super::view::refs(RefsRequest {
            target,
            all,
            global,
        }),
        Some(Subcommand::History { target }) => {
            super::view::history(HistoryRequest { target, global })
        }
        Some(Subcommand::Diff {
            target,
            source,
            show_values,
        }) => super::view::diff(DiffRequest {
            target,
            source,
            show_values,
            global,
        }),
        Some(Subcommand::Undo {
            target,
            to_revision,
            mutate,
        }) => super::undo(UndoRequest {
            target,
            to_revision,
            options: mutate.options(&global)?,
            global,
        }),
        Some(Subcommand::Prune {
            target,
            keep,
            dry_run,
        }) => super::prune::prune(PruneRequest {
            target,
            keep,
            dry_run: DryRunMode::dry_run(dry_run),
            global,
        }),
        None => {
            let target = target
                .ok_or_else(|| Error::Usage("name the Secret or ConfigMap to rotate".into()))?;
            super::rotate(RotateRequest {
                target,
                source,
                create,
                options: mutate.options(&global)?,
                global,
            })
        }
    }
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

    fn refs() -> Option<Subcommand> {
        Some(Subcommand::Refs {
            target: "app".into(),
            all: false,
        })
    }

    #[test]
    fn only_a_changed_timeout_counts_as_given() {
        assert!(!MutateFlags::default().given());
        let same = MutateFlags {
            timeout: "5m".into(),
            ..Default::default()
        };
        assert!(!same.given());
        let other = MutateFlags {
            timeout: "6m".into(),
            ..Default::default()
        };
        assert!(other.given());
    }

    #[test]
    fn a_subcommand_refuses_rotation_flags() {
        for inv in [
            Invocation {
                subcommand: refs(),
                target: Some("app".into()),
                ..Default::default()
            },
            Invocation {
                subcommand: refs(),
                source: SourceFlags {
                    from_current: true,
                    ..Default::default()
                },
                ..Default::default()
            },
            Invocation {
                subcommand: refs(),
                create: true,
                ..Default::default()
            },
            Invocation {
                subcommand: refs(),
                mutate: MutateFlags {
                    dry_run: Some(DryRunMode::None),
                    ..Default::default()
                },
                ..Default::default()
            },
        ] {
            assert!(usage_message(run(inv)).starts_with("put the subcommand first"));
        }
    }

    #[test]
    fn checks_run_before_any_connection() {
        assert_eq!(
            usage_message(run(Invocation::default())),
            "name the Secret or ConfigMap to rotate"
        );
        let bad_timeout = MutateFlags {
            timeout: "soon".into(),
            ..Default::default()
        };
        let undo = Invocation {
            subcommand: Some(Subcommand::Undo {
                target: "app".into(),
                to_revision: None,
                mutate: bad_timeout.clone(),
            }),
            ..Default::default()
        };
        assert!(usage_message(run(undo)).contains("soon"));
        let rotate = Invocation {
            target: Some("app".into()),
            mutate: bad_timeout,
            ..Default::default()
        };
        assert!(usage_message(run(rotate)).contains("soon"));
    }

    #[test]
    fn dry_run_none_means_no_dry_run() {
        assert_eq!(DryRunMode::dry_run(None), None);
        assert_eq!(DryRunMode::dry_run(Some(DryRunMode::None)), None);
        assert_eq!(
            DryRunMode::dry_run(Some(DryRunMode::Server)),
            Some(DryRun::Server)
        );
    }
}
