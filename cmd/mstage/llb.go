package main

import (
	"context"
	"fmt"
	"io"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"google.golang.org/protobuf/proto"

	"github.com/mstage/mstage/lint"
	"github.com/mstage/mstage/llbgen"
)

func runLLB(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("llb", "FILE [--target T] [--platform P] [--build-platform P] [--build-arg K=V]... [--format binary|json]", stderr)
	format := fs.String("format", "binary", "binary: the target's definition, for buildctl; json: the target, the needs gates and the arch guards, readable")
	target := fs.String("target", "", "stage to compile (default: the spec's default target)")
	platform := fs.String("platform", "", "target platform (default: the build platform)")
	buildPlatform := fs.String("build-platform", "", "platform buildkitd runs on (default: this machine's)")
	var buildArgs multiFlag
	fs.Var(&buildArgs, "build-arg", "build arg K=V (repeatable)")
	pos, err := parseArgs(fs, args, 1, 1, "FILE")
	if err != nil {
		return usageExit(err)
	}
	if *format != "binary" && *format != "json" {
		fmt.Fprintf(stderr, "mstage llb: unknown format %q; expected binary or json\n", *format)
		return exitUsage
	}
	bp := platforms.Normalize(platforms.DefaultSpec())
	if *buildPlatform != "" {
		if bp, err = parsePlatform(*buildPlatform); err != nil {
			fmt.Fprintf(stderr, "mstage llb: --build-platform: %v\n", err)
			return exitUsage
		}
	}
	tp := bp
	if *platform != "" {
		if tp, err = parsePlatform(*platform); err != nil {
			fmt.Fprintf(stderr, "mstage llb: --platform: %v\n", err)
			return exitUsage
		}
	}
	s, src, ok := loadSpec(pos[0], stderr)
	if !ok {
		return exitFail
	}
	ctx := context.Background()
	sm := llb.NewSourceMap(nil, pos[0], "mstage", src)
	res, err := llbgen.Compile(ctx, s, llbgen.Options{
		Target:         *target,
		TargetPlatform: tp,
		BuildPlatform:  bp,
		BuildArgs:      keyValues(buildArgs),
		Contexts:       llbgen.LocalContexts{Names: s.ContextNames()},
		SourceMap:      sm,
	})
	if err != nil {
		printError(stderr, src, err)
		return exitFail
	}
	// The warnings a build shows: the lint rules' (the frontend shows the
	// same through --check and in every build's summary).
	for _, f := range lint.Run(s, lint.Options{BuildArgs: keyValues(buildArgs), Target: *target, Platforms: []ocispecs.Platform{tp}, BuildPlatform: &bp, Source: src}) {
		if f.Level == lint.LevelWarning {
			fmt.Fprintf(stderr, "%s:%s: warning: [%s] %s\n", pos[0], f.Pos, f.Rule.Name, f.Msg)
		}
	}
	// A fixed local id instead of llb's random one keeps the output the same
	// from run to run, so it can be diffed.
	defs, err := res.Marshal(ctx, llb.Platform(tp), llb.LocalUniqueID("mstage"))
	if err != nil {
		fmt.Fprintf(stderr, "mstage llb: %v\n", err)
		return exitFail
	}
	var out []byte
	if *format == "json" {
		out, err = dumpJSON(res, defs, tp)
	} else {
		// The bytes llb.WriteTo writes, but with the metadata map in a fixed
		// order so that the same spec always gives the same file.
		out, err = proto.MarshalOptions{Deterministic: true}.Marshal(defs.Target.ToPB())
	}
	if err != nil {
		fmt.Fprintf(stderr, "mstage llb: %v\n", err)
		return exitFail
	}
	if _, err := stdout.Write(out); err != nil {
		fmt.Fprintf(stderr, "mstage llb: %v\n", err)
		return exitFail
	}
	return exitOK
}

func parsePlatform(s string) (ocispecs.Platform, error) {
	p, err := platforms.Parse(s)
	if err != nil {
		return p, err
	}
	return platforms.Normalize(p), nil
}
