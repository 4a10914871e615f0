package llbgen

import (
	"strings"

	"github.com/moby/buildkit/client/llb"

	"github.com/mstage/mstage/spec"
)

// gitSource is the state of a git source: BuildKit clones the repository at
// the ref (verified against the commit when one pins it), keeps only the
// subdir, and reads credentials from the secrets and the ssh agent the
// source names, never from the URL. The op points at the git line.
func (c *compiler) gitSource(sc *stepCtx, g spec.GitSource) (llb.State, error) {
	n := g.Node
	u, err := spec.ParseGitURL(g.URL)
	if err != nil {
		return llb.State{}, c.errorAt(n.At("git"), "invalid git URL: %v", err)
	}
	var opts []llb.GitOption
	if g.Ref != "" {
		if err := spec.ParseGitRef(g.Ref); err != nil {
			return llb.State{}, c.errorAt(n.At("ref"), "invalid git ref %q: %v", g.Ref, err)
		}
		opts = append(opts, llb.GitRef(g.Ref))
	}
	if g.Commit != "" {
		sum, err := spec.ParseCommit(g.Commit)
		if err != nil {
			return llb.State{}, c.errorAt(n.At("commit"), "invalid commit %q: %v", g.Commit, err)
		}
		opts = append(opts, llb.GitChecksum(sum))
	}
	if g.Subdir != "" {
		dir, err := spec.ParseSubdir(g.Subdir)
		if err != nil {
			return llb.State{}, c.errorAt(n.At("subdir"), "invalid subdir %q: %v", g.Subdir, err)
		}
		opts = append(opts, llb.GitSubDir(dir))
	}
	if g.KeepGitDir {
		opts = append(opts, llb.KeepGitDir())
	}
	if g.AuthToken != "" {
		opts = append(opts, llb.AuthTokenSecret(g.AuthToken))
	}
	if g.AuthHeader != "" {
		opts = append(opts, llb.AuthHeaderSecret(g.AuthHeader))
	}
	if u.SSH {
		// The plan's value checks require known hosts for ssh, so llb.Git
		// never scans the host's keys from the frontend.
		if g.KnownHosts == "" {
			return llb.State{}, c.errorAt(n.At("git"), "the ssh git URL has no known-hosts")
		}
		opts = append(opts, llb.KnownSSHHosts(g.KnownHosts))
		agent := g.SSHAgent
		if agent == "" {
			agent = "default"
		}
		opts = append(opts, llb.MountSSHSock(agent))
	}
	for _, o := range c.constraints(sc.inst.plan.BuiltFor, plainName(sc.inst.plan.Name(), "ADD "+gitText(g)), n.At("git")) {
		opts = append(opts, o)
	}
	return llb.Git(u.Remote, "", opts...), nil
}

// gitText is how a git source shows in vertex names and the image history,
// as the Dockerfile's ADD of a git URL: URL#ref:subdir.
func gitText(g spec.GitSource) string {
	var b strings.Builder
	if g.KeepGitDir {
		b.WriteString("--keep-git-dir=true ")
	}
	if g.Commit != "" {
		b.WriteString("--checksum=" + strings.ToLower(g.Commit) + " ")
	}
	b.WriteString(g.URL)
	if g.Ref != "" || g.Subdir != "" {
		b.WriteString("#" + g.Ref)
		if g.Subdir != "" {
			b.WriteString(":" + g.Subdir)
		}
	}
	return b.String()
}
