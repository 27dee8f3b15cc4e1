//! `--config`: per-check severity, disabled checks and exemptions.
//!
//! ```yaml
//! apiVersion: honban.io/v1
//! kind: AuditConfig
//! severity: {liveness-probe: warning}      # per-check severity
//! disabled: [read-only-root-fs]            # ids or categories
//! annotationExemptions: true               # false: annotations cannot skip checks
//! defaultExemptions: true                  # false: audit kube-system's add-ons too
//! zones: 3                                 # offline: zones the cluster spans
//! exemptions:
//!   - checks: [host-path, run-as-non-root] # ids or categories; empty = all
//!     namespace: monitoring                # globs with *
//!     kind: DaemonSet
//!     name: node-exporter*
//!     reason: reads the node's /proc and /sys
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::checks::{self, Severity};
use super::matching::{covers, glob, names_check};
use super::object::ObjRef;
use crate::error::{Error, Result};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Config {
    /// Accepted so the file can say what it is; never read.
    #[serde(default)]
    #[allow(dead_code)]
    api_version: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    kind: Option<String>,
    #[serde(default)]
    pub(crate) severity: BTreeMap<String, String>,
    #[serde(default)]
    pub(crate) disabled: Vec<String>,
    #[serde(default)]
    pub(crate) exemptions: Vec<Exemption>,
    #[serde(default = "yes")]
    pub(crate) annotation_exemptions: bool,
    #[serde(default)]
    pub(crate) zones: Option<usize>,
    /// The built-in exemptions for system add-ons ([`super::defaults`]).
    #[serde(default = "yes")]
    pub(crate) default_exemptions: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Exemption {
    #[serde(default)]
    pub(crate) checks: Vec<String>,
    pub(crate) namespace: Option<String>,
    pub(crate) kind: Option<String>,
    pub(crate) name: Option<String>,
    /// For the file's readers; the audit does not print it.
    #[serde(default)]
    #[allow(dead_code)]
    pub(crate) reason: Option<String>,
}

impl Config {
    /// No config file: annotations and the built-in exemptions apply.
    pub(crate) fn with_defaults() -> Config {
        Config {
            annotation_exemptions: true,
            default_exemptions: true,
            ..Config::default()
        }
    }

    pub(crate) fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let docs = super::yaml::parse_stream(&text).map_err(|e| Error::Yaml {
            path: path.to_path_buf(),
            line: e.line as usize,
            col: e.col as usize,
            message: e.message,
        })?;
        let value = docs
            .into_iter()
            .next()
            .map(|d| d.value)
            .unwrap_or(Value::Null);
        if value.is_null() {
            return Ok(Config::with_defaults());
        }
        let config: Config = serde_json::from_value(value).map_err(|e| {
            Error::Usage(format!(
                "{}: {e}; see `kubectl audit --help`",
                path.display()
            ))
        })?;
        for (id, sev) in &config.severity {
            if checks::info(id).is_none() {
                return Err(Error::Usage(format!(
                    "{}: severity for unknown check {id:?}; run `kubectl audit checks`",
                    path.display()
                )));
            }
            if Severity::parse(sev).is_none() {
                return Err(Error::Usage(format!(
                    "{}: severity {sev:?} for {id} must be info, warning or error",
                    path.display()
                )));
            }
        }
        for e in &config.exemptions {
            for c in &e.checks {
                if !names_check(c) {
                    return Err(Error::Usage(format!(
                        "{}: exemption names unknown check {c:?}; run `kubectl audit checks`",
                        path.display()
                    )));
                }
            }
        }
        Ok(config)
    }

    pub(crate) fn severity_of(&self, id: &str) -> Severity {
        self.severity
            .get(id)
            .and_then(|s| Severity::parse(s))
            .or_else(|| checks::info(id).map(|c| c.severity))
            .unwrap_or(Severity::Warning)
    }

    /// Whether a configured exemption covers this check on this object.
    pub(crate) fn exempts(&self, check: &str, obj: &ObjRef) -> bool {
        self.exemptions.iter().any(|e| {
            (e.checks.is_empty() || e.checks.iter().any(|c| covers(c, check)))
                && e.namespace
                    .as_deref()
                    .is_none_or(|p| glob(p, obj.namespace.as_deref().unwrap_or("")))
                && e.kind
                    .as_deref()
                    .is_none_or(|k| k.eq_ignore_ascii_case(&obj.kind))
                && e.name.as_deref().is_none_or(|p| glob(p, &obj.name))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_exemptions_match_by_glob() {
        let config = Config {
            exemptions: vec![Exemption {
                checks: vec!["host-path".into()],
                namespace: Some("monitoring".into()),
                kind: Some("DaemonSet".into()),
                name: Some("node-exporter*".into()),
                reason: None,
            }],
            ..Config::default()
        };
        let obj = ObjRef {
            api_version: "apps/v1".into(),
            kind: "DaemonSet".into(),
            namespace: Some("monitoring".into()),
            name: "node-exporter-x".into(),
        };
        assert!(config.exempts("host-path", &obj));
        assert!(!config.exempts("privileged", &obj));
        let other = ObjRef {
            namespace: Some("shop".into()),
            ..obj
        };
        assert!(!config.exempts("host-path", &other));
    }
}
