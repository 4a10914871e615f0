package main

import (
	"fmt"
	"io"
	"strings"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/plan"
	"github.com/mstage/mstage/spec"
)

func runGraph(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("graph", "FILE [--format mermaid|dot]", stderr)
	format := fs.String("format", "mermaid", "output format: mermaid or dot")
	pos, err := parseArgs(fs, args, 1, 1, "FILE")
	if err != nil {
		return usageExit(err)
	}
	if *format != "mermaid" && *format != "dot" {
		fmt.Fprintf(stderr, "mstage graph: unknown format %q; expected mermaid or dot\n", *format)
		return exitUsage
	}
	s, src, ok := loadSpec(pos[0], stderr)
	if !ok {
		return exitFail
	}
	once, added, err := stagesBuiltOnce(s)
	if err != nil {
		printError(stderr, src, err)
		return exitFail
	}
	g := buildGraph(s, once, added)
	if *format == "dot" {
		g.writeDot(stdout)
	} else {
		g.writeMermaid(stdout)
	}
	return exitOK
}

type edgeKind int

const (
	edgeUses  edgeKind = iota // builder -> artifact, from
	edgeCopy                  // files copied or bind-mounted
	edgeNeeds                 // must succeed first
)

type graphNode struct {
	name  string
	kind  spec.Kind
	once  bool   // built once and shared by every target platform
	where string // what once/per-platform means for this node
	added string // what its preset adds, or ""
}

type graphEdge struct {
	from, to string
	kind     edgeKind
	label    string
}

type stageGraph struct {
	nodes []graphNode
	edges []graphEdge
}

func buildGraph(s *spec.Spec, builtOnce map[string]bool, added map[string]string) stageGraph {
	var g stageGraph
	seen := map[graphEdge]bool{}
	// add adds e, or for a reference that picks a stage per platform
	// (${VAR}) an edge from each stage it may name.
	add := func(e graphEdge) {
		if e.from == "" {
			return
		}
		pattern := spec.IsRefPattern(e.from)
		for _, name := range s.RefNames(e.from) {
			e := e
			e.from = name
			if pattern {
				e.label = strings.TrimSpace(e.label + " per platform")
			}
			if !seen[e] && s.Stage(e.from) != nil {
				seen[e] = true
				g.edges = append(g.edges, e)
			}
		}
	}
	for _, st := range s.Stages() {
		once := builtOnce[st.Name]
		where := "per platform"
		if once {
			where = "once"
		}
		g.nodes = append(g.nodes, graphNode{name: st.Name, kind: st.Kind, once: once, where: where, added: added[st.Name]})
		add(graphEdge{from: st.From, to: st.Name, kind: edgeUses, label: "from"})
		add(graphEdge{from: st.Builder, to: st.Name, kind: edgeUses})
		for _, c := range stageCopies(st) {
			add(graphEdge{from: c.Artifact, to: st.Name, kind: edgeCopy, label: "copy"})
			add(graphEdge{from: c.Stage, to: st.Name, kind: edgeCopy, label: "copy"})
		}
		for _, step := range st.Steps {
			for _, m := range step.Mounts {
				add(graphEdge{from: m.Artifact, to: st.Name, kind: edgeCopy, label: "mount"})
				add(graphEdge{from: m.Stage, to: st.Name, kind: edgeCopy, label: "mount"})
			}
		}
		for _, n := range st.Needs {
			add(graphEdge{from: n.Value, to: st.Name, kind: edgeNeeds, label: "needs"})
		}
	}
	return g
}

func stageCopies(st *spec.Stage) []*spec.Copy {
	var out []*spec.Copy
	for _, step := range st.Steps {
		if step.Copy != nil {
			out = append(out, step.Copy)
		}
	}
	return append(out, st.Copy...)
}

// stagesBuiltOnce reports, for every stage, whether its LLB is the same
// for every target platform, so BuildKit builds it once, in the plans of
// the runtimes, of the default target and of every stage they do not
// reach; and what a preset adds to it: "preset NAME" on the builder that
// names it, the steps it inserts in a stage.
func stagesBuiltOnce(s *spec.Spec) (map[string]bool, map[string]string, error) {
	tps := specPlatforms(s)
	if len(tps) < 2 {
		// Once or per platform only shows with two platforms.
		tps = []ocispecs.Platform{{OS: "linux", Architecture: "amd64"}, {OS: "linux", Architecture: "arm64"}}
	}
	var targets []string
	for _, rt := range s.Runtimes {
		targets = append(targets, rt.Name)
	}
	targets = append(targets, s.DefaultTarget())
	for _, st := range s.Stages() {
		targets = append(targets, st.Name)
	}
	once, added := map[string]bool{}, map[string]string{}
	for _, target := range targets {
		if _, reached := once[target]; reached {
			continue
		}
		p, err := plan.Resolve(plan.Request{Spec: s, Target: target, TargetPlatforms: tps, BuildPlatform: plan.PlaceholderBuildPlatform()})
		if err != nil {
			// A target limited to some platforms (its own platforms, or a
			// stage it needs) is shown for the ones it can be built for.
			if p, err = resolveAdmitted(s, target, tps); err != nil {
				return nil, nil, err
			}
			if p == nil {
				continue
			}
		}
		seen := map[string]bool{}
		for _, in := range p.Instances {
			name := in.Name()
			if seen[name] {
				continue
			}
			seen[name] = true
			prev, reached := once[name]
			once[name] = p.BuiltOnce(name) && (prev || !reached)
			if _, ok := added[name]; !ok {
				added[name] = presetAdds(in)
			}
		}
	}
	return once, added, nil
}

// presetAdds says what a preset adds to an instance: the preset a builder
// names, the run steps it inserts in a stage.
func presetAdds(in *plan.Instance) string {
	if in.Stage.Preset != "" {
		return "preset " + in.Stage.Preset
	}
	var runs []string
	for _, st := range in.Steps {
		if st.Preset != "" && st.Spec.Run != nil {
			runs = append(runs, "+ "+st.Display)
		}
	}
	return strings.Join(runs, "; ")
}

// resolveAdmitted resolves target for the platforms of tps it can be built
// for alone, when there are two or more (once or per platform only shows
// with two); it returns a nil plan when there are fewer, and the error of
// the first platform when none resolves.
func resolveAdmitted(s *spec.Spec, target string, tps []ocispecs.Platform) (*plan.Plan, error) {
	var ok []ocispecs.Platform
	var first error
	for _, tp := range tps {
		_, err := plan.Resolve(plan.Request{Spec: s, Target: target, TargetPlatforms: []ocispecs.Platform{tp}, BuildPlatform: plan.PlaceholderBuildPlatform()})
		switch {
		case err == nil:
			ok = append(ok, tp)
		case first == nil:
			first = err
		}
	}
	switch {
	case len(ok) == 0:
		return nil, first
	case len(ok) < 2:
		return nil, nil
	}
	return plan.Resolve(plan.Request{Spec: s, Target: target, TargetPlatforms: ok, BuildPlatform: plan.PlaceholderBuildPlatform()})
}

// mermaidID makes a stage name usable as a mermaid node id.
func mermaidID(name string) string {
	return "s_" + strings.NewReplacer("-", "_", ".", "_").Replace(name)
}

func (g stageGraph) writeMermaid(w io.Writer) {
	fmt.Fprintln(w, "flowchart LR")
	for _, n := range g.nodes {
		label := fmt.Sprintf("%s<br/><small>%s · %s</small>", n.name, n.kind, n.where)
		if n.added != "" {
			label += "<br/><small>" + n.added + "</small>"
		}
		var shape string
		switch n.kind {
		case spec.KindBuilder:
			shape = `{{"%s"}}`
		case spec.KindArtifact:
			shape = `["%s"]`
		default:
			shape = `(["%s"])`
		}
		fmt.Fprintf(w, "  %s"+shape+"\n", mermaidID(n.name), label)
	}
	for _, e := range g.edges {
		arrow := "-->"
		if e.kind == edgeNeeds {
			arrow = "-.->"
		}
		if e.label != "" {
			arrow += "|" + e.label + "|"
		}
		fmt.Fprintf(w, "  %s %s %s\n", mermaidID(e.from), arrow, mermaidID(e.to))
	}
	fmt.Fprintln(w, "  classDef once fill:#e8f5e9,stroke:#2e7d32")
	fmt.Fprintln(w, "  classDef perplatform fill:#e3f2fd,stroke:#1565c0,stroke-width:3px")
	var once, per []string
	for _, n := range g.nodes {
		if n.once {
			once = append(once, mermaidID(n.name))
		} else {
			per = append(per, mermaidID(n.name))
		}
	}
	if len(once) > 0 {
		fmt.Fprintf(w, "  class %s once\n", strings.Join(once, ","))
	}
	if len(per) > 0 {
		fmt.Fprintf(w, "  class %s perplatform\n", strings.Join(per, ","))
	}
}

func (g stageGraph) writeDot(w io.Writer) {
	fmt.Fprintln(w, "digraph mstage {")
	fmt.Fprintln(w, "  rankdir=LR;")
	fmt.Fprintln(w, `  node [fontname="Helvetica"];`)
	for _, n := range g.nodes {
		shape := map[spec.Kind]string{spec.KindBuilder: "hexagon", spec.KindArtifact: "box", spec.KindRuntime: "component"}[n.kind]
		label := fmt.Sprintf("%s\n%s · %s", n.name, n.kind, n.where)
		if n.added != "" {
			label += "\n" + n.added
		}
		attrs := fmt.Sprintf("shape=%s, label=%q", shape, label)
		if n.once {
			attrs += `, style=filled, fillcolor="#e8f5e9"`
		} else {
			attrs += `, peripheries=2, style=filled, fillcolor="#e3f2fd"`
		}
		fmt.Fprintf(w, "  %q [%s];\n", n.name, attrs)
	}
	for _, e := range g.edges {
		var attrs []string
		if e.kind == edgeNeeds {
			attrs = append(attrs, "style=dashed")
		}
		if e.label != "" {
			attrs = append(attrs, fmt.Sprintf("label=%q", e.label))
		}
		suffix := ""
		if len(attrs) > 0 {
			suffix = " [" + strings.Join(attrs, ", ") + "]"
		}
		fmt.Fprintf(w, "  %q -> %q%s;\n", e.from, e.to, suffix)
	}
	fmt.Fprintln(w, "}")
}
