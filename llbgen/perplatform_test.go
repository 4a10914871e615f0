package llbgen

import (
	"strings"
	"testing"
)

const perPlatformSpec = `version: 1
builders:
  base-amd64: {image: "debian:12", platforms: [linux/amd64]}
  base-arm64: {image: "alpine:3.20", platforms: [linux/arm64]}
artifacts:
  app:
    builder: base-${TARGETARCH}
    steps:
      - run: echo common
      - run: echo only-arm
        platforms: [linux/arm64]
    outputs: [/out/]
`

func TestPerPlatformChoicesInTheLLB(t *testing.T) {
	for _, tc := range []struct {
		name      string
		image     string
		onlyArmOp bool
	}{
		{"amd64", "debian", false},
		{"arm64", "alpine", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tp := amd64
			if tc.name == "arm64" {
				tp = arm64
			}
			_, g := buildSrc(t, perPlatformSpec, "app", tp, nil)
			var images []string
			for _, o := range g.Sources() {
				if id := o.GetSource().Identifier; strings.HasPrefix(id, "docker-image://") {
					images = append(images, id)
					if p := o.Platform; p == nil || p.Architecture != tp.Architecture {
						t.Errorf("image %s for platform %v, want %s", id, p, tp.Architecture)
					}
				}
			}
			if len(images) != 1 || !strings.Contains(images[0], "/"+tc.image+":") {
				t.Errorf("images %v, want the builder of %s (%s)", images, tc.name, tc.image)
			}
			if g.ExecContaining("echo common") == nil {
				t.Error("no common step")
			}
			if got := g.ExecContaining("echo only-arm") != nil; got != tc.onlyArmOp {
				t.Errorf("the arm64-only step is in the LLB: %v, want %v", got, tc.onlyArmOp)
			}
		})
	}
}
