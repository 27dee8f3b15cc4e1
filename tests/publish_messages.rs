//! What `kubectl publish` tells a user when something is missing: no AWS
//! credentials, no ALB controller, a readiness probe the ALB cannot copy.
//! Against the real testenv API server; no test here may reach AWS.

mod support;

use std::process::Command;
use std::time::Duration;

use support::{TestEnv, eventually, testenv};

const HOST: &str = "web.example.com";
const CERT: &str =
    "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// `kubectl-publish` with no AWS credentials anywhere: none in the
/// environment, an empty HOME, and no instance metadata service.
fn publish_without_credentials(env: &TestEnv, args: &[&str]) -> Run {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(support::bin("kubectl-publish"));
    for var in [
        "KUBECONFIG",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("NO_COLOR", "1")
        .env("HOME", home.path())
        .env("AWS_CONFIG_FILE", home.path().join("aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            home.path().join("aws-credentials"),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_REGION", "us-east-1")
        // Were a call made after all, it would fail here, not reach AWS.
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .args(args);
    let out = cmd.output().expect("run kubectl-publish");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn deployment(name: &str, probe_headers: &str) -> String {
    format!(
        r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: 1
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
      - name: app
        image: registry.example/web:1
        ports:
        - {{name: http, containerPort: 8080}}
        readinessProbe:
          httpGet: {{path: /ready, port: http{probe_headers}}}
"#
    )
}

fn objects(env: &TestEnv, ns: &str) -> String {
    env.kubectl_ok(&["get", "services,ingresses", "-n", ns, "-o", "name"])
}

#[test]
fn without_credentials_the_error_offers_cert_arn_and_nothing_is_created() {
    let env = testenv();
    let ns = env.namespace("publish-nocreds");
    env.apply(&ns.name, &deployment("web", ""));
    let run = publish_without_credentials(env, &["deploy/web", "--host", HOST, "-n", &ns.name]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(errors.len(), 1, "{}", run.stderr);
    assert!(errors[0].contains("no AWS credentials"), "{}", errors[0]);
    assert!(
        errors[0].contains("pass --cert-arn ARN") && errors[0].contains("needs no ACM call"),
        "{}",
        errors[0]
    );
    assert_eq!(objects(env, &ns.name), "", "publish left objects behind");

    // And what the message offers works without credentials.
    let run = publish_without_credentials(
        env,
        &[
            "deploy/web",
            "--host",
            HOST,
            "-n",
            &ns.name,
            "--cert-arn",
            CERT,
            "--dry-run",
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn status_without_credentials_says_so_once() {
    let env = testenv();
    let ns = env.namespace("publish-status-nocreds");
    env.apply(&ns.name, &deployment("web", ""));
    env.apply(
        &ns.name,
        &format!(
            r#"
apiVersion: v1
kind: Service
metadata: {{name: web}}
spec:
  selector: {{app: web}}
  ports: [{{name: http, port: 8080, targetPort: http}}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  annotations:
    alb.ingress.kubernetes.io/certificate-arn: {CERT}
spec:
  ingressClassName: alb
  rules:
  - host: {HOST}
    http:
      paths:
      - {{path: /, pathType: Prefix, backend: {{service: {{name: web, port: {{number: 8080}}}}}}}}
"#
        ),
    );
    let run =
        publish_without_credentials(env, &["status", "web", "-n", &ns.name, "--timeout", "1s"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert_eq!(
        all.matches("no AWS credentials").count(),
        1,
        "the credentials error must show once:\n{all}"
    );
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("✗ aws ")
                && l.contains("AWS stages not checked: no AWS credentials")),
        "{}",
        run.stdout
    );
}

#[test]
fn doctor_fix_for_a_missing_alb_controller_covers_iam_and_the_helm_repository() {
    let env = testenv();
    let ns = env.namespace("publish-doctor-lbc");
    // Other tests install an ALB controller Deployment for a while: wait
    // until the cluster has none, which is what this test is about.
    let mut last = None;
    assert!(
        eventually(Duration::from_secs(120), || {
            let run = publish_without_credentials(env, &["doctor", "-n", &ns.name]);
            let missing = run.stdout.lines().any(|l| {
                l.starts_with("✗ alb controller")
                    && l.ends_with("no AWS Load Balancer Controller Deployment found")
            });
            last = Some(run);
            missing
        }),
        "doctor never reported a missing controller:\n{}",
        last.map(|r| r.stdout).unwrap_or_default()
    );
    let run = last.unwrap();
    assert_eq!(run.code, 1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("✗ alb controller"))
        .unwrap();
    // The fix: every line under the check, up to the next check.
    let fix: Vec<&str> = lines[at + 1..]
        .iter()
        .take_while(|l| l.starts_with(' '))
        .map(|l| l.trim())
        .collect();
    let text = fix.join("\n");
    assert!(fix[0].starts_with("fix: "), "{text}");
    for needed in [
        "aws iam create-policy --policy-name AWSLoadBalancerControllerIAMPolicy",
        "eksctl create iamserviceaccount --cluster CLUSTER -n kube-system --name aws-load-balancer-controller",
        "eksctl create podidentityassociation --cluster CLUSTER --namespace kube-system --service-account-name aws-load-balancer-controller",
        "helm repo add eks https://aws.github.io/eks-charts",
        "helm install aws-load-balancer-controller eks/aws-load-balancer-controller -n kube-system --set clusterName=CLUSTER",
        "EKS Auto Mode",
    ] {
        assert!(
            text.contains(needed),
            "{needed:?} missing from the fix:\n{text}"
        );
    }
    // The steps come in the order they must run.
    let order: Vec<usize> = [
        "iam create-policy",
        "iamserviceaccount",
        "helm repo add",
        "helm install",
    ]
    .iter()
    .map(|s| text.find(s).unwrap())
    .collect();
    assert!(order.is_sorted(), "{text}");
}

#[test]
fn probe_headers_the_alb_cannot_send_get_a_warning() {
    let env = testenv();
    let ns = env.namespace("publish-probe-headers");
    env.apply(
        &ns.name,
        &deployment(
            "hdr",
            ", httpHeaders: [{name: Host, value: internal.example}, {name: X-Probe, value: '1'}]",
        ),
    );
    env.apply(&ns.name, &deployment("plain", ""));
    let dry_run = |name: &str| {
        publish_without_credentials(
            env,
            &[
                &format!("deploy/{name}"),
                "--host",
                HOST,
                "-n",
                &ns.name,
                "--cert-arn",
                CERT,
                "--dry-run",
                "-o",
                "yaml",
            ],
        )
    };
    let run = dry_run("hdr");
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let warning = run
        .stderr
        .lines()
        .find(|l| l.contains("httpHeaders"))
        .unwrap_or_else(|| panic!("no warning about httpHeaders:\n{}", run.stderr));
    assert!(warning.starts_with("warning: "), "{warning}");
    assert!(
        warning.contains("(Host, X-Probe)") && warning.contains("GET /ready"),
        "{warning}"
    );
    // The health check is still copied from the probe.
    assert!(
        run.stdout
            .contains("alb.ingress.kubernetes.io/healthcheck-path: /ready"),
        "{}",
        run.stdout
    );
    let plain = dry_run("plain");
    assert_eq!(plain.code, 0, "{}", plain.stderr);
    assert!(!plain.stderr.contains("httpHeaders"), "{}", plain.stderr);
}

#[test]
fn output_flag_follows_kubectl_or_is_refused() {
    let env = testenv();
    let ns = env.namespace("publish-output");
    env.apply(&ns.name, &deployment("web", ""));
    let base = ["-n", ns.name.as_str()];
    let with = |args: &[&str]| {
        let all: Vec<&str> = args.iter().chain(base.iter()).copied().collect();
        publish_without_credentials(env, &all)
    };
    let run = with(&["deploy/web", "--host", HOST, "--cert-arn", CERT]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let published = "ingress.networking.k8s.io/web\nservice/web\n";
    assert_eq!(
        objects(env, &ns.name),
        "service/web\ningress.networking.k8s.io/web\n"
    );

    // status and doctor print reports, which name no object: -o name is a
    // usage error, not the table under another name.
    for sub in [&["status", "web"][..], &["doctor"][..]] {
        let run = with(&[sub, &["-o", "name"]].concat());
        assert_eq!(run.code, 2, "{sub:?}: {}{}", run.stdout, run.stderr);
        assert!(run.stdout.is_empty(), "{sub:?}: {}", run.stdout);
        assert!(
            run.stderr.starts_with("error: -o name does not apply to"),
            "{sub:?}: {}",
            run.stderr
        );
    }

    // unpublish is kubectl delete: -o name prints KIND/NAME, nothing else applies.
    for format in ["json", "yaml", "table"] {
        let run = with(&["unpublish", "web", "-o", format]);
        assert_eq!(run.code, 2, "-o {format}: {}{}", run.stdout, run.stderr);
        assert!(run.stderr.contains("only -o name"), "{}", run.stderr);
    }
    let run = with(&["unpublish", "web", "--dry-run", "-o", "name"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, published);
    assert_eq!(
        objects(env, &ns.name),
        "service/web\ningress.networking.k8s.io/web\n",
        "a refused or dry-run unpublish deletes nothing"
    );
    let run = with(&["unpublish", "web", "-o", "name"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.stdout, published);
    assert_eq!(objects(env, &ns.name), "");
}
