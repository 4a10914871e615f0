package frontend

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/subrequests/lint"

	speclint "github.com/mstage/mstage/lint"
	"github.com/mstage/mstage/spec"
)

// agreementFiles returns every spec the agreement test runs: the examples,
// the lint fixtures (those lint must accept and those in
// lint/testdata/invalid it must reject), and the specs of the spec,
// frontend and CLI tests.
func agreementFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{
		"../examples/*/mstage.yaml",
		"../lint/testdata/*.yaml",
		"../lint/testdata/invalid/*.yaml",
		"../spec/testdata/*.yaml",
		"testdata/*.yaml",
		"testdata/include/mstage.yaml",
		"../cmd/mstage/testdata/*.yaml",
		"../cmd/mstage/testdata/include/*.yaml",
	} {
		m, err := filepath.Glob(pattern)
		if err != nil || len(m) == 0 {
			t.Fatalf("%s: no files (%v)", pattern, err)
		}
		files = append(files, m...)
	}
	return files
}

// TestLintAgreesWithBuild runs every spec through the code path of
// `mstage lint` (lint.File) and through the frontend's build, for the
// platforms of the spec and for two platforms given by the client, and
// requires that they agree: what lint accepts builds, and what lint
// rejects fails the build. The frontend's --check must give the same
// verdict as its build error.
func TestLintAgreesWithBuild(t *testing.T) {
	type run struct {
		name string
		opts map[string]string
	}
	runs := []run{
		{"spec-platforms", map[string]string{}},
		{"two-platforms", map[string]string{"platform": "linux/amd64,linux/arm64"}},
		{"unknown-target", map[string]string{"target": "nope"}},
	}
	for _, file := range agreementFiles(t) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(file)
		for _, r := range runs {
			t.Run(file+"/"+r.name, func(t *testing.T) {
				files := spec.DirFiles(filepath.Dir(file))
				_, _, lintErr := speclint.File(name, data, speclint.Options{Target: r.opts["target"], Files: files})
				opts := map[string]string{"filename": name}
				for k, v := range r.opts {
					opts[k] = v
				}
				// Only the command line can give named contexts; give
				// every one the spec uses, as lint assumes.
				for name := range usedContexts(data, files) {
					opts["context:"+name] = "docker-image://busybox:1.36"
				}
				dir := yamlFiles(t, filepath.Dir(file))
				c := &fakeClient{opts: opts, specName: name, specData: data, contextFiles: dir, outputs: memFS{}, anyOutput: true}
				_, buildErr := Build(context.Background(), c)
				switch {
				case strings.Contains(file, "/invalid/") && lintErr == nil:
					t.Errorf("lint accepts %s, which is there to be rejected", file)
				case strings.HasPrefix(file, "../examples/") && r.opts["target"] == "" && lintErr != nil:
					t.Errorf("lint rejects the example %s: %v", file, lintErr)
				case lintErr == nil && buildErr != nil:
					t.Errorf("lint accepts %s, but the build fails:\n%v", file, buildErr)
				case lintErr != nil && buildErr == nil:
					t.Errorf("lint rejects %s, but the build succeeds; lint said:\n%v", file, lintErr)
				}

				// --check, with the same options, judges the same way.
				opts["requestid"] = lint.RequestLint
				c = &fakeClient{opts: opts, specName: name, specData: data, contextFiles: dir, outputs: memFS{}}
				res, err := Build(context.Background(), c)
				if err != nil {
					t.Fatalf("--check failed instead of reporting: %v", err)
				}
				var results lint.LintResults
				if err := json.Unmarshal(res.Metadata["result.json"], &results); err != nil {
					t.Fatal(err)
				}
				if (results.Error != nil) != (lintErr != nil) {
					t.Errorf("mstage lint error: %v\n--check build error: %+v", lintErr, results.Error)
				}
			})
		}
	}
}

// usedContexts returns the named contexts a spec copies or mounts from.
func usedContexts(data []byte, files spec.ReadFunc) map[string]bool {
	s, err := spec.Load("mstage.yaml", data, files)
	if err != nil {
		return map[string]bool{}
	}
	return s.ContextNames()
}

// yamlFiles are the YAML files under dir, by their slash-separated path in
// it: what a spec in dir may include.
func yamlFiles(t *testing.T, dir string) memFS {
	t.Helper()
	out := memFS{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".yaml" {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		out[filepath.ToSlash(rel)] = memFile{data: data, mode: 0o644}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
