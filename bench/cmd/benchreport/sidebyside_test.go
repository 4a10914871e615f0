package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

func TestSideBySideTable(t *testing.T) {
	rows, err := readSideBySide(filepath.Join("testdata", "sidebyside.txt"))
	if err != nil {
		t.Fatal(err)
	}
	rows = append(rows,
		row{"peakmem", "sidebyside-1000", "mstage", "vmhwm_bytes", "1", "104857600", "B"},
		row{"peakmem", "sidebyside-1000", "dockerfile", "vmhwm_bytes", "1", "209715200", "B"},
	)
	var buf bytes.Buffer
	r := newReport(rows, nil)
	r.writeSideBySide(func(format string, args ...any) {
		buf.WriteString(strings.TrimSpace(fmt.Sprintf(format, args...)) + "\n")
	})
	got := buf.String()
	for _, want := range []string{
		"## mstage / Dockerfile frontend",
		// The median of 3 runs of mstage (20 ms) against one of the Dockerfile.
		"| 10 | mstage | 20.00 | 1.91 MiB | 20000 | - |",
		"| | Dockerfile frontend | 40.00 | 3.81 MiB | 40000 | - |",
		"| | **mstage / Dockerfile** | **0.50** | **0.50** | **0.50** | **-** |",
		// Names without the -GOMAXPROCS suffix, and the peak memory rows.
		"| 1,000 | mstage | 3000.00 | 286.10 MiB | 3000000 | 100.00 MiB |",
		"| | **mstage / Dockerfile** | **3.00** | **1.50** | **0.75** | **0.50** |",
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("table lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "BenchmarkOther") || strings.Contains(got, "| 100 |") {
		t.Errorf("table has rows of other benchmarks:\n%s", got)
	}
}

func TestSideBySideNeedsResults(t *testing.T) {
	if _, err := readSideBySide(filepath.Join("testdata", "results.csv")); err == nil {
		t.Fatal("a file without BenchmarkSideBySide lines was accepted")
	}
}

func TestNoSideBySideNoTable(t *testing.T) {
	var buf bytes.Buffer
	loadReport(t).write(&buf)
	if strings.Contains(buf.String(), "Dockerfile frontend |") {
		t.Error("the report has a side-by-side table without side-by-side results")
	}
}
