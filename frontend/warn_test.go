package frontend

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/buildkit/solver/errdefs"

	speclint "github.com/mstage/mstage/lint"
)

// warnSpec has one lint warning: UnusedArg on its line 4, which is line 5
// after a syntax line and line 6 after a second comment line.
const warnSpec = `version: 1
args:
  GREETING: hello
  UNUSED: x
builders:
  shell:
    image: busybox:1.36
artifacts:
  hello:
    builder: shell
    steps:
      - run: mkdir -p /out && echo $GREETING > /out/hello.txt
    outputs: [/out/hello.txt]
runtimes:
  web:
    copy:
      - artifact: hello
        to: /srv/
`

// writeSpec writes the leading comment lines head and body as mstage.yaml
// in a new directory and returns its path.
func writeSpec(t *testing.T, head, body string) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "mstage.yaml")
	if err := os.WriteFile(name, []byte(head+body), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

const syntaxLine = "# syntax=docker.io/mstage/mstage:1\n"

// buildSpec runs a build of the spec file with opts and returns the
// client and the build's error.
func buildSpec(t *testing.T, file string, opts map[string]string) (*fakeClient, error) {
	t.Helper()
	c := newFakeClient(t, file, opts)
	c.anyOutput = true
	_, err := Build(context.Background(), c)
	return c, err
}

// execSolves counts the solved definitions that run something, which a
// build that fails on its lint must not reach.
func execSolves(t *testing.T, c *fakeClient) int {
	t.Helper()
	return len(c.solvedArgs(t))
}

func TestBuildWarnsLintFindings(t *testing.T) {
	file := writeSpec(t, syntaxLine, warnSpec)
	c, err := buildSpec(t, file, map[string]string{"platform": "linux/amd64,linux/arm64"})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.warnings) != 1 {
		t.Fatalf("warnings: %q; want one, UnusedArg, for two platforms", c.warnings)
	}
	msg, opts := c.warnings[0], c.warnOpts[0]
	if !strings.HasPrefix(msg, "UnusedArg: arg UNUSED is declared but never referenced") || !strings.HasSuffix(msg, "(line 5)") {
		t.Errorf("warning %q; want the Dockerfile frontend's form \"UnusedArg: ... (line 5)\"", msg)
	}
	if len(opts.Range) != 1 || opts.Range[0].Start.Line != 5 || opts.Range[0].Start.Character != 2 {
		t.Errorf("warning range %v; want line 5, character 2", opts.Range)
	}
	if opts.URL != "https://github.com/mstage/mstage/blob/main/docs/lint.md#unusedarg" {
		t.Errorf("warning URL %q", opts.URL)
	}
	if len(opts.Detail) != 1 || string(opts.Detail[0]) != "A declared arg is never referenced." {
		t.Errorf("warning detail %q; want the rule's description", opts.Detail)
	}
	if opts.Level != 1 || opts.SourceInfo == nil || opts.SourceInfo.Filename != "mstage.yaml" || !strings.Contains(string(opts.SourceInfo.Data), "UNUSED: x") {
		t.Errorf("warning level %d, source %v; want level 1 and the spec file", opts.Level, opts.SourceInfo)
	}
}

func TestBuildCleanSpecHasNoWarnings(t *testing.T) {
	body := strings.Replace(warnSpec, "  UNUSED: x\n", "", 1)
	// ImageNotPinned is info: --check leaves it out, so does the build.
	c, err := buildSpec(t, writeSpec(t, syntaxLine, body), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.warnings) != 0 {
		t.Errorf("warnings for a clean spec: %q", c.warnings)
	}
}

func TestBuildCheckErrorFailsBeforeSolving(t *testing.T) {
	for name, tc := range map[string]struct {
		head string
		opts map[string]string
	}{
		"directive": {head: syntaxLine + "# check=error=true\n"},
		"build arg": {head: syntaxLine + "#\n", opts: map[string]string{"build-arg:" + speclint.CheckArg: "error=true"}},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := buildSpec(t, writeSpec(t, tc.head, warnSpec), tc.opts)
			if err == nil {
				t.Fatal("a build with a lint warning and check error=true succeeded")
			}
			if !strings.Contains(err.Error(), "mstage.yaml:6:3: lint warning UnusedArg (check error=true): arg UNUSED is declared") {
				t.Errorf("error %q; want the positioned finding", err)
			}
			srcs := errdefs.Sources(err)
			if len(srcs) != 1 || len(srcs[0].Ranges) != 1 || srcs[0].Ranges[0].Start.Line != 6 {
				t.Errorf("error sources %v; want the spec with line 6", srcs)
			}
			if len(c.warnings) != 1 {
				t.Errorf("warnings %q; want the finding shown as a warning too", c.warnings)
			}
			if n := execSolves(t, c); n != 0 {
				t.Errorf("%d runs solved; the build must fail before solving", n)
			}
		})
	}
}

func TestBuildCheckSkip(t *testing.T) {
	for name, tc := range map[string]struct {
		head, body string
		opts       map[string]string
	}{
		"directive":      {head: syntaxLine + "# check=skip=RuntimeRunsAsRoot,UnusedArg;error=true\n"},
		"skip all":       {head: syntaxLine + "# check=skip=all;error=true\n"},
		"lint.skip":      {head: syntaxLine + "# check=error=true\n", body: "lint: {skip: [UnusedArg]}\n"},
		"build arg wins": {head: syntaxLine + "# check=error=true\n", opts: map[string]string{"build-arg:" + speclint.CheckArg: "skip=UnusedArg"}},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := buildSpec(t, writeSpec(t, tc.head, warnSpec+tc.body), tc.opts)
			if err != nil {
				t.Fatalf("build: %v", err)
			}
			if len(c.warnings) != 0 {
				t.Errorf("warnings %q; want UnusedArg skipped", c.warnings)
			}
		})
	}
}

func TestBuildInvalidCheckDirective(t *testing.T) {
	c, err := buildSpec(t, writeSpec(t, syntaxLine+"# check=error=maybe\n", warnSpec), nil)
	if err == nil || !strings.Contains(err.Error(), "mstage.yaml:2:1: # check=error=maybe") {
		t.Fatalf("error %v; want the directive's line", err)
	}
	if srcs := errdefs.Sources(err); len(srcs) != 1 || srcs[0].Ranges[0].Start.Line != 2 {
		t.Errorf("error sources %v; want the spec with line 2", srcs)
	}
	if n := execSolves(t, c); n != 0 {
		t.Errorf("%d runs solved", n)
	}
}

// TestCheckSubrequestHonoursDirective: --check and a build judge alike.
func TestCheckSubrequestHonoursDirective(t *testing.T) {
	res := Lint(context.Background(), "mstage.yaml", []byte(syntaxLine+"# check=skip=UnusedArg\n"+warnSpec), speclint.Options{})
	if len(res.Warnings) != 0 || res.Error != nil {
		t.Errorf("skipped: warnings %v, error %v", res.Warnings, res.Error)
	}
	res = Lint(context.Background(), "mstage.yaml", []byte(syntaxLine+"# check=error=true\n"+warnSpec), speclint.Options{})
	if len(res.Warnings) != 1 || res.Error == nil || !strings.Contains(res.Error.Message, "UnusedArg") || len(res.Error.Location.Ranges) == 0 || res.Error.Location.Ranges[0].Start.Line != 6 {
		t.Errorf("error=true: warnings %v, error %v; want the warning and the build error at line 6", res.Warnings, res.Error)
	}
}

func TestBuildWarningsAreBounded(t *testing.T) {
	var unused strings.Builder
	for i := range maxBuildWarnings + 10 {
		fmt.Fprintf(&unused, "  UNUSED%d: x\n", i)
	}
	body := strings.Replace(warnSpec, "  UNUSED: x\n", unused.String(), 1)
	c, err := buildSpec(t, writeSpec(t, syntaxLine, body), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.warnings) != maxBuildWarnings+1 || c.warnings[maxBuildWarnings] != "10 more lint warnings; docker buildx build --check (or mstage lint) lists them all" {
		t.Errorf("%d warnings, the last %q; want %d and a count of the rest", len(c.warnings), c.warnings[len(c.warnings)-1], maxBuildWarnings+1)
	}
}
