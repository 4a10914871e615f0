# shellcheck shell=sh
# Sourced by the Dockerfile's build stages: selects the Go target from
# BuildKit's TARGET* build args, so one stage cross-compiles for any platform.
export GOOS="$TARGETOS" GOARCH="$TARGETARCH"
case "$TARGETARCH" in
  arm) [ -z "$TARGETVARIANT" ] || export GOARM="${TARGETVARIANT#v}" ;;
  amd64) [ -z "$TARGETVARIANT" ] || export GOAMD64="$TARGETVARIANT" ;;
esac
