package spec

import (
	"maps"
	"slices"

	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// ValuesAfterEnv calls fn with every value of st that ${VAR} expansion
// applies to after the stage's env: the values that see the base image's
// env and all of the stage's env (see StageExpander.In). Empty values are
// skipped.
func (st *Stage) ValuesAfterEnv(fn func(value string, pos Pos)) {
	walkRest(st, valueVisitor(fn))
}

type valueVisitor func(value string, pos Pos)

func (f valueVisitor) field(n Node, key string, value *string) {
	if *value != "" {
		f(*value, n.At(key))
	}
}

func (f valueVisitor) item(value *string, pos Pos) {
	if *value != "" {
		f(*value, pos)
	}
}

// definedEnv answers the shell lexer with empty values for the names
// defined knows.
type definedEnv func(name string) bool

func (d definedEnv) Get(name string) (string, bool) { return "", d(name) }
func (d definedEnv) Keys() []string                 { return nil }

// UndefinedRefs returns, sorted, the names value references that defined
// does not know and that expand to nothing for it: $NAME and ${NAME}, found
// by the shell lexer that expands them. A reference that handles an unset
// variable (${NAME:-x}, ${NAME-x}, ${NAME:+x}, ${NAME:?message}) is not
// returned, nor is an escaped \$NAME. A value the lexer cannot parse gives
// nothing: expansion reports it.
func UndefinedRefs(value string, defined func(name string) bool) []string {
	lex := shell.NewLex('\\')
	lex.SkipProcessQuotes = true
	res, err := lex.ProcessWordWithMatches(value, definedEnv(defined))
	if err != nil || len(res.Unmatched) == 0 {
		return nil
	}
	bare := bareRefs(value)
	var out []string
	for _, name := range slices.Sorted(maps.Keys(res.Unmatched)) {
		if bare[name] {
			out = append(out, name)
		}
	}
	return out
}

// bareRefs finds the names referenced as $NAME or ${NAME}, without a
// modifier, outside an escape.
func bareRefs(w string) map[string]bool {
	names := map[string]bool{}
	for i := 0; i < len(w); i++ {
		switch w[i] {
		case '\\':
			i++
			continue
		case '$':
		default:
			continue
		}
		j := i + 1
		braced := j < len(w) && w[j] == '{'
		if braced {
			j++
		}
		k := j
		for k < len(w) && (w[k] == '_' || w[k] >= 'a' && w[k] <= 'z' || w[k] >= 'A' && w[k] <= 'Z' || k > j && w[k] >= '0' && w[k] <= '9') {
			k++
		}
		if k > j && (!braced || k < len(w) && w[k] == '}') {
			names[w[j:k]] = true
		}
		i = k - 1
	}
	return names
}
