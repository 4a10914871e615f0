package spec

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// MaxErrors is how many errors one Parse or Expand reports before it stops
// listing them.
const MaxErrors = 20

// Error is one problem in a spec file, positioned at the offending node.
type Error struct {
	Filename   string
	Pos        Pos
	Msg        string // what is wrong
	Expected   string // what would be accepted, if that can be said briefly
	Suggestion string // the likely intended value ("did you mean")
}

// Error renders the error as `file:line:col: msg; expected ...; did you mean "x"?`.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Filename != "" {
		b.WriteString(e.Filename)
		b.WriteString(":")
	}
	if e.Pos.IsValid() {
		fmt.Fprintf(&b, "%d:%d:", e.Pos.Line, e.Pos.Col)
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	b.WriteString(e.Msg)
	if e.Expected != "" {
		b.WriteString("; expected ")
		b.WriteString(e.Expected)
	}
	if e.Suggestion != "" {
		fmt.Fprintf(&b, "; did you mean %q?", e.Suggestion)
	}
	return b.String()
}

// ErrorList is every problem found in a spec file, sorted by position.
type ErrorList []*Error

func (l ErrorList) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As find the individual errors.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// FirstError returns the first *Error err holds, alone or in an ErrorList,
// or nil.
func FirstError(err error) *Error {
	var list ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		return list[0]
	}
	var one *Error
	if errors.As(err, &one) {
		return one
	}
	return nil
}

// errorSink collects errors of one file.
type errorSink struct {
	filename string
	errs     []*Error
}

func (s *errorSink) add(pos Pos, msg, expected, suggestion string) {
	s.errs = append(s.errs, &Error{Filename: s.filename, Pos: pos, Msg: msg, Expected: expected, Suggestion: suggestion})
}

func (s *errorSink) empty() bool { return len(s.errs) == 0 }

// full reports whether enough errors were collected to stop looking.
func (s *errorSink) full() bool { return len(s.errs) > 4*MaxErrors }

// result returns the errors sorted by position, without exact duplicates and
// capped at MaxErrors, or nil.
func (s *errorSink) result() error {
	if len(s.errs) == 0 {
		return nil
	}
	errs := append([]*Error(nil), s.errs...)
	sort.SliceStable(errs, func(i, j int) bool {
		a, b := errs[i].Pos, errs[j].Pos
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
	out := ErrorList{}
	for _, e := range errs {
		if n := len(out); n > 0 && *out[n-1] == *e {
			continue
		}
		out = append(out, e)
	}
	if len(out) > MaxErrors {
		rest := len(out) - MaxErrors
		out = append(out[:MaxErrors:MaxErrors], &Error{Filename: s.filename, Pos: out[MaxErrors].Pos,
			Msg: fmt.Sprintf("too many errors (%d more not shown)", rest)})
	}
	return out
}

// Snippet renders the line of src that err points at, with a caret under
// its column:
//
//	12 |     imge: golang:1.26
//	   |     ^
func Snippet(src []byte, err *Error) string {
	if err == nil || !err.Pos.IsValid() {
		return ""
	}
	line, ok := sourceLine(src, err.Pos.Line)
	if !ok {
		return ""
	}
	num := fmt.Sprint(err.Pos.Line)
	gutter := strings.Repeat(" ", len(num))
	// Keep tabs in the padding so the caret lines up with tab-indented text.
	var pad strings.Builder
	col := 1
	for _, r := range line {
		if col >= err.Pos.Col {
			break
		}
		if r == '\t' {
			pad.WriteRune('\t')
		} else {
			pad.WriteRune(' ')
		}
		col++
	}
	for ; col < err.Pos.Col; col++ {
		pad.WriteRune(' ')
	}
	return fmt.Sprintf(" %s | %s\n %s | %s^\n", num, line, gutter, pad.String())
}

func sourceLine(src []byte, n int) (string, bool) {
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(src, '\n')
		if j < 0 {
			return "", false
		}
		src = src[j+1:]
	}
	if j := bytes.IndexByte(src, '\n'); j >= 0 {
		src = src[:j]
	}
	line := strings.TrimSuffix(string(src), "\r")
	if !utf8.ValidString(line) {
		line = strings.ToValidUTF8(line, "\uFFFD")
	}
	return line, true
}

// Suggest returns the candidate closest to word by edit distance, or "" when
// none is close enough to be a likely typo.
func Suggest(word string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		d := editDistance(word, c)
		if d > maxTypoDistance(word, c) {
			continue
		}
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

func maxTypoDistance(word, candidate string) int {
	n := max(utf8.RuneCountInString(word), utf8.RuneCountInString(candidate))
	switch {
	case n <= 3:
		return 1
	case n <= 8:
		return 2
	default:
		return n / 4
	}
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	if len(a) > 256 || len(b) > 256 {
		return max(len(a), len(b))
	}
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
