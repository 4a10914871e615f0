package e2e

import (
	"strings"
	"testing"
)

// testMountSources runs a step with a bind mount of a directory of an
// image and a cache mount seeded from a stage, and checks what the step
// read from each.
func testMountSources(t *testing.T, e *env, m mode) {
	run := randomHex(t, 8)
	out := t.TempDir()
	mustBuild(t, e, m, buildRequest{dir: e.testdata("mount-sources"), target: "files", platforms: []string{amd64}, args: map[string]string{"RUN": run}, out: localTo(out)})
	files, _ := readTree(t, out)
	if got, want := string(files["from-cache.txt"]), "seeded "+run+"\n"; got != want {
		t.Errorf("from-cache.txt = %q, want %q: the cache starts with the seed stage's /seed; files: %v", got, want, keysOf(files))
	}
	if got := string(files["cache-listing.txt"]); got != "added\nmarker\n" {
		t.Errorf("cache listing %q, want the seed's marker and the step's own file", got)
	}
	if got := string(files["mime.types"]); !strings.Contains(got, "text/html") {
		t.Errorf("mime.types = %.100q, want nginx's /etc/nginx/mime.types through the image bind mount", got)
	}
	if _, ok := files["added"]; ok {
		t.Error("a file written to the cache is in the output")
	}
}
