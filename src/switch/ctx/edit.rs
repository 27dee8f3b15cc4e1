//! The edits: switch (also inside a per-shell copy), unset, rename, delete.
//! Each is one locked, byte-preserving write planned on the file as read
//! under the lock.

use std::cell::{Cell, RefCell};

use super::{CtxArgs, resolve_name};
use crate::error::{Error, Result, exit};
use crate::kubeconfig::{Kubeconfig, Source};
use crate::output::{self, Palette};
use crate::state;

pub(super) fn switch(kc: Kubeconfig, req: &CtxArgs, name: &str) -> Result<u8> {
    let namespace = req.global.namespace.clone();
    let previous = kc.current_context().map(|(n, _)| n.to_string());

    // In a per-shell copy, switching refills the copy from the original files.
    if let Some(sources) = kc.shell_sources() {
        let shell_file = kc.files[0].path.clone();
        let originals = Kubeconfig::load_paths(sources.clone(), Source::Env(sources.len()))?;
        originals.require_context(name)?;
        super::export::export(&originals, name, namespace.as_deref(), Some(shell_file))?;
        remember_previous(previous.as_deref(), name);
        eprintln!("Switched to context {name:?} in this shell.");
        return Ok(exit::OK);
    }

    // Planned, like `previous`, on the read taken under the lock (see `Kubeconfig::commit`).
    let previous = RefCell::new(previous);
    Kubeconfig::commit(kc, |kc| {
        *previous.borrow_mut() = kc.current_context().map(|(n, _)| n.to_string());
        let mut change = kc.plan_use_context(name)?;
        if let Some(ns) = &namespace {
            change.merge(kc.plan_namespace(name, Some(ns))?);
        }
        Ok(change)
    })?;
    switched(previous.into_inner().as_deref(), name, namespace.as_deref())
}

/// After a switch: remembers the context left for `kubectl ctx -` and says so.
pub(super) fn switched(previous: Option<&str>, name: &str, namespace: Option<&str>) -> Result<u8> {
    remember_previous(previous, name);
    match namespace {
        Some(ns) => eprintln!("Switched to context {name:?}, namespace {ns:?}."),
        None => eprintln!("Switched to context {name:?}."),
    }
    Ok(exit::OK)
}

fn remember_previous(previous: Option<&str>, now: &str) {
    if let Some(prev) = previous
        && prev != now
        && let Err(e) = state::write(&state::previous_context_file(), prev)
    {
        output::warn(
            Palette { enabled: false },
            format!("could not record the previous context: {e}"),
        );
    }
}

pub(super) fn unset(kc: Kubeconfig) -> Result<u8> {
    let was_set = Cell::new(false);
    Kubeconfig::commit(kc, |kc| {
        let change = kc.plan_unset_current();
        was_set.set(change.is_some());
        Ok(change.unwrap_or_default())
    })?;
    if !was_set.get() {
        eprintln!("No current context is set.");
        return Ok(exit::OK);
    }
    eprintln!("Unset the current context.");
    Ok(exit::OK)
}

pub(super) fn rename(kc: Kubeconfig, req: &CtxArgs, new: &str, old: &str) -> Result<u8> {
    if new.is_empty() || old.is_empty() {
        return Err(Error::Usage(
            "rename takes NEW=OLD (or NEW=. for the current context)".into(),
        ));
    }
    let resolved = RefCell::new(String::new());
    Kubeconfig::commit(kc, |kc| {
        let old = resolve_name(kc, old)?;
        let change = kc.plan_rename(&old, new, req.force)?;
        *resolved.borrow_mut() = old;
        Ok(change)
    })?;
    eprintln!("Context {:?} renamed to {new:?}.", resolved.into_inner());
    Ok(exit::OK)
}

pub(super) fn delete(kc: Kubeconfig, req: &CtxArgs) -> Result<u8> {
    if req.args.is_empty() {
        return Err(Error::Usage(
            "-d needs at least one context name (`.` for the current one)".into(),
        ));
    }
    let outcome = RefCell::new((Vec::new(), false));
    Kubeconfig::commit(kc, |kc| {
        let names: Vec<String> = req
            .args
            .iter()
            .map(|n| resolve_name(kc, n))
            .collect::<Result<_>>()?;
        let was_current = kc
            .current_context()
            .is_some_and(|(c, _)| names.iter().any(|n| n == c));
        let (change, removed) = kc.plan_delete(&names, req.cascade)?;
        *outcome.borrow_mut() = (removed, was_current);
        Ok(change)
    })?;
    let (removed, was_current) = outcome.into_inner();
    for r in &removed {
        eprintln!("Deleted {r}.");
    }
    if was_current {
        output::warn(
            Palette::for_stderr(req.global.color),
            "that was the current context; current-context is now unset, pick one with `kubectl ctx NAME`",
        );
    }
    Ok(exit::OK)
}
