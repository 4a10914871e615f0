package preset

import (
	"fmt"
	"strings"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// rustTarget is a platform Rust cross-compiles for on Debian: its Rust
// triple, and Debian's name for the platform, which names the cross linker
// and the target's packages.
type rustTarget struct {
	triple string
	gnu    gnuTarget
}

func rustTargetOf(p ocispecs.Platform) (rustTarget, bool) {
	var triple string
	switch p.Architecture + "/" + p.Variant {
	case "amd64/", "amd64/v1", "amd64/v2", "amd64/v3", "amd64/v4":
		triple = "x86_64-unknown-linux-gnu"
	case "arm64/", "arm64/v8":
		triple = "aarch64-unknown-linux-gnu"
	case "arm/v7":
		triple = "armv7-unknown-linux-gnueabihf"
	case "386/":
		triple = "i686-unknown-linux-gnu"
	case "ppc64le/":
		triple = "powerpc64le-unknown-linux-gnu"
	case "s390x/":
		triple = "s390x-unknown-linux-gnu"
	default:
		return rustTarget{}, false
	}
	gnu, err := gnuTargetOf(p)
	if err != nil {
		return rustTarget{}, false
	}
	return rustTarget{triple, gnu}, true
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
				{rustLinkerVar(t.triple), t.gnu.triple + "-gcc"},
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
	linker, libc, arch := "gcc-"+t.gnu.crossSuffix(), "libc6-dev-"+t.gnu.dpkgArch+"-cross", t.gnu.dpkgArch
	return "if command -v rustup >/dev/null 2>&1; then rustup target add " + t.triple + " && " +
		aptInstall("", linker, libc) + "; else " +
		aptInstall(arch, linker, libc, `"libstd-rust-dev:`+arch+`=$(dpkg-query -W -f '${Version}' libstd-rust-dev)"`) + "; fi", nil
}
