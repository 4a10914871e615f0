package llbgen

import (
	"fmt"
	"sync"

	"github.com/mstage/mstage/plan"
)

// memo is what the goroutines of one compile share: each instance compiled
// once, the steps the instances of a stage share built once, each image
// resolved once. The first goroutine that asks for a value computes it; the
// others wait for it. Nothing waits on itself: the plan has no dependency
// cycles (validation rejects them and plan.Resolve guards against them),
// and every wait follows a dependency.
type memo struct {
	mu        sync.Mutex
	instances map[*plan.Instance]*flight[*instance]
	shared    map[*plan.Instance]*flight[sharedSteps] // by plan.Instance.StepsOf
	images    map[string]*flight[*resolvedImage]
}

func newMemo() *memo {
	return &memo{
		instances: map[*plan.Instance]*flight[*instance]{},
		shared:    map[*plan.Instance]*flight[sharedSteps]{},
		images:    map[string]*flight[*resolvedImage]{},
	}
}

// flight is a value that one goroutine computes and others may wait for.
type flight[T any] struct {
	done sync.WaitGroup
	val  T
	err  error
}

// once returns the value of key in m, which compute computes in the first
// goroutine to ask; computed reports whether this call computed it. It
// returns only once the value is there.
func once[K comparable, T any](mu *sync.Mutex, m map[K]*flight[T], key K, compute func() (T, error)) (val T, computed bool, err error) {
	mu.Lock()
	f, ok := m[key]
	if !ok {
		f = &flight[T]{}
		f.done.Add(1)
		m[key] = f
	}
	mu.Unlock()
	if ok {
		f.done.Wait()
		return f.val, false, f.err
	}
	defer func() {
		if r := recover(); r != nil {
			// The waiters get an error; the panic goes on to the
			// compile, which hands it to its caller.
			f.err = fmt.Errorf("llbgen: internal error: %v", r)
			f.done.Done()
			panic(r)
		}
		f.done.Done()
	}()
	f.val, f.err = compute()
	return f.val, true, f.err
}

// forget drops key from m, so that the next goroutine to ask computes it
// again.
func forget[K comparable, T any](mu *sync.Mutex, m map[K]*flight[T], key K) {
	mu.Lock()
	delete(m, key)
	mu.Unlock()
}
