// Command peakmem measures the memory the frontend's in-process work takes on
// the generated 1,000-stage spec: it parses the spec, compiles the target
// that reaches every stage for 4 platforms at once, marshals the LLB, and prints
// what the process used:
//
//	vmhwm_bytes 41943040
//	heap_sys_bytes 33554432
//	total_alloc_bytes 529484360
//	baseline_vmrss_bytes 4194304
//
// vmhwm is the peak resident set size of the whole process (from
// /proc/self/status), baseline_vmrss the resident set before any work.
package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"

	"github.com/mstage/mstage/bench/specgen"
	"github.com/mstage/mstage/llbgen"
	"github.com/mstage/mstage/spec"
)

type mainOnly struct{}

func (mainOnly) Main(context.Context) (llb.State, error) {
	return llb.Local("context", llb.SessionID("bench")), nil
}

func (mainOnly) Named(context.Context, string, ocispecs.Platform) (*llb.State, *dockerspec.DockerOCIImage, error) {
	return nil, nil, nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "peakmem:", err)
		os.Exit(1)
	}
}

func run() error {
	baseline, err := procStatus("VmRSS")
	if err != nil {
		return err
	}
	ctx := context.Background()
	dt := specgen.Generate(specgen.Shape1000)
	s, err := spec.Parse("generated.yaml", dt)
	if err != nil {
		return err
	}
	build := platforms.Normalize(platforms.MustParse("linux/amd64"))
	// One goroutine per platform, as dockerui runs the frontend's build
	// function, so that the peak counts the platforms' work at once.
	var eg errgroup.Group
	for _, name := range []string{"linux/amd64", "linux/arm64", "linux/arm/v7", "linux/riscv64"} {
		eg.Go(func() error {
			p := platforms.Normalize(platforms.MustParse(name))
			res, err := llbgen.Compile(ctx, s, llbgen.Options{
				Target:         specgen.AllRuntime,
				TargetPlatform: p,
				BuildPlatform:  build,
				Contexts:       mainOnly{},
			})
			if err != nil {
				return fmt.Errorf("compile for %s: %w", name, err)
			}
			if _, err := res.Marshal(ctx, llb.Platform(p)); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return err
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	hwm, err := procStatus("VmHWM")
	if err != nil {
		return err
	}
	fmt.Printf("vmhwm_bytes %d\n", hwm)
	fmt.Printf("heap_sys_bytes %d\n", ms.HeapSys)
	fmt.Printf("total_alloc_bytes %d\n", ms.TotalAlloc)
	fmt.Printf("baseline_vmrss_bytes %d\n", baseline)
	return nil
}

// procStatus returns a "kB" field of /proc/self/status in bytes.
func procStatus(field string) (uint64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/self/status %s: %w", field, err)
		}
		return kb * 1024, nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("/proc/self/status has no %s", field)
}
