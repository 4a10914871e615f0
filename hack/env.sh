#!/usr/bin/env bash
# hack/env.sh — hermetic test environment for mstage.
#
#   hack/env.sh up          build/cache tools, start registry + buildkitd (+ second node
#                           if MSTAGE_SECOND_NODE=1), create the buildx builder, push base images
#   hack/env.sh up-second   start the second buildkitd node (and the two-node builder)
#   hack/env.sh tools       only build/cache the tools (buildkitd, buildctl, buildx, crane)
#   hack/env.sh env         print shell exports:  eval "$(hack/env.sh env)"
#   hack/env.sh status      show what is running
#   hack/env.sh down        stop everything started by `up`, remove the buildx builders
#   hack/env.sh clean       down + delete the state dir (registry data, buildkit cache)
#
# See hack/README.md.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

# ---------------------------------------------------------------------------
# Pinned versions: the only place versions live.
# ---------------------------------------------------------------------------
BUILDKIT_VERSION=v0.34.2            # github.com/moby/buildkit (buildkitd, buildctl)
BUILDX_VERSION=v0.38.2              # github.com/docker/buildx
GGCR_VERSION=v0.22.1                # github.com/google/go-containerregistry (crane)
GO_IMAGE_VERSION=1.26.8             # Go toolchain inside library/golang images
DEBIAN_SUITE=bookworm               # library/debian image (and source of .debs)
RUST_IMAGE_VERSION=1.63             # library/rust: Debian's rustc and cargo (checked against the .debs)
PYTHON_IMAGE_VERSION=3.11           # library/python: Debian's python3 and python3-venv (checked)
PYTHON_IMAGE_RECIPE=2               # library/python's content: bump when it changes (tag mstage-recipe-N)
NODE_DEB_VERSION=18.20.4+dfsg-1~deb12u3   # Debian's nodejs/libnode108 inside library/node images
NPM_VERSION=10.9.2                  # npm (from the npm registry) inside library/node images
NPM_INTEGRITY=sha512-iriPEPIkoMYUy3F6f3wwSZAU93E0Eg6cHwIR6jzzOXWSy+SD/rOODEs74cVONHKSx2obXtuUoyidVEhISrisgQ==
YARN_VERSION=1.22.22                # yarn classic (from the npm registry) inside library/node, as in the official images
YARN_INTEGRITY=sha512-prL3kGtyG7o9Z9Sv8IPfBNrWTDmXB4Qbes8A9rEzt6wkJV8mUvoirjU0Mp3GGAU06Y0XQyA3/2/RQFVuK7MTfg==
NODE_IMAGE_RECIPE=2                 # library/node's content: bump when it changes (tag mstage-recipe-N)
C_TOOLCHAINS_RECIPE=1               # mstage/c-toolchains (Debian's gcc/g++ + cross gcc/g++): bump when its content changes
IMAGE_PLATFORMS="amd64 arm64"       # linux/<arch> of every base image
IMAGE_RECIPE=1                      # bump to force rebuilding cached image layers

# ---------------------------------------------------------------------------
# Locations (overridable through the environment).
# ---------------------------------------------------------------------------
HACK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STATE=${MSTAGE_ENV_DIR:-/tmp/mstage-env}
REGISTRY_PORT=${MSTAGE_REGISTRY_PORT:-5000}
REGISTRY=127.0.0.1:${REGISTRY_PORT}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/mstage
TOOLS=$CACHE/tools
BUILDKIT_DIR=$TOOLS/buildkit-$BUILDKIT_VERSION
BUILDX_DIR=$TOOLS/buildx-$BUILDX_VERSION
CRANE_DIR=$TOOLS/crane-$GGCR_VERSION
BUILDX_PLUGIN_DIR=${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins
# buildx builders: "mstage" (node 1) and "mstage-2node" (both nodes, while node 2 runs).
# A non-default state dir gets its own names so two environments never share a builder.
if [[ -n "${MSTAGE_BUILDER_NAME:-}" ]]; then
  BUILDER=$MSTAGE_BUILDER_NAME
elif [[ "$STATE" == /tmp/mstage-env ]]; then
  BUILDER=mstage
else
  BUILDER=mstage-$(basename "$STATE" | tr -c 'a-zA-Z0-9_\n-' '-')
fi
BUILDER_2NODE=$BUILDER-2node

# shellcheck source=lib/common.sh
source "$HACK_DIR/lib/common.sh"
# shellcheck source=lib/tools.sh
source "$HACK_DIR/lib/tools.sh"
# shellcheck source=lib/daemons.sh
source "$HACK_DIR/lib/daemons.sh"
# shellcheck source=lib/images.sh
source "$HACK_DIR/lib/images.sh"

cmd_up() {
  local t0=$SECONDS
  mkdir -p "$STATE"
  ensure_apt_packages
  ensure_binfmt
  ensure_tools
  write_buildkitd_config
  start_registry
  start_buildkitd 1
  if [[ "${MSTAGE_SECOND_NODE:-0}" == 1 ]]; then start_buildkitd 2; fi
  ensure_builders
  ensure_images
  log "environment up in $((SECONDS - t0))s — run: eval \"\$($0 env)\""
}

cmd_up_second() {
  mkdir -p "$STATE"
  ensure_binfmt
  ensure_tools
  write_buildkitd_config
  start_buildkitd 2
  ensure_builders
}

cmd_env() {
  local dirs="" d
  for d in "$BUILDKIT_DIR" "$BUILDX_DIR" "$CRANE_DIR"; do
    case ":$PATH:" in *":$d:"*) ;; *) dirs="${dirs:+$dirs:}$d" ;; esac
  done
  printf 'export BUILDKIT_HOST=%q\n' "unix://$(node_sock 1)"
  printf 'export MSTAGE_BUILDKIT_HOST=%q\n' "unix://$(node_sock 1)"
  printf 'export MSTAGE_BUILDER=%q\n' "$BUILDER"
  printf 'export MSTAGE_REGISTRY=%q\n' "$REGISTRY"
  printf 'export MSTAGE_ENV_DIR=%q\n' "$STATE"
  if node_running 2; then
    printf 'export MSTAGE_BUILDKIT_HOST_2=%q\n' "unix://$(node_sock 2)"
    printf 'export MSTAGE_BUILDER_2NODE=%q\n' "$BUILDER_2NODE"
  else
    printf 'unset MSTAGE_BUILDKIT_HOST_2 MSTAGE_BUILDER_2NODE\n'
  fi
  if [[ -n "$dirs" ]]; then
    # shellcheck disable=SC2016 # $PATH expands where the output is eval'ed
    printf 'export PATH=%q"${PATH:+:$PATH}"\n' "$dirs"
  fi
}

cmd_status() {
  local n
  if pid_alive "$STATE/registry.pid"; then echo "registry:  running (pid $(cat "$STATE/registry.pid")) on $REGISTRY"; else echo "registry:  stopped"; fi
  for n in 1 2; do
    if node_running "$n"; then echo "buildkitd$n: running (pid $(cat "$(node_pidfile "$n")")) unix://$(node_sock "$n")"; else echo "buildkitd$n: stopped"; fi
  done
}

cmd_down() {
  remove_builders
  stop_buildkitd 2
  stop_buildkitd 1
  stop_registry
  log "environment down"
}

cmd_clean() {
  cmd_down
  log "removing $STATE"
  rm -rf "$STATE"
}

LOCK_FILE=$CACHE/env.lock
case "${1:-}" in
  up) take_lock "$LOCK_FILE"; cmd_up ;;
  up-second) take_lock "$LOCK_FILE"; cmd_up_second ;;
  tools) take_lock "$LOCK_FILE"; ensure_tools ;;
  env) cmd_env ;;
  status) cmd_status ;;
  down) take_lock "$LOCK_FILE"; cmd_down ;;
  clean) take_lock "$LOCK_FILE"; cmd_clean ;;
  *) echo "usage: $0 {up|up-second|tools|env|status|down|clean}" >&2; exit 2 ;;
esac
