//go:build race

// Package race tells tests whether the race detector is on: it multiplies
// CPU time and allocations, so tests that bound them only log under it.
package race

// Enabled is true when the binary is built with -race.
const Enabled = true
