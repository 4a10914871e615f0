#!/usr/bin/env bash
# hack/build-frontend.sh — build the mstage frontend image from the working tree
# and push it to the test registry.
#
#   eval "$(hack/env.sh env)"
#   ref=$(hack/build-frontend.sh)      # 127.0.0.1:5000/mstage/mstage@sha256:...
#
# Pushes $MSTAGE_REGISTRY/mstage/mstage:test and :1 (the registry mirrors
# docker.io, so `# syntax=docker.io/mstage/mstage:1` resolves to this build) and
# prints the pushed image as a digest reference on stdout; everything else goes
# to stderr.
#
# Environment:
#   MSTAGE_REGISTRY            registry to push to (required)
#   MSTAGE_BUILDER             buildx builder; when unset, buildctl is used with BUILDKIT_HOST
#   MSTAGE_FRONTEND_PLATFORMS  platforms of the image (default: linux/amd64)
#   GO_IMAGE                   passed as the GO_IMAGE build arg when set
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

die() { printf 'build-frontend: %s\n' "$*" >&2; exit 1; }

# shellcheck disable=SC2016 # the command is printed for the user to run
[[ -n "${MSTAGE_REGISTRY:-}" ]] || die 'MSTAGE_REGISTRY is not set (run: eval "$(hack/env.sh env)")'
[[ -f "$ROOT/Dockerfile" ]] || die "no Dockerfile at $ROOT/Dockerfile"

repo="$MSTAGE_REGISTRY/mstage/mstage"
platforms=${MSTAGE_FRONTEND_PLATFORMS:-linux/amd64}
work=$(mktemp -d "${TMPDIR:-/tmp}/mstage-build-frontend.XXXXXX")
trap 'rm -rf "$work"' EXIT
meta="$work/metadata.json"

# The Dockerfile's "# syntax=" image resolves through the registry mirror, which
# holds only what hack/env.sh put there. When the image is missing, build with
# buildkitd's built-in Dockerfile frontend instead (same line numbers).
dockerfile="$ROOT/Dockerfile"
syntax=$(sed -n '1s/^#[[:space:]]*syntax[[:space:]]*=[[:space:]]*\([^[:space:]]*\).*/\1/p' "$dockerfile")
if [[ -n "$syntax" ]]; then
  image=${syntax#docker.io/}
  tag=latest
  if [[ "${image##*/}" == *:* ]]; then tag=${image##*:}; image=${image%:*}; fi
  if [[ "$image" != */* ]]; then image="library/$image"; fi
  if ! curl -fsS -o /dev/null --max-time 5 \
    -H 'Accept: application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' \
    "http://$MSTAGE_REGISTRY/v2/$image/manifests/$tag" 2>/dev/null; then
    printf 'build-frontend: %s is not in %s; using the built-in Dockerfile frontend\n' "$syntax" "$MSTAGE_REGISTRY" >&2
    sed '1s/.*/# (syntax directive dropped by hack\/build-frontend.sh)/' "$ROOT/Dockerfile" >"$work/Dockerfile"
    dockerfile="$work/Dockerfile"
  fi
fi

build_args=()
if [[ -n "${GO_IMAGE:-}" ]]; then build_args+=(--build-arg "GO_IMAGE=$GO_IMAGE"); fi

if [[ -n "${MSTAGE_BUILDER:-}" ]]; then
  printf 'build-frontend: buildx build --builder %s (%s) -> %s:test, %s:1\n' \
    "$MSTAGE_BUILDER" "$platforms" "$repo" "$repo" >&2
  buildx build --builder "$MSTAGE_BUILDER" \
    --file "$dockerfile" \
    --platform "$platforms" \
    --provenance=false \
    "${build_args[@]}" \
    --output "type=image,\"name=$repo:test,$repo:1\",push=true,registry.insecure=true" \
    --metadata-file "$meta" \
    --progress "${MSTAGE_PROGRESS:-plain}" \
    "$ROOT" >&2
else
  # shellcheck disable=SC2016 # the command is printed for the user to run
  [[ -n "${BUILDKIT_HOST:-}" ]] || die 'neither MSTAGE_BUILDER nor BUILDKIT_HOST is set (run: eval "$(hack/env.sh env)")'
  printf 'build-frontend: buildctl build (%s) -> %s:test, %s:1\n' "$platforms" "$repo" "$repo" >&2
  opts=()
  if [[ -n "${GO_IMAGE:-}" ]]; then opts+=(--opt "build-arg:GO_IMAGE=$GO_IMAGE"); fi
  buildctl build --frontend dockerfile.v0 \
    --local "context=$ROOT" --local "dockerfile=$(dirname "$dockerfile")" \
    --opt filename=Dockerfile \
    --opt "platform=$platforms" \
    "${opts[@]}" \
    --output "type=image,\"name=$repo:test,$repo:1\",push=true,registry.insecure=true" \
    --metadata-file "$meta" \
    --progress "${MSTAGE_PROGRESS:-plain}" >&2
fi

digest=$(sed -n 's/.*"containerimage\.digest": *"\(sha256:[0-9a-f]\{64\}\)".*/\1/p' "$meta" | head -n 1)
[[ -n "$digest" ]] || die "no containerimage.digest in the build metadata: $(cat "$meta")"
printf '%s@%s\n' "$repo" "$digest"
