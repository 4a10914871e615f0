package main

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/mstage/mstage/lint"
	"github.com/mstage/mstage/spec"
)

// lockSpec uses images in every place an image can appear, written in
// every way lock must handle.
const lockSpec = `# syntax=docker.io/mstage/mstage:1
version: 1
args:
  GO_VERSION: "1.26" # the toolchain
builders:
  go:
    image: golang:${GO_VERSION}   # expanded with the default
    preset: go
  tools:
    image: "HOST/team/tools:v1"
artifacts:
  app:
    builder: go
    steps:
      - copy: /etc/ssl/certs
        image: 'HOST/team/tools:v1'
        to: /certs
    outputs: [/out/app]
runtimes:
  arch:
    image: HOST/team/base-${TARGETARCH}:v1
  pinned:
    image: HOST/team/tools:v1@sha256:0000000000000000000000000000000000000000000000000000000000000000
  final:
    # scratch is not an image to pin
    image: scratch
    copy:
      - {artifact: app, to: /usr/local/bin/}
      - {image: HOST/team/tools, src: /etc/passwd, to: /etc/passwd}
`

// pushIndex pushes a random two-platform index as ref and returns its
// digest.
func pushIndex(t *testing.T, ref string) v1.Hash {
	t.Helper()
	idx, err := random.Index(256, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	r, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.WriteIndex(r, idx); err != nil {
		t.Fatal(err)
	}
	d, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestLock(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	golang := pushIndex(t, host+"/library/golang:1.26")
	tools := pushIndex(t, host+"/team/tools:v1")
	latest := pushIndex(t, host+"/team/tools:latest")

	file := filepath.Join(t.TempDir(), "mstage.yaml")
	src := strings.ReplaceAll(lockSpec, "HOST", host)
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	flags := []string{"--mirror", host, "--insecure-registry", host}

	var stdout, stderr bytes.Buffer
	if code := run(append([]string{"lock", file}, flags...), nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("lock exit %d\n%s", code, stderr.String())
	}
	want := strings.Join([]string{
		fmt.Sprintf("%s:7:12 golang:${GO_VERSION} -> golang:1.26@%s", file, golang),
		fmt.Sprintf("%s:10:12 %s/team/tools:v1 -> %s/team/tools:v1@%s", file, host, host, tools),
		fmt.Sprintf("%s:16:16 %s/team/tools:v1 -> %s/team/tools:v1@%s", file, host, host, tools),
		fmt.Sprintf("%s:29:17 %s/team/tools -> %s/team/tools:latest@%s", file, host, host, latest),
	}, "\n") + "\n"
	if stdout.String() != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", stdout.String(), want)
	}
	wantSkip := fmt.Sprintf("%s:21:12 %s/team/base-${TARGETARCH}:v1: skipped: it depends on a variable without a default (such as TARGETARCH)\n", file, host)
	if stderr.String() != wantSkip {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr.String(), wantSkip)
	}
	if got, _ := os.ReadFile(file); string(got) != src {
		t.Errorf("lock without --write changed the file")
	}

	stdout.Reset()
	stderr.Reset()
	if code := run(append([]string{"lock", file, "--write"}, flags...), nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("lock --write exit %d\n%s", code, stderr.String())
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	// Only the four values change: comments, quotes and layout stay.
	wantFile := strings.NewReplacer(
		"golang:${GO_VERSION}   #", fmt.Sprintf("golang:1.26@%s   #", golang),
		`"`+host+`/team/tools:v1"`, fmt.Sprintf(`"%s/team/tools:v1@%s"`, host, tools),
		`'`+host+`/team/tools:v1'`, fmt.Sprintf(`'%s/team/tools:v1@%s'`, host, tools),
		"image: "+host+"/team/tools, src", fmt.Sprintf("image: %s/team/tools:latest@%s, src", host, latest),
	).Replace(src)
	if string(got) != wantFile {
		t.Errorf("written file:\n%s\nwant:\n%s", got, wantFile)
	}

	// The written spec parses, and lint no longer flags its images.
	s, err := spec.Parse(file, got)
	if err != nil {
		t.Fatalf("written spec does not parse: %v", err)
	}
	for _, f := range lint.Run(s, lint.Options{}) {
		if f.Rule.Name == lint.ImageNotPinned && f.Pos.Line != 21 {
			t.Errorf("lint still flags %s: %s", f.Pos, f.Msg)
		}
	}

	// Locking again changes nothing.
	stdout.Reset()
	stderr.Reset()
	if code := run(append([]string{"lock", file, "--write"}, flags...), nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("second lock exit %d\n%s", code, stderr.String())
	}
	if stdout.Len() != 0 {
		t.Errorf("second lock printed edits:\n%s", stdout.String())
	}
	if again, _ := os.ReadFile(file); !bytes.Equal(again, got) {
		t.Errorf("second lock changed the file:\n%s", again)
	}
}

func TestLockUnknownImage(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	file := filepath.Join(t.TempDir(), "mstage.yaml")
	src := "version: 1\nruntimes:\n  r:\n    image: " + host + "/nope:v1\n"
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"lock", "--write", "--insecure-registry", host, file}, nil, &stdout, &stderr)
	if code != exitFail {
		t.Errorf("exit %d, want %d", code, exitFail)
	}
	if want := fmt.Sprintf("%s:4:12 %s/nope:v1: cannot resolve", file, host); !strings.HasPrefix(stderr.String(), want) {
		t.Errorf("stderr:\n%s\nwant a line starting with:\n%s", stderr.String(), want)
	}
	if got, _ := os.ReadFile(file); string(got) != src {
		t.Errorf("the file changed:\n%s", got)
	}
}
