package llbgen

import (
	"context"
	"maps"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/apicaps"
	digest "github.com/opencontainers/go-digest"
)

// headMarshaler marshals several states with one set of constraints, as
// State.Marshal marshals each: llb caches a vertex's marshalled op by the
// constraints it was marshalled with, and State.Marshal makes new ones on
// every call, so the target, its gates and its guards, which share most of
// their vertices, would each marshal them again. It assumes that no state
// sets marshal defaults (State.SetMarshalDefaults), which llbgen never does.
type headMarshaler struct {
	co []llb.ConstraintsOpt
	c  *llb.Constraints
	// metadata is each vertex's metadata once converted, shared by the
	// definitions: it is only read. Two vertices with the same digest
	// may differ in their metadata (their names).
	metadata map[llb.Vertex]llb.OpMetadata
	// maps are the source maps with a state, each with its state
	// marshalled once.
	maps []*llb.SourceMap
	// walk is reused from one definition to the next, its maps cleared.
	walk headWalk
}

func newHeadMarshaler(co []llb.ConstraintsOpt) *headMarshaler {
	return &headMarshaler{co: co, c: llb.NewConstraints(co...), metadata: map[llb.Vertex]llb.OpMetadata{}}
}

// definition is what st.Marshal(ctx, m.co...) returns.
func (m *headMarshaler) definition(ctx context.Context, st llb.State) (*llb.Definition, error) {
	def := &llb.Definition{Metadata: map[digest.Digest]llb.OpMetadata{}, Constraints: m.c}
	out := st.Output()
	if out == nil || out.Vertex(ctx, m.c) == nil {
		return def, nil
	}
	w := m.newWalk(def)
	if err := w.walk(ctx, out.Vertex(ctx, m.c)); err != nil {
		return nil, err
	}
	inp, err := out.ToInput(ctx, m.c)
	if err != nil {
		return nil, err
	}
	dt, err := (&pb.Op{Inputs: []*pb.Input{inp}}).MarshalVT()
	if err != nil {
		return nil, err
	}
	def.Def = append(def.Def, dt)
	dgst := digest.FromBytes(dt)
	md := def.Metadata[dgst]
	md.Caps = map[apicaps.CapID]bool{pb.CapConstraints: true, pb.CapPlatform: true}
	for _, om := range def.Metadata {
		if om.IgnoreCache {
			md.Caps[pb.CapMetaIgnoreCache] = true
		}
		if om.Description != nil {
			md.Caps[pb.CapMetaDescription] = true
		}
		if om.ExportCache != nil {
			md.Caps[pb.CapMetaExportCache] = true
		}
	}
	def.Metadata[dgst] = md
	if def.Source, err = m.source(ctx, w); err != nil {
		return nil, err
	}
	return def, nil
}

func (m *headMarshaler) newWalk(def *llb.Definition) *headWalk {
	w := &m.walk
	if w.seen == nil {
		w.seen, w.written, w.locations = map[llb.Vertex]struct{}{}, map[digest.Digest]struct{}{}, map[digest.Digest][]*llb.SourceLocation{}
	}
	clear(w.seen)
	clear(w.written)
	clear(w.locations)
	w.m, w.def, w.maps = m, def, w.maps[:0]
	return w
}

// headWalk is the marshalling of one state: the ops it reaches, each once.
type headWalk struct {
	m         *headMarshaler
	def       *llb.Definition
	seen      map[llb.Vertex]struct{}
	written   map[digest.Digest]struct{}
	locations map[digest.Digest][]*llb.SourceLocation
	maps      []*llb.SourceMap // the source maps its ops point into, in order
}

func (w *headWalk) walk(ctx context.Context, v llb.Vertex) error {
	if _, ok := w.seen[v]; ok {
		return nil
	}
	for _, inp := range v.Inputs() {
		if err := w.walk(ctx, inp.Vertex(ctx, w.m.c)); err != nil {
			return err
		}
	}
	dgst, dt, opMeta, sls, err := v.Marshal(ctx, w.m.c)
	if err != nil {
		return err
	}
	w.seen[v] = struct{}{}
	if opMeta != nil {
		md, ok := w.m.metadata[v]
		if !ok {
			md = llb.NewOpMetadata(opMeta)
			w.m.metadata[v] = md
		}
		if prev, ok := w.def.Metadata[dgst]; ok {
			md = mergeOpMetadata(prev, md)
		}
		w.def.Metadata[dgst] = md
	}
	w.addLocations(dgst, sls)
	if _, ok := w.written[dgst]; ok {
		return nil
	}
	w.def.Def = append(w.def.Def, dt)
	w.written[dgst] = struct{}{}
	return nil
}

func (w *headWalk) addLocations(dgst digest.Digest, sls []*llb.SourceLocation) {
	for _, l := range sls {
		if sourceMapIndex(w.maps, l.SourceMap) < 0 {
			w.maps = append(w.maps, l.SourceMap)
		}
	}
	w.locations[dgst] = append(w.locations[dgst], sls...)
}

// sourceMapIndex is the index of sm in maps, comparing them by what they
// hold as llb does, or -1.
func sourceMapIndex(maps []*llb.SourceMap, sm *llb.SourceMap) int {
	for i, m := range maps {
		if m == sm || sameSourceMap(m, sm) {
			return i
		}
	}
	return -1
}

func sameSourceMap(a, b *llb.SourceMap) bool {
	if a == nil || b == nil || a.Filename != b.Filename || a.Language != b.Language || string(a.Data) != string(b.Data) {
		return false
	}
	return a.State == b.State && a.Definition == b.Definition
}

// source is the source map part of w's definition.
func (m *headMarshaler) source(ctx context.Context, w *headWalk) (*pb.Source, error) {
	s := &pb.Source{Locations: make(map[string]*pb.Locations, len(w.locations))}
	for _, sm := range w.maps {
		info, err := m.sourceInfo(ctx, sm)
		if err != nil {
			return nil, err
		}
		s.Infos = append(s.Infos, info)
	}
	for dgst, locs := range w.locations {
		pl := &pb.Locations{}
		for _, loc := range locs {
			pl.Locations = append(pl.Locations, &pb.Location{
				SourceIndex: int32(sourceMapIndex(w.maps, loc.SourceMap)),
				Ranges:      loc.Ranges,
			})
		}
		s.Locations[dgst.String()] = pl
	}
	return s, nil
}

// sourceInfo describes sm, marshalling its state once per marshaler.
func (m *headMarshaler) sourceInfo(ctx context.Context, sm *llb.SourceMap) (*pb.SourceInfo, error) {
	info := &pb.SourceInfo{Data: sm.Data, Filename: sm.Filename, Language: sm.Language}
	def := sm.Definition
	if def == nil && sm.State != nil {
		i := sourceMapIndex(m.maps, sm)
		if i < 0 {
			d, err := sm.State.Marshal(ctx, m.co...)
			if err != nil {
				return nil, err
			}
			m.maps = append(m.maps, &llb.SourceMap{State: sm.State, Definition: d, Filename: sm.Filename, Language: sm.Language, Data: sm.Data})
			i = len(m.maps) - 1
		}
		def = m.maps[i].Definition
	}
	if def != nil {
		info.Definition = def.ToPB()
	}
	return info, nil
}

// mergeOpMetadata is a's metadata with b's added, as llb merges the
// metadata of two vertices with the same digest; it leaves a and b as
// they are.
func mergeOpMetadata(a, b llb.OpMetadata) llb.OpMetadata {
	out := a
	out.IgnoreCache = a.IgnoreCache || b.IgnoreCache
	if len(b.Description) > 0 {
		out.Description = maps.Clone(a.Description)
		if out.Description == nil {
			out.Description = map[string]string{}
		}
		maps.Copy(out.Description, b.Description)
	}
	if b.ExportCache != nil {
		out.ExportCache = b.ExportCache
	}
	if len(b.Caps) > 0 {
		out.Caps = maps.Clone(a.Caps)
		if out.Caps == nil {
			out.Caps = map[apicaps.CapID]bool{}
		}
		for k := range b.Caps {
			out.Caps[k] = true
		}
	}
	if b.ProgressGroup != nil {
		out.ProgressGroup = b.ProgressGroup
	}
	if b.LinuxResources != nil {
		out.LinuxResources = b.LinuxResources
	}
	return out
}

// settleInputs lists, one vertex after the other, the inputs of every
// vertex the results reach. llb sorts an exec op's mounts in place each
// time it lists them or marshals the op; the results of one CompileEach
// share vertices and are marshalled at once, one goroutine per platform, so
// that first sort must happen before: sorting a sorted slice only reads it.
// TestCompileEachResultsMarshalAtOnce runs under the race detector.
func settleInputs(ctx context.Context, results []*Result) {
	c := llb.NewConstraints()
	seen := map[llb.Vertex]struct{}{}
	var visit func(v llb.Vertex)
	visit = func(v llb.Vertex) {
		if v == nil {
			return
		}
		if _, ok := seen[v]; ok {
			return
		}
		seen[v] = struct{}{}
		for _, inp := range v.Inputs() {
			visit(inp.Vertex(ctx, c))
		}
	}
	settle := func(st llb.State) {
		if out := st.Output(); out != nil {
			visit(out.Vertex(ctx, c))
		}
	}
	for _, r := range results {
		settle(r.State)
		for _, g := range r.Gates {
			settle(g.State)
		}
		for _, g := range r.Guards {
			settle(g.State)
		}
	}
}
