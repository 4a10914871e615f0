package frontend

import (
	"encoding/json"

	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/frontend/subrequests"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/frontend/subrequests/outline"
	"github.com/moby/buildkit/frontend/subrequests/targets"

	"github.com/mstage/mstage/schema"
)

// requestSchema answers `docker buildx build --call=schema`: the JSON schema
// of the spec, for editors and validators.
const requestSchema = "frontend.schema"

var schemaDefinition = subrequests.Request{
	Name:        requestSchema,
	Version:     "1.0.0",
	Type:        subrequests.TypeRPC,
	Description: "JSON schema of the mstage spec format",
	Metadata:    []subrequests.Named{{Name: "result.json"}, {Name: "result.txt"}},
}

// ownSubrequest answers the subrequests that need no spec: the schema, and
// the list of subrequests, which dockerui would give without the schema.
func ownSubrequest(requestID string) (*client.Result, bool, error) {
	switch requestID {
	case requestSchema:
		dt, err := schema.Generate()
		if err != nil {
			return nil, true, err
		}
		return rpcResult(dt, dt, schemaDefinition.Version), true, nil
	case subrequests.RequestSubrequestsDescribe:
		all := []subrequests.Request{
			outline.SubrequestsOutlineDefinition,
			targets.SubrequestsTargetsDefinition,
			lint.SubrequestLintDefinition,
			schemaDefinition,
			subrequests.SubrequestsDescribeDefinition,
		}
		dt, err := json.MarshalIndent(all, "", "  ")
		if err != nil {
			return nil, true, err
		}
		var txt []byte
		for _, r := range all {
			txt = append(txt, r.Name+"\t"+r.Description+"\n"...)
		}
		return rpcResult(dt, txt, subrequests.SubrequestsDescribeDefinition.Version), true, nil
	}
	return nil, false, nil
}

func rpcResult(js, txt []byte, version string) *client.Result {
	res := client.NewResult()
	res.AddMeta("result.json", js)
	res.AddMeta("result.txt", txt)
	res.AddMeta("version", []byte(version))
	return res
}
