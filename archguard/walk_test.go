package archguard

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

var arm64 = ocispecs.Platform{OS: "linux", Architecture: "arm64"}

// writeTree writes files (slash paths relative to dir) with their modes.
func writeTree(t *testing.T, dir string, files map[string][]byte, modes map[string]os.FileMode) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := modes[name]
		if mode == 0 {
			mode = 0o644
		}
		if err := os.WriteFile(p, data, mode); err != nil {
			t.Fatal(err)
		}
	}
}

// nodeModules is a node_modules tree of more scripts than a guard reads,
// with one amd64 addon deep in it.
func nodeModules() map[string][]byte {
	files := map[string][]byte{}
	for i := range MaxFiles + 500 {
		files[fmt.Sprintf("node_modules/a%04d/LICENSE", i)] = []byte("Permission is hereby granted, free of charge\n")
		files[fmt.Sprintf("node_modules/a%04d/index.js", i)] = []byte("module.exports = function () { return 42; };\n")
	}
	files["node_modules/zz/build/Release/addon.node"] = elfHeader(elfClass64, elfData2LSB, emX8664)
	return files
}

func openRoot(t *testing.T, dir string) DirTree {
	t.Helper()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return DirTree{Root: root}
}

// The likeliest binaries are read first and scripts not at all, so the
// addon is found although the tree has more files than MaxFiles.
func TestWalkReadsAddonsFirst(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, nodeModules(), nil)
	tree := openRoot(t, dir)
	w := &walker{tree: tree, entries: MaxEntries}
	e, err := tree.Stat(context.Background(), "/node_modules")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.walk(context.Background(), "/node_modules", e); err != nil {
		t.Fatal(err)
	}
	if len(w.likely) != 1 || len(w.others) != MaxFiles+500 {
		t.Errorf("%d likely binaries and %d other files, want 1 and %d (no scripts)", len(w.likely), len(w.others), MaxFiles+500)
	}
	err = Walk(context.Background(), tree, []string{"/node_modules"}, arm64)
	if err == nil || err.Error() != "arch guard: /node_modules/zz/build/Release/addon.node is an x86-64 (amd64) binary, but the image is for linux/arm64" {
		t.Errorf("error = %v, want the amd64 addon.node", err)
	}
}

// Main, the guard op's process, writes its verdict and exits 0 whatever
// it is; a link out of the mounted outputs is not followed.
func TestMainWritesTheVerdict(t *testing.T) {
	outside := t.TempDir()
	writeTree(t, outside, map[string][]byte{"secret-tool": elfHeader(elfClass64, elfData2LSB, emX8664)}, map[string]os.FileMode{"secret-tool": 0o755})
	tests := []struct {
		name  string
		files map[string][]byte
		paths []string
		want  Verdict
	}{
		{"wrong arch", nodeModules(), []string{"/node_modules"},
			Verdict{Mismatch: &MismatchError{Path: "/node_modules/zz/build/Release/addon.node", Machine: "amd64", Platform: arm64}}},
		{"right arch", map[string][]byte{"app": elfHeader(elfClass64, elfData2LSB, emAArch64)}, []string{"/app", "/"}, Verdict{}},
		{"missing output", map[string][]byte{}, []string{"/app"}, Verdict{Error: "arch guard: output /app: "}},
		{"link out of the tree", map[string][]byte{}, []string{"/tool", "/bin"}, Verdict{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "in")
			writeTree(t, in, tt.files, nil)
			if err := os.MkdirAll(filepath.Join(in, "bin"), 0o755); err != nil {
				t.Fatal(err)
			}
			for _, link := range []string{"tool", "bin/tool"} {
				if err := os.Symlink(filepath.Join(outside, "secret-tool"), filepath.Join(in, link)); err != nil {
					t.Fatal(err)
				}
			}
			out := filepath.Join(dir, VerdictFile)
			args := Args("/bin/mstage-frontend", arm64, tt.paths)[2:]
			for i := range args {
				switch args[i] {
				case InputDir:
					args[i] = in
				case "/verdict/verdict.json":
					args[i] = out
				}
			}
			var stderr bytes.Buffer
			if code := Main(context.Background(), args, &stderr); code != 0 {
				t.Fatalf("exit code %d: %s", code, stderr.String())
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseVerdict(data)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.want.Error != "":
				if got.Mismatch != nil || !strings.HasPrefix(got.Error, tt.want.Error) {
					t.Errorf("verdict = %s, want an error starting %q", data, tt.want.Error)
				}
			case tt.want.Mismatch != nil:
				if got.Mismatch == nil || got.Err().Error() != tt.want.Err().Error() {
					t.Errorf("verdict = %s, want %v", data, tt.want.Err())
				}
			default:
				if got.Err() != nil {
					t.Errorf("verdict = %s, want ok", data)
				}
			}
		})
	}
}

func TestMainRejectsBadArguments(t *testing.T) {
	for _, args := range [][]string{{"--platform", "not a platform"}, {"--no-such-flag"}} {
		var stderr bytes.Buffer
		if code := Main(context.Background(), args, &stderr); code != 2 || stderr.Len() == 0 {
			t.Errorf("Main(%q) = %d, stderr %q; want 2 and a message", args, code, stderr.String())
		}
	}
}
