// Package e2e holds the end-to-end tests: each case builds a spec against a
// real buildkitd and inspects what came out (registry images, local output,
// errors), once per way of invoking the frontend:
//
//   - client: buildkit's client.Build runs frontend.Build in-process;
//   - gateway: buildctl with dockerfile.v0 loads the frontend image through
//     BUILDKIT_SYNTAX, as the spec's "# syntax=" line would;
//   - buildx: the buildx client (standalone, as `docker buildx` runs it), the way users build.
//
// The tests skip under -short and when BUILDKIT_HOST is unset; hack/test.sh
// sets up everything they need (see hack/README.md).
package e2e
