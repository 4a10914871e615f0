package lint

import (
	"strings"

	"github.com/mstage/mstage/plan"
	"github.com/mstage/mstage/spec"
)

func isRootUser(u string) bool {
	name, _, _ := strings.Cut(strings.TrimSpace(u), ":")
	return name == "root" || name == "0"
}

// runsAsNonRootByDefault reports whether an image is known to set a non-root
// user in its config.
func runsAsNonRootByDefault(ref string) bool {
	return strings.Contains(ref, "nonroot") || strings.HasPrefix(ref, "cgr.dev/chainguard/")
}

func (l *linter) runtimeRunsAsRoot() {
	for _, rt := range l.s.Runtimes {
		user, by := l.inherited(rt, "user", func(s *spec.Stage) string { return s.User })
		if user != "" {
			if isRootUser(user) && by == rt {
				l.report(rt.At("user"), "runtime %q runs as %q; run it as an unprivileged user, e.g. user: 65532", rt.Name, user)
			}
			continue
		}
		base, _ := l.runtimeBase(rt)
		ref, ok := l.imageRef(base)
		if !ok || ref == "scratch" || runsAsNonRootByDefault(ref) {
			continue // mstage runs scratch runtimes as 65532
		}
		l.report(rt.Pos, "runtime %q sets no user, so it runs as the user of %q, usually root; add user: 65532 (or a named unprivileged user of the image)", rt.Name, ref)
	}
}

// scratchUserName reports runtimes on scratch whose user is a name: scratch
// has no /etc/passwd to resolve it, so the container would not start. A
// name inherited through from is reported where it is written.
func (l *linter) scratchUserName() {
	reported := map[spec.Pos]bool{}
	for _, p := range l.runtimePlans() {
		for _, b := range p.Builds {
			in := b.Target
			su := in.Scratch
			if su == nil || in.Stage.User == "" {
				continue
			}
			if _, _, ok := plan.NumericUser(su.User); ok {
				continue
			}
			pos := in.Stage.At("user")
			if reported[pos] {
				continue
			}
			reported[pos] = true
			l.report(pos, "runtime %q starts from scratch, which has no /etc/passwd to resolve user %q; use a numeric uid[:gid]", in.Name(), su.User)
		}
	}
}

// shellImages are repositories of distribution or toolchain images that
// ship a shell and a package manager.
var shellImages = []string{
	"almalinux", "alpine", "amazonlinux", "archlinux", "bash", "buildpack-deps",
	"busybox", "centos", "debian", "eclipse-temurin", "fedora", "gcc", "golang",
	"node", "openjdk", "opensuse", "oraclelinux", "perl", "php", "python",
	"rockylinux", "ruby", "rust", "ubuntu",
}

// repoName returns the last path element of an image reference's
// repository: "docker.io/library/golang:1.26@sha256:..." -> "golang".
func repoName(ref string) string {
	ref, _, _ = strings.Cut(ref, "@")
	if i := strings.LastIndex(ref, "/"); i >= 0 {
		ref = ref[i+1:]
	}
	name, _, _ := strings.Cut(ref, ":")
	return name
}

func (l *linter) runtimeBaseHasShell() {
	for _, rt := range l.s.Runtimes {
		base, by := l.runtimeBase(rt)
		ref, ok := l.imageRef(base)
		if !ok || !contains(shellImages, repoName(ref)) {
			continue
		}
		if l.needsShell(rt) {
			continue
		}
		if arts := l.chainArtifacts(rt); arts.count == 0 || !arts.static {
			continue
		}
		pos := rt.At("from")
		if by == rt {
			pos = rt.At("image")
		}
		l.report(pos, "runtime %q only holds statically linked binaries but is based on %q, which adds a shell and a package manager; use image: scratch (the default) or gcr.io/distroless/static", rt.Name, ref)
	}
}

// needsShell reports whether a runtime runs commands in its own image.
func (l *linter) needsShell(rt *spec.Stage) bool {
	return l.anyAlong(rt, "needs-shell", func(c *spec.Stage) bool {
		for _, step := range c.Steps {
			if step.Run != nil {
				return true
			}
		}
		return c.Entrypoint.IsShell() || c.Cmd.IsShell() || c.Healthcheck != nil && c.Healthcheck.Test.IsShell()
	})
}

// isStatic reports whether an artifact is built by a preset that produces
// static binaries (cgo not turned back on). It is kept per artifact.
func (l *linter) isStatic(a *spec.Stage) bool {
	if v, ok := l.staticMemo[a]; ok {
		return v
	}
	if l.staticMemo == nil {
		l.staticMemo = map[*spec.Stage]bool{}
	}
	b := l.builderOf(a)
	p := l.presetOf(b)
	static := p != nil && p.StaticBinaries && !cgoOn(a.Env) && !l.anyAlong(b, "cgo", func(c *spec.Stage) bool { return cgoOn(c.Env) })
	for _, step := range a.Steps {
		static = static && !cgoOn(step.Env)
	}
	l.staticMemo[a] = static
	return static
}

// cgoOn reports whether env turns cgo on.
func cgoOn(env []spec.KV) bool {
	for _, kv := range env {
		if kv.Key == "CGO_ENABLED" && strings.TrimSpace(kv.Value) != "0" {
			return true
		}
	}
	return false
}

func (l *linter) wholeContextInRuntime() {
	for _, rt := range l.s.Runtimes {
		for _, c := range copies(rt) {
			if plan.CopiesWholeContext(c) {
				l.report(c.Pos, "runtime %q copies the whole build context into the image; copy only what it needs (an artifact's outputs or the exact files)", rt.Name)
			}
		}
	}
}
