package e2e

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/http/cgi"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// testRepo is a repository served by a git daemon on 127.0.0.1, and over
// http behind a token.
type testRepo struct {
	url string
	// privateURL serves the same repository through git http-backend,
	// only to requests with token (as BuildKit sends a GIT_AUTH_TOKEN).
	privateURL string
	token      string
	tagCommit  string // the commit of tag v1: hello.txt says "v1"
	head       string // the next commit: hello.txt says "v2"
}

// git runs git in dir with a fixed identity and dates, and returns its
// trimmed output.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=e2e", "GIT_AUTHOR_EMAIL=e2e@example.invalid", "GIT_COMMITTER_NAME=e2e",
		"GIT_COMMITTER_EMAIL=e2e@example.invalid", "GIT_AUTHOR_DATE=2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE=2026-01-01T00:00:00Z",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// serveGitRepo creates a repository with two commits (the first tagged v1)
// and serves it with git daemon on a free port of 127.0.0.1 (buildkitd runs
// on the host network and clones it itself) until the test ends.
func serveGitRepo(t *testing.T) testRepo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	root := t.TempDir()
	work := filepath.Join(root, "work")
	name := "repo-" + randomHex(t, 4) + ".git"
	if err := os.MkdirAll(filepath.Join(work, "docs"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(rel, body string) {
		if err := os.WriteFile(filepath.Join(work, rel), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git(t, work, "init", "-q", "-b", "main")
	// A file unique to this repository makes its commits new to BuildKit,
	// which caches a clone by its commit whatever the remote.
	write("id.txt", name+"\n")
	write("hello.txt", "v1\n")
	write("docs/readme.md", "docs at v1\n")
	git(t, work, "add", ".")
	git(t, work, "commit", "-q", "-m", "v1")
	git(t, work, "tag", "v1")
	tagCommit := git(t, work, "rev-parse", "HEAD")
	write("hello.txt", "v2\n")
	write("docs/readme.md", "docs at v2\n")
	git(t, work, "commit", "-q", "-am", "v2")
	head := git(t, work, "rev-parse", "HEAD")
	git(t, root, "clone", "-q", "--bare", work, name)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	daemon := exec.Command("git", "daemon", "--export-all", "--reuseaddr", "--informative-errors",
		"--base-path="+root, "--listen=127.0.0.1", fmt.Sprintf("--port=%d", port), root)
	// The daemon forks a child per connection: its own process group lets
	// the cleanup end them all, and its log goes to a file that no child
	// holds the test's output open with.
	logFile, err := os.Create(filepath.Join(t.TempDir(), "git-daemon.log"))
	if err != nil {
		t.Fatal(err)
	}
	daemon.Stdout, daemon.Stderr = logFile, logFile
	daemon.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := daemon.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-daemon.Process.Pid, syscall.SIGKILL)
		_ = daemon.Wait()
		_ = logFile.Close()
		if t.Failed() {
			if log, err := os.ReadFile(logFile.Name()); err == nil {
				t.Logf("git daemon log:\n%s", tail(string(log), 20))
			}
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	// Wait until the daemon listens; a daemon that never does fails the
	// clone below with its own error.
	for range 100 {
		if c, err := net.Dial("tcp", addr); err == nil {
			_ = c.Close()
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	url := "git://" + addr + "/" + name
	if got := git(t, root, "ls-remote", url, "v1"); !strings.HasPrefix(got, tagCommit) {
		t.Fatalf("git ls-remote %s v1 = %q, want %s", url, got, tagCommit)
	}
	token := randomHex(t, 16)
	return testRepo{url: url, tagCommit: tagCommit, head: head, privateURL: serveGitHTTP(t, root, token) + "/" + name, token: token}
}

// serveGitHTTP serves the repositories under root with git http-backend
// behind a small CGI server on 127.0.0.1 that answers 401 to a request
// without the token, as BuildKit sends it (basic auth, user
// x-access-token), and returns its base URL.
func serveGitHTTP(t *testing.T, root, token string) string {
	t.Helper()
	backend := filepath.Join(git(t, root, "--exec-path"), "git-http-backend")
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("x-access-token:"+token))
	cgiHandler := &cgi.Handler{Path: backend, Root: "/git", Env: []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"}}
	mux := http.NewServeMux()
	mux.HandleFunc("/git/", func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(r.Header.Get("Authorization"), want) {
			w.Header().Set("WWW-Authenticate", `Basic realm="e2e"`)
			http.Error(w, "a token is needed", http.StatusUnauthorized)
			return
		}
		cgiHandler.ServeHTTP(w, r)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String() + "/git"
}

// testGitSources builds from a repository served on loopback: a tag pinned
// by its commit, a commit (copied with its .git and bind-mounted at a
// subdir), a commit over http behind a token given as the secret that
// auth-token names (and refused without it); a tag whose commit is wrong
// fails at the git line.
func testGitSources(t *testing.T, e *env, m mode) {
	repo := serveGitRepo(t)
	dir := e.testdata("git-sources")
	args := map[string]string{"REPO": repo.url, "TAG": "v1", "TAG_COMMIT": repo.tagCommit, "COMMIT": repo.head}

	t.Run("private", func(t *testing.T) {
		private := map[string]string{"REPO": repo.url, "PRIVATE_REPO": repo.privateURL, "COMMIT": repo.head}
		// Without the secret first: once a commit is cloned, BuildKit
		// reuses it from its cache without asking the server again.
		res := mustFail(t, e, m, buildRequest{dir: dir, target: "private", platforms: []string{amd64}, args: private, out: localTo(t.TempDir())})
		if text := res.errorText(); !strings.Contains(text, "could not read Username") {
			t.Errorf("the error without the token does not say the server refused it:\n%s", tail(text, 20))
		}
		out := t.TempDir()
		mustBuild(t, e, m, buildRequest{dir: dir, target: "private", platforms: []string{amd64}, args: private,
			secrets: map[string]string{"REPO_TOKEN": repo.token}, out: localTo(out)})
		files, _ := readTree(t, out)
		if got := string(files["src/hello.txt"]); got != "v2\n" {
			t.Errorf("src/hello.txt = %q, want v2; files: %v", got, keysOf(files))
		}
	})

	t.Run("tag", func(t *testing.T) {
		out := t.TempDir()
		mustBuild(t, e, m, buildRequest{dir: dir, target: "tagged", platforms: []string{amd64}, args: args, out: localTo(out)})
		files, _ := readTree(t, out)
		if got := string(files["src/hello.txt"]); got != "v1\n" {
			t.Errorf("src/hello.txt = %q, want v1; files: %v", got, keysOf(files))
		}
		if got := string(files["src/docs/readme.md"]); got != "docs at v1\n" {
			t.Errorf("src/docs/readme.md = %q", got)
		}
		for name := range files {
			if strings.HasPrefix(name, "src/.git/") {
				t.Errorf("%s: the .git directory is kept without keep-git-dir", name)
				break
			}
		}
	})

	t.Run("commit", func(t *testing.T) {
		out := t.TempDir()
		mustBuild(t, e, m, buildRequest{dir: dir, target: "at-commit", platforms: []string{amd64}, args: args, out: localTo(out)})
		files, _ := readTree(t, out)
		if got := string(files["src/hello.txt"]); got != "v2\n" {
			t.Errorf("src/hello.txt = %q, want v2; files: %v", got, keysOf(files))
		}
		if got := string(files["from-mount.md"]); got != "docs at v2\n" {
			t.Errorf("from-mount.md (bind mount of subdir docs) = %q, want the docs at v2", got)
		}
		if _, ok := files["src/.git/HEAD"]; !ok {
			t.Errorf("no src/.git/HEAD with keep-git-dir; files: %v", keysOf(files))
		}
	})

	t.Run("commit-wrong", func(t *testing.T) {
		wrong := map[string]string{"REPO": repo.url, "TAG": "v1", "TAG_COMMIT": repo.head, "COMMIT": repo.head}
		line := lineOf(t, filepath.Join(dir, specFile), "git: ${REPO}")
		res := mustFail(t, e, m, buildRequest{dir: dir, target: "tagged", platforms: []string{amd64}, args: wrong, out: localTo(t.TempDir())})
		text := res.errorText()
		if !strings.Contains(text, repo.head) {
			t.Errorf("the error does not name the expected commit %s:\n%s", repo.head, tail(text, 20))
		}
		want := fmt.Sprintf("%s:%d", specFile, line)
		if m.name() == "buildx" && !strings.Contains(res.stderr, want) {
			t.Errorf("stderr does not point at %s:\n%s", want, tail(res.stderr, 30))
		}
	})
}
