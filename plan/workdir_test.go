package plan

import "testing"

func TestAbsPath(t *testing.T) {
	for in, want := range map[string]string{"/src": "/src", "sub/": "/w/sub/", "": "/w", "../x": "/x", "./": "/w/"} {
		if got := AbsPath("/w", in); got != want {
			t.Errorf("AbsPath(/w, %q) = %q, want %q", in, got, want)
		}
	}
}
