//! `kubectl publish --api gateway` end to end against the real testenv API
//! server, with the Gateway API standard CRDs installed from the Go module
//! sigs.k8s.io/gateway-api (tests/tools/gateway-api-crds.sh). CRDs are
//! cluster-wide and shared: they are applied idempotently and never deleted.
//! The cluster without them, and the one with the ALB controller's real CRDs
//! (from `../shared/crds`), are control planes of their own tests.

mod support;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use serde_json::{Value, json};
use support::{TestEnv, testenv, unique_suffix};

const HOST: &str = "web.example.com";
/// A GatewayClass of the ALB controller's, as a cluster with it has.
const CLASS: &str = "honban-test-alb";
const ALB_CONTROLLER: &str = "gateway.k8s.aws/alb";
const ROUTE: &str = "httproute.gateway.networking.k8s.io";
const TGC: &str = "targetgroupconfiguration.gateway.k8s.aws";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs kubectl-publish as admin, with AWS pointed at a closed loopback port
/// (gateway mode never needs AWS to write; any AWS call fails fast).
fn publish(env: &TestEnv, args: &[&str]) -> Run {
    let out = Command::new(support::bin("kubectl-publish"))
        .env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .arg("--kubeconfig")
        .arg(&env.kubeconfig)
        .args(args)
        .output()
        .expect("run kubectl-publish");
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

fn kubectl_stdin(env: &TestEnv, args: &[&str], input: &str) -> std::process::Output {
    let mut child = env
        .kubectl()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn kubectl");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn crds_installed(env: &TestEnv) -> bool {
    env.kubectl()
        .args(["get", "crd", "httproutes.gateway.networking.k8s.io"])
        .output()
        .expect("run kubectl")
        .status
        .success()
}

fn web_deployment() -> &'static str {
    r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: registry.example/web:1
        ports:
        - {name: http, containerPort: 8080}
        readinessProbe:
          httpGet: {path: /ready, port: http}
"#
}

/// A Gateway of the ALB class with an HTTP and an HTTPS listener, as in the
/// ALB controller's docs (certificates come from ACM, not the listener).
fn gateway_manifest(name: &str) -> String {
    format!(
        r#"
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: {name}
spec:
  gatewayClassName: {CLASS}
  listeners:
  - {{name: http, protocol: HTTP, port: 80}}
  - {{name: https, protocol: HTTPS, port: 443}}
"#
    )
}

/// The names of the Services and HTTPRoutes in a namespace, sorted.
fn published(env: &TestEnv, ns: &str) -> Vec<String> {
    let out = env.kubectl_ok(&["get", "services,httproutes", "-n", ns, "-o", "name"]);
    let mut v: Vec<String> = out.lines().map(str::to_string).collect();
    v.sort();
    v
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

fn resource_version(v: &Value) -> String {
    v["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Installs the Gateway API CRDs and the ALB GatewayClass once per test
/// binary. The path without them runs on a control plane of its own
/// (publish_refuses_and_creates_nothing_where_the_gateway_api_is_not_installed).
fn gateway_api() -> &'static TestEnv {
    static READY: OnceLock<()> = OnceLock::new();
    let env = testenv();
    READY.get_or_init(|| install_gateway_api(env));
    env
}

/// The Gateway API standard CRDs, applied idempotently, and the ALB GatewayClass.
fn install_gateway_api(env: &TestEnv) {
    let out = Command::new(support::repo_root().join("tests/tools/gateway-api-crds.sh"))
        .output()
        .expect("run tests/tools/gateway-api-crds.sh");
    assert!(
        out.status.success(),
        "gateway-api-crds.sh failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = String::from_utf8(out.stdout).unwrap().trim().to_string();
    env.kubectl_ok(&["apply", "--server-side", "--force-conflicts", "-f", &path]);
    env.kubectl_ok(&[
        "wait",
        "--for=condition=Established",
        "--timeout=60s",
        "crd/httproutes.gateway.networking.k8s.io",
        "crd/gateways.gateway.networking.k8s.io",
        "crd/gatewayclasses.gateway.networking.k8s.io",
    ]);
    env.apply(
        "default",
        &format!(
            "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {{name: {CLASS}}}\nspec: {{controllerName: {ALB_CONTROLLER}}}\n"
        ),
    );
}

/// A namespace with the web Deployment and an ALB Gateway `public`.
fn setup(prefix: &str) -> (&'static TestEnv, support::TestNamespace) {
    let env = gateway_api();
    let ns = env.namespace(prefix);
    env.apply(&ns.name, web_deployment());
    env.apply(&ns.name, &gateway_manifest("public"));
    (env, ns)
}

/// The shared testenv keeps the Gateway API CRDs once a run installed them,
/// so this path gets a fresh control plane that never had them.
#[test]
fn publish_refuses_and_creates_nothing_where_the_gateway_api_is_not_installed() {
    let private = support::PrivateTestEnv::start();
    let env = &private.env;
    assert!(
        !crds_installed(env),
        "a fresh control plane has no Gateway API"
    );
    let ns = format!("gw-nocrd-{}", unique_suffix());
    env.kubectl_ok(&["create", "namespace", &ns]);
    env.apply(&ns, web_deployment());
    let run = publish(
        env,
        &["deploy/web", "--host", HOST, "--api", "gateway", "-n", &ns],
    );
    assert_eq!(
        run.code, 1,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("the Gateway API is not installed")
            && run.stderr.contains("kubectl apply --server-side -f"),
        "{}",
        run.stderr
    );
    let svcs = env.kubectl_ok(&["get", "services", "-n", &ns, "-o", "name"]);
    assert_eq!(
        svcs, "",
        "publish created something without the Gateway API"
    );
}

#[test]
fn gateway_detection_reports_a_missing_api_from_the_real_server() {
    let env = gateway_api();
    let kc = honban::kubeconfig::Kubeconfig::load(Some(&env.kubeconfig)).unwrap();
    let rt = honban::client::runtime().unwrap();
    rt.block_on(async {
        let conn = honban::client::connect(&kc, &honban::cli::GlobalArgs::default())
            .await
            .unwrap();
        // A group this test owns and never installs: the server answers 404.
        let absent = format!("absent-{}.honban.example", unique_suffix());
        let err = honban::publish::gateway::check_api(&conn.client, &absent)
            .await
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("does not serve {absent}/v1"))
                && err.contains("kubectl apply --server-side -f"),
            "{err}"
        );
        assert!(!err.contains('\n'), "{err}");
        let apis = honban::publish::gateway::check_api(
            &conn.client,
            honban::publish::gateway::GATEWAY_GROUP,
        )
        .await
        .expect("the installed Gateway API is found");
        // The ALB controller's own CRDs are not in any registry; testenv lacks them.
        assert!(!apis.target_group_configuration);
    });
}

#[test]
fn gateway_publish_creates_service_and_routes_then_changes_nothing() {
    let (env, ns) = setup("gw-create");
    let args = [
        "deploy/web",
        "--host",
        HOST,
        "--api",
        "gateway",
        "-n",
        &ns.name,
    ];
    let run = ok(publish(env, &args));
    assert_eq!(
        run.stdout,
        format!("service/web created\n{ROUTE}/web created\n{ROUTE}/web-redirect created\n")
    );
    for says in [
        format!("gateway: {}/public (class {CLASS})", ns.name),
        "--source=gateway-httproute".to_string(),
        "TargetGroupConfiguration CRD is not installed".to_string(),
        "scheme internal".to_string(),
        "HTTP listeners redirect to HTTPS through route web-redirect".to_string(),
    ] {
        assert!(
            run.stderr.contains(&says),
            "missing {says:?} in:\n{}",
            run.stderr
        );
    }

    let route = get_json(env, &ns.name, "httproute/web");
    assert_eq!(
        route["spec"]["parentRefs"],
        json!([{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "public", "sectionName": "https"}])
    );
    assert_eq!(route["spec"]["hostnames"], json!([HOST]));
    let backend = &route["spec"]["rules"][0]["backendRefs"][0];
    assert_eq!(
        (backend["name"].as_str(), backend["port"].as_i64()),
        (Some("web"), Some(8080))
    );
    assert_eq!(
        route["spec"]["rules"][0]["matches"][0]["path"],
        json!({"type": "PathPrefix", "value": "/"})
    );
    assert_eq!(
        route["metadata"]["labels"],
        json!({"app.kubernetes.io/managed-by": "kubectl-publish", "publish.honban.io/name": "web"})
    );
    assert_eq!(
        route["metadata"]["annotations"]["external-dns.kubernetes.io/hostname"],
        HOST
    );
    let managers: Vec<(&str, &str)> = route["metadata"]["managedFields"]
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
    assert_eq!(managers, vec![("honban", "Apply")]);

    let redirect = get_json(env, &ns.name, "httproute/web-redirect");
    assert_eq!(redirect["spec"]["parentRefs"][0]["sectionName"], "http");
    assert_eq!(
        redirect["spec"]["rules"][0]["filters"][0],
        json!({"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "statusCode": 301}})
    );
    assert_eq!(
        redirect["metadata"]["labels"]["publish.honban.io/name"],
        "web"
    );
    let svc = get_json(env, &ns.name, "service/web");
    assert_eq!(svc["spec"]["selector"], json!({"app": "web"}));

    let versions: Vec<String> = [&svc, &route, &redirect]
        .iter()
        .map(|v| resource_version(v))
        .collect();
    let again = ok(publish(env, &args));
    assert_eq!(
        again.stdout,
        format!("service/web unchanged\n{ROUTE}/web unchanged\n{ROUTE}/web-redirect unchanged\n")
    );
    let after: Vec<String> = ["service/web", "httproute/web", "httproute/web-redirect"]
        .iter()
        .map(|w| resource_version(&get_json(env, &ns.name, w)))
        .collect();
    assert_eq!(versions, after);
}

#[test]
fn gateway_dry_run_yaml_is_accepted_by_the_api_server_and_diff_creates_nothing() {
    let (env, ns) = setup("gw-dry");
    let run = ok(publish(
        env,
        &[
            "deploy/web",
            "--host",
            HOST,
            "--api",
            "gateway",
            "-n",
            &ns.name,
            "--dry-run",
            "-o",
            "yaml",
        ],
    ));
    assert_eq!(
        run.stdout.matches("kind: HTTPRoute").count(),
        2,
        "{}",
        run.stdout
    );
    let out = kubectl_stdin(
        env,
        &["apply", "--dry-run=server", "-n", &ns.name, "-f", "-"],
        &run.stdout,
    );
    assert!(
        out.status.success(),
        "the API server refused publish's YAML: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8(out.stdout).unwrap();
    assert!(
        said.contains(&format!("{ROUTE}/web created (server dry run)")),
        "{said}"
    );
    assert!(
        said.contains(&format!("{ROUTE}/web-redirect created (server dry run)")),
        "{said}"
    );

    let diff = ok(publish(
        env,
        &[
            "deploy/web",
            "--host",
            HOST,
            "--api",
            "gateway",
            "-n",
            &ns.name,
            "--diff",
        ],
    ));
    assert!(
        diff.stdout.contains(&format!("+++ publish/{ROUTE}/web")),
        "{}",
        diff.stdout
    );
    assert!(
        diff.stdout.contains(&format!("+  - {HOST}")),
        "{}",
        diff.stdout
    );
    assert_eq!(published(env, &ns.name), Vec::<String>::new());
}

fn accept(env: &TestEnv, ns: &str, route: &str, section: &str) {
    let condition = |ty: &str| {
        json!({"type": ty, "status": "True", "reason": ty, "message": "", "observedGeneration": 1,
               "lastTransitionTime": "2026-01-01T00:00:00Z"})
    };
    let patch = json!({"status": {"parents": [{
        "parentRef": {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "public", "sectionName": section},
        "controllerName": ALB_CONTROLLER,
        "conditions": [condition("Accepted"), condition("ResolvedRefs")],
    }]}});
    env.kubectl_ok(&[
        "patch",
        "httproute",
        route,
        "-n",
        ns,
        "--subresource=status",
        "--type=merge",
        "-p",
        &patch.to_string(),
    ]);
}

#[test]
fn gateway_status_is_red_until_the_controller_accepts_the_route() {
    let (env, ns) = setup("gw-status");
    ok(publish(
        env,
        &[
            "deploy/web",
            "--host",
            HOST,
            "--api",
            "gateway",
            "-n",
            &ns.name,
        ],
    ));

    let before = publish(env, &["status", "web", "-n", &ns.name, "--timeout", "1s"]);
    assert_eq!(before.code, 1, "{}", before.stderr);
    for says in [
        "✗ route not accepted yet: no controller has reported on the route".to_string(),
        "✗ redirect not accepted yet".to_string(),
        format!(
            "✗ load balancer no load balancer yet: Gateway {}/public has no address",
            ns.name
        ),
    ] {
        assert!(
            squash(&before.stdout).contains(&says),
            "missing {says:?} in:\n{}",
            before.stdout
        );
    }

    let lb = "k8s-public-0123456789.us-east-1.elb.amazonaws.com";
    accept(env, &ns.name, "web", "https");
    accept(env, &ns.name, "web-redirect", "http");
    env.kubectl_ok(&[
        "patch",
        "gateway",
        "public",
        "-n",
        &ns.name,
        "--subresource=status",
        "--type=merge",
        "-p",
        &json!({"status": {"addresses": [{"type": "Hostname", "value": lb}]}}).to_string(),
    ]);
    let after = publish(env, &["status", "web", "-n", &ns.name, "--timeout", "1s"]);
    for says in [
        format!("✓ route Accepted and ResolvedRefs on public:https by {ALB_CONTROLLER}"),
        format!("✓ redirect Accepted and ResolvedRefs on public:http by {ALB_CONTROLLER}"),
        format!("✓ load balancer Gateway {}/public: {lb}", ns.name),
    ] {
        assert!(
            squash(&after.stdout).contains(&says),
            "missing {says:?} in:\n{}",
            after.stdout
        );
    }
    let json_run = publish(
        env,
        &[
            "status",
            "web",
            "-n",
            &ns.name,
            "--timeout",
            "1s",
            "-o",
            "json",
        ],
    );
    let v: Value = serde_json::from_str(&json_run.stdout).unwrap();
    assert_eq!(v["loadBalancer"], lb);
    assert_eq!(v["hosts"], json!([HOST]));
}

/// After publish changes a route, its status still holds the controller's
/// verdict on the previous spec: that is no verdict on the route as it is.
#[test]
fn gateway_status_does_not_count_a_verdict_on_an_older_route() {
    let (env, ns) = setup("gw-stale");
    let route_args = |hosts: &[&'static str]| {
        let mut args = vec!["deploy/web", "--api", "gateway", "-n", ns.name.as_str()];
        for h in hosts {
            args.extend(["--host", *h]);
        }
        args
    };
    ok(publish(env, &route_args(&[HOST])));
    accept(env, &ns.name, "web", "https");
    accept(env, &ns.name, "web-redirect", "http");
    let status = || publish(env, &["status", "web", "-n", &ns.name, "--timeout", "1s"]);
    let seen = status();
    assert!(
        squash(&seen.stdout).contains("✓ route Accepted and ResolvedRefs on public:https"),
        "{}",
        seen.stdout
    );

    // A second host changes both routes (generation 2); no controller has seen it.
    ok(publish(env, &route_args(&[HOST, "www.example.com"])));
    let route = get_json(env, &ns.name, "httproute/web");
    assert_eq!(route["metadata"]["generation"], 2, "{route}");
    let stale = status();
    assert_eq!(stale.code, 1, "{}{}", stale.stdout, stale.stderr);
    for stage in ["route", "redirect"] {
        let line = squash(&stale.stdout)
            .lines()
            .find(|l| l.starts_with(&format!("✗ {stage} ")))
            .map(str::to_string)
            .unwrap_or_else(|| panic!("no ✗ {stage} line in:\n{}", stale.stdout));
        assert!(
            line.contains("the controller's verdict is for generation 1, the route is at 2"),
            "{line}"
        );
    }
}

fn squash(text: &str) -> String {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn gateway_unpublish_removes_exactly_what_publish_made() {
    let (env, ns) = setup("gw-unpub");
    env.apply(
        &ns.name,
        "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: other}\nspec:\n  parentRefs: [{name: public}]\n  hostnames: [other.example.com]\n",
    );
    ok(publish(
        env,
        &[
            "deploy/web",
            "--host",
            HOST,
            "--api",
            "gateway",
            "-n",
            &ns.name,
        ],
    ));
    let run = ok(publish(env, &["unpublish", "web", "-n", &ns.name]));
    assert_eq!(
        run.stdout,
        format!(
            "{ROUTE} \"web\" deleted\n{ROUTE} \"web-redirect\" deleted\nservice \"web\" deleted\n"
        )
    );
    assert_eq!(published(env, &ns.name), vec![format!("{ROUTE}/other")]);
    env.kubectl_ok(&["get", "gateway/public", "deployment/web", "-n", &ns.name]);
    let again = publish(env, &["unpublish", "web", "-n", &ns.name]);
    assert_eq!(again.code, 1, "{}", again.stderr);
}

#[test]
fn gateway_mode_refuses_what_a_route_cannot_carry_and_creates_nothing() {
    let (env, ns) = setup("gw-bad");
    let cases: [(&[&str], i32, &str); 4] = [
        (
            &[
                "--waf-acl",
                "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/x/1",
            ],
            2,
            "--waf-acl does not apply with --api gateway",
        ),
        (
            &["--create-cert"],
            2,
            "--create-cert does not apply with --api gateway",
        ),
        (
            &["--gateway", "nope"],
            1,
            &format!("gateway \"nope\" not found in namespace \"{}\"", ns.name),
        ),
        (
            &["--gateway", "public/Bad_NS"],
            2,
            "give NAME or NAME/NAMESPACE",
        ),
    ];
    for (extra, code, says) in cases {
        let mut args = vec![
            "deploy/web",
            "--host",
            HOST,
            "--api",
            "gateway",
            "-n",
            &ns.name,
        ];
        args.extend_from_slice(extra);
        let run = publish(env, &args);
        assert_eq!(run.code, code, "{extra:?}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{extra:?}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{extra:?}: {}", run.stderr);
    }
    let run = publish(
        env,
        &[
            "deploy/web",
            "--host",
            HOST,
            "--gateway",
            "public",
            "-n",
            &ns.name,
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("--gateway needs --api gateway"),
        "{}",
        run.stderr
    );
    assert_eq!(published(env, &ns.name), Vec::<String>::new());
}

#[test]
fn doctor_reports_the_gateway_api_and_the_alb_gateway_class() {
    let env = gateway_api();
    let run = publish(env, &["doctor", "--api", "gateway"]);
    let out = squash(&run.stdout);
    assert!(
        out.contains("✓ gateway api gateway.networking.k8s.io/v1 serves HTTPRoute and Gateway"),
        "{out}"
    );
    assert!(
        out.contains("✓ gateway class") && out.contains(CLASS),
        "{out}"
    );
    assert!(
        out.contains(
            "✗ gateway crds gateway.k8s.aws/v1beta1 TargetGroupConfiguration is not installed"
        ),
        "{out}"
    );
    // Without --api gateway the same gap only informs.
    let info = squash(&publish(env, &["doctor"]).stdout);
    assert!(info.contains("- gateway crds"), "{info}");
    assert!(info.contains("(needed only for --api gateway)"), "{info}");
}

#[test]
fn a_user_without_route_rights_gets_one_line_and_nothing_is_created() {
    let env = gateway_api();
    // team-a: the restricted user may manage Deployments and Services there,
    // but has no rights on Gateway API objects.
    let name = format!("gw-{}", unique_suffix());
    env.apply(
        "team-a",
        &web_deployment().replace("name: web", &format!("name: {name}")),
    );
    env.apply("team-a", &gateway_manifest(&name));
    let run = publish(
        env,
        &[
            &format!("deploy/{name}"),
            "--host",
            HOST,
            "--api",
            "gateway",
            "--gateway",
            &name,
            "-n",
            "team-a",
            "--context",
            "testenv-restricted",
        ],
    );
    let exists = env
        .kubectl()
        .args(["get", "service", &name, "-n", "team-a"])
        .output()
        .unwrap();
    env.kubectl_ok(&[
        "delete",
        "deployment,gateway",
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

/// Every CRD of the ALB controller, the real ones from `../shared/crds` (never
/// copied into the repository): its gateway kinds and its elbv2 kinds
/// (IngressClassParams, TargetGroupBinding). None when absent (a failure
/// under CI=true).
fn lbc_crds() -> Option<Vec<(String, PathBuf)>> {
    let dir = support::shared_dir(
        "HONBAN_SHARED_CRDS",
        "crds",
        "aws-load-balancer-controller/gateway.k8s.aws_targetgroupconfigurations.yaml",
    )?
    .join("aws-load-balancer-controller");
    Some(
        [
            "gateway.k8s.aws_targetgroupconfigurations",
            "gateway.k8s.aws_loadbalancerconfigurations",
            "gateway.k8s.aws_listenerruleconfigurations",
            "elbv2.k8s.aws_ingressclassparams",
            "elbv2.k8s.aws_targetgroupbindings",
        ]
        .iter()
        .map(|file| {
            let (group, plural) = file.split_once('_').unwrap();
            (
                format!("crd/{plural}.{group}"),
                dir.join(format!("{file}.yaml")),
            )
        })
        .collect(),
    )
}

#[test]
fn with_the_controllers_crds_the_probe_becomes_the_target_group_health_check() {
    let Some(crds) = lbc_crds() else {
        support::skip(
            "publish gateway with the ALB controller's CRDs",
            "../shared/crds/aws-load-balancer-controller not found (set HONBAN_SHARED_CRDS)",
        );
        return;
    };
    // A control plane of its own: the other tests need one without these CRDs.
    let private = support::PrivateTestEnv::start();
    let env = &private.env;
    install_gateway_api(env);
    let mut apply = vec!["apply", "--server-side"];
    let mut wait = vec!["wait", "--for=condition=Established", "--timeout=60s"];
    for (name, file) in &crds {
        apply.extend(["-f", file.to_str().unwrap()]);
        wait.push(name);
    }
    env.kubectl_ok(&apply);
    env.kubectl_ok(&wait);
    let ns = format!("gw-tgc-{}", unique_suffix());
    env.kubectl_ok(&["create", "namespace", &ns]);
    env.apply(&ns, web_deployment());
    let cert =
        "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555";
    env.apply(
        &ns,
        &format!(
            "apiVersion: gateway.k8s.aws/v1beta1\nkind: LoadBalancerConfiguration\nmetadata: {{name: lb}}\nspec:\n  scheme: internet-facing\n  listenerConfigurations:\n  - {{protocolPort: 'HTTPS:443', defaultCertificate: '{cert}'}}\n"
        ),
    );
    env.apply(
        &ns,
        &gateway_manifest("public").replace(
            "  listeners:",
            "  infrastructure:\n    parametersRef: {group: gateway.k8s.aws, kind: LoadBalancerConfiguration, name: lb}\n  listeners:",
        ),
    );
    let args = ["deploy/web", "--host", HOST, "--api", "gateway", "-n", &ns];
    let run = ok(publish(env, &args));
    assert_eq!(
        run.stdout,
        format!(
            "service/web created\n{ROUTE}/web created\n{ROUTE}/web-redirect created\n{TGC}/web created\n"
        )
    );
    for says in [
        format!(
            "scheme: internet-facing (LoadBalancerConfiguration {0}/lb of Gateway {0}/public)",
            ns
        ),
        format!(
            "certificates: pinned by LoadBalancerConfiguration (HTTPS:443 in {}/lb)",
            ns
        ),
        "health check HTTP GET /ready".to_string(),
    ] {
        assert!(
            run.stderr.contains(&says),
            "missing {says:?} in:\n{}",
            run.stderr
        );
    }
    assert!(
        !run.stderr.contains("warning:"),
        "{}",
        run.stderr
            .lines()
            .filter(|l| l.starts_with("warning:"))
            .collect::<Vec<_>>()
            .join("\n")
    );

    let tgc = get_json(env, &ns, "targetgroupconfiguration/web");
    // The real CRD defaults the reference's group and kind.
    assert_eq!(
        tgc["spec"]["targetReference"],
        json!({"group": "", "kind": "Service", "name": "web"})
    );
    assert_eq!(
        tgc["spec"]["defaultConfiguration"],
        json!({"targetType": "ip", "healthCheckConfig": {
            "healthCheckPath": "/ready", "healthCheckProtocol": "HTTP", "matcher": {"httpCode": "200-399"}}})
    );
    assert_eq!(tgc["metadata"]["labels"]["publish.honban.io/name"], "web");
    let version = resource_version(&tgc);
    let again = ok(publish(env, &args));
    assert!(
        again.stdout.contains(&format!("{TGC}/web unchanged")),
        "{}",
        again.stdout
    );
    assert_eq!(
        version,
        resource_version(&get_json(env, &ns, "targetgroupconfiguration/web"))
    );

    // doctor sees the real CRDs as the controller's.
    let doctor = squash(&publish(env, &["doctor", "--api", "gateway", "-n", &ns]).stdout);
    assert!(
        doctor.contains("✓ gateway crds gateway.k8s.aws/v1beta1 serves TargetGroupConfiguration"),
        "{doctor}"
    );

    // The controller binds the Service's target group with a TargetGroupBinding
    // of its own (the real CRD validates it); unpublish leaves it to the
    // controller, which removes it with the Service.
    let port = &get_json(env, &ns, "service/web")["spec"]["ports"][0]["port"];
    let binding = format!("k8s-{ns}-web");
    env.apply(
        &ns,
        &format!(
            "apiVersion: elbv2.k8s.aws/v1beta1\nkind: TargetGroupBinding\nmetadata: {{name: {binding}}}\nspec:\n  serviceRef: {{name: web, port: {port}}}\n  targetGroupARN: arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/{binding}/0123456789abcdef\n  targetType: ip\n"
        ),
    );

    let gone = ok(publish(env, &["unpublish", "web", "-n", &ns]));
    assert!(
        gone.stdout.contains(&format!("{TGC} \"web\" deleted")),
        "{}",
        gone.stdout
    );
    let left = env.kubectl_ok(&[
        "get",
        "targetgroupconfigurations,loadbalancerconfigurations,targetgroupbindings",
        "-n",
        &ns,
        "-o",
        "name",
    ]);
    assert_eq!(
        left.trim(),
        format!(
            "loadbalancerconfiguration.gateway.k8s.aws/lb\ntargetgroupbinding.elbv2.k8s.aws/{binding}"
        )
    );
}
