#!/usr/bin/env python3
"""Tries, as an attacker would, every hole the 2026-11-29 security review found (issue 9) against a running
KmsService started with seed.yaml in Production (run.sh does that). Prints one line per attempt, CLOSED when the
service refuses it as it must, OPEN when the attack works; exits non-zero if any is open.

    python3 attack.py http://127.0.0.1:PORT
"""
import datetime
import hashlib
import hmac
import json
import sys
import time
import urllib.error
import urllib.request

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

ENDPOINT = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080"
OWNER, OUTSIDER = "111122223333", "444455556666"
ADMIN = ("AKIAOWNERADMIN000001", "owner-admin-secret-000000000000000000")
ACME = ("AKIAOWNERACME0000001", "owner-acme-secret-0000000000000000000")
MALLORY = ("AKIAMALLORY000000001", "mallory-secret-000000000000000000000")
RESET = ("AKIAOWNERRESET000001", "owner-reset-secret-000000000000000000")
open_holes = []


def client(creds, region="us-east-1"):
    return boto3.client("kms", endpoint_url=ENDPOINT, region_name=region, aws_access_key_id=creds[0],
                        aws_secret_access_key=creds[1],
                        config=boto3.session.Config(retries={"max_attempts": 1}))


def report(hole, attempt, closed, detail):
    print(f"{'CLOSED' if closed else 'OPEN  '} [{hole}] {attempt}: {detail}")
    if not closed:
        open_holes.append(f"{hole}: {attempt}")


def must_fail(hole, attempt, call):
    try:
        call()
        report(hole, attempt, False, "succeeded")
    except ClientError as e:
        report(hole, attempt, True, e.response["Error"]["Code"])


admin, acme, mallory = client(ADMIN), client(ACME), client(MALLORY)


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(principal, actions, condition=None):
    s = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": actions, "Resource": "*"}
    if condition:
        s["Condition"] = condition
    return s


# 1. Cross-account administration: each key's policy gives the outsider's account kms:*; a fresh key per attempt,
# so that one attack that works does not hide the next.
def shared_key():
    key = admin.create_key(Description="shared", Policy=policy(
        allow(f"arn:aws:iam::{OWNER}:root", "kms:*"), allow(f"arn:aws:iam::{OUTSIDER}:root", "kms:*")))["KeyMetadata"]
    mallory.encrypt(KeyId=key["Arn"], Plaintext=b"use is allowed")
    return key["Arn"]


lockout = policy(allow(f"arn:aws:iam::{OUTSIDER}:root", "kms:*"))
for attempt, attack in [
    ("PutKeyPolicy locking the owner out", lambda k: mallory.put_key_policy(
        KeyId=k, PolicyName="default", Policy=lockout, BypassPolicyLockoutSafetyCheck=True)),
    ("ScheduleKeyDeletion", lambda k: mallory.schedule_key_deletion(KeyId=k, PendingWindowInDays=7)),
    ("DisableKey", lambda k: mallory.disable_key(KeyId=k)),
    ("TagResource", lambda k: mallory.tag_resource(KeyId=k, Tags=[{"TagKey": "x", "TagValue": "y"}])),
    ("UpdateKeyDescription", lambda k: mallory.update_key_description(KeyId=k, Description="mine")),
    ("EnableKeyRotation", lambda k: mallory.enable_key_rotation(KeyId=k)),
    ("CreateAlias in the outsider's account for the key", lambda k: mallory.create_alias(
        AliasName="alias/stolen-" + k[-8:], TargetKeyId=k)),
]:
    target = shared_key()
    must_fail(1, attempt, lambda t=target, a=attack: a(t))
    try:
        state = admin.describe_key(KeyId=target)["KeyMetadata"]
        report(1, "  the key afterwards", state["KeyState"] == "Enabled" and state["Description"] == "shared",
               f"{state['KeyState']}, description {state['Description']!r}")
    except ClientError as e:
        report(1, "  the key afterwards", False, "the owner cannot describe it: " + e.response["Error"]["Code"])
arn = shared_key()

# 2. Wildcard matching: a ~30 KB StringLike "a*a*...b" against the largest encryption context accepted.
pattern = "a*" * 15000 + "b"
slow = admin.create_key(Policy=policy(
    allow(f"arn:aws:iam::{OWNER}:root", "kms:*"),
    allow(f"arn:aws:iam::{OWNER}:root", "kms:Encrypt", {"StringLike": {"kms:EncryptionContext:k": pattern}})),
    BypassPolicyLockoutSafetyCheck=True)["KeyMetadata"]["KeyId"]
for size in (8191, 100_000):
    started = time.monotonic()
    try:
        client(ADMIN).encrypt(KeyId=slow, Plaintext=b"x", EncryptionContext={"k": "a" * size})
        outcome = "encrypted"
    except ClientError as e:
        outcome = e.response["Error"]["Code"]
    elapsed = time.monotonic() - started
    report(2, f"Encrypt with a {size}-character context under that policy", elapsed < 1.0,
           f"{outcome} in {elapsed * 1000:.0f} ms")

many = ",".join(f'"*{i % 10}?{i // 10}*"' for i in range(3300))
costly = admin.create_key(Policy=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OWNER}:user/admin"}, "Action": "kms:Encrypt",
     "Resource": "*", "Condition": {"ForAnyValue:StringLike": {"kms:EncryptionContextKeys": "PLACEHOLDER"}}},
    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OWNER}:user/admin"}, "NotAction": "kms:Encrypt",
     "Resource": "*"}]}).replace('"PLACEHOLDER"', f"[{many}]"))["KeyMetadata"]["KeyId"]
keys = {chr(ord("a") + i % 26) * (1 + i // 26) + "x" * 124: "" for i in range(64)}
started = time.monotonic()
try:
    client(ADMIN).encrypt(KeyId=costly, Plaintext=b"x", EncryptionContext=keys)
    outcome = "encrypted"
except ClientError as e:
    outcome = e.response["Error"]["Code"]
elapsed = time.monotonic() - started
report(2, "Encrypt under 3,300 wildcard values with 64 long context keys", elapsed < 1.0,
       f"{outcome} in {elapsed * 1000:.0f} ms")

# 3. The reset endpoint.
def post_reset(headers=None, data=None, sign_with=None):
    request = AWSRequest(method="POST", url=f"{ENDPOINT}/_kms/reset", data=data or b"{}",
                         headers=headers or {"Content-Type": "application/json"})
    if sign_with:
        SigV4Auth(Credentials(*sign_with), "kms", "us-east-1").add_auth(request)
    try:
        with urllib.request.urlopen(urllib.request.Request(request.url, data=request.body,
                                                           headers=dict(request.headers), method="POST")) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


probe = admin.create_key(Description="must survive")["KeyMetadata"]["KeyId"]
status, _ = post_reset()
report(3, "anonymous POST /_kms/reset", status != 200, f"HTTP {status}")
status, _ = post_reset(headers={"Content-Type": "application/x-www-form-urlencoded",
                                "Origin": "https://evil.example"}, data=b"a=1")
report(3, "cross-site form POST /_kms/reset", status != 200, f"HTTP {status}")
status, _ = post_reset(sign_with=MALLORY)
report(3, "POST /_kms/reset signed by a principal not allowed to reset", status != 200, f"HTTP {status}")
try:
    admin.describe_key(KeyId=probe)
    report(3, "keys after the refused resets", True, "still there")
except ClientError as e:
    report(3, "keys after the refused resets", False, e.response["Error"]["Code"])

# 4. Encryption-context keys differing only in case.
limited = admin.create_key(Policy=policy(
    allow(f"arn:aws:iam::{OWNER}:root", "kms:*"),
    allow(f"arn:aws:iam::{OWNER}:role/tenant-acme", "kms:Encrypt",
          {"StringEquals": {"kms:EncryptionContext:tenant": "acme"}})))["KeyMetadata"]["KeyId"]
acme.encrypt(KeyId=limited, Plaintext=b"x", EncryptionContext={"tenant": "acme"})
must_fail(4, "tenant=acme role encrypts with {'tenant': 'globex'}", lambda: acme.encrypt(
    KeyId=limited, Plaintext=b"x", EncryptionContext={"tenant": "globex"}))
for context in ({"tenant": "globex", "Tenant": "acme"}, {"Tenant": "acme", "tenant": "globex"}):
    must_fail(4, f"tenant=acme role encrypts with {context}", lambda c=context: acme.encrypt(
        KeyId=limited, Plaintext=b"x", EncryptionContext=c))


# 6. SigV4 completeness, with hand-signed requests.
def send(target, body, creds, signed=None, extra=None, region="us-east-1", after_signing=None):
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": f"TrentService.{target}"}
    headers.update(extra or {})
    request = AWSRequest(method="POST", url=ENDPOINT + "/", data=json.dumps(body).encode(), headers=headers)

    class Only(SigV4Auth):
        def headers_to_sign(self, r):
            h = super().headers_to_sign(r)
            if signed is not None:
                for name in list(h.keys()):
                    if name.lower() not in signed:
                        del h[name]
            return h

    Only(Credentials(*creds), "kms", region).add_auth(request)
    for name, value in (after_signing or {}).items():
        request.headers.replace_header(name, value) if name in request.headers else request.headers.add_header(name, value)
    try:
        with urllib.request.urlopen(urllib.request.Request(request.url, data=request.body,
                                                           headers=dict(request.headers), method="POST")) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


victim = admin.create_key(Description="replay victim")["KeyMetadata"]["KeyId"]
status, body = send("DescribeKey", {"KeyId": victim}, ADMIN, signed={"host"},
                    after_signing={"X-Amz-Target": "TrentService.DisableKey"})
report(6, "DescribeKey signed with SignedHeaders=host, replayed as DisableKey", status != 200,
       f"HTTP {status} {body.get('__type', '')}")
victim_state = admin.describe_key(KeyId=victim)["KeyMetadata"]["KeyState"]
report(6, "  the victim key afterwards", victim_state == "Enabled", victim_state)
status, body = send("ListKeys", {}, ADMIN, extra={"X-Amz-Security-Token": "forged-session-token"})
report(6, "long-term access key with an X-Amz-Security-Token", body.get("__type") == "UnrecognizedClientException",
       f"HTTP {status} {body.get('__type', 'ok')}")
status, body = send("CreateKey", {}, ADMIN, region=f"us-east-1:{OUTSIDER}")
report(6, "credential scope region 'us-east-1:444455556666'", status != 200, f"HTTP {status} {body.get('__type', '')}")
must_fail(6, "a key ARN of the aws-cn partition", lambda: admin.describe_key(
    KeyId=arn.replace("arn:aws:", "arn:aws-cn:")))

# 7. No side effects before authorization: another account's AWS managed key.
ebs = f"arn:aws:kms:us-east-1:{OWNER}:alias/aws/ebs"
must_fail(7, "DescribeKey of the owner's alias/aws/ebs by the outsider", lambda: mallory.describe_key(KeyId=ebs))
aliases = admin.list_aliases(Limit=100)["Aliases"]
created = [a for a in aliases if a["AliasName"] == "alias/aws/ebs" and a.get("TargetKeyId")]
report(7, "  the owner's AWS managed key afterwards", not created, "created" if created else "not created")

print()
if open_holes:
    print(f"{len(open_holes)} hole(s) open")
    sys.exit(1)
print("every hole closed")
