package plan

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/mstage/mstage/preset"
	"github.com/mstage/mstage/spec"
)

// manifestsFirst applies a preset's dependency-manifest pattern to an
// artifact's steps: when a step copies the whole build context before any
// step copies a manifest, and a later run needs the dependencies, the
// manifests are copied and the dependencies fetched just before the
// whole-context copy. Source edits then no longer invalidate the fetch.
func manifestsFirst(steps []*spec.Step, ps *preset.Preset) []Step {
	plan := plainSteps(steps)
	if ps == nil || len(ps.Manifests) == 0 || len(ps.Fetch) == 0 {
		return plan
	}
	whole := -1
	for i, s := range steps {
		if s.Copy == nil || !fromMainContext(s.Copy) {
			continue
		}
		if copiesManifest(s.Copy, ps.Manifests) {
			return plan
		}
		if CopiesWholeContext(s.Copy) {
			whole = i
			break
		}
	}
	if whole < 0 || !slices.ContainsFunc(steps[whole+1:], func(s *spec.Step) bool { return triggers(s, ps.Triggers) }) {
		return plan
	}
	wc := steps[whole]
	to := wc.Copy.To
	if to != "" && !strings.HasSuffix(to, "/") {
		to += "/"
	}
	return slices.Insert(plan, whole, fetchSteps(wc.Node, wc.Copy.Node, wc.Pos, to, ps, ps.Fetch)...)
}

// fetchSteps copy the manifests of ps into to (the working directory when
// empty) and run fetch there, on whatever platform the stage runs on.
func fetchSteps(n, copyNode spec.Node, pos spec.Pos, to string, ps *preset.Preset, fetch []string) []Step {
	var srcs []spec.String
	for _, m := range ps.Manifests {
		srcs = append(srcs, spec.String{Value: m, Pos: pos})
	}
	manifests := &spec.Step{Node: n, Copy: &spec.Copy{Node: copyNode, Src: srcs, To: to}}
	shownTo := to
	if shownTo == "" {
		shownTo = "./"
	}
	fetchCmd := strings.Join(fetch, " ")
	run := &spec.Step{
		Node: n,
		Run:  &spec.Command{Shell: "[ ! -f " + ps.Manifests[0] + " ] || " + fetchCmd, Pos: pos},
		// The fetch runs where the manifests landed.
		Workdir: strings.TrimSuffix(to, "/"),
	}
	display := fetchCmd
	if ps.FetchDisplay != "" {
		display = ps.FetchDisplay
	}
	return []Step{
		{Spec: manifests, Display: "COPY " + strings.Join(ps.Manifests, " ") + " " + shownTo, Preset: ps.Name, Optional: true, Native: true},
		{Spec: run, Display: display, Preset: ps.Name, Native: true},
	}
}

// productionFirst puts before an artifact's steps, when it asks for its
// preset's production dependencies, the manifests copied into the working
// directory and the production install.
func (r *resolver) productionFirst(a *spec.Stage, ps *preset.Preset, steps []Step) ([]Step, error) {
	if a.Dependencies == "" {
		return steps, nil
	}
	if ps == nil || len(ps.Manifests) == 0 || len(ps.FetchProduction) == 0 {
		return nil, r.errorAt(a.At("dependencies"), fmt.Sprintf("artifact %q asks for production dependencies, but its builder %q has no preset that installs them", a.Name, a.Builder), "a builder with preset: node")
	}
	mode := ps.FetchDisplay
	if mode != "" {
		mode += ", production only"
	}
	prod := fetchSteps(a.Node, a.Node, a.At("dependencies"), "", &preset.Preset{Name: ps.Name, Manifests: ps.Manifests, FetchDisplay: mode}, ps.FetchProduction)
	return append(prod, steps...), nil
}

// FetchesFirst reports whether the plan copies the dependency manifests of
// st's preset and fetches the dependencies before st's first copy of the
// whole context: st is an artifact whose builder has such a preset and a
// later step needs the dependencies.
func FetchesFirst(s *spec.Spec, st *spec.Stage) bool {
	if st.Kind != spec.KindArtifact {
		return false
	}
	return len(manifestsFirst(st.Steps, PresetOf(s, st))) > len(st.Steps)
}

func fromMainContext(cp *spec.Copy) bool {
	return cp.Artifact == "" && cp.Stage == "" && cp.Image == "" && cp.Context == "" && cp.URL == "" && cp.Git == "" && !cp.Has("content")
}

// CopiesWholeContext reports whether cp copies the whole main build
// context: no sources, or a source such as ".", "./", "/", "*" or "./*".
func CopiesWholeContext(cp *spec.Copy) bool {
	if !fromMainContext(cp) {
		return false
	}
	if len(cp.Src) == 0 {
		return true
	}
	return slices.ContainsFunc(cp.Src, func(s spec.String) bool {
		p := path.Clean("/" + strings.TrimSpace(s.Value))
		return p == "/" || p == "/*"
	})
}

func copiesManifest(cp *spec.Copy, manifests []string) bool {
	return slices.ContainsFunc(cp.Src, func(s spec.String) bool {
		p := strings.TrimPrefix(path.Clean("/"+s.Value), "/")
		if slices.Contains(manifests, p) {
			return true
		}
		for _, m := range manifests {
			if ok, _ := path.Match(p, m); ok {
				return true
			}
		}
		return false
	})
}

// triggers reports whether a run step starts one of the commands a preset
// names, anywhere in a shell command list.
func triggers(s *spec.Step, prefixes []string) bool {
	if s.Run == nil {
		return false
	}
	var segments []string
	if s.Run.IsShell() {
		segments = strings.FieldsFunc(s.Run.Shell, func(r rune) bool {
			return r == '&' || r == '|' || r == ';' || r == '\n' || r == '(' || r == ')'
		})
	} else {
		segments = []string{strings.Join(s.Run.Args, " ")}
	}
	for _, seg := range segments {
		words := strings.Fields(seg)
		// Skip leading VAR=value assignments.
		for len(words) > 0 && strings.Contains(words[0], "=") && !strings.HasPrefix(words[0], "=") {
			words = words[1:]
		}
		cmd := strings.Join(words, " ")
		for _, p := range prefixes {
			if cmd == p || strings.HasPrefix(cmd, p+" ") {
				return true
			}
		}
	}
	return false
}
