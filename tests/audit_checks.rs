//! Every audit check, with a manifest that must fire it and one that must
//! not, including the false positives other auditors are known for.
//! Offline checks run through the same code as `kubectl audit -f`; live-only
//! checks through the same indexing as a cluster audit, from API objects.

use honban::audit::{self, live, yaml};

/// Names (Kind/name) of the objects `check` fires on.
fn fired_with(manifest: &str, check: &str, zones: Option<usize>) -> Vec<String> {
    let report = audit::audit_text(manifest, &[check], zones);
    assert!(
        report.not_checked.is_empty(),
        "fixture did not parse: {:?}",
        report.not_checked
    );
    let mut names: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.check == check)
        .map(|f| format!("{}/{}", f.object.kind, f.object.name))
        .collect();
    names.dedup();
    names
}

fn fired(manifest: &str, check: &str) -> Vec<String> {
    fired_with(manifest, check, None)
}

fn messages(manifest: &str, check: &str) -> Vec<String> {
    audit::audit_text(manifest, &[check], None)
        .findings
        .into_iter()
        .map(|f| f.message)
        .collect()
}

/// Live-only checks: objects as the API returns them.
fn live_fired(objects: &str, check: &str) -> Vec<String> {
    let values = yaml::parse_stream(objects)
        .expect("fixture parses")
        .into_iter()
        .map(|d| d.value)
        .filter(|v| !v.is_null())
        .collect();
    let index = live::index_from_values(values, Vec::new());
    let report = audit::audit_index(
        Some("test".into()),
        &index,
        &audit::test_settings(&[check], true),
    );
    report
        .findings
        .iter()
        .filter(|f| f.check == check)
        .map(|f| format!("{}/{}", f.object.kind, f.object.name))
        .collect()
}

/// A Deployment with `replicas`, pod `labels` and extra pod spec lines
/// (indented for `spec.template.spec`).
fn deployment(name: &str, replicas: u32, spec: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: shop
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
{spec}
      containers:
        - name: app
          image: example/app:1.0
"
    )
}

// ---------------------------------------------------------------- reliability

#[test]
fn min_replicas_flags_one_replica_and_counts_the_hpa_minimum() {
    assert_eq!(
        fired(&deployment("one", 1, ""), "min-replicas"),
        ["Deployment/one"]
    );
    assert!(fired(&deployment("two", 2, ""), "min-replicas").is_empty());
    // An HPA's minReplicas stands in for replicas...
    let hpa_managed = "
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: x:1}]}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: MIN
  maxReplicas: 10
";
    assert!(fired(&hpa_managed.replace("MIN", "3"), "min-replicas").is_empty());
    assert_eq!(
        fired(&hpa_managed.replace("MIN", "1"), "min-replicas"),
        ["Deployment/web"]
    );
    // ...and an HPA-managed workload must not set replicas itself.
    let sets_replicas = hpa_managed.replace("MIN", "3").replacen(
        "spec:\n  selector",
        "spec:\n  replicas: 3\n  selector",
        1,
    );
    let msgs = messages(&sets_replicas, "min-replicas");
    assert_eq!(msgs.len(), 1);
    assert!(msgs[0].contains("sets replicas: 3"), "{msgs:?}");
}

#[test]
fn min_replicas_live_ignores_the_replicas_an_hpa_wrote_itself() {
    let objects = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: 'APPLIED'
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: x:1}]}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 3
  maxReplicas: 10
";
    let without = objects.replace("APPLIED", r#"{"kind":"Deployment","spec":{"selector":{}}}"#);
    assert!(live_fired(&without, "min-replicas").is_empty());
    let with = objects.replace("APPLIED", r#"{"kind":"Deployment","spec":{"replicas":2}}"#);
    assert_eq!(live_fired(&with, "min-replicas"), ["Deployment/web"]);
}

#[test]
fn min_replicas_judges_an_hpa_alone_when_its_target_is_elsewhere() {
    let hpa = "apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  minReplicas: 1
  maxReplicas: 4
";
    assert_eq!(fired(hpa, "min-replicas"), ["HorizontalPodAutoscaler/api"]);
    assert!(
        fired(
            &hpa.replace("minReplicas: 1", "minReplicas: 2"),
            "min-replicas"
        )
        .is_empty()
    );
}

const HOSTNAME_TSC: &str = "      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector: {matchLabels: {app: spread}}";

const HOSTNAME_ANTI_AFFINITY: &str = "      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchExpressions: [{key: app, operator: In, values: [spread]}]";

#[test]
fn spread_nodes_accepts_a_topology_spread_constraint_instead_of_anti_affinity() {
    assert_eq!(
        fired(&deployment("spread", 3, ""), "spread-nodes"),
        ["Deployment/spread"]
    );
    // kube-score #613, kube-linter #894: a TSC spreads as well as anti-affinity.
    assert!(fired(&deployment("spread", 3, HOSTNAME_TSC), "spread-nodes").is_empty());
    assert!(
        fired(
            &deployment("spread", 3, HOSTNAME_ANTI_AFFINITY),
            "spread-nodes"
        )
        .is_empty()
    );
    // One replica has nothing to spread.
    assert!(fired(&deployment("spread", 1, ""), "spread-nodes").is_empty());
    // Unset replicas usually mean an autoscaler outside the file (kube-score).
    let unset = deployment("spread", 1, "").replace("  replicas: 1\n", "");
    assert_eq!(
        messages(&unset, "spread-nodes"),
        [
            "replicas unset (an autoscaler may run several) with no topology spread or anti-affinity over nodes"
        ]
    );
}

#[test]
fn spread_nodes_needs_a_selector_matching_the_pods_own_labels() {
    let other = HOSTNAME_TSC.replace("{app: spread}", "{app: someone-else}");
    assert_eq!(
        fired(&deployment("spread", 3, &other), "spread-nodes"),
        ["Deployment/spread"]
    );
    let zone_only = HOSTNAME_TSC.replace("kubernetes.io/hostname", "topology.kubernetes.io/zone");
    assert_eq!(
        fired(&deployment("spread", 3, &zone_only), "spread-nodes"),
        ["Deployment/spread"]
    );
    // An anti-affinity term that names other namespaces does not count own pods.
    let elsewhere = HOSTNAME_ANTI_AFFINITY.replace(
        "topologyKey: kubernetes.io/hostname",
        "topologyKey: kubernetes.io/hostname\n                namespaces: [bar]",
    );
    assert_eq!(
        fired(&deployment("spread", 3, &elsewhere), "spread-nodes"),
        ["Deployment/spread"]
    );
}

#[test]
fn spread_zones_applies_only_to_multi_zone_clusters() {
    let hostname_only = deployment("spread", 3, HOSTNAME_TSC);
    assert!(fired_with(&hostname_only, "spread-zones", None).is_empty());
    assert!(fired_with(&hostname_only, "spread-zones", Some(1)).is_empty());
    assert_eq!(
        fired_with(&hostname_only, "spread-zones", Some(3)),
        ["Deployment/spread"]
    );
    let zone_tsc = HOSTNAME_TSC.replace("kubernetes.io/hostname", "topology.kubernetes.io/zone");
    assert!(fired_with(&deployment("spread", 3, &zone_tsc), "spread-zones", Some(3)).is_empty());
}

#[test]
fn readiness_probe_skips_jobs_init_containers_and_unserved_bare_pods() {
    assert_eq!(
        fired(&deployment("noprobe", 2, ""), "readiness-probe"),
        ["Deployment/noprobe"]
    );
    let probed = deployment("probed", 2, "").replace(
        "image: example/app:1.0\n",
        "image: example/app:1.0\n          readinessProbe: {httpGet: {path: /ready, port: 8080}}\n          livenessProbe: {httpGet: {path: /live, port: 8080}}\n",
    );
    assert!(fired(&probed, "readiness-probe").is_empty());
    assert!(fired(&probed, "liveness-probe").is_empty());
    // Jobs and CronJobs run to completion (polaris #209, checkov #4807).
    let batch = "apiVersion: batch/v1
kind: Job
metadata: {name: migrate, namespace: shop}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: migrate, image: example/migrate:1}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: shop}
spec:
  schedule: '0 3 * * *'
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: report, image: example/report:1}]
";
    assert!(fired(batch, "readiness-probe").is_empty());
    assert!(fired(batch, "liveness-probe").is_empty());
    // Init containers never need probes.
    let init = probed.replace(
        "      containers:",
        "      initContainers: [{name: setup, image: example/setup:1}]\n      containers:",
    );
    assert!(fired(&init, "readiness-probe").is_empty());
    // A bare pod needs readiness only when a Service targets it (kube-score);
    // files without any Service cannot tell, so one elsewhere is assumed (polaris).
    let pod = "apiVersion: v1
kind: Pod
metadata: {name: solo, labels: {app: solo}}
spec: {containers: [{name: app, image: x:1, livenessProbe: {exec: {command: [true]}}}]}
";
    assert_eq!(fired(pod, "readiness-probe"), ["Pod/solo"]);
    let unserved = format!(
        "{pod}---\napiVersion: v1\nkind: Service\nmetadata: {{name: other}}\nspec: {{selector: {{app: other}}, ports: [{{port: 80}}]}}\n"
    );
    assert!(fired(&unserved, "readiness-probe").is_empty());
    let served = format!(
        "{pod}---\napiVersion: v1\nkind: Service\nmetadata: {{name: solo}}\nspec: {{selector: {{app: solo}}, ports: [{{port: 80}}]}}\n"
    );
    assert_eq!(fired(&served, "readiness-probe"), ["Pod/solo"]);
}

#[test]
fn liveness_probe_fires_for_long_running_containers() {
    assert_eq!(
        fired(&deployment("nolive", 2, ""), "liveness-probe"),
        ["Deployment/nolive"]
    );
    let live = deployment("live", 2, "").replace(
        "image: example/app:1.0\n",
        "image: example/app:1.0\n          livenessProbe: {httpGet: {path: /live, port: 8080}}\n",
    );
    assert!(fired(&live, "liveness-probe").is_empty());
}

#[test]
fn graceful_stop_checks_grace_period_prestop_and_services() {
    let zero = deployment("hard", 2, "      terminationGracePeriodSeconds: 0");
    assert_eq!(fired(&zero, "graceful-stop"), ["Deployment/hard"]);
    let sleeper = |sleep: u32, grace: u32| {
        deployment("sleepy", 2, &format!("      terminationGracePeriodSeconds: {grace}")).replace(
            "image: example/app:1.0\n",
            &format!(
                "image: example/app:1.0\n          lifecycle: {{preStop: {{exec: {{command: [sh, -c, 'sleep {sleep}']}}}}}}\n"
            ),
        )
    };
    assert_eq!(
        fired(&sleeper(30, 30), "graceful-stop"),
        ["Deployment/sleepy"]
    );
    assert!(fired(&sleeper(5, 30), "graceful-stop").is_empty());
    // Behind a Service with no preStop: requests are cut during deregistration.
    let service = "---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {selector: {app: web}, ports: [{port: 80}]}\n";
    let served = format!("{}{service}", deployment("web", 2, ""));
    assert_eq!(fired(&served, "graceful-stop"), ["Deployment/web"]);
    let with_sleep = deployment("web", 2, "").replace(
        "image: example/app:1.0\n",
        "image: example/app:1.0\n          lifecycle: {preStop: {sleep: {seconds: 5}}}\n",
    );
    assert!(fired(&format!("{with_sleep}{service}"), "graceful-stop").is_empty());
    // Not behind a Service, no preStop needed.
    assert!(fired(&deployment("worker", 2, ""), "graceful-stop").is_empty());
}

fn pdb(spec: &str, app: &str) -> String {
    format!(
        "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: budget, namespace: shop}}\nspec:\n  {spec}\n  selector: {{matchLabels: {{app: {app}}}}}\n"
    )
}

#[test]
fn pdb_missing_covers_deployments_and_statefulsets_and_ands_match_labels() {
    assert_eq!(
        fired(&deployment("api", 3, ""), "pdb-missing"),
        ["Deployment/api"]
    );
    let covered = format!(
        "{}{}",
        deployment("api", 3, ""),
        pdb("maxUnavailable: 1", "api")
    );
    assert!(fired(&covered, "pdb-missing").is_empty());
    // A PDB for other pods does not count (matchLabels are AND-ed, polaris #999).
    let wrong = format!(
        "{}{}",
        deployment("api", 3, ""),
        pdb("maxUnavailable: 1", "other")
    );
    assert_eq!(fired(&wrong, "pdb-missing"), ["Deployment/api"]);
    let statefulset = deployment("db", 3, "").replace("kind: Deployment", "kind: StatefulSet");
    assert_eq!(fired(&statefulset, "pdb-missing"), ["StatefulSet/db"]);
    // A single replica is min-replicas' business, not a PDB's.
    assert!(fired(&deployment("api", 1, ""), "pdb-missing").is_empty());
    // Unset replicas usually mean an autoscaler outside the file (kube-score, polaris).
    let unset = wrong.replace("  replicas: 3\n", "");
    assert_eq!(
        messages(&unset, "pdb-missing"),
        [
            "replicas unset (an autoscaler may run several) and no PodDisruptionBudget selects its pods"
        ]
    );
    let unset_covered = covered.replace("  replicas: 3\n", "");
    assert!(fired(&unset_covered, "pdb-missing").is_empty());
    // Another namespace's PDB does not cover it.
    let elsewhere = covered.replace(
        "{name: budget, namespace: shop}",
        "{name: budget, namespace: other}",
    );
    assert_eq!(fired(&elsewhere, "pdb-missing"), ["Deployment/api"]);
}

#[test]
fn pdb_blocks_eviction_on_zero_disruptions() {
    let d = deployment("api", 3, "");
    assert_eq!(
        fired(
            &format!("{d}{}", pdb("maxUnavailable: 0", "api")),
            "pdb-blocks-eviction"
        ),
        ["PodDisruptionBudget/budget"]
    );
    assert_eq!(
        fired(
            &format!("{d}{}", pdb("minAvailable: 3", "api")),
            "pdb-blocks-eviction"
        ),
        ["PodDisruptionBudget/budget"]
    );
    assert_eq!(
        fired(
            &format!("{d}{}", pdb("minAvailable: '100%'", "api")),
            "pdb-blocks-eviction"
        ),
        ["PodDisruptionBudget/budget"]
    );
    assert!(
        fired(
            &format!("{d}{}", pdb("minAvailable: 2", "api")),
            "pdb-blocks-eviction"
        )
        .is_empty()
    );
    assert!(
        fired(
            &format!("{d}{}", pdb("maxUnavailable: 1", "api")),
            "pdb-blocks-eviction"
        )
        .is_empty()
    );
}

#[test]
fn image_tag_wants_a_version_or_digest() {
    let with = |image: &str| deployment("app", 2, "").replace("example/app:1.0", image);
    assert_eq!(fired(&with("nginx"), "image-tag"), ["Deployment/app"]);
    assert_eq!(
        fired(&with("nginx:latest"), "image-tag"),
        ["Deployment/app"]
    );
    assert_eq!(
        fired(&with("registry.local:5000/nginx"), "image-tag"),
        ["Deployment/app"]
    );
    assert!(fired(&with("registry.local:5000/nginx:1.27"), "image-tag").is_empty());
    assert!(fired(&with("nginx@sha256:0123abcd"), "image-tag").is_empty());
}

#[test]
fn resources_need_requests_and_a_memory_limit_or_a_limit_range() {
    let d = deployment("app", 2, "");
    assert_eq!(fired(&d, "resources"), ["Deployment/app"]);
    let full = d.replace(
        "image: example/app:1.0\n",
        "image: example/app:1.0\n          resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 128Mi}}\n",
    );
    assert!(fired(&full, "resources").is_empty(), "no CPU limit needed");
    // Limits alone also set the requests (the API server copies them).
    let limits_only = d.replace(
        "image: example/app:1.0\n",
        "image: example/app:1.0\n          resources: {limits: {cpu: 200m, memory: 128Mi}}\n",
    );
    assert!(fired(&limits_only, "resources").is_empty());
    let no_limit = d.replace(
        "image: example/app:1.0\n",
        "image: example/app:1.0\n          resources: {requests: {cpu: 100m, memory: 64Mi}}\n",
    );
    assert_eq!(
        messages(&no_limit, "resources"),
        ["container \"app\" sets no memory limit"]
    );
    let limit_range = "---\napiVersion: v1\nkind: LimitRange\nmetadata: {name: defaults, namespace: shop}\nspec:\n  limits:\n    - type: Container\n      default: {memory: 256Mi}\n      defaultRequest: {cpu: 50m, memory: 64Mi}\n";
    assert!(fired(&format!("{d}{limit_range}"), "resources").is_empty());
}

// ---------------------------------------------------------------- tenancy

#[test]
fn default_namespace_only_when_explicit_offline() {
    let d = deployment("app", 2, "");
    assert_eq!(
        fired(
            &d.replace("namespace: shop", "namespace: default"),
            "default-namespace"
        ),
        ["Deployment/app"]
    );
    assert!(fired(&d, "default-namespace").is_empty());
    // Helm output sets no namespace: it goes where it is applied.
    assert!(fired(&d.replace("  namespace: shop\n", ""), "default-namespace").is_empty());
}

const DENY_ALL: &str = "---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
";

#[test]
fn namespace_network_policy_accepts_an_empty_pod_selector_default_deny() {
    let d = deployment("app", 2, "");
    assert_eq!(fired(&d, "namespace-network-policy"), ["Namespace/shop"]);
    // `podSelector: {}` selects every pod (kube-score #293, popeye #202).
    assert!(fired(&format!("{d}{DENY_ALL}"), "namespace-network-policy").is_empty());
    // Omitted policyTypes means Ingress only: egress stays open.
    let ingress_only = DENY_ALL.replace("  policyTypes: [Ingress, Egress]\n", "");
    let msgs = messages(&format!("{d}{ingress_only}"), "namespace-network-policy");
    assert_eq!(msgs.len(), 1);
    assert!(
        msgs[0].contains("no default-deny NetworkPolicy for egress"),
        "{msgs:?}"
    );
    assert!(!msgs[0].contains("for ingress"), "{msgs:?}");
    // A per-app policy selects some pods but denies nothing by default.
    let per_app = DENY_ALL.replace(
        "podSelector: {}",
        "podSelector: {matchLabels: {app: other}}",
    );
    let msgs = messages(&format!("{d}{per_app}"), "namespace-network-policy");
    assert!(
        msgs[0].contains("not selected by any policy: Deployment/app"),
        "{msgs:?}"
    );
    // An allow-all rule on every pod undoes the deny.
    let allow_all = "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: allow-all, namespace: shop}\nspec:\n  podSelector: {}\n  ingress: [{}]\n";
    let msgs = messages(
        &format!("{d}{DENY_ALL}{allow_all}"),
        "namespace-network-policy",
    );
    assert!(msgs[0].contains("allow-all allows all ingress"), "{msgs:?}");
}

#[test]
fn namespace_quota_and_limit_range() {
    let d = deployment("app", 2, "");
    assert_eq!(fired(&d, "namespace-resource-quota"), ["Namespace/shop"]);
    assert_eq!(fired(&d, "namespace-limit-range"), ["Namespace/shop"]);
    let guarded = format!(
        "{d}---\napiVersion: v1\nkind: ResourceQuota\nmetadata: {{name: q, namespace: shop}}\nspec: {{hard: {{pods: '10'}}}}\n---\napiVersion: v1\nkind: LimitRange\nmetadata: {{name: l, namespace: shop}}\nspec: {{limits: [{{type: Container, default: {{memory: 1Gi}}}}]}}\n"
    );
    assert!(fired(&guarded, "namespace-resource-quota").is_empty());
    assert!(fired(&guarded, "namespace-limit-range").is_empty());
    // No workloads, nothing to guard.
    assert!(
        fired(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\n",
            "namespace-resource-quota"
        )
        .is_empty()
    );
}

const ROLE_BINDING: &str = "apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: deployer, namespace: team-a}
rules:
  - apiGroups: [apps]
    resources: [deployments]
    verbs: [create, get]
EXTRA
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ci, namespace: team-a}
subjects: [{kind: User, name: ci-bot}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: deployer}
";

#[test]
fn rbac_pod_create_reads_secrets_names_subject_namespace_and_binding() {
    let msgs = messages(
        &ROLE_BINDING.replace("EXTRA", ""),
        "rbac-pod-create-reads-secrets",
    );
    assert_eq!(msgs.len(), 1);
    assert!(
        msgs[0].contains("User ci-bot can create pods in team-a through RoleBinding ci"),
        "{msgs:?}"
    );
    // Allowed to read Secrets anyway: nothing is escalated.
    let reader = ROLE_BINDING.replace(
        "EXTRA",
        "  - apiGroups: ['']\n    resources: [secrets]\n    verbs: [get]",
    );
    assert!(fired(&reader, "rbac-pod-create-reads-secrets").is_empty());
    // Reading one named Secret is not reading them all.
    let one = ROLE_BINDING.replace(
        "EXTRA",
        "  - apiGroups: ['']\n    resources: [secrets]\n    resourceNames: [tls]\n    verbs: [get]",
    );
    assert_eq!(
        fired(&one, "rbac-pod-create-reads-secrets"),
        ["RoleBinding/ci"]
    );
    // Cannot create pods: nothing to escalate.
    let viewer = ROLE_BINDING
        .replace("verbs: [create, get]", "verbs: [get, list]")
        .replace("EXTRA", "");
    assert!(fired(&viewer, "rbac-pod-create-reads-secrets").is_empty());
}

#[test]
fn rbac_wildcard_outside_system_roles() {
    let role = "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: NAME}
rules: [{apiGroups: ['*'], resources: ['*'], verbs: [VERBS]}]
";
    assert_eq!(
        fired(
            &role.replace("NAME", "ops").replace("VERBS", "get"),
            "rbac-wildcard"
        ),
        ["ClusterRole/ops"]
    );
    assert!(
        fired(
            &role.replace("NAME", "system:ops").replace("VERBS", "'*'"),
            "rbac-wildcard"
        )
        .is_empty()
    );
    let narrow = "apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: shop}
rules: [{apiGroups: [''], resources: [pods], verbs: [get, list]}]
";
    assert!(fired(narrow, "rbac-wildcard").is_empty());
}

#[test]
fn rbac_cluster_admin_binding_for_subjects_outside_the_control_plane() {
    let binding = "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ops-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: SUBJECT_KIND, name: SUBJECT}]
";
    let bind = |kind: &str, name: &str| {
        binding
            .replace("SUBJECT_KIND", kind)
            .replace("SUBJECT", name)
    };
    assert_eq!(
        fired(&bind("User", "alice"), "rbac-cluster-admin-binding"),
        ["ClusterRoleBinding/ops-admin"]
    );
    assert_eq!(
        messages(&bind("Group", "ops"), "rbac-cluster-admin-binding"),
        ["binds ClusterRole cluster-admin to Group ops: full control of everything in the cluster"]
    );
    // The control plane's own groups and users are not findings.
    assert!(
        fired(
            &bind("Group", "system:masters"),
            "rbac-cluster-admin-binding"
        )
        .is_empty()
    );
    // A RoleBinding to a Role with * on * is namespace-wide admin.
    let local = "apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: all, namespace: shop}
rules: [{apiGroups: ['*'], resources: ['*'], verbs: [VERBS]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: deployer-all, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: all}
subjects: [{kind: ServiceAccount, name: deployer, namespace: shop}]
";
    assert_eq!(
        fired(&local.replace("VERBS", "'*'"), "rbac-cluster-admin-binding"),
        ["RoleBinding/deployer-all"]
    );
    // Every verb listed one by one is * too (polaris counts it so).
    let spelled = "get, list, watch, create, update, patch, delete";
    assert_eq!(
        fired(
            &local.replace("VERBS", spelled),
            "rbac-cluster-admin-binding"
        ),
        ["RoleBinding/deployer-all"]
    );
    assert!(fired(&local.replace("VERBS", "get"), "rbac-cluster-admin-binding").is_empty());
}

/// ci-bot may create Deployments in team-a; ServiceAccount builder there
/// may list Secrets through its own RoleBinding (SA_NS moves it).
const ACTS_AS: &str = "apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: deployer, namespace: team-a}
rules:
  - apiGroups: [apps]
    resources: [deployments]
    verbs: [create, get]
EXTRA
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ci, namespace: team-a}
subjects: [{kind: User, name: ci-bot}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: deployer}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: builder
  namespace: SA_NS
  annotations: {ANNOTATIONS}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: secret-reader, namespace: SA_NS}
rules: [{apiGroups: [''], resources: [secrets], verbs: [list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: builder, namespace: SA_NS}
subjects: [{kind: ServiceAccount, name: builder}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: secret-reader}
";

fn acts_as(extra: &str, sa_ns: &str, annotations: &str) -> String {
    ACTS_AS
        .replace("EXTRA", extra)
        .replace("SA_NS", sa_ns)
        .replace("ANNOTATIONS", annotations)
}

#[test]
fn rbac_pod_create_uses_sa_names_subject_account_binding_and_one_right() {
    let base = acts_as("", "team-a", "");
    assert_eq!(
        messages(&base, "rbac-pod-create-uses-sa"),
        [
            "User ci-bot can create pods in team-a through RoleBinding ci and run them as ServiceAccount team-a/builder: it may list secrets in team-a, which User ci-bot may not"
        ]
    );
    assert_eq!(
        fired(&base, "rbac-pod-create-uses-sa"),
        ["ServiceAccount/builder"]
    );
    // The ServiceAccount in another namespace: out of reach.
    assert!(fired(&acts_as("", "team-b", ""), "rbac-pod-create-uses-sa").is_empty());
    // The subject may list Secrets itself: nothing gained.
    let lister = "  - apiGroups: ['']\n    resources: [secrets]\n    verbs: [list]";
    assert!(fired(&acts_as(lister, "team-a", ""), "rbac-pod-create-uses-sa").is_empty());
    // Named Secrets only are not all Secrets.
    let named = "  - apiGroups: ['']\n    resources: [secrets]\n    resourceNames: [tls]\n    verbs: [list]";
    assert_eq!(
        fired(&acts_as(named, "team-a", ""), "rbac-pod-create-uses-sa"),
        ["ServiceAccount/builder"]
    );
    // A wildcard rule covers it.
    let wild = "  - apiGroups: ['*']\n    resources: ['*']\n    verbs: [list]";
    assert!(fired(&acts_as(wild, "team-a", ""), "rbac-pod-create-uses-sa").is_empty());
    // Cannot create anything that makes pods: no finding.
    let viewer = base.replace("verbs: [create, get]", "verbs: [get]");
    assert!(fired(&viewer, "rbac-pod-create-uses-sa").is_empty());
}

#[test]
fn rbac_pod_create_uses_sa_live_says_pod_identity_is_not_checked() {
    let live_messages = |objects: &str| -> Vec<String> {
        let values = yaml::parse_stream(objects)
            .expect("fixture parses")
            .into_iter()
            .map(|d| d.value)
            .filter(|v| !v.is_null())
            .collect();
        let index = live::index_from_values(values, Vec::new());
        let settings = audit::test_settings(&["rbac-pod-create-uses-sa"], true);
        audit::audit_index(Some("test".into()), &index, &settings)
            .findings
            .into_iter()
            .map(|f| f.message)
            .collect()
    };
    let msgs = live_messages(&acts_as("", "team-a", ""));
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert!(
        msgs[0].ends_with("which User ci-bot may not; its EKS Pod Identity association, if any, is not checked (an AWS API)"),
        "{msgs:?}"
    );
    // With an IRSA role the role is what matters (rbac-pod-create-assumes-iam-role).
    let irsa = acts_as(
        "",
        "team-a",
        "eks.amazonaws.com/role-arn: 'arn:aws:iam::111122223333:role/b'",
    );
    assert!(live_messages(&irsa)[0].ends_with("which User ci-bot may not"));
}

#[test]
fn rbac_pod_create_uses_sa_through_aggregated_roles_and_groups() {
    // ci-bot's pod-create right comes from an aggregated ClusterRole, bound
    // in team-a; the ServiceAccount's right from its namespace's group.
    let manifest = "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: team-deployer}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {team/aggregate: 'true'}}]
rules: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: jobs, labels: {team/aggregate: 'LABEL'}}
rules: [{apiGroups: [batch], resources: [jobs], verbs: [create]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ci, namespace: team-a}
subjects: [{kind: User, name: ci-bot}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: team-deployer}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: NAME, namespace: team-a}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: sa-group, namespace: team-a}
subjects: [{kind: Group, name: 'system:serviceaccounts:team-a', apiGroup: rbac.authorization.k8s.io}]
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: node-reader}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: node-reader}
rules: [{apiGroups: [''], resources: [configmaps], verbs: [update]}]
";
    let m = |label: &str, name: &str| manifest.replace("LABEL", label).replace("NAME", name);
    let msgs = messages(&m("true", "runner"), "rbac-pod-create-uses-sa");
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert!(
        msgs[0].contains("through RoleBinding ci and run them as ServiceAccount team-a/runner: it may update configmaps in team-a"),
        "{msgs:?}"
    );
    // Not aggregated: ci-bot cannot create pods.
    assert!(fired(&m("false", "runner"), "rbac-pod-create-uses-sa").is_empty());
    // A default ServiceAccount with no bindings of its own is skipped.
    assert!(fired(&m("true", "default"), "rbac-pod-create-uses-sa").is_empty());
}

#[test]
fn rbac_pod_create_uses_sa_counts_impersonation_and_tokens() {
    let rule = |verb: &str, resource: &str, names: &str| {
        acts_as("", "team-a", "").replace(
            "    resources: [deployments]\n    verbs: [create, get]",
            &format!("    resources: [deployments]\n    verbs: [get]\n  - apiGroups: ['']\n    resources: [{resource}]\n    verbs: [{verb}]{names}"),
        )
    };
    let msgs = messages(
        &rule("impersonate", "serviceaccounts", ""),
        "rbac-pod-create-uses-sa",
    );
    assert_eq!(
        msgs,
        [
            "User ci-bot can impersonate ServiceAccount team-a/builder through RoleBinding ci and act as it: it may list secrets in team-a, which User ci-bot may not"
        ]
    );
    let msgs = messages(
        &rule(
            "create",
            "serviceaccounts/token",
            "\n    resourceNames: [builder]",
        ),
        "rbac-pod-create-uses-sa",
    );
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert!(
        msgs[0].starts_with("User ci-bot can create tokens for ServiceAccount team-a/builder"),
        "{msgs:?}"
    );
    // Limited to another ServiceAccount's name: not this one.
    assert!(
        fired(
            &rule(
                "impersonate",
                "serviceaccounts",
                "\n    resourceNames: [other]"
            ),
            "rbac-pod-create-uses-sa"
        )
        .is_empty()
    );
}

#[test]
fn rbac_pod_create_assumes_iam_role_names_the_role_arn() {
    let arn = "arn:aws:iam::111122223333:role/builder";
    let annotated = acts_as(
        "",
        "team-a",
        &format!("eks.amazonaws.com/role-arn: '{arn}'"),
    );
    assert_eq!(
        messages(&annotated, "rbac-pod-create-assumes-iam-role"),
        [format!(
            "User ci-bot can create pods in team-a through RoleBinding ci and run them as ServiceAccount team-a/builder, and so assume IAM role {arn}"
        )]
    );
    // The role alone is the power: the subject holding every Kubernetes right changes nothing.
    let wild = "  - apiGroups: ['*']\n    resources: ['*']\n    verbs: ['*']";
    let wild = acts_as(
        wild,
        "team-a",
        &format!("eks.amazonaws.com/role-arn: '{arn}'"),
    );
    assert_eq!(
        fired(&wild, "rbac-pod-create-assumes-iam-role"),
        ["ServiceAccount/builder"]
    );
    // EKS's add-on manager (cluster-admin by design) is the control plane.
    let eks = format!(
        "{}---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {{name: 'eks:addon-cluster-admin'}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}}
subjects: [{{apiGroup: rbac.authorization.k8s.io, kind: User, name: 'eks:addon-manager'}}]
",
        acts_as(
            "",
            "team-b",
            &format!("eks.amazonaws.com/role-arn: '{arn}'")
        )
    );
    assert!(fired(&eks, "rbac-pod-create-assumes-iam-role").is_empty());
    // No role, or the ServiceAccount in another namespace: no finding.
    assert!(
        fired(
            &acts_as("", "team-a", ""),
            "rbac-pod-create-assumes-iam-role"
        )
        .is_empty()
    );
    let moved = acts_as(
        "",
        "team-b",
        &format!("eks.amazonaws.com/role-arn: '{arn}'"),
    );
    assert!(fired(&moved, "rbac-pod-create-assumes-iam-role").is_empty());
}

#[test]
fn aws_static_credentials_in_env_envfrom_and_volumes_never_printing_values() {
    let env = |entry: &str| {
        deployment("uploader", 2, "").replace(
            "image: example/app:1.0\n",
            &format!("image: example/app:1.0\n          env: [{entry}]\n"),
        )
    };
    let literal =
        env("{name: AWS_SECRET_ACCESS_KEY, value: wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY}");
    let msgs = messages(&literal, "aws-static-credentials");
    assert_eq!(
        msgs,
        ["container app gets AWS_SECRET_ACCESS_KEY as a literal value"]
    );
    let report = audit::audit_text(&literal, &["aws-static-credentials"], None);
    assert!(!format!("{report:?}").contains("wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY"));
    let from_secret =
        env("{name: AWS_ACCESS_KEY_ID, valueFrom: {secretKeyRef: {name: aws, key: id}}}");
    assert_eq!(
        messages(&from_secret, "aws-static-credentials"),
        ["container app gets AWS_ACCESS_KEY_ID from Secret aws"]
    );
    assert!(
        fired(
            &env("{name: AWS_REGION, value: eu-west-1}"),
            "aws-static-credentials"
        )
        .is_empty()
    );
    // envFrom a Secret holding the keys (seen in the input).
    let secret = "apiVersion: v1
kind: Secret
metadata: {name: aws, namespace: shop}
stringData: {KEY: x}
---
";
    let env_from = format!(
        "{secret}{}",
        deployment("uploader", 2, "").replace(
            "image: example/app:1.0\n",
            "image: example/app:1.0\n          envFrom: [{secretRef: {name: aws}}]\n",
        )
    );
    assert_eq!(
        fired(
            &env_from.replace("KEY", "AWS_ACCESS_KEY_ID"),
            "aws-static-credentials"
        ),
        ["Deployment/uploader"]
    );
    assert!(fired(&env_from.replace("KEY", "BUCKET"), "aws-static-credentials").is_empty());
    // A Secret volume mounted where the SDKs look, or holding a credentials file.
    let volume = |path: &str| {
        deployment("uploader", 2, "      volumes: [{name: creds, secret: {secretName: aws}}]\n")
            .replace(
                "image: example/app:1.0\n",
                &format!("image: example/app:1.0\n          volumeMounts: [{{name: creds, mountPath: {path}}}]\n"),
            )
    };
    assert_eq!(
        messages(&volume("/root/.aws"), "aws-static-credentials"),
        ["volume creds mounts Secret aws, which looks like AWS credentials"]
    );
    assert!(fired(&volume("/etc/creds"), "aws-static-credentials").is_empty());
    let file = "apiVersion: v1
kind: Secret
metadata: {name: aws, namespace: shop}
stringData:
  credentials: |
    [default]
    FIELD = x
---
";
    assert_eq!(
        fired(
            &format!(
                "{}{}",
                file.replace("FIELD", "aws_access_key_id"),
                volume("/etc/creds")
            ),
            "aws-static-credentials"
        ),
        ["Deployment/uploader"]
    );
    assert!(
        fired(
            &format!(
                "{}{}",
                file.replace("FIELD", "password"),
                volume("/etc/creds")
            ),
            "aws-static-credentials"
        )
        .is_empty()
    );
}

/// The bundled sops-encrypted Secret (written by sops 3.13.3 for an age key
/// that is not kept).
const SOPS_SECRET: &str = include_str!("../examples/shop/api-db.enc.yaml");

/// `text` with every `ENC[...]` value replaced by `plain`.
fn decrypted(text: &str, plain: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("ENC[AES256_GCM,") {
        out.push_str(&rest[..start]);
        out.push_str(plain);
        let end = rest[start..].find(']').expect("closing bracket");
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

/// The document without its `sops:` block.
fn without_sops_block(text: &str) -> &str {
    &text[..text.find("\nsops:").expect("a sops block") + 1]
}

#[test]
fn plaintext_secret_accepts_what_sops_wrote_and_flags_its_plaintext_twin() {
    assert!(fired(SOPS_SECRET, "plaintext-secret").is_empty());
    // The same Secret decrypted, as it would be committed without sops.
    let twin = decrypted(without_sops_block(SOPS_SECRET), "hunter2-plain");
    assert_eq!(fired(&twin, "plaintext-secret"), ["Secret/api-db"]);
    let said = messages(&twin, "plaintext-secret");
    assert_eq!(
        said,
        [
            "holds 2 values in plaintext (stringData.username, stringData.password) and no sops block"
        ]
    );
    // Values as sops wrote them, but no sops block: not a sops file either.
    assert_eq!(
        messages(without_sops_block(SOPS_SECRET), "plaintext-secret"),
        ["has ENC[...] values but no sops block: nothing can decrypt them (cut off?)"]
    );
    // A key added by hand after encryption; only its name is reported.
    let added = SOPS_SECRET.replace("stringData:\n", "stringData:\n    api-key: hunter2-plain\n");
    let said = messages(&added, "plaintext-secret");
    assert!(!said.is_empty());
    assert!(
        said[0].starts_with("stringData.api-key is in plaintext although"),
        "{said:?}"
    );
    assert!(said.iter().all(|m| !m.contains("hunter2")), "{said:?}");
    // encrypted_regex is the file's rule: the default _unencrypted suffix
    // no longer applies, so sops would have encrypted this key.
    let suffixed = SOPS_SECRET.replace(
        "stringData:\n",
        "stringData:\n    note_unencrypted: hello\n",
    );
    assert_eq!(fired(&suffixed, "plaintext-secret"), ["Secret/api-db"]);
    // A Secret with nothing in it holds no secret.
    assert!(
        fired(
            "apiVersion: v1\nkind: Secret\nmetadata: {name: e, namespace: shop}\ndata: {}\n",
            "plaintext-secret"
        )
        .is_empty()
    );
    // Live Secrets are never sops-encrypted (and are listed without data).
    assert!(live_fired(&twin, "plaintext-secret").is_empty());
}

#[test]
fn plaintext_secret_follows_the_rule_recorded_in_the_sops_block() {
    // sops 3.13.3 with --unencrypted-regex '^(apiVersion|metadata|kind|type|ca\.crt|tls\.crt)$':
    // the two certificates stay in the clear on purpose.
    let tls = include_str!("fixtures/sops/unencrypted-regex.yaml");
    assert!(fired(tls, "plaintext-secret").is_empty());
    let narrower = tls.replace(r"|ca\.crt|tls\.crt)$", r"|tls\.crt)$");
    assert_eq!(fired(&narrower, "plaintext-secret"), ["Secret/tls-client"]);
    assert_eq!(
        messages(&narrower, "plaintext-secret"),
        [
            "data.ca.crt is in plaintext although the sops block's rules encrypt it (added or edited after encryption?)"
        ]
    );
    // A JSON List sops encrypted as one document: its block covers each item.
    let list = include_str!("fixtures/sops/list.json");
    assert!(fired(list, "plaintext-secret").is_empty());
    let unsealed = decrypted(list, "plain");
    assert_eq!(
        fired(&unsealed, "plaintext-secret"),
        ["Secret/one", "Secret/two"]
    );
    // Encrypted down to its kind: nothing to audit, and the report says so.
    let whole = audit::audit_text(
        include_str!("fixtures/sops/whole.yaml"),
        &["plaintext-secret"],
        None,
    );
    let whole = serde_json::to_value(&whole).unwrap();
    assert_eq!(whole["summary"]["objects"], 0);
    let reason = whole["notChecked"][0]["reason"]
        .as_str()
        .unwrap_or_default();
    assert!(
        reason.contains("sops encrypted the whole document, kind included"),
        "{whole}"
    );
}

#[test]
fn irsa_role_reused_across_namespaces() {
    let sa = |name: &str, ns: &str, role: &str| {
        format!(
            "apiVersion: v1
kind: ServiceAccount
metadata:
  name: {name}
  namespace: {ns}
  annotations: {{eks.amazonaws.com/role-arn: 'arn:aws:iam::111122223333:role/{role}'}}
---
"
        )
    };
    let two = format!(
        "{}{}",
        sa("uploader", "team-a", "s3"),
        sa("reader", "team-b", "s3")
    );
    assert_eq!(
        fired(&two, "irsa-role-reused"),
        ["ServiceAccount/uploader", "ServiceAccount/reader"]
    );
    assert_eq!(
        messages(&two, "irsa-role-reused")[0],
        "IAM role arn:aws:iam::111122223333:role/s3 is also the role of ServiceAccounts in team-b: the namespaces no longer separate its blast radius"
    );
    let own = format!(
        "{}{}",
        sa("uploader", "team-a", "s3"),
        sa("reader", "team-b", "s3-read")
    );
    assert!(fired(&own, "irsa-role-reused").is_empty());
    let same_ns = format!(
        "{}{}",
        sa("uploader", "team-a", "s3"),
        sa("reader", "team-a", "s3")
    );
    assert!(fired(&same_ns, "irsa-role-reused").is_empty());
}

#[test]
fn config_not_versioned_for_env_refs_without_hash_or_checksum() {
    let env = deployment("api", 2, "").replace(
        "image: example/app:1.0\n",
        "image: example/app:1.0\n          envFrom: [{configMapRef: {name: CM}}]\n",
    );
    assert_eq!(
        fired(&env.replace("CM", "api-config"), "config-not-versioned"),
        ["Deployment/api"]
    );
    let msgs = messages(&env.replace("CM", "api-config"), "config-not-versioned");
    assert_eq!(msgs.len(), 1);
    assert!(msgs[0].contains("ConfigMap api-config"), "{msgs:?}");
    assert!(
        fired(
            &env.replace("CM", "api-config-6ct58987ht"),
            "config-not-versioned"
        )
        .is_empty()
    );
    let checksummed = env.replace("CM", "api-config").replace(
        "      labels: {app: api}",
        "      labels: {app: api}\n      annotations: {checksum/config: 5d41402abc4b2a76}",
    );
    assert!(fired(&checksummed, "config-not-versioned").is_empty());
    // Volumes update in place; only env is frozen at start.
    let volume = deployment(
        "api",
        2,
        "      volumes: [{name: c, configMap: {name: api-config}}]",
    );
    assert!(fired(&volume, "config-not-versioned").is_empty());
}

// ---------------------------------------------------------------- security

/// A pod with a pod-level securityContext and containers that set nothing.
const POD_LEVEL_CONTEXT: &str = "apiVersion: v1
kind: Pod
metadata: {name: hardened, namespace: shop}
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 10001
    seccompProfile: {type: RuntimeDefault}
  containers:
    - name: app
      image: x:1
    - name: sidecar
      image: y:1
";

#[test]
fn run_as_non_root_inherits_the_pod_level_security_context() {
    // kubeaudit #344, polaris #146, popeye #53: the pod level counts.
    assert!(fired(POD_LEVEL_CONTEXT, "run-as-non-root").is_empty());
    assert!(fired(POD_LEVEL_CONTEXT, "seccomp").is_empty());
    let bare = POD_LEVEL_CONTEXT.replace(
        "  securityContext:\n    runAsNonRoot: true\n    runAsUser: 10001\n    seccompProfile: {type: RuntimeDefault}\n",
        "",
    );
    assert_eq!(fired(&bare, "run-as-non-root"), ["Pod/hardened"]);
    // A container can undo the pod's setting.
    let root = POD_LEVEL_CONTEXT.replace(
        "      image: x:1\n",
        "      image: x:1\n      securityContext: {runAsUser: 0}\n",
    );
    let msgs = messages(&root, "run-as-non-root");
    assert_eq!(msgs, ["container \"app\" runs as user 0 (root)"]);
    // The root group is root enough (kube-linter PR #1178).
    let root_group = POD_LEVEL_CONTEXT.replace(
        "    runAsUser: 10001\n",
        "    runAsUser: 10001\n    runAsGroup: 0\n",
    );
    assert_eq!(messages(&root_group, "run-as-non-root").len(), 2);
    // runAsUser > 0 alone is enough (polaris PR #219).
    let uid_only = bare.replace("spec:\n", "spec:\n  securityContext: {runAsUser: 1000}\n");
    assert!(fired(&uid_only, "run-as-non-root").is_empty());
}

#[test]
fn seccomp_accepts_runtime_default_pod_level_and_ignores_the_legacy_annotations() {
    assert!(fired(POD_LEVEL_CONTEXT, "seccomp").is_empty());
    let bare = POD_LEVEL_CONTEXT.replace("    seccompProfile: {type: RuntimeDefault}\n", "");
    assert_eq!(fired(&bare, "seccomp"), ["Pod/hardened"]);
    // Kubernetes no longer honours the alpha annotations: the pod runs unconfined.
    for key in [
        "seccomp.security.alpha.kubernetes.io/pod",
        "container.seccomp.security.alpha.kubernetes.io/app",
    ] {
        let legacy = bare.replace(
            "metadata: {name: hardened, namespace: shop}",
            &format!(
                "metadata:\n  name: hardened\n  namespace: shop\n  annotations: {{{key}: runtime/default}}"
            ),
        );
        let msgs = messages(&legacy, "seccomp");
        assert!(
            msgs.contains(&format!(
                "container \"app\" runs without a seccomp profile: Kubernetes ignores the annotation {key}; set securityContext.seccompProfile"
            )),
            "{msgs:?}"
        );
    }
    let unconfined = POD_LEVEL_CONTEXT.replace("RuntimeDefault", "Unconfined");
    assert_eq!(fired(&unconfined, "seccomp"), ["Pod/hardened"]);
}

fn container_context(context: &str) -> String {
    format!(
        "apiVersion: v1
kind: Pod
metadata: {{name: p, namespace: shop}}
spec:
  containers:
    - name: app
      image: x:1
      securityContext: {context}
"
    )
}

#[test]
fn privileged_and_windows_host_process() {
    assert_eq!(
        fired(&container_context("{privileged: true}"), "privileged"),
        ["Pod/p"]
    );
    assert!(fired(&container_context("{privileged: false}"), "privileged").is_empty());
    assert!(fired(&container_context("{}"), "privileged").is_empty());
    assert_eq!(
        fired(
            &container_context("{windowsOptions: {hostProcess: true}}"),
            "privileged"
        ),
        ["Pod/p"]
    );
}

#[test]
fn privilege_escalation_must_be_forbidden_explicitly() {
    assert_eq!(
        fired(&container_context("{}"), "privilege-escalation"),
        ["Pod/p"]
    );
    assert_eq!(
        fired(
            &container_context("{allowPrivilegeEscalation: true}"),
            "privilege-escalation"
        ),
        ["Pod/p"]
    );
    assert!(
        fired(
            &container_context("{allowPrivilegeEscalation: false}"),
            "privilege-escalation"
        )
        .is_empty()
    );
}

#[test]
fn host_namespaces_and_host_paths() {
    let pod = container_context("{}");
    assert!(fired(&pod, "host-namespaces").is_empty());
    assert!(fired(&pod, "host-path").is_empty());
    let host_net = pod.replace("spec:\n", "spec:\n  hostNetwork: true\n  hostPID: true\n");
    assert_eq!(
        messages(&host_net, "host-namespaces"),
        ["shares the node's namespaces: hostNetwork, hostPID"]
    );
    let socket = pod.replace(
        "spec:\n",
        "spec:\n  volumes: [{name: sock, hostPath: {path: /var/run/docker.sock}}]\n",
    );
    assert_eq!(
        messages(&socket, "host-path"),
        ["mounts host paths: /var/run/docker.sock (sensitive)"]
    );
    let empty_dir = pod.replace("spec:\n", "spec:\n  volumes: [{name: tmp, emptyDir: {}}]\n");
    assert!(fired(&empty_dir, "host-path").is_empty());
}

#[test]
fn capabilities_drop_all_and_add_only_net_bind_service() {
    assert_eq!(fired(&container_context("{}"), "capabilities"), ["Pod/p"]);
    assert!(
        fired(
            &container_context("{capabilities: {drop: [ALL]}}"),
            "capabilities"
        )
        .is_empty()
    );
    assert!(
        fired(
            &container_context("{capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}}"),
            "capabilities"
        )
        .is_empty()
    );
    assert_eq!(
        messages(
            &container_context("{capabilities: {drop: [ALL], add: [SYS_ADMIN]}}"),
            "capabilities"
        ),
        ["container \"app\" adds SYS_ADMIN"]
    );
}

#[test]
fn read_only_root_fs() {
    assert_eq!(
        fired(&container_context("{}"), "read-only-root-fs"),
        ["Pod/p"]
    );
    assert!(
        fired(
            &container_context("{readOnlyRootFilesystem: true}"),
            "read-only-root-fs"
        )
        .is_empty()
    );
}

#[test]
fn automount_sa_token_honours_pod_and_service_account() {
    let pod = container_context("{}");
    assert_eq!(fired(&pod, "automount-sa-token"), ["Pod/p"]);
    let off = pod.replace("spec:\n", "spec:\n  automountServiceAccountToken: false\n");
    assert!(fired(&off, "automount-sa-token").is_empty());
    let sa_off = format!(
        "{}---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: app, namespace: shop}}\nautomountServiceAccountToken: false\n",
        pod.replace("spec:\n", "spec:\n  serviceAccountName: app\n")
    );
    assert!(fired(&sa_off, "automount-sa-token").is_empty());
    // The pod's own setting wins over its ServiceAccount's.
    let pod_on = sa_off.replace(
        "serviceAccountName: app\n",
        "serviceAccountName: app\n  automountServiceAccountToken: true\n",
    );
    assert_eq!(fired(&pod_on, "automount-sa-token"), ["Pod/p"]);
}

// ---------------------------------------------------------------- health

const NOW_MINUS_HOUR: &str = "2000-01-01T00:00:00Z";

fn pod_status(name: &str, owner: bool, status: &str) -> String {
    let owner = if owner {
        "\n  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-5d8f, uid: u, controller: true}]"
    } else {
        ""
    };
    format!(
        "---
apiVersion: v1
kind: Pod
metadata:
  name: {name}
  namespace: shop
  creationTimestamp: '{NOW_MINUS_HOUR}'
  labels: {{app: web}}{owner}
spec:
  nodeName: node-1
  containers: [{{name: app, image: x:1}}]
status:
{status}
"
    )
}

const RUNNING: &str = "  phase: Running
  containerStatuses: [{name: app, ready: true, restartCount: 0, state: {running: {}}}]";

#[test]
fn pod_crashloop_reports_the_container_and_its_restarts() {
    let crashing = pod_status(
        "web-1",
        true,
        "  phase: Running\n  containerStatuses: [{name: app, ready: false, restartCount: 7, state: {waiting: {reason: CrashLoopBackOff}}}]",
    );
    assert_eq!(live_fired(&crashing, "pod-crashloop"), ["Pod/web-1"]);
    assert!(live_fired(&pod_status("web-2", true, RUNNING), "pod-crashloop").is_empty());
}

#[test]
fn pod_pending_after_five_minutes() {
    let pending = pod_status(
        "web-1",
        false,
        "  phase: Pending\n  conditions: [{type: PodScheduled, status: 'False', reason: Unschedulable, message: '0/6 nodes are available'}]",
    );
    assert_eq!(live_fired(&pending, "pod-pending"), ["Pod/web-1"]);
    let fresh = pending.replace(NOW_MINUS_HOUR, "2999-01-01T00:00:00Z");
    assert!(live_fired(&fresh, "pod-pending").is_empty());
    assert!(live_fired(&pod_status("web-2", false, RUNNING), "pod-pending").is_empty());
}

const SERVICE: &str = "---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{port: 80}]}
";

fn slice(ready: bool) -> String {
    format!(
        "---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {{name: web-abc, namespace: shop, labels: {{kubernetes.io/service-name: web}}}}
addressType: IPv4
endpoints: [{{addresses: [10.0.0.5], conditions: {{ready: {ready}}}}}]
"
    )
}

#[test]
fn service_no_endpoints_needs_a_ready_endpoint() {
    assert_eq!(live_fired(SERVICE, "service-no-endpoints"), ["Service/web"]);
    assert_eq!(
        live_fired(
            &format!("{SERVICE}{}", slice(false)),
            "service-no-endpoints"
        ),
        ["Service/web"]
    );
    assert!(live_fired(&format!("{SERVICE}{}", slice(true)), "service-no-endpoints").is_empty());
    // A Service without selector has manual endpoints.
    let manual = SERVICE.replace("selector: {app: web}, ", "");
    assert!(live_fired(&manual, "service-no-endpoints").is_empty());
}

#[test]
fn unused_configmaps_and_secrets_count_every_kind_of_use() {
    let objects = format!(
        "---
apiVersion: v1
kind: ConfigMap
metadata: {{name: used-by-projection, namespace: shop}}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: orphan, namespace: shop}}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: kube-root-ca.crt, namespace: shop}}
---
apiVersion: v1
kind: Secret
metadata: {{name: pull, namespace: shop}}
---
apiVersion: v1
kind: Secret
metadata: {{name: tls, namespace: shop}}
---
apiVersion: v1
kind: Secret
metadata: {{name: from-env, namespace: shop}}
---
apiVersion: v1
kind: Secret
metadata: {{name: stale-token, namespace: shop}}
---
apiVersion: v1
kind: Secret
metadata: {{name: sh.helm.release.v1.web.v3, namespace: shop, labels: {{owner: helm}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: web, namespace: shop}}
spec: {{tls: [{{secretName: tls}}]}}
{}",
        pod_status("web-1", true, RUNNING).replace(
            "  containers: [{name: app, image: x:1}]",
            "  imagePullSecrets: [{name: pull}]
  volumes: [{name: p, projected: {sources: [{configMap: {name: used-by-projection}}]}}]
  containers: [{name: app, image: x:1, env: [{name: T, valueFrom: {secretKeyRef: {name: from-env, key: t}}}]}]"
        )
    );
    assert_eq!(
        live_fired(&objects, "unused-configmap"),
        ["ConfigMap/orphan"]
    );
    assert_eq!(
        live_fired(&objects, "unused-secret"),
        ["Secret/stale-token"]
    );
    // Without the two unused ones, every object is used by someone.
    let used = objects
        .replace(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: orphan, namespace: shop}\n",
            "",
        )
        .replace(
            "---\napiVersion: v1\nkind: Secret\nmetadata: {name: stale-token, namespace: shop}\n",
            "",
        );
    assert!(live_fired(&used, "unused-configmap").is_empty());
    assert!(live_fired(&used, "unused-secret").is_empty());
}

/// A rotate-secret family: the original `db` and versions 1..=7, labelled
/// as kubectl rotate-secret labels them; a pod uses the newest.
fn rotated_family(labels: &str) -> String {
    let mut out = String::from(
        "---
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
",
    );
    for revision in 1..=7 {
        out.push_str(&format!(
            "---
apiVersion: v1
kind: Secret
metadata:
  name: db-v{revision}
  namespace: shop
  labels: {{{labels}rotate.honban.io/base: db, rotate.honban.io/revision: '{revision}'}}
  annotations: {{rotate.honban.io/base: db}}
"
        ));
    }
    out + &pod_status("web-1", true, RUNNING).replace(
        "  containers: [{name: app, image: x:1}]",
        "  containers: [{name: app, image: x:1, envFrom: [{secretRef: {name: db-v7}}]}]",
    )
}

#[test]
fn unused_secret_spares_rotate_secret_versions_kept_for_rollback() {
    let managed = "app.kubernetes.io/managed-by: kubectl-rotate-secret, ";
    let family = rotated_family(managed);
    // The 5 newest (v3..v7) are what prune keeps; v1, v2 and the original go.
    assert_eq!(
        live_fired(&family, "unused-secret"),
        ["Secret/db", "Secret/db-v1", "Secret/db-v2"]
    );
    let values = yaml::parse_stream(&family)
        .unwrap()
        .into_iter()
        .map(|d| d.value)
        .filter(|v| !v.is_null())
        .collect();
    let report = audit::audit_index(
        Some("test".into()),
        &live::index_from_values(values, Vec::new()),
        &audit::test_settings(&["unused-secret"], true),
    );
    let message = |name: &str| {
        report
            .findings
            .iter()
            .find(|f| f.object.name == name)
            .map(|f| f.message.clone())
            .unwrap()
    };
    assert!(
        message("db-v1").contains("`kubectl rotate-secret prune db`"),
        "{}",
        message("db-v1")
    );
    assert!(message("db").contains("prune never deletes it"));
    // Without rotate-secret's labels, they are plain unused Secrets.
    assert_eq!(live_fired(&rotated_family(""), "unused-secret").len(), 7);
}

#[test]
fn node_not_ready() {
    let node = "apiVersion: v1
kind: Node
metadata: {name: node-1, labels: {topology.kubernetes.io/zone: a}}
status: {conditions: [{type: Ready, status: 'STATUS', message: kubelet stopped posting status}]}
";
    assert_eq!(
        live_fired(&node.replace("STATUS", "Unknown"), "node-not-ready"),
        ["Node/node-1"]
    );
    assert!(live_fired(&node.replace("STATUS", "True"), "node-not-ready").is_empty());
}

#[test]
fn deprecated_api_offline_and_live() {
    let old = deployment("app", 2, "").replace("apps/v1", "extensions/v1beta1");
    assert_eq!(
        messages(&old, "deprecated-api"),
        ["extensions/v1beta1 Deployment was removed in Kubernetes 1.16; use apps/v1"]
    );
    assert!(fired(&deployment("app", 2, ""), "deprecated-api").is_empty());
    // Live objects come back in the current version; the applied one counts.
    let applied = "apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
  namespace: shop
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{\"apiVersion\":\"batch/v1beta1\",\"kind\":\"CronJob\"}'
spec: {schedule: '* * * * *', jobTemplate: {spec: {template: {spec: {containers: [{name: a, image: a:1}]}}}}}
";
    assert_eq!(live_fired(applied, "deprecated-api"), ["CronJob/report"]);
    assert!(
        live_fired(
            &applied.replace("batch/v1beta1", "batch/v1"),
            "deprecated-api"
        )
        .is_empty()
    );
}

// ---------------------------------------------------------------- cross-cutting

/// Each check needs one test that asserts both that it fires (a non-empty
/// list of objects or messages) and that it stays silent (`is_empty()`).
#[test]
fn every_check_has_a_test_that_sees_it_fire_and_stay_silent() {
    // The observability checks have their own file, with the same shape.
    let source = [
        include_str!("audit_checks.rs"),
        include_str!("audit_observability.rs"),
    ]
    .concat();
    // Each test's assertions, whitespace removed.
    let tests: Vec<Vec<String>> = source
        .split("#[test]")
        .skip(1)
        .map(|t| {
            let code: String = t
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect();
            code.split(';')
                .map(|s| s.split_whitespace().collect::<String>())
                .filter_map(|s| s.find("assert").map(|i| s[i..].to_string()))
                .collect()
        })
        .collect();
    let mut missing = Vec::new();
    for c in honban::audit::checks::CHECKS {
        let id = format!("\"{}\"", c.id);
        let both = tests.iter().any(|asserts| {
            let about: Vec<&String> = asserts.iter().filter(|a| a.contains(&id)).collect();
            let fires = about.iter().any(|a| {
                (a.starts_with("assert_eq!(") && a.contains(",[\""))
                    || (a.starts_with("assert!(!") && a.contains(".is_empty()"))
            });
            let silent = about.iter().any(|a| {
                a.starts_with("assert!(")
                    && !a.starts_with("assert!(!")
                    && a.contains(".is_empty()")
            });
            fires && silent
        });
        if !both {
            missing.push(c.id);
        }
    }
    assert!(
        missing.is_empty(),
        "checks without a test in tests/audit_checks.rs that asserts both a finding and silence: {missing:?}"
    );
}

#[test]
fn exemption_annotations_on_object_and_namespace() {
    let d = deployment("app", 1, "");
    let annotated = d.replace(
        "  namespace: shop\n",
        "  namespace: shop\n  annotations: {honban.io/audit-skip: 'min-replicas'}\n",
    );
    assert!(fired(&annotated, "min-replicas").is_empty());
    let polaris = d.replace(
        "  namespace: shop\n",
        "  namespace: shop\n  annotations: {polaris.fairwinds.com/deploymentMissingReplicas-exempt: 'true'}\n",
    );
    assert!(fired(&polaris, "min-replicas").is_empty());
    let namespace = format!(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  annotations: {{kube-score/ignore: deployment-replicas}}\n---\n{d}"
    );
    assert!(fired(&namespace, "min-replicas").is_empty());
    // Exemptions are counted, not silent.
    let report = audit::audit_text(&annotated, &["min-replicas"], None);
    assert_eq!(report.summary.exempted, 1);
}
