#!/usr/bin/env bash
# The live load the audit benchmarks share (sourced by bench/audit.sh and
# bench/audit-report.sh): NAMESPACES namespaces, DEPLOYMENTS Deployments and
# PODS pods on NODES extra kwok nodes, all labelled honban.io/bench=audit.
# Also measure, which times a command. Needs k (kubectl as testenv's admin)
# and $work (a scratch directory).
# Loading and deleting it keeps testenv's controllers busy for 10-15
# minutes on 2 cores: other tests' rollouts slow down meanwhile.

# measure NAME command... -> prints "wall_seconds max_rss_kb cpu_seconds" for it
measure() {
	local name=$1
	shift
	/usr/bin/time -v -o "$work/$name.time" "$@" >"$work/$name.out" 2>"$work/$name.err" || true
	python3 - "$work/$name.time" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", text).group(1)
parts = [float(p) for p in wall.split(":")]
secs = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
cpu = sum(float(re.search(rf"{k} time \(seconds\): (\S+)", text).group(1)) for k in ("User", "System"))
print(f"{secs:.3f} {rss} {cpu:.3f}")
PY
}

cleanup_load() {
	# Pods first, forced: left to the namespace controller and pod GC (or to
	# kwok, once its nodes are gone) they take most of an hour to go.
	echo "live: deleting the load..."
	k delete deployments -A -l honban.io/bench=audit --cascade=orphan --wait=false >/dev/null 2>&1 || true
	k delete replicasets -A -l honban.io/bench=audit --cascade=orphan --wait=false >/dev/null 2>&1 || true
	k delete pods -A -l honban.io/bench=audit --grace-period=0 --force --wait=false >/dev/null 2>&1 || true
	k delete namespace -l honban.io/bench=audit --wait=false >/dev/null 2>&1 || true
	k delete node -l honban.io/bench=audit --wait=false >/dev/null 2>&1 || true
}

# load_audit_bench: creates the load unless it is there already.
load_audit_bench() {
existing=$(k get pods -A -l honban.io/bench=audit --no-headers 2>/dev/null | wc -l)
if ((existing < PODS)); then
	echo "live: loading $NAMESPACES namespaces, $DEPLOYMENTS Deployments, $PODS pods on $NODES extra kwok nodes..."
	python3 - "$work/load" "$NAMESPACES" "$DEPLOYMENTS" "$PODS" "$NODES" <<'PY'
import os, sys
out, ns, deps, pods, nodes = sys.argv[1], *map(int, sys.argv[2:])
os.makedirs(out, exist_ok=True)
zones = ["us-east-1a", "us-east-1b", "us-east-1c"]
with open(f"{out}/00-nodes.yaml", "w") as f:
    for i in range(nodes):
        f.write(f"""---
apiVersion: v1
kind: Node
metadata:
  name: bench-audit-{i}
  annotations: {{kwok.x-k8s.io/node: fake, node.alpha.kubernetes.io/ttl: "0"}}
  labels: {{honban.io/bench: audit, kubernetes.io/hostname: bench-audit-{i}, topology.kubernetes.io/zone: {zones[i % 3]}, type: kwok}}
spec: {{}}
status:
  capacity: {{cpu: "64", memory: 512Gi, pods: "250"}}
  allocatable: {{cpu: "64", memory: 512Gi, pods: "250"}}
""")
with open(f"{out}/01-namespaces.yaml", "w") as f:
    for n in range(ns):
        f.write(f"---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: bench-audit-{n}, labels: {{honban.io/bench: audit}}}}\n")
replicas = pods // deps
for d in range(deps):
    n = d % ns
    with open(f"{out}/02-deploy-{n:04d}.yaml", "a") as f:
        f.write(f"""---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: app-{d}, namespace: bench-audit-{n}, labels: {{honban.io/bench: audit}}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: app-{d}}}}}
  template:
    metadata: {{labels: {{app: app-{d}, honban.io/bench: audit}}}}
    spec:
      nodeSelector: {{type: kwok}}
      tolerations: [{{key: kwok.x-k8s.io/node, operator: Exists, effect: NoSchedule}}]
      containers: [{{name: app, image: registry.example/app:1.0, resources: {{requests: {{cpu: 10m, memory: 16Mi}}}}}}]
""")
PY
	# create (one request per object) is much faster than apply here.
	k create -f "$work/load/00-nodes.yaml" >/dev/null 2>&1 || true
	k create -f "$work/load/01-namespaces.yaml" >/dev/null 2>&1 || true
	cat "$work"/load/02-deploy-*.yaml | k create -f - >/dev/null 2>&1 || true
	for _ in $(seq 1 180); do
		running=$(k get pods -A -l honban.io/bench=audit --field-selector=status.phase=Running --no-headers 2>/dev/null | wc -l)
		((running >= PODS)) && break
		sleep 10
	done
	echo "live: $running pods running"
fi
}
