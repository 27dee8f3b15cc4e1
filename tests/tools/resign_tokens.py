"""Independent check of EKS tokens: re-sign each one with botocore.

Reads a JSON list of cases on stdin. Each case has the token, the credentials
it was signed with, the cluster id, the region and endpoint switches. For each,
botocore (installed from PyPI, not vendored by awscli) presigns
GetCallerIdentity the way `aws eks get-token` does, with its clock set to the
token's own X-Amz-Date, and the two URLs are compared: same host, same query
parameters and the same signature. Prints one JSON result per case and exits
non-zero if any case differs.

`resign_tokens.py mint --cluster C --region R --at EPOCH` instead prints a
token botocore signs at the given time with the environment's credentials
(for tests that need an expired but correctly signed token).
"""

import base64
import datetime
import json
import os
import sys
from unittest import mock
from urllib.parse import parse_qsl, urlsplit

import botocore
import botocore.auth
import botocore.session
from botocore.config import Config

PREFIX = "k8s-aws-v1."
HEADER = "x-k8s-aws-id"


def decode(token):
    body = token[len(PREFIX):]
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()


def botocore_url(case, signed_at):
    env = {
        "AWS_USE_FIPS_ENDPOINT": "true" if case.get("fips") else "false",
        "AWS_USE_DUALSTACK_ENDPOINT": "true" if case.get("dualstack") else "false",
        "AWS_STS_REGIONAL_ENDPOINTS": "legacy" if case.get("legacy") else "regional",
    }
    with mock.patch.dict(os.environ, env):
        session = botocore.session.get_session()
        client = session.create_client(
            "sts",
            region_name=case["region"],
            aws_access_key_id=case["access_key_id"],
            aws_secret_access_key=case["secret_access_key"],
            aws_session_token=case.get("session_token"),
            config=Config(signature_version="v4"),
        )
    cluster = case["cluster"]

    # The same two hooks awscli's get-token registers.
    def provide_param(params, context, **kwargs):
        if HEADER in params:
            context[HEADER] = params.pop(HEADER)

    def inject_header(request, **kwargs):
        if HEADER in request.context:
            request.headers[HEADER] = request.context[HEADER]

    client.meta.events.register("provide-client-params.sts.GetCallerIdentity", provide_param)
    client.meta.events.register("before-sign.sts.GetCallerIdentity", inject_header)
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=signed_at):
        return client.generate_presigned_url(
            "get_caller_identity",
            Params={HEADER: cluster},
            ExpiresIn=60,
            HttpMethod="GET",
        )


def check(case):
    url = decode(case["token"])
    ours = urlsplit(url)
    params = dict(parse_qsl(ours.query, keep_blank_values=True))
    signed_at = datetime.datetime.strptime(params["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    theirs_url = botocore_url(case, signed_at)
    theirs = urlsplit(theirs_url)
    their_params = dict(parse_qsl(theirs.query, keep_blank_values=True))
    problems = []
    if ours.scheme != "https" or theirs.scheme != "https":
        problems.append("scheme")
    if ours.netloc != theirs.netloc:
        problems.append(f"host {ours.netloc} != botocore {theirs.netloc}")
    if ours.path != theirs.path:
        problems.append(f"path {ours.path!r} != botocore {theirs.path!r}")
    if sorted(params) != sorted(their_params):
        problems.append(f"parameters {sorted(params)} != botocore {sorted(their_params)}")
    for key in sorted(set(params) & set(their_params)):
        if params[key] != their_params[key]:
            problems.append(f"{key} differs")
    # Without a session token the URLs are byte-identical; with one only the
    # parameter order differs (aws-sigv4 puts the token after the signature).
    if not case.get("session_token") and url != theirs_url:
        problems.append("URL not byte-identical")
    return {
        "name": case.get("name", ""),
        "ok": not problems,
        "problems": problems,
        "host": ours.netloc,
        "botocore_host": theirs.netloc,
        "signature": params.get("X-Amz-Signature"),
    }


def mint(argv):
    import argparse

    ap = argparse.ArgumentParser(prog="resign_tokens.py mint")
    ap.add_argument("--cluster", required=True)
    ap.add_argument("--region", required=True)
    ap.add_argument("--at", type=int, required=True)
    args = ap.parse_args(argv)
    case = {
        "cluster": args.cluster,
        "region": args.region,
        "access_key_id": os.environ["AWS_ACCESS_KEY_ID"],
        "secret_access_key": os.environ["AWS_SECRET_ACCESS_KEY"],
        "session_token": os.environ.get("AWS_SESSION_TOKEN"),
    }
    signed_at = datetime.datetime.fromtimestamp(args.at, datetime.timezone.utc).replace(tzinfo=None)
    url = botocore_url(case, signed_at)
    print(PREFIX + base64.urlsafe_b64encode(url.encode()).decode().rstrip("="))
    return 0


def main():
    if sys.argv[1:2] == ["mint"]:
        return mint(sys.argv[2:])
    cases = json.load(sys.stdin)
    results = [check(c) for c in cases]
    print(json.dumps({"botocore": botocore.__version__, "results": results}, indent=1))
    return 0 if results and all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
