# Builds the mstage frontend image, its binaries and runs its checks.
#
#   docker buildx bake                    # image for the build platform
#   docker buildx bake image-cross --push # all platforms, with attestations
#   docker buildx bake binaries           # ./bin/mstage-frontend
#   docker buildx bake test validate      # unit tests, gofmt + go vet
#   docker buildx bake c-toolchains --push
#                                         # the preset c builder image, two platforms
#   VERSION=1.2.3 IMAGE_NAME=<registry>/<org>/mstage docker buildx bake release
#                                         # pushes the image-cross image and writes
#                                         # the CLI for six platforms to ./dist
#
# Variables left null do not set their build arg, so the Dockerfile's ARG
# default applies.

variable "GO_IMAGE" {
  # e.g. 127.0.0.1:5000/library/golang:1.26 for the hack/ registry
  default = null
}
variable "BUILD_TAGS" {
  default = null
}
variable "IMAGE_NAME" {
  default = "mstage/mstage"
}
# A release version such as 1.2.3 (a leading v is dropped). Release versions
# are tagged :1.2.3, :1.2 and :1, as docker/dockerfile is, so that
# "# syntax=mstage/mstage:1" follows the newest 1.x. Other versions (such as
# 1.3.0-rc1) get only their own tag; without a version the tag is :local.
variable "VERSION" {
  default = ""
}
variable "DESTDIR" {
  default = "./bin"
}
# Where release-cli writes the CLI binaries, one directory per platform.
variable "DIST_DIR" {
  default = "./dist"
}

function "release_tags" {
  params = [name, version]
  result = version == "" ? ["${name}:local"] : (
    length(regexall("^[0-9]+\\.[0-9]+\\.[0-9]+$", version)) > 0 ? [
      "${name}:${version}",
      "${name}:${join(".", slice(split(".", version), 0, 2))}",
      "${name}:${split(".", version)[0]}",
    ] : ["${name}:${version}"]
  )
}

target "_common" {
  args = {
    GO_IMAGE   = GO_IMAGE
    BUILD_TAGS = BUILD_TAGS
  }
}

group "default" {
  targets = ["image"]
}

# Filled in by docker/metadata-action in CI (its bake-file-labels output adds
# the OCI labels: source, revision, created, ...); empty elsewhere.
target "docker-metadata-action" {}

# The frontend image. --push sends it to IMAGE_NAME's registry.
target "image" {
  inherits = ["_common", "docker-metadata-action"]
  target   = "image"
  tags     = release_tags(IMAGE_NAME, trimprefix(VERSION, "v"))
  output   = ["type=image"]
}

# The image for every platform a frontend may run on, as released.
target "image-cross" {
  inherits = ["image"]
  platforms = [
    "linux/amd64",
    "linux/arm64",
    "linux/arm/v7",
    "linux/riscv64",
    "linux/ppc64le",
    "linux/s390x",
  ]
  attest = [
    "type=provenance,mode=max",
    "type=sbom",
  ]
}

target "binaries" {
  inherits = ["_common"]
  target   = "binaries"
  output   = [DESTDIR]
}

target "test" {
  inherits = ["_common"]
  target   = "test"
  output   = ["type=cacheonly"]
}

group "validate" {
  targets = ["lint"]
}

target "lint" {
  inherits = ["_common"]
  target   = "lint"
  output   = ["type=cacheonly"]
}

# The release: the CLI for every OS and architecture people run it on, and the
# frontend image for every platform, with provenance and SBOM, pushed to
# IMAGE_NAME. (Do not add --push: on bake it makes every output a registry
# push, the CLI binaries too; release-image pushes by itself.)
group "release" {
  targets = ["release-cli", "release-image"]
}

# dist/linux_amd64/mstage ... dist/windows_arm64/mstage.exe
target "release-cli" {
  inherits = ["_common"]
  target   = "cli"
  platforms = [
    "linux/amd64",
    "linux/arm64",
    "darwin/amd64",
    "darwin/arm64",
    "windows/amd64",
    "windows/arm64",
  ]
  output = [DIST_DIR]
}

target "release-image" {
  inherits = ["image-cross"]
  output   = ["type=image,push=true"]
}

# The builder image preset c recommends (docs/spec.md): Debian with the
# native and cross compilers. hack/env.sh builds the same for the tests.
variable "C_TOOLCHAINS_NAME" {
  default = "mstage/c-toolchains"
}
variable "DEBIAN_IMAGE" {
  default = null
}

target "c-toolchains" {
  context    = "hack/c-toolchains"
  dockerfile = "Dockerfile"
  args = {
    DEBIAN_IMAGE = DEBIAN_IMAGE
  }
  platforms = ["linux/amd64", "linux/arm64"]
  tags      = ["${C_TOOLCHAINS_NAME}:bookworm"]
  output    = ["type=image"]
}
