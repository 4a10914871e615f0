package preset

import "strings"

// aptCaches are apt's package lists and downloads as cache mounts, on the
// steps that call apt only, so that their lock does not serialize the
// other steps, and one per target, since the lists of a target's dpkg
// architecture are its own and its builds need not wait for another's.
func aptCaches() []CacheMount {
	cmds := []string{"apt-get", "apt", "apt-cache"}
	return []CacheMount{
		{Name: "apt-lists", Target: "/var/lib/apt/lists", Sharing: "locked", Commands: cmds, PerTarget: true},
		{Name: "apt-archives", Target: "/var/cache/apt", Sharing: "locked", Commands: cmds, PerTarget: true},
	}
}

// aptInstall installs packages with apt-get, keeping the downloads in the
// cache mount; foreignArch, when set, is added to dpkg's architectures.
func aptInstall(foreignArch string, pkgs ...string) string {
	cmd := "export DEBIAN_FRONTEND=noninteractive && "
	if foreignArch != "" {
		cmd += "dpkg --add-architecture " + foreignArch + " && "
	}
	return cmd + "apt-get update -q && apt-get install -y -q --no-install-recommends -o APT::Keep-Downloaded-Packages=true " + strings.Join(pkgs, " ")
}
