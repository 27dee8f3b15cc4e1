//! Reporters: table (grouped by namespace and object, coloured by severity),
//! SARIF 2.1.0 and JUnit XML. JSON and YAML are the report's serde form.

use std::fmt::Write as _;

use comfy_table::{Cell, Table};
use serde_json::{Value, json};

use super::checks::{CHECKS, CheckInfo, Severity};
use super::report::{ClusterReport, Finding, Report};
use crate::output::{self, Palette};

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
pub fn table(report: &Report, palette: Palette, verbose: bool) -> Vec<String> {
    let mut lines = Vec::new();
    let several = report.clusters.len() > 1;
    for (n, cluster) in report.clusters.iter().enumerate() {
        if n > 0 {
            lines.push(String::new());
        }
        if several || cluster.context.is_some() {
            lines.push(format!(
                "CONTEXT {}",
                cluster.context.as_deref().unwrap_or("(offline)")
            ));
        }
        cluster_table(cluster, palette, verbose, &mut lines);
    }
    lines
}

/// The findings, one row each. On a terminal too narrow for the full rows,
/// each message (and its file:line) moves to the lines under its row, from
/// the SEVERITY column on, so nothing wraps mid-cell; in a pipe or a file
/// every row stays one full-width line.
fn findings_lines(cluster: &ClusterReport, palette: Palette) -> Vec<String> {
    let full = output::table_lines(&findings_table(cluster, palette, true));
    let Some(width) = output::terminal_width() else {
        return full;
    };
    let width = usize::from(width);
    if full.iter().all(|l| output::display_width(l) <= width) {
        return full;
    }
    let rows = output::table_lines(&findings_table(cluster, palette, false));
    let indent = rows[0].find("SEVERITY").unwrap_or(0);
    let text_width = width.saturating_sub(indent).max(30);
    let mut lines = vec![rows[0].clone()];
    for (row, f) in rows[1..].iter().zip(&cluster.findings) {
        lines.push(row.clone());
        let text = match location(f) {
            at if at.is_empty() => f.message.clone(),
            at => format!("{} ({at})", f.message),
        };
        for part in output::wrap_words(&text, text_width) {
            lines.push(format!("{:indent$}{part}", ""));
        }
    }
    lines
}

/// The findings table, grouped by namespace and object; `full` false leaves
/// out MESSAGE and LOCATION.
fn findings_table(cluster: &ClusterReport, palette: Palette, full: bool) -> Table {
    let with_message = full;
    let offline = full && cluster.findings.iter().any(|f| f.file.is_some());
    let mut header = vec!["NAMESPACE", "OBJECT", "SEVERITY", "CHECK"];
    if with_message {
        header.push("MESSAGE");
    }
    if offline {
        header.push("LOCATION");
    }
    let mut t = output::table(&header);
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
        let mut row = vec![
            Cell::new(ns_cell),
            Cell::new(obj_cell),
            Cell::new(severity_cell(f.severity, palette)),
            Cell::new(f.check),
        ];
        if with_message {
            row.push(Cell::new(&f.message));
        }
        if offline {
            row.push(Cell::new(location(f)));
        }
        t.add_row(row);
    }
    t
}

fn cluster_table(
    cluster: &ClusterReport,
    palette: Palette,
    verbose: bool,
    lines: &mut Vec<String>,
) {
    if cluster.findings.is_empty() {
        lines.push("No findings.".to_string());
    } else {
        lines.extend(findings_lines(cluster, palette));
    }
    if !cluster.not_checked.is_empty() {
        lines.push(String::new());
        lines.push(palette.warning("Not checked (the report is incomplete):"));
        let forbidden = cluster
            .not_checked
            .iter()
            .filter(|n| n.reason.starts_with("forbidden:"))
            .count();
        // A user who may list little gets one line, not one per kind.
        let fold = !verbose && forbidden > 1;
        for n in &cluster.not_checked {
            if fold && n.reason.starts_with("forbidden:") {
                continue;
            }
            let scope = match &n.namespace {
                Some(ns) => format!(" in {ns}"),
                None => String::new(),
            };
            let kind = if n.kind == "*" {
                "input".to_string()
            } else {
                n.kind.clone()
            };
            lines.push(format!("  {kind}{scope}: {}", n.reason));
        }
        if fold {
            lines.push(format!(
                "  {forbidden} kinds: forbidden to list (-v lists them with the API's messages)"
            ));
        }
    }
    lines.push(String::new());
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
    lines.push(format!(
        "Score {score}{}",
        if per_ns.is_empty() {
            String::new()
        } else {
            format!(" (namespaces: {})", per_ns.join(", "))
        }
    ));
    lines.push(format!(
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
    ));
}

fn location(f: &Finding) -> String {
    match (&f.file, f.line) {
        (Some(file), Some(line)) => format!("{file}:{line}"),
        (Some(file), None) => file.clone(),
        _ => String::new(),
    }
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A relative path as a URI reference; absolute paths become file URIs.
fn file_uri(path: &str) -> String {
    let mut out = String::new();
    let path = path.strip_prefix("./").unwrap_or(path);
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            other => {
                let _ = write!(out, "%{other:02X}");
            }
        }
    }
    out
}

fn object_name(f: &Finding) -> String {
    match &f.object.namespace {
        Some(ns) if !ns.is_empty() => format!("{}/{}/{}", ns, f.object.kind, f.object.name),
        _ => format!("{}/{}", f.object.kind, f.object.name),
    }
}

/// SARIF 2.1.0: one run per cluster; offline results carry file and line.
pub fn sarif(report: &Report, enabled: &[&'static CheckInfo]) -> Value {
    let rules: Vec<Value> = enabled
        .iter()
        .map(|c| {
            let mut properties =
                json!({"category": c.category.as_str(), "tags": [c.category.as_str()]});
            if c.category == super::checks::Category::Security {
                let score = match c.severity {
                    Severity::Error => "8.0",
                    Severity::Warning => "5.0",
                    Severity::Info => "2.0",
                };
                properties["security-severity"] = json!(score);
            }
            json!({
                "id": c.id,
                "name": c.id,
                "shortDescription": {"text": c.title},
                "fullDescription": {"text": c.rationale},
                "help": {"text": c.fix},
                "defaultConfiguration": {"level": sarif_level(c.severity)},
                "properties": properties,
            })
        })
        .collect();
    let runs: Vec<Value> = report
        .clusters
        .iter()
        .map(|cluster| {
            let results: Vec<Value> = cluster
                .findings
                .iter()
                .map(|f| {
                    let rule_index = enabled.iter().position(|c| c.id == f.check);
                    let logical = json!([{
                        "fullyQualifiedName": object_name(f),
                        "name": f.object.name,
                        "kind": "resource",
                    }]);
                    let location = match (&f.file, f.line) {
                        (Some(file), line) => json!({
                            "physicalLocation": {
                                "artifactLocation": {"uri": file_uri(file)},
                                "region": {"startLine": line.unwrap_or(1).max(1)},
                            },
                            "logicalLocations": logical,
                        }),
                        _ => json!({"logicalLocations": logical}),
                    };
                    let mut r = json!({
                        "ruleId": f.check,
                        "level": sarif_level(f.severity),
                        "message": {"text": format!("{} {}: {}", f.object.kind, f.object.name, f.message)},
                        "locations": [location],
                        "partialFingerprints": {"honbanObject/v1": format!("{}/{}", f.check, object_name(f))},
                    });
                    if let Some(i) = rule_index {
                        r["ruleIndex"] = json!(i);
                    }
                    r
                })
                .collect();
            let notifications: Vec<Value> = cluster
                .not_checked
                .iter()
                .map(|n| {
                    json!({
                        "level": "warning",
                        "message": {"text": format!(
                            "not checked: {}{}: {}",
                            n.kind,
                            n.namespace.as_deref().map(|ns| format!(" in {ns}")).unwrap_or_default(),
                            n.reason
                        )},
                    })
                })
                .collect();
            let id = cluster.context.as_deref().unwrap_or("offline");
            json!({
                "tool": {"driver": {
                    "name": "honban-audit",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": env!("CARGO_PKG_REPOSITORY"),
                    "rules": rules,
                }},
                "automationDetails": {"id": format!("kubectl-audit/{id}/")},
                "invocations": [{
                    "executionSuccessful": true,
                    "toolExecutionNotifications": notifications,
                }],
                "results": results,
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": runs,
    })
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

/// JUnit XML: a suite per cluster, a failing case per finding, a passing
/// case per check without findings, an error case per kind not checked.
pub fn junit(report: &Report, enabled: &[&'static CheckInfo]) -> String {
    let mut suites = String::new();
    let (mut all_tests, mut all_failures, mut all_errors) = (0, 0, 0);
    for cluster in &report.clusters {
        let mut cases = String::new();
        let (mut tests, mut failures, mut errors) = (0, 0, 0);
        for f in &cluster.findings {
            tests += 1;
            failures += 1;
            let location = match (&f.file, f.line) {
                (Some(file), Some(line)) => {
                    format!(" file=\"{}\" line=\"{line}\"", xml_escape(file))
                }
                _ => String::new(),
            };
            let _ = writeln!(
                cases,
                "    <testcase classname=\"{}.{}\" name=\"{}\"{location}>\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                f.category.as_str(),
                f.check,
                xml_escape(&object_name(f)),
                f.severity.as_str(),
                xml_escape(&f.message),
                xml_escape(&format!("{}\nfix: {}", f.message, f.fix)),
            );
        }
        for c in enabled {
            if cluster.findings.iter().any(|f| f.check == c.id) {
                continue;
            }
            tests += 1;
            let _ = writeln!(
                cases,
                "    <testcase classname=\"{}.{}\" name=\"{}\"/>",
                c.category.as_str(),
                c.id,
                xml_escape(c.title)
            );
        }
        for n in &cluster.not_checked {
            tests += 1;
            errors += 1;
            let scope = n
                .namespace
                .as_deref()
                .map(|ns| format!(" in {ns}"))
                .unwrap_or_default();
            let _ = writeln!(
                cases,
                "    <testcase classname=\"not-checked\" name=\"{}{}\">\n      <error type=\"not-checked\" message=\"{}\"/>\n    </testcase>",
                xml_escape(&n.kind),
                xml_escape(&scope),
                xml_escape(&n.reason)
            );
        }
        let name = cluster.context.as_deref().unwrap_or("offline");
        let _ = write!(
            suites,
            "  <testsuite name=\"kubectl audit {}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">\n    <properties>\n      <property name=\"score\" value=\"{}\"/>\n    </properties>\n{cases}  </testsuite>\n",
            xml_escape(name),
            cluster.score.map_or("n/a".to_string(), |s| s.to_string())
        );
        all_tests += tests;
        all_failures += failures;
        all_errors += errors;
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"kubectl audit\" tests=\"{all_tests}\" failures=\"{all_failures}\" errors=\"{all_errors}\">\n{suites}</testsuites>\n"
    )
}

/// `kubectl audit checks`: the catalogue as a table.
pub fn checks_table() -> Vec<String> {
    let mut t = crate::output::table(&["ID", "CATEGORY", "SEVERITY", "MODE", "CHECKS THAT"]);
    for c in CHECKS {
        t.add_row(vec![
            c.id,
            c.category.as_str(),
            c.severity.as_str(),
            match c.mode {
                super::checks::Mode::Both => "live+files",
                super::checks::Mode::Live => "live",
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
    fn uris_and_xml() {
        assert_eq!(file_uri("./examples/a b.yaml"), "examples/a%20b.yaml");
        assert_eq!(file_uri("/tmp/x.yaml"), "file:///tmp/x.yaml");
        assert_eq!(
            xml_escape("a<b & \"c\"\u{1}"),
            "a&lt;b &amp; &quot;c&quot; "
        );
    }
}
