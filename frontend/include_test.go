package frontend

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/subrequests/outline"
	"github.com/moby/buildkit/frontend/subrequests/targets"
	"github.com/moby/buildkit/solver/errdefs"
)

// newIncludingClient serves testdata/include/mstage.yaml, with the files of
// its directory that a solve follows; the spec is sent as name.
func newIncludingClient(t *testing.T, opts map[string]string, files ...string) *fakeClient {
	t.Helper()
	c := newFakeClient(t, "testdata/include/mstage.yaml", opts)
	c.contextFiles = memFS{}
	for _, f := range files {
		data, err := os.ReadFile("testdata/include/" + f)
		if err != nil {
			t.Fatal(err)
		}
		c.contextFiles[f] = memFile{data: data, mode: 0o644}
	}
	return c
}

func TestBuildReadsIncludedFilesFromTheSpecsContext(t *testing.T) {
	c := newIncludingClient(t, nil, "ci/go.yaml")
	c.anyOutput = true
	if _, err := Build(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if args := c.solvedArgs(t); !slices.ContainsFunc(args, func(a string) bool { return strings.Contains(a, "echo builder-from-fragment") }) {
		t.Errorf("the included builder's step was not solved; exec ops: %q", args)
	}
}

func TestIncludedFileErrorPointsIntoIt(t *testing.T) {
	c := newIncludingClient(t, nil, "ci/bad.yaml")
	c.contextFiles["ci/go.yaml"] = c.contextFiles["ci/bad.yaml"]
	_, err := Build(context.Background(), c)
	if err == nil || !strings.Contains(err.Error(), "ci/go.yaml:5:5: unknown key \"stepz\"") {
		t.Fatalf("error = %v; want one at ci/go.yaml:5:5", err)
	}
	srcs := errdefs.Sources(err)
	if len(srcs) == 0 {
		t.Fatalf("error carries no source: %v", err)
	}
	src := srcs[len(srcs)-1]
	if src.Info.Filename != "ci/go.yaml" || src.Info.Definition == nil || !strings.Contains(string(src.Info.Data), "stepz") || src.Ranges[0].Start.Line != 5 {
		t.Errorf("source = %q, line %d; want ci/go.yaml with its text, line 5", src.Info.Filename, src.Ranges[0].Start.Line)
	}
}

func TestMissingIncludedFileIsPositioned(t *testing.T) {
	c := newIncludingClient(t, nil)
	_, err := Build(context.Background(), c)
	if err == nil || !strings.Contains(err.Error(), "mstage.yaml:3:11: included file ci/go.yaml does not exist") {
		t.Fatalf("error = %v", err)
	}
}

func TestTargetsAndOutlineShowWhereStagesComeFrom(t *testing.T) {
	c := newIncludingClient(t, map[string]string{"requestid": targets.RequestTargets}, "ci/go.yaml")
	res, err := Build(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	var list targets.List
	if err := json.Unmarshal(res.Metadata["result.json"], &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Sources) != 2 || !strings.HasPrefix(string(list.Sources[1]), "# The Go builder") {
		t.Fatalf("sources: %d, want the spec and ci/go.yaml", len(list.Sources))
	}
	for _, tg := range list.Targets {
		want := int32(0)
		if tg.Name == "go" {
			want = 1
		}
		if tg.Location == nil || tg.Location.SourceIndex != want {
			t.Errorf("%s at %v; want source %d", tg.Name, tg.Location, want)
		}
	}

	c = newIncludingClient(t, map[string]string{"requestid": outline.RequestSubrequestsOutline}, "ci/go.yaml")
	res, err = Build(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	var o outline.Outline
	if err := json.Unmarshal(res.Metadata["result.json"], &o); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(o.Description, "from ci/go.yaml: go") || len(o.Sources) != 2 {
		t.Errorf("outline description %q with %d sources; want the stages of ci/go.yaml named", o.Description, len(o.Sources))
	}
}
