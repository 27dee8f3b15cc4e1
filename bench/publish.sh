#!/usr/bin/env bash
# Side-by-side: putting a Deployment behind an ALB Ingress in testenv.
#
#   honban:  kubectl publish deploy/web --host web.example.com --cert-arn ARN
#            (infers the Service, reads the readiness probe, finds the class and
#            external-dns, server dry run of both objects, then applies them)
#   kubectl: kubectl expose deployment web --port 8080 --target-port http
#            + kubectl create ingress web --class alb --rule ... --annotation x9
#            (the same Service and Ingress, with every value typed in by hand)
#
# --cert-arn keeps AWS out: both sides only talk to the API server. A third
# row times honban finding the certificate itself (ACM ListCertificates and
# DescribeCertificate, what a user without an ARN at hand pays) against moto's
# server on loopback: it counts the calls and the SDK's cost, not AWS's
# network latency, which adds a round trip per call in a real account. The
# bench namespace also holds EXTRA Deployments (default 1000, replicas 0):
# honban looks for the ALB controller and external-dns among every Deployment
# of the cluster, which is its cost on a large cluster. The figure is the
# median wall time of RUNS rounds; each round deletes what the previous one
# made. API requests are counted from honban's HONBAN_TRACE_REQUESTS=1 and
# kubectl's -v=6.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-7}
EXTRA=${EXTRA:-1000}
HOST=web.example.com
ARN=arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555

# The same build as install.sh and scripts/release (every plugin at once), so
# one fat-LTO build serves them all and nothing is rebuilt for a different set.
packages=()
for dir in plugins/*/; do packages+=(-p "kubectl-$(basename "$dir")"); done
cargo build --release --locked -q "${packages[@]}"
HONBAN=$PWD/target/release/kubectl-publish
PY=$(tests/tools/setup-publish-python.sh)
KUBECTL=$(testenv/testenv kubectl-path)
eval "$(testenv/testenv up)"
export KUBECONFIG
NS=bench-publish-$$
work=$(mktemp -d)
cleanup() {
	"$KUBECTL" delete namespace "$NS" --wait=false >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

# moto's server (it stops when its standard input, held by this script,
# closes) and an issued certificate for the host.
coproc MOTO { "$PY" tests/tools/publish_moto.py serve 2>"$work/moto.log"; }
read -r moto_port <&"${MOTO[0]}"
aws_env=(AWS_ENDPOINT_URL="http://127.0.0.1:$moto_port" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
	AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null)
env "${aws_env[@]}" "$PY" tests/tools/publish_moto.py cert "{\"names\": [\"$HOST\"]}" >/dev/null

"$KUBECTL" create namespace "$NS" >/dev/null
"$KUBECTL" apply -n "$NS" -f - >/dev/null <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: registry.example/web:1
        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {httpGet: {path: /healthz, port: http}}
YAML

for ((i = 0; i < EXTRA; i++)); do
	printf -- '---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: idle-%d}\nspec:\n  replicas: 0\n  selector: {matchLabels: {app: idle-%d}}\n  template:\n    metadata: {labels: {app: idle-%d}}\n    spec: {containers: [{name: c, image: registry.example/idle:1}]}\n' "$i" "$i" "$i"
done >"$work/extra.yaml"
if ((EXTRA > 0)); then "$KUBECTL" apply -n "$NS" -f "$work/extra.yaml" >/dev/null; fi

ms_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f\n", (b - a) * 1000 }'; }
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.0f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
gone() { "$KUBECTL" delete -n "$NS" service/web ingress/web --ignore-not-found >/dev/null; }
a=alb.ingress.kubernetes.io

: >"$work/h.ms"
: >"$work/k.ms"
: >"$work/d.ms"
for ((r = 0; r < RUNS; r++)); do
	gone
	t0=$EPOCHREALTIME
	env "${aws_env[@]}" HONBAN_TRACE_REQUESTS=1 "$HONBAN" deploy/web --host "$HOST" -n "$NS" \
		>"$work/d.out" 2>"$work/d.err"
	ms_since "$t0" >>"$work/d.ms"
	grep -q 'ingress.networking.k8s.io/web created' "$work/d.out" || { cat "$work/d.out" "$work/d.err" >&2; exit 1; }

	gone
	t0=$EPOCHREALTIME
	HONBAN_TRACE_REQUESTS=1 "$HONBAN" deploy/web --host "$HOST" --cert-arn "$ARN" -n "$NS" \
		>"$work/h.out" 2>"$work/h.err"
	ms_since "$t0" >>"$work/h.ms"
	grep -q 'ingress.networking.k8s.io/web created' "$work/h.out" || { cat "$work/h.out" "$work/h.err" >&2; exit 1; }

	gone
	t0=$EPOCHREALTIME
	{
		"$KUBECTL" -v=6 expose deployment web -n "$NS" --port 8080 --target-port http >/dev/null
		"$KUBECTL" -v=6 create ingress web -n "$NS" --class alb --rule "$HOST/*=web:8080,tls" \
			--annotation "$a/scheme=internet-facing" --annotation "$a/target-type=ip" \
			--annotation "$a/listen-ports=[{\"HTTP\":80},{\"HTTPS\":443}]" --annotation "$a/ssl-redirect=443" \
			--annotation "$a/ssl-policy=ELBSecurityPolicy-TLS13-1-2-Res-2021-06" \
			--annotation "$a/certificate-arn=$ARN" --annotation "$a/healthcheck-path=/healthz" \
			--annotation "$a/success-codes=200-399" \
			--annotation "external-dns.kubernetes.io/hostname=$HOST" >/dev/null
	} 2>"$work/k.err"
	ms_since "$t0" >>"$work/k.ms"
done
gone

h_total=$(grep -c 'honban-trace: request' "$work/h.err" || true)
k_total=$(grep -c '"Response" verb=' "$work/k.err" || true)
deployments=$("$KUBECTL" get deployments -A --no-headers | wc -l)
hm=$(median <"$work/h.ms")
dm=$(median <"$work/d.ms")
d_total=$(grep -c 'honban-trace: request' "$work/d.err" || true)
km=$(median <"$work/k.ms")
echo "publish a Deployment as Service + ALB Ingress (median of $RUNS; $deployments Deployments in the cluster)"
printf 'honban  publish                 %6d ms   %3d requests (incl. server dry run, class and external-dns lookups)\n' "$hm" "$h_total"
printf 'honban  publish, ACM discovery  %6d ms   %3d API server requests + ACM calls to moto on loopback\n' "$dm" "$d_total"
printf 'kubectl expose + create ingress %4d ms   %3d requests (every value typed in by hand)\n' "$km" "$k_total"
awk -v h="$hm" -v k="$km" 'BEGIN { printf "ratio   %.1fx (kubectl time / honban time)\n", k / h }'
echo "honban requests of the last round:"
grep 'honban-trace: request' "$work/h.err" | sed 's/^honban-trace: request [0-9]*: //; s/?.*//' | sed "s/$NS/NS/" | sort | uniq -c | sort -rn
