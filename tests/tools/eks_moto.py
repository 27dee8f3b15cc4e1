"""moto's EKS on loopback for kubectl aws-token setup's tests and bench.

  eks_moto.py
      Starts moto's server on a free loopback port and prints the port. Then
      reads one JSON command per line on stdin, applies it to moto's
      in-process state and prints one JSON line; it stops when stdin closes.

Commands (moto's own API cannot set a cluster's status, endpoint or CA, nor
make a region refuse, so they go straight to its backends):
  {"op": "account", "account": "111111111111"}
      -> {"key": ..., "secret": ...}: an IAM user's keys in that account;
         moto answers requests signed with them from that account.
  {"op": "cluster", "account": A, "region": R, "name": N,
   "status": "ACTIVE", "public": true, "endpoint": URL?, "ca": BASE64?,
   "ca_generation": 0}
      creates (or changes) a cluster; its CA is a base64 PEM (one per
      generation) unless given
      -> {"endpoint": ..., "ca": ...}
  {"op": "delete", "account": A, "region": R, "name": N}
  {"op": "deny", "region": R}
      every EKS request signed for R gets 403 AccessDeniedException.
  {"op": "reject", "key": K}
      every request signed with access key K fails as AWS fails unknown
      keys: EC2 401 AuthFailure, EKS 403 UnrecognizedClientException.
"""

import base64
import hashlib
import json
import re
import sys
import threading

DENIED = set()
REJECTED = set()
PEM = "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n"


def reply(start_response, status, content_type, headers, body):
    start_response(
        status,
        [("Content-Type", content_type), ("Content-Length", str(len(body)))] + headers,
    )
    return [body]


def rejected(auth, start_response):
    m = re.search(r"Credential=([^/]+)/\d+/[^/]+/([^/]+)/", auth)
    if not m or m.group(1) not in REJECTED:
        return None
    if m.group(2) == "ec2":
        body = (
            "<Response><Errors><Error><Code>AuthFailure</Code><Message>AWS was "
            "not able to validate the provided access credentials</Message>"
            "</Error></Errors><RequestID>honban-test</RequestID></Response>"
        ).encode()
        return reply(start_response, "401 Unauthorized", "text/xml", [], body)
    body = json.dumps(
        {"message": "The security token included in the request is invalid."}
    ).encode()
    headers = [("x-amzn-ErrorType", "UnrecognizedClientException")]
    return reply(start_response, "403 Forbidden", "application/json", headers, body)


def deny_middleware(app):
    def wrapped(environ, start_response):
        auth = environ.get("HTTP_AUTHORIZATION", "")
        refused = rejected(auth, start_response)
        if refused is not None:
            return refused
        m = re.search(r"Credential=[^/]+/\d+/([^/]+)/eks/", auth)
        if m and m.group(1) in DENIED:
            body = json.dumps(
                {
                    "message": "User: arn:aws:iam::123456789012:user/test is not "
                    "authorized to perform: eks:ListClusters"
                }
            ).encode()
            start_response(
                "403 Forbidden",
                [
                    ("Content-Type", "application/json"),
                    ("x-amzn-ErrorType", "AccessDeniedException"),
                    ("Content-Length", str(len(body))),
                ],
            )
            return [body]
        return app(environ, start_response)

    return wrapped


def ca_for(name, region, generation=0):
    digest = hashlib.sha256(f"{name}/{region}/{generation}".encode()).digest()
    body = base64.b64encode(digest * 3).decode()
    return base64.b64encode(PEM.format(body).encode()).decode()


def apply(cmd):
    from moto.eks.models import eks_backends
    from moto.iam.models import iam_backends

    op = cmd["op"]
    if op == "deny":
        DENIED.add(cmd["region"])
        return {}
    if op == "reject":
        REJECTED.add(cmd["key"])
        return {}
    if op == "account":
        iam = iam_backends[cmd["account"]]["aws"]
        user = f"setup-{len(iam.users)}"
        iam.create_user("us-east-1", user)
        key = iam.create_access_key(user)
        return {"key": key.access_key_id, "secret": key.secret_access_key}
    backend = eks_backends[cmd["account"]][cmd["region"]]
    name = cmd["name"]
    if op == "delete":
        backend.clusters.pop(name, None)
        return {}
    public = cmd.get("public", True)
    vpc = {
        "subnetIds": [],
        "endpointPublicAccess": public,
        "endpointPrivateAccess": not public,
    }
    cluster = backend.clusters.get(name)
    if cluster is None:
        cluster = backend.create_cluster(
            name=name,
            role_arn=f"arn:aws:iam::{cmd['account']}:role/eks",
            resources_vpc_config=vpc,
        )
    cluster.resources_vpc_config = vpc
    cluster.status = cmd.get("status", "ACTIVE")
    tag = hashlib.sha256(f"{cmd['account']}/{name}".encode()).hexdigest()[:16].upper()
    cluster.endpoint = cmd.get(
        "endpoint", f"https://{tag}.gr7.{cmd['region']}.eks.amazonaws.com"
    )
    cluster.certificate_authority = {
        "data": cmd.get("ca") or ca_for(name, cmd["region"], cmd.get("ca_generation", 0))
    }
    return {"endpoint": cluster.endpoint, "ca": cluster.certificate_authority["data"]}


def main():
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    app = deny_middleware(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(server.server_port, flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            out = apply(json.loads(line))
        except Exception as e:  # reported to the test, which fails on it
            out = {"error": repr(e)}
        print(json.dumps(out), flush=True)
    server.shutdown()


if __name__ == "__main__":
    main()
