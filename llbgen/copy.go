package llbgen

import (
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/moby/buildkit/client/llb"
	digest "github.com/opencontainers/go-digest"

	"github.com/mstage/mstage/plan"
	"github.com/mstage/mstage/spec"
)

// copyStep compiles a copy step or a runtime's copy entry; the plan decided
// its source and whether it is linked.
func (c *compiler) copyStep(sc *stepCtx, cp *spec.Copy, source *plan.Instance, pos spec.Pos, link bool, ps plan.Step) error {
	fs := &sc.inst.fs
	var chmod *llb.ChmodOpt
	var mode spec.Mode
	if cp.Chmod != "" {
		m, err := spec.ParseChmod(cp.Chmod)
		if err != nil {
			return c.errorAt(cp.At("chmod"), "invalid chmod %q: %v", cp.Chmod, err)
		}
		mode = m
		chmod = &llb.ChmodOpt{Mode: m.Perm, ModeStr: m.Symbolic}
	}

	var src llb.State
	var from string
	var file string // the one file a url or content source holds
	var err error
	switch {
	case cp.URL != "":
		src, file, err = c.urlSource(sc, cp.Node, cp.URL, cp.SHA256, cp.Filename, mode, cp.Chmod != "")
		from = "url"
	case cp.Has("content"):
		src, file, err = c.contentSource(sc, cp, mode)
		from = "content"
	case cp.Git != "":
		src, err = c.gitSource(sc, cp.GitSource())
		from = "git"
	default:
		src, from, err = c.copySource(sc, cp, source, pos)
	}
	if err != nil {
		return err
	}

	var excludes []string
	for _, e := range cp.Exclude {
		excludes = append(excludes, e.Value)
	}
	srcs := make([]string, 0, len(cp.Src))
	for _, s := range cp.Src {
		srcs = append(srcs, s.Value)
	}
	if file != "" {
		srcs = []string{"/" + file}
	}
	if len(srcs) == 0 {
		srcs = []string{"/"}
	}
	dest := cp.To
	if dest == "" {
		dest = fs.workdir() + "/"
	}
	dest = fs.absPath(dest)

	var action *llb.FileAction
	for _, s := range srcs {
		p := s
		if ps.Optional {
			p = optionalPattern(s)
		}
		info := &llb.CopyInfo{
			Mode:                chmod,
			FollowSymlinks:      true,
			CopyDirContentsOnly: true,
			CreateDestPath:      true,
			AllowWildcard:       true,
			AllowEmptyWildcard:  true,
			ExcludePatterns:     excludes,
			CreatedTime:         &c.epoch,
			AttemptUnpack:       cp.URL != "" && cp.Unpack != nil && *cp.Unpack,
		}
		opts := []llb.CopyOption{info}
		if cp.Chown != "" {
			opts = append(opts, llb.WithUser(cp.Chown))
		}
		if action == nil {
			action = llb.Copy(src, p, dest, opts...)
		} else {
			action = action.Copy(src, p, dest, opts...)
		}
	}

	var text string
	switch {
	case cp.URL != "":
		text = addText(cp)
	case cp.Has("content"):
		text = contentText(cp)
	case cp.Git != "":
		text = gitCopyText(cp, srcs)
	default:
		text = copyText(cp, from, srcs, cp.To)
	}
	if ps.Display != "" {
		text = ps.Display
	}
	name := sc.names.next(text)
	opts := c.constraints(sc.inst.plan.RunsOn, name, pos)
	if sc.inst.plan.IgnoreCache {
		opts = append(opts, llb.IgnoreCache)
	}
	if link {
		diff := llb.Scratch().File(action, opts...)
		merged := llb.Merge([]llb.State{fs.st, diff}, c.constraints(sc.inst.plan.RunsOn, sc.names.current("LINK "+text), pos)...)
		fs.st = fs.st.WithOutput(merged.Output())
	} else {
		fs.st = fs.st.File(action, opts...)
	}
	c.history(fs, text, true)
	return nil
}

// copySource returns the filesystem a copy reads and how the vertex name
// shows it ("" for the main context).
func (c *compiler) copySource(sc *stepCtx, cp *spec.Copy, source *plan.Instance, pos spec.Pos) (llb.State, string, error) {
	tp := sc.inst.plan.BuiltFor
	switch {
	case source != nil:
		st, err := c.output(source)
		return st, source.Name(), err
	case cp.Context != "":
		st, err := c.namedContext(cp.Context, tp, cp.At("context"))
		return st, cp.Context, err
	case cp.Image != "":
		st, err := c.imageSource(sc, cp.Image, cp.At("image"))
		return st, cp.Image, err
	}
	st, err := c.mainContext(pos)
	return st, "", err
}

// imageSource is the filesystem of an image that a copy or a mount reads,
// for the platform the stage is built for.
func (c *compiler) imageSource(sc *stepCtx, ref string, pos spec.Pos) (llb.State, error) {
	tp := sc.inst.plan.BuiltFor
	r, err := c.resolveImage(ref, tp, pos)
	if err != nil {
		return llb.State{}, err
	}
	switch {
	case r.named != nil:
		return r.named.Platform(tp), nil
	case r.empty:
		return llb.Scratch(), nil
	}
	opts := []llb.ImageOption{c.opt.ResolveMode}
	for _, o := range c.constraints(tp, plainName(sc.inst.plan.Name(), "FROM "+r.display), pos) {
		opts = append(opts, o)
	}
	return llb.Image(r.pinned, opts...), nil
}

// urlSource is the state of a url copy: BuildKit downloads the file,
// checks its sha256 and names it; the op points at the url in the spec, so
// that a checksum mismatch shows where the source is written.
// n holds the keys' positions; a chmod (hasMode) that is octal is the file's
// mode, a symbolic one is applied by the copy.
func (c *compiler) urlSource(sc *stepCtx, n spec.Node, rawURL, sha256, filename string, mode spec.Mode, hasMode bool) (llb.State, string, error) {
	u, err := spec.ParseURL(rawURL)
	if err != nil {
		return llb.State{}, "", c.errorAt(n.At("url"), "invalid url: %v", err)
	}
	sum, err := spec.ParseSHA256(sha256)
	if err != nil {
		return llb.State{}, "", c.errorAt(n.At("sha256"), "invalid sha256 %q: %v", sha256, err)
	}
	if filename != "" {
		if _, err := spec.ParseFilename(filename); err != nil {
			return llb.State{}, "", c.errorAt(n.At("filename"), "invalid filename %q: %v", filename, err)
		}
	}
	name := spec.URLFilename(u, filename)
	opts := []llb.HTTPOption{llb.Checksum(digest.NewDigestFromEncoded(digest.SHA256, sum)), llb.Filename(name)}
	if hasMode && mode.Symbolic == "" {
		opts = append(opts, llb.Chmod(mode.Perm))
	}
	for _, o := range c.constraints(sc.inst.plan.BuiltFor, plainName(sc.inst.plan.Name(), "ADD "+u.Redacted()), n.At("url")) {
		opts = append(opts, o)
	}
	return llb.HTTP(u.String(), opts...), name, nil
}

// contentSource is the state of a content copy: one file written by a
// mkfile op with the build's epoch as its time, so its digest depends only
// on the spec.
func (c *compiler) contentSource(sc *stepCtx, cp *spec.Copy, mode spec.Mode) (llb.State, string, error) {
	perm := os.FileMode(0o644)
	if mode.Symbolic == "" && cp.Chmod != "" {
		perm = mode.Perm
	}
	name := path.Base(cp.To)
	if strings.HasSuffix(cp.To, "/") || name == "/" || name == "." || name == ".." {
		return llb.State{}, "", c.errorAt(cp.At("to"), "content is written to %q; expected the path of a file", cp.To)
	}
	st := llb.Scratch().File(llb.Mkfile("/"+name, perm, []byte(cp.Content), llb.WithCreatedTime(c.epoch)),
		c.constraints(sc.inst.plan.BuiltFor, plainName(sc.inst.plan.Name(), "COPY <<EOF "+cp.To), cp.At("content"))...)
	return st, name, nil
}

// addText is how a url copy shows in vertex names and the image history.
func addText(cp *spec.Copy) string {
	var b strings.Builder
	b.WriteString("ADD --checksum=sha256:" + strings.ToLower(cp.SHA256))
	writeOwnership(&b, cp)
	if cp.Unpack != nil && *cp.Unpack {
		b.WriteString(" --unpack=true")
	}
	u := cp.URL
	if parsed, err := spec.ParseURL(cp.URL); err == nil {
		u = parsed.Redacted()
	}
	b.WriteString(" " + u + " " + destText(cp.To))
	return b.String()
}

// gitCopyText is how a git copy shows: an ADD of the repository, with the
// paths taken from it when they are not its root.
func gitCopyText(cp *spec.Copy, srcs []string) string {
	var b strings.Builder
	b.WriteString("ADD")
	writeOwnership(&b, cp)
	b.WriteString(" " + gitText(cp.GitSource()))
	for _, s := range srcs {
		if s != "/" {
			b.WriteString(" " + s)
		}
	}
	b.WriteString(" " + destText(cp.To))
	return b.String()
}

// contentText is how a content copy shows: the heredoc without its body.
func contentText(cp *spec.Copy) string {
	var b strings.Builder
	b.WriteString("COPY")
	writeOwnership(&b, cp)
	b.WriteString(" <<EOF " + cp.To)
	return b.String()
}

func copyText(cp *spec.Copy, from string, srcs []string, to string) string {
	var b strings.Builder
	b.WriteString("COPY")
	if from != "" {
		fmt.Fprintf(&b, " --from=%s", from)
	}
	writeOwnership(&b, cp)
	for _, s := range srcs {
		b.WriteString(" " + s)
	}
	b.WriteString(" " + destText(to))
	return b.String()
}

// writeOwnership writes a copy's --chown and --chmod flags, as a
// Dockerfile's COPY and ADD show them.
func writeOwnership(b *strings.Builder, cp *spec.Copy) {
	if cp.Chown != "" {
		fmt.Fprintf(b, " --chown=%s", cp.Chown)
	}
	if cp.Chmod != "" {
		fmt.Fprintf(b, " --chmod=%s", cp.Chmod)
	}
}

// destText is a copy's destination as shown: the working directory when
// it names none.
func destText(to string) string {
	if to == "" {
		return "./"
	}
	return to
}

// optionalPattern turns a path into a wildcard that matches only itself, so
// that a copy with AllowEmptyWildcard tolerates its absence.
func optionalPattern(p string) string {
	if p == "" || strings.ContainsAny(p, "*?[") {
		return p
	}
	last := len(p) - 1
	return p[:last] + "[" + p[last:] + "]"
}
