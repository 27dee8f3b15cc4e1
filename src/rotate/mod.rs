//! `kubectl rotate-secret`: versioned, content-hashed Secrets and ConfigMaps.
//!
//! A rotation never edits an object in place. It creates an immutable
//! `BASE-<hash>` object (the hash is kustomize's name suffix, so kustomize
//! and honban agree on names), switches every reference in the namespace to
//! it with JSON patches that test the old value, waits for the rollouts and
//! switches everything back if one fails. Old versions are pruned only when
//! nothing can still need them: templates, ReplicaSets and
//! ControllerRevisions kept for `kubectl rollout undo`, live pods, CronJobs
//! and active Jobs, ServiceAccounts.
//!
//! Versions carry the labels `app.kubernetes.io/managed-by=kubectl-rotate-secret`,
//! `rotate.honban.io/base` and `rotate.honban.io/revision` (a creation
//! counter that never changes), and the annotation `rotate.honban.io/previous`
//! naming the version that was in use before this one became current, which
//! is what `undo` goes back to.
//!
//! Modules: [`commands`] (the plugin's command line), [`hash`] (kustomize's
//! hash), [`content`] (sources and data), [`refs`] (reference graph),
//! [`cluster`] (API calls), [`reach`] (optional kinds, what was not
//! checked), [`guard`] (what a switch refuses before writing), [`switch`]
//! (switch, wait, switch back), [`wait`] (rollout status), [`display`]
//! (-o output), [`prune`], [`view`] (refs, history, diff).

pub mod cluster;
pub mod commands;
pub mod content;
mod display;
mod guard;
pub mod hash;
pub mod prune;
pub mod reach;
pub mod refs;
pub mod switch;
pub mod view;
pub mod wait;

use std::future::Future;

use crate::cli::GlobalArgs;
use crate::client;
use crate::error::{Error, Result, exit};
use crate::kubeconfig::Kubeconfig;
use crate::output::{self, Format, Palette};

use cluster::{Session, Version, VersionSpec};
use content::{Content, Source, SourceFlags, Target, TargetKind};
use refs::HolderKind;
use switch::{Destination, Options};

pub use switch::DryRun;

/// `kubectl rotate-secret BASE <source>`.
#[derive(Debug, Clone)]
pub struct RotateRequest {
    pub target: String,
    pub source: SourceFlags,
    /// Start a new family when BASE has neither an object nor versions.
    pub create: bool,
    pub options: Options,
    pub global: GlobalArgs,
}

/// `kubectl rotate-secret undo BASE [--to-revision N]`.
#[derive(Debug, Clone)]
pub struct UndoRequest {
    pub target: String,
    pub to_revision: Option<u32>,
    pub options: Options,
    pub global: GlobalArgs,
}

/// Parses the target, connects, and runs `body` on a single-threaded runtime.
fn with_session<F, Fut>(global: &GlobalArgs, target: &str, body: F) -> Result<u8>
where
    F: FnOnce(Session) -> Fut,
    Fut: Future<Output = Result<u8>>,
{
    let target = Target::parse(target)?;
    let kc = Kubeconfig::load(global.kubeconfig.as_deref())?;
    for w in &kc.warnings {
        output::warn(Palette::for_stderr(global.color), w);
    }
    let rt = client::runtime()?;
    rt.block_on(async {
        let conn = client::connect(&kc, global).await?;
        body(Session {
            client: conn.client,
            context: conn.context,
            namespace: conn.namespace,
            target,
        })
        .await
    })
}

fn check_mutating_output(format: Option<Format>) -> Result<()> {
    match format {
        None | Some(Format::Json | Format::Yaml | Format::Name) => Ok(()),
        Some(Format::Table) => Err(Error::Usage(
            "-o table is for listings; use -o json, yaml or name here".into(),
        )),
    }
}

pub fn rotate(req: RotateRequest) -> Result<u8> {
    let target = Target::parse(&req.target)?;
    let source = req.source.source()?;
    if target.kind == TargetKind::ConfigMap && req.source.secret_type.is_some() {
        return Err(Error::Usage("--type applies to Secrets only".into()));
    }
    check_mutating_output(req.options.output)?;
    let (global, target) = (req.global.clone(), req.target.clone());
    with_session(&global, &target, |s| async move {
        let (versions, holders) = tokio::try_join!(
            s.versions(),
            s.holders(HolderKind::for_switch(s.target.kind))
        )?;
        let holders = holders.require_all(
            &s.context,
            &format!("switch {}", s.target.display()),
            "list and patch",
        )?;
        let current = resolve_current(&s, &holders, &versions).await?;
        if !req.create && current.is_none() && versions.is_empty() {
            refuse_unknown_base(&s).await?;
        }
        let content = new_content(&s, &source, &req.source, current.as_ref())?;
        let name = s.target.version_name(&content.suffix());
        let existing = versions
            .iter()
            .find(|v| v.name == name)
            .or(current.as_ref().filter(|c| c.name == name));
        let plans = switch::plan(&holders, &name);
        if let Some(v) = existing
            && plans.is_empty()
        {
            output::note(format!(
                "{}/{name} already holds this content{} and every switchable reference uses it; nothing changed.",
                s.target.kind.resource(),
                if v.revision > 0 {
                    format!(" (revision {})", v.revision)
                } else {
                    String::new()
                }
            ));
            return Ok(exit::OK);
        }
        let revision = match existing {
            Some(v) if v.revision > 0 => v.revision,
            _ => versions.iter().map(|v| v.revision).max().unwrap_or(0) + 1,
        };
        let previous = current
            .as_ref()
            .map(|c| c.name.as_str())
            .filter(|c| *c != name);
        let dest = Destination {
            name: name.clone(),
            apply: Some(VersionSpec {
                name: &name,
                revision,
                content: &content,
                previous,
                failed: None,
            }),
            exists: existing.is_some(),
            content: &content,
        };
        switch::run(&s, &holders, dest, &req.options).await
    })
}

/// A BASE with neither an object nor versions is most likely a typo, so a
/// rotation does not start a new family unless told to with `--create`.
async fn refuse_unknown_base(s: &Session) -> Result<()> {
    // `current` may have come from a referenced name other than BASE.
    if s.get(&s.target.base).await?.is_some() {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "no {} in {}; --create to start a new versioned object",
        s.target.display(),
        s.namespace
    )))
}

/// The object now in use: what most references point to, else the newest
/// version, else the unversioned original.
async fn resolve_current(
    s: &Session,
    holders: &[refs::Holder],
    versions: &[Version],
) -> Result<Option<Version>> {
    match cluster::current_name(holders, versions) {
        Some(name) => match versions.iter().find(|v| v.name == name) {
            Some(v) => Ok(Some(v.clone())),
            None => s.get(&name).await,
        },
        None => s.get(&s.target.base).await,
    }
}

fn new_content(
    s: &Session,
    source: &Source,
    flags: &SourceFlags,
    current: Option<&Version>,
) -> Result<Content> {
    let missing = || {
        Error::Failed(format!(
            "{} does not exist and has no versions; give the content with --from-literal, --from-file or --from-env-file",
            s.target.display()
        ))
    };
    let mut content = match source {
        Source::New {
            literals,
            files,
            env_files,
        } => {
            let inherited = current.and_then(|c| c.content.secret_type.clone());
            content::build_new(
                s.target.kind,
                flags.secret_type.clone().or(inherited),
                literals,
                files,
                env_files,
            )?
        }
        Source::Current => current.ok_or_else(missing)?.content.clone(),
        Source::Edit { set, unset } => {
            content::edit(&current.ok_or_else(missing)?.content, set, unset)?
        }
    };
    if let Some(t) = &flags.secret_type {
        content.secret_type = Some(t.clone());
    }
    if content.secret_type.as_deref() == Some("kubernetes.io/service-account-token") {
        return Err(Error::Usage(
            "service-account-token Secrets are issued by Kubernetes; rotate-secret does not version them".into(),
        ));
    }
    Ok(content)
}

pub fn undo(req: UndoRequest) -> Result<u8> {
    check_mutating_output(req.options.output)?;
    let (global, target) = (req.global.clone(), req.target.clone());
    with_session(&global, &target, |s| async move {
        let (versions, holders) = tokio::try_join!(
            s.versions(),
            s.holders(HolderKind::for_switch(s.target.kind))
        )?;
        let holders = holders.require_all(
            &s.context,
            &format!("switch {}", s.target.display()),
            "list and patch",
        )?;
        let current = cluster::current_name(&holders, &versions);
        let original = || async { s.get(&s.target.base).await };
        let to: Version = match req.to_revision {
            Some(0) => original().await?.ok_or_else(|| {
                Error::Failed(format!(
                    "{} (revision 0, the unversioned original) does not exist",
                    s.target.display()
                ))
            })?,
            Some(n) => versions
                .iter()
                .find(|v| v.revision == n)
                .cloned()
                .ok_or_else(|| {
                    Error::Failed(format!(
                        "{} has no revision {n}; see `kubectl rotate-secret history {}`",
                        s.target.display(),
                        s.target.base
                    ))
                })?,
            None => match previous_of(&s, current.as_deref(), &versions) {
                Some(v) => v,
                None if current.as_deref() != Some(s.target.base.as_str()) => {
                    original().await?.ok_or_else(|| no_earlier(&s))?
                }
                None => return Err(no_earlier(&s)),
            },
        };
        if current.as_deref() == Some(to.name.as_str())
            && switch::plan(&holders, &to.name).is_empty()
        {
            output::note(format!(
                "Every reference already uses {}; nothing changed.",
                to.name
            ));
            return Ok(exit::OK);
        }
        let dest = Destination {
            name: to.name.clone(),
            apply: (!to.is_original(&s.target)).then(|| VersionSpec {
                name: &to.name,
                revision: to.revision,
                content: &to.content,
                previous: current.as_deref().filter(|c| *c != to.name),
                failed: None,
            }),
            exists: true,
            content: &to.content,
        };
        switch::run(&s, &holders, dest, &req.options).await
    })
}

fn no_earlier(s: &Session) -> Error {
    Error::Failed(format!(
        "{} has no earlier version to go back to; see `kubectl rotate-secret history {}`",
        s.target.display(),
        s.target.base
    ))
}

/// The version `undo` returns to: the one recorded as previous, else the
/// newest older one that did not fail.
fn previous_of(s: &Session, current: Option<&str>, versions: &[Version]) -> Option<Version> {
    let cur = versions.iter().find(|v| Some(v.name.as_str()) == current);
    let usable = |v: &&Version| Some(v.name.as_str()) != current && v.failed().is_none();
    if let Some(p) = cur.and_then(|c| c.previous())
        && let Some(v) = versions.iter().filter(usable).find(|v| v.name == p)
    {
        return Some(v.clone());
    }
    if cur.and_then(|c| c.previous()) == Some(s.target.base.as_str()) {
        return None;
    }
    let below = cur.map(|c| c.revision).unwrap_or(u32::MAX);
    versions
        .iter()
        .filter(usable)
        .filter(|v| v.revision < below)
        .max_by_key(|v| v.revision)
        .cloned()
}
