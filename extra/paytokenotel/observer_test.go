package paytokenotel_test

import (
	"context"
	"maps"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/extra/paytokenotel"
	"github.com/paytoken/paytoken/internal/testenv"
	"github.com/paytoken/paytoken/mobifinance"
	"github.com/paytoken/paytoken/mockserver"
)

// ccProviders are the providers whose Sources fetch with client
// credentials; MobiFinance's Source cannot fetch (its tests are below).
var ccProviders = []mockserver.Provider{mockserver.MoneyGo, mockserver.MoneyKit, mockserver.Moov}

// key is a metric point's key as env.points spells it.
func key(metric string, kv ...string) string {
	s := metric + "{"
	for i := 0; i < len(kv); i += 2 {
		if i > 0 {
			s += ","
		}
		s += kv[i] + "=" + kv[i+1]
	}
	return s + "}"
}

func okPoints(p mockserver.Provider, n int64) map[string]int64 {
	return map[string]int64{
		key("paytoken.token.fetch.duration", "paytoken.outcome", "ok", "paytoken.provider", string(p)): n,
		key("paytoken.token.fetches", "paytoken.outcome", "ok", "paytoken.provider", string(p)):        n,
	}
}

func errPoints(p mockserver.Provider, kind string, n int64) map[string]int64 {
	return map[string]int64{
		key("paytoken.token.fetch.duration", "error.type", kind, "paytoken.outcome", "error", "paytoken.provider", string(p)): n,
		key("paytoken.token.fetches", "error.type", kind, "paytoken.outcome", "error", "paytoken.provider", string(p)):        n,
	}
}

func merge(ms ...map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for _, m := range ms {
		maps.Copy(out, m)
	}
	return out
}

// forEachCC runs f in parallel subtests, one per client-credentials
// provider, each with an env of its own.
func forEachCC(t *testing.T, f func(t *testing.T, e *env, p mockserver.Provider)) {
	t.Parallel()
	for _, p := range ccProviders {
		t.Run(string(p), func(t *testing.T) {
			t.Parallel()
			f(t, newEnv(t), p)
		})
	}
}

// caller starts a caller's span: the context of the calls it makes.
func (e *env) caller() (context.Context, trace.Span) {
	return e.tp.Tracer("test").Start(e.t.Context(), "caller")
}

// onlyFetchSpan is the one fetch span e recorded, and the spans as a slice
// (for requireHTTPChildren).
func (e *env) onlyFetchSpan() (sdktrace.ReadOnlySpan, []sdktrace.ReadOnlySpan) {
	e.t.Helper()
	spans := e.fetchSpans()
	require.Len(e.t, spans, 1)
	return spans[0], spans
}

// requireSpan checks a span's attributes ("k=v", sorted) and status code.
func requireSpan(t *testing.T, s sdktrace.ReadOnlySpan, attributes []string, code codes.Code) {
	t.Helper()
	require.Equal(t, attributes, attrs(s.Attributes()))
	require.Equal(t, code, s.Status().Code)
}

// requireHTTPChildren checks that otelhttp recorded want client spans, each
// a child of one of the fetch spans.
func requireHTTPChildren(t *testing.T, e *env, fetches []sdktrace.ReadOnlySpan, want int) {
	t.Helper()
	parents := map[trace.SpanID]bool{}
	for _, f := range fetches {
		parents[f.SpanContext().SpanID()] = true
	}
	n := 0
	for _, s := range e.spans.Ended() {
		if s.SpanKind() != trace.SpanKindClient {
			continue
		}
		n++
		require.True(t, parents[s.Parent().SpanID()], "HTTP span %q is not a child of a fetch span", s.Name())
	}
	require.Equal(t, want, n, "token requests traced by otelhttp")
}

func TestFetch(t *testing.T) {
	forEachCC(t, func(t *testing.T, e *env, p mockserver.Provider) {
		src := e.source(p, nil)
		ctx, caller := e.caller()
		tok, err := e.token(ctx, src)
		require.NoError(t, err)
		for range 100 {
			again, err := e.token(ctx, src)
			require.NoError(t, err)
			require.Same(t, tok, again)
		}
		caller.End()

		require.Equal(t, okPoints(p, 1), e.points(), "one fetch; the 100 cache hits record nothing")
		s, spans := e.onlyFetchSpan()
		require.Equal(t, caller.SpanContext().TraceID(), s.SpanContext().TraceID())
		require.Equal(t, caller.SpanContext().SpanID(), s.Parent().SpanID(), "the fetch ran on the caller's context")
		require.Equal(t, trace.SpanKindInternal, s.SpanKind())
		requireSpan(t, s, []string{"paytoken.attempts=1", "paytoken.background=false", "paytoken.provider=" + string(p)}, codes.Unset)
		require.Empty(t, s.Events())
		require.Empty(t, s.Links())
		require.Equal(t, paytokenotel.ScopeName, s.InstrumentationScope().Name)
		requireHTTPChildren(t, e, spans, 1)
		require.Equal(t, 1, e.srv.Counts(p).TokenRequests)
		e.checkNoSecret()
	})
}

func TestBackgroundRenewal(t *testing.T) {
	forEachCC(t, func(t *testing.T, e *env, p mockserver.Provider) {
		// A stored token inside a refresh window longer than its life is
		// stale: the first caller gets it from the Store and starts a
		// renewal that nobody waits for.
		seed := &oauth2.Token{AccessToken: "seed-access-token-" + string(p), TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}
		e.sawToken(seed)
		store := &auth.MemoryStore{}
		require.NoError(t, store.Save(t.Context(), "k", seed))
		sig := newSignal(e.obs)
		src := e.source(p, sig, auth.WithStore(store, "k"), auth.WithRefreshWindow(2*time.Hour))
		ctx, caller := e.caller()
		tok, err := e.token(ctx, src)
		require.NoError(t, err)
		require.Equal(t, seed.AccessToken, tok.AccessToken)
		caller.End()
		sig.await(t, "background fetch", func(ev auth.Event) bool { return ev.Kind == auth.EventFetchDone && ev.Background })

		want := merge(okPoints(p, 1), map[string]int64{
			key("paytoken.token.refreshes", "paytoken.provider", string(p)): 1,
		})
		require.Equal(t, want, e.points())
		s, spans := e.onlyFetchSpan()
		require.False(t, s.Parent().IsValid(), "a background renewal is a root span")
		require.Len(t, s.Links(), 1)
		require.Equal(t, caller.SpanContext().SpanID(), s.Links()[0].SpanContext.SpanID(), "linked to the call that set it off")
		requireSpan(t, s, []string{"paytoken.attempts=1", "paytoken.background=true", "paytoken.provider=" + string(p)}, codes.Unset)
		requireHTTPChildren(t, e, spans, 1)

		e.awaitRenewed(src, seed.AccessToken)
		require.Equal(t, want, e.points(), "serving it records nothing")
		e.checkNoSecret()
	})
}

func TestFailureWithRetries(t *testing.T) {
	forEachCC(t, func(t *testing.T, e *env, p mockserver.Provider) {
		e.srv.InjectFault(p, mockserver.Fault{Status: 503, Times: 3})
		src := e.source(p, nil, fastRetry)
		ctx, caller := e.caller()
		_, err := e.token(ctx, src)
		require.ErrorIs(t, err, auth.ErrServer)

		require.Equal(t, errPoints(p, "server", 1), e.points())
		s, spans := e.onlyFetchSpan()
		require.Equal(t, caller.SpanContext().SpanID(), s.Parent().SpanID())
		requireSpan(t, s, []string{"error.type=server", "paytoken.attempts=3", "paytoken.background=false", "paytoken.provider=" + string(p)}, codes.Error)
		require.Equal(t, err.Error(), s.Status().Description)
		requireRetryEvents(t, s, 2)
		requireHTTPChildren(t, e, spans, 3)

		// One more 503, then a token: the fetch succeeds on its second attempt.
		e.srv.InjectFault(p, mockserver.Fault{Status: 503, Times: 1})
		_, err = e.token(ctx, src)
		require.NoError(t, err)
		caller.End()
		require.Equal(t, merge(errPoints(p, "server", 1), okPoints(p, 1)), e.points())
		spans = e.fetchSpans()
		require.Len(t, spans, 2)
		requireSpan(t, spans[1], []string{"paytoken.attempts=2", "paytoken.background=false", "paytoken.provider=" + string(p)}, codes.Unset)
		requireRetryEvents(t, spans[1], 1)
		requireHTTPChildren(t, e, spans, 5)
		e.checkNoSecret()
	})
}

// requireRetryEvents checks that s has n retry events, for attempts 1…n.
func requireRetryEvents(t *testing.T, s sdktrace.ReadOnlySpan, n int) {
	t.Helper()
	evs := s.Events()
	require.Len(t, evs, n)
	for i, ev := range evs {
		require.Equal(t, "paytoken.token.retry", ev.Name)
		a := attrs(ev.Attributes)
		require.Len(t, a, 3)
		require.Equal(t, "error.type=server", a[0])
		require.Equal(t, "paytoken.attempt="+string(rune('1'+i)), a[1])
		wait, ok := strings.CutPrefix(a[2], "paytoken.retry.wait=")
		require.True(t, ok, a[2])
		secs, err := strconv.ParseFloat(wait, 64)
		require.NoError(t, err)
		require.True(t, secs >= 0 && secs <= 0.001, "the wait in seconds, at most 1ms here: %v", secs)
	}
}

func TestStoreErrors(t *testing.T) {
	forEachCC(t, func(t *testing.T, e *env, p mockserver.Provider) {
		sig := newSignal(e.obs)
		src := e.source(p, sig, auth.WithStore(failingStore{}, ""))
		_, err := e.token(t.Context(), src)
		require.NoError(t, err, "a failing Store is worked around")
		sig.await(t, "the save's store error", func(ev auth.Event) bool { return ev.Kind == auth.EventStoreError && ev.Op == "save" })

		require.Equal(t, merge(okPoints(p, 1), storeErrPoints(p, true)), e.points())
		require.Len(t, e.fetchSpans(), 1)
		e.checkNoSecret()
	})
}

func storeErrPoints(p mockserver.Provider, save bool) map[string]int64 {
	m := map[string]int64{
		key("paytoken.store.errors", "error.type", "timeout", "paytoken.provider", string(p), "paytoken.store.operation", "load"): 1,
		key("paytoken.store.errors", "error.type", "_OTHER", "paytoken.provider", string(p), "paytoken.store.operation", "lock"):  1,
	}
	if save {
		m[key("paytoken.store.errors", "error.type", "_OTHER", "paytoken.provider", string(p), "paytoken.store.operation", "save")] = 1
	}
	return m
}

// MobiFinance's tokens come from Exchange, which no Source runs; its Source
// serves them and, having no refresh grant, fails every fetch with
// ErrReauthorize (error.type "reauthorize"), at once and without retries.

func TestMobiFinanceServesWithoutRecording(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.exchange()
	src := e.mobiConfig().TokenSource(tok, auth.WithObserver(e.obs))
	for range 100 {
		got, err := e.token(t.Context(), src)
		require.NoError(t, err)
		require.Equal(t, tok.AccessToken, got.AccessToken)
	}
	require.Empty(t, e.points())
	require.Empty(t, e.fetchSpans())
	e.checkNoSecret()
}

func TestMobiFinanceBackgroundRenewal(t *testing.T) {
	t.Parallel()
	e := newEnv(t, mockserver.WithTokenLifetime(mockserver.MobiFinance, time.Hour))
	tok := e.exchange()
	sig := newSignal(e.obs)
	src := e.mobiConfig().TokenSource(tok, auth.WithObserver(sig), auth.WithRefreshWindow(2*time.Hour))
	ctx, caller := e.caller()
	got, err := e.token(ctx, src)
	require.NoError(t, err)
	require.Equal(t, tok.AccessToken, got.AccessToken)
	caller.End()
	sig.await(t, "background fetch", func(ev auth.Event) bool { return ev.Kind == auth.EventFetchDone && ev.Err != nil && ev.Background })

	p := mockserver.MobiFinance
	require.Equal(t, merge(errPoints(p, "reauthorize", 1), map[string]int64{
		key("paytoken.token.refreshes", "paytoken.provider", string(p)): 1,
	}), e.points())
	s, _ := e.onlyFetchSpan()
	require.False(t, s.Parent().IsValid())
	require.Len(t, s.Links(), 1)
	require.Equal(t, caller.SpanContext().SpanID(), s.Links()[0].SpanContext.SpanID())
	requireSpan(t, s, []string{"error.type=reauthorize", "paytoken.attempts=1", "paytoken.background=true", "paytoken.provider=mobifinance"}, codes.Error)
	require.Contains(t, s.Status().Description, "mobifinance: ")
	got, err = e.token(t.Context(), src)
	require.NoError(t, err, "the still-valid token stays in service")
	require.Equal(t, tok.AccessToken, got.AccessToken)
	e.checkNoSecret()
}

func TestMobiFinanceFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.exchange() // a token and a code the scan looks for
	src := e.mobiConfig().TokenSource(nil, auth.WithObserver(e.obs), fastRetry)
	ctx, caller := e.caller()
	_, err := e.token(ctx, src)
	caller.End()
	require.ErrorIs(t, err, mobifinance.ErrReauthorize)

	require.Equal(t, errPoints(mockserver.MobiFinance, "reauthorize", 1), e.points())
	s, _ := e.onlyFetchSpan()
	require.Equal(t, caller.SpanContext().SpanID(), s.Parent().SpanID())
	require.Equal(t, []string{"error.type=reauthorize", "paytoken.attempts=1", "paytoken.background=false", "paytoken.provider=mobifinance"}, attrs(s.Attributes()))
	require.Equal(t, err.Error(), s.Status().Description)
	require.Empty(t, s.Events(), "a final error is not retried")
	e.checkNoSecret()
}

func TestMobiFinanceStoreErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.exchange()
	cfg := e.mobiConfig()
	src := cfg.TokenSource(nil, auth.WithObserver(e.obs), auth.WithStore(failingStore{}, cfg.UserKey("user-1")))
	_, err := e.token(t.Context(), src)
	require.ErrorIs(t, err, mobifinance.ErrReauthorize)
	p := mockserver.MobiFinance
	require.Equal(t, merge(errPoints(p, "reauthorize", 1), storeErrPoints(p, false)), e.points(), "nothing fetched, nothing saved")
	e.checkNoSecret()
}

func TestCacheHitsRecordNothing(t *testing.T) { // not parallel: AllocsPerRun
	e := newEnv(t)
	sig := newSignal(e.obs)
	src := e.source(mockserver.Moov, sig)
	_, err := e.token(t.Context(), src)
	require.NoError(t, err)
	require.Zero(t, testing.AllocsPerRun(1000, func() { _, _ = src.Token() }))
	require.Zero(t, sig.hits.Load(), "the observer declines cache hits: the Source reports none")
	ev := auth.Event{Kind: auth.EventCacheHit, Provider: "moov", Expiry: time.Now()}
	require.Zero(t, testing.AllocsPerRun(1000, func() { e.obs.Observe(context.Background(), ev) }),
		"a cache hit reported anyway is ignored without allocating")
	require.Equal(t, okPoints(mockserver.Moov, 1), e.points())
}

func TestClosingEventWithoutItsSpanEndsNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx, caller := e.caller()
	e.obs.Observe(ctx, auth.Event{Kind: auth.EventFetchDone, Provider: "p", Attempt: 1, Duration: time.Millisecond})
	e.obs.Observe(ctx, auth.Event{Kind: auth.EventRetry, Provider: "p", Attempt: 1, Err: auth.ErrServer})
	require.Empty(t, e.spans.Ended(), "the caller's span is not ended by the fetch's closing event")
	caller.End()
	require.Empty(t, e.spans.Ended()[0].Events())
	require.Equal(t, okPoints("p", 1), e.points())
}

func TestNewObserverDefaults(t *testing.T) {
	t.Parallel()
	obs, err := paytokenotel.NewObserver(nil)
	require.NoError(t, err)
	obs.Observe(context.Background(), auth.Event{Kind: auth.EventFetchDone, Duration: time.Millisecond})
}

// TestTimerRenewal: a token used while fresh is renewed when it turns
// stale, by a timer, with no caller around: a root span without links.
// It waits for real time: the token is fresh for 1 s (a token published
// already stale is never renewed ahead of expiry, so a shorter time would
// fail on a loaded machine), then renewed within the first half of its
// 2 s refresh window.
func TestTimerRenewal(t *testing.T) {
	testenv.Long(t)
	t.Parallel()
	p := mockserver.MoneyKit
	e := newEnv(t, mockserver.WithTokenLifetime(p, 3*time.Second))
	sig := newSignal(e.obs)
	src := e.source(p, sig, auth.WithRefreshWindow(2*time.Second), auth.WithSafetyMargin(0))
	ctx, caller := e.caller()
	first, err := e.token(ctx, src)
	require.NoError(t, err)
	caller.End()
	sig.await(t, "timer renewal", func(ev auth.Event) bool { return ev.Kind == auth.EventFetchDone && ev.Background })
	// src is used below: the scheduler holds Sources weakly, and a Source
	// nobody references is collected, renewals and all.
	e.awaitRenewed(src, first.AccessToken)

	require.Equal(t, merge(okPoints(p, 2), map[string]int64{
		key("paytoken.token.refreshes", "paytoken.provider", string(p)): 1,
	}), e.points())
	spans := e.fetchSpans()
	require.Len(t, spans, 2)
	require.Equal(t, caller.SpanContext().SpanID(), spans[0].Parent().SpanID())
	require.False(t, spans[1].Parent().IsValid())
	require.Empty(t, spans[1].Links(), "no caller set it off")
	require.Equal(t, []string{"paytoken.attempts=1", "paytoken.background=true", "paytoken.provider=moneykit"}, attrs(spans[1].Attributes()))
	requireHTTPChildren(t, e, spans, 2)
	e.checkNoSecret()
}
