// Package preset holds the toolchain presets a builder can name. A preset
// gives plain steps the expert patterns: cross-compilation from the build
// platform, cache mounts and dependency manifests fetched before sources.
package preset

import (
	"sort"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// EnvVar is one environment variable a preset sets.
type EnvVar struct {
	Name  string
	Value string
}

// CacheMount is a cache mount attached to every run step of a stage built
// with the preset. Name is combined with the project namespace into the id.
type CacheMount struct {
	Name    string
	Target  string
	Sharing string // shared, private or locked
}

// Preset describes one toolchain.
type Preset struct {
	Name string
	// CrossCompiles means the toolchain runs on the build platform and
	// produces binaries for the target platform chosen through TargetEnv.
	CrossCompiles bool
	// Portable means the toolchain's outputs run on every platform (such
	// as JavaScript), so it runs on the build platform and needs no target
	// environment. A package with native parts breaks this; the arch guard
	// then finds the wrong ELF files.
	Portable bool
	// TargetEnv returns the variables that select the target platform.
	TargetEnv func(target ocispecs.Platform) []EnvVar
	// DefaultEnv are set unless the spec sets them.
	DefaultEnv []EnvVar
	// Caches are mounted on every run step.
	Caches []CacheMount
	// Manifests are the dependency manifests, relative to the context root,
	// copied before the sources; the first one must exist, the others may not.
	Manifests []string
	// Fetch downloads the dependencies named by Manifests.
	Fetch []string
	// FetchProduction installs only the dependencies a program needs at
	// run time, for an artifact with dependencies: production.
	FetchProduction []string
	// FetchDisplay names the fetch in vertex names and the outline when
	// the command is too long to show.
	FetchDisplay string
	// Triggers are command prefixes of a run step that needs the
	// dependencies, such as "go build".
	Triggers []string
}

// Lookup returns the preset with the given name.
func Lookup(name string) (*Preset, bool) {
	p, ok := registry()[name]
	return p, ok
}

// Names returns the names of all presets, sorted.
func Names() []string {
	var names []string
	for n := range registry() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func registry() map[string]*Preset {
	return map[string]*Preset{
		"go":   goPreset(),
		"node": nodePreset(),
	}
}

func goPreset() *Preset {
	return &Preset{
		Name:          "go",
		CrossCompiles: true,
		TargetEnv: func(p ocispecs.Platform) []EnvVar {
			env := []EnvVar{{"GOOS", p.OS}, {"GOARCH", p.Architecture}}
			switch {
			case p.Architecture == "arm" && len(p.Variant) == 2 && p.Variant[0] == 'v':
				env = append(env, EnvVar{"GOARM", p.Variant[1:]})
			case p.Architecture == "amd64" && len(p.Variant) == 2 && p.Variant[0] == 'v':
				env = append(env, EnvVar{"GOAMD64", p.Variant})
			}
			return env
		},
		DefaultEnv: []EnvVar{
			{"CGO_ENABLED", "0"},
			{"GOMODCACHE", "/go/pkg/mod"},
			{"GOCACHE", "/root/.cache/go-build"},
		},
		Caches: []CacheMount{
			{Name: "gomod", Target: "/go/pkg/mod", Sharing: "shared"},
			{Name: "gobuild", Target: "/root/.cache/go-build", Sharing: "shared"},
		},
		Manifests: []string{"go.mod", "go.sum"},
		Fetch:     []string{"go", "mod", "download"},
		Triggers:  []string{"go build", "go install", "go test", "go vet", "go generate", "go run"},
	}
}
