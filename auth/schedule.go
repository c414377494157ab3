package auth

import (
	"container/heap"
	"sync"
	"time"
	"weak"
)

// The scheduler wakes Sources at their deadlines: a used token's renewal
// time, its expiry point, the next attempt after a failed renewal. There is
// one per process (one per fake clock in tests): a min-heap of wall-clock
// deadlines, one slot per Source, driven by a single timer. A Source
// without a deadline (no token, a token nobody used yet, a token that never
// expires) has no slot in the heap and costs the scheduler nothing.
//
// Deadlines are wall-clock times, and the timer is armed on the monotonic
// clock for at most maxTimerStep at a time. Each wake-up pops every slot
// whose deadline the wall clock has reached, so a suspended machine (whose
// monotonic clock stood still) or a stepped wall clock is caught up within
// maxTimerStep of the next wake-up, for every Source at once.
//
// While the heap holds few slots the timer is a runtime timer
// (time.AfterFunc): no goroutine exists between firings. Once it holds
// residentEnter slots a single goroutine takes over and waits on a
// time.Timer, so that frequent deadlines and the periodic wall-clock check
// create no goroutines at all; it hands back to the runtime timer below
// residentExit slots and is gone when the heap is empty.
type scheduler struct {
	clk clock

	mu   sync.Mutex
	heap slotHeap
	// timer mode: the runtime timer and the wall time it is armed for (0:
	// not armed).
	timer   timer
	armedAt int64
	// resident mode.
	resident    bool
	residentOK  bool          // only on the real clock
	wake        chan struct{} // nudges the resident goroutine (buffer 1)
	residentDue int64         // what the resident goroutine waits for
}

// slot is a Source's place in the heap. It is the argument of the Source's
// cleanup (runtime.AddCleanup), so it holds the Source only weakly: a
// scheduled Source is still collected when nobody else references it, and
// its cleanup then takes the slot out of the heap.
type slot struct {
	at  int64 // wall-clock deadline, Unix nanoseconds
	idx int   // index in heap; -1 when not scheduled
	sc  *scheduler
	src weak.Pointer[Source]
}

const (
	residentEnter = 256
	residentExit  = 64
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

// set schedules sl at the wall-clock deadline ns (Unix nanoseconds), or
// moves it there.
func (sc *scheduler) set(sl *slot, ns int64) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sl.idx >= 0 {
		if sl.at == ns {
			return
		}
		sl.at = ns
		heap.Fix(&sc.heap, sl.idx)
	} else {
		sl.at = ns
		heap.Push(&sc.heap, sl)
	}
	sc.kickLocked()
}

// cancel takes sl out of the heap. The timer stays armed: an early wake-up
// finds nothing due and re-arms.
func (sc *scheduler) cancel(sl *slot) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.removeLocked(sl)
}

func (sc *scheduler) removeLocked(sl *slot) {
	if sl.idx < 0 {
		return
	}
	heap.Remove(&sc.heap, sl.idx)
	if cap(sc.heap) > 1024 && len(sc.heap) < cap(sc.heap)/4 {
		sc.heap = append(slotHeap(nil), sc.heap...) // give back what a mass renewal grew
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
			select {
			case sc.wake <- struct{}{}:
			default:
			}
		}
		return
	}
	if sc.residentOK && len(sc.heap) >= residentEnter {
		if sc.timer != nil {
			sc.timer.Stop()
		}
		sc.armedAt = 0
		sc.resident = true
		sc.residentDue = head
		go sc.residentLoop()
		return
	}
	if sc.armedAt != 0 && sc.armedAt <= head {
		return
	}
	now := sc.clk.Now().UnixNano()
	d := min(max(time.Duration(head-now), 0), maxTimerStep)
	sc.armedAt = max(head, now)
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
	if !sc.resident {
		sc.kickLocked()
	}
	sc.mu.Unlock()
	sc.run(due)
}

// residentLoop is the resident goroutine: it runs while the heap holds at
// least residentExit slots.
func (sc *scheduler) residentLoop() {
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		sc.mu.Lock()
		now := sc.clk.Now().UnixNano()
		due := sc.popDueLocked(now)
		if len(sc.heap) < residentExit {
			sc.resident = false
			sc.kickLocked()
			sc.mu.Unlock()
			sc.run(due)
			return
		}
		head := sc.heap[0].at
		sc.residentDue = head
		d := min(max(time.Duration(head-now), 0), maxTimerStep)
		sc.mu.Unlock()
		sc.run(due)
		t.Reset(d)
		select {
		case <-t.C:
		case <-sc.wake:
		}
	}
}

// popDueLocked takes the slots due at now, at most a batch of them (the
// rest are taken by the next round, which run starts at once).
func (sc *scheduler) popDueLocked(now int64) []*slot {
	var due []*slot
	for len(sc.heap) > 0 && sc.heap[0].at <= now && len(due) < maxBatch {
		sl := sc.heap[0]
		sc.removeLocked(sl)
		due = append(due, sl)
	}
	return due
}

const maxBatch = 4096

// run wakes the Sources of due, without holding the scheduler's lock
// (they re-schedule themselves), then any that came due meanwhile.
func (sc *scheduler) run(due []*slot) {
	for len(due) > 0 {
		for _, sl := range due {
			if s := sl.src.Value(); s != nil {
				s.onDeadline()
			}
		}
		if len(due) < maxBatch {
			return
		}
		sc.mu.Lock()
		due = sc.popDueLocked(sc.clk.Now().UnixNano())
		sc.mu.Unlock()
	}
}

// pending is the number of scheduled slots (tests).
func (sc *scheduler) pending() int {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return len(sc.heap)
}

// slotHeap orders slots by deadline.
type slotHeap []*slot

func (h slotHeap) Len() int           { return len(h) }
func (h slotHeap) Less(i, j int) bool { return h[i].at < h[j].at }

func (h slotHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx = i
	h[j].idx = j
}

func (h *slotHeap) Push(x any) {
	sl := x.(*slot)
	sl.idx = len(*h)
	*h = append(*h, sl)
}

func (h *slotHeap) Pop() any {
	old := *h
	sl := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	sl.idx = -1
	return sl
}
