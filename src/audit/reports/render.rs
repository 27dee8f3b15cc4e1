//! The fleet view as a table: one block per cluster, a row per namespace
//! with its counts, the age of its newest report and its worst objects,
//! then where the reports came from and how fresh the audits are.

use std::io::{self, Write};

use super::view::{ClusterView, Counts, Freshness, NamespaceView, View, age};
use crate::output::{Columns, Palette};

/// Worst objects shown per row (`-o json` lists more).
const WORST_SHOWN: usize = 3;

const HEADER: [&str; 8] = [
    "NAMESPACE",
    "OBJECTS",
    "ERRORS",
    "WARNINGS",
    "INFO",
    "PASSES",
    "NEWEST",
    "WORST",
];

pub(crate) fn write_table(out: &mut dyn Write, view: &View, palette: Palette) -> io::Result<()> {
    for (n, cluster) in view.clusters.iter().enumerate() {
        if n > 0 {
            writeln!(out)?;
        }
        writeln!(out, "CONTEXT {}", cluster.context)?;
        if let Some(e) = &cluster.error {
            writeln!(out, "{} {e}", palette.error("error:"))?;
            continue;
        }
        cluster_table(out, cluster, palette)?;
    }
    Ok(())
}

fn counts_text(c: &Counts) -> String {
    let mut parts = Vec::new();
    for (n, one, many) in [
        (c.errors, "error", "errors"),
        (c.warnings, "warning", "warnings"),
        (c.info, "info", "info"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {}", if n == 1 { one } else { many }));
        }
    }
    parts.join(", ")
}

fn row(ns: &NamespaceView, palette: Palette) -> [String; 8] {
    let number = |n: usize, paint: fn(&Palette, &str) -> String| {
        if n > 0 {
            paint(&palette, &n.to_string())
        } else {
            n.to_string()
        }
    };
    let worst: Vec<String> = ns
        .worst
        .iter()
        .take(WORST_SHOWN)
        .map(|o| match o.object.kind.as_str() {
            "" => format!("{}: {}", o.object.name, counts_text(&o.counts)),
            kind => format!("{kind}/{}: {}", o.object.name, counts_text(&o.counts)),
        })
        .collect();
    [
        ns.namespace.as_deref().unwrap_or("(cluster)").to_string(),
        ns.objects.to_string(),
        number(ns.counts.errors, Palette::error),
        number(ns.counts.warnings, Palette::warning),
        ns.counts.info.to_string(),
        ns.counts.passes.to_string(),
        ns.newest_age.map(age).unwrap_or_else(|| "-".into()),
        if worst.is_empty() {
            "-".into()
        } else {
            worst.join("\n")
        },
    ]
}

fn cluster_table(out: &mut dyn Write, cluster: &ClusterView, palette: Palette) -> io::Result<()> {
    if cluster.namespaces.is_empty() {
        writeln!(
            out,
            "No honban reports ({}); write them with `kubectl audit --report`, or every hour with `kubectl audit install`.",
            cluster.apis.join(", ")
        )?;
        return writeln!(out, "{}", freshness_line(&cluster.freshness));
    }
    let rows: Vec<[String; 8]> = cluster.namespaces.iter().map(|n| row(n, palette)).collect();
    let mut columns = Columns::new(&HEADER);
    for r in &rows {
        columns.measure(r);
    }
    columns.write_row(out, &HEADER)?;
    for r in &rows {
        columns.write_row(out, r)?;
    }
    writeln!(out)?;
    let mut total = Counts::default();
    let (mut reports, mut objects) = (0, 0);
    for n in &cluster.namespaces {
        reports += n.reports;
        objects += n.objects;
        total.errors += n.counts.errors;
        total.warnings += n.counts.warnings;
        total.info += n.counts.info;
    }
    writeln!(
        out,
        "{} on {}: {} errors, {} warnings, {} info ({})",
        plural(reports, "report"),
        plural(objects, "object"),
        total.errors,
        total.warnings,
        total.info,
        cluster.apis.join(", ")
    )?;
    if !cluster.not_checked.is_empty() {
        let kinds: Vec<String> = cluster
            .not_checked
            .iter()
            .map(|u| {
                if u.allowed {
                    format!("{} (left unread on purpose)", u.kind)
                } else {
                    u.kind.clone()
                }
            })
            .collect();
        writeln!(
            out,
            "Not checked by the last audit of every namespace: {}",
            kinds.join(", ")
        )?;
    }
    writeln!(out, "{}", freshness_line(&cluster.freshness))
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn freshness_line(f: &Freshness) -> String {
    let Some(name) = &f.cron_job else {
        return "Audits: no audit CronJob (kubectl audit install): ages are shown, freshness is not judged".into();
    };
    let mut parts = vec![format!(
        "Audits: CronJob {name} ({})",
        f.schedule.as_deref().unwrap_or("")
    )];
    if f.suspended {
        parts.push("suspended".into());
    }
    let now = crate::audit::now_secs();
    match f.last_successful_time {
        Some(t) => parts.push(format!("last success {} ago", age(now - t))),
        None => parts.push("no successful run recorded".into()),
    }
    if let Some(job) = &f.last_job {
        parts.push(format!("last Job {} {}", job.name, job.status));
    }
    if f.stale {
        parts.push("STALE".into());
    }
    if !f.other_cron_jobs.is_empty() {
        parts.push(format!("also installed: {}", f.other_cron_jobs.join(", ")));
    }
    parts.join(", ")
}
