package llbgen

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/llbgen/llbtest"
)

func TestGoArtifactCrossCompilesOnBuildPlatform(t *testing.T) {
	res, g := build(t, "go.yaml", "app", arm64)

	run := g.ExecContaining("go build")
	if run == nil {
		t.Fatalf("no go build exec; ops: %v", g.Names())
	}
	if got := platformOf(run); got != "linux/amd64" {
		t.Errorf("go build runs on %s, want the build platform linux/amd64", got)
	}
	env := llbtest.Env(run)
	for k, want := range map[string]string{
		"GOOS": "linux", "GOARCH": "arm64", "CGO_ENABLED": "0",
		"VERSION": "dev", "GOLANG_VERSION": "1.26.0",
		"GOCACHE": "/root/.cache/go-build",
	} {
		if env[k] != want {
			t.Errorf("env %s = %q, want %q (env %v)", k, env[k], want, env)
		}
	}
	for _, k := range []string{"UNUSED", "GOARM", "TARGETARCH"} {
		if _, ok := env[k]; ok {
			t.Errorf("env has %s, which the command does not reference", k)
		}
	}
	if got := run.GetExec().Meta.Cwd; got != "/src" {
		t.Errorf("cwd = %q, want /src", got)
	}
	wantArgs := []string{"/bin/sh", "-c", `go build -ldflags "-X main.version=$VERSION" -o /out/app ./cmd/app`}
	if got := run.GetExec().Meta.Args; !slices.Equal(got, wantArgs) {
		t.Errorf("args = %q, want %q", got, wantArgs)
	}
	for target, id := range map[string]string{"/go/pkg/mod": "mstage/demo/gomod", "/root/.cache/go-build": "mstage/demo/gobuild"} {
		m := llbtest.Mount(run, target)
		if m == nil || m.MountType != pb.MountType_CACHE {
			t.Fatalf("no cache mount at %s", target)
		}
		if m.CacheOpt.ID != id || m.CacheOpt.Sharing != pb.CacheSharingOpt_SHARED {
			t.Errorf("cache %s = %s/%v, want %s/SHARED", target, m.CacheOpt.ID, m.CacheOpt.Sharing, id)
		}
	}
	secret := llbtest.Mount(run, "/root/.netrc")
	if secret == nil || secret.MountType != pb.MountType_SECRET || secret.SecretOpt.ID != "netrc" || !secret.SecretOpt.Optional {
		t.Errorf("secret mount = %v, want optional secret netrc at /root/.netrc", secret)
	}
	ssh := llbtest.Mount(run, "/run/buildkit/ssh_agent.0")
	if ssh == nil || ssh.MountType != pb.MountType_SSH || ssh.SSHOpt.ID != "default" {
		t.Errorf("ssh mount = %v, want ssh default", ssh)
	}

	// Vertex names follow the Dockerfile's numbering.
	wantNames := []string{
		"[go] FROM docker.io/library/golang:1.26",
		"[app 1/5] WORKDIR /src",
		"[app 2/5] COPY go.mod go.sum ./",
		"[app 3/5] RUN go mod download",
		"[app 4/5] COPY .",
		`[app 5/5] RUN go build -ldflags "-X main.version=$VERSION" -o /out/app ./cmd/app`,
		"[app] OUTPUTS /out/app",
	}
	for _, n := range wantNames {
		if !slices.Contains(g.Names(), n) && !slices.ContainsFunc(g.Names(), func(s string) bool { return strings.HasPrefix(s, n+" ") }) {
			t.Errorf("no vertex named %q; names: %q", n, g.Names())
		}
	}
	if src := g.Sources(); !slices.ContainsFunc(src, func(o *llbtest.Op) bool {
		return strings.HasPrefix(o.GetSource().Identifier, "docker-image://docker.io/library/golang:1.26@sha256:") && platformOf(o) == "linux/amd64"
	}) {
		t.Errorf("golang image not pinned on linux/amd64")
	}

	// The output filesystem has the binary at its root.
	head := g.ByDigest[g.Head]
	cp := head.GetFile().Actions[0].GetCopy()
	if cp.Src != "/out/app" || cp.Dest != "/app" {
		t.Errorf("output copy %s -> %s, want /out/app -> /app", cp.Src, cp.Dest)
	}
	if res.Image.Architecture != "arm64" || res.Image.OS != "linux" {
		t.Errorf("artifact image platform = %s/%s, want linux/arm64", res.Image.OS, res.Image.Architecture)
	}
	if len(res.Guards) != 1 || res.Guards[0].Stage != "app" || !slices.Equal(res.Guards[0].Paths, []string{"/app"}) || res.Guards[0].Platform.Architecture != "arm64" {
		t.Errorf("guards = %+v, want app /app for arm64", res.Guards)
	}
}

func TestManifestsFirst(t *testing.T) {
	_, g := build(t, "go.yaml", "app", amd64)
	fetch := g.ExecContaining("go mod download")
	if fetch == nil {
		t.Fatal("no go mod download step")
	}
	if got := fetch.GetExec().Meta.Args[2]; got != "[ ! -f go.mod ] || go mod download" {
		t.Errorf("fetch command = %q", got)
	}
	if m := llbtest.Mount(fetch, "/go/pkg/mod"); m == nil || m.CacheOpt.ID != "mstage/demo/gomod" {
		t.Errorf("fetch has no module cache mount")
	}
	// The fetch's root is the manifest copy, whose sources are wildcards
	// so that a missing go.sum does not fail the build.
	manifests := g.Input(fetch, 0)
	if manifests == nil || manifests.GetFile() == nil {
		t.Fatal("fetch does not run on the manifest copy")
	}
	var srcs []string
	for _, a := range manifests.GetFile().Actions {
		srcs = append(srcs, a.GetCopy().Src)
		if !a.GetCopy().AllowEmptyWildcard {
			t.Errorf("manifest copy of %s does not allow a missing file", a.GetCopy().Src)
		}
	}
	if !slices.Equal(srcs, []string{"/go.mo[d]", "/go.su[m]"}) {
		t.Errorf("manifest sources = %q", srcs)
	}
	// The whole-context copy comes after the fetch.
	build := g.ExecContaining("go build")
	whole := g.Input(build, 0)
	if whole.GetFile() == nil || g.Input(whole, 0) != fetch {
		t.Errorf("whole-context copy does not follow the fetch")
	}
}

func TestGOARM(t *testing.T) {
	_, g := build(t, "go.yaml", "app", armv7)
	env := llbtest.Env(g.ExecContaining("go build"))
	if env["GOARCH"] != "arm" || env["GOARM"] != "7" {
		t.Errorf("GOARCH=%q GOARM=%q, want arm and 7", env["GOARCH"], env["GOARM"])
	}
}

func TestEmulatedBuilderRunsOnTargetPlatform(t *testing.T) {
	res, g := build(t, "go.yaml", "tool", arm64)
	run := g.ExecContaining("make tool")
	if run == nil {
		t.Fatal("no make tool exec")
	}
	if got := platformOf(run); got != "linux/arm64" {
		t.Errorf("make runs on %s, want linux/arm64", got)
	}
	env := llbtest.Env(run)
	if env["TARGETARCH"] != "arm64" {
		t.Errorf("TARGETARCH = %q, want arm64", env["TARGETARCH"])
	}
	if _, ok := env["GOARCH"]; ok {
		t.Errorf("a builder without a preset got GOARCH")
	}
	if m := llbtest.Mount(run, "/go/pkg/mod"); m != nil {
		t.Errorf("a builder without a preset got a go cache mount")
	}
	if got := res.Guards[0].Paths; !slices.Equal(got, []string{"/tool", "/"}) {
		t.Errorf("guard paths = %q, want /tool and /", got)
	}
}

func TestBuildPlatformArtifactIsIdenticalAcrossTargets(t *testing.T) {
	s, dt := load(t, "go.yaml")
	var digests []string
	for _, tp := range []ocispecs.Platform{amd64, arm64, armv7} {
		res := compile(t, s, options("test", tp, s, dt))
		g := llbtest.Decode(t, res.State)
		digests = append(digests, g.Head.String())
		run := g.ExecContaining("go test")
		if run == nil || platformOf(run) != "linux/amd64" {
			t.Fatalf("go test missing or not on the build platform")
		}
		if env := llbtest.Env(run); env["GOARCH"] != "" {
			t.Errorf("a build-platform artifact got GOARCH=%s", env["GOARCH"])
		}
		if len(res.Guards) != 0 {
			t.Errorf("an artifact without outputs has guards %+v", res.Guards)
		}
	}
	if digests[0] != digests[1] || digests[1] != digests[2] {
		t.Errorf("digests differ across targets: %v", digests)
	}
	// Its gate in web is the same state for every target too.
	var gates []string
	for _, tp := range []ocispecs.Platform{amd64, arm64} {
		res := compile(t, s, options("web", tp, s, dt))
		gates = append(gates, llbtest.Decode(t, res.Gates[0].State).Head.String())
	}
	if gates[0] != gates[1] || gates[0] != digests[0] {
		t.Errorf("gate digests %v, want %s for both", gates, digests[0])
	}
}

func TestRuntimeOnScratch(t *testing.T) {
	epoch := time.Unix(1700000000, 0).UTC()
	s, dt := load(t, "go.yaml")
	opt := options("web", arm64, s, dt)
	opt.Epoch = &epoch
	opt.Labels = map[string]string{"extra": "yes"}
	res := compile(t, s, opt)
	g := llbtest.Decode(t, res.State)

	if g.ExecContaining("unrelated-command") != nil || g.ExecContaining("make tool") != nil {
		t.Error("web's graph has a stage it does not reach")
	}
	if g.ExecContaining("go test") != nil {
		t.Error("the needed test is part of web's filesystem")
	}
	if len(res.Gates) != 1 || res.Gates[0].Stage != "test" {
		t.Fatalf("gates = %+v, want test", res.Gates)
	}
	if llbtest.Decode(t, res.Gates[0].State).ExecContaining("go test") == nil {
		t.Error("the test gate does not run go test")
	}
	if len(res.Guards) != 1 || res.Guards[0].Stage != "app" || res.Guards[0].Platform.Architecture != "arm64" {
		t.Errorf("guards = %+v, want app for arm64", res.Guards)
	}

	img := res.Image
	cfg := img.Config
	if img.OS != "linux" || img.Architecture != "arm64" || img.RootFS.Type != "layers" {
		t.Errorf("image platform %s/%s rootfs %q", img.OS, img.Architecture, img.RootFS.Type)
	}
	if cfg.User != "65532:65532" {
		t.Errorf("user = %q, want 65532:65532", cfg.User)
	}
	if !slices.Equal(cfg.Entrypoint, []string{"/usr/local/bin/app"}) || !slices.Equal(cfg.Cmd, []string{"/bin/sh", "-c", "serve"}) {
		t.Errorf("entrypoint %q cmd %q", cfg.Entrypoint, cfg.Cmd)
	}
	for _, p := range []string{"8080/tcp", "9090/udp"} {
		if _, ok := cfg.ExposedPorts[p]; !ok {
			t.Errorf("port %s not exposed: %v", p, cfg.ExposedPorts)
		}
	}
	if cfg.Labels["org.opencontainers.image.title"] != "web" || cfg.Labels["extra"] != "yes" {
		t.Errorf("labels = %v", cfg.Labels)
	}
	if !slices.Contains(cfg.Env, "MODE=prod") || !slices.ContainsFunc(cfg.Env, func(e string) bool { return strings.HasPrefix(e, "PATH=") }) {
		t.Errorf("env = %q", cfg.Env)
	}
	if cfg.StopSignal != "SIGTERM" {
		t.Errorf("stop signal = %q", cfg.StopSignal)
	}
	if hc := cfg.Healthcheck; hc == nil || !slices.Equal(hc.Test, []string{"CMD", "/usr/local/bin/app", "health"}) || hc.Interval != 30*time.Second || hc.Retries != 3 {
		t.Errorf("healthcheck = %+v", cfg.Healthcheck)
	}
	if res.Epoch == nil || !res.Epoch.Equal(epoch) {
		t.Errorf("epoch = %v, want %v", res.Epoch, epoch)
	}
	if res.BaseImage != nil {
		t.Errorf("scratch runtime has base image %+v", res.BaseImage)
	}
	layers := 0
	for _, h := range img.History {
		if h.Created == nil || !h.Created.Equal(epoch) {
			t.Errorf("history %q created %v, want the epoch", h.CreatedBy, h.Created)
		}
		if !h.EmptyLayer {
			layers++
		}
	}
	if layers != 2 { // passwd, copy
		t.Errorf("history has %d layers, want 2: %+v", layers, img.History)
	}
	if !slices.ContainsFunc(img.History, func(h ocispecs.History) bool { return h.CreatedBy == "COPY --from=app / /usr/local/bin/" }) {
		t.Errorf("no history entry for the copy: %+v", img.History)
	}

	// /etc/passwd names the default user.
	var passwd, group string
	for _, f := range g.Files() {
		for _, a := range f.GetFile().Actions {
			if mk := a.GetMkfile(); mk != nil {
				switch mk.Path {
				case "/etc/passwd":
					passwd = string(mk.Data)
				case "/etc/group":
					group = string(mk.Data)
				}
				if mk.Timestamp != epoch.UnixNano() {
					t.Errorf("%s timestamp %d, want the epoch", mk.Path, mk.Timestamp)
				}
			}
		}
	}
	if !strings.Contains(passwd, "nonroot:x:65532:65532:") || !strings.HasPrefix(passwd, "root:x:0:0:") || !strings.Contains(group, "nonroot:x:65532:") {
		t.Errorf("passwd %q group %q", passwd, group)
	}
	// Writing the files would bump /etc's mtime to the build time; they
	// reach the runtime through a copy that stamps /etc with the epoch.
	stamped := false
	for _, f := range g.Files() {
		for _, a := range f.GetFile().Actions {
			if cp := a.GetCopy(); cp != nil && cp.Src == "/" && cp.Dest == "/" && cp.DirCopyContents && cp.Timestamp == epoch.UnixNano() {
				stamped = true
			}
		}
	}
	if !stamped {
		t.Error("/etc/passwd and /etc/group are not copied in with the epoch timestamp")
	}

	// The copy is linked: a copy into scratch merged onto the runtime.
	merges := g.Merges()
	if len(merges) != 1 {
		t.Fatalf("%d merges, want 1", len(merges))
	}
	diff := g.Input(merges[0], 1)
	cp := diff.GetFile().Actions[0].GetCopy()
	if cp.Src != "/" || cp.Dest != "/usr/local/bin/" || !cp.DirCopyContents || cp.Timestamp != epoch.UnixNano() {
		t.Errorf("linked copy = %+v", cp)
	}
}

func TestRuntimeOnImage(t *testing.T) {
	res, g := build(t, "go.yaml", "tools", arm64)
	if res.Image.Config.User != "1000" {
		t.Errorf("user = %q", res.Image.Config.User)
	}
	for _, f := range g.Files() {
		for _, a := range f.GetFile().Actions {
			if mk := a.GetMkfile(); mk != nil && mk.Path == "/etc/passwd" {
				t.Error("a runtime on an image got a generated /etc/passwd")
			}
		}
	}
	run := g.ExecContaining("apt-get update")
	if run == nil || platformOf(run) != "linux/arm64" || run.GetExec().Meta.User != "1000" {
		t.Errorf("apt-get step missing, off-platform or not run as the runtime's user")
	}
	if res.BaseImage == nil || res.BaseImage.Architecture != "arm64" {
		t.Errorf("base image = %+v", res.BaseImage)
	}
	// quiet has arch-guard: false.
	var stages []string
	for _, gd := range res.Guards {
		stages = append(stages, gd.Stage)
	}
	if !slices.Equal(stages, []string{"tool"}) {
		t.Errorf("guarded stages = %q, want tool only", stages)
	}
	if g.ExecContaining("make tool") == nil || g.ExecContaining("go build -o /out/quiet") == nil {
		t.Error("copied artifacts are not built")
	}
}

func TestRuntimeFromAndNumericUser(t *testing.T) {
	res, g := build(t, "runtimes.yaml", "child", amd64)
	cfg := res.Image.Config
	if cfg.User != "1001:1002" || cfg.WorkingDir != "/app" {
		t.Errorf("user %q workdir %q, want the base runtime's", cfg.User, cfg.WorkingDir)
	}
	if !slices.Equal(cfg.Entrypoint, []string{"/bin/sh", "-c", "/app/run --fast"}) {
		t.Errorf("entrypoint = %q", cfg.Entrypoint)
	}
	if _, ok := cfg.Volumes["/data"]; !ok {
		t.Errorf("volumes = %v", cfg.Volumes)
	}
	var passwd string
	for _, f := range g.Files() {
		for _, a := range f.GetFile().Actions {
			if mk := a.GetMkfile(); mk != nil && mk.Path == "/etc/passwd" {
				passwd = string(mk.Data)
			}
		}
	}
	if !strings.Contains(passwd, "nonroot:x:1001:1002:") {
		t.Errorf("passwd = %q", passwd)
	}
	if len(g.Merges()) != 0 {
		t.Error("link: false copy was linked")
	}
	mkdir := g.Named("[base 1/2] WORKDIR /app")
	if mkdir == nil {
		t.Fatalf("no workdir op; names %q", g.Names())
	}
	owner := mkdir.GetFile().Actions[0].GetMkdir().Owner
	if owner.GetUser().GetByID() != 1001 {
		t.Errorf("workdir owner = %v, want uid 1001", owner)
	}
}

func TestChownByNameIsNotLinked(t *testing.T) {
	s, dt := load(t, "runtimes.yaml")
	res := compile(t, s, options("named", amd64, s, dt))
	g := llbtest.Decode(t, res.State)
	if len(g.Merges()) != 0 {
		t.Error("a copy with chown by name was linked")
	}
}

func TestMounts(t *testing.T) {
	s, dt := load(t, "mounts.yaml")
	opt := options("work", arm64, s, dt)
	opt.CacheNamespace = "ns"
	opt.Run = RunDefaults{
		NetworkMode: pb.NetMode_HOST,
		Ulimits:     []*pb.Ulimit{{Name: "nofile", Soft: 1024, Hard: 2048}},
		ShmSize:     1 << 20,
		Hostname:    "builder",
	}
	res := compile(t, s, opt)
	g := llbtest.Decode(t, res.State)
	run := g.ExecContaining("make all")
	if run == nil {
		t.Fatal("no make exec")
	}
	ex := run.GetExec()
	if !slices.Equal(ex.Meta.Args, []string{"sh", "-c", "make all"}) {
		t.Errorf("args = %q", ex.Meta.Args)
	}
	env := llbtest.Env(run)
	if env["FROM_BUILDER"] != "1" || env["STAGE"] != "s" || env["STEP"] != "t" {
		t.Errorf("env = %v", env)
	}
	if ex.Meta.Cwd != "/w/sub" || ex.Meta.User != "root" || ex.Network != pb.NetMode_NONE {
		t.Errorf("cwd %q user %q network %v", ex.Meta.Cwd, ex.Meta.User, ex.Network)
	}
	if ex.Meta.Hostname != "builder" || len(ex.Meta.Ulimit) != 1 || ex.Meta.Ulimit[0].Name != "nofile" {
		t.Errorf("hostname %q ulimits %v", ex.Meta.Hostname, ex.Meta.Ulimit)
	}
	if m := llbtest.Mount(run, "/dev/shm"); m == nil || m.MountType != pb.MountType_TMPFS || m.TmpfsOpt.Size != 1<<20 {
		t.Errorf("shm mount = %v", m)
	}
	if m := llbtest.Mount(run, "/root/.cache"); m == nil || m.CacheOpt.ID != "ns/mycache" || m.CacheOpt.Sharing != pb.CacheSharingOpt_LOCKED {
		t.Errorf("cache mount = %v", m)
	}
	if m := llbtest.Mount(run, "/var/cache/apk"); m == nil || m.CacheOpt.ID != "ns//var/cache/apk" && m.CacheOpt.ID != "ns/var/cache/apk" {
		t.Errorf("default cache id = %v", m)
	}
	var envSecret, fileSecret *pb.Mount
	for _, m := range ex.Mounts {
		if m.MountType == pb.MountType_SECRET {
			switch m.SecretOpt.ID {
			case "token":
				envSecret = m
			case "npmrc":
				fileSecret = m
			}
		}
	}
	if envSecret != nil {
		t.Errorf("a secret exposed as env is also mounted: %v", envSecret)
	}
	if !slices.ContainsFunc(ex.Secretenv, func(s *pb.SecretEnv) bool { return s.ID == "token" && s.Name == "TOKEN" && !s.Optional }) {
		t.Errorf("secret env = %v, want required token as TOKEN", ex.Secretenv)
	}
	if fileSecret == nil || fileSecret.Dest != "/run/secrets/npmrc" || !fileSecret.SecretOpt.Optional || fileSecret.SecretOpt.Mode != 0o400 {
		t.Errorf("file secret = %v", fileSecret)
	}
	if m := llbtest.Mount(run, "/ssh.sock"); m == nil || m.SSHOpt.ID != "github" || m.SSHOpt.Optional {
		t.Errorf("ssh mount = %v", m)
	}
	if m := llbtest.Mount(run, "/tmp"); m == nil || m.MountType != pb.MountType_TMPFS || m.TmpfsOpt.Size != 64<<20 {
		t.Errorf("tmpfs = %v", m)
	}
	gen := llbtest.Mount(run, "/gen")
	if gen == nil || !gen.Readonly {
		t.Fatalf("bind /gen = %v, want readonly", gen)
	}
	if in := g.Input(run, int(gen.Input)); in == nil || in.GetFile() == nil || in.GetFile().Actions[0].GetCopy().Dest != "/gen.txt" {
		t.Errorf("bind /gen does not mount gen's outputs")
	}
	srcs := llbtest.Mount(run, "/srcs")
	if srcs == nil || srcs.Readonly || srcs.Selector != "pkg" {
		t.Fatalf("bind /srcs = %v, want rw with selector pkg", srcs)
	}
	if in := g.Input(run, int(srcs.Input)); in == nil || !strings.HasPrefix(in.GetSource().GetIdentifier(), "local://context") {
		t.Errorf("bind /srcs is not the main context")
	}

	cpOp := g.Named("[work 3/3] COPY --chown=1000:1000 --chmod=0755 a.txt b/ dest/")
	if cpOp == nil {
		t.Fatalf("no copy op; names %q", g.Names())
	}
	for _, a := range cpOp.GetFile().Actions {
		cp := a.GetCopy()
		if cp.Dest != "/w/dest/" || cp.Mode != 0o755 || cp.Owner.GetUser().GetByID() != 1000 || !slices.Equal(cp.ExcludePatterns, []string{"*.tmp"}) || !cp.CreateDestPath || !cp.AllowWildcard {
			t.Errorf("copy action = %+v", cp)
		}
	}
	out := g.ByDigest[g.Head].GetFile().Actions[0].GetCopy()
	if out.Src != "/out" || out.Dest != "/" || !out.DirCopyContents {
		t.Errorf("directory output copies %s -> %s", out.Src, out.Dest)
	}
}

func TestSourceLocations(t *testing.T) {
	_, g := build(t, "go.yaml", "app", arm64)
	run := g.ExecContaining("go build")
	if lines := g.Lines(run.Digest); !slices.Equal(lines, []int{19}) {
		t.Errorf("go build lines = %v, want [19]", lines)
	}
	for _, o := range g.Ops {
		if o.GetSource() != nil && strings.HasPrefix(o.GetSource().Identifier, "local://") {
			continue
		}
		if len(g.Locations(o.Digest)) == 0 {
			t.Errorf("op %q has no source location", o.Name)
		}
	}
	if len(g.Def.Source.Infos) != 1 || g.Def.Source.Infos[0].Language != "yaml" {
		t.Errorf("source infos = %v", g.Def.Source.Infos)
	}
}

func TestDeterministic(t *testing.T) {
	s, dt := load(t, "go.yaml")
	for _, target := range []string{"web", "tools", "app"} {
		var first string
		for i := 0; i < 20; i++ {
			res := compile(t, s, options(target, arm64, s, dt))
			def, err := res.State.Marshal(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			g := llbtest.DecodeDefinition(t, def)
			var all []string
			for _, o := range g.Ops {
				all = append(all, o.Digest.String())
			}
			got := g.Head.String() + strings.Join(all, ",")
			if i == 0 {
				first = got
			} else if got != first {
				t.Fatalf("%s: marshal %d differs", target, i)
			}
		}
	}
}

func TestNamedContextReplacesImage(t *testing.T) {
	s, dt := load(t, "go.yaml")
	opt := options("app", arm64, s, dt)
	opt.Contexts = fakeContexts{named: map[string]llb.State{"golang:1.26": llb.Local("mygo")}}
	res := compile(t, s, opt)
	g := llbtest.Decode(t, res.State)
	for _, o := range g.Sources() {
		if strings.Contains(o.GetSource().Identifier, "golang") {
			t.Errorf("image still used: %s", o.GetSource().Identifier)
		}
	}
	if !slices.ContainsFunc(g.Sources(), func(o *llbtest.Op) bool { return o.GetSource().Identifier == "local://mygo" }) {
		t.Error("named context not used")
	}
}

func TestTargetsOfEveryKindHaveAnImage(t *testing.T) {
	s, dt := load(t, "go.yaml")
	for _, target := range []string{"go", "debian", "app", "test", "web"} {
		res := compile(t, s, options(target, arm64, s, dt))
		if res.Image.OS == "" || res.Image.Architecture == "" {
			t.Errorf("%s: image platform %q/%q", target, res.Image.OS, res.Image.Architecture)
		}
	}
	res := compile(t, s, options("go", arm64, s, dt))
	if res.Image.Architecture != "amd64" || res.Image.Config.WorkingDir != "/go" {
		t.Errorf("go builder image = %s %q, want the amd64 golang config", res.Image.Architecture, res.Image.Config.WorkingDir)
	}
	if !slices.Contains(res.Image.Config.Env, "CGO_ENABLED=0") {
		t.Errorf("go builder env = %q, want the preset's defaults", res.Image.Config.Env)
	}
}

func TestDefaultTargetAndBuildArgs(t *testing.T) {
	s, dt := load(t, "go.yaml")
	opt := options("", arm64, s, dt)
	opt.BuildArgs = map[string]string{"VERSION": "1.2.3", "NOPE": "1", "BUILDKIT_INLINE_CACHE": "1", "HTTP_PROXY": "http://proxy"}
	res := compile(t, s, opt)
	if res.Stage.Name != "tools" {
		t.Errorf("default target = %s, want the last runtime", res.Stage.Name)
	}
	opt.Target = "app"
	g := llbtest.Decode(t, compile(t, s, opt).State)
	run := g.ExecContaining("go build")
	if llbtest.Env(run)["VERSION"] != "1.2.3" {
		t.Errorf("VERSION = %q", llbtest.Env(run)["VERSION"])
	}
	if run.GetExec().Meta.ProxyEnv.GetHttpProxy() != "http://proxy" {
		t.Errorf("proxy env = %v", run.GetExec().Meta.ProxyEnv)
	}
	if _, err := Compile(context.Background(), s, Options{Target: "nope", TargetPlatform: arm64, BuildPlatform: amd64}); err == nil || !strings.Contains(err.Error(), `target "nope" is not a stage of go.yaml; expected one of go, debian`) {
		t.Errorf("unknown target error = %v", err)
	}
}

func TestDependencyFetchIsSharedAcrossTargets(t *testing.T) {
	_, amdGraph := build(t, "go.yaml", "app", amd64)
	_, armGraph := build(t, "go.yaml", "app", arm64)
	amdFetch, armFetch := amdGraph.ExecContaining("go mod download"), armGraph.ExecContaining("go mod download")
	if amdFetch == nil || armFetch == nil {
		t.Fatal("no go mod download step")
	}
	if amdFetch.Digest != armFetch.Digest {
		t.Errorf("fetch differs between linux/amd64 and linux/arm64:\n%q\n%q", llbtest.Env(amdFetch), llbtest.Env(armFetch))
	}
	if _, ok := llbtest.Env(armFetch)["GOARCH"]; ok {
		t.Errorf("fetch carries a target GOARCH: %q", llbtest.Env(armFetch))
	}
	if env := llbtest.Env(armGraph.ExecContaining("go build")); env["GOARCH"] != "arm64" {
		t.Errorf("go build env = %q, want GOARCH=arm64", env)
	}
}
