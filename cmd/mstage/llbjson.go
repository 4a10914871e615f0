package main

import (
	"bytes"
	"encoding/json"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/mstage/mstage/llbgen"
)

// llbDump is what `mstage llb --format json` prints: everything the
// frontend solves for one platform.
type llbDump struct {
	Target llbDumpDef `json:"target"`
	// Gates must succeed before the target is exported (needs).
	Gates []llbDumpDef `json:"gates,omitempty"`
	// Guards are solved and their Paths checked for ELF files of another
	// platform than Platform.
	Guards []llbDumpDef `json:"guards,omitempty"`
}

type llbDumpDef struct {
	Stage    string      `json:"stage"`
	Platform string      `json:"platform,omitempty"`
	Paths    []string    `json:"paths,omitempty"`
	Ops      []llbDumpOp `json:"ops"`
}

// llbDumpOp is one op as `buildctl debug dump-llb` shows it: the op, its
// digest and the vertex name.
type llbDumpOp struct {
	Digest digest.Digest   `json:"digest"`
	Name   string          `json:"name,omitempty"`
	Op     json.RawMessage `json:"op"`
}

func dumpJSON(res *llbgen.Result, defs *llbgen.Definitions, tp ocispecs.Platform) ([]byte, error) {
	var d llbDump
	var err error
	d.Target, err = dumpDef(res.Stage.Name, defs.Target)
	if err != nil {
		return nil, err
	}
	d.Target.Platform = platforms.Format(tp)
	for i, g := range res.Gates {
		def, err := dumpDef(g.Stage, defs.Gates[i])
		if err != nil {
			return nil, err
		}
		d.Gates = append(d.Gates, def)
	}
	for i, g := range res.Guards {
		def, err := dumpDef(g.Stage, defs.Guards[i])
		if err != nil {
			return nil, err
		}
		def.Platform, def.Paths = platforms.Format(g.Platform), g.Paths
		d.Guards = append(d.Guards, def)
	}
	out, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

func dumpDef(stage string, def *llb.Definition) (llbDumpDef, error) {
	d := llbDumpDef{Stage: stage}
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.UnmarshalVT(dt); err != nil {
			return d, err
		}
		raw, err := protojson.Marshal(&op)
		if err != nil {
			return d, err
		}
		// protojson varies its spacing on purpose; compact output is stable.
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			return d, err
		}
		dgst := digest.FromBytes(dt)
		d.Ops = append(d.Ops, llbDumpOp{Digest: dgst, Name: def.Metadata[dgst].Description["llb.customname"], Op: compact.Bytes()})
	}
	return d, nil
}
