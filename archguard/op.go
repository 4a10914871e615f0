package archguard

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/containerd/platforms"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// A guard op is an exec op that runs Main in the frontend's own image, with
// the artifact's outputs mounted read-only at InputDir and an empty mount at
// VerdictDir, where it writes its Verdict as JSON to VerdictFile. BuildKit
// caches it by the outputs' content, so an unchanged artifact costs a cache
// hit and one read of the verdict, not a walk of its tree.
const (
	Subcommand  = "archguard"
	InputDir    = "/in"
	VerdictDir  = "/verdict"
	VerdictFile = "verdict.json"
)

// MaxVerdictBytes bounds a verdict file: a path and an error message.
const MaxVerdictBytes = 16 << 10

// Verdict is what a guard op found: nothing, a mismatch or an error.
type Verdict struct {
	Mismatch *MismatchError `json:"mismatch,omitempty"`
	Error    string         `json:"error,omitempty"`
}

// Err returns the verdict as Walk would have returned it.
func (v Verdict) Err() error {
	switch {
	case v.Mismatch != nil:
		return v.Mismatch
	case v.Error != "":
		return errors.New(v.Error)
	}
	return nil
}

// ParseVerdict decodes a verdict file.
func ParseVerdict(data []byte) (Verdict, error) {
	var v Verdict
	if err := json.Unmarshal(data, &v); err != nil {
		return Verdict{}, fmt.Errorf("arch guard: bad verdict: %w", err)
	}
	return v, nil
}

// Args is the command line of a guard op whose image serves Main under
// Subcommand at binary.
func Args(binary string, platform ocispecs.Platform, paths []string) []string {
	args := []string{binary, Subcommand, "--platform", platforms.Format(platform),
		"--in", InputDir, "--out", path.Join(VerdictDir, VerdictFile), "--"}
	return append(args, paths...)
}

// Main runs a guard op (args after Subcommand): it walks the outputs under
// --in and writes the verdict to --out. It exits 0 whatever the verdict, so
// that BuildKit caches it, and non-zero only when it cannot write one.
func Main(ctx context.Context, args []string, stderr io.Writer) int {
	fl := flag.NewFlagSet(Subcommand, flag.ContinueOnError)
	fl.SetOutput(stderr)
	platform := fl.String("platform", "", "the platform the outputs must be built for")
	in := fl.String("in", InputDir, "where the artifact's outputs are mounted")
	out := fl.String("out", path.Join(VerdictDir, VerdictFile), "the verdict file to write")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	p, err := platforms.Parse(*platform)
	if err != nil {
		fmt.Fprintf(stderr, "%s: --platform: %v\n", Subcommand, err)
		return 2
	}
	var v Verdict
	if err := walkDir(ctx, *in, fl.Args(), p); err != nil {
		if mismatch, ok := errors.AsType[*MismatchError](err); ok {
			v.Mismatch = mismatch
		} else {
			v.Error = err.Error()
		}
	}
	data, err := json.Marshal(v)
	if err == nil {
		err = os.WriteFile(*out, data, 0o644)
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", Subcommand, err)
		return 1
	}
	return 0
}

func walkDir(ctx context.Context, dir string, paths []string, platform ocispecs.Platform) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("arch guard: %w", err)
	}
	defer root.Close()
	return Walk(ctx, DirTree{Root: root}, paths, platform)
}

// DirTree is a Tree of a local directory; the paths of the tree are
// relative to it and cannot leave it.
type DirTree struct {
	Root *os.Root
}

func (t DirTree) rel(p string) string {
	rel := strings.TrimPrefix(path.Clean("/"+p), "/")
	if rel == "" {
		return "."
	}
	return filepath.FromSlash(rel)
}

func (t DirTree) Stat(_ context.Context, p string) (Entry, error) {
	fi, err := t.Root.Lstat(t.rel(p))
	if err != nil {
		return Entry{}, err
	}
	return Entry{Name: fi.Name(), Mode: fi.Mode(), Size: fi.Size()}, nil
}

func (t DirTree) ReadDir(_ context.Context, dir string, limit int) ([]Entry, error) {
	f, err := t.Root.Open(t.rel(dir))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	des, err := f.ReadDir(limit)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	entries := make([]Entry, 0, len(des))
	for _, de := range des {
		e := Entry{Name: de.Name(), Mode: de.Type()}
		if de.Type().IsRegular() {
			fi, err := de.Info()
			if err != nil {
				return nil, err
			}
			e.Mode, e.Size = fi.Mode(), fi.Size()
		}
		entries = append(entries, e)
	}
	return entries, nil
}

func (t DirTree) ReadHeader(_ context.Context, p string, n int) ([]byte, error) {
	f, err := t.Root.Open(t.rel(p))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	header := make([]byte, n)
	m, err := io.ReadFull(f, header)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return header[:m], nil
}
