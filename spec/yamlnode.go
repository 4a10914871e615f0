package spec

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// This file turns goccy/go-yaml AST nodes into Go values, reporting every
// type mismatch at the node's position.

// decoder decodes one document whose aliases were resolved by measure.
type decoder struct {
	errs  *errorSink
	shape *shape
	// fragment is set while an included file is decoded.
	fragment bool
	// stages counts the stages of the spec and its included files so far.
	stageCount *int
	keys       map[keysOf][]string // memoized yamlKeys: reflection is slow and a spec has many stages
}

type keysOf struct {
	t    reflect.Type
	kind string
}

// allowedKeys returns yamlKeys(t, kind).
func (d *decoder) allowedKeys(t reflect.Type, kind string) []string {
	k := keysOf{t, kind}
	if keys, ok := d.keys[k]; ok {
		return keys
	}
	if d.keys == nil {
		d.keys = map[keysOf][]string{}
	}
	d.keys[k] = yamlKeys(t, kind)
	return d.keys[k]
}

// resolve strips anchors and tags and follows aliases.
func (d *decoder) resolve(n ast.Node) ast.Node {
	for range MaxDepth {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		case *ast.AliasNode:
			n = d.shape.aliases[v]
		default:
			return n
		}
	}
	return n
}

func nodePos(n ast.Node) Pos {
	switch v := n.(type) {
	case nil:
		return Pos{}
	case *ast.MappingNode:
		if v == nil {
			return Pos{}
		}
		if !v.IsFlowStyle && len(v.Values) > 0 {
			return nodePos(v.Values[0].Key)
		}
		return tokenPos(v.Start)
	case *ast.MappingValueNode:
		if v == nil {
			return Pos{}
		}
		return nodePos(v.Key)
	case *ast.SequenceNode:
		if v == nil {
			return Pos{}
		}
		return tokenPos(v.Start)
	case *ast.DocumentNode:
		if v == nil {
			return Pos{}
		}
		return nodePos(v.Body)
	}
	return tokenPos(n.GetToken())
}

// scalarText returns the text of a scalar node as written (numbers and
// booleans keep their spelling, so `mode: 0755` stays "0755").
func scalarText(n ast.Node) (string, bool) {
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		if v.Value == nil {
			return "", true
		}
		return v.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		if tk := n.GetToken(); tk != nil {
			return tk.Value, true
		}
	}
	return "", false
}

// describe names the YAML type of a node for "got ..." messages.
func describe(n ast.Node) string {
	switch n.(type) {
	case nil, *ast.NullNode:
		return "empty"
	case *ast.MappingNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.IntegerNode, *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "a number"
	case *ast.BoolNode:
		return "a boolean"
	case *ast.StringNode, *ast.LiteralNode:
		return "a string"
	}
	return "a " + strings.ToLower(n.Type().String())
}

func (d *decoder) typeErr(n ast.Node, what, expected string) {
	d.errs.add(nodePos(n), fmt.Sprintf("%s is %s", what, describe(d.resolve(n))), expected, "")
}

func (d *decoder) str(n ast.Node, what string) (string, bool) {
	text, ok := scalarText(d.resolve(n))
	if !ok {
		d.typeErr(n, what, "a string")
		return "", false
	}
	if len(text) > MaxStringLen {
		d.errs.add(nodePos(n), fmt.Sprintf("%s is %d bytes long, more than the limit of %d", what, len(text), MaxStringLen), "", "")
		return "", false
	}
	if err := checkText(text); err != nil {
		d.errs.add(nodePos(n), fmt.Sprintf("%s %v", what, err), expectedText, "")
		return "", false
	}
	return text, true
}

// strList accepts a list of strings or a single string.
func (d *decoder) strList(n ast.Node, what string) ([]String, bool) {
	const expected = "a list of strings or a string"
	switch r := d.resolve(n).(type) {
	case *ast.SequenceNode:
		out := make([]String, 0, len(r.Values))
		ok := true
		for _, item := range r.Values {
			if _, scalar := scalarText(d.resolve(item)); !scalar {
				d.typeErr(item, "an item of "+what, "a string")
				ok = false
				continue
			}
			v, good := d.str(item, "an item of "+what)
			ok = ok && good
			out = append(out, String{Value: v, Pos: nodePos(item)})
		}
		return out, ok
	default:
		if _, scalar := scalarText(r); !scalar {
			d.typeErr(n, what, expected)
			return nil, false
		}
		v, ok := d.str(n, what)
		return []String{{Value: v, Pos: nodePos(n)}}, ok
	}
}

func (d *decoder) boolean(n ast.Node, what string) (bool, bool) {
	b, ok := d.resolve(n).(*ast.BoolNode)
	if !ok {
		d.typeErr(n, what, "true or false")
		return false, false
	}
	return b.Value, true
}

func (d *decoder) integer(n ast.Node, what string) (int, bool) {
	i, ok := d.resolve(n).(*ast.IntegerNode)
	if ok {
		switch v := i.Value.(type) {
		case int64:
			if v >= math.MinInt32 && v <= math.MaxInt32 {
				return int(v), true
			}
		case uint64:
			if v <= math.MaxInt32 {
				return int(v), true
			}
		}
		d.errs.add(nodePos(n), fmt.Sprintf("%s is out of range", what), "an integer that fits in 32 bits", "")
		return 0, false
	}
	d.typeErr(n, what, "an integer")
	return 0, false
}

// command accepts a shell string or a list of strings (argv).
func (d *decoder) command(n ast.Node, what string) (*Command, bool) {
	pos := nodePos(n)
	if seq, isSeq := d.resolve(n).(*ast.SequenceNode); isSeq {
		args := make([]string, 0, len(seq.Values))
		ok := true
		for _, item := range seq.Values {
			v, good := d.str(item, "an argument of "+what)
			ok = ok && good
			args = append(args, v)
		}
		return &Command{Args: args, Pos: pos}, ok
	}
	if _, scalar := scalarText(d.resolve(n)); !scalar {
		d.typeErr(n, what, "a string or a list of strings")
		return nil, false
	}
	shell, ok := d.str(n, what)
	return &Command{Shell: shell, Pos: pos}, ok
}

// entry is one key of a mapping, with its value still undecoded.
type entry struct {
	key    string
	keyPos Pos
	value  ast.Node
	pos    Pos // of the value
}

type mapping struct {
	pos     Pos
	entries []entry
	index   map[string]int
}

func (m *mapping) node(pos Pos) Node {
	keys := make(map[string]Pos, len(m.entries))
	for _, e := range m.entries {
		keys[e.key] = e.pos
	}
	return Node{Pos: pos, Keys: keys}
}

func (m *mapping) get(key string) (entry, bool) {
	i, ok := m.index[key]
	if !ok {
		return entry{}, false
	}
	return m.entries[i], true
}

// mapping decodes a mapping node into its entries in file order. Duplicate
// keys are errors; merge keys (<<) add the keys of the merged mappings that
// are not written explicitly.
func (d *decoder) mapping(n ast.Node, what string) (*mapping, bool) {
	m, ok := d.resolve(n).(*ast.MappingNode)
	if !ok {
		d.typeErr(n, what, "a mapping")
		return nil, false
	}
	out := &mapping{pos: nodePos(m), index: map[string]int{}}
	var merges []ast.Node
	for _, mv := range m.Values {
		if mv == nil {
			continue
		}
		if _, isMerge := mv.Key.(*ast.MergeKeyNode); isMerge {
			merges = append(merges, mv.Value)
			continue
		}
		key, isScalar := scalarText(d.resolve(mv.Key))
		if !isScalar {
			d.errs.add(nodePos(mv.Key), fmt.Sprintf("a key of %s is %s", what, describe(d.resolve(mv.Key))), "a string", "")
			continue
		}
		if len(key) > MaxStringLen {
			d.errs.add(nodePos(mv.Key), fmt.Sprintf("a key of %s is %d bytes long, more than the limit of %d", what, len(key), MaxStringLen), "", "")
			continue
		}
		if err := checkText(key); err != nil {
			d.errs.add(nodePos(mv.Key), fmt.Sprintf("a key of %s %v", what, err), expectedText, "")
			continue
		}
		if first, dup := out.index[key]; dup {
			if !d.errs.full() {
				d.errs.add(nodePos(mv.Key), fmt.Sprintf("duplicate key %s in %s (first set at %s)", shorten(key), what, out.entries[first].keyPos), "each key once", "")
			}
			continue
		}
		out.index[key] = len(out.entries)
		out.entries = append(out.entries, entry{key: key, keyPos: nodePos(mv.Key), value: mv.Value, pos: valuePos(mv)})
	}
	for _, merge := range merges {
		sources := []ast.Node{merge}
		if seq, isSeq := d.resolve(merge).(*ast.SequenceNode); isSeq {
			sources = seq.Values
		}
		for _, src := range sources {
			sub, ok := d.mapping(src, "a merge (<<) value")
			if !ok {
				continue
			}
			for _, e := range sub.entries {
				if _, exists := out.index[e.key]; !exists {
					out.index[e.key] = len(out.entries)
					out.entries = append(out.entries, e)
				}
			}
		}
	}
	return out, true
}

// valuePos is where the value of a key is written; an empty value is
// reported at its key.
func valuePos(mv *ast.MappingValueNode) Pos {
	if p := nodePos(mv.Value); p.IsValid() {
		if _, isNull := mv.Value.(*ast.NullNode); !isNull {
			return p
		}
	}
	return nodePos(mv.Key)
}

// checkKeys reports every key of m that is not in allowed. kindOf, when set,
// names the kinds a misplaced key belongs to ("outputs" is for artifacts).
func (d *decoder) checkKeys(m *mapping, allowed []string, what string, kindOf func(key string) string) {
	for _, e := range m.entries {
		if containsString(allowed, e.key) {
			continue
		}
		if d.errs.full() {
			return
		}
		expected := "one of " + strings.Join(allowed, ", ")
		if kindOf != nil {
			if owner := kindOf(e.key); owner != "" {
				d.errs.add(e.keyPos, fmt.Sprintf("key %s is not allowed in %s; it belongs in %s", shorten(e.key), what, owner), expected, "")
				continue
			}
		}
		d.errs.add(e.keyPos, fmt.Sprintf("unknown key %s in %s", shorten(e.key), what), expected, Suggest(e.key, allowed))
	}
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// yamlError converts an error of the YAML lexer or parser into a positioned
// Error.
func yamlError(errs *errorSink, err error) {
	var yerr yaml.Error
	if !errors.As(err, &yerr) {
		errs.add(Pos{}, "invalid YAML: "+err.Error(), "", "")
		return
	}
	pos := tokenPos(yerr.GetToken())
	msg := yerr.GetMessage()
	if strings.Contains(msg, "'\t'") || strings.Contains(msg, `'\t'`) {
		errs.add(pos, "tab character where YAML needs indentation", "spaces for indentation", "")
		return
	}
	errs.add(pos, "invalid YAML: "+msg, "", "")
}
