package auth

import (
	"runtime"
	"sync"
	"weak"
)

// interned is a table of shared values by key that does not keep them
// alive: an entry lives as long as something else references its value,
// then the garbage collector's cleanup removes it (unless a newer value
// took the key meanwhile).
type interned[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]weak.Pointer[V]
}

// get returns the live value under k, or the one newV returns, which it
// then keeps under k. newV runs with the table locked: two callers never
// make values for one key.
func (t *interned[K, V]) get(k K, newV func() *V) *V {
	t.mu.Lock()
	defer t.mu.Unlock()
	if v := t.m[k].Value(); v != nil {
		return v
	}
	v := newV()
	wp := weak.Make(v)
	if t.m == nil {
		t.m = map[K]weak.Pointer[V]{}
	}
	t.m[k] = wp
	type arg struct {
		k  K
		wp weak.Pointer[V]
	}
	runtime.AddCleanup(v, func(a arg) {
		t.mu.Lock()
		if t.m[a.k] == a.wp {
			delete(t.m, a.k)
		}
		t.mu.Unlock()
	}, arg{k, wp})
	return v
}
