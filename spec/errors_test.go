package spec

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		err  Error
		want string
	}{
		{Error{"mstage.yaml", Pos{Line: 3, Col: 5}, "unknown key \"imge\"", "one of image, from", "image"},
			`mstage.yaml:3:5: unknown key "imge"; expected one of image, from; did you mean "image"?`},
		{Error{"mstage.yaml", Pos{Line: 1, Col: 1}, "missing version", "", ""}, "mstage.yaml:1:1: missing version"},
		{Error{"", Pos{Line: 2, Col: 3}, "bad", "", "x"}, `2:3: bad; did you mean "x"?`},
		{Error{"f.yaml", Pos{}, "too big", "", ""}, "f.yaml: too big"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestErrorListSortedAndCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\nbuilders:\n")
	for i := range 30 {
		fmt.Fprintf(&b, "  b%d: {image: golang, imgae: x}\n", 29-i)
	}
	_, err := Parse("mstage.yaml", []byte(b.String()))
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("error %v", err)
	}
	if len(list) != MaxErrors+1 {
		t.Fatalf("%d errors, want %d and a last line saying how many more", len(list), MaxErrors+1)
	}
	for i := 1; i < MaxErrors; i++ {
		if list[i].Pos.Line <= list[i-1].Pos.Line {
			t.Errorf("errors not sorted: %v after %v", list[i].Pos, list[i-1].Pos)
		}
	}
	if got := list[MaxErrors].Msg; got != "too many errors (10 more not shown)" {
		t.Errorf("last error %q", got)
	}
	if lines := strings.Count(err.Error(), "\n"); lines != MaxErrors {
		t.Errorf("Error() has %d newlines, want one line per error", lines)
	}
	var one *Error
	if !errors.As(err, &one) || one.Pos != (Pos{Line: 3, Col: 24}) {
		t.Errorf("errors.As(*Error) = %v", one)
	}
}

func TestSnippet(t *testing.T) {
	src := []byte("version: 1\nbuilders:\n  go:\n    imge: golang\n")
	_, err := Parse("mstage.yaml", src)
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v", err)
	}
	want := " 4 |     imge: golang\n   |     ^\n"
	if got := Snippet(src, e); got != want {
		t.Errorf("Snippet:\n%s\nwant:\n%s", got, want)
	}
	tabbed := []byte("a:\n\tb: 1\n")
	if got := Snippet(tabbed, &Error{Pos: Pos{Line: 2, Col: 2}}); got != " 2 | \tb: 1\n   | \t^\n" {
		t.Errorf("Snippet with a tab = %q", got)
	}
	if got := Snippet(src, &Error{Pos: Pos{Line: 99, Col: 1}}); got != "" {
		t.Errorf("Snippet past the end = %q", got)
	}
}

func TestSuggest(t *testing.T) {
	tests := []struct {
		word       string
		candidates []string
		want       string
	}{
		{"imge", []string{"image", "from"}, "image"},
		{"biulder", []string{"builder", "builders"}, "builder"},
		{"xyz", []string{"image", "from"}, ""},
		{"go", []string{"app"}, ""},
	}
	for _, tt := range tests {
		if got := Suggest(tt.word, tt.candidates); got != tt.want {
			t.Errorf("Suggest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}

// TestErrorSinkIsBounded adds far more and far longer errors than a sink
// keeps: it keeps maxCollectedErrors of at most maxErrorTextLen bytes of
// each text, counts the rest, and reports MaxErrors of them and how many
// more there were.
func TestErrorSinkIsBounded(t *testing.T) {
	s := &errorSink{filename: "mstage.yaml"}
	long := strings.Repeat("é", 32<<10) // 64 KiB of two-byte runes
	for i := range 10_000 {
		s.add(Pos{Line: i + 1, Col: 1}, long, long, long)
	}
	if len(s.errs) > maxCollectedErrors || s.bytes > maxCollectedErrorBytes+3*maxErrorTextLen {
		t.Errorf("kept %d errors of %d bytes", len(s.errs), s.bytes)
	}
	for _, e := range s.errs {
		if len(e.Msg) > maxErrorTextLen || !utf8.ValidString(e.Msg) || !strings.Contains(e.Msg, "bytes cut") {
			t.Fatalf("message of %d bytes: %.80q", len(e.Msg), e.Msg)
		}
	}
	var list ErrorList
	if !errors.As(s.result(), &list) || len(list) != MaxErrors+1 {
		t.Fatalf("result has %d errors", len(list))
	}
	if got, want := list[MaxErrors].Msg, fmt.Sprintf("too many errors (%d more not shown)", 10_000-MaxErrors); got != want {
		t.Errorf("last error %q, want %q", got, want)
	}
}

// TestSuggestIsBounded checks that "did you mean" skips long words and
// candidates and stops after maxSuggestCandidates comparisons, and still
// finds typos among short names.
func TestSuggestIsBounded(t *testing.T) {
	long := strings.Repeat("x", 200)
	if got := Suggest(long+"y", []string{long}); got != "" {
		t.Errorf("Suggest of a 201-byte word = %q", got)
	}
	if got := Suggest("builder", []string{long, "bulider"}); got != "bulider" {
		t.Errorf("Suggest = %q, want bulider", got)
	}
	var many []string
	for i := range 100_000 {
		many = append(many, fmt.Sprintf("%060d", i))
	}
	start := time.Now()
	for range 20 {
		Suggest(strings.Repeat("9", 60), many)
	}
	if took := time.Since(start) / 20; took > 50*time.Millisecond {
		t.Errorf("Suggest among 100,000 names of 60 bytes took %v", took)
	}
}
