//! `kubectl ctx`: list, switch, rename, delete and export contexts.
//!
//! Nothing here builds a client or a runtime: every operation is a kubeconfig
//! read and at most one locked, byte-preserving write.

use std::cell::{Cell, RefCell};
use std::path::PathBuf;

use serde::Serialize;

use crate::cli::GlobalArgs;
use crate::error::{Error, Result, exit};
use crate::kubeconfig::{ContextInfo, Kubeconfig, SHELL_EXTENSION, Source};
use crate::output::{self, Format, Palette};
use crate::state;

#[derive(Debug, Default)]
pub struct CtxRequest {
    pub args: Vec<String>,
    pub current: bool,
    pub prompt: bool,
    pub unset: bool,
    pub delete: bool,
    pub cascade: bool,
    pub force: bool,
    pub export: bool,
    pub no_picker: bool,
    pub global: GlobalArgs,
}

#[derive(Serialize)]
struct ContextRow<'a> {
    name: &'a str,
    current: bool,
    cluster: Option<&'a str>,
    user: Option<&'a str>,
    namespace: Option<&'a str>,
    file: String,
}

pub fn run(req: CtxRequest) -> Result<u8> {
    if req.prompt {
        return super::prompt::run(req.global.kubeconfig.as_deref());
    }
    let flag = req.global.kubeconfig.clone();
    if req.current {
        let kc = Kubeconfig::load_current(flag.as_deref())?;
        let name = kc.require_current()?;
        output::print_lines([name])?;
        return Ok(exit::OK);
    }
    let err_palette = Palette::for_stderr(req.global.color);
    if lists_only(&req) {
        // One file needs only its contexts; a merged view also warns about
        // clusters and users defined twice, so it is read in full.
        let merged =
            matches!(crate::kubeconfig::locate(flag.as_deref()).1, Source::Env(n) if n > 1);
        if !merged {
            let view = Kubeconfig::load_contexts(flag.as_deref())?;
            for w in &view.warnings {
                output::warn(err_palette, w);
            }
            let listed = list(&view, &req);
            // The process ends next: freeing thousands of YAML nodes one by one
            // would cost a fifth of the listing.
            std::mem::forget(view);
            return listed;
        }
    }
    let kc = Kubeconfig::load(flag.as_deref())?;
    for w in &kc.warnings {
        output::warn(err_palette, w);
    }

    if req.current {
        let name = kc.require_current()?;
        output::print_lines([name])?;
        return Ok(exit::OK);
    }
    if req.unset {
        return unset(kc);
    }
    if req.delete {
        return delete(kc, &req);
    }
    if req.export {
        let name = match req.args.as_slice() {
            [name] => resolve_name(&kc, name)?,
            [] => kc.require_current()?.to_string(),
            _ => return Err(Error::Usage("--export takes one context name".into())),
        };
        return export(&kc, &name, req.global.namespace.as_deref(), None);
    }

    match req.args.as_slice() {
        [] => {
            if req.global.namespace.is_some() {
                return Err(Error::Usage(
                    "-n needs a context: kubectl ctx NAME -n NAMESPACE (or use kubectl ns)".into(),
                ));
            }
            if wants_picker(&req) {
                return pick(kc, &req);
            }
            list(&kc, &req)
        }
        [arg] => {
            if let Some((new, old)) = arg.split_once('=') {
                return rename(kc, &req, new, old);
            }
            let target = if arg == "-" {
                state::read(&state::previous_context_file())
                    .ok_or_else(|| Error::Failed("no previous context is recorded yet".into()))?
            } else {
                arg.clone()
            };
            switch(kc, &req, &target)
        }
        _ => Err(Error::Usage(
            "too many arguments; to delete several contexts use -d NAME…".into(),
        )),
    }
}

fn wants_picker(req: &CtxRequest) -> bool {
    req.global.output.is_none()
        && !req.no_picker
        && output::stdout_is_terminal()
        && stdin_is_terminal()
}

/// A plain listing, which reads nothing but the contexts.
fn lists_only(req: &CtxRequest) -> bool {
    req.args.is_empty()
        && !(req.unset || req.delete || req.export)
        && req.global.namespace.is_none()
        && !wants_picker(req)
}

fn stdin_is_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal()
}

/// `.` stands for the current context.
fn resolve_name(kc: &Kubeconfig, name: &str) -> Result<String> {
    if name == "." {
        Ok(kc.require_current()?.to_string())
    } else {
        Ok(name.to_string())
    }
}

fn list(kc: &Kubeconfig, req: &CtxRequest) -> Result<u8> {
    if let Some(e) = kc.missing() {
        output::warn(Palette::for_stderr(req.global.color), e.to_string());
    }
    let contexts = sorted(kc.contexts());
    let current = kc.current_context().map(|(n, _)| n);
    match req.global.output {
        Some(Format::Json) | Some(Format::Yaml) => {
            let rows: Vec<ContextRow> = contexts.iter().map(|c| row(kc, c, current)).collect();
            if req.global.output == Some(Format::Json) {
                output::print_json(&rows)
            } else {
                output::print_yaml(&rows)
            }?;
        }
        Some(Format::Table) => {
            let palette = Palette::for_stdout(req.global.color);
            let mut table = output::table(&["CURRENT", "NAME", "CLUSTER", "AUTHINFO", "NAMESPACE"]);
            for c in &contexts {
                let is_current = Some(c.name.as_str()) == current;
                let name = if is_current {
                    palette.current(&c.name)
                } else {
                    c.name.clone()
                };
                table.add_row(vec![
                    if is_current {
                        "*".to_string()
                    } else {
                        String::new()
                    },
                    name,
                    c.cluster.clone().unwrap_or_default(),
                    c.user.clone().unwrap_or_default(),
                    c.namespace.clone().unwrap_or_default(),
                ]);
            }
            output::print_table(&table)?;
        }
        Some(Format::Name) => output::print_lines(contexts.iter().map(|c| c.name.as_str()))?,
        None => {
            if output::stdout_is_terminal() {
                let palette = Palette::for_stdout(req.global.color);
                output::print_lines(contexts.iter().map(|c| {
                    if Some(c.name.as_str()) == current {
                        if palette.enabled {
                            palette.current(&c.name)
                        } else {
                            format!("{} (current)", c.name)
                        }
                    } else {
                        c.name.clone()
                    }
                }))?;
            } else {
                output::print_lines(contexts.iter().map(|c| c.name.as_str()))?;
            }
        }
    }
    Ok(exit::OK)
}

/// Natural order, as kubectx lists: `ctx-2` before `ctx-10`.
fn sorted(mut contexts: Vec<ContextInfo>) -> Vec<ContextInfo> {
    contexts.sort_by(|a, b| natural_cmp(&a.name, &b.name));
    contexts
}

pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return std::cmp::Ordering::Equal,
            (None, _) => return std::cmp::Ordering::Less,
            (_, None) => return std::cmp::Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let da = a.iter().take_while(|c| c.is_ascii_digit()).count();
                let db = b.iter().take_while(|c| c.is_ascii_digit()).count();
                let (na, nb) = (&a[..da], &b[..db]);
                let na_trim = trim_zeros(na);
                let nb_trim = trim_zeros(nb);
                let ord = na_trim
                    .len()
                    .cmp(&nb_trim.len())
                    .then(na_trim.cmp(nb_trim))
                    .then(da.cmp(&db));
                if ord.is_ne() {
                    return ord;
                }
                a = &a[da..];
                b = &b[db..];
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                a = &a[1..];
                b = &b[1..];
            }
        }
    }
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let zeros = digits.iter().take_while(|c| **c == b'0').count();
    &digits[zeros.min(digits.len().saturating_sub(1))..]
}

fn row<'a>(kc: &Kubeconfig, c: &'a ContextInfo, current: Option<&str>) -> ContextRow<'a> {
    ContextRow {
        name: &c.name,
        current: Some(c.name.as_str()) == current,
        cluster: c.cluster.as_deref(),
        user: c.user.as_deref(),
        namespace: c.namespace.as_deref(),
        file: kc.files[c.file].path.display().to_string(),
    }
}

fn pick(kc: Kubeconfig, req: &CtxRequest) -> Result<u8> {
    let contexts = sorted(kc.contexts());
    if contexts.is_empty() {
        return Err(Error::Failed("the kubeconfig has no contexts".into()));
    }
    let names: Vec<&str> = contexts.iter().map(|c| c.name.as_str()).collect();
    let current = kc.current_context().map(|(n, _)| n.to_string());
    let default = current
        .as_deref()
        .and_then(|c| names.iter().position(|n| *n == c))
        .unwrap_or(0);
    let chosen = crate::switch::picker("context", &names, default)?;
    match chosen {
        Some(i) => {
            let name = names[i].to_string();
            switch(kc, req, &name)
        }
        None => Ok(exit::CANCELLED),
    }
}

fn switch(kc: Kubeconfig, req: &CtxRequest, name: &str) -> Result<u8> {
    let namespace = req.global.namespace.clone();
    let previous = kc.current_context().map(|(n, _)| n.to_string());

    // In a per-shell copy, switching refills the copy from the original files.
    if let Some(sources) = kc.shell_sources() {
        let shell_file = kc.files[0].path.clone();
        let originals = Kubeconfig::load_paths(sources.clone(), Source::Env(sources.len()))?;
        originals.require_context(name)?;
        export(&originals, name, namespace.as_deref(), Some(shell_file))?;
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
    remember_previous(previous.into_inner().as_deref(), name);
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

fn unset(kc: Kubeconfig) -> Result<u8> {
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

fn rename(kc: Kubeconfig, req: &CtxRequest, new: &str, old: &str) -> Result<u8> {
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

fn delete(kc: Kubeconfig, req: &CtxRequest) -> Result<u8> {
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

/// Writes a private one-context kubeconfig and prints the `export` line for it.
/// `into` refills an existing per-shell file instead of making a new one.
fn export(
    originals: &Kubeconfig,
    name: &str,
    namespace: Option<&str>,
    into: Option<PathBuf>,
) -> Result<u8> {
    let mut doc = originals.minify(name)?;
    if let Some(ns) = namespace {
        doc["contexts"][0]["context"]["namespace"] = serde_json::Value::String(ns.to_string());
    }
    let sources: Vec<String> = originals
        .files
        .iter()
        .map(|f| absolute(&f.path).display().to_string())
        .collect();
    doc["extensions"] = serde_json::json!([{
        "name": SHELL_EXTENSION,
        "extension": {"sources": sources},
    }]);
    let text = output::to_yaml(&doc)?;
    let refill = into.is_some();
    let path = match into {
        Some(p) => p,
        None => {
            let dir = state::runtime_dir()?;
            sweep_old_shell_files(&dir);
            dir.join(format!(
                "shell-{}-{}.kubeconfig",
                parent_pid(),
                std::process::id()
            ))
        }
    };
    let create = !path.exists();
    if create {
        // Credentials inside: the file is the user's alone from its first byte.
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
    }
    let _lock = crate::kubeconfig::write::lock(&path)?;
    crate::kubeconfig::write::atomic_write(&path, text.as_bytes())?;
    if !refill {
        output::print_lines([format!(
            "export KUBECONFIG={}",
            shell_quote(&path.display().to_string())
        )])?;
    }
    Ok(exit::OK)
}

fn absolute(p: &std::path::Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    }
}

fn parent_pid() -> u32 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the `(comm)`; the parent PID is the second of them.
            let rest = &s[s.rfind(')')? + 2..];
            rest.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

/// Per-shell files whose shell is gone and that nobody touched for a day.
fn sweep_old_shell_files(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let day = std::time::Duration::from_secs(24 * 3600);
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix("shell-")
            .and_then(|r| r.split('-').next())
        else {
            continue;
        };
        let shell_alive = std::path::Path::new(&format!("/proc/{pid}")).exists();
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > day);
        if !shell_alive && old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn shell_quote(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+:@".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::natural_cmp;

    #[test]
    fn natural_order() {
        let mut v = vec!["ctx-10", "ctx-2", "b", "a", "ctx-02", "ctx-1"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, vec!["a", "b", "ctx-1", "ctx-2", "ctx-02", "ctx-10"]);
    }
}
