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
