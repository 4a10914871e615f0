package plan

import (
	"strconv"
	"strings"
)

// scratchDefaultUser is the user of a runtime built on scratch that names
// none; distroless images call it nonroot.
const scratchDefaultUser = "65532:65532"

// ScratchUser is what a runtime that starts from scratch, itself or through
// the runtimes it extends, gets in place of an image's user and /etc/passwd:
// scratch has neither, and a runtime is not meant to run as root.
type ScratchUser struct {
	// User is the runtime's user: its own, else the one of the runtime it
	// extends, else 65532:65532, which Default marks.
	User    string
	Default bool
	// WritePasswd asks for an /etc/passwd and /etc/group that name root
	// and UID:GID. It is false when User is a name, which nothing on
	// scratch resolves (lint's ScratchUserName reports it), or when the
	// runtime it extends already wrote them for User.
	WritePasswd bool
	UID, GID    int
	// passwdFor is the user the generated files of the filesystem name.
	passwdFor string
}

// scratchUser works out in's ScratchUser; nil when in does not start from
// scratch.
func scratchUser(in *Instance) *ScratchUser {
	var base *ScratchUser
	switch {
	case in.Base != nil:
		if base = in.Base.Scratch; base == nil {
			return nil
		}
	case in.Image != scratchImage:
		return nil
	}
	su := &ScratchUser{User: in.Stage.User}
	if base != nil {
		su.passwdFor = base.passwdFor
		if su.User == "" {
			su.User = base.User
		}
	}
	if su.User == "" {
		su.User, su.Default = scratchDefaultUser, true
	}
	if uid, gid, ok := NumericUser(su.User); ok && su.User != su.passwdFor {
		su.WritePasswd, su.UID, su.GID, su.passwdFor = true, uid, gid, su.User
	}
	return su
}

// NumericUser parses uid[:gid]; the gid defaults to the uid.
func NumericUser(u string) (uid, gid int, ok bool) {
	us, gs, hasGroup := strings.Cut(u, ":")
	uid, err := strconv.Atoi(us)
	if err != nil || uid < 0 {
		return 0, 0, false
	}
	gid = uid
	if hasGroup {
		if gid, err = strconv.Atoi(gs); err != nil || gid < 0 {
			return 0, 0, false
		}
	}
	return uid, gid, true
}
