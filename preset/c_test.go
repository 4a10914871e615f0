package preset

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/containerd/platforms"
)

func TestCTargetEnv(t *testing.T) {
	p, ok := Lookup("c")
	if !ok || !p.CrossCompiles || p.Setup == nil {
		t.Fatalf("Lookup(c) = %+v, %v", p, ok)
	}
	cases := map[string]string{
		"linux/amd64":    "x86_64-linux-gnu",
		"linux/arm64":    "aarch64-linux-gnu",
		"linux/arm/v7":   "arm-linux-gnueabihf",
		"linux/arm/v6":   "arm-linux-gnueabi",
		"linux/386":      "i686-linux-gnu",
		"linux/ppc64le":  "powerpc64le-linux-gnu",
		"linux/s390x":    "s390x-linux-gnu",
		"linux/riscv64":  "riscv64-linux-gnu",
		"linux/mips64le": "mips64el-linux-gnuabi64",
	}
	for plat, triple := range cases {
		env := map[string]string{}
		for _, e := range p.TargetEnv(platforms.MustParse(plat)) {
			env[e.Name] = e.Value
		}
		if env["MSTAGE_TRIPLE"] != triple || env["CXX"] != triple+"-g++" || env["CMAKE_TOOLCHAIN_FILE"] != "/usr/local/share/mstage/"+triple+".cmake" {
			t.Errorf("%s: env %v", plat, env)
		}
	}
}

func TestCSetup(t *testing.T) {
	amd64, arm64, armv7 := platforms.MustParse("linux/amd64"), platforms.MustParse("linux/arm64"), platforms.MustParse("linux/arm/v7")
	native, err := cSetup(amd64, amd64)
	if err != nil || !strings.Contains(native, " gcc g++ make pkg-config") || strings.Contains(native, "--add-architecture") || strings.Contains(native, "CMAKE_SYSTEM_NAME") {
		t.Errorf("native setup (err %v):\n%s", err, native)
	}
	cross, err := cSetup(arm64, armv7)
	for _, want := range []string{"gcc-arm-linux-gnueabihf g++-arm-linux-gnueabihf", "dpkg --add-architecture armhf", "set(CMAKE_SYSTEM_PROCESSOR armv7l)", "set(CMAKE_CXX_COMPILER arm-linux-gnueabihf-g++)"} {
		if err != nil || !strings.Contains(cross, want) {
			t.Errorf("cross setup lacks %q (err %v):\n%s", want, err, cross)
		}
	}
	// The target's architecture is added before the one update, so that
	// update fetches the target's lists, and no update fetches translations.
	if add, update := strings.Index(cross, "dpkg --add-architecture"), strings.Index(cross, "apt-get update"); add < 0 || update < add {
		t.Errorf("cross setup updates apt's lists before it adds the target's architecture:\n%s", cross)
	}
	for _, script := range []string{native, cross} {
		update := strings.Index(script, "apt-get update")
		if conf := strings.Index(script, `Acquire::Languages "none";' > /etc/apt/apt.conf.d/`); conf < 0 || update < conf {
			t.Errorf("setup does not turn off translations before its update:\n%s", script)
		}
		if clean := strings.Index(script, "rm -f /etc/apt/apt.conf.d/docker-clean"); clean < 0 || update < clean {
			t.Errorf("setup keeps the image's docker-clean, which empties apt's archives cache:\n%s", script)
		}
	}
	if _, err := cSetup(amd64, platforms.MustParse("windows/amd64")); err == nil {
		t.Error("a windows target was accepted")
	}
}

// TestCSetupSkipsPresentToolchain runs the setup's install block with sh,
// against stand-ins for apt-get and the tools: it calls apt-get (update,
// then install) when any of the target's g++, make and pkg-config is
// missing, and not at all when the image has the three.
func TestCSetupSkipsPresentToolchain(t *testing.T) {
	script, err := cSetup(platforms.MustParse("linux/amd64"), platforms.MustParse("linux/arm64"))
	if err != nil {
		t.Fatal(err)
	}
	start, end := strings.Index(script, "if ! "), strings.Index(script, "\nfi\n")
	if start < 0 || end < start {
		t.Fatalf("no install block in the setup:\n%s", script)
	}
	block := script[start : end+len("\nfi\n")]
	all := []string{"aarch64-linux-gnu-g++", "make", "pkg-config"}
	cases := []struct {
		present []string
		want    string
	}{
		{all, ""},
		{[]string{"make", "pkg-config"}, "update\ninstall\n"},
		{[]string{"aarch64-linux-gnu-g++", "make"}, "update\ninstall\n"},
		{nil, "update\ninstall\n"},
	}
	for _, c := range cases {
		bin := t.TempDir()
		calls := filepath.Join(t.TempDir(), "calls")
		stub := func(name, body string) {
			if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"+body), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		stub("apt-get", `echo "$1" >>"$CALLS"`+"\n")
		for _, tool := range c.present {
			stub(tool, "")
		}
		cmd := exec.Command("/bin/sh", "-ec", block)
		cmd.Env = []string{"PATH=" + bin, "CALLS=" + calls}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("present %v: %v\n%s", c.present, err, out)
		}
		got, _ := os.ReadFile(calls)
		if string(got) != c.want {
			t.Errorf("present %v: apt-get calls %q, want %q", c.present, got, c.want)
		}
	}
}
