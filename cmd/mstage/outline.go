package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/containerd/platforms"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/frontend"
	"github.com/mstage/mstage/plan"
	"github.com/mstage/mstage/spec"
)

func runOutline(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("outline", "[--target T] [--format text|json] FILE|-", stderr)
	target := fs.String("target", "", "stage to outline (default: the spec's default target)")
	format := fs.String("format", "text", "output format: text, or json (the result of --call=outline)")
	pos, err := parseArgs(fs, args, 1, 1, "FILE")
	if err != nil {
		return usageExit(err)
	}
	if !checkFormat("outline", *format, stderr) {
		return exitUsage
	}
	s, src, _, ok := readSpec(pos[0], stdin, stderr)
	if !ok {
		return exitFail
	}
	if *format == "json" {
		o, err := frontend.Outline(s, *target, src)
		if err != nil {
			fmt.Fprintf(stderr, "mstage outline: %v\n", err)
			return exitFail
		}
		return writeJSON(stdout, stderr, "outline", o)
	}
	name := *target
	if name == "" {
		name = s.DefaultTarget()
	}
	st := s.Stage(name)
	if st == nil {
		var names []string
		for _, st := range s.Stages() {
			names = append(names, st.Name)
		}
		fmt.Fprintf(stderr, "mstage outline: target %q not found; stages: %s\n", name, strings.Join(names, ", "))
		if c := spec.Suggest(name, names); c != "" {
			fmt.Fprintf(stderr, "did you mean %q?\n", c)
		}
		return exitFail
	}
	p, err := resolvePlan(s, st.Name, nil)
	if err != nil {
		printError(stderr, src, err)
		return exitFail
	}
	writeOutline(stdout, p)
	return exitOK
}

func writeOutline(w io.Writer, p *plan.Plan) {
	s, target := p.Spec, p.Target
	stages := s.Reachable(target.Name)
	fmt.Fprintf(w, "TARGET:      %s (%s)\n", target.Name, target.Kind)
	if target.Description != "" {
		fmt.Fprintf(w, "DESCRIPTION: %s\n", oneLine(target.Description))
	}
	var plats []string
	for _, p := range s.Platforms {
		plats = append(plats, p.Value)
	}
	if len(plats) == 0 {
		plats = []string{"(the build platform)"}
	}
	fmt.Fprintf(w, "PLATFORMS:   %s\n", strings.Join(plats, ", "))

	// A spec that includes files says which file each stage is from.
	header := []string{"NAME", "KIND", "BUILT FOR", "RUNS ON"}
	if len(s.Included) > 0 {
		header = append(header, "FROM")
	}
	section(w, "STAGES", header, func(row func(...string)) {
		for _, st := range stagePlatforms(p) {
			cells := []string{st.name, string(st.kind), strings.Join(st.builtFor, ", "), strings.Join(st.runsOn, ", ")}
			if len(s.Included) > 0 {
				from := s.Stage(st.name).Pos.File
				if from == "" {
					from = s.Filename
				}
				cells = append(cells, from)
			}
			row(cells...)
		}
	})

	used := s.ArgsUsedBy(stages)
	section(w, "ARGS", []string{"NAME", "DEFAULT", "DESCRIPTION"}, func(row func(...string)) {
		for _, a := range s.Args {
			if used[a.Name] {
				row(a.Name, a.Default, oneLine(a.Description))
			}
		}
	})
	uses := p.Uses()
	section(w, "SECRETS", []string{"ID", "REQUIRED", "AS", "STAGES"}, func(row func(...string)) {
		for _, u := range uses.Secrets {
			row(u.ID, yesNo(u.Required), u.As, strings.Join(u.Stages, ", "))
		}
	})
	section(w, "SSH", []string{"ID", "REQUIRED", "STAGES"}, func(row func(...string)) {
		for _, u := range uses.SSH {
			row(u.ID, yesNo(u.Required), strings.Join(u.Stages, ", "))
		}
	})
	section(w, "ADDED BY PRESETS", []string{"STAGE", "PRESET", "STEP"}, func(row func(...string)) {
		for _, in := range p.Instances {
			for _, st := range in.Steps {
				if st.Preset == "" {
					continue
				}
				if st.Spec.Run != nil {
					row(in.Name(), st.Preset, "RUN "+st.Display)
				} else {
					row(in.Name(), st.Preset, st.Display)
				}
			}
		}
	})
	section(w, "CACHES", []string{"ID", "TARGET", "SHARING", "STAGES"}, func(row func(...string)) {
		for _, u := range uses.Caches {
			id := u.ID
			if u.Preset != "" {
				id += " (preset " + u.Preset + ")"
			}
			row(id, u.Target, u.Sharing, strings.Join(u.Stages, ", "))
		}
	})
}

// section prints a titled table, or nothing when it has no rows.
func section(w io.Writer, title string, header []string, rows func(row func(...string))) {
	var lines [][]string
	seen := map[string]bool{}
	rows(func(cells ...string) {
		key := strings.Join(cells, "\x00")
		if !seen[key] {
			seen[key] = true
			lines = append(lines, cells)
		}
	})
	if len(lines) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s:\n", title)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, l := range lines {
		fmt.Fprintln(tw, strings.Join(l, "\t"))
	}
	tw.Flush()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// stageRow is a stage of a plan with the platforms its instances are built
// for and run on.
type stageRow struct {
	name             string
	kind             spec.Kind
	builtFor, runsOn []string
}

// stagePlatforms lists the stages of p in the order they are reached, each
// with its platforms; "build" is the build platform.
func stagePlatforms(p *plan.Plan) []stageRow {
	var rows []stageRow
	index := map[string]int{}
	show := func(pl ocispecs.Platform) string {
		if platforms.Only(p.BuildPlatform).Match(pl) {
			return "build"
		}
		return platforms.Format(pl)
	}
	for _, in := range p.Instances {
		i, ok := index[in.Name()]
		if !ok {
			i = len(rows)
			index[in.Name()] = i
			rows = append(rows, stageRow{name: in.Name(), kind: in.Kind()})
		}
		if b := show(in.BuiltFor); !slices.Contains(rows[i].builtFor, b) {
			rows[i].builtFor = append(rows[i].builtFor, b)
		}
		if r := show(in.RunsOn); !slices.Contains(rows[i].runsOn, r) {
			rows[i].runsOn = append(rows[i].runsOn, r)
		}
	}
	return rows
}
