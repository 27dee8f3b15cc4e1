//! Waiting for the switched workloads to roll out: one LIST per kind each
//! second (plus one of pods, to catch containers that can never start),
//! a spinner per workload, until all are done, one fails, or `--timeout`.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::Value;

use super::cluster::Session;
use super::kinds::HolderKind;
use super::plan::Plan;
use super::refs;
use super::status::{self, Progress};
use crate::error::Result;

/// A workload whose rollout is awaited, from the generation its patch made.
#[derive(Debug, Clone)]
pub(crate) struct Watched {
    pub(crate) kind: HolderKind,
    pub(crate) name: String,
    generation: i64,
}

impl Watched {
    /// The workload `plan` patched, as the patch returned it.
    pub(crate) fn of(plan: &Plan, patched: &Value) -> Watched {
        Watched {
            kind: plan.holder.kind,
            name: plan.holder.name.clone(),
            generation: patched
                .pointer("/metadata/generation")
                .and_then(Value::as_i64)
                .unwrap_or(0),
        }
    }
}

pub(crate) enum WaitEnd {
    Done,
    Failed(Failure),
}

/// The workload that failed, why, and the pods seen on the last look.
pub(crate) struct Failure {
    pub(crate) kind: HolderKind,
    pub(crate) name: String,
    pub(crate) reason: String,
    pub(crate) pods: Vec<Value>,
}

/// One spinner per watched workload; lines printed above them.
struct Spinners {
    multi: MultiProgress,
    bars: Vec<ProgressBar>,
}

impl Spinners {
    fn new(watch: &[Watched]) -> Spinners {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template("{spinner} {prefix} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        let bars = watch
            .iter()
            .map(|w| {
                let b = multi.add(ProgressBar::new_spinner());
                b.set_style(style.clone());
                b.set_prefix(format!("{}/{}", w.kind.resource(), w.name));
                b.set_message("waiting");
                b
            })
            .collect();
        Spinners { multi, bars }
    }

    fn say(&self, line: String) {
        if self.multi.is_hidden() {
            eprintln!("{line}");
        } else {
            let _ = self.multi.println(line);
        }
    }

    fn clear(&self) {
        for b in &self.bars {
            b.finish_and_clear();
        }
    }
}

/// Polls the watched workloads once a second until all are rolled out, one
/// fails, or the timeout passes. `new_name` is the version switched to;
/// `None` when waiting for a switch back (no pod is then held against it).
pub(crate) async fn wait_rollouts(
    s: &Session,
    watch: &[Watched],
    new_name: Option<&str>,
    timeout: Duration,
) -> Result<WaitEnd> {
    if watch.is_empty() {
        return Ok(WaitEnd::Done);
    }
    let spinners = Spinners::new(watch);
    let kinds: BTreeSet<HolderKind> = watch.iter().map(|w| w.kind).collect();
    let deadline = Instant::now() + timeout;
    let mut done = vec![false; watch.len()];
    let mut strikes = vec![0u32; watch.len()];
    loop {
        for b in &spinners.bars {
            b.tick();
        }
        let mut objects = Vec::new();
        for &k in &kinds {
            objects.push((k, s.list_kind(k).await?));
        }
        let pods = match new_name {
            Some(_) => s.list_kind(HolderKind::Pod).await?,
            None => Vec::new(),
        };
        for (i, w) in watch.iter().enumerate() {
            if done[i] {
                continue;
            }
            let found = objects
                .iter()
                .filter(|(k, _)| *k == w.kind)
                .flat_map(|(_, items)| items)
                .find(|o| o["metadata"]["name"] == w.name.as_str());
            match look(s, w, found, new_name, &pods, &mut strikes[i]) {
                Progress::Done => {
                    done[i] = true;
                    // The printed line replaces the bar: both would show it twice.
                    spinners.bars[i].finish_and_clear();
                    spinners.say(format!("{}/{} rolled out", w.kind.resource(), w.name));
                }
                Progress::Waiting(msg) => spinners.bars[i].set_message(msg),
                Progress::Failed(reason) => {
                    spinners.clear();
                    return Ok(failed(w, reason, pods));
                }
            }
        }
        if done.iter().all(|d| *d) {
            return Ok(WaitEnd::Done);
        }
        if Instant::now() >= deadline {
            let i = done.iter().position(|d| !d).unwrap_or(0);
            let reason = format!("not rolled out within {}s (--timeout)", timeout.as_secs());
            spinners.clear();
            return Ok(failed(&watch[i], reason, pods));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// One look at one workload: its rollout status, failed when it was deleted
/// or when a new pod's container cannot start on two looks in a row.
fn look(
    s: &Session,
    w: &Watched,
    found: Option<&Value>,
    new_name: Option<&str>,
    pods: &[Value],
    strikes: &mut u32,
) -> Progress {
    let Some(obj) = found else {
        return Progress::Failed("it was deleted during the rollout".into());
    };
    match status::progress(w.kind, obj, w.generation) {
        Progress::Waiting(msg) => {
            match new_name.and_then(|n| fatal_pod(s, w, n, pods)) {
                Some(reason) => {
                    *strikes += 1;
                    if *strikes >= 2 {
                        return Progress::Failed(reason);
                    }
                }
                None => *strikes = 0,
            }
            Progress::Waiting(msg)
        }
        other => other,
    }
}

fn failed(w: &Watched, reason: String, pods: Vec<Value>) -> WaitEnd {
    WaitEnd::Failed(Failure {
        kind: w.kind,
        name: w.name.clone(),
        reason,
        pods,
    })
}

/// A pod of `w` on the new version whose container can never start.
fn fatal_pod(s: &Session, w: &Watched, new_name: &str, pods: &[Value]) -> Option<String> {
    pods.iter()
        .filter(|p| {
            status::pod_workload(p)
                .is_some_and(|(kinds, name)| kinds.contains(&w.kind) && name == w.name)
        })
        .filter(|p| !refs::scan(HolderKind::Pod, p, s.target.kind, &|n| n == new_name).is_empty())
        .find_map(|p| {
            status::fatal_container_state(p).map(|state| {
                format!(
                    "pod {}: {state}",
                    p["metadata"]["name"].as_str().unwrap_or("?")
                )
            })
        })
}
