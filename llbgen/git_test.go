package llbgen

import (
	"strings"
	"testing"

	"github.com/moby/buildkit/solver/pb"

	"github.com/mstage/mstage/llbgen/llbtest"
	"github.com/mstage/mstage/spec"
)

const commit = "0123456789abcdef0123456789abcdef01234567"

const gitSpec = `version: 1
args: {TAG: v1.2.0}
builders:
  b:
    image: golang:1.26
    steps:
      - run: ls /docs
        mounts:
          - bind: /docs
            git: https://example.com/org/repo.git
            ref: main
            subdir: docs
runtimes:
  r:
    image: alpine
    copy:
      - git: https://example.com/org/repo.git
        ref: ${TAG}
        commit: ` + commit + `
        keep-git-dir: true
        auth-token: GH_TOKEN
        auth-header: GH_HEADER
        to: /src/
      - git: git@example.com:org/private.git
        ref: ` + commit + `
        ssh-agent: deploy
        known-hosts: example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl
        src: [go.mod]
        to: /private/
`

// gitSources returns the git source ops of g.
func gitSources(g *llbtest.Graph) []*pb.SourceOp {
	var out []*pb.SourceOp
	for _, o := range g.Sources() {
		if src := o.GetSource(); strings.HasPrefix(src.Identifier, "git://") {
			out = append(out, src)
		}
	}
	return out
}

func gitSourceOf(t *testing.T, g *llbtest.Graph, remote string) *pb.SourceOp {
	t.Helper()
	for _, s := range gitSources(g) {
		if s.Attrs[pb.AttrFullRemoteURL] == remote {
			return s
		}
	}
	t.Fatalf("no git source for %s in %v", remote, gitSources(g))
	return nil
}

func TestGitCopyCarriesRefCommitAndAuth(t *testing.T) {
	_, g := buildSrc(t, gitSpec, "r", amd64, nil)
	s := gitSourceOf(t, g, "https://example.com/org/repo.git")
	if s.Identifier != "git://example.com/org/repo.git#v1.2.0" {
		t.Errorf("identifier %q, want the expanded tag", s.Identifier)
	}
	for attr, want := range map[string]string{
		pb.AttrGitChecksum:      commit,
		pb.AttrKeepGitDir:       "true",
		pb.AttrAuthTokenSecret:  "GH_TOKEN",
		pb.AttrAuthHeaderSecret: "GH_HEADER",
	} {
		if got := s.Attrs[attr]; got != want {
			t.Errorf("attr %s = %q, want %q", attr, got, want)
		}
	}
	if _, ok := s.Attrs[pb.AttrMountSSHSock]; ok {
		t.Error("an https source mounts the ssh agent")
	}
	for _, o := range g.Sources() {
		if o.GetSource() == s {
			if lines := g.Lines(o.Digest); len(lines) == 0 || lines[0] != 17 {
				t.Errorf("git op lines %v, want [17]", lines)
			}
		}
	}
	// The copy takes the repository's root into /src/.
	found := false
	for _, o := range g.Files() {
		for _, a := range o.GetFile().Actions {
			if cp := a.GetCopy(); cp != nil && cp.Src == "/" && cp.Dest == "/src/" && cp.DirCopyContents {
				found = true
			}
		}
	}
	if !found {
		t.Error("no copy of the repository's root to /src/")
	}
	if names := strings.Join(g.Names(), "\n"); !strings.Contains(names, "ADD --keep-git-dir=true --checksum="+commit+" https://example.com/org/repo.git#v1.2.0 /src/") {
		t.Errorf("no ADD vertex name for the git copy:\n%s", names)
	}
}

func TestGitSSHSourceMountsTheAgentWithKnownHosts(t *testing.T) {
	_, g := buildSrc(t, gitSpec, "r", amd64, nil)
	s := gitSourceOf(t, g, "git@example.com:org/private.git")
	if s.Identifier != "git://example.com/org/private.git#"+commit {
		t.Errorf("identifier %q, want the commit as ref", s.Identifier)
	}
	if got := s.Attrs[pb.AttrMountSSHSock]; got != "deploy" {
		t.Errorf("ssh sock %q", got)
	}
	if got := s.Attrs[pb.AttrKnownSSHHosts]; !strings.HasPrefix(got, "example.com ssh-ed25519 ") {
		t.Errorf("known hosts %q", got)
	}
	if _, ok := s.Attrs[pb.AttrGitChecksum]; ok {
		t.Error("a commit ref got a checksum too")
	}
}

func TestGitBindMountCarriesRefAndSubdir(t *testing.T) {
	_, g := buildSrc(t, gitSpec, "b", amd64, nil)
	s := gitSourceOf(t, g, "https://example.com/org/repo.git")
	if s.Identifier != "git://example.com/org/repo.git#main:docs" {
		t.Errorf("identifier %q", s.Identifier)
	}
	if _, ok := s.Attrs[pb.AttrGitChecksum]; ok {
		t.Error("checksum without commit")
	}
	// The default secrets stay BuildKit's, so --secret id=GIT_AUTH_TOKEN works.
	if got := s.Attrs[pb.AttrAuthTokenSecret]; got != "GIT_AUTH_TOKEN" {
		t.Errorf("token secret %q", got)
	}
	run := g.ExecContaining("ls /docs")
	if run == nil {
		t.Fatal("no run op")
	}
	m := llbtest.Mount(run, "/docs")
	if m == nil || !m.Readonly {
		t.Fatalf("mount /docs %+v", m)
	}
	if in := g.Input(run, int(m.Input)); in == nil || in.GetSource() != s {
		t.Errorf("/docs is not mounted from the git source: %+v", in)
	}
}

func TestGitErrorsArePositioned(t *testing.T) {
	base := "version: 1\nruntimes:\n  r:\n    image: alpine\n    copy:\n      - to: /x\n        "
	kh := "\n        known-hosts: h ssh-ed25519 AAAA"
	for _, tt := range []struct{ name, keys, want string }{
		{"token in url", "git: https://tok3n@example.com/r.git", "7:14: invalid git URL \"https://xxxxx@example.com/r.git\": the URL holds credentials"},
		{"password in url", "git: https://u:p4ss@example.com/r.git", "credentials"},
		{"ssh password", "git: ssh://git:p4ss@example.com/r.git" + kh, "the URL holds a password"},
		{"fragment", "git: https://example.com/r.git#main", "the URL has a fragment; use ref and subdir"},
		{"scheme", "git: ftp://example.com/r.git", "the scheme is not https, http, git or ssh"},
		{"no path", "git: https://example.com/", "no repository path"},
		{"ssh without known hosts", "git: git@example.com:r.git", "7:14: the ssh git URL \"git@example.com:r.git\" has no known-hosts"},
		{"agent on https", "git: https://example.com/r.git\n        ssh-agent: default", "8:20: ssh-agent with a git URL that is not ssh"},
		{"bad ref", "git: https://example.com/r.git\n        ref: a..b", "8:14: invalid git ref \"a..b\""},
		{"dash ref", "git: https://example.com/r.git\n        ref: --upload-pack=x", "invalid git ref"},
		{"short commit", "git: https://example.com/r.git\n        commit: abc123", "8:17: invalid commit \"abc123\": not a full commit sha"},
		{"subdir escapes", "git: https://example.com/r.git\n        subdir: ../x", "8:17: invalid subdir \"../x\": the subdir climbs out of the repository"},
		{"ref alone", "ref: main", "7:14: ref without git"},
		{"two sources", "git: https://example.com/r.git\n        context: c", "a copy has more than one source (context and git)"},
		{"bad secret id", "git: https://example.com/r.git\n        auth-token: a b", "8:21: invalid auth-token id"},
		{"bad known hosts", "git: git@example.com:r.git\n        known-hosts: nonsense", "8:22: invalid known-hosts"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := spec.Parse("mstage.yaml", []byte(base+tt.keys+"\n"))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error:\n%v\nwant it to contain %q", err, tt.want)
			}
			if err != nil && (strings.Contains(err.Error(), "tok3n") || strings.Contains(err.Error(), "p4ss")) {
				t.Errorf("the error prints the credential: %v", err)
			}
		})
	}
}

func TestGitURLWithUserinfoFromAnArgIsRejectedAtItsPosition(t *testing.T) {
	e := compileErr(t, "version: 1\nargs: {REPO: https://x:s3cret@example.com/r.git}\nruntimes:\n  r:\n    copy:\n      - git: ${REPO}\n        to: /src/\n", "r", nil)
	if e.Pos.Line != 6 || !strings.Contains(e.Msg, "credentials") || strings.Contains(e.Error(), "s3cret") {
		t.Errorf("userinfo from an arg: %v", e)
	}
}
