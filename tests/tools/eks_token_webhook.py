"""A test-only EKS token authenticator for testenv's kube-apiserver.

kube-apiserver sends each bearer token it cannot authenticate itself (static
tokens and service accounts come first) to this webhook as a TokenReview. The
webhook does what EKS's authenticator does, except that instead of replaying
the URL to STS it re-signs it with botocore, knowing the secret of a few test
identities:

1. the verifier's rules: size, prefix, unpadded base64url, https, path "/",
   an STS host of the token's region (the global host only in partition aws),
   whitelisted query keys without duplicates, Action=GetCallerIdentity,
   x-k8s-aws-id among the signed headers, X-Amz-Expires within 0..900, and no
   later than 15 minutes after X-Amz-Date;
2. the signature, re-computed by botocore at the token's X-Amz-Date with this
   cluster's id in x-k8s-aws-id: a token for another cluster, or altered, fails;
3. the access key id maps to a Kubernetes user.

Identities come from a JSON file: {"AKID": {"secret": ..., "username": ...,
"groups": [...]}}. Run: python eks_token_webhook.py --port P --cluster-id ID
--identities FILE. GET /healthz answers "ok".
"""

import argparse
import base64
import binascii
import datetime
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock
from urllib.parse import parse_qsl, urlsplit

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

PREFIX = "k8s-aws-v1."
HEADER = "x-k8s-aws-id"
ALLOWED = {
    "action", "version", "x-amz-algorithm", "x-amz-credential", "x-amz-date",
    "x-amz-expires", "x-amz-security-token", "x-amz-signature", "x-amz-signedheaders",
}
PARTITIONS = [
    # (region prefix, dns suffix, dual-stack suffix); "aws" is the fallback.
    ("cn-", "amazonaws.com.cn", "api.amazonwebservices.com.cn"),
    ("us-gov-", "amazonaws.com", "api.aws"),
    ("us-isob-", "sc2s.sgov.gov", "api.aws.scloud"),
    ("us-isof-", "csp.hci.ic.gov", "api.aws.hci.ic.gov"),
    ("us-iso-", "c2s.ic.gov", "api.aws.ic.gov"),
    ("eu-isoe-", "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk"),
    ("eusc-", "amazonaws.eu", "api.amazonwebservices.eu"),
]


class Rejected(Exception):
    pass


def sts_hosts(region):
    dns, dual, partition_aws = "amazonaws.com", "api.aws", True
    for prefix, d, ds in PARTITIONS:
        if region.startswith(prefix):
            dns, dual, partition_aws = d, ds, False
            break
    hosts = {f"sts.{region}.{dns}", f"sts-fips.{region}.{dns}",
             f"sts.{region}.{dual}", f"sts-fips.{region}.{dual}"}
    if partition_aws and region == "us-east-1":
        hosts.add("sts.amazonaws.com")
    return hosts


def check_rules(token, now):
    if len(token) > 4096:
        raise Rejected("token too long")
    if not token.startswith(PREFIX):
        raise Rejected("missing k8s-aws-v1. prefix")
    body = token[len(PREFIX):]
    if "=" in body:
        raise Rejected("padded base64")
    try:
        url = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise Rejected("not base64url")
    parts = urlsplit(url)
    if parts.scheme != "https" or parts.path != "/":
        raise Rejected("not an https URL with path /")
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    seen = set()
    for key, _ in pairs:
        low = key.lower()
        if low not in ALLOWED:
            raise Rejected(f"query parameter {key} not allowed")
        if low in seen:
            raise Rejected(f"query parameter {key} repeated")
        seen.add(low)
    params = dict(pairs)
    if params.get("Action") != "GetCallerIdentity":
        raise Rejected("Action is not GetCallerIdentity")
    scope = params.get("X-Amz-Credential", "").split("/")
    if len(scope) != 5 or scope[3] != "sts" or scope[4] != "aws4_request":
        raise Rejected("bad credential scope")
    region = scope[2]
    if parts.netloc not in sts_hosts(region):
        raise Rejected(f"host {parts.netloc} not allowed for {region}")
    if HEADER not in params.get("X-Amz-SignedHeaders", "").split(";"):
        raise Rejected("x-k8s-aws-id not signed")
    try:
        expires = int(params.get("X-Amz-Expires", ""))
    except ValueError:
        raise Rejected("bad X-Amz-Expires")
    if not 0 <= expires <= 900:
        raise Rejected("X-Amz-Expires out of range")
    try:
        signed_at = datetime.datetime.strptime(params["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    except (KeyError, ValueError):
        raise Rejected("bad X-Amz-Date")
    epoch = (signed_at - datetime.datetime(1970, 1, 1)).total_seconds()
    if now > epoch + 15 * 60:
        raise Rejected("expired")
    return parts.netloc, region, scope[0], signed_at, expires, params


def botocore_signature(host, region, akid, secret, session, signed_at, expires, cluster):
    creds = Credentials(akid, secret, session)
    auth = botocore.auth.SigV4QueryAuth(creds, "sts", region, expires=expires)
    request = AWSRequest(
        method="GET",
        url=f"https://{host}/",
        params={"Action": "GetCallerIdentity", "Version": "2011-06-15"},
        headers={HEADER: cluster},
    )
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=signed_at):
        auth.add_auth(request)
    prepared = request.prepare()
    return dict(parse_qsl(urlsplit(prepared.url).query)).get("X-Amz-Signature")


class Handler(BaseHTTPRequestHandler):
    cluster_id = ""
    identities = {}

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        body = b"ok" if self.path.startswith("/healthz") else b"not found"
        self.send_response(200 if body == b"ok" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        try:
            review = json.loads(self.rfile.read(length))
        except ValueError:
            self.send_error(400, "not JSON")
            return
        token = (review.get("spec") or {}).get("token", "")
        status = self.review(token)
        answer = {
            "apiVersion": review.get("apiVersion", "authentication.k8s.io/v1"),
            "kind": "TokenReview",
            "status": status,
        }
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def review(self, token):
        try:
            host, region, akid, signed_at, expires, params = check_rules(token, time.time())
            identity = self.identities.get(akid)
            if identity is None:
                raise Rejected(f"unknown access key {akid}")
            expected = botocore_signature(
                host, region, akid, identity["secret"], params.get("X-Amz-Security-Token"),
                signed_at, expires, self.cluster_id,
            )
            if expected != params.get("X-Amz-Signature"):
                raise Rejected("signature does not match (altered, or for another cluster)")
        except Rejected as e:
            # Never log the token itself.
            print(f"rejected: {e}", file=sys.stderr, flush=True)
            return {"authenticated": False, "error": str(e)}
        print(f"authenticated {akid} as {identity['username']}", file=sys.stderr, flush=True)
        return {
            "authenticated": True,
            "user": {
                "username": identity["username"],
                "uid": f"aws-iam-authenticator:{akid}",
                "groups": identity.get("groups", []),
                "extra": {"accessKeyId": [akid]},
            },
        }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cluster-id", required=True)
    ap.add_argument("--identities", required=True)
    args = ap.parse_args()
    with open(args.identities) as f:
        Handler.identities = json.load(f)
    Handler.cluster_id = args.cluster_id
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"eks token webhook on 127.0.0.1:{args.port} for cluster {args.cluster_id}", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
