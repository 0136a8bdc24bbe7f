#!/usr/bin/env bash
# A/B comparison of KmsService builds or settings on the embedded SQLite store, for a machine shared with other
# work: every variant is started once and warmed up, then measured runs alternate between them round by round, and
# the medians are printed (a single run on a busy 2-core machine says little).
#
#   bench/ab.sh OPS ROUNDS SECONDS LABEL=SERVICE_DLL[@ENV=VALUE ...] ...
#
#   OPS      comma-separated workloads: encrypt, decrypt, generate-data-key, mix
#   ROUNDS   measured runs per variant and workload
#   SECONDS  length of each measured run (2 s warm-up before each)
#   LABEL=SERVICE_DLL@ENV=VALUE ...   a variant: a built KmsService.dll, optionally with environment variables
#                                     (space-separated inside one quoted argument; the same DLL may appear in
#                                     several variants). bench/KmsService.BareKestrel's DLL is a variant too: the
#                                     ceiling with no auth, crypto or storage.
#
# Example: the working tree against a clean build of HEAD, and a runtime setting:
#   git archive HEAD | tar -x -C /tmp/head && dotnet build -c Release /tmp/head/src/KmsService
#   dotnet build -c Release src/KmsService && dotnet build -c Release bench/KmsService.Load
#   bench/ab.sh encrypt,decrypt 3 8 head=/tmp/head/src/KmsService/bin/Release/net10.0/KmsService.dll \
#       tree=src/KmsService/bin/Release/net10.0/KmsService.dll "wks=src/KmsService/bin/Release/net10.0/KmsService.dll@DOTNET_gcServer=0"
# Auditing on and off, against the bare Kestrel ceiling:
#   dotnet build -c Release bench/KmsService.BareKestrel
#   bench/ab.sh encrypt 3 8 audit=src/KmsService/bin/Release/net10.0/KmsService.dll \
#       "noaudit=src/KmsService/bin/Release/net10.0/KmsService.dll@Kms__Audit__Enabled=false" \
#       bare=bench/KmsService.BareKestrel/bin/Release/net10.0/KmsService.BareKestrel.dll
#
# Environment: CONCURRENCY (default 64), WARMUP (seconds of mix per server before the first round, default 15),
# BASE_PORT (default: a free port per variant, asked of the OS), LOAD_DLL (the load tool, default this tree's Release build), LOAD_ENV (environment of
# the load tool). Loopback only; every process started here is stopped on exit.
set -uo pipefail

if [[ $# -lt 4 ]]; then sed -n '2,29p' "$0"; exit 2; fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OPS=$1; ROUNDS=$2; SECONDS_EACH=$3; shift 3
CONCURRENCY=${CONCURRENCY:-64}
LOAD=(env ${LOAD_ENV:-} dotnet "${LOAD_DLL:-$ROOT/bench/KmsService.Load/bin/Release/net10.0/KmsService.Load.dll}")
WORK=$(mktemp -d -t kms-ab.XXXXXX)
LABELS=(); PIDS=(); PORTS=()

cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A free loopback port from the OS (another run or test may be using any fixed one).
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=${BASE_PORT:-}
for spec in "$@"; do
    [[ -n "${BASE_PORT:-}" ]] || port=$(free_port)
    label=${spec%%=*}; rest=${spec#*=}; dll=$(realpath "${rest%%@*}"); envs=""
    [[ "$rest" == *@* ]] && envs=${rest#*@}
    mkdir -p "$WORK/$label"
    # Started from an empty folder: no appsettings.json of the caller's folder, no file watcher noise.
    (cd "$WORK/$label" && exec env $envs dotnet "$dll" --environment Development --urls "http://127.0.0.1:$port" \
        --Logging:LogLevel:Default Warning --Logging:LogLevel:Microsoft.AspNetCore Warning \
        --Logging:LogLevel:Microsoft.EntityFrameworkCore Warning --Kms:DataDir "$WORK/$label/data" >"$WORK/$label/server.log" 2>&1) &
    LABELS+=("$label"); PIDS+=($!); PORTS+=("$port"); port=$((port + 1))
done

for i in "${!LABELS[@]}"; do
    for _ in $(seq 300); do
        [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${PORTS[$i]}/_kms/health" || true)" == 200 ]] && break
        sleep 0.2
    done
    "${LOAD[@]}" --endpoint "http://127.0.0.1:${PORTS[$i]}" --op mix --concurrency "$CONCURRENCY" --duration 1 \
        --warmup "${WARMUP:-15}" >/dev/null 2>&1 || echo "${LABELS[$i]}: warm-up failed (see $WORK/${LABELS[$i]}/server.log)" >&2
done

for op in ${OPS//,/ }; do
    for round in $(seq "$ROUNDS"); do
        for i in "${!LABELS[@]}"; do
            # The server's PID is the dotnet process inside the subshell.
            pid=$(pgrep -P "${PIDS[$i]}" dotnet || echo "${PIDS[$i]}")
            if "${LOAD[@]}" --endpoint "http://127.0.0.1:${PORTS[$i]}" --server-pid "$pid" --op "$op" \
                --concurrency "$CONCURRENCY" --duration "$SECONDS_EACH" --warmup 2 --json "$WORK/run.json" >/dev/null 2>"$WORK/run.err"; then
                python3 - "$WORK/run.json" "${LABELS[$i]}" "$op" "$round" <<'PY' | tee -a "$WORK/all.txt"
import json, sys
r = json.load(open(sys.argv[1])); l = r["LatencyMs"]
print(f'{sys.argv[2]}/{sys.argv[3]} round={sys.argv[4]} rps={r["RequestsPerSecond"]:.0f} p50={l["P50"]:.2f} p99={l["P99"]:.2f} '
      f'srvCPU={r["ServerCpuMicrosPerRequest"] or 0:.1f} cli={r["ClientCpuMicrosPerRequest"]:.0f} mach={r["MachineCpuMicrosPerRequest"] or 0:.0f} errors={r["Errors"]}')
PY
            else
                echo "${LABELS[$i]}/$op round $round failed: $(tail -1 "$WORK/run.err")" >&2
            fi
        done
    done
done

echo "--- medians (server CPU µs per request; req/s and p99 ms at $CONCURRENCY connections)"
python3 - "$WORK/all.txt" <<'PY'
import collections, re, statistics, sys
runs = collections.defaultdict(lambda: collections.defaultdict(list))
for line in open(sys.argv[1]):
    name = line.split()[0]
    for key in ("rps", "p99", "srvCPU", "mach"):
        runs[name][key].append(float(re.search(key + r"=([\d.]+)", line).group(1)))
for name, v in runs.items():
    print(f'{name:32s} n={len(v["rps"])} req/s {statistics.median(v["rps"]):7.0f} [{min(v["rps"]):.0f}-{max(v["rps"]):.0f}]'
          f'  server CPU {statistics.median(v["srvCPU"]):6.1f} [{min(v["srvCPU"]):.0f}-{max(v["srvCPU"]):.0f}]'
          f'  p99 {statistics.median(v["p99"]):6.2f}  machine CPU {statistics.median(v["mach"]):4.0f}')
PY
