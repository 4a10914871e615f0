// Package preset holds the toolchain presets a builder can name. A preset
// gives plain steps the expert patterns: cross-compilation from the build
// platform, cache mounts and dependency manifests fetched before sources.
package preset

import (
	"sort"
	"strings"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// EnvVar is one environment variable a preset sets.
type EnvVar struct {
	Name  string
	Value string
}

// CacheMount is a cache mount attached to the run steps of a stage built
// with the preset. Name is combined with the project namespace into the id.
type CacheMount struct {
	Name    string
	Target  string
	Sharing string // shared, private or locked
	// Commands, when set, limit the mount to run steps whose command has
	// one of these words, anywhere (such as apt's caches on apt steps);
	// otherwise every run step gets it.
	Commands []string
	// PerTarget caches get one id per platform a stage is built for, named
	// by the preset's TargetID, because what they hold is for that target
	// and so that the builds for several targets do not wait for each
	// other's lock.
	PerTarget bool
}

// Preset describes one toolchain.
type Preset struct {
	Name string
	// CrossCompiles means the toolchain runs on the build platform and
	// produces binaries for the target platform chosen through TargetEnv.
	CrossCompiles bool
	// PortableOutputs means what it builds runs on every platform
	// (interpreted code such as Python or JavaScript), so it runs on the
	// build platform and building there for another target is no mistake.
	// A package with native parts breaks this; the arch guard then finds
	// the wrong ELF files.
	PortableOutputs bool
	// StaticBinaries means its binaries need no libraries from the image
	// they run on, so a runtime needs no distribution image.
	StaticBinaries bool
	// TargetEnv returns the variables that select the target platform.
	TargetEnv func(target ocispecs.Platform) []EnvVar
	// HostCompilers are commands that build for the platform they run on;
	// an artifact built for another platform must use TargetEnv instead
	// (lint reports the calls).
	HostCompilers []string
	// DefaultEnv are set unless the spec sets them.
	DefaultEnv []EnvVar
	// Caches are mounted on run steps, as each one's Commands say.
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
	// TargetID names a target platform in the ids of PerTarget caches,
	// such as a target triple; a preset with PerTarget caches has one.
	TargetID func(target ocispecs.Platform) string
	// Setup returns the shell script that prepares an artifact's builder,
	// running on build, to build for target, such as installing a cross
	// toolchain, or "" when it needs nothing; an error means the preset
	// cannot build for target. The script runs as root, with the preset's
	// caches like any run step, before the artifact's first step that
	// depends on the target (first of all if it depends on it itself).
	Setup func(build, target ocispecs.Platform) (string, error)
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

// platformID names a platform in cache ids: os-arch-variant.
func platformID(p ocispecs.Platform) string {
	return strings.Trim(strings.Join([]string{p.OS, p.Architecture, p.Variant}, "-"), "-")
}

func registry() map[string]*Preset {
	return map[string]*Preset{
		"c":      cPreset(),
		"go":     goPreset(),
		"node":   nodePreset(),
		"python": pythonPreset(),
		"rust":   rustPreset(),
	}
}

func goPreset() *Preset {
	return &Preset{
		Name:           "go",
		CrossCompiles:  true,
		StaticBinaries: true,
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
