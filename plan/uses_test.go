package plan

import (
	"slices"
	"testing"
)

func TestUses(t *testing.T) {
	s := mustParse(t, `version: 1
builders:
  go:
    image: golang:1.26
    preset: go
  tools:
    image: alpine:3.20
    steps:
      - run: apk add git
        mounts:
          - cache: /var/cache/apk
            sharing: locked
artifacts:
  app:
    builder: go
    steps:
      - run: go build ./...
        mounts:
          - secret: token
          - ssh:
          - cache: /root/.cache/x
            id: xcache
  lint:
    builder: tools
    steps:
      - run: lint
        mounts:
          - secret: token
            env: TOKEN
            required: true
          - ssh: default
            required: true
          - cache: /other
            id: xcache
runtimes:
  web:
    copy:
      - artifact: app
        to: /
    needs: [lint]
`)
	u := resolve(t, s, "web", "ns1", amd64).Uses()

	if len(u.Secrets) != 1 {
		t.Fatalf("secrets = %+v, want token once", u.Secrets)
	}
	sec := u.Secrets[0]
	if sec.ID != "token" || !sec.Required || sec.As != "/run/secrets/token" || !slices.Equal(sec.Stages, []string{"app", "lint"}) {
		t.Errorf("secret = %+v, want token, required by lint, as /run/secrets/token, used by app and lint", sec)
	}
	if sec.Pos.Line != 19 {
		t.Errorf("secret position = line %d, want 19 (its first mount)", sec.Pos.Line)
	}
	if len(u.SSH) != 1 || u.SSH[0].ID != "default" || !u.SSH[0].Required || !slices.Equal(u.SSH[0].Stages, []string{"app", "lint"}) {
		t.Errorf("ssh = %+v, want default once, required, used by app and lint", u.SSH)
	}

	var got []string
	for _, c := range u.Caches {
		got = append(got, c.Preset+":"+c.ID+":"+c.Sharing)
	}
	project := projectName(s)
	want := []string{":ns1/xcache:shared", ":ns1/var/cache/apk:locked", "go:ns1/mstage/" + project + "/gomod:shared", "go:ns1/mstage/" + project + "/gobuild:shared"}
	if !slices.Equal(got, want) {
		t.Errorf("caches = %v, want %v", got, want)
	}
	for _, c := range u.Caches {
		if c.Preset == "go" && !slices.Equal(c.Stages, []string{"app"}) {
			t.Errorf("preset cache %s is used by %v, want only app (the go builder has no run step)", c.ID, c.Stages)
		}
		if c.ID == "ns1/xcache" && !slices.Equal(c.Stages, []string{"app", "lint"}) {
			t.Errorf("xcache is used by %v, want app and lint", c.Stages)
		}
	}
}

func TestUsesListTheSecretsAndAgentsOfGitSources(t *testing.T) {
	s := mustParse(t, `version: 1
runtimes:
  r:
    image: alpine
    steps:
      - run: ls /g
        mounts:
          - bind: /g
            git: https://example.com/org/repo.git
            ref: 0123456789abcdef0123456789abcdef01234567
            auth-token: GH_TOKEN
    copy:
      - git: git@example.com:org/private.git
        ref: 0123456789abcdef0123456789abcdef01234567
        ssh-agent: deploy
        known-hosts: example.com ssh-ed25519 AAAA
        to: /src/
      - git: https://example.com/org/public.git
        ref: 0123456789abcdef0123456789abcdef01234567
        to: /pub/
`)
	u := resolve(t, s, "r", "", amd64).Uses()
	if len(u.Secrets) != 1 || u.Secrets[0].ID != "GH_TOKEN" || u.Secrets[0].Required || u.Secrets[0].Pos.Line != 11 {
		t.Errorf("secrets %+v, want GH_TOKEN, optional, at 11", u.Secrets)
	}
	if len(u.SSH) != 1 || u.SSH[0].ID != "deploy" || !u.SSH[0].Required || u.SSH[0].Pos.Line != 13 {
		t.Errorf("ssh %+v, want deploy, required, at 13", u.SSH)
	}
}
