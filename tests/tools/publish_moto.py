"""moto's server and AWS fixtures for kubectl publish's tests (and the KMS
key of rotate-secret's --from-sops test).

  publish_moto.py serve
      Starts moto's server on a free loopback port, prints the port, and
      serves until its standard input closes (so it ends with the test).
  publish_moto.py FIXTURE JSON_ARGS
      Creates a fixture through boto3 against AWS_ENDPOINT_URL and prints
      the result as JSON. Fixtures: cert, private_cert, zone, record,
      network, load_balancer, kms_key.
"""

import datetime
import json
import os
import sys
import threading
import time


def serve():
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    app = DomainDispatcherApplication(create_backend_app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(server.server_port, flush=True)

    def watch_stdin():
        sys.stdin.read()
        server.shutdown()

    threading.Thread(target=watch_stdin, daemon=True).start()
    server.serve_forever()


def client(service):
    import boto3

    return boto3.client(
        service,
        endpoint_url=os.environ["AWS_ENDPOINT_URL"],
        region_name=os.environ.get("AWS_REGION", "us-east-1"),
    )


def self_signed(names, lifetime, key_type):
    """A self-signed certificate valid from a day ago for `lifetime`
    (a timedelta) from now; returns (cert PEM, key PEM, not_after)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import NameOID

    if key_type == "ec":
        key = ec.generate_private_key(ec.SECP256R1())
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    # Taken after the (slow) key generation, so a short lifetime is not spent on it.
    now = datetime.datetime.now(datetime.timezone.utc)
    not_after = now + lifetime
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(not_after)
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in names]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return pem, key_pem, not_after


def cert(args):
    """Imports a certificate for args["names"] valid for args["days"] days,
    or for args["seconds"] seconds, then waits until it has expired (ACM
    refuses to import an expired certificate, so this is how one is made)."""
    seconds = args.get("seconds")
    if seconds is None:
        lifetime = datetime.timedelta(days=args.get("days", 365))
        pem, key, _ = self_signed(args["names"], lifetime, args.get("key", "rsa"))
        return {"arn": client("acm").import_certificate(Certificate=pem, PrivateKey=key)["CertificateArn"]}
    for attempt in range(4):
        pem, key, not_after = self_signed(
            args["names"], datetime.timedelta(seconds=seconds * 2**attempt), args.get("key", "rsa")
        )
        try:
            arn = client("acm").import_certificate(Certificate=pem, PrivateKey=key)["CertificateArn"]
        except Exception as e:  # expired before the import on a slow machine: longer
            if "expired" in str(e):
                continue
            raise
        wait = (not_after - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
        time.sleep(max(0.0, wait) + 1.2)
        return {"arn": arn}
    raise SystemExit("could not import a short-lived certificate")


def private_cert(args):
    """A certificate issued by a (pretend) private CA: type PRIVATE, ISSUED."""
    arn = client("acm").request_certificate(
        DomainName=args["names"][0],
        SubjectAlternativeNames=args["names"],
        CertificateAuthorityArn="arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/honban-test",
    )["CertificateArn"]
    return {"arn": arn}


def zone(args):
    r53 = client("route53")
    z = r53.create_hosted_zone(Name=args["name"], CallerReference=str(time.time()))
    return {"id": z["HostedZone"]["Id"].split("/")[-1]}


def record(args):
    """An ALIAS A record to a load balancer, and external-dns's owner TXT."""
    r53 = client("route53")
    changes = [
        {
            "Action": "UPSERT",
            "ResourceRecordSet": {
                "Name": args["name"],
                "Type": "A",
                "AliasTarget": {
                    "HostedZoneId": "Z35SXDOTRQ7X7K",
                    "DNSName": args["target"],
                    "EvaluateTargetHealth": True,
                },
            },
        }
    ]
    if args.get("owner"):
        changes.append(
            {
                "Action": "UPSERT",
                "ResourceRecordSet": {
                    "Name": "a-" + args["name"],
                    "Type": "TXT",
                    "TTL": 300,
                    "ResourceRecords": [
                        {
                            "Value": '"heritage=external-dns,external-dns/owner=%s,external-dns/resource=%s"'
                            % (args["owner"], args.get("resource", "ingress/default/web"))
                        }
                    ],
                },
            }
        )
    client("route53").change_resource_record_sets(
        HostedZoneId=args["zone"], ChangeBatch={"Changes": changes}
    )
    return {}


def network(args):
    """A VPC with one subnet per zone; args["tagged"] lists the zones whose
    subnet carries kubernetes.io/role/elb=1."""
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = {}
    for i, z in enumerate(args.get("zones", ["us-east-1a", "us-east-1b", "us-east-1c"])):
        s = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.%d.0/24" % i, AvailabilityZone=z)[
            "Subnet"
        ]["SubnetId"]
        ec2.modify_subnet_attribute(SubnetId=s, MapPublicIpOnLaunch={"Value": True})
        if z in args.get("tagged", []):
            ec2.create_tags(
                Resources=[s], Tags=[{"Key": "kubernetes.io/role/elb", "Value": "1"}]
            )
        subnets[z] = s
    return {"vpc": vpc, "subnets": subnets}


def load_balancer(args):
    """An ALB with one ip target group, args["targets"] registered targets."""
    net = network({"zones": ["us-east-1a", "us-east-1b"], "tagged": ["us-east-1a", "us-east-1b"]})
    elb = client("elbv2")
    lb = elb.create_load_balancer(
        Name=args.get("name", "k8s-shop-web"),
        Subnets=list(net["subnets"].values()),
        Scheme="internet-facing",
        Type="application",
    )["LoadBalancers"][0]
    tg = elb.create_target_group(
        Name="k8s-shop-web-tg",
        Protocol="HTTP",
        Port=8080,
        VpcId=net["vpc"],
        TargetType="ip",
    )["TargetGroups"][0]
    elb.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="HTTP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
    )
    targets = [{"Id": "10.20.0.%d" % (10 + i), "Port": 8080} for i in range(args.get("targets", 2))]
    if targets:
        elb.register_targets(TargetGroupArn=tg["TargetGroupArn"], Targets=targets)
    return {"dns": lb["DNSName"], "arn": lb["LoadBalancerArn"], "vpc": net["vpc"]}


def kms_key(args):
    """A symmetric KMS key."""
    return {"arn": client("kms").create_key(**args)["KeyMetadata"]["Arn"]}


FIXTURES = {
    f.__name__: f
    for f in [cert, private_cert, zone, record, network, load_balancer, kms_key]
}

if __name__ == "__main__":
    if sys.argv[1:] == ["serve"]:
        serve()
    else:
        print(json.dumps(FIXTURES[sys.argv[1]](json.loads(sys.argv[2]))))
