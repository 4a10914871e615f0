package lint

import (
	"regexp"
	"strings"

	"github.com/mstage/mstage/spec"
)

// secretValues match credentials whose format is recognisable.
var secretValues = []*regexp.Regexp{
	regexp.MustCompile(`\bgh[oprsu]_[A-Za-z0-9]{36}\b`),                   // GitHub tokens
	regexp.MustCompile(`\bgithub_pat_[A-Za-z0-9_]{22,}`),                  // GitHub fine-grained tokens
	regexp.MustCompile(`\bglpat-[A-Za-z0-9_-]{20}`),                       // GitLab tokens
	regexp.MustCompile(`\b(AKIA|ASIA)[0-9A-Z]{16}\b`),                     // AWS access keys
	regexp.MustCompile(`\bxox[abposr]-[A-Za-z0-9-]{10,}`),                 // Slack tokens
	regexp.MustCompile(`\b[sr]k_live_[A-Za-z0-9]{16,}`),                   // Stripe keys
	regexp.MustCompile(`\bnpm_[A-Za-z0-9]{36}\b`),                         // npm tokens
	regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`),              // PEM keys
	regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.`),  // JWTs
	regexp.MustCompile(`[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@$]+:[^/\s@$]+@`), // user:password@ in URLs
}

// maxSecretScan bounds the bytes the secret patterns of one lint run scan,
// each value once however many times it is used (an alias can use one long
// value thousands of times). The patterns scan about 25 MB/s together, so
// this is about 40 ms; it is twice the largest file, whose text is where
// distinct values come from. Values past the budget are not scanned.
const maxSecretScan = 1 << 20

// hasSecret is looksLikeSecret within maxSecretScan, kept per value.
func (l *linter) hasSecret(v string) bool {
	if v == "" {
		return false
	}
	if found, ok := l.secretMemo[v]; ok {
		return found
	}
	if l.secretMemo == nil {
		l.secretMemo, l.secretScanLeft = map[string]bool{}, maxSecretScan
	}
	if len(v) > l.secretScanLeft {
		return false
	}
	l.secretScanLeft -= len(v)
	found := looksLikeSecret(v)
	l.secretMemo[v] = found
	return found
}

func looksLikeSecret(v string) bool {
	for _, re := range secretValues {
		if re.MatchString(v) {
			return true
		}
	}
	return false
}

// secretName reports whether a variable name says it holds a secret:
// *TOKEN*, *PASSWORD*, *SECRET*, *_KEY and the like. Names of files that
// hold a secret (*_FILE, *_PATH) are fine.
func secretName(name string) bool {
	n := strings.ToUpper(name)
	words := strings.FieldsFunc(n, func(r rune) bool { return r == '_' || r == '-' || r == '.' })
	if len(words) == 0 {
		return false
	}
	last := words[len(words)-1]
	if last == "FILE" || last == "PATH" || last == "DIR" || contains(words, "PUBLIC") {
		return false
	}
	for _, s := range []string{"TOKEN", "PASSWORD", "PASSWD", "SECRET", "APIKEY", "CREDENTIAL"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return len(words) > 1 && last == "KEY"
}

func (l *linter) secretInEnvOrArgs() {
	const advice = "secrets in args, env or commands end up in the image config, the build cache or provenance; use a secret mount (mounts: [{secret: ID, env: VAR}]) and pass it with --secret id=ID"
	for _, a := range l.s.Args {
		switch {
		case l.hasSecret(a.Default):
			l.report(a.At("default"), "arg %s has a default that looks like a credential; %s", a.Name, advice)
		case secretName(a.Name):
			l.report(a.Pos, "arg %s looks like it carries a secret; %s", a.Name, advice)
		}
	}
	checkEnv := func(env []spec.KV) {
		for _, kv := range env {
			switch {
			case l.hasSecret(kv.Value):
				l.report(kv.Pos, "env %s has a value that looks like a credential; %s", kv.Key, advice)
			case secretName(kv.Key) && kv.Value != "":
				l.report(kv.Pos, "env %s looks like it carries a secret; %s", kv.Key, advice)
			}
		}
	}
	for _, st := range l.s.Stages() {
		checkEnv(st.Env)
		for _, step := range st.Steps {
			checkEnv(step.Env)
			if step.Run != nil && l.hasSecret(commandText(step.Run)) {
				l.report(step.At("run"), "the command of this run step contains what looks like a credential; %s", advice)
			}
		}
	}
}
