//! The values every plugin gets without asking: enum values, files for file
//! arguments, and (for plugins that talk to a cluster) contexts, namespaces
//! and kubectl's connection flags.

use clap::{Arg, ValueHint};

use super::protocol::one_line;
use super::{Reply, Request};
use crate::client;
use crate::kubeconfig::Kubeconfig;
use crate::output::natural_cmp;

/// What the clap definition alone says: its possible values, else files for
/// file-like arguments, else nothing.
pub(super) fn generic(arg: &Arg) -> Reply {
    let possible: Vec<(String, String)> = arg
        .get_possible_values()
        .into_iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| (v.get_name().to_string(), one_line(v.get_help())))
        .collect();
    if !possible.is_empty() {
        return Reply::values(possible);
    }
    let file_like = matches!(
        arg.get_value_hint(),
        ValueHint::AnyPath | ValueHint::FilePath | ValueHint::DirPath
    ) || arg.get_value_names().is_some_and(|names| {
        names
            .iter()
            .any(|n| ["FILE", "PATH", "DIR"].iter().any(|k| n.contains(k)))
    });
    if file_like {
        Reply::files()
    } else {
        Reply::values([])
    }
}
/// `--context`, `--namespace` and kubectl's connection flags, for plugins
/// that talk to a cluster. A provider opts in, so a plugin that never does
/// (aws-token) links no client.
pub(crate) fn cluster_flags(req: &Request, arg: &Arg) -> Option<Reply> {
    match arg.get_long() {
        Some("context") => Some(contexts(req, false)),
        Some("namespace") => Some(namespaces(req)),
        _ => super::connection::values(req, arg),
    }
}

/// Contexts of the typed (or default) kubeconfig in natural order; with
/// `described`, each with its cluster.
pub(crate) fn contexts(req: &Request, described: bool) -> Reply {
    let Ok(kc) = Kubeconfig::load_contexts(req.kubeconfig.as_deref()) else {
        return Reply::values([]);
    };
    let mut contexts = kc.contexts();
    contexts.sort_by(|a, b| natural_cmp(&a.name, &b.name));
    Reply::values(contexts.into_iter().map(|c| {
        let desc = if described {
            c.cluster.unwrap_or_default()
        } else {
            String::new()
        };
        (c.name, desc)
    }))
}

/// Namespaces of the typed context's cluster.
pub(crate) fn namespaces(req: &Request) -> Reply {
    let Ok(kc) = Kubeconfig::load(req.kubeconfig.as_deref()) else {
        return Reply::values([]);
    };
    let listed = client::runtime().and_then(|rt| {
        rt.block_on(async {
            let conn = client::connect(&kc, &req.global()).await?;
            client::list_namespaces(&conn)
                .await
                .map_err(|e| client::api_error(&conn.context, e))
        })
    });
    Reply::names(listed.unwrap_or_default())
}
