//! Reporters: table (grouped by namespace and object, coloured by severity)
//! and JUnit XML; SARIF is in [`super::sarif`], JSON and YAML are the
//! report's serde form. Each writes as it goes: the report is the only copy
//! of the findings in memory.

use std::collections::HashSet;
use std::io::{self, Write};

use super::checks::{CHECKS, CheckInfo, Severity};
use super::index::NotChecked;
use super::report::{ClusterReport, Finding, Report};
use super::sarif::object_name;
use crate::output::{self, Columns, Palette};

fn namespace_label(ns: Option<&str>) -> &str {
    match ns {
        None => "(cluster)",
        Some("") => "(unset)",
        Some(n) => n,
    }
}

fn severity_cell(s: Severity, palette: Palette) -> String {
    match s {
        Severity::Error => palette.error("error"),
        Severity::Warning => palette.warning("warning"),
        Severity::Info => palette.dim("info"),
    }
}

/// The table report, one block per cluster; `verbose` lists every kind
/// not checked instead of folding the forbidden ones into one line.
pub(crate) fn write_table(
    out: &mut dyn Write,
    report: &Report,
    palette: Palette,
    verbose: bool,
) -> io::Result<()> {
    let several = report.clusters.len() > 1;
    for (n, cluster) in report.clusters.iter().enumerate() {
        if n > 0 {
            writeln!(out)?;
        }
        if several || cluster.context.is_some() {
            writeln!(
                out,
                "CONTEXT {}",
                cluster.context.as_deref().unwrap_or("(offline)")
            )?;
        }
        cluster_table(out, cluster, palette, verbose)?;
    }
    Ok(())
}

/// Calls `row` with the cells of each finding's row (namespace and object
/// only where they change): all six, or with `with_text` false only the first
/// four, without MESSAGE and LOCATION.
fn finding_rows(
    cluster: &ClusterReport,
    palette: Palette,
    offline: bool,
    with_text: bool,
    mut row: impl FnMut(&[&str], &Finding) -> io::Result<()>,
) -> io::Result<()> {
    let mut last_ns: Option<&str> = None;
    let mut last_obj: Option<(&str, &str, Option<&str>)> = None;
    for f in &cluster.findings {
        let ns = namespace_label(f.object.display_namespace());
        let obj_key = (
            f.object.kind.as_str(),
            f.object.name.as_str(),
            f.object.namespace.as_deref(),
        );
        let ns_cell = if last_ns == Some(ns) { "" } else { ns };
        let obj_cell = if last_obj == Some(obj_key) {
            String::new()
        } else if f.object.name.is_empty() {
            format!("{}/(unset)", f.object.kind)
        } else {
            format!("{}/{}", f.object.kind, f.object.name)
        };
        last_ns = Some(ns);
        last_obj = Some(obj_key);
        let severity = severity_cell(f.severity, palette);
        let location = if offline { location(f) } else { String::new() };
        let cells = [
            ns_cell, &obj_cell, &severity, f.check, &f.message, &location,
        ];
        let n = match (with_text, offline) {
            (false, _) => 4,
            (true, false) => 5,
            (true, true) => 6,
        };
        row(&cells[..n], f)?;
    }
    Ok(())
}

/// The findings, one row each, laid out in two passes (widths, then rows).
/// On a terminal too narrow for the full rows, each message (and its
/// file:line) moves to the lines under its row, from the SEVERITY column on,
/// so nothing wraps mid-cell; in a pipe or a file every row stays one line.
fn write_findings(
    out: &mut dyn Write,
    cluster: &ClusterReport,
    palette: Palette,
) -> io::Result<()> {
    let offline = cluster.findings.iter().any(|f| f.file.is_some());
    let mut header = vec!["NAMESPACE", "OBJECT", "SEVERITY", "CHECK", "MESSAGE"];
    if offline {
        header.push("LOCATION");
    }
    let mut columns = Columns::new(&header);
    finding_rows(cluster, palette, offline, true, |cells, _| {
        columns.measure(cells);
        Ok(())
    })?;
    let narrow = output::terminal_width()
        .map(usize::from)
        .filter(|&w| columns.line_width() > w);
    let Some(width) = narrow else {
        columns.write_row(out, &header)?;
        return finding_rows(cluster, palette, offline, true, |cells, _| {
            columns.write_row(out, cells)
        });
    };
    let header = &header[..4];
    let mut columns = Columns::new(header);
    finding_rows(cluster, palette, offline, false, |cells, _| {
        columns.measure(cells);
        Ok(())
    })?;
    let indent = columns.offset(2);
    let text_width = width.saturating_sub(indent).max(30);
    columns.write_row(out, header)?;
    finding_rows(cluster, palette, offline, false, |cells, f| {
        columns.write_row(out, cells)?;
        let text = match location(f) {
            at if at.is_empty() => f.message.clone(),
            at => format!("{} ({at})", f.message),
        };
        for part in output::wrap_words(&text, text_width) {
            writeln!(out, "{:indent$}{part}", "")?;
        }
        Ok(())
    })
}

fn cluster_table(
    out: &mut dyn Write,
    cluster: &ClusterReport,
    palette: Palette,
    verbose: bool,
) -> io::Result<()> {
    if cluster.findings.is_empty() {
        writeln!(out, "No findings.")?;
    } else {
        write_findings(out, cluster, palette)?;
    }
    if !cluster.not_checked.is_empty() {
        write_not_checked(out, cluster, palette, verbose)?;
    }
    writeln!(out)?;
    write_score(out, cluster)
}

/// What could not be read, under a warning that the report is incomplete
/// (a note when only kinds left unread on purpose are missing).
fn write_not_checked(
    out: &mut dyn Write,
    cluster: &ClusterReport,
    palette: Palette,
    verbose: bool,
) -> io::Result<()> {
    writeln!(out)?;
    let heading = if cluster.not_checked.iter().all(|n| n.allowed) {
        "Not checked (left unread on purpose with --allow-unread):"
    } else {
        "Not checked (the report is incomplete):"
    };
    writeln!(out, "{}", palette.warning(heading))?;
    let folds = |n: &&NotChecked| !n.allowed && n.reason.starts_with("forbidden:");
    let forbidden = cluster.not_checked.iter().filter(folds).count();
    // A user who may list little gets one line, not one per kind.
    let fold = !verbose && forbidden > 1;
    for n in &cluster.not_checked {
        if fold && folds(&n) {
            continue;
        }
        let scope = match &n.namespace {
            Some(ns) => format!(" in {ns}"),
            None => String::new(),
        };
        let kind = if n.kind == "*" {
            "input"
        } else {
            n.kind.as_str()
        };
        let reason = match (n.allowed, verbose) {
            (false, _) => n.reason.clone(),
            (true, false) => "forbidden, left unread on purpose (--allow-unread)".to_string(),
            (true, true) => format!("{} (left unread on purpose: --allow-unread)", n.reason),
        };
        writeln!(out, "  {kind}{scope}: {reason}")?;
    }
    if fold {
        writeln!(
            out,
            "  {forbidden} kinds: forbidden to list (-v lists them with the API's messages)"
        )?;
    }
    Ok(())
}

/// The score line (per namespace, the first 12) and the counts.
fn write_score(out: &mut dyn Write, cluster: &ClusterReport) -> io::Result<()> {
    let s = &cluster.summary;
    let mut per_ns: Vec<String> = cluster
        .namespaces
        .iter()
        .map(|n| format!("{} {}", namespace_label(n.namespace.as_deref()), n.score))
        .collect();
    if per_ns.len() > 12 {
        let total = per_ns.len();
        per_ns.truncate(12);
        per_ns.push(format!("… {} more in -o json", total - 12));
    }
    let score = match cluster.score {
        Some(score) => format!("{score}/100"),
        None => "n/a (incomplete)".to_string(),
    };
    writeln!(
        out,
        "Score {score}{}",
        if per_ns.is_empty() {
            String::new()
        } else {
            format!(" (namespaces: {})", per_ns.join(", "))
        }
    )?;
    writeln!(
        out,
        "{} objects: {} errors, {} warnings, {} info{}{}",
        s.objects,
        s.errors,
        s.warnings,
        s.info,
        if s.exempted > 0 {
            format!(", {} exempted", s.exempted)
        } else {
            String::new()
        },
        if s.hidden > 0 {
            format!(" ({} below --min-severity not listed)", s.hidden)
        } else {
            String::new()
        }
    )
}

fn location(f: &Finding) -> String {
    match (&f.file, f.line) {
        (Some(file), Some(line)) => format!("{file}:{line}"),
        (Some(file), None) => file.clone(),
        _ => String::new(),
    }
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters even escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The checks of `enabled` that found nothing in a cluster: its passing cases.
fn passed<'a>(
    cluster: &ClusterReport,
    enabled: &'a [&'static CheckInfo],
) -> impl Iterator<Item = &'static CheckInfo> + 'a {
    let failed: HashSet<&str> = cluster.findings.iter().map(|f| f.check).collect();
    enabled
        .iter()
        .copied()
        .filter(move |c| !failed.contains(c.id))
}

/// A suite's (tests, failures, errors).
fn suite_counts(cluster: &ClusterReport, enabled: &[&'static CheckInfo]) -> (usize, usize, usize) {
    let unread = cluster.not_checked.len();
    let errors = cluster.not_checked.iter().filter(|n| !n.allowed).count();
    let failures = cluster.findings.len();
    (
        failures + passed(cluster, enabled).count() + unread,
        failures,
        errors,
    )
}

/// JUnit XML: a suite per cluster, a failing case per finding, a passing
/// case per check without findings, an error case per kind not checked.
/// The counts come first, so they are worked out before the cases.
pub(crate) fn write_junit(
    out: &mut dyn Write,
    report: &Report,
    enabled: &[&'static CheckInfo],
) -> io::Result<()> {
    let (mut all_tests, mut all_failures, mut all_errors) = (0, 0, 0);
    for cluster in &report.clusters {
        let (tests, failures, errors) = suite_counts(cluster, enabled);
        all_tests += tests;
        all_failures += failures;
        all_errors += errors;
    }
    write!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"kubectl audit\" tests=\"{all_tests}\" failures=\"{all_failures}\" errors=\"{all_errors}\">\n"
    )?;
    for cluster in &report.clusters {
        junit_suite(out, cluster, enabled)?;
    }
    writeln!(out, "</testsuites>")
}

fn junit_suite(
    out: &mut dyn Write,
    cluster: &ClusterReport,
    enabled: &[&'static CheckInfo],
) -> io::Result<()> {
    let (tests, failures, errors) = suite_counts(cluster, enabled);
    let name = cluster.context.as_deref().unwrap_or("offline");
    write!(
        out,
        "  <testsuite name=\"kubectl audit {}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">\n    <properties>\n      <property name=\"score\" value=\"{}\"/>\n    </properties>\n",
        xml_escape(name),
        cluster.score.map_or("n/a".to_string(), |s| s.to_string())
    )?;
    for f in &cluster.findings {
        let location = match (&f.file, f.line) {
            (Some(file), Some(line)) => {
                format!(" file=\"{}\" line=\"{line}\"", xml_escape(file))
            }
            _ => String::new(),
        };
        writeln!(
            out,
            "    <testcase classname=\"{}.{}\" name=\"{}\"{location}>\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
            f.category.as_str(),
            f.check,
            xml_escape(&object_name(f)),
            f.severity.as_str(),
            xml_escape(&f.message),
            xml_escape(&format!("{}\nfix: {}", f.message, f.fix)),
        )?;
    }
    for c in passed(cluster, enabled) {
        writeln!(
            out,
            "    <testcase classname=\"{}.{}\" name=\"{}\"/>",
            c.category.as_str(),
            c.id,
            xml_escape(c.title)
        )?;
    }
    for n in &cluster.not_checked {
        let scope = n
            .namespace
            .as_deref()
            .map(|ns| format!(" in {ns}"))
            .unwrap_or_default();
        // Left unread on purpose: skipped, not an error.
        let tag = if n.allowed {
            "skipped"
        } else {
            "error type=\"not-checked\""
        };
        writeln!(
            out,
            "    <testcase classname=\"not-checked\" name=\"{}{}\">\n      <{tag} message=\"{}\"/>\n    </testcase>",
            xml_escape(&n.kind),
            xml_escape(&scope),
            xml_escape(&n.reason)
        )?;
    }
    writeln!(out, "  </testsuite>")
}

/// `kubectl audit checks`: the catalogue as a table.
pub(crate) fn checks_table() -> Vec<String> {
    let mut t = crate::output::table(&["ID", "CATEGORY", "SEVERITY", "MODE", "CHECKS THAT"]);
    for c in CHECKS {
        t.add_row(vec![
            c.id,
            c.category.as_str(),
            c.severity.as_str(),
            match c.mode {
                super::checks::Mode::Both => "live+files",
                super::checks::Mode::Live => "live",
                super::checks::Mode::Files => "files",
            },
            c.title,
        ]);
    }
    // The title column wraps on a narrow terminal.
    output::wrap_to_terminal(&mut t, 4);
    output::table_lines(&t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml() {
        assert_eq!(
            xml_escape("a<b & \"c\"\u{1}"),
            "a&lt;b &amp; &quot;c&quot; "
        );
    }
}
