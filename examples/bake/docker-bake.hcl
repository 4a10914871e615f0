# Builds the runtimes of mstage.yaml with docker buildx bake:
#
#   docker buildx bake                  # every runtime, every platform
#   docker buildx bake validate         # --call=check: the spec's lint rules
#   VERSION=1.2.0 REGISTRY=registry.example.com/team docker buildx bake --push
#
# MSTAGE_SYNTAX overrides the frontend that the spec's "# syntax=" line names,
# through the BUILDKIT_SYNTAX build arg (your own build of the frontend, as in
# the README's "Publishing the frontend image").

variable "VERSION" {
  default = "dev"
}
variable "REGISTRY" {
  default = "localhost:5000/bake-example"
}
variable "PLATFORMS" {
  default = ["linux/amd64", "linux/arm64"]
}
variable "MSTAGE_SYNTAX" {
  # null: no BUILDKIT_SYNTAX build arg, the spec's "# syntax=" line applies
  default = null
}

# What every target shares: the spec, its args and the frontend.
target "_spec" {
  context    = "."
  dockerfile = "mstage.yaml"
  args = {
    VERSION         = VERSION
    BUILDKIT_SYNTAX = MSTAGE_SYNTAX
  }
}

group "default" {
  targets = ["runtimes"]
}

# One target per runtime of the spec: runtime-cli, runtime-server.
target "runtimes" {
  name      = "runtime-${rt}"
  matrix    = { rt = ["cli", "server"] }
  inherits  = ["_spec"]
  target    = rt
  platforms = PLATFORMS
  tags      = ["${REGISTRY}/${rt}:${VERSION}"]
}

group "validate" {
  targets = ["check"]
}

# --call=check: fails on the spec's lint warnings, builds nothing.
target "check" {
  inherits = ["_spec"]
  call     = "check"
}
