#!/usr/bin/env python3
"""Writes a big, realistic manifest tree for `kubectl audit -f`:
  audit-big-manifests.py DIR DOCUMENTS
Multi-document YAML files of 100 documents each (the last may be shorter), as
teams keep them: one app per group of documents (Deployment or StatefulSet
or CronJob, Service, ConfigMap, ServiceAccount, PDB, HPA, Role and
RoleBinding), with comments, flow style, anchors and merge keys, some
problems for the checks to find, and CRLF line endings in every fourth file.
The same arguments always give the same bytes. At 10,000 documents it writes
about 2.6 MB (bench/audit.sh); the memory test writes fewer."""

import os
import sys

PER_FILE = 100


def deployment(app, ns, i):
    # Every third one is fine; the others miss probes, limits or a tag, and
    # half carry a log shipper sidecar with no settings at all.
    tag = ["1.4.%d" % (i % 9), "latest", ""][i % 3]
    image = "registry.example/%s%s" % (app, ":" + tag if tag else "")
    probe = "" if i % 3 else "          readinessProbe: {httpGet: {path: /ready, port: http}}\n"
    limits = ", limits: {memory: 256Mi}" if i % 2 == 0 else ""
    sidecar = "        - {name: logs, image: 'registry.example/shipper:3'}\n" if i % 3 else ""
    return (
        "# %s, owned by team-%d\n"
        "apiVersion: apps/v1\n"
        "kind: Deployment\n"
        "metadata:\n"
        "  name: %s\n"
        "  namespace: %s\n"
        "  labels: &labels {app.kubernetes.io/name: %s}\n"
        "spec:\n"
        "  replicas: %d\n"
        "  selector:\n"
        "    matchLabels: *labels\n"
        "  template:\n"
        "    metadata:\n"
        "      labels: *labels\n"
        "    spec:\n"
        "      containers:\n"
        "        - name: app\n"
        "          image: %s\n"
        "%s"
        "          resources: {requests: {cpu: 50m, memory: 64Mi}%s}\n"
        "%s"
    ) % (app, i % 17, app, ns, app, 1 + i % 3, image, probe, limits, sidecar)


def statefulset(app, ns, i):
    return (
        "apiVersion: apps/v1\n"
        "kind: StatefulSet\n"
        "metadata: {name: %s, namespace: %s}\n"
        "spec:\n"
        "  serviceName: %s\n"
        "  replicas: 3\n"
        "  selector: {matchLabels: {app: %s}}\n"
        "  template:\n"
        "    metadata: {labels: {app: %s}}\n"
        "    spec:\n"
        "      securityContext: {runAsNonRoot: true, runAsUser: 10001}\n"
        "      containers:\n"
        "      - name: db\n"
        "        image: registry.example/db:16.%d\n"
        "        resources: {requests: {cpu: 250m, memory: 1Gi}, limits: {memory: 1Gi}}\n"
        "        volumeMounts: [{name: data, mountPath: /var/lib/db}]\n"
        "  volumeClaimTemplates:\n"
        "  - metadata: {name: data}\n"
        "    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 10Gi}}}\n"
    ) % (app, ns, app, app, app, i % 5)


def cronjob(app, ns, i):
    return (
        "apiVersion: batch/v1\n"
        "kind: CronJob\n"
        "metadata:\n"
        "  name: %s\n"
        "  namespace: %s\n"
        "spec:\n"
        "  schedule: \"%d * * * *\"\n"
        "  jobTemplate:\n"
        "    spec:\n"
        "      template:\n"
        "        spec:\n"
        "          restartPolicy: OnFailure\n"
        "          containers:\n"
        "          - name: job\n"
        "            image: registry.example/%s:2.%d\n"
        "            args: [--once, --verbose]\n"
    ) % (app, ns, i % 60, app, i % 7)


def service(app, ns, i):
    if i % 2:
        return (
            "apiVersion: v1\nkind: Service\n"
            "metadata: {name: %s, namespace: %s}\n"
            "spec: {selector: {app.kubernetes.io/name: %s}, ports: [{name: http, port: 80, targetPort: http}]}\n"
        ) % (app, ns, app)
    return (
        "apiVersion: v1\n"
        "kind: Service\n"
        "metadata:\n"
        "  name: %s\n"
        "  namespace: %s\n"
        "spec:\n"
        "  selector:\n"
        "    app.kubernetes.io/name: %s\n"
        "  ports:\n"
        "    - name: http\n"
        "      port: 80\n"
        "      targetPort: http\n"
    ) % (app, ns, app)


def configmap(app, ns, i):
    return (
        "apiVersion: v1\n"
        "kind: ConfigMap\n"
        "metadata:\n"
        "  name: %s-config\n"
        "  namespace: %s\n"
        "data:\n"
        "  LOG_LEVEL: info   # debug while on call\n"
        "  UPSTREAM: \"http://%s-backend.%s:8080\"\n"
        "  FEATURE_FLAGS: 'checkout,search,%d'\n"
    ) % (app, ns, app, ns, i)


def serviceaccount(app, ns, i):
    return (
        "apiVersion: v1\nkind: ServiceAccount\n"
        "metadata: {name: %s, namespace: %s}\n"
        "automountServiceAccountToken: %s\n"
    ) % (app, ns, "false" if i % 2 else "true")


def pdb(app, ns, i):
    # Every fifth blocks evictions (minAvailable at the replica count).
    policy = "minAvailable: 3" if i % 5 == 0 else "maxUnavailable: 1"
    return (
        "apiVersion: policy/v1\n"
        "kind: PodDisruptionBudget\n"
        "metadata:\n"
        "  name: %s\n"
        "  namespace: %s\n"
        "spec:\n"
        "  %s\n"
        "  selector:\n"
        "    matchLabels: {app.kubernetes.io/name: %s}\n"
    ) % (app, ns, policy, app)


def hpa(app, ns, i):
    return (
        "apiVersion: autoscaling/v2\n"
        "kind: HorizontalPodAutoscaler\n"
        "metadata: {name: %s, namespace: %s}\n"
        "spec:\n"
        "  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: %s}\n"
        "  minReplicas: %d\n"
        "  maxReplicas: 10\n"
    ) % (app, ns, app, 1 + i % 3)


def role(app, ns, i):
    verbs = "['*']" if i % 4 == 0 else "[get, list, watch]"
    return (
        "apiVersion: rbac.authorization.k8s.io/v1\n"
        "kind: Role\n"
        "metadata: {name: %s-reader, namespace: %s}\n"
        "rules:\n"
        "- apiGroups: ['']\n"
        "  resources: [configmaps, pods]\n"
        "  verbs: %s\n"
    ) % (app, ns, verbs)


def rolebinding(app, ns, i):
    return (
        "apiVersion: rbac.authorization.k8s.io/v1\n"
        "kind: RoleBinding\n"
        "metadata: {name: %s-reader, namespace: %s}\n"
        "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: %s-reader}\n"
        "subjects: [{kind: ServiceAccount, name: %s, namespace: %s}]\n"
    ) % (app, ns, app, app, ns)


def namespace(ns, i):
    return (
        "# Namespace %s and its defaults\n"
        "apiVersion: v1\n"
        "kind: Namespace\n"
        "metadata:\n"
        "  name: %s\n"
        "  labels: {team: team-%d, pod-security.kubernetes.io/enforce: baseline}\n"
    ) % (ns, ns, i % 17)


def group(i):
    """The documents of app i: its workload, Service and ServiceAccount, a
    ConfigMap and PDB for every fourth, an HPA and RBAC for every eighth."""
    workload = [deployment, deployment, deployment, statefulset, cronjob][i % 5]
    docs = [workload, service, serviceaccount]
    if i % 4 == 0:
        docs += [configmap, pdb]
    if i % 8 == 0:
        docs += [hpa, role, rolebinding]
    return docs


def documents(count):
    """Yields (file index, document text)."""
    made = 0
    app = 0
    while made < count:
        f = made // PER_FILE
        ns = "team-%d" % (f % 40)
        if made % PER_FILE == 0:
            yield f, namespace(ns, f)
            made += 1
            continue
        for make in group(app):
            if made >= count or made // PER_FILE != f:
                break
            yield f, make("app-%d" % app, ns, app)
            made += 1
        app += 1


def main():
    out, count = sys.argv[1], int(sys.argv[2])
    os.makedirs(out, exist_ok=True)
    files = {}
    for f, doc in documents(count):
        files.setdefault(f, []).append(doc)
    for f, docs in files.items():
        text = "---\n".join(docs)
        newline = "\r\n" if f % 4 == 3 else "\n"
        with open(os.path.join(out, "apps-%04d.yaml" % f), "w", newline=newline) as fh:
            fh.write(text)


if __name__ == "__main__":
    main()
