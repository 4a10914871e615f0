package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/docker/cli/cli/config"
	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/auth/authprovider"
	"github.com/moby/buildkit/session/secrets/secretsprovider"
	"github.com/moby/buildkit/util/progress/progressui"
	"github.com/tonistiigi/fsutil"
	"golang.org/x/sync/errgroup"

	"github.com/mstage/mstage/frontend"
)

const defaultBuildkitHost = "unix:///run/buildkit/buildkitd.sock"

func runBuild(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("build", "[-f FILE] [--target T] [--platform P,...] [--output SPEC]... [--build-arg K=V]... [--secret id=ID,src=FILE|env=VAR]... [CONTEXT]", stderr)
	file := fs.String("f", "", "spec file (default: CONTEXT/mstage.yaml)")
	target := fs.String("target", "", "stage to build (default: the spec's default target)")
	platform := fs.String("platform", "", "comma-separated target platforms (default: the spec's platforms)")
	progress := fs.String("progress", "auto", "progress output: auto, plain, tty, quiet or rawjson")
	addr := fs.String("addr", "", "BuildKit address (default: $BUILDKIT_HOST or "+defaultBuildkitHost+")")
	var buildArgs, outputs, secrets, buildContexts multiFlag
	fs.Var(&buildArgs, "build-arg", "build arg K=V (repeatable)")
	fs.Var(&outputs, "output", "output: type=local,dest=DIR | type=image,name=REF[,push=true] | type=oci|docker|tar,dest=FILE (repeatable)")
	fs.Var(&outputs, "o", "shorthand for --output")
	fs.Var(&secrets, "secret", "secret: id=ID,src=FILE or id=ID,env=VAR (repeatable)")
	fs.Var(&buildContexts, "build-context", "named context NAME=DIR (repeatable)")
	pos, err := parseArgs(fs, args, 0, 1, "CONTEXT")
	if err != nil {
		return usageExit(err)
	}
	contextDir := "."
	if len(pos) == 1 {
		contextDir = pos[0]
	}
	if *file == "" {
		*file = filepath.Join(contextDir, "mstage.yaml")
	}
	opt, err := solveOpt(*file, contextDir, *target, *platform, buildArgs, outputs, secrets, buildContexts)
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
func solveOpt(file, contextDir, target, platform string, buildArgs, outputs, secrets, buildContexts []string) (*client.SolveOpt, error) {
	specDir, err := fsutil.NewFS(filepath.Dir(file))
	if err != nil {
		return nil, fmt.Errorf("spec directory: %w", err)
	}
	mainCtx, err := fsutil.NewFS(contextDir)
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
	for _, kv := range buildArgs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			if v, ok = os.LookupEnv(k); !ok {
				continue
			}
		}
		opt.FrontendAttrs["build-arg:"+k] = v
	}
	for _, bc := range buildContexts {
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
	for _, o := range outputs {
		e, err := parseOutput(o)
		if err != nil {
			return nil, err
		}
		opt.Exports = append(opt.Exports, e)
	}
	var sources []secretsprovider.Source
	for _, s := range secrets {
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
	return opt, nil
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
