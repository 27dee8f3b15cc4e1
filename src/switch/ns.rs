//! `kubectl ns`: list namespaces from the API and set the current context's namespace.

use k8s_openapi::api::core::v1::Namespace;
use kube::api::Api;
use serde::Serialize;

use clap::{Arg, Parser};

use crate::cli::{ConnectionArgs, GlobalArgs};
use crate::client;
use crate::completion::{self, Reply, Request, Shell};
use crate::error::{Error, Result, exit};
use crate::kubeconfig::Kubeconfig;
use crate::output::{self, Format, Palette};
use crate::plugin::Plugin;
use crate::state;

/// List namespaces, or set the current context's namespace after checking it exists.
#[derive(Parser, Debug, Default)]
#[command(name = "kubectl ns",
    // Usage names the command users type, not the binary kubectl runs.
    bin_name = "kubectl ns", version, after_help = EXAMPLES)]
pub struct NsArgs {
    /// Namespace to switch to, or `-` for this context's previous one
    #[arg(value_name = "NAME")]
    name: Option<String>,

    /// Print the current namespace
    #[arg(short = 'c', long, conflicts_with_all = ["unset", "name"])]
    current: bool,

    /// Remove the namespace from the current context (back to the cluster default)
    #[arg(short = 'u', long, conflicts_with = "name")]
    unset: bool,

    /// Set the namespace without checking it with the API
    #[arg(short = 'f', long)]
    force: bool,

    /// Never open the interactive picker
    #[arg(long, env = "HONBAN_NO_PICKER", value_parser = clap::builder::BoolishValueParser::new(), default_value_t = false)]
    no_picker: bool,

    /// Print a completion script for bash, zsh or fish
    #[arg(long, value_name = "SHELL", hide = true)]
    completion: Option<Shell>,

    #[command(flatten)]
    global: GlobalArgs,

    #[command(flatten)]
    connection: ConnectionArgs,
}

const EXAMPLES: &str = "Examples:
  # List namespaces (a picker on a terminal)
  kubectl ns
  # Switch the current context to payments, or back to the previous one
  kubectl ns payments
  kubectl ns -
  # Set it even when RBAC forbids checking that it exists
  kubectl ns team-a --force
  # Drop the namespace from the context
  kubectl ns -u";

impl Plugin for NsArgs {
    const BIN: &'static str = "kubectl-ns";

    fn complete(req: &Request, arg: &Arg) -> Option<Reply> {
        (arg.get_id() == "name")
            .then(|| completion::namespaces(req))
            .or_else(|| completion::cluster_flags(req, arg))
    }

    fn completion_shell(&self) -> Option<Shell> {
        self.completion
    }

    fn run(mut self) -> Result<u8> {
        // The connection flags are flattened beside the globals; the client reads them from there.
        self.global.connection = std::mem::take(&mut self.connection);
        ns(self)
    }
}

#[derive(Serialize)]
struct NamespaceRow<'a> {
    name: &'a str,
    current: bool,
    status: Option<&'a str>,
}

fn ns(req: NsArgs) -> Result<u8> {
    let kc = Kubeconfig::load(req.global.kubeconfig.as_deref())?;
    for w in &kc.warnings {
        output::warn(Palette::for_stderr(req.global.color), w);
    }
    req.global.connection.check()?;
    // `--server URL` with no context: a list needs no context, a switch does.
    if lists(&req)
        && req.global.connection.names_a_server()
        && matches!(
            kc.effective_context(req.global.context.as_deref()),
            Err(Error::NoCurrentContext | Error::NoKubeconfig { .. })
        )
    {
        let names = list_namespaces(&kc, &req.global)?;
        let current = req.global.namespace.as_deref().unwrap_or("default");
        return print_list(&names, current, &req.global);
    }
    // A failed lookup may come from a read that caught kubectl mid-rewrite: confirmed under the lock.
    let (kc, ctx) = kc.confirm(|kc| kc.effective_context(req.global.context.as_deref()))?;
    let current_ns = ctx
        .namespace
        .clone()
        .unwrap_or_else(|| "default".to_string());

    if req.current {
        output::print_lines([current_ns])?;
        return Ok(exit::OK);
    }
    if req.unset {
        return unset(kc, &ctx.name, ctx.namespace.is_some());
    }
    match req.name.as_deref() {
        Some("-") => {
            let prev =
                state::read(&state::previous_namespace_file(&ctx.name)).ok_or_else(|| {
                    Error::Failed(format!(
                        "no previous namespace is recorded for context {:?}",
                        ctx.name
                    ))
                })?;
            set(kc, &req, &ctx.name, &current_ns, &prev)
        }
        Some(name) => {
            let name = name.to_string();
            set(kc, &req, &ctx.name.clone(), &current_ns, &name)
        }
        None => list_or_pick(kc, req, &ctx.name, &current_ns),
    }
}

/// Removes the namespace key from `context`, if it has one.
fn unset(kc: Kubeconfig, context: &str, has_namespace: bool) -> Result<u8> {
    if !has_namespace {
        eprintln!("Context {context:?} has no namespace set.");
        return Ok(exit::OK);
    }
    Kubeconfig::commit(kc, |kc| kc.plan_namespace(context, None))?;
    eprintln!("Removed the namespace from context {context:?}; it now uses the cluster default.");
    Ok(exit::OK)
}

/// The list, or on a terminal the picker and a switch to the choice.
fn list_or_pick(kc: Kubeconfig, req: NsArgs, context: &str, current_ns: &str) -> Result<u8> {
    let names = list_namespaces(&kc, &req.global)?;
    let interactive = req.global.output.is_none()
        && !req.no_picker
        && output::stdout_is_terminal()
        && std::io::IsTerminal::is_terminal(&std::io::stdin());
    if !interactive {
        return print_list(&names, current_ns, &req.global);
    }
    let items: Vec<&str> = names.iter().map(|(n, _)| n.as_str()).collect();
    let default = items.iter().position(|n| *n == current_ns).unwrap_or(0);
    match crate::switch::picker("namespace", &items, default)? {
        Some(i) => {
            let chosen = items[i].to_string();
            // The list came from the API, so the choice needs no second check.
            let req = NsArgs { force: true, ..req };
            set(kc, &req, context, current_ns, &chosen)
        }
        None => Ok(exit::CANCELLED),
    }
}

fn lists(req: &NsArgs) -> bool {
    req.name.is_none() && !req.current && !req.unset
}

fn print_list(
    names: &[(String, Option<String>)],
    current: &str,
    global: &GlobalArgs,
) -> Result<u8> {
    match global.output {
        Some(Format::Json) | Some(Format::Yaml) => {
            let rows: Vec<NamespaceRow> = names
                .iter()
                .map(|(n, s)| NamespaceRow {
                    name: n,
                    current: n == current,
                    status: s.as_deref(),
                })
                .collect();
            if global.output == Some(Format::Json) {
                output::print_json(&rows)?
            } else {
                output::print_yaml(&rows)?
            }
        }
        Some(Format::Name) => {
            output::print_lines(names.iter().map(|(n, _)| format!("namespace/{n}")))?
        }
        Some(Format::Table) => {
            let palette = Palette::for_stdout(global.color);
            let mut table = output::table(&["CURRENT", "NAME", "STATUS"]);
            for (n, s) in names {
                let is_current = n == current;
                table.add_row(vec![
                    if is_current {
                        "*".into()
                    } else {
                        String::new()
                    },
                    if is_current {
                        palette.current(n)
                    } else {
                        n.clone()
                    },
                    s.clone().unwrap_or_default(),
                ]);
            }
            output::print_table(&table)?
        }
        None => {
            let terminal = output::stdout_is_terminal();
            let palette = Palette::for_stdout(global.color);
            output::print_lines(names.iter().map(|(n, _)| {
                if terminal && n == current {
                    if palette.enabled {
                        palette.current(n)
                    } else {
                        format!("{n} (current)")
                    }
                } else {
                    n.clone()
                }
            }))?
        }
    }
    Ok(exit::OK)
}

/// Namespaces from the API (paged by the client), with the hint an RBAC
/// refusal needs here.
fn list_namespaces(kc: &Kubeconfig, global: &GlobalArgs) -> Result<Vec<(String, Option<String>)>> {
    let rt = client::runtime()?;
    rt.block_on(async {
        let conn = client::connect(kc, global).await?;
        let names = client::list_namespaces(&conn).await.map_err(|e| {
            if is_forbidden(&e) {
                Error::Api {
                    context: conn.context.clone(),
                    message: "this user may not list namespaces (RBAC); switch with `kubectl ns NAME` (add --force if get is forbidden too)".into(),
                }
            } else {
                client::api_error(&conn.context, e)
            }
        })?;
        Ok(names.into_iter().map(|n| (n, None)).collect())
    })
}

fn is_forbidden(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 403)
}

fn set(kc: Kubeconfig, req: &NsArgs, context: &str, current: &str, name: &str) -> Result<u8> {
    if !req.force {
        verify(&kc, &req.global, context, name)?;
    }
    let (ctx, ns) = (context.to_string(), name.to_string());
    Kubeconfig::commit(kc, |kc| kc.plan_namespace(&ctx, Some(&ns)))?;
    if current != name
        && let Err(e) = state::write(&state::previous_namespace_file(context), current)
    {
        output::warn(
            Palette { enabled: false },
            format!("could not record the previous namespace: {e}"),
        );
    }
    eprintln!("Context {context:?} now uses namespace {name:?}.");
    Ok(exit::OK)
}

/// Checks with a GET of that one namespace, so GET-only RBAC is enough.
fn verify(kc: &Kubeconfig, global: &GlobalArgs, context: &str, name: &str) -> Result<()> {
    let rt = client::runtime()?;
    rt.block_on(async {
        let global = GlobalArgs {
            context: Some(context.to_string()),
            ..global.clone()
        };
        let conn = client::connect(kc, &global).await?;
        let api: Api<Namespace> = Api::all(conn.client);
        match api.get_metadata(name).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(s)) if s.code == 404 => {
                Err(Error::NamespaceNotFound(name.to_string()))
            }
            Err(kube::Error::Api(s)) if s.code == 403 => Err(Error::NamespaceForbidden {
                namespace: name.to_string(),
                reason: "get namespaces is not allowed".into(),
            }),
            Err(e) => Err(client::api_error(context, e)),
        }
    })
}
