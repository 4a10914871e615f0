# Base images are build args so that the image builds offline against a
# registry mirror (see hack/env.sh).
ARG GO_IMAGE=golang:1.26

# base: the Go toolchain on the build platform with the module cache filled.
FROM --platform=$BUILDPLATFORM ${GO_IMAGE} AS base
# The hack/ golang image has no git, so VCS stamping would fail.
ENV CGO_ENABLED=0 GOFLAGS=-buildvcs=false
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download

# build: cross-compiles the frontend for the target platform.
FROM base AS build
COPY . .
ARG TARGETOS TARGETARCH TARGETVARIANT
ARG BUILD_TAGS=""
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build <<EOT
  set -e
  . ./hack/goenv.sh
  go build -trimpath -tags "$BUILD_TAGS" -ldflags "-s -w" \
    -o /out/mstage-frontend ./frontend/cmd/mstage-frontend
EOT

# cli-build: cross-compiles the mstage CLI for the target platform, which may
# be darwin or windows too (docker buildx bake release-cli).
FROM base AS cli-build
COPY . .
ARG TARGETOS TARGETARCH TARGETVARIANT
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build <<EOT
  set -e
  . ./hack/goenv.sh
  exe=""
  [ "$TARGETOS" != windows ] || exe=.exe
  go build -trimpath -ldflags "-s -w" -o "/out/mstage$exe" ./cmd/mstage
EOT

# cli: the CLI binary alone; a multi-platform build writes one directory per
# platform (dist/linux_amd64/mstage, dist/windows_arm64/mstage.exe, ...).
FROM scratch AS cli
COPY --link --from=cli-build /out/ /

# test: the unit tests (docker buildx bake test).
FROM base AS test
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go test -short ./...

# lint: gofmt and go vet (docker buildx bake validate).
FROM base AS lint
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build <<EOT
  set -e
  unformatted=$(gofmt -l .)
  if [ -n "$unformatted" ]; then
    echo "these files need gofmt -w:" >&2
    echo "$unformatted" >&2
    exit 1
  fi
  go vet ./...
EOT

# binaries: the frontend binary alone (docker buildx bake binaries).
FROM scratch AS binaries
COPY --link --from=build /out/mstage-frontend /

# image: the frontend image that "# syntax=" loads. The default target.
FROM scratch AS image
COPY --link --from=build /out/mstage-frontend /bin/mstage-frontend
LABEL moby.buildkit.frontend.network.none="true"
LABEL moby.buildkit.frontend.caps="moby.buildkit.frontend.inputs,moby.buildkit.frontend.subrequests,moby.buildkit.frontend.contexts"
ENTRYPOINT ["/bin/mstage-frontend"]
