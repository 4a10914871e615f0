package frontend

import (
	"maps"
	"strings"

	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/errdefs"
)

// DefaultFilename is the spec file read when the client names none.
const DefaultFilename = "mstage.yaml"

const (
	optFilename     = "filename"
	optFrontendCaps = "frontend.caps"
)

// supportsCap reports whether a client may require the frontend capability
// name. The image's moby.buildkit.frontend.caps label lists the same.
func supportsCap(name string) bool {
	switch name {
	case "moby.buildkit.frontend.inputs",
		"moby.buildkit.frontend.subrequests",
		"moby.buildkit.frontend.contexts":
		return true
	}
	return false
}

// defaultFilenameClient makes dockerui read mstage.yaml instead of
// Dockerfile when the filename opt is absent. dockerui reads the opts once,
// in NewClient, from BuildOpts.
type defaultFilenameClient struct {
	client.Client
}

func (c defaultFilenameClient) BuildOpts() client.BuildOpts {
	opts := c.Client.BuildOpts()
	if _, ok := opts.Opts[optFilename]; ok {
		return opts
	}
	opts.Opts = maps.Clone(opts.Opts)
	if opts.Opts == nil {
		opts.Opts = map[string]string{}
	}
	opts.Opts[optFilename] = DefaultFilename
	return opts
}

// checkCaps fails when the client requires a frontend capability mstage does
// not have. Capabilities marked +forward are optional.
func checkCaps(requested string) error {
	if requested == "" {
		return nil
	}
	for _, c := range strings.Split(requested, ",") {
		name, optional := strings.CutSuffix(c, "+forward")
		if optional || supportsCap(name) {
			continue
		}
		return errdefs.NewUnsupportedFrontendCapError(name)
	}
	return nil
}
