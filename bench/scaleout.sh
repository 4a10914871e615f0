#!/usr/bin/env bash
# bench/scaleout.sh — time a cold two-platform build of go-service's mstage
# spec on one buildkitd node and on two nodes (one platform each), and write
# bench/results/scaleout.csv for the report.
#
#   MSTAGE_SECOND_NODE=1 bash hack/env.sh up-second
#   bash bench/scaleout.sh [--runs N] [--no-report]
#
# Prunes the caches of both nodes before every build.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
log() { printf '[scaleout %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'scaleout: %s\n' "$*" >&2; exit 1; }

runs=3
report=1
while (($#)); do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --no-report) report=0; shift ;;
    *) die "unknown argument $1" ;;
  esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "--runs wants a positive integer, got $runs"

eval "$(bash "$ROOT/hack/env.sh" env)"
[[ -n "${MSTAGE_BUILDKIT_HOST_2:-}" ]] ||
  die "the second buildkitd node is not running (run: MSTAGE_SECOND_NODE=1 bash hack/env.sh up-second)"
if docker buildx version >/dev/null 2>&1; then buildx=(docker buildx); else buildx=(buildx); fi

# A builder of our own that pins one platform on each node; the environment's
# two-node builder leaves the choice of node to buildx.
builder=mstage-bench-scaleout
"${buildx[@]}" rm "$builder" >/dev/null 2>&1 || true
"${buildx[@]}" create --name "$builder" --node "${builder}1" --driver remote \
  --platform linux/amd64 "$BUILDKIT_HOST" >/dev/null
"${buildx[@]}" create --append --name "$builder" --node "${builder}2" \
  --platform linux/arm64 "$MSTAGE_BUILDKIT_HOST_2" >/dev/null

mkdir -p "$BENCH/results/scaleout-logs"
work=$(mktemp -d "${TMPDIR:-/tmp}/mstage-scaleout.XXXXXX")
trap '"${buildx[@]}" rm "$builder" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
cp -a "$BENCH/apps/go-service/." "$work/"

log "building the mstage frontend image"
ref=${MSTAGE_FRONTEND_REF:-$(bash "$ROOT/hack/build-frontend.sh" 2>"$BENCH/results/scaleout-logs/frontend.log")}

csv=$BENCH/results/scaleout.csv
echo "kind,app,variant,metric,run,value,unit" >"$csv"

for ((run = 1; run <= runs; run++)); do
  for nodes in 1node 2node; do
    buildctl --addr "$BUILDKIT_HOST" prune --all >/dev/null
    buildctl --addr "$MSTAGE_BUILDKIT_HOST_2" prune --all >/dev/null
    b=$MSTAGE_BUILDER
    [[ $nodes == 2node ]] && b=$builder
    logf=$BENCH/results/scaleout-logs/$nodes-$run.log
    t0=$(date +%s.%N)
    status=0
    "${buildx[@]}" build --builder "$b" --platform linux/amd64,linux/arm64 \
      -f "$work/mstage.yaml" --build-arg "BUILDKIT_SYNTAX=$ref" --no-cache --provenance=false \
      --progress plain \
      --output "type=image,name=$MSTAGE_REGISTRY/bench/go-service-scaleout-$nodes:latest,push=true,registry.insecure=true" \
      "$work" >"$logf" 2>&1 || status=$?
    t1=$(date +%s.%N)
    secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}')
    ((status == 0)) || secs=NaN
    echo "scaleout,go-service,$nodes,cold,$run,$secs,s" >>"$csv"
    log "$nodes run $run: ${secs}s"
  done
done

if ((report)) && [[ -L "$BENCH/results/latest.csv" ]]; then
  bash "$BENCH/run.sh" --report-only "$BENCH/results/latest.csv"
fi
