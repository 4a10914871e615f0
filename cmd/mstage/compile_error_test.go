package main

import "testing"

// A compile error is printed like a parse error: file:line:col, then the
// line with a caret under the column.
func TestCompileErrorHasCaret(t *testing.T) {
	code, _, errOut := mstage(t, "llb", "testdata/compile_error.yaml")
	if code != exitFail {
		t.Fatalf("exit %d, want %d; stderr %q", code, exitFail, errOut)
	}
	golden(t, "compile_error", errOut)
}
