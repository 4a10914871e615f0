package frontend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"

	"github.com/mstage/mstage/internal/hostile"
	"github.com/mstage/mstage/internal/race"
	speclint "github.com/mstage/mstage/lint"
	"github.com/mstage/mstage/llbgen"
	"github.com/mstage/mstage/plan"
	"github.com/mstage/mstage/spec"
)

// Bounds on every case of the hostile corpus, measured on the child
// process that runs it.
const (
	hostileMaxCPU = 2 * time.Second
	hostileMaxRSS = 1 << 30
	// hostileAddressSpace only guards the machine: a Go binary needs far
	// more address space than memory, and a tight limit fails it at
	// start-up. The bound that counts is hostileMaxRSS.
	hostileAddressSpace = 16 << 30
)

// hostileCaseEnv names the file of the case a child process runs.
const hostileCaseEnv = "MSTAGE_HOSTILE_CASE"

// hostileOutcome is what a child reports on stdout.
type hostileOutcome struct {
	Err    string `json:"error,omitempty"` // the first error, or "" for a valid result
	Ops    int    `json:"ops"`             // LLB ops marshalled, over all platforms
	MaxRSS int64  `json:"maxrss"`          // the child's peak resident memory, in bytes
}

// TestHostileCorpus runs each case of the hostile corpus through parse,
// lint, outline and compile for four platforms in a child process (this
// test binary, run again with hostileCaseEnv set), and checks that the child
// ends within hostileMaxCPU of CPU time (user and system) and
// hostileMaxRSS of peak resident memory (its rusage), with either an
// error positioned in the spec or a valid result.
func TestHostileCorpus(t *testing.T) {
	if os.Getenv(hostileCaseEnv) != "" {
		t.Skip("in a child")
	}
	if race.Enabled {
		t.Skip("the bounds are for a build without the race detector (hack/test.sh runs go test -race)")
	}
	dir := t.TempDir()
	for i, c := range hostile.Cases() {
		t.Run(c.Name, func(t *testing.T) {
			// The child reads the case from files (the spec as bytes, its
			// build args as JSON), so that it does not spend its time and
			// memory making the whole corpus.
			file := filepath.Join(dir, fmt.Sprintf("case-%d", i))
			args, err := json.Marshal(c.BuildArgs)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file+".yaml", []byte(c.Src), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file+".args", args, 0o600); err != nil {
				t.Fatal(err)
			}
			// The files it includes are in the directory of its own.
			for name, data := range c.Files {
				p := filepath.Join(file+".d", filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			// The child is started by a shell that forks it: a process
			// that os/exec starts inherits this one's peak RSS (it runs on
			// this process's memory until it calls exec), so only a
			// grandchild's rusage measures itself alone.
			cmd := exec.Command("/bin/sh", "-c", `"$@"; exit $?`, "sh", os.Args[0], "-test.run=^TestHostileCorpusChild$", "-test.v=false")
			cmd.Env = append(os.Environ(), hostileCaseEnv+"="+file, "GOMAXPROCS=2")
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err = <-done:
			case <-time.After(60 * time.Second):
				_ = cmd.Process.Kill()
				<-done
				t.Fatalf("the child ran for more than a minute")
			}
			// CPU time: the shell's rusage, which holds the child's.
			usage, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
			if usage == nil {
				t.Fatal("no rusage")
			}
			cpu := time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
			if err != nil {
				t.Fatalf("child failed after %v of CPU: %v\n%s%s", cpu, err, tail(stdout.String()), tail(stderr.String()))
			}
			var out hostileOutcome
			line := stdout.String()
			if i := strings.Index(line, "{"); i >= 0 {
				line = line[i:]
			}
			if j := strings.Index(line, "\n"); j >= 0 {
				line = line[:j]
			}
			if err := json.Unmarshal([]byte(line), &out); err != nil {
				t.Fatalf("child output %q: %v", tail(stdout.String()), err)
			}
			// Peak RSS: the child's own rusage.
			rss := out.MaxRSS
			t.Logf("cpu %v, peak rss %d MiB", cpu.Round(time.Millisecond), rss>>20)
			if rss <= 0 {
				t.Errorf("the child reported no peak RSS")
			}
			if cpu > hostileMaxCPU {
				t.Errorf("used %v of CPU, more than %v", cpu, hostileMaxCPU)
			}
			if rss > hostileMaxRSS {
				t.Errorf("peak RSS %d MiB, more than %d MiB", rss>>20, hostileMaxRSS>>20)
			}
			if out.Err != "" {
				t.Logf("error: %.300s", out.Err)
				if !positioned.MatchString(out.Err) {
					t.Errorf("error is not positioned in the spec: %.300s", out.Err)
				}
			} else {
				t.Logf("valid: %d LLB ops", out.Ops)
			}
		})
	}
}

// positioned matches an error that names the spec file (or a YAML file it
// includes), line and column.
var positioned = regexp.MustCompile(`^[a-z0-9/]*\.yaml:\d+:\d+: \S`)

func tail(s string) string {
	if len(s) > 2000 {
		return "..." + s[len(s)-2000:]
	}
	return s
}

// TestHostileCorpusChild is the child of TestHostileCorpus: it runs the
// case named by hostileCaseEnv and prints a hostileOutcome.
func TestHostileCorpusChild(t *testing.T) {
	file := os.Getenv(hostileCaseEnv)
	if file == "" {
		t.Skip("run by TestHostileCorpus")
	}
	limit := &syscall.Rlimit{Cur: hostileAddressSpace, Max: hostileAddressSpace}
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, limit); err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(file + ".yaml")
	if err != nil {
		t.Fatal(err)
	}
	args, err := os.ReadFile(file + ".args")
	if err != nil {
		t.Fatal(err)
	}
	c := hostile.Case{Name: file, Src: string(src), Files: map[string]string{}}
	includes := os.DirFS(file + ".d")
	_ = fs.WalkDir(includes, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := fs.ReadFile(includes, p)
			c.Files[p] = string(data)
		}
		return nil
	})
	if err := json.Unmarshal(args, &c.BuildArgs); err != nil {
		t.Fatal(err)
	}
	ops, err := runHostile(c)
	out := hostileOutcome{Ops: ops}
	if err != nil {
		out.Err = err.Error()
		var list spec.ErrorList
		if errors.As(err, &list) && len(list) > 0 {
			out.Err = list[0].Error()
		}
	}
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err == nil {
		out.MaxRSS = usage.Maxrss << 10 // KiB on Linux
	}
	result, _ := json.Marshal(out)
	fmt.Println(string(result))
}

// hostilePlatforms are the four platforms each case is compiled for when
// its spec lists none.
func hostilePlatforms() []ocispecs.Platform {
	var ps []ocispecs.Platform
	for _, p := range []string{"linux/amd64", "linux/arm64", "linux/arm/v7", "linux/riscv64"} {
		ps = append(ps, platforms.Normalize(platforms.MustParse(p)))
	}
	return ps
}

// runHostile does what a build request does with the spec: parse it,
// answer --check and --call=outline, then compile and marshal the default
// target for each platform at once, as dockerui does.
func runHostile(c hostile.Case) (int, error) {
	ctx := context.Background()
	data := []byte(c.Src)
	s, err := spec.Load("mstage.yaml", data, func(name string) ([]byte, error) {
		text, ok := c.Files[name]
		if !ok {
			return nil, fs.ErrNotExist
		}
		return []byte(text), nil
	})
	if err != nil {
		return 0, err
	}
	specSrc := llb.Local("dockerfile", llb.SessionID("hostile"))
	sm := llb.NewSourceMap(&specSrc, s.Filename, "yaml", data)
	if def, err := specSrc.Marshal(ctx); err == nil {
		sm.Definition = def
	}
	targets := hostilePlatforms()
	if len(s.Platforms) > 0 {
		targets, err = specPlatforms(s)
		if err != nil {
			return 0, err
		}
	}
	lintSpec(ctx, s, nil, speclint.Options{BuildArgs: c.BuildArgs, Platforms: targets}, specSources{main: sm, included: includedMaps(s)})
	if err := checkBuildSize(s, "", targets); err != nil {
		return 0, err
	}
	if _, err := outlineOf(s, plan.Request{BuildArgs: c.BuildArgs, CacheNamespace: "tenant-a", TargetPlatforms: targets, BuildPlatform: plan.PlaceholderBuildPlatform()}, data); err != nil {
		return 0, err
	}
	counts := make([]int, len(targets))
	var eg errgroup.Group
	for i, p := range targets {
		eg.Go(func() error {
			res, err := llbgen.Compile(ctx, s, llbgen.Options{
				TargetPlatform: p,
				BuildPlatform:  targets[0],
				BuildArgs:      c.BuildArgs,
				Contexts:       llbgen.LocalContexts{},
				SourceMap:      sm,
				CacheNamespace: "tenant-a",
			})
			if err != nil {
				return err
			}
			defs, err := res.Marshal(ctx, llb.Platform(p))
			if err != nil {
				return err
			}
			for _, d := range append(append([]*llb.Definition{defs.Target}, defs.Gates...), defs.Guards...) {
				counts[i] += len(d.Def)
			}
			return nil
		})
	}
	err = eg.Wait()
	total := 0
	for _, n := range counts {
		total += n
	}
	return total, err
}

// TestRequestedPlatformsAreDedupedAndBounded checks that platforms named
// twice by the client (linux/arm64 and linux/arm64/v8 are one platform)
// are built once, and that a request for more platforms than
// spec.MaxPlatforms fails with an error positioned in the spec.
func TestRequestedPlatformsAreDedupedAndBounded(t *testing.T) {
	var ps []ocispecs.Platform
	for _, p := range []string{"linux/amd64", "linux/arm64", "linux/arm64/v8", "linux/amd64", "linux/arm/v7"} {
		ps = append(ps, platforms.Normalize(platforms.MustParse(p)))
	}
	if got := uniquePlatforms(ps); len(got) != 3 {
		t.Errorf("uniquePlatforms = %v, want 3 platforms", got)
	}
	s, err := spec.Parse("mstage.yaml", []byte("version: 1\nruntimes:\n  r: {}\n"))
	if err != nil {
		t.Fatal(err)
	}
	many := make([]ocispecs.Platform, spec.MaxPlatforms+1)
	for i := range many {
		many[i] = ocispecs.Platform{OS: "linux", Architecture: fmt.Sprintf("arch%d", i)}
	}
	err = checkBuildSize(s, "", uniquePlatforms(many))
	if err == nil || !strings.HasPrefix(err.Error(), "mstage.yaml:3:3: the build is for 17 platforms, more than the limit of 16") {
		t.Errorf("error = %v", err)
	}
}
