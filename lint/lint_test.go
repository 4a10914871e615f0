package lint

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mstage/mstage/internal/hostile"
	"github.com/mstage/mstage/internal/race"
	"github.com/mstage/mstage/spec"
)

func parse(t *testing.T, name string) *spec.Spec {
	t.Helper()
	path := filepath.Join("testdata", name)
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Parse(path, src)
	if err != nil {
		t.Fatalf("%s does not parse: %v", path, err)
	}
	return s
}

// positions returns "line:col level" of the findings of one rule.
func positions(findings []Finding, rule string) []string {
	var out []string
	for _, f := range findings {
		if f.Rule.Name == rule {
			out = append(out, fmt.Sprintf("%s %s", f.Pos, f.Level))
		}
	}
	return out
}

func TestRulesFindBadSpecs(t *testing.T) {
	tests := []struct {
		file string
		rule string
		opt  Options
		want []string // "line:col level" of every finding of rule
	}{
		{"runs_as_root_bad.yaml", RuntimeRunsAsRoot, Options{}, []string{"3:3 warning", "9:11 warning"}},
		// web and worker; inherits gets web's name but does not write it.
		{"scratch_user_bad.yaml", ScratchUserName, Options{}, []string{"4:11 warning", "7:11 warning"}},
		{"base_has_shell_bad.yaml", RuntimeBaseHasShell, Options{}, []string{"15:12 warning"}},
		{"image_not_pinned_bad.yaml", ImageNotPinned, Options{}, []string{"7:12 info", "16:16 info", "21:12 info"}},
		{"require_digests.yaml", ImageNotPinned, Options{}, []string{"6:12 warning"}},
		{"secret_bad.yaml", SecretInEnvOrArgs, Options{}, []string{"3:3 warning", "9:21 warning", "16:30 warning", "21:20 warning"}},
		{"unused_arg_bad.yaml", UnusedArg, Options{}, []string{"4:3 warning"}},
		// VERSOIN in an arg default and TARGETARC in a label, surely
		// undefined; VIRTUAL_EVN, close to VIRTUAL_ENV, on a python base;
		// HOME on scratch. HOME on python may come from the image: silent.
		{"undefined_var_bad.yaml", UndefinedVar, Options{}, []string{"4:8 warning", "10:13 warning", "27:12 warning", "28:13 warning"}},
		{"unused_arg_bad.yaml", UndeclaredBuildArg, Options{BuildArgs: map[string]string{
			"VERSON": "1", "VERSION": "2", "HTTP_PROXY": "x", "https_proxy": "y", "BUILDKIT_INLINE_CACHE": "1", "SOURCE_DATE_EPOCH": "0",
		}}, []string{"3:3 warning"}}, // the args mapping
		{"unreachable_bad.yaml", UnreachableStage, Options{}, []string{"7:3 info", "17:3 info"}},
		{"unreachable_bad.yaml", UnreachableStage, Options{Target: "docs"}, []string{"7:3 info"}},
		{"whole_context_bad.yaml", WholeContextInRuntime, Options{}, []string{"7:9 warning", "10:9 warning"}},
		{"wrong_arch_bad.yaml", WrongArchArtifact, Options{}, []string{"26:9 warning", "28:9 warning"}},
		{"copy_order_bad.yaml", CopyOrderDefeatsCache, Options{}, []string{"7:9 warning", "22:9 warning", "28:9 warning"}},
		{"unknown_rule.yaml", UnknownLintRule, Options{}, []string{"3:29 warning"}},
		{"git_ref_bad.yaml", GitRefNotPinned, Options{}, []string{"7:14 warning", "9:14 warning", "12:14 warning", "19:18 warning"}},
	}
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.rule, func(t *testing.T) {
			got := positions(Run(parse(t, tt.file), tt.opt), tt.rule)
			if !slices.Equal(got, tt.want) {
				t.Errorf("%s findings = %q, want %q", tt.rule, got, tt.want)
			}
		})
	}
}

// A good spec is clean under every rule, not only the one it illustrates.
func TestGoodSpecsAreClean(t *testing.T) {
	paths, err := filepath.Glob("testdata/*_good.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no good specs: %v", err)
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			for _, f := range Run(parse(t, filepath.Base(path)), Options{}) {
				t.Errorf("unexpected finding %s", f)
			}
		})
	}
}

func TestSkip(t *testing.T) {
	s := parse(t, "skip.yaml")
	var rules []string
	for _, f := range Run(s, Options{}) {
		rules = append(rules, f.Rule.Name)
	}
	// nginx without a user or digest would trigger both skipped rules.
	if slices.Contains(rules, RuntimeRunsAsRoot) || slices.Contains(rules, ImageNotPinned) {
		t.Errorf("skipped rules reported: %v", rules)
	}
	if !slices.Contains(rules, UnusedArg) {
		t.Errorf("rules not in skip must still run; got %v", rules)
	}
	s.Lint = nil
	var all []string
	for _, f := range Run(s, Options{}) {
		all = append(all, f.Rule.Name)
	}
	if !slices.Contains(all, RuntimeRunsAsRoot) || !slices.Contains(all, ImageNotPinned) {
		t.Errorf("without lint.skip the rules must fire; got %v", all)
	}
}

func TestMessages(t *testing.T) {
	tests := []struct {
		file, rule string
		opt        Options
		want       string
	}{
		{"undefined_var_bad.yaml", UndefinedVar, Options{}, "usage of undefined variable $VERSOIN, which expands to nothing here (did you mean $VERSION?)"},
		{"unused_arg_bad.yaml", UndeclaredBuildArg, Options{BuildArgs: map[string]string{"VERSON": "1"}}, "did you mean VERSION?"},
		{"unknown_rule.yaml", UnknownLintRule, Options{}, `did you mean "UnusedArg"?`},
		{"copy_order_bad.yaml", CopyOrderDefeatsCache, Options{}, `"npm ci" (line 8)`},
		{"image_not_pinned_bad.yaml", ImageNotPinned, Options{}, `image "alpine:3.20"`}, // ${BASE} expanded
		{"base_has_shell_bad.yaml", RuntimeBaseHasShell, Options{}, "scratch"},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			var msgs []string
			for _, f := range Run(parse(t, tt.file), tt.opt) {
				if f.Rule.Name == tt.rule {
					msgs = append(msgs, f.Msg)
				}
			}
			if !strings.Contains(strings.Join(msgs, "\n"), tt.want) {
				t.Errorf("%s messages %q do not contain %q", tt.rule, msgs, tt.want)
			}
		})
	}
}

func TestBuildArgOverridesImage(t *testing.T) {
	s := parse(t, "image_not_pinned_bad.yaml")
	digest := "alpine:3.20@sha256:3f1a8f2c0f5e4b6d7a8c9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"
	got := positions(Run(s, Options{BuildArgs: map[string]string{"BASE": digest}}), ImageNotPinned)
	if slices.Contains(got, "21:12 info") {
		t.Errorf("a --build-arg pinning ${BASE} must silence the finding; got %q", got)
	}
}

func TestRunIsSortedAndDeterministic(t *testing.T) {
	s := parse(t, "secret_bad.yaml")
	opt := Options{BuildArgs: map[string]string{"B": "1", "A": "2", "C": "3"}}
	first := Run(s, opt)
	for i := 1; i < len(first); i++ {
		a, b := first[i-1].Pos, first[i].Pos
		if a.Line > b.Line || (a.Line == b.Line && a.Col > b.Col) {
			t.Fatalf("findings not sorted by position: %s before %s", first[i-1], first[i])
		}
	}
	for range 20 {
		again := Run(s, opt)
		if fmt.Sprint(again) != fmt.Sprint(first) {
			t.Fatalf("Run is not deterministic:\n%v\n%v", first, again)
		}
	}
}

func TestRulesHaveDocs(t *testing.T) {
	doc, err := os.ReadFile("../docs/lint.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range Rules() {
		if !strings.Contains(string(doc), "\n## "+r.Name+"\n") {
			t.Errorf("docs/lint.md has no section for %s", r.Name)
		}
		if r.Description == "" || !strings.HasSuffix(r.URL, "#"+strings.ToLower(r.Name)) {
			t.Errorf("rule %s: description %q, url %q", r.Name, r.Description, r.URL)
		}
	}
}

func TestHelpers(t *testing.T) {
	for cmd, want := range map[string]string{
		"npm ci": "npm ci",
		"cd web && npm install --frozen-lockfile": "npm install",
		"npm install -g typescript":               "",
		"pip install -r requirements.txt":         "pip install -r",
		"pip install build":                       "",
		"GOFLAGS=-mod=mod go mod download":        "go mod download",
		"go mod tidy":                             "",
		"cargo fetch --locked; cargo build":       "cargo fetch",
	} {
		if got := fetchCommand(cmd); got != want {
			t.Errorf("fetchCommand(%q) = %q, want %q", cmd, got, want)
		}
	}
	for name, want := range map[string]bool{
		"GITHUB_TOKEN": true, "DB_PASSWORD": true, "API_KEY": true, "client-secret": true,
		"GITHUB_TOKEN_FILE": false, "PUBLIC_KEY": false, "KEY": false, "VERSION": false, "KEYBOARD": false,
	} {
		if got := secretName(name); got != want {
			t.Errorf("secretName(%q) = %v, want %v", name, got, want)
		}
	}
	for v, want := range map[string]bool{
		"ghp_" + strings.Repeat("a", 36): true,
		"https://user:pw@example.com/x":  true,
		"https://example.com/x":          false,
		"AKIAIOSFODNN7EXAMPLE":           true,
		"hello world":                    false,
	} {
		if got := looksLikeSecret(v); got != want {
			t.Errorf("looksLikeSecret(%q) = %v, want %v", v, got, want)
		}
	}
}

// TestChainRulesAreLinear lints a chain of runtimes, each extending the one
// before and copying a static artifact, on a base with a shell: the rules
// that look at each runtime's whole chain (RuntimeBaseHasShell,
// RuntimeRunsAsRoot) keep what they learn per stage, so this takes
// milliseconds instead of the cube of the chain's length.
func TestChainRulesAreLinear(t *testing.T) {
	src := hostile.RuntimeChain(850)
	s, err := spec.Parse("mstage.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var findings []Finding
	for range 3 {
		findings = Run(s, Options{})
	}
	if took := time.Since(start) / 3; took > time.Second && !race.Enabled {
		t.Errorf("lint took %v on a chain of 850 runtimes", took)
	}
	shell := 0
	for _, f := range findings {
		if f.Rule.Name == RuntimeBaseHasShell {
			shell++
		}
	}
	if shell != 850 {
		t.Errorf("%d RuntimeBaseHasShell findings, want one per runtime", shell)
	}
}

// TestSecretScanIsBounded lints values that are scanned for credentials
// far more bytes than maxSecretScan through aliases: each value is scanned
// once, and no more than the budget in all.
func TestSecretScanIsBounded(t *testing.T) {
	s, err := spec.Parse("mstage.yaml", []byte(hostile.AliasedSecretEnv(20)))
	if err != nil {
		t.Fatal(err)
	}
	findings := Run(s, Options{})
	secrets := 0
	for _, f := range findings {
		if f.Rule.Name == SecretInEnvOrArgs {
			secrets++
		}
	}
	if secrets != 60 {
		t.Errorf("%d SecretInEnvOrArgs findings, want 3 per stage", secrets)
	}
	l := &linter{s: s}
	big := strings.Repeat("x", maxSecretScan/2+1)
	if l.hasSecret(big+"1") || l.hasSecret(big+"2") || l.secretScanLeft != maxSecretScan/2-2 {
		t.Errorf("scan budget left %d after two values of half the budget", l.secretScanLeft)
	}
}
