package e2e

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// pushedImage is one platform's image in a pushed reference.
type pushedImage struct {
	platform string // os/arch[/variant]
	digest   string
	image    v1.Image
}

func parseRef(t *testing.T, ref string) name.Reference {
	t.Helper()
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatalf("parsing %q: %v", ref, err)
	}
	return r
}

// pushBothPlatforms builds dir for linux/amd64 and linux/arm64, pushes it
// to ref and returns the pushed images, failing unless there is one for
// each of the two platforms.
func pushBothPlatforms(t *testing.T, e *env, m mode, dir, ref string) []pushedImage {
	t.Helper()
	mustBuild(t, e, m, buildRequest{dir: dir, platforms: []string{amd64, arm64}, out: pushTo(ref)})
	images := fetchImages(t, ref)
	if got, want := platformsOf(images), []string{amd64, arm64}; !reflect.DeepEqual(got, want) {
		t.Fatalf("pushed platforms %v, want %v", got, want)
	}
	return images
}

// fetchImages returns the images of ref, one per platform, skipping
// attestation manifests; a plain manifest gives one image.
func fetchImages(t *testing.T, ref string) []pushedImage {
	t.Helper()
	desc, err := remote.Get(parseRef(t, ref))
	if err != nil {
		t.Fatalf("fetching %s from the registry: %v", ref, err)
	}
	if !desc.MediaType.IsIndex() {
		img, err := desc.Image()
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatalf("%s: config: %v", ref, err)
		}
		return []pushedImage{{platform: formatPlatform(cf.OS, cf.Architecture, cf.Variant), digest: desc.Digest.String(), image: img}}
	}
	idx, err := desc.ImageIndex()
	if err != nil {
		t.Fatalf("%s: %v", ref, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatalf("%s: index manifest: %v", ref, err)
	}
	var out []pushedImage
	for _, m := range im.Manifests {
		if m.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
			continue
		}
		if m.Platform == nil || m.Platform.OS == "unknown" {
			continue
		}
		img, err := idx.Image(m.Digest)
		if err != nil {
			t.Fatalf("%s: image %s: %v", ref, m.Digest, err)
		}
		out = append(out, pushedImage{
			platform: formatPlatform(m.Platform.OS, m.Platform.Architecture, m.Platform.Variant),
			digest:   m.Digest.String(),
			image:    img,
		})
	}
	return out
}

func formatPlatform(os, arch, variant string) string {
	p := os + "/" + arch
	if variant != "" {
		p += "/" + variant
	}
	return p
}

func platformsOf(images []pushedImage) []string {
	var ps []string
	for _, im := range images {
		ps = append(ps, im.platform)
	}
	sort.Strings(ps)
	return ps
}

func imageForPlatform(t *testing.T, images []pushedImage, platform string) pushedImage {
	t.Helper()
	for _, im := range images {
		if im.platform == platform {
			return im
		}
	}
	t.Fatalf("no %s image; the pushed platforms are %v", platform, platformsOf(images))
	return pushedImage{}
}

// imageExists reports whether ref is in the registry.
func imageExists(t *testing.T, ref string) bool {
	t.Helper()
	_, err := remote.Head(parseRef(t, ref))
	if err == nil {
		return true
	}
	var terr *transport.Error
	if errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound {
		return false
	}
	t.Fatalf("checking %s in the registry: %v", ref, err)
	return false
}

func configFile(t *testing.T, img v1.Image) *v1.ConfigFile {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatalf("reading the image config: %v", err)
	}
	return cf
}

// layerContents is what an image's layers hold.
type layerContents struct {
	files    map[string][]byte // path without leading slash -> content (regular files)
	entries  map[string]byte   // path -> tar type flag, every entry
	raw      [][]byte          // each layer's uncompressed tar stream
	layers   int
	fileSize int64 // sum of the regular files' sizes
}

func readLayers(t *testing.T, img v1.Image) *layerContents {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatalf("listing layers: %v", err)
	}
	lc := &layerContents{files: map[string][]byte{}, entries: map[string]byte{}, layers: len(layers)}
	for i, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatalf("layer %d: %v", i, err)
		}
		dt, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("layer %d: %v", i, err)
		}
		lc.raw = append(lc.raw, dt)
		tr := tar.NewReader(bytes.NewReader(dt))
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("layer %d: reading tar: %v", i, err)
			}
			p := strings.TrimPrefix(path.Clean("/"+h.Name), "/")
			lc.entries[p] = h.Typeflag
			if h.Typeflag == tar.TypeReg {
				content, err := io.ReadAll(tr)
				if err != nil {
					t.Fatalf("layer %d: %s: %v", i, p, err)
				}
				lc.files[p] = content
				lc.fileSize += int64(len(content))
			}
		}
	}
	return lc
}

// readTree returns the regular files below dir (relative slash paths -> content)
// and every entry's path.
func readTree(t *testing.T, dir string) (files map[string][]byte, entries []string) {
	t.Helper()
	files = map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		entries = append(entries, rel)
		if d.Type().IsRegular() {
			dt, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			files[rel] = dt
		}
		return nil
	})
	if err != nil {
		t.Fatalf("reading the local output %s: %v", dir, err)
	}
	return files, entries
}

// expectedMachine is the ELF machine of binaries for an os/arch platform.
func expectedMachine(platform string) (elf.Machine, bool) {
	parts := strings.Split(platform, "/")
	if len(parts) < 2 {
		return 0, false
	}
	m, ok := map[string]elf.Machine{
		"amd64":   elf.EM_X86_64,
		"386":     elf.EM_386,
		"arm64":   elf.EM_AARCH64,
		"arm":     elf.EM_ARM,
		"riscv64": elf.EM_RISCV,
		"ppc64le": elf.EM_PPC64,
		"s390x":   elf.EM_S390,
	}[parts[1]]
	return m, ok
}

// checkELF fails unless data is an ELF file for platform.
func checkELF(t *testing.T, what string, data []byte, platform string) {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Errorf("%s: not an ELF file (%d bytes): %v", what, len(data), err)
		return
	}
	want, ok := expectedMachine(platform)
	if !ok {
		t.Fatalf("no known ELF machine for %s", platform)
	}
	if f.Machine != want {
		t.Errorf("%s: ELF machine is %v, want %v for %s", what, f.Machine, want, platform)
	}
}

func keysOf(m map[string][]byte) []string { return sortedKeys(m) }

// historyLen counts the history entries that made a layer.
func historyLen(h []v1.History) int {
	n := 0
	for _, e := range h {
		if !e.EmptyLayer {
			n++
		}
	}
	return n
}

// readTarFiles returns the content of the named regular files in a tarball.
func readTarFiles(t *testing.T, file string, names ...string) map[string][]byte {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatalf("opening the exported tarball: %v", err)
	}
	defer f.Close()
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	out := map[string][]byte{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("reading the exported tarball: %v", err)
		}
		p := strings.TrimPrefix(path.Clean("/"+h.Name), "/")
		if want[p] && h.Typeflag == tar.TypeReg {
			dt, err := io.ReadAll(tr)
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			out[p] = dt
		}
	}
}
