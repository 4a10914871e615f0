package spec

import (
	"errors"
	"os"
	"strconv"
	"strings"

	mode "github.com/tonistiigi/dchapes-mode"
)

// Mode is a parsed copy chmod: octal permission bits, or a symbolic mode
// that BuildKit applies to each copied file.
type Mode struct {
	Perm     os.FileMode // when Symbolic is empty
	Symbolic string      // such as u+x or a=rX
}

// Expected spellings of mode values, for error messages.
const (
	expectedMode  = "an octal mode up to 07777 such as 0755 or 644"
	expectedChmod = "an octal mode up to 07777 such as 0755 or 644, or a symbolic mode such as u+x or a=rX"
)

// ParseMode parses an octal file mode as BuildKit's Dockerfile frontend
// does (strconv.ParseUint base 8): "755" and "0755" are accepted, "0o755"
// is not. Modes above 07777 are rejected.
func ParseMode(s string) (os.FileMode, error) {
	m, err := strconv.ParseUint(s, 8, 32)
	if err != nil || m > 0o7777 {
		return 0, modeError(s)
	}
	return os.FileMode(m), nil
}

// ParseChmod parses a copy chmod: an octal mode as ParseMode, or a symbolic
// mode that BuildKit's copy accepts (what COPY --chmod accepts, checked with
// the same parser).
func ParseChmod(s string) (Mode, error) {
	if perm, err := ParseMode(s); err == nil {
		return Mode{Perm: perm}, nil
	}
	if _, err := mode.Parse(s); err != nil {
		var num *strconv.NumError
		if errors.As(err, &num) || s == "" || s[0] >= '0' && s[0] <= '9' {
			return Mode{}, modeError(s)
		}
		return Mode{}, errors.New("not a symbolic mode")
	}
	return Mode{Symbolic: s}, nil
}

// modeError explains a numeric mode BuildKit does not accept.
func modeError(s string) error {
	if strings.HasPrefix(strings.ToLower(s), "0o") {
		return errors.New("BuildKit does not accept the 0o prefix")
	}
	return errors.New("not an octal mode up to 07777")
}

// suggestMode proposes the spelling BuildKit accepts for a 0o-prefixed mode.
func suggestMode(s string) string {
	if rest, ok := strings.CutPrefix(strings.ToLower(s), "0o"); ok {
		if _, err := ParseMode(rest); err == nil {
			return "0" + strings.TrimLeft(rest, "0")
		}
	}
	return ""
}
