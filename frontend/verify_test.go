package frontend

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/archguard"
)

// Without a frontend image, the guard walks the outputs through the
// gateway: a wrong-arch Node addon deep in a node_modules tree of more
// files than the guard reads is still found.
func TestArchGuardWalksTheGatewayWithoutAnImage(t *testing.T) {
	files := memFS{}
	for i := range archguard.MaxFiles + 500 {
		files[fmt.Sprintf("node_modules/a%04d/LICENSE", i)] = memFile{data: []byte("Permission is hereby granted, free of charge\n"), mode: 0o644}
		files[fmt.Sprintf("node_modules/a%04d/index.js", i)] = memFile{data: []byte("module.exports = function () { return 42; };\n"), mode: 0o644}
	}
	files["node_modules/zz/build/Release/addon.node"] = memFile{data: elfHeader(emX8664), mode: 0o644}
	err := archguard.Walk(context.Background(), gatewayTree{ref: &memRef{fs: files}}, []string{"/node_modules"}, ocispecs.Platform{OS: "linux", Architecture: "arm64"})
	if err == nil || !strings.Contains(err.Error(), "/node_modules/zz/build/Release/addon.node is an x86-64 (amd64) binary") {
		t.Errorf("error = %v, want the amd64 addon.node", err)
	}
}

const guardImageRef = "example.test/mstage-frontend:guard"

// guardOps returns the guard ops of every solve and the ops of their
// definitions, by digest.
func guardOps(t *testing.T, c *fakeClient) ([]*pb.Op, map[string]*pb.Op) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	var guards []*pb.Op
	all := map[string]*pb.Op{}
	for _, req := range c.solves {
		ops, err := decodeOps(req.Definition)
		if err != nil {
			t.Fatal(err)
		}
		for i, op := range ops {
			all[digestOf(req.Definition.Def[i])] = op
			if exec := op.GetExec(); exec != nil && slices.Contains(exec.Meta.Args, archguard.Subcommand) {
				guards = append(guards, op)
			}
		}
	}
	return guards, all
}

// With the frontend's image, the guard is an op on it: on the build
// platform, without a network, the artifact mounted read-only, and its
// verdict the only output.
func TestArchGuardRunsAsAnOpOnTheFrontendImage(t *testing.T) {
	fc := newFakeClient(t, "testdata/mstage.yaml", map[string]string{"platform": "linux/arm64", "target": "server"})
	withOutputs(fc, []byte("#!/bin/sh\necho not an ELF file\n"))
	c := frontendClient{fakeClient: fc, image: llb.Image(guardImageRef)}
	if _, err := Build(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	guards, all := guardOps(t, fc)
	if len(guards) != 1 {
		t.Fatalf("%d guard ops solved, want 1", len(guards))
	}
	op := guards[0]
	exec := op.GetExec()
	wantArgs := []string{frontendBinary, archguard.Subcommand, "--platform", "linux/arm64", "--in", "/in", "--out", "/verdict/verdict.json", "--", "/app"}
	if !slices.Equal(exec.Meta.Args, wantArgs) {
		t.Errorf("args = %q, want %q", exec.Meta.Args, wantArgs)
	}
	if exec.Network != pb.NetMode_NONE {
		t.Errorf("network = %v, want none", exec.Network)
	}
	if p := op.Platform; p == nil || p.OS != "linux" || p.Architecture != "amd64" {
		t.Errorf("op platform = %v, want the build platform linux/amd64", p)
	}
	mounts := map[string]*pb.Mount{}
	for _, m := range exec.Mounts {
		mounts[m.Dest] = m
	}
	if len(mounts) != 3 || mounts["/"] == nil || mounts["/in"] == nil || mounts["/verdict"] == nil {
		t.Fatalf("mounts = %v, want /, /in and /verdict", exec.Mounts)
	}
	root := all[op.Inputs[mounts["/"].Input].Digest]
	if src := root.GetSource(); src == nil || !strings.HasSuffix(src.Identifier, guardImageRef) {
		t.Errorf("root mount = %v, want the frontend image %s", root, guardImageRef)
	}
	if in := mounts["/in"]; !in.Readonly || in.Output != int64(pb.SkipOutput) {
		t.Errorf("/in = %v, want read-only without an output", in)
	}
	if art := all[op.Inputs[mounts["/in"].Input].Digest]; art == nil || art.GetSource() != nil {
		t.Errorf("/in mounts %v, want the artifact's outputs", art)
	}
	if v := mounts["/verdict"]; v.Input != int64(pb.Empty) || v.Readonly || v.Output == int64(pb.SkipOutput) {
		t.Errorf("/verdict = %v, want an empty writable mount with an output", v)
	}
}

// The guard op's verdict fails the build with the error the gateway walk
// gives: same text, same position in the spec.
func TestArchGuardOpErrorIsTheWalkError(t *testing.T) {
	build := func(withImage bool) error {
		fc := newFakeClient(t, "testdata/mstage.yaml", map[string]string{"platform": "linux/arm64", "target": "server"})
		withOutputs(fc, elfHeader(emX8664))
		if !withImage {
			_, err := Build(context.Background(), fc)
			return err
		}
		_, err := Build(context.Background(), frontendClient{fakeClient: fc, image: llb.Image(guardImageRef)})
		if guards, _ := guardOps(t, fc); len(guards) != 1 {
			t.Errorf("%d guard ops solved, want 1", len(guards))
		}
		return err
	}
	walked, verdict := build(false), build(true)
	if walked == nil || verdict == nil {
		t.Fatalf("an amd64 binary passed the arch guard of an arm64 image: walk %v, op %v", walked, verdict)
	}
	for _, want := range []string{`stage "app"`, "/app is an x86-64 (amd64) binary, but the image is for linux/arm64", "arch-guard: false"} {
		if !strings.Contains(verdict.Error(), want) {
			t.Errorf("error does not contain %q: %v", want, verdict)
		}
	}
	if walked.Error() != verdict.Error() {
		t.Errorf("the op's error differs from the walk's:\n op:   %v\n walk: %v", verdict, walked)
	}
	ranges := func(err error) []string {
		var out []string
		for _, s := range errdefs.Sources(err) {
			for _, r := range s.Ranges {
				out = append(out, fmt.Sprintf("%s:%d:%d", s.Info.Filename, r.Start.Line, r.Start.Character))
			}
		}
		return out
	}
	if w, v := ranges(walked), ranges(verdict); len(v) == 0 || !slices.Equal(w, v) {
		t.Errorf("the op's error points at %v, the walk's at %v", v, w)
	}
}

// The guard op of the same spec and inputs is the same op, so BuildKit
// caches its verdict.
func TestArchGuardOpIsDeterministic(t *testing.T) {
	var digests []string
	for range 2 {
		fc := newFakeClient(t, "testdata/mstage.yaml", map[string]string{"platform": "linux/arm64", "target": "server"})
		withOutputs(fc, []byte("#!/bin/sh\necho not an ELF file\n"))
		if _, err := Build(context.Background(), frontendClient{fakeClient: fc, image: llb.Image(guardImageRef)}); err != nil {
			t.Fatal(err)
		}
		guards, all := guardOps(t, fc)
		if len(guards) != 1 {
			t.Fatalf("%d guard ops solved, want 1", len(guards))
		}
		for d, op := range all {
			if op == guards[0] {
				digests = append(digests, d)
			}
		}
	}
	if digests[0] != digests[1] {
		t.Errorf("guard op digests %v differ between identical builds", digests)
	}
}

func digestOf(op []byte) string {
	return digest.FromBytes(op).String()
}
