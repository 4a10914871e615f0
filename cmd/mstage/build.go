package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"

	"github.com/distribution/reference"
	"github.com/docker/cli/cli/config"
	"github.com/moby/buildkit/client"
	// BUILDKIT_HOST and --addr schemes beyond unix:// and tcp://, as
	// buildctl has them.
	_ "github.com/moby/buildkit/client/connhelper/dockercontainer"
	_ "github.com/moby/buildkit/client/connhelper/kubepod"
	_ "github.com/moby/buildkit/client/connhelper/nerdctlcontainer"
	_ "github.com/moby/buildkit/client/connhelper/podmancontainer"
	_ "github.com/moby/buildkit/client/connhelper/ssh"
	buildctl "github.com/moby/buildkit/cmd/buildctl/build"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/auth/authprovider"
	"github.com/moby/buildkit/session/secrets/secretsprovider"
	"github.com/moby/buildkit/session/sshforward/sshprovider"
	"github.com/moby/buildkit/util/entitlements"
	"github.com/moby/buildkit/util/progress/progressui"
	"github.com/tonistiigi/fsutil"
	"golang.org/x/sync/errgroup"

	"github.com/mstage/mstage/frontend"
)

const defaultBuildkitHost = "unix:///run/buildkit/buildkitd.sock"

// buildFlags is the command line of mstage build.
type buildFlags struct {
	file, contextDir, target, platform string
	tags, buildArgs, outputs, secrets  []string
	buildContexts, ssh, cacheFrom      []string
	cacheTo, allow, attest             []string
	push, load                         bool
}

func runBuild(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("build", "[-f FILE] [--target T] [--platform P,...] [-t NAME]... [--push] [--output SPEC]... [--build-arg K=V]... [--secret id=ID,src=FILE|env=VAR]... [--ssh default|ID=PATH]... [--cache-from SPEC]... [--cache-to SPEC]... [--allow ENTITLEMENT]... [--attest type=provenance|sbom,...]... [CONTEXT]", stderr)
	var f buildFlags
	fs.StringVar(&f.file, "f", "", "spec file (default: CONTEXT/mstage.yaml)")
	fs.StringVar(&f.target, "target", "", "stage to build (default: the spec's default target)")
	fs.StringVar(&f.platform, "platform", "", "comma-separated target platforms (default: the spec's platforms)")
	progress := fs.String("progress", "auto", "progress output: auto, plain, tty, quiet or rawjson")
	addr := fs.String("addr", "", "BuildKit address (default: $BUILDKIT_HOST or "+defaultBuildkitHost+"); also docker-container://, podman-container://, kube-pod://, ssh://")
	fs.BoolVar(&f.push, "push", false, "push the image named by -t (shorthand for --output type=image,push=true)")
	fs.BoolVar(&f.load, "load", false, "load the image into Docker (not supported: use --output type=docker,dest=FILE and docker load)")
	for _, m := range []struct {
		list  *[]string
		name  string
		usage string
	}{
		{&f.tags, "t", "image `name` and tag, name:tag (repeatable; with --push, pushed)"},
		{&f.tags, "tag", "same as -t"},
		{&f.buildArgs, "build-arg", "build arg `K=V` (repeatable)"},
		{&f.outputs, "output", "output: type=local,dest=DIR | type=image,name=REF[,push=true] | type=oci|docker|tar,dest=FILE (repeatable)"},
		{&f.outputs, "o", "shorthand for --output"},
		{&f.secrets, "secret", "secret: id=ID,src=FILE or id=ID,env=VAR (repeatable)"},
		{&f.buildContexts, "build-context", "named context `NAME=DIR` (repeatable)"},
		{&f.ssh, "ssh", "SSH agent socket or keys to expose: default, default=PATH or ID=PATH[,PATH] (repeatable)"},
		{&f.cacheFrom, "cache-from", "cache source: type=registry,ref=REF | type=gha | type=local,src=DIR ... (repeatable)"},
		{&f.cacheTo, "cache-to", "cache destination: type=registry,ref=REF[,mode=max] | type=gha | type=local,dest=DIR ... (repeatable)"},
		{&f.allow, "allow", "entitlement to grant: network.host or security.insecure (repeatable)"},
		{&f.attest, "attest", "attestation: type=provenance[,mode=min|max] or type=sbom[,generator=IMAGE] (repeatable)"},
	} {
		fs.Var((*multiFlag)(m.list), m.name, m.usage)
	}
	pos, err := parseArgs(fs, args, 0, 1, "CONTEXT")
	if err != nil {
		return usageExit(err)
	}
	f.contextDir = "."
	if len(pos) == 1 {
		f.contextDir = pos[0]
	}
	if f.file == "" {
		f.file = filepath.Join(f.contextDir, "mstage.yaml")
	}
	opt, err := solveOpt(f)
	if err != nil {
		fmt.Fprintf(stderr, "mstage build: %v\n", err)
		return exitUsage
	}
	host := *addr
	if host == "" {
		host = os.Getenv("BUILDKIT_HOST")
	}
	if host == "" {
		host = defaultBuildkitHost
	}

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()
	c, err := client.New(ctx, host)
	if err != nil {
		fmt.Fprintf(stderr, "mstage build: connecting to %s: %v\n", host, err)
		return exitFail
	}
	defer c.Close()
	display, err := progressui.NewDisplay(stderr, progressui.DisplayMode(*progress))
	if err != nil {
		fmt.Fprintf(stderr, "mstage build: %v\n", err)
		return exitUsage
	}
	ch := make(chan *client.SolveStatus)
	eg, ectx := errgroup.WithContext(ctx)
	var resp *client.SolveResponse
	eg.Go(func() error {
		var err error
		resp, err = c.Build(ectx, *opt, "mstage", frontend.Build, ch)
		return err
	})
	eg.Go(func() error {
		_, err := display.UpdateFrom(context.WithoutCancel(ectx), ch)
		return err
	})
	if err := eg.Wait(); err != nil {
		fmt.Fprintf(stderr, "mstage build: %v\n", err)
		return exitFail
	}
	if d, ok := resp.ExporterResponse["containerimage.digest"]; ok {
		fmt.Fprintf(stdout, "%s\n", d)
	}
	return exitOK
}

// solveOpt turns the command line into a SolveOpt for the mstage frontend.
func solveOpt(f buildFlags) (*client.SolveOpt, error) {
	file, target, platform := f.file, f.target, f.platform
	specDir, err := fsutil.NewFS(filepath.Dir(file))
	if err != nil {
		return nil, fmt.Errorf("spec directory: %w", err)
	}
	mainCtx, err := fsutil.NewFS(f.contextDir)
	if err != nil {
		return nil, fmt.Errorf("context: %w", err)
	}
	opt := &client.SolveOpt{
		LocalMounts: map[string]fsutil.FS{
			dockerui.DefaultLocalNameDockerfile: specDir,
			dockerui.DefaultLocalNameContext:    mainCtx,
		},
		FrontendAttrs: map[string]string{"filename": filepath.Base(file)},
	}
	if target != "" {
		opt.FrontendAttrs["target"] = target
	}
	if platform != "" {
		opt.FrontendAttrs["platform"] = platform
	}
	for _, kv := range f.buildArgs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			if v, ok = os.LookupEnv(k); !ok {
				continue
			}
		}
		opt.FrontendAttrs["build-arg:"+k] = v
	}
	for _, bc := range f.buildContexts {
		name, dir, ok := strings.Cut(bc, "=")
		if !ok || name == "" || dir == "" {
			return nil, fmt.Errorf("--build-context %q: expected NAME=DIR", bc)
		}
		fsys, err := fsutil.NewFS(dir)
		if err != nil {
			return nil, fmt.Errorf("--build-context %s: %w", name, err)
		}
		opt.LocalMounts[name] = fsys
		opt.FrontendAttrs["context:"+name] = "local:" + name
	}
	for _, o := range f.outputs {
		e, err := parseOutput(o)
		if err != nil {
			return nil, err
		}
		opt.Exports = append(opt.Exports, e)
	}
	exports, err := tagExports(f.tags, f.push, f.load, opt.Exports)
	if err != nil {
		return nil, err
	}
	opt.Exports = exports
	from, err := cacheSpecs("--cache-from", f.cacheFrom)
	if err != nil {
		return nil, err
	}
	to, err := cacheSpecs("--cache-to", f.cacheTo)
	if err != nil {
		return nil, err
	}
	if opt.CacheImports, err = buildctl.ParseImportCache(from); err != nil {
		return nil, fmt.Errorf("--cache-from: %w", err)
	}
	if opt.CacheExports, err = buildctl.ParseExportCache(to); err != nil {
		return nil, fmt.Errorf("--cache-to: %w", err)
	}
	for _, a := range f.allow {
		if _, _, err := entitlements.Parse(a); err != nil {
			return nil, fmt.Errorf("--allow %q: %w", a, err)
		}
		opt.AllowedEntitlements = append(opt.AllowedEntitlements, a)
	}
	for _, a := range f.attest {
		k, v, err := parseAttest(a)
		if err != nil {
			return nil, err
		}
		opt.FrontendAttrs[k] = v
	}
	var sources []secretsprovider.Source
	for _, s := range f.secrets {
		src, err := parseSecret(s)
		if err != nil {
			return nil, err
		}
		sources = append(sources, src)
	}
	store, err := secretsprovider.NewStore(sources)
	if err != nil {
		return nil, err
	}
	// Registry credentials come from the Docker config (~/.docker/config.json
	// or $DOCKER_CONFIG), as they do for docker buildx.
	auth := authprovider.NewDockerAuthProvider(authprovider.DockerAuthProviderConfig{
		AuthConfigProvider: authprovider.LoadAuthConfig(config.LoadDefaultConfigFile(io.Discard)),
	})
	opt.Session = []session.Attachable{secretsprovider.NewSecretProvider(store), auth}
	if len(f.ssh) > 0 {
		configs, err := buildctl.ParseSSH(f.ssh)
		if err != nil {
			return nil, fmt.Errorf("--ssh: %w", err)
		}
		sp, err := sshprovider.NewSSHAgentProvider(configs)
		if err != nil {
			return nil, fmt.Errorf("--ssh: %w", err)
		}
		opt.Session = append(opt.Session, sp)
	}
	return opt, nil
}

// cacheSpecs spells a bare REF of --cache-from or --cache-to as
// type=registry,ref=REF, as buildx reads it.
func cacheSpecs(flag string, specs []string) ([]string, error) {
	out := make([]string, len(specs))
	for i, s := range specs {
		if !strings.Contains(s, "=") {
			s = "type=registry,ref=" + s
		} else if kv, _, err := csvFields(s); err != nil || kv["type"] == "" {
			return nil, fmt.Errorf("%s %q: expected type=registry|gha|local|inline|s3|azblob,... or a bare image reference", flag, s)
		}
		out[i] = s
	}
	return out, nil
}

// tagExports applies -t, --push and --load to the exports of --output, as
// docker buildx does: the tags name the image of an image export (one is
// added when there is none), and --push pushes it.
func tagExports(tags []string, push, load bool, exports []client.ExportEntry) ([]client.ExportEntry, error) {
	if load {
		return nil, errors.New("--load needs a Docker daemon, which mstage build does not talk to; use --output type=docker,dest=image.tar and then docker load -i image.tar, or build with docker buildx build --load")
	}
	for _, t := range tags {
		if _, err := reference.ParseNormalizedNamed(t); err != nil {
			return nil, fmt.Errorf("-t %q: %v", t, err)
		}
	}
	if push && len(tags) == 0 {
		hasImage := false
		for _, e := range exports {
			hasImage = hasImage || (e.Type == client.ExporterImage && e.Attrs["name"] != "")
		}
		if !hasImage {
			return nil, errors.New("--push needs an image name: add -t NAME:TAG")
		}
	}
	if len(tags) == 0 && !push {
		return exports, nil
	}
	out := slices.Clone(exports)
	idx := slices.IndexFunc(out, func(e client.ExportEntry) bool { return e.Type == client.ExporterImage })
	if idx < 0 {
		out = append(out, client.ExportEntry{Type: client.ExporterImage, Attrs: map[string]string{}})
		idx = len(out) - 1
	}
	attrs := maps.Clone(out[idx].Attrs)
	if attrs == nil {
		attrs = map[string]string{}
	}
	if len(tags) > 0 {
		names := tags
		if attrs["name"] != "" {
			names = append([]string{attrs["name"]}, tags...)
		}
		attrs["name"] = strings.Join(names, ",")
	}
	if push {
		attrs["push"] = "true"
	}
	out[idx].Attrs = attrs
	return out, nil
}

// parseAttest turns an --attest value (type=provenance,mode=max) into the
// frontend attribute BuildKit reads (attest:provenance=mode=max).
func parseAttest(s string) (string, string, error) {
	kv, order, err := csvFields(s)
	if err != nil {
		return "", "", fmt.Errorf("--attest %q: %v", s, err)
	}
	typ := kv["type"]
	switch typ {
	case "provenance", "sbom":
	case "":
		return "", "", fmt.Errorf("--attest %q: missing type=; expected type=provenance or type=sbom", s)
	default:
		return "", "", fmt.Errorf("--attest %q: unknown type %q; expected provenance or sbom", s, typ)
	}
	var rest []string
	for _, k := range order {
		if k != "type" {
			rest = append(rest, k+"="+kv[k])
		}
	}
	return "attest:" + typ, strings.Join(rest, ","), nil
}

// csvFields splits "a=b,c=d" like docker buildx does, so values may be
// quoted to hold commas.
func csvFields(s string) (map[string]string, []string, error) {
	r := csv.NewReader(strings.NewReader(s))
	fields, err := r.Read()
	if err != nil {
		return nil, nil, err
	}
	kv := map[string]string{}
	var order []string
	for _, f := range fields {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return nil, nil, fmt.Errorf("%q: expected key=value", f)
		}
		k = strings.ToLower(strings.TrimSpace(k))
		kv[k] = v
		order = append(order, k)
	}
	return kv, order, nil
}

// parseOutput parses an --output value: a directory, "-" for a tar on
// stdout is not supported, or type=...,key=value.
func parseOutput(s string) (client.ExportEntry, error) {
	if !strings.Contains(s, "=") {
		return client.ExportEntry{Type: client.ExporterLocal, OutputDir: s}, nil
	}
	kv, _, err := csvFields(s)
	if err != nil {
		return client.ExportEntry{}, fmt.Errorf("--output %q: %v", s, err)
	}
	typ := kv["type"]
	delete(kv, "type")
	switch typ {
	case client.ExporterLocal:
		dest := kv["dest"]
		if dest == "" {
			return client.ExportEntry{}, fmt.Errorf("--output %q: type=local needs dest=DIR", s)
		}
		delete(kv, "dest")
		return client.ExportEntry{Type: typ, OutputDir: dest, Attrs: kv}, nil
	case client.ExporterTar, client.ExporterOCI, client.ExporterDocker:
		dest := kv["dest"]
		if dest == "" {
			return client.ExportEntry{}, fmt.Errorf("--output %q: type=%s needs dest=FILE", s, typ)
		}
		delete(kv, "dest")
		return client.ExportEntry{Type: typ, Attrs: kv, Output: func(map[string]string) (io.WriteCloser, error) {
			return os.Create(dest)
		}}, nil
	case client.ExporterImage, "registry":
		if kv["name"] == "" {
			return client.ExportEntry{}, fmt.Errorf("--output %q: type=%s needs name=REF", s, typ)
		}
		if typ == "registry" {
			kv["push"] = "true"
		}
		return client.ExportEntry{Type: client.ExporterImage, Attrs: kv}, nil
	case "":
		return client.ExportEntry{}, fmt.Errorf("--output %q: missing type=", s)
	default:
		return client.ExportEntry{}, fmt.Errorf("--output %q: unknown type %q; expected local, image, registry, oci, docker or tar", s, typ)
	}
}

// parseSecret parses a --secret value: id=ID,src=FILE or id=ID,env=VAR.
func parseSecret(s string) (secretsprovider.Source, error) {
	kv, _, err := csvFields(s)
	if err != nil {
		return secretsprovider.Source{}, fmt.Errorf("--secret %q: %v", s, err)
	}
	src := secretsprovider.Source{ID: kv["id"], FilePath: kv["src"], Env: kv["env"]}
	if src.FilePath == "" {
		src.FilePath = kv["source"]
	}
	for k := range kv {
		switch k {
		case "id", "src", "source", "env", "type":
		default:
			return src, fmt.Errorf("--secret %q: unknown key %q; expected id, src or env", s, k)
		}
	}
	if src.ID == "" {
		return src, fmt.Errorf("--secret %q: missing id=", s)
	}
	if src.FilePath != "" && src.Env != "" {
		return src, fmt.Errorf("--secret %q: set src or env, not both", s)
	}
	return src, nil
}
