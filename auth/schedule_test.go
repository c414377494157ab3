package auth

import (
	"context"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

func goroutinesCreated() uint64 {
	s := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// 10,000 used Sources (2,000 under the race detector) on one fake clock: each is renewed exactly once,
// inside the first half of its refresh window (jittered: spread over it),
// before its margin, with two scheduler events per Source; then, their new
// tokens unused, the scheduler holds nothing.
func TestSchedulerManySources(t *testing.T) {
	clk := newFakeClock(t0)
	sc := schedulerFor(clk)
	var renewals atomic.Int32
	n := 10_000
	if raceEnabled {
		n = 2_000
	}
	renewedAt := make([]atomic.Int64, n)
	srcs := make([]*Source, len(renewedAt))
	for i := range srcs {
		first := true
		srcs[i] = NewSource(func(context.Context) (*oauth2.Token, error) {
			if !first {
				renewals.Add(1)
				renewedAt[i].Store(clk.Now().UnixNano())
			}
			first = false
			return &oauth2.Token{AccessToken: "t", Expiry: clk.Now().Add(time.Hour)}, nil
		}, withClock(clk), WithRefreshLimit(64, 0))
		mustToken(t, srcs[i])
	}
	require.Equal(t, len(srcs), sc.pending(), "one deadline per used Source")
	popped := sc.popped
	staleAt := t0.Add(55 * time.Minute)
	spread := (5*time.Minute - 10*time.Second) / 2
	for now := t0; now.Before(t0.Add(2 * time.Hour)); now = now.Add(10 * time.Second) {
		clk.AdvanceTo(now)
		for _, s := range srcs {
			s.waitIdle() // the renewals this step started are done
		}
	}
	require.EqualValues(t, len(srcs), renewals.Load(), "each renewed once; the new tokens, unused, are not")
	var buckets [5]int
	for i := range renewedAt {
		at := time.Unix(0, renewedAt[i].Load())
		require.False(t, at.Before(staleAt), "not before the stale point")
		require.LessOrEqual(t, at.Sub(staleAt), spread+10*time.Second, "within the window's first half (+ the clock's step)")
		buckets[min(int(at.Sub(staleAt)*5/spread), 4)]++
	}
	for _, n := range buckets {
		require.InDelta(t, len(srcs)/5, n, float64(len(srcs))/10, "renewals spread across the window's first half: %v", buckets)
	}
	sc.mu.Lock()
	events := sc.popped - popped
	sc.mu.Unlock()
	require.EqualValues(t, 2*len(srcs), events, "two scheduler events per Source per token lifetime: its stale point (from which a caller would renew it) and its renewal time")
	require.Zero(t, sc.pending(), "unused tokens hold no deadline")
}

// Idle Sources cost nothing: a minute with 1,000 used, valid tokens and
// nobody calling makes no scheduler event, no fetch and no goroutine.
func TestIdleSourcesCostNothing(t *testing.T) {
	clk := newFakeClock(t0)
	sc := schedulerFor(clk)
	f := &fetcher{clk: clk, life: time.Hour}
	srcs := make([]*Source, 1000)
	for i := range srcs {
		srcs[i] = NewSource(f.fetch, withClock(clk))
		mustToken(t, srcs[i])
		srcs[i].waitIdle()
	}
	sc.mu.Lock()
	popped := sc.popped
	sc.mu.Unlock()
	g := goroutinesCreated()
	clk.Advance(time.Minute)
	require.Zero(t, goroutinesCreated()-g, "no goroutine created")
	sc.mu.Lock()
	require.Equal(t, popped, sc.popped, "no Source woken")
	sc.mu.Unlock()
	require.EqualValues(t, len(srcs), f.calls.Load(), "no fetch")
	require.Equal(t, 1, clk.Pending(), "one timer for all of them")
}

// On the real clock, hundreds of scheduled Sources move the scheduler into
// its resident goroutine, which creates no goroutine while they idle, and
// which ends once they are collected.
func TestSchedulerResident(t *testing.T) {
	func() {
		srcs := make([]*Source, 2*residentEnter)
		for i := range srcs {
			srcs[i] = NewSource(func(context.Context) (*oauth2.Token, error) {
				return &oauth2.Token{AccessToken: "t", Expiry: time.Now().Add(time.Hour)}, nil
			})
			mustToken(t, srcs[i])
		}
		for _, s := range srcs {
			s.waitIdle()
		}
		realScheduler.mu.Lock()
		require.True(t, realScheduler.resident)
		realScheduler.mu.Unlock()
		g := goroutinesCreated()
		time.Sleep(50 * time.Millisecond)
		require.Zero(t, goroutinesCreated()-g, "idle: no goroutine created")
		runtime.KeepAlive(srcs)
	}()
	require.True(t, settleScheduler(), "the resident goroutine ends once its Sources are collected")
}

// A caller in the refresh window of a used token starts its renewal at
// once (served the stale token meanwhile), before the jittered time the
// scheduler would have; the scheduler then does not renew it again.
func TestCallerInWindowRenewsBeforeJitter(t *testing.T) {
	clk := newFakeClock(t0)
	f := &fetcher{clk: clk, life: time.Hour}
	s := NewSource(f.fetch, withClock(clk), withRand(maxJitter))
	tok1 := mustToken(t, s)
	advanceTo(clk, s, t0.Add(55*time.Minute+time.Second))
	require.Equal(t, "stale", s.stateName(), "flipped at the stale point")
	require.EqualValues(t, 1, f.calls.Load(), "the jittered renewal time (2m25s in) has not come")
	require.Same(t, tok1, mustToken(t, s), "served at once")
	s.waitIdle()
	require.EqualValues(t, 2, f.calls.Load(), "renewed by that call")
	require.Equal(t, "tok-2", mustToken(t, s).AccessToken)
	advanceTo(clk, s, t0.Add(58*time.Minute))
	require.EqualValues(t, 2, f.calls.Load(), "not again at the jittered time")
}
