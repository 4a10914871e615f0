// Package plan resolves a build request into a Plan: for every stage the
// target reaches, on every target platform, the platform it runs on and the
// platform it is built for, its preset and what the preset adds, its steps
// with their mounts and final cache ids, and the gates (needs) and arch
// guards the build triggers.
//
// The plan is the one place these decisions are made. llbgen translates a
// plan into LLB; lint, the outline and the graph read it. The package
// imports spec and preset only.
package plan

import (
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/preset"
	"github.com/mstage/mstage/spec"
)

// Plan is a resolved build request.
type Plan struct {
	Spec   *spec.Spec
	Target *spec.Stage // as written
	// ArgValues are the values of the declared args, with the build args
	// applied; UndeclaredArgs are the build args the spec does not declare.
	ArgValues      map[string]string
	UndeclaredArgs []string
	BuildPlatform  ocispecs.Platform
	// Builds holds one build per target platform, in the request's order.
	Builds []*Build
	// Instances are the stage instances of every build, each once, in the
	// order they were first reached. Two builds share an instance when it
	// is the same for both platforms, as BuildKit shares its LLB.
	Instances []*Instance
}

// Build is the target built for one target platform.
type Build struct {
	Platform ocispecs.Platform
	Target   *Instance
	// Gates are the stages the target needs, in the order they are
	// reached; each must succeed before the target is exported.
	Gates []*Instance
	// Guards are artifact outputs whose ELF machine must match a platform.
	Guards []Guard
}

// Instance is one stage resolved for one target platform.
type Instance struct {
	// Stage has its variables expanded for BuiltFor, and on the env it
	// starts with (its image's or its base's, then its preset's).
	Stage *spec.Stage
	// BuiltFor is the platform its TARGET* variables describe and its
	// outputs are meant for. RunsOn is the platform its ops execute on.
	BuiltFor ocispecs.Platform
	RunsOn   ocispecs.Platform
	// Variables are the args and platform variables its run steps may
	// reference.
	Variables map[string]string
	// Preset is the builder's preset, its own or inherited through from;
	// for an artifact, its builder's.
	Preset *preset.Preset
	// PresetEnv is the preset's default environment that a builder naming
	// the preset gets, less what its env sets.
	PresetEnv []preset.EnvVar
	// TargetEnv selects the target for a cross-compiling preset; it is set
	// before the first step that depends on the target.
	TargetEnv []preset.EnvVar
	// Base is the instance whose filesystem this one starts from: the
	// builder or runtime it extends, or an artifact's builder. Without a
	// Base, a builder or runtime starts from Image.
	Base  *Instance
	Image string
	// Steps are the stage's steps, with those its preset inserts.
	Steps []Step
	// CopyEntries are a runtime's copy entries.
	CopyEntries []CopyEntry
	// Guards are, for a runtime, the artifact outputs copied into it.
	Guards []Guard
	// Scratch is, for a runtime that starts from scratch, the user it
	// gets and whether it needs an /etc/passwd; nil otherwise.
	Scratch *ScratchUser
	// IgnoreCache means its run and copy steps run again even when
	// BuildKit has them cached: the build asked for no cache for it.
	IgnoreCache bool

	// SharedSteps is how many of Steps, from the first, are the same LLB
	// for every target platform: native steps that read nothing the target
	// changes, on a base every target shares. StepsOf is the instance
	// that builds them for all the instances of the stage on the same base
	// and run platform (the first one resolved; itself for that one).
	SharedSteps int
	StepsOf     *Instance

	key                instanceKey
	workdir            *string   // effective working directory, once worked out
	env                *[]string // the env its steps run with, once worked out
	sameForEveryTarget bool
}

// Name is the stage's name.
func (in *Instance) Name() string { return in.Stage.Name }

// Kind is the stage's kind.
func (in *Instance) Kind() spec.Kind { return in.Stage.Kind }

// Guarded reports whether the instance is an artifact whose outputs the
// arch guard checks.
func (in *Instance) Guarded() bool {
	a := in.Stage
	return a.Kind == spec.KindArtifact && len(a.Outputs) > 0 && (a.ArchGuard == nil || *a.ArchGuard)
}

// Step is a step to compile: one written in the spec, or one a preset
// inserted.
type Step struct {
	Spec *spec.Step
	// Display replaces the command in the vertex name and history.
	Display string
	// Preset names the preset that inserted the step; empty for a step
	// written in the spec.
	Preset string
	// Optional copy sources may be missing.
	Optional bool
	// Native steps do not depend on the target platform: they run before
	// the preset's target environment is set, so every platform shares them.
	Native bool
	// Setup is the step the preset inserts to prepare the builder for the
	// target (see withSetup).
	Setup bool
	// Source is the instance a copy step copies from, if it copies from a
	// stage or an artifact.
	Source *Instance
	// Link is whether a copy step is linked.
	Link bool
	// Mounts are a run step's mounts followed by the preset's caches that
	// the step does not mount itself.
	Mounts []Mount
}

// CopyEntry is a runtime's copy entry with the instance it copies from.
type CopyEntry struct {
	Copy   *spec.Copy
	Source *Instance
	Link   bool
}

// Mount is one mount of a run step, with its defaults applied.
type Mount struct {
	Spec *spec.Mount // nil for a preset's cache
	Type spec.MountType
	// Target is where it is mounted: an absolute path for cache and bind
	// mounts, as written for tmpfs, the file of a secret (empty for a
	// secret exposed only as env), the socket of an SSH agent.
	Target string
	// ID is the final cache id (namespaced), the secret id or the SSH id.
	ID      string
	Sharing string // cache: shared, private or locked
	// Preset names the preset that adds a cache mount.
	Preset string
	// Source is the instance a bind mount reads, or a cache mount is
	// seeded from, if it names a stage or an artifact.
	Source *Instance
}

// Guard asks the build to check that the ELF files under Paths in
// Instance's output are built for Platform.
type Guard struct {
	Instance *Instance
	Pos      spec.Pos
	Paths    []string
	Platform ocispecs.Platform
}
