//! `kubectl rotate-secret` end to end against testenv: rotation across every
//! workload kind and reference kind, undo, automatic switch-back of a failed
//! rollout, use-aware pruning, conflicts, the GitOps guard, dry runs, RBAC,
//! and that no secret value ever reaches the output.

mod support;

use std::time::Duration;

use support::rotate::{BIN, created_name, get, rotate_secret, rotate_secret_with, secret_names};
use support::{TestEnv, TestNamespace, eventually, plugin, testenv};

/// The name kustomize gives a secretGenerator with these literals, from
/// kubectl's built-in kustomize.
fn kustomize_secret_name(env: &TestEnv, literals: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let items: Vec<String> = literals.iter().map(|l| format!("  - {l}")).collect();
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        format!(
            "secretGenerator:\n- name: app\n  literals:\n{}\n",
            items.join("\n")
        ),
    )
    .unwrap();
    let out = env.kubectl_ok(&["kustomize", dir.path().to_str().unwrap()]);
    out.lines()
        .find_map(|l| l.trim().strip_prefix("name: "))
        .expect("kustomize output has a name")
        .to_string()
}

/// A Deployment, StatefulSet, DaemonSet, CronJob and ServiceAccount that
/// reference Secret `app` through env secretKeyRef (containers and
/// initContainers), envFrom, a volume, a projected volume and imagePullSecrets.
const FIXTURE: &str = r#"
apiVersion: v1
kind: Secret
metadata: {name: app}
stringData: {password: fixture-original-pw, user: admin}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: runner}
imagePullSecrets: [{name: app}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      serviceAccountName: runner
      containers:
      - name: web
        image: nginx
        env:
        - name: PASSWORD
          valueFrom: {secretKeyRef: {name: app, key: password}}
        envFrom:
        - secretRef: {name: app}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 2
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      initContainers:
      - name: init
        image: busybox
        env:
        - name: USER
          valueFrom: {secretKeyRef: {name: app, key: user}}
      containers:
      - name: db
        image: postgres
        volumeMounts: [{name: creds, mountPath: /creds}]
      volumes:
      - name: creds
        secret: {secretName: app}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers:
      - name: agent
        image: busybox
        volumeMounts: [{name: all, mountPath: /all}]
      volumes:
      - name: all
        projected:
          sources:
          - secret: {name: app, items: [{key: user, path: user}]}
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
          imagePullSecrets: [{name: app}]
          containers:
          - name: backup
            image: busybox
            env:
            - name: PASSWORD
              valueFrom: {secretKeyRef: {name: app, key: password}}
"#;

/// Every reference the fixture holds, as (object, jsonpath).
const FIXTURE_REFS: &[(&str, &str)] = &[
    (
        "deployment/web",
        "{.spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name}",
    ),
    (
        "deployment/web",
        "{.spec.template.spec.containers[0].envFrom[0].secretRef.name}",
    ),
    (
        "statefulset/db",
        "{.spec.template.spec.initContainers[0].env[0].valueFrom.secretKeyRef.name}",
    ),
    (
        "statefulset/db",
        "{.spec.template.spec.volumes[0].secret.secretName}",
    ),
    (
        "daemonset/agent",
        "{.spec.template.spec.volumes[0].projected.sources[0].secret.name}",
    ),
    (
        "cronjob/backup",
        "{.spec.jobTemplate.spec.template.spec.imagePullSecrets[0].name}",
    ),
    (
        "cronjob/backup",
        "{.spec.jobTemplate.spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name}",
    ),
    ("serviceaccount/runner", "{.imagePullSecrets[0].name}"),
];

fn fixture(env: &'static TestEnv, prefix: &str) -> TestNamespace {
    let ns = env.namespace(prefix);
    env.apply(&ns.name, FIXTURE);
    for w in ["deployment/web", "statefulset/db", "daemonset/agent"] {
        rollout_status(env, &ns.name, w);
    }
    ns
}

fn rollout_status(env: &TestEnv, ns: &str, workload: &str) {
    env.kubectl_ok(&["rollout", "status", "-n", ns, workload, "--timeout=90s"]);
}

fn assert_all_refs(env: &TestEnv, ns: &str, expected: &str) {
    for (object, path) in FIXTURE_REFS {
        assert_eq!(get(env, ns, object, path), expected, "{object} {path}");
    }
}

#[test]
fn rotation_switches_every_reference_to_an_immutable_kustomize_named_version() {
    let env = testenv();
    let ns = fixture(env, "rot-full");
    let pw = "first-rotation-pw-7Qx";

    // With request tracing on: the trace logs methods and paths, never bodies.
    let run = rotate_secret_with(
        env,
        &ns.name,
        &[
            "app",
            "--from-literal",
            &format!("password={pw}"),
            "--from-literal",
            "user=admin",
        ],
        &[("HONBAN_TRACE_REQUESTS", "1")],
    )
    .ok();
    run.assert_hides(&[pw, "fixture-original-pw"]);
    assert!(
        run.stderr.contains("honban-trace: request 1: GET "),
        "{}",
        run.stderr
    );
    let name = created_name(&run);
    assert_eq!(
        name,
        kustomize_secret_name(env, &[&format!("password={pw}"), "user=admin"])
    );
    assert_all_refs(env, &ns.name, &name);

    // One line per switched object, then every rollout waited for.
    for object in [
        "deployment.apps/web",
        "statefulset.apps/db",
        "daemonset.apps/agent",
        "cronjob.batch/backup",
        "serviceaccount/runner",
    ] {
        assert!(
            run.stdout
                .contains(&format!("{object} switched: app → {name}")),
            "{object}:\n{}",
            run.stdout
        );
    }
    for workload in [
        "deployment.apps/web",
        "statefulset.apps/db",
        "daemonset.apps/agent",
    ] {
        assert!(
            run.stderr.contains(&format!("{workload} rolled out")),
            "{workload}:\n{}",
            run.stderr
        );
    }
    for w in ["deployment/web", "statefulset/db", "daemonset/agent"] {
        rollout_status(env, &ns.name, w);
    }
    assert!(eventually(Duration::from_secs(30), || {
        get(
            env,
            &ns.name,
            "pods",
            "{.items[*].spec.containers[0].env[0].valueFrom.secretKeyRef.name}",
        )
        .split_whitespace()
        .all(|n| n == name)
    }));

    let secret = format!("secret/{name}");
    assert_eq!(get(env, &ns.name, &secret, "{.immutable}"), "true");
    assert_eq!(
        get(
            env,
            &ns.name,
            &secret,
            "{.metadata.labels.rotate\\.honban\\.io/base}"
        ),
        "app"
    );
    assert_eq!(
        get(
            env,
            &ns.name,
            &secret,
            "{.metadata.labels.rotate\\.honban\\.io/revision}"
        ),
        "1"
    );
    assert_eq!(
        get(
            env,
            &ns.name,
            &secret,
            "{.metadata.managedFields[0].manager}"
        ),
        "honban"
    );

    // The same content again creates nothing.
    let again = rotate_secret(
        env,
        &ns.name,
        &[
            "app",
            "--from-literal",
            &format!("password={pw}"),
            "--from-literal",
            "user=admin",
        ],
    )
    .ok();
    again.assert_hides(&[pw]);
    assert!(again.stderr.contains("nothing changed"), "{}", again.stderr);
    let versions = get(env, &ns.name, "secrets", "{.items[*].metadata.name}");
    assert_eq!(versions.split_whitespace().count(), 2, "{versions}");

    // refs and history name the version, never a value.
    let refs = rotate_secret(env, &ns.name, &["refs", "app"]).ok();
    refs.assert_hides(&[pw]);
    assert!(
        refs.stdout.contains("containers[web].envFrom[0]") && refs.stdout.contains(&name),
        "{}",
        refs.stdout
    );
    let history = rotate_secret(env, &ns.name, &["history", "app", "-o", "json"]).ok();
    history.assert_hides(&[pw, "fixture-original-pw"]);
    let rows: serde_json::Value = serde_json::from_str(&history.stdout).unwrap();
    assert_eq!(rows[0]["name"], name.as_str());
    assert_eq!(rows[0]["current"], true);
    assert_eq!(rows[0]["keys"], serde_json::json!(["password", "user"]));
    assert_eq!(rows[1]["name"], "app");
}

#[test]
fn second_rotation_then_undo_returns_every_reference_to_the_first_version() {
    let env = testenv();
    let ns = fixture(env, "rot-undo");
    let (pw1, pw2) = ("undo-first-pw-3Kd", "undo-second-pw-9Lm");

    let first = rotate_secret(
        env,
        &ns.name,
        &[
            "app",
            "--from-literal",
            &format!("password={pw1}"),
            "--from-literal",
            "user=admin",
        ],
    )
    .ok();
    let v1 = created_name(&first);
    let second = rotate_secret(env, &ns.name, &["app", "--set", &format!("password={pw2}")]).ok();
    let v2 = created_name(&second);
    assert_ne!(v1, v2);
    assert_all_refs(env, &ns.name, &v2);
    assert!(
        second
            .stdout
            .contains(&format!("deployment.apps/web switched: {v1} → {v2}")),
        "{}",
        second.stdout
    );

    let diff = rotate_secret(
        env,
        &ns.name,
        &["diff", "app", "--set", &format!("password={pw1}")],
    )
    .ok();
    diff.assert_hides(&[pw1, pw2]);
    assert!(diff.stdout.contains("~ password"), "{}", diff.stdout);

    let undo = rotate_secret(env, &ns.name, &["undo", "app"]).ok();
    assert_all_refs(env, &ns.name, &v1);
    assert!(
        undo.stderr.contains("3 rollout(s) complete"),
        "{}",
        undo.stderr
    );
    for run in [&first, &second, &undo] {
        run.assert_hides(&[pw1, pw2]);
    }

    // Undo again toggles back, like `kubectl rollout undo`; --to-revision 0 is the original.
    rotate_secret(env, &ns.name, &["undo", "app"]).ok();
    assert_all_refs(env, &ns.name, &v2);
    rotate_secret(env, &ns.name, &["undo", "app", "--to-revision", "0"]).ok();
    assert_all_refs(env, &ns.name, "app");
    let missing = rotate_secret(env, &ns.name, &["undo", "app", "--to-revision", "9"]);
    assert_eq!(missing.code, 1, "{}", missing.text());
    assert!(
        missing.stderr.contains("no revision 9"),
        "{}",
        missing.stderr
    );
}

/// kwok marks every pod Ready whatever its env refers to (there is no
/// kubelet), so a missing key cannot fail a pod here. A ResourceQuota does
/// stop the new ReplicaSet from creating its surge pod, which is enforced
/// by the real API server, and the real Deployment controller then reports
/// ProgressDeadlineExceeded: a rollout whose new pods never become Ready.
const FAILING: &str = r#"
apiVersion: v1
kind: Secret
metadata: {name: app}
stringData: {password: failing-original-pw}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  progressDeadlineSeconds: 3
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
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
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: puller}
imagePullSecrets: [{name: app}]
"#;

#[test]
fn a_rollout_that_cannot_become_ready_is_switched_back_automatically() {
    let env = testenv();
    let ns = env.namespace("rot-fail");
    env.apply(&ns.name, FAILING);
    env.wait_rollout(&ns.name, "web", Duration::from_secs(60));
    env.kubectl_ok(&["create", "quota", "pods", "--hard=pods=1", "-n", &ns.name]);
    assert!(eventually(Duration::from_secs(30), || get(
        env,
        &ns.name,
        "quota/pods",
        "{.status.used.pods}"
    ) == "1"));
    let pw = "never-rolled-out-pw-4Hs";

    let run = rotate_secret(
        env,
        &ns.name,
        &[
            "app",
            "--from-literal",
            &format!("password={pw}"),
            "--timeout",
            "90s",
        ],
    );
    run.assert_hides(&[pw, "failing-original-pw"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.stderr
            .contains("rollout failed: deployment.apps/web: ProgressDeadlineExceeded"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("exceeded quota"),
        "the report shows why:\n{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("error: rollout of deployment.apps/web failed"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("switched 2 object(s) back"),
        "{}",
        run.stderr
    );

    // Everything points at the original again, and every referenced object exists.
    assert_eq!(
        get(
            env,
            &ns.name,
            "deployment/web",
            "{.spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name}"
        ),
        "app"
    );
    assert_eq!(
        get(
            env,
            &ns.name,
            "serviceaccount/puller",
            "{.imagePullSecrets[0].name}"
        ),
        "app"
    );
    let failed = created_name(&run);
    env.kubectl_ok(&["get", "secret", "-n", &ns.name, "app", &failed]);
    env.wait_rollout(&ns.name, "web", Duration::from_secs(60));

    let history = rotate_secret(env, &ns.name, &["history", "app", "-o", "json"]).ok();
    let rows: serde_json::Value = serde_json::from_str(&history.stdout).unwrap();
    assert_eq!(rows[0]["name"], failed.as_str());
    assert!(
        rows[0]["failed"]
            .as_str()
            .unwrap()
            .contains("deployment.apps/web"),
        "{rows}"
    );
    assert_eq!(rows[1]["current"], true);

    // A plain `undo` never goes to a version whose rollout failed.
    let undo = rotate_secret(env, &ns.name, &["undo", "app"]);
    assert_eq!(undo.code, 1, "{}", undo.text());
    assert!(
        undo.stderr.contains("no earlier version"),
        "{}",
        undo.stderr
    );
    assert_eq!(
        get(
            env,
            &ns.name,
            "deployment/web",
            "{.spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name}"
        ),
        "app"
    );
}

#[test]
fn prune_keep_zero_deletes_only_versions_nothing_uses() {
    let env = testenv();
    let ns = env.namespace("rot-prune");
    let values: Vec<String> = (1..=5).map(|i| format!("prune-value-{i}-Zp8")).collect();
    let mut versions = Vec::new();
    for v in &values {
        // The family starts here; --create does no harm once it exists.
        let run = rotate_secret(
            env,
            &ns.name,
            &["app", "--create", "--from-literal", &format!("token={v}")],
        )
        .ok();
        run.assert_hides(&[v]);
        assert!(
            run.stderr.contains("Nothing references secret/app"),
            "{}",
            run.stderr
        );
        versions.push(created_name(&run));
    }
    let [v1, v2, v3, v4, v5] = <[String; 5]>::try_from(versions).unwrap();

    // web uses v1, then is switched to v4: its old ReplicaSet (kept for
    // rollout undo) still names v1.
    env.apply(
        &ns.name,
        &format!(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  replicas: 1
  revisionHistoryLimit: 5
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - {{name: web, image: nginx, envFrom: [{{secretRef: {{name: {v1}}}}}]}}
"#
        ),
    );
    env.wait_rollout(&ns.name, "web", Duration::from_secs(60));
    rotate_secret(env, &ns.name, &["undo", "app", "--to-revision", "4"]).ok();
    assert!(
        eventually(Duration::from_secs(60), || {
            get(
                env,
                &ns.name,
                "pods",
                "{.items[*].spec.containers[0].envFrom[0].secretRef.name}",
            )
            .split_whitespace()
            .all(|n| n == v4)
        }),
        "old pods of web are gone"
    );
    // A bare Pod uses v2 and a CronJob v3.
    env.apply(
        &ns.name,
        &format!(
            r#"
apiVersion: v1
kind: Pod
metadata: {{name: pinned}}
spec:
  containers:
  - {{name: c, image: busybox, envFrom: [{{secretRef: {{name: {v2}}}}}]}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {{name: nightly}}
spec:
  schedule: "0 4 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - {{name: c, image: busybox, envFrom: [{{secretRef: {{name: {v3}}}}}]}}
"#
        ),
    );
    assert!(eventually(Duration::from_secs(30), || get(
        env,
        &ns.name,
        "pod/pinned",
        "{.status.phase}"
    ) == "Running"));

    let dry = rotate_secret(env, &ns.name, &["prune", "app", "--keep", "0", "--dry-run"]).ok();
    assert!(
        dry.stdout.contains(&format!(
            "secret/{v5} deleted (revision 5): nothing uses it (dry run)"
        )),
        "{}",
        dry.stdout
    );
    assert_eq!(
        secret_names(env, &ns.name).len(),
        5,
        "a dry run deletes nothing"
    );

    let run = rotate_secret(env, &ns.name, &["prune", "app", "--keep", "0"]).ok();
    for v in &values {
        run.assert_hides(&[v]);
    }
    let line = |name: &str| {
        run.stdout
            .lines()
            .find(|l| l.starts_with(&format!("secret/{name} ")))
            .unwrap_or_else(|| panic!("no line for {name}:\n{}", run.stdout))
            .to_string()
    };
    assert!(
        line(&v1).contains("kept")
            && line(&v1).contains("(kept by deployment.apps/web for rollout undo)"),
        "{}",
        line(&v1)
    );
    assert!(
        line(&v2).contains("kept") && line(&v2).contains("live pod/pinned"),
        "{}",
        line(&v2)
    );
    assert!(
        line(&v3).contains("kept") && line(&v3).contains("cronjob.batch/nightly"),
        "{}",
        line(&v3)
    );
    assert!(
        line(&v4).contains("kept") && line(&v4).contains("deployment.apps/web template"),
        "{}",
        line(&v4)
    );
    assert!(line(&v5).contains("deleted"), "{}", line(&v5));
    let mut left = secret_names(env, &ns.name);
    left.sort();
    let mut expected = vec![v1, v2, v3, v4];
    expected.sort();
    assert_eq!(left, expected);
}

const TWO_DEPLOYMENTS: &str = r#"
apiVersion: v1
kind: Secret
metadata: {name: app}
stringData: {password: two-deployments-original}
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
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
  labels: {app.kubernetes.io/managed-by: Helm}
  annotations: {meta.helm.sh/release-name: shop}
spec:
  selector: {matchLabels: {app: worker}}
  template:
    metadata: {labels: {app: worker}}
    spec:
      containers:
      - {name: worker, image: busybox, envFrom: [{secretRef: {name: app}}]}
"#;

fn web_ref(env: &TestEnv, ns: &str) -> String {
    get(
        env,
        ns,
        "deployment/web",
        "{.spec.template.spec.containers[0].env[0].valueFrom.secretKeyRef.name}",
    )
}

fn worker_ref(env: &TestEnv, ns: &str) -> String {
    get(
        env,
        ns,
        "deployment/worker",
        "{.spec.template.spec.containers[0].envFrom[0].secretRef.name}",
    )
}

/// The hook runs after the references are read and before the first patch,
/// so the change lands exactly between read and write, every time.
#[test]
fn a_workload_changed_between_read_and_patch_gets_a_conflict_not_an_overwrite() {
    if !cfg!(feature = "test-hooks") {
        panic!(
            "this test needs the test-only seam: cargo test --features honban/test-hooks (test.sh does)"
        );
    }
    let env = testenv();
    let ns = env.namespace("rot-race");
    env.apply(&ns.name, TWO_DEPLOYMENTS);
    let hook = format!(
        "'{}' --kubeconfig '{}' -n {} patch deployment web --type=json -p '[{{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/env/0/valueFrom/secretKeyRef/name\",\"value\":\"hand-edited\"}}]'",
        env.kubectl.display(),
        env.kubeconfig.display(),
        ns.name
    );
    let pw = "raced-pw-6Tb";
    let run = rotate_secret_with(
        env,
        &ns.name,
        &[
            "app",
            "--from-literal",
            &format!("password={pw}"),
            "--force",
        ],
        &[("HONBAN_ROTATE_HOOK_BEFORE_SWITCH", &hook)],
    );
    run.assert_hides(&[pw]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.stderr.contains("deployment.apps/web changed while it was being switched (containers[web].env[PASSWORD] now names hand-edited, not app); not overwritten"),
        "{}",
        run.stderr
    );
    assert_eq!(web_ref(env, &ns.name), "hand-edited");
    assert_eq!(worker_ref(env, &ns.name), "app", "all or nothing");
}

#[test]
fn gitops_managed_workloads_are_not_patched_without_force() {
    let env = testenv();
    let ns = env.namespace("rot-gitops");
    env.apply(&ns.name, TWO_DEPLOYMENTS);
    let pw = "gitops-pw-2Vc";
    let run = rotate_secret(
        env,
        &ns.name,
        &[
            "app",
            "--from-literal",
            &format!("password={pw}"),
            "--allow-partial",
        ],
    )
    .ok();
    run.assert_hides(&[pw]);
    let name = created_name(&run);
    assert_eq!(web_ref(env, &ns.name), name);
    assert_eq!(worker_ref(env, &ns.name), "app");
    assert!(
        run.stderr.contains(&format!("deployment.apps/worker is managed by Helm release shop, so it was not patched (its next sync would undo it); in its source, change containers[worker].envFrom[0] from app to {name}")),
        "{}",
        run.stderr
    );
    rotate_secret(
        env,
        &ns.name,
        &[
            "app",
            "--from-literal",
            &format!("password={pw}"),
            "--force",
        ],
    )
    .ok();
    assert_eq!(worker_ref(env, &ns.name), name);
}

#[test]
fn dry_runs_change_nothing_and_print_objects_without_values() {
    let env = testenv();
    let ns = env.namespace("rot-dry");
    env.apply(&ns.name, TWO_DEPLOYMENTS);
    let pw = "dry-run-pw-8Wq";
    for mode in ["--dry-run", "--dry-run=server"] {
        let run = rotate_secret(
            env,
            &ns.name,
            &[
                "app",
                "--from-literal",
                &format!("password={pw}"),
                mode,
                "-o",
                "yaml",
                "--force",
            ],
        )
        .ok();
        run.assert_hides(&[pw, "two-deployments-original"]);
        // The List is laid out as `kubectl get -o yaml` lays out one.
        assert!(
            run.stdout.starts_with("apiVersion: v1\nitems:\n")
                && run
                    .stdout
                    .ends_with("kind: List\nmetadata:\n  resourceVersion: \"\"\n"),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout.contains("password: <redacted>"),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout.contains("name: web") && run.stdout.contains("name: worker"),
            "{}",
            run.stdout
        );
        assert!(
            run.stderr.contains("deployment.apps/web switched"),
            "{}",
            run.stderr
        );
        assert_eq!(secret_names(env, &ns.name), vec!["app"], "{mode}");
        assert_eq!(web_ref(env, &ns.name), "app", "{mode}");
    }
    let names = rotate_secret(
        env,
        &ns.name,
        &[
            "app",
            "--from-literal",
            &format!("password={pw}"),
            "--dry-run=client",
            "-o",
            "name",
            "--allow-partial",
        ],
    )
    .ok();
    assert_eq!(
        names.stdout.lines().collect::<Vec<_>>()[1..],
        ["deployment.apps/web"]
    );
}

#[test]
fn secret_values_show_only_with_show_values() {
    let env = testenv();
    let ns = env.namespace("rot-values");
    env.apply(&ns.name, TWO_DEPLOYMENTS);
    let pw = "visible-on-request-5Nr";
    let hidden = rotate_secret(
        env,
        &ns.name,
        &[
            "diff",
            "app",
            "--from-literal",
            &format!("password={pw}"),
            "-o",
            "json",
        ],
    )
    .ok();
    hidden.assert_hides(&[pw, "two-deployments-original"]);
    // The check above can fail: the same command with --show-values prints the value.
    let shown = rotate_secret(
        env,
        &ns.name,
        &[
            "diff",
            "app",
            "--from-literal",
            &format!("password={pw}"),
            "--show-values",
        ],
    )
    .ok();
    assert!(shown.stdout.contains(pw), "{}", shown.stdout);
    let bad_key = rotate_secret(
        env,
        &ns.name,
        &["app", "--from-literal", &format!("bad key={pw}")],
    );
    assert_eq!(bad_key.code, 2);
    bad_key.assert_hides(&[pw]);
}

#[test]
fn configmap_from_files_gets_kustomizes_name() {
    let env = testenv();
    let ns = env.namespace("rot-cm");
    env.apply(
        &ns.name,
        r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx, volumeMounts: [{name: conf, mountPath: /etc/nginx}]}]
      volumes: [{name: conf, configMap: {name: web-config}}]
"#,
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("nginx.conf"),
        "worker_processes 2; # <&> escaped by Go\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        "configMapGenerator:\n- name: web-config\n  files: [nginx.conf]\n",
    )
    .unwrap();
    let expected = env
        .kubectl_ok(&["kustomize", dir.path().to_str().unwrap()])
        .lines()
        .find_map(|l| l.trim().strip_prefix("name: ").map(str::to_string))
        .unwrap();
    let file = dir.path().join("nginx.conf");
    let run = rotate_secret(
        env,
        &ns.name,
        &[
            "configmap/web-config",
            "--create",
            "--from-file",
            file.to_str().unwrap(),
        ],
    )
    .ok();
    assert!(
        run.stdout
            .contains(&format!("configmap/{expected} created (revision 1)")),
        "{}",
        run.stdout
    );
    assert_eq!(
        get(
            env,
            &ns.name,
            "deployment/web",
            "{.spec.template.spec.volumes[0].configMap.name}"
        ),
        expected
    );
    assert_eq!(
        get(
            env,
            &ns.name,
            &format!("configmap/{expected}"),
            "{.immutable}"
        ),
        "true"
    );
}

#[test]
fn a_base_that_exists_nowhere_is_refused_unless_create_is_given() {
    let env = testenv();
    let ns = env.namespace("rot-typo");
    let typo = rotate_secret(env, &ns.name, &["nosuch", "--from-literal", "k=v"]);
    assert_eq!(typo.code, 2, "{}", typo.text());
    assert_eq!(typo.stdout, "");
    assert_eq!(
        typo.stderr,
        format!(
            "error: no secret/nosuch in {}; --create to start a new versioned object\n",
            ns.name
        )
    );
    let cm = rotate_secret(
        env,
        &ns.name,
        &["configmap/nosuch", "--from-literal", "k=v"],
    );
    assert_eq!(cm.code, 2, "{}", cm.text());
    assert!(
        cm.stderr.contains("no configmap/nosuch in"),
        "{}",
        cm.stderr
    );
    assert_eq!(
        env.kubectl_ok(&["get", "secrets,configmaps", "-n", &ns.name, "-o", "name"])
            .lines()
            .filter(|l| l.contains("nosuch"))
            .count(),
        0
    );
    let created = rotate_secret(
        env,
        &ns.name,
        &["nosuch", "--create", "--from-literal", "k=v"],
    )
    .ok();
    let name = created_name(&created);
    let suffix = kustomize_secret_name(env, &["k=v"]).replace("app-", "");
    assert_eq!(name, format!("nosuch-{suffix}"));
    assert!(
        created.stdout.contains("created (revision 1)"),
        "{}",
        created.stdout
    );
    // Once versions exist, the next rotation needs no --create.
    rotate_secret(env, &ns.name, &["nosuch", "--set", "k=w"]).ok();
}

#[test]
fn from_current_versions_the_live_object_under_kustomizes_name() {
    let env = testenv();
    let ns = env.namespace("rot-adopt");
    env.apply(&ns.name, TWO_DEPLOYMENTS);
    let run = rotate_secret(env, &ns.name, &["app", "--from-current", "--force"]).ok();
    run.assert_hides(&["two-deployments-original"]);
    let name = created_name(&run);
    assert_eq!(
        name,
        kustomize_secret_name(env, &["password=two-deployments-original"])
    );
    assert_eq!(web_ref(env, &ns.name), name);
    assert_eq!(worker_ref(env, &ns.name), name);
    assert_eq!(
        get(env, &ns.name, &format!("secret/{name}"), "{.data.password}"),
        get(env, &ns.name, "secret/app", "{.data.password}")
    );
}

#[test]
fn a_user_who_cannot_read_secrets_gets_one_clear_error_and_nothing_changes() {
    let env = testenv();
    let mut cmd = plugin(BIN);
    let out = cmd
        .args([
            "app",
            "--from-literal",
            "password=forbidden-pw-1Qa",
            "--context",
            "testenv-restricted",
            "--kubeconfig",
        ])
        .arg(&env.kubeconfig)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("forbidden for this user in namespace team-a"),
        "{stderr}"
    );
    assert!(!stderr.contains("forbidden-pw-1Qa"));
    let made = env.kubectl_ok(&[
        "get",
        "secrets",
        "-n",
        "team-a",
        "-l",
        "app.kubernetes.io/managed-by=kubectl-rotate-secret",
        "-o",
        "name",
    ]);
    assert_eq!(made, "");
}

#[test]
fn usage_errors_exit_2_before_touching_the_cluster() {
    for args in [
        vec!["app"],
        vec!["app", "--from-literal", "a=b", "--from-current"],
        vec!["deployment/app", "--from-literal", "a=b"],
        vec!["configmap/app", "--from-literal", "a=b", "--type", "Opaque"],
        vec!["app", "--from-literal", "a=b", "--timeout", "soon"],
        vec!["--from-literal", "a=b", "refs", "app"],
    ] {
        let out = plugin(BIN)
            .args(&args)
            .arg("--kubeconfig")
            .arg("/nonexistent/kubeconfig")
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
