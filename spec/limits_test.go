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

// The hostile inputs each limit is for, with their errors, are in
// hostile_test.go.

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
