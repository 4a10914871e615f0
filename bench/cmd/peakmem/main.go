// Command peakmem measures the memory the frontend's in-process work takes on
// a generated spec: it parses the spec, compiles the target that reaches
// every stage for 4 platforms at once, marshals the LLB, and prints what the
// process used:
//
//	vmhwm_bytes 41943040
//	heap_sys_bytes 33554432
//	total_alloc_bytes 529484360
//	baseline_vmrss_bytes 4194304
//
// vmhwm is the peak resident set size of the whole process (from
// /proc/self/status), baseline_vmrss the resident set before any work.
//
// -side dockerfile does the same work with BuildKit's Dockerfile frontend on
// the equivalent Dockerfile (bench/sidebyside), and -stages picks the size
// of the spec (default 1,000). One side and size per process: the peak is the
// process's.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/mstage/mstage/bench/sidebyside"
	"github.com/mstage/mstage/internal/gcsetting"
)

func main() {
	side := flag.String("side", "mstage", "mstage (the spec) or dockerfile (the equivalent Dockerfile through dockerfile2llb)")
	stages := flag.Int("stages", 1000, "stages of the generated spec")
	flag.Parse()
	if err := run(*side, *stages); err != nil {
		fmt.Fprintln(os.Stderr, "peakmem:", err)
		os.Exit(1)
	}
}

func run(side string, stages int) error {
	if stages < 1 {
		return fmt.Errorf("-stages wants a positive number, got %d", stages)
	}
	baseline, err := procStatus("VmRSS")
	if err != nil {
		return err
	}
	ctx := context.Background()
	in := sidebyside.Generate(stages)
	// Both sides run one goroutine per platform, as dockerui runs a
	// frontend's build function, so that the peak counts the platforms' work
	// at once.
	switch side {
	case "mstage":
		// The mstage frontend's collector setting (its main applies it);
		// the Dockerfile frontend runs with Go's default.
		gcsetting.Apply()
		_, err = sidebyside.Mstage(ctx, in.Spec, sidebyside.Platforms())
	case "dockerfile":
		_, err = sidebyside.Dockerfile(ctx, in.Dockerfile, sidebyside.Platforms())
	default:
		return fmt.Errorf("-side wants mstage or dockerfile, got %q", side)
	}
	if err != nil {
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
