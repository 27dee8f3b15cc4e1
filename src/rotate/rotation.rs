//! `kubectl rotate-secret BASE <source>`: build the new content, name it by
//! its hash, and repoint every reference to it.

use super::args::{Mode, SourceArgs};
use super::cluster::{self, Session, Version, VersionSpec};
use super::content::Content;
use super::plan;
use super::refs::Holder;
use super::repoint::{self, Destination};
use super::sops_source::{self, SopsContent};
use super::sources::{self, Source};
use super::target::{Target, TargetKind};
use super::{check_mutating_output, with_session};
use crate::error::{Error, Result, exit};
use crate::output;

/// Rotates `target` to the content `flags` give; `create` may start a new family.
pub(crate) fn rotate(
    target: &str,
    flags: &SourceArgs,
    create: bool,
    mode: &Mode<'_>,
) -> Result<u8> {
    let parsed = Target::parse(target)?;
    let source = flags.source()?;
    if parsed.kind == TargetKind::ConfigMap && flags.secret_type.is_some() {
        return Err(Error::Usage("--type applies to Secrets only".into()));
    }
    check_mutating_output(mode.global.output)?;
    // Decrypted before connecting: a bad file changes nothing.
    let sops = decrypt_sops(source, flags, &parsed)?;
    with_session(mode.global, target, |s| async move {
        let (versions, holders) = s.switch_inputs().await?;
        let current = resolve_current(&s, &holders, &versions).await?;
        if !create && current.is_none() && versions.is_empty() {
            refuse_unknown_base(&s).await?;
        }
        let content = new_content(&s, source, flags, sops, current.as_ref())?;
        let name = s.target.version_name(&content.suffix());
        let existing = versions
            .iter()
            .find(|v| v.name == name)
            .or(current.as_ref().filter(|c| c.name == name));
        if let Some(v) = existing
            && plan::plan(&holders, &name).is_empty()
        {
            note_unchanged(&s, &name, v);
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
        repoint::run(&s, &holders, dest, mode).await
    })
}

fn note_unchanged(s: &Session, name: &str, v: &Version) {
    output::note(format!(
        "{}/{name} already holds this content{} and every switchable reference uses it; nothing changed.",
        s.target.kind.resource(),
        if v.revision > 0 {
            format!(" (revision {})", v.revision)
        } else {
            String::new()
        }
    ));
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
pub(crate) async fn resolve_current(
    s: &Session,
    holders: &[Holder],
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

/// The `--from-sops` files decrypted, when they are the source.
pub(crate) fn decrypt_sops(
    source: Source<'_>,
    flags: &SourceArgs,
    target: &Target,
) -> Result<Option<SopsContent>> {
    match source {
        Source::Sops { files, .. } => sops_source::load(
            files,
            flags.select.as_deref(),
            target,
            flags.secret_type.as_deref(),
        )
        .map(Some),
        _ => Ok(None),
    }
}

/// The content a rotation would write: new, decrypted, the current as it
/// is, or the current edited; `--type` on top.
pub(crate) fn new_content(
    s: &Session,
    source: Source<'_>,
    flags: &SourceArgs,
    sops: Option<SopsContent>,
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
            sources::build_new(
                s.target.kind,
                flags.secret_type.clone().or(inherited),
                literals,
                files,
                env_files,
            )?
        }
        Source::Sops { set, unset, .. } => {
            let mut decrypted = sops.ok_or_else(|| Error::Failed("no decrypted content".into()))?;
            if !decrypted.typed
                && let Some(t) = current.and_then(|c| c.content.secret_type.clone())
            {
                decrypted.content.secret_type = Some(t);
            }
            sources::edit(&decrypted.content, set, unset)?
        }
        Source::Current => current.ok_or_else(missing)?.content.clone(),
        Source::Edit { set, unset } => {
            sources::edit(&current.ok_or_else(missing)?.content, set, unset)?
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
