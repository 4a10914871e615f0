package frontend

import (
	"context"
	"fmt"
	"io/fs"
	"path"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/pb"

	"github.com/mstage/mstage/spec"
)

// contextFiles reads the files a spec includes from where dockerui read
// the spec: the local the client sends the spec's directory as (a
// dockerfile context of buildx), or the remote context the spec is in. Each
// file is read with its own transfer of that one path, and kept as a source
// map for errors, warnings and op locations.
type contextFiles struct {
	ctx     context.Context
	bc      *dockerui.Client
	c       client.Client
	specSrc *dockerui.Source
	maps    map[string]*llb.SourceMap // by the name positions give
}

func newContextFiles(ctx context.Context, bc *dockerui.Client, c client.Client, src *dockerui.Source) *contextFiles {
	return &contextFiles{ctx: ctx, bc: bc, c: c, specSrc: src, maps: map[string]*llb.SourceMap{}}
}

// read is the spec.ReadFunc: rel is relative to the spec's directory.
func (f *contextFiles) read(rel string) ([]byte, error) {
	name := path.Join(path.Dir(f.specSrc.Filename), rel)
	// ReadEntrypoint builds the local (or the remote context) dockerui
	// reads the spec from; following the included path as well makes it
	// transfer that file too.
	src, err := f.bc.ReadEntrypoint(f.ctx, "yaml",
		llb.FollowPaths([]string{f.specSrc.Filename, name}),
		dockerui.WithInternalName("load included file "+name))
	if err != nil {
		return nil, err
	}
	st := src.SourceMap.State
	if st == nil {
		return nil, fmt.Errorf("no source state for %s", name)
	}
	def, err := st.Marshal(f.ctx)
	if err != nil {
		return nil, err
	}
	res, err := f.c.Solve(f.ctx, client.SolveRequest{Definition: def.ToPB()})
	if err != nil {
		return nil, err
	}
	ref, err := res.SingleRef()
	if err != nil {
		return nil, err
	}
	stat, err := ref.StatFile(f.ctx, client.StatRequest{Path: name})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, fs.ErrNotExist)
	}
	if stat.Size > spec.MaxFileSize {
		return nil, fmt.Errorf("%s is %d bytes, more than the limit of %d", name, stat.Size, spec.MaxFileSize)
	}
	data, err := dockerui.ReadFile(f.ctx, ref, name)
	if err != nil {
		return nil, err
	}
	sm := llb.NewSourceMap(st, name, "yaml", data)
	sm.Definition = def
	f.maps[name] = sm
	return data, nil
}

// specSources are the spec file and the files it includes as source maps.
type specSources struct {
	main     *llb.SourceMap
	included map[string]*llb.SourceMap // by the name positions give
}

// sourcesOf are the source maps of a spec read through dockerui and the
// files read, which may be nil.
func sourcesOf(src *dockerui.Source, files *contextFiles) specSources {
	s := specSources{main: src.SourceMap}
	if files != nil {
		s.included = files.maps
	}
	return s
}

// of is the source map of the file pos is in, or nil.
func (s specSources) of(pos spec.Pos) *llb.SourceMap {
	if pos.File == "" {
		return s.main
	}
	return s.included[pos.File]
}

// includedInfo is the source info of a warning at pos when pos is in an
// included file; nil (the spec file, dockerui's default) otherwise.
func includedInfo(srcs specSources, pos spec.Pos) *pb.SourceInfo {
	if pos.File == "" {
		return nil
	}
	if sm := srcs.of(pos); sm != nil {
		return sourceInfo(sm)
	}
	return nil
}

// includedMaps are source maps of the files s includes, for answers given
// outside a build (the CLI's), where they were read from disk.
func includedMaps(s *spec.Spec) map[string]*llb.SourceMap {
	if s == nil || len(s.Included) == 0 {
		return nil
	}
	maps := map[string]*llb.SourceMap{}
	for _, inc := range s.Included {
		sm := llb.NewSourceMap(nil, inc.Name, "yaml", inc.Data)
		sm.Definition = &llb.Definition{}
		maps[inc.Name] = sm
	}
	return maps
}

// sourceList is the texts of a spec (data) and of the files it includes,
// as the results of --call=targets and outline list their sources, and the
// location of a position among them.
func sourceList(s *spec.Spec, data []byte) ([][]byte, func(spec.Pos) *pb.Location) {
	list := [][]byte{data}
	index := map[string]int32{"": 0}
	for _, inc := range s.Included {
		index[inc.Name] = int32(len(list))
		list = append(list, inc.Data)
	}
	return list, func(pos spec.Pos) *pb.Location {
		loc := location(pos)
		if loc != nil {
			loc.SourceIndex = index[pos.File]
		}
		return loc
	}
}
