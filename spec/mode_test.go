package spec

import (
	"os"
	"testing"
)

// TestParseMode pins the spellings BuildKit accepts: its Dockerfile
// frontend parses numeric modes with strconv.ParseUint(s, 8, 32), so "755"
// and "0755" pass and "0o755" does not; COPY --chmod also takes symbolic
// modes through github.com/tonistiigi/dchapes-mode, which mount modes do not.
func TestParseMode(t *testing.T) {
	for _, tt := range []struct {
		in        string
		mode      os.FileMode // octal result, for ParseMode and ParseChmod
		symbolic  bool        // accepted by ParseChmod only, as a mode string
		wantError bool
	}{
		{in: "755", mode: 0o755},
		{in: "0755", mode: 0o755},
		{in: "0644", mode: 0o644},
		{in: "4755", mode: 0o4755},
		{in: "07777", mode: 0o7777},
		{in: "0", mode: 0},
		{in: "0o755", wantError: true},
		{in: "0O755", wantError: true},
		{in: "0x1ed", wantError: true},
		{in: "0789", wantError: true},
		{in: "10000", wantError: true},
		{in: "-755", wantError: true},
		{in: "", wantError: true},
		{in: "u+x", symbolic: true},
		{in: "a=rX", symbolic: true},
		{in: "u=rwx,go=rx", symbolic: true},
		{in: "+x", symbolic: true},
		{in: "x", wantError: true},
		{in: "u+q", wantError: true},
	} {
		m, err := ParseMode(tt.in)
		switch {
		case tt.symbolic || tt.wantError:
			if err == nil {
				t.Errorf("ParseMode(%q) = %o, want an error", tt.in, m)
			}
		case err != nil || m != tt.mode:
			t.Errorf("ParseMode(%q) = %o, %v; want %o", tt.in, m, err, tt.mode)
		}
		cm, err := ParseChmod(tt.in)
		switch {
		case tt.wantError:
			if err == nil {
				t.Errorf("ParseChmod(%q) = %+v, want an error", tt.in, cm)
			}
		case tt.symbolic:
			if err != nil || cm.Symbolic != tt.in {
				t.Errorf("ParseChmod(%q) = %+v, %v; want the symbolic mode", tt.in, cm, err)
			}
		case err != nil || cm != (Mode{Perm: tt.mode}):
			t.Errorf("ParseChmod(%q) = %+v, %v; want %o", tt.in, cm, err, tt.mode)
		}
	}
}

// FuzzParseChmod: the mode parsers never panic, and what they accept is
// what BuildKit accepts: octal up to 07777, or a symbolic mode.
func FuzzParseChmod(f *testing.F) {
	for _, s := range []string{"755", "0o755", "u+x", "a=rX,g-w", "+t", "ug=,o", "=", "u+", "7777777777777777777777"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseChmod(s)
		if err == nil && m.Symbolic == "" && m.Perm > 0o7777 {
			t.Fatalf("ParseChmod(%q) = %o, above 07777", s, m.Perm)
		}
		if p, err := ParseMode(s); err == nil && p > 0o7777 {
			t.Fatalf("ParseMode(%q) = %o, above 07777", s, p)
		}
	})
}
