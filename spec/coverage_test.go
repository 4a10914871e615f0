package spec

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
)

// literalFields are the string fields of a stage that ${VAR} expansion
// leaves as written, as Type.Field. A new string field must be expanded in
// walkStage or listed here, so that nobody forgets to decide.
var literalFields = []string{
	"Stage.Name", "Stage.Kind", "Stage.Description", "Stage.Preset", "Stage.StopSignal", "Stage.Dependencies",
	"Stage.Env key", "Stage.Labels key", "Step.Env key",
	"Stage.Needs", "Stage.Args", // stage and arg names
	"Stage.Platforms", "Step.Platforms", // platforms are written as they are, as the top-level ones
	"Command.Shell", "Command.Args", // run, entrypoint, cmd and healthcheck tests: the shell expands them
	"Step.Network",
	"Copy.Context",
	"Copy.Content",                                                                                                // an inline file is written as it is, like a quoted heredoc
	"Copy.AuthToken", "Copy.AuthHeader", "Copy.SSHAgent", "Mount.AuthToken", "Mount.AuthHeader", "Mount.SSHAgent", // ids the client provides
	"Copy.KnownHosts", "Mount.KnownHosts", // host keys, as ssh-keyscan prints them
	"Mount.Type", "Mount.Sharing", "Mount.Env", "Mount.Mode", "Mount.Size", "Mount.Context",
	"Healthcheck.Interval", "Healthcheck.Timeout", "Healthcheck.StartPeriod", "Healthcheck.StartInterval",
}

// filled returns a stage of kind in which every field is set: strings to
// distinct values, numbers, bools, pointers, and one-element slices.
func filled() *Stage {
	n := 0
	var fill func(v reflect.Value)
	fill = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			v.Set(reflect.New(v.Type().Elem()))
			fill(v.Elem())
		case reflect.Struct:
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					fill(v.Field(i))
				}
			}
		case reflect.Slice:
			v.Set(reflect.MakeSlice(v.Type(), 1, 1))
			fill(v.Index(0))
		case reflect.Map:
			v.Set(reflect.MakeMap(v.Type()))
		case reflect.String:
			n++
			v.SetString(fmt.Sprintf("v%d", n))
		case reflect.Int:
			n++
			v.SetInt(int64(n))
		case reflect.Bool:
			v.SetBool(true)
		}
	}
	st := &Stage{}
	fill(reflect.ValueOf(st).Elem())
	return st
}

// stringFields calls fn with every string field in v, named Type.Field
// (list items by the field that holds the list), and its address.
func stringFields(v reflect.Value, owner string, fn func(name string, p *string)) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			stringFields(v.Elem(), owner, fn)
		}
	case reflect.Struct:
		switch item := v.Addr().Interface().(type) {
		case *String:
			fn(owner, &item.Value)
			return
		case *KV:
			fn(owner+" key", &item.Key)
			fn(owner, &item.Value)
			return
		case *Pos:
			return
		}
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			if f.Type.Kind() == reflect.String {
				fn(v.Type().Name()+"."+f.Name, (*string)(v.Field(i).Addr().UnsafePointer()))
				continue
			}
			stringFields(v.Field(i), v.Type().Name()+"."+f.Name, fn)
		}
	case reflect.Slice:
		for i := range v.Len() {
			if v.Index(i).Kind() == reflect.String {
				fn(owner, (*string)(v.Index(i).Addr().UnsafePointer()))
				continue
			}
			stringFields(v.Index(i), owner, fn)
		}
	}
}

// visited records the values walkStage visits.
type visited map[*string]bool

func (v visited) field(_ Node, _ string, value *string) { v[value] = true }
func (v visited) item(value *string, _ Pos)             { v[value] = true }

func TestEveryStringFieldIsExpandedOrLiteral(t *testing.T) {
	st := filled()
	seen := visited{}
	walkStage(st, seen)
	stringFields(reflect.ValueOf(st), "Stage", func(name string, p *string) {
		switch {
		case seen[p] && slices.Contains(literalFields, name):
			t.Errorf("%s is expanded but listed as literal", name)
		case !seen[p] && !slices.Contains(literalFields, name):
			t.Errorf("%s is neither expanded (walkStage) nor listed in literalFields", name)
		}
	})
}

func TestCloneCopiesEveryField(t *testing.T) {
	st := filled()
	out := st.clone()
	if !reflect.DeepEqual(st, out) {
		t.Fatal("the clone differs from the stage: a field is not copied")
	}
	sharedMemory(reflect.ValueOf(st), reflect.ValueOf(out), "Stage", func(path string) {
		t.Errorf("%s is shared between a stage and its clone", path)
	})
}

// sharedMemory reports every pointer and slice of a that b shares, walking
// both in step. Node.Keys maps are shared on purpose: they are never
// modified after parsing.
func sharedMemory(a, b reflect.Value, path string, report func(string)) {
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() {
			return
		}
		if a.Pointer() == b.Pointer() {
			report(path)
			return
		}
		sharedMemory(a.Elem(), b.Elem(), path, report)
	case reflect.Slice:
		if a.Len() == 0 {
			return
		}
		if a.Pointer() == b.Pointer() {
			report(path)
			return
		}
		for i := range a.Len() {
			sharedMemory(a.Index(i), b.Index(i), path+"[]", report)
		}
	case reflect.Struct:
		for i := range a.NumField() {
			if f := a.Type().Field(i); f.IsExported() && f.Name != "Keys" {
				sharedMemory(a.Field(i), b.Field(i), path+"."+f.Name, report)
			}
		}
	}
}
