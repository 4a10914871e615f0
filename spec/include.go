package spec

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"reflect"
	"strings"
)

// Limits on includes. The files a spec includes also count toward the
// limits of the spec itself: MaxFileSize bounds the bytes of the spec and
// every included file together, MaxStages and MaxNodes their stages and
// nodes.
const (
	// MaxIncludeDepth is the longest chain of includes below the spec: a
	// spec that includes a file that includes another is 2 deep.
	MaxIncludeDepth = 8
	// MaxIncludes is the most files a spec includes, directly or not.
	MaxIncludes = 64
)

// ReadFunc reads a file a spec includes. name is a cleaned, slash-separated
// path relative to the spec's directory that does not leave it. A missing
// file is an error that wraps fs.ErrNotExist.
type ReadFunc func(name string) ([]byte, error)

// DirFiles reads included files from the directory dir (the spec's), as
// the CLI does. A symbolic link that leads out of dir is an error, and a
// file is read up to one byte past MaxFileSize, enough for Load to reject
// it.
func DirFiles(dir string) ReadFunc {
	return func(name string) ([]byte, error) {
		root, err := os.OpenRoot(dir)
		if err != nil {
			return nil, err
		}
		defer root.Close()
		f, err := root.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	}
}

// Included is one file read through a spec's includes.
type Included struct {
	Name string // as messages name it: Path in the spec's directory
	Path string // relative to the spec's directory, as ReadFunc read it
	Data []byte
	At   Pos // the include entry that read it
}

// fragmentKeys are the top-level keys an included file may hold.
var fragmentKeys = []string{"args", "artifacts", "builders", "include", "runtimes"}

// loader reads the files a spec includes. Its counters are what the spec
// and the files read so far use of the limits.
type loader struct {
	errs     *errorSink
	read     ReadFunc
	filename string
	loaded   map[string]bool // paths already included
	included []*Included
	files    int
	bytes    int
	stages   int
	totals   docTotals
}

// includes reads the files s includes, and theirs, depth first, and puts
// their args and stages in front of s's own, in the order of the include
// lists: an included file's args and stages come before those of the file
// that includes it, as if it were written at its top. chain is the paths of
// the files from the spec to s (the spec itself is its base name); a file
// already included is not included again.
func (l *loader) includes(s *Spec, chain []string) {
	if len(s.Include) == 0 {
		return
	}
	var args []*Arg
	var builders, artifacts, runtimes []*Stage
	dir := path.Dir(chain[len(chain)-1])
	for _, inc := range s.Include {
		rel, ok := l.includePath(dir, inc, chain)
		if !ok || l.loaded[rel] {
			continue
		}
		frag, ok := l.readFragment(rel, inc.Pos)
		if !ok {
			continue
		}
		l.includes(frag, append(chain[:len(chain):len(chain)], rel))
		args = append(args, frag.Args...)
		builders = append(builders, frag.Builders...)
		artifacts = append(artifacts, frag.Artifacts...)
		runtimes = append(runtimes, frag.Runtimes...)
	}
	s.Args = append(args, s.Args...)
	s.Builders = append(builders, s.Builders...)
	s.Artifacts = append(artifacts, s.Artifacts...)
	s.Runtimes = append(runtimes, s.Runtimes...)
}

// includePath checks one include entry of the file at the end of chain,
// whose directory is dir, and returns the path it names, relative to the
// spec's directory.
func (l *loader) includePath(dir string, inc String, chain []string) (string, bool) {
	const expected = "a relative path to a YAML file in the spec's directory or below, such as ci/builders.yaml"
	name := inc.Value
	switch {
	case l.read == nil:
		l.errs.add(inc.Pos, "include is not available here: no build context to read the file from", "a spec read from a build context or from disk", "")
		return "", false
	case strings.TrimSpace(name) == "":
		l.errs.add(inc.Pos, "include path is empty", expected, "")
		return "", false
	case path.IsAbs(name) || strings.Contains(name, `\`):
		l.errs.add(inc.Pos, fmt.Sprintf("include path %s is not a relative slash-separated path", shorten(name)), expected, "")
		return "", false
	case strings.Contains(name, "$"):
		l.errs.add(inc.Pos, fmt.Sprintf("include path %s holds a variable; include paths are not expanded", shorten(name)), expected, "")
		return "", false
	}
	rel := path.Join(dir, name)
	if rel == ".." || strings.HasPrefix(rel, "../") {
		l.errs.add(inc.Pos, fmt.Sprintf("include path %s leaves the spec's directory", shorten(name)), expected, "")
		return "", false
	}
	for i, p := range chain {
		if p != rel {
			continue
		}
		if i == len(chain)-1 {
			l.errs.add(inc.Pos, fmt.Sprintf("%s includes itself", l.display(rel, i == 0)), "a different file", "")
		} else {
			l.errs.add(inc.Pos, fmt.Sprintf("include cycle: %s", l.chainText(append(chain[i:len(chain):len(chain)], rel))), "includes that do not lead back to a file that includes them", "")
		}
		return "", false
	}
	if len(chain) > MaxIncludeDepth {
		l.errs.add(inc.Pos, fmt.Sprintf("includes nest deeper than %d files: %s", MaxIncludeDepth, l.chainText(append(chain[:len(chain):len(chain)], rel))), "a shorter chain of includes", "")
		return "", false
	}
	if l.files >= MaxIncludes {
		l.errs.add(inc.Pos, fmt.Sprintf("the spec includes more than %d files", MaxIncludes), "fewer included files", "")
		return "", false
	}
	return rel, true
}

// readFragment reads and decodes the file rel, included at pos.
func (l *loader) readFragment(rel string, pos Pos) (*Spec, bool) {
	name := l.display(rel, false)
	data, err := l.read(rel)
	if errors.Is(err, fs.ErrNotExist) {
		l.errs.add(pos, fmt.Sprintf("included file %s does not exist", name), "a file in the build context, relative to the spec's directory", "")
		return nil, false
	}
	if err != nil {
		l.errs.add(pos, fmt.Sprintf("cannot read included file %s: %v", name, err), "", "")
		return nil, false
	}
	if l.bytes+len(data) > MaxFileSize {
		l.errs.add(pos, fmt.Sprintf("included file %s makes the spec and its included files %d bytes, more than the limit of %d", name, l.bytes+len(data), MaxFileSize), "smaller or fewer included files", "")
		return nil, false
	}
	l.files++
	l.loaded[rel] = true
	frag := &Spec{Filename: name}
	outer := l.errs.file
	l.errs.file = name
	ok := l.decode(data, frag, true)
	l.errs.file = outer
	if !ok {
		return nil, false
	}
	stampFile(reflect.ValueOf(frag), name)
	l.included = append(l.included, &Included{Name: name, Path: rel, Data: data, At: pos})
	return frag, true
}

// display names the file at rel (relative to the spec's directory) as
// messages do; spec is set for the spec file itself.
func (l *loader) display(rel string, spec bool) string {
	if spec {
		return l.filename
	}
	return path.Join(path.Dir(l.filename), rel)
}

func (l *loader) chainText(chain []string) string {
	names := make([]string, len(chain))
	for i, rel := range chain {
		names[i] = l.display(rel, i == 0)
	}
	return strings.Join(names, " -> ")
}

var posType = reflect.TypeFor[Pos]()

// stampFile sets File on every position of the decoded file v holds, so
// that what is reported about its stages later points into it.
func stampFile(v reflect.Value, file string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			stampFile(v.Elem(), file)
		}
	case reflect.Struct:
		if v.Type() == posType {
			if v.CanSet() {
				v.FieldByName("File").SetString(file)
			}
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				stampFile(v.Field(i), file)
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			stampFile(v.Index(i), file)
		}
	case reflect.Map:
		if v.Type().Elem() != posType {
			return
		}
		for _, k := range v.MapKeys() {
			p := v.MapIndex(k).Interface().(Pos)
			p.File = file
			v.SetMapIndex(k, reflect.ValueOf(p))
		}
	}
}
