#!/usr/bin/env bash
# hack/actionlint.sh — lint the GitHub Actions workflows: this repository's
# (.github/workflows/*.yml) and the ones docs/ci.md shows to users.
#
# actionlint is built once from the Go module proxy at a pinned version into
# ${XDG_CACHE_HOME:-~/.cache}/mstage/tools/actionlint-<version>/. actionlint
# checks every `run:` block with shellcheck when that is on PATH (hack/test.sh
# installs it first).
#
# A workflow in a Markdown file is a ```yaml block right after the line
#   <!-- github-workflow -->
# Each one is written to a temporary .github/workflows/ directory and linted
# with the others; the script fails if a document has none, so that a marker
# lost in an edit does not turn the check off.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

ACTIONLINT_VERSION=v1.7.12
DOCS_WITH_WORKFLOWS=(docs/ci.md)

bin_dir="${XDG_CACHE_HOME:-$HOME/.cache}/mstage/tools/actionlint-$ACTIONLINT_VERSION"
actionlint="$bin_dir/actionlint"
if [[ ! -x "$actionlint" ]]; then
  printf 'building actionlint %s (cached in %s)\n' "$ACTIONLINT_VERSION" "$bin_dir"
  (cd / && GOFLAGS='' GOWORK=off GOBIN="$bin_dir" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION")
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/mstage-actionlint.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/.github/workflows"

# extract DOC PREFIX: write each marked ```yaml block of DOC to PREFIX-N.yml;
# print one line per block: the file, then the doc's line where the block starts.
extract() {
  awk -v prefix="$2" '
    /^<!-- github-workflow -->[[:space:]]*$/ { marked = 1; next }
    marked && /^```ya?ml[[:space:]]*$/ {
      n++; out = prefix "-" n ".yml"; inblock = 1; marked = 0
      print out "\t" NR + 1
      next
    }
    inblock && /^```[[:space:]]*$/ { inblock = 0; close(out); next }
    inblock { print > out; next }
    marked && NF { marked = 0 }' "$1"
}

files=()
for f in .github/workflows/*.yml .github/workflows/*.yaml; do
  [[ -e "$f" ]] && files+=("$f")
done
((${#files[@]})) || { echo "actionlint.sh: no workflow in .github/workflows" >&2; exit 1; }

for doc in "${DOCS_WITH_WORKFLOWS[@]}"; do
  n=0
  while IFS=$'\t' read -r file line; do
    n=$((n + 1))
    files+=("$file")
    printf '%s: the workflow at line %s is %s\n' "$doc" "$line" "$file"
  done < <(extract "$doc" "$work/.github/workflows/docs-$(basename "$doc" .md)")
  if ((n == 0)); then
    echo "actionlint.sh: $doc has no yaml block after a <!-- github-workflow --> line" >&2
    exit 1
  fi
done

if command -v shellcheck >/dev/null; then
  printf 'actionlint %s (with %s) on %d workflow(s)\n' "$ACTIONLINT_VERSION" "$(command -v shellcheck)" "${#files[@]}"
else
  printf 'actionlint %s on %d workflow(s); shellcheck is not on PATH, run: blocks are not checked\n' \
    "$ACTIONLINT_VERSION" "${#files[@]}"
fi
"$actionlint" -no-color "${files[@]}"
echo "actionlint: clean"
