package auth

import (
	"context"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// fakeClock is a clock whose time moves only when the test says so.
// Timers fire synchronously inside Advance, in time order, each with the
// clock set to its due time.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers map[*fakeTimer]struct{}
	seq    int
}

type fakeTimer struct {
	c    *fakeClock
	when time.Time
	seq  int
	f    func()
}

func newFakeClock(t0 time.Time) *fakeClock {
	return &fakeClock{now: t0, timers: map[*fakeTimer]struct{}{}}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, f: f}
	c.armLocked(t, d)
	return t
}

func (c *fakeClock) armLocked(t *fakeTimer, d time.Duration) {
	c.seq++
	t.seq = c.seq
	t.when = c.now.Add(max(d, 0))
	c.timers[t] = struct{}{}
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	_, ok := t.c.timers[t]
	delete(t.c.timers, t)
	return ok
}

func (t *fakeTimer) Reset(d time.Duration) bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	_, ok := t.c.timers[t]
	t.c.armLocked(t, d)
	return ok
}

// Advance moves the clock forward by d, firing every timer that comes due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.now.Add(d)
	c.mu.Unlock()
	c.AdvanceTo(end)
}

// AdvanceTo moves the clock forward to end, firing every timer that comes due.
func (c *fakeClock) AdvanceTo(end time.Time) {
	for {
		c.mu.Lock()
		var due []*fakeTimer
		for t := range c.timers {
			if !t.when.After(end) {
				due = append(due, t)
			}
		}
		if len(due) == 0 {
			if end.After(c.now) {
				c.now = end
			}
			c.mu.Unlock()
			return
		}
		sort.Slice(due, func(i, j int) bool {
			if !due[i].when.Equal(due[j].when) {
				return due[i].when.Before(due[j].when)
			}
			return due[i].seq < due[j].seq
		})
		t := due[0]
		delete(c.timers, t)
		if t.when.After(c.now) {
			c.now = t.when
		}
		c.mu.Unlock()
		t.f()
	}
}

// Pending is the number of armed timers.
func (c *fakeClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// Next is the due time of the earliest armed timer, or zero.
func (c *fakeClock) Next() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	var next time.Time
	for t := range c.timers {
		if next.IsZero() || t.when.Before(next) {
			next = t.when
		}
	}
	return next
}

// WaitPending waits (in real time, at most 5s) until at least n timers are armed.
func (c *fakeClock) WaitPending(n int) bool {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if c.Pending() >= n {
			return true
		}
		time.Sleep(100 * time.Microsecond)
	}
	return false
}

func withClock(c clock) Option            { return func(cf *config) { cf.clock = c } }
func withRand(f func(int64) int64) Option { return func(cf *config) { cf.rnd = f } }

// maxJitter makes every jittered wait its upper bound.
func maxJitter(n int64) int64 { return n - 1 }

// WaitIdle waits until no fetch goroutine of s runs.
// waitIdle returns once no fetch goroutine of s is running.
func (s *Source) waitIdle() {
	for s.flights.Load() != 0 {
		time.Sleep(100 * time.Microsecond)
	}
}

// stateName is the cached entry's state as the cached path sees it:
// "fresh", "refreshing" (stale, served, a renewal queued or running or
// pointless), "expired", or "none". An unused token's state word does not
// move (its first caller reads the clock), so for one its phase at the
// Source's clock's now is given: "fresh", "stale" or "expired".
func (s *Source) stateName() string {
	e := s.cur.Load()
	if e == nil {
		return "none"
	}
	switch e.get() {
	case stateInvalid:
		return "none"
	case stateFresh:
		return "fresh"
	case stateStale:
		return "stale"
	case stateStaleBusy:
		return "refreshing"
	case stateExpired:
		return "expired"
	}
	return [...]string{phaseFresh: "fresh", phaseStale: "stale", phaseExpired: "expired"}[e.phase(s.clock.Now().UnixNano())]
}

func (s *Source) usedFlag() bool {
	e := s.cur.Load()
	return e != nil && e.used()
}

// setLockTiming gives s a profile of its own with these lock timings.
func (s *Source) setLockTiming(ttl, pollMin, pollMax time.Duration) {
	p := *s.profile
	p.lockTTL, p.pollMin, p.pollMax = ttl, pollMin, pollMax
	s.profile = &p
}

// scheduled reports whether s has a deadline in its scheduler, and when.
func (s *Source) scheduled() (time.Time, bool) {
	s.sched.mu.Lock()
	defer s.sched.mu.Unlock()
	if s.sidx == 0 {
		return time.Time{}, false
	}
	return time.Unix(0, s.sched.heap[s.sidx-1].at), true
}

// noJitter makes every jittered wait its lower bound (renewals at the
// start of the refresh window).
func noJitter(int64) int64 { return 0 }

// retryForTest runs the retry loop on clk with jitter rnd, recording the waits.
func retryForTest(ctx context.Context, p RetryPolicy, fetch Fetcher, onlyUnsent bool, clk clock, rnd func(int64) int64, waits *[]time.Duration) (*oauth2.Token, int, error) {
	can := retryable
	if onlyUnsent {
		can = unsent
	}
	env := retryEnv{clk: clk, rnd: rnd, onRetry: func(_ context.Context, _ int, w time.Duration, _ error) {
		if waits != nil {
			*waits = append(*waits, w)
		}
	}}
	return retryLoop(ctx, p, fetch, can, env)
}

// waiters is the number of callers waiting for the current flight (-1: none).
func (s *Source) waiters() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.flight == nil {
		return -1
	}
	return s.flight.waiters
}

// instantClock fires every timer at once (in its own goroutine), so retry
// loops run without waiting; Now is the real time.
type instantClock struct{}

func (instantClock) Now() time.Time { return time.Now() }
func (instantClock) AfterFunc(_ time.Duration, f func()) timer {
	return time.AfterFunc(0, f)
}

// observerFunc adapts a function to an Observer.
type observerFunc func(ctx context.Context, ev Event)

func (f observerFunc) Observe(ctx context.Context, ev Event) { f(ctx, ev) }

// queued is the number of fetches waiting in l's queue.
func (l *limiter) queued() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.queue)
}

// PendingBefore is the number of armed timers due before t.
func (c *fakeClock) PendingBefore(t time.Time) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for tm := range c.timers {
		if tm.when.Before(t) {
			n++
		}
	}
	return n
}

// settleScheduler collects unreferenced Sources and lets the process's
// scheduler see it (it would at its next wake-up, at most maxTimerStep
// away): its resident goroutine then ends. It returns whether it did
// within 5s.
func settleScheduler() bool {
	sc := realScheduler
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		runtime.GC()
		sc.mu.Lock()
		resident := sc.resident
		if resident {
			sc.nudgeLocked()
		}
		sc.mu.Unlock()
		if !resident {
			return true
		}
		time.Sleep(time.Millisecond)
	}
	return false
}

// syncList is a slice that goroutines (fetches, observers, handlers)
// append to while the test reads it.
type syncList[T any] struct {
	mu    sync.Mutex
	items []T
}

// add appends v and returns the new length.
func (l *syncList[T]) add(v T) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.items = append(l.items, v)
	return len(l.items)
}

// all returns a copy of what was added so far (nil when nothing was).
func (l *syncList[T]) all() []T {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.items)
}

func (l *syncList[T]) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.items)
}

func (l *syncList[T]) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.items = nil
}

// goEach starts f(0) … f(n-1), each in its own goroutine; wait returns
// once all have returned.
func goEach(n int, f func(i int)) (wait func()) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { f(i) })
	}
	return wg.Wait
}
