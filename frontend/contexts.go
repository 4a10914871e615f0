package frontend

import (
	"context"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// buildContexts serves the client's build contexts to llbgen.
type buildContexts struct {
	bc *dockerui.Client
}

func (b buildContexts) Main(ctx context.Context) (llb.State, error) {
	st, err := b.bc.MainContext(ctx)
	if err != nil {
		return llb.State{}, err
	}
	return *st, nil
}

func (b buildContexts) Named(ctx context.Context, name string, platform ocispecs.Platform) (*llb.State, *dockerspec.DockerOCIImage, error) {
	nc, err := b.bc.NamedContext(name, dockerui.ContextOpt{
		Platform:    &platform,
		ResolveMode: b.bc.ImageResolveMode.String(),
	})
	if err != nil || nc == nil {
		return nil, nil, err
	}
	return nc.Load(ctx)
}
