# shellcheck shell=bash
# Base images, built without Docker: rootfs trees -> gzip'd tar layers (cached in
# $CACHE/layers) -> `crane append` + `crane mutate` per platform -> `crane index append`.
# They are pushed under Docker Hub / gcr.io mirror names, e.g. docker.io/library/busybox
# is served as $REGISTRY/library/busybox.

LAYERS=$CACHE/layers
DEBS=$CACHE/debs   # tarballs from the npm registry (the .debs live in apt_for's archive cache)
GO_IMAGE_MINOR=${GO_IMAGE_VERSION%.*}
IMAGE_LOG=""   # set in ensure_images

# make_layer DIR OUT.tar.gz: reproducible gzip'd tar of DIR's contents (owners kept, numeric).
make_layer() {
  local dir=$1 out=$2
  local entries=()
  mapfile -t entries < <(cd "$dir" && ls -A)
  tar -C "$dir" --numeric-owner --sort=name --mtime=@946684800 -cf - "${entries[@]}" | gzip -n -6 >"$out.tmp"
  mv "$out.tmp" "$out"
}

# write_accounts ROOTFS SHELL NOBODY_SHELL: the users root, nobody and nonroot
# (65532) with their groups and home directories, and a 1777 /tmp.
write_accounts() {
  local r=$1 shell=$2 nobody_shell=$3
  cat >"$r/etc/passwd" <<P
root:x:0:0:root:/root:$shell
nobody:x:65534:65534:nobody:/nonexistent:$nobody_shell
nonroot:x:65532:65532:nonroot:/home/nonroot:$shell
P
  cat >"$r/etc/group" <<'G'
root:x:0:
nobody:x:65534:
nonroot:x:65532:
G
  printf 'hosts: files dns\n' >"$r/etc/nsswitch.conf"
  chmod 1777 "$r/tmp"; chmod 0700 "$r/root"
  chown 65532:65532 "$r/home/nonroot"
}

# --- layer recipes: each prints the path of a cached .tar.gz ---

busybox_layer() {
  local arch=$1
  local out="$LAYERS/busybox-r$IMAGE_RECIPE-$arch.tar.gz"
  [[ -s "$out" ]] && { echo "$out"; return; }
  log "building busybox rootfs layer ($arch)"
  local tmp; tmp=$(mktemp -d "$LAYERS/.busybox.XXXXXX")
  local x="$tmp/x" r="$tmp/rootfs" p
  unpack_debs "$x" "$arch" busybox-static
  # The applet list is the same for both arches; take it from the host's (amd64) binary.
  unpack_debs "$tmp/host" amd64 busybox-static
  mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,var/www,home/nonroot}
  install -m 0755 "$x/usr/bin/busybox" "$r/bin/busybox"
  while read -r p; do
    [[ -z "$p" || -e "$r/$p" || -L "$r/$p" ]] && continue
    mkdir -p "$r/$(dirname "$p")"
    ln -s /bin/busybox "$r/$p"
  done < <("$tmp/host/usr/bin/busybox" --list-full)
  [[ -L "$r/bin/sh" ]] || die "busybox has no sh applet"
  write_accounts "$r" /bin/sh /bin/false
  make_layer "$r" "$out"
  rm -rf "$tmp"
  echo "$out"
}

golang_layer() {
  local arch=$1
  local out="$LAYERS/golang-$GO_IMAGE_VERSION-r$IMAGE_RECIPE-$arch.tar.gz"
  [[ -s "$out" ]] && { echo "$out"; return; }
  log "building Go $GO_IMAGE_VERSION toolchain layer ($arch)"
  local src; src=$(mod_dir "golang.org/toolchain@v0.0.1-go$GO_IMAGE_VERSION.linux-$arch")
  local tmp; tmp=$(mktemp -d "$LAYERS/.golang.XXXXXX")
  local r="$tmp/rootfs"
  mkdir -p "$r/usr/local" "$r/go/bin" "$r/go/src" "$r/etc/ssl/certs"
  cp -a "$src" "$r/usr/local/go"
  chmod -R u+w,a+rX "$r/usr/local/go"
  # Module zips lose the exec bits.
  chmod +x "$r/usr/local/go/bin/"* "$r/usr/local/go/pkg/tool/"*/*
  chmod 0777 "$r/go" "$r/go/bin" "$r/go/src"
  install -m 0644 /etc/ssl/certs/ca-certificates.crt "$r/etc/ssl/certs/ca-certificates.crt"
  make_layer "$r" "$out"
  rm -rf "$tmp"
  echo "$out"
}

certs_layer() {
  local out="$LAYERS/certs-r$IMAGE_RECIPE.tar.gz"
  [[ -s "$out" ]] && { echo "$out"; return; }
  local tmp; tmp=$(mktemp -d "$LAYERS/.certs.XXXXXX")
  mkdir -p "$tmp/etc/ssl/certs"
  install -m 0644 /etc/ssl/certs/ca-certificates.crt "$tmp/etc/ssl/certs/ca-certificates.crt"
  make_layer "$tmp" "$out"
  rm -rf "$tmp"
  echo "$out"
}

nginx_layer() {
  local out="$LAYERS/nginx-files-r$IMAGE_RECIPE.tar.gz"
  [[ -s "$out" ]] && { echo "$out"; return; }
  log "building nginx files layer"
  local tmp; tmp=$(mktemp -d "$LAYERS/.nginx.XXXXXX")
  unpack_debs "$tmp/x" amd64 nginx-common
  mkdir -p "$tmp/r/etc/nginx" "$tmp/r/usr/share/nginx/html" "$tmp/r/var/log/nginx" "$tmp/r/var/cache/nginx"
  install -m 0644 "$tmp/x/etc/nginx/mime.types" "$tmp/r/etc/nginx/mime.types"
  if [[ -f "$tmp/x/usr/share/nginx/html/index.html" ]]; then
    install -m 0644 "$tmp/x/usr/share/nginx/html/index.html" "$tmp/r/usr/share/nginx/html/index.html"
  else
    printf '<!DOCTYPE html>\n<title>Welcome to nginx!</title>\n<h1>Welcome to nginx!</h1>\n' >"$tmp/r/usr/share/nginx/html/index.html"
  fi
  make_layer "$tmp/r" "$out"
  rm -rf "$tmp"
  echo "$out"
}

distroless_layer() {
  local out="$LAYERS/distroless-static-r$IMAGE_RECIPE.tar.gz"
  [[ -s "$out" ]] && { echo "$out"; return; }
  log "building distroless/static layer"
  local tmp; tmp=$(mktemp -d "$LAYERS/.distroless.XXXXXX")
  local r="$tmp/r"
  mkdir -p "$r/etc/ssl/certs" "$r/tmp" "$r/root" "$r/home/nonroot"
  install -m 0644 /etc/ssl/certs/ca-certificates.crt "$r/etc/ssl/certs/ca-certificates.crt"
  write_accounts "$r" /sbin/nologin /sbin/nologin
  make_layer "$r" "$out"
  rm -rf "$tmp"
  echo "$out"
}

# Debian's nodejs (pinned): apt adds libnode108 (pinned too), the libraries they need beyond
# debian's minbase and the built-in modules Debian's node loads from /usr/share/nodejs.
nodejs_layer() {
  local arch=$1
  local out="$LAYERS/nodejs-$NODE_DEB_VERSION-r$IMAGE_RECIPE.$NODE_IMAGE_RECIPE-$arch.tar.gz"
  [[ -s "$out" ]] && { echo "$out"; return; }
  log "building nodejs $NODE_DEB_VERSION layer ($arch)"
  local t0=$SECONDS tmp; tmp=$(mktemp -d "$LAYERS/.nodejs.XXXXXX")
  local r="$tmp/rootfs" base
  mkdir -p "$r/etc" "$r/home/node"
  unpack_debs "$r" "$arch" "nodejs=$NODE_DEB_VERSION" "libnode108=$NODE_DEB_VERSION"
  rm -rf "$r/usr/share/doc" "$r/usr/share/man" "$r/usr/share/lintian"
  # The official images' unprivileged user, node (1000), added to debian's accounts.
  base=$(debian_layer "$arch") || exit 1
  tar -xzf "$base" -C "$tmp" --wildcards '*etc/passwd' '*etc/group'
  { cat "$tmp/etc/passwd"; echo 'node:x:1000:1000::/home/node:/bin/bash'; } >"$r/etc/passwd"
  { cat "$tmp/etc/group"; echo 'node:x:1000:'; } >"$r/etc/group"
  chown 1000:1000 "$r/home/node"
  make_layer "$r" "$out"
  rm -rf "$tmp"
  log "nodejs ($arch) layer took $((SECONDS - t0))s"
  echo "$out"
}

# registry_tarball NAME VERSION INTEGRITY: the npm registry's tarball of NAME@VERSION (cached in
# $DEBS), checked against INTEGRITY (sha512, as a package-lock.json records it).
registry_tarball() {
  local name=$1 version=$2 integrity=$3
  local tgz="$DEBS/$name-$version.tgz"
  mkdir -p "$DEBS"
  if [[ ! -s "$tgz" ]]; then
    run_logged "$IMAGE_LOG" curl -fsSL -o "$tgz.tmp" "https://registry.npmjs.org/$name/-/$name-$version.tgz"
    mv "$tgz.tmp" "$tgz"
  fi
  local sum; sum="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
  [[ "$sum" == "$integrity" ]] || { rm -f "$tgz"; die "$name-$version.tgz: integrity $sum, want $integrity"; }
  echo "$tgz"
}

# registry_layer NAME VERSION INTEGRITY DIR [EXEC...] -- LINK=TARGET...: a layer holding the
# npm registry's tarball of NAME@VERSION unpacked into DIR, its EXEC files (relative to DIR)
# made executable, and each LINK in /usr/local/bin pointing at TARGET.
registry_layer() {
  local name=$1 version=$2 integrity=$3 dir=$4; shift 4
  local out="$LAYERS/$name-$version-r$IMAGE_RECIPE.tar.gz"
  [[ -s "$out" ]] && { echo "$out"; return; }
  log "building $name $version layer"
  local tgz; tgz=$(registry_tarball "$name" "$version" "$integrity") || exit 1
  local tmp; tmp=$(mktemp -d "$LAYERS/.$name.XXXXXX")
  local r="$tmp/rootfs"
  mkdir -p "$r/$dir" "$r/usr/local/bin"
  tar -xzf "$tgz" -C "$r/$dir" --strip-components=1 --no-same-owner
  chmod -R u+w,go-w,a+rX "$r/$dir"
  while (($#)) && [[ $1 != -- ]]; do chmod 0755 "$r/$dir/$1"; shift; done
  (($#)) && shift
  local link
  for link in "$@"; do ln -s "${link#*=}" "$r/usr/local/bin/${link%%=*}"; done
  make_layer "$r" "$out"
  rm -rf "$tmp"
  echo "$out"
}

# npm_layer: npm from the npm registry (one tarball, no dependencies to resolve), checked
# against NPM_INTEGRITY; Debian's npm package pulls in some 400 node-* packages.
npm_layer() {
  registry_layer npm "$NPM_VERSION" "$NPM_INTEGRITY" usr/local/lib/node_modules/npm -- \
    npm=../lib/node_modules/npm/bin/npm-cli.js npx=../lib/node_modules/npm/bin/npx-cli.js
}

# yarn_layer: yarn classic from the npm registry (one self-contained tarball), where the
# official node images put it: /opt/yarn-v<version>, linked as /usr/local/bin/yarn and yarnpkg.
yarn_layer() {
  local dir="opt/yarn-v$YARN_VERSION"
  registry_layer yarn "$YARN_VERSION" "$YARN_INTEGRITY" "$dir" bin/yarn bin/yarn.js -- \
    yarn="/$dir/bin/yarn" yarnpkg="/$dir/bin/yarn"
}

# apt_sources_file: the host's Debian apt sources (read from /etc/apt at run time), as one
# deb822 or one-line-style file that mmdebstrap copies into the image.
# Override with MSTAGE_APT_SOURCES=/path/to/file.{sources,list}.
apt_sources_file() {
  if [[ -n "${MSTAGE_APT_SOURCES:-}" ]]; then echo "$MSTAGE_APT_SOURCES"; return; fi
  local f
  for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] && grep -q "^Suites:.*\b$DEBIAN_SUITE\b" "$f" && { echo "$f"; return; }
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] && grep -qE "^deb[[:space:]].*[[:space:]]${DEBIAN_SUITE}[[:space:]]" "$f" && { echo "$f"; return; }
  done
  die "no apt sources for $DEBIAN_SUITE found in /etc/apt (set MSTAGE_APT_SOURCES)"
}

debian_layer() {
  local arch=$1
  local out="$LAYERS/debian-$DEBIAN_SUITE-r$IMAGE_RECIPE-$arch.tar.gz"
  [[ -s "$out" ]] && { echo "$out"; return; }
  local src; src=$(apt_sources_file)
  local extra=()
  grep -q 'https://' "$src" && extra+=(--include=ca-certificates)
  log "building debian:$DEBIAN_SUITE rootfs with mmdebstrap ($arch; arm64 runs under qemu, a few minutes)"
  local t0=$SECONDS logf="$STATE/logs/mmdebstrap-$arch.log"
  rm -f "$out.tmp.tar.gz"
  if ! mmdebstrap --mode=root --variant=minbase --architectures="$arch" --format=tar \
      --skip=output/dev --dpkgopt=force-unsafe-io \
      --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr "${extra[@]}" \
      "$DEBIAN_SUITE" "$out.tmp.tar.gz" "$src" >"$logf" 2>&1; then
    show_log "$logf"; rm -f "$out.tmp.tar.gz"; die "mmdebstrap $arch failed (log: $logf)"
  fi
  mv "$out.tmp.tar.gz" "$out"
  log "debian:$DEBIAN_SUITE ($arch) rootfs took $((SECONDS - t0))s"
  echo "$out"
}

# debian_status ARCH: the dpkg status file of the debian layer (cached beside it).
debian_status() {
  local arch=$1 base
  base=$(debian_layer "$arch") || exit 1
  local out="$base.status"
  [[ -s "$out" ]] && { echo "$out"; return; }
  tar -xzOf "$base" ./var/lib/dpkg/status >"$out.tmp" || die "no dpkg status in $base"
  mv "$out.tmp" "$out"
  echo "$out"
}

# apt_for ARCH TOOL ARGS...: apt-get or apt-cache that resolves against the debian layer's dpkg status for ARCH
# (not the host's), with its own lists and archive cache; it never runs code from the packages.
apt_for() {
  local arch=$1 tool=$2; shift 2
  local dir=$CACHE/apt-$DEBIAN_SUITE-$arch src parts
  src=$(apt_sources_file)
  parts=$dir/sources.d
  mkdir -p "$dir/lists/partial" "$dir/archives/partial" "$parts"
  case $src in
    *.sources) cp "$src" "$parts/base.sources"; src=/dev/null ;;
  esac
  "$tool" -o Dir::State::status="$(debian_status "$arch")" -o Dir::State::Lists="$dir/lists" \
    -o Dir::Cache::Archives="$dir/archives" -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= \
    -o Dir::Etc::SourceList="$src" -o Dir::Etc::SourceParts="$parts" \
    -o APT::Architecture="$arch" -o APT::Architectures="$arch" -o Debug::NoLocking=1 \
    -o APT::Sandbox::User=root -o APT::Install-Recommends=false "$@"
}

# unpack_debs ROOT ARCH PKG[=VERSION]...: the one way .debs get into an image. Unpacks into ROOT
# the .debs of the PKGs and of what they need beyond the debian layer for ARCH, as apt resolves
# them against that layer's dpkg status (apt_for; downloads are cached). dpkg-deb -x runs no
# maintainer scripts, so a foreign ARCH needs no emulation. The files are folded into the merged
# /usr, and the packages recorded in ROOT/var/lib/dpkg (status, info/*.list), so that apt in an
# image on the debian layer knows them.
unpack_debs() {
  local r=$1 arch=$2; shift 2
  local archives=$CACHE/apt-$DEBIAN_SUITE-$arch/archives empty uris status
  # Layer recipes run in command substitutions, where set -e is off: fail explicitly. Built
  # here, not inside apt_for's logged runs, the debian layer reports its progress.
  status=$(debian_status "$arch") || die "no debian layer for $arch"
  mkdir -p "$r/var/lib/dpkg/info"
  apt_lists "$arch"
  # --print-uris leaves out what the archive cache holds: ask with an empty one.
  empty=$(mktemp -d "$LAYERS/.empty.XXXXXX")
  mkdir -p "$empty/partial"
  uris=$(apt_for "$arch" apt-get -o Dir::Cache::Archives="$empty" install --print-uris -qq -y "$@") ||
    die "apt cannot resolve $* for $arch"
  rm -rf "$empty"
  run_logged "$IMAGE_LOG" apt_for "$arch" apt-get install --download-only -y "$@"
  cp "$status" "$r/var/lib/dpkg/status"
  local file deb pkg ma d
  while read -r file; do
    deb="$archives/$file"
    [[ -f "$deb" ]] || die "apt did not download $file"
    dpkg-deb -x "$deb" "$r" || die "dpkg-deb -x $deb failed"
    pkg=$(dpkg-deb -f "$deb" Package)
    ma=$(dpkg-deb -f "$deb" Multi-Arch)
    [[ $ma == same ]] && pkg="$pkg:$arch"
    dpkg-deb --fsys-tarfile "$deb" | tar -t | sed -e 's|^\./$|/.|' -e 's|^\.||' -e 's|/$||' >"$r/var/lib/dpkg/info/$pkg.list"
    { dpkg-deb -f "$deb" | sed '1a Status: install ok installed'; echo; } >>"$r/var/lib/dpkg/status"
  done < <(sed -n "s/^'[^']*' \([^ ]*\.deb\) .*/\1/p" <<<"$uris")
  for d in bin sbin lib lib64; do
    if [[ -d "$r/$d" && ! -L "$r/$d" ]]; then
      mkdir -p "$r/usr/$d"; cp -a "$r/$d/." "$r/usr/$d/"; rm -rf "${r:?}/$d"
    fi
  done
}

# extracted_layer NAME ARCH PKG...: a cached layer of unpack_debs ARCH PKG...
extracted_layer() {
  local name=$1 arch=$2; shift 2
  local out="$LAYERS/$name-$DEBIAN_SUITE-r$IMAGE_RECIPE-$arch.tar.gz"
  [[ -s "$out" ]] && { echo "$out"; return; }
  log "building $name layer ($arch): ${*}"
  local t0=$SECONDS tmp
  tmp=$(mktemp -d "$LAYERS/.$name.XXXXXX")
  unpack_debs "$tmp/rootfs" "$arch" "$@"
  make_layer "$tmp/rootfs" "$out"
  rm -rf "$tmp"
  log "$name ($arch) layer took $((SECONDS - t0))s"
  echo "$out"
}

# apt_lists ARCH: apt_for's package lists, fetched once (the archive is pinned by the sources).
apt_lists() {
  local lists=$CACHE/apt-$DEBIAN_SUITE-$1/lists
  compgen -G "$lists/*_Packages*" >/dev/null && return 0
  run_logged "$IMAGE_LOG" apt_for "$1" apt-get update
}

# deb_version ARCH PKG: the candidate version of PKG for ARCH.
deb_version() {
  apt_lists "$1"
  apt_for "$1" apt-cache show "$2" 2>/dev/null | sed -n 's/^Version: //p' | head -n1
}

rust_layer() {
  local arch=$1 v
  v=$(deb_version "$arch" rustc)
  [[ $v == "$RUST_IMAGE_VERSION".* || $v == *:"$RUST_IMAGE_VERSION".* ]] || die "Debian's rustc is $v, RUST_IMAGE_VERSION is $RUST_IMAGE_VERSION"
  local l
  l=$(extracted_layer rust "$arch" rustc cargo gcc libc6-dev)
  # The alternatives gcc's maintainer script would set up: rustc links with cc.
  local out="${l%.tar.gz}-cc.tar.gz"
  if [[ ! -s "$out" ]]; then
    local tmp; tmp=$(mktemp -d "$LAYERS/.cc.XXXXXX")
    mkdir -p "$tmp/usr/bin" "$tmp/usr/local/cargo/bin"
    ln -s gcc "$tmp/usr/bin/cc"
    chmod 0777 "$tmp/usr/local/cargo"
    make_layer "$tmp" "$out"
    rm -rf "$tmp"
  fi
  printf '%s\n%s\n' "$l" "$out"
}

# c_toolchain_debs ARCH: what mstage/c-toolchains holds for ARCH: the native compilers, make,
# pkg-config and Debian's cross gcc/g++ for the other image platforms (the c preset's
# targets that are also base image platforms), so its setup installs no toolchain.
c_toolchain_debs() {
  local arch=$1 other suffix
  local debs="gcc g++ make pkg-config"
  for other in $IMAGE_PLATFORMS; do
    [[ $other == "$arch" ]] && continue
    case $other in
      amd64) suffix=x86-64-linux-gnu ;;
      arm64) suffix=aarch64-linux-gnu ;;
      *) die "c-toolchains: no GNU triple for $other" ;;
    esac
    debs+=" gcc-$suffix g++-$suffix"
  done
  echo "$debs"
}

c_toolchains_layer() {
  local arch=$1 l debs
  debs=$(c_toolchain_debs "$arch") || exit 1
  # shellcheck disable=SC2086 # a list of package names
  l=$(extracted_layer "c-toolchains-r$C_TOOLCHAINS_RECIPE" "$arch" $debs) || exit 1
  # The links gcc's and g++'s maintainer scripts register as alternatives, which
  # unpack_debs does not run.
  local out="${l%.tar.gz}-cc.tar.gz"
  if [[ ! -s "$out" ]]; then
    local tmp; tmp=$(mktemp -d "$LAYERS/.cc.XXXXXX")
    mkdir -p "$tmp/usr/bin"
    ln -s gcc "$tmp/usr/bin/cc"
    ln -s g++ "$tmp/usr/bin/c++"
    make_layer "$tmp" "$out"
    rm -rf "$tmp"
  fi
  printf '%s\n%s\n' "$l" "$out"
}

# The python image's pip installs offline: PyPI is unreachable from the test environment, so
# /etc/pip.conf points pip, and the build isolation it runs for a pyproject.toml's build
# backend, at the wheels Debian ships in /usr/share/python-wheels (pip, setuptools, wheel),
# as an offline mirror of PyPI would. This is the environment's stand-in, not what a spec
# needs: the official python images have no pip.conf, and pip reaches PyPI there.
PYTHON_DEBS="python3 python3-venv python-is-python3 python3-setuptools-whl python3-wheel-whl"

python_layer() {
  local arch=$1 v
  v=$(deb_version "$arch" python3)
  [[ $v == "$PYTHON_IMAGE_VERSION".* ]] || die "Debian's python3 is $v, PYTHON_IMAGE_VERSION is $PYTHON_IMAGE_VERSION"
  # shellcheck disable=SC2086 # a list of package names
  extracted_layer "python-r$PYTHON_IMAGE_RECIPE" "$arch" $PYTHON_DEBS
  pip_offline_layer
}

pip_offline_layer() {
  local out="$LAYERS/pip-offline-r$IMAGE_RECIPE.tar.gz"
  [[ -s "$out" ]] && { echo "$out"; return; }
  local tmp; tmp=$(mktemp -d "$LAYERS/.pip.XXXXXX")
  mkdir -p "$tmp/etc"
  cat >"$tmp/etc/pip.conf" <<'PIP'
# mstage's test environment has no PyPI: pip installs from the wheels Debian ships
# (python3-pip-whl, python3-setuptools-whl, python3-wheel-whl), as from an offline mirror.
[global]
no-index = true
find-links = /usr/share/python-wheels
PIP
  chmod 0644 "$tmp/etc/pip.conf"
  make_layer "$tmp" "$out"
  rm -rf "$tmp"
  echo "$out"
}

# publish REPO "TAG..." LAYERFN [crane mutate flags...]: build one image per platform from the
# layers LAYERFN prints for it, then push a multi-arch index tagged with every TAG.
publish() {
  local repo=$1 tags=$2 layerfn=$3; shift 3
  local -a tagv; read -r -a tagv <<<"$tags"
  local last="$REGISTRY/$repo:${tagv[-1]}"
  if crane digest "$last" >/dev/null 2>&1; then return 0; fi
  log "pushing $repo:{${tags// /,}} (linux/{${IMAGE_PLATFORMS// /,}})"
  local -a manifests=()
  local arch l ref dig
  for arch in $IMAGE_PLATFORMS; do
    local -a lf=()
    local layers
    layers=$("$layerfn" "$arch") || die "$layerfn $arch failed"
    for l in $layers; do lf+=(-f "$l"); done
    ref="$REGISTRY/$repo:mstage-build-$arch"
    run_logged "$IMAGE_LOG" crane append --oci-empty-base "${lf[@]}" -t "$ref"
    run_logged "$IMAGE_LOG" crane mutate --set-platform "linux/$arch" "$@" -t "$ref" "$ref"
    dig=$(crane digest "$ref")
    manifests+=(-m "$REGISTRY/$repo@$dig")
  done
  run_logged "$IMAGE_LOG" crane index append "${manifests[@]}" -t "$REGISTRY/$repo:${tagv[0]}"
  local t
  for t in "${tagv[@]:1}"; do
    run_logged "$IMAGE_LOG" crane tag "$REGISTRY/$repo:${tagv[0]}" "$t"
  done
}

layers_busybox() { busybox_layer "$1"; }
layers_golang() { busybox_layer "$1"; golang_layer "$1"; }
layers_nginx() { busybox_layer "$1"; nginx_layer; }
layers_debian() { debian_layer "$1"; }
layers_distroless() { distroless_layer; }
layers_rust() { debian_layer "$1"; rust_layer "$1"; }
layers_python() { debian_layer "$1"; python_layer "$1"; }
layers_node() { debian_layer "$1"; certs_layer; nodejs_layer "$1"; npm_layer; yarn_layer; }
layers_c_toolchains() { debian_layer "$1"; c_toolchains_layer "$1"; }
layers_node_slim() { debian_layer "$1"; certs_layer; nodejs_layer "$1"; }

ensure_images() {
  mkdir -p "$LAYERS"
  IMAGE_LOG="$STATE/logs/images.log"
  local path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  publish library/busybox "1.36 stable latest" layers_busybox --cmd sh
  publish library/golang "$GO_IMAGE_VERSION $GO_IMAGE_MINOR-bookworm $GO_IMAGE_VERSION-bookworm latest $GO_IMAGE_MINOR" layers_golang \
    -e "PATH=/go/bin:/usr/local/go/bin:$path" -e GOLANG_VERSION="$GO_IMAGE_VERSION" \
    -e GOPATH=/go -e GOTOOLCHAIN=local -w /go --cmd sh
  publish library/nginx "1.27 latest" layers_nginx -e "PATH=$path" \
    --exposed-ports 8080/tcp --cmd httpd,-f,-p,8080,-h,/usr/share/nginx/html
  publish distroless/static "latest nonroot" layers_distroless -u 65532:65532 -w /home/nonroot
  publish library/debian "$DEBIAN_SUITE-slim 12 latest $DEBIAN_SUITE" layers_debian \
    -e "PATH=$path" --cmd bash
  publish library/rust "$RUST_IMAGE_VERSION $RUST_IMAGE_VERSION-$DEBIAN_SUITE $RUST_IMAGE_VERSION-slim latest" layers_rust \
    -e "PATH=/usr/local/cargo/bin:$path" -e CARGO_HOME=/usr/local/cargo -e RUST_VERSION="$RUST_IMAGE_VERSION" --cmd bash
  publish library/python "$PYTHON_IMAGE_VERSION $PYTHON_IMAGE_VERSION-slim $PYTHON_IMAGE_VERSION-$DEBIAN_SUITE $PYTHON_IMAGE_VERSION-slim-$DEBIAN_SUITE 3 latest mstage-recipe-$PYTHON_IMAGE_RECIPE" layers_python \
    -e "PATH=$path" -e LANG=C.UTF-8 -e PYTHON_VERSION="$PYTHON_IMAGE_VERSION" --cmd python3
  # mstage's own builder image for the c preset (docs/spec.md, preset c): Debian with the compilers.
  publish mstage/c-toolchains "$DEBIAN_SUITE mstage-recipe-$C_TOOLCHAINS_RECIPE" layers_c_toolchains \
    -e "PATH=$path" --cmd bash
  local node_major=${NODE_DEB_VERSION%%.*} node_version=${NODE_DEB_VERSION%%+*}
  # node trusts its built-in roots, not /etc/ssl: the extra file adds the machine's (its proxy's) CAs.
  local node_ca=NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
  publish library/node "$node_version $node_major-$DEBIAN_SUITE $node_major latest mstage-recipe-$NODE_IMAGE_RECIPE" layers_node \
    -e "PATH=$path" -e NODE_VERSION="$node_version" -e NPM_VERSION="$NPM_VERSION" -e YARN_VERSION="$YARN_VERSION" -e "$node_ca" --cmd node
  # Node without npm, for runtimes (the official slim image keeps npm; this one does not).
  publish library/node "$node_major-$DEBIAN_SUITE-slim $node_major-slim" layers_node_slim \
    -e "PATH=$path" -e NODE_VERSION="$node_version" -e "$node_ca" --cmd node
}
