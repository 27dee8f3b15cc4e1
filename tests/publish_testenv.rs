//! `kubectl publish` end to end: the real testenv API server, and moto's
//! server on loopback standing in for ACM, Route 53, EC2 and ELBv2.

mod support;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use support::moto::Moto;
use support::{TestEnv, testenv, unique_suffix};

const HOST: &str = "web.example.com";

/// What publish writes depends on cluster-wide state (external-dns's
/// version, the IngressClasses), which the doctor test changes: the tests
/// that compare two runs take this lock, as does the doctor test.
fn cluster_wide_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn cert(moto: &Moto, names: &[&str], days: i64) -> String {
    moto.fixture("cert", json!({"names": names, "days": days}))["arn"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Output of one plugin run.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn publish(env: &TestEnv, moto: Option<&Moto>, args: &[&str]) -> Run {
    let mut cmd = Command::new(support::bin("kubectl-publish"));
    cmd.env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .args(args);
    match moto {
        Some(m) => m.env(&mut cmd),
        // No AWS at all: any AWS call would fail loudly.
        None => {
            cmd.env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
                .env("AWS_ACCESS_KEY_ID", "testing")
                .env("AWS_SECRET_ACCESS_KEY", "testing")
                .env("AWS_REGION", "us-east-1");
        }
    }
    let out = cmd.output().expect("run kubectl-publish");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn ok(run: Run) -> Run {
    assert_eq!(
        run.code, 0,
        "kubectl-publish failed:\nstdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    run
}

fn get_json(env: &TestEnv, ns: &str, what: &str) -> Value {
    serde_json::from_str(&env.kubectl_ok(&[
        "get",
        what,
        "-n",
        ns,
        "-o",
        "json",
        "--show-managed-fields",
    ]))
    .unwrap()
}

/// Text with every run of spaces squeezed to one, so assertions do not
/// depend on column padding.
fn squash(text: &str) -> String {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Names of the Services and Ingresses in a namespace.
fn services_and_ingresses(env: &TestEnv, ns: &str) -> Vec<String> {
    let out = env.kubectl_ok(&["get", "services,ingresses", "-n", ns, "-o", "name"]);
    let mut v: Vec<String> = out.lines().map(str::to_string).collect();
    v.sort();
    v
}

fn web_deployment(name: &str) -> String {
    format!(
        r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}, tier: front}}
    spec:
      containers:
      - name: app
        image: registry.example/web:1
        ports:
        - {{name: http, containerPort: 8080}}
        - {{name: metrics, containerPort: 9090}}
        readinessProbe:
          httpGet: {{path: /ready/{name}, port: http}}
"#
    )
}

fn annotation<'a>(ingress: &'a Value, key: &str) -> Option<&'a str> {
    ingress["metadata"]["annotations"][key].as_str()
}

#[test]
fn publish_creates_service_and_ingress_with_every_default_then_changes_nothing() {
    let _lock = cluster_wide_lock();
    let env = testenv();
    // The class a cluster with the ALB controller has. Without it publish would
    // pick any other ALB class, such as the one the doctor test creates meanwhile.
    env.apply(
        "default",
        "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: alb}\nspec: {controller: ingress.k8s.aws/alb}\n",
    );
    let ns = env.namespace("publish-create");
    env.apply(&ns.name, &web_deployment("web"));
    let moto = Moto::publish();
    let wildcard = cert(&moto, &["*.example.com"], 300);
    let expired = moto.fixture("cert", json!({"names": [HOST], "seconds": 2}))["arn"]
        .as_str()
        .unwrap()
        .to_string();
    let exact = cert(&moto, &[HOST], 90);

    let run = ok(publish(
        env,
        Some(&moto),
        &["deploy/web", "--host", HOST, "-n", &ns.name],
    ));
    assert_eq!(
        run.stdout,
        "service/web created\ningress.networking.k8s.io/web created\n"
    );
    assert!(
        run.stderr.contains(&format!(
            "certificate for {HOST}: {exact} (exact match, ISSUED"
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(&format!("{wildcard} (wildcard *.example.com)")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!("{expired} (EXPIRED)")),
        "{}",
        run.stderr
    );

    let ing = get_json(env, &ns.name, "ingress/web");
    let alb = |k: &str| annotation(&ing, &format!("alb.ingress.kubernetes.io/{k}"));
    assert_eq!(alb("scheme"), Some("internet-facing"));
    assert_eq!(alb("target-type"), Some("ip"));
    assert_eq!(alb("listen-ports"), Some(r#"[{"HTTP":80},{"HTTPS":443}]"#));
    assert_eq!(alb("ssl-redirect"), Some("443"));
    assert_eq!(
        alb("ssl-policy"),
        Some("ELBSecurityPolicy-TLS13-1-2-Res-2021-06")
    );
    assert_eq!(alb("certificate-arn"), Some(exact.as_str()));
    let deploy = get_json(env, &ns.name, "deployment/web");
    let probe_path =
        deploy["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["path"]
            .as_str()
            .unwrap();
    assert_eq!(alb("healthcheck-path"), Some(probe_path));
    assert_eq!(alb("success-codes"), Some("200-399"));
    // external-dns: both prefixes when its version is unknown, else the one it reads.
    let dns: Vec<&str> = [
        "external-dns.kubernetes.io/hostname",
        "external-dns.alpha.kubernetes.io/hostname",
    ]
    .iter()
    .filter_map(|k| annotation(&ing, k))
    .collect();
    assert!(!dns.is_empty() && dns.iter().all(|h| *h == HOST), "{ing}");
    assert_eq!(ing["spec"]["ingressClassName"], "alb");
    assert_eq!(ing["spec"]["tls"][0]["hosts"], json!([HOST]));
    let rule = &ing["spec"]["rules"][0];
    assert_eq!(rule["host"], HOST);
    assert_eq!(rule["http"]["paths"][0]["pathType"], "Prefix");
    assert_eq!(
        rule["http"]["paths"][0]["backend"]["service"],
        json!({"name": "web", "port": {"number": 8080}})
    );

    let svc = get_json(env, &ns.name, "service/web");
    assert_eq!(svc["spec"]["selector"], json!({"app": "web"}));
    assert_eq!(svc["spec"]["type"], "ClusterIP");
    let ports: Vec<(i64, &str, &str)> = svc["spec"]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["port"].as_i64().unwrap(),
                p["name"].as_str().unwrap(),
                p["targetPort"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ports,
        vec![(8080, "http", "http"), (9090, "metrics", "metrics")]
    );
    for obj in [&svc, &ing] {
        assert_eq!(
            obj["metadata"]["labels"]["app.kubernetes.io/managed-by"],
            "kubectl-publish"
        );
        assert_eq!(obj["metadata"]["labels"]["publish.honban.io/name"], "web");
        let managers: Vec<(&str, &str)> = obj["metadata"]["managedFields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["manager"].as_str().unwrap(),
                    m["operation"].as_str().unwrap(),
                )
            })
            .collect();
        assert!(managers.contains(&("honban", "Apply")), "{managers:?}");
    }

    let versions = |env: &TestEnv| {
        (
            get_json(env, &ns.name, "service/web")["metadata"]["resourceVersion"].clone(),
            get_json(env, &ns.name, "ingress/web")["metadata"]["resourceVersion"].clone(),
        )
    };
    let before = versions(env);
    let again = ok(publish(
        env,
        Some(&moto),
        &["deploy/web", "--host", HOST, "-n", &ns.name],
    ));
    assert_eq!(
        again.stdout,
        "service/web unchanged\ningress.networking.k8s.io/web unchanged\n"
    );
    assert_eq!(versions(env), before);
}

#[test]
fn dry_run_yaml_is_accepted_by_the_api_server_and_creates_nothing() {
    let _lock = cluster_wide_lock();
    let env = testenv();
    let ns = env.namespace("publish-dry");
    env.apply(&ns.name, &web_deployment("shop"));
    let cert =
        "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555";
    let waf = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/shop/abcd";
    // --cert-arn: no ACM call, so no moto; the flags all reach the Ingress.
    let run = ok(publish(
        env,
        None,
        &[
            "deploy/shop",
            "--host",
            "shop.example.com",
            "--host",
            "www.shop.example.com",
            "-n",
            &ns.name,
            "--cert-arn",
            cert,
            "--group",
            "public-apps",
            "--waf-acl",
            waf,
            "--tags",
            "team=shop,env=prod",
            "--internal",
            "--port",
            "metrics",
            "--namespace-readiness-gate",
            "--dry-run",
            "-o",
            "yaml",
        ],
    ));
    let yaml = run.stdout;
    for needle in [
        "kind: Namespace",
        "elbv2.k8s.aws/pod-readiness-gate-inject: enabled",
        "kind: Service",
        "kind: Ingress",
        "alb.ingress.kubernetes.io/scheme: internal",
        "alb.ingress.kubernetes.io/group.name: public-apps",
        &format!("alb.ingress.kubernetes.io/wafv2-acl-arn: {waf}"),
        "alb.ingress.kubernetes.io/tags: team=shop,env=prod",
        "number: 9090",
        "shop.example.com,www.shop.example.com",
    ] {
        assert!(yaml.contains(needle), "missing {needle:?} in:\n{yaml}");
    }
    assert!(yaml.contains(cert), "{yaml}");

    let mut child = env
        .kubectl()
        .args(["apply", "--dry-run=server", "-n", &ns.name, "-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(yaml.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the API server rejected publish's dry-run output: {}\n{yaml}",
        String::from_utf8_lossy(&out.stderr)
    );
    let applied = String::from_utf8_lossy(&out.stdout);
    assert!(
        applied.contains("service/shop created (server dry run)"),
        "{applied}"
    );
    assert!(
        applied.contains("ingress.networking.k8s.io/shop created (server dry run)"),
        "{applied}"
    );

    // --dry-run=server and --diff go through the API and write nothing either.
    let server = ok(publish(
        env,
        None,
        &[
            "deploy/shop",
            "--host",
            "shop.example.com",
            "-n",
            &ns.name,
            "--cert-arn",
            cert,
            "--dry-run=server",
        ],
    ));
    assert_eq!(
        server.stdout,
        "service/shop created (server dry run)\ningress.networking.k8s.io/shop created (server dry run)\n"
    );
    let diff = ok(publish(
        env,
        None,
        &[
            "deploy/shop",
            "--host",
            "shop.example.com",
            "-n",
            &ns.name,
            "--cert-arn",
            cert,
            "--diff",
        ],
    ));
    assert!(
        diff.stdout
            .contains("+++ publish/ingress.networking.k8s.io/shop"),
        "{}",
        diff.stdout
    );
    assert!(
        diff.stdout.contains(&format!(
            "+    alb.ingress.kubernetes.io/certificate-arn: {cert}"
        )),
        "{}",
        diff.stdout
    );
    assert!(services_and_ingresses(env, &ns.name).is_empty());
    let labels = env.kubectl_ok(&[
        "get",
        "namespace",
        &ns.name,
        "-o",
        "jsonpath={.metadata.labels}",
    ]);
    assert!(!labels.contains("pod-readiness-gate-inject"), "{labels}");

    // After a real apply, --diff shows just the change.
    ok(publish(
        env,
        None,
        &[
            "deploy/shop",
            "--host",
            "shop.example.com",
            "-n",
            &ns.name,
            "--cert-arn",
            cert,
        ],
    ));
    let diff = ok(publish(
        env,
        None,
        &[
            "deploy/shop",
            "--host",
            "shop.example.com",
            "-n",
            &ns.name,
            "--cert-arn",
            cert,
            "--tags",
            "team=shop",
            "--diff",
        ],
    ));
    let changed: Vec<&str> = diff
        .stdout
        .lines()
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .collect();
    assert_eq!(
        changed,
        vec!["+    alb.ingress.kubernetes.io/tags: team=shop"],
        "{}",
        diff.stdout
    );
    let same = ok(publish(
        env,
        None,
        &[
            "deploy/shop",
            "--host",
            "shop.example.com",
            "-n",
            &ns.name,
            "--cert-arn",
            cert,
            "--diff",
        ],
    ));
    assert_eq!(same.stdout, "");
    assert!(same.stderr.contains("no changes"), "{}", same.stderr);
}

#[test]
fn status_reports_no_load_balancer_then_the_hostname_the_controller_sets() {
    let env = testenv();
    let ns = env.namespace("publish-status");
    env.apply(&ns.name, &web_deployment("web"));
    env.wait_rollout(&ns.name, "web", Duration::from_secs(180));
    let moto = Moto::publish();
    let cert = cert(&moto, &[HOST], 200);
    let run = ok(publish(
        env,
        Some(&moto),
        &[
            "deploy/web",
            "--host",
            HOST,
            "-n",
            &ns.name,
            "--namespace-readiness-gate",
        ],
    ));
    assert!(
        run.stdout
            .starts_with(&format!("namespace/{} configured\n", ns.name)),
        "{}",
        run.stdout
    );
    let gate = env.kubectl_ok(&[
        "get",
        "namespace",
        &ns.name,
        "-o",
        "jsonpath={.metadata.labels.elbv2\\.k8s\\.aws/pod-readiness-gate-inject}",
    ]);
    assert_eq!(gate, "enabled");

    let before = publish(
        env,
        Some(&moto),
        &["status", "web", "-n", &ns.name, "--timeout", "2s"],
    );
    assert_eq!(before.code, 1, "{}{}", before.stdout, before.stderr);
    let text = squash(&before.stdout);
    assert!(
        text.contains("✗ load balancer no load balancer yet"),
        "{text}"
    );
    assert!(
        text.contains("✓ service web: 2 of 2 endpoints ready"),
        "{text}"
    );
    assert!(
        text.contains(&format!("✓ certificate {cert}: ISSUED, ")),
        "{text}"
    );
    assert!(text.contains("- targets no load balancer yet"), "{text}");

    // What the controller and external-dns would do: an ALB, the Ingress
    // status hostname (through the status subresource) and the DNS records.
    let lb = moto.fixture("load_balancer", json!({"targets": 2}));
    let dns = lb["dns"].as_str().unwrap();
    let zone = moto.fixture("zone", json!({"name": "example.com"}));
    moto.fixture(
        "record",
        json!({"zone": zone["id"], "name": HOST, "target": dns, "owner": "testenv-owner"}),
    );
    env.kubectl_ok(&[
        "patch",
        "ingress",
        "web",
        "-n",
        &ns.name,
        "--subresource=status",
        "--type=merge",
        "-p",
        &json!({"status": {"loadBalancer": {"ingress": [{"hostname": dns}]}}}).to_string(),
    ]);

    let after = publish(
        env,
        Some(&moto),
        &[
            "status",
            "web",
            "-n",
            &ns.name,
            "--timeout",
            "2s",
            "-o",
            "json",
        ],
    );
    let report: Value =
        serde_json::from_str(&after.stdout).unwrap_or_else(|e| panic!("{e}: {}", after.stdout));
    let stage = |name: &str| {
        report["stages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("no stage {name}: {report}"))
            .clone()
    };
    assert_eq!(stage("load balancer")["status"], "ok", "{report}");
    assert_eq!(
        stage("load balancer")["detail"],
        format!("admitted by the controller: {dns}")
    );
    assert_eq!(report["loadBalancer"], dns);
    assert_eq!(stage("targets")["status"], "ok", "{report}");
    assert!(
        stage("targets")["detail"]
            .as_str()
            .unwrap()
            .contains("2/2 healthy"),
        "{report}"
    );
    assert_eq!(stage("dns record")["status"], "ok", "{report}");
    assert!(
        stage("dns record")["detail"]
            .as_str()
            .unwrap()
            .contains("external-dns/owner=testenv-owner"),
        "{report}"
    );
    assert_eq!(stage("certificate")["status"], "ok", "{report}");
    // web.example.com is no host of ours: whatever DNS answers, the reach
    // stages fail, every other stage is ✓, and the run says not ready.
    assert_eq!(report["ready"], false, "{report}");
    assert_eq!(after.code, 1, "{report}");
    let failed: Vec<&str> = report["stages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["status"] != "ok")
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(
        !failed.is_empty() && failed.iter().all(|n| matches!(*n, "resolve" | "https")),
        "{report}"
    );

    // Through kubectl, as users run it: kubectl finds kubectl-publish on PATH.
    let mut through_kubectl = env.kubectl();
    through_kubectl.args([
        "publish",
        "status",
        "web",
        "-n",
        &ns.name,
        "--timeout",
        "2s",
    ]);
    moto.env(&mut through_kubectl);
    let out = through_kubectl.output().unwrap();
    let text = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    };
    assert!(text.stderr.is_empty(), "{}", text.stderr);
    assert!(
        squash(&text.stdout).contains(&format!(
            "✓ load balancer admitted by the controller: {dns}"
        )),
        "{}",
        text.stdout
    );
}

/// `--cert-arn` is pinned as given; status must not call a certificate good
/// that covers none of the host's names.
#[test]
fn status_fails_a_pinned_certificate_that_does_not_cover_the_host() {
    let env = testenv();
    let ns = env.namespace("publish-cert-cover");
    env.apply(&ns.name, &web_deployment("web"));
    let moto = Moto::publish();
    let status = || {
        publish(
            env,
            Some(&moto),
            &["status", "web", "-n", &ns.name, "--timeout", "1s"],
        )
    };
    let pin = |arn: &str| {
        ok(publish(
            env,
            Some(&moto),
            &[
                "deploy/web",
                "--host",
                HOST,
                "-n",
                &ns.name,
                "--cert-arn",
                arn,
            ],
        ))
    };
    let cert = |names: &[&str]| {
        moto.fixture("cert", json!({"names": names, "days": 200}))["arn"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let other = cert(&["api.other.org", "*.other.org"]);
    pin(&other);
    let run = status();
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let text = squash(&run.stdout);
    assert!(
        text.contains(&format!("✗ certificate {other}: ISSUED, "))
            && text.contains(&format!("no pinned certificate covers {HOST}")),
        "{text}"
    );

    // Control: a certificate for the host is still ✓.
    let good = cert(&["*.example.com"]);
    pin(&good);
    let text = squash(&status().stdout);
    assert!(
        text.contains(&format!("✓ certificate {good}: ISSUED, ")),
        "{text}"
    );
}

#[test]
fn unpublish_removes_exactly_what_publish_made() {
    let env = testenv();
    let ns = env.namespace("publish-un");
    env.apply(&ns.name, &web_deployment("web"));
    env.apply(&ns.name, &web_deployment("api"));
    let moto = Moto::publish();
    cert(&moto, &["*.example.com"], 100);
    // Objects publish did not make, one of them published through svc/.
    env.kubectl_ok(&[
        "create",
        "service",
        "clusterip",
        "other",
        "--tcp=80:8080",
        "-n",
        &ns.name,
    ]);
    env.kubectl_ok(&[
        "create",
        "ingress",
        "other",
        "--rule=other.example.com/*=other:80",
        "-n",
        &ns.name,
    ]);
    ok(publish(
        env,
        Some(&moto),
        &["deploy/web", "--host", HOST, "-n", &ns.name],
    ));
    ok(publish(
        env,
        Some(&moto),
        &["deploy/api", "--host", "api.example.com", "-n", &ns.name],
    ));
    let via_svc = ok(publish(
        env,
        Some(&moto),
        &[
            "svc/other",
            "--host",
            "other.example.com",
            "--name",
            "other-web",
            "-n",
            &ns.name,
        ],
    ));
    assert_eq!(
        via_svc.stdout,
        "ingress.networking.k8s.io/other-web created\n"
    );
    let all = services_and_ingresses(env, &ns.name);
    assert_eq!(all.len(), 7, "{all:?}");

    let run = ok(publish(env, None, &["unpublish", "web", "-n", &ns.name]));
    assert_eq!(
        run.stdout,
        "ingress.networking.k8s.io \"web\" deleted\nservice \"web\" deleted\n"
    );
    let left = services_and_ingresses(env, &ns.name);
    let expected: Vec<String> = all
        .into_iter()
        .filter(|n| n != "service/web" && n != "ingress.networking.k8s.io/web")
        .collect();
    assert_eq!(left, expected);
    env.kubectl_ok(&["get", "deployment/web", "-n", &ns.name]);

    let svc_pub = ok(publish(
        env,
        None,
        &["unpublish", "other-web", "-n", &ns.name],
    ));
    assert_eq!(
        svc_pub.stdout,
        "ingress.networking.k8s.io \"other-web\" deleted\n"
    );
    env.kubectl_ok(&["get", "service/other", "ingress/other", "-n", &ns.name]);

    let again = publish(env, None, &["unpublish", "web", "-n", &ns.name]);
    assert_eq!(again.code, 1);
    assert!(
        again
            .stderr
            .starts_with("error: nothing published as \"web\""),
        "{}",
        again.stderr
    );
}

/// One line on stderr, the exit code, and no Service or Ingress made.
fn assert_refused(env: &TestEnv, ns: &str, run: &Run, code: i32, says: &str) {
    assert_eq!(
        run.code, code,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(lines.len(), 1, "{}", run.stderr);
    assert!(
        lines[0].contains(says),
        "expected {says:?} in {:?}",
        lines[0]
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert!(
        services_and_ingresses(env, ns).is_empty(),
        "{:?}",
        services_and_ingresses(env, ns)
    );
}

#[test]
fn bad_input_gets_a_one_line_error_and_creates_nothing() {
    let env = testenv();
    let ns = env.namespace("publish-bad");
    env.apply(
        &ns.name,
        r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: noports}
spec:
  selector: {matchLabels: {app: noports}}
  template:
    metadata: {labels: {app: noports}}
    spec:
      containers: [{name: worker, image: registry.example/worker:1}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: twoports}
spec:
  selector: {matchLabels: {app: twoports}}
  template:
    metadata: {labels: {app: twoports}}
    spec:
      containers:
      - name: app
        image: registry.example/app:1
        ports: [{name: a, containerPort: 7000}, {name: b, containerPort: 7001}]
"#,
    );
    env.apply(&ns.name, &web_deployment("web"));
    let n = ns.name.as_str();

    let run = publish(env, None, &["deploy/noports", "--host", HOST, "-n", n]);
    assert_refused(
        env,
        n,
        &run,
        1,
        "deployment \"noports\" declares no container ports",
    );
    let run = publish(env, None, &["deploy/web", "--host", "not a host", "-n", n]);
    assert_refused(env, n, &run, 2, "--host \"not a host\" is not a DNS name");
    let run = publish(env, None, &["deploy/web", "--host", "10.1.2.3", "-n", n]);
    assert_refused(env, n, &run, 2, "is not a DNS name");
    let run = publish(env, None, &["deploy/ghost", "--host", HOST, "-n", n]);
    assert_refused(
        env,
        n,
        &run,
        1,
        "deployment \"ghost\" not found in namespace",
    );
    let run = publish(env, None, &["web", "--host", HOST, "-n", n]);
    assert_refused(
        env,
        n,
        &run,
        2,
        "give deploy/NAME, statefulset/NAME or svc/NAME",
    );
    let run = publish(env, None, &["deploy/twoports", "--host", HOST, "-n", n]);
    assert_refused(env, n, &run, 2, "choose one with --port");
    let run = publish(
        env,
        None,
        &["deploy/web", "--host", HOST, "-n", n, "--waf-acl", "my-acl"],
    );
    assert_refused(env, n, &run, 2, "--waf-acl \"my-acl\" is not an wafv2 ARN");

    // No certificate fits: said, with the way out, and nothing created.
    let moto = Moto::publish();
    cert(&moto, &["*.other.org"], 30);
    let run = publish(
        env,
        Some(&moto),
        &["deploy/web", "--host", "web.example.com", "-n", n],
    );
    assert_refused(env, n, &run, 1, "no ACM certificate covers web.example.com");
    assert!(run.stderr.contains("--create-cert"), "{}", run.stderr);

    // No AWS credentials at all: one line that says how to give them.
    let out = Command::new(support::bin("kubectl-publish"))
        .args(["--kubeconfig"])
        .arg(&env.kubeconfig)
        .args(["deploy/web", "--host", HOST, "-n", n])
        .env_remove("KUBECONFIG")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env("HOME", moto.home())
        .env("AWS_CONFIG_FILE", moto.home().join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", moto.home().join("none"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_REGION", "us-east-1")
        .output()
        .unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    };
    assert_refused(
        env,
        n,
        &run,
        1,
        "no AWS credentials to look up a certificate in ACM",
    );
    assert!(
        run.stderr.contains("pass --profile") && run.stderr.contains("pass --cert-arn ARN"),
        "{}",
        run.stderr
    );

    // A foreign object with the same name is not taken over.
    env.kubectl_ok(&[
        "create",
        "service",
        "clusterip",
        "web",
        "--tcp=80:8080",
        "-n",
        n,
    ]);
    let run = publish(
        env,
        Some(&moto),
        &["deploy/web", "--host", "a.other.org", "-n", n],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("service \"web\" already exists and was not made by kubectl publish"),
        "{}",
        run.stderr
    );
    assert_eq!(services_and_ingresses(env, n), vec!["service/web"]);
}

#[test]
fn a_user_without_ingress_rights_gets_one_line_and_nothing_is_created() {
    let env = testenv();
    // team-a is where the restricted user may manage Deployments and Services, but not Ingresses.
    let name = format!("pub-{}", unique_suffix());
    env.apply("team-a", &web_deployment(&name));
    let cert =
        "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555";
    let run = publish(
        env,
        None,
        &[
            &format!("deploy/{name}"),
            "--host",
            HOST,
            "-n",
            "team-a",
            "--context",
            "testenv-restricted",
            "--cert-arn",
            cert,
        ],
    );
    let exists = env
        .kubectl()
        .args(["get", "service", &name, "-n", "team-a"])
        .output()
        .unwrap();
    env.kubectl_ok(&[
        "delete",
        "deployment",
        &name,
        "-n",
        "team-a",
        "--wait=false",
    ]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("forbidden"), "{}", run.stderr);
    assert!(!exists.status.success(), "a Service was created");
}

/// The ALB controller's real IngressClassParams CRD, from `../shared/crds`
/// (never copied into the repository); None when absent (a failure under CI=true).
fn ingress_class_params_crd() -> Option<std::path::PathBuf> {
    let file = "aws-load-balancer-controller/elbv2.k8s.aws_ingressclassparams.yaml";
    support::shared_dir("HONBAN_SHARED_CRDS", "crds", file).map(|d| d.join(file))
}

/// Deletes the IngressClassParams CRD (and so its objects) when the test ends.
struct CrdGuard(&'static TestEnv);

impl Drop for CrdGuard {
    fn drop(&mut self) {
        let _ = self
            .0
            .kubectl()
            .args([
                "delete",
                "crd",
                "ingressclassparams.elbv2.k8s.aws",
                "--ignore-not-found",
                "--wait=false",
            ])
            .output();
    }
}

/// Deletes a cluster-scoped IngressClass when the test ends.
struct ClassGuard(&'static TestEnv, String);

impl Drop for ClassGuard {
    fn drop(&mut self) {
        let _ = self
            .0
            .kubectl()
            .args(["delete", "ingressclass", &self.1, "--ignore-not-found"])
            .output();
    }
}

#[test]
fn doctor_reports_missing_class_and_external_dns_with_fixes_then_passes() {
    let _lock = cluster_wide_lock();
    let env = testenv();
    // external-dns Deployments are looked for cluster-wide: drop any this test left behind.
    let _ = env
        .kubectl()
        .args([
            "delete",
            "deployment",
            "-A",
            "-l",
            "honban-test=publish-doctor",
            "--wait=false",
        ])
        .output();
    let ns = env.namespace("publish-doctor");
    let class = format!("alb-{}", unique_suffix());
    let _guard = ClassGuard(env, class.clone());
    let moto = Moto::publish();
    let network = moto.fixture("network", json!({"tagged": ["us-east-1a", "us-east-1b"]}));
    let vpc = network["vpc"].as_str().unwrap();
    moto.fixture("zone", json!({"name": "example.com"}));
    let cert = cert(&moto, &[HOST], 120);
    let doctor = |moto: &Moto| {
        publish(
            env,
            Some(moto),
            &[
                "doctor", "--class", &class, "--host", HOST, "--vpc-id", vpc, "-n", &ns.name,
            ],
        )
    };

    let before = doctor(&moto);
    assert_eq!(before.code, 1, "{}{}", before.stdout, before.stderr);
    let lines: Vec<&str> = before.stdout.lines().collect();
    let after_line = |prefix: &str| {
        let i = lines
            .iter()
            .position(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line {prefix:?} in:\n{}", before.stdout));
        (
            lines[i],
            lines.get(i + 1).map(|l| l.trim()).unwrap_or_default(),
        )
    };
    let (line, fix) = after_line("✗ ingress class");
    assert!(
        line.ends_with(&format!("no IngressClass {class}")),
        "{line}"
    );
    assert!(
        fix.starts_with("fix: printf ") && fix.ends_with("| kubectl apply -f -"),
        "{fix}"
    );
    let (line, ext_fix) = after_line("✗ external-dns");
    assert!(line.ends_with("no external-dns Deployment found"), "{line}");
    assert!(
        ext_fix.starts_with("fix: helm install external-dns"),
        "{ext_fix}"
    );
    let text = squash(&before.stdout);
    assert!(
        text.contains(&format!("✓ certificate {cert} (exact match")),
        "{text}"
    );
    assert!(text.contains("✓ hosted zone example.com ("), "{text}");
    assert!(
        text.contains(&format!(
            "✓ subnets 2 subnet(s) of {vpc} tagged kubernetes.io/role/elb in us-east-1a, us-east-1b"
        )),
        "{text}"
    );

    // Install them: the IngressClass by running the printed fix, the
    // controllers as Deployments shaped like their Helm charts' (kwok runs them).
    let out = Command::new("bash")
        .arg("-c")
        .arg(fix.trim_start_matches("fix: "))
        .env("KUBECONFIG", &env.kubeconfig)
        .env("PATH", support::path_with_plugins())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the printed fix failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let controller = |name: &str, image: &str, args: &str| {
        format!(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels: {{app.kubernetes.io/name: {name}, honban-test: publish-doctor}}
spec:
  selector: {{matchLabels: {{app.kubernetes.io/name: {name}}}}}
  template:
    metadata: {{labels: {{app.kubernetes.io/name: {name}}}}}
    spec:
      containers:
      - name: {name}
        image: {image}
        args: {args}
"#
        )
    };
    env.apply(
        &ns.name,
        &controller(
            "aws-load-balancer-controller",
            "registry.example/eks/aws-load-balancer-controller:v2.14.1",
            "[--cluster-name=testenv, --ingress-class=alb]",
        ),
    );
    env.apply(
        &ns.name,
        &controller(
            "external-dns",
            "registry.example/external-dns/external-dns:v0.21.0",
            "[--source=service, --source=ingress, --provider=aws, --policy=upsert-only, --txt-owner-id=testenv]",
        ),
    );
    env.wait_rollout(
        &ns.name,
        "aws-load-balancer-controller",
        Duration::from_secs(180),
    );
    env.wait_rollout(&ns.name, "external-dns", Duration::from_secs(180));

    // doctor reads Deployments from the API server's watch cache: allow it to catch up.
    let mut after = doctor(&moto);
    support::eventually(Duration::from_secs(10), || {
        after = doctor(&moto);
        after.code == 0
    });
    assert_eq!(after.code, 0, "{}{}", after.stdout, after.stderr);
    let text = squash(&after.stdout);
    assert!(
        text.contains(&format!("✓ ingress class {class} → ingress.k8s.aws/alb")),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "✓ external-dns {}/external-dns v0.21.0, 1/1 ready: policy upsert-only (records stay behind after unpublish), txt-owner-id testenv, reads external-dns.alpha.kubernetes.io/",
            ns.name
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "✓ alb controller {}/aws-load-balancer-controller v2.14.1, 1/1 ready",
            ns.name
        )),
        "{text}"
    );
    let json_report: Value = serde_json::from_str(
        &publish(
            env,
            Some(&moto),
            &[
                "doctor", "--class", &class, "--host", HOST, "--vpc-id", vpc, "-o", "json",
            ],
        )
        .stdout,
    )
    .unwrap();
    assert_eq!(json_report["ok"], true, "{json_report}");

    // The installed external-dns decides the annotation prefix publish writes.
    env.apply(&ns.name, &web_deployment("web"));
    let yaml = |moto: &Moto| {
        ok(publish(
            env,
            Some(moto),
            &[
                "deploy/web",
                "--host",
                HOST,
                "-n",
                &ns.name,
                "--class",
                &class,
                "--dry-run",
                "-o",
                "yaml",
            ],
        ))
        .stdout
    };
    let old = yaml(&moto);
    assert!(
        old.contains("external-dns.alpha.kubernetes.io/hostname: web.example.com"),
        "{old}"
    );
    assert!(
        !old.contains("\n    external-dns.kubernetes.io/hostname"),
        "{old}"
    );
    env.kubectl_ok(&[
        "set",
        "image",
        "deployment/external-dns",
        "-n",
        &ns.name,
        "external-dns=registry.example/external-dns/external-dns:v0.22.0",
    ]);
    // publish reads Deployments from the API server's watch cache: allow it to catch up.
    let mut new = String::new();
    support::eventually(Duration::from_secs(10), || {
        new = yaml(&moto);
        !new.contains("external-dns.alpha.kubernetes.io/hostname")
    });
    assert!(
        new.contains("\n    external-dns.kubernetes.io/hostname: web.example.com"),
        "{new}"
    );
    assert!(
        !new.contains("external-dns.alpha.kubernetes.io/hostname"),
        "{new}"
    );

    // Certificate creation: refused for a controller that cannot do it.
    let create = |moto: &Moto| {
        publish(
            env,
            Some(moto),
            &[
                "deploy/web",
                "--host",
                HOST,
                "-n",
                &ns.name,
                "--class",
                &class,
                "--create-cert",
                "--dry-run",
                "-o",
                "yaml",
            ],
        )
    };
    let old_controller = create(&moto);
    assert_eq!(old_controller.code, 1, "{}", old_controller.stderr);
    assert!(
        old_controller
            .stderr
            .contains("is v2.14.1; certificate creation needs v3.3.0 or later"),
        "{}",
        old_controller.stderr
    );
    env.kubectl_ok(&[
        "set",
        "image",
        "deployment/aws-load-balancer-controller",
        "-n",
        &ns.name,
        "aws-load-balancer-controller=registry.example/eks/aws-load-balancer-controller:v3.4.0",
    ]);
    let mut no_gate = create(&moto);
    support::eventually(Duration::from_secs(10), || {
        no_gate = create(&moto);
        !no_gate.stderr.contains("is v2.14.1")
    });
    assert_eq!(no_gate.code, 1, "{}", no_gate.stderr);
    assert!(
        no_gate
            .stderr
            .contains("runs without --feature-gates=EnableCertificateManagement=true"),
        "{}",
        no_gate.stderr
    );
    env.kubectl_ok(&[
        "patch", "deployment", "aws-load-balancer-controller", "-n", &ns.name, "--type=json", "-p",
        r#"[{"op":"add","path":"/spec/template/spec/containers/0/args/-","value":"--feature-gates=EnableCertificateManagement=true"}]"#,
    ]);
    let mut created = create(&moto);
    support::eventually(Duration::from_secs(10), || {
        created = create(&moto);
        created.code == 0
    });
    let created = ok(created);
    assert!(
        created
            .stdout
            .contains("alb.ingress.kubernetes.io/create-acm-cert: \"true\""),
        "{}",
        created.stdout
    );
    assert!(
        !created.stdout.contains("certificate-arn"),
        "{}",
        created.stdout
    );

    // IngressClassParams that override publish's settings: doctor says which, publish warns.
    if let Some(crd) = ingress_class_params_crd() {
        let _crd = CrdGuard(env);
        env.kubectl_ok(&["apply", "--server-side", "-f", crd.to_str().unwrap()]);
        env.kubectl_ok(&[
            "wait",
            "--for=condition=established",
            "--timeout=30s",
            "crd/ingressclassparams.elbv2.k8s.aws",
        ]);
        env.apply(
        &ns.name,
        &format!(
            "apiVersion: elbv2.k8s.aws/v1beta1\nkind: IngressClassParams\nmetadata: {{name: {class}}}\nspec: {{scheme: internal, group: {{name: everyone}}}}\n"
        ),
    );
        env.kubectl_ok(&[
        "patch", "ingressclass", &class, "--type=merge", "-p",
        &json!({"spec": {"parameters": {"apiGroup": "elbv2.k8s.aws", "kind": "IngressClassParams", "name": class}}}).to_string(),
    ]);
        let params = doctor(&moto);
        assert_eq!(params.code, 1, "{}", params.stdout);
        let text = squash(&params.stdout);
        assert!(
        text.contains(&format!(
            "✗ class params elbv2.k8s.aws/{class} overrides publish: scheme=internal (the ALB is internal, not internet-facing); group.name=everyone"
        )),
        "{text}"
    );
        assert!(
            text.contains(&format!(
                "fix: kubectl edit ingressclassparams {class} # remove scheme, group.name"
            )),
            "{text}"
        );
        let warned = ok(create(&moto));
        assert!(
        warned.stderr.contains(&format!(
            "warning: IngressClassParams elbv2.k8s.aws/{class} sets scheme=internal: the ALB is internal, not internet-facing"
        )),
        "{}",
        warned.stderr
    );
    } else {
        support::skip(
            "publish with IngressClassParams",
            "../shared/crds/aws-load-balancer-controller not found (set HONBAN_SHARED_CRDS)",
        );
    }

    // unpublish warns that upsert-only leaves the DNS record behind.
    ok(publish(
        env,
        Some(&moto),
        &[
            "deploy/web",
            "--host",
            HOST,
            "-n",
            &ns.name,
            "--class",
            &class,
        ],
    ));
    let un = ok(publish(env, None, &["unpublish", "web", "-n", &ns.name]));
    assert!(
        un.stderr
            .contains("--policy=upsert-only: the Route 53 records for web.example.com stay behind"),
        "{}",
        un.stderr
    );
    // Leave no external-dns behind for other tests to find.
    env.kubectl_ok(&[
        "delete",
        "deployment",
        "external-dns",
        "aws-load-balancer-controller",
        "-n",
        &ns.name,
    ]);
    // ... and wait until the watch cache publish reads from agrees.
    assert!(support::eventually(Duration::from_secs(10), || {
        squash(&doctor(&moto).stdout).contains("✗ external-dns no external-dns Deployment found")
    }));
}

/// A ValidatingAdmissionPolicy that lets server dry runs of Ingresses in one
/// namespace through and refuses the real writes: a failure after publish's
/// dry runs passed and its first writes landed. Removed on drop.
struct RefuseRealIngressWrites {
    env: &'static TestEnv,
    name: String,
}

impl RefuseRealIngressWrites {
    fn new(env: &'static TestEnv, ns: &str) -> RefuseRealIngressWrites {
        let name = format!("honban-refuse-ingress-{}", unique_suffix());
        let manifest = format!(
            "apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: {name}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: [networking.k8s.io]
      apiVersions: ['*']
      operations: [CREATE, UPDATE]
      resources: [ingresses]
  validations:
  - expression: request.dryRun == true
    message: refused by the test's admission policy
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: {name}
spec:
  policyName: {name}
  validationActions: [Deny]
  matchResources:
    namespaceSelector:
      matchLabels:
        kubernetes.io/metadata.name: {ns}
"
        );
        support::rbac::kubectl_stdin(env, &["apply", "-f", "-"], &manifest);
        let guard = RefuseRealIngressWrites { env, name };
        // The policy takes effect once the API server has loaded it.
        let refused = support::eventually(Duration::from_secs(60), || {
            let out = env
                .kubectl()
                .args(["create", "ingress", "probe", "-n", ns])
                .args(["--rule", "probe.example.com/*=probe:80"])
                .output()
                .unwrap();
            if out.status.success() {
                env.kubectl_ok(&["delete", "ingress", "probe", "-n", ns]);
            }
            String::from_utf8_lossy(&out.stderr).contains("refused by the test's")
        });
        assert!(refused, "the admission policy never took effect");
        guard
    }
}

impl Drop for RefuseRealIngressWrites {
    fn drop(&mut self) {
        for kind in [
            "validatingadmissionpolicybinding",
            "validatingadmissionpolicy",
        ] {
            let _ = self
                .env
                .kubectl()
                .args(["delete", kind, &self.name, "--ignore-not-found"])
                .output();
        }
    }
}

#[test]
fn a_write_that_fails_after_others_landed_undoes_what_the_run_made() {
    let env = testenv();
    let ns = env.namespace("publish-undo");
    env.apply(&ns.name, &web_deployment("shop"));
    let _policy = RefuseRealIngressWrites::new(env, &ns.name);
    let cert =
        "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555";
    let args = [
        "deploy/shop",
        "--host",
        HOST,
        "-n",
        &ns.name,
        "--cert-arn",
        cert,
        "--namespace-readiness-gate",
    ];
    let gate = "elbv2.k8s.aws/pod-readiness-gate-inject";
    let label = |env: &TestEnv| {
        get_json(env, &ns.name, &format!("namespace/{}", ns.name))["metadata"]["labels"][gate]
            .clone()
    };

    // The label and the Service land, the Ingress is refused: both are undone.
    let run = publish(env, None, &args);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let errors = run.stderr.lines().filter(|l| l.starts_with("error:"));
    assert_eq!(errors.count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("refused by the test's"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("service/shop") && run.stderr.contains(gate),
        "{}",
        run.stderr
    );
    assert_eq!(services_and_ingresses(env, &ns.name), Vec::<String>::new());
    assert_eq!(label(env), Value::Null);

    // What was there before the run stays: the label set by someone else.
    env.kubectl_ok(&["label", "namespace", &ns.name, &format!("{gate}=enabled")]);
    let run = publish(env, None, &args);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(!run.stderr.contains(gate), "{}", run.stderr);
    assert_eq!(services_and_ingresses(env, &ns.name), Vec::<String>::new());
    assert_eq!(label(env), "enabled");
}
