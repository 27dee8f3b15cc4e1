//! `kubectl rotate-secret` refuses what would leave an app broken or split,
//! says why prune keeps what it keeps, and prints like kubectl: end to end
//! against testenv.

mod support;

use std::time::Duration;

use serde_json::Value;
use support::rotate::{BIN, created_name, get, rotate_secret, secret_names};
use support::{TestEnv, eventually, testenv};

fn refs_of(env: &TestEnv, ns: &str, object: &str) -> String {
    get(
        env,
        ns,
        object,
        "{.spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name}",
    )
}

fn cron_ref(env: &TestEnv, ns: &str) -> String {
    get(
        env,
        ns,
        "cronjob/backup",
        "{.spec.jobTemplate.spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name}",
    )
}

/// web and the backup CronJob read DB_USER; api reads TOKEN, optionally.
const READERS: &str = r#"
apiVersion: v1
kind: Secret
metadata: {name: app}
stringData: {DB_USER: shop, DB_PASSWORD: readers-original-pw}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx
        env:
        - name: DB_USER
          valueFrom: {secretKeyRef: {name: app, key: DB_USER}}
        - name: DB_PASSWORD
          valueFrom: {secretKeyRef: {name: app, key: DB_PASSWORD}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        image: nginx
        env:
        - name: TOKEN
          valueFrom: {secretKeyRef: {name: app, key: TOKEN, optional: true}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: backup}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: backup
            image: busybox
            env:
            - name: DB_USER
              valueFrom: {secretKeyRef: {name: app, key: DB_USER}}
"#;

#[test]
fn a_version_lacking_a_key_a_workload_reads_is_refused_before_anything_is_written() {
    let env = testenv();
    let ns = env.namespace("rot-keys");
    env.apply(&ns.name, READERS);
    env.wait_rollout(&ns.name, "web", Duration::from_secs(60));
    let pw = "lacks-user-pw-3Rf";
    let lacking = ["app", "--from-literal", &format!("DB_PASSWORD={pw}")];

    // diff warns as the rotation would refuse.
    let diff = rotate_secret(env, &ns.name, &[&["diff"][..], &lacking].concat()).ok();
    diff.assert_hides(&[pw, "readers-original-pw"]);
    assert!(diff.stdout.contains("- DB_USER"), "{}", diff.stdout);
    for object in ["deployment.apps/web", "cronjob.batch/backup"] {
        assert!(
            diff.stderr
                .contains(&format!("warning: {object} reads key \"DB_USER\"")),
            "{object}:\n{}",
            diff.stderr
        );
    }
    assert!(!diff.stderr.contains("TOKEN"), "optional: {}", diff.stderr);

    for extra in [&[][..], &["--no-wait"][..], &["--dry-run"][..]] {
        let run = rotate_secret(env, &ns.name, &[&lacking[..], extra].concat());
        run.assert_hides(&[pw]);
        assert_eq!(run.code, 1, "{extra:?}: {}", run.text());
        let error = run.stderr.lines().last().unwrap_or_default();
        assert!(
            error.starts_with("error: secret/app-")
                && error.contains(
                    "cronjob.batch/backup reads \"DB_USER\" (containers[backup].env[DB_USER])"
                )
                && error.contains(
                    "deployment.apps/web reads \"DB_USER\" (containers[web].env[DB_USER])"
                )
                && error.contains("nothing was changed")
                && error.contains("--force"),
            "{extra:?}: {}",
            run.stderr
        );
        assert_eq!(run.stdout, "", "{extra:?}: nothing written");
        assert_eq!(secret_names(env, &ns.name), vec!["app"], "{extra:?}");
        assert_eq!(refs_of(env, &ns.name, "deployment/web"), "app");
        assert_eq!(cron_ref(env, &ns.name), "app");
    }

    // A key read with `optional: true` (api's TOKEN) does not stop a rotation.
    let full = rotate_secret(
        env,
        &ns.name,
        &[
            "app",
            "--from-literal",
            "DB_USER=shop",
            "--from-literal",
            &format!("DB_PASSWORD={pw}"),
        ],
    )
    .ok();
    let name = created_name(&full);
    assert_eq!(refs_of(env, &ns.name, "deployment/web"), name);
    assert_eq!(refs_of(env, &ns.name, "deployment/api"), name);
    assert!(!full.stderr.contains("TOKEN"), "{}", full.stderr);

    // --force switches anyway, warning.
    let forced = rotate_secret(
        env,
        &ns.name,
        &[&lacking[..], &["--force", "--no-wait"]].concat(),
    )
    .ok();
    let forced_name = created_name(&forced);
    assert!(
        forced
            .stderr
            .contains("warning: deployment.apps/web reads key \"DB_USER\""),
        "{}",
        forced.stderr
    );
    assert_eq!(refs_of(env, &ns.name, "deployment/web"), forced_name);
}

/// The app is a Helm release; its backup CronJob is not.
const HELM_APP_AND_BACKUP: &str = r#"
apiVersion: v1
kind: Secret
metadata: {name: app}
stringData: {DB_USER: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app.kubernetes.io/managed-by: Helm}
  annotations: {meta.helm.sh/release-name: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx
        env:
        - name: DB_USER
          valueFrom: {secretKeyRef: {name: app, key: DB_USER}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: backup}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: backup
            image: busybox
            env:
            - name: DB_USER
              valueFrom: {secretKeyRef: {name: app, key: DB_USER}}
"#;

#[test]
fn a_managed_object_the_guard_would_skip_stops_the_whole_switch() {
    let env = testenv();
    let ns = env.namespace("rot-partial");
    env.apply(&ns.name, HELM_APP_AND_BACKUP);
    let rotation = ["app", "--from-literal", "DB_USER=shop-2"];

    for extra in [&[][..], &["--no-wait"][..], &["--dry-run=server"][..]] {
        let run = rotate_secret(env, &ns.name, &[&rotation[..], extra].concat());
        assert_eq!(run.code, 1, "{extra:?}: {}", run.text());
        assert_eq!(
            run.stderr,
            "error: deployment.apps/web is managed by Helm release shop, so it would not be patched (its next sync would undo it) and cronjob.batch/backup would switch alone, a half-done rotation; nothing was changed. Change the reference in the source and rerun with --allow-partial, or rerun with --force to patch it too\n",
            "{extra:?}"
        );
        assert_eq!(run.stdout, "");
        assert_eq!(secret_names(env, &ns.name), vec!["app"], "{extra:?}");
        assert_eq!(cron_ref(env, &ns.name), "app", "{extra:?}");
    }

    // --allow-partial: the backup switches, the Helm release is left alone and named.
    let partial = rotate_secret(
        env,
        &ns.name,
        &[&rotation[..], &["--allow-partial"]].concat(),
    )
    .ok();
    let name = created_name(&partial);
    assert_eq!(cron_ref(env, &ns.name), name);
    assert_eq!(refs_of(env, &ns.name, "deployment/web"), "app");
    assert!(
        partial.stderr.contains(&format!("warning: deployment.apps/web is managed by Helm release shop, so it was not patched (its next sync would undo it); in its source, change containers[web].env[DB_USER] from app to {name}")),
        "{}",
        partial.stderr
    );

    // --force patches the managed object too.
    rotate_secret(env, &ns.name, &[&rotation[..], &["--force"]].concat()).ok();
    assert_eq!(refs_of(env, &ns.name, "deployment/web"), name);
}

const ONE_DEPLOYMENT: &str = r#"
apiVersion: v1
kind: Secret
metadata: {name: app}
stringData: {password: one-deployment-original}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx
        env:
        - name: PASSWORD
          valueFrom: {secretKeyRef: {name: app, key: password}}
"#;

fn replicasets(env: &TestEnv, ns: &str) -> usize {
    get(env, ns, "replicasets", "{.items[*].metadata.name}")
        .split_whitespace()
        .count()
}

#[test]
fn prune_counts_what_it_kept_and_names_the_revision_history_limit_that_keeps_it() {
    let env = testenv();
    let ns = env.namespace("rot-prune-why");
    env.apply(&ns.name, ONE_DEPLOYMENT);
    env.wait_rollout(&ns.name, "web", Duration::from_secs(60));
    let mut versions = Vec::new();
    for i in 1..=3 {
        let run = rotate_secret(
            env,
            &ns.name,
            &["app", "--from-literal", &format!("password=why-{i}")],
        )
        .ok();
        versions.push(created_name(&run));
    }

    let kept = rotate_secret(env, &ns.name, &["prune", "app", "--keep", "0"]).ok();
    assert_eq!(
        kept.stderr,
        "Deleted 0, kept 3: 1 in use, 2 only by old revisions kept for rollout undo\n\
         hint: deployment.apps/web keeps old ReplicaSets for `kubectl rollout undo` (spec.revisionHistoryLimit: 10), and 2 of them still name these versions; lower its revisionHistoryLimit to keep fewer, then prune again\n"
    );
    assert_eq!(secret_names(env, &ns.name).len(), 4);

    // Following the hint: one old ReplicaSet is left, the other version goes.
    env.kubectl_ok(&[
        "patch",
        "-n",
        &ns.name,
        "deployment/web",
        "-p",
        r#"{"spec":{"revisionHistoryLimit":1}}"#,
    ]);
    assert!(eventually(Duration::from_secs(30), || replicasets(
        env, &ns.name
    ) == 2));
    let pruned = rotate_secret(env, &ns.name, &["prune", "app", "--keep", "0"]).ok();
    assert!(
        pruned.stdout.contains(&format!(
            "secret/{} deleted (revision 1): nothing uses it",
            versions[0]
        )),
        "{}",
        pruned.stdout
    );
    assert_eq!(
        pruned.stderr,
        "Deleted 1, kept 2: 1 in use, 1 only by old revisions kept for rollout undo\n\
         hint: deployment.apps/web keeps old ReplicaSets for `kubectl rollout undo` (spec.revisionHistoryLimit: 1), and 1 of them still names these versions; lower its revisionHistoryLimit to keep fewer, then prune again\n"
    );
}

/// A CronJob and a ServiceAccount: objects whose switch ends in a note.
const NOTED: &str = r#"
apiVersion: v1
kind: Secret
metadata: {name: app}
stringData: {password: noted-original}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: runner}
imagePullSecrets: [{name: app}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: backup}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: backup
            image: busybox
            env:
            - name: PASSWORD
              valueFrom: {secretKeyRef: {name: app, key: password}}
"#;

#[test]
fn every_line_of_a_dry_run_says_it_is_one() {
    let env = testenv();
    let ns = env.namespace("rot-dry-lines");
    env.apply(&ns.name, NOTED);
    for (mode, suffix) in [
        ("--dry-run", " (dry run)"),
        ("--dry-run=server", " (server dry run)"),
    ] {
        let run = rotate_secret(
            env,
            &ns.name,
            &["app", "--from-literal", "password=noted-2", mode],
        )
        .ok();
        let text = run.text();
        assert!(
            text.contains("cronjob.batch/backup: its next Job uses"),
            "{text}"
        );
        for line in text.lines() {
            assert!(line.ends_with(suffix), "{mode}: {line:?} in\n{text}");
        }
        assert_eq!(secret_names(env, &ns.name), vec!["app"]);
    }
}

fn parse_yaml(text: &str) -> Value {
    serde_saphyr::from_str(text).unwrap_or_else(|e| panic!("{e}:\n{text}"))
}

/// The pinned kubectl is the oracle: the Deployment in `-o yaml` is what
/// `kubectl get deployments -o yaml` prints, key for key and in the same
/// order, less the last-applied-configuration annotation and with the new
/// name in place.
#[test]
fn yaml_output_is_laid_out_as_kubectl_get_lays_it_out() {
    let env = testenv();
    let ns = env.namespace("rot-yaml");
    env.apply(&ns.name, ONE_DEPLOYMENT);
    env.wait_rollout(&ns.name, "web", Duration::from_secs(60));
    let run = rotate_secret(
        env,
        &ns.name,
        &[
            "app",
            "--from-literal",
            "password=yaml-2",
            "--dry-run",
            "-o",
            "yaml",
        ],
    )
    .ok();
    let mut ours = parse_yaml(&run.stdout);
    let version = ours["items"][0]["metadata"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(ours["items"][0]["kind"], "Secret");
    ours["items"]
        .as_array_mut()
        .unwrap()
        .retain(|i| i["kind"] == "Deployment");

    let mut theirs =
        parse_yaml(&env.kubectl_ok(&["get", "deployments", "-n", &ns.name, "-o", "yaml"]));
    let item = &mut theirs["items"][0];
    let annotations = item["metadata"]["annotations"].as_object_mut().unwrap();
    assert!(
        annotations
            .remove("kubectl.kubernetes.io/last-applied-configuration")
            .is_some()
    );
    *item
        .pointer_mut("/spec/template/spec/containers/0/env/0/valueFrom/secretKeyRef/name")
        .unwrap() = Value::String(version);
    // Serialised with the document's order, so order differences show.
    assert_eq!(
        serde_json::to_string_pretty(&ours).unwrap(),
        serde_json::to_string_pretty(&theirs).unwrap()
    );
}

/// Runs the plugin with stderr on a pseudo-terminal, so the progress bars
/// draw as they do for a user, and returns what the terminal received.
fn stderr_on_a_terminal(env: &TestEnv, args: &[&str]) -> (i32, String) {
    use std::fs::File;
    use std::io::Read;
    use std::os::fd::FromRawFd;

    let (mut master, mut slave) = (0, 0);
    let size = libc::winsize {
        ws_row: 40,
        ws_col: 160,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two new descriptors, which the Files below own.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    let (mut master, slave) = unsafe { (File::from_raw_fd(master), File::from_raw_fd(slave)) };
    let mut cmd = std::process::Command::new(support::bin(BIN));
    cmd.args(args)
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .env_remove("KUBECONFIG")
        .env("TERM", "xterm-256color")
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(slave);
    let mut child = cmd.spawn().expect("spawn kubectl-rotate_secret");
    drop(cmd); // closes the parent's copy of the slave, so reads end at exit
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        // EIO once the child's side is closed: that is the end.
        let _ = master.read_to_end(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    });
    let status = child.wait().unwrap();
    (status.code().unwrap_or(-1), reader.join().unwrap())
}

#[test]
fn a_finished_rollout_is_printed_once_on_a_terminal() {
    let env = testenv();
    let ns = env.namespace("rot-tty");
    env.apply(&ns.name, ONE_DEPLOYMENT);
    env.wait_rollout(&ns.name, "web", Duration::from_secs(60));
    let (code, terminal) = stderr_on_a_terminal(
        env,
        &["app", "--from-literal", "password=tty-2", "-n", &ns.name],
    );
    assert_eq!(code, 0, "{terminal}");
    assert!(terminal.contains("1 rollout(s) complete"), "{terminal:?}");
    assert_eq!(
        terminal.matches("deployment.apps/web rolled out").count(),
        1,
        "{terminal:?}"
    );
}

/// Objects held by a finalizer only this test removes, which keeps their
/// namespace Terminating; released on drop, so the namespace goes.
struct Held<'a> {
    env: &'a TestEnv,
    ns: &'a str,
}

const HELD: &str = r#"
apiVersion: v1
kind: Secret
metadata: {name: app, finalizers: [rotate.honban.dev/test-hold]}
stringData: {password: held-original-pw}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, finalizers: [rotate.honban.dev/test-hold]}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx
        envFrom: [{secretRef: {name: app}}]
"#;

impl Drop for Held<'_> {
    fn drop(&mut self) {
        for object in ["secret/app", "deployment/web"] {
            let _ = self
                .env
                .kubectl()
                .args(["patch", "-n", self.ns, object, "--type=json"])
                .args(["-p", r#"[{"op":"remove","path":"/metadata/finalizers"}]"#])
                .output();
        }
    }
}

#[test]
fn a_namespace_being_deleted_is_named_and_nothing_is_switched() {
    let env = testenv();
    let ns = env.namespace("rotate-terminating");
    env.apply(&ns.name, HELD);
    let _held = Held { env, ns: &ns.name };
    env.kubectl_ok(&["delete", "namespace", &ns.name, "--wait=false"]);
    // Once the API server refuses new objects there (as it will the version).
    assert!(
        eventually(Duration::from_secs(60), || {
            let out = env
                .kubectl()
                .args(["create", "configmap", "probe", "-n", &ns.name])
                .output()
                .unwrap();
            String::from_utf8_lossy(&out.stderr).contains("because it is being terminated")
        }),
        "namespace {} never refused new objects",
        ns.name
    );

    let run = rotate_secret(env, &ns.name, &["app", "--from-literal", "password=new-pw"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.stderr
            .contains(&format!("namespace {} is being deleted", ns.name)),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("forbidden for this user"),
        "{}",
        run.stderr
    );
    assert_eq!(
        get(
            env,
            &ns.name,
            "deployment/web",
            "{.spec.template.spec.containers[0].envFrom[0].secretRef.name}"
        ),
        "app"
    );
    assert_eq!(secret_names(env, &ns.name), ["app"]);
}
