package auth

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

func TestObserverEvents(t *testing.T) {
	clk := newFakeClock(t0)
	rec := &events{}
	n := 0
	fetch := func(context.Context) (*oauth2.Token, error) {
		n++
		if n == 1 {
			return nil, newError("p", 503, nil, nil, "", "", "")
		}
		return &oauth2.Token{AccessToken: "secret-access-token-value", Expiry: clk.Now().Add(time.Hour)}, nil
	}
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := NewSource(fetch, withClock(instantClockAt{clk}), withRand(maxJitter), WithObserver(rec), WithLogger(log))
	tok := mustToken(t, s)
	s.waitIdle()
	require.Equal(t, []EventKind{EventFetchStart, EventRetry, EventFetchDone}, rec.kinds())
	rec.mu.Lock()
	require.Equal(t, 1, rec.evs[1].Attempt)
	require.Equal(t, 200*time.Millisecond, rec.evs[1].Duration)
	require.ErrorIs(t, rec.evs[1].Err, ErrServer)
	require.Equal(t, 2, rec.evs[2].Attempt)
	require.Equal(t, tok.Expiry, rec.evs[2].Expiry)
	rec.evs = nil
	rec.mu.Unlock()

	// Cache hits are reported (only) when an Observer is set.
	for range 3 {
		require.Same(t, tok, mustToken(t, s))
	}
	_, _ = s.TokenContext(context.Background())
	rec.mu.Lock()
	require.Len(t, rec.evs, 4)
	for _, ev := range rec.evs {
		require.Equal(t, EventCacheHit, ev.Kind)
	}
	rec.mu.Unlock()

	s.Invalidate()
	mustToken(t, s)
	s.waitIdle()
	require.Equal(t, []EventKind{EventFetchStart, EventFetchDone}, rec.kinds())

	out := buf.String()
	require.NotContains(t, out, "secret-access")
	require.Contains(t, out, `level=INFO msg="auth: retry"`)
	require.Contains(t, out, `level=DEBUG msg="auth: fetch_done"`)
	require.NotContains(t, out, "cache_hit")
	require.Equal(t, "unknown", EventKind(0).String())
	require.Equal(t, "store_error", EventStoreError.String())
}

// instantClockAt is a fakeClock whose timers (the retry waits) fire at once.
type instantClockAt struct{ *fakeClock }

func (c instantClockAt) AfterFunc(d time.Duration, f func()) timer {
	if d < time.Second { // retry waits; state timers are armed 30s ahead
		return time.AfterFunc(0, f)
	}
	return c.fakeClock.AfterFunc(d, f)
}

func TestLoggerRespectsLevel(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s := NewSource(func(context.Context) (*oauth2.Token, error) {
		return nil, newError("p", http.StatusUnauthorized, nil, nil, "invalid_client", "", "")
	}, WithLogger(log))
	_, err := s.Token()
	require.ErrorIs(t, err, ErrInvalidClient)
	s.waitIdle()
	require.Contains(t, buf.String(), `level=WARN msg="auth: fetch_failed"`)
	require.NotContains(t, buf.String(), "fetch_start")
}

// fetchObserver has both optional methods: StartFetch puts a value in the
// fetch's context, which the Fetcher and the closing event must see.
type fetchObserver struct {
	events
	hits bool
}

type fetchMark struct{}

func (o *fetchObserver) StartFetch(ctx context.Context, ev Event) context.Context {
	o.Observe(ctx, ev)
	return context.WithValue(ctx, fetchMark{}, "in-fetch")
}

func (o *fetchObserver) CacheHits() bool { return o.hits }

func TestObserverStartFetchAndCacheHits(t *testing.T) {
	for _, hits := range []bool{false, true} {
		obs := &fetchObserver{hits: hits}
		var seen []any
		var marks []any
		obs.hook = func(ctx context.Context, ev Event) { marks = append(marks, ctx.Value(fetchMark{})) }
		fetch := func(ctx context.Context) (*oauth2.Token, error) {
			seen = append(seen, ctx.Value(fetchMark{}))
			return &oauth2.Token{AccessToken: "a", Expiry: time.Now().Add(time.Hour)}, nil
		}
		s := NewSource(fetch, WithObserver(obs), WithProvider("moov"))
		tok := mustToken(t, s)
		s.waitIdle()
		for range 3 {
			require.Same(t, tok, mustToken(t, s))
		}
		require.Equal(t, []any{"in-fetch"}, seen, "the Fetcher runs under StartFetch's context")
		require.Equal(t, []EventKind{EventFetchStart, EventFetchDone}, obs.kinds())
		require.Equal(t, []any{nil, "in-fetch"}, marks[:2], "FetchStart gets the caller's context, FetchDone the fetch's")
		obs.mu.Lock()
		n := 0
		for _, ev := range obs.evs {
			require.Equal(t, "moov", ev.Provider, ev.Kind.String())
			if ev.Kind == EventCacheHit {
				n++
			}
		}
		obs.mu.Unlock()
		if hits {
			require.Equal(t, 3, n, "CacheHits() true: every hit is reported")
		} else {
			require.Zero(t, n, "CacheHits() false: no hit is reported")
			require.Zero(t, testing.AllocsPerRun(100, func() { _, _ = s.Token() }))
		}
	}
}
