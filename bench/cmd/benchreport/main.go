// Command benchreport turns the raw CSV of bench/run.sh into
// docs/benchmarks.md: medians per scenario, the ratios between the three
// ways of building each application, and the targets, met or missed.
//
//	benchreport -csv bench/results/latest.csv -gaps bench/gaps.md -o docs/benchmarks.md
//
// -sidebyside adds the table "mstage / Dockerfile frontend" from the output
// of go test -bench SideBySide -benchmem ./bench/sidebyside/.
package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

func main() {
	csvPath := flag.String("csv", "", "raw results of bench/run.sh")
	scaleoutPath := flag.String("scaleout", "", "raw results of bench/scaleout.sh (optional)")
	gapsPath := flag.String("gaps", "", "explanations of missed targets, one '## <target id>' section each (optional)")
	sideBySidePath := flag.String("sidebyside", "", "output of go test -bench SideBySide -benchmem ./bench/sidebyside/ (optional)")
	outPath := flag.String("o", "", "report to write (default: stdout)")
	flag.Parse()
	if err := run(*csvPath, *scaleoutPath, *sideBySidePath, *gapsPath, *outPath); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func run(csvPath, scaleoutPath, sideBySidePath, gapsPath, outPath string) error {
	if csvPath == "" {
		return fmt.Errorf("-csv is required")
	}
	rows, err := readRows(csvPath)
	if err != nil {
		return err
	}
	if scaleoutPath != "" {
		more, err := readRows(scaleoutPath)
		if err != nil {
			return err
		}
		rows = append(rows, more...)
	}
	if sideBySidePath != "" {
		more, err := readSideBySide(sideBySidePath)
		if err != nil {
			return err
		}
		rows = append(rows, more...)
	}
	gaps := map[string]string{}
	if gapsPath != "" {
		if gaps, err = readGaps(gapsPath); err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	newReport(rows, gaps).write(&buf)
	if outPath == "" {
		_, err = os.Stdout.Write(buf.Bytes())
		return err
	}
	return os.WriteFile(outPath, buf.Bytes(), 0o644)
}

// row is one line of the raw CSV: kind,app,variant,metric,run,value,unit.
type row struct {
	kind, app, variant, metric, run, value, unit string
}

func readRows(path string) ([]row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = 7
	header := true
	var rows []row
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if header {
			header = false
			if rec[0] == "kind" {
				continue
			}
		}
		rows = append(rows, row{rec[0], rec[1], rec[2], rec[3], rec[4], rec[5], rec[6]})
	}
}

// readGaps splits a markdown file into its "## id" sections.
func readGaps(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gaps := map[string]string{}
	var id string
	var text strings.Builder
	flush := func() {
		if id != "" {
			gaps[id] = strings.TrimSpace(text.String())
		}
		text.Reset()
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if name, ok := strings.CutPrefix(line, "## "); ok {
			flush()
			id = strings.TrimSpace(name)
			continue
		}
		if id != "" {
			text.WriteString(line + "\n")
		}
	}
	flush()
	return gaps, sc.Err()
}

type report struct {
	rows []row
	gaps map[string]string
	meta map[string]string
	apps []string
}

func newReport(rows []row, gaps map[string]string) *report {
	r := &report{rows: rows, gaps: gaps, meta: map[string]string{}}
	for _, x := range rows {
		switch x.kind {
		case "meta":
			r.meta[x.metric] = x.value
		case "build", "image":
			if !slices.Contains(r.apps, x.app) {
				r.apps = append(r.apps, x.app)
			}
		}
	}
	return r
}

// values returns the numeric values of the rows that match, skipping NaN
// (failed builds); failed counts those.
func (r *report) values(kind, app, variant, metric string) (vals []float64, failed int) {
	for _, x := range r.rows {
		if x.kind != kind || x.app != app || x.variant != variant || x.metric != metric {
			continue
		}
		v, err := strconv.ParseFloat(x.value, 64)
		if err != nil || math.IsNaN(v) {
			failed++
			continue
		}
		vals = append(vals, v)
	}
	return vals, failed
}

// median of the matching rows; ok is false when there is none.
func (r *report) median(kind, app, variant, metric string) (float64, bool) {
	vals, _ := r.values(kind, app, variant, metric)
	if len(vals) == 0 {
		return 0, false
	}
	slices.Sort(vals)
	n := len(vals)
	if n%2 == 1 {
		return vals[n/2], true
	}
	return (vals[n/2-1] + vals[n/2]) / 2, true
}

var (
	scenarios = []string{"cold", "source", "deps", "noop"}
	variants  = []string{"naive", "expert", "mstage"}
)

var scenarioTitle = map[string]string{
	"cold":   "cold (`--no-cache`, cache pruned)",
	"source": "one-line source change",
	"deps":   "dependency change",
	"noop":   "no-op rebuild",
}

func (r *report) write(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format+"\n", args...) }
	p("# Benchmarks")
	p("")
	p("<!-- Generated by bench/run.sh (bench/cmd/benchreport) from its raw CSV; do not edit by hand. -->")
	p("")
	p("Each application is built three ways on one local buildkitd: a naive multi-stage")
	p("Dockerfile, an expert Dockerfile, and a plain mstage spec loaded through `# syntax=`")
	p("with the real frontend image. Times are wall-clock seconds of `docker buildx build`,")
	p("including the push of the image to the local registry; each cell is the median of")
	p("the runs (no-op rebuilds: of every repetition of every run). See bench/README.md for")
	p("what each scenario changes.")
	p("")
	r.writeMachine(p)
	for _, app := range r.apps {
		r.writeApp(p, app)
	}
	r.writeOverhead(p)
	r.writeImages(p)
	r.writeFrontendImages(p)
	r.writeGoBench(p)
	r.writeSideBySide(p)
	r.writeScaleout(p)
	r.writeTargets(p)
}

type printer func(format string, args ...any)

func (r *report) writeMachine(p printer) {
	p("## Machine")
	p("")
	p("| | |")
	p("| --- | --- |")
	for _, k := range []struct{ key, title string }{
		{"date", "date (UTC)"},
		{"cpu", "CPU model"},
		{"nproc", "cores (nproc)"},
		{"memory", "memory"},
		{"kernel", "kernel"},
		{"loadavg", "load average at start"},
		{"buildkit", "buildkit (buildkitd, buildctl)"},
		{"buildx", "buildx"},
		{"go", "Go"},
		{"runs", "runs"},
		{"noop_reps", "no-op rebuilds per run"},
		{"mstage_frontend", "mstage frontend image"},
		{"dockerfile_frontend", "dockerfile frontend image"},
	} {
		if v, ok := r.meta[k.key]; ok {
			p("| %s | %s |", k.title, v)
		}
	}
	p("")
}

func fmtSecs(v float64, ok bool) string {
	if !ok {
		return "-"
	}
	return fmt.Sprintf("%.2f", v)
}

func ratio(a, b float64, aok, bok bool) (float64, bool) {
	if !aok || !bok || b == 0 {
		return 0, false
	}
	return a / b, true
}

func fmtRatio(v float64, ok bool) string {
	if !ok {
		return "-"
	}
	return fmt.Sprintf("%.2f", v)
}

// writeApp gives mstage's ratio against the expert Dockerfile both through
// the Dockerfile frontend built into buildkitd, which loads no image, and
// through "# syntax=" like mstage (expert-syntax; warm scenarios only, and
// "-" for results that predate it). The runs are counted in column order.
func (r *report) writeApp(p printer, app string) {
	p("## %s: median build time (s)", app)
	p("")
	p("| scenario | naive | expert | expert via `# syntax=` | mstage | mstage / expert | mstage / expert via `# syntax=` | mstage / naive | runs (failed) |")
	p("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
	for _, sc := range scenarios {
		med := map[string]float64{}
		has := map[string]bool{}
		var counts []string
		seen := false
		for _, v := range []string{"naive", "expert", "expert-syntax", "mstage"} {
			med[v], has[v] = r.median("build", app, v, sc)
			vals, failed := r.values("build", app, v, sc)
			counts = append(counts, fmt.Sprintf("%d (%d)", len(vals), failed))
			seen = seen || len(vals)+failed > 0
		}
		if !seen {
			continue
		}
		re, reok := ratio(med["mstage"], med["expert"], has["mstage"], has["expert"])
		rs, rsok := ratio(med["mstage"], med["expert-syntax"], has["mstage"], has["expert-syntax"])
		rn, rnok := ratio(med["mstage"], med["naive"], has["mstage"], has["naive"])
		p("| %s | %s | %s | %s | %s | %s | %s | %s | %s |", scenarioTitle[sc],
			fmtSecs(med["naive"], has["naive"]), fmtSecs(med["expert"], has["expert"]),
			fmtSecs(med["expert-syntax"], has["expert-syntax"]), fmtSecs(med["mstage"], has["mstage"]),
			fmtRatio(re, reok), fmtRatio(rs, rsok), fmtRatio(rn, rnok), strings.Join(counts, " / "))
	}
	p("")
}

func (r *report) overhead(app string) (mstage, dockerfile float64, ok bool) {
	m, mok := r.median("build", app, "mstage", "noop")
	d, dok := r.median("build", app, "expert-syntax", "noop")
	return m, d, mok && dok
}

func (r *report) writeOverhead(p printer) {
	var lines []string
	for _, app := range r.apps {
		m, d, ok := r.overhead(app)
		if !ok {
			continue
		}
		builtin, bok := r.median("build", app, "expert", "noop")
		lines = append(lines, fmt.Sprintf("| %s | %s | %.2f | %.2f | %+.3f |", app, fmtSecs(builtin, bok), d, m, m-d))
	}
	if len(lines) == 0 {
		return
	}
	p("## Frontend overhead on a no-op rebuild")
	p("")
	p("The expert Dockerfile loaded through `# syntax=` with BuildKit's dockerfile-frontend")
	p("image (built from the same BuildKit module, same Go flags) against the mstage spec")
	p("through `# syntax=` with the mstage frontend image; nothing to rebuild in either.")
	p("")
	p("| app | expert, built-in frontend (s) | expert via `# syntax=` dockerfile-frontend (s) | mstage via `# syntax=` (s) | overhead (s) |")
	p("| --- | ---: | ---: | ---: | ---: |")
	for _, l := range lines {
		p("%s", l)
	}
	p("")
}

// imageOverhead is the size of the image beyond its artifacts: the
// uncompressed layer tars plus the config and manifest, over the bytes of
// the files in it.
func (r *report) imageOverhead(app, variant string) (float64, bool) {
	tarBytes, ok1 := r.median("image", app, variant, "layer_tar_bytes")
	art, ok2 := r.median("image", app, variant, "artifact_bytes")
	cfg, ok3 := r.median("image", app, variant, "config_bytes")
	man, ok4 := r.median("image", app, variant, "manifest_bytes")
	if !ok1 || !ok2 || !ok3 || !ok4 || art == 0 {
		return 0, false
	}
	return (tarBytes+cfg+man)/art - 1, true
}

func fmtBytes(v float64, ok bool) string {
	if !ok {
		return "-"
	}
	switch {
	case v >= 1<<20:
		return fmt.Sprintf("%.2f MiB", v/(1<<20))
	case v >= 1<<10:
		return fmt.Sprintf("%.1f KiB", v/(1<<10))
	}
	return fmt.Sprintf("%.0f B", v)
}

func (r *report) writeImages(p printer) {
	var lines []string
	for _, app := range r.apps {
		for _, v := range variants {
			comp, cok := r.median("image", app, v, "compressed_bytes")
			if !cok {
				continue
			}
			layers, lok := r.median("image", app, v, "layers")
			tarBytes, tok := r.median("image", app, v, "layer_tar_bytes")
			art, aok := r.median("image", app, v, "artifact_bytes")
			over, ook := r.imageOverhead(app, v)
			overText := "-"
			if ook {
				overText = fmt.Sprintf("%.3f %%", over*100)
			}
			layerText := "-"
			if lok {
				layerText = fmt.Sprintf("%.0f", layers)
			}
			lines = append(lines, fmt.Sprintf("| %s | %s | %s | %s | %s | %s | %s |", app, v,
				fmtBytes(comp, cok), layerText, fmtBytes(art, aok), fmtBytes(tarBytes, tok), overText))
		}
	}
	if len(lines) == 0 {
		return
	}
	p("## Runtime images (linux/amd64)")
	p("")
	p("Overhead is (uncompressed layers + config + manifest) / (bytes of the files in the")
	p("image) − 1: what the scratch runtime image adds to its artifacts.")
	p("")
	p("| app | variant | compressed | layers | artifacts | layer tar | overhead |")
	p("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
	for _, l := range lines {
		p("%s", l)
	}
	p("")
}

func (r *report) writeFrontendImages(p printer) {
	m, mok := r.median("frontend", "-", "mstage", "compressed_bytes")
	d, dok := r.median("frontend", "-", "dockerfile", "compressed_bytes")
	u, uok := r.median("frontend", "-", "dockerfile-unstripped", "compressed_bytes")
	if !mok && !dok {
		return
	}
	p("## Frontend images (linux/amd64, compressed)")
	p("")
	p("| image | size |")
	p("| --- | ---: |")
	p("| mstage frontend (`-trimpath -ldflags \"-s -w\"`) | %s |", fmtBytes(m, mok))
	p("| BuildKit dockerfile-frontend, same Go flags | %s |", fmtBytes(d, dok))
	if uok {
		p("| BuildKit dockerfile-frontend, unstripped as in BuildKit's release Dockerfile | %s |", fmtBytes(u, uok))
	}
	p("")
}

var goBenchmarks = []string{
	"BenchmarkParse1000Stages",
	"BenchmarkCompile1000Stages",
	"BenchmarkParseAndCompile1000Stages",
	"BenchmarkParseAndCompile1000StagesEachPlatform",
	"BenchmarkCompileEachRuntime1000Stages",
}

func (r *report) writeGoBench(p printer) {
	_, ok := r.median("gobench", "llbgen", "BenchmarkParseAndCompile1000Stages", "ns_op")
	hwm, hok := r.median("peakmem", "frontend", "llbgen", "vmhwm_bytes")
	if !ok && !hok {
		return
	}
	p("## Parser and compiler on a 1,000-stage spec")
	p("")
	p("`go test -bench 1000Stages -benchmem ./llbgen/`: a generated spec (bench/specgen) of 10")
	p("builders, 890 artifacts and 100 runtimes; the compile benchmarks build the runtime that")
	p("needs all others (so every stage) for linux/amd64, linux/arm64, linux/arm/v7 and")
	p("linux/riscv64 and marshal the LLB, as the frontend does before solving: one compile for")
	p("every platform (`llbgen.CompileEach`, the instances the platforms share compiled once),")
	p("then one goroutine per platform marshals its LLB, as BuildKit's dockerui runs a")
	p("frontend's build function, so the time is wall-clock time on the machine's cores.")
	p("`...EachPlatform` compiles each platform on its own, in parallel. The parse is")
	p("single-threaded.")
	p("")
	p("| benchmark | time/op (ms) | B/op | allocs/op |")
	p("| --- | ---: | ---: | ---: |")
	for _, b := range goBenchmarks {
		t, tok := r.median("gobench", "llbgen", b, "ns_op")
		bytesOp, bok := r.median("gobench", "llbgen", b, "B_op")
		allocs, aok := r.median("gobench", "llbgen", b, "allocs_op")
		if !tok {
			continue
		}
		p("| %s | %.1f | %s | %s |", b, t/1e6, fmtBytes(bytesOp, bok), fmtCount(allocs, aok))
	}
	p("")
	if hok {
		heap, heapOK := r.median("peakmem", "frontend", "llbgen", "heap_sys_bytes")
		base, baseOK := r.median("peakmem", "frontend", "llbgen", "baseline_vmrss_bytes")
		p("Peak memory of the same work in one process (bench/cmd/peakmem): VmHWM %s", fmtBytes(hwm, hok))
		p("(resident before any work: %s), Go heap obtained from the OS %s.", fmtBytes(base, baseOK), fmtBytes(heap, heapOK))
		p("")
	}
}

func fmtCount(v float64, ok bool) string {
	if !ok {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

func (r *report) writeScaleout(p printer) {
	one, ook := r.median("scaleout", "go-service", "1node", "cold")
	two, tok := r.median("scaleout", "go-service", "2node", "cold")
	p("## Scale-out")
	p("")
	if !ook && !tok {
		p("Not measured in this run: `MSTAGE_SECOND_NODE=1 bash hack/env.sh up-second` then")
		p("`bash bench/scaleout.sh` records it (bench/README.md).")
		p("")
		return
	}
	p("The mstage spec of go-service, linux/amd64 + linux/arm64, cold (`--no-cache`, caches pruned on")
	p("every node): one node building both platforms against two nodes, one platform each. Both")
	p("nodes run on the same machine, so they share its cores.")
	p("")
	p("| builder | cold build (s) |")
	p("| --- | ---: |")
	p("| one node | %s |", fmtSecs(one, ook))
	p("| two nodes | %s |", fmtSecs(two, tok))
	p("")
	p("The go preset compiles both platforms natively on the build platform, so the work is")
	p("CPU-bound Go compilation either way; a second node on the same cores adds coordination")
	p("and no CPU. Two nodes pay off when they are separate machines, or when a builder")
	p("without a cross-compiling preset would otherwise run one platform under emulation and a")
	p("node of that architecture can run it natively.")
	p("")
}

// target is one line of the targets table.
type target struct {
	id, measure, goal, measured string
	status                      string // met, missed, not measured
}

func verdict(ok, met bool) string {
	switch {
	case !ok:
		return "not measured"
	case met:
		return "met"
	}
	return "missed"
}

func (r *report) targets() []target {
	var ts []target
	for _, app := range r.apps {
		m, mok := r.median("build", app, "mstage", "cold")
		e, eok := r.median("build", app, "expert", "cold")
		n, nok := r.median("build", app, "naive", "cold")
		re, reok := ratio(m, e, mok, eok)
		ts = append(ts, target{"cold-expert", "mstage / expert, cold (" + app + ")", "≤ 1.05", fmtRatio(re, reok), verdict(reok, re <= 1.05)})
		for _, sc := range []string{"source", "deps"} {
			ms, msok := r.median("build", app, "mstage", sc)
			es, esok := r.median("build", app, "expert", sc)
			rw, rwok := ratio(ms, es, msok, esok)
			ts = append(ts, target{"warm-expert", "mstage / expert, warm: " + scenarioTitle[sc] + " (" + app + ")", "≤ 1.10", fmtRatio(rw, rwok), verdict(rwok, rw <= 1.10)})
		}
		speed, sok := ratio(n, m, nok, mok)
		measured := "-"
		if sok {
			measured = fmt.Sprintf("%.1f× faster", speed)
		}
		ts = append(ts, target{"cold-naive", "mstage / naive, cold (" + app + ")", "≥ 5× faster", measured, verdict(sok, speed >= 5)})
	}
	for _, app := range r.apps {
		m, d, ok := r.overhead(app)
		measured := "-"
		if ok {
			measured = fmt.Sprintf("%+.3f s", m-d)
		}
		ts = append(ts, target{"noop-overhead", "no-op overhead of the mstage frontend vs docker/dockerfile through `# syntax=` (" + app + ")", "≤ 0.15 s", measured, verdict(ok, m-d <= 0.15)})
	}
	for _, app := range r.apps {
		o, ok := r.imageOverhead(app, "mstage")
		measured := "-"
		if ok {
			measured = fmt.Sprintf("%.3f %%", o*100)
		}
		ts = append(ts, target{"image-overhead", "scratch runtime image size over its artifacts (" + app + ", mstage)", "≤ 1 %", measured, verdict(ok, o <= 0.01)})
	}
	ns, ok := r.median("gobench", "llbgen", "BenchmarkParseAndCompile1000Stages", "ns_op")
	measured := "-"
	if ok {
		measured = fmt.Sprintf("%.1f ms", ns/1e6)
	}
	ts = append(ts, target{"gobench", "parse + compile a 1,000-stage spec for 4 platforms", "≤ 100 ms", measured, verdict(ok, ns <= 100e6)})
	m, mok := r.median("frontend", "-", "mstage", "compressed_bytes")
	d, dok := r.median("frontend", "-", "dockerfile", "compressed_bytes")
	measured = "-"
	if mok && dok {
		measured = fmt.Sprintf("%s vs %s", fmtBytes(m, true), fmtBytes(d, true))
	}
	ts = append(ts, target{"frontend-size", "frontend image size vs BuildKit's dockerfile-frontend", "no larger", measured, verdict(mok && dok, m <= d)})
	return ts
}

func (r *report) writeTargets(p printer) {
	ts := r.targets()
	p("## Targets")
	p("")
	p("| measure | target | measured | |")
	p("| --- | --- | --- | --- |")
	for _, t := range ts {
		p("| %s | %s | %s | %s |", t.measure, t.goal, t.measured, t.status)
	}
	p("")
	var missed []string
	for _, t := range ts {
		if t.status == "missed" && !slices.Contains(missed, t.id) {
			missed = append(missed, t.id)
		}
	}
	if len(missed) == 0 {
		return
	}
	p("## Missed targets: why, and what would close the gap")
	p("")
	for _, id := range missed {
		p("### %s", id)
		p("")
		if text, ok := r.gaps[id]; ok && text != "" {
			p("%s", text)
		} else {
			p("No analysis yet: add a `## %s` section to bench/gaps.md.", id)
		}
		p("")
	}
}
