#!/usr/bin/env bash
# Starts KmsService in Production (embedded store, root key file, seed.yaml, reset endpoint on for role/ci-reset),
# runs attack.py against it, then checks start-up with a wrong and a malformed root key and the data files' modes.
# Needs python3 with boto3. Usage: examples/security/run.sh [path/to/KmsService.dll]   (default: builds this tree)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dll="${1:-}"
if [ -z "$dll" ]; then
  dotnet build -v q -c Release "$root/src/KmsService" >/dev/null || exit 1
  dll="$root/src/KmsService/bin/Release/net10.0/KmsService.dll"
fi
work="$(mktemp -d)"
data="$work/data"
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
port="$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')"
( umask 077; openssl rand -base64 32 >"$work/root.key" )
start() {  # start KEYFILE: runs the service in the background, output in $work/log
  ASPNETCORE_ENVIRONMENT=Production dotnet "$dll" --urls "http://127.0.0.1:$port" --Kms:DataDir "$data" \
    --Kms:SeedFile "$here/seed.yaml" --Kms:RootKeyFile "$1" --Kms:EnableResetEndpoint true \
    --Kms:ResetPrincipals:0 arn:aws:iam::111122223333:role/ci-reset --Kms:RateLimits:Enabled false >"$work/log" 2>&1 &
  pid=$!
}
start "$work/root.key"
for _ in $(seq 1 150); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.2; done
python3 "$here/attack.py" "http://127.0.0.1:$port"; failed=$?
kill "$pid"; wait "$pid" 2>/dev/null; pid=""

echo
check() {  # check WHAT: the last start must have exited non-zero with one 'KmsService cannot start' line
  if [ "$status" -ne 0 ] && [ "$(grep -c . "$work/log")" -eq 1 ] && grep -q '^KmsService cannot start: ' "$work/log"; then
    echo "CLOSED [5] $1: exit $status, $(cut -c1-110 "$work/log")"
  else
    echo "OPEN   [5] $1: exit $status, $(grep -c . "$work/log") line(s) of output:"; head -5 "$work/log"; failed=1
  fi
}
( umask 077; openssl rand -base64 32 >"$work/other.key" )
start "$work/other.key"; wait "$pid"; status=$?; pid=""
check "start with another root key on existing data"
( umask 077; echo "not a key" >"$work/bad.key" )
start "$work/bad.key"; wait "$pid"; status=$?; pid=""
check "start with a malformed root key file"

for f in "$data" "$data"/kms.db*; do
  mode="$(stat -c %a "$f")"
  case "$mode" in
    700|600) echo "CLOSED [8] $(basename "$f") is mode $mode" ;;
    *) echo "OPEN   [8] $(basename "$f") is mode $mode"; failed=1 ;;
  esac
done
exit "$failed"
