//! `kubectl audit`: best-practice and health audits of a live cluster or of
//! manifest files, with the same check ids in both modes.
//!
//! Flow: [`args::AuditArgs`] is the command line; a source ([`files`] or
//! [`live`]) yields objects; [`index::Index`] indexes them for the
//! cross-object checks; [`checks`] run over it and report raw findings with
//! evaluation counts; [`report`] applies exemptions ([`config`],
//! [`annotations`], [`defaults`]), severities and filters and computes
//! scores; [`render`] and [`sarif`] print.
//!
//! Exit codes: 0 nothing at or above `--fail-on`; 3 findings at or above it;
//! 4 some kinds or inputs could not be read (this wins over 3, because the
//! report is incomplete), unless `--allow-unread` names every such kind; 1 the audit could not run, or `--report` could
//! not write; 2 usage.
//!
//! Public beyond the crate: [`AuditArgs`] for the plugin binary, and what the
//! integration tests drive the checks through without a binary:
//! [`audit_text`], [`audit_index`] with [`test_settings`],
//! [`live::index_from_values`], [`yaml::parse_stream`] and
//! [`checks::CHECKS`]. Everything else is crate-private.

use std::collections::HashSet;

use crate::error::{Error, Result};
use crate::output::{self, Palette};

mod annotations;
mod args;
pub mod checks;
mod cluster_reports;
mod config;
mod defaults;
mod files;
mod index;
mod install;
pub mod live;
mod matching;
mod object;
mod phases;
mod render;
mod report;
mod reports;
mod sarif;
pub mod yaml;

pub use args::AuditArgs;
use args::{FailOn, OutputFormat};
use checks::{CHECKS, CheckInfo, CheckOptions, Severity};
use config::Config;
use report::{ClusterReport, Filters, Report};

/// Exit codes of `kubectl audit`.
mod exit {
    pub(crate) const OK: u8 = 0;
    pub(crate) const FINDINGS: u8 = 3;
    pub(crate) const NOT_CHECKED: u8 = 4;
}

/// The settings one audit applies to every cluster.
pub struct Settings {
    pub(crate) config: Config,
    pub(crate) enabled: HashSet<&'static str>,
    pub(crate) min_severity: Severity,
    /// Keep which (check, object) pairs were judged (conformance tests).
    pub(crate) track_evaluations: bool,
}

impl Settings {
    pub(crate) fn enabled_infos(&self) -> Vec<&'static CheckInfo> {
        CHECKS
            .iter()
            .filter(|c| self.enabled.contains(c.id))
            .collect()
    }
}

fn settings(req: &AuditArgs, live: bool) -> Result<Settings> {
    let mut config = match &req.config {
        Some(path) => Config::load(path)?,
        None => Config::with_defaults(),
    };
    config.default_exemptions &= !req.no_default_exemptions;
    let mut skip = req.skip.clone();
    skip.extend(config.disabled.iter().cloned());
    let enabled = checks::select(&req.checks, &skip, live)?;
    Ok(Settings {
        config,
        enabled,
        min_severity: req.min_severity.severity(),
        // --report-passes reports what was judged and passed.
        track_evaluations: req.report_passes,
    })
}

pub(crate) fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Audits an index: checks, exemptions, filters, score.
pub fn audit_index(
    context: Option<String>,
    index: &index::Index,
    settings: &Settings,
) -> ClusterReport {
    let opts = CheckOptions { now: now_secs() };
    let cx = checks::run_all(index, &opts, &settings.enabled, settings.track_evaluations);
    let filters = Filters {
        config: &settings.config,
        min_severity: settings.min_severity,
    };
    report::build(context, index, cx, &filters)
}

/// Offline: reads the inputs and audits them as one cluster.
fn audit_files(req: &AuditArgs, settings: &Settings) -> Result<Report> {
    let default_ns = req.global.namespace.clone().unwrap_or_default();
    let input = files::read(&req.files, &default_ns)?;
    if input.objects.is_empty() {
        if let Some(first) = input.not_checked.first() {
            return Err(Error::Failed(format!(
                "no Kubernetes object could be read; first problem: {}",
                first.reason
            )));
        }
        let what: Vec<String> = req.files.iter().map(|p| p.display().to_string()).collect();
        return Err(Error::Failed(format!(
            "no Kubernetes objects found in {}; point -f at manifests (.yaml, .yml, .json) or pipe them to -f -",
            what.join(", ")
        )));
    }
    let zones = req.zones.or(settings.config.zones);
    let index = index::Index::new(input.objects, Vec::new(), false, input.not_checked, zones);
    Ok(Report::new(vec![audit_index(None, &index, settings)]))
}

/// Audits manifests given as text, as `-f` would (tests, embedding).
/// `checks` empty means every offline check.
pub fn audit_text(text: &str, checks: &[&str], zones: Option<usize>) -> ClusterReport {
    let mut input = files::FileInput::default();
    files::parse_text("manifest.yaml", text, "", &mut input);
    let index = index::Index::new(input.objects, Vec::new(), false, input.not_checked, zones);
    audit_index(None, &index, &test_settings(checks, false))
}

/// Settings with only `checks` on (all when empty) and no exemptions config.
pub fn test_settings(checks: &[&str], live: bool) -> Settings {
    let only: Vec<String> = checks.iter().map(|s| s.to_string()).collect();
    Settings {
        config: Config::with_defaults(),
        enabled: checks::select(&only, &[], live).expect("known check ids"),
        min_severity: Severity::Info,
        track_evaluations: true,
    }
}

fn exit_code(report: &Report, fail_on: FailOn) -> u8 {
    let unread = |c: &ClusterReport| c.not_checked.iter().any(|n| !n.allowed);
    if report.clusters.iter().any(unread) {
        return exit::NOT_CHECKED;
    }
    let threshold = match fail_on {
        FailOn::None => return exit::OK,
        FailOn::Info => Severity::Info,
        FailOn::Warning => Severity::Warning,
        FailOn::Error => Severity::Error,
    };
    let failing = report
        .clusters
        .iter()
        .flat_map(|c| &c.findings)
        .any(|f| f.severity >= threshold);
    if failing { exit::FINDINGS } else { exit::OK }
}

fn print(
    report: &Report,
    format: OutputFormat,
    settings: &Settings,
    palette: Palette,
    verbose: bool,
) -> Result<()> {
    match format {
        OutputFormat::Table => {
            output::write_stdout(|out| render::write_table(out, report, palette, verbose))
        }
        OutputFormat::Json => output::print_json(report),
        OutputFormat::Yaml => output::print_yaml(report),
        OutputFormat::Sarif => {
            output::write_stdout(|out| sarif::write(out, report, &settings.enabled_infos()))
        }
        OutputFormat::Junit => {
            output::write_stdout(|out| render::write_junit(out, report, &settings.enabled_infos()))
        }
    }
}

/// Flag combinations clap cannot refuse on its own.
fn check_flags(req: &AuditArgs, live: bool) -> Result<()> {
    req.global.connection.check()?;
    if !live && (req.all_contexts || req.all_namespaces) {
        return Err(Error::Usage(
            "-A and --all-contexts audit a cluster; they cannot be combined with -f".into(),
        ));
    }
    if req.all_contexts && req.global.context.is_some() {
        return Err(Error::Usage(
            "--context and --all-contexts exclude each other".into(),
        ));
    }
    if req.all_contexts
        && let Some(flag) = req.global.connection.entry_override()
    {
        return Err(Error::Usage(format!(
            "{flag} applies to one cluster; --all-contexts uses each context's own, so drop one of them"
        )));
    }
    if !live && req.report {
        return Err(Error::Usage(
            "--report writes into the audited cluster; it cannot be combined with -f".into(),
        ));
    }
    if req.all_namespaces && req.global.namespace.is_some() {
        return Err(Error::Usage("-n and -A exclude each other".into()));
    }
    if !live && !req.allow_unread.is_empty() {
        return Err(Error::Usage(
            "--allow-unread names kinds a live audit may not list; it cannot be combined with -f"
                .into(),
        ));
    }
    live::kinds::allowed_unread(&req.allow_unread)?;
    Ok(())
}

/// `kubectl audit [-f …]`: returns the exit code.
fn run(req: &AuditArgs) -> Result<u8> {
    let live = req.files.is_empty();
    check_flags(req, live)?;
    let settings = settings(req, live)?;
    let report = if live {
        live::audit(req, &settings)?
    } else {
        audit_files(req, &settings)?
    };
    print(
        &report,
        req.global.output,
        &settings,
        Palette::for_stdout(req.global.color),
        req.verbose,
    )?;
    report_outcomes(&report)?;
    Ok(exit_code(&report, req.fail_on))
}

/// `--report`: one line per cluster on stderr; a failed write fails the run.
fn report_outcomes(report: &Report) -> Result<()> {
    let several = report.clusters.len() > 1;
    let mut errors = Vec::new();
    for c in &report.clusters {
        let Some(outcome) = &c.reports else { continue };
        let prefix = match (&c.context, several) {
            (Some(context), true) => format!("context {context}: "),
            _ => String::new(),
        };
        if let Some(e) = &outcome.error {
            errors.push(format!("{prefix}{e}"));
        } else {
            output::note(format!("{prefix}{}", outcome.line()));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Failed(errors.join("; ")))
    }
}

/// `kubectl audit checks [--exemptions] [-o json]`: the check catalogue, or
/// the built-in exemptions for system add-ons.
fn list(format: OutputFormat, exemptions: bool) -> Result<u8> {
    if exemptions {
        print_list(
            format,
            &defaults::DEFAULT_EXEMPTIONS,
            defaults::exemptions_table,
        )
    } else {
        print_list(format, &CHECKS, render::checks_table)
    }
}

fn print_list<T: serde::Serialize>(
    format: OutputFormat,
    list: &T,
    table: fn() -> Vec<String>,
) -> Result<u8> {
    match format {
        OutputFormat::Json => output::print_json(list)?,
        OutputFormat::Yaml => output::print_yaml(list)?,
        OutputFormat::Table => output::print_lines(table())?,
        OutputFormat::Sarif | OutputFormat::Junit => {
            return Err(Error::Usage(
                "`kubectl audit checks` prints -o table, json or yaml".into(),
            ));
        }
    }
    Ok(exit::OK)
}
