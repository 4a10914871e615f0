//go:build race

package frontend

// raceEnabled reports a build with the race detector, which multiplies the
// time and memory of everything TestHostileCorpus measures.
const raceEnabled = true
