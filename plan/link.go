package plan

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mstage/mstage/spec"
)

// copyLink decides whether a copy is linked (a layer of its own, merged
// onto the stage, so it does not depend on what is below). Runtime copy
// entries are linked by default, copy steps are not. Names in chown
// resolve against the destination's /etc/passwd, which a linked copy does
// not see, so such a copy is not linked unless link: true asks for it,
// which is an error.
func (r *resolver) copyLink(cp *spec.Copy, linkDefault bool) (bool, error) {
	link := linkDefault
	if cp.Link != nil {
		link = *cp.Link
	}
	if link && cp.Chown != "" && chownByName(cp.Chown) {
		if cp.Link != nil {
			return false, r.errorAt(cp.At("chown"), fmt.Sprintf("chown %q names a user or group, which can't be resolved with link: true", cp.Chown),
				"a numeric uid[:gid], or link: false")
		}
		link = false
	}
	return link, nil
}

// chownByName reports whether a chown value names a user or group instead
// of giving numeric ids, as BuildKit's copy reads it ("root" is uid 0).
func chownByName(chown string) bool {
	user, group, _ := strings.Cut(chown, ":")
	return isName(user) || group != "" && isName(group)
}

func isName(id string) bool {
	if id == "root" {
		return false
	}
	_, err := strconv.ParseInt(id, 10, 32)
	return err != nil
}
