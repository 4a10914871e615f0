package archguard

import (
	"encoding/binary"
	"errors"
	"os"
	"runtime"
	"testing"

	"github.com/containerd/platforms"
)

// elfHeader builds the first 64 bytes of an ELF executable.
func elfHeader(class, data byte, machine uint16) []byte {
	h := make([]byte, 64)
	copy(h, "\x7fELF")
	h[eiClass] = class
	h[eiData] = data
	h[6] = 1 // EI_VERSION
	var order binary.ByteOrder = binary.LittleEndian
	if data == elfData2MSB {
		order = binary.BigEndian
	}
	order.PutUint16(h[16:], 2) // ET_EXEC
	order.PutUint16(h[eMachineOffset:], machine)
	return h
}

func TestMachine(t *testing.T) {
	tests := []struct {
		name   string
		header []byte
		want   string
		wantOK bool
	}{
		{"x86-64", elfHeader(elfClass64, elfData2LSB, emX8664), "amd64", true},
		{"aarch64", elfHeader(elfClass64, elfData2LSB, emAArch64), "arm64", true},
		{"arm", elfHeader(elfClass32, elfData2LSB, emARM), "arm", true},
		{"i386", elfHeader(elfClass32, elfData2LSB, em386), "386", true},
		{"riscv64", elfHeader(elfClass64, elfData2LSB, emRISCV), "riscv64", true},
		{"riscv32", elfHeader(elfClass32, elfData2LSB, emRISCV), "riscv32", true},
		{"ppc64le", elfHeader(elfClass64, elfData2LSB, emPPC64), "ppc64le", true},
		{"ppc64 big endian", elfHeader(elfClass64, elfData2MSB, emPPC64), "ppc64", true},
		{"s390x big endian", elfHeader(elfClass64, elfData2MSB, emS390), "s390x", true},
		{"mips64le", elfHeader(elfClass64, elfData2LSB, emMIPS), "mips64le", true},
		{"mips big endian", elfHeader(elfClass32, elfData2MSB, emMIPS), "mips", true},
		{"loong64", elfHeader(elfClass64, elfData2LSB, emLoongArch), "loong64", true},
		{"unknown machine", elfHeader(elfClass64, elfData2LSB, 0x9999), "", false},
		{"bad class", elfHeader(7, elfData2LSB, emX8664), "", false},
		{"bad data encoding", elfHeader(elfClass64, 9, emX8664), "", false},
		{"shell script", []byte("#!/bin/sh\necho hello world\n"), "", false},
		{"truncated ELF", elfHeader(elfClass64, elfData2LSB, emX8664)[:HeaderSize-1], "", false},
		{"empty", nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Machine(tt.header)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("Machine() = %q, %v; want %q, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// The big-endian e_machine must be read big-endian: the same bytes read
// little-endian would be 0x1500, not EM_PPC64.
func TestMachineHonoursByteOrder(t *testing.T) {
	h := elfHeader(elfClass64, elfData2MSB, emPPC64)
	if h[eMachineOffset] != 0 || h[eMachineOffset+1] != emPPC64 {
		t.Fatalf("test header is not big-endian: % x", h[eMachineOffset:eMachineOffset+2])
	}
	h[eiData] = elfData2LSB
	if m, ok := Machine(h); ok {
		t.Errorf("little-endian reading of a big-endian header gave %q", m)
	}
}

func TestMachineOfThisTestBinary(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs an ELF executable")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	header := readHeader(t, exe)
	got, ok := Machine(header)
	if !ok || got != runtime.GOARCH {
		t.Errorf("Machine(%s) = %q, %v; want %q", exe, got, ok, runtime.GOARCH)
	}
}

func TestMachineOfBinLs(t *testing.T) {
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("/bin/ls is an x86-64 binary only on linux/amd64 machines")
	}
	header := readHeader(t, "/bin/ls")
	if got, ok := Machine(header); !ok || got != "amd64" {
		t.Errorf("Machine(/bin/ls) = %q, %v; want amd64", got, ok)
	}
	if err := Check("/bin/ls", header, platforms.MustParse("linux/amd64")); err != nil {
		t.Errorf("Check for linux/amd64: %v", err)
	}
	err := Check("/bin/ls", header, platforms.MustParse("linux/arm64"))
	want := "arch guard: /bin/ls is an x86-64 (amd64) binary, but the image is for linux/arm64"
	if err == nil || err.Error() != want {
		t.Errorf("Check for linux/arm64 = %v; want %q", err, want)
	}
}

func readHeader(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("cannot open %s: %v", path, err)
	}
	defer f.Close()
	header := make([]byte, 64)
	if _, err := f.Read(header); err != nil {
		t.Fatal(err)
	}
	return header
}

func TestCheck(t *testing.T) {
	amd64 := elfHeader(elfClass64, elfData2LSB, emX8664)
	arm := elfHeader(elfClass32, elfData2LSB, emARM)
	ppc := elfHeader(elfClass64, elfData2LSB, emPPC64)
	tests := []struct {
		name     string
		header   []byte
		platform string
		wantErr  string
	}{
		{"matching amd64", amd64, "linux/amd64", ""},
		{"amd64 binary in arm64 image", amd64, "linux/arm64",
			"arch guard: /usr/local/bin/app is an x86-64 (amd64) binary, but the image is for linux/arm64"},
		{"arm binary in arm/v7 image", arm, "linux/arm/v7", ""},
		{"arm binary in arm64 image", arm, "linux/arm64",
			"arch guard: /usr/local/bin/app is a 32-bit ARM (arm) binary, but the image is for linux/arm64"},
		{"ppc64le match", ppc, "linux/ppc64le", ""},
		{"ppc64le binary in s390x image", ppc, "linux/s390x",
			"arch guard: /usr/local/bin/app is a little-endian PowerPC 64 (ppc64le) binary, but the image is for linux/s390x"},
		{"aarch64 spelling of the platform", elfHeader(elfClass64, elfData2LSB, emAArch64), "linux/aarch64", ""},
		{"not ELF", []byte("#!/bin/sh\nexit 0\n....."), "linux/arm64", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := platforms.Parse(tt.platform)
			if err != nil {
				t.Fatal(err)
			}
			err = Check("/usr/local/bin/app", tt.header, p)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Check() = %v; want nil", err)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("Check() = %v; want %q", err, tt.wantErr)
			}
			var mismatch *MismatchError
			if !errors.As(err, &mismatch) || mismatch.Path != "/usr/local/bin/app" {
				t.Errorf("error %T does not carry the path as a *MismatchError", err)
			}
		})
	}
}
