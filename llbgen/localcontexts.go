package llbgen

import (
	"context"

	"github.com/moby/buildkit/client/llb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// LocalContexts stands in for the contexts a client would send, for a
// compile without a build (lint, the CLI): the main context is the local
// "context", and each named context in Names is the local of that name.
// Other names, such as image references, are not overridden.
type LocalContexts struct {
	Names map[string]bool
}

// Main returns the local "context".
func (LocalContexts) Main(context.Context) (llb.State, error) {
	return llb.Local("context"), nil
}

// Named returns the local name when Names holds it, else nil.
func (c LocalContexts) Named(_ context.Context, name string, _ ocispecs.Platform) (*llb.State, *dockerspec.DockerOCIImage, error) {
	if !c.Names[name] {
		return nil, nil, nil
	}
	st := llb.Local(name)
	return &st, nil, nil
}
