package llbgen

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/containerd/platforms"
	"github.com/distribution/reference"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/plan"
	"github.com/mstage/mstage/spec"
)

// scratchImage is the image reference of an empty filesystem.
const scratchImage = "scratch"

// resolvedImage is a base image resolved for one platform.
type resolvedImage struct {
	display string // normalized reference, for vertex names
	pinned  string // reference with the resolved digest, for llb.Image
	config  *dockerspec.DockerOCIImage
	named   *llb.State // a named context that replaces the image
	empty   bool       // scratch, or an image without layers
}

// resolveImage looks ref up as a named context, then through the meta
// resolver. Results are kept per reference and platform.
func (c *compiler) resolveImage(ref string, p ocispecs.Platform, pos spec.Pos) (*resolvedImage, error) {
	if ref == scratchImage {
		return &resolvedImage{display: scratchImage, empty: true}, nil
	}
	key := ref + " " + platforms.FormatAll(p)
	r, computed, err := once(&c.memo.mu, c.memo.images, key, func() (*resolvedImage, error) {
		return c.resolveImageUncached(ref, p, pos)
	})
	if err == nil {
		return r, nil
	}
	// An error names the position of the reference that met it, and the
	// next try may succeed: a failure is not kept.
	if computed {
		forget(&c.memo.mu, c.memo.images, key)
		return nil, err
	}
	return c.resolveImageUncached(ref, p, pos)
}

func (c *compiler) resolveImageUncached(ref string, p ocispecs.Platform, pos spec.Pos) (*resolvedImage, error) {
	if c.opt.Contexts != nil {
		st, img, err := c.opt.Contexts.Named(c.ctx, ref, p)
		if err != nil {
			return nil, c.errorAt(pos, "loading named context %q: %v", ref, err)
		}
		if st != nil {
			return &resolvedImage{display: ref, named: st, config: cloneImage(img)}, nil
		}
	}
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return nil, c.errorAt(pos, "invalid image reference %q: %v", ref, err)
	}
	named = reference.TagNameOnly(named)
	r := &resolvedImage{display: named.String(), pinned: named.String()}
	if c.opt.MetaResolver == nil {
		return r, nil
	}
	imr := sourceresolver.NewImageMetaResolver(c.opt.MetaResolver)
	resolvedRef, dgst, dt, err := imr.ResolveImageConfig(c.ctx, named.String(), sourceresolver.Opt{
		LogName: fmt.Sprintf("[internal] load metadata for %s", named.String()),
		ImageOpt: &sourceresolver.ResolveImageOpt{
			Platform:    &p,
			ResolveMode: c.opt.ResolveMode.String(),
		},
	})
	if err != nil {
		return nil, c.errorAt(pos, "resolving image %q for %s: %v", ref, platforms.Format(p), err)
	}
	var img dockerspec.DockerOCIImage
	if err := json.Unmarshal(dt, &img); err != nil {
		return nil, c.errorAt(pos, "image %q has an invalid config: %v", ref, err)
	}
	r.config = &img
	pinnedNamed := named
	if resolvedRef != "" && resolvedRef != named.String() {
		if n, err := reference.ParseNormalizedNamed(resolvedRef); err == nil {
			pinnedNamed = n
		}
	}
	if dgst != "" {
		if _, hasDigest := pinnedNamed.(reference.Digested); !hasDigest {
			if d, err := reference.WithDigest(pinnedNamed, dgst); err == nil {
				pinnedNamed = d
			}
		}
	}
	r.pinned = pinnedNamed.String()
	r.empty = len(img.RootFS.DiffIDs) == 0 && !hasLayerHistory(img.History)
	return r, nil
}

func hasLayerHistory(h []ocispecs.History) bool {
	for _, e := range h {
		if !e.EmptyLayer {
			return true
		}
	}
	return false
}

// baseState returns the filesystem and config of image ref on platform p,
// with the image's env, working directory and user applied.
func (c *compiler) baseState(ref string, p ocispecs.Platform, stageName string, pos spec.Pos) (fsState, *dockerspec.DockerOCIImage, error) {
	r, err := c.resolveImage(ref, p, pos)
	if err != nil {
		return fsState{}, nil, err
	}
	var st llb.State
	switch {
	case r.named != nil:
		st = r.named.Platform(p)
	case r.empty:
		st = llb.Scratch().Platform(p)
	default:
		opts := []llb.ImageOption{llb.Platform(p), c.opt.ResolveMode, llb.WithCustomName(plainName(stageName, "FROM "+r.display))}
		for _, o := range c.location(pos) {
			opts = append(opts, o)
		}
		st = llb.Image(r.pinned, opts...)
	}
	var img dockerspec.DockerOCIImage
	if r.config != nil {
		img = *cloneImage(r.config)
		img.Created = nil
	} else {
		img = emptyImage(p)
	}
	fs := fsState{st: st, img: img}
	fs.applyImageConfig(p, c.opt.Run)
	return fs, cloneImage(r.config), nil
}

// fsState is a filesystem together with the config that describes it: the
// env, working directory and user of later steps, and the image config a
// target exports.
type fsState struct {
	st  llb.State
	img dockerspec.DockerOCIImage
}

func (fs *fsState) clone() fsState {
	return fsState{st: fs.st, img: *cloneImage(&fs.img)}
}

func (fs *fsState) applyImageConfig(p ocispecs.Platform, run RunDefaults) {
	fs.img.Config.Env = plan.ImageEnv(fs.img.Config.Env, p)
	for _, kv := range fs.img.Config.Env {
		k, v, _ := strings.Cut(kv, "=")
		if k != "" {
			fs.st = fs.st.AddEnv(k, v)
		}
	}
	if fs.img.Config.WorkingDir != "" {
		fs.st = fs.st.Dir(fs.img.Config.WorkingDir)
	}
	if fs.img.Config.User != "" {
		fs.st = fs.st.User(fs.img.Config.User)
	}
	if run.Hostname != "" {
		fs.st = fs.st.Hostname(run.Hostname)
	}
	fs.st = fs.st.Network(run.NetworkMode)
}

func (fs *fsState) setEnv(k, v string) {
	fs.st = fs.st.AddEnv(k, v)
	fs.img.Config.Env = setEnv(fs.img.Config.Env, k, v)
}

func (fs *fsState) getEnv(k string) (string, bool) {
	for _, kv := range fs.img.Config.Env {
		if name, v, _ := strings.Cut(kv, "="); name == k {
			return v, true
		}
	}
	return "", false
}

func (fs *fsState) setUser(u string) {
	fs.st = fs.st.User(u)
	fs.img.Config.User = u
}

func (fs *fsState) workdir() string {
	if fs.img.Config.WorkingDir == "" {
		return "/"
	}
	return fs.img.Config.WorkingDir
}

// absPath resolves p against the working directory, keeping a trailing
// slash, which means "into this directory" for a copy destination.
func (fs *fsState) absPath(p string) string {
	return plan.AbsPath(fs.workdir(), p)
}

func setEnv(env []string, k, v string) []string {
	env = slices.Clone(env)
	for i, kv := range env {
		if name, _, _ := strings.Cut(kv, "="); name == k {
			env[i] = k + "=" + v
			return env
		}
	}
	return append(env, k+"="+v)
}

func emptyImage(p ocispecs.Platform) dockerspec.DockerOCIImage {
	var img dockerspec.DockerOCIImage
	img.OS = p.OS
	img.Architecture = p.Architecture
	img.Variant = p.Variant
	img.OSVersion = p.OSVersion
	img.OSFeatures = slices.Clone(p.OSFeatures)
	img.RootFS.Type = "layers"
	img.Config.WorkingDir = "/"
	img.Config.Env = plan.ImageEnv(nil, p)
	return img
}

func cloneImage(src *dockerspec.DockerOCIImage) *dockerspec.DockerOCIImage {
	if src == nil {
		return nil
	}
	img := *src
	img.OSFeatures = slices.Clone(src.OSFeatures)
	img.RootFS.DiffIDs = slices.Clone(src.RootFS.DiffIDs)
	img.Config.Env = slices.Clone(src.Config.Env)
	img.Config.Cmd = slices.Clone(src.Config.Cmd)
	img.Config.Entrypoint = slices.Clone(src.Config.Entrypoint)
	img.Config.OnBuild = slices.Clone(src.Config.OnBuild)
	img.Config.Shell = slices.Clone(src.Config.Shell)
	img.Config.ExposedPorts = maps.Clone(src.Config.ExposedPorts)
	img.Config.Volumes = maps.Clone(src.Config.Volumes)
	img.Config.Labels = maps.Clone(src.Config.Labels)
	if src.Config.Healthcheck != nil {
		hc := *src.Config.Healthcheck
		hc.Test = slices.Clone(hc.Test)
		img.Config.Healthcheck = &hc
	}
	img.History = slices.Clone(src.History)
	return &img
}
