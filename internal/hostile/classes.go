package hostile

import (
	"fmt"
	"strconv"
	"strings"
)

// newCases holds a group of cases per class of defect of issue 11, each in
// several sizes.
func newCases() []Case {
	var cs []Case
	add := func(name, src string, args map[string]string) {
		cs = append(cs, Case{Name: name, Src: src, BuildArgs: args})
	}

	// 1. Cache namespace escape.
	add("cache-escape-name", "version: 1\nname: ../../tenant-b/app\nbuilders:\n  go: {image: golang, preset: go}\n", nil)
	add("cache-escape-id", CacheMount("id: ../tenant-b/go-build"), nil)
	add("cache-escape-id-expanded", "version: 1\nargs: {ID: x}\n"+strings.TrimPrefix(CacheMount("id: ${ID}"), "version: 1\n"), map[string]string{"ID": "../../tenant-b/go-build"})

	// 2. Errors without limits: duplicate and unknown keys quoting long
	// keys, made through aliases.
	for _, n := range []int{100, 2_000, 12_000} {
		for _, keyLen := range []int{1 << 10, 60 << 10} {
			add(fmt.Sprintf("duplicate-alias-keys-%d-of-%dKiB", n, keyLen>>10), DuplicateAliasKeys(n, keyLen), nil)
			add(fmt.Sprintf("unknown-alias-keys-%d-of-%dKiB", n, keyLen>>10), UnknownAliasKeys(n, keyLen), nil)
		}
	}

	// 3. Expansion paths without a meter: a pattern replacement whose
	// result is the product of two lengths, in every place values are
	// expanded (env, run commands, image references of lint and lock).
	small := strings.Repeat("a", 250) // a result just under MaxExpandedLen
	add("pattern-product-env-250B", PatternProduct("env", 1), map[string]string{"A": small, "B": small})
	for _, size := range []int{1 << 10, 32 << 10, 60 << 10} {
		big := strings.Repeat("a", size)
		args := map[string]string{"A": big, "B": big}
		for _, field := range []string{"env", "run", "image", "nested", "discarded"} {
			add(fmt.Sprintf("pattern-product-%s-%dKiB", field, size>>10), PatternProduct(field, 1), args)
		}
		add(fmt.Sprintf("pattern-product-1000-stages-%dKiB", size>>10), PatternProduct("image", 1_000), args)
	}

	// 4. Limits counted in nodes, not bytes: an alias to a long scalar
	// used by many run steps, env values and secrets for lint to scan.
	for _, n := range []int{1_000, 10_000, 35_000} {
		add(fmt.Sprintf("aliased-60KiB-run-%d-steps", n), AliasedRunStages(n, 60<<10), nil)
	}
	add("aliased-100B-run-35000-steps", AliasedRunStages(35_000, 100), nil)
	add("aliased-100B-run-30000-steps", AliasedRunStages(30_000, 100), nil)
	add("aliased-1KiB-run-4000-steps", AliasedRuns(4_000, 1<<10), nil)
	add("aliased-60KiB-run-67-steps", AliasedRuns(67, 60<<10), nil) // just under MaxDocumentBytes
	for _, n := range []int{100, 2_000} {
		add(fmt.Sprintf("aliased-secret-like-env-%d-stages", n), AliasedSecretEnv(n), nil)
	}

	// 5. Ranges unrolled through an alias.
	add("expose-one-full-range", "version: 1\nruntimes:\n  r: {expose: [1-65535]}\n", nil) // at the limit
	for _, n := range []int{1, 10, 2_000} {
		add(fmt.Sprintf("expose-ranges-%d-runtimes", n), ExposeRanges(n, false), nil)
		add(fmt.Sprintf("expose-ranges-%d-chained-runtimes", n), ExposeRanges(n, true), nil)
	}

	// 6. Stages x platforms.
	add("platforms-32-x-2000-builders", PlatformsTimesStages(32, 1_999), nil)
	add("platforms-16-x-2000-builders", PlatformsTimesStages(16, 1_999), nil)
	add("platforms-4-x-2000-builders", PlatformsTimesStages(4, 1_999), nil)
	add("platforms-4-x-1990-builders", PlatformsTimesStages(4, 1_990), nil)
	add("platforms-2-x-1990-builders", PlatformsTimesStages(2, 1_990), nil)
	add("platforms-1000-duplicates", DuplicatePlatforms(1_000), nil)
	// Stages whose steps cost the most to compile: a preset's cache mounts
	// and env on every step, lists of steps shared through an alias.
	add("preset-steps-1999-x-8", PresetSteps(1_999, 8), nil)
	add("preset-steps-440-x-8", PresetSteps(440, 8), nil) // at MaxBuildOps for 4 platforms

	// 7. Super-linear checks.
	for _, n := range []int{500, 1_998} {
		add(fmt.Sprintf("runtime-chain-%d", n), RuntimeChain(n), nil)
	}
	// Steps in one chain of stages: LLB walks back through them.
	for _, n := range []int{700, 890, 1_400} {
		add(fmt.Sprintf("steps-%d-in-one-builder", n), AliasedRuns(n, 8), nil)
	}
	add("steps-40-in-each-of-50-chained-builders", ChainedBuilderSteps(50, 40), nil)
	for _, n := range []int{100, 1_000} {
		add(fmt.Sprintf("did-you-mean-%d-refs-to-1800-long-names", n), UnknownReferences(n, 1_800, 200), nil)
	}
	add("did-you-mean-1000-refs-to-1800-names-of-60", UnknownReferences(1_000, 1_800, 60), nil)

	// 8. Values that are not what they seem.
	for _, size := range []string{"18446744073709551615", "9223372036854775808", "9999999999999999t", "17179869184g", "-1"} {
		add("tmpfs-size-"+size, TmpfsSize(size), nil)
	}

	// 9. Git sources: credentials in the URL, written or from an arg; an
	// option smuggled in as a ref; huge values.
	add("git-url-token", GitCopy("git: https://ghp_T0KEN@example.com/org/repo.git"), nil)
	add("git-url-token-expanded", "version: 1\nargs: {REPO: x}\n"+strings.TrimPrefix(GitCopy("git: ${REPO}"), "version: 1\n"), map[string]string{"REPO": "https://u:ghp_T0KEN@example.com/org/repo.git"})
	add("git-ref-option", GitCopy("git: https://example.com/org/repo.git\n        ref: --upload-pack=touch /tmp/x"), nil)
	add("git-url-60KiB", GitCopy("git: https://example.com/"+strings.Repeat("r", 60<<10)+".git\n        ref: -x"), nil)
	add("git-known-hosts-60KiB", GitCopy("git: git@example.com:org/repo.git\n        known-hosts: "+strings.Repeat("k", 60<<10)), nil)

	// 10. Stage references with ${VAR}: more patterns than the limit, and
	// patterns that match every stage, which the graph turns into edges.
	add("ref-patterns-65", RefPatterns(65, 1, "b${A:-{i}}-0"), nil)
	add("ref-patterns-64-match-all-1000", RefPatterns(64, 1_000, "${A}${A:-{i}}"), nil)
	add("ref-pattern-1-match-all-999-in-1000", RefPatterns(1_000, 999, "${A}"), nil)
	return cs
}

// RefPatterns writes n artifacts whose builder is the reference pattern
// with {i} replaced by the artifact's number, and builders builders named
// b0-0, b1-0, ...; the arg A defaults to b0-0.
func RefPatterns(n, builders int, pattern string) string {
	var b strings.Builder
	b.WriteString("version: 1\nargs: {A: b0-0}\nbuilders:\n")
	for i := range builders {
		fmt.Fprintf(&b, "  b%d-0: {image: busybox}\n", i)
	}
	b.WriteString("artifacts:\n")
	for i := range n {
		fmt.Fprintf(&b, "  a%d: {builder: \"%s\", outputs: [/o]}\n", i, strings.ReplaceAll(pattern, "{i}", strconv.Itoa(i)))
	}
	return b.String()
}

// GitCopy is a runtime whose one copy entry reads a git source with the
// given keys.
func GitCopy(keys string) string {
	return "version: 1\nruntimes:\n  r:\n    copy:\n      - to: /src/\n        " + keys + "\n"
}

// CacheMount is a builder whose run step mounts a cache with the given
// extra key.
func CacheMount(key string) string {
	return "version: 1\nbuilders:\n  go:\n    image: golang\n    steps:\n      - run: make\n        mounts:\n          - cache: /root/.cache\n            " + key + "\n"
}

// DuplicateAliasKeys writes n duplicate args, each an alias to one name
// of keyLen bytes, in one flow mapping.
func DuplicateAliasKeys(n, keyLen int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\nx-k: &k %s\nargs: {", strings.Repeat("K", keyLen))
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "*k : %d", i)
	}
	b.WriteString("}\n")
	return b.String()
}

// UnknownAliasKeys writes n stages whose one key is an alias to a key of
// keyLen bytes that no stage allows.
func UnknownAliasKeys(n, keyLen int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\nx-k: &k %s\nbuilders:\n", strings.Repeat("k", keyLen))
	for i := range min(n, 1_999) {
		fmt.Fprintf(&b, "  b%d: {*k : 1}\n", i)
	}
	return b.String()
}

// PatternProduct uses ${A//?/${B}} in field of n stages.
func PatternProduct(field string, n int) string {
	var b strings.Builder
	b.WriteString("version: 1\nargs: {A: a, B: b}\nbuilders:\n")
	for i := range n {
		fmt.Fprintf(&b, "  b%d:\n", i)
		switch field {
		case "env":
			b.WriteString("    image: golang\n    env: {X: \"${A//?/${B}}\"}\n")
		case "run":
			b.WriteString("    image: golang\n    steps:\n      - run: echo \"${A//?/${B}}\"\n")
		case "image":
			b.WriteString("    image: \"golang:${A//?/${B}}\"\n")
		case "nested":
			b.WriteString("    image: golang\n    env: {X: \"${A//?/${B//?/${A}}}\"}\n")
		case "discarded":
			b.WriteString("    image: golang\n    env: {X: \"${UNSET:+${A//?/${B}}}\"}\n")
		}
	}
	b.WriteString("runtimes:\n  r:\n    copy:\n")
	for i := range min(n, 50) {
		fmt.Fprintf(&b, "      - {stage: b%d, src: /x, to: /x%d}\n", i, i)
	}
	return b.String()
}

// AliasedRuns has n run steps that are each an alias to one command of
// size bytes.
func AliasedRuns(n, size int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\nx-cmd: &c %s\nbuilders:\n  go:\n    image: golang\n    steps:\n", strings.Repeat("x", size))
	for range n {
		b.WriteString("      - run: *c\n")
	}
	return b.String()
}

// AliasedRunStages has n run steps in all, each an alias to one command of
// size bytes: lists of 100 steps, each list an alias used by many stages.
func AliasedRunStages(n, size int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\nx-cmd: &c %s\nx-steps: &s [", strings.Repeat("x", size))
	for i := range 100 {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("{run: *c}")
	}
	b.WriteString("]\nbuilders:\n")
	for i := range (n + 99) / 100 {
		fmt.Fprintf(&b, "  b%d: {image: golang, steps: *s}\n", i)
	}
	b.WriteString("runtimes:\n  r:\n    needs:\n")
	for i := range (n + 99) / 100 {
		fmt.Fprintf(&b, "      - b%d\n", i)
	}
	return b.String()
}

// AliasedSecretEnv gives n stages an env of aliases to long values that
// contain what looks like a credential at their end.
func AliasedSecretEnv(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "version: 1\nx-v: &v %sghp_%s\nbuilders:\n", strings.Repeat("ghp_ ", 12<<10), strings.Repeat("A", 36))
	for i := range n {
		fmt.Fprintf(&b, "  b%d: {image: golang, env: {A: *v, B: *v}, steps: [{run: *v}]}\n", i)
	}
	return b.String()
}

// ExposeRanges gives n runtimes the whole port range of every protocol
// through an alias; chained, each runtime extends the one before it.
func ExposeRanges(n int, chained bool) string {
	var b strings.Builder
	b.WriteString("version: 1\nx-e: &e [1-65535, 1-65535/udp, 1-65535/sctp]\nruntimes:\n")
	for i := range n {
		if chained && i > 0 {
			fmt.Fprintf(&b, "  r%d: {from: r%d, expose: *e}\n", i, i-1)
		} else {
			fmt.Fprintf(&b, "  r%d: {expose: *e}\n", i)
		}
	}
	return b.String()
}

// PlatformsTimesStages lists p platforms and n builders that one runtime
// reaches.
func PlatformsTimesStages(p, n int) string {
	arches := []string{"amd64", "arm64", "arm/v7", "arm/v6", "386", "ppc64le", "s390x", "riscv64", "mips64le", "loong64", "arm/v5", "mips64", "mips", "mipsle", "ppc64", "wasm"}
	var b strings.Builder
	b.WriteString("version: 1\nplatforms: [")
	for i := range p {
		if i > 0 {
			b.WriteString(", ")
		}
		os := []string{"linux", "freebsd", "windows", "darwin"}[i/len(arches)%4]
		fmt.Fprintf(&b, "%s/%s", os, arches[i%len(arches)])
	}
	b.WriteString("]\nbuilders:\n")
	for i := range n {
		fmt.Fprintf(&b, "  b%d: {image: golang, steps: [{run: make}]}\n", i)
	}
	b.WriteString("runtimes:\n  r:\n    needs:\n")
	for i := range n {
		fmt.Fprintf(&b, "      - b%d\n", i)
	}
	return b.String()
}

// ChainedBuilderSteps chains n builders by from, each with steps run
// steps, and builds an artifact in the last.
func ChainedBuilderSteps(n, steps int) string {
	var b strings.Builder
	b.WriteString("version: 1\nbuilders:\n  b0: {image: golang}\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "  b%d:\n    from: b%d\n    steps:\n", i, i-1)
		for j := range steps {
			fmt.Fprintf(&b, "      - run: echo %d-%d\n", i, j)
		}
	}
	fmt.Fprintf(&b, "artifacts:\n  a: {builder: b%d, steps: [{run: make}], outputs: [/out/a]}\n", n)
	return b.String()
}

// PresetSteps declares n builders with the go preset, each with the same
// list of steps run steps with a cache mount, and a runtime that needs them
// all.
func PresetSteps(n, steps int) string {
	var b strings.Builder
	b.WriteString("version: 1\nx-steps: &s [")
	for i := range steps {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "{run: 'go build ./... && echo %d', mounts: [{cache: /root/.cache/x}]}", i)
	}
	b.WriteString("]\nbuilders:\n")
	for i := range n {
		fmt.Fprintf(&b, "  b%d: {image: golang, preset: go, workdir: /src, steps: *s}\n", i)
	}
	b.WriteString("runtimes:\n  r:\n    needs:\n")
	for i := range n {
		fmt.Fprintf(&b, "      - b%d\n", i)
	}
	return b.String()
}

// DuplicatePlatforms lists one platform n times.
func DuplicatePlatforms(n int) string {
	return "version: 1\nplatforms: [" + strings.TrimSuffix(strings.Repeat("linux/amd64, ", n), ", ") + "]\nruntimes:\n  r: {}\n"
}

// RuntimeChain extends n runtimes, each from the one before, each copying
// a static artifact, on a base with a shell: lint looks at the whole chain
// of every runtime.
func RuntimeChain(n int) string {
	var b strings.Builder
	b.WriteString("version: 1\nbuilders:\n  go: {image: golang, preset: go}\nartifacts:\n  app: {builder: go, steps: [{run: go build -o /out/app}], outputs: [/out/app]}\nruntimes:\n  r0: {image: alpine, copy: [{artifact: app, to: /}]}\n")
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "  r%d: {from: r%d, copy: [{artifact: app, to: /}]}\n", i, i-1)
	}
	return b.String()
}

// UnknownReferences declares names builders with names of nameLen bytes
// and a runtime that needs refs stages that do not exist, each one letter
// off a builder's name, for "did you mean" to look for. The references
// are aliases to ten distinct names, so that the file stays small.
func UnknownReferences(refs, names, nameLen int) string {
	var b strings.Builder
	name := func(i int) string {
		s := fmt.Sprintf("b%d-", i)
		return s + strings.Repeat("x", nameLen-len(s))
	}
	b.WriteString("version: 1\n")
	for i := range 10 {
		fmt.Fprintf(&b, "x-%d: &r%d %sy\n", i, i, name(i * names / 10)[:nameLen-1])
	}
	b.WriteString("builders:\n")
	for i := range names {
		fmt.Fprintf(&b, "  %s: {image: golang}\n", name(i))
	}
	b.WriteString("runtimes:\n  r:\n    needs:\n")
	for i := range refs {
		fmt.Fprintf(&b, "      - *r%d\n", i%10)
	}
	return b.String()
}

// TmpfsSize mounts a tmpfs of the given size.
func TmpfsSize(size string) string {
	return "version: 1\nbuilders:\n  go:\n    image: golang\n    steps:\n      - run: make\n        mounts:\n          - {tmpfs: /tmp, size: \"" + size + "\"}\n"
}
