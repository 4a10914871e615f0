package preset

import (
	"fmt"
	"strings"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// rustTarget is what cross-compiling Rust for one platform takes on Debian.
type rustTarget struct {
	triple    string // the Rust target triple
	gnu       string // the GNU triple of the cross toolchain's tools
	debArch   string // the Debian architecture of the target's libstd-rust-dev
	gccSuffix string // the cross gcc package: gcc-<gccSuffix>
	libcCross string // the cross libc package: libc6-dev-<libcCross>-cross
}

func rustTargetOf(p ocispecs.Platform) (rustTarget, bool) {
	if p.OS != "linux" {
		return rustTarget{}, false
	}
	switch p.Architecture + "/" + p.Variant {
	case "amd64/", "amd64/v1", "amd64/v2", "amd64/v3", "amd64/v4":
		return rustTarget{"x86_64-unknown-linux-gnu", "x86_64-linux-gnu", "amd64", "x86-64-linux-gnu", "amd64"}, true
	case "arm64/", "arm64/v8":
		return rustTarget{"aarch64-unknown-linux-gnu", "aarch64-linux-gnu", "arm64", "aarch64-linux-gnu", "arm64"}, true
	case "arm/v7":
		return rustTarget{"armv7-unknown-linux-gnueabihf", "arm-linux-gnueabihf", "armhf", "arm-linux-gnueabihf", "armhf"}, true
	case "386/":
		return rustTarget{"i686-unknown-linux-gnu", "i686-linux-gnu", "i386", "i686-linux-gnu", "i386"}, true
	case "ppc64le/":
		return rustTarget{"powerpc64le-unknown-linux-gnu", "powerpc64le-linux-gnu", "ppc64el", "powerpc64le-linux-gnu", "ppc64el"}, true
	case "s390x/":
		return rustTarget{"s390x-unknown-linux-gnu", "s390x-linux-gnu", "s390x", "s390x-linux-gnu", "s390x"}, true
	}
	return rustTarget{}, false
}

// rustTargetID names a platform in cache ids: its triple, or its
// os-arch-variant when Rust has no known triple for it.
func rustTargetID(p ocispecs.Platform) string {
	if t, ok := rustTargetOf(p); ok {
		return t.triple
	}
	return platformID(p)
}

// rustLinkerVar is cargo's variable for the linker of a triple.
func rustLinkerVar(triple string) string {
	return "CARGO_TARGET_" + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(triple)) + "_LINKER"
}

func rustPreset() *Preset {
	return &Preset{
		Name:          "rust",
		CrossCompiles: true,
		// A plain cargo build or cargo install builds for the target.
		TargetEnv: func(p ocispecs.Platform) []EnvVar {
			t, ok := rustTargetOf(p)
			if !ok {
				return nil
			}
			return []EnvVar{
				{"CARGO_BUILD_TARGET", t.triple},
				{rustLinkerVar(t.triple), t.gnu + "-gcc"},
			}
		},
		DefaultEnv: []EnvVar{
			{"CARGO_HOME", "/usr/local/cargo"},
			{"CARGO_TARGET_DIR", "/cargo/target"},
		},
		// The registry and git checkouts are the same for every target;
		// the target dir holds objects built for one triple. A cargo
		// install --root copies the binaries out of it.
		Caches: append([]CacheMount{
			{Name: "cargo-registry", Target: "/usr/local/cargo/registry", Sharing: "shared"},
			{Name: "cargo-git", Target: "/usr/local/cargo/git", Sharing: "shared"},
			{Name: "cargo-target", Target: "/cargo/target", Sharing: "shared", PerTarget: true},
		}, aptCaches()...),
		TargetID: rustTargetID,
		Setup:    rustSetup,
	}
}

// rustSetup installs the cross linker and the target's standard library
// from Debian, with the std pinned to the version of the installed one;
// with rustup the std comes from rustup target add.
func rustSetup(build, target ocispecs.Platform) (string, error) {
	if platformID(build) == platformID(target) {
		return "", nil
	}
	t, ok := rustTargetOf(target)
	if !ok {
		return "", fmt.Errorf("the rust preset has no target triple for %s (known: linux/amd64, linux/arm64, linux/arm/v7, linux/386, linux/ppc64le, linux/s390x)", strings.TrimSuffix(target.OS+"/"+target.Architecture+"/"+target.Variant, "/"))
	}
	return "if command -v rustup >/dev/null 2>&1; then rustup target add " + t.triple + " && " +
		aptInstall("", "gcc-"+t.gccSuffix, "libc6-dev-"+t.libcCross+"-cross") + "; else " +
		aptInstall(t.debArch, "gcc-"+t.gccSuffix, "libc6-dev-"+t.libcCross+"-cross",
			`"libstd-rust-dev:`+t.debArch+`=$(dpkg-query -W -f '${Version}' libstd-rust-dev)"`) + "; fi", nil
}
