package llbgen

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/containerd/platforms"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/preset"
	"github.com/mstage/mstage/spec"
)

// Compile turns the target stage of s into LLB for opt.TargetPlatform.
//
// Only the stages the target reaches are compiled. A stage that runs on the
// build platform (a cross-compiling builder, an artifact with platform build)
// is compiled with the build platform in place of the target platform, so
// its LLB is byte-identical for every target and BuildKit runs it once; in
// such a stage the TARGET* variables describe the build platform.
//
// Without opt.Epoch the epoch is the Unix epoch: images are reproducible by
// default.
func Compile(ctx context.Context, s *spec.Spec, opt Options) (*Result, error) {
	if s == nil {
		return nil, fmt.Errorf("llbgen: no spec")
	}
	target := opt.Target
	var targetPos spec.Pos // --target has no position in the file
	if target == "" {
		target, targetPos = s.DefaultTarget(), s.At("default")
	}
	if len(s.Stages()) == 0 {
		return nil, &spec.Error{Filename: s.Filename, Pos: s.Pos, Msg: "the spec has no stages, so nothing to build",
			Expected: "at least one stage under builders, artifacts or runtimes"}
	}
	st := s.Stage(target)
	if st == nil {
		return nil, &spec.Error{Filename: s.Filename, Pos: targetPos, Msg: fmt.Sprintf("target stage %q not found", target),
			Expected: "one of " + strings.Join(stageNames(s), ", "), Suggestion: spec.Suggest(target, stageNames(s))}
	}
	c := newCompiler(ctx, s, opt)
	if err := c.argValues(); err != nil {
		return nil, err
	}
	return c.compileTarget(target)
}

func stageNames(s *spec.Spec) []string {
	var names []string
	for _, st := range s.Stages() {
		names = append(names, st.Name)
	}
	return names
}

// compiler holds the state of one Compile call.
type compiler struct {
	ctx   context.Context
	src   *spec.Spec
	opt   Options
	epoch time.Time
	args  map[string]string

	expanders map[string]*spec.StageExpander // by platforms.Format(varsPlatform)
	instances map[string]*instance           // by instanceKey
	building  map[string]bool                // cycle guard
	images    map[string]*resolvedImage

	gates      []Gate
	needGuards []ArchGuard
	gateSet    map[string]bool
}

func newCompiler(ctx context.Context, s *spec.Spec, opt Options) *compiler {
	epoch := time.Unix(0, 0).UTC()
	if opt.Epoch != nil {
		epoch = opt.Epoch.UTC()
	}
	opt.TargetPlatform = platforms.Normalize(opt.TargetPlatform)
	opt.BuildPlatform = platforms.Normalize(opt.BuildPlatform)
	return &compiler{
		ctx:       ctx,
		src:       s,
		opt:       opt,
		epoch:     epoch,
		expanders: map[string]*spec.StageExpander{},
		instances: map[string]*instance{},
		building:  map[string]bool{},
		images:    map[string]*resolvedImage{},
		gateSet:   map[string]bool{},
	}
}

// PresetCacheID is the id of the preset cache mount named cacheName in the
// builds of s, under the client's cache namespace (BUILDKIT_CACHE_MOUNT_NS).
func PresetCacheID(s *spec.Spec, cacheName, namespace string) string {
	return path.Join(namespace, "mstage", projectName(s), cacheName)
}

// projectName namespaces the preset cache mounts: the spec's name, or a short
// hash of its stage names so that two unnamed projects do not share caches.
func projectName(s *spec.Spec) string {
	if s.Name != "" {
		return s.Name
	}
	h := sha256.New()
	for _, st := range s.Stages() {
		h.Write([]byte(st.Name))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// argValues sets the values of the args and warns about build args the
// spec does not declare.
func (c *compiler) argValues() error {
	values, undeclared, err := c.src.ArgValues(c.opt.BuildArgs)
	c.args = values
	if err != nil {
		return err
	}
	if c.opt.Warn == nil {
		return nil
	}
	for _, name := range undeclared {
		c.opt.Warn(c.src.At("args"), fmt.Sprintf("build arg %q is not declared in args; it has no effect", name))
	}
	return nil
}

// stageFor returns stage name with the values that choose its base (image,
// platform) expanded for vars platform p, or nil when the spec has no such
// stage. stageIn expands the rest once the base's env is known.
func (c *compiler) stageFor(name string, p ocispecs.Platform) (*spec.Stage, error) {
	return c.expander(p).Base(name)
}

// stageIn returns stage name with all its values expanded for vars platform
// p, on a base whose image config env is env.
func (c *compiler) stageIn(name string, p ocispecs.Platform, env []string) (*spec.Stage, error) {
	return c.expander(p).In(name, env)
}

func (c *compiler) expander(p ocispecs.Platform) *spec.StageExpander {
	key := platforms.Format(p)
	x, ok := c.expanders[key]
	if !ok {
		x = spec.NewStageExpander(c.src, c.varsFor(p))
		c.expanders[key] = x
	}
	return x
}

// varsFor returns the variables a run step may reference, for vars
// platform p.
func (c *compiler) varsFor(p ocispecs.Platform) map[string]string {
	vars := map[string]string{}
	for k, v := range c.args {
		vars[k] = v
	}
	for k, v := range spec.PlatformVars(p, c.opt.BuildPlatform) {
		vars[k] = v
	}
	return vars
}

func (c *compiler) presetOf(name string) (*preset.Preset, error) {
	if name == "" {
		return nil, nil
	}
	p, ok := preset.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("unknown preset %q; known presets: %s", name, strings.Join(preset.Names(), ", "))
	}
	return p, nil
}

// errorAt returns a *spec.Error at pos, like the errors of spec.Parse, so
// that the frontend attaches the YAML snippet and the CLI prints a caret. A
// "; expected ..." part of the message becomes the error's Expected.
func (c *compiler) errorAt(pos spec.Pos, format string, a ...any) error {
	msg := fmt.Sprintf(format, a...)
	name := c.src.Filename
	if name == "" {
		name = "mstage.yaml"
	}
	msg, expected, _ := strings.Cut(msg, "; expected ")
	return &spec.Error{Filename: name, Pos: pos, Msg: msg, Expected: expected}
}
