package frontend

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/gateway/client"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// A wrong-arch Node addon deep in a node_modules tree of more files than
// the guard reads is still found: likely binaries are read first, and
// scripts not at all.
func TestArchGuardReadsAddonsFirst(t *testing.T) {
	files := memFS{}
	for i := range maxGuardedFiles + 500 {
		files[fmt.Sprintf("node_modules/a%04d/LICENSE", i)] = memFile{data: []byte("Permission is hereby granted, free of charge\n"), mode: 0o644}
		files[fmt.Sprintf("node_modules/a%04d/index.js", i)] = memFile{data: []byte("module.exports = function () { return 42; };\n"), mode: 0o644}
	}
	files["node_modules/zz/build/Release/addon.node"] = memFile{data: elfHeader(emX8664), mode: 0o644}
	ref := &memRef{fs: files}
	w := &guardWalker{ref: ref, entries: maxGuardedEntries}
	st, err := ref.StatFile(context.Background(), client.StatRequest{Path: "/node_modules"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.walk(context.Background(), "/node_modules", st); err != nil {
		t.Fatal(err)
	}
	if len(w.likely) != 1 || len(w.others) != maxGuardedFiles+500 {
		t.Errorf("%d likely binaries and %d other files, want 1 and %d (no scripts)", len(w.likely), len(w.others), maxGuardedFiles+500)
	}
	err = w.check(context.Background(), ocispecs.Platform{OS: "linux", Architecture: "arm64"}, maxGuardedFiles)
	if err == nil || !strings.Contains(err.Error(), "addon.node is an x86-64 (amd64) binary") {
		t.Errorf("error = %v, want the amd64 addon.node", err)
	}
}
