package spec

import (
	"strings"
	"testing"
)

// TestExpandWorkBoundsTheLexer checks that expandWork is an upper bound of
// what the shell lexer builds, on values of every shape, and that the
// bound of a pattern replacement is the product of its lengths.
func TestExpandWorkBoundsTheLexer(t *testing.T) {
	vars := map[string]string{"A": "a-b-c-d", "B": "xyz", "E": "", "N": "1234567890"}
	for _, w := range []string{
		"plain", "$A", "${A}", "${A}${B}$N", "${A//-/_}", "${A//?/${B}}", "${A/?/${B//?/${N}}}",
		"${A:-${B}}", "${X:-${B}${B}}", "${A:+${N}}", "${A#*-}", "${A##*-}", "${A%-*}", "${A%%-*}",
		"${A///${B}}", "${E//*/${N}}", `\${A}`, `a\\${A}`, "${A", "${A:/x}", "${}", "$", "$$", "$1", "${A?}",
		"pre ${A//[/x} post", "${A//\\//${B}}", "${A//-/${B//y/${N}}}", "é${A}ü",
	} {
		x := NewWordExpander(vars)
		got, _, err := x.Expand(w)
		bound := expandWork(w, varsEnv(vars).size)
		if err == nil && len(got) > bound {
			t.Errorf("%q expands to %d bytes, more than its bound %d", w, len(got), bound)
		}
	}
	a, b := strings.Repeat("a", 5000), strings.Repeat("b", 5000)
	if got, want := expandWork("${A//?/${B}}", varsEnv{"A": a, "B": b}.size), 5001*5000; got < want {
		t.Errorf("bound of ${A//?/${B}} = %d, want at least %d", got, want)
	}
}

// TestWordExpanderRefusesBeforeBuilding checks that values whose
// expansion would build more than MaxExpandWork are refused without being
// built: the allocation stays far below what the expansion would take.
func TestWordExpanderRefusesBeforeBuilding(t *testing.T) {
	big := strings.Repeat("a", 32<<10)
	vars := map[string]string{"A": big, "B": big}
	for _, w := range []string{
		"${A//?/${B}}",                              // 1 GiB
		"${X:+${A//?/${B}}}",                        // the same, then thrown away
		"${A//?/${A//?/${B}}}",                      // 32 TiB
		strings.Repeat("${A}", 1000),                // 32 MiB
		"${B//?/" + strings.Repeat("x", 1000) + "}", // 32 MiB
	} {
		x := NewWordExpander(vars)
		var err error
		alloc := allocated(func() { _, _, err = x.Expand(w) })
		if err == nil || !strings.Contains(err.Error(), "could build more than") {
			t.Errorf("%.40q: error = %v, want it refused", w, err)
		}
		if alloc > 1<<20 {
			t.Errorf("%.40q: allocated %d bytes before refusing", w, alloc)
		}
	}
	// The limit on all expansions of one WordExpander.
	x := NewWordExpander(map[string]string{"A": strings.Repeat("a", 256<<10)})
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		_, _, err = x.Expand("${A:+x}${A:+x}${A:+x}${A:+x}${A:+x}")
	}
	if err == nil || !strings.Contains(err.Error(), "the expansions of the file could build more than") {
		t.Errorf("error = %v, want the total work refused", err)
	}
}

// TestRunVarsIsLinear checks that RunVars finds the names of a command
// whose expansion would be huge without expanding it.
func TestRunVarsIsLinear(t *testing.T) {
	big := strings.Repeat("a", 60<<10)
	cmd := &Command{Shell: strings.Repeat("${A//?/${B//?/${C}}} ", 1000), Pos: Pos{Line: 1, Col: 1}}
	var got []KV
	alloc := allocated(func() { got = RunVars(cmd, map[string]string{"A": big, "B": big, "C": big, "D": "d"}) })
	if len(got) != 3 || got[0].Key != "A" || got[2].Key != "C" {
		t.Errorf("RunVars = %v", got)
	}
	if alloc > 16<<20 {
		t.Errorf("RunVars allocated %d MB", alloc>>20)
	}
}
