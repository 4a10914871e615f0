package frontend

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/moby/buildkit/frontend/dockerui"
)

// epochArg is the build arg that sets the timestamps of the image.
const epochArg = "SOURCE_DATE_EPOCH"

// sourceDateEpoch reads the SOURCE_DATE_EPOCH build arg: a Unix time in
// seconds, or "context" for the commit time of a Git context (the
// Last-Modified time of an HTTP one). Unset means nil: llbgen then uses the
// Unix epoch.
func sourceDateEpoch(ctx context.Context, bc *dockerui.Client) (*time.Time, error) {
	v, ok := bc.BuildArgs[epochArg]
	if !ok || v == "" {
		return nil, nil
	}
	if v == "context" {
		return bc.ResolveMainContextSourceDateEpoch(ctx)
	}
	sec, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("build arg %s=%q: expected a Unix time in seconds or \"context\"", epochArg, v)
	}
	t := time.Unix(sec, 0).UTC()
	return &t, nil
}
