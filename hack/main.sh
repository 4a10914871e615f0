#!/usr/bin/env bash
# The main job: bring up a local buildkitd and registry unless BUILDKIT_HOST is
# set, build and push the frontend image, then build every example through its
# `# syntax=` line and report targets, platforms, image sizes and wall times.
#
# Examples that need a secret get a demo value written by this script; the
# command that passes it is printed, so that it can be copied.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${BUILDKIT_HOST:-}" ]; then
	bash hack/env.sh up
	eval "$(bash hack/env.sh env)"
	echo "==> environment is up; stop it with: bash hack/env.sh down" >&2
fi
: "${MSTAGE_BUILDER:?MSTAGE_BUILDER must name a buildx builder for BUILDKIT_HOST}"
: "${MSTAGE_REGISTRY:?MSTAGE_REGISTRY must name a registry to push to}"
command -v buildx >/dev/null || {
	echo "main.sh: buildx is not on PATH (hack/env.sh env puts it there)" >&2
	exit 1
}

frontend=$(bash hack/build-frontend.sh)
echo "==> frontend image: $frontend" >&2

work=$(mktemp -d "${TMPDIR:-/tmp}/mstage-main.XXXXXX")
trap 'rm -rf "$work"' EXIT
go build -o "$work/imagesize" ./hack/imagesize
go build -o "$work/mstage" ./cmd/mstage
imagesize="$work/imagesize"
mstage="$work/mstage"

# outline_ids SECTION SPEC: the ids listed in one section (SECRETS, SSH) of
# `mstage outline`, one per line.
outline_ids() {
	"$mstage" outline "$2" | awk -v want="$1:" '
		/^$/ { in_section = 0; next }
		$0 == want { in_section = 1; header = 1; next }
		in_section && header { header = 0; next }
		in_section { print $1 }'
}

# megabytes BYTES: a byte count as MB with one decimal.
megabytes() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1000000 }'; }

summary="$work/summary"
sizes="$work/sizes"
for dir in examples/*/; do
	dir=${dir%/}
	example=$(basename "$dir")
	spec="$dir/mstage.yaml"
	started=$SECONDS

	echo "==> $example: targets" >&2
	buildx build --builder "$MSTAGE_BUILDER" -f "$spec" \
		--build-arg BUILDKIT_SYNTAX="$frontend" --call=targets "$dir"

	secret_flags=()
	while read -r id; do
		[ -n "$id" ] || continue
		file="$work/$example-secret-$id"
		printf 'demo-%s-from-hack-main.sh\n' "$id" >"$file"
		secret_flags+=(--secret "id=$id,src=$file")
		echo "==> $example: secret $id gets a demo value: --secret id=$id,src=$file" >&2
	done < <(outline_ids SECRETS "$spec")
	if [ -n "$(outline_ids SSH "$spec")" ]; then
		echo "main.sh: $example needs an ssh agent; main.sh has no demo for it" >&2
		exit 1
	fi

	ref="$MSTAGE_REGISTRY/examples/$example:latest"
	echo "==> $example: building the default target into $ref" >&2
	buildx build --builder "$MSTAGE_BUILDER" -f "$spec" \
		--build-arg BUILDKIT_SYNTAX="$frontend" "${secret_flags[@]}" \
		--output "type=image,name=$ref,push=true" "$dir"
	elapsed=$((SECONDS - started))

	builder=$("$mstage" targets "$spec" | awk '$2 == "builder" { print $1; exit }')
	single=""
	if [ -n "$builder" ]; then
		single="$MSTAGE_REGISTRY/examples/$example-single-stage:latest"
		buildx build --builder "$MSTAGE_BUILDER" -f "$spec" \
			--build-arg BUILDKIT_SYNTAX="$frontend" --target "$builder" \
			--output "type=image,name=$single,push=true" "$dir" >&2
	fi

	targets=$("$mstage" targets "$spec" | awk 'NR > 1 { printf "%s%s", sep, $1; sep = "," }')
	"$imagesize" "$ref" >"$sizes"
	platforms=$(awk '{ printf "%s%s", sep, $1; sep = "," }' "$sizes")
	while read -r platform _ size; do
		builder_size="-"
		if [ -n "$single" ]; then
			builder_size=$("$imagesize" "$single" | awk -v p="$platform" '$1 == p { print $3 }')
			builder_size="$(megabytes "$builder_size") (builder $builder)"
		fi
		printf '%-18s %-14s %10s  vs %s\n' "$example" "$platform" "$(megabytes "$size")" "$builder_size" >>"$summary.sizes"
	done <"$sizes"
	printf '%-18s %4ss  %-28s %s\n' "$example" "$elapsed" "$platforms" "$targets" >>"$summary"
done

echo
echo "Examples (wall time of the default target's build, its platforms, the stages --target can build):"
cat "$summary"
echo
echo "Runtime image per platform (compressed layers) vs the builder stage, which is what a single-stage Dockerfile would ship:"
cat "$summary.sizes"
