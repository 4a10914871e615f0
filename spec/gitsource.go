package spec

import (
	"errors"
	"path"
	"strings"

	"github.com/moby/buildkit/util/gitutil"
)

// Expected spellings of git source values, for error messages.
const (
	expectedGitURL   = "a repository URL such as https://example.com/org/repo.git, git://host/repo.git, ssh://git@host/org/repo.git or git@host:org/repo.git"
	expectedGitRef   = "a tag, branch or commit such as v1.2.0, main or a full commit sha"
	expectedCommit   = "a full commit sha: 40 hex digits (64 in a sha256 repository), as git rev-parse prints it"
	expectedSubdir   = "a directory of the repository, such as docs or cmd/app"
	expectedSecretID = "a secret id such as GIT_AUTH_TOKEN: letters, digits, '.', '_' and '-'"
)

// GitURL is a parsed git repository URL.
type GitURL struct {
	// Remote is the URL BuildKit clones from.
	Remote string
	// SSH reports whether the repository is reached over ssh (ssh:// or
	// user@host:path), which needs an agent and known hosts.
	SSH bool
}

// ParseGitURL parses the URL of a git source. Credentials never go in the
// URL (they would end up in the LLB and the cache key): a token comes from
// a secret, an ssh key from the forwarded agent. So http(s) and git URLs
// take no userinfo, and ssh URLs only a user name. A fragment (#ref:subdir)
// or a query is an error: ref and subdir have their own keys.
func ParseGitURL(s string) (GitURL, error) {
	if strings.HasPrefix(s, "-") {
		return GitURL{}, errors.New("the URL starts with -")
	}
	u, err := gitutil.ParseURL(s)
	if err != nil {
		if errors.Is(err, gitutil.ErrInvalidProtocol) {
			return GitURL{}, errors.New("the scheme is not https, http, git or ssh")
		}
		return GitURL{}, errors.New("not a git URL")
	}
	switch {
	case u.Host == "" || strings.HasPrefix(u.Host, "-"):
		return GitURL{}, errors.New("the URL has no host")
	case strings.Trim(u.Path, "/") == "":
		return GitURL{}, errors.New("the URL has no repository path")
	case u.User != nil && u.Scheme != gitutil.SSHProtocol:
		return GitURL{}, errors.New("the URL holds credentials (userinfo); give a token through the GIT_AUTH_TOKEN secret (or auth-token) instead")
	case u.User != nil && hasPassword(u):
		return GitURL{}, errors.New("the URL holds a password; use the forwarded ssh agent (ssh-agent) instead")
	case u.Opts != nil || strings.Contains(s, "#"):
		return GitURL{}, errors.New("the URL has a fragment; use ref and subdir")
	case u.Query != nil:
		return GitURL{}, errors.New("the URL has a query")
	}
	return GitURL{Remote: u.Remote, SSH: u.Scheme == gitutil.SSHProtocol}, nil
}

func hasPassword(u *gitutil.GitURL) bool {
	_, ok := u.User.Password()
	return ok
}

// redactGitURL hides the userinfo of a git URL, so that an error message
// does not print a token.
func redactGitURL(s string) string {
	u, err := gitutil.ParseURL(s)
	if err != nil || u.User == nil {
		return s
	}
	if i := strings.LastIndex(s, "@"); i >= 0 {
		if j := strings.Index(s, "://"); j >= 0 && j < i {
			return s[:j+3] + "xxxxx" + s[i:]
		}
		return "xxxxx" + s[i:]
	}
	return s
}

// ParseGitRef checks a git ref: a tag, a branch (either may be written in
// full, refs/tags/v1) or a commit, as git check-ref-format would accept it.
func ParseGitRef(s string) error {
	switch {
	case s == "":
		return errors.New("the ref is empty")
	case strings.HasPrefix(s, "-"):
		return errors.New("the ref starts with -")
	case strings.Contains(s, ".."), strings.Contains(s, "@{"), strings.Contains(s, "//"):
		return errors.New("the ref holds .., @{ or //")
	case strings.HasPrefix(s, "/"), strings.HasSuffix(s, "/"), strings.HasSuffix(s, "."), strings.HasSuffix(s, ".lock"):
		return errors.New("the ref starts or ends with / or ends with . or .lock")
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || strings.ContainsRune("~^:?*[\\", r) {
			return errors.New("the ref holds a space, a control character, or one of ~ ^ : ? * [ or a backslash")
		}
	}
	return nil
}

// ParseCommit parses a full commit sha (sha1 or sha256), returned in lower
// case.
func ParseCommit(s string) (string, error) {
	if !IsCommit(s) {
		return "", errors.New("not a full commit sha (40 or 64 hex digits)")
	}
	return strings.ToLower(s), nil
}

// IsCommit reports whether s is a full commit sha, which pins a ref by
// itself.
func IsCommit(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
			return false
		}
	}
	return true
}

// ParseSubdir cleans the subdir of a git source: a relative directory that
// stays inside the repository.
func ParseSubdir(s string) (string, error) {
	clean := path.Clean("/" + s)
	switch {
	case s == "":
		return "", errors.New("the subdir is empty")
	case escapesRoot("/" + s):
		return "", errors.New("the subdir climbs out of the repository (..)")
	case clean == "/":
		return "", errors.New("the subdir is the repository's root")
	}
	return strings.TrimPrefix(clean, "/"), nil
}

// ParseSecretID checks the id of a secret that a git source reads.
func ParseSecretID(s string) error {
	if s == "" {
		return errors.New("the id is empty")
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return errors.New("the id holds a character other than letters, digits, '.', '_' and '-'")
		}
	}
	return nil
}

// ParseKnownHosts checks the known_hosts text of an ssh git source: lines
// of "host keytype key", blank lines and comments.
func ParseKnownHosts(s string) error {
	n := 0
	for line := range strings.SplitSeq(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if len(strings.Fields(line)) < 3 {
			return errors.New("a line is not \"host keytype key\"")
		}
		n++
	}
	if n == 0 {
		return errors.New("no host key")
	}
	return nil
}
