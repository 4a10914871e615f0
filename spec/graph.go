package spec

import (
	"reflect"
	"regexp"
)

// edge is one reference from a stage to another, with where it is written.
type edge struct {
	name string
	pos  Pos
	via  string // from, builder, needs, copy, bind or cache
}

func (e edge) verb() string {
	switch e.via {
	case "from":
		return "extends"
	case "builder":
		return "runs in"
	case "needs":
		return "needs"
	case "copy":
		return "copies from"
	case "cache":
		return "seeds a cache from"
	default:
		return "mounts"
	}
}

// edges lists the references of st in a fixed order: its builder or base
// (from), the sources of its steps' copies, bind mounts and cache seeds in
// step order, its runtime copy entries, then needs.
func (s *Spec) edges(st *Stage) []edge {
	var out []edge
	// add adds the edge to name, or for a reference with variables to
	// each of its candidates of the kind the key names (any kind: "").
	add := func(name string, pos Pos, via string, kind Kind) {
		if name == "" {
			return
		}
		if !IsRefPattern(name) {
			out = append(out, edge{name, pos, via})
			return
		}
		for _, n := range s.RefNames(name) {
			if c := s.Stage(n); c != nil && (kind == "" || c.Kind == kind) {
				out = append(out, edge{n, pos, via})
			}
		}
	}
	add(st.Builder, st.At("builder"), "builder", KindBuilder)
	add(st.From, st.At("from"), "from", st.Kind)
	copyEdges := func(c *Copy) {
		add(c.Artifact, c.At("artifact"), "copy", KindArtifact)
		add(c.Stage, c.At("stage"), "copy", "")
	}
	for _, step := range st.Steps {
		if step.Copy != nil {
			copyEdges(step.Copy)
		}
		for _, m := range step.Mounts {
			if m.Type != MountBind && m.Type != MountCache {
				continue
			}
			add(m.Artifact, m.At("artifact"), string(m.Type), KindArtifact)
			add(m.Stage, m.At("stage"), string(m.Type), "")
		}
	}
	for _, c := range st.Copy {
		copyEdges(c)
	}
	for _, n := range st.Needs {
		out = append(out, edge{n.Value, n.Pos, "needs"})
	}
	return out
}

// Deps returns the stages st depends on directly, each once, in a fixed
// order: builder or from, then copy sources and bind mounts in step order,
// runtime copy entries, then needs. Unknown names are left out.
func (s *Spec) Deps(st *Stage) []*Stage {
	var out []*Stage
	seen := map[*Stage]bool{}
	for _, e := range s.edges(st) {
		dep := s.Stage(e.name)
		if dep == nil || dep == st || seen[dep] {
			continue
		}
		seen[dep] = true
		out = append(out, dep)
	}
	return out
}

// Reachable returns the target stage and every stage it depends on,
// transitively, dependencies before the stages that need them. It returns
// nil when no stage has the name target.
func (s *Spec) Reachable(target string) []*Stage {
	root := s.Stage(target)
	if root == nil {
		return nil
	}
	var out []*Stage
	seen := map[*Stage]bool{}
	var visit func(st *Stage)
	visit = func(st *Stage) {
		if seen[st] {
			return
		}
		seen[st] = true // set before the deps so a cycle cannot recurse forever
		for _, dep := range s.Deps(st) {
			visit(dep)
		}
		out = append(out, st)
	}
	visit(root)
	return out
}

// DefaultTarget is the stage built when no --target is given: the spec's
// default, else the last runtime, else the last stage in the file.
func (s *Spec) DefaultTarget() string {
	switch {
	case s.Default != "":
		return s.Default
	case len(s.Runtimes) > 0:
		return s.Runtimes[len(s.Runtimes)-1].Name
	}
	all := s.Stages()
	if len(all) == 0 {
		return ""
	}
	return all[len(all)-1].Name
}

// Chain returns st followed by the stages it extends through from, nearest
// first. A cycle (rejected by validation) ends the chain.
func (s *Spec) Chain(st *Stage) []*Stage {
	var out []*Stage
	seen := map[*Stage]bool{}
	for st != nil && !seen[st] {
		seen[st] = true
		out = append(out, st)
		if st.From == "" {
			break
		}
		st = s.Stage(st.From)
	}
	return out
}

var argReference = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)

// ArgsUsedBy returns the names referenced as $NAME or ${NAME...} anywhere in
// the given stages, directly or through the defaults of the args they use.
func (s *Spec) ArgsUsedBy(stages []*Stage) map[string]bool {
	used := map[string]bool{}
	var pending []string
	note := func(str string) {
		for _, m := range argReference.FindAllStringSubmatch(str, -1) {
			if !used[m[1]] {
				used[m[1]] = true
				pending = append(pending, m[1])
			}
		}
	}
	for _, st := range stages {
		eachString(reflect.ValueOf(st), note)
		for _, a := range st.Args {
			note("$" + a.Value)
		}
	}
	defaults := map[string]string{}
	for _, a := range s.Args {
		defaults[a.Name] = a.Default
	}
	for len(pending) > 0 {
		name := pending[0]
		pending = pending[1:]
		note(defaults[name])
	}
	return used
}

// eachString calls fn with every string held in v, walking pointers,
// exported struct fields, slices and maps.
func eachString(v reflect.Value, fn func(string)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			eachString(v.Elem(), fn)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				eachString(v.Field(i), fn)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			eachString(v.Index(i), fn)
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			eachString(iter.Value(), fn)
		}
	case reflect.String:
		fn(v.String())
	}
}

// ContextNames returns the named contexts (--build-context NAME=...) the
// spec's stages copy or mount from.
func (s *Spec) ContextNames() map[string]bool {
	names := map[string]bool{}
	add := func(c *Copy) {
		if c != nil && c.Context != "" {
			names[c.Context] = true
		}
	}
	for _, st := range s.Stages() {
		for _, c := range st.Copy {
			add(c)
		}
		for _, step := range st.Steps {
			add(step.Copy)
			for _, m := range step.Mounts {
				if m.Context != "" {
					names[m.Context] = true
				}
			}
		}
	}
	return names
}
