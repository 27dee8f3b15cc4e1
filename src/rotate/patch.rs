//! Patching the planned objects, all or nothing: every patch at once (a few
//! at a time), each `test`ing the old name first so a concurrent edit makes
//! the API refuse it; on a failure, switching back what was done.

use futures::stream::{self, StreamExt};
use serde_json::Value;

use super::args::{DryRun, Mode};
use super::cluster::{Session, Write};
use super::plan::Plan;
use crate::error::{Error, Result};
use crate::output::{self, Palette};

/// Environment variable naming a shell command run after the references are
/// read and before the first patch. Tests use it to change a workload
/// concurrently and check that the switch refuses to overwrite the change.
/// Only in builds with the test-only `test-hooks` feature: a release binary
/// must not run commands from its environment.
#[cfg(feature = "test-hooks")]
const HOOK_BEFORE_SWITCH: &str = "HONBAN_ROTATE_HOOK_BEFORE_SWITCH";

#[cfg(feature = "test-hooks")]
pub(crate) fn run_hook() -> Result<()> {
    if let Ok(cmd) = std::env::var(HOOK_BEFORE_SWITCH)
        && !cmd.is_empty()
    {
        let status = std::process::Command::new("sh")
            .args(["-c", &cmd])
            .stdout(std::process::Stdio::null())
            .status()
            .map_err(|e| Error::Failed(format!("{HOOK_BEFORE_SWITCH}: {e}")))?;
        if !status.success() {
            return Err(Error::Failed(format!(
                "{HOOK_BEFORE_SWITCH} failed ({status})"
            )));
        }
    }
    Ok(())
}

#[cfg(not(feature = "test-hooks"))]
pub(crate) fn run_hook() -> Result<()> {
    Ok(())
}

/// A refused `test` op (or a path that no longer exists) comes back as a
/// bare 422 without details; a validation error on the result names fields.
fn is_conflict(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 409 || s.code == 404
        || (s.code == 422 && s.details.as_ref().is_none_or(|d| d.causes.is_empty() && d.name.is_empty())))
}

/// Says what changed in an object whose patch was refused.
async fn conflict_detail(s: &Session, plan: &Plan, e: &kube::Error) -> String {
    if matches!(e, kube::Error::Api(st) if st.code == 404) {
        return "it was deleted".into();
    }
    let Ok(items) = s.list_kind(plan.holder.kind).await else {
        return api_message(e);
    };
    let Some(now) = items
        .iter()
        .find(|o| o["metadata"]["name"] == plan.holder.name.as_str())
    else {
        return "it was deleted".into();
    };
    let changed: Vec<String> = plan
        .changes
        .iter()
        .filter_map(|c| match now.pointer(&c.pointer).and_then(Value::as_str) {
            Some(v) if v == c.from => None,
            Some(v) => Some(format!("{} now names {v}, not {}", c.field, c.from)),
            None => Some(format!("{} is gone", c.field)),
        })
        .collect();
    if changed.is_empty() {
        api_message(e)
    } else {
        changed.join("; ")
    }
}

pub(crate) fn api_message(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => s.message.clone(),
        other => other.to_string(),
    }
}

type SwitchFailure = (Vec<(Plan, Value)>, Plan, kube::Error);

/// Switches every plan; when one fails, switches back those that were
/// switched and says which object failed and why.
pub(crate) async fn switch_or_revert(
    s: &Session,
    plans: &[Plan],
    mode: &Mode<'_>,
    palette: Palette,
) -> Result<Vec<(Plan, Value)>> {
    let (done, failed_plan, e) = match switch_all(s, plans, true, mode).await {
        Ok(done) => return Ok(done),
        Err(failure) => failure,
    };
    let reverted = switch_back(s, &done, mode, palette).await.len();
    let object = failed_plan.holder.display();
    Err(if is_conflict(&e) {
        Error::RotateConflict {
            object,
            detail: conflict_detail(s, &failed_plan, &e).await,
            reverted,
        }
    } else {
        Error::Failed(format!(
            "switching {object} failed: {}; {reverted} object(s) already switched were switched back, nothing else changed",
            api_message(&e)
        ))
    })
}

/// Patches every plan (a few at a time), printing one line per object.
/// On the first failure the others finish, and the caller gets what was done.
async fn switch_all(
    s: &Session,
    plans: &[Plan],
    forward: bool,
    mode: &Mode<'_>,
) -> std::result::Result<Vec<(Plan, Value)>, SwitchFailure> {
    let client_dry = mode.dry_run() == Some(DryRun::Client);
    let results: Vec<(Plan, std::result::Result<Value, kube::Error>)> =
        stream::iter(plans.iter().cloned())
            .map(|p| async move {
                let ops = p.ops(forward);
                let res = if client_dry {
                    apply_locally(&p.holder.object, &ops)
                } else {
                    s.patch(
                        p.holder.kind,
                        &p.holder.name,
                        &ops,
                        Write::of(mode.dry_run()),
                    )
                    .await
                };
                if res.is_ok() && forward {
                    mode.say(format!(
                        "{} switched: {}{}",
                        p.holder.display(),
                        p.fields(),
                        mode.suffix()
                    ));
                }
                (p, res)
            })
            .buffer_unordered(8)
            .collect()
            .await;
    let mut done = Vec::new();
    let mut failure = None;
    for (p, res) in results {
        match res {
            Ok(obj) => done.push((p, obj)),
            Err(e) if failure.is_none() => failure = Some((p, e)),
            Err(_) => {}
        }
    }
    match failure {
        None => Ok(done),
        Some((p, e)) => Err((done, p, e)),
    }
}

/// `--dry-run=client`: the patch applied to the object as it was read.
fn apply_locally(object: &Value, ops: &Value) -> std::result::Result<Value, kube::Error> {
    let patch: json_patch::Patch =
        serde_json::from_value(ops.clone()).map_err(kube::Error::SerdeError)?;
    let mut obj = object.clone();
    json_patch::patch(&mut obj, &patch).map_err(|e| {
        kube::Error::Api(Box::new(kube::core::Status {
            code: 422,
            message: format!("test failed: {e}"),
            reason: "Invalid".into(),
            ..Default::default()
        }))
    })?;
    Ok(obj)
}

/// Switches objects back to the names they had; returns those switched back.
pub(crate) async fn switch_back(
    s: &Session,
    switched: &[(Plan, Value)],
    mode: &Mode<'_>,
    palette: Palette,
) -> Vec<(Plan, Value)> {
    if switched.is_empty() || mode.dry_run().is_some() {
        return Vec::new();
    }
    let plans: Vec<Plan> = switched.iter().map(|(p, _)| p.clone()).collect();
    let (done, failed) = match switch_all(s, &plans, false, mode).await {
        Ok(done) => (done, None),
        Err((done, p, e)) => (done, Some((p, e))),
    };
    for (p, _) in &done {
        eprintln!(
            "{} switched back to {}",
            p.holder.display(),
            p.changes[0].from
        );
    }
    if let Some((p, e)) = failed {
        output::warn(
            palette,
            format!(
                "could not switch {} back ({}); it keeps using {}, which exists",
                p.holder.display(),
                api_message(&e),
                p.changes[0].to
            ),
        );
    }
    done
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rotate::plan::plan;
    use crate::rotate::plan::tests::{holder, web};
    use serde_json::json;

    #[test]
    fn patches_test_the_old_name_and_reverse_cleanly() {
        let plans = plan(&[holder(web())], "app-2m57tk55mf");
        assert_eq!(plans.len(), 1);
        let fwd = plans[0].ops(true);
        assert_eq!(
            fwd,
            json!([
                {"op": "test", "path": "/spec/template/spec/volumes/0/secret/secretName", "value": "app-h8mdbf6h8f"},
                {"op": "replace", "path": "/spec/template/spec/volumes/0/secret/secretName", "value": "app-2m57tk55mf"},
                {"op": "test", "path": "/spec/template/spec/containers/0/env/0/valueFrom/secretKeyRef/name", "value": "app"},
                {"op": "replace", "path": "/spec/template/spec/containers/0/env/0/valueFrom/secretKeyRef/name", "value": "app-2m57tk55mf"},
            ])
        );
        let switched = apply_locally(&web(), &fwd).unwrap();
        let back = apply_locally(&switched, &plans[0].ops(false)).unwrap();
        assert_eq!(back, web());
    }

    #[test]
    fn a_concurrent_change_fails_the_test_op() {
        let plans = plan(&[holder(web())], "app-2m57tk55mf");
        let mut changed = web();
        changed["spec"]["template"]["spec"]["containers"][0]["env"][0]["valueFrom"]["secretKeyRef"]
            ["name"] = json!("other");
        let err = apply_locally(&changed, &plans[0].ops(true)).unwrap_err();
        assert!(is_conflict(&err));
    }
}
