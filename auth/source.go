package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"weak"

	"golang.org/x/oauth2"
)

// A cached token is in one of these states. The state word is written by
// timers and the slow path under Source.mu, and by the cached path only to
// record the first use (a compare-and-swap from stateFreshUnused to
// stateFresh). The cached path serves the token when the word is at most
// stateStaleBusy: one load and one comparison.
const (
	stateFresh       uint32 = iota // served as is; used since it was published
	stateStaleBusy                 // served; a refresh is running or scheduled (or pointless, see entry.noRefresh)
	stateFreshUnused               // served, and marked used on the way
	stateStale                     // served; the caller starts a background refresh
	stateExpired                   // not served: callers wait for a fetch

	// observedBit is or-ed into every state of a Source whose Observer
	// wants cache hits, so that they take the (non-inlined) path that
	// reports them and a Source without one pays nothing for the feature.
	observedBit uint32 = 8
)

// Background refresh backoff after a failure: exponential from
// bgMinBackoff, capped at bgMaxBackoff, drawn from [d/2, d] so that it never
// loops hot. A Retry-After from the server lengthens it.
const (
	bgMinBackoff = time.Second
	bgMaxBackoff = time.Minute
)

// maxTimerStep caps how far ahead a state timer is armed. Timers run on the
// monotonic clock, which stands still while the machine sleeps; re-arming at
// least this often (each time checking the wall clock) bounds how long a
// token can be served past its stale or expiry point after a suspend.
var maxTimerStep = 30 * time.Second

// Locker defaults. The cross-process fetch lock is a lease of lockLease,
// which the Locker renews while its holder's fetch runs (see Locker): a
// holder that dies, hangs or loses the Store loses the lock within one
// lease. A process that did not get it polls the Store, first after
// pollMin, then at growing intervals up to pollMax, short enough next to
// the lease that a lapsed lock is taken soon after it lapses.
const (
	lockLease      = 5 * time.Second
	defaultPollMin = 50 * time.Millisecond
	defaultPollMax = 250 * time.Millisecond
)

// entry is one published token. Everything but the two atomics is
// immutable once the entry is published.
type entry struct {
	tok      *oauth2.Token
	state    atomic.Uint32
	bit      uint32    // observedBit or 0
	staleAt  time.Time // wall clock (no monotonic reading); zero with expireAt when the token never expires
	expireAt time.Time
	// noRefresh: the token was fetched already stale (a refresh window
	// longer than its lifetime); refreshing it ahead of expiry would only
	// fetch another such token, in a loop.
	noRefresh bool
}

// get is the state without the observed bit.
func (e *entry) get() uint32 { return e.state.Load() &^ observedBit }

// set stores st (under Source.mu).
func (e *entry) set(st uint32) { e.state.Store(st | e.bit) }

// markUsed records that a caller got the token while it was fresh.
func (e *entry) markUsed() { e.state.CompareAndSwap(stateFreshUnused|e.bit, stateFresh|e.bit) }

func (e *entry) used() bool { return e.get() != stateFreshUnused }

// phase is the state the wall clock says the token is in at now
// (stateFresh, stateStale or stateExpired).
func (e *entry) phase(now time.Time) uint32 {
	switch {
	case e.expireAt.IsZero():
		return stateFresh
	case !now.Before(e.expireAt):
		return stateExpired
	case !now.Before(e.staleAt):
		return stateStale
	}
	return stateFresh
}

// flight is one shared fetch. tok and err are written before done is closed.
type flight struct {
	done       chan struct{}
	background bool
	waiters    int // callers waiting; guarded by Source.mu
	tok        *oauth2.Token
	err        error
}

// Source is a cached, self-refreshing oauth2.TokenSource over a Fetcher.
//
// A token is fresh, stale or expired. Both the refresh window and the
// safety margin count back from the token's expiry: it is stale in
// [expiry − window, expiry − margin) and expired from expiry − margin on
// (defaults: window 20 % of the token's lifetime clamped to [10s, 5min],
// margin 10s; see WithRefreshWindow, WithSafetyMargin). A token with a zero
// Expiry never expires.
//
//   - Fresh: returned as is, without locking, allocating or reading the clock.
//   - Stale: returned at once, and one background refresh starts; nobody waits
//     for it. A token that was used while fresh is refreshed as soon as it
//     turns stale, even if nobody calls again, so a token used once and then
//     left idle through its refresh window is renewed before anyone needs it.
//     A failed background refresh keeps the still-valid token in service;
//     after a temporary failure (network, 429, 5xx) it is tried again after a
//     jittered, growing backoff (at least 500ms, honouring Retry-After),
//     after a final one (rejected credentials) not before the token expires.
//   - Expired, invalidated or none yet: callers wait for one shared fetch.
//     Each caller's context bounds only its own wait; the fetch runs detached
//     from the callers (bounded by WithFetchTimeout) so that one caller giving
//     up does not fail the others.
//
// The Expiry a caller sees is the provider's, not shortened by the margin.
// Returned tokens are shared between callers: do not modify them.
//
// Time: the cached path reads no clock. Timers, armed on the monotonic clock,
// flip the state word fresh → stale → expired; the slow path and every timer
// re-check against the wall clock. While a machine is suspended the monotonic
// clock stands still, so after resuming a token can be served for up to 30s
// past its stale or expiry point by the wall clock before a timer notices
// (the safety margin usually absorbs this; Transport's replay after a 401
// covers the rest). That is the price of a cached path ten times faster than
// a clock read.
//
// A Source needs no Close: its goroutines live only while a fetch runs, and
// its timers hold it weakly and are stopped when it is garbage collected.
// A Source is safe for concurrent use.
type Source struct {
	cur atomic.Pointer[entry]
	obs Observer

	provider     string
	fetch        Fetcher
	policy       RetryPolicy
	window       time.Duration
	windowSet    bool
	hits         bool // obs wants EventCacheHit
	margin       time.Duration
	store        Store
	locker       Locker
	key          string
	log          *slog.Logger
	fetchTimeout time.Duration
	clock        clock
	rnd          func(int64) int64
	lockTTL      time.Duration
	pollMin      time.Duration
	pollMax      time.Duration
	self         weak.Pointer[Source]
	timers       *timers

	mu         sync.Mutex
	flight     *flight
	bgFailures int
	last       *oauth2.Token // last token published, kept through Invalidate (PreviousToken)
	rejected   string        // access token dropped by Invalidate: never adopted from the Store again
	// flights counts running fetch goroutines, so tests can wait for
	// quiescence (a WaitGroup would race: Add from a timer while a test Waits).
	flights atomic.Int32
}

// timers of a Source. They are the runtime.AddCleanup argument, so they
// must not reference the Source; their callbacks hold it weakly.
type timers struct {
	mu      sync.Mutex
	stopped bool
	phase   timer // next state transition
	retry   timer // next background attempt after a failure
}

func (t *timers) stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stopped = true
	if t.phase != nil {
		t.phase.Stop()
	}
	if t.retry != nil {
		t.retry.Stop()
	}
}

var errNilFetcher = errors.New("auth: NewSource was given a nil Fetcher")

// NewSource returns a Source that gets its tokens from fetch, under
// defaultRetryPolicy unless WithRetry says otherwise.
func NewSource(fetch Fetcher, opts ...Option) *Source {
	c := newConfig(opts)
	s := &Source{
		obs:          c.obs,
		hits:         wantsCacheHits(c.obs),
		provider:     c.provider,
		fetch:        fetch,
		policy:       c.retry,
		window:       c.window,
		windowSet:    c.windowSet,
		margin:       c.margin,
		log:          c.log,
		fetchTimeout: c.fetchTimeout,
		clock:        c.clock,
		rnd:          c.rnd,
		lockTTL:      lockLease,
		pollMin:      defaultPollMin,
		pollMax:      defaultPollMax,
		timers:       &timers{},
	}
	if c.store != nil {
		key := c.key
		if key == "" {
			key = c.defaultKey
		}
		if key == "" {
			if s.log != nil {
				s.log.Warn("auth: WithStore was given no key and there is no default key; the store is not used")
			}
		} else {
			s.store, s.key = c.store, key
			s.locker, _ = c.store.(Locker)
		}
	}
	s.self = weak.Make(s)
	runtime.AddCleanup(s, func(t *timers) { t.stop() }, s.timers)
	if tok := c.initial; tok != nil && tok.AccessToken != "" {
		s.mu.Lock()
		s.publishLocked(context.Background(), tok, s.clock.Now(), false, true)
		s.mu.Unlock()
	}
	return s
}

// Token returns a valid token, from the cache when it can. It implements
// oauth2.TokenSource.
//
// The cached path is two atomic loads and a comparison: no lock, no
// allocation, no clock read.
func (s *Source) Token() (*oauth2.Token, error) {
	if e := s.cur.Load(); e != nil && e.state.Load() <= stateStaleBusy {
		return e.tok, nil
	}
	return s.token(context.Background())
}

// TokenContext is Token with a context that bounds the caller's wait when
// it has to wait for a fetch. The cached path does not look at ctx.
func (s *Source) TokenContext(ctx context.Context) (*oauth2.Token, error) {
	if e := s.cur.Load(); e != nil && e.state.Load() <= stateStaleBusy {
		return e.tok, nil
	}
	return s.token(ctx)
}

// token is everything past the inlined check: a token's first use, cache
// hits reported to an Observer, and the slow path.
func (s *Source) token(ctx context.Context) (*oauth2.Token, error) {
	if e := s.cur.Load(); e != nil {
		switch e.get() {
		case stateFreshUnused:
			e.markUsed()
			fallthrough
		case stateFresh, stateStaleBusy:
			if s.hits {
				if ctx == nil {
					ctx = context.Background()
				}
				s.obs.Observe(ctx, Event{Kind: EventCacheHit, Provider: s.provider, Expiry: e.tok.Expiry})
			}
			return e.tok, nil
		}
	}
	return s.slow(ctx)
}

// slow handles everything but a fresh or already-refreshing token: it
// re-checks the wall clock, starts a background refresh of a stale token,
// or waits for the shared fetch.
func (s *Source) slow(ctx context.Context) (*oauth2.Token, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if s.fetch == nil {
		return nil, errNilFetcher
	}
	s.mu.Lock()
	if e := s.syncLocked(s.clock.Now()); e != nil {
		switch e.get() {
		case stateFresh, stateFreshUnused:
			e.markUsed()
			s.mu.Unlock()
			return e.tok, nil
		case stateStale:
			s.refreshLocked(ctx, e)
			s.mu.Unlock()
			return e.tok, nil
		case stateStaleBusy:
			s.mu.Unlock()
			return e.tok, nil
		}
	}
	if err := ctx.Err(); err != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("auth: no valid token and the context is done: %w", context.Cause(ctx))
	}
	f := s.flight
	if f == nil {
		f = s.startFlightLocked(ctx, false)
	}
	f.waiters++
	s.mu.Unlock()

	select {
	case <-f.done:
	case <-ctx.Done():
		select {
		case <-f.done: // finished at the same moment: take it
		default:
			return nil, fmt.Errorf("auth: gave up waiting for a token: %w", context.Cause(ctx))
		}
	}
	if f.err != nil {
		return nil, f.err
	}
	return f.tok, nil
}

// syncLocked brings the current entry's state up to what the wall clock
// says (timers may be late, or the machine may have slept), starting a
// background refresh of a used token that turned stale, and re-arms the
// state timer. States only move forward.
func (s *Source) syncLocked(now time.Time) *entry {
	e := s.cur.Load()
	if e == nil {
		return nil
	}
	switch ph, st := e.phase(now), e.get(); {
	case ph == stateExpired && st != stateExpired:
		e.set(stateExpired)
	case ph == stateStale && st == stateFreshUnused && !e.noRefresh &&
		e.state.CompareAndSwap(stateFreshUnused|e.bit, stateStale|e.bit):
		// Nobody used it: the first caller in the stale window refreshes.
	case ph == stateStale && (st == stateFresh || st == stateFreshUnused):
		if e.noRefresh {
			e.set(stateStaleBusy)
		} else {
			s.refreshLocked(context.Background(), e)
		}
	}
	s.armPhaseLocked(e, now)
	return e
}

// refreshLocked starts a background refresh of the stale entry e.
func (s *Source) refreshLocked(ctx context.Context, e *entry) {
	e.set(stateStaleBusy)
	if s.flight == nil {
		s.startFlightLocked(ctx, true)
	}
}

func (s *Source) startFlightLocked(ctx context.Context, background bool) *flight {
	f := &flight{done: make(chan struct{}), background: background}
	s.flight = f
	s.flights.Add(1)
	go s.runFlight(ctx, f, s.last)
	return f
}

// runFlight is the goroutine of one shared fetch. It ends when the fetch
// (and the Store save after it) is done.
func (s *Source) runFlight(parent context.Context, f *flight, prev *oauth2.Token) {
	defer s.flights.Add(-1)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(parent), s.fetchTimeout)
	defer cancel()
	if prev != nil {
		ctx = context.WithValue(ctx, prevTokenKey{}, prev)
	}
	if f.background {
		s.emit(ctx, Event{Kind: EventRefreshStart, Background: true})
	}
	r := s.obtain(ctx, f.background)

	s.mu.Lock()
	s.flight = nil
	now := s.clock.Now()
	if r.err == nil {
		f.tok = r.tok
		s.publishLocked(ctx, r.tok, now, f.waiters > 0, r.adopted)
	} else {
		f.err = r.err
		if f.background {
			s.scheduleRetryLocked(now, r.err)
		}
	}
	close(f.done)
	s.mu.Unlock()

	if r.after != nil {
		r.after()
	}
}

// publishLocked makes tok the cached token. used says whether callers
// already have it; adopted whether it came from the Store or
// withInitialToken rather than a fetch.
func (s *Source) publishLocked(ctx context.Context, tok *oauth2.Token, now time.Time, used, adopted bool) {
	e := s.newEntry(tok, now)
	if s.hits {
		e.bit = observedBit
	}
	switch e.phase(now) {
	case stateFresh:
		if used {
			e.set(stateFresh)
		} else {
			e.set(stateFreshUnused)
		}
	case stateExpired:
		e.set(stateExpired)
	case stateStale:
		switch {
		case !adopted:
			e.noRefresh = true
			e.set(stateStaleBusy)
		case used:
			e.set(stateStaleBusy)
		default:
			e.set(stateStale)
		}
	}
	s.cur.Store(e)
	s.last = tok
	s.bgFailures = 0
	s.stopRetryLocked()
	if e.get() == stateStaleBusy && !e.noRefresh && s.flight == nil {
		s.startFlightLocked(ctx, true)
	}
	s.armPhaseLocked(e, now)
}

// newEntry computes tok's stale and expiry points.
func (s *Source) newEntry(tok *oauth2.Token, now time.Time) *entry {
	e := &entry{tok: tok}
	if tok.Expiry.IsZero() {
		return e
	}
	exp := tok.Expiry.Round(0) // wall clock, like the provider's
	window := s.window
	if !s.windowSet {
		life := exp.Sub(now)
		if tok.ExpiresIn > 0 && tok.ExpiresIn < int64(365*24*time.Hour/time.Second) {
			life = time.Duration(tok.ExpiresIn) * time.Second
		}
		window = min(max(life/5, defaultMinRefreshWindow), defaultMaxRefreshWindow)
	}
	e.staleAt = exp.Add(-window)
	e.expireAt = exp.Add(-s.margin)
	return e
}

// armPhaseLocked arms the timer for e's next state transition.
func (s *Source) armPhaseLocked(e *entry, now time.Time) {
	var next time.Time
	switch e.get() {
	case stateFresh, stateFreshUnused:
		next = e.staleAt
		if !next.Before(e.expireAt) {
			next = e.expireAt
		}
	case stateStale, stateStaleBusy:
		next = e.expireAt
	}
	t := s.timers
	t.mu.Lock()
	defer t.mu.Unlock()
	if next.IsZero() {
		if t.phase != nil {
			t.phase.Stop()
		}
		return
	}
	if t.stopped {
		return
	}
	d := min(max(next.Sub(now), 0), maxTimerStep)
	if t.phase == nil {
		wp := s.self
		t.phase = s.clock.AfterFunc(d, func() {
			if s := wp.Value(); s != nil {
				s.onPhaseTimer()
			}
		})
		return
	}
	t.phase.Reset(d)
}

func (s *Source) onPhaseTimer() {
	s.mu.Lock()
	s.syncLocked(s.clock.Now())
	s.mu.Unlock()
}

// scheduleRetryLocked arms the next background attempt after a failed one,
// unless retrying cannot help (a final error: the token stays in service
// until it expires, then callers get the error of their own fetch) or the
// token will have expired by then.
func (s *Source) scheduleRetryLocked(now time.Time, err error) {
	e := s.cur.Load()
	if e == nil || e.get() != stateStaleBusy || !retryable(err) {
		return
	}
	s.bgFailures++
	d := bgMinBackoff
	for i := 1; i < s.bgFailures && d < bgMaxBackoff; i++ {
		d *= 2
	}
	d = min(d, bgMaxBackoff)
	d = d/2 + time.Duration(s.rnd(int64(d/2)+1))
	var pe *Error
	if errors.As(err, &pe) && pe.RetryAfter > d {
		d = pe.RetryAfter
	}
	if !now.Add(d).Before(e.expireAt) {
		return
	}
	t := s.timers
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return
	}
	if t.retry == nil {
		wp := s.self
		t.retry = s.clock.AfterFunc(d, func() {
			if s := wp.Value(); s != nil {
				s.onRetryTimer()
			}
		})
		return
	}
	t.retry.Reset(d)
}

func (s *Source) stopRetryLocked() {
	t := s.timers
	t.mu.Lock()
	if t.retry != nil {
		t.retry.Stop()
	}
	t.mu.Unlock()
}

func (s *Source) onRetryTimer() {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.syncLocked(s.clock.Now())
	if e != nil && e.get() == stateStaleBusy && !e.noRefresh && s.flight == nil && s.bgFailures > 0 {
		s.startFlightLocked(context.Background(), true)
	}
}

// Invalidate drops the cached token, typically after an API answered 401
// with it: the next caller waits for a new one, and the Store's copy of the
// dropped token is not adopted again.
func (s *Source) Invalidate() { s.invalidate(nil) }

// invalidate drops the cached token if it is tok (any token when tok is
// nil), so that concurrent 401s for one token cause one refetch, not one
// each.
func (s *Source) invalidate(tok *oauth2.Token) bool {
	s.mu.Lock()
	e := s.cur.Load()
	if e == nil || tok != nil && e.tok != tok {
		s.mu.Unlock()
		return false
	}
	s.cur.Store(nil)
	s.rejected = e.tok.AccessToken
	s.stopRetryLocked()
	s.mu.Unlock()
	s.emit(context.Background(), Event{Kind: EventInvalidate})
	return true
}

type prevTokenKey struct{}

// PreviousToken returns, inside a Fetcher called by a Source, the token the
// fetch replaces — stale, expired or invalidated; from a fetch, the Store
// or withInitialToken — or nil when there was none. Moov's TokenSource
// uses it to renew with the refresh_token grant. Do not modify it.
func PreviousToken(ctx context.Context) *oauth2.Token {
	tok, _ := ctx.Value(prevTokenKey{}).(*oauth2.Token)
	return tok
}
