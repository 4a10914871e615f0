// Package schema generates the JSON Schema (draft 2020-12) of the spec
// format from the Go types of package spec. Keys come from the types' yaml
// struct tags, so the tags stay the one source of truth for key names; the
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
	"github.com/mstage/mstage/spec"
)

// ID is where the published schema lives; editors find it through the
// `# yaml-language-server: $schema=` comment that `mstage init` writes.
const ID = "https://raw.githubusercontent.com/mstage/mstage/main/docs/mstage.schema.json"

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

// fieldSchema returns the schema of one field: a field override when
// there is one, else the schema of its Go type.
func (g *generator) fieldSchema(owner reflect.Type, f reflect.StructField) any {
	switch owner.Name() + "." + f.Name {
	case "Copy.Src":
		return listOf(ref("scalar"))
	case "Copy.Chmod":
		return object{"type": []string{"string", "integer"}, "description": "octal file mode such as \"0644\", or symbolic such as u+x"}
	case "Mount.Mode":
		return object{"type": []string{"string", "integer"}, "pattern": `^(0*[0-7]{1,4}|.*\$.*)$`, "description": "octal file mode such as \"0644\" or \"644\" (not \"0o644\")"}
	case "Step.Network":
		return object{"enum": []string{"default", "none", "host"}}
	case "Mount.Sharing":
		return object{"enum": []string{"shared", "private", "locked"}}
	case "Stage.Platform":
		return ref("platformSelector")
	case "Stage.Args":
		return listOf(object{"type": "string", "pattern": `^[A-Za-z_][A-Za-z0-9_]*$`, "description": "a declared arg or a platform variable such as TARGETPLATFORM"})
	case "Stage.Needs":
		return listOf(ref("stageName"))
	case "Stage.Outputs":
		return listOf(object{"type": "string", "pattern": `^(/|\$)`, "description": "an absolute path; a trailing / means the directory's contents"})
	case "Healthcheck.Retries":
		return object{"type": "integer", "minimum": 0}
	case "LintConfig.Skip":
		var names []string
		for _, r := range lint.Rules() {
			names = append(names, r.Name)
		}
		return listOf(object{"enum": names})
	case "Spec.Version":
		return object{"const": 1, "description": "version of the spec format; only 1 is known"}
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
// referenced by name from $defs.
func (g *generator) typeSchema(t reflect.Type) any {
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

func ref(name string) object { return object{"$ref": "#/$defs/" + name} }

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
		"description":          kind + "s by name, in file order",
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
