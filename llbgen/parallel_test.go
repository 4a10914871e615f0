package llbgen

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mstage/mstage/spec"
)

// failingResolver fails to resolve an image for the platforms in fail, and
// resolves the others as fakeResolver does.
type failingResolver struct {
	fakeResolver
	fail map[string]bool // by platforms.Format
}

func (f failingResolver) ResolveSourceMetadata(ctx context.Context, op *pb.SourceOp, opt sourceresolver.Opt) (*sourceresolver.MetaResponse, error) {
	if p := platforms.Format(*opt.ImageOpt.Platform); f.fail[p] {
		return nil, errors.New("no manifest for " + p)
	}
	return f.fakeResolver.ResolveSourceMetadata(ctx, op, opt)
}

// A runtime that copies a file out of an image, which the compile (not the
// plan) resolves for the platform each runtime is built for.
const imageCopySpec = `version: 1
runtimes:
  app:
    user: "1000"
    copy:
      - {image: tools:1, src: /bin/tool, to: /bin/tool}
`

// TestCompileEachReportsTheFirstBuildsError compiles for platforms of which
// some fail, in every order: the error must be the one Compile gives for
// the first failing platform of the order, whichever build's compile
// finishes first.
func TestCompileEachReportsTheFirstBuildsError(t *testing.T) {
	ctx := context.Background()
	s, err := spec.Parse("mstage.yaml", []byte(imageCopySpec))
	if err != nil {
		t.Fatal(err)
	}
	fail := map[string]bool{"linux/arm64": true, "linux/arm/v7": true, "linux/riscv64": true}
	opt := options("app", amd64, s, []byte(imageCopySpec))
	opt.MetaResolver = failingResolver{fakeResolver: defaultResolver(), fail: fail}
	riscv64 := platforms.Normalize(platforms.MustParse("linux/riscv64"))
	orders := [][]ocispecs.Platform{
		{amd64, arm64, armv7, riscv64},
		{amd64, riscv64, armv7, arm64},
		{armv7, amd64, riscv64, arm64},
		{riscv64, arm64, armv7, amd64},
	}
	for _, ps := range orders {
		first := slices.IndexFunc(ps, func(p ocispecs.Platform) bool { return fail[platforms.Format(p)] })
		o := opt
		o.TargetPlatform = ps[first]
		_, want := Compile(ctx, s, o)
		if want == nil || !strings.Contains(want.Error(), "resolving image") {
			t.Fatalf("Compile for %s: %v, want the compile's error resolving the copied image", platforms.Format(ps[first]), want)
		}
		for range 20 {
			_, err := CompileEach(ctx, s, opt, ps)
			if err == nil || err.Error() != want.Error() {
				t.Fatalf("CompileEach for %s: %v, want %v", formatAll(ps), err, want)
			}
		}
	}
}

// Two runtimes from scratch whose users /etc/passwd cannot resolve: each
// warns once, however many platforms compile it.
func formatAll(ps []ocispecs.Platform) string {
	var names []string
	for _, p := range ps {
		names = append(names, platforms.Format(p))
	}
	return fmt.Sprint(names)
}

// panickingContexts panics when the compile asks for the named context
// "assets", once two goroutines have asked for it: both are compiling when
// they panic.
type panickingContexts struct {
	fakeContexts
	asked *atomic.Int32
	both  *sync.WaitGroup // Add(2)
}

func (c panickingContexts) Named(ctx context.Context, name string, p ocispecs.Platform) (*llb.State, *dockerspec.DockerOCIImage, error) {
	if name != "assets" {
		return c.fakeContexts.Named(ctx, name, p)
	}
	if c.asked.Add(1) <= 2 {
		c.both.Done()
		c.both.Wait()
	}
	panic("named context exploded")
}

// TestCompileEachPanicReachesTheCaller checks that a panic in a target's
// compile, which may run on a goroutine of its own, reaches the goroutine
// that called CompileEach, where the frontend recovers it, instead of
// ending the process.
func TestCompileEachPanicReachesTheCaller(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("the targets compile one after the other")
	}
	// Each platform's runtime copies from the named context.
	const src = `version: 1
runtimes:
  app:
    user: "1000"
    copy:
      - {context: assets, src: app, to: /app}
`
	s, err := spec.Parse("mstage.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	opt := options("app", amd64, s, []byte(src))
	both := &sync.WaitGroup{}
	both.Add(2)
	opt.Contexts = panickingContexts{asked: &atomic.Int32{}, both: both}
	ps := []ocispecs.Platform{amd64, arm64, armv7, platforms.Normalize(platforms.MustParse("linux/riscv64"))}
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(fmt.Sprint(r), "named context exploded") {
			t.Fatalf("recovered %v, want the compile's panic", r)
		}
	}()
	_, err = CompileEach(context.Background(), s, opt, ps)
	t.Fatalf("CompileEach returned (%v) instead of panicking", err)
}
