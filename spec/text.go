package spec

import "fmt"

// expectedText is what checkText accepts, for error messages.
const expectedText = "text without control characters (tabs and line breaks are allowed)"

// checkText rejects NUL and the other control characters (U+0000 to
// U+001F, U+007F and U+0080 to U+009F) except tab, line feed and carriage
// return. A file cannot hold a NUL byte, but a YAML escape such as "\0" or
// "\x1b" can put one in a value, where it would cut an environment
// variable, a path or an argument short, or reach a terminal.
func checkText(s string) error {
	for i, r := range s {
		if r == '\t' || r == '\n' || r == '\r' {
			continue
		}
		if r < 0x20 || r >= 0x7f && r <= 0x9f {
			return fmt.Errorf("holds the control character %U at byte %d", r, i)
		}
	}
	return nil
}
