//! Shell completion: kubectl's plugin completion protocol and clap_complete scripts.
//!
//! kubectl (1.26+) runs `kubectl_complete-<plugin>` for `kubectl <plugin> <TAB>`
//! with the words typed after the plugin name, the last one partial. The
//! shipped `kubectl_complete-*` scripts call the plugin as
//! `kubectl-<plugin> __complete WORDS…`, which lands here. Output is cobra's:
//! `value<TAB>description` lines, then `:<directive>`.

use std::path::PathBuf;

use clap::ValueEnum;

use crate::cli::GlobalArgs;
use crate::error::{Result, exit};
use crate::kubeconfig::Kubeconfig;
use crate::output;

/// cobra's ShellCompDirectiveNoFileComp.
pub const NO_FILE_COMP: u8 = 4;
/// cobra's ShellCompDirectiveDefault: let the shell complete files.
pub const DEFAULT: u8 = 0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// The words after `__complete`, when this run is a completion request.
pub fn words_if_completing() -> Option<Vec<String>> {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("__complete") {
        Some(args.collect())
    } else {
        None
    }
}

pub fn print_script(shell: Shell, cmd: &mut clap::Command, bin: &str) -> Result<u8> {
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(shell, cmd, bin, &mut std::io::stdout());
    Ok(exit::OK)
}

/// What the typed words say about the kubeconfig and context to use.
struct Typed {
    kubeconfig: Option<PathBuf>,
    context: Option<String>,
    previous: Option<String>,
    partial: String,
}

fn typed(words: &[String]) -> Typed {
    let partial = words.last().cloned().unwrap_or_default();
    let done = &words[..words.len().saturating_sub(1)];
    let mut t = Typed {
        kubeconfig: None,
        context: None,
        previous: done.last().cloned(),
        partial,
    };
    for (i, w) in done.iter().enumerate() {
        let next = done.get(i + 1).cloned();
        if let Some(v) = w.strip_prefix("--kubeconfig=") {
            t.kubeconfig = Some(v.into());
        } else if w == "--kubeconfig" {
            t.kubeconfig = next.map(Into::into);
        } else if let Some(v) = w.strip_prefix("--context=") {
            t.context = Some(v.into());
        } else if w == "--context" {
            t.context = next;
        }
    }
    t
}

fn emit(
    candidates: impl IntoIterator<Item = (String, String)>,
    partial: &str,
    directive: u8,
) -> Result<u8> {
    let mut lines: Vec<String> = candidates
        .into_iter()
        .filter(|(v, _)| v.starts_with(partial))
        .map(|(v, d)| if d.is_empty() { v } else { format!("{v}\t{d}") })
        .collect();
    lines.push(format!(":{directive}"));
    output::print_lines(lines)?;
    Ok(exit::OK)
}

const CTX_FLAGS: &[(&str, &str)] = &[
    ("--current", "print the current context"),
    ("--unset", "remove current-context"),
    ("--delete", "delete contexts"),
    ("--cascade", "with -d, delete unused clusters and users too"),
    ("--force", "rename onto an existing name"),
    ("--export", "print an export line for a per-shell copy"),
    ("--namespace", "set the context's namespace"),
    ("--kubeconfig", "kubeconfig file to use"),
    ("--output", "output format"),
];

const NS_FLAGS: &[(&str, &str)] = &[
    ("--current", "print the current namespace"),
    ("--unset", "remove the namespace from the context"),
    ("--force", "skip the API check"),
    ("--context", "context to change"),
    ("--kubeconfig", "kubeconfig file to use"),
    ("--output", "output format"),
];

fn flag_candidates(flags: &[(&str, &str)]) -> Vec<(String, String)> {
    flags
        .iter()
        .map(|(f, d)| (f.to_string(), d.to_string()))
        .collect()
}

pub fn complete_ctx(words: &[String]) -> Result<u8> {
    let t = typed(words);
    match t.previous.as_deref() {
        Some("--kubeconfig") => return emit([], &t.partial, DEFAULT),
        Some("-o" | "--output") => return emit(formats(), &t.partial, NO_FILE_COMP),
        Some("-n" | "--namespace") => {
            let names = namespaces(&t).unwrap_or_default();
            return emit(names, &t.partial, NO_FILE_COMP);
        }
        _ => {}
    }
    if t.partial.starts_with('-') {
        return emit(flag_candidates(CTX_FLAGS), &t.partial, NO_FILE_COMP);
    }
    let Ok(kc) = Kubeconfig::load(t.kubeconfig.as_deref()) else {
        return emit([], "", NO_FILE_COMP);
    };
    let mut contexts = kc.contexts();
    contexts.sort_by(|a, b| crate::switch::ctx::natural_cmp(&a.name, &b.name));
    let candidates = contexts.into_iter().map(|c| {
        let desc = c.cluster.unwrap_or_default();
        (c.name, desc)
    });
    emit(candidates, &t.partial, NO_FILE_COMP)
}

pub fn complete_ns(words: &[String]) -> Result<u8> {
    let t = typed(words);
    match t.previous.as_deref() {
        Some("--kubeconfig") => return emit([], &t.partial, DEFAULT),
        Some("-o" | "--output") => return emit(formats(), &t.partial, NO_FILE_COMP),
        Some("--context") => {
            let Ok(kc) = Kubeconfig::load(t.kubeconfig.as_deref()) else {
                return emit([], "", NO_FILE_COMP);
            };
            return emit(
                kc.contexts().into_iter().map(|c| (c.name, String::new())),
                &t.partial,
                NO_FILE_COMP,
            );
        }
        _ => {}
    }
    if t.partial.starts_with('-') {
        return emit(flag_candidates(NS_FLAGS), &t.partial, NO_FILE_COMP);
    }
    let names = namespaces(&t).unwrap_or_default();
    emit(names, &t.partial, NO_FILE_COMP)
}

fn formats() -> Vec<(String, String)> {
    ["table", "json", "yaml", "name"]
        .iter()
        .map(|f| (f.to_string(), String::new()))
        .collect()
}

fn namespaces(t: &Typed) -> Result<Vec<(String, String)>> {
    let kc = Kubeconfig::load(t.kubeconfig.as_deref())?;
    let global = GlobalArgs {
        kubeconfig: t.kubeconfig.clone(),
        context: t.context.clone(),
        // A TAB must not hang on an unreachable cluster.
        request_timeout: Some("3s".into()),
        ..Default::default()
    };
    Ok(crate::switch::ns::list_namespaces(&kc, &global)?
        .into_iter()
        .map(|(n, _)| (n, String::new()))
        .collect())
}
