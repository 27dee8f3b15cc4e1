//! Listing contexts: the plain list in every `-o` format, and the picker.

use serde::Serialize;

use super::CtxArgs;
use crate::error::{Error, Result, exit};
use crate::kubeconfig::{ContextInfo, Kubeconfig};
use crate::output::{self, Format, Palette, natural_cmp};

#[derive(Serialize)]
struct ContextRow<'a> {
    name: &'a str,
    current: bool,
    cluster: Option<&'a str>,
    user: Option<&'a str>,
    namespace: Option<&'a str>,
    file: String,
}

pub(super) fn list(kc: &Kubeconfig, req: &CtxArgs) -> Result<u8> {
    if let Some(e) = kc.missing() {
        output::warn(Palette::for_stderr(req.global.color), e.to_string());
    }
    let current = kc.current_context().map(|(n, _)| n);
    let plain = req.global.output.is_none() && !output::stdout_is_terminal();
    if plain || req.global.output == Some(Format::Name) {
        return print_names(kc);
    }
    let contexts = sorted(kc.contexts());
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
        Some(Format::Name) | None => {
            // A terminal: the current context is marked.
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
        }
    }
    Ok(exit::OK)
}

/// Names only (`-o name`, or a pipe): sorted, in one write.
fn print_names(kc: &Kubeconfig) -> Result<u8> {
    let mut names = kc.context_names();
    // Names are unique once merged, so an unstable sort gives the same order.
    names.sort_unstable_by(|a, b| natural_cmp(a, b));
    let mut text = String::with_capacity(names.iter().map(|n| n.len() + 1).sum());
    for name in names {
        text.push_str(name);
        text.push('\n');
    }
    output::print_text(&text)?;
    Ok(exit::OK)
}

/// Natural order, as kubectx lists: `ctx-2` before `ctx-10`.
fn sorted(mut contexts: Vec<ContextInfo>) -> Vec<ContextInfo> {
    contexts.sort_by(|a, b| natural_cmp(&a.name, &b.name));
    contexts
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

pub(super) fn pick(kc: Kubeconfig, req: &CtxArgs) -> Result<u8> {
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
            super::edit::switch(kc, req, &name)
        }
        None => Ok(exit::CANCELLED),
    }
}
