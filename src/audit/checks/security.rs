//! Security: the Pod Security Standards' restricted profile, container by
//! container, with the pod-level securityContext inherited the way the
//! kubelet applies it (the anchors' most reported false positive).

use serde_json::Value;

use super::Cx;
use crate::audit::index::{Workload, containers_indexed};
use crate::audit::object::{Object, array_at, as_int, at, bool_at, str_at};

pub(crate) fn run(cx: &mut Cx) {
    let ix = cx.index;
    for w in &ix.workloads {
        let Some(spec) = ix.pod_spec(w) else { continue };
        let windows = str_at(spec, &["os", "name"]) == Some("windows");
        pod_level(cx, w, spec);
        for (field, i, c) in containers_indexed(spec) {
            let path = format!("{}.{field}[{i}]", w.spec_prefix());
            let name = str_at(c, &["name"]).unwrap_or("?").to_string();
            let ct = Container {
                spec,
                c,
                name: &name,
                path: &path,
            };
            container_level(cx, w, &ct, windows);
        }
    }
}

/// A securityContext field: the container's, else the pod's.
fn effective<'a>(spec: &'a Value, c: &'a Value, field: &str) -> Option<&'a Value> {
    at(c, &["securityContext", field]).or_else(|| at(spec, &["securityContext", field]))
}

const SENSITIVE_HOST_PATHS: &[&str] = &[
    "/",
    "/etc",
    "/proc",
    "/sys",
    "/boot",
    "/root",
    "/var/run",
    "/run",
    "/var/lib/kubelet",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/var/run/crio/crio.sock",
    "/etc/kubernetes",
];

fn pod_level(cx: &mut Cx, w: &Workload, spec: &Value) {
    let ix = cx.index;
    let o = &ix.objects[w.obj];
    let prefix = w.spec_prefix();
    if cx.on("host-namespaces") {
        let shared: Vec<&str> = ["hostNetwork", "hostPID", "hostIPC"]
            .into_iter()
            .filter(|f| bool_at(spec, &[f]) == Some(true))
            .collect();
        let verdict = (!shared.is_empty()).then(|| {
            (
                format!("shares the node's namespaces: {}", shared.join(", ")),
                Some(format!("{prefix}.{}", shared[0])),
            )
        });
        cx.verdict("host-namespaces", w.obj, verdict);
    }
    if cx.on("host-path") {
        let mut found = Vec::new();
        let mut first = None;
        for (i, v) in array_at(spec, &["volumes"]).iter().enumerate() {
            if let Some(p) = str_at(v, &["hostPath", "path"]) {
                let trimmed = if p.len() > 1 {
                    p.trim_end_matches('/')
                } else {
                    p
                };
                let sensitive = SENSITIVE_HOST_PATHS.contains(&trimmed);
                found.push(format!(
                    "{p}{}",
                    if sensitive { " (sensitive)" } else { "" }
                ));
                first.get_or_insert(i);
            }
        }
        let verdict = first.map(|i| {
            (
                format!("mounts host paths: {}", found.join(", ")),
                Some(format!("{prefix}.volumes[{i}]")),
            )
        });
        cx.verdict("host-path", w.obj, verdict);
    }
    if cx.on("automount-sa-token") {
        let pod = bool_at(spec, &["automountServiceAccountToken"]);
        let sa_name = str_at(spec, &["serviceAccountName"])
            .or_else(|| str_at(spec, &["serviceAccount"]))
            .unwrap_or("default");
        let sa = ix
            .of_kind_in("ServiceAccount", o.ns())
            .find(|(_, s)| s.name == sa_name)
            .and_then(|(_, s)| bool_at(&s.value, &["automountServiceAccountToken"]));
        // The pod's own setting wins over its ServiceAccount's.
        let mounted = pod.or(sa).unwrap_or(true);
        let verdict = mounted.then(|| {
            (
                format!("mounts the token of ServiceAccount {sa_name}"),
                Some(format!("{prefix}.automountServiceAccountToken")),
            )
        });
        cx.verdict("automount-sa-token", w.obj, verdict);
    }
}

/// The legacy seccomp annotation a pod carries, if any. Kubernetes no longer
/// honours these annotations (we target 1.36), so they count as absent; the
/// message names the one found so its owner knows why.
fn legacy_seccomp_annotation(cx: &Cx, w: &Workload, o: &Object, container: &str) -> Option<String> {
    let ann = cx.index.pod_annotations(w).or_else(|| o.annotations())?;
    let own = format!("container.seccomp.security.alpha.kubernetes.io/{container}");
    [own.as_str(), "seccomp.security.alpha.kubernetes.io/pod"]
        .into_iter()
        .find(|k| ann.contains_key(*k))
        .map(str::to_string)
}

/// One container as the container-level checks see it.
struct Container<'a> {
    /// The pod spec, whose securityContext the container inherits.
    spec: &'a Value,
    c: &'a Value,
    name: &'a str,
    /// Field path of the container, for file:line.
    path: &'a str,
}

/// A failed check's message and field path; `None` passes.
type Verdict = Option<(String, Option<String>)>;

/// A container-level check that reads only the container and its pod spec.
type ContainerCheck = fn(&Container) -> Verdict;

fn container_level(cx: &mut Cx, w: &Workload, ct: &Container, windows: bool) {
    if cx.on("privileged") {
        cx.verdict("privileged", w.obj, privileged(ct));
    }
    // The rest of the restricted profile does not apply to Windows pods.
    if windows {
        return;
    }
    let checks: [(&'static str, ContainerCheck); 4] = [
        ("run-as-non-root", run_as_non_root),
        ("privilege-escalation", privilege_escalation),
        ("capabilities", capabilities),
        ("read-only-root-fs", read_only_root_fs),
    ];
    for (id, check) in checks {
        if cx.on(id) {
            cx.verdict(id, w.obj, check(ct));
        }
    }
    if cx.on("seccomp") {
        let verdict = seccomp(cx, w, ct);
        cx.verdict("seccomp", w.obj, verdict);
    }
}

fn privileged(ct: &Container) -> Verdict {
    let Container {
        spec,
        c,
        name,
        path,
    } = *ct;
    let privileged = bool_at(c, &["securityContext", "privileged"]) == Some(true);
    let host_process = effective(spec, c, "windowsOptions")
        .and_then(|v| v.get("hostProcess"))
        .and_then(Value::as_bool)
        == Some(true);
    (privileged || host_process).then(|| {
        let how = if privileged {
            "is privileged"
        } else {
            "is a Windows HostProcess container"
        };
        (
            format!("container {name:?} {how}"),
            Some(format!("{path}.securityContext.privileged")),
        )
    })
}

fn run_as_non_root(ct: &Container) -> Verdict {
    let Container {
        spec,
        c,
        name,
        path,
    } = *ct;
    let non_root = effective(spec, c, "runAsNonRoot").and_then(Value::as_bool);
    let user = effective(spec, c, "runAsUser").and_then(as_int);
    let group = effective(spec, c, "runAsGroup").and_then(as_int);
    let user_ok = match (non_root, user) {
        (_, Some(u)) if u > 0 => true,
        (Some(true), None) => true,
        _ => false,
    };
    // The root group reads and writes every root-group file of the image.
    let ok = user_ok && group != Some(0);
    (!ok).then(|| {
        let why = match (non_root, user) {
            _ if user_ok => "runs with group 0 (root)".to_string(),
            (_, Some(0)) => "runs as user 0 (root)".to_string(),
            (Some(false), _) => "sets runAsNonRoot: false".to_string(),
            _ => "may run as root (no runAsNonRoot or runAsUser, in the container or the pod)"
                .to_string(),
        };
        (
            format!("container {name:?} {why}"),
            Some(format!("{path}.securityContext")),
        )
    })
}

fn privilege_escalation(ct: &Container) -> Verdict {
    let Container { c, name, path, .. } = *ct;
    let allowed = bool_at(c, &["securityContext", "allowPrivilegeEscalation"]);
    (allowed != Some(false)).then(|| {
        let why = if allowed == Some(true) {
            "allows"
        } else {
            "does not forbid"
        };
        (
            format!("container {name:?} {why} privilege escalation"),
            Some(format!("{path}.securityContext.allowPrivilegeEscalation")),
        )
    })
}

fn capabilities(ct: &Container) -> Verdict {
    let Container { c, name, path, .. } = *ct;
    let caps = at(c, &["securityContext", "capabilities"]);
    let added: Vec<String> = caps
        .map(|c| array_at(c, &["add"]))
        .unwrap_or(&[])
        .iter()
        .filter_map(Value::as_str)
        .map(|s| s.trim_start_matches("CAP_").to_string())
        .filter(|s| s != "NET_BIND_SERVICE")
        .collect();
    let drops_all = caps
        .map(|c| array_at(c, &["drop"]))
        .unwrap_or(&[])
        .iter()
        .any(|v| v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("ALL")));
    let mut problems = Vec::new();
    if !added.is_empty() {
        problems.push(format!("adds {}", added.join(", ")));
    }
    if !drops_all {
        problems.push("does not drop ALL".to_string());
    }
    (!problems.is_empty()).then(|| {
        (
            format!("container {name:?} {}", problems.join(" and ")),
            Some(format!("{path}.securityContext.capabilities")),
        )
    })
}

fn read_only_root_fs(ct: &Container) -> Verdict {
    let Container { c, name, path, .. } = *ct;
    let ro = bool_at(c, &["securityContext", "readOnlyRootFilesystem"]) == Some(true);
    (!ro).then(|| {
        (
            format!("container {name:?} has a writable root filesystem"),
            Some(format!("{path}.securityContext.readOnlyRootFilesystem")),
        )
    })
}

fn seccomp(cx: &Cx, w: &Workload, ct: &Container) -> Verdict {
    let Container {
        spec,
        c,
        name,
        path,
    } = *ct;
    let o = &cx.index.objects[w.obj];
    let profile = effective(spec, c, "seccompProfile")
        .and_then(|p| p.get("type"))
        .and_then(Value::as_str);
    let ok = matches!(profile, Some("RuntimeDefault") | Some("Localhost"));
    (!ok).then(|| {
        let why = match (profile, legacy_seccomp_annotation(cx, w, o, name)) {
            (Some(p), _) => format!("runs with seccomp profile {p}"),
            (None, Some(a)) => format!(
                "runs without a seccomp profile: Kubernetes ignores the annotation {a}; set securityContext.seccompProfile"
            ),
            (None, None) => "runs without a seccomp profile".to_string(),
        };
        (
            format!("container {name:?} {why}"),
            Some(format!("{path}.securityContext.seccompProfile")),
        )
    })
}
