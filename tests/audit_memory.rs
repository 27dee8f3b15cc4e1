//! `kubectl audit -f` memory on a big input, every output format: the peak
//! resident size of the real binary (the kernel's count for that child, from
//! wait4), not a timing. The input is tests/tools/audit-big-manifests.py's
//! (the one bench/audit.sh measures at 10,000 documents), at 2,000 documents
//! so a debug build runs each format in a second or two.
//!
//! What was wrong: SARIF was built as a JSON value tree (five times the
//! text), the table went through comfy-table (four copies of every cell),
//! and the other formats were rendered whole before printing, so memory grew
//! with the report. Now the output is written as it is made: every format
//! peaks where the parsed input and the findings do.
#![cfg(target_os = "linux")]

mod support;

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};

const DOCUMENTS: usize = 2_000;
const FORMATS: [&str; 5] = ["table", "json", "yaml", "sarif", "junit"];

/// Runs `kubectl audit ARGS` with stdout to `out`; returns its exit code and
/// peak resident size in KiB.
// Reaped by wait4 below, which std's Child does not know about.
#[allow(clippy::zombie_processes)]
fn audit_peak(args: &[&str], out: &Path) -> (i32, i64) {
    let child = Command::new(support::bin("kubectl-audit"))
        .args(args)
        .env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(File::create(out).unwrap())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for this child alone.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as libc::pid_t, "wait4 failed");
    assert!(
        libc::WIFEXITED(status),
        "kubectl audit {args:?} did not exit"
    );
    // Linux counts ru_maxrss in KiB.
    (libc::WEXITSTATUS(status), usage.ru_maxrss)
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum()
}

#[test]
fn every_format_peaks_where_the_input_does_not_where_the_report_does() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("manifests");
    let generated = Command::new("python3")
        .arg(support::repo_root().join("tests/tools/audit-big-manifests.py"))
        .arg(&input)
        .arg(DOCUMENTS.to_string())
        .status()
        .expect("run python3");
    assert!(generated.success(), "audit-big-manifests.py failed");
    let input_kib = dir_size(&input) as i64 / 1024;

    // Start-up and one object: what any run costs.
    let one = dir.path().join("one.yaml");
    std::fs::write(
        &one,
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: n}\n",
    )
    .unwrap();
    let (code, base) = audit_peak(
        &["-f", one.to_str().unwrap(), "-o", "json"],
        &dir.path().join("one.out"),
    );
    assert_eq!(code, 0);

    let mut peaks = Vec::new();
    for format in FORMATS {
        let out = dir.path().join(format!("report.{format}"));
        let (code, peak) = audit_peak(&["-f", input.to_str().unwrap(), "-o", format], &out);
        assert_eq!(code, 3, "-o {format}: errors among the findings, exit 3");
        let written = std::fs::metadata(&out).unwrap().len() as i64 / 1024;
        // The report is several times the input: holding it would show.
        assert!(
            written > 2 * input_kib,
            "-o {format}: only {written} KiB written for {input_kib} KiB of input"
        );
        peaks.push((format, peak, written));
    }
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    let findings = report["clusters"][0]["findings"].as_array().unwrap().len();
    assert!(findings > 2 * DOCUMENTS, "{findings} findings");

    let summary: Vec<String> = peaks
        .iter()
        .map(|(f, p, w)| format!("{f} {} KiB (report {w} KiB)", p - base))
        .collect();
    let summary = format!(
        "peak above start-up ({base} KiB) for {input_kib} KiB of input, {findings} findings: {}",
        summary.join(", ")
    );
    // The parsed input and the findings cost about 30 bytes per input byte;
    // the old SARIF took 110, the old table 50, JSON and YAML over 40.
    for (format, peak, _) in &peaks {
        assert!(
            peak - base <= 40 * input_kib,
            "-o {format} holds more than the input and its findings: {summary}"
        );
    }
    // No format keeps its whole output: all peak alike, within 10%.
    let low = peaks.iter().map(|p| p.1 - base).min().unwrap();
    let high = peaks.iter().map(|p| p.1 - base).max().unwrap();
    assert!(
        high * 10 <= low * 11,
        "formats differ in memory, one holds its output: {summary}"
    );
    eprintln!("{summary}");
}
