//! `kubectl audit install` and `uninstall`: the audit as a CronJob in the
//! cluster, writing reports on a schedule with a read-only ServiceAccount.
//!
//! [`manifest`] builds the objects, [`apply`] applies them by server-side
//! apply (field manager `kubectl-audit`) and deletes exactly what it made.

use clap::{Args, ValueEnum};

use super::args::{Global, OutputFormat};
use super::cluster_reports::ReportApiChoice;
use crate::client;
use crate::error::{Error, Result};
use crate::output::{self, Palette};

mod apply;
pub(super) mod manifest;

/// (No doc comments on the values: clap would print them in the help.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DryRun {
    None,
    Client,
    Server,
}

/// `kubectl audit install`: the flags.
#[derive(Args, Debug)]
pub(crate) struct InstallArgs {
    /// When the audit runs, in cron syntax (default "17 * * * *": hourly)
    #[arg(long, value_name = "CRON")]
    pub(crate) schedule: Option<String>,

    /// The image to run (default ghcr.io/honban/honban-audit:<this version>)
    #[arg(long, value_name = "IMAGE")]
    pub(crate) image: Option<String>,

    /// Which report API the audit writes: auto picks openreports when served, else wgpolicy
    #[arg(long, value_name = "API", value_enum, default_value_t = ReportApiChoice::Auto)]
    pub(crate) report_api: ReportApiChoice,

    /// Let the audit list Secrets (their metadata is all it asks for, but RBAC
    /// cannot limit list to metadata); without it the Secret checks are not checked
    #[arg(long)]
    pub(crate) with_secrets: bool,

    /// Change nothing: client (print the objects) or server (the API checks them)
    #[arg(long, value_name = "MODE", value_enum, num_args = 0..=1, require_equals = true, default_missing_value = "client")]
    pub(crate) dry_run: Option<DryRun>,
}

/// `kubectl audit uninstall`: the flags.
#[derive(Args, Debug)]
pub(crate) struct UninstallArgs {
    /// Also delete every report honban wrote (label app.kubernetes.io/managed-by=honban)
    #[arg(long)]
    pub(crate) reports: bool,
}

impl InstallArgs {
    fn dry_run(&self) -> Option<DryRun> {
        self.dry_run.filter(|d| *d != DryRun::None)
    }

    /// What the API server would refuse, said before anything is sent.
    fn check(&self) -> Result<()> {
        if let Some(s) = &self.schedule {
            let fields = s.split_whitespace().count();
            if !(fields == 5 || (fields == 1 && s.trim_start().starts_with('@'))) {
                return Err(Error::Usage(format!(
                    "--schedule {s:?} is not a cron schedule: give five fields, e.g. \"17 * * * *\", or @hourly"
                )));
            }
        }
        if let Some(image) = &self.image
            && (image.is_empty() || image.contains(char::is_whitespace))
        {
            return Err(Error::Usage(format!(
                "--image {image:?} is not an image reference: e.g. registry.example/honban-audit:v1"
            )));
        }
        Ok(())
    }
}

/// The namespace install uses: `-n`, else `honban-system` (never the
/// context's namespace, which is the user's, not the audit's).
fn namespace(global: &Global) -> String {
    global
        .namespace
        .clone()
        .unwrap_or_else(|| manifest::DEFAULT_NAMESPACE.to_string())
}

fn check_output(global: &Global, what: &str) -> Result<()> {
    match global.output {
        OutputFormat::Table | OutputFormat::Json | OutputFormat::Yaml => Ok(()),
        OutputFormat::Sarif | OutputFormat::Junit => Err(Error::Usage(format!(
            "`kubectl audit {what}` prints -o yaml or json (or a line per object without -o)"
        ))),
    }
}

/// `kubectl audit install`.
pub(crate) fn install(req: &InstallArgs, global: &Global) -> Result<u8> {
    check_output(global, "install")?;
    req.check()?;
    global.connection.check()?;
    let namespace = namespace(global);
    if req.with_secrets {
        output::warn(
            Palette::for_stderr(global.color),
            "--with-secrets grants list on Secrets: RBAC cannot limit it to metadata, so the ServiceAccount could read every Secret's data (the audit itself asks for metadata only)",
        );
    }
    if req.dry_run() == Some(DryRun::Client) {
        let objects = manifest::build(req, &namespace, true);
        apply::print_objects(
            objects.into_iter().map(|m| m.value).collect(),
            global.output,
        )?;
        return Ok(0);
    }
    let server_dry_run = req.dry_run() == Some(DryRun::Server);
    client::with_connection(&global.client(), |conn| async move {
        let applied = apply::install(&conn, req, &namespace, server_dry_run).await?;
        apply::report_applied(applied, global.output, server_dry_run)
    })?;
    Ok(0)
}

/// `kubectl audit uninstall [--reports]`.
pub(crate) fn uninstall(req: &UninstallArgs, global: &Global) -> Result<u8> {
    check_output(global, "uninstall")?;
    global.connection.check()?;
    let namespace = namespace(global);
    let palette = Palette::for_stderr(global.color);
    client::with_connection(&global.client(), |conn| async move {
        apply::uninstall(&conn, &namespace, palette).await?;
        if req.reports {
            apply::delete_reports(&conn).await?;
        }
        Ok(())
    })?;
    Ok(0)
}
