package mockserver

import "time"

// ledger is one kind of thing the mock remembers (access tokens, refresh tokens, codes),
// keyed by its secret string, bounded two ways: an entry is forgotten once its forget time
// has passed, and each provider keeps at most max entries, the oldest forgotten first. Each
// provider's entries are kept in the order they were added; since every entry of a kind
// and provider lives as long as the others (one lifetime per provider), that is also the
// order of their forget times, so pruning only ever looks at the oldest. The caller holds
// the state's lock.
type ledger[V any] struct {
	m     map[string]*ledgerEntry[V]
	order map[Provider]*fifo[*ledgerEntry[V]]
	max   int
}

type ledgerEntry[V any] struct {
	key    string
	val    V
	forget time.Time // zero: only when over max
}

func newLedger[V any](limit int) *ledger[V] {
	l := &ledger[V]{m: map[string]*ledgerEntry[V]{}, order: map[Provider]*fifo[*ledgerEntry[V]]{}, max: limit}
	for _, p := range Providers() {
		l.order[p] = &fifo[*ledgerEntry[V]]{}
	}
	return l
}

func (l *ledger[V]) get(key string) (V, bool) {
	e, ok := l.m[key]
	if !ok {
		var zero V
		return zero, false
	}
	return e.val, true
}

// put remembers val under key for p until forget (zero: until crowded out), forgetting
// p's oldest entry first when p already has max.
func (l *ledger[V]) put(p Provider, key string, val V, forget time.Time) {
	q := l.order[p]
	for q.len() >= l.max {
		l.drop(q.pop())
	}
	e := &ledgerEntry[V]{key: key, val: val, forget: forget}
	q.push(e)
	l.m[key] = e
}

// remove forgets key now; its place in the order is dropped when it comes up.
func (l *ledger[V]) remove(key string) { delete(l.m, key) }

// drop forgets e unless key was put again since.
func (l *ledger[V]) drop(e *ledgerEntry[V]) {
	if l.m[e.key] == e {
		delete(l.m, e.key)
	}
}

// prune forgets what is due at now, and the places of entries removed before.
func (l *ledger[V]) prune(now time.Time) {
	for _, q := range l.order {
		for q.len() > 0 {
			e := q.peek()
			if l.m[e.key] == e && (e.forget.IsZero() || !now.After(e.forget)) {
				break
			}
			l.drop(q.pop())
		}
	}
}

// each calls fn with each of p's live entries, oldest first.
func (l *ledger[V]) each(p Provider, fn func(*ledgerEntry[V])) {
	q := l.order[p]
	for _, e := range q.items[q.head:] {
		if l.m[e.key] == e {
			fn(e)
		}
	}
}

func (l *ledger[V]) len() int { return len(l.m) }

// places is how many places the orders hold, live or not: never more than max a provider.
func (l *ledger[V]) places() int {
	n := 0
	for _, q := range l.order {
		n += q.len()
	}
	return n
}

// fifo is a queue on a slice that gives its consumed front back as it goes.
type fifo[T any] struct {
	items []T
	head  int
}

func (f *fifo[T]) len() int { return len(f.items) - f.head }
func (f *fifo[T]) peek() T  { return f.items[f.head] }

func (f *fifo[T]) push(v T) {
	if f.head > 0 && f.head >= len(f.items)/2 {
		n := copy(f.items, f.items[f.head:])
		clear(f.items[n:])
		f.items, f.head = f.items[:n], 0
	}
	f.items = append(f.items, v)
}

func (f *fifo[T]) pop() T {
	v := f.items[f.head]
	var zero T
	f.items[f.head] = zero
	f.head++
	if f.head == len(f.items) {
		f.items, f.head = f.items[:0], 0
	}
	return v
}
