#!/usr/bin/env python3
"""Walks through KmsService's authorization with boto3, as a new user would, and checks every outcome against what
AWS KMS documents. Start the service with seed.yaml first (run.sh does both): python3 demo.py http://localhost:8080"""
import json
import sys

import boto3
from botocore.exceptions import ClientError

ENDPOINT = sys.argv[1] if len(sys.argv) > 1 else "http://localhost:8080"
OWNER, PARTNER = "111122223333", "444455556666"
ORDERS = "alias/orders"
failures = 0


def client(access_key, secret):
    return boto3.client("kms", endpoint_url=ENDPOINT, region_name="us-east-1",
                        aws_access_key_id=access_key, aws_secret_access_key=secret)


root = client("AKIAROOT1111", "root-secret-1111")
alice = client("AKIAALICE111", "alice-secret-1111")
app = client("AKIAAPP11111", "app-secret-1111")
auditor = client("AKIAAUDIT111", "auditor-secret-1111")
mallory = client("AKIAMALLORY1", "mallory-secret-1111")
partner = client("AKIAPARTNER4", "partner-secret-4444")


def expect(what, call, error=None, says=None):
    """Runs call(); error=None expects success, else the error code (and a message fragment)."""
    global failures
    try:
        result = call()
        outcome, message = "allowed", ""
    except ClientError as e:
        result = None
        outcome, message = e.response["Error"]["Code"], e.response["Error"].get("Message", "")
    wanted = error or "allowed"
    ok = outcome == wanted and (says is None or says in message)
    failures += 0 if ok else 1
    print(f"{'ok  ' if ok else 'FAIL'} {what}: {outcome}{(' - ' + message) if message else ''}")
    if not ok:
        print(f"     expected {wanted}{(' saying ' + repr(says)) if says else ''}")
    return result


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(principal, actions, condition=None, sid=None):
    s = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": actions, "Resource": "*"}
    if condition:
        s["Condition"] = condition
    if sid:
        s["Sid"] = sid
    return s


ACCOUNT_ROOT = f"arn:aws:iam::{OWNER}:root"
ALICE = f"arn:aws:iam::{OWNER}:user/alice"
APP = f"arn:aws:iam::{OWNER}:role/app"
MALLORY = f"arn:aws:iam::{OWNER}:user/mallory"

print("== 1. The default key policy delegates to identity policies")
key = alice.create_key(Description="created by alice")["KeyMetadata"]["KeyId"]
blob = expect("app encrypts (its identity policy allows)",
              lambda: app.encrypt(KeyId=key, Plaintext=b"hello"))["CiphertextBlob"]
expect("app decrypts", lambda: app.decrypt(CiphertextBlob=blob))
expect("app disables the key (no identity policy allows it)", lambda: app.disable_key(KeyId=key),
       "AccessDeniedException", "because no identity-based policy allows the kms:DisableKey action")
expect("auditor reads the key policy", lambda: auditor.get_key_policy(KeyId=key, PolicyName="default"))
expect("auditor encrypts", lambda: auditor.encrypt(KeyId=key, Plaintext=b"x"),
       "AccessDeniedException", "is not authorized to perform: kms:Encrypt")
expect("mallory encrypts", lambda: mallory.encrypt(KeyId=key, Plaintext=b"x"))
expect("mallory decrypts (explicit deny in her identity policy)", lambda: mallory.decrypt(CiphertextBlob=blob),
       "AccessDeniedException", "with an explicit deny in an identity-based policy")
expect("the account root, with no identity policy, disables and enables the key",
       lambda: (root.disable_key(KeyId=key), root.enable_key(KeyId=key)))
expect("partner (other account) encrypts: the key policy does not name its account",
       lambda: partner.encrypt(KeyId=f"arn:aws:kms:us-east-1:{OWNER}:key/{key}", Plaintext=b"x"),
       "AccessDeniedException", "because no resource-based policy allows the kms:Encrypt action")
expect("app creates a key (not tied to a key: identity policy alone decides)", lambda: app.create_key(),
       "AccessDeniedException", "on resource: * because no identity-based policy allows the kms:CreateKey action")

print("== 2. Cross-account use needs the key policy and the caller's identity policy")
orders_arn = alice.describe_key(KeyId=ORDERS)["KeyMetadata"]["Arn"]
acme = {"tenant": "acme"}
blob = expect("partner encrypts for tenant acme",
              lambda: partner.encrypt(KeyId=orders_arn, Plaintext=b"order", EncryptionContext=acme))["CiphertextBlob"]
expect("partner decrypts for tenant acme", lambda: partner.decrypt(CiphertextBlob=blob, EncryptionContext=acme))
expect("partner encrypts for tenant globex", lambda: partner.encrypt(
    KeyId=orders_arn, Plaintext=b"order", EncryptionContext={"tenant": "globex"}), "AccessDeniedException")
expect("partner describes the key (the key policy does not allow it)",
       lambda: partner.describe_key(KeyId=orders_arn), "AccessDeniedException")
expect("partner names the key by bare id (other accounts' keys need an ARN)",
       lambda: partner.encrypt(KeyId=orders_arn.split("/")[-1], Plaintext=b"x", EncryptionContext=acme),
       "NotFoundException")

print("== 3. A custom key policy with an encryption-context condition")
expect("alice puts a policy: alice administers, app only for tenant acme", lambda: alice.put_key_policy(
    KeyId=key, PolicyName="default", Policy=policy(
        allow(ALICE, "kms:*", sid="Admin"),
        allow(APP, ["kms:Encrypt", "kms:Decrypt"], {"StringEquals": {"kms:EncryptionContext:tenant": "acme"}}, "App"))))
expect("app encrypts for tenant acme", lambda: app.encrypt(KeyId=key, Plaintext=b"x", EncryptionContext=acme))
expect("app encrypts with no context", lambda: app.encrypt(KeyId=key, Plaintext=b"x"),
       "AccessDeniedException", "because no resource-based policy allows the kms:Encrypt action")
expect("the account root is no longer named, so it is denied like anyone",
       lambda: root.describe_key(KeyId=key), "AccessDeniedException")

print("== 4. An explicit deny in the key policy beats any allow")
expect("alice adds a deny for mallory", lambda: alice.put_key_policy(KeyId=key, PolicyName="default", Policy=policy(
    allow(ALICE, "kms:*"), allow(MALLORY, "kms:*"),
    {"Effect": "Deny", "Principal": {"AWS": MALLORY}, "Action": "kms:Encrypt", "Resource": "*"})))
expect("mallory encrypts", lambda: mallory.encrypt(KeyId=key, Plaintext=b"x"),
       "AccessDeniedException", "with an explicit deny in a resource-based policy")
expect("mallory describes the key", lambda: mallory.describe_key(KeyId=key))

print("== 5. Key policies must name principals that exist")
expect("a policy naming role/ghost", lambda: alice.put_key_policy(KeyId=key, PolicyName="default", Policy=policy(
    allow(ALICE, "kms:*"), allow(f"arn:aws:iam::{OWNER}:role/ghost", "kms:Decrypt"))),
    "MalformedPolicyDocumentException", "invalid principals")

print("== 6. The lockout safety check")
lockout = policy(allow(APP, ["kms:Encrypt", "kms:Decrypt"]))
expect("alice puts a policy that would lock her out", lambda: alice.put_key_policy(
    KeyId=key, PolicyName="default", Policy=lockout),
    "MalformedPolicyDocumentException", "will not allow you to update the key policy in the future")
expect("alice bypasses the check", lambda: alice.put_key_policy(
    KeyId=key, PolicyName="default", Policy=lockout, BypassPolicyLockoutSafetyCheck=True))
expect("alice is locked out", lambda: alice.get_key_policy(KeyId=key, PolicyName="default"), "AccessDeniedException")
expect("app still encrypts", lambda: app.encrypt(KeyId=key, Plaintext=b"x"))

print("== 7. Grants")
gkey = alice.create_key(Description="for grants")["KeyMetadata"]
auditor_arn = f"arn:aws:iam::{OWNER}:user/auditor"
expect("auditor encrypts without a grant", lambda: auditor.encrypt(KeyId=gkey["KeyId"], Plaintext=b"x"),
       "AccessDeniedException")
grant = expect("alice grants the auditor Encrypt for tenant acme", lambda: alice.create_grant(
    KeyId=gkey["KeyId"], GranteePrincipal=auditor_arn, Operations=["Encrypt"],
    Constraints={"EncryptionContextSubset": acme}))
expect("auditor encrypts for tenant acme through the grant",
       lambda: auditor.encrypt(KeyId=gkey["KeyId"], Plaintext=b"x", EncryptionContext=acme))
expect("auditor encrypts with no context (the grant's constraint fails)",
       lambda: auditor.encrypt(KeyId=gkey["KeyId"], Plaintext=b"x"), "AccessDeniedException")
expect("alice grants the partner account's role Decrypt (cross-account grant)", lambda: alice.create_grant(
    KeyId=gkey["KeyId"], GranteePrincipal=f"arn:aws:iam::{PARTNER}:role/partner", Operations=["Decrypt"]))
gblob = alice.encrypt(KeyId=gkey["KeyId"], Plaintext=b"for partner")["CiphertextBlob"]
expect("partner decrypts through the grant", lambda: partner.decrypt(CiphertextBlob=gblob))
expect("a grant to a role that does not exist", lambda: alice.create_grant(
    KeyId=gkey["KeyId"], GranteePrincipal=f"arn:aws:iam::{OWNER}:role/ghost", Operations=["Decrypt"]),
    "InvalidArnException")
expect("mallory's explicit deny on Decrypt beats a grant", lambda: (
    alice.create_grant(KeyId=gkey["KeyId"], GranteePrincipal=MALLORY, Operations=["Decrypt"]),
    mallory.decrypt(CiphertextBlob=gblob)), "AccessDeniedException", "explicit deny")
expect("alice revokes the auditor's grant",
       lambda: alice.revoke_grant(KeyId=gkey["KeyId"], GrantId=grant["GrantId"]))
expect("auditor encrypts for tenant acme after the revocation",
       lambda: auditor.encrypt(KeyId=gkey["KeyId"], Plaintext=b"x", EncryptionContext=acme), "AccessDeniedException")

print()
print("all outcomes as AWS documents them" if failures == 0 else f"{failures} outcome(s) differ")
sys.exit(1 if failures else 0)
