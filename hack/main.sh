#!/usr/bin/env bash
# The main job: bring up a local buildkitd and registry unless BUILDKIT_HOST is
# set, build and push the frontend image, then build every example through its
# `# syntax=` line and report targets, platforms and image sizes.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${BUILDKIT_HOST:-}" ]; then
	bash hack/env.sh up
	eval "$(bash hack/env.sh env)"
	echo "==> environment is up; stop it with: bash hack/env.sh down" >&2
fi
: "${MSTAGE_BUILDER:?MSTAGE_BUILDER must name a buildx builder for BUILDKIT_HOST}"
: "${MSTAGE_REGISTRY:?MSTAGE_REGISTRY must name a registry to push to}"

frontend=$(bash hack/build-frontend.sh)
echo "==> frontend image: $frontend" >&2

report=$(mktemp)
trap 'rm -f "$report"' EXIT
go build -o "${TMPDIR:-/tmp}/mstage-imagesize" ./hack/imagesize
go build -o "${TMPDIR:-/tmp}/mstage-cli" ./cmd/mstage
imagesize="${TMPDIR:-/tmp}/mstage-imagesize"
mstage="${TMPDIR:-/tmp}/mstage-cli"

for dir in examples/*/; do
	example=$(basename "$dir")
	spec="$dir/mstage.yaml"
	echo "==> $example: targets" >&2
	docker buildx build --builder "$MSTAGE_BUILDER" -f "$spec" \
		--build-arg BUILDKIT_SYNTAX="$frontend" --call=targets "$dir"

	ref="$MSTAGE_REGISTRY/examples/$example:latest"
	echo "==> $example: building the default target into $ref" >&2
	docker buildx build --builder "$MSTAGE_BUILDER" -f "$spec" \
		--build-arg BUILDKIT_SYNTAX="$frontend" \
		--output "type=image,name=$ref,push=true" "$dir"

	builder=$("$mstage" targets "$spec" | awk '$2 == "builder" { print $1; exit }')
	single=""
	if [ -n "$builder" ]; then
		single="$MSTAGE_REGISTRY/examples/$example-single-stage:latest"
		docker buildx build --builder "$MSTAGE_BUILDER" -f "$spec" \
			--build-arg BUILDKIT_SYNTAX="$frontend" --target "$builder" \
			--output "type=image,name=$single,push=true" "$dir" >&2
	fi
	while read -r platform layers size; do
		single_size="-"
		if [ -n "$single" ]; then
			single_size=$("$imagesize" "$single" | awk -v p="$platform" '$1==p {print $3}')
		fi
		printf '%-18s %-16s %6s layers %12s bytes   single-stage (builder %s): %s bytes\n' \
			"$example" "$platform" "$layers" "$size" "${builder:-none}" "${single_size:--}" >>"$report"
	done < <("$imagesize" "$ref")
done

echo
echo "Example images (compressed size of the runtime next to its builder stage, which is what a single-stage Dockerfile would ship):"
cat "$report"
