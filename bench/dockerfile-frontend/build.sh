#!/usr/bin/env bash
# bench/dockerfile-frontend/build.sh — build BuildKit's dockerfile-frontend
# image from the BuildKit module pinned in hack/env.sh and push it to the
# local registry; prints the pushed image as a digest reference on stdout.
#
#   ref=$(bash bench/dockerfile-frontend/build.sh [stripped|unstripped])
#
# stripped (default): -ldflags "-s -w", as the mstage frontend image is built;
# unstripped: no -s -w, as BuildKit's release image is built.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
die() { printf 'dockerfile-frontend: %s\n' "$*" >&2; exit 1; }

flavor=${1:-stripped}
case "$flavor" in
  stripped) ldflags="-s -w" ;;
  unstripped) ldflags="" ;;
  *) die "unknown flavor $flavor (want stripped or unstripped)" ;;
esac
# shellcheck disable=SC2016 # the command is printed for the user to run
[[ -n "${MSTAGE_REGISTRY:-}" && -n "${MSTAGE_BUILDER:-}" ]] ||
  die 'MSTAGE_REGISTRY and MSTAGE_BUILDER must be set (run: eval "$(bash hack/env.sh env)")'

version=$(sed -n 's/^BUILDKIT_VERSION=\([^ ]*\).*/\1/p' "$ROOT/hack/env.sh")
[[ -n "$version" ]] || die "no BUILDKIT_VERSION in hack/env.sh"
moddir=$(cd "$ROOT" && go mod download -json "github.com/moby/buildkit@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[[ -d "$moddir" ]] || die "go mod download github.com/moby/buildkit@$version gave no module directory"

ref="$MSTAGE_REGISTRY/bench/dockerfile-frontend:$version-$flavor"
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-dockerfile-frontend.XXXXXX")
trap 'rm -rf "$work"' EXIT

printf 'dockerfile-frontend: building %s from %s\n' "$ref" "$moddir" >&2
buildx build --builder "$MSTAGE_BUILDER" \
  --file "$ROOT/bench/dockerfile-frontend/Dockerfile" \
  --build-context "buildkit=$moddir" \
  --build-arg "LDFLAGS=$ldflags" \
  --platform linux/amd64 \
  --provenance=false \
  --output "type=image,name=$ref,push=true,registry.insecure=true" \
  --metadata-file "$work/metadata.json" \
  --progress "${MSTAGE_PROGRESS:-plain}" \
  "$ROOT/bench/dockerfile-frontend" >&2

digest=$(sed -n 's/.*"containerimage\.digest": *"\(sha256:[0-9a-f]\{64\}\)".*/\1/p' "$work/metadata.json" | head -n 1)
[[ -n "$digest" ]] || die "no containerimage.digest in the build metadata"
printf '%s@%s\n' "${ref%:*}" "$digest"
