package spec

import (
	"errors"
	"net/url"
	"path"
	"strings"
)

// Expected spellings of URL source values, for error messages.
const (
	expectedURL      = "an http:// or https:// URL with a host, such as https://example.com/tool.tar.gz"
	expectedSHA256   = "the file's sha256: 64 hex digits, such as the output of sha256sum"
	expectedFilename = "a file name without /, such as tool.tar.gz"
)

// ParseURL parses the URL of a url copy source: http or https, with a host,
// without userinfo (credentials would end up in the LLB and the cache key)
// and without a fragment.
func ParseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, errors.New("not a URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, errors.New("the scheme is not http or https")
	case u.Host == "" || u.Hostname() == "":
		return nil, errors.New("the URL has no host")
	case u.User != nil:
		return nil, errors.New("the URL holds credentials (userinfo)")
	case u.Fragment != "" || strings.Contains(s, "#"):
		return nil, errors.New("the URL has a fragment")
	}
	return u, nil
}

// suggestURL proposes a URL with a misspelled scheme corrected.
func suggestURL(s string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return ""
	}
	if best := Suggest(strings.ToLower(scheme), []string{"http", "https"}); best != "" {
		return best + "://" + rest
	}
	return ""
}

// ParseSHA256 parses the checksum of a url copy source: 64 hex digits,
// returned in lower case.
func ParseSHA256(s string) (string, error) {
	if len(s) != 64 {
		return "", errors.New("not 64 hex digits")
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
			return "", errors.New("not 64 hex digits")
		}
	}
	return strings.ToLower(s), nil
}

// suggestSHA256 proposes the checksum without an algorithm prefix.
func suggestSHA256(s string) string {
	for _, prefix := range []string{"sha256:", "sha256="} {
		if rest, ok := strings.CutPrefix(strings.ToLower(s), prefix); ok {
			if _, err := ParseSHA256(rest); err == nil {
				return rest
			}
		}
	}
	return ""
}

// ParseFilename checks the file name of a url copy source.
func ParseFilename(s string) (string, error) {
	switch {
	case s == "", s == ".", s == "..":
		return "", errors.New("not a file name")
	case strings.ContainsAny(s, "/\\\x00"):
		return "", errors.New("the name holds a path separator")
	}
	return s, nil
}

// URLFilename is the name a url copy source's file gets: filename if set,
// else the last segment of the URL's path, else "download".
func URLFilename(u *url.URL, filename string) string {
	if filename != "" {
		return filename
	}
	base := path.Base(u.Path)
	if name, err := ParseFilename(base); err == nil {
		return name
	}
	return "download"
}

// redactURL hides the password of a URL that holds one, so that an error
// message does not print it.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s
	}
	return u.Redacted()
}

// suggestFilename proposes the last segment of a name that holds a path.
func suggestFilename(s string) string {
	base := path.Base(strings.ReplaceAll(s, "\\", "/"))
	if _, err := ParseFilename(base); err != nil || base == s {
		return ""
	}
	return base
}
