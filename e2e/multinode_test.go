package e2e

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"
	controlapi "github.com/moby/buildkit/api/services/control"
	"github.com/moby/buildkit/client"
	"golang.org/x/sync/errgroup"
)

// TestMultiNode starts two buildkitds with empty roots. It first builds
// examples/go-service on each (reproducibility), then uses both as the
// nodes of one buildx builder, one per platform.
func TestMultiNode(t *testing.T) {
	e := loadEnv(t)
	if e.frontend == "" {
		t.Skip("e2e: MSTAGE_FRONTEND_IMAGE is not set (hack/build-frontend.sh prints it; hack/test.sh sets it)")
	}
	var nodes [2]*daemon
	for i := range nodes {
		nodes[i] = startDaemon(t, e)
	}

	t.Run("reproducible", func(t *testing.T) { testReproducible(t, e, nodes) })
	t.Run("two-node-builder", func(t *testing.T) { testTwoNodeBuilder(t, e, nodes) })
}

// testReproducible builds examples/go-service for two platforms on two fresh
// daemons, with no SOURCE_DATE_EPOCH: the pushed images must be identical.
func testReproducible(t *testing.T, e *env, nodes [2]*daemon) {
	dir := filepath.Join(e.repoRoot, "examples", "go-service")
	var refs [2]string
	results := make([]*buildResult, 2)
	var g errgroup.Group
	for i, d := range nodes {
		refs[i] = fmt.Sprintf("%s/e2e/repro/go-service-%d:%s", e.registry, i+1, e.runID)
		req := buildRequest{dir: dir, platforms: []string{amd64, arm64}, out: pushTo(refs[i]), daemon: d}
		g.Go(func() error {
			ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
			defer cancel()
			start := time.Now()
			results[i] = clientMode{}.build(ctx, t, e, req)
			t.Logf("build on node %d finished in %s, err=%v", i+1, time.Since(start).Round(100*time.Millisecond), results[i].err)
			return nil
		})
	}
	_ = g.Wait()
	for i, res := range results {
		if res.err != nil {
			t.Fatalf("build %d on %s failed: %v\n--- progress ---\n%s", i+1, nodes[i].addr, res.err, tail(res.progress(), 80))
		}
	}

	var idx [2][]byte
	for i, ref := range refs {
		desc, err := remote.Get(parseRef(t, ref))
		if err != nil {
			t.Fatalf("fetching %s: %v", ref, err)
		}
		idx[i] = desc.Manifest
		t.Logf("%s: %s", ref, desc.Digest)
	}
	images := [2][]pushedImage{fetchImages(t, refs[0]), fetchImages(t, refs[1])}
	for i := range images {
		if got, want := platformsOf(images[i]), []string{amd64, arm64}; !reflect.DeepEqual(got, want) {
			t.Fatalf("build %d pushed platforms %v, want %v", i+1, got, want)
		}
	}
	if bytes.Equal(idx[0], idx[1]) {
		return
	}
	t.Errorf("the two index manifests differ:\n--- node 1 ---\n%s\n--- node 2 ---\n%s", idx[0], idx[1])
	for _, p := range []string{amd64, arm64} {
		a, b := imageForPlatform(t, images[0], p), imageForPlatform(t, images[1], p)
		explainImageDiff(t, p, a, b)
	}
}

// explainImageDiff reports how two images of one platform differ: manifest,
// config, and the tar headers and contents of differing layers.
func explainImageDiff(t *testing.T, platform string, a, b pushedImage) {
	t.Helper()
	if a.digest == b.digest {
		t.Logf("%s: manifests identical (%s)", platform, a.digest)
		return
	}
	ma, _ := a.image.RawManifest()
	mb, _ := b.image.RawManifest()
	t.Errorf("%s: manifest %s vs %s", platform, a.digest, b.digest)
	ca, _ := a.image.RawConfigFile()
	cb, _ := b.image.RawConfigFile()
	if !bytes.Equal(ca, cb) {
		t.Errorf("%s: configs differ:\n%s", platform, lineDiff(prettyJSON(ca), prettyJSON(cb)))
	} else {
		t.Logf("%s: configs identical", platform)
	}
	if !bytes.Equal(ma, mb) {
		t.Logf("%s: manifests:\n%s", platform, lineDiff(prettyJSON(ma), prettyJSON(mb)))
	}
	la, err := a.image.Layers()
	if err != nil {
		t.Fatal(err)
	}
	lb, err := b.image.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(la) != len(lb) {
		t.Errorf("%s: %d layers vs %d", platform, len(la), len(lb))
		return
	}
	for i := range la {
		da, _ := la[i].Digest()
		db, _ := lb[i].Digest()
		dia, _ := la[i].DiffID()
		dib, _ := lb[i].DiffID()
		if da == db {
			continue
		}
		if dia == dib {
			t.Errorf("%s: layer %d: same uncompressed content (diffID %s) but different compressed blobs %s vs %s (compression is not deterministic)", platform, i, dia, da, db)
			continue
		}
		ea, eb := tarEntries(t, la[i].Uncompressed), tarEntries(t, lb[i].Uncompressed)
		t.Errorf("%s: layer %d differs (diffID %s vs %s); tar entries:\n%s", platform, i, dia, dib, lineDiff(ea, eb))
	}
}

// tarEntries describes every entry of a layer on one line: what a
// reproducible build must keep the same.
func tarEntries(t *testing.T, open func() (io.ReadCloser, error)) string {
	t.Helper()
	rc, err := open()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var b strings.Builder
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return b.String()
		}
		if err != nil {
			t.Fatalf("reading a layer: %v", err)
		}
		sum := sha256.New()
		_, _ = io.Copy(sum, tr)
		fmt.Fprintf(&b, "%s type=%c mode=%o uid=%d gid=%d size=%d mtime=%s pax=%v sha256=%s\n",
			path.Clean("/"+h.Name), h.Typeflag, h.Mode, h.Uid, h.Gid, h.Size, h.ModTime.UTC().Format(time.RFC3339Nano), h.PAXRecords, hex.EncodeToString(sum.Sum(nil))[:16])
	}
}

func prettyJSON(dt []byte) string {
	var v any
	if err := json.Unmarshal(dt, &v); err != nil {
		return string(dt)
	}
	out, _ := json.MarshalIndent(v, "", "  ")
	return string(out)
}

// lineDiff lists the lines only in a (-) and only in b (+), in order.
func lineDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	inA, inB := map[string]int{}, map[string]int{}
	for _, l := range la {
		inA[l]++
	}
	for _, l := range lb {
		inB[l]++
	}
	var out strings.Builder
	for _, l := range la {
		if inB[l] == 0 {
			fmt.Fprintf(&out, "- %s\n", l)
		}
	}
	for _, l := range lb {
		if inA[l] == 0 {
			fmt.Fprintf(&out, "+ %s\n", l)
		}
	}
	if out.Len() == 0 {
		return "(same lines, different order)"
	}
	return out.String()
}

// testTwoNodeBuilder builds go-service for two platforms through a buildx
// builder whose first node only builds linux/amd64 and second only
// linux/arm64; each daemon's build history must show only its platform.
func testTwoNodeBuilder(t *testing.T, e *env, nodes [2]*daemon) {
	name := "mstage-e2e-2n-" + randomHex(t, 4)
	create := [][]string{
		{"buildx", "create", "--name", name, "--driver", "remote", "--platform", amd64, nodes[0].addr},
		{"buildx", "create", "--append", "--name", name, "--driver", "remote", "--platform", arm64, nodes[1].addr},
	}
	t.Cleanup(func() {
		if out, err := exec.Command("docker", "buildx", "rm", name).CombinedOutput(); err != nil {
			t.Logf("docker buildx rm %s: %v\n%s", name, err, out)
		}
	})
	for _, args := range create {
		if out, err := exec.Command("docker", args...).CombinedOutput(); err != nil {
			t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	if out, err := exec.Command("docker", "buildx", "inspect", "--bootstrap", name).CombinedOutput(); err != nil {
		t.Fatalf("docker buildx inspect --bootstrap %s: %v\n%s", name, err, out)
	} else {
		t.Logf("builder %s:\n%s", name, out)
	}

	since := time.Now().Add(-time.Second)
	dir := filepath.Join(e.repoRoot, "examples", "go-service")
	// A new VERSION makes the compile step run again on each node rather
	// than come from the cache the reproducibility build left.
	version := "two-node-" + e.runID
	ref := fmt.Sprintf("%s/e2e/two-node/go-service:%s", e.registry, e.runID)
	meta := filepath.Join(t.TempDir(), "metadata.json")
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	res := runCLI(ctx, t, meta, "docker", "buildx", "build",
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
