package spec

import (
	"strings"
	"testing"
)

// The top-level platforms are what a build is for; the frontend parses them
// as written, so Parse rejects what it could not parse.
func TestSpecPlatforms(t *testing.T) {
	for value, want := range map[string]string{
		"build":             `4:26: platforms: "build" is a stage platform, not one to build for`,
		"target":            `4:26: platforms: "target" is a stage platform`,
		"\"linux/${ARCH}\"": `4:26: platforms: "linux/${ARCH}": variables are not expanded in platforms`,
		"linux":             `4:26: invalid platform "linux": no architecture`,
		"linux/arm64/v8":    "",
	} {
		src := "version: 1\nargs:\n  ARCH: arm64\nplatforms: [linux/amd64, " + value + "]\nruntimes:\n  r:\n    image: busybox:1.36\n    cmd: [\"${ARCH}\"]\n"
		_, err := Parse("p.yaml", []byte(src))
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", value, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), "p.yaml:"+want)):
			t.Errorf("%s: error %v, want %q", value, err, want)
		}
	}
}

func TestTargetStage(t *testing.T) {
	s, err := Parse("t.yaml", []byte("version: 1\nruntimes:\n  server:\n    image: busybox:1.36\n  debug:\n    image: busybox:1.36\ndefault: server\n"))
	if err != nil {
		t.Fatal(err)
	}
	if st, err := s.TargetStage(""); err != nil || st.Name != "server" {
		t.Errorf("default: %v %v", st, err)
	}
	if st, err := s.TargetStage("debug"); err != nil || st.Name != "debug" {
		t.Errorf("debug: %v %v", st, err)
	}
	_, err = s.TargetStage("servr")
	if want := `t.yaml:1:1: target "servr" is not a stage of t.yaml; expected one of server, debug; did you mean "server"?`; err == nil || err.Error() != want {
		t.Errorf("unknown: %v, want %s", err, want)
	}
}
