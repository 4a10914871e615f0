package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	controlapi "github.com/moby/buildkit/api/services/control"
	"github.com/moby/buildkit/client"
)

// TestTwoNodeBuilder starts two buildkitds with empty roots and makes them
// the nodes of one buildx builder, one per platform.
func TestTwoNodeBuilder(t *testing.T) {
	e := loadEnv(t)
	if e.frontend == "" {
		t.Skip("e2e: MSTAGE_FRONTEND_IMAGE is not set (hack/build-frontend.sh prints it; hack/test.sh sets it)")
	}
	var nodes [2]*daemon
	for i := range nodes {
		nodes[i] = startDaemon(t, e)
	}
	testTwoNodeBuilder(t, e, nodes)
}

// testTwoNodeBuilder builds go-service for two platforms through a buildx
// builder whose first node only builds linux/amd64 and second only
// linux/arm64; each daemon's build history must show only its platform.
func testTwoNodeBuilder(t *testing.T, e *env, nodes [2]*daemon) {
	name := "mstage-e2e-2n-" + randomHex(t, 4)
	create := [][]string{
		{"create", "--name", name, "--driver", "remote", "--platform", amd64, nodes[0].addr},
		{"create", "--append", "--name", name, "--driver", "remote", "--platform", arm64, nodes[1].addr},
	}
	t.Cleanup(func() {
		if out, err := exec.Command("buildx", "rm", name).CombinedOutput(); err != nil {
			t.Logf("buildx rm %s: %v\n%s", name, err, out)
		}
	})
	for _, args := range create {
		if out, err := exec.Command("buildx", args...).CombinedOutput(); err != nil {
			t.Fatalf("buildx %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	if out, err := exec.Command("buildx", "inspect", "--bootstrap", name).CombinedOutput(); err != nil {
		t.Fatalf("buildx inspect --bootstrap %s: %v\n%s", name, err, out)
	} else {
		t.Logf("builder %s:\n%s", name, out)
	}

	since := time.Now().Add(-time.Second)
	dir := filepath.Join(e.repoRoot, "examples", "go-service")
	// The binaries must carry the build arg, whichever node built them.
	version := "two-node-" + e.runID
	ref := fmt.Sprintf("%s/e2e/two-node/go-service:%s", e.registry, e.runID)
	meta := filepath.Join(t.TempDir(), "metadata.json")
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	res := runCLI(ctx, t, meta, "buildx", "build",
		"--builder", name,
		"--file", filepath.Join(dir, specFile),
		"--build-arg", "BUILDKIT_SYNTAX="+e.frontend,
		"--build-arg", "VERSION="+version,
		"--platform", amd64+","+arm64,
		"--progress", "rawjson",
		"--metadata-file", meta,
		"--output", "type=image,name="+ref+",push=true,registry.insecure=true",
		dir)
	if res.err != nil {
		t.Fatalf("two-node build failed: %v\n%s\n--- progress ---\n%s", res.err, res.stderr, tail(res.progress(), 80))
	}
	t.Logf("metadata: %v", res.metadata)

	images := fetchImages(t, ref)
	if got, want := platformsOf(images), []string{amd64, arm64}; !reflect.DeepEqual(got, want) {
		t.Fatalf("pushed platforms %v, want %v", got, want)
	}
	for _, im := range images {
		lc := readLayers(t, im.image)
		app, ok := lc.files["usr/local/bin/app"]
		if !ok {
			t.Errorf("%s: usr/local/bin/app is missing; files: %v", im.platform, keysOf(lc.files))
			continue
		}
		checkELF(t, im.platform+" usr/local/bin/app", app, im.platform)
		if !bytes.Contains(app, []byte(version)) {
			t.Errorf("%s: the binary does not contain VERSION %q", im.platform, version)
		}
	}

	for i, want := range []string{amd64, arm64} {
		other := []string{arm64, amd64}[i]
		recs := buildHistory(t, nodes[i].addr, since)
		var platforms []string
		for _, r := range recs {
			platforms = append(platforms, r.FrontendAttrs["platform"])
		}
		t.Logf("node %d (%s) builds since the two-node build started: platforms %q", i+1, nodes[i].addr, platforms)
		built := false
		for _, p := range platforms {
			if strings.Contains(p, other) {
				t.Errorf("node %d, pinned to %s, built %s (frontend platform attr %q)", i+1, want, other, p)
			}
			if strings.Contains(p, want) {
				built = true
			}
		}
		if !built {
			t.Errorf("node %d, pinned to %s, has no build for %s in its history (platforms %q)", i+1, want, want, platforms)
		}
	}
}

// buildHistory lists the finished builds a daemon recorded after since.
func buildHistory(t *testing.T, addr string, since time.Time) []*controlapi.BuildHistoryRecord {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.New(ctx, addr)
	if err != nil {
		t.Fatalf("connecting to %s: %v", addr, err)
	}
	defer c.Close()
	var out []*controlapi.BuildHistoryRecord
	// The record of a just-finished build can lag behind the client's return.
	for attempt := 0; ; attempt++ {
		out = out[:0]
		stream, err := c.ControlClient().ListenBuildHistory(ctx, &controlapi.BuildHistoryRequest{EarlyExit: true})
		if err != nil {
			t.Fatalf("build history of %s: %v", addr, err)
		}
		for {
			ev, err := stream.Recv()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("build history of %s: %v", addr, err)
			}
			r := ev.Record
			if r == nil || r.CreatedAt == nil || r.CreatedAt.AsTime().Before(since) {
				continue
			}
			out = append(out, r)
		}
		if len(out) > 0 || attempt == 10 {
			return out
		}
		time.Sleep(500 * time.Millisecond)
	}
}
