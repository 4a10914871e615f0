package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/buildkit/solver/errdefs"
)

// serveFile serves body at a fresh path on 127.0.0.1 (buildkitd runs on the
// host network, so it reaches the test's loopback) until the test ends, and
// returns its URL.
func serveFile(t *testing.T, body []byte) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	name := "/files/" + randomHex(t, 8) + "/data.txt"
	mux := http.NewServeMux()
	mux.HandleFunc(name, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write(body)
	})
	srv := &http.Server{Handler: mux}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String() + name
}

// tarGz is a gzipped tar of files (name -> body), each 0644.
func tarGz(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, name := range sortedKeys(files) {
		body := files[name]
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// testURLSources downloads a file with its sha256, extracts a downloaded
// archive (unpack) and writes an inline file; with a wrong sha256 the build
// fails, naming the checksum and the url line.
func testURLSources(t *testing.T, e *env, m mode) {
	body := []byte("served by the e2e test " + randomHex(t, 8) + "\n")
	url := serveFile(t, body)
	sum := sha256Hex(body)
	archive := tarGz(t, map[string]string{"bin/tool.sh": "echo tool\n", "README": "the tool\n"})
	archiveURL := serveFile(t, archive)
	archiveSum := sha256Hex(archive)
	dir := e.testdata("url-sources")

	t.Run("checksum-matches", func(t *testing.T) {
		out := t.TempDir()
		mustBuild(t, e, m, buildRequest{dir: dir, platforms: []string{amd64}, args: map[string]string{"URL": url, "SUM": sum, "ARCHIVE": archiveURL, "ARCHIVE_SUM": archiveSum}, out: localTo(out)})
		files, _ := readTree(t, out)
		if got := string(files["opt/tool/bin/tool.sh"]); got != "echo tool\n" {
			t.Errorf("opt/tool/bin/tool.sh (unpacked) = %q; files: %v", got, keysOf(files))
		}
		if got := string(files["opt/tool/README"]); got != "the tool\n" {
			t.Errorf("opt/tool/README (unpacked) = %q", got)
		}
		for name := range files {
			if strings.HasSuffix(name, ".gz") {
				t.Errorf("%s: the archive is copied instead of extracted", name)
			}
		}
		if got := files["dl/fetched.txt"]; string(got) != string(body) {
			t.Errorf("dl/fetched.txt = %q, want %q; files: %v", got, body, keysOf(files))
		}
		if want := "#!/bin/sh\necho \"hello from ${HOME}\"\n"; string(files["bin/hello.sh"]) != want {
			t.Errorf("bin/hello.sh = %q, want %q", files["bin/hello.sh"], want)
		}
		for name, want := range map[string]os.FileMode{"dl/fetched.txt": 0o640, "bin/hello.sh": 0o750} {
			fi, err := os.Stat(filepath.Join(out, name))
			if err != nil {
				t.Error(err)
				continue
			}
			if got := fi.Mode().Perm(); got != want {
				t.Errorf("%s mode %o, want %o", name, got, want)
			}
		}
	})

	t.Run("checksum-wrong", func(t *testing.T) {
		wrong := strings.Repeat("0", 64)
		line := lineOf(t, filepath.Join(dir, specFile), "url: ${URL}")
		res := mustFail(t, e, m, buildRequest{dir: dir, platforms: []string{amd64}, args: map[string]string{"URL": url, "SUM": wrong, "ARCHIVE": archiveURL, "ARCHIVE_SUM": archiveSum}, out: localTo(t.TempDir())})
		text := res.errorText()
		if !strings.Contains(text, wrong) {
			t.Errorf("the error does not name the expected checksum %s:\n%s", wrong, tail(text, 20))
		}
		if !strings.Contains(text, sum) {
			t.Errorf("the error does not name the served file's checksum %s:\n%s", sum, tail(text, 20))
		}
		if m.name() == "client" {
			var seen []string
			for _, s := range errdefs.Sources(res.err) {
				if s.Info == nil {
					continue
				}
				for _, r := range s.Ranges {
					seen = append(seen, fmt.Sprintf("%s:%d", s.Info.Filename, r.Start.Line))
					if filepath.Base(s.Info.Filename) == specFile && int(r.Start.Line) == line {
						return
					}
				}
			}
			t.Errorf("the error has no source location %s:%d (sources: %v)\nerror: %v", specFile, line, seen, res.err)
			return
		}
		if want := fmt.Sprintf("%s:%d", specFile, line); !strings.Contains(res.stderr, want) {
			t.Errorf("stderr does not point at %s:\n%s", want, tail(res.stderr, 30))
		}
	})
}
