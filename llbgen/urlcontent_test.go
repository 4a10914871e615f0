package llbgen

import (
	"strings"
	"testing"

	"github.com/moby/buildkit/solver/pb"

	"github.com/mstage/mstage/llbgen/llbtest"
	"github.com/mstage/mstage/spec"
)

const sum = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

const sourcesSpec = `version: 1
args: {VERSION: "1.2"}
builders:
  b:
    image: golang:1.26
    steps:
      - copy: []
        url: https://example.com/tool-${VERSION}.tar.gz
        sha256: ` + sum + `
        to: /opt/
runtimes:
  r:
    image: alpine
    copy:
      - url: https://example.com/dl/tool
        sha256: ` + sum + `
        filename: tool.bin
        chmod: "0755"
        to: /usr/local/bin/tool
      - content: |
          #!/bin/sh
          echo ${HOME}
        chmod: "0750"
        to: /usr/local/bin/hello
`

// httpSources returns the http source ops of g.
func httpSources(g *llbtest.Graph) []*pb.SourceOp {
	var out []*pb.SourceOp
	for _, o := range g.Sources() {
		if src := o.GetSource(); strings.HasPrefix(src.Identifier, "https://") {
			out = append(out, src)
		}
	}
	return out
}

func mkfiles(g *llbtest.Graph) []*pb.FileActionMkFile {
	var out []*pb.FileActionMkFile
	for _, o := range g.Files() {
		for _, a := range o.GetFile().Actions {
			if mk := a.GetMkfile(); mk != nil {
				out = append(out, mk)
			}
		}
	}
	return out
}

func TestURLSourceIsAnHTTPOpWithItsChecksum(t *testing.T) {
	_, g := buildSrc(t, sourcesSpec, "r", amd64, nil)
	srcs := httpSources(g)
	if len(srcs) != 1 {
		t.Fatalf("http sources: %d, want 1", len(srcs))
	}
	s := srcs[0]
	if s.Identifier != "https://example.com/dl/tool" {
		t.Errorf("identifier %q", s.Identifier)
	}
	if got := s.Attrs[pb.AttrHTTPChecksum]; got != "sha256:"+sum {
		t.Errorf("checksum attr %q", got)
	}
	if got := s.Attrs[pb.AttrHTTPFilename]; got != "tool.bin" {
		t.Errorf("filename attr %q", got)
	}
	if got := s.Attrs[pb.AttrHTTPPerm]; got != "0755" && got != "493" {
		t.Errorf("perm attr %q", got)
	}
	// The op points at the url in the spec, so a checksum mismatch shows
	// where the source is written.
	for _, o := range g.Sources() {
		if o.GetSource().Identifier == s.Identifier {
			if lines := g.Lines(o.Digest); len(lines) == 0 || lines[0] != 15 {
				t.Errorf("http op lines %v, want [15]", lines)
			}
		}
	}
	// The copy reads the downloaded file by its name.
	found := false
	for _, o := range g.Files() {
		for _, a := range o.GetFile().Actions {
			if cp := a.GetCopy(); cp != nil && cp.Src == "/tool.bin" && cp.Dest == "/usr/local/bin/tool" {
				found = true
			}
		}
	}
	if !found {
		t.Error("no copy of /tool.bin to /usr/local/bin/tool")
	}
}

func TestURLSourceExpandsArgsAndDefaultsItsName(t *testing.T) {
	_, g := buildSrc(t, sourcesSpec, "b", amd64, nil)
	srcs := httpSources(g)
	if len(srcs) != 1 || srcs[0].Identifier != "https://example.com/tool-1.2.tar.gz" {
		t.Fatalf("http sources %+v", srcs)
	}
	if got := srcs[0].Attrs[pb.AttrHTTPFilename]; got != "tool-1.2.tar.gz" {
		t.Errorf("filename attr %q", got)
	}
	if _, ok := srcs[0].Attrs[pb.AttrHTTPPerm]; ok {
		t.Error("perm attr set without chmod")
	}
}

func TestContentIsADeterministicMkfile(t *testing.T) {
	_, g := buildSrc(t, sourcesSpec, "r", amd64, nil)
	mks := mkfiles(g)
	if len(mks) != 1 {
		t.Fatalf("mkfiles: %d, want 1", len(mks))
	}
	mk := mks[0]
	if mk.Path != "/hello" || string(mk.Data) != "#!/bin/sh\necho ${HOME}\n" || mk.Mode != 0o750 {
		t.Errorf("mkfile %q mode %o data %q", mk.Path, mk.Mode, mk.Data)
	}
	if mk.Timestamp != 0 {
		t.Errorf("mkfile timestamp %d, want the epoch (0)", mk.Timestamp)
	}
	_, again := buildSrc(t, sourcesSpec, "r", amd64, nil)
	if g.Digest() != again.Digest() {
		t.Errorf("digest changed between runs: %s, %s", g.Digest(), again.Digest())
	}
}

func TestURLAndContentErrorsArePositioned(t *testing.T) {
	tests := []struct {
		name, copy, want string
	}{
		{"no sha256", "url: https://example.com/x", "7:14: a url copy has no sha256"},
		{"bad scheme", "url: htps://example.com/x\n        sha256: " + sum, "7:14: invalid url \"htps://example.com/x\": the scheme is not http or https"},
		{"userinfo", "url: https://u:secret@example.com/x\n        sha256: " + sum, "credentials"},
		{"short sum", "url: https://example.com/x\n        sha256: abc", "8:17: invalid sha256 \"abc\": not 64 hex digits"},
		{"prefixed sum", "url: https://example.com/x\n        sha256: sha256:" + sum, "did you mean \"" + sum},
		{"filename path", "url: https://example.com/x\n        sha256: " + sum + "\n        filename: a/b", "9:19: invalid filename \"a/b\""},
		{"sha256 alone", "src: x\n        sha256: " + sum, "8:17: sha256 without url"},
		{"two sources", "url: https://example.com/x\n        sha256: " + sum + "\n        content: hi", "9:18: a copy has more than one source (url and content)"},
		{"content to dir", "content: hi\n        to: /etc/", "8:13: content is written to a directory"},
		{"url with src", "src: x\n        url: https://example.com/x\n        sha256: " + sum, "a url copy has source paths"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "version: 1\nruntimes:\n  r:\n    image: alpine\n    copy:\n      - to: /x\n        " + tt.copy + "\n"
			if strings.Contains(tt.copy, "to: ") {
				src = "version: 1\nruntimes:\n  r:\n    image: alpine\n    copy:\n      - chown: \"1\"\n        " + tt.copy + "\n"
			}
			_, err := spec.Parse("mstage.yaml", []byte(src))
			if err == nil {
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("the error prints the password: %v", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error:\n%v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestURLBindMountIsAnHTTPOp(t *testing.T) {
	src := `version: 1
builders:
  b:
    image: golang:1.26
    steps:
      - run: tar -xzf /dl/tool.tgz
        mounts:
          - bind: /dl
            url: https://example.com/tool.tar.gz
            sha256: ` + sum + `
            filename: tool.tgz
`
	_, g := buildSrc(t, src, "b", amd64, nil)
	srcs := httpSources(g)
	if len(srcs) != 1 || srcs[0].Attrs[pb.AttrHTTPChecksum] != "sha256:"+sum || srcs[0].Attrs[pb.AttrHTTPFilename] != "tool.tgz" {
		t.Fatalf("http sources %+v", srcs)
	}
	run := g.ExecContaining("tar -xzf")
	if run == nil {
		t.Fatal("no run op")
	}
	m := llbtest.Mount(run, "/dl")
	if m == nil || !m.Readonly {
		t.Fatalf("mount /dl %+v", m)
	}
	if in := g.Input(run, int(m.Input)); in == nil || in.GetSource() == nil || !strings.HasPrefix(in.GetSource().Identifier, "https://") {
		t.Errorf("/dl is not mounted from the http source: %+v", in)
	}
}

func TestURLBindMountErrorsArePositioned(t *testing.T) {
	base := "version: 1\nbuilders:\n  b:\n    image: golang:1.26\n    steps:\n      - run: ls\n        mounts:\n          - bind: /dl\n            "
	for _, tt := range []struct{ name, keys, want string }{
		{"no sha256", "url: https://example.com/x", "9:18: a url bind mount has no sha256"},
		{"two sources", "url: https://example.com/x\n            sha256: " + sum + "\n            context: c", "9:18: a bind mount has more than one source"},
		{"bad sum", "url: https://example.com/x\n            sha256: xyz", "10:21: invalid sha256 \"xyz\""},
		{"ftp", "url: ftp://example.com/x\n            sha256: " + sum, "9:18: invalid url \"ftp://example.com/x\": the scheme is not http or https"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := spec.Parse("mstage.yaml", []byte(base+tt.keys+"\n"))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error:\n%v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestContentLimitsAndExpandedDirectory(t *testing.T) {
	huge := "version: 1\nruntimes:\n  r:\n    copy:\n      - to: /big\n        content: " + strings.Repeat("x", 70<<10) + "\n"
	_, err := spec.Parse("mstage.yaml", []byte(huge))
	if err == nil || !strings.Contains(err.Error(), "mstage.yaml:6:18:") || !strings.Contains(err.Error(), "more than the limit") {
		t.Errorf("a 70 KiB inline file: %v", err)
	}
	e := compileErr(t, "version: 1\nargs: {D: /etc/}\nruntimes:\n  r:\n    copy:\n      - to: ${D}\n        content: hi\n", "r", nil)
	if e.Pos.Line != 6 || !strings.Contains(e.Msg, "content is written to") {
		t.Errorf("content to an expanded directory: %v", e)
	}
}

func TestURLUnpackIsACopyThatAttemptsUnpack(t *testing.T) {
	src := `version: 1
runtimes:
  r:
    copy:
      - url: https://example.com/tool.tar.gz
        sha256: ` + sum + `
        unpack: true
        to: /opt/tool/
      - url: https://example.com/other.tar.gz
        sha256: ` + sum + `
        to: /opt/
`
	_, g := buildSrc(t, src, "r", amd64, nil)
	unpacked := map[string]bool{}
	for _, o := range g.Files() {
		for _, a := range o.GetFile().Actions {
			if cp := a.GetCopy(); cp != nil {
				unpacked[cp.Src+" "+cp.Dest] = cp.AttemptUnpackDockerCompatibility
			}
		}
	}
	want := map[string]bool{"/tool.tar.gz /opt/tool/": true, "/other.tar.gz /opt/": false}
	for k, v := range want {
		if got, ok := unpacked[k]; !ok || got != v {
			t.Errorf("copy %s: attempt unpack %v (found %v), want %v; copies %v", k, got, ok, v, unpacked)
		}
	}
	if names := strings.Join(g.Names(), "\n"); !strings.Contains(names, "ADD --checksum=sha256:"+sum+" --unpack=true https://example.com/tool.tar.gz /opt/tool/") {
		t.Errorf("no ADD --unpack=true vertex name:\n%s", names)
	}
	_, err := spec.Parse("mstage.yaml", []byte("version: 1\nruntimes:\n  r:\n    copy:\n      - context: c\n        unpack: true\n        to: /x/\n"))
	if err == nil || !strings.Contains(err.Error(), "6:17: unpack without url") {
		t.Errorf("unpack without url: %v", err)
	}
}
