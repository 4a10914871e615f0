package plan

import (
	"go/build"
	"strings"
	"testing"
)

// TestImportsOnlySpecAndPreset keeps the pipeline one-way: the plan is read
// by llbgen, lint, the frontend and the CLI, and imports none of them.
func TestImportsOnlySpecAndPreset(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if rest, ok := strings.CutPrefix(imp, "github.com/mstage/mstage/"); ok && rest != "spec" && rest != "preset" {
			t.Errorf("plan imports %s; it may import only spec and preset of mstage", imp)
		}
	}
}
