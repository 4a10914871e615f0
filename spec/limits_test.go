package spec

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// firstError parses src and returns the first error, failing the test when
// parsing takes longer than a hostile input should be allowed to take.
func firstError(t *testing.T, src string) *Error {
	t.Helper()
	start := time.Now()
	_, err := Parse("mstage.yaml", []byte(src))
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Parse took %v", took)
	}
	var list ErrorList
	if !errors.As(err, &list) || len(list) == 0 {
		t.Fatalf("Parse error = %v, want an ErrorList", err)
	}
	return list[0]
}

func TestLimits(t *testing.T) {
	billionLaughs := func() string {
		var b strings.Builder
		b.WriteString("version: 1\nx-0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
		for i := 1; i < 10; i++ {
			fmt.Fprintf(&b, "x-%d: &a%d [", i, i)
			for j := range 9 {
				if j > 0 {
					b.WriteString(", ")
				}
				fmt.Fprintf(&b, "*a%d", i-1)
			}
			b.WriteString("]\n")
		}
		return b.String()
	}
	manyStages := func(n int) string {
		var b strings.Builder
		b.WriteString("version: 1\nbuilders:\n")
		for i := range n {
			fmt.Fprintf(&b, "  b%d: {image: golang}\n", i)
		}
		return b.String()
	}
	stagesInSections := func(n int) string {
		var b strings.Builder
		b.WriteString("version: 1\nbuilders:\n")
		for i := range n {
			fmt.Fprintf(&b, "  b%d: {image: golang}\n", i)
		}
		b.WriteString("artifacts:\n")
		for i := range n {
			fmt.Fprintf(&b, "  a%d: {builder: b0}\n", i)
		}
		b.WriteString("runtimes:\n")
		for i := range n {
			fmt.Fprintf(&b, "  r%d: {}\n", i)
		}
		return b.String()
	}
	deepBlock := func(n int) string {
		var b strings.Builder
		b.WriteString("version: 1\nx-deep:\n")
		for i := 1; i <= n; i++ {
			fmt.Fprintf(&b, "%sk:\n", strings.Repeat(" ", i))
		}
		return b.String()
	}
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"billion laughs", billionLaughs(), "7:26: document has more than 200000 nodes once aliases are expanded; expected fewer or smaller aliases"},
		{"deep flow nesting", "version: 1\nx: " + strings.Repeat("[", 100_000), "2:68: nesting deeper than 64 levels"},
		{"deep compact sequences", "version: 1\nx:\n  " + strings.Repeat("- ", 100_000) + "a\n", "3:131: nesting deeper than 64 levels"},
		{"deep block nesting", deepBlock(100), "66:65: nesting deeper than 64 levels"},
		{"huge file", "version: 1\n# " + strings.Repeat("x", MaxFileSize), " file is 1048589 bytes, more than the limit of 1048576"},
		{"10,000 stages", manyStages(10_000), "2503:3: more than 2500 keys in one mapping"},
		{"2,100 stages in three sections", stagesInSections(700), "2005:3: more than 2000 stages"},
		{"1 MB string", "version: 1\ndescription: " + strings.Repeat("x", 1<<20-30) + "\n", "2:14: description is 1048546 bytes long, more than the limit of 65536"},
		{"NUL byte", "version: 1\nname: a\x00b\n", "2:8: NUL byte in file; expected UTF-8 text"},
		{"invalid UTF-8", "version: 1\nname: h\xe9llo\n", "2:8: invalid UTF-8 byte sequence; expected UTF-8 text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.TrimPrefix(firstError(t, tt.src).Error(), "mstage.yaml:")
			if got != tt.want {
				t.Errorf("error:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestLimitsAllowRealFiles(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\nx-env: &env {A: a, B: b}\nbuilders:\n")
	for i := range MaxStages {
		fmt.Fprintf(&b, "  b%d: {image: golang, env: *env}\n", i)
	}
	s := mustParse(t, b.String())
	if len(s.Builders) != MaxStages || s.Builders[MaxStages-1].Env[1].Value != "b" {
		t.Errorf("got %d builders", len(s.Builders))
	}
}
