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
	if target == "" {
		target = s.DefaultTarget()
	}
	st := s.Stage(target)
	if st == nil {
		return nil, fmt.Errorf("target stage %q not found; stages: %s", target, strings.Join(stageNames(s), ", "))
	}
	c := newCompiler(ctx, s, opt)
	c.warnUndeclaredArgs()
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

	project string // projectName(src), computed once: it hashes every stage name
}

// projectName returns projectName(c.src), computed once per compile.
func (c *compiler) projectName() string {
	if c.project == "" {
		c.project = projectName(c.src)
	}
	return c.project
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
// The spec's name is checked by spec.Parse; an id that would still leave
// the namespace is returned with an error.
func PresetCacheID(s *spec.Spec, cacheName, namespace string) (string, error) {
	return CacheID(namespace, "mstage", projectName(s), cacheName)
}

// CacheID is the one place a cache mount id is built: the namespace
// (BUILDKIT_CACHE_MOUNT_NS, trusted: it comes from the client) joined with
// parts from the spec. Every part is checked with spec.CheckCacheIDPart,
// and the id must stay under the namespace. Without a namespace a single
// part is the id as written, as BuildKit's Dockerfile frontend does.
func CacheID(namespace string, parts ...string) (string, error) {
	for _, p := range parts {
		if err := spec.CheckCacheIDPart(p); err != nil {
			return "", fmt.Errorf("cache id part %q %v", p, err)
		}
	}
	if namespace == "" {
		if len(parts) == 1 {
			return parts[0], nil
		}
		return path.Join(parts...), nil
	}
	id := path.Join(append([]string{namespace}, parts...)...)
	if ns := path.Clean(namespace); id != ns && !strings.HasPrefix(id, strings.TrimSuffix(ns, "/")+"/") {
		return "", fmt.Errorf("cache id %q leaves its namespace %q", id, namespace)
	}
	return id, nil
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

func (c *compiler) warnUndeclaredArgs() {
	values, undeclared := c.src.ArgValues(c.opt.BuildArgs)
	c.args = values
	if c.opt.Warn == nil {
		return
	}
	for _, name := range undeclared {
		c.opt.Warn(c.src.At("args"), fmt.Sprintf("build arg %q is not declared in args; it has no effect", name))
	}
}

// stageFor returns stage name with its variables expanded for vars
// platform p, or nil when the spec has no such stage.
func (c *compiler) stageFor(name string, p ocispecs.Platform) (*spec.Stage, error) {
	key := platforms.Format(p)
	x, ok := c.expanders[key]
	if !ok {
		x = spec.NewStageExpander(c.src, c.varsFor(p))
		c.expanders[key] = x
	}
	return x.Stage(name)
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

// errorAt prefixes err with the spec file and the position.
func (c *compiler) errorAt(pos spec.Pos, format string, a ...any) error {
	msg := fmt.Sprintf(format, a...)
	name := c.src.Filename
	if name == "" {
		name = "mstage.yaml"
	}
	if pos.IsValid() {
		return fmt.Errorf("%s:%d:%d: %s", name, pos.Line, pos.Col, msg)
	}
	return fmt.Errorf("%s: %s", name, msg)
}
