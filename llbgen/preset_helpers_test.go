package llbgen

import (
	"testing"

	"github.com/mstage/mstage/preset"
)

func goPresetForTest(t *testing.T) *preset.Preset {
	t.Helper()
	p, ok := preset.Lookup("go")
	if !ok {
		t.Fatal("no go preset")
	}
	return p
}
