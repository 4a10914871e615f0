package schema

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/mstage/mstage/preset"
	"github.com/mstage/mstage/spec"
)

func generated(t *testing.T) map[string]any {
	t.Helper()
	out, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// The schema must be a valid draft-07 document: yaml-language-server
// implements draft-07, not the later drafts.
func TestSchemaIsDraft07(t *testing.T) {
	out, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if got := doc.(map[string]any)["$schema"]; got != "http://json-schema.org/draft-07/schema#" {
		t.Errorf("$schema = %v", got)
	}
	meta, err := jsonschema.NewCompiler().Compile("http://json-schema.org/draft-07/schema")
	if err != nil {
		t.Fatal(err)
	}
	if err := meta.Validate(doc); err != nil {
		t.Errorf("the schema does not satisfy the draft-07 meta-schema: %v", err)
	}
}

// draft07 are the keywords of JSON Schema draft-07.
func draft07() []string {
	return []string{
		"$id", "$schema", "$ref", "$comment", "title", "description", "default", "readOnly", "writeOnly", "examples",
		"multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
		"maxLength", "minLength", "pattern", "additionalItems", "items", "maxItems", "minItems", "uniqueItems", "contains",
		"maxProperties", "minProperties", "required", "additionalProperties", "definitions", "properties",
		"patternProperties", "dependencies", "propertyNames", "const", "enum", "type", "format",
		"contentMediaType", "contentEncoding", "if", "then", "else", "allOf", "anyOf", "oneOf", "not",
	}
}

// walk calls fn with every schema node of s and its JSON pointer.
func walk(s any, at string, fn func(node map[string]any, at string)) {
	node, ok := s.(map[string]any)
	if !ok {
		return
	}
	fn(node, at)
	for k, v := range node {
		switch k {
		case "properties", "definitions", "patternProperties":
			for name, sub := range v.(map[string]any) {
				walk(sub, at+"/"+k+"/"+name, fn)
			}
		case "allOf", "anyOf", "oneOf":
			for i, sub := range v.([]any) {
				walk(sub, at+"/"+k+"/"+strings.Repeat("I", i+1), fn)
			}
		case "items", "additionalProperties", "propertyNames", "not", "if", "then", "else", "contains", "additionalItems":
			walk(v, at+"/"+k, fn)
		}
	}
}

func TestSchemaUsesOnlyDraft07Keywords(t *testing.T) {
	known := draft07()
	walk(generated(t), "#", func(node map[string]any, at string) {
		for k := range node {
			if !slices.Contains(known, k) {
				t.Errorf("%s: %q is not a draft-07 keyword", at, k)
			}
		}
		if r, ok := node["$ref"].(string); ok {
			if !strings.HasPrefix(r, "#/definitions/") {
				t.Errorf("%s: $ref %q does not point into definitions", at, r)
			}
			if len(node) > 1 {
				t.Errorf("%s: draft-07 ignores the keywords beside $ref", at)
			}
		}
	})
}

// Every property an editor can complete has a description.
func TestEveryPropertyHasADescription(t *testing.T) {
	n := 0
	walk(generated(t), "#", func(node map[string]any, at string) {
		props, _ := node["properties"].(map[string]any)
		for name, p := range props {
			n++
			if d, _ := p.(map[string]any)["description"].(string); strings.TrimSpace(d) == "" {
				t.Errorf("%s/properties/%s has no description", at, name)
			}
		}
	})
	if n < 100 {
		t.Errorf("only %d properties found", n)
	}
}

// Every key of the spec types has a doc tag: adding a key without one fails
// here (and Generate fails too).
func TestEveryKeyHasADocTag(t *testing.T) {
	for _, typ := range docTypes() {
		for f := range typ.Fields() {
			if yamlName(f) == "" || f.Anonymous {
				continue
			}
			if strings.TrimSpace(f.Tag.Get("doc")) == "" {
				t.Errorf("spec.%s.%s (%s) has no doc tag", typ.Name(), f.Name, yamlName(f))
			}
		}
	}
}

// A generator that meets a field without a doc tag reports it.
func TestGeneratorRequiresDocTags(t *testing.T) {
	type noDoc struct {
		Key string `yaml:"key"`
	}
	g := &generator{}
	g.fields(reflect.TypeFor[noDoc]())
	if g.err == nil || !strings.Contains(g.err.Error(), "no doc tag") {
		t.Errorf("err = %v, want a missing doc tag", g.err)
	}
}

func TestClosedValuesAreEnums(t *testing.T) {
	defs := generated(t)["definitions"].(map[string]any)
	enum := func(def, key string) []string {
		t.Helper()
		p := defs[def].(map[string]any)["properties"].(map[string]any)[key].(map[string]any)
		var out []string
		for _, v := range p["enum"].([]any) {
			out = append(out, v.(string))
		}
		sort.Strings(out)
		return out
	}
	if got, want := enum("builder", "preset"), preset.Names(); !slices.Equal(got, want) {
		t.Errorf("preset enum = %q, want %q", got, want)
	}
	if got := enum("artifact", "platform"); !slices.Equal(got, []string{"build", "target"}) {
		t.Errorf("artifact platform enum = %q", got)
	}
	run := defs["step"].(map[string]any)["oneOf"].([]any)[0].(map[string]any)
	net := run["properties"].(map[string]any)["network"].(map[string]any)["enum"]
	if !reflect.DeepEqual(net, []any{"default", "none", "host"}) {
		t.Errorf("network enum = %v", net)
	}
	cache := defs["mount"].(map[string]any)["oneOf"].([]any)[0].(map[string]any)
	sharing := cache["properties"].(map[string]any)["sharing"].(map[string]any)["enum"]
	if !reflect.DeepEqual(sharing, []any{"shared", "private", "locked"}) {
		t.Errorf("sharing enum = %v", sharing)
	}
}

// docTypes are the spec types whose fields are keys of the format.
func docTypes() []reflect.Type {
	return []reflect.Type{
		reflect.TypeFor[spec.Spec](), reflect.TypeFor[spec.Arg](), reflect.TypeFor[spec.LintConfig](),
		reflect.TypeFor[spec.Stage](), reflect.TypeFor[spec.Step](), reflect.TypeFor[spec.Copy](),
		reflect.TypeFor[spec.Mount](), reflect.TypeFor[spec.Healthcheck](),
	}
}

// Every key whose doc tag the schema shows also has a row in a key table
// of docs/spec.md, where the longer text lives.
func TestEveryKeyIsInSpecMD(t *testing.T) {
	src, err := os.ReadFile("../docs/spec.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for line := range strings.Lines(string(src)) {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		first, _, _ := strings.Cut(line[1:], " | ")
		for _, m := range regexp.MustCompile("`([a-z0-9-]+)`").FindAllStringSubmatch(first, -1) {
			documented[m[1]] = true
		}
	}
	for _, typ := range docTypes() {
		for f := range typ.Fields() {
			if name := yamlName(f); name != "" && !f.Anonymous && !documented[name] {
				t.Errorf("spec.%s.%s: no row for `%s` in docs/spec.md", typ.Name(), f.Name, name)
			}
		}
	}
}
