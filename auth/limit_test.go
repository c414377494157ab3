package auth

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// Renewals of many Sources of one endpoint never have more requests in
// flight at the token server than the limit, and use no more workers.
func TestRefreshLimitBoundsConcurrency(t *testing.T) {
	t.Parallel()
	var cur, peak, total atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := cur.Add(1)
		defer cur.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() { //nolint:revive // the loop is the compare-and-swap
		}
		_, _ = io.Copy(io.Discard, r.Body)
		time.Sleep(2 * time.Millisecond)
		fmt.Fprintf(w, "tok-%d", total.Add(1))
	}))
	defer srv.Close()
	fetch := func(ctx context.Context) (*oauth2.Token, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, nil)
		resp, err := srv.Client().Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return nil, err
		}
		return &oauth2.Token{AccessToken: string(b), Expiry: time.Now().Add(time.Hour)}, nil
	}
	const n, limit = 200, 3
	srcs := make([]*Source, n)
	stale := time.Now().Add(time.Minute) // inside a 5-minute window
	for i := range srcs {
		srcs[i] = NewSource(fetch, withInitialToken(&oauth2.Token{AccessToken: fmt.Sprint("old-", i), Expiry: stale}),
			WithRefreshWindow(5*time.Minute), WithRefreshLimit(limit, 0))
	}
	for i, s := range srcs {
		require.Equal(t, fmt.Sprint("old-", i), mustToken(t, s).AccessToken, "stale: served at once")
	}
	for _, s := range srcs {
		s.waitIdle()
	}
	require.EqualValues(t, n, total.Load(), "every Source renewed once")
	require.EqualValues(t, limit, peak.Load(), "requests in flight reached the limit and never passed it")
	lim := srcs[0].lim
	for _, s := range srcs {
		require.Same(t, lim, s.lim, "one limiter for Sources with the same options")
	}
	lim.mu.Lock()
	defer lim.mu.Unlock()
	require.Equal(t, limit, lim.peak, "at most limit workers ran fetches")
	require.Zero(t, lim.workers, "the workers are gone once the queue is empty")
	for _, s := range srcs {
		require.NotEqual(t, "old", mustToken(t, s).AccessToken[:3])
	}
}

// The rate limit spaces requests evenly, retries included.
func TestRefreshLimitRate(t *testing.T) {
	t.Parallel()
	clk := newFakeClock(t0)
	var at syncList[time.Duration]
	fetch := func(context.Context) (*oauth2.Token, error) {
		if at.add(clk.Now().Sub(t0)) == 2 {
			return nil, newError("p", http.StatusServiceUnavailable, nil, nil, "", "", "")
		}
		return &oauth2.Token{AccessToken: "new", Expiry: clk.Now().Add(time.Hour)}, nil
	}
	opts := []Option{withClock(clk), WithRefreshLimit(10, 10), WithRefreshWindow(5 * time.Minute),
		WithRetry(RetryPolicy{MaxAttempts: 2, MinBackoff: time.Nanosecond, MaxBackoff: time.Nanosecond}), withRand(noJitter)}
	var srcs []*Source
	for range 4 {
		s := NewSource(fetch, append(opts, withInitialToken(&oauth2.Token{AccessToken: "old", Expiry: t0.Add(time.Minute)}))...)
		mustToken(t, s) // stale: a refresh is queued
		srcs = append(srcs, s)
	}
	// 4 refreshes and one retry: 5 requests, 100ms apart. Before each
	// step, the requests made so far and the workers' rate waits armed
	// (the retry's once its first attempt failed).
	count := at.len
	for k, waits := range []int{3, 3, 2, 1} {
		require.Eventually(t, func() bool {
			return count() == k+1 && clk.PendingBefore(clk.Now().Add(time.Second)) == waits
		}, 5*time.Second, time.Millisecond, "step %d", k)
		clk.Advance(100 * time.Millisecond)
	}
	require.Eventually(t, func() bool { return count() == 5 }, 5*time.Second, time.Millisecond)
	for _, s := range srcs {
		s.waitIdle()
	}
	ms := time.Millisecond
	require.Equal(t, []time.Duration{0, 100 * ms, 200 * ms, 300 * ms, 400 * ms}, at.all())
}

// In the limiter's queue, fetches that callers wait for (no token, an
// invalidated one) go first, then renewals in the order their tokens
// expire.
func TestRefreshLimitPriority(t *testing.T) {
	t.Parallel()
	clk := newFakeClock(t0)
	gate := make(chan struct{})
	var order syncList[string]
	fetch := func(ctx context.Context) (*oauth2.Token, error) {
		name := ctx.Value(nameKey{}).(string)
		if name == "blocker" {
			<-gate
		}
		order.add(name)
		return &oauth2.Token{AccessToken: name + "-new", Expiry: clk.Now().Add(time.Hour)}, nil
	}
	opts := []Option{withClock(clk), WithRefreshLimit(1, 0), WithRefreshWindow(10 * time.Minute)}
	named := func(name string, expiry time.Duration) *Source {
		var tok *oauth2.Token
		if expiry > 0 {
			tok = &oauth2.Token{AccessToken: name, Expiry: t0.Add(expiry)}
		}
		return NewSource(func(ctx context.Context) (*oauth2.Token, error) {
			return fetch(context.WithValue(ctx, nameKey{}, name))
		}, append(opts, withInitialToken(tok))...)
	}
	blocker := named("blocker", 5*time.Minute)
	mustToken(t, blocker) // stale: its renewal takes the one worker
	require.Eventually(t, func() bool { return blocker.waiters() == 0 }, 5*time.Second, time.Millisecond)
	for blocker.lim.queued() != 0 {
		time.Sleep(time.Millisecond)
	}
	stale := map[string]*Source{}
	for _, c := range []struct {
		name string
		exp  time.Duration
	}{{"stale-9m", 9 * time.Minute}, {"stale-3m", 3 * time.Minute}, {"stale-6m", 6 * time.Minute}, {"invalidated", 8 * time.Minute}} {
		stale[c.name] = named(c.name, c.exp)
		mustToken(t, stale[c.name]) // stale: renewal queued
	}
	none := named("no-token", 0)
	noneDone := goEach(1, func(int) { _, _ = none.Token() }) // a caller waits
	require.Eventually(t, func() bool { return none.waiters() == 1 }, 5*time.Second, time.Millisecond)
	inv := stale["invalidated"]
	inv.Invalidate()
	invDone := goEach(1, func(int) { _, _ = inv.Token() }) // a caller now waits for its queued renewal
	require.Eventually(t, func() bool { return inv.waiters() == 1 }, 5*time.Second, time.Millisecond)
	require.Equal(t, 5, blocker.lim.queued())

	close(gate)
	noneDone()
	invDone()
	for _, s := range append([]*Source{blocker, none}, stale["stale-9m"], stale["stale-3m"], stale["stale-6m"], inv) {
		s.waitIdle()
	}
	require.Equal(t, []string{"blocker", "no-token", "invalidated", "stale-3m", "stale-6m", "stale-9m"}, order.all())
}

type nameKey struct{}

// Sources of one provider and client id share a limiter with the
// provider's default limits, whatever their scopes or Store keys; another
// client id has its own.
func TestRefreshLimitPerEndpoint(t *testing.T) {
	t.Parallel()
	fetch := func(context.Context) (*oauth2.Token, error) { return nil, nil }
	a1 := NewSource(fetch, withDefaultStoreKey(StoreKey("moov", "client-a", "/accounts/1/a.read")))
	a2 := NewSource(fetch, withDefaultStoreKey(StoreKey("moov", "client-a", "/accounts/2/a.read")), WithRetry(RetryPolicy{MaxAttempts: 5}))
	b := NewSource(fetch, withDefaultStoreKey(StoreKey("moov", "client-b")))
	u := NewSource(fetch, WithStore(new(MemoryStore), StoreKey("mobifinance", "app")+"user=u1"))
	require.Same(t, a1.lim, a2.lim)
	require.NotSame(t, a1.lim, b.lim)
	require.Equal(t, 16, a1.lim.conc)
	require.Equal(t, 25*time.Millisecond, a1.lim.interval, "Moov documents 40 requests/s")
	require.Equal(t, 50*time.Millisecond, u.lim.interval, "20/s for providers that document no limit")
	own := NewSource(fetch)
	require.Zero(t, own.lim.interval, "a Fetcher of your own: no rate limit by default")
	c := NewSource(fetch, withDefaultStoreKey(StoreKey("moov", "client-a")), WithRefreshLimit(0, -3))
	require.NotSame(t, a1.lim, c.lim, "other limits, another limiter")
	require.Equal(t, 1, c.lim.conc)
	require.Zero(t, c.lim.interval)
	require.Same(t, a1.profile, NewSource(fetch, withDefaultStoreKey(StoreKey("moov", "client-a", "/x"))).profile, "options interned")
}
