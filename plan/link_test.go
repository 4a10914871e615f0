package plan

import (
	"slices"
	"testing"
)

func TestChownByName(t *testing.T) {
	for in, want := range map[string]bool{"1000": false, "1000:1000": false, "app": true, "0:staff": true, "root": false, "root:root": false, "app:root": true, "1000:": false} {
		if got := chownByName(in); got != want {
			t.Errorf("chownByName(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestCopyLinkDefaults(t *testing.T) {
	s := mustParse(t, `version: 1
builders:
  b:
    image: alpine:3.20
    steps:
      - copy: a
      - copy: b
        link: true
runtimes:
  r:
    image: alpine:3.20
    copy:
      - {src: [c], to: /c}
      - {src: [d], to: /d, chown: app}
      - {src: [e], to: /e, link: false}
      - {stage: b, to: /f, chown: app:root, link: true}
`)
	_, err := Resolve(Request{Spec: s, Target: "r", BuildPlatform: amd64})
	if err == nil || err.Error() != `mstage.yaml:16:35: chown "app:root" names a user or group, which can't be resolved with link: true; expected a numeric uid[:gid], or link: false` {
		t.Fatalf("error = %v", err)
	}
	s.Runtimes[0].Copy = s.Runtimes[0].Copy[:3]
	p := resolve(t, s, "r", "", amd64)
	var links []bool
	for _, e := range p.Builds[0].Target.CopyEntries {
		links = append(links, e.Link)
	}
	if want := []bool{true, false, false}; !slices.Equal(links, want) {
		t.Errorf("runtime copy links = %v, want %v (linked by default, not with a chown by name or link: false)", links, want)
	}
	b := resolve(t, s, "b", "", amd64).Builds[0].Target
	if b.Steps[0].Link || !b.Steps[1].Link {
		t.Errorf("copy step links = %v %v, want false (the default) and true", b.Steps[0].Link, b.Steps[1].Link)
	}
}
