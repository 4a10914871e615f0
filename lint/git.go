package lint

import (
	"github.com/mstage/mstage/spec"
)

// gitSources returns the git sources of a stage: its copies' and its bind
// mounts'.
func gitSources(st *spec.Stage) []spec.GitSource {
	var out []spec.GitSource
	for _, step := range st.Steps {
		for _, m := range step.Mounts {
			if m.Git != "" {
				out = append(out, m.GitSource())
			}
		}
	}
	for _, c := range copies(st) {
		if c.Git != "" {
			out = append(out, c.GitSource())
		}
	}
	return out
}

// gitRefNotPinned reports git sources whose ref is a tag or a branch (or
// the remote's HEAD) with no commit to pin it: the build changes when the
// ref moves. A ref that depends on a value lint does not know is skipped.
func (l *linter) gitRefNotPinned() {
	for _, st := range l.s.Stages() {
		for _, g := range gitSources(st) {
			if g.Commit != "" {
				continue
			}
			ref, ok := l.imageRef(g.Ref)
			if !ok || spec.IsCommit(ref) {
				continue
			}
			if ref == "" {
				l.report(g.Node.At("git"), "git source %s has no ref, so it builds whatever the remote's HEAD is; pin it with commit: <sha> (git ls-remote %s HEAD prints it), or a ref that is a full commit sha", g.URL, g.URL)
				continue
			}
			l.report(g.Node.At("ref"), "git ref %q is a tag or branch that can move; pin it with commit: <sha> (git ls-remote %s %s prints it)", ref, g.URL, ref)
		}
	}
}
