#!/usr/bin/env bash
# Benchmark KmsService (embedded SQLite store, then PostgreSQL), a bare Kestrel app answering KMS-shaped JSON (the
# ceiling: no auth, crypto or storage) and moto_server with the same workloads, and write bench/RESULTS.md.
# Loopback only; every process started here is stopped on exit.
#
#   bench/run.sh [--ref GIT_REF] [--duration S] [--warmup S] [--concurrency N] [--no-moto]
#
#   --ref REF        build the service from a clean `git archive REF` instead of the working tree
#   --duration S     measured seconds of each 64-connection workload (default 20; env DURATION)
#   --warmup S       warm-up seconds before each of them (default 5; env WARMUP)
#   --concurrency N  connections of the main workloads (default 64; env CONCURRENCY)
#   --no-moto        skip moto_server (env MOTO=0): a shorter run when only KmsService ÷ bare Kestrel is wanted
#
# Environment: KMS_BENCH_PG (PostgreSQL server connection string without a database, default
# Host=127.0.0.1;Port=5432;Username=kms_ci;Password=kms_ci), SQLITE_PORT, POSTGRES_PORT, BARE_PORT, MOTO_PORT,
# SERVICE_ENV (environment variables for both KmsService runs, e.g. "Kms__Audit__Enabled=false").
# Micro-benchmark results (bench/micro.sh) are copied in from bench/MICRO-RESULTS.md when present.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-5}
CONCURRENCY=${CONCURRENCY:-64}
SHORT_DURATION=${SHORT_DURATION:-10}
SINGLE_DURATION=${SINGLE_DURATION:-5}
# Free loopback ports from the OS unless given (another run or test may be using any fixed one).
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
SQLITE_PORT=${SQLITE_PORT:-$(free_port)}
POSTGRES_PORT=${POSTGRES_PORT:-$(free_port)}
BARE_PORT=${BARE_PORT:-$(free_port)}
MOTO_PORT=${MOTO_PORT:-$(free_port)}
MOTO=${MOTO:-1}
SERVICE_ENV=${SERVICE_ENV:-}
PG=${KMS_BENCH_PG:-Host=127.0.0.1;Port=5432;Username=kms_ci;Password=kms_ci}
REF=""

while [[ $# -gt 0 ]]; do
    case "$1" in
        --ref) REF=$2; shift 2 ;;
        --duration) DURATION=$2; shift 2 ;;
        --warmup) WARMUP=$2; shift 2 ;;
        --concurrency) CONCURRENCY=$2; shift 2 ;;
        --no-moto) MOTO=0; shift ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done

WORK=$(mktemp -d -t kms-bench.XXXXXX)
PIDS=()
PG_DB=""
START_SECONDS=$SECONDS

pg_field() { # pg_field Host|Port|Username|Password
    tr ';' '\n' <<<"$PG" | awk -F= -v k="$1" 'tolower($1) == tolower(k) { print $2 }'
}

psql_admin() {
    PGPASSWORD=$(pg_field Password) psql -X -q -v ON_ERROR_STOP=1 -h "$(pg_field Host)" -p "$(pg_field Port)" \
        -U "$(pg_field Username)" -d postgres "$@"
}

stop_pid() {
    local pid=$1
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
    if [[ -n "$PG_DB" ]]; then
        psql_admin -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "[bench $(date +%T)] $*" >&2; }

# --- machine --------------------------------------------------------------------------------------------
COMMIT=$(git -C "$ROOT" rev-parse --short=12 HEAD)
if [[ -n "$REF" ]]; then
    SOURCE="commit $(git -C "$ROOT" rev-parse --short=12 "$REF") (clean \`git archive\`)"
elif [[ -n "$(git -C "$ROOT" status --porcelain -- src)" ]]; then
    SOURCE="working tree at $COMMIT, with uncommitted changes under src/"
else
    SOURCE="working tree at $COMMIT (src/ clean)"
fi
CPU_MODEL=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
MEM=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
# What else was using the CPU as the run began (top's %CPU over its sampling interval).
BUSY_OTHERS=$(top -bn2 -d1 -o %CPU -w 200 2>/dev/null | awk '/^top -/ { n++ } n == 2 && $1 ~ /^[0-9]+$/ && $9 + 0 >= 10 { printf "%s %s%% CPU; ", $12, $9 }' | head -c 300 || true)

# --- build ----------------------------------------------------------------------------------------------
SRC=$ROOT
if [[ -n "$REF" ]]; then
    SRC=$WORK/src-export
    mkdir -p "$SRC"
    git -C "$ROOT" archive "$REF" | tar -x -C "$SRC"
fi
log "building Release (service from $SOURCE)"
dotnet build -c Release -nologo -v q "$SRC/src/KmsService/KmsService.csproj" >"$WORK/build-service.log" 2>&1 \
    || { tail -30 "$WORK/build-service.log" >&2; exit 1; }
dotnet build -c Release -nologo -v q "$ROOT/bench/KmsService.Load/KmsService.Load.csproj" >"$WORK/build-load.log" 2>&1 \
    || { tail -30 "$WORK/build-load.log" >&2; exit 1; }
dotnet build -c Release -nologo -v q "$ROOT/bench/KmsService.BareKestrel/KmsService.BareKestrel.csproj" >"$WORK/build-bare.log" 2>&1 \
    || { tail -30 "$WORK/build-bare.log" >&2; exit 1; }
SERVICE_DLL=$SRC/src/KmsService/bin/Release/net10.0/KmsService.dll
BARE_DLL=$ROOT/bench/KmsService.BareKestrel/bin/Release/net10.0/KmsService.BareKestrel.dll
LOAD=(dotnet "$ROOT/bench/KmsService.Load/bin/Release/net10.0/KmsService.Load.dll")
RESULTS=$WORK/results
mkdir -p "$RESULTS"
FAILURES=()

wait_http() { # wait_http URL PID NAME
    for _ in $(seq 300); do
        kill -0 "$2" 2>/dev/null || { log "$3 exited during start-up"; return 1; }
        [[ "$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)" =~ ^(200|404)$ ]] && return 0
        sleep 0.2
    done
    log "$3 not healthy after 60 s"
    return 1
}

# run_workloads INDEX NAME URL PID [sdk|no-sdk]
run_workloads() {
    local index=$1 name=$2 url=$3 pid=$4 sdk=${5:-sdk} n=0
    run() { # run OP CONNS DURATION WARMUP [extra args]
        local op=$1 conns=$2 duration=$3 warmup=$4
        shift 4
        n=$((n + 1))
        local file
        file=$RESULTS/$index-$name-$(printf %02d $n)-$op-$conns.json
        log "$name: $op x$conns for ${duration}s (+${warmup}s warm-up) $*"
        if ! "${LOAD[@]}" --endpoint "$url" --target "$name" --server-pid "$pid" --op "$op" --concurrency "$conns" \
            --duration "$duration" --warmup "$warmup" --json "$file" "$@" >"$file.md" 2>"$file.err"; then
            log "$name: $op x$conns failed: $(tail -1 "$file.err")"
            FAILURES+=("$name $op x$conns ${*}: $(tail -1 "$file.err")")
            rm -f "$file"
        fi
    }
    # Bring the server to steady state (tiered JIT, caches, connection pools) before the first measured workload.
    log "$name: warming the server up (15 s mix, not reported)"
    "${LOAD[@]}" --endpoint "$url" --target "$name" --op mix --concurrency "$CONCURRENCY" --duration 1 --warmup 15 \
        >/dev/null 2>&1 || true
    run encrypt "$CONCURRENCY" "$DURATION" "$WARMUP"
    run decrypt "$CONCURRENCY" "$DURATION" "$WARMUP"
    run generate-data-key "$CONCURRENCY" "$DURATION" "$WARMUP"
    run mix "$CONCURRENCY" "$SHORT_DURATION" 3
    run encrypt 1 "$SINGLE_DURATION" 2
    run decrypt 1 "$SINGLE_DURATION" 2
    run generate-data-key 1 "$SINGLE_DURATION" 2
    if [[ $sdk == sdk ]]; then
        run encrypt "$CONCURRENCY" "$SHORT_DURATION" 3 --client sdk
    fi
}

start_service() { # start_service NAME PORT [extra args]; sets STARTED_PID
    local name=$1 port=$2
    shift 2
    env $SERVICE_ENV dotnet "$SERVICE_DLL" --environment Development --urls "http://127.0.0.1:$port" \
        --Logging:LogLevel:Default Warning --Logging:LogLevel:Microsoft.AspNetCore Warning \
        --Logging:LogLevel:Microsoft.EntityFrameworkCore Warning "$@" >"$WORK/$name.log" 2>&1 &
    STARTED_PID=$!
    PIDS+=("$STARTED_PID")
}

# --- KmsService on the embedded store ------------------------------------------------------------------
mkdir -p "$WORK/sqlite-data"
start_service sqlite "$SQLITE_PORT" --Kms:DataDir "$WORK/sqlite-data"
if wait_http "http://127.0.0.1:$SQLITE_PORT/_kms/health" "$STARTED_PID" sqlite; then
    run_workloads 1 sqlite "http://127.0.0.1:$SQLITE_PORT" "$STARTED_PID"
else
    FAILURES+=("sqlite: service did not start: $(tail -3 "$WORK/sqlite.log" | tr '\n' ' ')")
fi
stop_pid "$STARTED_PID"

# --- bare Kestrel: the same host and Kestrel settings, KMS-shaped JSON, no auth, crypto or storage ------------
# Between the two service runs, so that what else the machine is doing weighs on it as on them. No SDK workload:
# the ratio is taken on the raw client's workloads.
dotnet "$BARE_DLL" --urls "http://127.0.0.1:$BARE_PORT" --Logging:LogLevel:Default Warning \
    --Logging:LogLevel:Microsoft.AspNetCore Warning >"$WORK/bare.log" 2>&1 &
STARTED_PID=$!
PIDS+=("$STARTED_PID")
if wait_http "http://127.0.0.1:$BARE_PORT/_kms/health" "$STARTED_PID" bare; then
    run_workloads 2 bare "http://127.0.0.1:$BARE_PORT" "$STARTED_PID" no-sdk
else
    FAILURES+=("bare: did not start: $(tail -3 "$WORK/bare.log" | tr '\n' ' ')")
fi
stop_pid "$STARTED_PID"

# --- KmsService on PostgreSQL (fresh database) -------------------------------------------------------
PG_DB=kms_bench_$(date +%s)_$$
if ! psql_admin -c "SELECT 1" >/dev/null 2>&1 && [[ $(id -u) == 0 ]] && command -v pg_ctlcluster >/dev/null; then
    log "PostgreSQL not answering; trying pg_ctlcluster 15 main start"
    pg_ctlcluster 15 main start || true
fi
if psql_admin -c "CREATE DATABASE \"$PG_DB\"" >"$WORK/pg-create.log" 2>&1; then
    PG_VERSION=$(psql_admin -tA -c "SHOW server_version" 2>/dev/null || echo unknown)
    mkdir -p "$WORK/pg-data"
    start_service postgres "$POSTGRES_PORT" --Kms:DataDir "$WORK/pg-data" --Kms:Store postgres \
        --ConnectionStrings:Kms "$PG;Database=$PG_DB"
    if wait_http "http://127.0.0.1:$POSTGRES_PORT/_kms/health" "$STARTED_PID" postgres; then
        run_workloads 3 postgres "http://127.0.0.1:$POSTGRES_PORT" "$STARTED_PID"
    else
        FAILURES+=("postgres: service did not start: $(tail -3 "$WORK/postgres.log" | tr '\n' ' ')")
    fi
    stop_pid "$STARTED_PID"
else
    PG_VERSION="not reachable"
    PG_DB=""
    FAILURES+=("postgres: cannot create a database: $(tail -1 "$WORK/pg-create.log")")
fi

# --- moto_server -----------------------------------------------------------------------------------------
if [[ $MOTO != 1 ]]; then
    MOTO_VERSION="not run (--no-moto)"
elif command -v moto_server >/dev/null; then
    MOTO_VERSION=$(python3 -c 'import moto; print(moto.__version__)' 2>/dev/null || echo unknown)
    moto_server -H 127.0.0.1 -p "$MOTO_PORT" >"$WORK/moto.log" 2>&1 &
    STARTED_PID=$!
    PIDS+=("$STARTED_PID")
    if wait_http "http://127.0.0.1:$MOTO_PORT/moto-api/" "$STARTED_PID" moto; then
        run_workloads 4 moto "http://127.0.0.1:$MOTO_PORT" "$STARTED_PID"
    else
        FAILURES+=("moto: did not start: $(tail -3 "$WORK/moto.log" | tr '\n' ' ')")
    fi
    stop_pid "$STARTED_PID"
else
    MOTO_VERSION="not installed"
    FAILURES+=("moto: moto_server not installed")
fi

# --- RESULTS.md ------------------------------------------------------------------------------------------
shopt -s nullglob
JSONS=("$RESULTS"/*.json)
"${LOAD[@]}" compare --out "$WORK/tables.md" --peer moto --baseline bare --min-rps sqlite=15000 --min-rps postgres=10000 "${JSONS[@]}"
ELAPSED=$((SECONDS - START_SECONDS))
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
OUT=$ROOT/bench/RESULTS.md
{
    echo "# Benchmark results"
    echo
    echo "Written by \`bench/run.sh\` ($(date -u '+%Y-%m-%d %H:%M UTC'), ${ELAPSED} s). Do not edit by hand: run it again."
    echo
    echo "## Machine"
    echo
    echo "| | |"
    echo "|---|---|"
    echo "| CPU | $CPU_MODEL, $(nproc) cores available |"
    echo "| memory | $MEM |"
    echo "| kernel | $(uname -r) |"
    echo "| .NET SDK | $(dotnet --version) |"
    echo "| PostgreSQL | $PG_VERSION (same machine) |"
    echo "| moto | $MOTO_VERSION (\`moto_server\`, same machine) |"
    echo "| service source | $SOURCE |"
    echo "| service environment | ${SERVICE_ENV:-none beyond the command line below} |"
    echo "| load average (1, 5, 15 min) | before $LOAD_BEFORE, after $LOAD_AFTER: other work on the machine shares the same 2 cores |"
    echo "| other processes busy as the run began | ${BUSY_OTHERS:-none above 10 % CPU} |"
    echo
    echo "## Method"
    echo
    echo "- \`bench/KmsService.Load\` (raw HTTP/1.1, SocketsHttpHandler, one connection per worker) runs on the same"
    echo "  machine as the server. Every request has a fresh random 32-byte plaintext (Encrypt), a random signed"
    echo "  \`amz-sdk-invocation-id\` and a SigV4 signature computed for it; EncryptionContext \`{\"purpose\":\"load-test\"}\`."
    echo "  Decrypt draws from 1000 ciphertexts the same server made. GenerateDataKey asks for AES_256. Mix = the three"
    echo "  at random. \`(sdk)\` rows drive the official AWSSDK.KeyManagementService client, retries off."
    echo "- KmsService: Release build, \`--environment Development\` (access key \`test\`/\`test\`, verified), log level"
    echo "  Warning; fresh data folder, fresh PostgreSQL database. moto_server accepts any signature (see the probe column)."
    echo "- bare = \`bench/KmsService.BareKestrel\`: the service's host, Kestrel settings and pipeline shape (POST taken"
    echo "  before routing), reading the body from the pipe and parsing it with source-generated System.Text.Json, and"
    echo "  answering KMS-shaped JSON of the service's sizes and an \`x-amzn-RequestId\`; no signature check, no crypto,"
    echo "  no storage, no audit. It runs between the two service runs with the same load tool and workloads (no SDK row)."
    echo "  \"÷ bare\" is our req/s over its req/s in the same run; \"CPU ÷\" is its server CPU per request over ours, the"
    echo "  fraction our throughput would be if both were CPU-bound on the same cores (steadier on a shared machine)."
    echo "- ${CONCURRENCY}-connection runs: ${DURATION} s measured after ${WARMUP} s warm-up (mix and sdk: ${SHORT_DURATION} s after 3 s);"
    echo "  1-connection runs: ${SINGLE_DURATION} s after 2 s. Latency percentiles are exact (sorted samples, client side)."
    echo "- CPU per request: server = utime+stime of the server process from /proc/PID/stat (10 ms ticks; PostgreSQL's"
    echo "  own backends are not in it); client = the load tool; machine = all cores busy from /proc/stat (includes"
    echo "  PostgreSQL, the kernel's loopback work, and anything else running)."
    echo
    echo "## Load"
    echo
    cat "$WORK/tables.md"
    if [[ ${#FAILURES[@]} -gt 0 ]]; then
        echo
        echo "### Failures"
        echo
        for f in "${FAILURES[@]}"; do echo "- $f"; done
    fi
    echo
    echo "## Micro-benchmarks"
    echo
    if [[ -f "$ROOT/bench/MICRO-RESULTS.md" ]]; then
        cat "$ROOT/bench/MICRO-RESULTS.md"
    else
        echo "Not run yet: \`bench/micro.sh\` writes bench/MICRO-RESULTS.md, which this section copies."
    fi
} >"$OUT"
log "wrote $OUT in ${ELAPSED} s"
