// Package schema generates the JSON Schema (draft-07, the draft
// yaml-language-server implements) of the spec format from the Go types of
// package spec. Keys come from the types' yaml struct tags and descriptions
// from their doc tags, so the tags stay the one source of truth; the
// shapes YAML allows but Go types cannot say (a command that is a string or
// a list, a step that is a run or a copy, a mount named by its type key)
// are written here, keyed by Go type.
package schema

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/mstage/mstage/lint"
	"github.com/mstage/mstage/preset"
	"github.com/mstage/mstage/spec"
)

// ID is where the published schema lives; editors find it through the
// `# yaml-language-server: $schema=` comment that `mstage init` writes. It
// names the v1 branch, which follows the major version of the frontend
// (docker.io/mstage/mstage:1) and of the spec format (version: 1), so an
// editor keeps the schema of the format a file is written in.
const ID = "https://raw.githubusercontent.com/mstage/mstage/v1/docs/mstage.schema.json"

// Draft is the JSON Schema draft the schema is written in.
const Draft = "http://json-schema.org/draft-07/schema#"

// StageNamePattern is the pattern every stage name matches.
const StageNamePattern = `^[a-z0-9][a-z0-9._-]*$`

// object is one JSON Schema node.
type object = map[string]any

// Generate returns the schema as indented JSON with a trailing newline.
// The output depends only on the spec types, so it is byte-identical from
// run to run (encoding/json sorts map keys).
func Generate() ([]byte, error) {
	g := &generator{}
	root, err := g.root()
	if err != nil {
		return nil, err
	}
	out, err := json.MarshalIndent(root, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

type generator struct {
	err error // first missing tag; reported once at the end
}

// doc returns the description of a field, taken from its doc tag.
func (g *generator) doc(t reflect.Type, f reflect.StructField) string {
	d := f.Tag.Get("doc")
	if d == "" {
		g.fail("spec.%s.%s has no doc tag", t.Name(), f.Name)
	}
	return d
}

// describe returns s with a description. Draft-07 ignores the keywords
// beside a $ref, so a reference is wrapped in an allOf.
func describe(s object, description string) object {
	if _, ok := s["$ref"]; ok {
		return object{"allOf": []any{s}, "description": description}
	}
	out := object{}
	for k, v := range s {
		out[k] = v
	}
	out["description"] = description
	return out
}

// docOf returns the description of the field of t named field.
func (g *generator) docOf(t reflect.Type, field string) string {
	f, ok := t.FieldByName(field)
	if !ok {
		g.fail("spec.%s has no field %s", t.Name(), field)
		return ""
	}
	return g.doc(t, f)
}

// key returns the YAML key of a field of t, taken from its yaml tag.
func (g *generator) key(t reflect.Type, field string) string {
	f, ok := t.FieldByName(field)
	if !ok {
		g.fail("spec.%s has no field %s", t.Name(), field)
		return field
	}
	name := yamlName(f)
	if name == "" {
		g.fail("spec.%s.%s has no yaml tag", t.Name(), field)
		return strings.ToLower(field)
	}
	return name
}

func (g *generator) fail(format string, args ...any) {
	if g.err == nil {
		g.err = fmt.Errorf("schema: "+format, args...)
	}
}

// yamlName returns the key in a field's yaml tag, or "" when the field has
// none or is excluded with "-".
func yamlName(f reflect.StructField) string {
	tag, ok := f.Tag.Lookup("yaml")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(tag, ",")
	if name == "-" {
		return ""
	}
	return name
}

// fields returns the schema of every yaml-tagged field of t (embedded
// structs included) whose Go name is not in skip, keyed by YAML key.
func (g *generator) fields(t reflect.Type, skip ...string) object {
	props := object{}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct && yamlName(f) == "" {
			for k, v := range g.fields(f.Type, skip...) {
				props[k] = v
			}
			continue
		}
		name := yamlName(f)
		if name == "" || !f.IsExported() || contains(skip, f.Name) {
			continue
		}
		props[name] = g.fieldSchema(t, f)
	}
	return props
}

// ofKind returns the schema of the yaml-tagged fields of t allowed for
// kind: those whose `kinds` tag lists it, and those without a kinds tag.
// The parser reads the same tags, so the two agree on what each stage,
// step and mount may hold.
func (g *generator) ofKind(t reflect.Type, kind string) object {
	props := object{}
	for i := range t.NumField() {
		f := t.Field(i)
		name := yamlName(f)
		if name == "" || f.Anonymous || !f.IsExported() {
			continue
		}
		if kinds, ok := f.Tag.Lookup("kinds"); ok && !contains(strings.Split(kinds, ","), kind) {
			continue
		}
		props[name] = g.fieldSchema(t, f)
	}
	return props
}

// fieldSchema returns the schema of one field, described by its doc tag.
func (g *generator) fieldSchema(owner reflect.Type, f reflect.StructField) object {
	return describe(g.shape(owner, f), g.doc(owner, f))
}

// shape returns the schema of one field: a field override when there is
// one, else the schema of its Go type.
func (g *generator) shape(owner reflect.Type, f reflect.StructField) object {
	switch owner.Name() + "." + f.Name {
	case "Copy.Src":
		return listOf(ref("scalar"))
	case "Copy.Chmod":
		return object{"type": []string{"string", "integer"}}
	case "Mount.Mode":
		return object{"type": []string{"string", "integer"}, "pattern": `^(0*[0-7]{1,4}|.*\$.*)$`}
	case "Step.Network":
		return object{"enum": []string{"default", "none", "host"}}
	case "Mount.Sharing":
		return object{"enum": []string{"shared", "private", "locked"}}
	case "Stage.Platform":
		return ref("platformSelector")
	case "Stage.Preset":
		return object{"type": "string", "enum": preset.Names()}
	case "Stage.Args":
		return listOf(object{"type": "string", "pattern": `^[A-Za-z_][A-Za-z0-9_]*$`})
	case "Stage.Needs":
		return listOf(ref("stageName"))
	case "Stage.Outputs":
		return listOf(object{"type": "string", "pattern": `^(/|\$)`})
	case "Healthcheck.Retries":
		return object{"type": "integer", "minimum": 0}
	case "LintConfig.Skip":
		var names []string
		for _, r := range lint.Rules() {
			names = append(names, r.Name)
		}
		return listOf(object{"enum": names})
	case "Spec.Version":
		return object{"const": 1}
	case "Spec.Platforms":
		return listOf(ref("platform"))
	case "Spec.Default", "Stage.From", "Stage.Builder", "Copy.Artifact", "Copy.Stage", "Mount.Artifact", "Mount.Stage":
		return ref("stageName")
	case "Spec.Builders":
		return stageMap("builder")
	case "Spec.Artifacts":
		return stageMap("artifact")
	case "Spec.Runtimes":
		return stageMap("runtime")
	}
	return g.typeSchema(f.Type)
}

// typeSchema maps a Go type to its schema. The spec's own types are
// referenced by name from definitions.
func (g *generator) typeSchema(t reflect.Type) object {
	switch t {
	case reflect.TypeFor[spec.String]():
		return ref("scalar")
	case reflect.TypeFor[[]spec.String]():
		return listOf(ref("scalar"))
	case reflect.TypeFor[[]spec.KV]():
		return ref("stringMap")
	case reflect.TypeFor[*spec.Command]():
		return ref("command")
	case reflect.TypeFor[[]*spec.Step]():
		return object{"type": "array", "items": ref("step")}
	case reflect.TypeFor[[]*spec.Mount]():
		return object{"type": "array", "items": ref("mount")}
	case reflect.TypeFor[[]*spec.Copy]():
		return object{"type": "array", "items": ref("copyEntry")}
	case reflect.TypeFor[*spec.Healthcheck]():
		return ref("healthcheck")
	case reflect.TypeFor[*spec.LintConfig]():
		return ref("lint")
	case reflect.TypeFor[[]*spec.Arg]():
		return ref("args")
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.typeSchema(t.Elem())
	case reflect.String:
		return ref("scalar")
	case reflect.Bool:
		return object{"type": "boolean"}
	case reflect.Int, reflect.Int32, reflect.Int64, reflect.Uint32:
		return object{"type": "integer"}
	case reflect.Slice:
		return object{"type": "array", "items": g.typeSchema(t.Elem())}
	}
	g.fail("no schema for Go type %s", t)
	return object{}
}

func ref(name string) object { return object{"$ref": "#/definitions/" + name} }

// listOf accepts a list of item or a single item, as the parser does for
// every list of strings.
func listOf(item object) object {
	return object{"oneOf": []any{item, object{"type": "array", "items": item}}}
}

func stageMap(kind string) object {
	return object{
		"type":                 "object",
		"propertyNames":        ref("stageName"),
		"additionalProperties": ref(kind),
	}
}

// closed returns an object schema that allows only props.
func closed(props object, required ...string) object {
	o := object{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		sort.Strings(required)
		o["required"] = required
	}
	return o
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
