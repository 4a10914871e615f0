package gcsetting

import (
	"runtime/debug"
	"testing"
)

func TestApplySetsAndRestores(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	beforePercent := debug.SetGCPercent(-1)
	debug.SetGCPercent(beforePercent)
	beforeLimit := debug.SetMemoryLimit(-1)

	restore := Apply()
	if got := debug.SetGCPercent(Percent); got != Percent {
		t.Errorf("GC percent after Apply: %d, want %d", got, Percent)
	}
	if got := debug.SetMemoryLimit(-1); got != MemoryLimit {
		t.Errorf("memory limit after Apply: %d, want %d", got, MemoryLimit)
	}
	restore()
	if got := debug.SetGCPercent(beforePercent); got != beforePercent {
		t.Errorf("GC percent after restore: %d, want %d", got, beforePercent)
	}
	if got := debug.SetMemoryLimit(-1); got != beforeLimit {
		t.Errorf("memory limit after restore: %d, want %d", got, beforeLimit)
	}
}

func TestApplyLeavesTheEnvironmentsSetting(t *testing.T) {
	t.Setenv("GOGC", "150")
	t.Setenv("GOMEMLIMIT", "2GiB")
	beforePercent := debug.SetGCPercent(-1)
	debug.SetGCPercent(beforePercent)
	beforeLimit := debug.SetMemoryLimit(-1)

	restore := Apply()
	defer restore()
	if got := debug.SetGCPercent(beforePercent); got != beforePercent {
		t.Errorf("GC percent with GOGC set: %d, want it left at %d", got, beforePercent)
	}
	if got := debug.SetMemoryLimit(-1); got != beforeLimit {
		t.Errorf("memory limit with GOMEMLIMIT set: %d, want it left at %d", got, beforeLimit)
	}
}
