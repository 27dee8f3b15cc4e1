//! Are the audits still running? An unchanged run writes nothing, so a
//! report's age alone cannot say. The rule:
//!
//! 1. The CronJob `kubectl audit install` made, found by install's labels
//!    in any namespace the user may list (`install -n NS` too), is the
//!    source; with several, the one in the namespace in view, else in
//!    `honban-system`, else the one that last succeeded. Its last Job
//!    failed: warn. It is suspended: warn.
//! 2. It records a last successful run: stale when that is older than twice
//!    the schedule's longest interval.
//! 3. It records none yet: stale when the newest report (or, with none, the
//!    CronJob itself) is older than twice that interval.
//! 4. No CronJob (reports from `kubectl audit --report` by hand): ages are
//!    shown, freshness is not judged.

use kube::core::Request;
use kube::core::params::ListParams;
use serde::Deserialize;

use super::cron::max_interval;
use super::read::MANAGED_BY;
use super::view::{Freshness, JobView, age};
use crate::audit::object::parse_timestamp;

/// Where `kubectl audit install` puts the CronJob by default, and its name.
use crate::audit::install::manifest::{DEFAULT_NAMESPACE as INSTALL_NAMESPACE, NAME as CRON_JOB};

/// Install's two labels: on the CronJob wherever it was installed.
fn install_selector() -> String {
    format!("{MANAGED_BY},app.kubernetes.io/name={CRON_JOB}")
}

#[derive(Deserialize)]
struct List<T> {
    items: Vec<T>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Meta {
    name: String,
    #[serde(default)]
    namespace: String,
    uid: Option<String>,
    creation_timestamp: Option<String>,
    #[serde(default)]
    owner_references: Vec<Owner>,
}

#[derive(Deserialize)]
struct Owner {
    uid: String,
}

#[derive(Deserialize)]
struct CronJob {
    metadata: Meta,
    spec: CronSpec,
    #[serde(default)]
    status: CronStatus,
}

#[derive(Deserialize)]
struct CronSpec {
    schedule: String,
    #[serde(default)]
    suspend: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct CronStatus {
    last_schedule_time: Option<String>,
    last_successful_time: Option<String>,
}

#[derive(Deserialize)]
struct Job {
    metadata: Meta,
    #[serde(default)]
    status: JobStatus,
}

#[derive(Deserialize, Default)]
struct JobStatus {
    #[serde(default)]
    conditions: Vec<Condition>,
}

#[derive(Deserialize)]
struct Condition {
    #[serde(rename = "type")]
    kind: String,
    status: String,
    reason: Option<String>,
    message: Option<String>,
}

async fn get_list<T: serde::de::DeserializeOwned>(
    client: &kube::Client,
    url: &str,
    labels: Option<&str>,
) -> Result<Vec<T>, String> {
    let mut lp = ListParams::default();
    if let Some(l) = labels {
        lp = lp.labels(l);
    }
    let http = Request::new(url).list(&lp).map_err(|e| e.to_string())?;
    let list: List<T> = client.request(http).await.map_err(|e| match e {
        kube::Error::Api(s) if s.code == 403 => format!("forbidden: {}", s.message),
        other => other.to_string(),
    })?;
    Ok(list.items)
}

/// install's CronJobs: across the cluster, else (a user bound in some
/// namespaces only) in install's default namespace and the one in view.
async fn find(client: &kube::Client, in_view: Option<&str>) -> Result<Vec<CronJob>, String> {
    let selector = install_selector();
    match get_list(client, "/apis/batch/v1/cronjobs", Some(&selector)).await {
        Err(e) if e.starts_with("forbidden:") => {}
        found => return found,
    }
    let mut namespaces = vec![INSTALL_NAMESPACE];
    namespaces.extend(in_view.filter(|ns| *ns != INSTALL_NAMESPACE));
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for ns in &namespaces {
        let url = format!("/apis/batch/v1/namespaces/{ns}/cronjobs");
        match get_list(client, &url, Some(&selector)).await {
            Ok(mut list) => found.append(&mut list),
            Err(e) => errors.push(format!("in {ns}: {e}")),
        }
    }
    if errors.len() == namespaces.len() {
        return Err(errors.join("; "));
    }
    Ok(found)
}

/// The CronJob that decides, and the names of the others.
fn choose(mut found: Vec<CronJob>, in_view: Option<&str>) -> Option<(CronJob, Vec<String>)> {
    let rank = |c: &CronJob| {
        let ns = c.metadata.namespace.as_str();
        let success = c.status.last_successful_time.as_deref();
        let success = success.and_then(parse_timestamp).unwrap_or(i64::MIN);
        (Some(ns) == in_view, ns == INSTALL_NAMESPACE, success)
    };
    let best = (0..found.len()).max_by_key(|&i| rank(&found[i]))?;
    let chosen = found.swap_remove(best);
    let mut others: Vec<String> = found
        .iter()
        .map(|c| format!("{}/{}", c.metadata.namespace, c.metadata.name))
        .collect();
    others.sort();
    Some((chosen, others))
}

/// Judges freshness; `newest` is the newest report's write time in view,
/// `in_view` the namespace shown (none with `-A`).
/// Returns it with the warnings to print.
pub(crate) async fn judge(
    client: &kube::Client,
    in_view: Option<&str>,
    newest: Option<i64>,
    now: i64,
) -> (Freshness, Vec<String>) {
    let mut warnings = Vec::new();
    let mut fresh = Freshness {
        judged_by: "none",
        ..Freshness::default()
    };
    let found = match find(client, in_view).await {
        Ok(found) => found,
        Err(e) => {
            warnings.push(format!(
                "cannot read the audit CronJob ({e}): freshness is not judged"
            ));
            return (fresh, warnings);
        }
    };
    let Some((cj, others)) = choose(found, in_view) else {
        return (fresh, warnings);
    };
    fresh.other_cron_jobs = others;
    let ns = cj.metadata.namespace.clone();
    let name = format!("{ns}/{}", cj.metadata.name);
    describe(&cj, &name, &mut fresh);
    if fresh.suspended {
        warnings.push(format!(
            "the audit CronJob {name} is suspended: no audit runs"
        ));
    }
    fresh.last_job = last_job(client, &ns, &cj.metadata, &mut warnings).await;
    if let Some(job) = fresh.last_job.as_ref().filter(|j| j.status == "failed") {
        warnings.push(format!(
            "the last audit run failed: Job {ns}/{} ({})",
            job.name,
            job.reason.as_deref().unwrap_or("no reason given")
        ));
    }
    match max_interval(&cj.spec.schedule) {
        Ok(interval) => {
            fresh.interval_seconds = Some(interval);
            warnings.extend(staleness(&cj, interval, newest, now, &mut fresh));
        }
        Err(e) => warnings.push(format!("CronJob {name}: {e}: freshness is not judged")),
    }
    (fresh, warnings)
}

/// The CronJob's spec and status, as the JSON shows them.
fn describe(cj: &CronJob, name: &str, fresh: &mut Freshness) {
    fresh.cron_job = Some(name.to_string());
    fresh.schedule = Some(cj.spec.schedule.clone());
    fresh.suspended = cj.spec.suspend.unwrap_or(false);
    let time = |t: &Option<String>| t.as_deref().and_then(parse_timestamp);
    fresh.last_schedule_time = time(&cj.status.last_schedule_time);
    fresh.last_successful_time = time(&cj.status.last_successful_time);
}

/// Rules 2 and 3: the warning when the audits are stale.
fn staleness(
    cj: &CronJob,
    interval: i64,
    newest: Option<i64>,
    now: i64,
    fresh: &mut Freshness,
) -> Option<String> {
    let created = cj
        .metadata
        .creation_timestamp
        .as_deref()
        .and_then(parse_timestamp);
    let (since, what) = match fresh.last_successful_time {
        Some(t) => {
            fresh.judged_by = "cronjob";
            (t, "the last successful audit run was")
        }
        None => {
            fresh.judged_by = "reports";
            match newest {
                Some(t) => (
                    t,
                    "the CronJob records no successful run and the newest report is",
                ),
                None => (
                    created.unwrap_or(now),
                    "the CronJob records no successful run, there are no reports, and it was created",
                ),
            }
        }
    };
    if now - since <= 2 * interval {
        return None;
    }
    fresh.stale = true;
    Some(format!(
        "{what} {} ago, more than twice the schedule's interval ({} runs at least every {})",
        age(now - since),
        cj.spec.schedule,
        age(interval)
    ))
}

/// The CronJob's newest Job (by creation), and how it ended.
async fn last_job(
    client: &kube::Client,
    ns: &str,
    owner: &Meta,
    warnings: &mut Vec<String>,
) -> Option<JobView> {
    let url = format!("/apis/batch/v1/namespaces/{ns}/jobs");
    let jobs: Vec<Job> = match get_list(client, &url, None).await {
        Ok(jobs) => jobs,
        Err(e) => {
            warnings.push(format!(
                "cannot read the audit's Jobs in {ns} ({e}): a failed run is not seen"
            ));
            return None;
        }
    };
    let uid = owner.uid.as_deref()?;
    let job = jobs
        .into_iter()
        .filter(|j| j.metadata.owner_references.iter().any(|o| o.uid == uid))
        .max_by_key(|j| {
            j.metadata
                .creation_timestamp
                .as_deref()
                .and_then(parse_timestamp)
        })?;
    let done = |kind: &str| {
        job.status
            .conditions
            .iter()
            .find(|c| c.kind == kind && c.status == "True")
    };
    let (status, reason) = if let Some(c) = done("Failed") {
        let text = match (&c.reason, &c.message) {
            (Some(r), Some(m)) => format!("{r}: {m}"),
            (r, m) => r.clone().or(m.clone()).unwrap_or_default(),
        };
        ("failed", Some(text).filter(|t| !t.is_empty()))
    } else if done("Complete").is_some() {
        ("succeeded", None)
    } else {
        ("running", None)
    };
    Some(JobView {
        name: job.metadata.name,
        status,
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cron_job(ns: &str, last_success: Option<&str>) -> CronJob {
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": CRON_JOB, "namespace": ns},
            "spec": {"schedule": "17 * * * *"},
            "status": {"lastSuccessfulTime": last_success},
        }))
        .unwrap()
    }

    fn chosen(found: Vec<CronJob>, in_view: Option<&str>) -> (String, Vec<String>) {
        let (cj, others) = choose(found, in_view).unwrap();
        (cj.metadata.namespace, others)
    }

    #[test]
    fn the_install_in_view_then_the_default_then_the_last_to_succeed_decides() {
        let all = || {
            vec![
                cron_job("team-b", Some("2026-01-02T00:00:00Z")),
                cron_job(INSTALL_NAMESPACE, Some("2026-01-01T00:00:00Z")),
                cron_job("team-a", None),
            ]
        };
        let (ns, others) = chosen(all(), Some("team-a"));
        assert_eq!(ns, "team-a");
        assert_eq!(
            others,
            ["honban-system/honban-audit", "team-b/honban-audit"]
        );
        assert_eq!(chosen(all(), None).0, INSTALL_NAMESPACE);
        assert_eq!(chosen(all(), Some("shop")).0, INSTALL_NAMESPACE);
        let elsewhere = vec![
            cron_job("team-a", Some("2026-01-01T00:00:00Z")),
            cron_job("team-b", Some("2026-01-02T00:00:00Z")),
        ];
        assert_eq!(chosen(elsewhere, None).0, "team-b");
        assert!(choose(Vec::new(), None).is_none());
    }
}
