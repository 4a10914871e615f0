package llbgen

import (
	"io/fs"
	"slices"
	"testing"

	"github.com/moby/buildkit/client/llb"

	"github.com/mstage/mstage/llbgen/llbtest"
	"github.com/mstage/mstage/spec"
)

// TestIncludedStagesPointIntoTheirFile compiles a runtime whose builder is
// declared in an included file: the builder's run op has its location in
// that file's source, the runtime's copy in the spec's.
func TestIncludedStagesPointIntoTheirFile(t *testing.T) {
	main := "version: 1\ninclude: [ci/b.yaml]\nruntimes:\n  r:\n    copy: [{stage: b, src: /out/x, to: /x}]\n"
	frag := "builders:\n  b:\n    image: busybox:1.36\n    steps:\n      - run: mkdir -p /out && echo x > /out/x\n"
	s, err := spec.Load("mstage.yaml", []byte(main), func(name string) ([]byte, error) {
		if name == "ci/b.yaml" {
			return []byte(frag), nil
		}
		return nil, fs.ErrNotExist
	})
	if err != nil {
		t.Fatal(err)
	}
	opt := options("r", amd64, s, []byte(main))
	opt.IncludedSources = map[string]*llb.SourceMap{"ci/b.yaml": llb.NewSourceMap(nil, "ci/b.yaml", "yaml", []byte(frag))}
	res := compile(t, s, opt)
	g := llbtest.Decode(t, res.State)

	run := g.ExecContaining("echo x")
	if run == nil {
		t.Fatal("no run op")
	}
	info := g.Def.Source
	locs := info.Locations[run.Digest.String()]
	if locs == nil || len(locs.Locations) != 1 {
		t.Fatalf("run op locations %v", locs)
	}
	if src := info.Infos[locs.Locations[0].SourceIndex]; src.Filename != "ci/b.yaml" || locs.Locations[0].Ranges[0].Start.Line != 5 {
		t.Errorf("run op at %s:%d; want ci/b.yaml:5", src.Filename, locs.Locations[0].Ranges[0].Start.Line)
	}
	var files []string
	for _, si := range info.Infos {
		files = append(files, si.Filename)
	}
	if !slices.Contains(files, "mstage.yaml") {
		t.Errorf("sources %v; the runtime's ops point into mstage.yaml", files)
	}
}
