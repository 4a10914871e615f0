package e2e

import (
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

// testURLSources downloads a file with its sha256 and writes an inline file;
// with a wrong sha256 the build fails, naming the checksum and the url line.
func testURLSources(t *testing.T, e *env, m mode) {
	body := []byte("served by the e2e test " + randomHex(t, 8) + "\n")
	url := serveFile(t, body)
	h := sha256.Sum256(body)
	sum := hex.EncodeToString(h[:])
	dir := e.testdata("url-sources")

	t.Run("checksum-matches", func(t *testing.T) {
		out := t.TempDir()
		mustBuild(t, e, m, buildRequest{dir: dir, platforms: []string{amd64}, args: map[string]string{"URL": url, "SUM": sum}, out: localTo(out)})
		files, _ := readTree(t, out)
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
		res := mustFail(t, e, m, buildRequest{dir: dir, platforms: []string{amd64}, args: map[string]string{"URL": url, "SUM": wrong}, out: localTo(t.TempDir())})
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
