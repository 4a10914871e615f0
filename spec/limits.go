package spec

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// Limits on what Parse and Expand accept. A spec file is written by people,
// so these are far above any real file; they exist so that a hostile or
// broken file fails fast with a positioned error instead of exhausting the
// frontend's memory or time.
const (
	// MaxFileSize is the largest spec file, in bytes. The YAML lexer and
	// parser allocate several hundred bytes per token, and at 1 MiB some
	// inputs took them more than a second.
	MaxFileSize = 512 << 10
	// MaxTokens bounds the YAML tokens of a file, estimated before the
	// lexer runs as two per word plus one per flow indicator ([ ] { } ,),
	// which is at least the real count.
	MaxTokens = 100_000
	// MaxBlankLines is the longest run of blank lines. The YAML lexer
	// trims the blank lines that end a block scalar one at a time, each
	// time copying the whole scalar.
	MaxBlankLines = 20
	// MaxDepth is the deepest nesting of YAML collections, counting the
	// nesting that aliases add when they are expanded.
	MaxDepth = 64
	// MaxNodes is the most YAML nodes a file may hold once every alias is
	// expanded (a "billion laughs" file is rejected by this limit before
	// anything is expanded).
	MaxNodes = 200_000
	// MaxMappingKeys is the most keys in one block mapping. The YAML
	// parser's time grows with the square of a block mapping's width.
	MaxMappingKeys = 2_500
	// MaxStages is the most stages (builders, artifacts and runtimes
	// together) in one file.
	MaxStages = 2_000
	// MaxRefPatterns is the most distinct stage references with a
	// ${VAR} (builder: base-${TARGETARCH}) one file may hold: each is
	// matched against every stage name.
	MaxRefPatterns = 64
	// MaxStringLen is the longest scalar in the file, in bytes.
	MaxStringLen = 64 << 10
	// MaxExpandedLen is the longest value a ${VAR} expansion may produce.
	MaxExpandedLen = 64 << 10
	// MaxExpandedTotal is the most bytes all the ${VAR} expansions of one
	// WordExpander (one Expand, one platform of a build) may produce
	// together. What expansions may allocate is bounded in meter.go.
	MaxExpandedTotal = 4 << 20
	// MaxDocumentBytes is the most bytes of text (keys and scalar values)
	// a document may hold once every alias is expanded: an alias to a long
	// scalar counts its bytes each time it is used, so a short file cannot
	// stand for gigabytes of run commands.
	MaxDocumentBytes = 4 << 20
	// MaxPlatforms is the most platforms a spec's platforms list, or a
	// build request, may name.
	MaxPlatforms = 16
	// MaxBuildOps bounds the work of one build: the stages the target
	// reaches, their steps and their copy entries, times the platforms it is
	// built for (every platform compiles every stage the target reaches, all
	// at once; each costs 50 to 90 µs of CPU). Parse checks the whole file
	// for MaxBuildPlatforms platforms, CheckBuildSize a build request.
	MaxBuildOps = 16_000
	// MaxBuildPlatforms is the number of platforms Parse checks
	// MaxBuildOps and MaxChainWork for: a file that parses can be built
	// for this many platforms at once.
	MaxBuildPlatforms = 4
	// MaxExposedPorts bounds the ports all runtimes expose, a range
	// counting every port in it and a runtime the ports of the runtimes it
	// extends: each port is an entry of an image config.
	MaxExposedPorts = 1 << 16
	// MaxChainWork bounds the sum, over every step and runtime copy entry,
	// of the steps before it in its chain of stages (from, builder), times
	// the platforms of the build: LLB looks a step's settings up by walking
	// back through the steps before it, on every platform. Parse checks it
	// for MaxBuildPlatforms platforms, CheckBuildSize for the platforms of
	// the build.
	MaxChainWork = 1_600_000
)

// CheckBuildSize checks that building target (the default target when
// empty) for n platforms stays within MaxPlatforms, MaxBuildOps and
// MaxChainWork.
// The error is an ErrorList positioned at the spec's platforms when it
// lists them, else at the target stage.
func (s *Spec) CheckBuildSize(target string, n int) error {
	if target == "" {
		target = s.DefaultTarget()
	}
	errs := &errorSink{filename: s.Filename}
	pos := s.At("platforms")
	if !s.Has("platforms") {
		if st := s.Stage(target); st != nil {
			pos = st.Pos
		}
	}
	ops := 0
	for _, st := range s.Reachable(target) {
		ops += stageOps(st)
	}
	switch {
	case n > MaxPlatforms:
		errs.add(pos, fmt.Sprintf("the build is for %d platforms, more than the limit of %d", n, MaxPlatforms), "fewer platforms", "")
	case n*ops > MaxBuildOps:
		errs.add(pos, fmt.Sprintf("target %s reaches %d stages, steps and copy entries, which for %d platforms is %d, more than the limit of %d", shorten(target), ops, n, n*ops, MaxBuildOps),
			fmt.Sprintf("at most %d for %d platforms: fewer steps (run several commands in one), or fewer platforms per build", MaxBuildOps/n, n), "")
	case n*s.chainWork > MaxChainWork:
		errs.add(pos, fmt.Sprintf("the steps of the spec build on %d earlier steps in all, which for %d platforms is more than the limit of %d", s.chainWork, n, MaxChainWork),
			fmt.Sprintf("at most %d for %d platforms: shorter chains of stages, or fewer platforms per build", MaxChainWork/n, n), "")
	}
	return errs.result()
}

// checkBytes rejects, before the YAML lexer sees them, files that are too
// large, hold NUL bytes, are not UTF-8, would make too many tokens or have
// long runs of blank lines.
func checkBytes(errs *errorSink, data []byte) bool {
	if len(data) > MaxFileSize {
		// Positioned at the first byte past the limit, so that a file
		// that grew by accident shows where.
		past := data[:MaxFileSize]
		pos := Pos{Line: bytes.Count(past, []byte{'\n'}) + 1, Col: MaxFileSize - bytes.LastIndexByte(past, '\n')}
		errs.add(pos, fmt.Sprintf("file is %d bytes, more than the limit of %d", len(data), MaxFileSize), "", "")
		return false
	}
	line, col := 1, 1
	tokens, blank := 0, 0
	inWord, lineBlank := false, true
	for i := 0; i < len(data); {
		b := data[i]
		switch {
		case b == 0:
			errs.add(Pos{Line: line, Col: col}, "NUL byte in file", "UTF-8 text", "")
			return false
		case b == '\n' || b == '\r' && (i+1 == len(data) || data[i+1] != '\n'):
			if lineBlank {
				if blank++; blank > MaxBlankLines {
					errs.add(Pos{Line: line, Col: 1}, fmt.Sprintf("more than %d blank lines in a row", MaxBlankLines), "fewer blank lines", "")
					return false
				}
			} else {
				blank = 0
			}
			line, col = line+1, 1
			inWord, lineBlank = false, true
			i++
			continue
		case b == ' ' || b == '\t' || b == '\r':
			inWord = false
			i++
		case b == '[' || b == ']' || b == '{' || b == '}' || b == ',':
			inWord, lineBlank = false, false
			tokens++
			i++
		case b < utf8.RuneSelf:
			if !inWord {
				tokens += 2
			}
			inWord, lineBlank = true, false
			i++
		default:
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size <= 1 {
				errs.add(Pos{Line: line, Col: col}, "invalid UTF-8 byte sequence", "UTF-8 text", "")
				return false
			}
			if !inWord {
				tokens += 2
			}
			inWord, lineBlank = true, false
			i += size
		}
		if tokens > MaxTokens {
			errs.add(Pos{Line: line, Col: col}, fmt.Sprintf("more than %d YAML tokens", MaxTokens), "a smaller file: fewer keys, list items and words", "")
			return false
		}
		col++
	}
	return true
}

// checkTokens bounds what the YAML parser would spend time on beyond a
// linear pass: flow collections ([ and {) and compact block sequences
// (- - -) make it recurse once per level, and a block mapping costs time
// quadratic in its number of keys. They are checked on the token stream,
// before parsing.
func checkTokens(errs *errorSink, tokens token.Tokens) bool {
	tooDeep := func(tk *token.Token) bool {
		errs.add(tokenPos(tk), fmt.Sprintf("nesting deeper than %d levels", MaxDepth), "", "")
		return false
	}
	type blockMap struct{ col, keys int }
	var open []blockMap // block mappings that may still get keys, by column
	closeDeeper := func(col int) {
		for len(open) > 0 && open[len(open)-1].col > col {
			open = open[:len(open)-1]
		}
	}
	flow, line, compact := 0, 0, 0
	for i, tk := range tokens {
		if tk.Position == nil {
			continue
		}
		newLine := tk.Position.Line != line
		if newLine {
			line, compact = tk.Position.Line, 0
		}
		switch tk.Type {
		case token.SequenceStartType, token.MappingStartType:
			if flow++; flow > MaxDepth {
				return tooDeep(tk)
			}
		case token.SequenceEndType, token.MappingEndType:
			flow = max(flow-1, 0)
		}
		if flow > 0 {
			continue
		}
		if newLine {
			closeDeeper(tk.Position.Column)
		}
		// countKey counts a key of the block mapping at the key's column.
		countKey := func(key *token.Token) bool {
			closeDeeper(key.Position.Column)
			if n := len(open); n > 0 && open[n-1].col == key.Position.Column {
				if open[n-1].keys++; open[n-1].keys > MaxMappingKeys {
					errs.add(tokenPos(key), fmt.Sprintf("more than %d keys in one mapping", MaxMappingKeys), "", "")
					return false
				}
			} else {
				open = append(open, blockMap{col: key.Position.Column, keys: 1})
			}
			return true
		}
		switch tk.Type {
		case token.SequenceEntryType:
			closeDeeper(tk.Position.Column)
			if compact++; compact > MaxDepth {
				return tooDeep(tk)
			}
		case token.MappingKeyType: // an explicit "? key"
			if compact++; compact > MaxDepth {
				return tooDeep(tk)
			}
			if !countKey(tk) {
				return false
			}
		case token.MappingValueType:
			if compact++; compact > MaxDepth {
				return tooDeep(tk)
			}
			if i == 0 || tokens[i-1].Position == nil {
				continue
			}
			key := tokens[i-1]
			if i > 1 && tokens[i-2].Type == token.MappingKeyType {
				continue // counted at its "?"
			}
			if !countKey(key) {
				return false
			}
		}
	}
	return true
}

func tokenPos(tk *token.Token) Pos {
	if tk == nil || tk.Position == nil {
		return Pos{}
	}
	return Pos{Line: tk.Position.Line, Col: tk.Position.Column}
}

// shape is what the AST pre-pass learns about a document: the node each
// alias stands for, and whether the expanded document stays within limits.
type shape struct {
	errs    *errorSink
	anchors map[string]ast.Node
	aliases map[*ast.AliasNode]ast.Node
	// extent of every anchored node once its aliases are expanded
	extents map[ast.Node]extent
	bytes   int // text of the document so far, aliases expanded
}

// extent is the size of a node once its aliases are expanded: its node
// count, its height (how many collections deep it goes) and the bytes of
// its keys and scalars.
type extent struct {
	size, height, bytes int
}

// measure walks the document once, in order, resolving each alias to the
// latest anchor of its name defined before it, and counts nodes, depth and
// bytes as if every alias were expanded. It returns false (with an error)
// when a limit is exceeded; nothing is ever expanded here, so a
// billion-laughs document costs time linear in its text.
//
// totals holds what the files read before this one (a spec and the files it
// includes) used of MaxNodes and MaxDocumentBytes; measure adds this one's.
func measure(errs *errorSink, root ast.Node, totals *docTotals) (*shape, bool) {
	sh := &shape{
		errs:    errs,
		anchors: map[string]ast.Node{},
		aliases: map[*ast.AliasNode]ast.Node{},
		extents: map[ast.Node]extent{},
		bytes:   totals.bytes,
	}
	e, ok := sh.walk(root, 1)
	if !ok {
		return sh, false
	}
	totals.bytes = sh.bytes
	if totals.nodes += e.size; totals.nodes > MaxNodes {
		errs.add(nodePos(root), fmt.Sprintf("the spec and its included files have more than %d nodes once aliases are expanded", MaxNodes), "smaller or fewer included files", "")
		return sh, false
	}
	return sh, true
}

// docTotals is what the files of one spec hold together, aliases expanded.
type docTotals struct {
	nodes, bytes int
}

// addBytes counts n more bytes of expanded text at node at.
func (sh *shape) addBytes(n int, at ast.Node) bool {
	if sh.bytes += n; sh.bytes > MaxDocumentBytes {
		sh.errs.add(nodePos(at), fmt.Sprintf("document holds more than %d bytes of text once aliases are expanded", MaxDocumentBytes), "fewer uses of aliases to long values", "")
		return false
	}
	return true
}

// walk returns the expanded extent of n, with depth the number of
// collections it is nested in, itself included.
func (sh *shape) walk(n ast.Node, depth int) (extent, bool) {
	if n == nil {
		return extent{}, true
	}
	switch n.(type) {
	case *ast.MappingNode, *ast.SequenceNode:
		if depth > MaxDepth {
			sh.errs.add(nodePos(n), fmt.Sprintf("nesting deeper than %d levels", MaxDepth), "", "")
			return extent{}, false
		}
	}
	sum := func(children ...ast.Node) (extent, bool) {
		total := extent{size: 1, height: 1}
		for _, c := range children {
			e, ok := sh.walk(c, depth+1)
			if !ok {
				return extent{}, false
			}
			total.size += e.size
			total.bytes += e.bytes
			total.height = max(total.height, e.height+1)
			if total.size > MaxNodes {
				sh.errs.add(nodePos(c), fmt.Sprintf("document has more than %d nodes once aliases are expanded", MaxNodes), "fewer or smaller aliases", "")
				return extent{}, false
			}
		}
		return total, true
	}
	switch n := n.(type) {
	case *ast.MappingNode:
		children := make([]ast.Node, 0, 2*len(n.Values))
		for _, v := range n.Values {
			children = append(children, v.Key, v.Value)
		}
		return sum(children...)
	case *ast.MappingValueNode:
		return sum(n.Key, n.Value)
	case *ast.SequenceNode:
		return sum(n.Values...)
	case *ast.MappingKeyNode:
		return sum(n.Value)
	case *ast.TagNode:
		return sh.walk(n.Value, depth)
	case *ast.AnchorNode:
		e, ok := sh.walk(n.Value, depth)
		if !ok {
			return extent{}, false
		}
		if name, isName := scalarText(n.Name); isName && n.Value != nil {
			sh.anchors[name] = n.Value
			sh.extents[n.Value] = e
		}
		return e, true
	case *ast.AliasNode:
		name, _ := scalarText(n.Value)
		target, found := sh.anchors[name]
		if !found {
			sh.errs.add(nodePos(n), fmt.Sprintf("alias *%s refers to no anchor defined before it", name), "an anchor &"+name+" earlier in the file", "")
			return extent{}, false
		}
		sh.aliases[n] = target
		e := sh.extents[target]
		if depth+e.height-1 > MaxDepth {
			sh.errs.add(nodePos(n), fmt.Sprintf("alias *%s nests deeper than %d levels when expanded", name, MaxDepth), "", "")
			return extent{}, false
		}
		// The text under the anchor was counted where it is written.
		if !sh.addBytes(e.bytes, n) {
			return extent{}, false
		}
		return e, true
	default:
		text, _ := scalarText(n)
		if !sh.addBytes(len(text), n) {
			return extent{}, false
		}
		return extent{size: 1, bytes: len(text)}, true
	}
}

// stageOps is what compiling a stage costs, counted in MaxBuildOps: the
// stage, its steps and its copy entries.
func stageOps(st *Stage) int { return 1 + len(st.Steps) + len(st.Copy) }
