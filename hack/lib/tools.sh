# shellcheck shell=bash
# Host packages, binfmt_misc and the Go-built tools (buildkitd, buildctl, buildx, crane).

APT_PACKAGES=(runc curl qemu-user-static binfmt-support busybox-static ca-certificates mmdebstrap arch-test tar gzip)
_APT_UPDATED=0

apt_update_once() {
  if [[ $_APT_UPDATED == 0 ]]; then
    log "apt-get update"
    run_logged "$STATE/logs/apt.log" apt-get update -o DPkg::Lock::Timeout=600
    _APT_UPDATED=1
  fi
}

pkg_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

ensure_apt_packages() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do pkg_installed "$p" || missing+=("$p"); done
  # The images' .debs come through apt_for (hack/lib/images.sh), with lists of their own per
  # arch: the host needs no foreign architecture.
  if ((${#missing[@]})); then
    apt_update_once
    log "apt-get install ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive run_logged "$STATE/logs/apt.log" \
      apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}"
  fi
}

# binfmt_misc must be mounted and qemu-aarch64 registered before buildkitd starts,
# otherwise buildkitd does not list linux/arm64 (or only emulates the first process).
ensure_binfmt() {
  local bm=/proc/sys/fs/binfmt_misc
  if [[ ! -e $bm/register ]]; then
    log "mounting binfmt_misc"
    mount -t binfmt_misc binfmt_misc "$bm" || die "cannot mount binfmt_misc on $bm"
  fi
  if [[ ! -e $bm/qemu-aarch64 ]]; then
    log "registering qemu binfmt handlers"
    update-binfmts --enable >>"$STATE/logs/binfmt.log" 2>&1 || true
  fi
  [[ -e $bm/qemu-aarch64 ]] || die "qemu-aarch64 is not registered in $bm (see $STATE/logs/binfmt.log)"
  grep -q '^enabled' "$bm/qemu-aarch64" || die "qemu-aarch64 binfmt handler is disabled"
  grep -q '^flags:.*F' "$bm/qemu-aarch64" || warn "qemu-aarch64 is registered without the F flag; emulation inside containers may fail"
}

# mod_dir MODULE@VERSION: download the module from the Go module proxy, print its directory.
mod_dir() {
  local out dir
  out=$(cd / && GOFLAGS='' GOWORK=off go mod download -json "$1") || { printf '%s\n' "$out" >&2; die "go mod download $1 failed"; }
  dir=$(printf '%s\n' "$out" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  [[ -n "$dir" && -d "$dir" ]] || { printf '%s\n' "$out" >&2; die "go mod download $1: no Dir"; }
  printf '%s\n' "$dir"
}

# build_tool DESTDIR MODULE@VERSION CGO LDFLAGS BIN... PKG...: go build PKGs inside the
# downloaded module (go install refuses modules with exclude directives) into DESTDIR;
# cached by version (DESTDIR/.recipe records how it was built).
build_tool() {
  local dest=$1 modver=$2 cgo=$3 ldflags=$4; shift 4
  local bins=() pkgs=() a ok=1 recipe
  for a in "$@"; do
    if [[ $a == ./* ]]; then pkgs+=("$a"); else bins+=("$a"); fi
  done
  recipe="$modver cgo=$cgo ldflags=$ldflags pkgs=${pkgs[*]}"
  for a in "${bins[@]}"; do [[ -x "$dest/$a" ]] || ok=0; done
  [[ "$(cat "$dest/.recipe" 2>/dev/null)" == "$recipe" ]] || ok=0
  [[ $ok == 1 ]] && return 0
  log "building ${bins[*]} from $modver (takes a few minutes once; cached in $dest)"
  local dir tmp logf
  logf="$STATE/logs/build-$(basename "$dest").log"
  dir=$(mod_dir "$modver")
  tmp="$dest.tmp.$$"
  rm -rf "$tmp"; mkdir -p "$tmp"
  # The module cache is read-only; building there with -o outside works.
  if ! (cd "$dir" && CGO_ENABLED=$cgo GOFLAGS=-mod=mod GOWORK=off go build -trimpath -ldflags "$ldflags" -o "$tmp/" "${pkgs[@]}") >"$logf" 2>&1; then
    show_log "$logf"; rm -rf "$tmp"; die "building $modver failed (log: $logf)"
  fi
  printf '%s\n' "$recipe" >"$tmp/.recipe"
  rm -rf "$dest"; mv "$tmp" "$dest"
}

ensure_tools() {
  command -v go >/dev/null || die "go is not on PATH"
  mkdir -p "$TOOLS" "$STATE/logs"
  # Version stamps matter: buildx gates features on the BuildKit version it reports.
  build_tool "$CRANE_DIR" "github.com/google/go-containerregistry@$GGCR_VERSION" 0 \
    "-s -w" crane ./cmd/crane
  build_tool "$BUILDKIT_DIR" "github.com/moby/buildkit@$BUILDKIT_VERSION" 1 \
    "-s -w -X github.com/moby/buildkit/version.Version=$BUILDKIT_VERSION" \
    buildkitd buildctl ./cmd/buildkitd ./cmd/buildctl
  build_tool "$BUILDX_DIR" "github.com/docker/buildx@$BUILDX_VERSION" 0 \
    "-s -w -X github.com/docker/buildx/version.Version=$BUILDX_VERSION" \
    buildx ./cmd/buildx
  mkdir -p "$BUILDX_PLUGIN_DIR"
  if ! cmp -s "$BUILDX_DIR/buildx" "$BUILDX_PLUGIN_DIR/docker-buildx"; then
    log "installing $BUILDX_PLUGIN_DIR/docker-buildx ($BUILDX_VERSION)"
    install -m 0755 "$BUILDX_DIR/buildx" "$BUILDX_PLUGIN_DIR/docker-buildx"
  fi
  export PATH="$BUILDKIT_DIR:$BUILDX_DIR:$CRANE_DIR:$PATH"
}

crane() { "$CRANE_DIR/crane" --insecure "$@"; }
buildctl() { "$BUILDKIT_DIR/buildctl" "$@"; }
