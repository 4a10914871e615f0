package spec

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mstage/mstage/internal/hostile"
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

// TestCheckBuildSize checks the bounds on platforms times stages and
// platforms times chain work that a build request is checked against, and
// where their errors point.
func TestCheckBuildSize(t *testing.T) {
	stages := mustParse(t, hostile.PlatformsTimesStages(4, 1_999))
	steps := mustParse(t, hostile.AliasedRuns(700, 8))
	for _, tc := range []struct {
		s      *Spec
		target string
		n      int
		want   string
	}{
		{stages, "", 4, ""},
		{stages, "", 6, "mstage.yaml:2:12: target \"r\" reaches 3999 stages, steps and copy entries, which for 6 platforms is 23994, more than the limit of 16000; expected at most 2666 for 6 platforms: fewer steps (run several commands in one), or fewer platforms per build"},
		{stages, "b7", 16, ""},
		{stages, "b7", 17, "mstage.yaml:2:12: the build is for 17 platforms, more than the limit of 16; expected fewer platforms"},
		{steps, "", 4, ""},
		{steps, "", 8, "mstage.yaml:4:3: the steps of the spec build on 245350 earlier steps in all, which for 8 platforms is more than the limit of 1600000; expected at most 200000 for 8 platforms: shorter chains of stages, or fewer platforms per build"},
	} {
		err := tc.s.CheckBuildSize(tc.target, tc.n)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if !strings.HasPrefix(got, tc.want) || (tc.want == "") != (got == "") {
			t.Errorf("CheckBuildSize(%q, %d) = %q, want %q", tc.target, tc.n, got, tc.want)
		}
	}
}
