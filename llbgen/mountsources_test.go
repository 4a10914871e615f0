package llbgen

import (
	"strings"
	"testing"

	"github.com/moby/buildkit/solver/pb"

	"github.com/mstage/mstage/llbgen/llbtest"
	"github.com/mstage/mstage/spec"
)

const mountSourcesSpec = `version: 1
name: ms
builders:
  seed:
    image: busybox:1.36
    steps:
      - run: mkdir -p /m2 && echo seeded > /m2/marker
  b:
    image: golang:1.26
    steps:
      - run: ls /tools /root/.m2
        mounts:
          - bind: /tools
            image: busybox:1.36
            src: /bin
          - cache: /root/.m2
            stage: seed
            src: /m2
            sharing: locked
`

func TestBindMountFromAnImageAndCacheSeededFromAStage(t *testing.T) {
	_, g := buildSrc(t, mountSourcesSpec, "b", arm64, nil)
	run := g.ExecContaining("ls /tools")
	if run == nil {
		t.Fatal("no run op")
	}

	tools := llbtest.Mount(run, "/tools")
	if tools == nil || !tools.Readonly || tools.Selector != "/bin" || tools.MountType != pb.MountType_BIND {
		t.Fatalf("mount /tools %+v; want a read-only bind of /bin", tools)
	}
	img := g.Input(run, int(tools.Input))
	if img == nil || img.GetSource() == nil || !strings.HasPrefix(img.GetSource().Identifier, "docker-image://docker.io/library/busybox:1.36@sha256:") {
		t.Fatalf("/tools is not mounted from the pinned busybox image: %+v", img)
	}
	if p := img.Platform; p == nil || p.Architecture != "arm64" {
		t.Errorf("the image is fetched for %v; want the stage's platform arm64", p)
	}

	cache := llbtest.Mount(run, "/root/.m2")
	if cache == nil || cache.MountType != pb.MountType_CACHE || cache.CacheOpt == nil || cache.Selector != "/m2" {
		t.Fatalf("mount /root/.m2 %+v; want a cache with selector /m2", cache)
	}
	if cache.CacheOpt.ID != "/root/.m2" || cache.CacheOpt.Sharing != pb.CacheSharingOpt_LOCKED {
		t.Errorf("cache %+v; want id /root/.m2, locked", cache.CacheOpt)
	}
	seed := g.Input(run, int(cache.Input))
	if seed == nil || seed.GetExec() == nil || !strings.Contains(strings.Join(seed.GetExec().Meta.Args, " "), "echo seeded") {
		t.Errorf("the cache is not seeded from the seed stage's last step: %+v", seed)
	}
}

func TestCacheSeededFromAnArtifactReadsItsOutputs(t *testing.T) {
	src := `version: 1
builders:
  b: {image: busybox:1.36}
artifacts:
  deps:
    builder: b
    steps: [{run: mkdir -p /out && echo x > /out/lock}]
    outputs: [/out/]
  app:
    builder: b
    steps:
      - run: cat /cache/lock
        mounts: [{cache: /cache, artifact: deps}]
    outputs: [/cache-copy]
`
	_, g := buildSrc(t, src, "app", amd64, nil)
	run := g.ExecContaining("cat /cache/lock")
	m := llbtest.Mount(run, "/cache")
	if m == nil || m.MountType != pb.MountType_CACHE || m.Input < 0 {
		t.Fatalf("mount /cache %+v", m)
	}
	if in := g.Input(run, int(m.Input)); in == nil || in.GetExec() != nil && strings.Contains(strings.Join(in.GetExec().Meta.Args, " "), "cat") {
		t.Errorf("cache input %+v; want the artifact's output", in)
	}
}

func TestMountSourceErrorsArePositioned(t *testing.T) {
	base := "version: 1\nbuilders:\n  seed: {image: busybox}\n  b:\n    image: golang:1.26\n    steps:\n      - run: ls\n        mounts:\n          - "
	for _, tt := range []struct{ name, keys, want string }{
		{"cache with two sources", "cache: /c\n            stage: seed\n            image: busybox", "11:20: a cache mount has more than one source; expected at most one of artifact, stage, image"},
		{"bind with image and stage", "bind: /b\n            image: busybox\n            stage: seed", "10:20: a bind mount has more than one source; expected at most one of artifact, stage, image, context, url"},
		{"src without a source", "cache: /c\n            src: /x", "10:18: src of a cache mount without a source"},
		{"uid with a source", "cache: /c\n            stage: seed\n            uid: 1", "11:18: uid of a cache seeded from a source"},
		{"unknown stage", "cache: /c\n            stage: sed", "10:20: stage \"sed\" not found; expected one of seed, b; did you mean \"seed\"?"},
		{"bad image", "bind: /b\n            image: \"Busybox:1\"", "10:20: invalid image reference"},
		{"context on a cache", "cache: /c\n            context: x", "10:13: key \"context\" is not allowed in a cache mount; it belongs in bind mounts"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := spec.Parse("mstage.yaml", []byte(base+tt.keys+"\n"))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error:\n%v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}
