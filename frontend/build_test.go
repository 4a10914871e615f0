package frontend

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/exporter/containerimage/exptypes"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/frontend/subrequests/outline"
	"github.com/moby/buildkit/frontend/subrequests/targets"
	"github.com/moby/buildkit/solver/errdefs"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
)

// elfHeader returns the first 64 bytes of a little-endian 64-bit ELF
// executable for the e_machine value machine.
func elfHeader(machine uint16) []byte {
	h := make([]byte, 64)
	copy(h, "\x7fELF\x02\x01\x01")
	binary.LittleEndian.PutUint16(h[16:], 2)
	binary.LittleEndian.PutUint16(h[18:], machine)
	return h
}

const emX8664 = 62

// withOutputs serves files as the output of every solved stage; both the
// artifact's root layout (/app) and the builder's (/out/app) are covered.
func withOutputs(c *fakeClient, data []byte) {
	c.outputs["app"] = memFile{data: data, mode: 0o755}
	c.outputs["out/app"] = memFile{data: data, mode: 0o755}
}

func TestBuildTwoPlatforms(t *testing.T) {
	c := newFakeClient(t, "testdata/mstage.yaml", map[string]string{
		"platform":       "linux/amd64,linux/arm64",
		"build-arg:NOPE": "1",
	})
	withOutputs(c, []byte("#!/bin/sh\necho not an ELF file\n"))

	res, err := Build(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for id := range res.Refs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	if want := []string{"linux/amd64", "linux/arm64"}; !slices.Equal(ids, want) {
		t.Fatalf("refs = %v; want %v", ids, want)
	}

	var exp exptypes.Platforms
	if err := json.Unmarshal(res.Metadata[exptypes.ExporterPlatformsKey], &exp); err != nil {
		t.Fatalf("refs.platforms: %v", err)
	}
	if len(exp.Platforms) != 2 || exp.Platforms[0].ID != "linux/amd64" || exp.Platforms[1].ID != "linux/arm64" {
		t.Errorf("refs.platforms = %+v", exp.Platforms)
	}
	for _, id := range ids {
		dt, ok := res.Metadata[exptypes.ExporterImageConfigKey+"/"+id]
		if !ok {
			t.Fatalf("no image config for %s", id)
		}
		var img dockerspec.DockerOCIImage
		if err := json.Unmarshal(dt, &img); err != nil {
			t.Fatal(err)
		}
		if got := img.OS + "/" + img.Architecture; got != id {
			t.Errorf("image config for %s is for %s", id, got)
		}
		if !slices.Equal(img.Config.Entrypoint, []string{"/usr/local/bin/app"}) {
			t.Errorf("entrypoint for %s = %v", id, img.Config.Entrypoint)
		}
	}

	for _, req := range c.solves {
		if req.Frontend != "" {
			t.Errorf("solve forwarded to frontend %q; a # syntax= line must not be followed", req.Frontend)
		}
	}
	var gateSolved bool
	for _, args := range c.solvedArgs(t) {
		if strings.Contains(args, "go test") {
			gateSolved = true
		}
	}
	if !gateSolved {
		t.Error("the unit-tests gate of server was never solved")
	}
	var undeclared int
	for _, w := range c.warnings {
		if strings.Contains(w, "NOPE") {
			undeclared++
		}
	}
	if undeclared != 1 {
		t.Errorf("warnings about NOPE: %d, want exactly 1 for two platforms; all: %q", undeclared, c.warnings)
	}
}

func TestBuildUsesSpecPlatformsWithoutPlatformOpt(t *testing.T) {
	c := newFakeClient(t, "testdata/mstage.yaml", nil)
	withOutputs(c, elfHeader(emX8664))

	res, err := Build(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if res.Ref == nil || len(res.Refs) != 0 {
		t.Fatalf("want a single ref, got Ref=%v Refs=%v", res.Ref, res.Refs)
	}
	var img dockerspec.DockerOCIImage
	if err := json.Unmarshal(res.Metadata[exptypes.ExporterImageConfigKey], &img); err != nil {
		t.Fatal(err)
	}
	if img.Architecture != "amd64" {
		t.Errorf("image architecture = %q; the spec's platforms say amd64", img.Architecture)
	}
}

func TestBuildParseErrorPointsAtSpecLine(t *testing.T) {
	c := newFakeClient(t, "testdata/bad.yaml", nil)
	_, err := Build(context.Background(), c)
	if err == nil {
		t.Fatal("Build of an invalid spec succeeded")
	}
	if !strings.Contains(err.Error(), "bad.yaml:5:") {
		t.Errorf("error does not name bad.yaml:5: %v", err)
	}
	srcs := errdefs.Sources(err)
	if len(srcs) == 0 {
		t.Fatalf("error carries no source: %v", err)
	}
	src := srcs[len(srcs)-1]
	if src.Info.Filename != "bad.yaml" || src.Info.Language != "yaml" || src.Info.Definition == nil {
		t.Errorf("source info = %q %q definition=%v", src.Info.Filename, src.Info.Language, src.Info.Definition != nil)
	}
	var lines []int32
	for _, r := range src.Ranges {
		lines = append(lines, r.Start.Line)
	}
	if !slices.Contains(lines, 5) {
		t.Errorf("source ranges are on lines %v; want line 5 (imge)", lines)
	}
}

func TestTargetsSubrequest(t *testing.T) {
	c := newFakeClient(t, "testdata/mstage.yaml", map[string]string{"requestid": targets.RequestTargets})
	res, err := Build(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	var list targets.List
	if err := json.Unmarshal(res.Metadata["result.json"], &list); err != nil {
		t.Fatal(err)
	}
	var names, defaults []string
	for _, tg := range list.Targets {
		names = append(names, tg.Name)
		if tg.Default {
			defaults = append(defaults, tg.Name)
		}
	}
	if want := []string{"go", "app", "unit-tests", "server", "debug"}; !slices.Equal(names, want) {
		t.Errorf("targets = %v; want %v", names, want)
	}
	if !slices.Equal(defaults, []string{"server"}) {
		t.Errorf("default targets = %v; want [server]", defaults)
	}
	server := list.Targets[3]
	if server.Description != "[runtime] The server on scratch." || server.Base != "scratch" {
		t.Errorf("server target = %+v", server)
	}
	if server.Location == nil || server.Location.Ranges[0].Start.Line != 38 {
		t.Errorf("server location = %v; want line 38", server.Location)
	}
	if list.Targets[1].Base != "go" {
		t.Errorf("app's base = %q; want its builder go", list.Targets[1].Base)
	}
	if len(list.Sources) != 1 || !strings.HasPrefix(string(list.Sources[0]), "# syntax=") {
		t.Error("targets list does not carry the spec source")
	}
	if !strings.Contains(string(res.Metadata["result.txt"]), "server (default)") {
		t.Errorf("result.txt does not mark the default:\n%s", res.Metadata["result.txt"])
	}
}

func TestOutlineSubrequest(t *testing.T) {
	c := newFakeClient(t, "testdata/mstage.yaml", map[string]string{
		"requestid":         outline.RequestSubrequestsOutline,
		"target":            "server",
		"build-arg:VERSION": "1.2.3",
	})
	res, err := Build(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	var o outline.Outline
	if err := json.Unmarshal(res.Metadata["result.json"], &o); err != nil {
		t.Fatal(err)
	}
	if o.Name != "server" || o.Description != "The server on scratch.\nplatforms: linux/amd64" {
		t.Errorf("outline of %q: %q", o.Name, o.Description)
	}
	if len(o.Args) != 1 || o.Args[0].Name != "VERSION" || o.Args[0].Value != "1.2.3" ||
		o.Args[0].Description != "Version stamped into the binary." {
		t.Errorf("args = %+v; want only VERSION=1.2.3 (UNUSED is not referenced)", o.Args)
	}
	if len(o.Secrets) != 1 || o.Secrets[0].Name != "netrc" || !o.Secrets[0].Required {
		t.Errorf("secrets = %+v; want netrc, required", o.Secrets)
	}
	if len(o.SSH) != 1 || o.SSH[0].Name != "default" {
		t.Errorf("ssh = %+v", o.SSH)
	}
	var cacheIDs []string
	for _, cm := range o.Cache {
		cacheIDs = append(cacheIDs, cm.ID)
	}
	if want := []string{"lint-cache", "mstage/demo/gomod", "mstage/demo/gobuild"}; !slices.Equal(cacheIDs, want) {
		t.Errorf("cache ids = %q; want %q (the spec's own, then the go preset's)", cacheIDs, want)
	}
}

func TestOutlineOfUnknownTargetSuggests(t *testing.T) {
	c := newFakeClient(t, "testdata/mstage.yaml", map[string]string{
		"requestid": outline.RequestSubrequestsOutline,
		"target":    "sever",
	})
	_, err := Build(context.Background(), c)
	if err == nil || !strings.Contains(err.Error(), `did you mean "server"?`) {
		t.Errorf("error = %v; want a suggestion of server", err)
	}
}

func TestLintSubrequest(t *testing.T) {
	c := newFakeClient(t, "testdata/mstage.yaml", map[string]string{
		"requestid":      lint.RequestLint,
		"build-arg:NOPE": "1",
	})
	res, err := Build(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	var results lint.LintResults
	if err := json.Unmarshal(res.Metadata["result.json"], &results); err != nil {
		t.Fatal(err)
	}
	lines := map[string]int32{}
	for _, w := range results.Warnings {
		if len(w.Location.Ranges) == 0 {
			t.Errorf("warning %s has no location", w.RuleName)
			continue
		}
		lines[w.RuleName] = w.Location.Ranges[0].Start.Line
		if w.RuleName == "UndeclaredBuildArg" && !strings.Contains(w.Detail, "NOPE") {
			t.Errorf("UndeclaredBuildArg detail = %q; want it to name NOPE", w.Detail)
		}
	}
	want := map[string]int32{"UndeclaredBuildArg": 6, "UnusedArg": 9, "RuntimeRunsAsRoot": 45, "RuntimeBaseHasShell": 47}
	if !maps.Equal(lines, want) {
		t.Errorf("warning lines = %v; want %v", lines, want)
	}
	if got := string(res.Metadata["result.statuscode"]); got != "1" {
		t.Errorf("status code = %s; want 1", got)
	}
}

func TestLintReportsParseErrorAsBuildError(t *testing.T) {
	c := newFakeClient(t, "testdata/bad.yaml", map[string]string{"requestid": lint.RequestLint})
	res, err := Build(context.Background(), c)
	if err != nil {
		t.Fatalf("lint of an invalid spec failed instead of reporting: %v", err)
	}
	var results lint.LintResults
	if err := json.Unmarshal(res.Metadata["result.json"], &results); err != nil {
		t.Fatal(err)
	}
	if results.Error == nil || !strings.Contains(results.Error.Message, "imge") {
		t.Fatalf("build error = %+v", results.Error)
	}
	if r := results.Error.Location.Ranges; len(r) == 0 || r[0].Start.Line != 5 {
		t.Errorf("build error location = %+v; want line 5", r)
	}
}

func TestArchGuardRejectsWrongMachine(t *testing.T) {
	c := newFakeClient(t, "testdata/mstage.yaml", map[string]string{"platform": "linux/arm64"})
	withOutputs(c, elfHeader(emX8664))
	_, err := Build(context.Background(), c)
	if err == nil {
		t.Fatal("an amd64 binary passed the arch guard of an arm64 image")
	}
	for _, want := range []string{`stage "app"`, "app is an x86-64 (amd64) binary, but the image is for linux/arm64"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not contain %q: %v", want, err)
		}
	}
}

func TestFailingGateFailsTheBuild(t *testing.T) {
	c := newFakeClient(t, "testdata/mstage.yaml", map[string]string{"platform": "linux/amd64"})
	withOutputs(c, elfHeader(emX8664))
	c.failSolve = "go test"
	_, err := Build(context.Background(), c)
	if err == nil {
		t.Fatal("the build succeeded although its unit-tests gate failed")
	}
	if want := `stage "unit-tests" (needed by server) failed: `; !strings.Contains(err.Error(), want) {
		t.Errorf("error = %v; want it to contain %q", err, want)
	}
}

func TestUnknownTargetFailsWithSuggestion(t *testing.T) {
	c := newFakeClient(t, "testdata/mstage.yaml", map[string]string{"target": "servr"})
	_, err := Build(context.Background(), c)
	if err == nil || !strings.Contains(err.Error(), `did you mean "server"?`) {
		t.Errorf("error = %v", err)
	}
}

func TestDefaultFilenameIsMstageYAML(t *testing.T) {
	c := newFakeClient(t, "testdata/mstage.yaml", map[string]string{"requestid": targets.RequestTargets})
	delete(c.opts, "filename")
	c.specName = DefaultFilename
	if _, err := Build(context.Background(), c); err != nil {
		t.Fatalf("without a filename opt the frontend did not read %s: %v", DefaultFilename, err)
	}
	if _, ok := c.opts["filename"]; ok {
		t.Error("the client's opts were modified")
	}
}

func TestUnsupportedCapIsRefused(t *testing.T) {
	c := newFakeClient(t, "testdata/mstage.yaml", map[string]string{"frontend.caps": "moby.buildkit.frontend.subrequests,moby.buildkit.frontend.unknown"})
	_, err := Build(context.Background(), c)
	var capErr *errdefs.UnsupportedFrontendCapError
	if !errors.As(err, &capErr) {
		t.Errorf("error = %v; want UnsupportedFrontendCapError", err)
	}
	c = newFakeClient(t, "testdata/mstage.yaml", map[string]string{
		"frontend.caps": "moby.buildkit.frontend.subrequests+forward,moby.buildkit.frontend.unknown+forward",
		"requestid":     targets.RequestTargets,
	})
	if _, err := Build(context.Background(), c); err != nil {
		t.Errorf("optional caps were refused: %v", err)
	}
}

func TestSchemaSubrequest(t *testing.T) {
	c := newFakeClient(t, "testdata/mstage.yaml", map[string]string{"requestid": "frontend.schema"})
	res, err := Build(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../docs/mstage.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(res.Metadata["result.json"], want) {
		t.Errorf("schema result differs from docs/mstage.schema.json")
	}
}

func TestDescribeListsSchema(t *testing.T) {
	c := newFakeClient(t, "testdata/mstage.yaml", map[string]string{"requestid": "frontend.subrequests.describe"})
	res, err := Build(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	var reqs []struct{ Name string }
	if err := json.Unmarshal(res.Metadata["result.json"], &reqs); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range reqs {
		names = append(names, r.Name)
	}
	for _, want := range []string{"frontend.outline", "frontend.targets", "frontend.lint", "frontend.schema"} {
		if !slices.Contains(names, want) {
			t.Errorf("describe lists %v; missing %s", names, want)
		}
	}
}

// A compile error (here a named context the client did not set) reaches the
// client with the spec's line, as a parse error does.
func TestBuildCompileErrorPointsAtSpecLine(t *testing.T) {
	c := newFakeClient(t, "testdata/no-context.yaml", nil)
	_, err := Build(context.Background(), c)
	if err == nil || !strings.Contains(err.Error(), `no-context.yaml:7:18: named context "assets" is not set`) {
		t.Fatalf("error = %v; want the named context error at 7:18", err)
	}
	srcs := errdefs.Sources(err)
	if len(srcs) == 0 || len(srcs[len(srcs)-1].Ranges) == 0 || srcs[len(srcs)-1].Ranges[0].Start.Line != 7 {
		t.Errorf("error carries no source at line 7: %v", srcs)
	}
}
