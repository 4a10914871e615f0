// Package archguard checks that the executables an artifact produces were
// built for the platform of the image they go into. It reads only the ELF
// identification and e_machine fields, so callers need the first
// HeaderSize bytes of a file and nothing more.
package archguard

import (
	"encoding/binary"
	"fmt"

	"github.com/containerd/platforms"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// HeaderSize is the number of leading bytes of a file that Machine and
// Check read.
const HeaderSize = 20

// ELF identification and header fields (see elf(5)).
const (
	eiClass        = 4
	eiData         = 5
	elfClass32     = 1
	elfClass64     = 2
	elfData2LSB    = 1
	elfData2MSB    = 2
	eMachineOffset = 18
)

// e_machine values of the architectures mstage knows.
const (
	em386       = 3
	emMIPS      = 8
	emPPC64     = 21
	emS390      = 22
	emARM       = 40
	emX8664     = 62
	emAArch64   = 183
	emRISCV     = 243
	emLoongArch = 258
)

// Machine returns the architecture, in OCI platform terms (amd64, arm64,
// ...), of the ELF file whose first bytes are header. ok is false when header
// is not the start of an ELF file or names an architecture this package does
// not know, in which case there is nothing to check.
func Machine(header []byte) (machine string, ok bool) {
	if len(header) < HeaderSize || string(header[:4]) != "\x7fELF" {
		return "", false
	}
	class := header[eiClass]
	if class != elfClass32 && class != elfClass64 {
		return "", false
	}
	var order binary.ByteOrder
	switch header[eiData] {
	case elfData2LSB:
		order = binary.LittleEndian
	case elfData2MSB:
		order = binary.BigEndian
	default:
		return "", false
	}
	little := order == binary.LittleEndian
	is64 := class == elfClass64

	switch order.Uint16(header[eMachineOffset:]) {
	case emX8664:
		return "amd64", true
	case em386:
		return "386", true
	case emAArch64:
		return "arm64", true
	case emARM:
		return "arm", true
	case emRISCV:
		if is64 {
			return "riscv64", true
		}
		return "riscv32", true
	case emPPC64:
		if little {
			return "ppc64le", true
		}
		return "ppc64", true
	case emS390:
		if is64 {
			return "s390x", true
		}
		return "s390", true
	case emMIPS:
		switch {
		case is64 && little:
			return "mips64le", true
		case is64:
			return "mips64", true
		case little:
			return "mipsle", true
		default:
			return "mips", true
		}
	case emLoongArch:
		if is64 {
			return "loong64", true
		}
	}
	return "", false
}

// MismatchError reports an executable built for another architecture than
// the image it is placed in.
type MismatchError struct {
	Path     string
	Machine  string // as returned by Machine
	Platform ocispecs.Platform
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("arch guard: %s is %s binary, but the image is for %s",
		e.Path, describe(e.Machine), platforms.Format(e.Platform))
}

// Check returns a *MismatchError when header starts an ELF file whose
// architecture differs from p's. Files that are not ELF (scripts, data, PE
// executables) and unknown architectures pass.
func Check(path string, header []byte, p ocispecs.Platform) error {
	machine, ok := Machine(header)
	if !ok {
		return nil
	}
	if machine == platforms.Normalize(p).Architecture {
		return nil
	}
	return &MismatchError{Path: path, Machine: machine, Platform: p}
}

// describe names a machine the way file(1) and compiler manuals do, with
// the platform architecture in parentheses, preceded by an article.
func describe(machine string) string {
	names := map[string]string{
		"amd64":    "an x86-64",
		"386":      "an x86 (32-bit)",
		"arm64":    "an AArch64",
		"arm":      "a 32-bit ARM",
		"riscv64":  "a 64-bit RISC-V",
		"riscv32":  "a 32-bit RISC-V",
		"ppc64le":  "a little-endian PowerPC 64",
		"ppc64":    "a big-endian PowerPC 64",
		"s390x":    "an IBM Z",
		"s390":     "a 31-bit IBM S/390",
		"mips":     "a MIPS",
		"mipsle":   "a little-endian MIPS",
		"mips64":   "a MIPS64",
		"mips64le": "a little-endian MIPS64",
		"loong64":  "a LoongArch64",
	}
	name, ok := names[machine]
	if !ok {
		return "a " + machine
	}
	return fmt.Sprintf("%s (%s)", name, machine)
}
