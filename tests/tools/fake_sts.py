"""A tiny stand-in for the STS API, for aws-token's role and MFA tests.

Answers AssumeRole and GetCallerIdentity in STS's query protocol over plain
HTTP on 127.0.0.1, and appends every request (action, signing access key and
parameters) as a JSON line to a log file, so a test can see exactly what the
plugin asked for. Roles whose ARN ends in "-mfa" require SerialNumber and
TokenCode, as an IAM trust policy with aws:MultiFactorAuthPresent would.
Credentials it hands out carry the session name in their access key, so a test
can tell which call produced a token.

Usage: python fake_sts.py --log FILE --port-file FILE. Prints nothing; writes
the chosen port to --port-file once it listens.
"""

import argparse
import datetime
import hashlib
import json
import os
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

NS = "https://sts.amazonaws.com/doc/2011-06-15/"


def xml_escape(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


class Handler(BaseHTTPRequestHandler):
    log_path = ""

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, code, message):
        self.reply(status, f'<ErrorResponse xmlns="{NS}"><Error><Type>Sender</Type>'
                   f"<Code>{code}</Code><Message>{xml_escape(message)}</Message></Error>"
                   "<RequestId>fake</RequestId></ErrorResponse>")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        params = dict(parse_qsl(self.rfile.read(length).decode()))
        auth = self.headers.get("Authorization", "")
        m = re.search(r"Credential=([^/]+)/", auth)
        signer = m.group(1) if m else None
        action = params.get("Action")
        with open(self.log_path, "a") as f:
            f.write(json.dumps({"action": action, "signer": signer, "params": params}) + "\n")
        if not signer:
            return self.error(403, "MissingAuthenticationToken", "request is not signed")
        if action == "GetCallerIdentity":
            # Keys named ...ROLE... act as an assumed role with session "alice".
            user_id = "AROAFAKEROLE:alice" if "ROLE" in signer else "AIDAFAKEUSER"
            arn = ("arn:aws:sts::000000000000:assumed-role/base/alice" if "ROLE" in signer
                   else "arn:aws:iam::000000000000:user/base")
            return self.reply(200, f'<GetCallerIdentityResponse xmlns="{NS}"><GetCallerIdentityResult>'
                              f"<UserId>{user_id}</UserId><Account>000000000000</Account><Arn>{arn}</Arn>"
                              "</GetCallerIdentityResult><ResponseMetadata><RequestId>fake</RequestId>"
                              "</ResponseMetadata></GetCallerIdentityResponse>")
        if action == "AssumeRole":
            role = params.get("RoleArn", "")
            session = params.get("RoleSessionName", "")
            if not role or not session:
                return self.error(400, "ValidationError", "RoleArn and RoleSessionName are required")
            if role.endswith("-mfa") and not (params.get("SerialNumber") and params.get("TokenCode")):
                return self.error(403, "AccessDenied", "MultiFactorAuthentication required")
            duration = int(params.get("DurationSeconds", "3600"))
            expires = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=duration))
            digest = hashlib.sha256(f"{role}/{session}/{os.urandom(8).hex()}".encode()).hexdigest()
            akid = "ASIDFAKE" + re.sub(r"[^A-Z0-9]", "", session.upper())[:8] + digest[:4].upper()
            return self.reply(200, f'<AssumeRoleResponse xmlns="{NS}"><AssumeRoleResult><Credentials>'
                              f"<AccessKeyId>{akid}</AccessKeyId>"
                              f"<SecretAccessKey>secret-{digest[:16]}</SecretAccessKey>"
                              f"<SessionToken>session-{digest[16:32]}</SessionToken>"
                              f"<Expiration>{expires.strftime('%Y-%m-%dT%H:%M:%SZ')}</Expiration>"
                              "</Credentials><AssumedRoleUser>"
                              f"<AssumedRoleId>AROAFAKE:{xml_escape(session)}</AssumedRoleId>"
                              f"<Arn>{xml_escape(role)}/{xml_escape(session)}</Arn></AssumedRoleUser>"
                              "</AssumeRoleResult><ResponseMetadata><RequestId>fake</RequestId>"
                              "</ResponseMetadata></AssumeRoleResponse>")
        return self.error(400, "InvalidAction", f"unsupported action {action}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file", required=True)
    args = ap.parse_args()
    Handler.log_path = args.log
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
