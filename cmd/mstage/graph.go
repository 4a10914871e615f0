package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/mstage/mstage/preset"
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
	s, _, ok := loadSpec(pos[0], stderr)
	if !ok {
		return exitFail
	}
	g := buildGraph(s)
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

func buildGraph(s *spec.Spec) stageGraph {
	var g stageGraph
	seen := map[graphEdge]bool{}
	add := func(e graphEdge) {
		if e.from != "" && !seen[e] && s.Stage(e.from) != nil {
			seen[e] = true
			g.edges = append(g.edges, e)
		}
	}
	for _, st := range s.Stages() {
		once := builtOnce(s, st)
		where := "per platform"
		if once {
			where = "once"
		}
		g.nodes = append(g.nodes, graphNode{name: st.Name, kind: st.Kind, once: once, where: where})
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

// builtOnce reports whether a stage's LLB is the same for every target
// platform, so BuildKit builds it once: a builder on the build platform
// whose steps do not use TARGET* variables, and an artifact on the build
// platform. Runtimes are always per platform.
func builtOnce(s *spec.Spec, st *spec.Stage) bool {
	switch st.Kind {
	case spec.KindBuilder:
		return builderOnBuildPlatform(s, st) && !usesTargetVars(s, st)
	case spec.KindArtifact:
		p := st.Platform
		if p == "" {
			p = spec.PlatformTarget
			if len(st.Outputs) == 0 {
				p = spec.PlatformBuild
			}
		}
		if p != spec.PlatformBuild || usesTargetVars(s, st) {
			return false
		}
		b := s.Stage(st.Builder)
		return b == nil || !usesTargetVars(s, b)
	default:
		return false
	}
}

func builderOnBuildPlatform(s *spec.Spec, b *spec.Stage) bool {
	presetName := ""
	for _, c := range s.Chain(b) {
		if c.Platform != "" {
			return c.Platform == spec.PlatformBuild
		}
		if presetName == "" {
			presetName = c.Preset
		}
	}
	p, ok := preset.Lookup(presetName)
	return ok && p.CrossCompiles
}

// usesTargetVars reports whether a stage (or the builders it extends)
// mentions a TARGET* variable, which makes its LLB differ per platform.
func usesTargetVars(s *spec.Spec, st *spec.Stage) bool {
	stages := []*spec.Stage{st}
	if st.Kind == spec.KindBuilder {
		stages = s.Chain(st)
	}
	for _, c := range stages {
		for _, step := range c.Steps {
			if step.Run != nil && strings.Contains(step.Run.Shell+strings.Join(step.Run.Args, " "), "TARGET") {
				return true
			}
		}
		if strings.Contains(c.Image+c.Workdir, "TARGET") {
			return true
		}
		for _, kv := range c.Env {
			if strings.Contains(kv.Value, "TARGET") {
				return true
			}
		}
	}
	return false
}

// mermaidID makes a stage name usable as a mermaid node id.
func mermaidID(name string) string {
	return "s_" + strings.NewReplacer("-", "_", ".", "_").Replace(name)
}

func (g stageGraph) writeMermaid(w io.Writer) {
	fmt.Fprintln(w, "flowchart LR")
	for _, n := range g.nodes {
		label := fmt.Sprintf("%s<br/><small>%s · %s</small>", n.name, n.kind, n.where)
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
		attrs := fmt.Sprintf(`shape=%s, label="%s\n%s · %s"`, shape, n.name, n.kind, n.where)
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
