package spec

import (
	"slices"
	"testing"
)

func TestUndefinedRefs(t *testing.T) {
	defined := func(name string) bool { return name == "VERSION" || name == "PATH" }
	for value, want := range map[string][]string{
		"$VERSION":                     nil,
		"${VERSOIN}-x":                 {"VERSOIN"},
		"/opt/bin:$PATH:$PAHT":         {"PAHT"},
		"${A:-default} ${B-x} ${C:+y}": nil,
		"${D:?needed}":                 nil,
		`\$ESCAPED`:                    nil,
		"$Z ${Y} $Z":                   {"Y", "Z"},
		"${unclosed":                   nil,
	} {
		if got := UndefinedRefs(value, defined); !slices.Equal(got, want) {
			t.Errorf("UndefinedRefs(%q) = %q, want %q", value, got, want)
		}
	}
}
