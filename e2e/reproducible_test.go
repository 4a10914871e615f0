package e2e

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/moby/buildkit/client"
)

// TestReproducible builds examples/go-service for two platforms on two
// fresh buildkitds with empty roots, one after the other, with no
// SOURCE_DATE_EPOCH: the pushed indexes, manifests and configs must be identical.
func TestReproducible(t *testing.T) {
	e := loadEnv(t)
	var nodes [2]*daemon
	for i := range nodes {
		nodes[i] = startDaemon(t, e)
	}
	testReproducible(t, e, nodes)
}

// testReproducible builds examples/go-service for two platforms on two fresh
// daemons, with no SOURCE_DATE_EPOCH: the pushed images must be identical.
func testReproducible(t *testing.T, e *env, nodes [2]*daemon) {
	dir := filepath.Join(e.repoRoot, "examples", "go-service")
	var refs [2]string
	results := make([]*buildResult, 2)
	// One after the other, not in parallel: two builds running side by side
	// would stamp the same wall-clock second into any timestamp that leaks
	// into a layer and hide it. (On two cores parallel builds gain little.)
	for i, d := range nodes {
		refs[i] = fmt.Sprintf("%s/e2e/repro/go-service-%d:%s", e.registry, i+1, e.runID)
		req := buildRequest{dir: dir, platforms: []string{amd64, arm64}, out: pushTo(refs[i]), daemon: d}
		results[i] = mustBuild(t, e, clientMode{}, req)
		if i == 0 {
			time.Sleep(1100 * time.Millisecond) // a new second for the second build
		}
	}
	t.Logf("slowest steps of the build on node 1:\n%s", slowestVertices(results[0], 6))

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

// slowestVertices lists the n vertices that took longest, one a line.
func slowestVertices(res *buildResult, n int) string {
	vs := res.vertices()
	took := func(v *client.Vertex) time.Duration {
		if v.Started == nil || v.Completed == nil {
			return 0
		}
		return v.Completed.Sub(*v.Started)
	}
	sort.SliceStable(vs, func(i, j int) bool { return took(vs[i]) > took(vs[j]) })
	var b strings.Builder
	for i, v := range vs {
		if i == n {
			break
		}
		fmt.Fprintf(&b, "%8s %s\n", took(v).Round(100*time.Millisecond), v.Name)
	}
	return b.String()
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
