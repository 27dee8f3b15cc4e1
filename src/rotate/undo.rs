//! `kubectl rotate-secret undo BASE [--to-revision N]`: repoint every
//! reference to the previous version, a given revision, or the original.

use super::args::{Mode, UndoArgs};
use super::check_mutating_output;
use super::cluster::{self, Session, Version, VersionSpec};
use super::plan;
use super::repoint::{self, Destination};
use super::with_session;
use crate::error::{Error, Result, exit};
use crate::output;

pub(crate) fn undo(args: &UndoArgs, mode: &Mode<'_>) -> Result<u8> {
    check_mutating_output(mode.global.output)?;
    with_session(mode.global, &args.target, |s| async move {
        let (versions, holders) = s.switch_inputs().await?;
        let current = cluster::current_name(&holders, &versions);
        let to = destination(&s, args.to_revision, current.as_deref(), &versions).await?;
        if current.as_deref() == Some(to.name.as_str()) && plan::plan(&holders, &to.name).is_empty()
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
        repoint::run(&s, &holders, dest, mode).await
    })
}

/// The version to go back to: `--to-revision N` (0 is the original), else
/// the previous one, else the original when it is not in use.
async fn destination(
    s: &Session,
    to_revision: Option<u32>,
    current: Option<&str>,
    versions: &[Version],
) -> Result<Version> {
    let original = || async { s.get(&s.target.base).await };
    Ok(match to_revision {
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
        None => match previous_of(s, current, versions) {
            Some(v) => v,
            None if current != Some(s.target.base.as_str()) => {
                original().await?.ok_or_else(|| no_earlier(s))?
            }
            None => return Err(no_earlier(s)),
        },
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
