package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/secrets/secretsprovider"
	"github.com/tonistiigi/fsutil"

	"github.com/mstage/mstage/frontend"
)

const specFile = "mstage.yaml"

// mode is one way of invoking the frontend.
type mode interface {
	name() string
	// unavailable says why the mode cannot run in e ("" when it can).
	unavailable(e *env) string
	build(ctx context.Context, t *testing.T, e *env, req buildRequest) *buildResult
}

func allModes() []mode { return []mode{clientMode{}, gatewayMode{}, buildxMode{}} }

// clientMode runs frontend.Build in the test process through client.Build.
type clientMode struct{}

func (clientMode) name() string { return "client" }

func (clientMode) unavailable(*env) string { return "" }

func (clientMode) build(ctx context.Context, t *testing.T, e *env, req buildRequest) *buildResult {
	res := &buildResult{}
	addr := e.host
	if req.daemon != nil {
		addr = req.daemon.addr
	}
	c, err := client.New(ctx, addr)
	if err != nil {
		res.err = fmt.Errorf("connecting to buildkitd at %s: %w", addr, err)
		return res
	}
	defer c.Close()

	mainFS, err := fsutil.NewFS(req.dir)
	if err != nil {
		res.err = err
		return res
	}
	opt := client.SolveOpt{
		LocalMounts:   map[string]fsutil.FS{"context": mainFS, "dockerfile": mainFS},
		FrontendAttrs: map[string]string{"filename": specFile},
	}
	if req.target != "" {
		opt.FrontendAttrs["target"] = req.target
	}
	if len(req.platforms) > 0 {
		opt.FrontendAttrs["platform"] = strings.Join(req.platforms, ",")
	}
	for k, v := range req.args {
		opt.FrontendAttrs["build-arg:"+k] = v
	}
	if req.noCache != nil {
		opt.FrontendAttrs["no-cache"] = strings.Join(req.noCache, ",")
	}
	for k, v := range req.frontendAttrs {
		opt.FrontendAttrs[k] = v
	}
	for name, dir := range req.contexts {
		fs, err := fsutil.NewFS(dir)
		if err != nil {
			res.err = err
			return res
		}
		opt.LocalMounts[name] = fs
		opt.FrontendAttrs["context:"+name] = "local:" + name
	}
	if len(req.secrets) > 0 {
		m := map[string][]byte{}
		for k, v := range req.secrets {
			m[k] = []byte(v)
		}
		opt.Session = []session.Attachable{secretsprovider.FromMap(m)}
	}
	switch req.out.kind {
	case outputImage:
		opt.Exports = []client.ExportEntry{{Type: client.ExporterImage, Attrs: map[string]string{
			"name": req.out.ref, "push": "true", "registry.insecure": "true",
		}}}
	case outputLocal:
		opt.Exports = []client.ExportEntry{{Type: client.ExporterLocal, OutputDir: req.out.dir}}
	case outputTar:
		file := req.out.dir
		opt.Exports = []client.ExportEntry{{Type: client.ExporterTar, Output: func(map[string]string) (io.WriteCloser, error) {
			return os.Create(file)
		}}}
	}
	if req.cacheTo != "" {
		opt.CacheExports = []client.CacheOptionsEntry{{Type: "registry", Attrs: map[string]string{
			"ref": req.cacheTo, "mode": "max", "registry.insecure": "true",
		}}}
	}
	if req.cacheFrom != "" {
		opt.CacheImports = []client.CacheOptionsEntry{{Type: "registry", Attrs: map[string]string{
			"ref": req.cacheFrom, "registry.insecure": "true",
		}}}
	}

	ch := make(chan *client.SolveStatus)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for s := range ch {
			res.statuses = append(res.statuses, s)
		}
	}()
	resp, err := c.Build(ctx, opt, "", frontend.Build, ch)
	<-done
	res.err = err
	if resp != nil {
		res.metadata = resp.ExporterResponse
	}
	return res
}

// gatewayMode runs buildctl with the dockerfile.v0 frontend, which forwards to
// the frontend image through BUILDKIT_SYNTAX.
type gatewayMode struct{}

func (gatewayMode) name() string { return "gateway" }

func (gatewayMode) unavailable(e *env) string {
	if e.frontend == "" {
		return "MSTAGE_FRONTEND_IMAGE is not set (hack/build-frontend.sh prints it; hack/test.sh sets it)"
	}
	if _, err := exec.LookPath("buildctl"); err != nil {
		return "buildctl is not on PATH (eval \"$(hack/env.sh env)\")"
	}
	return ""
}

func (gatewayMode) build(ctx context.Context, t *testing.T, e *env, req buildRequest) *buildResult {
	addr := e.host
	if req.daemon != nil {
		addr = req.daemon.addr
	}
	meta := filepath.Join(t.TempDir(), "metadata.json")
	args := []string{"--addr", addr, "build",
		"--frontend", "dockerfile.v0",
		"--local", "context=" + req.dir,
		"--local", "dockerfile=" + req.dir,
		"--opt", "filename=" + specFile,
		"--opt", "build-arg:BUILDKIT_SYNTAX=" + e.frontend,
		"--progress", "rawjson",
		"--metadata-file", meta,
	}
	if req.target != "" {
		args = append(args, "--opt", "target="+req.target)
	}
	if req.noCache != nil {
		args = append(args, "--opt", "no-cache="+strings.Join(req.noCache, ","))
	}
	if len(req.platforms) > 0 {
		args = append(args, "--opt", "platform="+strings.Join(req.platforms, ","))
	}
	for _, k := range sortedKeys(req.args) {
		args = append(args, "--opt", "build-arg:"+k+"="+req.args[k])
	}
	for _, name := range sortedKeys(req.contexts) {
		args = append(args, "--local", name+"="+req.contexts[name], "--opt", "context:"+name+"=local:"+name)
	}
	for _, id := range sortedKeys(req.secrets) {
		args = append(args, "--secret", "id="+id+",src="+secretFile(t, id, req.secrets[id]))
	}
	switch req.out.kind {
	case outputImage:
		args = append(args, "--output", "type=image,name="+req.out.ref+",push=true,registry.insecure=true")
	case outputLocal:
		args = append(args, "--output", "type=local,dest="+req.out.dir)
	case outputTar:
		args = append(args, "--output", "type=tar,dest="+req.out.dir)
	}
	if req.cacheTo != "" {
		args = append(args, "--export-cache", "type=registry,ref="+req.cacheTo+",mode=max,registry.insecure=true")
	}
	if req.cacheFrom != "" {
		args = append(args, "--import-cache", "type=registry,ref="+req.cacheFrom+",registry.insecure=true")
	}
	return runCLI(ctx, t, meta, "buildctl", args...)
}

// buildxMode runs buildx build, the way users run mstage.
type buildxMode struct{}

func (buildxMode) name() string { return "buildx" }

func (buildxMode) unavailable(e *env) string {
	if e.frontend == "" {
		return "MSTAGE_FRONTEND_IMAGE is not set (hack/build-frontend.sh prints it; hack/test.sh sets it)"
	}
	if e.builder == "" {
		return "MSTAGE_BUILDER is not set (eval \"$(hack/env.sh env)\")"
	}
	if _, err := exec.LookPath("buildx"); err != nil {
		return "buildx is not on PATH (eval \"$(hack/env.sh env)\")"
	}
	return ""
}

func (buildxMode) build(ctx context.Context, t *testing.T, e *env, req buildRequest) *buildResult {
	builder := e.builder
	if req.daemon != nil {
		builder = req.daemon.buildxBuilder(t)
	}
	meta := filepath.Join(t.TempDir(), "metadata.json")
	args := []string{"build",
		"--builder", builder,
		"--file", filepath.Join(req.dir, specFile),
		"--build-arg", "BUILDKIT_SYNTAX=" + e.frontend,
		"--progress", "rawjson",
		"--metadata-file", meta,
	}
	if req.target != "" {
		args = append(args, "--target", req.target)
	}
	switch {
	case req.noCache == nil:
	case len(req.noCache) == 0:
		args = append(args, "--no-cache")
	default:
		args = append(args, "--no-cache-filter", strings.Join(req.noCache, ","))
	}
	if len(req.platforms) > 0 {
		args = append(args, "--platform", strings.Join(req.platforms, ","))
	}
	for _, k := range sortedKeys(req.args) {
		args = append(args, "--build-arg", k+"="+req.args[k])
	}
	for _, name := range sortedKeys(req.contexts) {
		args = append(args, "--build-context", name+"="+req.contexts[name])
	}
	for _, id := range sortedKeys(req.secrets) {
		args = append(args, "--secret", "id="+id+",src="+secretFile(t, id, req.secrets[id]))
	}
	switch req.out.kind {
	case outputImage:
		args = append(args, "--output", "type=image,name="+req.out.ref+",push=true,registry.insecure=true")
	case outputLocal:
		args = append(args, "--output", "type=local,dest="+req.out.dir)
	case outputTar:
		args = append(args, "--output", "type=tar,dest="+req.out.dir)
	}
	if req.cacheTo != "" {
		args = append(args, "--cache-to", "type=registry,ref="+req.cacheTo+",mode=max,registry.insecure=true")
	}
	if req.cacheFrom != "" {
		args = append(args, "--cache-from", "type=registry,ref="+req.cacheFrom+",registry.insecure=true")
	}
	args = append(args, req.dir)
	return runCLI(ctx, t, meta, "buildx", args...)
}

func secretFile(t *testing.T, id, value string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "secret-"+id)
	if err := os.WriteFile(p, []byte(value), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// runCLI runs a build client whose progress is --progress rawjson on stderr,
// separating the status stream from the rest of stderr.
func runCLI(ctx context.Context, t *testing.T, metadataFile, bin string, args ...string) *buildResult {
	t.Logf("$ %s %s", bin, strings.Join(args, " "))
	res := &buildResult{}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.WaitDelay = 10 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()

	var text strings.Builder
	sc := bufio.NewScanner(&stderr)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if bytes.HasPrefix(line, []byte("{")) {
			var s client.SolveStatus
			if json.Unmarshal(line, &s) == nil {
				res.statuses = append(res.statuses, &s)
				continue
			}
		}
		text.Write(line)
		text.WriteByte('\n')
	}
	if stdout.Len() > 0 {
		text.WriteString(stdout.String())
	}
	res.stderr = text.String()
	if err != nil {
		// The command line stays out of the error: cases search it for names.
		res.err = fmt.Errorf("%s: %w", bin, err)
	}
	if md, err := readMetadata(metadataFile); err == nil {
		res.metadata = md
	}
	return res
}

// readMetadata decodes a --metadata-file: string values as themselves,
// anything else as its JSON text.
func readMetadata(path string) (map[string]string, error) {
	dt, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(dt, &raw); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k, v := range raw {
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[k] = s
		} else {
			out[k] = string(v)
		}
	}
	return out, nil
}
