//! The check catalogue: every check's id, category, severity, mode,
//! rationale and fix (what `kubectl audit checks` prints), and the selection
//! `--checks`/`--skip` make from it. A new check starts here.

use std::collections::HashSet;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub(crate) fn parse(s: &str) -> Option<Severity> {
        match s {
            "info" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Category {
    Reliability,
    Tenancy,
    Security,
    Health,
    Observability,
}

impl Category {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Category::Reliability => "reliability",
            Category::Tenancy => "tenancy",
            Category::Security => "security",
            Category::Health => "health",
            Category::Observability => "observability",
        }
    }

    pub(crate) const ALL: [Category; 5] = [
        Category::Reliability,
        Category::Tenancy,
        Category::Security,
        Category::Health,
        Category::Observability,
    ];
}

/// Which audits a check runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Mode {
    /// Live clusters and files alike.
    Both,
    /// Needs cluster state (pod status, endpoints, nodes, all Secrets).
    Live,
    /// Judges what only files hold (how a Secret is stored in git).
    Files,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckInfo {
    pub id: &'static str,
    pub(crate) category: Category,
    pub(crate) severity: Severity,
    pub(crate) mode: Mode,
    pub(crate) title: &'static str,
    pub(crate) rationale: &'static str,
    pub(crate) fix: &'static str,
}

macro_rules! check {
    ($id:literal, $cat:ident, $sev:ident, $mode:ident, $title:literal, $why:literal, $fix:literal) => {
        CheckInfo {
            id: $id,
            category: Category::$cat,
            severity: Severity::$sev,
            mode: Mode::$mode,
            title: $title,
            rationale: $why,
            fix: $fix,
        }
    };
}

pub static CHECKS: &[CheckInfo] = &[
    // Reliability
    check!(
        "min-replicas",
        Reliability,
        Warning,
        Both,
        "Deployments and StatefulSets run at least 2 replicas",
        "One replica means downtime on every node drain, eviction or crash. An HPA's minReplicas counts instead of replicas; a workload an HPA manages must not set replicas, or every apply resets the HPA's choice.",
        "Set spec.replicas (or the HPA's minReplicas) to 2 or more; remove spec.replicas from HPA-managed workloads."
    ),
    check!(
        "spread-nodes",
        Reliability,
        Warning,
        Both,
        "Replicas are spread across nodes",
        "Replicas the scheduler packs onto one node all die with it. Either a hostname pod anti-affinity or a hostname topology spread constraint whose selector matches the pods' own labels spreads them.",
        "Add a topologySpreadConstraint with topologyKey kubernetes.io/hostname and a labelSelector matching the pod labels (or a preferred podAntiAffinity term)."
    ),
    check!(
        "spread-zones",
        Reliability,
        Warning,
        Both,
        "Replicas are spread across zones",
        "On a cluster spanning several zones, replicas left to chance can all land in one zone and share its outage. Applies when the nodes span 2 or more zones (live) or with --zones N offline.",
        "Add a topologySpreadConstraint with topologyKey topology.kubernetes.io/zone, maxSkew 1 and a labelSelector matching the pod labels."
    ),
    check!(
        "readiness-probe",
        Reliability,
        Warning,
        Both,
        "Long-running containers have a readiness probe",
        "Without one, a pod gets traffic and counts as available during a rollout before it can serve. Jobs, CronJobs and init containers are exempt; a bare pod only needs one when a Service targets it.",
        "Add readinessProbe (httpGet, tcpSocket, grpc or exec) to each container."
    ),
    check!(
        "liveness-probe",
        Reliability,
        Info,
        Both,
        "Long-running containers have a liveness probe",
        "A hung process that never exits is never restarted without one. Jobs, CronJobs and init containers are exempt.",
        "Add a livenessProbe that fails only when a restart would help (not on dependency outages)."
    ),
    check!(
        "graceful-stop",
        Reliability,
        Warning,
        Both,
        "Pods stop without cutting requests",
        "terminationGracePeriodSeconds 0 kills at once; a preStop sleep as long as the grace period gets the pod killed mid-drain; and a pod behind a Service with no preStop delay stops before load balancers and kube-proxy stop sending it traffic.",
        "Add lifecycle.preStop (sleep: {seconds: 5-15}) to serving containers and keep terminationGracePeriodSeconds above the preStop time plus your drain time."
    ),
    check!(
        "pdb-missing",
        Reliability,
        Warning,
        Both,
        "Workloads with 2+ replicas (or unset ones) have a PodDisruptionBudget",
        "Without a PDB, a node drain or cluster upgrade may evict every replica at once.",
        "Add a PodDisruptionBudget (maxUnavailable: 1) whose selector matches the pod labels."
    ),
    check!(
        "pdb-blocks-eviction",
        Reliability,
        Error,
        Both,
        "PodDisruptionBudgets allow at least one disruption",
        "A PDB with maxUnavailable 0, or minAvailable at or above the replica count, blocks every voluntary eviction: node drains and upgrades hang.",
        "Use maxUnavailable: 1 (or a percentage), or raise replicas above minAvailable."
    ),
    check!(
        "image-tag",
        Reliability,
        Warning,
        Both,
        "Images are pinned to a tag or digest",
        "`:latest` or no tag means two nodes may run different code and a rollback restores nothing.",
        "Use an immutable version tag or a digest (image@sha256:...)."
    ),
    check!(
        "resources",
        Reliability,
        Warning,
        Both,
        "Containers request CPU and memory and limit memory",
        "Without requests the scheduler overcommits nodes; without a memory limit one leak takes the node's other pods down with it. A namespace LimitRange default counts. CPU limits are not required (they throttle).",
        "Set resources.requests.cpu, resources.requests.memory and resources.limits.memory."
    ),
    // Tenancy
    check!(
        "default-namespace",
        Tenancy,
        Warning,
        Both,
        "Workloads do not run in the default namespace",
        "`default` gets no quota, policy or RBAC boundary of its own. Offline, only an explicit `namespace: default` (or -n default) counts.",
        "Create a namespace per team or app and deploy there."
    ),
    check!(
        "namespace-network-policy",
        Tenancy,
        Warning,
        Both,
        "Namespaces with workloads have a default-deny NetworkPolicy",
        "Without a policy selecting every pod (podSelector: {}) that denies ingress by default, any pod in the cluster can reach every pod here.",
        "Add a NetworkPolicy with podSelector: {} and policyTypes [Ingress, Egress], then allow what each app needs."
    ),
    check!(
        "namespace-resource-quota",
        Tenancy,
        Warning,
        Both,
        "Namespaces with workloads have a ResourceQuota",
        "Without a quota one namespace can take the whole cluster's capacity.",
        "Add a ResourceQuota (requests.cpu, requests.memory, limits.memory, pods) to the namespace."
    ),
    check!(
        "namespace-limit-range",
        Tenancy,
        Info,
        Both,
        "Namespaces with workloads have a LimitRange",
        "A LimitRange gives containers default requests and limits, so one missing field does not escape the quota.",
        "Add a LimitRange with default and defaultRequest for containers."
    ),
    check!(
        "rbac-pod-create-reads-secrets",
        Tenancy,
        Warning,
        Both,
        "Whoever can create pods in a namespace is meant to read its Secrets",
        "Anyone who can create a pod (or a Deployment, Job, ...) can mount any Secret of the namespace and read it, whatever the RBAC rules on secrets say.",
        "Move the Secrets to a namespace the subject cannot create pods in, or accept that the subject can read them (grant it explicitly)."
    ),
    check!(
        "rbac-wildcard",
        Tenancy,
        Warning,
        Both,
        "Roles do not use * for verbs or resources",
        "A wildcard grants every current and future verb or resource, including ones added by CRDs later.",
        "List the verbs and resources the subject needs."
    ),
    check!(
        "rbac-cluster-admin-binding",
        Tenancy,
        Warning,
        Both,
        "No one outside the control plane is bound to cluster-admin",
        "cluster-admin (or any role with * verbs on * resources in * API groups) can do anything, including granting itself more and reading every Secret. A RoleBinding to it gives the same power over its whole namespace. Subjects named system:, and service accounts of kube-system, kube-public and kube-node-lease, are the control plane's own and are skipped.",
        "Bind a role that grants what the subject needs (the built-in admin, edit or view, or your own) and keep cluster-admin for break-glass access."
    ),
    check!(
        "rbac-pod-create-uses-sa",
        Tenancy,
        Warning,
        Both,
        "Whoever can create pods in a namespace is meant to act as its ServiceAccounts",
        "A pod may run as any ServiceAccount of its namespace, and RBAC cannot limit which: whoever can create pods (or Deployments, StatefulSets, DaemonSets, Jobs, CronJobs, ReplicaSets) there can act as each of them. Impersonating a ServiceAccount, or creating tokens for it, does the same. Reported when the ServiceAccount may do something the subject may not; a default ServiceAccount with no bindings is skipped.",
        "Move the ServiceAccount (and its workloads) to a namespace the subject cannot create pods in, or give the subject no more than it should have through the ServiceAccount."
    ),
    check!(
        "rbac-pod-create-assumes-iam-role",
        Tenancy,
        Error,
        Both,
        "Whoever can create pods in a namespace is meant to assume its ServiceAccounts' IAM roles",
        "A ServiceAccount annotated with eks.amazonaws.com/role-arn (IRSA) hands its IAM role to every pod that runs as it, so to whoever can create pods in its namespace (or impersonate it, or create its tokens). EKS Pod Identity associations are an AWS API the audit does not call: they are not checked.",
        "Move the ServiceAccount and its workloads to a namespace of their own that only their deployers can create pods in."
    ),
    check!(
        "irsa-role-reused",
        Tenancy,
        Warning,
        Both,
        "An IAM role belongs to ServiceAccounts of one namespace",
        "One IAM role annotated (eks.amazonaws.com/role-arn) on ServiceAccounts in several namespaces lets whoever can create pods in any of them use it: the namespaces no longer separate blast radius.",
        "Give each namespace's ServiceAccount its own IAM role, with only the permissions that namespace needs."
    ),
    check!(
        "config-not-versioned",
        Tenancy,
        Info,
        Both,
        "ConfigMaps and Secrets read through env roll out on change",
        "Env values are read at container start: editing the ConfigMap or Secret changes nothing until some unrelated restart, and pods then disagree. A content-hashed name or a checksum annotation on the pod template makes every change roll out.",
        "Use `kubectl rotate-secret` (or a kustomize generator) to give each version a hashed name, or add a checksum/config annotation to the pod template."
    ),
    // Security
    check!(
        "aws-static-credentials",
        Security,
        Error,
        Both,
        "Workloads get no long-lived AWS keys",
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in env (literal, or from a Secret or ConfigMap), or a Secret mounted as an AWS shared-credentials file, are keys that never expire and work from anywhere, and anyone who can create pods in the namespace can read them. Live, Secrets and ConfigMaps are listed without their data: only env entries and mounts at .aws are seen.",
        "Use IRSA (an IAM role on the pod's ServiceAccount) or EKS Pod Identity instead, then delete the Secret and deactivate the keys in IAM."
    ),
    check!(
        "plaintext-secret",
        Security,
        Error,
        Files,
        "Secrets in files are sops-encrypted",
        "A Secret's data is only base64: whoever reads the repository, a fork, a CI log or an old commit reads the credential. sops keeps the manifest in git with every value encrypted (AES-256-GCM under age or KMS keys) and the rest readable. A Secret with data or stringData passes when it has a sops block and every value is ENC[...], apart from those sops leaves in the clear by the rule recorded in that block (unencrypted_suffix, default _unencrypted; encrypted_suffix; unencrypted_regex; encrypted_regex; with a comment regex, values in the clear are not judged). Files only: live Secrets are never sops-encrypted, and a live audit reads no Secret values.",
        "Encrypt it in place, keeping apiVersion, kind and metadata readable: `sops --encrypt --encrypted-regex '^(data|stringData)$' --in-place FILE` (recipients from .sops.yaml: age or AWS KMS); add keys to an encrypted file with `sops edit FILE`. A value once committed in plaintext stays in git history: rotate the credential too."
    ),
    check!(
        "run-as-non-root",
        Security,
        Warning,
        Both,
        "Containers run as a non-root user",
        "A root process that escapes its container is root on the node. runAsNonRoot: true or a runAsUser above 0 (container or pod level) passes.",
        "Set securityContext.runAsNonRoot: true and a non-zero runAsUser (pod level covers every container)."
    ),
    check!(
        "privileged",
        Security,
        Error,
        Both,
        "Containers are not privileged",
        "A privileged container has every capability and every device of the node.",
        "Remove securityContext.privileged (or set it to false); grant only the capabilities needed."
    ),
    check!(
        "privilege-escalation",
        Security,
        Warning,
        Both,
        "Containers forbid privilege escalation",
        "allowPrivilegeEscalation defaults to true: setuid binaries can gain privileges inside the container.",
        "Set securityContext.allowPrivilegeEscalation: false."
    ),
    check!(
        "host-namespaces",
        Security,
        Error,
        Both,
        "Pods do not share the node's network, PID or IPC namespace",
        "hostNetwork, hostPID and hostIPC let a pod see and reach the node's processes and traffic.",
        "Remove hostNetwork, hostPID and hostIPC from the pod spec."
    ),
    check!(
        "host-path",
        Security,
        Warning,
        Both,
        "Pods do not mount host paths",
        "A hostPath volume exposes the node's files; / , /etc, /proc, /var/lib/kubelet and container runtime sockets give control of the node.",
        "Use a PersistentVolumeClaim, emptyDir, ConfigMap or CSI volume instead."
    ),
    check!(
        "capabilities",
        Security,
        Warning,
        Both,
        "Containers drop all capabilities and add none dangerous",
        "Default capabilities include NET_RAW (spoofing) and more; SYS_ADMIN, NET_ADMIN, SYS_PTRACE and ALL are near-root.",
        "Set securityContext.capabilities.drop: [ALL] and add back only what is needed (e.g. NET_BIND_SERVICE)."
    ),
    check!(
        "read-only-root-fs",
        Security,
        Info,
        Both,
        "Containers have a read-only root filesystem",
        "A writable root filesystem lets an intruder drop tools and persist changes.",
        "Set securityContext.readOnlyRootFilesystem: true and mount emptyDir where the app writes."
    ),
    check!(
        "automount-sa-token",
        Security,
        Info,
        Both,
        "Pods that do not call the API do not mount a token",
        "A mounted service account token lets anyone inside the pod act as that account.",
        "Set automountServiceAccountToken: false on the pod (or its ServiceAccount) unless it talks to the API."
    ),
    check!(
        "seccomp",
        Security,
        Warning,
        Both,
        "Containers run with a seccomp profile",
        "Without RuntimeDefault (or a Localhost profile), every syscall is open. The pod-level profile and the legacy annotation count.",
        "Set securityContext.seccompProfile.type: RuntimeDefault at pod level."
    ),
    // Health
    check!(
        "pod-crashloop",
        Health,
        Error,
        Live,
        "No pod is crash-looping",
        "A container in CrashLoopBackOff serves nothing and hides behind restarts.",
        "Read `kubectl logs --previous` for the container and fix the crash."
    ),
    check!(
        "pod-pending",
        Health,
        Error,
        Live,
        "No pod stays Pending",
        "A pod Pending for more than 5 minutes is unscheduled or cannot start: capacity, affinity, quota or volume trouble.",
        "Run `kubectl describe pod` and read its events."
    ),
    check!(
        "service-no-endpoints",
        Health,
        Warning,
        Live,
        "Services with a selector have ready endpoints",
        "A Service with no ready endpoint drops every request.",
        "Check the selector matches running pods, and that they pass readiness."
    ),
    check!(
        "unused-configmap",
        Health,
        Info,
        Live,
        "ConfigMaps are used",
        "Unused ConfigMaps are clutter and confuse the next person. Volumes, projected volumes, env and envFrom count as uses; kubectl rotate-secret's versions among the 5 newest of their family are kept for rollback and count as used.",
        "Delete it once you are sure nothing outside the cluster reads it."
    ),
    check!(
        "unused-secret",
        Health,
        Info,
        Live,
        "Secrets are used",
        "An unused Secret is a credential nobody rotates. Volumes, projected volumes, env, imagePullSecrets, ServiceAccounts and Ingress TLS count; Helm release and token Secrets are skipped; kubectl rotate-secret's versions among the 5 newest of their family are kept for rollback and count as used.",
        "Delete it, and revoke the credential, once you are sure nothing reads it; for old kubectl rotate-secret versions, run `kubectl rotate-secret prune BASE`."
    ),
    check!(
        "node-not-ready",
        Health,
        Error,
        Live,
        "Nodes are Ready",
        "A NotReady node runs no new pods and its pods are evicted after the toleration timeout.",
        "Run `kubectl describe node` and check the kubelet."
    ),
    check!(
        "deprecated-api",
        Health,
        Warning,
        Both,
        "Objects use API versions the cluster still serves",
        "Removed API versions fail on the next apply after an upgrade. Offline, the manifest's apiVersion is checked; live, the version last applied.",
        "Move the manifest to the apiVersion named in the finding."
    ),
    // Observability
    check!(
        "metrics-endpoint",
        Observability,
        Warning,
        Both,
        "Long-running workloads have their metrics collected",
        "Metrics nothing scrapes are no help in an incident. A Deployment, StatefulSet or DaemonSet counts as collected with prometheus.io/scrape: \"true\" on its pod template or on a Service selecting its pods, a ServiceMonitor selecting such a Service or a PodMonitor selecting its pods (prometheus-operator's rules: label selector plus namespaceSelector, own namespace by default), a Datadog Autodiscovery check annotation, or an OpenTelemetry metrics exporter in its env. Offline, only the input is searched.",
        "Add prometheus.io/scrape: \"true\" (and prometheus.io/port) to the pod template, or a ServiceMonitor or PodMonitor your Prometheus selects, or a Datadog check annotation, or OTEL_EXPORTER_OTLP_METRICS_ENDPOINT."
    ),
    check!(
        "metrics-annotation",
        Observability,
        Error,
        Both,
        "Prometheus scrape annotations can work",
        "The community chart's kubernetes-pods job keeps pods whose prometheus.io/scrape is exactly \"true\", takes prometheus.io/port as the port number and prometheus.io/path as the URL path: a named or undeclared port, a path without a leading /, or the annotations on the Deployment's own metadata (pod discovery reads the pod's) all leave the pod unscraped without a word.",
        "Put prometheus.io/scrape: \"true\", a numeric prometheus.io/port that a container declares and a prometheus.io/path starting with / on spec.template.metadata.annotations."
    ),
    check!(
        "monitor-selects-nothing",
        Observability,
        Warning,
        Both,
        "ServiceMonitors and PodMonitors select something to scrape",
        "prometheus-operator matches a ServiceMonitor's selector against Services in its namespaceSelector's namespaces (its own by default) and its endpoints' port against the Services' port names; a PodMonitor's against pods and container port names. A monitor that matches nothing scrapes nothing, silently.",
        "Fix the selector or namespaceSelector to match the Service (or pod) labels, and name the port as the Service (or container) names it."
    ),
    check!(
        "datadog-annotation",
        Observability,
        Error,
        Both,
        "Datadog Autodiscovery annotations name a container and hold valid JSON",
        "The agent reads ad.datadoghq.com/<container>.checks (v2) or .check_names, .init_configs and .instances (v1) per container name; a name that is no container of the pod, or JSON of the wrong shape, silently disables the check.",
        "Use the container's name in the annotation key and valid JSON: {\"<integration>\": {\"instances\": [...]}} for .checks, arrays of equal length for the v1 keys."
    ),
    check!(
        "log-shipper",
        Observability,
        Warning,
        Live,
        "A DaemonSet ships every schedulable node's logs",
        "Container logs live on the node and go with it. A log shipper (fluent-bit, fluentd, aws-for-fluent-bit, vector, the Datadog agent, the OpenTelemetry collector or ADOT, promtail, alloy, the Grafana agent, filebeat) must run on every schedulable node: a taint it does not tolerate, or a node selector that leaves nodes out, loses their logs. Judged only when every namespace is audited (-A).",
        "Deploy a log shipper as a DaemonSet, and give it tolerations for the taints of the nodes named (operator: Exists covers all)."
    ),
    check!(
        "metrics-agent",
        Observability,
        Warning,
        Live,
        "Something in the cluster collects metrics",
        "Scrape annotations and monitors do nothing without a collector: a prometheus-operator Prometheus or PrometheusAgent, a Prometheus server, the Datadog agent, the CloudWatch agent or the ADOT collector. Judged only when every namespace is audited (-A).",
        "Install one: kube-prometheus-stack, the Datadog agent, or the CloudWatch agent / ADOT collector (Container Insights on EKS)."
    ),
    check!(
        "tracing",
        Observability,
        Info,
        Both,
        "Long-running workloads have tracing wired",
        "Without traces, a slow request across services has no story. Counts: an OpenTelemetry exporter or OTEL_SERVICE_NAME env, an OpenTelemetry operator instrumentation.opentelemetry.io/inject-* annotation on the pod template or its Namespace, a Zipkin or Jaeger endpoint env, or Datadog APM (DD_AGENT_HOST, DD_TRACE_AGENT_URL or the pod label admission.datadoghq.com/enabled: \"true\").",
        "Set OTEL_SERVICE_NAME and OTEL_EXPORTER_OTLP_ENDPOINT (or let the OpenTelemetry operator inject an SDK), or enable Datadog APM."
    ),
];

pub(crate) fn info(id: &str) -> Option<&'static CheckInfo> {
    CHECKS.iter().find(|c| c.id == id)
}

/// The checks a selection of ids and categories names.
pub(crate) fn select(
    only: &[String],
    skip: &[String],
    live: bool,
) -> crate::Result<HashSet<&'static str>> {
    let expand = |names: &[String]| -> crate::Result<HashSet<&'static str>> {
        let mut out = HashSet::new();
        for name in names.iter().flat_map(|n| n.split(',')).map(str::trim) {
            if name.is_empty() {
                continue;
            }
            if let Some(cat) = Category::ALL.iter().find(|c| c.as_str() == name) {
                out.extend(CHECKS.iter().filter(|c| c.category == *cat).map(|c| c.id));
            } else if let Some(c) = info(name) {
                out.insert(c.id);
            } else {
                return Err(crate::Error::Usage(format!(
                    "unknown check or category {name:?}; run `kubectl audit checks` to list them"
                )));
            }
        }
        Ok(out)
    };
    let mut set: HashSet<&'static str> = if only.is_empty() {
        CHECKS.iter().map(|c| c.id).collect()
    } else {
        expand(only)?
    };
    for id in expand(skip)? {
        set.remove(id);
    }
    let excluded = if live { Mode::Files } else { Mode::Live };
    set.retain(|id| info(id).is_some_and(|c| c.mode != excluded));
    Ok(set)
}
