package archguard

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"
)

// MaxFiles bounds how many file headers one guard reads, and MaxEntries how
// many directory entries it lists, so that an artifact with a huge output
// tree does not stall the build.
const (
	MaxFiles   = 1000
	MaxEntries = 100000
)

// readBytes is how much of each file a guard reads; more than Check needs,
// so that a truncated read still tells ELF from not-ELF.
const readBytes = 64

// parallel is how many directories a guard lists, or file headers it reads,
// at once: through BuildKit's gateway the cost of a tree is round trips, not
// work.
const parallel = 16

// Tree is the read-only file tree a guard walks: an artifact's outputs
// served by BuildKit's gateway, or mounted into the guard's container.
// Paths are absolute, as the artifact names its outputs.
type Tree interface {
	// Stat describes p itself, not what a symbolic link at p points to.
	Stat(ctx context.Context, p string) (Entry, error)
	// ReadDir lists the directory dir, at most limit entries of it.
	ReadDir(ctx context.Context, dir string, limit int) ([]Entry, error)
	// ReadHeader returns the first n bytes of the file p, fewer if it is
	// shorter.
	ReadHeader(ctx context.Context, p string, n int) ([]byte, error)
}

// Entry is a file or directory of a Tree.
type Entry struct {
	Name string // base name
	Mode fs.FileMode
	Size int64 // of a regular file
}

// Walk checks the ELF files under paths in t against platform. It lists the
// trees level by level, then reads the headers of at most MaxFiles files,
// the likeliest binaries first: in a node_modules tree of thousands of
// scripts, the one .node addon is what can be wrong. It returns the first
// mismatch, in that order, as a *MismatchError, or an error when t cannot
// be read.
func Walk(ctx context.Context, t Tree, paths []string, platform ocispecs.Platform) error {
	w := &walker{tree: t, entries: MaxEntries}
	for _, p := range paths {
		e, err := t.Stat(ctx, p)
		if err != nil {
			return fmt.Errorf("arch guard: output %s: %w", p, err)
		}
		if err := w.walk(ctx, p, e); err != nil {
			return err
		}
	}
	return w.check(ctx, platform)
}

// walker sorts the files of a tree into likely binaries and others.
type walker struct {
	tree    Tree
	entries int      // directory entries it may still list
	likely  []string // files named or moded like binaries
	others  []string // the other files big enough to be ELF
}

// walk lists the tree under p level by level, the directories of a level
// concurrently, in the same order every time.
func (w *walker) walk(ctx context.Context, p string, e Entry) error {
	level := []string{}
	w.add(p, e, &level)
	for len(level) > 0 && w.entries > 0 {
		listed := make([][]Entry, len(level))
		eg, ectx := errgroup.WithContext(ctx)
		eg.SetLimit(parallel)
		limit := w.entries
		for i, dir := range level {
			eg.Go(func() error {
				entries, err := w.tree.ReadDir(ectx, dir, limit)
				if err != nil {
					return fmt.Errorf("arch guard: read %s: %w", dir, err)
				}
				listed[i] = entries
				return nil
			})
		}
		if err := eg.Wait(); err != nil {
			return err
		}
		var next []string
		for i, entries := range listed {
			slices.SortFunc(entries, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
			for _, e := range entries {
				if w.entries <= 0 {
					break
				}
				w.entries--
				w.add(path.Join(level[i], e.Name), e, &next)
			}
		}
		level = next
	}
	return nil
}

// add files p: a directory to list next, a file to read, or nothing.
func (w *walker) add(p string, e Entry, dirs *[]string) {
	switch {
	case e.Mode.IsDir():
		*dirs = append(*dirs, p)
	case !e.Mode.IsRegular() || e.Size < HeaderSize:
	case likelyBinary(p, e.Mode):
		w.likely = append(w.likely, p)
	case !textFile(p):
		w.others = append(w.others, p)
	}
}

// textExtensions name files that are loaded as text, never as ELF: reading
// the thousands of them in a node_modules tree would slow every build.
var textExtensions = []string{".js", ".cjs", ".mjs", ".ts", ".mts", ".cts", ".json", ".map", ".md", ".markdown", ".txt", ".html", ".css", ".yml", ".yaml"}

func textFile(p string) bool {
	return slices.Contains(textExtensions, strings.ToLower(path.Ext(p)))
}

// likelyBinary reports whether a file's name or mode suggests a native
// binary: executable, a shared library or a Node addon.
func likelyBinary(p string, mode fs.FileMode) bool {
	base := path.Base(p)
	return mode&0o111 != 0 || path.Ext(base) == ".node" || path.Ext(base) == ".so" || strings.Contains(base, ".so.")
}

// check reads the headers of at most MaxFiles files, likely binaries first,
// several at once, and fails on the first ELF file, in that order, built
// for another platform.
func (w *walker) check(ctx context.Context, platform ocispecs.Platform) error {
	files := slices.Concat(w.likely, w.others)
	files = files[:min(len(files), MaxFiles)]
	headers := make([][]byte, len(files))
	eg, ectx := errgroup.WithContext(ctx)
	eg.SetLimit(parallel)
	for i, p := range files {
		eg.Go(func() error {
			header, err := w.tree.ReadHeader(ectx, p, readBytes)
			if err != nil {
				return fmt.Errorf("arch guard: read %s: %w", p, err)
			}
			headers[i] = header
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return err
	}
	for i, p := range files {
		if err := Check(p, headers[i], platform); err != nil {
			return err
		}
	}
	return nil
}
