//go:build tools

// Package deps pins the modules the project's packages import, so that
// go.mod and go.sum stay complete while packages are being written.
package deps

import (
	_ "github.com/containerd/platforms"
	_ "github.com/goccy/go-yaml"
	_ "github.com/goccy/go-yaml/ast"
	_ "github.com/google/go-containerregistry/pkg/v1/remote"
	_ "github.com/invopop/jsonschema"
	_ "github.com/moby/buildkit/client"
	_ "github.com/moby/buildkit/client/llb"
	_ "github.com/moby/buildkit/client/llb/sourceresolver"
	_ "github.com/moby/buildkit/exporter/containerimage/exptypes"
	_ "github.com/moby/buildkit/frontend/dockerfile/shell"
	_ "github.com/moby/buildkit/frontend/dockerui"
	_ "github.com/moby/buildkit/frontend/gateway/client"
	_ "github.com/moby/buildkit/frontend/gateway/grpcclient"
	_ "github.com/moby/buildkit/frontend/subrequests/lint"
	_ "github.com/moby/buildkit/frontend/subrequests/outline"
	_ "github.com/moby/buildkit/frontend/subrequests/targets"
	_ "github.com/moby/buildkit/session/secrets/secretsprovider"
	_ "github.com/moby/buildkit/session/sshforward/sshprovider"
	_ "github.com/moby/buildkit/solver/errdefs"
	_ "github.com/moby/buildkit/util/appcontext"
	_ "github.com/moby/buildkit/util/progress/progressui"
	_ "github.com/moby/docker-image-spec/specs-go/v1"
	_ "github.com/opencontainers/image-spec/specs-go/v1"
	_ "github.com/santhosh-tekuri/jsonschema/v6"
	_ "github.com/tonistiigi/fsutil"
	_ "golang.org/x/sync/errgroup"
)
