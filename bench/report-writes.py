#!/usr/bin/env python3
"""What one report create costs the API server, by request variant.

A bare client (no honban) creates COUNT copies of one report in a fresh
namespace, each owned by a ConfigMap of its own (so the garbage collector
tracks them as it tracks honban's), 32 in flight, once per variant, and
prints the CPU the API server, etcd and the controller-manager used per
create (from /proc, less their idle rate). The variants differ in what the
request asks of the server (field validation, response form) and in the
body. Run it on a control plane of its own (testenv with its own
HONBAN_TESTENV_STATE): other clients' work would count.

Usage: bench/report-writes.py TEMPLATE.json [COUNT] [VARIANT...]
TEMPLATE is one report as honban sends it (apiVersion, kind, metadata with
labels, scope, summary, results); name, namespace, owner and scope are
replaced per copy.

Or: bench/report-writes.py --replay SENT.jsonl
creates exactly the reports a run sent (a test-hooks build of kubectl-audit
records them with HONBAN_AUDIT_SENT=SENT.jsonl) with the bare client, 32 in
flight: the floor under honban's write phase on the same cluster, whose
reports must have been deleted first.
"""

import copy
import json
import os
import queue
import random
import ssl
import string
import subprocess
import sys
import threading
import time
import http.client
import urllib.parse

STATE = os.environ.get("HONBAN_TESTENV_STATE")
IN_FLIGHT = 32
METADATA = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"


def env():
    out = {}
    state = os.path.join(STATE, "state.env")
    for line in open(state):
        k, _, v = line.strip().partition("=")
        out[k] = v.strip("'\"")
    pids = {}
    for line in open(os.path.join(STATE, "pids")):
        parts = line.split()
        if len(parts) >= 2:
            pids[parts[0]] = int(parts[1])
    return out, pids


def cpu(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Api:
    def __init__(self, url, token):
        u = urllib.parse.urlparse(url)
        self.host, self.port = u.hostname, u.port
        self.token = token
        self.ctx = ssl.create_default_context()
        self.ctx.check_hostname = False
        self.ctx.verify_mode = ssl.CERT_NONE
        self.local = threading.local()

    def conn(self):
        c = getattr(self.local, "c", None)
        if c is None:
            c = http.client.HTTPSConnection(self.host, self.port, context=self.ctx)
            self.local.c = c
        return c

    def call(self, method, path, body=None, accept="application/json"):
        headers = {"Authorization": f"Bearer {self.token}", "Accept": accept}
        if body is not None:
            headers["Content-Type"] = "application/json"
        for attempt in range(5):
            c = self.conn()
            try:
                c.request(method, path, body=body, headers=headers)
                r = c.getresponse()
                data = r.read()
            except (http.client.HTTPException, OSError):
                self.local.c = None
                continue
            if r.status == 429 or r.status >= 500:
                time.sleep(0.25 * 2**attempt)
                continue
            return r.status, data
        raise RuntimeError(f"{method} {path}: gave up")


def parallel(api, calls):
    """calls: (method, path, body, accept) tuples; returns the statuses."""
    q = queue.Queue()
    for c in calls:
        q.put(c)
    statuses = []
    lock = threading.Lock()

    def worker():
        while True:
            try:
                method, path, body, accept = q.get_nowait()
            except queue.Empty:
                return
            status, data = api.call(method, path, body, accept)
            with lock:
                statuses.append(status)
                if status >= 300 and len(statuses) < 3:
                    print(f"  {method} {path}: {status} {data[:300]!r}", file=sys.stderr)

    threads = [threading.Thread(target=worker) for _ in range(IN_FLIGHT)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


def compact(report):
    """The summary without its zero counts."""
    r = copy.deepcopy(report)
    r["summary"] = {k: v for k, v in r.get("summary", {}).items() if v}
    return r


# name -> (query, accept, body transform)
VARIANTS = {
    "warn": ("", "application/json", None),  # the server's default (Warn)
    "strict": ("&fieldValidation=Strict", "application/json", None),  # kubectl's default
    "ignore": ("&fieldValidation=Ignore", "application/json", None),
    "ignore-meta": ("&fieldValidation=Ignore", METADATA, None),
    "ignore-meta-compact": ("&fieldValidation=Ignore", METADATA, compact),
    "no-owner": ("&fieldValidation=Ignore", METADATA, "no-owner"),
    "no-results": ("&fieldValidation=Ignore", METADATA, "no-results"),
}


def run(api, pids, template, count, variant):
    query, accept, transform = VARIANTS[variant]
    suffix = "".join(random.choices(string.ascii_lowercase, k=5))
    ns = f"report-writes-{variant}-{suffix}"
    status, _ = api.call("POST", "/api/v1/namespaces",
                         json.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}).encode())
    assert status == 201, status
    cms = [("POST", f"/api/v1/namespaces/{ns}/configmaps",
            json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"o-{i}"}}).encode(), "application/json")
           for i in range(count)]
    parallel(api, cms)
    # The owners' uids.
    status, data = api.call("GET", f"/api/v1/namespaces/{ns}/configmaps")
    uids = {i["metadata"]["name"]: i["metadata"]["uid"] for i in json.loads(data)["items"]}
    group_version = template["apiVersion"]
    plural = {"Report": "reports", "PolicyReport": "policyreports"}[template["kind"]]
    bodies = []
    for i in range(count):
        r = copy.deepcopy(template)
        uid = uids[f"o-{i}"]
        r["metadata"]["name"] = f"honban-{uid}"
        r["metadata"]["namespace"] = ns
        r["metadata"]["ownerReferences"] = [{"apiVersion": "v1", "kind": "ConfigMap", "name": f"o-{i}", "uid": uid}]
        r["scope"] = {"apiVersion": "v1", "kind": "ConfigMap", "name": f"o-{i}", "namespace": ns, "uid": uid}
        if transform == "no-owner":
            del r["metadata"]["ownerReferences"]
        elif transform == "no-results":
            r["results"] = []
            r["summary"] = {}
        elif transform:
            r = transform(r)
        body = json.dumps(r, separators=(",", ":")).encode()
        bodies.append(("POST", f"/apis/{group_version}/namespaces/{ns}/{plural}?fieldManager=honban-audit{query}", body, accept))
    time.sleep(3)  # let the owners' creation settle
    before = {n: cpu(p) for n, p in pids.items()}
    t0 = time.monotonic()
    statuses = parallel(api, bodies)
    wall = time.monotonic() - t0
    time.sleep(2)  # the watchers' and the garbage collector's share
    after = {n: cpu(p) for n, p in pids.items()}
    span = time.monotonic() - t0
    created = sum(1 for s in statuses if s == 201)
    size = sum(len(b[2]) for b in bodies) / len(bodies)
    return ns, created, wall, span, size, {n: after[n] - before[n] for n in pids}


def replay(api, pids, path):
    calls = []
    for line in open(path):
        r = json.loads(line)
        group, version = r["apiVersion"].split("/")
        plural = r["kind"].lower() + "s"
        ns = r["metadata"].get("namespace")
        where = f"namespaces/{ns}/" if ns else ""
        calls.append(("POST", f"/apis/{group}/{version}/{where}{plural}?fieldManager=honban-audit",
                      line.strip().encode(), "application/json"))
    before = {n: cpu(p) for n, p in pids.items()}
    t0 = time.monotonic()
    statuses = parallel(api, calls)
    wall = time.monotonic() - t0
    time.sleep(2)
    used = {n: cpu(p) - before[n] for n, p in pids.items()}
    created = sum(1 for s in statuses if s == 201)
    size = sum(len(c[2]) for c in calls) / max(len(calls), 1)
    print(f"replay: {created} of {len(calls)} created ({size:.0f} B average) in {wall:.2f} s; CPU s: "
          + ", ".join(f"{n} {v:.2f}" for n, v in used.items())
          + f"; load average {open('/proc/loadavg').read().split()[0]}")


def main():
    if sys.argv[1] == "--replay":
        e, allpids = env()
        pids = {n: allpids[n] for n in ("kube-apiserver", "etcd", "kube-controller-manager") if n in allpids}
        replay(Api(e["APISERVER_URL"], e["ADMIN_TOKEN"]), pids, sys.argv[2])
        return
    template = json.load(open(sys.argv[1]))
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    variants = sys.argv[3:] or list(VARIANTS)
    e, allpids = env()
    pids = {n: allpids[n] for n in ("kube-apiserver", "etcd", "kube-controller-manager") if n in allpids}
    api = Api(e["APISERVER_URL"], e["ADMIN_TOKEN"])
    # Idle rate of each process, subtracted below.
    before = {n: cpu(p) for n, p in pids.items()}
    time.sleep(5)
    idle = {n: (cpu(p) - before[n]) / 5 for n, p in pids.items()}
    print(f"idle CPU s/s: " + ", ".join(f"{n} {v:.3f}" for n, v in idle.items()), flush=True)
    print(f"{'variant':<22}{'created':>8}{'body B':>8}{'wall s':>8}{'apiserver ms':>14}{'etcd ms':>9}{'kcm ms':>8}   (CPU per create)", flush=True)
    for v in variants:
        ns, created, wall, span, size, used = run(api, pids, template, count, v)
        per = {n: 1000 * (used[n] - idle[n] * span) / max(created, 1) for n in used}
        print(f"{v:<22}{created:>8}{size:>8.0f}{wall:>8.2f}{per.get('kube-apiserver', 0):>14.2f}"
              f"{per.get('etcd', 0):>9.2f}{per.get('kube-controller-manager', 0):>8.2f}", flush=True)
        api.call("DELETE", f"/api/v1/namespaces/{ns}")
        # Wait for the namespace to go, so its deletion does not count in the next variant.
        for _ in range(240):
            status, _ = api.call("GET", f"/api/v1/namespaces/{ns}")
            if status == 404:
                break
            time.sleep(1)


if __name__ == "__main__":
    main()
