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
	Filename    string      `json:"-" yaml:"-"`
	Version     int         `yaml:"version"`
	Name        string      `yaml:"name"` // project name; namespaces cache mounts
	Description string      `yaml:"description"`
	Args        []*Arg      `yaml:"args"` // in file order
	Platforms   []String    `yaml:"platforms"`
	Default     string      `yaml:"default"`
	Lint        *LintConfig `yaml:"lint"`
	Builders    []*Stage    `yaml:"builders"` // in file order
	Artifacts   []*Stage    `yaml:"artifacts"`
	Runtimes    []*Stage    `yaml:"runtimes"`

	// byName indexes the stages of a parsed or expanded spec; it is built
	// once, before the spec is shared, and never changed.
	byName map[string]*Stage
	// chainWork is the chain work of a parsed spec's stages (see
	// MaxChainWork), set by validation.
	chainWork int
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
	Name        string `yaml:"-"`
	Default     string `yaml:"default"`
	Description string `yaml:"description"`
}

// LintConfig tunes the lint rules of --check and `mstage lint`.
type LintConfig struct {
	Node
	Skip           []String `yaml:"skip"`            // rule names to turn off
	RequireDigests bool     `yaml:"require-digests"` // image references without a digest are warnings, not info
}

// Stage is a builder, an artifact or a runtime. Which fields are allowed
// depends on Kind; the parser rejects the others.
type Stage struct {
	Node
	Kind        Kind   `yaml:"-"`
	Name        string `yaml:"-"`
	Description string `yaml:"description"`

	Image    string `yaml:"image" kinds:"builder,runtime"`     // builder, runtime: base image reference
	From     string `yaml:"from" kinds:"builder,runtime"`      // builder: builder to extend; runtime: runtime to extend
	Builder  string `yaml:"builder" kinds:"artifact"`          // artifact: builder its steps run in
	Preset   string `yaml:"preset" kinds:"builder"`            // builder: name of a preset (see package preset)
	Platform string `yaml:"platform" kinds:"builder,artifact"` // builder, artifact: "", build, target or os/arch[/variant]

	Workdir string   `yaml:"workdir"`
	User    string   `yaml:"user"`
	Env     []KV     `yaml:"env"`
	Args    []String `yaml:"args"` // args and platform variables every run step gets as env, like ARG in a Dockerfile stage
	Steps   []*Step  `yaml:"steps"`

	Outputs   []String `yaml:"outputs" kinds:"artifact"`       // artifact: absolute paths of the files it produces
	ArchGuard *bool    `yaml:"arch-guard" kinds:"artifact"`    // artifact: check ELF machines of outputs; default true
	Needs     []String `yaml:"needs" kinds:"artifact,runtime"` // artifact, runtime: stages that must succeed first

	// runtime only
	Copy        []*Copy      `yaml:"copy" kinds:"runtime"`
	Entrypoint  *Command     `yaml:"entrypoint" kinds:"runtime"`
	Cmd         *Command     `yaml:"cmd" kinds:"runtime"`
	Expose      []String     `yaml:"expose" kinds:"runtime"`
	Volumes     []String     `yaml:"volumes" kinds:"runtime"`
	Labels      []KV         `yaml:"labels" kinds:"runtime"`
	StopSignal  string       `yaml:"stop-signal" kinds:"runtime"`
	Healthcheck *Healthcheck `yaml:"healthcheck" kinds:"runtime"`
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
	Run  *Command `yaml:"run" kinds:"run"`   // set for run steps
	Copy *Copy    `yaml:"copy" kinds:"copy"` // set for copy steps

	// run options
	Env     []KV     `yaml:"env" kinds:"run"`
	Workdir string   `yaml:"workdir" kinds:"run"`
	User    string   `yaml:"user" kinds:"run"`
	Network string   `yaml:"network" kinds:"run"` // "", default, none or host
	Mounts  []*Mount `yaml:"mounts" kinds:"run"`
}

// Copy copies files from a source into a stage. The source is the main build
// context unless exactly one of Artifact, Stage, Image, Context, URL or
// Content is set.
type Copy struct {
	Node
	Src      []String `yaml:"src"` // paths in the source; empty means the whole source (or all outputs of an artifact)
	Artifact string   `yaml:"artifact"`
	Stage    string   `yaml:"stage"`
	Image    string   `yaml:"image"`
	Context  string   `yaml:"context"`  // a named context (--build-context NAME=...)
	URL      string   `yaml:"url"`      // an http(s) file, verified against SHA256
	SHA256   string   `yaml:"sha256"`   // url: the file's sha256, 64 hex digits (required)
	Filename string   `yaml:"filename"` // url: the file's name (default: the URL's last path segment)
	Content  string   `yaml:"content"`  // an inline file written at To, as written (no ${VAR} expansion)
	To       string   `yaml:"to"`
	Chown    string   `yaml:"chown"`
	Chmod    string   `yaml:"chmod"`
	Exclude  []String `yaml:"exclude"`
	Link     *bool    `yaml:"link"`
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
	Type     MountType `yaml:"-"`
	Target   string    `yaml:"target" kinds:"secret,ssh"`     // cache, tmpfs, bind: mount point; secret: file path (default /run/secrets/<id>); ssh: socket path
	ID       string    `yaml:"id" kinds:"cache"`              // cache (default: target), secret, ssh (default "default")
	Sharing  string    `yaml:"sharing" kinds:"cache"`         // cache: shared, private or locked
	Env      string    `yaml:"env" kinds:"secret"`            // secret: expose as this environment variable instead of a file
	Required bool      `yaml:"required" kinds:"secret,ssh"`   // secret, ssh: fail when the client does not provide it
	Mode     string    `yaml:"mode" kinds:"cache,secret,ssh"` // octal file mode for secret, ssh, cache
	UID      *int      `yaml:"uid" kinds:"cache,secret,ssh"`
	GID      *int      `yaml:"gid" kinds:"cache,secret,ssh"`
	Size     string    `yaml:"size" kinds:"tmpfs"` // tmpfs: size such as 64m

	// bind source: the main context unless one of these is set
	Artifact  string `yaml:"artifact" kinds:"bind"`
	Stage     string `yaml:"stage" kinds:"bind"`
	Context   string `yaml:"context" kinds:"bind"`
	URL       string `yaml:"url" kinds:"bind"`      // an http(s) file, verified against SHA256
	SHA256    string `yaml:"sha256" kinds:"bind"`   // url: the file's sha256 (required)
	Filename  string `yaml:"filename" kinds:"bind"` // url: the file's name in the mount
	Src       string `yaml:"src" kinds:"bind"`      // path in the source
	ReadWrite bool   `yaml:"rw" kinds:"bind"`
}

// Healthcheck is a runtime's HEALTHCHECK.
type Healthcheck struct {
	Node
	Test          *Command `yaml:"test"` // a shell string becomes CMD-SHELL, argv becomes CMD
	None          bool     `yaml:"none"` // disable the base image's healthcheck
	Interval      string   `yaml:"interval"`
	Timeout       string   `yaml:"timeout"`
	StartPeriod   string   `yaml:"start-period"`
	StartInterval string   `yaml:"start-interval"`
	Retries       int      `yaml:"retries"`
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
	if s.byName != nil {
		return s.byName[name]
	}
	for _, st := range s.Stages() {
		if st.Name == name {
			return st
		}
	}
	return nil
}

// index builds the name index that Stage uses. The first stage of a name
// wins, as in a linear search.
func (s *Spec) index() {
	s.byName = make(map[string]*Stage, len(s.Builders)+len(s.Artifacts)+len(s.Runtimes))
	for _, st := range s.Stages() {
		if _, dup := s.byName[st.Name]; !dup {
			s.byName[st.Name] = st
		}
	}
}
