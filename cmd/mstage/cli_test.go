package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/frontend/subrequests/outline"
	"github.com/moby/buildkit/frontend/subrequests/targets"
)

// Help goes to stdout with exit 0 when asked for, and to stderr with exit
// 2 when the command line is incomplete.
func TestHelp(t *testing.T) {
	code, out, errOut := mstage(t, "--help")
	if code != exitOK || errOut != "" {
		t.Fatalf("--help: exit %d, stderr %q", code, errOut)
	}
	golden(t, "help", out)
	for _, args := range [][]string{{"-h"}, {"help"}} {
		if code, o, e := mstage(t, args...); code != exitOK || o != out || e != "" {
			t.Errorf("%v: exit %d, stdout differs from --help: %v, stderr %q", args, code, o != out, e)
		}
	}
	if code, o, e := mstage(t); code != exitUsage || o != "" || e != out {
		t.Errorf("no args: exit %d, stdout %q; want the usage on stderr", code, o)
	}

	code, out, errOut = mstage(t, "help", "lint")
	if code != exitOK || errOut != "" {
		t.Fatalf("help lint: exit %d, stderr %q", code, errOut)
	}
	golden(t, "help_lint", out)
	for _, args := range [][]string{{"lint", "--help"}, {"lint", "-h"}, {"lint", "x.yaml", "--strict", "-h"}} {
		if code, o, e := mstage(t, args...); code != exitOK || o != out || e != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout:\n%s", args, code, e, o)
		}
	}
	for name := range commands(nil) {
		if code, o, e := mstage(t, "help", name); code != exitOK || !strings.HasPrefix(o, "mstage "+name+": ") || e != "" {
			t.Errorf("help %s: exit %d, stderr %q, stdout:\n%s", name, code, e, o)
		}
	}
	if code, o, _ := mstage(t, "help", "-h"); code != exitOK || !strings.Contains(o, "usage: mstage help [COMMAND]") {
		t.Errorf("help -h: exit %d, stdout %q", code, o)
	}
	code, _, errOut = mstage(t, "help", "lnt")
	if code != exitUsage || !strings.Contains(errOut, `did you mean "lint"?`) {
		t.Errorf("help lnt: exit %d, stderr %q", code, errOut)
	}
}

func TestVersion(t *testing.T) {
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/mstage/mstage", Version: "v1.2.3"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
			{Key: "vcs.time", Value: "2026-11-30T12:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	v := versionOf(bi, true)
	v.Platform = "linux/amd64"
	var buf bytes.Buffer
	for _, c := range []struct {
		short  bool
		format string
	}{{false, "text"}, {true, "text"}, {false, "json"}} {
		if code := writeVersion(&buf, io.Discard, v, c.short, c.format); code != exitOK {
			t.Fatalf("%+v: exit %d", c, code)
		}
	}
	golden(t, "version", buf.String())

	// A local build without VCS stamping is "devel".
	if got := versionOf(&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, true).short(); got != "mstage devel" {
		t.Errorf("devel build: %q", got)
	}
	code, out, errOut := mstage(t, "--version")
	if code != exitOK || !strings.HasPrefix(out, "mstage ") || strings.Count(out, "\n") != 1 || errOut != "" {
		t.Errorf("--version: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, _ = mstage(t, "version")
	if code != exitOK || !strings.Contains(out, "go:       go1.") {
		t.Errorf("version: exit %d, stdout %q", code, out)
	}
	code, out, _ = mstage(t, "version", "--format", "json")
	var got buildVersion
	if code != exitOK || json.Unmarshal([]byte(out), &got) != nil || got.GoVersion == "" {
		t.Errorf("version --format json: exit %d, stdout %q", code, out)
	}
}

// The completion scripts are golden, and each shell that is installed must
// at least parse its script.
func TestCompletion(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish"} {
		code, out, errOut := mstage(t, "completion", sh)
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", sh, code, errOut)
		}
		golden(t, "completion."+sh, out)
		for _, want := range []string{"lint", "--strict", "completion", "--format"} {
			if !strings.Contains(out, strings.TrimPrefix(want, "--")) {
				t.Errorf("%s script lacks %s", sh, want)
			}
		}
		if path, err := exec.LookPath(sh); err == nil {
			cmd := exec.Command(path, "-n")
			cmd.Stdin = strings.NewReader(out)
			if dt, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s -n: %v\n%s", sh, err, dt)
			}
		}
	}
	if code, _, _ := mstage(t, "completion", "tcsh"); code != exitUsage {
		t.Errorf("unknown shell: exit %d", code)
	}
	flags, pos := commandFlags(commands(nil)["lint"])
	var names []string
	for _, f := range flags {
		names = append(names, f.name)
	}
	if strings.Join(names, " ") != "build-arg format platform strict target" || pos != "FILE" {
		t.Errorf("lint flags %v, args %s", names, pos)
	}
}

// service is a copy of examples/go-service, so that editing the example does
// not change these goldens.
const service = "testdata/service.yaml"

// The JSON of lint, targets and outline is the frontend's answer to
// --call=check, targets and outline, in BuildKit's types.
func TestJSONShapes(t *testing.T) {
	code, out, errOut := mstage(t, "lint", "--format", "json", "testdata/lint_bad.yaml")
	if code != exitOK {
		t.Fatalf("lint: exit %d: %s", code, errOut)
	}
	golden(t, "lint_bad.json", out)
	var lr lint.LintResults
	decodeStrict(t, out, &lr)
	if len(lr.Warnings) == 0 || lr.Error != nil || len(lr.Sources) != 1 || lr.Sources[0].Filename != "testdata/lint_bad.yaml" {
		t.Errorf("lint results: %d warnings, error %v, sources %d", len(lr.Warnings), lr.Error, len(lr.Sources))
	}

	code, out, _ = mstage(t, "lint", "--format", "json", "testdata/parse_error.yaml")
	if code != exitFail {
		t.Errorf("lint json of a parse error: exit %d", code)
	}
	golden(t, "parse_error.json", out)
	decodeStrict(t, out, &lr)
	if lr.Error == nil || len(lr.Error.Location.Ranges) == 0 || lr.Error.Location.Ranges[0].Start.Line != 5 {
		t.Errorf("parse error result: %+v", lr.Error)
	}

	code, out, errOut = mstage(t, "targets", "--format", "json", service)
	if code != exitOK {
		t.Fatalf("targets: exit %d: %s", code, errOut)
	}
	golden(t, "targets_service.json", out)
	var tl targets.List
	decodeStrict(t, out, &tl)
	if len(tl.Targets) == 0 || !tl.Targets[len(tl.Targets)-1].Default {
		t.Errorf("targets: %+v", tl.Targets)
	}

	code, out, errOut = mstage(t, "outline", "--format", "json", "--target", "server", service)
	if code != exitOK {
		t.Fatalf("outline: exit %d: %s", code, errOut)
	}
	golden(t, "outline_service.json", out)
	var o outline.Outline
	decodeStrict(t, out, &o)
	if o.Name != "server" || len(o.Cache) == 0 || !strings.HasPrefix(o.Cache[0].ID, "mstage/") {
		t.Errorf("outline: %+v", o)
	}
	code, _, errOut = mstage(t, "outline", "--format", "json", "--target", "servr", service)
	if code != exitFail || !strings.Contains(errOut, `did you mean "server"?`) {
		t.Errorf("outline json, unknown target: exit %d, stderr %q", code, errOut)
	}
	if code, _, _ := mstage(t, "targets", "--format", "yaml", service); code != exitUsage {
		t.Errorf("unknown format: exit %d", code)
	}
}

func decodeStrict(t *testing.T, data string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decoding %T: %v\n%s", v, err, data)
	}
}

func TestExitCodes(t *testing.T) {
	const warnings = "testdata/lint_bad.yaml"
	tests := []struct {
		args []string
		want int
		err  string // in stderr
	}{
		{[]string{"lint", goService}, exitOK, ""},
		{[]string{"lint", "--strict", goService}, exitOK, ""},
		{[]string{"lint", warnings}, exitOK, ""},
		{[]string{"lint", "--strict", warnings}, exitWarnings, ""},
		{[]string{"lint", "--strict", "--format", "json", warnings}, exitWarnings, ""},
		{[]string{"lint", "testdata/parse_error.yaml"}, exitFail, "parse_error.yaml:5:5:"},
		{[]string{"lint", "--strict", warnings, "testdata/parse_error.yaml"}, exitFail, "parse_error.yaml:5:5:"},
		{[]string{"lint", "../../lint/testdata/invalid/platforms_build.yaml"}, exitFail, `platforms_build.yaml:4:26: platforms: "build" is a stage platform`},
		{[]string{"lint", "../../lint/testdata/invalid/bad_expanded_image.yaml"}, exitFail, `bad_expanded_image.yaml:19:12: invalid image reference "Alpine:3.20"`},
		{[]string{"lint", "--target", "servr", goService}, exitFail, `target "servr" is not a stage of ../../examples/go-service/mstage.yaml; expected one of go, unit-tests, app, server; did you mean "server"?`},
		{[]string{"lint", "--target", "nope", "--format", "json", goService}, exitFail, ""},
		{[]string{"lint", "testdata/missing.yaml"}, exitFail, "missing.yaml"},
		{[]string{"lint", "--nope", goService}, exitUsage, "flag provided but not defined: -nope"},
		{[]string{"lint", "--format", "xml", goService}, exitUsage, `unknown format "xml"`},
		{[]string{"lint", "--platform", "linux/", goService}, exitUsage, "--platform"},
		{[]string{"lint"}, exitUsage, "missing FILE"},
		{[]string{"lintt"}, exitUsage, `did you mean "lint"?`},
		{[]string{"targets", "--format", "json", "testdata/parse_error.yaml"}, exitFail, "parse_error.yaml:5:5:"},
	}
	var table strings.Builder
	for _, tt := range tests {
		code, _, errOut := mstage(t, tt.args...)
		if code != tt.want || !strings.Contains(errOut, tt.err) {
			t.Errorf("mstage %s: exit %d, want %d; stderr:\n%s", strings.Join(tt.args, " "), code, tt.want, errOut)
		}
		fmt.Fprintf(&table, "%d  mstage %s\n", code, strings.Join(tt.args, " "))
	}
	golden(t, "exit_codes", table.String())
}

func TestStdin(t *testing.T) {
	bad, err := os.ReadFile("testdata/lint_bad.yaml")
	if err != nil {
		t.Fatal(err)
	}
	code, out, _ := mstageStdin(t, string(bad), "lint", "-")
	if code != exitOK {
		t.Fatalf("lint -: exit %d", code)
	}
	golden(t, "lint_stdin", out)

	parseErr, err := os.ReadFile("testdata/parse_error.yaml")
	if err != nil {
		t.Fatal(err)
	}
	code, _, errOut := mstageStdin(t, string(parseErr), "lint", "-")
	if code != exitFail {
		t.Errorf("lint - with a parse error: exit %d", code)
	}
	golden(t, "parse_error_stdin", errOut)

	code, out, _ = mstageStdin(t, string(bad), "lint", "--format", "json", "-")
	var lr lint.LintResults
	decodeStrict(t, out, &lr)
	if code != exitOK || lr.Sources[0].Filename != "<stdin>" {
		t.Errorf("lint --format json -: exit %d, source %q", code, lr.Sources[0].Filename)
	}

	svc, err := os.ReadFile(service)
	if err != nil {
		t.Fatal(err)
	}
	code, out, _ = mstageStdin(t, string(svc), "targets", "-")
	if code != exitOK || !strings.Contains(out, "<stdin>:") {
		t.Errorf("targets -: exit %d\n%s", code, out)
	}
	_, want, _ := mstage(t, "outline", "--target", "server", service)
	if code, out, _ = mstageStdin(t, string(svc), "outline", "--target", "server", "-"); code != exitOK || out != want {
		t.Errorf("outline -: exit %d\n%s", code, out)
	}
	if code, _, errOut := mstage(t, "lint", "-"); code != exitFail || !strings.Contains(errOut, "stdin") {
		t.Errorf("lint - without stdin: exit %d, %q", code, errOut)
	}
}

func TestSeveralFiles(t *testing.T) {
	files := []string{service, "testdata/lint_bad.yaml", "../../lint/testdata/runs_as_root_bad.yaml"}
	code, out, errOut := mstage(t, append([]string{"lint"}, files...)...)
	if code != exitOK || errOut != "" {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden(t, "lint_several", out)
	if code, _, _ := mstage(t, append([]string{"lint", "--strict"}, files...)...); code != exitWarnings {
		t.Errorf("--strict: exit %d, want %d", code, exitWarnings)
	}
	// An invalid file among them makes the run invalid, and the others are
	// still linted.
	code, out, errOut = mstage(t, "lint", "testdata/parse_error.yaml", "testdata/lint_bad.yaml")
	if code != exitFail || !strings.Contains(errOut, "parse_error.yaml:5:5:") || !strings.Contains(out, "lint_bad.yaml:") {
		t.Errorf("exit %d; stdout:\n%s\nstderr:\n%s", code, out, errOut)
	}

	// JSON: one document per file, in order.
	code, out, _ = mstage(t, append([]string{"lint", "--format", "json"}, files...)...)
	if code != exitOK {
		t.Errorf("json: exit %d", code)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	var names []string
	for dec.More() {
		var lr lint.LintResults
		if err := dec.Decode(&lr); err != nil {
			t.Fatal(err)
		}
		names = append(names, lr.Sources[0].Filename)
	}
	if strings.Join(names, " ") != strings.Join(files, " ") {
		t.Errorf("json documents for %v, want %v", names, files)
	}
}

// TestLintCheckDirective: `mstage lint` judges a spec as a build does, by
// its # check= directive and BUILDKIT_DOCKERFILE_CHECK.
func TestLintCheckDirective(t *testing.T) {
	const body = "version: 1\nargs:\n  UNUSED: x\nruntimes:\n  web:\n    user: \"65532\"\n"
	const syntax = "# syntax=docker.io/mstage/mstage:1\n"
	code, out, errOut := mstageStdin(t, syntax+"# check=error=true\n"+body, "lint", "-")
	if code != 1 || !strings.Contains(out, "<stdin>:5:3: [UnusedArg] warning:") || !strings.Contains(errOut, "<stdin>: 1 lint warning(s) fail the build: check error=true") {
		t.Errorf("error=true: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	code, out, errOut = mstageStdin(t, syntax+"# check=error=true\n"+body, "lint", "--format", "json", "-")
	if code != 1 || !strings.Contains(out, `"UnusedArg"`) || !strings.Contains(out, "lint warning UnusedArg (check error=true)") {
		t.Errorf("error=true, json: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	code, out, errOut = mstageStdin(t, syntax+"# check=skip=UnusedArg;error=true\n"+body, "lint", "--strict", "-")
	if code != 0 || strings.Contains(out, "UnusedArg") {
		t.Errorf("skip: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	code, out, errOut = mstageStdin(t, syntax+body, "lint", "--build-arg", "BUILDKIT_DOCKERFILE_CHECK=error=true", "-")
	if code != 1 || !strings.Contains(out, "[UnusedArg]") {
		t.Errorf("build arg: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	code, _, errOut = mstageStdin(t, syntax+"# check=error=maybe\n"+body, "lint", "-")
	if code != 1 || !strings.Contains(errOut, "<stdin>:2:1: # check=error=maybe") {
		t.Errorf("invalid directive: exit %d\nstderr:\n%s", code, errOut)
	}
}
