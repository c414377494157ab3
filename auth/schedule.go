package auth

import (
	"sync"
	"time"
	"weak"
)

// The scheduler wakes Sources at their deadlines: a used token's renewal
// time, its expiry point, the next attempt after a failed renewal. There is
// one per process (one per fake clock in tests): a min-heap of wall-clock
// deadlines, one item per Source, driven by a single timer. A Source
// without a deadline (no token, a token nobody used yet, a token that never
// expires) has no item in the heap and costs the scheduler nothing.
//
// Deadlines are wall-clock times, and the timer is armed on the monotonic
// clock for at most maxTimerStep at a time. Each wake-up pops every item
// whose deadline the wall clock has reached, so a suspended machine (whose
// monotonic clock stood still) or a stepped wall clock is caught up within
// maxTimerStep of the next wake-up, for every Source at once.
//
// While the heap holds few items the timer is a runtime timer
// (time.AfterFunc): no goroutine exists between firings. Once it holds
// residentEnter items a single goroutine takes over and waits on a
// time.Timer, so that frequent deadlines and the periodic wall-clock check
// create no goroutines at all; it hands back to the runtime timer below
// residentExit items and is gone when the heap is empty.
type scheduler struct {
	clk clock

	mu   sync.Mutex
	heap []schedItem
	// timer mode: the runtime timer and the wall time it is armed for (0:
	// not armed).
	timer   timer
	armedAt int64
	// resident mode.
	resident    bool
	residentOK  bool          // only on the real clock
	wake        chan struct{} // nudges the resident goroutine (buffer 1)
	residentDue int64         // what the resident goroutine waits for
	sweepAt     int           // where the next sweep for collected Sources starts
	popped      uint64        // deadlines handed to Sources (tests)
}

// schedItem is a Source's place in the heap. It holds the Source weakly,
// so that a scheduled Source is still collected when nobody else
// references it; the item of a collected Source is dropped when it comes
// due or when a sweep (a slice of the heap at every wake-up) finds it.
// A live Source knows its item's index (Source.sidx, guarded by the
// scheduler's lock).
type schedItem struct {
	at  int64 // wall-clock deadline, Unix nanoseconds
	src weak.Pointer[Source]
}

const (
	residentEnter = 256
	residentExit  = 64
	maxBatch      = 4096
	minSweep      = 256
)

// maxTimerStep caps how far ahead the scheduler's timer is armed: the
// longest a suspend or a wall-clock step goes unnoticed.
var maxTimerStep = 30 * time.Second

var (
	realScheduler = &scheduler{clk: realClock{}, residentOK: true, wake: make(chan struct{}, 1)}
	fakeSchedMu   sync.Mutex
	fakeScheds    = map[clock]*scheduler{}
)

// schedulerFor returns the scheduler of clk: the process's for the real
// clock, one per (test) clock otherwise.
func schedulerFor(clk clock) *scheduler {
	if _, ok := clk.(realClock); ok {
		return realScheduler
	}
	fakeSchedMu.Lock()
	defer fakeSchedMu.Unlock()
	sc := fakeScheds[clk]
	if sc == nil {
		sc = &scheduler{clk: clk, wake: make(chan struct{}, 1)}
		fakeScheds[clk] = sc
	}
	return sc
}

// set schedules s at the wall-clock deadline ns (Unix nanoseconds), or
// moves it there.
func (sc *scheduler) set(s *Source, ns int64) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if s.sidx > 0 {
		i := int(s.sidx - 1)
		if sc.heap[i].at == ns {
			return
		}
		sc.heap[i].at = ns
		sc.fix(i)
	} else {
		sc.heap = append(sc.heap, schedItem{at: ns, src: weak.Make(s)})
		s.sidx = int32(len(sc.heap))
		sc.up(len(sc.heap) - 1)
	}
	sc.kickLocked()
}

// cancel takes s out of the heap. The timer stays armed: an early wake-up
// finds nothing due and re-arms.
func (sc *scheduler) cancel(s *Source) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if s.sidx > 0 {
		sc.removeLocked(int(s.sidx - 1))
		if sc.resident && len(sc.heap) < residentExit {
			sc.nudgeLocked() // let the resident goroutine hand over and end
		}
	}
}

func (sc *scheduler) nudgeLocked() {
	select {
	case sc.wake <- struct{}{}:
	default:
	}
}

// removeLocked takes out the item at i.
func (sc *scheduler) removeLocked(i int) {
	last := len(sc.heap) - 1
	if i != last {
		sc.swap(i, last)
	}
	if s := sc.heap[last].src.Value(); s != nil {
		s.sidx = 0
	}
	sc.heap[last] = schedItem{}
	sc.heap = sc.heap[:last]
	if i != last {
		sc.fix(i)
	}
	if cap(sc.heap) > 1024 && len(sc.heap) < cap(sc.heap)/4 {
		sc.heap = append([]schedItem(nil), sc.heap...) // give back what a mass renewal grew
	}
}

// sweepLocked drops the items of collected Sources from a slice of the
// heap: at least minSweep items, and 1/32 of it, so that every item is
// looked at within 32 wake-ups.
func (sc *scheduler) sweepLocked() {
	n := max(minSweep, len(sc.heap)/32)
	for ; n > 0 && len(sc.heap) > 0; n-- {
		if sc.sweepAt >= len(sc.heap) {
			sc.sweepAt = 0
		}
		if sc.heap[sc.sweepAt].src.Value() == nil {
			sc.removeLocked(sc.sweepAt)
		} else {
			sc.sweepAt++
		}
	}
}

// kickLocked makes sure the timer (or the resident goroutine) wakes up by
// the earliest deadline.
func (sc *scheduler) kickLocked() {
	if len(sc.heap) == 0 {
		return
	}
	head := sc.heap[0].at
	if sc.resident {
		if head < sc.residentDue {
			sc.nudgeLocked() // it waits for later than that
		}
		return
	}
	if sc.residentOK && len(sc.heap) >= residentEnter {
		if sc.timer != nil {
			sc.timer.Stop()
		}
		sc.armedAt = 0
		sc.resident = true
		sc.residentDue = 0 // it starts by looking at the heap
		go sc.residentLoop()
		return
	}
	if sc.armedAt != 0 && sc.armedAt <= head {
		return
	}
	now := sc.clk.Now().UnixNano()
	d := min(max(time.Duration(head-now), 0), maxTimerStep)
	sc.armedAt = now + int64(d)
	if sc.timer == nil {
		sc.timer = sc.clk.AfterFunc(d, sc.fire)
		return
	}
	sc.timer.Reset(d)
}

// fire is the runtime timer's callback.
func (sc *scheduler) fire() {
	sc.mu.Lock()
	sc.armedAt = 0
	due := sc.popDueLocked(sc.clk.Now().UnixNano())
	sc.sweepLocked()
	if !sc.resident {
		sc.kickLocked()
	}
	sc.mu.Unlock()
	sc.run(due)
}

// residentLoop is the resident goroutine: it runs while the heap holds at
// least residentExit items.
func (sc *scheduler) residentLoop() {
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		sc.mu.Lock()
		now := sc.clk.Now().UnixNano()
		due := sc.popDueLocked(now)
		sc.sweepLocked()
		if len(sc.heap) < residentExit {
			sc.resident = false
			sc.kickLocked()
			sc.mu.Unlock()
			sc.run(due)
			return
		}
		d := min(max(time.Duration(sc.heap[0].at-now), 0), maxTimerStep)
		sc.residentDue = now + int64(d)
		sc.mu.Unlock()
		sc.run(due)
		t.Reset(d)
		select {
		case <-t.C:
		case <-sc.wake:
		}
	}
}

// popDueLocked takes the live Sources due at now, at most a batch of them
// (the rest are taken by the next round, which run starts at once).
func (sc *scheduler) popDueLocked(now int64) []*Source {
	var due []*Source
	for n := 0; len(sc.heap) > 0 && sc.heap[0].at <= now && n < maxBatch; n++ {
		if s := sc.heap[0].src.Value(); s != nil {
			due = append(due, s)
			sc.popped++
		}
		sc.removeLocked(0)
	}
	return due
}

// run wakes the Sources of due, without holding the scheduler's lock
// (they re-schedule themselves), then any that came due meanwhile.
func (sc *scheduler) run(due []*Source) {
	for {
		for _, s := range due {
			s.onDeadline()
		}
		sc.mu.Lock()
		if len(sc.heap) == 0 || sc.heap[0].at > sc.clk.Now().UnixNano() || len(due) < maxBatch {
			sc.mu.Unlock()
			return
		}
		due = sc.popDueLocked(sc.clk.Now().UnixNano())
		sc.mu.Unlock()
	}
}

// pending is the number of items in the heap, those of collected Sources
// not yet swept included (tests).
func (sc *scheduler) pending() int {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return len(sc.heap)
}

// Heap order: earliest deadline first. Moving an item tells its Source
// where it is.

func (sc *scheduler) less(i, j int) bool { return sc.heap[i].at < sc.heap[j].at }

func (sc *scheduler) swap(i, j int) {
	h := sc.heap
	h[i], h[j] = h[j], h[i]
	if s := h[i].src.Value(); s != nil {
		s.sidx = int32(i + 1)
	}
	if s := h[j].src.Value(); s != nil {
		s.sidx = int32(j + 1)
	}
}

func (sc *scheduler) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !sc.less(i, p) {
			return
		}
		sc.swap(i, p)
		i = p
	}
}

func (sc *scheduler) down(i int) bool {
	start, n := i, len(sc.heap)
	for {
		c := 2*i + 1
		if c >= n {
			break
		}
		if r := c + 1; r < n && sc.less(r, c) {
			c = r
		}
		if !sc.less(c, i) {
			break
		}
		sc.swap(i, c)
		i = c
	}
	return i > start
}

func (sc *scheduler) fix(i int) {
	if !sc.down(i) {
		sc.up(i)
	}
}
