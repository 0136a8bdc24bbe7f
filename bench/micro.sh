#!/usr/bin/env bash
# Run the hot-path micro-benchmarks (BenchmarkDotNet, short in-process job) and write bench/MICRO-RESULTS.md,
# which bench/run.sh copies into bench/RESULTS.md. Extra arguments go to BenchmarkDotNet (default --filter '*').
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d -t kms-micro.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
ARGS=("$@")
[[ ${#ARGS[@]} -gt 0 ]] || ARGS=(--filter '*')
START=$SECONDS
dotnet build -c Release -nologo -v q "$ROOT/bench/KmsService.MicroBench/KmsService.MicroBench.csproj" >"$WORK/build.log" 2>&1 \
    || { tail -30 "$WORK/build.log" >&2; exit 1; }
dotnet "$ROOT/bench/KmsService.MicroBench/bin/Release/net10.0/KmsService.MicroBench.dll" \
    --artifacts "$WORK/artifacts" "${ARGS[@]}" | tee "$WORK/run.log" | grep -E '^\s*(// \*\*\*|Run time|Global total)' >&2 || true
COMMIT=$(git -C "$ROOT" rev-parse --short=12 HEAD)
DIRTY=$([[ -n "$(git -C "$ROOT" status --porcelain -- src/KmsService.Core)" ]] && echo ", with uncommitted changes under src/KmsService.Core" || true)
{
    echo "Written by \`bench/micro.sh\` ($(date -u '+%Y-%m-%d %H:%M UTC'), $((SECONDS - START)) s; KmsService.Core at $COMMIT$DIRTY)."
    echo "BenchmarkDotNet short job, in process (3 warm-up + 3 measured iterations): indicative, not precise."
    echo "Json* benchmark records of the same shape and options as the service's internal KmsJsonContext, in the bench project."
    for f in "$WORK"/artifacts/results/*-report-github.md; do
        echo
        echo "#### $(basename "$f" -report-github.md | sed 's/^KmsService\.MicroBench\.//')"
        echo
        # Drop BenchmarkDotNet's environment preamble (kept once below) and its code fences.
        sed -n '/^| /,$p' "$f"
    done
    echo
    echo "Environment (BenchmarkDotNet):"
    echo
    echo '```'
    f=$(ls "$WORK"/artifacts/results/*-report-github.md | head -1)
    sed -n '/^```/,/^```/p' "$f" | sed '/^```/d'
    echo '```'
} >"$ROOT/bench/MICRO-RESULTS.md"
echo "wrote $ROOT/bench/MICRO-RESULTS.md" >&2
