package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/mstage/mstage/spec"
)

func runLock(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("lock", "FILE [--write] [--mirror HOST] [--insecure-registry HOST]...", stderr)
	write := fs.Bool("write", false, "rewrite FILE with the pinned references (else print them)")
	mirror := fs.String("mirror", "", "registry HOST[:PORT] to resolve docker.io images from (the digest is the same)")
	var insecure multiFlag
	fs.Var(&insecure, "insecure-registry", "registry HOST[:PORT] to reach over plain HTTP (repeatable)")
	pos, err := parseArgs(fs, args, 1, 1, "FILE")
	if err != nil {
		return usageExit(err)
	}
	file := pos[0]
	s, src, ok := loadSpec(file, stderr)
	if !ok {
		return exitFail
	}
	r := &resolver{mirror: *mirror, insecure: insecure, digests: map[string]string{}}
	edits, failed := planLock(context.Background(), s, src, r, stderr)
	for _, e := range edits {
		fmt.Fprintf(stdout, "%s:%s %s -> %s\n", file, e.pos, e.old, e.new)
	}
	if *write && len(edits) > 0 {
		info, err := os.Stat(file)
		if err != nil {
			fmt.Fprintf(stderr, "mstage lock: %v\n", err)
			return exitFail
		}
		if err := os.WriteFile(file, applyEdits(src, edits), info.Mode().Perm()); err != nil {
			fmt.Fprintf(stderr, "mstage lock: %v\n", err)
			return exitFail
		}
	}
	if failed {
		return exitFail
	}
	return exitOK
}

// lockEdit replaces the text old at byte offset off (line:col pos) with new.
type lockEdit struct {
	pos      spec.Pos
	off      int
	old, new string
}

// planLock resolves every image reference of s that is not pinned yet and
// returns the edits of src that pin them, in file order. References it
// cannot resolve are reported on stderr; failed is true when one of them
// was an error rather than a deliberate skip.
func planLock(ctx context.Context, s *spec.Spec, src []byte, r *resolver, stderr io.Writer) (edits []lockEdit, failed bool) {
	vars, _, _ := s.ArgValues(nil) // Parse checked the defaults
	x := defaultsExpander(vars)
	for _, img := range imageValues(s) {
		ref, ok, err := expandDefaults(x, img.Value)
		switch {
		case err != nil:
			if e, isSpec := err.(*spec.Error); isSpec {
				positioned := *e
				positioned.Filename, positioned.Pos = s.Filename, img.Pos
				err = &positioned
			}
			fmt.Fprintln(stderr, err)
			failed = true
			continue
		case !ok:
			fmt.Fprintf(stderr, "%s:%s %s: skipped: it depends on a variable without a default (such as TARGETARCH)\n", s.Filename, img.Pos, img.Value)
			continue
		case ref == "scratch" || strings.Contains(ref, "@"):
			continue
		}
		off, rawLen, ok := valueOffset(src, img.Pos, img.Value)
		if !ok {
			fmt.Fprintf(stderr, "%s:%s %s: skipped: the value is not written as a plain or quoted scalar on one line\n", s.Filename, img.Pos, img.Value)
			continue
		}
		pinned, err := r.pin(ctx, ref)
		if err != nil {
			fmt.Fprintf(stderr, "%s:%s %s: %v\n", s.Filename, img.Pos, ref, err)
			failed = true
			continue
		}
		edits = append(edits, lockEdit{pos: img.Pos, off: off, old: string(src[off : off+rawLen]), new: pinned})
	}
	slices.SortFunc(edits, func(a, b lockEdit) int { return a.off - b.off })
	return edits, failed
}

// imageValues returns every image reference in s with the position of its
// value: stage images and the image sources of copies and mounts.
func imageValues(s *spec.Spec) []spec.String {
	var out []spec.String
	add := func(value string, pos spec.Pos) {
		if value != "" {
			out = append(out, spec.String{Value: value, Pos: pos})
		}
	}
	for _, st := range s.Stages() {
		add(st.Image, st.At("image"))
		for _, step := range st.Steps {
			if step.Copy != nil {
				add(step.Copy.Image, step.Copy.At("image"))
			}
			for _, m := range step.Mounts {
				add(m.Image, m.At("image"))
			}
		}
		for _, c := range st.Copy {
			add(c.Image, c.At("image"))
		}
	}
	return out
}

// defaultsExpander expands with the args that have a non-empty default.
func defaultsExpander(vars map[string]string) *spec.WordExpander {
	set := make(map[string]string, len(vars))
	for k, v := range vars {
		if v != "" {
			set[k] = v
		}
	}
	return spec.NewWordExpander(set)
}

// expandDefaults expands ${VAR} with x. It returns false when a variable
// has no value, as the platform variables have not, and an error when the
// value cannot be expanded within the limits of spec.WordExpander.
func expandDefaults(x *spec.WordExpander, raw string) (string, bool, error) {
	if !strings.Contains(raw, "$") {
		return raw, true, nil
	}
	res, unset, err := x.Expand(raw)
	if err != nil {
		return "", false, err
	}
	if len(unset) > 0 || strings.Contains(res, "$") {
		return "", false, nil
	}
	return res, true, nil
}

// valueOffset finds the value at pos in src: its byte offset and length,
// without quotes. It returns false unless the text there is value itself.
func valueOffset(src []byte, pos spec.Pos, value string) (off, n int, ok bool) {
	line := 1
	for off = 0; off < len(src) && line < pos.Line; off++ {
		if src[off] == '\n' {
			line++
		}
	}
	for col := 1; col < pos.Col && off < len(src) && src[off] != '\n'; col++ {
		_, size := utf8.DecodeRune(src[off:])
		off += size
	}
	if off < len(src) && (src[off] == '"' || src[off] == '\'') {
		off++
	}
	if !strings.HasPrefix(string(src[off:]), value) {
		return 0, 0, false
	}
	return off, len(value), true
}

// applyEdits returns src with every edit applied; edits are sorted by
// offset and do not overlap.
func applyEdits(src []byte, edits []lockEdit) []byte {
	var b strings.Builder
	last := 0
	for _, e := range edits {
		b.Write(src[last:e.off])
		b.WriteString(e.new)
		last = e.off + len(e.old)
	}
	b.Write(src[last:])
	return []byte(b.String())
}

// resolver looks up the digest a tag points at (the index digest of a
// multi-platform image), once per reference.
type resolver struct {
	mirror   string
	insecure []string
	digests  map[string]string
}

// pin returns ref as name:tag@sha256:..., the name as the user wrote it.
func (r *resolver) pin(ctx context.Context, ref string) (string, error) {
	parsed, err := name.ParseReference(ref)
	if err != nil {
		return "", fmt.Errorf("invalid image reference: %w", err)
	}
	if d, ok := r.digests[parsed.String()]; ok {
		return parsed.String() + "@" + d, nil
	}
	lookup, err := r.lookupRef(parsed)
	if err != nil {
		return "", err
	}
	desc, err := remote.Head(lookup, remote.WithContext(ctx))
	if err != nil {
		// Some registries answer GET but not HEAD on manifests.
		full, getErr := remote.Get(lookup, remote.WithContext(ctx))
		if getErr != nil {
			return "", fmt.Errorf("cannot resolve %s: %w", lookup, getErr)
		}
		desc = &full.Descriptor
	}
	if _, isTag := parsed.(name.Tag); isTag && !strings.Contains(ref[strings.LastIndex(ref, "/")+1:], ":") {
		ref += ":" + parsed.Identifier() // an implicit :latest, made explicit
	}
	r.digests[parsed.String()] = desc.Digest.String()
	return ref + "@" + desc.Digest.String(), nil
}

// lookupRef is where to ask for ref: on the mirror for Docker Hub images,
// over HTTP for insecure registries.
func (r *resolver) lookupRef(ref name.Reference) (name.Reference, error) {
	registry := ref.Context().RegistryStr()
	repo := ref.Context().RepositoryStr()
	if r.mirror != "" && registry == name.DefaultRegistry {
		registry = r.mirror
	}
	var opts []name.Option
	if slices.Contains(r.insecure, registry) {
		opts = append(opts, name.Insecure)
	}
	return name.ParseReference(registry+"/"+repo+":"+ref.Identifier(), opts...)
}
