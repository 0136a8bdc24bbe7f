#!/usr/bin/env bash
# Run moto's KMS test suite in moto's server mode against KmsService, and summarise pass/fail per test.
# Loopback only; the service started here is stopped by its PID on exit.
#
#   bench/moto-suite.sh [-k EXPR] [--out DIR] [--no-build] TEST_KMS_DIR [FILE ...]
#
#   TEST_KMS_DIR  moto's tests/test_kms folder. It is not shipped with this repository (moto's code stays out of
#                 it); take it from a checkout of moto whose version matches the installed moto package:
#                   git clone --depth 1 --branch "$(python3 -c 'import moto; print(moto.__version__)')" \
#                       https://github.com/getmoto/moto /tmp/moto && bench/moto-suite.sh /tmp/moto/tests/test_kms
#                 or from moto's source distribution (`pip download moto==VERSION --no-binary :all: --no-deps`,
#                 then unpack it; the sdist carries tests/). The folder's parent should be moto's tests/ package
#                 (some test files import `tests`), as it is in both.
#   FILE ...      test files inside TEST_KMS_DIR (default: test_kms_boto3.py test_kms_mac.py test_kms_encrypt.py,
#                 those that exist)
#   -k EXPR       pytest's -k selection, e.g. -k "sign or verify or public_key or mac"
#   --out DIR     keep the results there (default: a new folder under /tmp, printed at the end): junit.xml,
#                 pytest.log, results.tsv (test, outcome, first line of the failure), summary.txt, service.log
#   --no-build    use the existing Release build of src/KmsService (default: build it first)
#
# What it does: builds src/KmsService (Release), starts it in Development on a free loopback port asked of the OS,
# on a fresh embedded store, with unknown access keys refused, the reset endpoint on, and a seed file declaring
# moto's account 123456789012 whose root has the access key moto's mock puts in the environment in server mode
# (FOOBARKEY / FOOBARSECRET, moto/core/models.py). pytest then runs with TEST_SERVER_MODE=true and
# TEST_SERVER_MODE_ENDPOINT=http://127.0.0.1:PORT (moto/settings.py), so every boto3 client the tests make is
# pointed at the service and signs with those credentials. moto's own reset between tests (an unsigned
# POST /moto-api/reset whose answer moto ignores) is turned off with MOTO_CALL_RESET_API=false; the plugin
# bench/moto_suite_plugin.py makes the signed POST /_kms/reset before every test instead.
#
# Python: PYTHON (default python3) must import moto (5.x, for mock_aws), boto3, cryptography, pytest and freezegun.
# Where pytest or freezegun is missing from that interpreter but Debian's python3-pytest / python3-freezegun are
# installed (apt-get install python3-pytest python3-freezegun), their modules are linked into a private folder put
# on PYTHONPATH for this run only.
#
# Exit status: 0 when the run completed (whatever the tests said; read the summary), 1 when it could not run.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-python3}
KEXPR=""
OUT=""
BUILD=1
ARGS=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        -k) KEXPR=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --no-build) BUILD=0; shift ;;
        -h|--help) sed -n '2,36p' "$0"; exit 0 ;;
        -*) echo "unknown option $1" >&2; exit 2 ;;
        *) ARGS+=("$1"); shift ;;
    esac
done
if [[ ${#ARGS[@]} -lt 1 ]]; then sed -n '2,36p' "$0" >&2; exit 2; fi
TEST_DIR=$(cd "${ARGS[0]}" 2>/dev/null && pwd) || { echo "no such folder: ${ARGS[0]}" >&2; exit 1; }
FILES=("${ARGS[@]:1}")
if [[ ${#FILES[@]} -eq 0 ]]; then
    for f in test_kms_boto3.py test_kms_mac.py test_kms_encrypt.py; do
        [[ -f "$TEST_DIR/$f" ]] && FILES+=("$f")
    done
fi
[[ ${#FILES[@]} -gt 0 ]] || { echo "no test files found in $TEST_DIR" >&2; exit 1; }
for f in "${FILES[@]}"; do [[ -f "$TEST_DIR/$f" ]] || { echo "no such test file: $TEST_DIR/$f" >&2; exit 1; }; done

WORK=$(mktemp -d -t kms-moto-suite.XXXXXX)
if [[ -z "$OUT" ]]; then OUT=$(mktemp -d -t kms-moto-suite-out.XXXXXX); fi
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
SERVICE_PID=""

stop_service() {
    local pid=$SERVICE_PID
    [[ -n "$pid" ]] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
    SERVICE_PID=""
}
cleanup() {
    stop_service
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "[moto-suite $(date +%T)] $*" >&2; }

# --- Python ---------------------------------------------------------------------------------------------------
PYLIB=$WORK/pylib
mkdir -p "$PYLIB"
DEBIAN_DIST=/usr/lib/python3/dist-packages
py_has() { PYTHONPATH="$PYLIB${PYTHONPATH:+:$PYTHONPATH}" "$PYTHON" -c "import $1" >/dev/null 2>&1; }
link_debian() { # link_debian MODULE: Debian's copy of a pure-Python module, when the interpreter lacks it
    local m=$1
    py_has "$m" && return 0
    local found=0
    for p in "$DEBIAN_DIST/$m" "$DEBIAN_DIST/$m.py"; do
        [[ -e "$p" ]] && { ln -s "$p" "$PYLIB/"; found=1; }
    done
    [[ $found == 1 ]] && log "using Debian's $m from $DEBIAN_DIST"
}
for m in pytest freezegun; do
    if ! py_has "$m"; then
        [[ $m == pytest ]] && for dep in _pytest pytest py pluggy iniconfig packaging attr attrs; do link_debian "$dep"; done
        [[ $m == freezegun ]] && for dep in freezegun dateutil; do link_debian "$dep"; done
    fi
done
for m in pytest freezegun boto3 cryptography requests "moto.core.models" ; do
    py_has "$m" || { echo "$PYTHON cannot import $m (see the Python paragraph of bench/moto-suite.sh -h)" >&2; exit 1; }
done
py_has "moto; from moto import mock_aws" || { echo "moto 5.x is needed (mock_aws)" >&2; exit 1; }
MOTO_VERSION=$("$PYTHON" -c 'import moto; print(moto.__version__)')
PYTEST_VERSION=$(PYTHONPATH="$PYLIB" "$PYTHON" -c 'import pytest; print(pytest.__version__)')

# --- build and start the service --------------------------------------------------------------------------------
SERVICE_DLL=$ROOT/src/KmsService/bin/Release/net10.0/KmsService.dll
if [[ $BUILD == 1 ]]; then
    log "building src/KmsService (Release)"
    dotnet build -c Release -nologo -v q "$ROOT/src/KmsService/KmsService.csproj" >"$WORK/build.log" 2>&1 \
        || { tail -30 "$WORK/build.log" >&2; exit 1; }
fi
[[ -f "$SERVICE_DLL" ]] || { echo "no build at $SERVICE_DLL (run without --no-build)" >&2; exit 1; }
COMMIT=$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
DIRTY=""
[[ -n "$(git -C "$ROOT" status --porcelain -- src 2>/dev/null)" ]] && DIRTY=" (with uncommitted changes under src/)"

cat >"$WORK/seed.yaml" <<'YAML'
# moto's account and the access key its mock sets in server mode (moto/core/models.py, moto/core/__init__.py).
accounts:
  - id: "123456789012"
    principals:
      - arn: arn:aws:iam::123456789012:root
        accessKeys: [ { accessKeyId: FOOBARKEY, secretAccessKey: FOOBARSECRET } ]
YAML

PORT=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$WORK/run"
# Started from an empty folder: no appsettings.json of the caller's folder.
(cd "$WORK/run" && exec dotnet "$SERVICE_DLL" --environment Development --urls "http://127.0.0.1:$PORT" \
    --Kms:DataDir "$WORK/data" --Kms:SeedFile "$WORK/seed.yaml" --Kms:AllowUnknownAccessKeys false \
    --Kms:EnableResetEndpoint true --Kms:ResetPrincipals:0 "arn:aws:iam::123456789012:root" \
    --Logging:LogLevel:Default Warning --Logging:LogLevel:Microsoft.AspNetCore Warning \
    --Logging:LogLevel:Microsoft.EntityFrameworkCore Warning >"$OUT/service.log" 2>&1) &
SERVICE_PID=$!
ENDPOINT="http://127.0.0.1:$PORT"
ready=0
for _ in $(seq 300); do
    kill -0 "$SERVICE_PID" 2>/dev/null || break
    [[ "$(curl -s -o /dev/null -w '%{http_code}' "$ENDPOINT/_kms/health/ready" || true)" == 200 ]] && { ready=1; break; }
    sleep 0.2
done
[[ $ready == 1 ]] || { echo "the service did not start:" >&2; tail -20 "$OUT/service.log" >&2; exit 1; }
log "KmsService $COMMIT$DIRTY on $ENDPOINT (pid $SERVICE_PID); moto $MOTO_VERSION, pytest $PYTEST_VERSION"

# --- pytest ---------------------------------------------------------------------------------------------------
PYTEST_ARGS=(-p moto_suite_plugin -p no:cacheprovider -o junit_family=xunit2 --junitxml "$OUT/junit.xml" -rA -q
    --tb=short)
[[ -n "$KEXPR" ]] && PYTEST_ARGS+=(-k "$KEXPR")
TARGETS=()
for f in "${FILES[@]}"; do TARGETS+=("$TEST_DIR/$f"); done
log "pytest ${FILES[*]}${KEXPR:+ -k \"$KEXPR\"}"
START=$SECONDS
# The checkout's root (TEST_DIR/../..) is where pytest's rootdir-based import puts `tests.test_kms.*`.
(cd "$TEST_DIR/../.." && env TEST_SERVER_MODE=true TEST_SERVER_MODE_ENDPOINT="$ENDPOINT" MOTO_CALL_RESET_API=false \
    AWS_DEFAULT_REGION=us-east-1 PYTHONPATH="$ROOT/bench:$PYLIB${PYTHONPATH:+:$PYTHONPATH}" \
    "$PYTHON" -m pytest "${PYTEST_ARGS[@]}" "${TARGETS[@]}") >"$OUT/pytest.log" 2>&1
PYTEST_RC=$?
ELAPSED=$((SECONDS - START))
stop_service

if [[ ! -s "$OUT/junit.xml" ]]; then
    echo "pytest wrote no results (exit $PYTEST_RC):" >&2
    tail -30 "$OUT/pytest.log" >&2
    exit 1
fi

# --- summary --------------------------------------------------------------------------------------------------
"$PYTHON" - "$OUT" "$COMMIT$DIRTY" "$MOTO_VERSION" "$ELAPSED" "${KEXPR:-}" <<'PY'
import collections, sys, xml.etree.ElementTree as ET
out, commit, moto_version, elapsed, kexpr = sys.argv[1:6]
rows = []
for case in ET.parse(f"{out}/junit.xml").getroot().iter("testcase"):
    module = case.get("classname", "").rsplit(".", 1)[-1]
    name = f"{module}::{case.get('name')}"
    outcome, detail = "passed", ""
    for tag in ("failure", "error", "skipped"):
        node = case.find(tag)
        if node is not None:
            outcome = {"failure": "failed", "error": "error", "skipped": "skipped"}[tag]
            text = (node.get("message") or node.text or "").strip()
            detail = text.splitlines()[0][:300] if text else ""
            break
    rows.append((name, outcome, detail))
counts = collections.Counter(o for _, o, _ in rows)
with open(f"{out}/results.tsv", "w") as f:
    for r in rows:
        f.write("\t".join(r) + "\n")
lines = [f"moto KMS suite (server mode) against KmsService {commit}; moto {moto_version}; {elapsed} s"
         + (f"; -k {kexpr!r}" if kexpr else ""),
         f"{len(rows)} tests: {counts['passed']} passed, {counts['failed']} failed, {counts['error']} errors, "
         f"{counts['skipped']} skipped"]
per_file = collections.defaultdict(collections.Counter)
for name, o, _ in rows:
    per_file[name.split("::")[0]][o] += 1
for module, c in sorted(per_file.items()):
    lines.append(f"  {module}: {c['passed']} passed, {c['failed']} failed, {c['error']} errors, {c['skipped']} skipped")
bad = [r for r in rows if r[1] in ("failed", "error")]
if bad:
    lines.append("")
    lines.append("not passed:")
    for name, o, detail in bad:
        lines.append(f"  {o.upper():6} {name}: {detail}")
text = "\n".join(lines) + "\n"
open(f"{out}/summary.txt", "w").write(text)
sys.stdout.write(text)
PY
log "results in $OUT (summary.txt, results.tsv, junit.xml, pytest.log, service.log)"
