package lint

import (
	"bufio"
	"bytes"
	"strings"

	"github.com/distribution/reference"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/mstage/mstage/spec"
)

// missingSyntaxLine reports a file that BuildKit would not route to mstage:
// without a "# syntax=" directive in the comment lines that open the file,
// `docker buildx build` parses the YAML as a Dockerfile. It reads the
// directive with BuildKit's own parser, so it agrees with BuildKit on where
// the line may be. A BUILDKIT_SYNTAX build arg routes the file instead.
func (l *linter) missingSyntaxLine() {
	src := l.opt.Source
	if src == nil {
		return
	}
	if _, ok := l.opt.BuildArgs["BUILDKIT_SYNTAX"]; ok {
		return
	}
	if ref, _, loc, ok := parser.DetectSyntax(src); ok {
		pos := spec.Pos{Line: 1, Col: 1}
		if len(loc) > 0 {
			pos.Line = loc[0].Start.Line
		}
		if isDockerfileFrontend(ref) {
			l.report(pos, "the # syntax= line names %s, which reads the file as a Dockerfile; name the mstage frontend, e.g. # syntax=docker.io/mstage/mstage:1", ref)
		}
		return
	}
	if pos, ok := misplacedSyntaxLine(src); ok {
		l.report(pos, "BuildKit does not read this # syntax= line: a directive must be in the comment lines that open the file, before any blank line, other comment or key; move it to the first line")
		return
	}
	l.report(spec.Pos{Line: 1, Col: 1}, "the file has no # syntax= line, so docker buildx build reads it as a Dockerfile; make the first line # syntax=docker.io/mstage/mstage:1 (or pass --build-arg BUILDKIT_SYNTAX=...)")
}

// misplacedSyntaxLine returns the position of the first comment that looks
// like a syntax directive.
func misplacedSyntaxLine(src []byte) (spec.Pos, bool) {
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(nil, len(src)+1)
	for line := 1; sc.Scan(); line++ {
		if col, ok := syntaxComment(sc.Text()); ok {
			return spec.Pos{Line: line, Col: col}, true
		}
	}
	return spec.Pos{}, false
}

// syntaxComment reports whether line is a comment that BuildKit's directive
// parser would read as a syntax directive if it opened the file, and the
// column of its "#".
func syntaxComment(line string) (int, bool) {
	rest := strings.TrimLeft(line, " \t")
	col := len(line) - len(rest) + 1
	rest, ok := strings.CutPrefix(rest, "#")
	if !ok {
		return 0, false
	}
	rest = strings.TrimLeft(rest, " \t")
	if len(rest) < len("syntax") || !strings.EqualFold(rest[:len("syntax")], "syntax") {
		return 0, false
	}
	rest = strings.TrimLeft(rest[len("syntax"):], " \t")
	return col, strings.HasPrefix(rest, "=")
}

// isDockerfileFrontend reports whether ref names BuildKit's Dockerfile
// frontend image.
func isDockerfileFrontend(ref string) bool {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return false
	}
	switch reference.Path(named) {
	case "docker/dockerfile", "docker/dockerfile-upstream":
		return reference.Domain(named) == "docker.io"
	}
	return false
}
