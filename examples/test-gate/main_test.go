package main

import (
	"os"
	"strings"
	"testing"
)

func TestCountWords(t *testing.T) {
	tests := map[string]int{
		"":                      0,
		"one":                   1,
		"  two\twords \n":       2,
		"a multi-stage\nbuild ": 3,
	}
	for in, want := range tests {
		got, err := countWords(strings.NewReader(in))
		if err != nil {
			t.Fatalf("countWords(%q): %v", in, err)
		}
		if got != want {
			t.Errorf("countWords(%q) = %d, want %d", in, got, want)
		}
	}
}

// TestGateDemo lets the example show a failing gate: the build passes
// FAIL_TESTS=1 through to the test run.
func TestGateDemo(t *testing.T) {
	if os.Getenv("FAIL_TESTS") == "1" {
		t.Fatal("FAIL_TESTS=1: failing on purpose to show that the image is not exported")
	}
}
