#!/usr/bin/env bash
# bench/run.sh — build each benchmark application three ways (naive
# Dockerfile, expert Dockerfile, plain mstage spec; warm: also the expert one
# via "# syntax=") on the local buildkitd, time it, regenerate docs/benchmarks.md.
#
#   bash bench/run.sh [--runs N] [--apps go-service,c-hello,cpp-app,node-web]
#                     [--variants naive,expert,mstage]
#                     [--scenarios cold,source,deps,noop] [--noop-reps N]
#                     [--no-go-bench] [--no-report] [--keep-work]
#   bash bench/run.sh --report-only bench/results/latest.csv
#
# Needs the environment of hack/env.sh (it is read with `hack/env.sh env`
# when BUILDKIT_HOST is unset). The cold scenario runs `buildctl prune --all`
# on that buildkitd before every cold build: do not run it while other
# builds use the same daemon. See bench/README.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

runs=3
apps=go-service,c-hello,cpp-app,node-web
variants=naive,expert,mstage
scenarios=cold,source,deps,noop
noop_reps=3
go_bench=1
report=1
keep_work=0
report_only=""

while (($#)); do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --apps) apps=$2; shift 2 ;;
    --variants) variants=$2; shift 2 ;;
    --scenarios) scenarios=$2; shift 2 ;;
    --noop-reps) noop_reps=$2; shift 2 ;;
    --no-go-bench) go_bench=0; shift ;;
    --no-report) report=0; shift ;;
    --keep-work) keep_work=1; shift ;;
    --report-only) report_only=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "--runs wants a positive integer, got $runs"
[[ "$noop_reps" =~ ^[1-9][0-9]*$ ]] || die "--noop-reps wants a positive integer, got $noop_reps"

has() { [[ ",$1," == *",$2,"* ]]; }

for a in ${apps//,/ }; do [[ -d "$BENCH/apps/$a" ]] || die "unknown app $a (have: $(cd "$BENCH/apps" && echo *))"; done
for v in ${variants//,/ }; do case "$v" in naive|expert|mstage) ;; *) die "unknown variant $v (want naive, expert, mstage)" ;; esac; done
for s in ${scenarios//,/ }; do case "$s" in cold|source|deps|noop) ;; *) die "unknown scenario $s (want cold, source, deps, noop)" ;; esac; done

# The side-by-side benchmark's output sits beside its CSV:
# bench-<stamp>.csv and bench-<stamp>-sidebyside.txt.
sidebyside_of() { local csv; csv=$(readlink -f "$1"); printf '%s\n' "${csv%.csv}-sidebyside.txt"; }

generate_report() {
  local csv=$1 args=() sbs
  sbs=$(sidebyside_of "$csv")
  if [[ -f "$BENCH/results/scaleout.csv" ]]; then args+=(-scaleout "$BENCH/results/scaleout.csv"); fi
  if [[ -f "$sbs" ]]; then args+=(-sidebyside "$sbs"); fi
  if [[ -f "$BENCH/gaps.md" ]]; then args+=(-gaps "$BENCH/gaps.md"); fi
  (cd "$ROOT" && go run ./bench/cmd/benchreport -csv "$csv" "${args[@]}" -o "$ROOT/docs/benchmarks.md")
  log "wrote docs/benchmarks.md from $csv"
}

if [[ -n "$report_only" ]]; then
  generate_report "$report_only"
  exit 0
fi

if [[ -z "${BUILDKIT_HOST:-}" || -z "${MSTAGE_BUILDER:-}" || -z "${MSTAGE_REGISTRY:-}" ]]; then
  eval "$(bash "$ROOT/hack/env.sh" env)"
fi
for tool in buildctl crane go; do command -v "$tool" >/dev/null || die "$tool not on PATH (run: eval \"\$(bash hack/env.sh env)\")"; done
if docker buildx version >/dev/null 2>&1; then
  buildx=(docker buildx)
else
  command -v buildx >/dev/null || die "neither docker buildx nor buildx is available"
  buildx=(buildx)
fi
buildctl debug workers >/dev/null 2>&1 || die "buildkitd at $BUILDKIT_HOST does not answer (run: bash hack/env.sh up)"

stamp=$(date -u +%Y%m%dT%H%M%SZ)
results=$BENCH/results
out=$results/$stamp
csv=$results/bench-$stamp.csv
mkdir -p "$out/logs"
work=$(mktemp -d "${TMPDIR:-/tmp}/mstage-bench.XXXXXX")
# shellcheck disable=SC2317 # called by the trap
cleanup() { if ((keep_work)); then log "work dir kept: $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT

echo "kind,app,variant,metric,run,value,unit" >"$csv"
# row KIND APP VARIANT METRIC RUN VALUE UNIT (values must not hold commas)
row() { local IFS=,; echo "$*" >>"$csv"; }
meta() { row meta - - "$1" 0 "$(printf '%s' "$2" | tr ',\n' '; ')" -; }

# ---------------------------------------------------------------------------
# Machine and versions.
# ---------------------------------------------------------------------------
meta date "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
meta nproc "$(nproc)"
meta memory "$(awk '/^MemTotal:/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
meta cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
meta kernel "$(uname -r)"
meta loadavg "$(cut -d' ' -f1-3 /proc/loadavg)"
meta buildkit "$(sed -n 's/^BUILDKIT_VERSION=\([^ ]*\).*/\1/p' "$ROOT/hack/env.sh")"
meta buildx "$(sed -n 's/^BUILDX_VERSION=\([^ ]*\).*/\1/p' "$ROOT/hack/env.sh")"
meta go "$(go env GOVERSION)"
meta runs "$runs"
meta noop_reps "$noop_reps"
meta apps "$apps"
meta variants "$variants"
meta scenarios "$scenarios"

# ---------------------------------------------------------------------------
# Frontend images.
# ---------------------------------------------------------------------------
imagesize_bin=$work/imagesize
(cd "$ROOT" && go build -o "$imagesize_bin" ./hack/imagesize)

# compressed_size REF: bytes of the linux/amd64 layers of REF
compressed_size() { "$imagesize_bin" "$1" | awk '$1 == "linux/amd64" {print $3; exit}'; }
layer_count() { "$imagesize_bin" "$1" | awk '$1 == "linux/amd64" {print $2; exit}'; }

# A frontend image is reused when its tag exists; set the *_REF variables to
# pick other ones.
dockerfile_frontend_ref() {
  local flavor=$1 version ref
  version=$(sed -n 's/^BUILDKIT_VERSION=\([^ ]*\).*/\1/p' "$ROOT/hack/env.sh")
  ref="$MSTAGE_REGISTRY/bench/dockerfile-frontend:$version-$flavor"
  if digest=$(crane digest --insecure "$ref" 2>/dev/null); then
    printf '%s@%s\n' "${ref%:*}" "$digest"
  else
    bash "$BENCH/dockerfile-frontend/build.sh" "$flavor" 2>"$out/logs/dockerfile-frontend-$flavor.log"
  fi
}
log "building the mstage frontend image (hack/build-frontend.sh)"
mstage_ref=${MSTAGE_FRONTEND_REF:-$(bash "$ROOT/hack/build-frontend.sh" 2>"$out/logs/mstage-frontend.log")} ||
  die "hack/build-frontend.sh failed; see $out/logs/mstage-frontend.log"
log "mstage frontend: $mstage_ref"
scenario_order=() warm_order=()
for s in cold source deps noop; do
  has "$scenarios" "$s" || continue
  scenario_order+=("$s")
  [[ $s == cold ]] || warm_order+=("$s")
done
# BuildKit's Dockerfile frontend image is only compared on warm builds.
dockerfile_ref="" dockerfile_unstripped_ref=""
if ((${#warm_order[@]})); then
  dockerfile_ref=${DOCKERFILE_FRONTEND_REF:-$(dockerfile_frontend_ref stripped)} ||
    die "building the dockerfile-frontend image failed; see $out/logs/"
  log "dockerfile frontend: $dockerfile_ref"
  dockerfile_unstripped_ref=$(dockerfile_frontend_ref unstripped) || dockerfile_unstripped_ref=""
fi
meta mstage_frontend "$mstage_ref"
row frontend - mstage compressed_bytes 0 "$(compressed_size "$mstage_ref")" B
if [[ -n "$dockerfile_ref" ]]; then
  meta dockerfile_frontend "$dockerfile_ref"
  row frontend - dockerfile compressed_bytes 0 "$(compressed_size "$dockerfile_ref")" B
fi
if [[ -n "$dockerfile_unstripped_ref" ]]; then
  row frontend - dockerfile-unstripped compressed_bytes 0 "$(compressed_size "$dockerfile_unstripped_ref")" B
fi

# ---------------------------------------------------------------------------
# Builds.
# ---------------------------------------------------------------------------
app_platforms() { echo linux/amd64,linux/arm64; }

# build_args VARIANT DIR: the build file and frontend of a variant.
build_args() {
  case "$1" in
    naive) echo "-f $2/Dockerfile.naive" ;;
    expert) echo "-f $2/Dockerfile.expert" ;;
    mstage) echo "-f $2/mstage.yaml --build-arg BUILDKIT_SYNTAX=$mstage_ref" ;;
    # The expert Dockerfile through a "# syntax=" image, to compare frontend
    # overheads like for like.
    expert-syntax) echo "-f $2/Dockerfile.expert --build-arg BUILDKIT_SYNTAX=$dockerfile_ref" ;;
  esac
}

now() { date +%s.%N; }

# build APP VARIANT DIR LOGNAME [extra buildx args...]: prints the wall-clock
# seconds; returns non-zero when the build fails.
build() {
  local app=$1 variant=$2 dir=$3 logname=$4; shift 4
  local t0 t1 rc=0
  t0=$(now)
  # shellcheck disable=SC2046 # build_args prints a list of words
  "${buildx[@]}" build --builder "$MSTAGE_BUILDER" \
    --platform "$(app_platforms "$app")" \
    $(build_args "$variant" "$dir") \
    --provenance=false \
    --progress plain \
    --output "type=image,name=$MSTAGE_REGISTRY/bench/$app-$variant:latest,push=true,registry.insecure=true" \
    "$@" "$dir" >"$out/logs/$logname.log" 2>&1 || rc=$?
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", b - a}'
  return "$rc"
}

# timed APP VARIANT SCENARIO RUN DIR [extra buildx args...]: one timed build,
# recorded in the CSV.
timed() {
  local app=$1 variant=$2 scenario=$3 run=$4 dir=$5; shift 5
  local secs status=ok
  secs=$(build "$app" "$variant" "$dir" "$app-$variant-$scenario-$run" "$@") || status=fail
  if [[ $status == ok ]]; then
    row build "$app" "$variant" "$scenario" "$run" "$secs" s
    log "$app $variant $scenario run $run: ${secs}s"
  else
    row build "$app" "$variant" "$scenario" "$run" NaN s
    log "$app $variant $scenario run $run: FAILED after ${secs}s (log: $out/logs/$app-$variant-$scenario-$run.log)"
  fi
}

warm() {
  local app=$1 variant=$2 dir=$3 tag=$4
  log "$app $variant: warm-up build ($tag)"
  build "$app" "$variant" "$dir" "$app-$variant-warm-$tag" >/dev/null ||
    log "$app $variant: warm-up build failed (log: $out/logs/$app-$variant-warm-$tag.log)"
}

fresh_copy() {
  local app=$1 dir=$2
  rm -rf "$dir"
  mkdir -p "$dir"
  cp -a "$BENCH/apps/$app/." "$dir/"
}

# shellcheck disable=SC2317 # called through a variable
# change_source APP DIR NONCE: a one-line edit of the program's greeting.
change_source() {
  case "$1" in
    go-service) sed -i "s|^const greeting = .*|const greeting = \"hello from go-service ($3)\"|" "$2/main.go" ;;
    c-hello) sed -i "s|^#define GREETING .*|#define GREETING \"hello from c-hello ($3)\"|" "$2/hello.c" ;;
    cpp-app) sed -i "s|^#define GREETING .*|#define GREETING \"hello from cpp-app ($3)\"|" "$2/main.cpp" ;;
    node-web) sed -i "s|^const greeting = .*|const greeting = 'hello from node-web ($3)';|" "$2/server.js" ;;
  esac
}

# shellcheck disable=SC2317 # called through a variable
# change_deps APP DIR NONCE: switch to the other committed dependency set.
# The nonce comment keeps the manifest new to the layer cache even when the
# same dependency set was built in an earlier run.
change_deps() {
  local app=$1 dir=$2 nonce=$3
  case "$app" in
    go-service)
      cp "$BENCH/apps/$app/go.mod.alt" "$dir/go.mod"
      cp "$BENCH/apps/$app/go.sum.alt" "$dir/go.sum"
      printf '\n// bench: %s\n' "$nonce" >>"$dir/go.mod"
      ;;
    c-hello | cpp-app)
      cp "$BENCH/apps/$app/packages.txt.alt" "$dir/packages.txt"
      printf '# bench: %s\n' "$nonce" >>"$dir/packages.txt"
      ;;
    node-web)
      cp "$BENCH/apps/$app/package.json.alt" "$dir/package.json"
      cp "$BENCH/apps/$app/package-lock.json.alt" "$dir/package-lock.json"
      sed -i "s|\"description\": \"[^\"]*\"|\"description\": \"bench: $nonce\"|" "$dir/package.json"
      ;;
  esac
}

measure_image() {
  local app=$1 variant=$2 ref="$MSTAGE_REGISTRY/bench/$1-$2:latest" tarfile
  crane digest --insecure "$ref" >/dev/null 2>&1 || return 0
  row image "$app" "$variant" compressed_bytes 0 "$(compressed_size "$ref")" B
  row image "$app" "$variant" layers 0 "$(layer_count "$ref")" count
  tarfile=$work/export.tar
  crane export --insecure --platform linux/amd64 "$ref" "$tarfile"
  row image "$app" "$variant" layer_tar_bytes 0 "$(stat -c %s "$tarfile")" B
  row image "$app" "$variant" artifact_bytes 0 "$(tar -tvf "$tarfile" | awk '$1 ~ /^-/ {s += $3} END {print s + 0}')" B
  row image "$app" "$variant" config_bytes 0 "$(crane config --insecure --platform linux/amd64 "$ref" | wc -c)" B
  row image "$app" "$variant" manifest_bytes 0 "$(crane manifest --insecure --platform linux/amd64 "$ref" | wc -c)" B
  rm -f "$tarfile"
}

# run_scenarios APP VARIANT RUN SCENARIO...: the scenarios, in order, on a
# fresh copy of the app; a warm scenario first builds it once if nothing has.
# The nonce names the variant: expert and expert-syntax compile to the same
# LLB, and one must not find the other's changed build in the cache.
run_scenarios() {
  local app=$1 variant=$2 run=$3; shift 3
  local dir=$work/$app-$variant built=0 scenario rep nonce="$variant-run$run-$stamp"
  fresh_copy "$app" "$dir"
  for scenario in "$@"; do
    case "$scenario" in
      cold)
        log "$app $variant: buildctl prune --all"
        buildctl prune --all >"$out/logs/prune-$app-$variant-$run.log" 2>&1 || log "prune failed"
        timed "$app" "$variant" cold "$run" "$dir" --no-cache
        ;;
      source|deps)
        ((built)) || warm "$app" "$variant" "$dir" "$scenario-$run"
        "change_$scenario" "$app" "$dir" "$nonce"
        timed "$app" "$variant" "$scenario" "$run" "$dir"
        ;;
      noop)
        ((built)) || warm "$app" "$variant" "$dir" "noop-$run"
        for ((rep = 1; rep <= noop_reps; rep++)); do
          timed "$app" "$variant" noop "$run.$rep" "$dir"
        done
        ;;
    esac
    built=1
  done
}

for ((run = 1; run <= runs; run++)); do
  for app in ${apps//,/ }; do
    for variant in ${variants//,/ }; do
      run_scenarios "$app" "$variant" "$run" "${scenario_order[@]}"
      ((run == 1)) && measure_image "$app" "$variant"
    done
    # The expert Dockerfile through BuildKit's dockerfile-frontend image
    # loaded with "# syntax=", as mstage's image is: the warm scenarios
    # compared with the frontend overhead on both sides.
    if ((${#warm_order[@]})) && has "$variants" mstage; then
      run_scenarios "$app" expert-syntax "$run" "${warm_order[@]}"
    fi
  done
done

# ---------------------------------------------------------------------------
# Go benchmarks and the frontend's peak memory on the 1,000-stage spec.
# ---------------------------------------------------------------------------
if ((go_bench)); then
  log "go test -bench ./llbgen/"
  (cd "$ROOT" && go test -run '^$' -bench 1000Stages -benchmem -count "$runs" ./llbgen/) >"$out/gobench.txt" 2>&1 ||
    log "go benchmarks failed (see $out/gobench.txt)"
  awk '/^Benchmark/ {
         name = $1; sub(/-[0-9]+$/, "", name); n[name]++
         for (i = 3; i < NF; i++) {
           unit = $(i + 1)
           if (unit == "ns/op" || unit == "B/op" || unit == "allocs/op") {
             gsub("/", "_", unit); printf "gobench,llbgen,%s,%s,%d,%s,%s\n", name, unit, n[name], $i, unit
           }
         }
       }' "$out/gobench.txt" >>"$csv"
  log "peak memory (bench/cmd/peakmem)"
  peakmem_bin=$work/peakmem
  (cd "$ROOT" && go build -o "$peakmem_bin" ./bench/cmd/peakmem)
  for ((run = 1; run <= runs; run++)); do
    "$peakmem_bin" | while read -r metric value; do
      row peakmem frontend llbgen "$metric" "$run" "$value" B
    done
  done
  # mstage beside BuildKit's Dockerfile frontend on the equivalent
  # Dockerfile, at 10, 100 and 1,000 stages: time, bytes and allocations in
  # one process (the go test output is kept beside the CSV for benchreport),
  # then the peak memory of each side in a process of its own.
  log "go test -bench SideBySide ./bench/sidebyside/"
  (cd "$ROOT" && go test -run '^$' -bench SideBySide -benchmem -count "$runs" ./bench/sidebyside/) >"$(sidebyside_of "$csv")" 2>&1 ||
    log "side-by-side benchmark failed (see $(sidebyside_of "$csv"))"
  for ((run = 1; run <= runs; run++)); do
    for stages in 10 100 1000; do
      for side in mstage dockerfile; do
        "$peakmem_bin" -side "$side" -stages "$stages" | while read -r metric value; do
          row peakmem "sidebyside-$stages" "$side" "$metric" "$run" "$value" B
        done
      done
    done
  done
fi

ln -sfn "$(basename "$csv")" "$results/latest.csv"
log "raw results: $csv (logs in $out/logs)"
((report)) && generate_report "$csv"
exit 0
