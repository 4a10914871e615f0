// Package spec is the mstage YAML model: it parses a spec file, keeps the
// position of every node, validates it, and expands ${VAR} references.
//
// A parsed Spec holds strings as written. Expand returns a copy in which the
// expandable fields have their variables substituted for one target platform.
package spec

import "fmt"

// Pos is a 1-based line and column in the spec file.
type Pos struct {
	Line int `json:"line"`
	Col  int `json:"column"`
}

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// IsValid reports whether the position points into the file.
func (p Pos) IsValid() bool { return p.Line > 0 }

// Node records where a YAML mapping started and where the value of each of
// its keys starts, so that any field can be reported at its own position.
type Node struct {
	Pos  Pos            `json:"-" yaml:"-"`
	Keys map[string]Pos `json:"-" yaml:"-"`
}

// At returns the position of the value of key, or of the node itself when the
// key was not written.
func (n Node) At(key string) Pos {
	if p, ok := n.Keys[key]; ok {
		return p
	}
	return n.Pos
}

// Has reports whether key was written in the file.
func (n Node) Has(key string) bool {
	_, ok := n.Keys[key]
	return ok
}

// Kind is the section a stage was declared in.
type Kind string

const (
	KindBuilder  Kind = "builder"
	KindArtifact Kind = "artifact"
	KindRuntime  Kind = "runtime"
)

// Platform selectors for builders and artifacts.
const (
	PlatformBuild  = "build"  // the platform buildkitd runs on, built once
	PlatformTarget = "target" // once per target platform
)

// Spec is one mstage.yaml file.
type Spec struct {
	Node
	Filename    string `json:"-"`
	Version     int
	Name        string // project name; namespaces cache mounts
	Description string
	Args        []*Arg // in file order
	Platforms   []String
	Default     string
	Lint        *LintConfig
	Builders    []*Stage // in file order
	Artifacts   []*Stage
	Runtimes    []*Stage
}

// String is a scalar with its position, for list items that are reported
// one by one.
type String struct {
	Value string
	Pos   Pos
}

// KV is one entry of an ordered string map (env, labels).
type KV struct {
	Key   string
	Value string
	Pos   Pos // position of the value
}

// Arg is a declared build argument.
type Arg struct {
	Node
	Name        string
	Default     string
	Description string
}

// LintConfig tunes the lint rules of --check and `mstage lint`.
type LintConfig struct {
	Node
	Skip           []String // rule names to turn off
	RequireDigests bool     // image references without a digest are warnings, not info
}

// Stage is a builder, an artifact or a runtime. Which fields are allowed
// depends on Kind; the parser rejects the others.
type Stage struct {
	Node
	Kind        Kind
	Name        string
	Description string

	Image    string // builder, runtime: base image reference
	From     string // builder: builder to extend; runtime: runtime to extend
	Builder  string // artifact: builder its steps run in
	Preset   string // builder: name of a preset (see package preset)
	Platform string // builder, artifact: "", build, target or os/arch[/variant]

	Workdir string
	User    string
	Env     []KV
	Steps   []*Step

	Outputs   []String // artifact: absolute paths of the files it produces
	ArchGuard *bool    // artifact: check ELF machines of outputs; default true
	Needs     []String // artifact, runtime: stages that must succeed first

	// runtime only
	Copy        []*Copy
	Entrypoint  *Command
	Cmd         *Command
	Expose      []String
	Volumes     []String
	Labels      []KV
	StopSignal  string
	Healthcheck *Healthcheck
}

// Command is a shell string or an argv list; exactly one is set.
type Command struct {
	Shell string
	Args  []string
	Pos   Pos
}

// IsShell reports whether the command is a shell string.
func (c *Command) IsShell() bool { return c != nil && c.Args == nil }

// Step is one entry of a stage's steps: a run or a copy.
type Step struct {
	Node
	Run  *Command // set for run steps
	Copy *Copy    // set for copy steps

	// run options
	Env     []KV
	Workdir string
	User    string
	Network string // "", default, none or host
	Mounts  []*Mount
}

// Copy copies files from a source into a stage. The source is the main build
// context unless exactly one of Artifact, Stage, Image or Context is set.
type Copy struct {
	Node
	Src      []String // paths in the source; empty means the whole source (or all outputs of an artifact)
	Artifact string
	Stage    string
	Image    string
	Context  string // a named context (--build-context NAME=...)
	To       string
	Chown    string
	Chmod    string
	Exclude  []String
	Link     *bool
}

// MountType is the kind of a run mount.
type MountType string

const (
	MountCache  MountType = "cache"
	MountSecret MountType = "secret"
	MountSSH    MountType = "ssh"
	MountTmpfs  MountType = "tmpfs"
	MountBind   MountType = "bind"
)

// Mount is one mount of a run step. The key that names the type also gives
// the target (cache, tmpfs, bind) or the id (secret, ssh).
type Mount struct {
	Node
	Type     MountType
	Target   string // cache, tmpfs, bind: mount point; secret: file path (default /run/secrets/<id>); ssh: socket path
	ID       string // cache (default: target), secret, ssh (default "default")
	Sharing  string // cache: shared, private or locked
	Env      string // secret: expose as this environment variable instead of a file
	Required bool   // secret, ssh: fail when the client does not provide it
	Mode     string // octal file mode for secret, ssh, cache
	UID      *int
	GID      *int
	Size     string // tmpfs: size such as 64m

	// bind source: the main context unless one of these is set
	Artifact  string
	Stage     string
	Context   string
	Src       string // path in the source
	ReadWrite bool
}

// Healthcheck is a runtime's HEALTHCHECK.
type Healthcheck struct {
	Node
	Test          *Command // a shell string becomes CMD-SHELL, argv becomes CMD
	None          bool     // disable the base image's healthcheck
	Interval      string
	Timeout       string
	StartPeriod   string
	StartInterval string
	Retries       int
}

// Stages returns every stage in file order: builders, artifacts, runtimes.
func (s *Spec) Stages() []*Stage {
	out := make([]*Stage, 0, len(s.Builders)+len(s.Artifacts)+len(s.Runtimes))
	out = append(out, s.Builders...)
	out = append(out, s.Artifacts...)
	return append(out, s.Runtimes...)
}

// Stage returns the stage with the given name, or nil.
func (s *Spec) Stage(name string) *Stage {
	for _, st := range s.Stages() {
		if st.Name == name {
			return st
		}
	}
	return nil
}
