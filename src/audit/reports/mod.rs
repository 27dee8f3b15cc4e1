//! `kubectl audit reports`: honban's reports read back as a fleet view,
//! without re-auditing: per cluster and namespace, counts by severity, the
//! worst objects and the age of the newest report, with a warning when the
//! in-cluster audits stopped or failed ([`freshness`]).
//!
//! [`read`] lists both report APIs by honban's label, [`view`] folds them,
//! [`render`] prints the table (JSON and YAML are the view's serde form).

use clap::Args;

use super::args::{Global, OutputFormat};
use crate::client;
use crate::error::{Error, Result};
use crate::kubeconfig::Kubeconfig;
use crate::output::{self, Palette};

mod cron;
mod freshness;
mod read;
mod render;
mod view;

use view::{ClusterView, View};

/// `kubectl audit reports`' own flags (-n, -o, --context are global).
#[derive(Args, Debug)]
pub(crate) struct ReportsArgs {
    /// Every namespace, and cluster-scoped objects
    #[arg(short = 'A', long)]
    all_namespaces: bool,

    /// Every context of the kubeconfig, concurrently
    #[arg(long)]
    all_contexts: bool,
}

fn check_flags(req: &ReportsArgs, global: &Global) -> Result<()> {
    global.connection.check()?;
    if req.all_namespaces && global.namespace.is_some() {
        return Err(Error::Usage("-n and -A exclude each other".into()));
    }
    if req.all_contexts && global.context.is_some() {
        return Err(Error::Usage(
            "--context and --all-contexts exclude each other".into(),
        ));
    }
    if req.all_contexts
        && let Some(flag) = global.connection.entry_override()
    {
        return Err(Error::Usage(format!(
            "{flag} applies to one cluster; --all-contexts uses each context's own, so drop one of them"
        )));
    }
    if matches!(global.output, OutputFormat::Sarif | OutputFormat::Junit) {
        return Err(Error::Usage(
            "`kubectl audit reports` prints -o table, json or yaml".into(),
        ));
    }
    Ok(())
}

async fn view_context(
    kc: &Kubeconfig,
    context: Option<&str>,
    req: &ReportsArgs,
    global: &Global,
) -> Result<ClusterView> {
    let flags = global.client();
    let conn = match context {
        Some(c) => client::connect_context(kc, c, &flags).await?,
        None => client::connect(kc, &flags).await?,
    };
    let scope = if req.all_namespaces {
        read::Scope::All
    } else {
        read::Scope::Namespace(&conn.namespace)
    };
    let read = read::read(&conn.client, &conn.context, scope).await?;
    let now = super::now_secs();
    let namespaces = read.fold.namespaces(now);
    let newest = namespaces.iter().map(|n| n.newest).filter(|t| *t > 0).max();
    let in_view = (!req.all_namespaces).then_some(conn.namespace.as_str());
    let (freshness, mut warnings) = freshness::judge(&conn.client, in_view, newest, now).await;
    warnings.extend(read.notes);
    Ok(ClusterView {
        not_checked: read.unread,
        context: conn.context,
        error: None,
        apis: read.apis,
        freshness,
        warnings,
        namespaces,
    })
}

/// `kubectl audit reports`: 0 read, 1 a cluster could not be read, 2 usage.
pub(crate) fn run(req: &ReportsArgs, global: &Global) -> Result<u8> {
    check_flags(req, global)?;
    let kc = Kubeconfig::load(global.kubeconfig.as_deref())?;
    let runtime = client::runtime()?;
    let clusters = if req.all_contexts {
        let contexts: Vec<String> = kc.contexts().into_iter().map(|c| c.name).collect();
        let results = runtime.block_on(futures::future::join_all(
            contexts
                .iter()
                .map(|c| view_context(&kc, Some(c), req, global)),
        ));
        // Every context: one that cannot be read is reported, not fatal.
        contexts
            .into_iter()
            .zip(results)
            .map(|(context, r)| {
                r.unwrap_or_else(|e| ClusterView {
                    context,
                    error: Some(e.to_string()),
                    ..ClusterView::default()
                })
            })
            .collect()
    } else {
        vec![runtime.block_on(view_context(&kc, None, req, global))?]
    };
    let view = View {
        api_version: "honban.io/v1",
        kind: "AuditReportsView",
        clusters,
    };
    let stderr = Palette::for_stderr(global.color);
    for c in &view.clusters {
        for w in &c.warnings {
            output::warn(stderr, format!("context {}: {w}", c.context));
        }
    }
    match global.output {
        OutputFormat::Json => output::print_json(&view)?,
        OutputFormat::Yaml => output::print_yaml(&view)?,
        _ => {
            let palette = Palette::for_stdout(global.color);
            output::write_stdout(|out| render::write_table(out, &view, palette))?;
        }
    }
    let failed = view.clusters.iter().any(|c| c.error.is_some());
    Ok(if failed { 1 } else { 0 })
}
