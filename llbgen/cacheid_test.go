package llbgen

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/moby/buildkit/solver/pb"

	"github.com/mstage/mstage/llbgen/llbtest"
	"github.com/mstage/mstage/plan"
	"github.com/mstage/mstage/spec"
)

// cacheIDSpec forms a cache id in every way a spec can: the go preset's
// caches (named by the spec's name, or by a hash when it has none), a cache
// mount with an id, one whose id is a variable, and ones without an id
// (the id is the target, absolute or relative to the workdir).
func cacheIDSpec(name string) string {
	var head string
	if name != "" {
		head = "name: " + name + "\n"
	}
	return "version: 1\n" + head + `args: {ID: shared}
builders:
  go:
    image: golang
    preset: go
    workdir: /src
    steps:
      - run: make
        mounts:
          - {cache: /root/.cache, id: mycache}
          - {cache: /var/cache/a, id: "${ID}"}
          - {cache: /var/cache/apk}
          - {cache: rel/../x}
          - {cache: /x/../y/./z/}
artifacts:
  app:
    builder: go
    steps:
      - run: go build -o /out/app .
    outputs: [/out/app]
`
}

// TestCacheIDsStayInTheirNamespace compiles every way of forming a cache
// id, with and without BUILDKIT_CACHE_MOUNT_NS, and checks that each id of
// the LLB is under the namespace and has no .. segment.
func TestCacheIDsStayInTheirNamespace(t *testing.T) {
	for _, name := range []string{"", "app", "team/app", "./a/./b/"} {
		for _, ns := range []string{"", "tenant-a", "tenant-a/", "/tenant-a", "a/b"} {
			src := cacheIDSpec(name)
			s, err := spec.Parse("mstage.yaml", []byte(src))
			if err != nil {
				t.Fatalf("name %q: %v", name, err)
			}
			for _, target := range []string{"go", "app"} {
				opt := options(target, arm64, s, []byte(src))
				opt.CacheNamespace = ns
				opt.BuildArgs = map[string]string{"ID": "other/x"}
				res := compile(t, s, opt)
				ids := 0
				for _, op := range llbtest.Decode(t, res.State).Execs() {
					for _, m := range op.GetExec().Mounts {
						if m.MountType != pb.MountType_CACHE {
							continue
						}
						ids++
						id := m.CacheOpt.ID
						if ns != "" && !strings.HasPrefix(id, strings.Trim(ns, "/")+"/") && !strings.HasPrefix(id, ns) {
							t.Errorf("name %q ns %q: cache id %q is not under the namespace", name, ns, id)
						}
						if spec.CheckCacheIDPart(id) != nil {
							t.Errorf("name %q ns %q: cache id %q has a .. segment", name, ns, id)
						}
					}
				}
				if ids == 0 {
					t.Errorf("name %q ns %q target %s: no cache mounts", name, ns, target)
				}
			}
		}
	}
}

// TestCacheIDEscapesAreRejected checks that every input that could make a
// cache id climb out of its namespace fails with a positioned error: the
// spec's name, a mount's id as written, and a mount's id after expansion.
func TestCacheIDEscapesAreRejected(t *testing.T) {
	for _, tc := range []struct {
		name, src, arg, want string
	}{
		{name: "spec-name", src: strings.Replace(cacheIDSpec("app"), "name: app", "name: ../../tenant-b/app", 1),
			want: `mstage.yaml:2:7: name "../../tenant-b/app" has a .. segment, which would leave its cache namespace; expected a project name such as myapp or team/app`},
		{name: "spec-name-inner", src: strings.Replace(cacheIDSpec("app"), "name: app", "name: a/../../b", 1),
			want: `mstage.yaml:2:7: name "a/../../b" has a .. segment, which would leave its cache namespace; expected a project name such as myapp or team/app`},
		{name: "mount-id", src: strings.Replace(cacheIDSpec(""), "id: mycache", "id: ../tenant-b/go-build", 1),
			want: `mstage.yaml:11:39: cache id "../tenant-b/go-build" has a .. segment, which would leave its cache namespace; expected an id such as go-build or team/npm`},
		{name: "mount-id-trailing", src: strings.Replace(cacheIDSpec(""), "id: mycache", "id: a/..", 1),
			want: `mstage.yaml:11:39: cache id "a/.." has a .. segment, which would leave its cache namespace; expected an id such as go-build or team/npm`},
		{name: "mount-id-expanded", src: cacheIDSpec(""), arg: "../tenant-b",
			want: `mstage.yaml:12:39: cache id "../tenant-b" has a .. segment, which would leave its cache namespace; expected an id such as go-build or team/npm`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := spec.Parse("mstage.yaml", []byte(tc.src))
			if err == nil {
				opt := options("go", arm64, s, []byte(tc.src))
				opt.CacheNamespace = "tenant-a"
				opt.BuildArgs = map[string]string{"ID": tc.arg}
				_, err = Compile(context.Background(), s, opt)
			}
			var list spec.ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error = %v, want a spec.ErrorList", err)
			}
			if got := list[0].Error(); got != tc.want {
				t.Errorf("error:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

// TestCacheIDRefusesToLeaveItsNamespace checks the assertion of the one
// function that builds ids, for parts that did not go through the spec.
func TestCacheIDRefusesToLeaveItsNamespace(t *testing.T) {
	for _, parts := range [][]string{{".."}, {"a", "../../b"}, {"mstage", "..", "..", "x"}, {"/.."}} {
		if id, err := plan.CacheID("ns", parts...); err == nil {
			t.Errorf("plan.CacheID(ns, %q) = %q, want an error", parts, id)
		}
	}
	for _, tc := range []struct {
		ns    string
		parts []string
		want  string
	}{
		{"", []string{"/root/.cache"}, "/root/.cache"},
		{"ns", []string{"/root/.cache"}, "ns/root/.cache"},
		{"ns/", []string{"mstage", "app", "gomod"}, "ns/mstage/app/gomod"},
		{"/ns", []string{"x"}, "/ns/x"},
	} {
		if id, err := plan.CacheID(tc.ns, tc.parts...); err != nil || id != tc.want {
			t.Errorf("CacheID(%q, %q) = %q, %v; want %q", tc.ns, tc.parts, id, err, tc.want)
		}
	}
}
