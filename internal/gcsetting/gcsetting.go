// Package gcsetting is the garbage collector setting of the frontend
// process, in one place so that the benchmarks measure the compile with the
// setting the frontend runs it with.
//
// A build's compile allocates several times its live heap (about 200 MB for
// a live heap of about 100 MB at 1,000 stages × 4 platforms), and with the
// default GOGC of 100 the collector marks that live heap over and over: a
// third of the compile's instructions. The frontend process lives for one
// build, so it trades memory for it: the heap may grow to five times the
// live heap, and a soft limit brings the default pacing back before the heap
// reaches it.
package gcsetting

import (
	"os"
	"runtime/debug"
)

const (
	// Percent is the GOGC the frontend runs with.
	Percent = 400
	// MemoryLimit is the soft limit (GOMEMLIMIT) under which Percent holds;
	// near it the collector runs as often as it must to stay below.
	MemoryLimit = 1 << 30
)

// Apply sets Percent and MemoryLimit for the process, each unless the
// environment sets it (GOGC, GOMEMLIMIT): an operator's setting wins. It
// returns a function that puts back what was there before, for the
// benchmarks.
func Apply() (restore func()) {
	oldPercent, oldLimit := -2, int64(-1)
	if os.Getenv("GOGC") == "" {
		oldPercent = debug.SetGCPercent(Percent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		oldLimit = debug.SetMemoryLimit(MemoryLimit)
	}
	return func() {
		if oldPercent != -2 {
			debug.SetGCPercent(oldPercent)
		}
		if oldLimit >= 0 {
			debug.SetMemoryLimit(oldLimit)
		}
	}
}
