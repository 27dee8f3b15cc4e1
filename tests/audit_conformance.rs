//! Conformance with the anchor tools' own test expectations.
//!
//! `../shared/audit-corpus/expectations.json` holds what kube-score, polaris,
//! kube-linter and kubeaudit expect on 300 public manifests. Expectations of
//! checks that mean what one of ours means are mapped to it; the rest are
//! counted as unmapped (with the reason below). Every mapped expectation
//! counts: the test fails under 95% agreement, and every disagreement must be
//! justified on its own, by (file, tool, check), in
//! tests/audit-conformance-disagreements.md.

mod support;

use std::collections::BTreeSet;
use std::path::PathBuf;

use honban::audit;
use serde_json::Value;

/// The corpus, from HONBAN_AUDIT_CORPUS or `../shared/audit-corpus`; its
/// absence fails under CI=true.
fn corpus_dir() -> Option<PathBuf> {
    support::shared_dir("HONBAN_AUDIT_CORPUS", "audit-corpus", "expectations.json")
}

/// How an expectation compares with our findings on its file.
#[derive(Clone, Copy)]
enum Compare {
    /// Fails (Critical, Warning, failure, a result) iff one of ours fires.
    Fires,
    /// kube-linter: exactly this many objects flagged.
    Count,
}

struct Mapping {
    tool: &'static str,
    check: &'static str,
    ours: &'static [&'static str],
    compare: Compare,
    /// Runs (kube-score configurations) that match our semantics; None = all.
    runs: Option<fn(&str) -> bool>,
}

fn min_two(run: &str) -> bool {
    run.starts_with("default")
        || run.contains("MinReplicasDeployment: 2")
        || run.contains("MinReplicasHPA: 2")
}

/// kube-score asks for CPU limits unless told not to; we never do. Its
/// default run is mapped all the same: on the corpus it grades files that set
/// a CPU limit or no resources at all, so the CPU limit never decides it. The
/// run that demands one of a file without it is the one left out.
fn no_cpu_limit(run: &str) -> bool {
    !run.contains("IgnoreContainerCpuLimitRequirement: false")
}

fn current_kubernetes(run: &str) -> bool {
    // kube-score's default run answers for Kubernetes 1.18; ours for today's.
    // Only runs that target 1.21 or later ask the same question.
    run.contains("Minor: 21")
}

fn optional_enabled(run: &str) -> bool {
    run.starts_with("default")
        || run.contains("EnabledOptionalTests")
        || run.contains("UseOptionalChecksAnnotation")
}

const MAPPINGS: &[Mapping] = &[
    // kube-score
    Mapping {
        tool: "kube-score",
        check: "Stable version",
        ours: &["deprecated-api"],
        compare: Compare::Fires,
        runs: Some(current_kubernetes),
    },
    Mapping {
        tool: "kube-score",
        check: "Deployment has host PodAntiAffinity",
        ours: &["spread-nodes"],
        compare: Compare::Fires,
        runs: None,
    },
    Mapping {
        tool: "kube-score",
        check: "StatefulSet has host PodAntiAffinity",
        ours: &["spread-nodes"],
        compare: Compare::Fires,
        runs: None,
    },
    Mapping {
        tool: "kube-score",
        check: "Deployment has PodDisruptionBudget",
        ours: &["pdb-missing"],
        compare: Compare::Fires,
        runs: None,
    },
    Mapping {
        tool: "kube-score",
        check: "Container Resources",
        ours: &["resources"],
        compare: Compare::Fires,
        runs: Some(no_cpu_limit),
    },
    Mapping {
        tool: "kube-score",
        check: "Deployment targeted by HPA does not have replicas configured",
        ours: &["min-replicas"],
        compare: Compare::Fires,
        runs: None,
    },
    Mapping {
        tool: "kube-score",
        check: "HorizontalPodAutoscaler Replicas",
        ours: &["min-replicas"],
        compare: Compare::Fires,
        runs: Some(min_two),
    },
    Mapping {
        tool: "kube-score",
        check: "Deployment Replicas",
        ours: &["min-replicas"],
        compare: Compare::Fires,
        runs: Some(min_two),
    },
    Mapping {
        tool: "kube-score",
        check: "Container Image Tag",
        ours: &["image-tag"],
        compare: Compare::Fires,
        runs: None,
    },
    Mapping {
        tool: "kube-score",
        check: "Pod Probes",
        ours: &["readiness-probe"],
        compare: Compare::Fires,
        runs: None,
    },
    Mapping {
        tool: "kube-score",
        check: "Container Seccomp Profile",
        ours: &["seccomp"],
        compare: Compare::Fires,
        runs: Some(optional_enabled),
    },
    Mapping {
        tool: "kube-score",
        check: "Container Security Context Privileged",
        ours: &["privileged"],
        compare: Compare::Fires,
        runs: None,
    },
    Mapping {
        tool: "kube-score",
        check: "Container Security Context ReadOnlyRootFilesystem",
        ours: &["read-only-root-fs"],
        compare: Compare::Fires,
        runs: None,
    },
    // polaris
    Mapping {
        tool: "polaris",
        check: "automountServiceAccountToken",
        ours: &["automount-sa-token"],
        compare: Compare::Fires,
        runs: None,
    },
    Mapping {
        tool: "polaris",
        check: "cpuRequestsMissing",
        ours: &["resources"],
        compare: Compare::Fires,
        runs: None,
    },
    Mapping {
        tool: "polaris",
        check: "memoryRequestsMissing",
        ours: &["resources"],
        compare: Compare::Fires,
        runs: None,
    },
    Mapping {
        tool: "polaris",
        check: "memoryLimitsMissing",
        ours: &["resources"],
        compare: Compare::Fires,
        runs: None,
    },
    Mapping {
        tool: "polaris",
        check: "dangerousCapabilities",
        ours: &["capabilities"],
        compare: Compare::Fires,
        runs: None,
    },
    Mapping {
        tool: "polaris",
        check: "insecureCapabilities",
        ours: &["capabilities"],
        compare: Compare::Fires,
        runs: None,
    },
    Mapping {
        tool: "polaris",
        check: "deploymentMissingReplicas",
        ours: &["min-replicas"],
        compare: Compare::Fires,
        runs: None,
    },
    Mapping {
        tool: "polaris",
        check: "hostIPCSet",
        ours: &["host-namespaces"],
        compare: Compare::Fires,
        runs: None,
    },
    Mapping {
        tool: "polaris",
        check: "hostNetworkSet",
        ours: &["host-namespaces"],
        compare: Compare::Fires,
        runs: None,
    },
    Mapping {
        tool: "polaris",
        check: "hostPIDSet",
        ours: &["host-namespaces"],
        compare: Compare::Fires,
        runs: None,
    },
    Mapping {
        tool: "polaris",
        check: "hostPathSet",
        ours: &["host-path"],
        compare: Compare::Fires,
        runs: None,
    },
    Mapping {
        tool: "polaris",
        check: "hostProcess",
        ours: &["privileged"],
        compare: Compare::Fires,
        runs: None,
    },
    Mapping {
        tool: "polaris",
        check: "hpaMinAvailability",
        ours: &["min-replicas"],
        compare: Compare::Fires,
        runs: None,
    },
    Mapping {
        tool: "polaris",
        check: "livenessProbeMissing",
        ours: &["liveness-probe"],
        compare: Compare::Fires,
        runs: None,
    },
    Mapping {
        tool: "polaris",
        check: "readinessProbeMissing",
        ours: &["readiness-probe"],
        compare: Compare::Fires,
        runs: None,
    },
    Mapping {
        tool: "polaris",
        check: "missingPodDisruptionBudget",
        ours: &["pdb-missing"],
        compare: Compare::Fires,
        runs: None,
    },
    Mapping {
        tool: "polaris",
        check: "notReadOnlyRootFilesystem",
        ours: &["read-only-root-fs"],
        compare: Compare::Fires,
        runs: None,
    },
    Mapping {
        tool: "polaris",
        check: "pdbDisruptionsIsZero",
        ours: &["pdb-blocks-eviction"],
        compare: Compare::Fires,
        runs: None,
    },
    Mapping {
        tool: "polaris",
        check: "pdbMinAvailableGreaterThanHPAMinReplicas",
        ours: &["pdb-blocks-eviction"],
        compare: Compare::Fires,
        runs: None,
    },
    Mapping {
        tool: "polaris",
        check: "privilegeEscalationAllowed",
        ours: &["privilege-escalation"],
        compare: Compare::Fires,
        runs: None,
    },
    Mapping {
        tool: "polaris",
        check: "runAsPrivileged",
        ours: &["privileged"],
        compare: Compare::Fires,
        runs: None,
    },
    Mapping {
        tool: "polaris",
        check: "runAsRootAllowed",
        ours: &["run-as-non-root"],
        compare: Compare::Fires,
        runs: None,
    },
    Mapping {
        tool: "polaris",
        check: "tagNotSpecified",
        ours: &["image-tag"],
        compare: Compare::Fires,
        runs: None,
    },
    // kube-linter
    Mapping {
        tool: "kube-linter",
        check: "no-anti-affinity",
        ours: &["spread-nodes"],
        compare: Compare::Count,
        runs: None,
    },
    Mapping {
        tool: "kube-linter",
        check: "no-liveness-probe",
        ours: &["liveness-probe"],
        compare: Compare::Count,
        runs: None,
    },
    Mapping {
        tool: "kube-linter",
        check: "no-readiness-probe",
        ours: &["readiness-probe"],
        compare: Compare::Count,
        runs: None,
    },
    Mapping {
        tool: "kube-linter",
        check: "pdb-min-available",
        ours: &["pdb-blocks-eviction"],
        compare: Compare::Count,
        runs: None,
    },
    Mapping {
        tool: "kube-linter",
        check: "pdb-max-unavailable",
        ours: &["pdb-blocks-eviction"],
        compare: Compare::Fires,
        runs: None,
    },
    Mapping {
        tool: "kube-linter",
        check: "wildcard-in-rules",
        ours: &["rbac-wildcard"],
        compare: Compare::Count,
        runs: None,
    },
    Mapping {
        tool: "kube-linter",
        check: "use-namespace",
        ours: &["default-namespace"],
        compare: Compare::Count,
        runs: None,
    },
    Mapping {
        tool: "kube-linter",
        check: "run-as-non-root",
        ours: &["run-as-non-root"],
        compare: Compare::Count,
        runs: None,
    },
    Mapping {
        tool: "kube-linter",
        check: "privileged-container",
        ours: &["privileged"],
        compare: Compare::Count,
        runs: None,
    },
    Mapping {
        tool: "kube-linter",
        check: "host-network",
        ours: &["host-namespaces"],
        compare: Compare::Count,
        runs: None,
    },
    Mapping {
        tool: "kube-linter",
        check: "sensitive-host-mounts",
        ours: &["host-path"],
        compare: Compare::Count,
        runs: None,
    },
    Mapping {
        tool: "kube-linter",
        check: "docker-sock",
        ours: &["host-path"],
        compare: Compare::Count,
        runs: None,
    },
    Mapping {
        tool: "kube-linter",
        check: "unset-cpu-requirements",
        ours: &["resources"],
        compare: Compare::Count,
        runs: None,
    },
    Mapping {
        tool: "kube-linter",
        check: "unset-memory-requirements",
        ours: &["resources"],
        compare: Compare::Count,
        runs: None,
    },
    Mapping {
        tool: "kube-linter",
        check: "latest-tag",
        ours: &["image-tag"],
        compare: Compare::Count,
        runs: None,
    },
    Mapping {
        tool: "kube-linter",
        check: "no-read-only-root-fs",
        ours: &["read-only-root-fs"],
        compare: Compare::Count,
        runs: None,
    },
];

/// Where one of our checks covers several of theirs, the part of our
/// message that stands for theirs.
const MESSAGE_PARTS: &[(&str, &str, &str)] = &[
    (
        "kube-score",
        "Deployment targeted by HPA does not have replicas configured",
        "sets replicas",
    ),
    ("polaris", "cpuRequestsMissing", "CPU request"),
    ("polaris", "memoryRequestsMissing", "memory request"),
    ("polaris", "memoryLimitsMissing", "memory limit"),
    ("polaris", "dangerousCapabilities", " adds "),
    ("polaris", "hostIPCSet", "hostIPC"),
    ("polaris", "hostNetworkSet", "hostNetwork"),
    ("polaris", "hostPIDSet", "hostPID"),
    ("polaris", "hostProcess", "HostProcess"),
    ("kube-linter", "unset-cpu-requirements", "CPU request"),
    ("kube-linter", "unset-memory-requirements", "memory limit"),
    ("kube-linter", "sensitive-host-mounts", "(sensitive)"),
    ("kube-linter", "docker-sock", "docker.sock"),
    ("kube-linter", "host-network", "hostNetwork"),
    ("kubeaudit", "CapabilityAdded", " adds "),
    ("kubeaudit", "CapabilityShouldDropAll", "does not drop ALL"),
    ("kubeaudit", "NamespaceHostIPCTrue", "hostIPC"),
    (
        "kubeaudit",
        "AllowAllIngressNetworkPolicyExists",
        "allows all ingress",
    ),
    (
        "kubeaudit",
        "AllowAllEgressNetworkPolicyExists",
        "allows all egress",
    ),
];

fn message_part(tool: &str, check: &str) -> Option<&'static str> {
    MESSAGE_PARTS
        .iter()
        .find(|(t, c, _)| *t == tool && *c == check)
        .map(|(_, _, part)| *part)
}

/// kubeaudit result names that mean one of our checks fires. Results ending
/// in `Allowed` are kubeaudit's own label overrides and are not mapped.
const KUBEAUDIT: &[(&str, &str)] = &[
    ("CapabilityAdded", "capabilities"),
    ("CapabilityShouldDropAll", "capabilities"),
    ("NamespaceHostIPCTrue", "host-namespaces"),
    ("NamespaceHostNetworkTrue", "host-namespaces"),
    ("NamespaceHostPIDTrue", "host-namespaces"),
    ("SensitivePathsMounted", "host-path"),
    (
        "AllowAllIngressNetworkPolicyExists",
        "namespace-network-policy",
    ),
    (
        "AllowAllEgressNetworkPolicyExists",
        "namespace-network-policy",
    ),
    (
        "MissingDefaultDenyIngressNetworkPolicy",
        "namespace-network-policy",
    ),
    ("RunAsNonRootCSCFalse", "run-as-non-root"),
    ("AllowPrivilegeEscalationNil", "privilege-escalation"),
    ("AllowPrivilegeEscalationTrue", "privilege-escalation"),
    ("PrivilegedTrue", "privileged"),
    ("ReadOnlyRootFilesystemFalse", "read-only-root-fs"),
    ("ReadOnlyRootFilesystemNil", "read-only-root-fs"),
    ("SeccompDisabledContainer", "seccomp"),
    ("SeccompAnnotationMissing", "seccomp"),
];

struct Outcome {
    /// (file, tool, check): what a justification names.
    key: (String, String, String),
    label: String,
    expected: String,
    got: String,
    agree: bool,
}

/// The (file, tool, check) triples the markdown justifies, each written as
/// `` `FILE` · TOOL · `CHECK` ``.
fn justified_keys(text: &str) -> BTreeSet<(String, String, String)> {
    let parts: Vec<&str> = text.split('`').collect();
    let mut keys = BTreeSet::new();
    // Odd parts are inside backticks.
    for i in (1..parts.len().saturating_sub(2)).step_by(2) {
        let file = parts[i];
        let between = parts[i + 1].trim();
        if file.contains('/')
            && (file.ends_with(".yaml") || file.ends_with(".yml"))
            && let Some(tool) = between
                .strip_prefix('·')
                .and_then(|t| t.strip_suffix('·'))
                .map(str::trim)
            && !tool.is_empty()
            && !tool.contains(char::is_whitespace)
        {
            keys.insert((file.into(), tool.into(), parts[i + 2].into()));
        }
    }
    keys
}

fn fails(e: &Value) -> bool {
    if let Some(g) = e.get("grade").and_then(Value::as_str) {
        return matches!(g, "Critical" | "Warning");
    }
    if let Some(code) = e.get("expected_exit").and_then(Value::as_u64) {
        return code != 0;
    }
    if let Some(messages) = e.get("messages").and_then(Value::as_array) {
        return !messages.is_empty();
    }
    e.get("expect").and_then(Value::as_str) == Some("fail")
}

#[test]
fn agreement_with_the_anchor_tools_expectations() {
    let Some(dir) = corpus_dir() else {
        support::skip(
            "audit conformance",
            "../shared/audit-corpus/expectations.json not found (set HONBAN_AUDIT_CORPUS); agreement was NOT measured",
        );
        return;
    };
    let text = std::fs::read_to_string(dir.join("expectations.json")).unwrap();
    let entries: Vec<Value> = serde_json::from_str(&text).unwrap();
    let mut outcomes = Vec::new();
    let mut unmapped = 0;
    for entry in &entries {
        let file = entry["file"].as_str().unwrap();
        let expectations = entry["expectations"].as_array().unwrap();
        if expectations.is_empty() {
            continue;
        }
        let manifest = std::fs::read_to_string(dir.join(file)).unwrap();
        let report = audit::audit_text(&manifest, &[], None);
        let flagged = |ours: &[&str], part: Option<&str>| -> BTreeSet<String> {
            report
                .findings
                .iter()
                .filter(|f| ours.contains(&f.check))
                .filter(|f| part.is_none_or(|p| f.message.contains(p)))
                .map(|f| {
                    format!(
                        "{}/{}/{}",
                        f.object.namespace.as_deref().unwrap_or(""),
                        f.object.kind,
                        f.object.name
                    )
                })
                .collect()
        };
        for e in expectations {
            let tool = e["tool"].as_str().unwrap();
            if tool == "kubeaudit" {
                let results: Vec<&str> = e["expected_results"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(Value::as_str)
                    .collect();
                for r in results {
                    let Some((_, ours)) = KUBEAUDIT.iter().find(|(k, _)| *k == r) else {
                        unmapped += 1;
                        continue;
                    };
                    let got = flagged(&[ours], message_part(tool, r));
                    outcomes.push(Outcome {
                        key: (file.into(), tool.into(), r.into()),
                        label: format!("{file} · kubeaudit {r} → {ours}"),
                        expected: "fail".into(),
                        got: if got.is_empty() {
                            "pass".into()
                        } else {
                            "fail".into()
                        },
                        agree: !got.is_empty(),
                    });
                }
                continue;
            }
            let check = e.get("check").and_then(Value::as_str).unwrap_or("");
            let run = e.get("run").and_then(Value::as_str).unwrap_or("");
            let Some(m) = MAPPINGS
                .iter()
                .find(|m| m.tool == tool && m.check == check && m.runs.is_none_or(|f| f(run)))
            else {
                unmapped += 1;
                continue;
            };
            let got = flagged(m.ours, message_part(tool, check));
            let count = e.get("expected_report_count").and_then(Value::as_u64);
            let compare = if count.is_none() {
                Compare::Fires
            } else {
                m.compare
            };
            let key = (file.to_string(), tool.to_string(), check.to_string());
            let label = format!("{file} · {tool} {check} → {}", m.ours.join(","));
            let outcome = match compare {
                Compare::Fires => {
                    let expected = fails(e);
                    Outcome {
                        key,
                        label,
                        expected: if expected { "fail" } else { "pass" }.into(),
                        got: if got.is_empty() {
                            "pass".into()
                        } else {
                            format!("fail {got:?}")
                        },
                        agree: expected != got.is_empty(),
                    }
                }
                Compare::Count => {
                    let expected = e["expected_report_count"].as_u64().unwrap_or(0) as usize;
                    Outcome {
                        key,
                        label,
                        expected: format!("{expected} objects"),
                        got: format!("{} objects {got:?}", got.len()),
                        agree: expected == got.len(),
                    }
                }
            };
            outcomes.push(outcome);
        }
    }
    let agree = outcomes.iter().filter(|o| o.agree).count();
    let mapped = outcomes.len();
    let percent = 100.0 * agree as f64 / mapped.max(1) as f64;
    let justified = justified_keys(
        &std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/audit-conformance-disagreements.md"),
        )
        .unwrap_or_default(),
    );
    println!(
        "conformance: {mapped} mapped expectations, {agree} agree ({percent:.1}%); {unmapped} unmapped"
    );
    let mut unjustified = Vec::new();
    let mut disagreeing = BTreeSet::new();
    for o in outcomes.iter().filter(|o| !o.agree) {
        println!(
            "  disagree: {} (expected {}, got {})",
            o.label, o.expected, o.got
        );
        disagreeing.insert(o.key.clone());
        if !justified.contains(&o.key) {
            unjustified.push(o.label.clone());
        }
    }
    // A justification for a disagreement that no longer happens is stale.
    let stale: Vec<_> = justified.difference(&disagreeing).collect();
    assert!(
        mapped >= 100,
        "only {mapped} expectations mapped; the mapping table broke"
    );
    assert!(
        unjustified.is_empty(),
        "disagreements not justified in tests/audit-conformance-disagreements.md \
         (each needs its own `FILE` · TOOL · `CHECK` entry): {unjustified:#?}"
    );
    assert!(
        stale.is_empty(),
        "tests/audit-conformance-disagreements.md justifies disagreements that no longer happen: {stale:#?}"
    );
    assert!(percent >= 95.0, "agreement {percent:.1}% is under 95%");
}

#[test]
fn justifications_are_read_per_file_tool_and_check() {
    let keys = justified_keys(
        "* `a/x.yaml` · kube-score · `Container Resources` (we pass): why.\n\
         * `a/y.yaml`, `a/z.yaml` (polaris `tagNotSpecified`): not a key.\n",
    );
    let want: BTreeSet<_> = [(
        "a/x.yaml".to_string(),
        "kube-score".to_string(),
        "Container Resources".to_string(),
    )]
    .into_iter()
    .collect();
    assert_eq!(keys, want);
}
