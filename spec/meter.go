package spec

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// Limits on the work of one ${VAR} expansion, checked before the shell
// lexer runs (see WordExpander).
const (
	// MaxExpandWork is the most bytes the expansion of one value may build,
	// intermediate strings included, as computed from the value's text and
	// the lengths of the variables it names before anything is expanded.
	// ${A//?/${B}} builds len(A) times len(B) bytes: it is refused here
	// when that is more than the limit, instead of being built and then
	// found too long.
	MaxExpandWork = 16 << 20
	// MaxExpandWorkTotal is the most bytes all the expansions of one
	// WordExpander (one StageExpander) may build together.
	MaxExpandWorkTotal = 40 << 20
)

// WordExpander expands ${VAR} references in single values. It is the one
// expander of the module: StageExpander, RunVars, lint and
// `mstage lock` all expand through it. Before the lexer runs, it computes
// from the value's text and the lengths of the variables the most bytes
// the lexer could build (every ${NAME/pattern/replacement} counted as its
// replacement repeated once per character of NAME, plus one), and refuses
// the value when that is more than MaxExpandWork or more than what is left
// of MaxExpandWorkTotal. The result must then be at most MaxExpandedLen
// bytes, and all results together at most MaxExpandedTotal.
//
// A `\$` writes a literal dollar; quotes are part of the value (YAML did
// the quoting). A WordExpander is not safe for concurrent use.
type WordExpander struct {
	lex      *shell.Lex
	vars     varsEnv
	workLeft int // of MaxExpandWorkTotal
	outLeft  int // of MaxExpandedTotal
}

// NewWordExpander returns a WordExpander for vars.
func NewWordExpander(vars map[string]string) *WordExpander {
	lex := shell.NewLex('\\')
	lex.SkipProcessQuotes = true
	return &WordExpander{lex: lex, vars: varsEnv(vars), workLeft: MaxExpandWorkTotal, outLeft: MaxExpandedTotal}
}

// Expand returns value with its variables substituted, and the names it
// references that vars does not set, sorted. The error is an *Error without
// a position: the caller knows where value is written.
func (x *WordExpander) Expand(value string) (string, []string, error) {
	if !strings.Contains(value, "$") {
		return value, nil, nil
	}
	if err := x.charge(value, x.vars.size); err != nil {
		return value, nil, err
	}
	x.lex.RawEscapes = false
	res, err := x.lex.ProcessWordWithMatches(value, x.vars)
	if err != nil {
		return value, nil, &Error{Msg: fmt.Sprintf("cannot expand %s: %v", shorten(value), lexErrorReason(value, err)), Expected: "${NAME}, ${NAME:-default} or ${NAME:+value}"}
	}
	switch {
	case len(res.Result) > MaxExpandedLen:
		return value, nil, &Error{Msg: fmt.Sprintf("%s expands to more than the limit of %d bytes", shorten(value), MaxExpandedLen)}
	case len(res.Result) > x.outLeft:
		x.outLeft = 0
		return value, nil, &Error{Msg: fmt.Sprintf("the expanded values of the file add up to more than the limit of %d bytes", MaxExpandedTotal)}
	}
	x.outLeft -= len(res.Result)
	return res.Result, slices.Sorted(maps.Keys(res.Unmatched)), nil
}

// Names returns the names of vars that word references as the shell would
// see them ($NAME, ${NAME}, also inside quotes and in ${A:-$B} defaults),
// or ok false when the lexer cannot read word. It expands every variable to
// the empty string, so its work is linear in the length of word; escapes
// are kept as written, as a shell script's are.
func (x *WordExpander) Names(word string) (names []string, ok bool) {
	if !strings.Contains(word, "$") {
		return nil, true
	}
	empty := func(string) int { return 0 }
	if x.charge(word, empty) != nil {
		return nil, false
	}
	x.lex.RawEscapes = true
	res, err := x.lex.ProcessWordWithMatches(word, namesOnly(x.vars))
	if err != nil {
		return nil, false
	}
	return slices.Sorted(maps.Keys(res.Matched)), true
}

// charge computes the work of expanding value, with size giving the length
// of a variable's value, and takes it from what is left, or returns why it
// cannot be done.
func (x *WordExpander) charge(value string, size func(string) int) error {
	work := expandWork(value, size)
	switch {
	case work > MaxExpandWork:
		return &Error{Msg: fmt.Sprintf("%s could build more than %d bytes while it is expanded", shorten(value), MaxExpandWork),
			Expected: "shorter variables, or fewer ${NAME/pattern/replacement} on long values"}
	case work > x.workLeft:
		x.workLeft = 0
		return &Error{Msg: fmt.Sprintf("the expansions of the file could build more than %d bytes together", MaxExpandWorkTotal),
			Expected: "fewer or shorter variables"}
	}
	x.workLeft -= work
	return nil
}

// size returns the length of a variable's value.
func (e varsEnv) size(name string) int { return len(e[name]) }

// namesOnly hands the lexer an empty value for every variable of vars, so
// that it records which are referenced without building anything.
type namesOnly varsEnv

func (e namesOnly) Get(key string) (string, bool) {
	_, ok := e[key]
	return "", ok
}

func (e namesOnly) Keys() []string { return varsEnv(e).Keys() }

// saturated is where work estimates stop growing, far above every limit
// and far below overflow.
const saturated = 1 << 40

func satAdd(a, b int) int { return min(a+b, saturated) }

func satMul(a, b int) int {
	if a != 0 && b > saturated/a {
		return saturated
	}
	return min(a*b, saturated)
}

// expandWork returns an upper bound of the bytes the shell lexer allocates
// while it expands word (with SkipProcessQuotes): the result of every
// nested word it processes and of every substitution, each counted twice
// (the lexer builds a result and a word list side by side), times
// allocFactor. It follows
// the lexer's grammar: processStopOn, processDollar and processName of
// github.com/moby/buildkit/frontend/dockerfile/shell.
func expandWork(word string, size func(string) int) int {
	w := &workScanner{s: word, size: size}
	w.seq(0)
	return satMul(w.work, allocFactor)
}

// allocFactor is how many bytes the lexer allocates per byte of the
// strings it builds: buffers that double as they grow, and the copy of each
// buffer into its string (measured: about 3).
const allocFactor = 4

type workScanner struct {
	s    string
	i    int
	size func(string) int
	work int
}

// seq scans a word up to stop (0: the end) and returns the bound of its
// result.
func (w *workScanner) seq(stop byte) int {
	out := 0
	for w.i < len(w.s) {
		c := w.s[w.i]
		switch {
		case stop != 0 && c == stop:
			w.i++
			w.work = satAdd(w.work, satMul(out, 2))
			return out
		case c == '$':
			out = satAdd(out, w.dollar())
		case c == '\\':
			w.i++ // the escape and the character it escapes, at most both written
			out += 1 + w.skipRune()
		default:
			w.i++
			out++
		}
	}
	w.work = satAdd(w.work, satMul(out, 2))
	return out
}

func (w *workScanner) skipRune() int {
	if w.i >= len(w.s) {
		return 0
	}
	_, n := utf8.DecodeRuneInString(w.s[w.i:])
	w.i += n
	return n
}

func (w *workScanner) peek() rune {
	if w.i >= len(w.s) {
		return -1
	}
	r, _ := utf8.DecodeRuneInString(w.s[w.i:])
	return r
}

// dollar scans a $ reference and returns the bound of its value.
func (w *workScanner) dollar() int {
	w.i++ // $
	if w.peek() != '{' {
		name := w.name()
		if name == "" {
			return 1
		}
		return w.size(name)
	}
	w.i++ // {
	switch w.peek() {
	case -1, '{', '}', ':':
		return 0 // a syntax error: the lexer stops here
	}
	value := w.size(w.name())
	op := w.peek()
	if op < 0 {
		return 0
	}
	w.skipRune()
	switch op {
	case '}':
		return value
	case ':':
		w.skipRune()
		fallthrough
	case '+', '-', '?', '#', '%':
		return satAdd(value, w.seq('}'))
	case '/':
		if w.peek() == '/' {
			w.i++
		}
		w.seq('/') // the pattern
		repl := w.seq('}')
		// Every match, at most one per character and one at the end, may
		// be replaced by the replacement.
		out := satAdd(satMul(value+1, repl), value)
		w.work = satAdd(w.work, out)
		return out
	}
	return 0 // an unsupported modifier: the lexer stops here
}

// name reads a variable name as the lexer's processName does.
func (w *workScanner) name() string {
	start := w.i
	first := w.peek()
	switch {
	case first >= 0 && unicode.IsDigit(first):
		for r := w.peek(); r >= 0 && unicode.IsDigit(r); r = w.peek() {
			w.skipRune()
		}
		return w.s[start:w.i]
	case first >= 0 && strings.ContainsRune("@*#?-$!0", first):
		w.skipRune()
		return w.s[start:w.i]
	}
	for r := w.peek(); r >= 0 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_'); r = w.peek() {
		w.skipRune()
	}
	return w.s[start:w.i]
}
