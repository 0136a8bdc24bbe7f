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
  --Kms:DataDir "$data" --Kms:SeedFile "$here/seed.yaml" --Kms:AllowUnknownAccessKeys false >"$data/log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/_kms/health" && break; sleep 0.2; done
python3 "$here/demo.py" "http://127.0.0.1:$port"
