package auth

import (
	"context"
	"runtime"
	"testing"
	"time"
	"weak"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// An unreferenced Source with a used 30-day token (so a deadline in the
// scheduler) is garbage collected, and its item leaves the scheduler's
// heap at the next sweep: no Close needed.
func TestAbandonedSourceIsCollected(t *testing.T) {
	clk := newFakeClock(t0)
	sc := schedulerFor(clk)
	wp := func() weak.Pointer[Source] {
		s := NewSource(func(context.Context) (*oauth2.Token, error) {
			return &oauth2.Token{AccessToken: "a", Expiry: clk.Now().Add(30 * 24 * time.Hour)}, nil
		}, withClock(clk), WithRefreshWindow(time.Hour))
		_, err := s.Token()
		require.NoError(t, err)
		s.waitIdle()
		_, ok := s.scheduled()
		require.True(t, ok, "a deadline is scheduled")
		return weak.Make(s)
	}()
	require.Equal(t, 1, sc.pending())
	waitCollected(t, wp, sc)
}

// The same while a background refresh has failed and a retry is scheduled.
func TestAbandonedSourceWithRetryIsCollected(t *testing.T) {
	clk := newFakeClock(t0)
	sc := schedulerFor(clk)
	wp := func() weak.Pointer[Source] {
		n := 0
		s := NewSource(func(context.Context) (*oauth2.Token, error) {
			n++
			if n > 1 {
				return nil, newError("p", 503, nil, nil, "", "", "")
			}
			return &oauth2.Token{AccessToken: "a", Expiry: clk.Now().Add(time.Hour)}, nil
		}, withClock(clk), withRand(noJitter), WithRefreshWindow(30*time.Minute), WithRetry(RetryPolicy{MaxAttempts: 1}))
		_, err := s.Token()
		require.NoError(t, err)
		s.waitIdle()
		advanceTo(clk, s, t0.Add(30*time.Minute))
		require.Equal(t, 2, n, "the renewal failed")
		s.mu.Lock()
		require.NotZero(t, s.wakeAt, "a retry is scheduled")
		s.mu.Unlock()
		_, ok := s.scheduled()
		require.True(t, ok)
		return weak.Make(s)
	}()
	require.Equal(t, 1, sc.pending())
	waitCollected(t, wp, sc)
}

func waitCollected(t *testing.T, wp weak.Pointer[Source], sc *scheduler) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for wp.Value() != nil && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	require.Nil(t, wp.Value(), "the Source was collected")
	require.Equal(t, 1, sc.pending(), "its item stays until a sweep")
	sc.mu.Lock()
	sc.sweepLocked()
	sc.mu.Unlock()
	require.Zero(t, sc.pending(), "a sweep dropped it")
}
