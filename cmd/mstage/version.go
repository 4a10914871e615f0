package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// buildVersion is what `mstage version` reports, from the build info the Go
// toolchain stamps into the binary.
type buildVersion struct {
	Version   string `json:"version"`            // module version, or "devel"
	Revision  string `json:"revision,omitempty"` // VCS commit
	Time      string `json:"time,omitempty"`     // commit time
	Modified  bool   `json:"modified,omitempty"` // built from a dirty tree
	GoVersion string `json:"goVersion"`          // toolchain
	Platform  string `json:"platform"`           // GOOS/GOARCH
}

func versionOf(bi *debug.BuildInfo, ok bool) buildVersion {
	v := buildVersion{Version: "devel", GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if !ok || bi == nil {
		return v
	}
	if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		v.Version = bi.Main.Version
	}
	if bi.GoVersion != "" {
		v.GoVersion = bi.GoVersion
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.time":
			v.Time = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

// short is the one line of --version: "mstage v1.2.3 (abc123def456)".
func (v buildVersion) short() string {
	s := "mstage " + v.Version
	if v.Revision != "" {
		rev := v.Revision
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if v.Modified {
			rev += ", modified"
		}
		s += " (" + rev + ")"
	}
	return s
}

func runVersion(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("version", "[--short] [--format text|json]", stderr)
	short := fs.Bool("short", false, "print only the version line")
	format := fs.String("format", "text", "output format: text or json")
	if _, err := parseArgs(fs, args, 0, 0, ""); err != nil {
		return usageExit(err)
	}
	bi, ok := debug.ReadBuildInfo()
	return writeVersion(stdout, stderr, versionOf(bi, ok), *short, *format)
}

func writeVersion(stdout, stderr io.Writer, v buildVersion, short bool, format string) int {
	switch {
	case format == "json":
		return writeJSON(stdout, stderr, "version", v)
	case format != "text":
		fmt.Fprintf(stderr, "mstage version: unknown format %q; expected text or json\n", format)
		return exitUsage
	case short:
		fmt.Fprintln(stdout, v.short())
		return exitOK
	}
	fmt.Fprintf(stdout, "mstage:   %s\n", v.Version)
	if v.Revision != "" {
		mod := ""
		if v.Modified {
			mod = " (modified)"
		}
		fmt.Fprintf(stdout, "commit:   %s%s\n", v.Revision, mod)
	}
	if v.Time != "" {
		fmt.Fprintf(stdout, "built:    %s\n", v.Time)
	}
	fmt.Fprintf(stdout, "go:       %s\n", v.GoVersion)
	fmt.Fprintf(stdout, "platform: %s\n", v.Platform)
	return exitOK
}
