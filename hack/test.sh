#!/usr/bin/env bash
# hack/test.sh — the one command that runs every test.
#
#   1. gofmt check, go vet, staticcheck, shellcheck (Debian's package, installed when missing),
#      actionlint on .github/workflows and on the workflows in docs/ci.md (hack/actionlint.sh)
#   2. unit tests: go test -race -short ./...   (e2e skips itself under -short)
#   3. release: the CLI cross-builds for darwin/arm64 and windows/amd64 (each OS and
#      arch of the release once besides linux/amd64, which the unit tests build; each
#      cold cross-build compiles every dependency again), and
#      `buildx bake --print release` is valid (buildx from hack/env.sh tools)
#   4. end-to-end: brings the environment up unless BUILDKIT_HOST is already set
#      (and takes it down again at exit, even on failure), builds and pushes the
#      frontend image from the working tree, then runs ./e2e/... against it.
#
# Environment:
#   MSTAGE_SKIP_E2E=1         stop after the unit tests
#   MSTAGE_FRONTEND_IMAGE     use this frontend image instead of building one
#   MSTAGE_E2E_RUN            passed to go test -run for the e2e tests
#   MSTAGE_TEST_LOGS          directory for the e2e log (default /tmp/mstage-test-logs)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

step() { printf '\n==> %s\n' "$*"; }
fail() { printf 'test.sh: FAIL: %s\n' "$*" >&2; exit 1; }

started_env=0
e2e_pid_dir=""
cleanup() {
  local rc=$? pf pid
  # Daemons the e2e tests started and could not stop themselves (e.g. after a timeout panic).
  if [[ -n "$e2e_pid_dir" && -d "$e2e_pid_dir" ]]; then
    for pf in "$e2e_pid_dir"/*.pid; do
      [[ -e "$pf" ]] || continue
      pid=$(cat "$pf")
      if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
        printf 'test.sh: stopping leftover e2e process %s (%s)\n' "$pid" "$(basename "$pf")" >&2
        kill -TERM "$pid" 2>/dev/null || true
        sleep 2
        kill -KILL "$pid" 2>/dev/null || true
      fi
    done
    rm -rf "$e2e_pid_dir"
  fi
  if [[ $started_env == 1 ]]; then
    step "stopping the test environment"
    hack/env.sh down || rc=1
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "gofmt"
unformatted=$(gofmt -l . 2>&1 || true)
if [[ -n "$unformatted" ]]; then
  printf '%s\n' "$unformatted" >&2
  fail "gofmt: the files above need formatting (run: gofmt -w <file>)"
fi

step "go vet ./..."
go vet ./...

step "staticcheck ./..."
staticcheck_version=v0.8.2
staticcheck_bin="${XDG_CACHE_HOME:-$HOME/.cache}/mstage/tools/staticcheck-$staticcheck_version/staticcheck"
if [[ ! -x "$staticcheck_bin" ]]; then
  GOBIN=$(dirname "$staticcheck_bin") go install "honnef.co/go/tools/cmd/staticcheck@$staticcheck_version"
fi
"$staticcheck_bin" ./...

step "shellcheck"
if ! command -v shellcheck >/dev/null; then
  printf 'installing shellcheck (apt-get)\n'
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 shellcheck >/dev/null ||
    { apt-get update -qq -o DPkg::Lock::Timeout=600 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 shellcheck >/dev/null; }
fi
shellcheck -x hack/*.sh hack/lib/*.sh bench/*.sh bench/*/*.sh .ci/run examples/*/fetch-report

step "actionlint (hack/actionlint.sh)"
hack/actionlint.sh

step "go test -race -short ./..."
go test -race -short -count=1 ./...

# The race detector multiplies CPU time and allocations, so the tests that
# bound them (the hostile corpus, linear lint) only log under -race: run them
# again without it, where their bounds hold.
step "hostile-input bounds without -race"
go test -short -count=1 -run 'Hostile|Linear|Bounded' ./spec/... ./lint/... ./frontend/...

step "release: the CLI cross-builds"
for platform in darwin/arm64 windows/amd64; do
  printf '%s\n' "$platform"
  CGO_ENABLED=0 GOOS=${platform%/*} GOARCH=${platform#*/} go build -o /dev/null ./cmd/mstage ||
    fail "go build ./cmd/mstage for $platform"
done

step "release: buildx bake --print release"
hack/env.sh tools
release_json=$(eval "$(hack/env.sh env)" && buildx bake --print release 2>/dev/null) ||
  fail "buildx bake --print release"
for want in '"release-cli"' '"release-image"' '"target": "cli"' '"windows/arm64"' '"darwin/arm64"' \
  '"linux/s390x"' '"type": "provenance"' '"type": "sbom"' '"push": "true"'; do
  grep -qF "$want" <<<"$release_json" || fail "buildx bake --print release has no $want"
done
printf 'release-cli: 6 platforms; release-image: every platform, provenance and SBOM, pushed\n'

if [[ "${MSTAGE_SKIP_E2E:-0}" == 1 ]]; then
  step "MSTAGE_SKIP_E2E=1: skipping the end-to-end tests"
  exit 0
fi

if [[ -z "${BUILDKIT_HOST:-}" ]]; then
  # Stop the environment at exit only if this run is what started it: one that
  # was already up (e.g. shared with other work) is left running.
  env_status=$(hack/env.sh status 2>/dev/null || true)
  if grep -q '^registry: *running' <<<"$env_status" && grep -q '^buildkitd1: *running' <<<"$env_status"; then
    step "using the environment that is already running (hack/env.sh status); it stays up afterwards"
  else
    step "hack/env.sh up"
    started_env=1
    hack/env.sh up
  fi
  eval "$(hack/env.sh env)"
else
  step "using the running environment (BUILDKIT_HOST=$BUILDKIT_HOST)"
  if [[ -z "${MSTAGE_REGISTRY:-}" ]]; then eval "$(hack/env.sh env)"; fi
fi

if [[ -z "${MSTAGE_FRONTEND_IMAGE:-}" ]]; then
  step "building the frontend image (hack/build-frontend.sh)"
  MSTAGE_FRONTEND_IMAGE=$(hack/build-frontend.sh)
fi
export MSTAGE_FRONTEND_IMAGE
printf 'frontend image under test: %s\n' "$MSTAGE_FRONTEND_IMAGE"

logs=${MSTAGE_TEST_LOGS:-/tmp/mstage-test-logs}
mkdir -p "$logs"
log="$logs/e2e-$(date -u +%Y%m%dT%H%M%SZ).log"
e2e_pid_dir=$(mktemp -d "${TMPDIR:-/tmp}/mstage-e2e-pids.XXXXXX")
export MSTAGE_E2E_PID_DIR=$e2e_pid_dir

step "go test ./e2e/... (full log: $log)"
run_args=()
if [[ -n "${MSTAGE_E2E_RUN:-}" ]]; then run_args=(-run "$MSTAGE_E2E_RUN"); fi
set +e
go test -count=1 -timeout 40m -v "${run_args[@]}" ./e2e/... 2>&1 |
  tee "$log" |
  grep --line-buffered -E '^[[:space:]]*--- (PASS|FAIL|SKIP)|^(ok|FAIL|PASS)([[:space:]]|$)|^panic:|^e2e summary'
status=${PIPESTATUS[0]}
set -e
if [[ $status != 0 ]]; then
  printf '\ne2e FAILED (exit %s); failure details:\n' "$status"
  # The output of every failed test: its "=== RUN/NAME/CONT" sections of the log.
  awk 'NR == FNR { if (match($0, /--- FAIL: [^ ]+/)) failed[substr($0, RSTART + 10, RLENGTH - 10)] = 1; next }
       /^=== (RUN|CONT|NAME|PAUSE)/ { p = ($3 in failed) }
       p' "$log" "$log" | head -n 600
  fail "end-to-end tests failed (full log: $log)"
fi
# Every e2e test can run in this environment; a skip means something it needs
# (buildx, the frontend image, a daemon) was missing, and must not pass silently.
if [[ -z "${MSTAGE_E2E_RUN:-}" ]] && grep -E '^[[:space:]]*--- SKIP' "$log"; then
  fail "end-to-end tests were skipped (full log: $log)"
fi
printf '\nall tests passed (e2e log: %s)\n' "$log"
