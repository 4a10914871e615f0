// Package spec is the mstage YAML model: it parses a spec file, keeps the
// position of every node, validates it, and expands ${VAR} references.
//
// A parsed Spec holds strings as written. Expand returns a copy in which the
// expandable fields have their variables substituted for one target platform.
package spec

import "fmt"

// Pos is a 1-based line and column in the spec file, or in a file it
// includes.
type Pos struct {
	Line int `json:"line"`
	Col  int `json:"column"`
	// File names the included file the position is in, as messages show
	// it; it is empty in the spec file itself.
	File string `json:"file,omitempty"`
}

// String is "line:col", with the included file in front when there is one.
func (p Pos) String() string {
	if p.File != "" {
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
	}
	return fmt.Sprintf("%d:%d", p.Line, p.Col)
}

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

// DependenciesProduction is the one value of an artifact's dependencies key.
const DependenciesProduction = "production"

// Spec is one mstage.yaml file.
type Spec struct {
	Node
	Filename    string      `json:"-" yaml:"-"`
	Version     int         `yaml:"version" doc:"Spec format version. Only 1 exists."`
	Name        string      `yaml:"name" doc:"Project name. Namespaces the cache mounts presets add, so two projects do not share them. Default: derived from the stage names."` // project name; namespaces cache mounts
	Include     []String    `yaml:"include" doc:"Files of the build context, relative to the spec's directory, whose args and stages join the spec's, before its own (see Includes in docs/spec.md)."`
	Description string      `yaml:"description" doc:"What the project is, for people who read the file; --call=targets and --call=outline show the stages' descriptions."`
	Args        []*Arg      `yaml:"args" doc:"Build arguments: NAME: default, or NAME: {default, description}; --build-arg overrides the default."` // in file order
	Platforms   []String    `yaml:"platforms" doc:"Target platforms (os/arch[/variant]) used when --platform is not given."`
	Default     string      `yaml:"default" doc:"Stage built when --target is not given. Default: the last runtime, else the last stage."`
	Lint        *LintConfig `yaml:"lint" doc:"Tunes --check and mstage lint."`
	Builders    []*Stage    `yaml:"builders" doc:"Toolchain stages: a toolchain image plus setup steps, by name."` // in file order
	Artifacts   []*Stage    `yaml:"artifacts" doc:"Build stages that produce files: steps that run in a builder, by name."`
	Runtimes    []*Stage    `yaml:"runtimes" doc:"Final images that receive only the files they need, by name."`

	// Included is every file read through include, in the order read.
	Included []*Included `json:"-" yaml:"-"`

	// byName indexes the stages of a parsed or expanded spec; it is built
	// once, before the spec is shared, and never changed.
	byName map[string]*Stage
	// refs are the candidates of the stage references with variables (see
	// RefNames), built with byName.
	refs map[string][]string
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
	Default     string `yaml:"default" doc:"Value when no --build-arg NAME=... is given. Default: empty."`
	Description string `yaml:"description" doc:"Shown by --call=outline."`
}

// LintConfig tunes the lint rules of --check and `mstage lint`.
type LintConfig struct {
	Node
	Skip           []String `yaml:"skip" doc:"Rules --check does not report (see docs/lint.md)."`                                                                  // rule names to turn off
	RequireDigests bool     `yaml:"require-digests" doc:"Image references without a @sha256: digest are warnings instead of informational notes. Default: false."` // image references without a digest are warnings, not info
}

// Stage is a builder, an artifact or a runtime. Which fields are allowed
// depends on Kind; the parser rejects the others.
type Stage struct {
	Node
	Kind        Kind   `yaml:"-"`
	Name        string `yaml:"-"`
	Description string `yaml:"description" doc:"Shown by --call=targets and --call=outline."`

	Image    string `yaml:"image" kinds:"builder,runtime" doc:"Base image reference. Builder: exactly one of image and from. Runtime: at most one of image and from; default scratch."`                                                                                                                                                                                                             // builder, runtime: base image reference
	From     string `yaml:"from" kinds:"builder,runtime" doc:"Builder: start from another builder (its filesystem, environment and preset). Runtime: start from another runtime (its filesystem and image config)."`                                                                                                                                                                                // builder: builder to extend; runtime: runtime to extend
	Builder  string `yaml:"builder" kinds:"artifact" doc:"The builder whose filesystem the artifact's steps start from. Required."`                                                                                                                                                                                                                                                                 // artifact: builder its steps run in
	Preset   string `yaml:"preset" kinds:"builder" doc:"Toolchain preset (see Presets in docs/spec.md)."`                                                                                                                                                                                                                                                                                           // builder: name of a preset (see package preset)
	Platform string `yaml:"platform" kinds:"builder,artifact" doc:"Where the stage runs. Builder: build, target or os/arch[/variant] (default build when the preset cross-compiles or its outputs run anywhere, as with go and node, else target). Artifact: target (built once per target platform) or build (built once, natively); default target when it has outputs, build when it has none."` // builder, artifact: "", build, target or os/arch[/variant]

	Platforms []String `yaml:"platforms" doc:"The only platforms (os/arch[/variant]) the stage can be built for, the ones its TARGET* describe; a build that needs it for another platform fails. Default: any."`

	Workdir string   `yaml:"workdir" doc:"Working directory (absolute path) of its steps; for a runtime also the image WorkingDir."`
	User    string   `yaml:"user" doc:"User of its steps (user[:group] or uid[:gid]); for a runtime also the image User (65532:65532 on scratch, else the base's)."`
	Env     []KV     `yaml:"env" doc:"Environment variables of its steps; a builder's also reach its artifacts' steps, a runtime's are the image environment."`
	Args    []String `yaml:"args" doc:"Args and platform variables every run step of the stage gets as env; see Variables in docs/spec.md."` // args and platform variables every run step gets as env, like ARG in a Dockerfile stage
	Steps   []*Step  `yaml:"steps" doc:"Run and copy steps, in order."`

	Outputs      []String `yaml:"outputs" kinds:"artifact" doc:"Files and directories the artifact produces (absolute paths). A path ending in / means the directory's contents."`                                                                                                        // artifact: absolute paths of the files it produces
	ArchGuard    *bool    `yaml:"arch-guard" kinds:"artifact" doc:"Check that ELF outputs match the platform. Default: true."`                                                                                                                                                            // artifact: check ELF machines of outputs; default true
	Dependencies string   `yaml:"dependencies" kinds:"artifact" doc:"production: before its steps, copy the preset's dependency manifests into the working directory and install the dependencies a program needs at run time (node: npm ci --omit=dev or the pnpm or yarn equivalent)."` // artifact: "" or production
	Needs        []String `yaml:"needs" kinds:"artifact,runtime" doc:"Stages that must succeed before this one is exported."`                                                                                                                                                             // artifact, runtime: stages that must succeed first

	// runtime only
	Copy        []*Copy      `yaml:"copy" kinds:"runtime" doc:"Files to put in the image: runtime copy entries."`
	Entrypoint  *Command     `yaml:"entrypoint" kinds:"runtime" doc:"Image entrypoint. A string runs through /bin/sh -c; a list is run as is. Default: the base's."`
	Cmd         *Command     `yaml:"cmd" kinds:"runtime" doc:"Image command; same forms as entrypoint. Default: the base's."`
	Expose      []String     `yaml:"expose" kinds:"runtime" doc:"Image ExposedPorts: port[/tcp|/udp]."`
	Volumes     []String     `yaml:"volumes" kinds:"runtime" doc:"Image Volumes: absolute paths."`
	Labels      []KV         `yaml:"labels" kinds:"runtime" doc:"Image labels; --label values are merged in."`
	StopSignal  string       `yaml:"stop-signal" kinds:"runtime" doc:"Image StopSignal: a signal name."`
	Healthcheck *Healthcheck `yaml:"healthcheck" kinds:"runtime" doc:"Image HEALTHCHECK. Default: the base's."`
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
	Run  *Command `yaml:"run" kinds:"run" doc:"The command: a string runs through the shell, a list is run as is."` // set for run steps
	Copy *Copy    `yaml:"copy" kinds:"copy" doc:"Source path(s) of a copy step."`                                   // set for copy steps
	// Platforms limits the step to the platforms its stage is built for.
	Platforms []String `yaml:"platforms" kinds:"run,copy" doc:"Run (or copy) only when the stage is built for one of these platforms (os/arch[/variant]), the one its TARGET* describe. Default: every platform."`

	// run options
	Env     []KV     `yaml:"env" kinds:"run" doc:"Environment of this step only."`
	Workdir string   `yaml:"workdir" kinds:"run" doc:"Directory of this step only. Default: the stage's."`
	User    string   `yaml:"user" kinds:"run" doc:"User of this step only. Default: the stage's."`
	Network string   `yaml:"network" kinds:"run" doc:"default, none or host; host needs the network.host entitlement (--allow network.host). Default: default."` // "", default, none or host
	Mounts  []*Mount `yaml:"mounts" kinds:"run" doc:"Mounts present only while the step runs."`
}

// Copy copies files from a source into a stage. The source is the main build
// context unless exactly one of Artifact, Stage, Image, Context, URL, Git or
// Content is set.
type Copy struct {
	Node
	Src        []String `yaml:"src" doc:"Path(s) in the source. Default: everything in the source (all outputs of an artifact)."` // paths in the source; empty means the whole source (or all outputs of an artifact)
	Artifact   string   `yaml:"artifact" doc:"Copy from an artifact's filesystem (its outputs)."`
	Stage      string   `yaml:"stage" doc:"Copy from a stage's filesystem."`
	Image      string   `yaml:"image" doc:"Copy from an image, with no stage declared for it."`
	Context    string   `yaml:"context" doc:"Copy from the named context --build-context NAME=...."`                                                                 // a named context (--build-context NAME=...)
	URL        string   `yaml:"url" doc:"Download one http(s) file, like ADD URL. Requires sha256."`                                                                 // an http(s) file, verified against SHA256
	SHA256     string   `yaml:"sha256" doc:"The downloaded file's checksum (64 hex digits); required with url. BuildKit verifies it and caches the download by it."` // url: the file's sha256, 64 hex digits (required)
	Filename   string   `yaml:"filename" doc:"Name of the downloaded file (what lands in a to ending with /). Default: the URL's last path segment."`                // url: the file's name (default: the URL's last path segment)
	Unpack     *bool    `yaml:"unpack" doc:"With url: extract the downloaded archive (a tar, plain or compressed with gzip, bzip2 or xz) into to, like ADD --unpack=true; a file that is not an archive is copied as is. Default: false."`
	Content    string   `yaml:"content" doc:"Write this text as one file at to, like a COPY <<EOF heredoc (no ${VAR} expansion)."` // an inline file written at To, as written (no ${VAR} expansion)
	Git        string   `yaml:"git" doc:"Copy from a git repository at this URL (https://, http://, git://, ssh:// or user@host:path), like ADD of a git URL. No credentials in the URL: use the GIT_AUTH_TOKEN secret or ssh-agent."`
	Ref        string   `yaml:"ref" doc:"With git: the tag, branch or commit to check out. Default: the remote's HEAD."`
	Commit     string   `yaml:"commit" doc:"With git: the full commit sha (40 or 64 hex digits) ref must resolve to; BuildKit fails the build when it does not. Pins a tag or branch."`
	Subdir     string   `yaml:"subdir" doc:"With git: the directory of the repository to use as the source's root."`
	KeepGitDir *bool    `yaml:"keep-git-dir" doc:"With git: keep the .git directory. Default: false."`
	AuthToken  string   `yaml:"auth-token" doc:"With git: id of the secret holding a token for https (--secret id=ID). Default: GIT_AUTH_TOKEN."`
	AuthHeader string   `yaml:"auth-header" doc:"With git: id of the secret holding a full Authorization header for https. Default: GIT_AUTH_HEADER."`
	SSHAgent   string   `yaml:"ssh-agent" doc:"With an ssh git URL: id of the forwarded ssh agent (--ssh ID). Default: default."`
	KnownHosts string   `yaml:"known-hosts" doc:"With an ssh git URL (required there): the host's known_hosts lines, as ssh-keyscan prints them."`
	To         string   `yaml:"to" doc:"Destination. A trailing / means into this directory. Default for copy steps: the stage's workdir."`
	Chown      string   `yaml:"chown" doc:"Owner of the copied files: user[:group]."`
	Chmod      string   `yaml:"chmod" doc:"Mode of the copied files: octal (0755 or 755, up to 07777; not 0o755) or symbolic as for COPY --chmod (u+x, a=rX, u=rwx,go=rx)."`
	Exclude    []String `yaml:"exclude" doc:"Patterns of paths not copied."`
	Link       *bool    `yaml:"link" doc:"Copy into an independent layer, like COPY --link, so the layer can be reused when the layers below it change. Default: false."`
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
	Target   string    `yaml:"target" kinds:"secret,ssh" doc:"Secret: file the secret appears as (default /run/secrets/<id>). SSH: socket path SSH_AUTH_SOCK points at (default BuildKit's)."` // cache, tmpfs, bind: mount point; secret: file path (default /run/secrets/<id>); ssh: socket path
	ID       string    `yaml:"id" kinds:"cache" doc:"Cache identity; mounts with the same id share contents. Default: the mount point resolved against the stage's working directory."`        // cache (default: target), secret, ssh (default "default")
	Sharing  string    `yaml:"sharing" kinds:"cache" doc:"shared, private or locked; locked lets one step at a time use the cache. Default: shared."`                                          // cache: shared, private or locked
	Env      string    `yaml:"env" kinds:"secret" doc:"Expose the secret as this environment variable instead of a file."`                                                                     // secret: expose as this environment variable instead of a file
	Required bool      `yaml:"required" kinds:"secret,ssh" doc:"Fail the step when the client did not provide the secret or forward the agent. Default: false."`                               // secret, ssh: fail when the client does not provide it
	Mode     string    `yaml:"mode" kinds:"cache,secret,ssh" doc:"Octal mode (0755 or 755) of the cache directory when created, of the secret file, or of the ssh socket."`                    // octal file mode for secret, ssh, cache
	UID      *int      `yaml:"uid" kinds:"cache,secret,ssh" doc:"Owner uid of the cache directory, secret file or ssh socket. Default: 0."`
	GID      *int      `yaml:"gid" kinds:"cache,secret,ssh" doc:"Owner gid of the cache directory, secret file or ssh socket. Default: 0."`
	Size     string    `yaml:"size" kinds:"tmpfs" doc:"Size limit of the tmpfs, such as 64m. Default: unlimited."` // tmpfs: size such as 64m

	// bind and cache sources: a bind mount reads the main context unless
	// one of these is set; a cache mount seeded from artifact, stage or
	// image starts with its files when the cache is created.
	Artifact   string `yaml:"artifact" kinds:"bind,cache" doc:"Bind an artifact's filesystem, or seed a new cache with it (at most one source)."`
	Stage      string `yaml:"stage" kinds:"bind,cache" doc:"Bind a stage's filesystem, or seed a new cache with it (at most one source)."`
	Image      string `yaml:"image" kinds:"bind,cache" doc:"Bind an image's filesystem, or seed a new cache with it (at most one source); fetched for the platform the stage is built for."`
	Context    string `yaml:"context" kinds:"bind" doc:"Bind the named context --build-context NAME=... (at most one source)."`
	URL        string `yaml:"url" kinds:"bind" doc:"Bind a directory holding one downloaded http(s) file; requires sha256."`             // an http(s) file, verified against SHA256
	SHA256     string `yaml:"sha256" kinds:"bind" doc:"With url: the downloaded file's checksum (64 hex digits)."`                       // url: the file's sha256 (required)
	Filename   string `yaml:"filename" kinds:"bind" doc:"With url: the file's name in the mount. Default: the URL's last path segment."` // url: the file's name in the mount
	Git        string `yaml:"git" kinds:"bind" doc:"Bind a git repository at this URL (https://, http://, git://, ssh:// or user@host:path); no credentials in the URL (at most one source)."`
	Ref        string `yaml:"ref" kinds:"bind" doc:"With git: the tag, branch or commit to check out. Default: the remote's HEAD."`
	Commit     string `yaml:"commit" kinds:"bind" doc:"With git: the full commit sha (40 or 64 hex digits) ref must resolve to. Pins a tag or branch."`
	Subdir     string `yaml:"subdir" kinds:"bind" doc:"With git: the directory of the repository to mount."`
	KeepGitDir *bool  `yaml:"keep-git-dir" kinds:"bind" doc:"With git: keep the .git directory. Default: false."`
	AuthToken  string `yaml:"auth-token" kinds:"bind" doc:"With git: id of the secret holding a token for https. Default: GIT_AUTH_TOKEN."`
	AuthHeader string `yaml:"auth-header" kinds:"bind" doc:"With git: id of the secret holding a full Authorization header for https. Default: GIT_AUTH_HEADER."`
	SSHAgent   string `yaml:"ssh-agent" kinds:"bind" doc:"With an ssh git URL: id of the forwarded ssh agent. Default: default."`
	KnownHosts string `yaml:"known-hosts" kinds:"bind" doc:"With an ssh git URL (required there): the host's known_hosts lines."`
	Src        string `yaml:"src" kinds:"bind,cache" doc:"Path in the source. Default: the source's root."` // path in the source
	ReadWrite  bool   `yaml:"rw" kinds:"bind" doc:"Writable; writes are discarded after the step. Default: false."`
}

// Healthcheck is a runtime's HEALTHCHECK.
type Healthcheck struct {
	Node
	Test          *Command `yaml:"test" doc:"A string becomes CMD-SHELL (needs a shell in the image), a list becomes CMD."` // a shell string becomes CMD-SHELL, argv becomes CMD
	None          bool     `yaml:"none" doc:"Disable the base image's healthcheck. Default: false."`                        // disable the base image's healthcheck
	Interval      string   `yaml:"interval" doc:"Time between checks, a duration such as 30s."`
	Timeout       string   `yaml:"timeout" doc:"Time a check may take, a duration."`
	StartPeriod   string   `yaml:"start-period" doc:"Failures during this time do not count, a duration."`
	StartInterval string   `yaml:"start-interval" doc:"Time between checks during the start period, a duration."`
	Retries       int      `yaml:"retries" doc:"Consecutive failures before the container is unhealthy."`
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
	if s.refs == nil {
		s.refs = refCandidates(s.Stages())
	}
}

// GitSource is the git source of a copy or a bind mount, as written (or as
// expanded): the repository, what to check out and how to authenticate.
type GitSource struct {
	Node       Node
	URL        string
	Ref        string
	Commit     string
	Subdir     string
	KeepGitDir bool
	AuthToken  string
	AuthHeader string
	SSHAgent   string
	KnownHosts string
}

// gitFields points at the git source fields of a copy or a bind mount,
// which declare the same keys, so that one decoder and one GitSource serve
// both.
type gitFields struct {
	url, ref, commit, subdir, authToken, authHeader, sshAgent, knownHosts *string
	keepGitDir                                                            **bool
}

func (c *Copy) gitFields() gitFields {
	return gitFields{&c.Git, &c.Ref, &c.Commit, &c.Subdir, &c.AuthToken, &c.AuthHeader, &c.SSHAgent, &c.KnownHosts, &c.KeepGitDir}
}

func (m *Mount) gitFields() gitFields {
	return gitFields{&m.Git, &m.Ref, &m.Commit, &m.Subdir, &m.AuthToken, &m.AuthHeader, &m.SSHAgent, &m.KnownHosts, &m.KeepGitDir}
}

func (f gitFields) source(n Node) GitSource {
	return GitSource{Node: n, URL: *f.url, Ref: *f.ref, Commit: *f.commit, Subdir: *f.subdir, KeepGitDir: *f.keepGitDir != nil && **f.keepGitDir,
		AuthToken: *f.authToken, AuthHeader: *f.authHeader, SSHAgent: *f.sshAgent, KnownHosts: *f.knownHosts}
}

// GitSource returns the copy's git source; its URL is empty when the copy
// has none.
func (c *Copy) GitSource() GitSource { return c.gitFields().source(c.Node) }

// GitSource returns the bind mount's git source; its URL is empty when the
// mount has none.
func (m *Mount) GitSource() GitSource { return m.gitFields().source(m.Node) }
