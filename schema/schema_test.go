package schema

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/mstage/mstage/spec"
)

func parseFile(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	_, err = spec.Load(path, src, spec.DirFiles(filepath.Dir(path)))
	return err
}

var update = flag.Bool("update", false, "rewrite docs/mstage.schema.json")

const committed = "../docs/mstage.schema.json"

func TestCommittedSchemaIsCurrent(t *testing.T) {
	got, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(committed, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(committed)
	if err != nil {
		t.Fatalf("%v (run go test ./schema -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale; run go test ./schema -update", committed)
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	first, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		again, err := Generate()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again) {
			t.Fatal("two runs of Generate differ")
		}
	}
}

func compile(t *testing.T) *jsonschema.Schema {
	t.Helper()
	out, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(ID, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(ID)
	if err != nil {
		t.Fatalf("the generated schema does not compile: %v", err)
	}
	return sch
}

func validateYAML(sch *jsonschema.Schema, path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	js, err := yaml.YAMLToJSON(src)
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		return err
	}
	if filepath.Dir(path) == "../spec/testdata" {
		// The parser's fixtures skip made-up rule names, which lint warns
		// about (UnknownLintRule) and the schema rejects; the parser does not
		// look at them.
		if l, ok := inst.(map[string]any)["lint"].(map[string]any); ok {
			delete(l, "skip")
		}
	}
	return sch.Validate(inst)
}

// Every example and every valid fixture must satisfy the schema: an
// editor using it must not flag a spec that builds.
func TestValidSpecsPass(t *testing.T) {
	sch := compile(t)
	examples, _ := filepath.Glob("../examples/*/mstage.yaml")
	fixtures, _ := filepath.Glob("../lint/testdata/*.yaml")
	valid, _ := filepath.Glob("testdata/valid/*.yaml")
	fixtures = append(fixtures, valid...)
	// The parser's own fixtures (allkeys.yaml writes every key), the CLI's
	// valid spec, and the file `mstage init` writes.
	parser, _ := filepath.Glob("../spec/testdata/*.yaml")
	fixtures = append(fixtures, parser...)
	fixtures = append(fixtures, "../cmd/mstage/testdata/service.yaml", "../cmd/mstage/testdata/init_go.yaml.golden")
	if len(examples) == 0 {
		t.Fatal("no examples found")
	}
	for _, path := range append(examples, fixtures...) {
		if filepath.Base(path) == "unknown_rule.yaml" {
			continue // misspells a rule name on purpose; TestInvalidSpecsFail covers it
		}
		t.Run(path, func(t *testing.T) {
			if err := validateYAML(sch, path); err != nil {
				t.Errorf("%s: %v", path, err)
			}
			if err := parseFile(path); err != nil {
				t.Errorf("%s: the schema accepts it but spec.Parse does not: %v", path, err)
			}
		})
	}
}

func TestInvalidSpecsFail(t *testing.T) {
	sch := compile(t)
	paths, _ := filepath.Glob("testdata/invalid/*.yaml")
	if len(paths) == 0 {
		t.Fatal("no invalid specs found")
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			err := validateYAML(sch, path)
			if err == nil {
				t.Fatalf("%s: the schema accepts it", path)
			}
			// The first line of each fixture names a string the error must contain.
			src, _ := os.ReadFile(path)
			first, _, _ := strings.Cut(string(src), "\n")
			want := strings.TrimSpace(strings.TrimPrefix(first, "# want:"))
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error does not mention %q:\n%v", path, want, err)
			}
			// Lint rule names are checked by lint, not by the parser.
			if filepath.Base(path) != "unknown_lint_rule.yaml" && parseFile(path) == nil {
				t.Errorf("%s: the schema rejects it but spec.Parse accepts it", path)
			}
		})
	}
}
