package e2e

import (
	"strings"
	"testing"
)

// defaultPath is the PATH BuildKit gives a step whose image sets none.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// testEnvPath builds `PATH: /opt/venv/bin:$PATH` on an image without env
// (busybox) and on one with its own PATH (golang): $PATH must be the image's,
// as a Dockerfile's ENV sees it, so the tools of the image stay reachable.
func testEnvPath(t *testing.T, e *env, m mode) {
	for _, tc := range []struct {
		target, want string
		files        []string
	}{
		{"bbpath", "/opt/venv/bin:" + defaultPath, []string{"path"}},
		{"gopath", "/opt/venv/bin:/go/bin:/usr/local/go/bin:" + defaultPath, []string{"path", "version"}},
	} {
		t.Run(tc.target, func(t *testing.T) {
			out := t.TempDir()
			mustBuild(t, e, m, buildRequest{dir: e.testdata("env-path"), target: tc.target, platforms: []string{amd64}, out: localTo(out)})
			files, _ := readTree(t, out)
			for _, name := range tc.files {
				if _, ok := files[name]; !ok {
					t.Fatalf("%s is missing from the output; files: %v", name, keysOf(files))
				}
			}
			if got := strings.TrimSpace(string(files["path"])); got != tc.want {
				t.Errorf("PATH in the run step = %q, want %q", got, tc.want)
			}
			if v, ok := files["version"]; ok && !strings.Contains(string(v), "go1.26") {
				t.Errorf("go version = %q: the image's go is not on PATH", v)
			}
		})
	}
}

// testStageArgs builds an artifact for linux/arm64 whose stage declares
// args: its run step sees them as env; a stage without args sees none.
func testStageArgs(t *testing.T, e *env, m mode) {
	for _, tc := range []struct {
		target, want string
	}{
		{"info", "BUILDPLATFORM=linux/amd64\nTARGETARCH=arm64\nTARGETPLATFORM=linux/arm64\nVERSION=1.2.3"},
		{"noargs", ""},
	} {
		t.Run(tc.target, func(t *testing.T) {
			out := t.TempDir()
			mustBuild(t, e, m, buildRequest{
				dir:       e.testdata("stage-args"),
				target:    tc.target,
				platforms: []string{arm64},
				args:      map[string]string{"VERSION": "1.2.3"},
				out:       localTo(out),
			})
			files, _ := readTree(t, out)
			got, ok := files["env"]
			if !ok {
				t.Fatalf("env is missing from the output; files: %v", keysOf(files))
			}
			if strings.TrimSpace(string(got)) != tc.want {
				t.Errorf("the run step's env:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}
