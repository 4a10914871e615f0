package spec

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		err  Error
		want string
	}{
		{Error{"mstage.yaml", Pos{3, 5}, "unknown key \"imge\"", "one of image, from", "image"},
			`mstage.yaml:3:5: unknown key "imge"; expected one of image, from; did you mean "image"?`},
		{Error{"mstage.yaml", Pos{1, 1}, "missing version", "", ""}, "mstage.yaml:1:1: missing version"},
		{Error{"", Pos{2, 3}, "bad", "", "x"}, `2:3: bad; did you mean "x"?`},
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
	if !errors.As(err, &one) || one.Pos != (Pos{3, 24}) {
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
	if got := Snippet(tabbed, &Error{Pos: Pos{2, 2}}); got != " 2 | \tb: 1\n   | \t^\n" {
		t.Errorf("Snippet with a tab = %q", got)
	}
	if got := Snippet(src, &Error{Pos: Pos{99, 1}}); got != "" {
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
