#!/usr/bin/env bash
# Soak test: KmsService (Release, embedded SQLite store) under the 64-connection mixed workload for five minutes,
# sampling the server's resident memory every 15 s; writes bench/SOAK-RESULTS.md. Memory is flat when the samples
# after the first minute (JIT, caches and pools warm) stop growing.
#
#   bench/soak.sh [--seconds S] [--concurrency N] [--op OP]
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECONDS_TOTAL=${SOAK_SECONDS:-300}
CONCURRENCY=${CONCURRENCY:-64}
OP=mix
PORT=${SOAK_PORT:-18090}
INTERVAL=15
while [[ $# -gt 0 ]]; do
    case "$1" in
        --seconds) SECONDS_TOTAL=$2; shift 2 ;;
        --concurrency) CONCURRENCY=$2; shift 2 ;;
        --op) OP=$2; shift 2 ;;
        -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done

WORK=$(mktemp -d -t kms-soak.XXXXXX)
SERVER=""
cleanup() {
    [[ -n "$SERVER" ]] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

dotnet build -c Release -nologo -v q "$ROOT/src/KmsService/KmsService.csproj" >"$WORK/build.log" 2>&1 \
    || { tail -30 "$WORK/build.log" >&2; exit 1; }
dotnet build -c Release -nologo -v q "$ROOT/bench/KmsService.Load/KmsService.Load.csproj" >>"$WORK/build.log" 2>&1 \
    || { tail -30 "$WORK/build.log" >&2; exit 1; }

mkdir -p "$WORK/data"
dotnet "$ROOT/src/KmsService/bin/Release/net10.0/KmsService.dll" --environment Development \
    --urls "http://127.0.0.1:$PORT" --Kms:DataDir "$WORK/data" \
    --Logging:LogLevel:Default Warning --Logging:LogLevel:Microsoft.AspNetCore Warning \
    --Logging:LogLevel:Microsoft.EntityFrameworkCore Warning >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 300); do
    curl -sf -o /dev/null "http://127.0.0.1:$PORT/_kms/health" && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
    sleep 0.2
done

rss() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$SERVER/status"; }
echo "[soak] $OP x$CONCURRENCY for ${SECONDS_TOTAL}s against pid $SERVER" >&2
dotnet "$ROOT/bench/KmsService.Load/bin/Release/net10.0/KmsService.Load.dll" --endpoint "http://127.0.0.1:$PORT" \
    --target sqlite --server-pid "$SERVER" --op "$OP" --concurrency "$CONCURRENCY" --duration "$SECONDS_TOTAL" \
    --warmup 0 --json "$WORK/load.json" >"$WORK/load.md" 2>"$WORK/load.err" &
LOADER=$!
SAMPLES=()
start=$(date +%s)
while kill -0 "$LOADER" 2>/dev/null; do
    SAMPLES+=("$(( $(date +%s) - start )) $(rss)")
    echo "[soak] t=${SAMPLES[-1]% *}s RSS ${SAMPLES[-1]#* } MiB" >&2
    for _ in $(seq $((INTERVAL * 5))); do kill -0 "$LOADER" 2>/dev/null || break; sleep 0.2; done
done
wait "$LOADER" || { cat "$WORK/load.err" >&2; exit 1; }
SAMPLES+=("$(( $(date +%s) - start )) $(rss)")

# Growth is judged from the first sample after one minute to the last.
read -r after_minute last max < <(printf '%s\n' "${SAMPLES[@]}" | awk '
    $1 >= 60 && first == "" { first = $2 } { last = $2; if ($2 > max) max = $2 }
    END { print first, last, max }')
{
    echo "# Soak test"
    echo
    echo "\`bench/soak.sh\`: KmsService (Release, embedded SQLite store), \`$OP\` workload at $CONCURRENCY connections for"
    echo "${SECONDS_TOTAL} s, server resident memory (VmRSS) sampled every ${INTERVAL} s."
    echo
    echo "- Commit: $(git -C "$ROOT" rev-parse --short=12 HEAD)$([[ -n "$(git -C "$ROOT" status --porcelain -- src)" ]] && echo ' (with uncommitted changes under src/)')"
    echo "- Machine: $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo); load tool on the same machine"
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- RSS after the first minute: ${after_minute} MiB; at the end: ${last} MiB; highest: ${max} MiB"
    echo
    echo "## Load"
    echo
    cat "$WORK/load.md"
    echo
    echo "## Resident memory"
    echo
    echo "| seconds | RSS MiB |"
    echo "|---:|---:|"
    for s in "${SAMPLES[@]}"; do echo "| ${s% *} | ${s#* } |"; done
} >"$ROOT/bench/SOAK-RESULTS.md"
echo "[soak] wrote bench/SOAK-RESULTS.md (RSS ${after_minute} MiB after 1 min -> ${last} MiB at the end)" >&2
