package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/internal/testenv"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fetcher issues tok-1, tok-2, … each living life on clk.
type fetcher struct {
	clk   clock
	life  time.Duration
	calls atomic.Int32
	// gate, when set, blocks each call until it receives (or ctx ends).
	gate chan struct{}
	// fail, when set, makes calls fail with the error it returns (nil: succeed).
	fail func(n int32) error
	// ctxErrs records ctx.Err() seen by each call after the gate.
	ctxErrs syncList[error]
}

func (f *fetcher) fetch(ctx context.Context) (*oauth2.Token, error) {
	n := f.calls.Add(1)
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
		}
	}
	f.ctxErrs.add(ctx.Err())
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if f.fail != nil {
		if err := f.fail(n); err != nil {
			return nil, err
		}
	}
	return &oauth2.Token{AccessToken: fmt.Sprintf("tok-%d", n), TokenType: "Bearer", Expiry: f.clk.Now().Add(f.life)}, nil
}

// fakeSource is a Source of a fetcher issuing tokens that live life, both
// on a fake clock standing at t0.
func fakeSource(life time.Duration, opts ...Option) (*fakeClock, *fetcher, *Source) {
	clk := newFakeClock(t0)
	f := &fetcher{clk: clk, life: life}
	return clk, f, NewSource(f.fetch, append([]Option{withClock(clk)}, opts...)...)
}

func noRetry() Option { return WithRetry(RetryPolicy{MaxAttempts: 1}) }

// advanceTo moves clk to end, letting every fetch that a timer starts
// finish before the next timer fires.
func advanceTo(clk *fakeClock, s *Source, end time.Time) {
	for {
		s.waitIdle()
		next := clk.Next()
		if next.IsZero() || next.After(end) {
			clk.AdvanceTo(end)
			s.waitIdle()
			return
		}
		clk.AdvanceTo(next)
	}
}

func mustToken(t *testing.T, s *Source) *oauth2.Token {
	t.Helper()
	tok, err := s.Token()
	require.NoError(t, err)
	return tok
}

func TestNilFetcher(t *testing.T) {
	s := NewSource(nil)
	_, err := s.Token()
	require.ErrorIs(t, err, errNilFetcher)
}

// Boundaries of the three states, with the default window (20 % of the
// lifetime clamped to [10s, 5m]) and margin (10s), and with options.
// Seeded, unused tokens never trigger a refresh, so the state word shows
// the raw transitions.
func TestStateBoundaries(t *testing.T) {
	cases := []struct {
		name          string
		life          time.Duration
		opts          []Option
		window, margn time.Duration
	}{
		{"30s: window clamped up to 10s, no stale phase", 30 * time.Second, nil, 10 * time.Second, 10 * time.Second},
		{"100s: 20%", 100 * time.Second, nil, 20 * time.Second, 10 * time.Second},
		{"15min (Moov): 20%", 15 * time.Minute, nil, 3 * time.Minute, 10 * time.Second},
		{"25min: 20% = 5m exactly", 25 * time.Minute, nil, 5 * time.Minute, 10 * time.Second},
		{"1h (MoneyKit): clamped down to 5m", time.Hour, nil, 5 * time.Minute, 10 * time.Second},
		{"30d (Money-Go): clamped down to 5m", 30 * 24 * time.Hour, nil, 5 * time.Minute, 10 * time.Second},
		{"options as given", time.Hour, []Option{WithRefreshWindow(20 * time.Minute), WithSafetyMargin(2 * time.Second)}, 20 * time.Minute, 2 * time.Second},
		{"window below the clamp used as given", time.Hour, []Option{WithRefreshWindow(3 * time.Second), WithSafetyMargin(time.Second)}, 3 * time.Second, time.Second},
		{"zero margin: expired at expiry", time.Hour, []Option{WithSafetyMargin(0)}, 5 * time.Minute, 0},
		{"zero window: never stale", time.Hour, []Option{WithRefreshWindow(0)}, 0, 10 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clk := newFakeClock(t0)
			f := &fetcher{clk: clk, life: time.Hour}
			seed := &oauth2.Token{AccessToken: "seed", TokenType: "Bearer", Expiry: t0.Add(tc.life)}
			s := NewSource(f.fetch, append([]Option{withClock(clk), withInitialToken(seed)}, tc.opts...)...)
			exp := seed.Expiry
			staleAt, expireAt := exp.Add(-tc.window), exp.Add(-tc.margn)
			require.Equal(t, "fresh", s.stateName())
			if staleAt.Before(expireAt) {
				advanceTo(clk, s, staleAt.Add(-time.Nanosecond))
				require.Equal(t, "fresh", s.stateName(), "just before the stale point")
				advanceTo(clk, s, staleAt)
				require.Equal(t, "stale", s.stateName(), "at the stale point")
			}
			advanceTo(clk, s, expireAt.Add(-time.Nanosecond))
			want := "stale"
			if !staleAt.Before(expireAt) {
				want = "fresh"
			}
			require.Equal(t, want, s.stateName(), "just before the expiry point")
			advanceTo(clk, s, expireAt)
			require.Equal(t, "expired", s.stateName(), "at the expiry point")
			require.EqualValues(t, 0, f.calls.Load(), "an unused token is never refreshed ahead")
		})
	}
}

func TestZeroExpiryNeverExpires(t *testing.T) {
	clk, f, s := fakeSource(time.Hour, withInitialToken(&oauth2.Token{AccessToken: "forever"}))
	require.Zero(t, clk.Pending(), "no timer for a token that never expires")
	clk.Advance(10 * 365 * 24 * time.Hour)
	require.Equal(t, "forever", mustToken(t, s).AccessToken)
	require.Equal(t, "fresh", s.stateName())
	require.EqualValues(t, 0, f.calls.Load())
}

func TestFirstCallFetchesThenCaches(t *testing.T) {
	_, f, s := fakeSource(time.Hour)
	require.Equal(t, "none", s.stateName())
	tok := mustToken(t, s)
	require.Equal(t, "tok-1", tok.AccessToken)
	require.Equal(t, t0.Add(time.Hour), tok.Expiry, "the provider's expiry, not shortened by the margin")
	for range 100 {
		require.Same(t, tok, mustToken(t, s))
	}
	require.EqualValues(t, 1, f.calls.Load())
	require.True(t, s.usedFlag())
	s.waitIdle()
}

// A used token is refreshed exactly once, in the background, at its stale
// point; callers in the stale window get the old token without waiting.
func TestStaleRefreshOnceCallersNeverWait(t *testing.T) {
	clk, f, s := fakeSource(time.Hour, withRand(noJitter))
	tok1 := mustToken(t, s)
	s.waitIdle()
	f.gate = make(chan struct{}) // the background refresh now blocks until released

	clk.Advance(55 * time.Minute) // stale point: used token, the timer starts the refresh
	require.Equal(t, "refreshing", s.stateName())
	require.Eventually(t, func() bool { return f.calls.Load() == 2 }, 5*time.Second, time.Millisecond)

	goEach(100, func(int) {
		tok, err := s.Token()
		if err != nil || tok != tok1 {
			t.Errorf("stale caller got %v, %v", tok, err)
		}
	})() // returned although the refresh is still blocked
	clk.Advance(4 * time.Minute)
	require.Equal(t, tok1, mustToken(t, s))
	require.EqualValues(t, 2, f.calls.Load(), "exactly one background refresh")

	close(f.gate)
	s.waitIdle()
	tok2 := mustToken(t, s)
	require.Equal(t, "tok-2", tok2.AccessToken)
	require.Equal(t, "fresh", s.stateName())
	require.EqualValues(t, 2, f.calls.Load())
}

// A token nobody used while fresh is not refreshed when it turns stale; the
// first caller in the stale window gets it at once and starts the refresh.
func TestUnusedStaleRefreshedOnFirstCall(t *testing.T) {
	clk, f, s := fakeSource(time.Hour, withInitialToken(&oauth2.Token{AccessToken: "seed", Expiry: t0.Add(time.Hour)}))
	advanceTo(clk, s, t0.Add(56*time.Minute))
	require.Equal(t, "stale", s.stateName())
	require.EqualValues(t, 0, f.calls.Load())

	f.gate = make(chan struct{})
	require.Equal(t, "seed", mustToken(t, s).AccessToken, "stale: served at once")
	require.Equal(t, "seed", mustToken(t, s).AccessToken)
	close(f.gate)
	s.waitIdle()
	require.EqualValues(t, 1, f.calls.Load())
	require.Equal(t, "tok-1", mustToken(t, s).AccessToken)
}

// A token used once and then left idle through its whole refresh window is
// renewed before anyone needs it: a caller arriving inside the safety
// margin gets a fresh token without waiting.
func TestUsedIdleTokenRenewed(t *testing.T) {
	clk, f, s := fakeSource(15*time.Minute, withRand(noJitter))
	require.Equal(t, "tok-1", mustToken(t, s).AccessToken)
	advanceTo(clk, s, t0.Add(15*time.Minute-5*time.Second)) // inside tok-1's margin
	require.EqualValues(t, 2, f.calls.Load(), "renewed at tok-1's stale point, t0+12m")
	require.Equal(t, "fresh", s.stateName())
	tok := mustToken(t, s)
	require.Equal(t, "tok-2", tok.AccessToken)
	require.EqualValues(t, 2, f.calls.Load(), "the caller did not fetch")
	require.Equal(t, t0.Add(12*time.Minute+15*time.Minute), tok.Expiry)

	// tok-2 is used now, so it is renewed at its own stale point too; a
	// token nobody touches after that (tok-3) is left to expire.
	advanceTo(clk, s, t0.Add(12*time.Minute+12*time.Minute))
	require.EqualValues(t, 3, f.calls.Load())
	advanceTo(clk, s, t0.Add(3*time.Hour))
	require.EqualValues(t, 3, f.calls.Load(), "no refresh for a token nobody used")
	require.Equal(t, "expired", s.stateName())
}

// Expired (or no token): N concurrent callers share one fetch.
func TestSharedFetch(t *testing.T) {
	for _, background := range []bool{false, true} {
		t.Run(fmt.Sprintf("expired=%v", background), func(t *testing.T) {
			clk := newFakeClock(t0)
			f := &fetcher{clk: clk, life: time.Hour, gate: make(chan struct{})}
			var opts []Option
			if background {
				opts = append(opts, withInitialToken(&oauth2.Token{AccessToken: "old", Expiry: t0.Add(5 * time.Second)}))
			}
			s := NewSource(f.fetch, append(opts, withClock(clk))...)
			const n = 200
			toks := make([]*oauth2.Token, n)
			wait := goEach(n, func(i int) {
				tok, err := s.Token()
				if err != nil {
					t.Error(err)
				}
				toks[i] = tok
			})
			require.Eventually(t, func() bool { return s.waiters() == n }, 5*time.Second, time.Millisecond)
			close(f.gate)
			wait()
			s.waitIdle()
			require.EqualValues(t, 1, f.calls.Load())
			for _, tok := range toks {
				require.Same(t, toks[0], tok)
			}
			require.Equal(t, "tok-1", toks[0].AccessToken)
		})
	}
}

// A caller's context abandons its own wait, never the shared fetch; the
// fetch runs on a context detached from the callers, keeping their values.
func TestContextAbandonsOnlyItsWait(t *testing.T) {
	clk := newFakeClock(t0)
	f := &fetcher{clk: clk, life: time.Hour, gate: make(chan struct{})}
	type key struct{}
	var sawValue atomic.Value
	s := NewSource(func(ctx context.Context) (*oauth2.Token, error) {
		sawValue.Store(ctx.Value(key{}))
		return f.fetch(ctx)
	}, withClock(clk))

	ctxA, cancelA := context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
	errA := make(chan error, 1)
	go func() { _, err := s.TokenContext(ctxA); errA <- err }()
	require.Eventually(t, func() bool { return s.waiters() == 1 }, 5*time.Second, time.Millisecond)
	resB := make(chan *oauth2.Token, 1)
	go func() { tok, _ := s.TokenContext(context.Background()); resB <- tok }()
	require.Eventually(t, func() bool { return s.waiters() == 2 }, 5*time.Second, time.Millisecond)

	cancelA()
	err := <-errA
	require.ErrorIs(t, err, context.Canceled)
	require.Contains(t, err.Error(), "auth: gave up waiting for a token")

	close(f.gate)
	tok := <-resB
	require.Equal(t, "tok-1", tok.AccessToken)
	s.waitIdle()
	require.Equal(t, []error{nil}, f.ctxErrs.all(), "the shared fetch was not cancelled")
	require.Equal(t, "v", sawValue.Load(), "the fetch context keeps the caller's values")

	// A caller whose context is already done gets the cached token when
	// there is one, and an error without starting a fetch when there is not.
	done, cancel := context.WithCancel(context.Background())
	cancel()
	got, err := s.TokenContext(done)
	require.NoError(t, err)
	require.Same(t, tok, got)
	s.Invalidate()
	_, err = s.TokenContext(done)
	require.ErrorIs(t, err, context.Canceled)
	require.EqualValues(t, 1, f.calls.Load())
}

func TestFetchTimeoutBoundsSharedFetch(t *testing.T) {
	f := &fetcher{clk: realClock{}, life: time.Hour, gate: make(chan struct{})}
	s := NewSource(f.fetch, WithFetchTimeout(50*time.Millisecond), noRetry())
	start := time.Now()
	_, err := s.Token()
	require.Error(t, err)
	require.Less(t, time.Since(start), 2*time.Second)
	s.waitIdle()
	require.Equal(t, []error{context.DeadlineExceeded}, f.ctxErrs.all())
}

// A failing background refresh keeps serving the valid token, backs off
// exponentially (1s, 2s, 4s … capped at 1m, jittered in [d/2, d]) and stops
// when the next attempt would come after expiry; then callers get the
// error of their own fetch.
func TestBackgroundFailureBacksOff(t *testing.T) {
	clk := newFakeClock(t0)
	fail503 := newError("test", http.StatusServiceUnavailable, nil, nil, "", "", "")
	f := &fetcher{clk: clk, life: time.Hour, fail: func(n int32) error {
		if n == 1 {
			return nil
		}
		return fail503
	}}
	var failed syncList[time.Time] // when the background attempts failed
	obs := observerFunc(func(_ context.Context, ev Event) {
		if ev.Kind == EventFetchDone && ev.Err != nil && ev.Background {
			failed.add(clk.Now())
		}
	})
	s := NewSource(f.fetch, withClock(clk), withRand(maxJitter), noRetry(), WithObserver(obs))
	tok1 := mustToken(t, s)

	advanceTo(clk, s, t0.Add(time.Hour-10*time.Second-time.Nanosecond))
	sec := time.Second
	first, attempts := failed.all()[0], []time.Duration(nil) // when, after the first
	for _, at := range failed.all() {
		attempts = append(attempts, at.Sub(first))
	}
	// The renewal starts at the end of the window's first half (maxJitter):
	// 4m50s/2 = 2m25s after the stale point, 2m25s before the expiry point.
	require.Equal(t, t0.Add(55*time.Minute+145*time.Second), first)
	require.Equal(t, []time.Duration{0, 1 * sec, 3 * sec, 7 * sec, 15 * sec, 31 * sec, 63 * sec, 123 * sec}, attempts)
	require.Same(t, tok1, mustToken(t, s), "the valid token is served all along")
	require.Equal(t, "refreshing", s.stateName())

	advanceTo(clk, s, t0.Add(time.Hour-10*time.Second))
	require.Equal(t, "expired", s.stateName())
	_, err := s.Token()
	require.ErrorIs(t, err, ErrServer)
	require.EqualValues(t, 10, f.calls.Load(), "1 + 8 background + 1 foreground")
	s.waitIdle()
}

// The backoff honours a Retry-After longer than itself.
func TestBackgroundFailureHonoursRetryAfter(t *testing.T) {
	clk := newFakeClock(t0)
	rl := newError("test", http.StatusTooManyRequests, http.Header{"Retry-After": {"100"}}, nil, "", "", "")
	f := &fetcher{clk: clk, life: time.Hour, fail: func(n int32) error {
		if n == 2 {
			return rl
		}
		return nil
	}}
	s := NewSource(f.fetch, withClock(clk), withRand(noJitter), noRetry())
	mustToken(t, s)
	advanceTo(clk, s, t0.Add(55*time.Minute+100*time.Second-time.Nanosecond))
	require.EqualValues(t, 2, f.calls.Load())
	advanceTo(clk, s, t0.Add(55*time.Minute+100*time.Second))
	require.EqualValues(t, 3, f.calls.Load())
	require.Equal(t, "tok-3", mustToken(t, s).AccessToken)
}

// Tokens that arrive already stale (window longer than the lifetime) are
// served without refreshing them ahead, which would loop.
func TestStaleOnArrivalDoesNotLoop(t *testing.T) {
	clk, f, s := fakeSource(time.Minute, WithRefreshWindow(time.Hour))
	require.Equal(t, "tok-1", mustToken(t, s).AccessToken)
	require.Equal(t, "refreshing", s.stateName())
	advanceTo(clk, s, t0.Add(49*time.Second))
	require.EqualValues(t, 1, f.calls.Load())
	require.Equal(t, "tok-1", mustToken(t, s).AccessToken)
	advanceTo(clk, s, t0.Add(50*time.Second))
	require.Equal(t, "tok-2", mustToken(t, s).AccessToken)
	require.EqualValues(t, 2, f.calls.Load())
	s.waitIdle()
}

// A machine that slept (the monotonic clock stood still while the wall
// clock moved on) or a stepped wall clock: the scheduler's deadlines are
// wall-clock times, so its next wake-up, at most maxTimerStep away,
// catches up. Until then a used token is served from the cache; an unused
// one is checked against the wall clock by its first caller.
func TestWallClockJump(t *testing.T) {
	clk, f, s := fakeSource(time.Hour, withRand(noJitter))
	tok1 := mustToken(t, s)
	require.LessOrEqual(t, clk.Next().Sub(clk.Now()), maxTimerStep, "the timer is never armed further ahead than maxTimerStep")

	clk.mu.Lock()
	clk.now = t0.Add(2 * time.Hour) // the wall clock jumps; no timer fired
	clk.mu.Unlock()
	require.Same(t, tok1, mustToken(t, s), "served from the cache until the scheduler wakes up")
	advanceTo(clk, s, clk.Now().Add(maxTimerStep))
	require.Equal(t, "expired", s.stateName(), "the next wake-up saw the wall clock")
	require.Equal(t, "tok-2", mustToken(t, s).AccessToken)

	// An unused token (seeded) is checked by its first caller.
	s2 := NewSource(f.fetch, withClock(clk), withInitialToken(&oauth2.Token{AccessToken: "seed", Expiry: clk.Now().Add(time.Hour)}))
	_, ok := s2.scheduled()
	require.False(t, ok, "an unused token has no deadline")
	clk.mu.Lock()
	clk.now = clk.now.Add(2 * time.Hour)
	clk.mu.Unlock()
	require.Equal(t, "tok-3", mustToken(t, s2).AccessToken, "expired by the wall clock: fetched")
	s.waitIdle()
	s2.waitIdle()
}

func TestInvalidate(t *testing.T) {
	clk := newFakeClock(t0)
	f := &fetcher{clk: clk, life: time.Hour}
	var events syncList[EventKind]
	s := NewSource(f.fetch, withClock(clk), WithObserver(observerFunc(func(_ context.Context, ev Event) {
		events.add(ev.Kind)
	})))
	tok1 := mustToken(t, s)
	s.Invalidate()
	require.Equal(t, "none", s.stateName())
	tok2 := mustToken(t, s)
	require.Equal(t, "tok-2", tok2.AccessToken)

	// invalidate-if-current: a stale 401 for tok1 does not drop tok2.
	require.False(t, s.invalidate(tok1))
	require.Same(t, tok2, mustToken(t, s))
	require.True(t, s.invalidate(tok2))
	require.False(t, s.invalidate(tok2))
	require.Equal(t, "tok-3", mustToken(t, s).AccessToken)
	s.waitIdle()
	require.EqualValues(t, 3, f.calls.Load())
	require.NotContains(t, events.all(), eventInvalidate, "logged, not reported")
}

func TestPreviousToken(t *testing.T) {
	clk := newFakeClock(t0)
	var prevs []string
	var n int
	s := NewSource(func(ctx context.Context) (*oauth2.Token, error) {
		p := PreviousToken(ctx)
		if p == nil {
			prevs = append(prevs, "<nil>")
		} else {
			prevs = append(prevs, p.AccessToken)
		}
		n++
		return &oauth2.Token{AccessToken: fmt.Sprint("t", n), Expiry: clk.Now().Add(time.Hour)}, nil
	}, withClock(clk))
	mustToken(t, s)
	s.Invalidate()
	mustToken(t, s)
	s.waitIdle()
	require.Equal(t, []string{"<nil>", "t1"}, prevs)
	require.Nil(t, PreviousToken(context.Background()))
}

func TestSeededTokenWithFailingFetcher(t *testing.T) {
	// MobiFinance: a stored permanent-or-not token and a Fetcher that can
	// only say a new authorization code is needed.
	needCode := errors.New("mobifinance: the token has expired; a new authorization code is needed (Exchange)")
	var calls atomic.Int32
	fetch := func(context.Context) (*oauth2.Token, error) { calls.Add(1); return nil, needCode }
	clk := newFakeClock(t0)
	s := NewSource(fetch, withClock(clk), withInitialToken(&oauth2.Token{AccessToken: "stored", Expiry: t0.Add(time.Hour)}))
	require.Equal(t, "stored", mustToken(t, s).AccessToken)
	advanceTo(clk, s, t0.Add(time.Hour))
	_, err := s.Token()
	require.ErrorIs(t, err, needCode)
	require.EqualValues(t, 2, calls.Load(), "one background attempt in the stale window (final error, no backoff retry would help before expiry), one foreground")
	s.waitIdle()
}

func TestFetcherContractViolations(t *testing.T) {
	s := NewSource(func(context.Context) (*oauth2.Token, error) { return nil, nil })
	_, err := s.Token()
	require.ErrorIs(t, err, ErrMalformedResponse)
	s.waitIdle()

	s = NewSource(func(context.Context) (*oauth2.Token, error) { panic("boom") })
	_, err = s.Token()
	require.ErrorContains(t, err, "auth: the Fetcher panicked: boom")
	s.waitIdle()
}

// Real lifetimes, real timers: the process-wide scheduler renews a used
// token by itself and leaves an unused one to expire.
//
// Long: each phase is seconds long so that a stalled machine (seconds
// between a fetch and its publication) cannot move a token into another
// phase than the one asserted; the waits are for the events themselves.
func TestRealTimeRefresh(t *testing.T) {
	testenv.Long(t)
	t.Parallel()
	f := &fetcher{clk: realClock{}, life: 3 * time.Second}
	// Stale from 2 s, renewed at a random point in [2 s, 2.4 s), expired from 2.8 s.
	s := NewSource(f.fetch, WithRefreshWindow(time.Second), WithSafetyMargin(200*time.Millisecond))
	tok1 := mustToken(t, s)
	require.Equal(t, "tok-1", tok1.AccessToken)
	// Idle: tok-1, used while fresh, is renewed in the background.
	require.Eventually(t, func() bool { return f.calls.Load() == 2 }, 30*time.Second, time.Millisecond)
	s.waitIdle()
	require.Equal(t, "tok-2", mustToken(t, s).AccessToken)
	// tok-2 was used too: renewed in its window. Nobody uses tok-3, so it
	// is left to expire, and the next caller fetches.
	require.Eventually(t, func() bool { return f.calls.Load() == 3 }, 30*time.Second, time.Millisecond)
	s.waitIdle()
	require.Eventually(t, func() bool { return s.stateName() == "expired" }, 30*time.Second, time.Millisecond)
	require.EqualValues(t, 3, f.calls.Load(), "an unused token is not renewed")
	require.Equal(t, "tok-4", mustToken(t, s).AccessToken)
	s.waitIdle()
}

// The shared fetch retries under the policy: 100 callers, one fetch of
// MaxAttempts requests, every caller gets the ErrServer.
func TestFailingEndpointSharedRetries(t *testing.T) {
	var calls atomic.Int32
	fetch := func(context.Context) (*oauth2.Token, error) {
		calls.Add(1)
		time.Sleep(5 * time.Millisecond)
		return nil, newError("test", 503, nil, []byte("<html>down</html>"), "", "", "")
	}
	s := NewSource(fetch, WithRetry(RetryPolicy{MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}))
	goEach(100, func(int) {
		_, err := s.Token()
		var e *Error
		if !errors.Is(err, ErrServer) || !errors.As(err, &e) || e.StatusCode != 503 {
			t.Errorf("got %v", err)
		}
	})()
	s.waitIdle()
	require.LessOrEqual(t, calls.Load(), int32(3*2), "at most two rounds of one shared fetch (stragglers)")
	require.GreaterOrEqual(t, calls.Load(), int32(3))
	require.Zero(t, calls.Load()%3, "each shared fetch made exactly MaxAttempts requests")
}

func TestHotPathAllocs(t *testing.T) {
	s := NewSource(func(context.Context) (*oauth2.Token, error) {
		return &oauth2.Token{AccessToken: "a", Expiry: time.Now().Add(time.Hour)}, nil
	})
	mustToken(t, s)
	ctx := context.Background()
	require.Zero(t, testing.AllocsPerRun(1000, func() { _, _ = s.Token() }))
	require.Zero(t, testing.AllocsPerRun(1000, func() { _, _ = s.TokenContext(ctx) }))
	s.waitIdle()
}
