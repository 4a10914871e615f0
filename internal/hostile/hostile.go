// Package hostile is the corpus of hostile specs: files written to exhaust
// the frontend's memory or time, to escape what they may reach, or to fool
// its checks. spec's TestHostile checks the first error of each case that
// the parser or Expand rejects; frontend's TestHostileCorpus runs every case
// through parse, lint, outline and compile for four platforms in a child
// process and bounds its CPU time and peak memory.
package hostile

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Case is one hostile spec.
type Case struct {
	Name string
	Src  string
	// BuildArgs, when not nil, are the --build-arg values of the build.
	BuildArgs map[string]string
	// Files are the files the spec may include, by their path relative to
	// its directory.
	Files map[string]string
}

// The limits of package spec that the sizes of cases are chosen around;
// package spec cannot be imported here (its tests import this package), so
// spec's tests check that these match.
const (
	MaxFileSize   = 512 << 10
	MaxBlankLines = 20
)

// Cases returns the whole corpus: the cases of spec's TestHostile, then
// one group per class of defect, each in several sizes.
func Cases() []Case {
	var all []Case
	all = append(all, specCases()...)
	all = append(all, newCases()...)
	all = append(all, includeCases()...)
	return all
}

func specCases() []Case {
	deep10k := DeepBlock(10_000)
	stages10MB := ManyStages(400_000)
	bigArg := strings.Repeat("a", 1<<20)
	return []Case{
		// Alias bombs: every level repeats the one before it nine times.
		{Name: "billion-laughs", Src: BillionLaughs()},
		{Name: "billion-laughs-merge-keys", Src: MergeKeyBomb()},
		{Name: "alias-depth-bomb", Src: AliasDepthBomb()},

		// Nesting 10,000 levels deep, in each YAML syntax for it.
		{Name: "deep-flow-sequences", Src: "version: 1\nx-deep: " + strings.Repeat("[", 10_000)},
		{Name: "deep-flow-mappings", Src: "version: 1\nx-deep: " + strings.Repeat("{a: ", 10_000)},
		{Name: "deep-compact-sequences", Src: "version: 1\nx-deep:\n  " + strings.Repeat("- ", 10_000) + "a\n"},
		{Name: "deep-compact-mappings", Src: "version: 1\nx-deep:\n  " + strings.Repeat("- a: ", 10_000) + "a\n"},
		// Indented nesting costs its depth squared in bytes: 10,000 levels
		// are over the size limit, so the deepest that fits is checked too.
		{Name: "deep-block-mappings-10000", Src: deep10k},
		{Name: "deep-block-mappings-700", Src: DeepBlock(700)},
		{Name: "deep-block-sequences-700", Src: DeepBlockSeq(700)},

		// Size.
		{Name: "10MB-comment", Src: "version: 1\n# " + strings.Repeat("x", 10<<20) + "\n"},
		{Name: "10MB-of-stages", Src: stages10MB},
		{Name: "10000-stages", Src: ManyStages(10_000)},
		{Name: "10000-stages-flow", Src: ManyStagesFlow(10_000)},
		{Name: "10000-stages-in-three-sections", Src: StagesInSections(3_334)},
		{Name: "2100-stages-in-three-sections", Src: StagesInSections(700)},
		{Name: "1MB-string", Src: "version: 1\ndescription: " + strings.Repeat("x", 1<<20) + "\n"},
		{Name: "string-filling-the-file", Src: "version: 1\ndescription: " + strings.Repeat("x", MaxFileSize-40) + "\n"},
		{Name: "block-scalar-filling-the-file", Src: "version: 1\ndescription: |\n" + strings.Repeat("  "+strings.Repeat("x", 78)+"\n", (MaxFileSize-40)/81)},
		{Name: "quoted-escapes-filling-the-file", Src: "version: 1\ndescription: \"" + strings.Repeat(`\u00e9`, (MaxFileSize-40)/6) + "\"\n"},
		{Name: "key-filling-the-file", Src: "version: 1\nx-" + strings.Repeat("k", MaxFileSize-40) + ": 1\n"},

		// Inputs that cost the YAML lexer or parser much more per byte.
		{Name: "many-flow-items", Src: "version: 1\nx-a: [" + strings.Repeat("[],", MaxFileSize/3-20) + "]\n"},
		{Name: "many-comment-lines", Src: "version: 1\n" + strings.Repeat("#\n", MaxFileSize/2-20)},
		{Name: "many-explicit-keys", Src: "version: 1\nx-a:\n" + strings.Repeat("  ? a\n", 10_000)},
		{Name: "blank-lines-ending-a-block-scalar", Src: "version: 1\ndescription: |\n  " + strings.Repeat("x", MaxFileSize-2000) + "\n" + strings.Repeat("\n", 1_000)},
		{Name: "blank-lines-at-the-limit-ending-a-large-block-scalar", Src: "version: 1\ndescription: |\n  " + strings.Repeat("x", MaxFileSize-200) + "\n" + strings.Repeat("\n", MaxBlankLines)},

		// Expansion that would grow exponentially, or by repetition.
		{Name: "arg-defaults-referencing-later-ones", Src: ChainedArgs(40), BuildArgs: map[string]string{}},
		{Name: "arg-defaults-doubling-in-order", Src: DoublingArgs(40)},
		{Name: "build-args-referencing-each-other", Src: ChainedArgs(40), BuildArgs: ChainedBuildArgs(40)},
		{Name: "repeated-reference-to-a-large-build-arg", Src: RepeatedReference(10_000), BuildArgs: map[string]string{"A": bigArg}},
		{Name: "pattern-replacement-of-a-large-build-arg", Src: "version: 1\nargs: {A: a}\nbuilders:\n  go:\n    image: golang\n    env: {X: \"${A//?/" + strings.Repeat("x", 1_000) + "}\"}\n",
			BuildArgs: map[string]string{"A": strings.Repeat("a", 60<<10)}},
		{Name: "repeated-reference-in-many-fields", Src: RepeatedReferenceEverywhere(200), BuildArgs: map[string]string{"A": strings.Repeat("a", 60<<10)}},

		// Graph.
		{Name: "cyclic-from", Src: CyclicFrom(1_999)},
		{Name: "cyclic-needs", Src: CyclicNeeds(1_999)},
		{Name: "self-from", Src: "version: 1\nbuilders:\n  a: {from: a}\n"},
		{Name: "self-needs", Src: "version: 1\nruntimes:\n  r: {needs: [r]}\n"},
		{Name: "self-copy", Src: "version: 1\nruntimes:\n  r:\n    copy:\n      - {stage: r, to: /}\n"},

		// Paths that leave their root.
		{Name: "traversal-copy-to", Src: "version: 1\nbuilders:\n  go:\n    image: golang\n    steps:\n      - copy: x\n        to: /a/../../etc\n"},
		{Name: "traversal-runtime-copy-to", Src: "version: 1\nruntimes:\n  r:\n    copy:\n      - {image: alpine, src: /etc/passwd, to: ../../etc/}\n"},
		{Name: "traversal-outputs", Src: "version: 1\nbuilders:\n  go: {image: golang}\nartifacts:\n  a:\n    builder: go\n    outputs: [/out, /out/../../x]\n"},
		{Name: "traversal-bind-target", Src: BindMount("bind: /src/../../x")},
		{Name: "traversal-bind-src", Src: BindMount("bind: /src\n            src: ../../../etc")},
		{Name: "traversal-after-expansion", Src: "version: 1\nargs: {P: /}\nbuilders:\n  go:\n    image: golang\n    steps:\n      - copy: x\n        to: ${P}\n",
			BuildArgs: map[string]string{"P": "/../../etc"}},

		// Bytes that are not YAML text.
		{Name: "NUL-byte", Src: "version: 1\nname: a\x00b\n"},
		{Name: "NUL-byte-deep-in-file", Src: ManyStages(1_000) + "  z: {image: \"a\x00\"}\n"},
		{Name: "invalid-UTF-8", Src: "version: 1\nname: h\xe9llo\n"},
		{Name: "UTF-16-BOM", Src: "\xff\xfev\x00e\x00r\x00"},

		// Keys and whitespace.
		{Name: "duplicate-keys", Src: "version: 1\nbuilders:\n  go:\n    image: golang\n" + strings.Repeat("    image: alpine\n", 2_000)},
		{Name: "duplicate-stages", Src: "version: 1\nbuilders:\n  go: {image: golang}\n  go: {image: alpine}\n"},
		{Name: "tab-indentation", Src: "version: 1\nbuilders:\n\tgo: {}\n"},
		{Name: "tab-after-key", Src: "version: 1\nbuilders:\n  go:\n    image:\tgolang\n    \tpreset: go\n"},

		// Version and types.
		{Name: "unknown-version", Src: "version: 2\n"},
		{Name: "huge-version", Src: "version: 99999999999999999999999999\n"},
		{Name: "string-version", Src: "version: \"1\"\n"},
		{Name: "wrong-types-everywhere", Src: WrongTypes()},
	}
}

// BillionLaughs repeats each level of aliases nine times, ten levels deep.
func BillionLaughs() string {
	var b strings.Builder
	b.WriteString("version: 1\nx-0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&b, "x-%d: &a%d [", i, i)
		for j := range 9 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*a%d", i-1)
		}
		b.WriteString("]\n")
	}
	return b.String()
}

// MergeKeyBomb grows by merge keys: each level's mapping merges the one
// before it and adds keys.
func MergeKeyBomb() string {
	var b strings.Builder
	b.WriteString("version: 1\nx-0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9}\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&b, "x-%d: &m%d {", i, i)
		for j := range 9 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "k%d: {<<: *m%d}", j, i-1)
		}
		b.WriteString("}\n")
	}
	return b.String()
}

// AliasDepthBomb nests by aliases: each anchor holds the one before it one
// level deeper, so the text stays shallow and the expansion does not.
func AliasDepthBomb() string {
	var b strings.Builder
	b.WriteString("version: 1\nx-0: &a0 [x]\n")
	for i := 1; i < 100; i++ {
		fmt.Fprintf(&b, "x-%d: &a%d [*a%d]\n", i, i, i-1)
	}
	return b.String()
}

// DeepBlock nests n block mappings, one more space each.
func DeepBlock(n int) string {
	var b strings.Builder
	b.WriteString("version: 1\nx-deep:\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%sk:\n", strings.Repeat(" ", i))
	}
	return b.String()
}

// DeepBlockSeq nests n block sequences, one more space each.
func DeepBlockSeq(n int) string {
	var b strings.Builder
	b.WriteString("version: 1\nx-deep:\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%s-\n", strings.Repeat(" ", i))
	}
	return b.String()
}

// ManyStages declares n builders.
func ManyStages(n int) string {
	var b strings.Builder
	b.WriteString("version: 1\nbuilders:\n")
	for i := range n {
		fmt.Fprintf(&b, "  b%d: {image: golang}\n", i)
	}
	return b.String()
}

// ManyStagesFlow declares n builders in a flow mapping.
func ManyStagesFlow(n int) string {
	var b strings.Builder
	b.WriteString("version: 1\nbuilders: {\n")
	for i := range n {
		fmt.Fprintf(&b, "  b%d: {image: golang},\n", i)
	}
	b.WriteString("}\n")
	return b.String()
}

// StagesInSections declares n stages of each kind.
func StagesInSections(n int) string {
	var b strings.Builder
	b.WriteString("version: 1\nbuilders:\n")
	for i := range n {
		fmt.Fprintf(&b, "  b%d: {image: golang}\n", i)
	}
	b.WriteString("artifacts:\n")
	for i := range n {
		fmt.Fprintf(&b, "  a%d: {builder: b0}\n", i)
	}
	b.WriteString("runtimes:\n")
	for i := range n {
		fmt.Fprintf(&b, "  r%d: {}\n", i)
	}
	return b.String()
}

// DoublingArgs declares n args, each default twice the one before it.
func DoublingArgs(n int) string {
	var b strings.Builder
	b.WriteString("version: 1\nargs:\n  V0: xxxxxxxx\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "  V%d: \"${V%d}${V%d}\"\n", i, i-1, i-1)
	}
	fmt.Fprintf(&b, "builders:\n  go:\n    image: golang\n    env: {A: \"${V%d}\"}\n", n)
	return b.String()
}

// ChainedArgs declares V0 = ${V1}${V1}, V1 = ${V2}${V2}, ... which would
// be 2^n bytes long if defaults were expanded recursively. An env value
// uses V0; Expand must substitute once and then fail on the image, which
// uses a variable that is not a valid reference.
func ChainedArgs(n int) string {
	var b strings.Builder
	b.WriteString("version: 1\nargs:\n")
	for i := range n {
		fmt.Fprintf(&b, "  V%d: \"${V%d}${V%d}\"\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "  V%d: x\nbuilders:\n  go:\n    image: golang:${V0}\n    env: {A: \"${V0}\"}\n", n)
	return b.String()
}

// ChainedBuildArgs are build args that reference each other as ChainedArgs does.
func ChainedBuildArgs(n int) map[string]string {
	args := map[string]string{}
	for i := range n {
		args[fmt.Sprintf("V%d", i)] = fmt.Sprintf("${V%d}${V%d}", i+1, i+1)
	}
	return args
}

// RepeatedReference uses a build arg n times in one value.
func RepeatedReference(n int) string {
	return "version: 1\nargs: {A: a}\nbuilders:\n  go:\n    image: golang\n    env: {X: \"" + strings.Repeat("${A}", n) + "\"}\n"
}

// RepeatedReferenceEverywhere uses a build arg in n env values, each of
// which stays under the expansion limit.
func RepeatedReferenceEverywhere(n int) string {
	var b strings.Builder
	b.WriteString("version: 1\nargs: {A: a}\nbuilders:\n  go:\n    image: golang\n    env:\n")
	for i := range n {
		fmt.Fprintf(&b, "      X%d: ${A}\n", i)
	}
	b.WriteString("    workdir: /${A}${A}\n")
	return b.String()
}

// CyclicFrom chains n builders by from, the last back to the first.
func CyclicFrom(n int) string {
	var b strings.Builder
	b.WriteString("version: 1\nbuilders:\n")
	for i := range n {
		fmt.Fprintf(&b, "  b%d: {from: b%d}\n", i, (i+1)%n)
	}
	return b.String()
}

// CyclicNeeds chains n runtimes by needs, the last back to the first.
func CyclicNeeds(n int) string {
	var b strings.Builder
	b.WriteString("version: 1\nruntimes:\n")
	for i := range n {
		fmt.Fprintf(&b, "  r%d: {needs: [r%d]}\n", i, (i+1)%n)
	}
	return b.String()
}

// BindMount is a builder whose run step has the given mount.
func BindMount(mount string) string {
	return "version: 1\nbuilders:\n  go:\n    image: golang\n    steps:\n      - run: make\n        mounts:\n          - " + mount + "\n"
}

// WrongTypes puts a value of the wrong type in every kind of field.
func WrongTypes() string {
	return `version: 1
name: [a]
description: {a: b}
args: [A]
platforms: linux/amd64
default: [a]
lint: {skip: skip, require-digests: maybe}
builders:
  go:
    image: {a: b}
    preset: [go]
    env: [A=1]
    steps: {run: make}
artifacts:
  app:
    builder: [go]
    outputs: {a: b}
    needs: {a: b}
    arch-guard: 1
    steps:
      - run: {a: b}
        mounts: {cache: /c}
      - copy: {a: b}
        link: yes please
runtimes:
  r:
    entrypoint: {a: b}
    expose: 8080
    labels: [a]
    healthcheck: [a]
    copy: {artifact: app}
`
}

// SeedFiles reads the files that match the glob patterns, relative to the
// calling test's package, to seed a fuzz target; it is an error when none
// matches.
func SeedFiles(patterns ...string) ([][]byte, error) {
	var out [][]byte
	for _, pattern := range patterns {
		files, err := filepath.Glob(pattern)
		if err != nil {
			return nil, err
		}
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err != nil {
				return nil, err
			}
			out = append(out, data)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no seed files match %v", patterns)
	}
	return out, nil
}

// Seeds returns the sources of the cases of at most maxLen bytes, to seed
// the fuzz targets.
func Seeds(maxLen int) [][]byte {
	var out [][]byte
	for _, c := range Cases() {
		if len(c.Src) <= maxLen {
			out = append(out, []byte(c.Src))
		}
	}
	return out
}
