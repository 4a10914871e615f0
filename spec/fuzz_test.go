package spec

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mstage/mstage/internal/hostile"
)

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, seed := range hostile.Seeds(4 << 10) {
		f.Add(seed)
	}
	f.Add([]byte("version: 1\nx: &a [*a]\n"))
	f.Add([]byte("version: 1\nbuilders:\n  go: {<<: {image: golang}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("mstage.yaml", data)
		if err != nil {
			if s != nil {
				t.Fatal("spec returned with an error")
			}
			list, ok := err.(ErrorList)
			if !ok || len(list) == 0 {
				t.Fatalf("error %T %v is not a non-empty ErrorList", err, err)
			}
			for _, e := range list {
				if e.Msg == "" {
					t.Fatal("error without a message")
				}
				_ = Snippet(data, e)
			}
			return
		}
		for _, st := range s.Stages() {
			s.Reachable(st.Name)
		}
		if _, err := expandFile(s, map[string]string{"A": "a"}); err != nil {
			if _, ok := err.(ErrorList); !ok {
				t.Fatalf("Expand error %T", err)
			}
		}
	})
}
