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

// File is the file the error points into: the included file its position
// is in, else Filename.
func (e *Error) File() string {
	if e.Pos.File != "" {
		return e.Pos.File
	}
	return e.Filename
}

// Error renders the error as `file:line:col: msg; expected ...; did you mean "x"?`.
func (e *Error) Error() string {
	var b strings.Builder
	if file := e.File(); file != "" {
		b.WriteString(file)
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

// maxCollectedErrors is how many errors an errorSink keeps before it drops
// the rest; result sorts them by position and reports MaxErrors of them.
const maxCollectedErrors = 4 * MaxErrors

// maxErrorTextLen is the longest message, expectation or suggestion of one
// error, in bytes; a longer one keeps its start and end.
const maxErrorTextLen = 1 << 10

// maxCollectedErrorBytes bounds the text of the errors an errorSink keeps.
const maxCollectedErrorBytes = maxCollectedErrors * 3 * maxErrorTextLen

// errorSink collects errors of one file, at most maxCollectedErrors of them
// and maxCollectedErrorBytes of text; the others are counted, not kept.
type errorSink struct {
	filename string
	// file is the included file being read, stamped on the positions of
	// its errors; empty while the spec file itself is.
	file    string
	errs    []*Error
	bytes   int // text kept in errs
	dropped int
}

func (s *errorSink) add(pos Pos, msg, expected, suggestion string) {
	if s.full() {
		s.dropped++
		return
	}
	if pos.File == "" {
		pos.File = s.file
	}
	e := &Error{Filename: s.filename, Pos: pos, Msg: cutMiddle(msg), Expected: cutMiddle(expected), Suggestion: cutMiddle(suggestion)}
	s.bytes += len(e.Msg) + len(e.Expected) + len(e.Suggestion)
	s.errs = append(s.errs, e)
}

// addList adds the errors of list, as add does.
func (s *errorSink) addList(list ErrorList) {
	for _, e := range list {
		s.add(e.Pos, e.Msg, e.Expected, e.Suggestion)
	}
}

func (s *errorSink) empty() bool { return len(s.errs) == 0 && s.dropped == 0 }

// full reports whether the sink keeps no more errors, so callers can stop
// looking (and stop formatting messages).
func (s *errorSink) full() bool {
	return len(s.errs) >= maxCollectedErrors || s.bytes >= maxCollectedErrorBytes
}

// cutMiddle shortens text longer than maxErrorTextLen to its first and last
// bytes, on rune boundaries, saying how much was cut.
func cutMiddle(text string) string {
	if len(text) <= maxErrorTextLen {
		return text
	}
	keep := maxErrorTextLen/2 - 32
	head, tail := keep, len(text)-keep
	for head > 0 && !utf8.RuneStart(text[head]) {
		head--
	}
	for tail < len(text) && !utf8.RuneStart(text[tail]) {
		tail++
	}
	return fmt.Sprintf("%s... (%d bytes cut) ...%s", text[:head], tail-head, text[tail:])
}

// result returns the errors sorted by position, without exact duplicates and
// capped at MaxErrors, or nil.
func (s *errorSink) result() error {
	if len(s.errs) == 0 {
		if s.dropped > 0 { // cannot happen: the first error is always kept
			return ErrorList{{Filename: s.filename, Msg: fmt.Sprintf("%d errors", s.dropped)}}
		}
		return nil
	}
	errs := append([]*Error(nil), s.errs...)
	sort.SliceStable(errs, func(i, j int) bool {
		a, b := errs[i].Pos, errs[j].Pos
		if a.File != b.File {
			return a.File < b.File // the spec file ("") first
		}
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
	if len(out) > MaxErrors || s.dropped > 0 {
		if len(out) <= MaxErrors {
			out = append(out, &Error{Filename: s.filename, Pos: out[len(out)-1].Pos,
				Msg: fmt.Sprintf("too many errors (%d more not shown)", s.dropped)})
			return out
		}
		rest := len(out) - MaxErrors + s.dropped
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

// Limits on the work of Suggest: a typo is looked for only in words and
// candidates of at most maxSuggestLen bytes, among the first
// maxSuggestCandidates candidates of that length.
const (
	maxSuggestLen        = 64
	maxSuggestCandidates = 500
)

// Suggest returns the candidate closest to word by edit distance, or "" when
// none is close enough to be a likely typo. Its work is bounded: at most
// maxSuggestCandidates comparisons of at most maxSuggestLen bytes each, each
// costing at most maxSuggestLen times the allowed distance.
func Suggest(word string, candidates []string) string {
	if len(word) > maxSuggestLen {
		return ""
	}
	best, bestDist := "", -1
	compared := 0
	for _, c := range candidates {
		if len(c) > maxSuggestLen {
			continue
		}
		limit := maxTypoDistance(word, c)
		if abs(utf8.RuneCountInString(word)-utf8.RuneCountInString(c)) > limit {
			continue
		}
		if compared++; compared > maxSuggestCandidates {
			break
		}
		d := editDistance(word, c, limit)
		if d > limit {
			continue
		}
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
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

// editDistance is the Levenshtein distance between a and b, in runes, or
// some number above limit when it is above limit: a row whose every entry
// is above limit ends the computation.
func editDistance(a, b string, limit int) int {
	if len(a) > maxSuggestLen || len(b) > maxSuggestLen {
		return max(len(a), len(b), limit+1)
	}
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
