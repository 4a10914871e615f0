package spec

import (
	"errors"
	"fmt"
	"math"
	"path"
	"strconv"
	"strings"

	"github.com/containerd/platforms"
	"github.com/distribution/reference"
)

// checkValues checks the format of the parsed values that may hold ${VAR};
// values with a variable wait for expansion (StageExpander checks them).
func checkValues(s *Spec, errs *errorSink) {
	c := valueChecker{errs: errs}
	c.platforms(s.Platforms)
	for _, st := range s.Stages() {
		checkStageValues(c, st)
	}
}

func checkStageValues(c valueChecker, st *Stage) {
	if st.Has("image") {
		c.image(st.Image, st.At("image"))
	}
	if st.Has("platform") {
		c.platform(st.Platform, st.At("platform"), st.Kind == KindBuilder)
	}
	c.platforms(st.Platforms)
	c.path(st.Workdir, st.At("workdir"), "workdir")
	for _, o := range st.Outputs {
		c.output(o)
	}
	for _, step := range st.Steps {
		c.platforms(step.Platforms)
		c.path(step.Workdir, step.At("workdir"), "workdir")
		for _, m := range step.Mounts {
			c.path(m.Target, m.At("target"), "mount target")
			c.mountTarget(m)
			if m.Type == MountCache && m.Has("id") {
				c.cacheID(m.ID, m.At("id"))
			}
			c.path(m.Src, m.At("src"), "mount src")
			if m.Image != "" {
				c.image(m.Image, m.At("image"))
			}
			c.urlSource(m.Node, m.URL, m.SHA256, m.Filename)
			c.gitSource(m.GitSource())
			if m.Has("mode") {
				c.mode(m.Mode, m.At("mode"), "mode")
			}
		}
		if step.Copy != nil {
			c.copy(step.Copy)
		}
	}
	for _, cp := range st.Copy {
		c.copy(cp)
	}
	for _, e := range st.Expose {
		c.expose(e)
	}
}

type valueChecker struct {
	errs     *errorSink
	expanded bool
}

// skip reports whether value must wait for expansion to be checked.
func (c valueChecker) skip(value string) bool {
	return !c.expanded && strings.Contains(value, "$")
}

func (c valueChecker) image(ref string, pos Pos) {
	if c.skip(ref) {
		return
	}
	if err := checkImageRef(ref); err != nil {
		c.errs.add(pos, fmt.Sprintf("invalid image reference %q: %v", ref, err), "a reference such as golang:1.26 or registry.example.com/team/base@sha256:...", "")
	}
}

func checkImageRef(ref string) error {
	if ref == "scratch" {
		return nil
	}
	if ref == "" {
		return errors.New("empty reference")
	}
	_, err := reference.ParseNormalizedNamed(ref)
	return err
}

func (c valueChecker) platform(value string, pos Pos, allowExplicit bool) {
	if c.skip(value) || value == PlatformBuild || value == PlatformTarget {
		return
	}
	if !allowExplicit {
		c.errs.add(pos, fmt.Sprintf("invalid platform %q", value), "build or target", Suggest(value, []string{PlatformBuild, PlatformTarget}))
		return
	}
	if err := checkPlatform(value); err != nil {
		c.errs.add(pos, fmt.Sprintf("invalid platform %q: %v", value, err), "build, target or os/arch[/variant] such as linux/arm64", Suggest(value, []string{PlatformBuild, PlatformTarget}))
	}
}

// specPlatform checks an entry of the top-level platforms: what a build is
// for when the client names no platform. The frontend parses them as they
// are written, so build, target and ${VAR}, which only a stage's platform
// understands, are errors here rather than in the build.
func (c valueChecker) specPlatform(value string, pos Pos) {
	const expected = "os/arch[/variant] such as linux/arm64"
	switch {
	case value == PlatformBuild || value == PlatformTarget:
		c.errs.add(pos, fmt.Sprintf("platforms: %q is a stage platform, not one to build for; it belongs in a builder's or artifact's platform", value), expected, "")
	case strings.Contains(value, "$"):
		c.errs.add(pos, fmt.Sprintf("platforms: %q: variables are not expanded in platforms", value), expected, "")
	default:
		if err := checkPlatform(value); err != nil {
			c.errs.add(pos, fmt.Sprintf("invalid platform %q: %v", value, err), expected, "")
		}
	}
}

// platforms checks the spec's platforms list: each platform, at most
// MaxPlatforms of them, none twice.
func (c valueChecker) platforms(list []String) {
	first := map[string]Pos{}
	for i, p := range list {
		if i == MaxPlatforms {
			c.errs.add(p.Pos, fmt.Sprintf("more than %d platforms", MaxPlatforms), "fewer platforms", "")
			return
		}
		c.specPlatform(p.Value, p.Pos)
		if c.skip(p.Value) {
			continue
		}
		parsed, err := platforms.Parse(p.Value)
		if err != nil {
			continue
		}
		key := platforms.FormatAll(platforms.Normalize(parsed))
		if at, dup := first[key]; dup {
			c.errs.add(p.Pos, fmt.Sprintf("platform %s is listed twice (first at %s)", shorten(p.Value), at), "each platform once", "")
			continue
		}
		first[key] = p.Pos
	}
}

func checkPlatform(value string) error {
	if !strings.Contains(value, "/") {
		return errors.New("no architecture")
	}
	if _, err := platforms.Parse(value); err != nil {
		// containerd repeats the specifier; keep only the reason.
		return errors.New(strings.TrimPrefix(err.Error(), strconv.Quote(value)+": "))
	}
	return nil
}

// path reports a path that climbs out of its root with "..".
func (c valueChecker) path(p string, pos Pos, what string) {
	if p == "" || c.skip(p) {
		return
	}
	if escapesRoot(p) {
		c.errs.add(pos, fmt.Sprintf("%s %q escapes the root with ..", what, p), "a path that stays inside its root", "")
	}
}

// mountTarget rejects a mount over the root directory, which would hide
// the step's whole filesystem. A relative target that resolves to / against
// the workdir is rejected by the plan, which knows the workdir.
func (c valueChecker) mountTarget(m *Mount) {
	if m.Target == "" || c.skip(m.Target) || !strings.HasPrefix(m.Target, "/") || path.Clean(m.Target) != "/" {
		return
	}
	c.errs.add(m.At("target"), fmt.Sprintf("mount target %q is the root directory", m.Target), "a directory below /, such as /cache", "")
}

func escapesRoot(p string) bool {
	depth := 0
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "", ".":
		case "..":
			depth--
			if depth < 0 {
				return true
			}
		default:
			depth++
		}
	}
	return false
}

// cacheID checks the id of a cache mount (an empty id means the target).
func (c valueChecker) cacheID(id string, pos Pos) {
	if c.skip(id) {
		return
	}
	if err := CheckCacheIDPart(id); err != nil {
		c.errs.add(pos, fmt.Sprintf("cache id %s %v", shorten(id), err), "an id such as go-build or team/npm", "")
	}
}

func (c valueChecker) output(o String) {
	if c.skip(o.Value) {
		return
	}
	if !strings.HasPrefix(o.Value, "/") {
		c.errs.add(o.Pos, fmt.Sprintf("output %q is not an absolute path", o.Value), "an absolute path in the builder, such as /out/app", "")
		return
	}
	if escapesRoot(o.Value) {
		c.errs.add(o.Pos, fmt.Sprintf("output %q escapes the root with ..", o.Value), "a path that stays inside its root", "")
		return
	}
	if strings.Trim(o.Value, "/") == "" {
		c.errs.add(o.Pos, "output / is the whole filesystem", "a file or directory such as /out/app or /out/", "")
	}
}

func (c valueChecker) copy(cp *Copy) {
	if cp.Has("image") {
		c.image(cp.Image, cp.At("image"))
	}
	c.urlSource(cp.Node, cp.URL, cp.SHA256, cp.Filename)
	c.gitSource(cp.GitSource())
	c.path(cp.To, cp.At("to"), "to")
	for _, src := range cp.Src {
		c.path(src.Value, src.Pos, "src")
	}
	if cp.Has("chmod") {
		c.chmod(cp.Chmod, cp.At("chmod"))
	}
	if cp.Has("chown") && !c.skip(cp.Chown) && !validChown(cp.Chown) {
		c.errs.add(cp.At("chown"), fmt.Sprintf("invalid chown %q", cp.Chown), "user[:group], by name or number, such as 1000:1000", "")
	}
}

// urlSource checks the values of a url source, a copy's or a bind mount's.
func (c valueChecker) urlSource(n Node, url, sha256, filename string) {
	if n.Has("url") && !c.skip(url) {
		if _, err := ParseURL(url); err != nil {
			c.errs.add(n.At("url"), fmt.Sprintf("invalid url %s: %v", shorten(redactURL(url)), err), expectedURL, redactURL(suggestURL(url)))
		}
	}
	if n.Has("sha256") && !c.skip(sha256) {
		if _, err := ParseSHA256(sha256); err != nil {
			c.errs.add(n.At("sha256"), fmt.Sprintf("invalid sha256 %s: %v", shorten(sha256), err), expectedSHA256, suggestSHA256(sha256))
		}
	}
	if n.Has("filename") && !c.skip(filename) {
		if _, err := ParseFilename(filename); err != nil {
			c.errs.add(n.At("filename"), fmt.Sprintf("invalid filename %s: %v", shorten(filename), err), expectedFilename, suggestFilename(filename))
		}
	}
}

// gitSource checks the values of a git source, a copy's or a bind mount's.
func (c valueChecker) gitSource(g GitSource) {
	n := g.Node
	if !n.Has("git") {
		return
	}
	if !c.skip(g.URL) {
		u, err := ParseGitURL(g.URL)
		switch {
		case err != nil:
			c.errs.add(n.At("git"), fmt.Sprintf("invalid git URL %s: %v", shorten(redactGitURL(g.URL)), err), expectedGitURL, "")
		case u.SSH && !n.Has("known-hosts"):
			c.errs.add(n.At("git"), fmt.Sprintf("the ssh git URL %s has no known-hosts", shorten(g.URL)), "known-hosts: the host's keys, as ssh-keyscan HOST prints them, so that the host is verified", "")
		case !u.SSH:
			for _, key := range []string{"ssh-agent", "known-hosts"} {
				if n.Has(key) {
					c.errs.add(n.At(key), fmt.Sprintf("%s with a git URL that is not ssh", key), "an ssh:// or user@host:path URL, or no "+key, "")
				}
			}
		}
	}
	if n.Has("ref") && !c.skip(g.Ref) {
		if err := ParseGitRef(g.Ref); err != nil {
			c.errs.add(n.At("ref"), fmt.Sprintf("invalid git ref %s: %v", shorten(g.Ref), err), expectedGitRef, "")
		}
	}
	if n.Has("commit") && !c.skip(g.Commit) {
		if _, err := ParseCommit(g.Commit); err != nil {
			c.errs.add(n.At("commit"), fmt.Sprintf("invalid commit %s: %v", shorten(g.Commit), err), expectedCommit, "")
		} else if IsCommit(g.Ref) && !strings.EqualFold(g.Ref, g.Commit) {
			c.errs.add(n.At("commit"), fmt.Sprintf("commit %s differs from ref %s, itself a commit", g.Commit, g.Ref), "one commit, in ref or in commit", "")
		}
	}
	if n.Has("subdir") && !c.skip(g.Subdir) {
		if _, err := ParseSubdir(g.Subdir); err != nil {
			c.errs.add(n.At("subdir"), fmt.Sprintf("invalid subdir %s: %v", shorten(g.Subdir), err), expectedSubdir, "")
		}
	}
	for key, id := range map[string]string{"auth-token": g.AuthToken, "auth-header": g.AuthHeader, "ssh-agent": g.SSHAgent} {
		if n.Has(key) {
			if err := ParseSecretID(id); err != nil {
				c.errs.add(n.At(key), fmt.Sprintf("invalid %s id %s: %v", key, shorten(id), err), expectedSecretID, "")
			}
		}
	}
	if n.Has("known-hosts") {
		if err := ParseKnownHosts(g.KnownHosts); err != nil {
			c.errs.add(n.At("known-hosts"), fmt.Sprintf("invalid known-hosts: %v", err), "known_hosts lines: host keytype key, as ssh-keyscan prints them", "")
		}
	}
}

// mode checks a mount's octal mode; chmod checks a copy's mode, which may
// also be symbolic. Both use the parsers llbgen compiles with.
func (c valueChecker) mode(value string, pos Pos, what string) {
	if c.skip(value) {
		return
	}
	if _, err := ParseMode(value); err != nil {
		c.errs.add(pos, fmt.Sprintf("invalid %s %q: %v", what, value, err), expectedMode, suggestMode(value))
	}
}

func (c valueChecker) chmod(value string, pos Pos) {
	if c.skip(value) {
		return
	}
	if _, err := ParseChmod(value); err != nil {
		c.errs.add(pos, fmt.Sprintf("invalid chmod %q: %v", value, err), expectedChmod, suggestMode(value))
	}
}

func validChown(s string) bool {
	user, group, hasGroup := strings.Cut(s, ":")
	if !validOwner(user) {
		return false
	}
	return !hasGroup || validOwner(group)
}

func validOwner(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_':
		case i > 0 && (r == '-' || r == '.' || r == '$'):
		default:
			return false
		}
	}
	return true
}

func (c valueChecker) expose(e String) {
	if c.skip(e.Value) {
		return
	}
	if _, err := ParseExpose(e.Value); err != nil {
		c.errs.add(e.Pos, fmt.Sprintf("invalid port %q: %v", e.Value, err), "a port like 8080, 8080/tcp, 53/udp or a range such as 8000-8010", "")
	}
}

func validSignal(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '+', r == '-':
		default:
			return false
		}
	}
	return true
}

// ParseSize returns the bytes of a size such as 64m, 1g or 512MiB: a
// whole number with an optional k, m, g or t (binary multiples, optionally
// followed by i and b). A size that does not fit in an int64 is an error,
// not a negative number.
func ParseSize(s string) (int64, error) {
	n := strings.TrimSuffix(strings.ToLower(s), "b")
	n = strings.TrimSuffix(n, "i")
	shift := 0
	if l := len(n); l > 0 {
		if i := strings.IndexByte("kmgt", n[l-1]); i >= 0 {
			shift, n = 10*(i+1), n[:l-1]
		}
	}
	if n == "" || strings.Trim(n, "0123456789") != "" {
		return 0, errors.New("not a whole number of bytes with an optional k, m, g or t")
	}
	v, err := strconv.ParseInt(n, 10, 64)
	if err != nil || v > math.MaxInt64>>shift {
		return 0, fmt.Errorf("more than %d bytes", int64(math.MaxInt64))
	}
	return v << shift, nil
}
