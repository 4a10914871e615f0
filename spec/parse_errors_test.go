package spec

import (
	"errors"
	"strings"
	"testing"

	"github.com/mstage/mstage/preset"
)

// TestParseErrors checks, for each kind of mistake, the exact position and
// text of every error. Messages are the contract: users read them.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string // "line:col: message", without the file name
	}{
		{
			name: "unknown-top-key",
			src:  "version: 1\nbuilderz: {}\n",
			want: []string{
				"2:1: unknown key \"builderz\" in the spec; expected one of args, artifacts, builders, default, description, include, lint, name, platforms, runtimes, version; did you mean \"builders\"?",
			},
		},
		{
			name: "unknown-stage-key",
			src:  "version: 1\nbuilders:\n  go:\n    imge: golang\n",
			want: []string{
				"4:5: unknown key \"imge\" in builder \"go\"; expected one of args, description, env, from, image, platform, platforms, preset, steps, user, workdir; did you mean \"image\"?",
			},
		},
		{
			name: "misplaced-key",
			src:  "version: 1\nbuilders:\n  go:\n    image: golang\n    outputs: [/out]\n",
			want: []string{
				"5:5: key \"outputs\" is not allowed in builder \"go\"; it belongs in artifacts; expected one of args, description, env, from, image, platform, platforms, preset, steps, user, workdir",
			},
		},
		{
			name: "wrong-type-string",
			src:  "version: 1\nbuilders:\n  go:\n    image: [golang]\n",
			want: []string{
				"4:12: image is a list; expected a string",
			},
		},
		{
			name: "wrong-type-list",
			src:  "version: 1\nartifacts:\n  a:\n    builder: go\n    outputs: {a: b}\nbuilders:\n  go: {image: golang}\n",
			want: []string{
				"5:14: outputs is a mapping; expected a list of strings or a string",
			},
		},
		{
			name: "wrong-type-mapping",
			src:  "version: 1\nbuilders:\n  go:\n    image: golang\n    env: [A=1]\n",
			want: []string{
				"5:10: env is a list; expected a mapping",
			},
		},
		{
			name: "dup-key",
			src:  "version: 1\nbuilders:\n  go:\n    image: golang\n    image: alpine\n",
			want: []string{
				"5:5: duplicate key \"image\" in builder \"go\" (first set at 4:5); expected each key once",
			},
		},
		{
			name: "tab",
			src:  "version: 1\nbuilders:\n\tgo: {}\n",
			want: []string{
				"3:1: tab character where YAML needs indentation; expected spaces for indentation",
			},
		},
		{
			name: "syntax",
			src:  "version: 1\nbuilders: [a\n",
			want: []string{
				"2:11: invalid YAML: sequence end token ']' not found",
			},
		},
		{
			name: "version-missing",
			src:  "builders:\n  go: {image: golang}\n",
			want: []string{
				"1:1: missing version; expected version: 1",
			},
		},
		{
			name: "version-2",
			src:  "version: 2\n",
			want: []string{
				"1:10: unknown version 2; expected version: 1",
			},
		},
		{
			name: "version-string",
			src:  "version: \"1\"\n",
			want: []string{
				"1:10: version is a string; expected an integer",
			},
		},
		{
			name: "bad-name",
			src:  "version: 1\nbuilders:\n  Go: {image: golang}\n",
			want: []string{
				"3:3: invalid stage name \"Go\"; expected lowercase letters, digits, '.', '_' and '-', starting with a letter or digit",
			},
		},
		{
			name: "dup-name",
			src:  "version: 1\nbuilders:\n  app: {image: golang}\nruntimes:\n  app: {}\n",
			want: []string{
				"5:3: stage name \"app\" is already used by the builder declared at 3:3; expected stage names unique across builders, artifacts and runtimes",
			},
		},
		{
			name: "builder-not-found",
			src:  "version: 1\nbuilders:\n  golang: {image: golang}\nartifacts:\n  app:\n    builder: golan\n",
			want: []string{
				"6:14: builder \"golan\" not found; expected one of golang; did you mean \"golang\"?",
			},
		},
		{
			name: "builder-wrong-kind",
			src:  "version: 1\nbuilders:\n  go: {image: golang}\nartifacts:\n  lib: {builder: go}\n  app: {builder: lib}\n",
			want: []string{
				"6:18: `builder` must name a builder, but lib is an artifact",
			},
		},
		{
			name: "builder-no-image",
			src:  "version: 1\nbuilders:\n  go:\n    preset: go\n",
			want: []string{
				"3:3: builder \"go\" has no image or from; expected exactly one of image or from",
			},
		},
		{
			name: "builder-both",
			src:  "version: 1\nbuilders:\n  base: {image: golang}\n  go:\n    image: golang\n    from: base\n",
			want: []string{
				"6:11: builder \"go\" has both image and from; expected exactly one of image or from",
			},
		},
		{
			name: "cycle",
			src:  "version: 1\nbuilders:\n  a: {from: b}\n  b: {from: a}\n",
			want: []string{
				"4:13: dependency cycle: a -> b -> a; expected stages that do not depend on themselves",
			},
		},
		{
			name: "cycle-needs",
			src:  "version: 1\nbuilders:\n  go: {image: golang}\nartifacts:\n  a: {builder: go, needs: [b]}\n  b:\n    builder: go\n    steps:\n      - copy: x\n        artifact: a\n",
			want: []string{
				"10:19: dependency cycle: a -> b -> a; expected stages that do not depend on themselves",
			},
		},
		{
			name: "self-copy",
			src:  "version: 1\nbuilders:\n  go: {image: golang}\nartifacts:\n  a:\n    builder: go\n    steps:\n      - copy: /x\n        artifact: a\n",
			want: []string{
				"9:19: artifact \"a\" copies from itself",
			},
		},
		{
			name: "default-missing",
			src:  "version: 1\ndefault: ap\nbuilders:\n  go: {image: golang}\nartifacts:\n  app: {builder: go}\n",
			want: []string{
				"2:10: default stage \"ap\" not found; expected the name of a stage; did you mean \"app\"?",
			},
		},
		{
			name: "preset-unknown",
			src:  "version: 1\nbuilders:\n  go: {image: golang, preset: goo}\n",
			want: []string{
				"3:31: unknown preset \"goo\"; expected one of " + strings.Join(preset.Names(), ", ") + "; did you mean \"go\"?",
			},
		},
		{
			name: "dependencies-unknown",
			src:  "version: 1\nbuilders:\n  n: {image: node, preset: node}\nartifacts:\n  d: {builder: n, dependencies: producton}\n",
			want: []string{
				"5:33: unknown dependencies \"producton\"; expected production; did you mean \"production\"?",
			},
		},
		{
			name: "platform-bad",
			src:  "version: 1\nbuilders:\n  go: {image: golang, platform: linux/arm64/v99/x}\n",
			want: []string{
				"3:33: invalid platform \"linux/arm64/v99/x\": cannot parse platform specifier: invalid argument; expected build, target or os/arch[/variant] such as linux/arm64",
			},
		},
		{
			name: "platform-artifact",
			src:  "version: 1\nbuilders:\n  go: {image: golang}\nartifacts:\n  a: {builder: go, platform: linux/amd64}\n",
			want: []string{
				"5:30: invalid platform \"linux/amd64\"; expected build or target",
			},
		},
		{
			name: "network",
			src:  "version: 1\nbuilders:\n  go:\n    image: golang\n    steps:\n      - run: make\n        network: hots\n",
			want: []string{
				"7:18: unknown network \"hots\"; expected one of default, none, host; did you mean \"host\"?",
			},
		},
		{
			name: "sharing",
			src:  "version: 1\nbuilders:\n  go:\n    image: golang\n    steps:\n      - run: make\n        mounts:\n          - cache: /c\n            sharing: lockd\n",
			want: []string{
				"9:22: unknown sharing \"lockd\"; expected one of shared, private, locked; did you mean \"locked\"?",
			},
		},
		{
			name: "mount-two-types",
			src:  "version: 1\nbuilders:\n  go:\n    image: golang\n    steps:\n      - run: make\n        mounts:\n          - cache: /c\n            tmpfs: /t\n",
			want: []string{
				"9:13: a mount has both cache and tmpfs; expected exactly one of bind, cache, secret, ssh, tmpfs",
			},
		},
		{
			name: "mount-no-type",
			src:  "version: 1\nbuilders:\n  go:\n    image: golang\n    steps:\n      - run: make\n        mounts:\n          - cach: /c\n",
			want: []string{
				"8:13: a mount needs a type key; expected exactly one of bind, cache, secret, ssh, tmpfs; did you mean \"cache\"?",
			},
		},
		{
			name: "mount-key-other-type",
			src:  "version: 1\nbuilders:\n  go:\n    image: golang\n    steps:\n      - run: make\n        mounts:\n          - tmpfs: /t\n            sharing: locked\n",
			want: []string{
				"9:13: key \"sharing\" is not allowed in a tmpfs mount; it belongs in cache mounts; expected one of tmpfs, size",
			},
		},
		{
			name: "step-both",
			src:  "version: 1\nbuilders:\n  go:\n    image: golang\n    steps:\n      - run: make\n        copy: .\n",
			want: []string{
				"7:9: a step has both run and copy; expected exactly one of run or copy per step",
			},
		},
		{
			name: "step-none",
			src:  "version: 1\nbuilders:\n  go:\n    image: golang\n    steps:\n      - rn: make\n",
			want: []string{
				"6:9: a step needs run or copy; expected exactly one of run or copy per step; did you mean \"run\"?",
			},
		},
		{
			name: "step-run-copy-key",
			src:  "version: 1\nbuilders:\n  go:\n    image: golang\n    steps:\n      - run: make\n        to: /x\n",
			want: []string{
				"7:9: key \"to\" is not allowed in a run step; it belongs in copy steps; expected one of env, mounts, network, platforms, run, user, workdir",
			},
		},
		{
			name: "copy-two-sources",
			src:  "version: 1\nbuilders:\n  go:\n    image: golang\n    steps:\n      - copy: /x\n        image: alpine\n        context: foo\n",
			want: []string{
				"8:18: a copy has more than one source (image and context); expected at most one of artifact, stage, image, context, url, git, content",
			},
		},
		{
			name: "runtime-copy-no-to",
			src:  "version: 1\nruntimes:\n  r:\n    copy:\n      - image: alpine\n        src: /etc/passwd\n",
			want: []string{
				"5:9: a runtime copy entry has no `to`; expected to: the destination path in the runtime",
			},
		},
		{
			name: "outputs-relative",
			src:  "version: 1\nbuilders:\n  go: {image: golang}\nartifacts:\n  a:\n    builder: go\n    outputs: [out/app]\n",
			want: []string{
				"7:15: output \"out/app\" is not an absolute path; expected an absolute path in the builder, such as /out/app",
			},
		},
		{
			name: "traversal-to",
			src:  "version: 1\nbuilders:\n  go:\n    image: golang\n    steps:\n      - copy: x\n        to: /a/../../etc\n",
			want: []string{
				"7:13: to \"/a/../../etc\" escapes the root with ..; expected a path that stays inside its root",
			},
		},
		{
			name: "traversal-output",
			src:  "version: 1\nbuilders:\n  go: {image: golang}\nartifacts:\n  a:\n    builder: go\n    outputs: [/out/../../x]\n",
			want: []string{
				"7:15: output \"/out/../../x\" escapes the root with ..; expected a path that stays inside its root",
			},
		},
		{
			name: "traversal-mount",
			src:  "version: 1\nbuilders:\n  go:\n    image: golang\n    steps:\n      - run: make\n        mounts:\n          - cache: ../cache\n",
			want: []string{
				"8:20: mount target \"../cache\" escapes the root with ..; expected a path that stays inside its root",
			},
		},
		{
			name: "traversal-workdir",
			src:  "version: 1\nbuilders:\n  go:\n    image: golang\n    workdir: ../../src\n",
			want: []string{
				"5:14: workdir \"../../src\" escapes the root with ..; expected a path that stays inside its root",
			},
		},
		{
			name: "image-bad",
			src:  "version: 1\nbuilders:\n  go: {image: Golang:1.26}\n",
			want: []string{
				"3:15: invalid image reference \"Golang:1.26\": invalid reference format: repository name (library/Golang) must be lowercase; expected a reference such as golang:1.26 or registry.example.com/team/base@sha256:...",
			},
		},
		{
			name: "expose-bad",
			src:  "version: 1\nruntimes:\n  r:\n    expose: [8080/tpc, \"80\", 53/udp]\n",
			want: []string{
				"4:14: invalid port \"8080/tpc\": unknown protocol \"tpc\"; expected a port like 8080, 8080/tcp, 53/udp or a range such as 8000-8010",
			},
		},
		{
			name: "duration-bad",
			src:  "version: 1\nruntimes:\n  r:\n    healthcheck:\n      test: [true]\n      interval: 30 seconds\n",
			want: []string{
				"6:17: invalid interval \"30 seconds\"; expected a duration such as 30s or 1m30s",
			},
		},
		{
			name: "chmod-bad",
			src:  "version: 1\nbuilders:\n  go:\n    image: golang\n    steps:\n      - copy: x\n        chmod: \"0789\"\n",
			want: []string{
				"7:16: invalid chmod \"0789\": not an octal mode up to 07777; expected an octal mode up to 07777 such as 0755 or 644, or a symbolic mode such as u+x or a=rX",
			},
		},
		{
			name: "chmod-0o",
			src:  "version: 1\nbuilders:\n  go:\n    image: golang\n    steps:\n      - copy: x\n        chmod: \"0o755\"\n",
			want: []string{
				"7:16: invalid chmod \"0o755\": BuildKit does not accept the 0o prefix; expected an octal mode up to 07777 such as 0755 or 644, or a symbolic mode such as u+x or a=rX; did you mean \"0755\"?",
			},
		},
		{
			name: "chmod-symbolic-bad",
			src:  "version: 1\nbuilders:\n  go:\n    image: golang\n    steps:\n      - copy: x\n        chmod: u+q\n",
			want: []string{
				"7:16: invalid chmod \"u+q\": not a symbolic mode; expected an octal mode up to 07777 such as 0755 or 644, or a symbolic mode such as u+x or a=rX",
			},
		},
		{
			name: "mount-mode-0o",
			src:  "version: 1\nbuilders:\n  go:\n    image: golang\n    steps:\n      - run: make\n        mounts:\n          - {cache: /c, mode: \"0o755\"}\n          - {secret: s, mode: u+x}\n",
			want: []string{
				"8:31: invalid mode \"0o755\": BuildKit does not accept the 0o prefix; expected an octal mode up to 07777 such as 0755 or 644; did you mean \"0755\"?",
				"9:31: invalid mode \"u+x\": not an octal mode up to 07777; expected an octal mode up to 07777 such as 0755 or 644",
			},
		},
		{
			name: "chown-bad",
			src:  "version: 1\nbuilders:\n  go:\n    image: golang\n    steps:\n      - copy: x\n        chown: \"a:b:c\"\n",
			want: []string{
				"7:16: invalid chown \"a:b:c\"; expected user[:group], by name or number, such as 1000:1000",
			},
		},
		{
			name: "needs-unknown",
			src:  "version: 1\nruntimes:\n  r:\n    needs: [tests]\n",
			want: []string{
				"4:13: stage \"tests\" not found; expected one of r",
			},
		},
		{
			name: "alias-unknown",
			src:  "version: 1\nbuilders:\n  go: *nope\n",
			want: []string{
				"3:7: alias *nope refers to no anchor defined before it; expected an anchor &nope earlier in the file",
			},
		},
		{
			name: "two-docs",
			src:  "version: 1\n---\nversion: 1\n",
			want: []string{
				"3:1: more than one YAML document in the file; expected a single document",
			},
		},
		{
			name: "empty",
			src:  "# just a comment\n",
			want: []string{
				"1:1: the file holds no spec; expected a mapping that starts with version: 1",
			},
		},
		{
			name: "bool-wrong",
			src:  "version: 1\nbuilders:\n  go: {image: golang}\nartifacts:\n  a: {builder: go, arch-guard: \"no\"}\n",
			want: []string{
				"5:32: arch-guard is a string; expected true or false",
			},
		},
		{
			name: "int-wrong",
			src:  "version: 1\nbuilders:\n  go:\n    image: golang\n    steps:\n      - run: make\n        mounts:\n          - cache: /c\n            uid: root\n",
			want: []string{
				"9:18: uid is a string; expected an integer",
			},
		},
		{
			name: "command-empty",
			src:  "version: 1\nruntimes:\n  r:\n    entrypoint: []\n",
			want: []string{
				"4:17: empty entrypoint command; expected a shell string or a list of arguments",
			},
		},
		{
			name: "args-bad-name",
			src:  "version: 1\nargs:\n  1FOO: x\n  TARGETARCH: amd64\n",
			want: []string{
				"3:3: invalid arg name \"1FOO\"; expected letters, digits and _, not starting with a digit",
				"4:3: arg \"TARGETARCH\" is set by mstage for each platform and cannot be declared",
			},
		},
		{
			name: "stage-args-undeclared",
			src:  "version: 1\nargs: {VERSION: dev}\nbuilders:\n  go:\n    image: golang\n    args: [VERSOIN, TARGETARCH, TARGETARCH, TARGETPLATFROM]\n",
			want: []string{
				"6:12: arg \"VERSOIN\" is not declared; expected an arg declared in the top-level args, or one of BUILDARCH, BUILDOS, BUILDPLATFORM, BUILDVARIANT, TARGETARCH, TARGETOS, TARGETPLATFORM, TARGETVARIANT; did you mean \"VERSION\"?",
				"6:33: arg \"TARGETARCH\" is listed twice in builder \"go\"",
				"6:45: arg \"TARGETPLATFROM\" is not declared; expected an arg declared in the top-level args, or one of BUILDARCH, BUILDOS, BUILDPLATFORM, BUILDVARIANT, TARGETARCH, TARGETOS, TARGETPLATFORM, TARGETVARIANT; did you mean \"TARGETPLATFORM\"?",
			},
		},
		{
			name: "mount-target-root",
			src:  "version: 1\nbuilders:\n  go:\n    image: golang\n    steps:\n      - run: make\n        mounts:\n          - cache: /\n          - {tmpfs: /tmp/../}\n          - {bind: //, src: /}\n          - {secret: s, target: /}\n",
			want: []string{
				"8:20: mount target \"/\" is the root directory; expected a directory below /, such as /cache",
				"9:21: mount target \"/tmp/../\" is the root directory; expected a directory below /, such as /cache",
				"10:20: mount target \"//\" is the root directory; expected a directory below /, such as /cache",
				"11:33: mount target \"/\" is the root directory; expected a directory below /, such as /cache",
			},
		},
		{
			name: "control-characters",
			src:  "version: 1\nbuilders:\n  go:\n    image: golang\n    env: {A: \"a\\0b\", \"K\\x1b\": v, OK: \"tab\\there\\nnewline\"}\n    workdir: \"/src\\u0085\"\n",
			want: []string{
				"5:14: env \"A\" holds the control character U+0000 at byte 1; expected text without control characters (tabs and line breaks are allowed)",
				"5:22: a key of env holds the control character U+001B at byte 1; expected text without control characters (tabs and line breaks are allowed)",
				"6:14: workdir holds the control character U+0085 at byte 4; expected text without control characters (tabs and line breaks are allowed)",
			},
		},
		{
			name: "no-stages",
			src:  "version: 1\nargs: {A: a}\n",
			want: []string{
				"1:1: the spec has no stages, so nothing to build; expected at least one stage under builders, artifacts or runtimes",
			},
		},
		{
			name: "top-not-mapping",
			src:  "- version: 1\n",
			want: []string{
				"1:1: the spec is a list; expected a mapping",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("mstage.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("Parse succeeded, want errors %q", tt.want)
			}
			if s != nil {
				t.Errorf("Parse returned a spec along with errors")
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error is %T, want ErrorList", err)
			}
			var got []string
			for _, e := range list {
				got = append(got, strings.TrimPrefix(e.Error(), "mstage.yaml:"))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
