//! The objects `kubectl audit install` applies: built here as JSON, so that
//! `--dry-run=client -o yaml` prints exactly what a real install sends.
//!
//! The ClusterRole is generated from the kinds a live audit lists
//! ([`KINDS`]), so a new `kind!` line widens the role with no second list to
//! keep in step.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use clap::ValueEnum;

use super::InstallArgs;
use crate::audit::cluster_reports::ReportApiChoice;
use crate::audit::cluster_reports::api::{OPENREPORTS, ReportApi, WGPOLICY};
use crate::audit::live::kinds::KINDS;

/// The namespace install uses unless `-n` names another.
pub(crate) const DEFAULT_NAMESPACE: &str = "honban-system";
/// The name of the ServiceAccount, CronJob and namespaced guard rails.
pub(crate) const NAME: &str = "honban-audit";
/// The label every object install makes carries, and uninstall checks.
pub(crate) const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "honban");
const PART_OF: (&str, &str) = ("app.kubernetes.io/name", NAME);
/// Off the hour, when many clusters start their own hourly jobs.
pub(crate) const DEFAULT_SCHEDULE: &str = "17 * * * *";
/// A numeric non-root user, as the image's USER (restricted profile).
const RUN_AS: u32 = 65532;

/// Where an object lives in the API.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Res {
    pub(crate) group: &'static str,
    pub(crate) version: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) plural: &'static str,
    pub(crate) namespaced: bool,
}

impl Res {
    pub(crate) fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// kubectl's `-o name` prefix: `cronjob.batch`, `namespace`.
    pub(crate) fn type_name(&self) -> String {
        let kind = self.kind.to_ascii_lowercase();
        if self.group.is_empty() {
            kind
        } else {
            format!("{kind}.{}", self.group)
        }
    }
}

macro_rules! res {
    ($group:literal, $version:literal, $kind:literal, $plural:literal, $ns:literal) => {
        Res {
            group: $group,
            version: $version,
            kind: $kind,
            plural: $plural,
            namespaced: $ns,
        }
    };
}

pub(crate) const NAMESPACE: Res = res!("", "v1", "Namespace", "namespaces", false);
const SERVICE_ACCOUNT: Res = res!("", "v1", "ServiceAccount", "serviceaccounts", true);
pub(crate) const CLUSTER_ROLE: Res = res!(
    "rbac.authorization.k8s.io",
    "v1",
    "ClusterRole",
    "clusterroles",
    false
);
pub(crate) const CLUSTER_ROLE_BINDING: Res = res!(
    "rbac.authorization.k8s.io",
    "v1",
    "ClusterRoleBinding",
    "clusterrolebindings",
    false
);
const NETWORK_POLICY: Res = res!(
    "networking.k8s.io",
    "v1",
    "NetworkPolicy",
    "networkpolicies",
    true
);
const RESOURCE_QUOTA: Res = res!("", "v1", "ResourceQuota", "resourcequotas", true);
const LIMIT_RANGE: Res = res!("", "v1", "LimitRange", "limitranges", true);
const CRON_JOB: Res = res!("batch", "v1", "CronJob", "cronjobs", true);

/// Everything install may have made, in the order uninstall deletes it
/// (the workload first, the namespace last).
pub(crate) const INSTALLED: [Res; 8] = [
    CRON_JOB,
    NETWORK_POLICY,
    RESOURCE_QUOTA,
    LIMIT_RANGE,
    SERVICE_ACCOUNT,
    CLUSTER_ROLE_BINDING,
    CLUSTER_ROLE,
    NAMESPACE,
];

/// The report APIs the CronJob may write to: both for `auto`.
pub(crate) fn report_apis(choice: ReportApiChoice) -> Vec<&'static ReportApi> {
    match choice {
        ReportApiChoice::Auto => vec![&OPENREPORTS, &WGPOLICY],
        ReportApiChoice::Openreports => vec![&OPENREPORTS],
        ReportApiChoice::Wgpolicy => vec![&WGPOLICY],
    }
}

/// A report API's two kinds: namespaced reports and cluster reports.
pub(crate) fn report_kinds(api: &'static ReportApi) -> [Res; 2] {
    [false, true].map(|cluster| Res {
        group: api.group,
        version: api.version,
        kind: api.kind_of(cluster),
        plural: if cluster {
            api.cluster_plural
        } else {
            api.plural
        },
        namespaced: !cluster,
    })
}

/// One object to apply.
pub(crate) struct Manifest {
    pub(crate) res: Res,
    pub(crate) name: String,
    pub(crate) value: Value,
}

/// The name of the cluster-scoped objects: one install per namespace.
pub(crate) fn cluster_name(namespace: &str) -> String {
    if namespace == DEFAULT_NAMESPACE {
        NAME.to_string()
    } else {
        format!("{NAME}-{namespace}")
    }
}

/// The image install runs unless `--image` names another.
pub(crate) fn default_image() -> String {
    format!("ghcr.io/honban/honban-audit:v{}", env!("CARGO_PKG_VERSION"))
}

fn labels() -> Value {
    let mut map = serde_json::Map::new();
    for (k, v) in [MANAGED_BY, PART_OF] {
        map.insert(k.to_string(), json!(v));
    }
    Value::Object(map)
}

fn object(res: Res, name: &str, namespace: Option<&str>, body: Value) -> Manifest {
    let mut metadata = json!({ "name": name, "labels": labels() });
    if let Some(ns) = namespace.filter(|_| res.namespaced) {
        metadata["namespace"] = json!(ns);
    }
    let mut value = json!({
        "apiVersion": res.api_version(),
        "kind": res.kind,
        "metadata": metadata,
    });
    if let (Value::Object(v), Value::Object(b)) = (&mut value, body) {
        v.extend(b);
    }
    Manifest {
        res,
        name: name.to_string(),
        value,
    }
}

/// Every object of an install into `namespace`; `with_namespace` false when
/// the namespace exists and is not install's (it is used, never adopted).
pub(crate) fn build(req: &InstallArgs, namespace: &str, with_namespace: bool) -> Vec<Manifest> {
    let ns = Some(namespace);
    let cluster = cluster_name(namespace);
    let mut out = Vec::new();
    if with_namespace {
        let mut n = object(NAMESPACE, namespace, None, json!({}));
        // The pod security admission enforces what the CronJob already meets.
        n.value["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] = json!("restricted");
        out.push(n);
    }
    out.push(object(SERVICE_ACCOUNT, NAME, ns, json!({})));
    out.push(object(
        CLUSTER_ROLE,
        &cluster,
        None,
        json!({ "rules": rules(req.with_secrets, req.report_api) }),
    ));
    out.push(object(
        CLUSTER_ROLE_BINDING,
        &cluster,
        None,
        json!({
            "roleRef": {"apiGroup": CLUSTER_ROLE.group, "kind": "ClusterRole", "name": cluster},
            "subjects": [{"kind": "ServiceAccount", "name": NAME, "namespace": namespace}],
        }),
    ));
    out.extend(guard_rails(namespace));
    out.push(object(CRON_JOB, NAME, ns, cron_job(req)));
    out
}

/// The ClusterRole's rules: list on every kind the audit lists (Secrets
/// only when asked), get on namespaces (`-n`), and write on the reports.
fn rules(with_secrets: bool, api: ReportApiChoice) -> Vec<Value> {
    let mut read: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for k in KINDS {
        if k.kind == "Secret" && !with_secrets {
            continue;
        }
        read.entry(k.group).or_default().push(k.plural);
    }
    let mut rules = vec![json!({
        "apiGroups": [""], "resources": ["namespaces"], "verbs": ["get", "list"],
    })];
    for (group, mut plurals) in read {
        plurals.sort_unstable();
        rules.push(json!({ "apiGroups": [group], "resources": plurals, "verbs": ["list"] }));
    }
    for report in report_apis(api) {
        rules.push(json!({
            "apiGroups": [report.group],
            "resources": [report.plural, report.cluster_plural],
            // What `--report` does: list, apply (patch), sweep (delete).
            "verbs": ["list", "create", "patch", "delete"],
        }));
    }
    rules
}

/// What the audit asks of every namespace, met by its own: default-deny
/// ingress, egress only to the API server's usual ports, a quota and limits.
fn guard_rails(namespace: &str) -> Vec<Manifest> {
    let ns = Some(namespace);
    vec![
        object(
            NETWORK_POLICY,
            NAME,
            ns,
            json!({"spec": {
                "podSelector": {},
                "policyTypes": ["Ingress", "Egress"],
                // The API server: 443 behind the kubernetes Service on most
                // managed clusters, 6443 where it is reached directly.
                "egress": [{"ports": [
                    {"protocol": "TCP", "port": 443},
                    {"protocol": "TCP", "port": 6443},
                ]}],
            }}),
        ),
        object(
            RESOURCE_QUOTA,
            NAME,
            ns,
            json!({"spec": {"hard": {
                "pods": "2",
                "requests.cpu": "1",
                "requests.memory": "1Gi",
                "limits.memory": "2Gi",
            }}}),
        ),
        object(
            LIMIT_RANGE,
            NAME,
            ns,
            json!({"spec": {"limits": [{
                "type": "Container",
                "default": {"memory": "1Gi"},
                "defaultRequest": {"cpu": "100m", "memory": "256Mi"},
            }]}}),
        ),
    ]
}

/// The CronJob: one run at a time, bounded in time and history, and a pod
/// that meets the restricted Pod Security profile.
fn cron_job(req: &InstallArgs) -> Value {
    let image = req.image.clone().unwrap_or_else(default_image);
    let schedule = req.schedule.as_deref().unwrap_or(DEFAULT_SCHEDULE);
    // Findings are the reports' business, not a failed Job.
    let api = req
        .report_api
        .to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default();
    let mut args = vec!["-A", "--report", "--report-api", &api, "--fail-on", "none"];
    // The role leaves Secrets out on purpose: the run lists them as not
    // checked and still succeeds. Any other unreadable kind fails the Job.
    if !req.with_secrets {
        args.extend(["--allow-unread", "secrets"]);
    }
    json!({"spec": {
        "schedule": schedule,
        "concurrencyPolicy": "Forbid",
        "startingDeadlineSeconds": 600,
        "successfulJobsHistoryLimit": 3,
        "failedJobsHistoryLimit": 3,
        "jobTemplate": {
            "metadata": {"labels": labels()},
            "spec": {
                "backoffLimit": 0,
                "activeDeadlineSeconds": 1800,
                "template": {
                    "metadata": {"labels": labels()},
                    "spec": {
                        "serviceAccountName": NAME,
                        "restartPolicy": "Never",
                        "securityContext": {
                            "runAsNonRoot": true,
                            "runAsUser": RUN_AS,
                            "runAsGroup": RUN_AS,
                            "seccompProfile": {"type": "RuntimeDefault"},
                        },
                        "containers": [{
                            "name": "audit",
                            "image": image,
                            "imagePullPolicy": "IfNotPresent",
                            "args": args,
                            "securityContext": {
                                "allowPrivilegeEscalation": false,
                                "readOnlyRootFilesystem": true,
                                "capabilities": {"drop": ["ALL"]},
                            },
                            "resources": {
                                "requests": {"cpu": "100m", "memory": "256Mi"},
                                "limits": {"memory": "1Gi"},
                            },
                        }],
                    },
                },
            },
        },
    }})
}
