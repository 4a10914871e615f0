package preset

import (
	"fmt"
	"sort"
	"strings"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// cToolchainDir holds the CMake toolchain files the c preset writes.
const cToolchainDir = "/usr/local/share/mstage"

// gnuTarget is what Debian calls one target platform: its GNU triple (the
// prefix of its cross tools and its multiarch directory) and its dpkg
// architecture.
type gnuTarget struct {
	triple   string
	dpkgArch string
	// cmakeProcessor is CMAKE_SYSTEM_PROCESSOR, as uname -m prints it.
	cmakeProcessor string
}

// crossSuffix ends the names of Debian's cross toolchain packages for t:
// gcc-<suffix>, g++-<suffix>.
func (t gnuTarget) crossSuffix() string { return strings.ReplaceAll(t.triple, "_", "-") }

// gnuTargetOf maps a Linux platform to Debian's name for it.
func gnuTargetOf(p ocispecs.Platform) (gnuTarget, error) {
	if p.OS != "linux" {
		return gnuTarget{}, fmt.Errorf("the c preset builds for linux only, not %s", p.OS)
	}
	switch p.Architecture {
	case "amd64":
		return gnuTarget{"x86_64-linux-gnu", "amd64", "x86_64"}, nil
	case "arm64":
		return gnuTarget{"aarch64-linux-gnu", "arm64", "aarch64"}, nil
	case "arm":
		if p.Variant == "v7" || p.Variant == "" {
			return gnuTarget{"arm-linux-gnueabihf", "armhf", "armv7l"}, nil
		}
		return gnuTarget{"arm-linux-gnueabi", "armel", "armv" + strings.TrimPrefix(p.Variant, "v") + "l"}, nil
	case "386":
		return gnuTarget{"i686-linux-gnu", "i386", "i686"}, nil
	case "ppc64le":
		return gnuTarget{"powerpc64le-linux-gnu", "ppc64el", "ppc64le"}, nil
	case "s390x":
		return gnuTarget{"s390x-linux-gnu", "s390x", "s390x"}, nil
	case "riscv64":
		return gnuTarget{"riscv64-linux-gnu", "riscv64", "riscv64"}, nil
	case "mips64le":
		return gnuTarget{"mips64el-linux-gnuabi64", "mips64el", "mips64"}, nil
	}
	return gnuTarget{}, fmt.Errorf("the c preset has no Debian cross toolchain for %s", p.Architecture)
}

// cTargetArchs lists the architectures gnuTargetOf knows, for messages.
func cTargetArchs() string {
	archs := []string{"amd64", "arm64", "arm/v7", "arm/v6", "386", "ppc64le", "s390x", "riscv64", "mips64le"}
	sort.Strings(archs)
	return strings.Join(archs, ", ")
}

func cPreset() *Preset {
	return &Preset{
		Name:          "c",
		CrossCompiles: true,
		TargetEnv: func(p ocispecs.Platform) []EnvVar {
			t, err := gnuTargetOf(p)
			if err != nil {
				return nil
			}
			return []EnvVar{
				{"MSTAGE_TRIPLE", t.triple},
				{"MSTAGE_DPKG_ARCH", t.dpkgArch},
				{"CC", t.triple + "-gcc"},
				{"CXX", t.triple + "-g++"},
				{"AR", t.triple + "-ar"},
				{"STRIP", t.triple + "-strip"},
				{"PKG_CONFIG_LIBDIR", "/usr/lib/" + t.triple + "/pkgconfig:/usr/share/pkgconfig"},
				{"PKG_CONFIG_PATH", "/usr/local/lib/" + t.triple + "/pkgconfig"},
				{"CMAKE_TOOLCHAIN_FILE", cToolchainFile(t)},
			}
		},
		Setup:         cSetup,
		HostCompilers: []string{"gcc", "g++", "cc", "c++", "clang", "clang++"},
		Caches:        aptCaches(),
		TargetID:      cTargetID,
	}
}

// cTargetID names a platform in cache ids: its GNU triple, or its
// os-arch-variant when Debian has no cross toolchain for it.
func cTargetID(p ocispecs.Platform) string {
	if t, err := gnuTargetOf(p); err == nil {
		return t.triple
	}
	return platformID(p)
}

func cToolchainFile(t gnuTarget) string {
	return cToolchainDir + "/" + t.triple + ".cmake"
}

// cAptConf is the apt configuration the c preset writes into the builder:
// apt-get update fetches no translated package descriptions, which nothing
// in a build reads, so every update in the builder, the setup's and the
// spec's own, downloads and parses less.
const cAptConf = "/etc/apt/apt.conf.d/50mstage-c"

// cDockerClean is the apt configuration of the official Debian images that
// deletes the downloaded packages after each install and keeps no binary
// cache of the lists: with apt's directories on cache mounts it empties the
// archives cache and makes every apt call parse the lists again.
const cDockerClean = "/etc/apt/apt.conf.d/docker-clean"

// cSetup is the step that installs the toolchain for target on build:
// gcc and g++ when they are the same architecture, Debian's cross
// compilers (which bring the target's libc and libstdc++) otherwise. It
// also adds the target's dpkg architecture, so that later steps can install
// the target's libraries as pkg:arch, and writes the CMake toolchain file.
// The architecture is added before the one apt-get update, so that update
// fetches the target's package lists too, into the target's lists cache,
// and a later update in the spec's steps only finds them current. It
// removes the image's docker-clean first, so apt's cache mounts keep what
// they hold.
func cSetup(build, target ocispecs.Platform) (string, error) {
	t, err := gnuTargetOf(target)
	if err != nil {
		return "", fmt.Errorf("%w (known: %s)", err, cTargetArchs())
	}
	// A host Debian has no name for (such as the placeholder of a plan
	// that builds nothing) gets the cross compilers.
	h, _ := gnuTargetOf(build)
	pkgs := "gcc g++"
	cross := t.triple != h.triple
	if cross {
		pkgs = "gcc-" + t.crossSuffix() + " g++-" + t.crossSuffix()
	}
	lines := []string{
		"set -e",
		"rm -f " + cDockerClean,
		"echo 'Acquire::Languages \"none\";' > " + cAptConf,
	}
	if cross {
		lines = append(lines, "dpkg --add-architecture "+t.dpkgArch)
	}
	// A builder image that holds the toolchain (mstage/c-toolchains) pays
	// for neither the install nor an apt-get update: a spec step that
	// installs the target's libraries runs its own update.
	lines = append(lines,
		"if ! { command -v "+t.triple+"-g++ && command -v make && command -v pkg-config; } >/dev/null; then",
		"  apt-get update -qq",
		"  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "+pkgs+" make pkg-config >/dev/null",
		"fi",
		"mkdir -p "+cToolchainDir, "cat > "+cToolchainFile(t)+" <<'EOF'",
	)
	lines = append(lines, cmakeToolchain(t, cross)...)
	lines = append(lines, "EOF")
	return strings.Join(lines, "\n") + "\n", nil
}

// cmakeToolchain is the CMake toolchain file for t: its compilers, and,
// when cross-compiling, the target system, so CMake does not run what it
// builds, and the multiarch directory its libraries are found in.
func cmakeToolchain(t gnuTarget, cross bool) []string {
	var lines []string
	if cross {
		lines = append(lines,
			"set(CMAKE_SYSTEM_NAME Linux)",
			"set(CMAKE_SYSTEM_PROCESSOR "+t.cmakeProcessor+")",
		)
	}
	return append(lines,
		"set(CMAKE_C_COMPILER "+t.triple+"-gcc)",
		"set(CMAKE_CXX_COMPILER "+t.triple+"-g++)",
		"set(CMAKE_AR /usr/bin/"+t.triple+"-ar)",
		"set(CMAKE_STRIP /usr/bin/"+t.triple+"-strip)",
		"set(CMAKE_LIBRARY_ARCHITECTURE "+t.triple+")",
		"set(PKG_CONFIG_EXECUTABLE /usr/bin/pkg-config)",
	)
}
