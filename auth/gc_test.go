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

// An unreferenced Source with a 30-day token (armed timers included) is
// garbage collected, and its timers are stopped: no Close needed.
func TestAbandonedSourceIsCollected(t *testing.T) {
	wp, tm := abandonedSource(t)
	deadline := time.Now().Add(5 * time.Second)
	for (wp.Value() != nil || !tm.isStopped()) && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	require.Nil(t, wp.Value(), "the Source was collected")
	require.True(t, tm.isStopped(), "the cleanup stopped its timers")
}

func abandonedSource(t *testing.T) (weak.Pointer[Source], *timers) {
	s := NewSource(func(context.Context) (*oauth2.Token, error) {
		return &oauth2.Token{AccessToken: "a", Expiry: time.Now().Add(30 * 24 * time.Hour)}, nil
	}, WithRefreshWindow(time.Hour))
	_, err := s.Token()
	require.NoError(t, err)
	s.waitIdle()
	require.NotNil(t, s.timers.phase, "a state timer is armed")
	return weak.Make(s), s.timers
}

// The same while a background refresh has failed and a retry is scheduled.
func TestAbandonedSourceWithRetryTimerIsCollected(t *testing.T) {
	wp, tm := func() (weak.Pointer[Source], *timers) {
		n := 0
		s := NewSource(func(context.Context) (*oauth2.Token, error) {
			n++
			if n > 1 {
				return nil, newError("p", 503, nil, nil, "", "", "")
			}
			return &oauth2.Token{AccessToken: "a", Expiry: time.Now().Add(time.Hour)}, nil
		}, WithRefreshWindow(time.Hour-100*time.Millisecond), WithRetry(RetryPolicy{MaxAttempts: 1}))
		_, err := s.Token()
		require.NoError(t, err)
		require.Eventually(t, func() bool {
			s.waitIdle()
			s.timers.mu.Lock()
			defer s.timers.mu.Unlock()
			return s.timers.retry != nil
		}, 5*time.Second, time.Millisecond)
		return weak.Make(s), s.timers
	}()
	deadline := time.Now().Add(5 * time.Second)
	for (wp.Value() != nil || !tm.isStopped()) && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	require.Nil(t, wp.Value())
	require.True(t, tm.isStopped())
}
