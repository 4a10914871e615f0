package spec

import (
	"reflect"
	"slices"
	"strings"
)

// The keys a YAML mapping may hold come from the `yaml` struct tags of the
// type it decodes into, so the Go types stay the one description of the
// format (the JSON schema is generated from the same tags). A `kinds` tag
// limits a key to some kinds of stage, step or mount.

// yamlKeys returns the sorted keys of t that are allowed for kind; an empty
// kind allows every key.
func yamlKeys(t reflect.Type, kind string) []string {
	var keys []string
	for f := range t.Fields() {
		name := yamlName(f)
		if name == "" {
			continue
		}
		if kind != "" && !tagHas(f.Tag.Get("kinds"), kind) {
			continue
		}
		keys = append(keys, name)
	}
	slices.Sort(keys)
	return keys
}

// keyKinds returns the kinds a key of t is limited to, or nil when the key
// is unknown or allowed for every kind.
func keyKinds(t reflect.Type, key string) []string {
	for f := range t.Fields() {
		if yamlName(f) == key {
			if k := f.Tag.Get("kinds"); k != "" {
				return strings.Split(k, ",")
			}
			return nil
		}
	}
	return nil
}

func yamlName(f reflect.StructField) string {
	if f.Anonymous {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" {
		return ""
	}
	return name
}

func tagHas(tag, kind string) bool {
	if tag == "" {
		return true
	}
	return slices.Contains(strings.Split(tag, ","), kind)
}

func typeOf[T any]() reflect.Type { return reflect.TypeFor[T]() }
