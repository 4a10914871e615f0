package schema

import (
	"reflect"
	"strings"

	"github.com/mstage/mstage/spec"
)

// copySources are the Go fields of spec.Copy that pick a source other than
// the main context; at most one may be set.
func copySources() []string { return []string{"Artifact", "Stage", "Image", "Context"} }

func (g *generator) root() (object, error) {
	specT := reflect.TypeFor[spec.Spec]()
	top := closed(g.fields(specT, "Filename"), g.key(specT, "Version"))
	top["$schema"] = Draft
	top["$id"] = ID
	top["title"] = "mstage spec"
	top["description"] = "A multi-stage container build for the mstage BuildKit frontend: builders, artifacts and runtimes."
	top["patternProperties"] = object{"^x-": object{"description": "ignored; a place for YAML anchors"}}
	top["definitions"] = g.defs()
	if g.err != nil {
		return nil, g.err
	}
	return top, nil
}

func (g *generator) defs() object {
	stageT := reflect.TypeFor[spec.Stage]()
	copyT := reflect.TypeFor[spec.Copy]()
	stepT := reflect.TypeFor[spec.Step]()
	hcT := reflect.TypeFor[spec.Healthcheck]()
	lintT := reflect.TypeFor[spec.LintConfig]()
	argT := reflect.TypeFor[spec.Arg]()

	builder := closed(g.ofKind(stageT, string(spec.KindBuilder)))
	builder["oneOf"] = []any{
		object{"required": []string{g.key(stageT, "Image")}},
		object{"required": []string{g.key(stageT, "From")}},
	}
	builder["description"] = "a toolchain image with setup steps; set exactly one of image or from"
	artifact := closed(g.ofKind(stageT, string(spec.KindArtifact)), g.key(stageT, "Builder"))
	artifact["description"] = "steps run in a builder; its outputs are the files it produces"
	artifactPlatform := artifact["properties"].(object)
	artifactPlatform[g.key(stageT, "Platform")] = object{"enum": []string{spec.PlatformBuild, spec.PlatformTarget}, "description": g.docOf(stageT, "Platform")}
	artifactPlatform[g.key(stageT, "Dependencies")] = object{"enum": []string{spec.DependenciesProduction}, "description": g.docOf(stageT, "Dependencies")}
	runtime := closed(g.ofKind(stageT, string(spec.KindRuntime)))
	runtime["not"] = object{"required": []string{g.key(stageT, "Image"), g.key(stageT, "From")}}
	runtime["description"] = "a final image that gets only the artifact files it needs; image defaults to scratch"

	// A runtime copy entry: src (default everything) from a source, to a path.
	copyEntry := closed(g.fields(copyT), g.key(copyT, "To"))
	copyEntry["not"] = g.twoOf(copyT, copySources())

	// A step is a run or a copy; the options of each sit beside the key.
	runKey, copyKey := g.key(stepT, "Run"), g.key(stepT, "Copy")
	runStep := closed(g.ofKind(stepT, "run"), runKey)
	copyProps := g.fields(copyT, "Src")
	copyProps[copyKey] = describe(listOf(ref("scalar")), g.docOf(stepT, "Copy"))
	copyStep := closed(copyProps, copyKey)
	copyStep["not"] = g.twoOf(copyT, copySources())

	return object{
		"stageName": object{"type": "string", "pattern": StageNamePattern},
		"platform":  object{"type": "string", "pattern": `^(\$.*|[a-z0-9_]+/[a-z0-9_]+(/[a-z0-9_.]+)?)$`, "description": "os/arch[/variant], such as linux/arm64"},
		"platformSelector": object{
			"description": "build, target or os/arch[/variant]",
			"anyOf": []any{
				object{"enum": []string{spec.PlatformBuild, spec.PlatformTarget}},
				ref("platform"),
			},
		},
		"scalar": object{
			"type":        []string{"string", "number", "boolean"},
			"description": "a string; numbers and booleans are read as written",
		},
		"command": object{
			"description": "a shell string, or an argv list run without a shell",
			"oneOf": []any{
				ref("scalar"),
				object{"type": "array", "items": ref("scalar"), "minItems": 1},
			},
		},
		"stringMap": object{"type": "object", "additionalProperties": ref("scalar")},
		"args": object{
			"type":          "object",
			"propertyNames": object{"pattern": `^[A-Za-z_][A-Za-z0-9_]*$`},
			"additionalProperties": object{"oneOf": []any{
				ref("scalar"),
				closed(g.fields(argT)),
			}},
			"description": "build args: NAME: default, or NAME: {default, description}; --build-arg overrides",
		},
		"lint":        closed(g.fields(lintT)),
		"healthcheck": closed(g.fields(hcT)),
		"builder":     builder,
		"artifact":    artifact,
		"runtime":     runtime,
		"copyEntry":   copyEntry,
		"step":        object{"oneOf": []any{runStep, copyStep}},
		"mount":       g.mount(),
	}
}

// twoOf is a schema matching an object that has at least two of the keys
// of fields, so that `not` of it allows at most one.
func (g *generator) twoOf(t reflect.Type, fields []string) object {
	var pairs []any
	for i := range fields {
		for j := i + 1; j < len(fields); j++ {
			pairs = append(pairs, object{"required": []string{g.key(t, fields[i]), g.key(t, fields[j])}})
		}
	}
	return object{"anyOf": pairs}
}

// mount is one schema per mount type, each requiring its type key.
func (g *generator) mount() object {
	t := reflect.TypeFor[spec.Mount]()
	var variants []any
	for _, typ := range []spec.MountType{spec.MountCache, spec.MountSecret, spec.MountSSH, spec.MountTmpfs, spec.MountBind} {
		props := g.ofKind(t, string(typ))
		props[string(typ)] = describe(ref("scalar"), mountTypeDoc(typ))
		v := closed(props, string(typ))
		if typ == spec.MountBind {
			v["not"] = g.twoOf(t, []string{"Artifact", "Stage", "Context"})
		}
		v["title"] = strings.ToUpper(string(typ[:1])) + string(typ[1:]) + " mount"
		variants = append(variants, v)
	}
	return object{"oneOf": variants, "description": "exactly one type key: cache, secret, ssh, tmpfs or bind"}
}

// mountTypeDoc describes the key that names a mount's type, as
// docs/spec.md does; the key has no field of its own in spec.Mount.
func mountTypeDoc(typ spec.MountType) string {
	switch typ {
	case spec.MountCache:
		return "Mount point (absolute path) of a cache that persists between builds."
	case spec.MountSecret:
		return "Id of the secret the client provides (--secret id=...)."
	case spec.MountSSH:
		return "Id of the SSH agent the client forwards (--ssh). Default: default."
	case spec.MountTmpfs:
		return "Mount point (absolute path) of an empty in-memory filesystem."
	case spec.MountBind:
		return "Mount point (absolute path) of a read-only view of a source: the main context unless artifact, stage, context or url is set."
	}
	return ""
}
