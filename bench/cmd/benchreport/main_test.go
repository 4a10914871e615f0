package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func loadReport(t *testing.T) *report {
	t.Helper()
	rows, err := readRows(filepath.Join("testdata", "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	return newReport(rows, map[string]string{"warm-expert": "Because of the test."})
}

func TestMedianSkipsFailedBuilds(t *testing.T) {
	r := loadReport(t)
	cases := []struct {
		variant string
		want    float64
	}{
		{"naive", 200}, // odd count
		{"expert", 21}, // NaN skipped, even count
		{"mstage", 21}, // repeated values
	}
	for _, c := range cases {
		got, ok := r.median("build", "app", c.variant, "cold")
		if !ok || got != c.want {
			t.Errorf("median %s cold = %v, %v; want %v", c.variant, got, ok, c.want)
		}
	}
	if _, failed := r.values("build", "app", "expert", "cold"); failed != 1 {
		t.Errorf("failed expert cold builds = %d, want 1", failed)
	}
	if _, ok := r.median("build", "app", "naive", "deps"); ok {
		t.Error("median of a scenario with no rows reported ok")
	}
}

func TestTargets(t *testing.T) {
	r := loadReport(t)
	got := map[string]string{}
	for _, tg := range r.targets() {
		got[tg.measure] = tg.measured + " " + tg.status
	}
	want := map[string]string{
		"mstage / expert, cold (app)":                                 "1.00 met",
		"mstage / expert, warm: one-line source change (app)":         "1.50 missed",
		"mstage / expert, warm: dependency change (app)":              "- not measured",
		"mstage / naive, cold (app)":                                  "9.5× faster met",
		"scratch runtime image size over its artifacts (app, mstage)": "9.400 % missed",
		"parse + compile a 1,000-stage spec for 4 platforms":          "50.0 ms met",
	}
	for measure, w := range want {
		if got[measure] != w {
			t.Errorf("%s: got %q, want %q", measure, got[measure], w)
		}
	}
	overhead := "no-op overhead of the mstage frontend vs docker/dockerfile through `# syntax=` (app)"
	if got[overhead] != "+0.200 s missed" {
		t.Errorf("%s: got %q", overhead, got[overhead])
	}
}

func TestReportExplainsMissedTargets(t *testing.T) {
	var buf bytes.Buffer
	loadReport(t).write(&buf)
	out := buf.String()
	for _, want := range []string{
		"| date (UTC) | 2026-01-02T03:04:05Z |",
		"| buildkit (buildkitd, buildctl) | v0.34.2 |",
		"| one-line source change | - | 1.00 | 1.20 | 1.50 | 1.50 | 1.25 | - | 0 (0) / 1 (0) / 1 (0) / 1 (0) |",
		"| no-op rebuild | - | - | 0.40 | 0.60 | - | 1.50 | - | 0 (0) / 0 (0) / 1 (0) / 2 (0) |",
		// A scenario without expert-syntax builds (cold, or results from before they were timed).
		"| cold (`--no-cache`, cache pruned) | 200.00 | 21.00 | - | 21.00 | 1.00 | - | 0.10 | 3 (0) / 2 (1) / 0 (0) / 3 (0) |",
		"### warm-expert\n\nBecause of the test.",
		"### image-overhead\n\nNo analysis yet: add a `## image-overhead` section to bench/gaps.md.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q\n%s", want, out)
		}
	}
	if strings.Contains(out, "### cold-expert") {
		t.Error("report explains cold-expert, which was met")
	}
}

func TestReadGaps(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gaps.md")
	text := "# Gaps\n\nintro\n\n## gobench\n\nslow lookups\n\n## noop-overhead\nstartup\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	gaps, err := readGaps(path)
	if err != nil {
		t.Fatal(err)
	}
	if gaps["gobench"] != "slow lookups" || gaps["noop-overhead"] != "startup" || len(gaps) != 2 {
		t.Errorf("readGaps = %q", gaps)
	}
}
