package lint

import (
	"strings"

	"github.com/mstage/mstage/spec"
)

// argValues returns the declared args with their defaults, overridden by
// --build-arg values.
func (l *linter) argValues() map[string]string {
	vals := map[string]string{}
	for _, a := range l.s.Args {
		vals[a.Name] = a.Default
		if v, ok := l.opt.BuildArgs[a.Name]; ok {
			vals[a.Name] = v
		}
	}
	return vals
}

// imageRef expands the variables of an image reference. It returns false
// when the reference depends on a platform variable or an arg without a
// value, since then lint cannot tell what it names, or when it cannot be
// expanded within the limits of spec.WordExpander.
func (l *linter) imageRef(raw string) (string, bool) {
	if !strings.Contains(raw, "$") {
		return raw, true
	}
	if l.words == nil {
		vars := map[string]string{}
		for k, v := range l.argValues() {
			if v != "" {
				vars[k] = v
			}
		}
		l.words = spec.NewWordExpander(vars)
	}
	ref, unset, err := l.words.Expand(raw)
	if err != nil || len(unset) > 0 {
		return "", false
	}
	return ref, true
}

// imageRefs returns every image reference of the spec with its position.
func (l *linter) imageRefs() []spec.String {
	var out []spec.String
	for _, st := range l.s.Stages() {
		if st.Image != "" {
			out = append(out, spec.String{Value: st.Image, Pos: st.At("image")})
		}
		for _, c := range copies(st) {
			if c.Image != "" {
				out = append(out, spec.String{Value: c.Image, Pos: c.At("image")})
			}
		}
		for _, step := range st.Steps {
			for _, m := range step.Mounts {
				if m.Image != "" {
					out = append(out, spec.String{Value: m.Image, Pos: m.At("image")})
				}
			}
		}
	}
	return out
}

func (l *linter) imageNotPinned() {
	lvl := l.rule.Level
	if l.requireDigests {
		lvl = LevelWarning
	}
	for _, img := range l.imageRefs() {
		ref, ok := l.imageRef(img.Value)
		if !ok || ref == "scratch" || strings.Contains(ref, "@") {
			continue
		}
		name := ref
		if i := strings.LastIndex(name, "/"); i >= 0 {
			name = name[i+1:]
		}
		_, tag, hasTag := strings.Cut(name, ":")
		switch {
		case !hasTag:
			l.reportLevel(lvl, img.Pos, "image %q has no tag, so it means :latest and changes under you; pin a version tag and a digest (%s:<version>@sha256:...)", ref, ref)
		case tag == "latest":
			l.reportLevel(lvl, img.Pos, "image %q uses the latest tag, which changes under you; pin a version tag and a digest", ref)
		default:
			l.reportLevel(lvl, img.Pos, "image %q is not pinned by digest; add @sha256:... so rebuilds use the same image", ref)
		}
	}
}
