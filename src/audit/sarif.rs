//! SARIF 2.1.0: one run per cluster; offline results carry file and line.
//!
//! Serialized straight from the report: a result exists only while it is
//! written, so a run of 100,000 findings costs no more memory than the
//! report itself (a `serde_json::Value` tree of it cost five times the text).

use std::fmt::Write as _;

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};

use super::checks::{Category, CheckInfo, Severity};
use super::index::NotChecked;
use super::report::{ClusterReport, Finding, Report};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A relative path as a URI reference; absolute paths become file URIs.
pub(super) fn file_uri(path: &str) -> String {
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

/// `ns/Kind/name`, or `Kind/name` without a namespace.
pub(super) fn object_name(f: &Finding) -> String {
    match &f.object.namespace {
        Some(ns) if !ns.is_empty() => format!("{}/{}/{}", ns, f.object.kind, f.object.name),
        _ => format!("{}/{}", f.object.kind, f.object.name),
    }
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Sarif<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Runs<'a>,
}

struct Runs<'a> {
    report: &'a Report,
    rules: &'a [Rule],
    enabled: &'a [&'static CheckInfo],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: &'static str,
    short_description: Text<'static>,
    full_description: Text<'static>,
    help: Text<'static>,
    default_configuration: Level,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Level {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    category: &'static str,
    tags: [&'static str; 1],
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<&'static str>,
}

fn rule(c: &CheckInfo) -> Rule {
    let security_severity = (c.category == Category::Security).then_some(match c.severity {
        Severity::Error => "8.0",
        Severity::Warning => "5.0",
        Severity::Info => "2.0",
    });
    Rule {
        id: c.id,
        name: c.id,
        short_description: Text { text: c.title },
        full_description: Text { text: c.rationale },
        help: Text { text: c.fix },
        default_configuration: Level {
            level: level(c.severity),
        },
        properties: RuleProperties {
            category: c.category.as_str(),
            tags: [c.category.as_str()],
            security_severity,
        },
    }
}

impl Serialize for Runs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.report.clusters.len()))?;
        for cluster in &self.report.clusters {
            seq.serialize_element(&Run {
                cluster,
                rules: self.rules,
                enabled: self.enabled,
            })?;
        }
        seq.end()
    }
}

struct Run<'a> {
    cluster: &'a ClusterReport,
    rules: &'a [Rule],
    enabled: &'a [&'static CheckInfo],
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: &'a [Rule],
}

#[derive(Serialize)]
struct Id {
    id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<'a> {
    execution_successful: bool,
    tool_execution_notifications: Notifications<'a>,
}

impl Serialize for Run<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let id = self.cluster.context.as_deref().unwrap_or("offline");
        let mut map = s.serialize_map(Some(4))?;
        map.serialize_entry(
            "tool",
            &Tool {
                driver: Driver {
                    name: "honban-audit",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: env!("CARGO_PKG_REPOSITORY"),
                    rules: self.rules,
                },
            },
        )?;
        map.serialize_entry(
            "automationDetails",
            &Id {
                id: format!("kubectl-audit/{id}/"),
            },
        )?;
        map.serialize_entry(
            "invocations",
            &[Invocation {
                execution_successful: true,
                tool_execution_notifications: Notifications(&self.cluster.not_checked),
            }],
        )?;
        map.serialize_entry(
            "results",
            &Results {
                findings: &self.cluster.findings,
                enabled: self.enabled,
            },
        )?;
        map.end()
    }
}

struct Notifications<'a>(&'a [NotChecked]);

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Message,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

impl Serialize for Notifications<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for n in self.0 {
            let scope = n
                .namespace
                .as_deref()
                .map(|ns| format!(" in {ns}"))
                .unwrap_or_default();
            seq.serialize_element(&Notification {
                // Left unread on purpose (--allow-unread): a note.
                level: if n.allowed { "note" } else { "warning" },
                message: Message {
                    text: format!("not checked: {}{scope}: {}", n.kind, n.reason),
                },
            })?;
        }
        seq.end()
    }
}

struct Results<'a> {
    findings: &'a [Finding],
    enabled: &'a [&'static CheckInfo],
}

impl Serialize for Results<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.findings.len()))?;
        for f in self.findings {
            seq.serialize_element(&result(f, self.enabled))?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    level: &'static str,
    message: Message,
    locations: [Location<'a>; 1],
    partial_fingerprints: Fingerprints,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<Physical>,
    logical_locations: [Logical<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical {
    artifact_location: Uri,
    region: Region,
}

#[derive(Serialize)]
struct Uri {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Logical<'a> {
    fully_qualified_name: &'a str,
    name: &'a str,
    kind: &'static str,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "honbanObject/v1")]
    object: String,
}

fn result<'a>(f: &'a Finding, enabled: &[&'static CheckInfo]) -> ResultOwner<'a> {
    ResultOwner {
        finding: f,
        object: object_name(f),
        rule_index: enabled.iter().position(|c| c.id == f.check),
    }
}

/// A result's owned parts (the object's name is used twice).
struct ResultOwner<'a> {
    finding: &'a Finding,
    object: String,
    rule_index: Option<usize>,
}

impl Serialize for ResultOwner<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let f = self.finding;
        let physical_location = f.file.as_deref().map(|file| Physical {
            artifact_location: Uri {
                uri: file_uri(file),
            },
            region: Region {
                start_line: f.line.unwrap_or(1).max(1),
            },
        });
        SarifResult {
            rule_id: f.check,
            level: level(f.severity),
            message: Message {
                text: format!("{} {}: {}", f.object.kind, f.object.name, f.message),
            },
            locations: [Location {
                physical_location,
                logical_locations: [Logical {
                    fully_qualified_name: &self.object,
                    name: &f.object.name,
                    kind: "resource",
                }],
            }],
            partial_fingerprints: Fingerprints {
                object: format!("{}/{}", f.check, self.object),
            },
            rule_index: self.rule_index,
        }
        .serialize(s)
    }
}

/// Writes the SARIF log of a report, pretty-printed, and a newline.
pub(crate) fn write(
    out: &mut dyn std::io::Write,
    report: &Report,
    enabled: &[&'static CheckInfo],
) -> std::io::Result<()> {
    let rules: Vec<Rule> = enabled.iter().map(|c| rule(c)).collect();
    let log = Sarif {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: Runs {
            report,
            rules: &rules,
            enabled,
        },
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::file_uri;

    #[test]
    fn uris() {
        assert_eq!(file_uri("./examples/a b.yaml"), "examples/a%20b.yaml");
        assert_eq!(file_uri("/tmp/x.yaml"), "file:///tmp/x.yaml");
    }
}
