package spec

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"runtime"
	"strings"
	"testing"

	"github.com/mstage/mstage/internal/hostile"
	"github.com/mstage/mstage/internal/race"
)

// maxHostileAlloc is the most heap a hostile spec may make Parse and Expand
// allocate in total. Allocation is deterministic, unlike time, so it is what
// the tests bound; BenchmarkHostile reports the time of each case.
const maxHostileAlloc = 100 << 20

// hostileCase is a spec written to exhaust or fool the frontend, and the
// first error it must get.
type hostileCase struct {
	name string
	src  string
	// buildArgs, when not nil, makes the case run Expand after a
	// successful Parse, with the spec's args overridden by them.
	buildArgs map[string]string
	files     map[string]string // the files it may include
	want      string            // the first error, "line:col: message" without the file name
}

func hostileCases() []hostileCase {
	deep10k := hostile.DeepBlock(10_000)
	stages10MB := hostile.ManyStages(400_000)
	bigArg := strings.Repeat("a", 1<<20)
	return []hostileCase{
		// Alias bombs: every level repeats the one before it nine times.
		{name: "billion-laughs", src: hostile.BillionLaughs(),
			want: "7:26: document has more than 200000 nodes once aliases are expanded; expected fewer or smaller aliases"},
		{name: "billion-laughs-merge-keys", src: hostile.MergeKeyBomb(),
			want: "7:30: document has more than 200000 nodes once aliases are expanded; expected fewer or smaller aliases"},
		{name: "alias-depth-bomb", src: hostile.AliasDepthBomb(),
			want: "65:13: alias *a62 nests deeper than 64 levels when expanded"},

		// Nesting 10,000 levels deep, in each YAML syntax for it.
		{name: "deep-flow-sequences", src: "version: 1\nx-deep: " + strings.Repeat("[", 10_000),
			want: "2:73: nesting deeper than 64 levels"},
		{name: "deep-flow-mappings", src: "version: 1\nx-deep: " + strings.Repeat("{a: ", 10_000),
			want: "2:265: nesting deeper than 64 levels"},
		{name: "deep-compact-sequences", src: "version: 1\nx-deep:\n  " + strings.Repeat("- ", 10_000) + "a\n",
			want: "3:131: nesting deeper than 64 levels"},
		{name: "deep-compact-mappings", src: "version: 1\nx-deep:\n  " + strings.Repeat("- a: ", 10_000) + "a\n",
			want: "3:163: nesting deeper than 64 levels"},
		// Indented nesting costs its depth squared in bytes: 10,000 levels
		// are over the size limit, so the deepest that fits is checked too.
		{name: "deep-block-mappings-10000", src: deep10k,
			want: fmt.Sprintf("%s: file is %d bytes, more than the limit of %d", posOfByte(deep10k, MaxFileSize), len(deep10k), MaxFileSize)},
		{name: "deep-block-mappings-700", src: hostile.DeepBlock(700),
			want: "66:65: nesting deeper than 64 levels"},
		{name: "deep-block-sequences-700", src: hostile.DeepBlockSeq(700),
			want: "66:65: nesting deeper than 64 levels"},

		// Size.
		{name: "10MB-comment", src: "version: 1\n# " + strings.Repeat("x", 10<<20) + "\n",
			want: fmt.Sprintf("2:%d: file is %d bytes, more than the limit of %d", MaxFileSize-10, 10<<20+14, MaxFileSize)},
		{name: "10MB-of-stages", src: stages10MB,
			want: fmt.Sprintf("%s: file is %d bytes, more than the limit of %d", posOfByte(stages10MB, MaxFileSize), len(stages10MB), MaxFileSize)},
		{name: "10000-stages", src: hostile.ManyStages(10_000),
			want: "2503:3: more than 2500 keys in one mapping"},
		{name: "10000-stages-flow", src: hostile.ManyStagesFlow(10_000),
			want: "2003:3: more than 2000 stages"},
		{name: "10000-stages-in-three-sections", src: hostile.StagesInSections(3_334),
			want: "2503:3: more than 2500 keys in one mapping"},
		{name: "2100-stages-in-three-sections", src: hostile.StagesInSections(700),
			want: "2005:3: more than 2000 stages"},
		{name: "1MB-string", src: "version: 1\ndescription: " + strings.Repeat("x", 1<<20) + "\n",
			want: fmt.Sprintf("2:%d: file is %d bytes, more than the limit of %d", MaxFileSize-10, 1<<20+25, MaxFileSize)},
		{name: "string-filling-the-file", src: "version: 1\ndescription: " + strings.Repeat("x", MaxFileSize-40) + "\n",
			want: fmt.Sprintf("2:14: description is %d bytes long, more than the limit of 65536", MaxFileSize-40)},
		{name: "block-scalar-filling-the-file", src: "version: 1\ndescription: |\n" + strings.Repeat("  "+strings.Repeat("x", 78)+"\n", (MaxFileSize-40)/81),
			want: fmt.Sprintf("2:14: description is %d bytes long, more than the limit of 65536", (MaxFileSize-40)/81*79)},
		{name: "quoted-escapes-filling-the-file", src: "version: 1\ndescription: \"" + strings.Repeat(`\u00e9`, (MaxFileSize-40)/6) + "\"\n",
			want: fmt.Sprintf("2:14: description is %d bytes long, more than the limit of 65536", (MaxFileSize-40)/6*2)},
		{name: "key-filling-the-file", src: "version: 1\nx-" + strings.Repeat("k", MaxFileSize-40) + ": 1\n",
			want: fmt.Sprintf("2:1: a key of the spec is %d bytes long, more than the limit of 65536", MaxFileSize-38)},

		// Inputs that cost the YAML lexer or parser much more per byte.
		{name: "many-flow-items", src: "version: 1\nx-a: [" + strings.Repeat("[],", MaxFileSize/3-20) + "]\n",
			want: "2:100000: more than 100000 YAML tokens; expected a smaller file: fewer keys, list items and words"},
		{name: "many-comment-lines", src: "version: 1\n" + strings.Repeat("#\n", MaxFileSize/2-20),
			want: "50000:1: more than 100000 YAML tokens; expected a smaller file: fewer keys, list items and words"},
		{name: "many-explicit-keys", src: "version: 1\nx-a:\n" + strings.Repeat("  ? a\n", 10_000),
			want: "2503:3: more than 2500 keys in one mapping"},
		{name: "blank-lines-ending-a-block-scalar", src: "version: 1\ndescription: |\n  " + strings.Repeat("x", MaxFileSize-2000) + "\n" + strings.Repeat("\n", 1_000),
			want: fmt.Sprintf("%d:1: more than %d blank lines in a row; expected fewer blank lines", MaxBlankLines+4, MaxBlankLines)},
		{name: "blank-lines-at-the-limit-ending-a-large-block-scalar", src: "version: 1\ndescription: |\n  " + strings.Repeat("x", MaxFileSize-200) + "\n" + strings.Repeat("\n", MaxBlankLines),
			want: "2:14: description is 524089 bytes long, more than the limit of 65536"},

		// Expansion that would grow exponentially, or by repetition.
		// A default sees only the args declared before it: V0 refers to V1,
		// declared later, so it expands to nothing.
		{name: "arg-defaults-referencing-later-ones", src: hostile.ChainedArgs(40), buildArgs: map[string]string{},
			want: "46:12: invalid image reference \"golang:\": invalid reference format; expected a reference such as golang:1.26 or registry.example.com/team/base@sha256:..."},
		// Each default doubles the one before it: the expansion limits stop
		// the chain at the first default that would be too long.
		{name: "arg-defaults-doubling-in-order", src: hostile.DoublingArgs(40),
			want: "17:8: \"${V13}${V13}\" expands to more than the limit of 65536 bytes"},
		{name: "build-args-referencing-each-other", src: hostile.ChainedArgs(40), buildArgs: hostile.ChainedBuildArgs(40),
			want: "46:12: invalid image reference \"golang:${V1}${V1}\": invalid reference format; expected a reference such as golang:1.26 or registry.example.com/team/base@sha256:..."},
		{name: "repeated-reference-to-a-large-build-arg", src: hostile.RepeatedReference(10_000), buildArgs: map[string]string{"A": bigArg},
			want: "6:14: \"${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}${A}\"... (40000 bytes) could build more than 16777216 bytes while it is expanded; expected shorter variables, or fewer ${NAME/pattern/replacement} on long values"},
		{name: "pattern-replacement-of-a-large-build-arg", src: "version: 1\nargs: {A: a}\nbuilders:\n  go:\n    image: golang\n    env: {X: \"${A//?/" + strings.Repeat("x", 1_000) + "}\"}\n",
			buildArgs: map[string]string{"A": strings.Repeat("a", 60<<10)},
			want:      "6:14: \"${A//?/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"... (1008 bytes) could build more than 16777216 bytes while it is expanded; expected shorter variables, or fewer ${NAME/pattern/replacement} on long values"},
		{name: "repeated-reference-in-many-fields", src: hostile.RepeatedReferenceEverywhere(200), buildArgs: map[string]string{"A": strings.Repeat("a", 60<<10)},
			want: "75:12: the expanded values of the file add up to more than the limit of 4194304 bytes"},

		// Graph.
		{name: "cyclic-from", src: hostile.CyclicFrom(1_999),
			want: "2001:17: dependency cycle: b0 -> b1 -> b2 -> b3 -> ... (1992 more) ... -> b1996 -> b1997 -> b1998 -> b0; expected stages that do not depend on themselves"},
		{name: "cyclic-needs", src: hostile.CyclicNeeds(1_999),
			want: "2001:19: dependency cycle: r0 -> r1 -> r2 -> r3 -> ... (1992 more) ... -> r1996 -> r1997 -> r1998 -> r0; expected stages that do not depend on themselves"},
		{name: "self-from", src: "version: 1\nbuilders:\n  a: {from: a}\n",
			want: "3:13: builder \"a\" extends itself"},
		{name: "self-needs", src: "version: 1\nruntimes:\n  r: {needs: [r]}\n",
			want: "3:15: runtime \"r\" needs itself"},
		{name: "self-copy", src: "version: 1\nruntimes:\n  r:\n    copy:\n      - {stage: r, to: /}\n",
			want: "5:17: runtime \"r\" copies from itself"},

		// Paths that leave their root.
		{name: "traversal-copy-to", src: "version: 1\nbuilders:\n  go:\n    image: golang\n    steps:\n      - copy: x\n        to: /a/../../etc\n",
			want: "7:13: to \"/a/../../etc\" escapes the root with ..; expected a path that stays inside its root"},
		{name: "traversal-runtime-copy-to", src: "version: 1\nruntimes:\n  r:\n    copy:\n      - {image: alpine, src: /etc/passwd, to: ../../etc/}\n",
			want: "5:47: to \"../../etc/\" escapes the root with ..; expected a path that stays inside its root"},
		{name: "traversal-outputs", src: "version: 1\nbuilders:\n  go: {image: golang}\nartifacts:\n  a:\n    builder: go\n    outputs: [/out, /out/../../x]\n",
			want: "7:21: output \"/out/../../x\" escapes the root with ..; expected a path that stays inside its root"},
		{name: "traversal-bind-target", src: hostile.BindMount("bind: /src/../../x"),
			want: "8:19: mount target \"/src/../../x\" escapes the root with ..; expected a path that stays inside its root"},
		{name: "traversal-bind-src", src: hostile.BindMount("bind: /src\n            src: ../../../etc"),
			want: "9:18: mount src \"../../../etc\" escapes the root with ..; expected a path that stays inside its root"},
		{name: "traversal-after-expansion", src: "version: 1\nargs: {P: /}\nbuilders:\n  go:\n    image: golang\n    steps:\n      - copy: x\n        to: ${P}\n",
			buildArgs: map[string]string{"P": "/../../etc"},
			want:      "8:13: to \"/../../etc\" escapes the root with ..; expected a path that stays inside its root"},

		// Bytes that are not YAML text.
		{name: "NUL-byte", src: "version: 1\nname: a\x00b\n",
			want: "2:8: NUL byte in file; expected UTF-8 text"},
		{name: "NUL-byte-deep-in-file", src: hostile.ManyStages(1_000) + "  z: {image: \"a\x00\"}\n",
			want: "1003:16: NUL byte in file; expected UTF-8 text"},
		{name: "invalid-UTF-8", src: "version: 1\nname: h\xe9llo\n",
			want: "2:8: invalid UTF-8 byte sequence; expected UTF-8 text"},
		{name: "UTF-16-BOM", src: "\xff\xfev\x00e\x00r\x00",
			want: "1:1: invalid UTF-8 byte sequence; expected UTF-8 text"},

		// Keys and whitespace.
		{name: "duplicate-keys", src: "version: 1\nbuilders:\n  go:\n    image: golang\n" + strings.Repeat("    image: alpine\n", 2_000),
			want: "5:5: duplicate key \"image\" in builder \"go\" (first set at 4:5); expected each key once"},
		{name: "duplicate-stages", src: "version: 1\nbuilders:\n  go: {image: golang}\n  go: {image: alpine}\n",
			want: "4:3: duplicate key \"go\" in builders (first set at 3:3); expected each key once"},
		{name: "tab-indentation", src: "version: 1\nbuilders:\n\tgo: {}\n",
			want: "3:1: tab character where YAML needs indentation; expected spaces for indentation"},
		{name: "tab-after-key", src: "version: 1\nbuilders:\n  go:\n    image:\tgolang\n    \tpreset: go\n",
			want: "5:5: tab character where YAML needs indentation; expected spaces for indentation"},

		// Version and types.
		{name: "unknown-version", src: "version: 2\n",
			want: "1:10: unknown version 2; expected version: 1"},
		{name: "huge-version", src: "version: 99999999999999999999999999\n",
			want: "1:10: version is a string; expected an integer"},
		{name: "string-version", src: "version: \"1\"\n",
			want: "1:10: version is a string; expected an integer"},
		{name: "wrong-types-everywhere", src: hostile.WrongTypes(),
			want: "2:7: name is a list; expected a string"},
	}
}

// TestHostile checks that each hostile spec fails with its positioned error
// and that Parse and Expand allocate less than maxHostileAlloc for it.
func TestHostile(t *testing.T) {
	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			alloc := allocated(func() { err = tc.run() })
			if alloc > maxHostileAlloc && !race.Enabled {
				t.Errorf("allocated %d MB, more than %d MB", alloc>>20, maxHostileAlloc>>20)
			}
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error = %v, want an ErrorList", err)
			}
			if got := strings.TrimPrefix(list[0].Error(), "mstage.yaml:"); got != tc.want {
				t.Errorf("error:\n%s\nwant:\n%s", got, tc.want)
			}
			if len(list[0].Error()) > 1000 {
				t.Errorf("error message is %d bytes long", len(list[0].Error()))
			}
		})
	}
}

func (tc hostileCase) run() error {
	s, err := Load("mstage.yaml", []byte(tc.src), mapFiles(tc.files))
	if err != nil || tc.buildArgs == nil {
		return err
	}
	vars, _, err := s.ArgValues(tc.buildArgs)
	if err != nil {
		return err
	}
	_, err = expandFile(s, vars)
	return err
}

// TestHostileClasses checks the first error of the corpus cases of each
// class of defect of issue 11 that Parse or Expand rejects, and bounds
// what rejecting them costs: maxHostileAlloc of heap, at most MaxErrors
// errors plus the "too many errors" line, and no error longer than
// 2 KiB however long the values it quotes. frontend's TestHostileCorpus
// runs the whole corpus through compile as well.
func TestHostileClasses(t *testing.T) {
	corpus := map[string]hostile.Case{}
	for _, c := range hostile.Cases() {
		corpus[c.Name] = c
	}
	for _, tc := range []struct{ name, want string }{
		{"cache-escape-name", "2:7: name \"../../tenant-b/app\" has a .. segment, which would leave its cache namespace; expected a project name such as myapp or team/app"},
		{"cache-escape-id", "9:17: cache id \"../tenant-b/go-build\" has a .. segment, which would leave its cache namespace; expected an id such as go-build or team/npm"},
		{"cache-escape-id-expanded", "10:17: cache id \"../../tenant-b/go-build\" has a .. segment, which would leave its cache namespace; expected an id such as go-build or team/npm"},
		{"duplicate-alias-keys-2000-of-1KiB", "3:16: duplicate key \"KKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKKK\"... (1024 bytes) in args (first set at 3:8); expected each key once"},
		{"duplicate-alias-keys-12000-of-60KiB", "3:601: document holds more than 4194304 bytes of text once aliases are expanded; expected fewer uses of aliases to long values"},
		{"unknown-alias-keys-12000-of-1KiB", "4:8: unknown key \"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\"... (1024 bytes) in builder \"b0\"; expected one of args, description, env, from, image, platform, platforms, preset, steps, user, workdir"},
		{"pattern-product-env-1KiB", "6:14: \"${A//?/${B}}\" expands to more than the limit of 65536 bytes"},
		{"pattern-product-env-32KiB", "6:14: \"${A//?/${B}}\" could build more than 16777216 bytes while it is expanded; expected shorter variables, or fewer ${NAME/pattern/replacement} on long values"},
		{"pattern-product-nested-1KiB", "6:14: \"${A//?/${B//?/${A}}}\" could build more than 16777216 bytes while it is expanded; expected shorter variables, or fewer ${NAME/pattern/replacement} on long values"},
		{"pattern-product-discarded-32KiB", "6:14: \"${UNSET:+${A//?/${B}}}\" could build more than 16777216 bytes while it is expanded; expected shorter variables, or fewer ${NAME/pattern/replacement} on long values"},
		{"pattern-product-image-60KiB", "5:12: \"golang:${A//?/${B}}\" could build more than 16777216 bytes while it is expanded; expected shorter variables, or fewer ${NAME/pattern/replacement} on long values"},
		{"pattern-product-1000-stages-1KiB", "5:12: \"golang:${A//?/${B}}\" expands to more than the limit of 65536 bytes"},
		{"aliased-60KiB-run-35000-steps", "3:757: document holds more than 4194304 bytes of text once aliases are expanded; expected fewer uses of aliases to long values"},
		{"aliased-secret-like-env-2000-stages", "26:40: document holds more than 4194304 bytes of text once aliases are expanded; expected fewer uses of aliases to long values"},
		{"expose-ranges-10-runtimes", "4:16: the runtimes expose more than 65536 ports, counting the ports of each runtime's from chain and every port of a range; expected fewer or smaller port ranges"},
		{"expose-ranges-2000-chained-runtimes", "4:16: the runtimes expose more than 65536 ports, counting the ports of each runtime's from chain and every port of a range; expected fewer or smaller port ranges"},
		{"platforms-32-x-2000-builders", "2:231: more than 16 platforms; expected fewer platforms"},
		{"platforms-1000-duplicates", "2:26: platform \"linux/amd64\" is listed twice (first at 2:13); expected each platform once"},
		{"steps-40-in-each-of-50-chained-builders", "950:3: the steps of the stages up to builder \"b23\" build on more than 400000 earlier steps in all, which 4 platforms build 4 times; expected fewer steps in one chain of stages (from, builder): split long chains, or run several commands in one step"},
		{"aliased-100B-run-35000-steps", "44:3: the stages up to builder \"b39\" hold more than 4000 stages, steps and copy entries, which 4 platforms build 4 times; expected fewer steps (run several commands in one) or fewer stages"},
		{"runtime-chain-1998", "900:3: the steps of the stages up to runtime \"r893\" build on more than 400000 earlier steps in all, which 4 platforms build 4 times; expected fewer steps in one chain of stages (from, builder): split long chains, or run several commands in one step"},
		{"did-you-mean-1000-refs-to-1800-long-names", "1816:9: stage \"b0-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"... (200 bytes) not found; expected the name of a stage"},
		{"did-you-mean-1000-refs-to-1800-names-of-60", "1816:9: stage \"b0-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxy\" not found; expected the name of a stage; did you mean \"b0-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"?"},
		{"tmpfs-size-18446744073709551615", "8:33: invalid tmpfs size \"18446744073709551615\": more than 9223372036854775807 bytes; expected a size such as 64m or 1g, at most 8 EiB"},
		{"tmpfs-size-9223372036854775808", "8:33: invalid tmpfs size \"9223372036854775808\": more than 9223372036854775807 bytes; expected a size such as 64m or 1g, at most 8 EiB"},
		{"tmpfs-size-9999999999999999t", "8:33: invalid tmpfs size \"9999999999999999t\": more than 9223372036854775807 bytes; expected a size such as 64m or 1g, at most 8 EiB"},
		{"tmpfs-size-17179869184g", "8:33: invalid tmpfs size \"17179869184g\": more than 9223372036854775807 bytes; expected a size such as 64m or 1g, at most 8 EiB"},
		{"include-self", "2:11: mstage.yaml includes itself; expected a different file"},
		{"include-self-fragment", "a.yaml:1:11: a.yaml includes itself; expected a different file"},
		{"include-cycle", "ci/b.yaml:1:11: include cycle: mstage.yaml -> ci/a.yaml -> ci/b.yaml -> mstage.yaml; expected includes that do not lead back to a file that includes them"},
		{"include-chain-100", "f7.yaml:1:11: includes nest deeper than 8 files: mstage.yaml -> f0.yaml -> f1.yaml -> f2.yaml -> f3.yaml -> f4.yaml -> f5.yaml -> f6.yaml -> f7.yaml -> f8.yaml; expected a shorter chain of includes"},
		{"include-fanout-100", "67:5: the spec includes more than 64 files; expected fewer included files"},
		{"include-escape", "2:11: include path \"ci/../../secrets.yaml\" leaves the spec's directory; expected a relative path to a YAML file in the spec's directory or below, such as ci/builders.yaml"},
		{"include-absolute", "2:11: include path \"/etc/passwd\" is not a relative slash-separated path; expected a relative path to a YAML file in the spec's directory or below, such as ci/builders.yaml"},
		{"include-bytes", "2:19: included file b.yaml makes the spec and its included files 614489 bytes, more than the limit of 524288; expected smaller or fewer included files"},
		{"include-stages", "b.yaml:502:3: more than 2000 stages in the spec and its included files"},
		{"include-nodes", "b.yaml:1:1: the spec and its included files have more than 200000 nodes once aliases are expanded; expected smaller or fewer included files"},
		{"tmpfs-size--1", "8:33: invalid tmpfs size \"-1\": not a whole number of bytes with an optional k, m, g or t; expected a size such as 64m or 1g, at most 8 EiB"},
		{"git-url-token", "6:14: invalid git URL \"https://xxxxx@example.com/org/repo.git\": the URL holds credentials (userinfo); give a token through the GIT_AUTH_TOKEN secret (or auth-token) instead; expected a repository URL such as https://example.com/org/repo.git, git://host/repo.git, ssh://git@host/org/repo.git or git@host:org/repo.git"},
		{"git-url-token-expanded", "7:14: invalid git URL \"https://xxxxx@example.com/org/repo.git\": the URL holds credentials (userinfo); give a token through the GIT_AUTH_TOKEN secret (or auth-token) instead; expected a repository URL such as https://example.com/org/repo.git, git://host/repo.git, ssh://git@host/org/repo.git or git@host:org/repo.git"},
		{"git-ref-option", "7:14: invalid git ref \"--upload-pack=touch /tmp/x\": the ref starts with -; expected a tag, branch or commit such as v1.2.0, main or a full commit sha"},
		{"git-url-60KiB", "7:14: invalid git ref \"-x\": the ref starts with -; expected a tag, branch or commit such as v1.2.0, main or a full commit sha"},
		{"git-known-hosts-60KiB", "7:22: invalid known-hosts: a line is not \"host keytype key\"; expected known_hosts lines: host keytype key, as ssh-keyscan prints them"},
		{"ref-patterns-65", "70:18: more than 64 different stage references with a ${VAR}; expected fewer references that pick a stage per platform"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := corpus[tc.name]
			if !ok {
				t.Fatalf("no case %s in the corpus", tc.name)
			}
			hc := hostileCase{name: c.Name, src: c.Src, buildArgs: c.BuildArgs, files: c.Files}
			var err error
			alloc := allocated(func() { err = hc.run() })
			if alloc > maxHostileAlloc && !race.Enabled {
				t.Errorf("allocated %d MB, more than %d MB", alloc>>20, maxHostileAlloc>>20)
			}
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error = %v, want an ErrorList", err)
			}
			if got := strings.TrimPrefix(list[0].Error(), "mstage.yaml:"); got != tc.want {
				t.Errorf("error:\n%s\nwant:\n%s", got, tc.want)
			}
			if len(list) > MaxErrors+1 {
				t.Errorf("%d errors", len(list))
			}
			for _, e := range list {
				if !e.Pos.IsValid() || len(e.Error()) > 2<<10 {
					t.Errorf("error without a position or longer than 2 KiB: %.200s", e.Error())
				}
			}
		})
	}
}

// TestHostileCasesAreInTheCorpus checks that the corpus that frontend's
// TestHostileCorpus runs in a child process holds every case above, with
// the same source and build args, and that the limits it sizes its cases
// around are this package's.
func TestHostileCasesAreInTheCorpus(t *testing.T) {
	corpus := map[string]hostile.Case{}
	for _, c := range hostile.Cases() {
		corpus[c.Name] = c
	}
	for _, tc := range hostileCases() {
		c, ok := corpus[tc.name]
		if !ok || c.Src != tc.src || !maps.Equal(c.BuildArgs, tc.buildArgs) || (c.BuildArgs == nil) != (tc.buildArgs == nil) {
			t.Errorf("case %s is not in the corpus as it is here", tc.name)
		}
	}
	if hostile.MaxFileSize != MaxFileSize || hostile.MaxBlankLines != MaxBlankLines {
		t.Errorf("the corpus is sized for other limits")
	}
}

// BenchmarkHostile reports the time and memory of each hostile case.
func BenchmarkHostile(b *testing.B) {
	for _, tc := range hostileCases() {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if tc.run() == nil {
					b.Fatal("no error")
				}
			}
		})
	}
}

// allocated returns the bytes of heap f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// posOfByte returns the "line:col" of byte offset i of src.
func posOfByte(src string, i int) string {
	line := strings.Count(src[:i], "\n") + 1
	col := i - strings.LastIndexByte(src[:i], '\n')
	return fmt.Sprintf("%d:%d", line, col)
}

// mapFiles reads included files from files, by path.
func mapFiles(files map[string]string) ReadFunc {
	return func(name string) ([]byte, error) {
		data, ok := files[name]
		if !ok {
			return nil, fmt.Errorf("open %s: %w", name, fs.ErrNotExist)
		}
		return []byte(data), nil
	}
}
