package plan

import "testing"

// TestScratchUser covers who a runtime on scratch runs as and when it gets
// an /etc/passwd: its own user, one inherited from the runtime it extends,
// the default, a name, and a base that already wrote the files.
func TestScratchUser(t *testing.T) {
	s := mustParse(t, `version: 1
runtimes:
  plain: {}
  numeric: {user: "1000"}
  named: {user: www}
  inherits: {from: numeric}
  renames: {from: numeric, user: "2000:3000"}
  over-name: {from: named, user: "1000"}
  on-image: {image: debian}
`)
	cases := []struct {
		name        string
		want        *ScratchUser // nil: not on scratch
		uid, gid    int
		writePasswd bool
	}{
		{name: "plain", want: &ScratchUser{User: "65532:65532", Default: true}, uid: 65532, gid: 65532, writePasswd: true},
		{name: "numeric", want: &ScratchUser{User: "1000"}, uid: 1000, gid: 1000, writePasswd: true},
		{name: "named", want: &ScratchUser{User: "www"}},
		{name: "inherits", want: &ScratchUser{User: "1000"}},
		{name: "renames", want: &ScratchUser{User: "2000:3000"}, uid: 2000, gid: 3000, writePasswd: true},
		{name: "over-name", want: &ScratchUser{User: "1000"}, uid: 1000, gid: 1000, writePasswd: true},
		{name: "on-image"},
	}
	for _, c := range cases {
		got := resolve(t, s, c.name, "", amd64).Builds[0].Target.Scratch
		switch {
		case c.want == nil && got != nil:
			t.Errorf("%s: Scratch = %+v, want nil", c.name, got)
		case c.want == nil:
		case got == nil:
			t.Errorf("%s: Scratch = nil", c.name)
		case got.User != c.want.User || got.Default != c.want.Default || got.WritePasswd != c.writePasswd || got.UID != c.uid || got.GID != c.gid:
			t.Errorf("%s: Scratch = %+v, want user %q default %v passwd %v %d:%d", c.name, got, c.want.User, c.want.Default, c.writePasswd, c.uid, c.gid)
		}
	}
}

func TestNumericUser(t *testing.T) {
	if uid, gid, ok := NumericUser("12:34"); !ok || uid != 12 || gid != 34 {
		t.Errorf("NumericUser(12:34) = %d %d %v", uid, gid, ok)
	}
	if uid, gid, ok := NumericUser("7"); !ok || uid != 7 || gid != 7 {
		t.Errorf("NumericUser(7) = %d %d %v", uid, gid, ok)
	}
	for _, u := range []string{"app", "1:app", "-1", ""} {
		if _, _, ok := NumericUser(u); ok {
			t.Errorf("NumericUser(%q) succeeded", u)
		}
	}
}
