package main

import (
	"strings"
	"testing"
)

const including = "testdata/include/mstage.yaml"

func TestTargetsAndOutlineOfAnIncludingSpec(t *testing.T) {
	code, out, errOut := mstage(t, "targets", including)
	if code != exitOK {
		t.Fatalf("targets: exit %d: %s", code, errOut)
	}
	golden(t, "targets_include", out)
	code, out, errOut = mstage(t, "outline", including)
	if code != exitOK {
		t.Fatalf("outline: exit %d: %s", code, errOut)
	}
	golden(t, "outline_include", out)
	code, out, errOut = mstage(t, "outline", "--format", "json", including)
	if code != exitOK || !strings.Contains(out, `from testdata/include/ci/go.yaml: go`) {
		t.Errorf("outline --format json: exit %d, no stage origin in the description:\n%s%s", code, out, errOut)
	}
	if code, out, errOut := mstage(t, "lint", "--strict", including); code != exitOK {
		t.Errorf("lint: exit %d:\n%s%s", code, out, errOut)
	}
}

func TestIncludeClashShowsBothFiles(t *testing.T) {
	code, _, errOut := mstage(t, "lint", "testdata/include/clash.yaml")
	if code != exitFail {
		t.Fatalf("exit %d, want %d", code, exitFail)
	}
	golden(t, "include_clash", errOut)
}
