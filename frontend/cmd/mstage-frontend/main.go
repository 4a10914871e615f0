// Command mstage-frontend is the BuildKit frontend image's entrypoint: it
// serves frontend.Build over the gateway API on stdin and stdout. Run as
// "mstage-frontend archguard ...", it is the frontend's arch guard op
// (see archguard.Main).
package main

import (
	"fmt"
	"os"

	"github.com/moby/buildkit/frontend/gateway/grpcclient"
	"github.com/moby/buildkit/util/appcontext"

	"github.com/mstage/mstage/archguard"
	"github.com/mstage/mstage/frontend"
	"github.com/mstage/mstage/internal/gcsetting"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == archguard.Subcommand {
		os.Exit(archguard.Main(appcontext.Context(), os.Args[2:], os.Stderr))
	}
	gcsetting.Apply()
	if err := grpcclient.RunFromEnvironment(appcontext.Context(), frontend.Build); err != nil {
		fmt.Fprintf(os.Stderr, "mstage-frontend: %v\n", err)
		os.Exit(1)
	}
}
