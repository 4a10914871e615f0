#!/usr/bin/env bash
# hack/fuzz.sh — run every Go fuzz target of mstage for a while, each under a
# memory limit, so that running out of memory counts as a crash.
#
#   hack/fuzz.sh [MINUTES] [TARGET...]   # default 5 minutes, every target
#
# Targets: FuzzParse (spec), FuzzCompile (llbgen), FuzzLint (lint),
# FuzzOutline (frontend). Each runs with one worker (-parallel 1) so that the
# run fits a shared machine. The memory limit is an address-space limit
# (ulimit -v, MSTAGE_FUZZ_MEM_KB, default 4 GiB) on the fuzzing processes: a
# worker that exceeds it dies with "fatal error: out of memory", which the
# fuzzer reports as a crash and keeps the input under
# testdata/fuzz/<Target>/ of the package, where go test runs it from then on.
# A test binary needs far more address space than memory, so the limit is
# generous; the hostile corpus (frontend TestHostileCorpus) bounds the peak
# RSS of each known case at 1 GiB.
#
# The summary line of each target (executions, new corpus entries, result)
# is printed at the end and written to $MSTAGE_FUZZ_LOGS (default
# /tmp/mstage-fuzz) with the full logs.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

minutes=${1:-5}
shift || true
only=" $* "
mem_kb=${MSTAGE_FUZZ_MEM_KB:-4194304}
logs=${MSTAGE_FUZZ_LOGS:-/tmp/mstage-fuzz}
mkdir -p "$logs"

targets=(
  "FuzzParse ./spec/"
  "FuzzCompile ./llbgen/"
  "FuzzLint ./lint/"
  "FuzzOutline ./frontend/"
)

failed=0
summary="$logs/summary.txt"
: >"$summary"
for t in "${targets[@]}"; do
  read -r name pkg <<<"$t"
  if [[ "$only" != "  " && "$only" != *" $name "* ]]; then
    continue
  fi
  log="$logs/$name.log"
  printf '==> %s (%s) for %sm, address space limited to %s KiB\n' "$name" "$pkg" "$minutes" "$mem_kb"
  # Build the test binary first, outside the limit (the compiler needs more).
  # -fuzz builds it with the coverage instrumentation that guides fuzzing.
  go test -c -fuzz "^$name\$" -o "$logs/$name.test" "$pkg"
  rc=0
  (
    cd "$pkg"
    ulimit -v "$mem_kb"
    exec "$logs/$name.test" -test.run '^$' -test.fuzz "^$name\$" -test.fuzztime "${minutes}m" \
      -test.parallel 1 -test.fuzzcachedir "$logs/cache/$name"
  ) >"$log" 2>&1 || rc=$?
  # The last progress line: "fuzz: elapsed: 2m0s, execs: 123456 (1028/sec), new interesting: 12 (total: 80)"
  # (new interesting: inputs that reached new code, added to the cache corpus)
  last=$(grep -E '^fuzz: elapsed' "$log" | tail -n 1 || true)
  if [[ $rc -eq 0 ]]; then result=ok; else result="FAIL (exit $rc)"; failed=1; fi
  printf '%s\t%s\t%s\n' "$name" "$result" "$last" | tee -a "$summary"
  if [[ $rc -ne 0 ]]; then
    tail -n 30 "$log" >&2
  fi
done
exit "$failed"
