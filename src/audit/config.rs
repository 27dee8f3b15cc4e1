//! `--config` and the exemption annotations.
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
use serde_json::{Map, Value};

use super::checks::{self, CHECKS, Category, Severity};
use super::object::ObjRef;
use crate::error::{Error, Result};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub api_version: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub severity: BTreeMap<String, String>,
    #[serde(default)]
    pub disabled: Vec<String>,
    #[serde(default)]
    pub exemptions: Vec<Exemption>,
    #[serde(default = "yes")]
    pub annotation_exemptions: bool,
    #[serde(default)]
    pub zones: Option<usize>,
    /// The built-in exemptions for system add-ons ([`super::defaults`]).
    #[serde(default = "yes")]
    pub default_exemptions: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Exemption {
    #[serde(default)]
    pub checks: Vec<String>,
    pub namespace: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

impl Config {
    /// No config file: annotations and the built-in exemptions apply.
    pub fn with_defaults() -> Config {
        Config {
            annotation_exemptions: true,
            default_exemptions: true,
            ..Config::default()
        }
    }

    pub fn load(path: &Path) -> Result<Config> {
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

    pub fn severity_of(&self, id: &str) -> Severity {
        self.severity
            .get(id)
            .and_then(|s| Severity::parse(s))
            .or_else(|| checks::info(id).map(|c| c.severity))
            .unwrap_or(Severity::Warning)
    }

    /// Whether a configured exemption covers this check on this object.
    pub fn exempts(&self, check: &str, obj: &ObjRef) -> bool {
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

fn names_check(name: &str) -> bool {
    matches!(name, "all" | "*")
        || checks::info(name).is_some()
        || Category::ALL.iter().any(|c| c.as_str() == name)
}

/// Whether an id, category or `all` covers a check.
pub(crate) fn covers(name: &str, check: &str) -> bool {
    name == check
        || matches!(name, "all" | "*")
        || CHECKS
            .iter()
            .any(|c| c.id == check && c.category.as_str() == name)
}

/// `*` matches any run of characters; everything else matches itself.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

pub const SKIP_ANNOTATION: &str = "honban.io/audit-skip";

/// polaris check names that mean one of ours.
const POLARIS: &[(&str, &[&str])] = &[
    ("deploymentMissingReplicas", &["min-replicas"]),
    ("readinessProbeMissing", &["readiness-probe"]),
    ("livenessProbeMissing", &["liveness-probe"]),
    ("missingPodDisruptionBudget", &["pdb-missing"]),
    ("pdbDisruptionsIsZero", &["pdb-blocks-eviction"]),
    (
        "pdbMinAvailableGreaterThanHPAMinReplicas",
        &["pdb-blocks-eviction"],
    ),
    (
        "topologySpreadConstraint",
        &["spread-nodes", "spread-zones"],
    ),
    ("tagNotSpecified", &["image-tag"]),
    ("cpuRequestsMissing", &["resources"]),
    ("memoryRequestsMissing", &["resources"]),
    ("memoryLimitsMissing", &["resources"]),
    ("missingNetworkPolicy", &["namespace-network-policy"]),
    ("runAsRootAllowed", &["run-as-non-root"]),
    ("runAsPrivileged", &["privileged"]),
    ("hostProcess", &["privileged"]),
    ("privilegeEscalationAllowed", &["privilege-escalation"]),
    ("hostNetworkSet", &["host-namespaces"]),
    ("hostPIDSet", &["host-namespaces"]),
    ("hostIPCSet", &["host-namespaces"]),
    ("hostPathSet", &["host-path"]),
    ("dangerousCapabilities", &["capabilities"]),
    ("insecureCapabilities", &["capabilities"]),
    ("notReadOnlyRootFilesystem", &["read-only-root-fs"]),
    ("automountServiceAccountToken", &["automount-sa-token"]),
    ("linuxHardening", &["seccomp"]),
    (
        "clusterrolebindingClusterAdmin",
        &["rbac-cluster-admin-binding"],
    ),
    (
        "rolebindingClusterAdminClusterRole",
        &["rbac-cluster-admin-binding"],
    ),
    (
        "rolebindingClusterAdminRole",
        &["rbac-cluster-admin-binding"],
    ),
];

/// kube-score test ids that mean one of ours.
const KUBE_SCORE: &[(&str, &[&str])] = &[
    ("deployment-replicas", &["min-replicas"]),
    ("statefulset-replicas", &["min-replicas"]),
    ("horizontalpodautoscaler-replicas", &["min-replicas"]),
    (
        "deployment-targeted-by-hpa-does-not-have-replicas-configured",
        &["min-replicas"],
    ),
    ("deployment-has-host-podantiaffinity", &["spread-nodes"]),
    ("statefulset-has-host-podantiaffinity", &["spread-nodes"]),
    ("pod-probes", &["readiness-probe", "liveness-probe"]),
    ("deployment-has-poddisruptionbudget", &["pdb-missing"]),
    ("statefulset-has-poddisruptionbudget", &["pdb-missing"]),
    ("container-resources", &["resources"]),
    ("container-image-tag", &["image-tag"]),
    (
        "container-security-context-user-group-id",
        &["run-as-non-root"],
    ),
    ("container-security-context-privileged", &["privileged"]),
    (
        "container-security-context-readonlyrootfilesystem",
        &["read-only-root-fs"],
    ),
    ("container-seccomp-profile", &["seccomp"]),
    ("pod-networkpolicy", &["namespace-network-policy"]),
    ("stable-version", &["deprecated-api"]),
];

/// Whether an object's (or its namespace's) annotations skip a check.
pub fn annotation_skips(annotations: Option<&Map<String, Value>>, check: &str) -> bool {
    let Some(a) = annotations else { return false };
    let text = |k: &str| a.get(k).and_then(Value::as_str);
    if let Some(list) = text(SKIP_ANNOTATION)
        && list.split(',').map(str::trim).any(|n| covers(n, check))
    {
        return true;
    }
    let truthy = |k: &str| text(k).is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if truthy("polaris.fairwinds.com/exempt") {
        return true;
    }
    if POLARIS.iter().any(|(p, ours)| {
        ours.contains(&check) && truthy(&format!("polaris.fairwinds.com/{p}-exempt"))
    }) {
        return true;
    }
    if let Some(list) = text("kube-score/ignore") {
        return list.split(',').map(str::trim).any(|ks| {
            KUBE_SCORE
                .iter()
                .any(|(k, ours)| *k == ks && ours.contains(&check))
        });
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn globs() {
        assert!(glob("node-exporter*", "node-exporter-abc"));
        assert!(glob("*", ""));
        assert!(glob("a*c*e", "abcde"));
        assert!(!glob("a*c", "abd"));
        assert!(glob("team-?", "team-?"));
    }

    #[test]
    fn annotations_of_three_tools() {
        let a = json!({
            "honban.io/audit-skip": "image-tag, security",
            "polaris.fairwinds.com/readinessProbeMissing-exempt": "true",
            "kube-score/ignore": "container-resources,pod-networkpolicy"
        });
        let a = a.as_object();
        assert!(annotation_skips(a, "image-tag"));
        assert!(annotation_skips(a, "privileged"));
        assert!(annotation_skips(a, "readiness-probe"));
        assert!(!annotation_skips(a, "liveness-probe"));
        assert!(annotation_skips(a, "resources"));
        assert!(annotation_skips(a, "namespace-network-policy"));
        assert!(!annotation_skips(a, "min-replicas"));
        let all = json!({"polaris.fairwinds.com/exempt": "true"});
        assert!(annotation_skips(all.as_object(), "min-replicas"));
    }

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
