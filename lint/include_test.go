package lint

import (
	"io/fs"
	"testing"

	"github.com/mstage/mstage/spec"
)

// TestIncludedFilesOfferUnusedStagesAndArgs: a shared file declares more
// than one spec uses; its unused builder and arg are not findings, the
// spec's own are.
func TestIncludedFilesOfferUnusedStagesAndArgs(t *testing.T) {
	main := "version: 1\ninclude: [ci/shared.yaml]\nargs: {OWN: x}\nbuilders:\n  own-dev: {image: busybox}\nruntimes:\n  r:\n    image: busybox\n    user: \"65532\"\n    copy: [{stage: go, src: /x, to: /x}]\n"
	shared := "args: {GO_VERSION: \"1.26\", NODE_VERSION: \"22\"}\nbuilders:\n  go: {image: \"golang:${GO_VERSION}\"}\n  node: {image: \"node:${NODE_VERSION}\"}\n  unused: {image: busybox}\n"
	s, err := spec.Load("mstage.yaml", []byte(main), func(name string) ([]byte, error) {
		if name == "ci/shared.yaml" {
			return []byte(shared), nil
		}
		return nil, fs.ErrNotExist
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, f := range Run(s, Options{}) {
		if f.Rule.Name == UnreachableStage || f.Rule.Name == UnusedArg {
			got[f.Rule.Name+" "+f.Pos.String()] = true
		}
	}
	want := map[string]bool{
		"UnusedArg 3:8":        true, // OWN
		"UnreachableStage 5:3": true, // own-dev
	}
	if len(got) != len(want) {
		t.Errorf("findings %v, want %v", got, want)
	}
	for k := range want {
		if !got[k] {
			t.Errorf("missing %s; got %v", k, got)
		}
	}
}
