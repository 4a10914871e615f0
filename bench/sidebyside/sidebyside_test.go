package sidebyside

import (
	"context"
	"fmt"
	"testing"

	"github.com/mstage/mstage/internal/gcsetting"
)

// TestBothSidesCompile is the smoke check that runs with the unit tests:
// both sides convert a small shape for the 4 platforms, and both reach every
// artifact.
func TestBothSidesCompile(t *testing.T) {
	ctx := context.Background()
	ps := Platforms()
	in := Generate(20)
	m, err := Mstage(ctx, in.Spec, ps)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Dockerfile(ctx, in.Dockerfile, ps)
	if err != nil {
		t.Fatalf("%v\n%s", err, in.Dockerfile)
	}
	if m.Ops == 0 || d.Ops == 0 {
		t.Fatalf("ops: mstage %d, Dockerfile %d", m.Ops, d.Ops)
	}
	t.Logf("20 stages × 4 platforms: mstage %d ops (%d B), Dockerfile %d ops (%d B)", m.Ops, m.Bytes, d.Ops, d.Bytes)
}

// BenchmarkSideBySide does the same work both ways at each size, in one
// process: BenchmarkSideBySide/stages=N/mstage parses the spec, compiles it
// for 4 platforms and marshals it; .../dockerfile converts the equivalent
// Dockerfile for the same 4 platforms and marshals it. llb-ops/op is the
// number of LLB ops marshalled over the 4 platforms.
func BenchmarkSideBySide(b *testing.B) {
	ctx := context.Background()
	ps := Platforms()
	for _, n := range Sizes {
		in := Generate(n)
		b.Run(fmt.Sprintf("stages=%d", n), func(b *testing.B) {
			b.Run("mstage", func(b *testing.B) {
				// The frontend process's collector setting; the
				// Dockerfile side keeps the default, as BuildKit's
				// Dockerfile frontend does.
				b.Cleanup(gcsetting.Apply())
				b.ReportAllocs()
				var st Stats
				for b.Loop() {
					var err error
					if st, err = Mstage(ctx, in.Spec, ps); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(st.Ops), "llb-ops/op")
			})
			b.Run("dockerfile", func(b *testing.B) {
				b.ReportAllocs()
				var st Stats
				for b.Loop() {
					var err error
					if st, err = Dockerfile(ctx, in.Dockerfile, ps); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(st.Ops), "llb-ops/op")
			})
		})
	}
}
