#!/usr/bin/env bash
# Starts KmsService with seed.yaml on a fresh embedded store and runs demo.py against it (needs python3 + boto3).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
port="${PORT:-8089}"
data="$(mktemp -d)"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$data"' EXIT
dotnet build -v q "$root/src/KmsService" >/dev/null
dotnet run --no-build --project "$root/src/KmsService" -- --urls "http://127.0.0.1:$port" \
  --Kms:DataDir "$data" --Kms:SeedFile "$here/seed.yaml" --Kms:AllowUnknownAccessKeys false >"${TMPDIR:-/tmp}/kms-authz-demo.log" 2>&1 &
pid=$!
log="${TMPDIR:-/tmp}/kms-authz-demo.log"
for _ in $(seq 1 150); do curl -sf -o /dev/null "http://127.0.0.1:$port/_kms/health" && break; sleep 0.2; done
curl -sf -o /dev/null "http://127.0.0.1:$port/_kms/health" || { echo "the service did not start:"; tail -20 "$log"; exit 1; }
python3 "$here/demo.py" "http://127.0.0.1:$port"

# The AWS CLI sees the same outcomes.
if command -v aws >/dev/null; then
  echo "== The AWS CLI"
  kms() { AWS_ACCESS_KEY_ID="$1" AWS_SECRET_ACCESS_KEY="$2" AWS_DEFAULT_REGION=us-east-1 \
          aws kms --endpoint-url "http://127.0.0.1:$port" "${@:3}"; }
  # fileb:// works the same in AWS CLI v1 and v2 (plain blob arguments are raw in v1, base64 in v2).
  printf hello >"$data/plain"
  kms AKIAAPP11111 app-secret-1111 encrypt --key-id alias/orders --plaintext "fileb://$data/plain" \
      --encryption-context tenant=acme --query CiphertextBlob --output text | base64 -d >"$data/blob"
  echo "ok   app encrypts under alias/orders"
  if out="$(kms AKIAMALLORY1 mallory-secret-1111 decrypt --ciphertext-blob "fileb://$data/blob" \
            --encryption-context tenant=acme 2>&1)"; then
    echo "FAIL mallory decrypted"; exit 1
  fi
  grep -q "AccessDeniedException" <<<"$out" || { echo "FAIL mallory: $out"; exit 1; }
  echo "ok   mallory's decrypt is denied: ${out#*: }"
  plain="$(kms AKIAPARTNER4 partner-secret-4444 decrypt --ciphertext-blob "fileb://$data/blob" \
           --encryption-context tenant=acme --query Plaintext --output text)"
  [ "$plain" = aGVsbG8= ] || { echo "FAIL partner decrypted '$plain'"; exit 1; }
  echo "ok   partner decrypts for tenant acme"
fi
