package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
)

// A cached token is in one of these states. The state word is written
// under Source.mu only; the cached path reads it and serves the token when
// it is at most stateStaleBusy: one load and one comparison. Whenever the
// word says a token with an expiry is served, the Source has a deadline in
// the scheduler at or before the token's expiry point, which flips it.
const (
	stateFresh       uint32 = iota // served; used since it was published
	stateStaleBusy                 // served; a renewal is queued, running, waiting for its retry, or pointless (noRefreshBit)
	stateFreshUnused               // not used yet: the next caller reads the clock, then marks it used
	stateStale                     // used, stale: the next caller (or the scheduler, at the renewal time) starts the renewal
	stateExpired                   // not served: callers wait for a fetch
	stateInvalid                   // dropped by Invalidate: not served, never adopted again

	// observedBit is or-ed into every state of a Source whose Observer
	// wants cache hits, so that they take the slow path (token), which
	// reports them, and a Source without one pays nothing for the feature.
	observedBit uint32 = 8
	// noRefreshBit: the token was fetched already stale (a refresh window
	// longer than its lifetime); renewing it ahead of expiry would only
	// fetch another such token, in a loop.
	noRefreshBit uint32 = 16
	flagBits            = observedBit | noRefreshBit
)

// Phases of a token by the wall clock.
const (
	phaseFresh = iota
	phaseStale
	phaseExpired
)

// Background refresh backoff after a failure: exponential from
// bgMinBackoff, capped at bgMaxBackoff, drawn from [d/2, d] so that it never
// loops hot. A Retry-After from the server lengthens it.
const (
	bgMinBackoff = time.Second
	bgMaxBackoff = time.Minute
)

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

// entry is one published token. Everything but the state word is
// immutable once the entry is published.
type entry struct {
	tok   *oauth2.Token
	state atomic.Uint32
	// Wall clock, Unix nanoseconds; both 0 when the token never expires.
	staleAt, expireAt int64
}

// get is the state without the flag bits.
func (e *entry) get() uint32 { return e.state.Load() &^ flagBits }

// set stores st, keeping the flag bits (under Source.mu).
func (e *entry) set(st uint32) { e.state.Store(st | e.state.Load()&flagBits) }

func (e *entry) noRefresh() bool { return e.state.Load()&noRefreshBit != 0 }

func (e *entry) used() bool { return e.get() != stateFreshUnused }

// phase is where the wall clock says the token is at now.
func (e *entry) phase(now int64) int {
	switch {
	case e.expireAt == 0:
		return phaseFresh
	case now >= e.expireAt:
		return phaseExpired
	case now >= e.staleAt:
		return phaseStale
	}
	return phaseFresh
}

// flight is one shared fetch, queued in its endpoint's limiter until a
// worker runs it. tok and err are written before done is closed; done
// exists once a caller waits (under Source.mu, while the flight runs).
type flight struct {
	done       chan struct{}
	background bool
	waiters    int // callers waiting; guarded by Source.mu
	tok        *oauth2.Token
	err        error

	src  *Source
	ctx  context.Context // the starting caller's, for its values; never cancels the fetch
	prev *oauth2.Token

	// Limiter queue order, guarded by the limiter's lock.
	urgent   bool  // callers wait for it
	deadline int64 // a renewal's token expiry point
	seq      uint64
	idx      int
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
//     for it. A token that was used while fresh is renewed in its refresh
//     window even if nobody calls again: at a time drawn at random from the
//     window's first half, so that idle Sources whose tokens were issued
//     together do not renew together (a caller in the window starts the
//     renewal at once); a token used once and then left idle is renewed
//     before anyone needs it. A token nobody used is left alone, and the
//     first caller in its window starts the refresh.
//     A failed background refresh keeps the still-valid token in service;
//     after a temporary failure (network, 429, 5xx) it is tried again after a
//     jittered, growing backoff (at least 500ms, honouring Retry-After),
//     after a final one (rejected credentials) not before the token expires.
//   - Expired, invalidated or none yet: callers wait for one shared fetch.
//     Each caller's context bounds only its own wait; the fetch runs detached
//     from the callers (bounded by WithFetchTimeout) so that one caller giving
//     up does not fail the others.
//
// Fetches of all Sources of one endpoint share a queue with a concurrency
// and a rate limit, fetches that callers wait for first (see
// WithRefreshLimit).
//
// The Expiry a caller sees is the provider's, not shortened by the margin.
// Returned tokens are shared between callers: do not modify them.
//
// Time: the cached path reads no clock. One scheduler per process flips
// the state words of used tokens at their renewal and expiry points and
// starts their renewals; it keeps wall-clock deadlines and re-checks them
// at least every 30s, so after a suspend or a wall-clock step a token is
// served at most 30s past its stale or expiry point before the scheduler
// notices (the safety margin usually absorbs this; Transport's replay
// after a 401 covers the rest). That is the price of a cached path ten
// times faster than a clock read.
//
// An idle Source costs no goroutine and no timer of its own: a few
// scheduler events per token lifetime at most, none once its token is
// unused. A Source needs no Close: goroutines run only while fetches do,
// and the scheduler holds Sources weakly, so an unreferenced one is
// garbage collected. A Source is safe for concurrent use.
type Source struct {
	cur atomic.Pointer[entry]
	*profile

	fetch Fetcher
	key   string // the Store key, when the profile has a Store

	mu sync.Mutex
	// flights counts fetches queued or running, so tests can wait for
	// quiescence (a WaitGroup would race: Add from the scheduler while a
	// test Waits).
	flights    atomic.Int32
	sidx       int32 // 1 + index of the Source's item in the scheduler's heap, 0: none (scheduler's lock)
	bgFailures int32
	flight     *flight
	// rejected is the last token Invalidate dropped: its access token is
	// never adopted from the Store again. (The entry Invalidate marks
	// stays current until the next token, so it is also what PreviousToken
	// gives the next fetch.)
	rejected *oauth2.Token
	// wakeAt (wall clock, Unix ns; 0: none) is the renewal time of a used
	// fresh token, or the next attempt after a failed renewal.
	wakeAt int64
}

var errNilFetcher = errors.New("auth: NewSource was given a nil Fetcher")

// NewSource returns a Source that gets its tokens from fetch, under
// the default RetryPolicy unless WithRetry says otherwise.
func NewSource(fetch Fetcher, opts ...Option) *Source {
	c := getConfig(opts)
	defer putConfig(c)
	key := c.key
	if key == "" {
		key = c.defaultKey
	}
	if c.store != nil && key == "" {
		if c.log != nil {
			c.log.Warn("auth: WithStore was given no key and there is no default key; the store is not used")
		}
		c.store = nil
	}
	// The endpoint (provider and client id) is the one the provider
	// package's default key names, else the one the user's key names.
	epKey := c.defaultKey
	if epKey == "" {
		epKey = key
	}
	ep, provider := endpointOf(epKey)
	s := &Source{profile: profileOf(c, ep, provider), fetch: fetch}
	if c.store != nil {
		s.key = key
	}
	if tok := c.initial; tok != nil && tok.AccessToken != "" {
		s.mu.Lock()
		s.publishLocked(context.Background(), tok, s.clock.Now().UnixNano(), false, true)
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

// token is everything past Token's check (which the compiler does not
// inline: go build -gcflags=-m puts Token's cost above its budget; the
// check is still two atomic loads and a comparison): cache hits reported
// to an Observer that wants them, and the slow path (a token's first use
// included).
func (s *Source) token(ctx context.Context) (*oauth2.Token, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if e := s.cur.Load(); e != nil {
		switch e.get() {
		case stateFresh, stateStaleBusy:
			s.observeHit(ctx, e)
			return e.tok, nil
		}
	}
	return s.slow(ctx)
}

func (s *Source) observeHit(ctx context.Context, e *entry) {
	if s.hits {
		s.obs.Observe(ctx, Event{Kind: EventCacheHit, Provider: s.provider, Expiry: e.tok.Expiry})
	}
}

// slow handles everything but a used token in service: it reads the wall
// clock, marks a token used on its first call, starts a background refresh
// of a stale one, or waits for the shared fetch.
func (s *Source) slow(ctx context.Context) (*oauth2.Token, error) {
	if s.fetch == nil {
		return nil, errNilFetcher
	}
	s.mu.Lock()
	e := s.syncLocked(ctx, s.clock.Now().UnixNano(), true)
	if e != nil {
		switch e.get() {
		case stateFresh, stateStaleBusy:
			s.mu.Unlock()
			s.observeHit(ctx, e)
			return e.tok, nil
		}
	}
	if err := ctx.Err(); err != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("%s: no valid token and the context is done: %w", s.name(), context.Cause(ctx))
	}
	f := s.flight
	if f == nil {
		f = s.startFlightLocked(ctx, false)
	} else {
		s.lim.promote(f)
	}
	if f.done == nil {
		f.done = make(chan struct{}) // made by the first waiter: a renewal nobody waits for needs none
	}
	f.waiters++
	s.mu.Unlock()

	select {
	case <-f.done:
	case <-ctx.Done():
		select {
		case <-f.done: // finished at the same moment: take it
		default:
			return nil, fmt.Errorf("%s: gave up waiting for a token: %w", s.name(), context.Cause(ctx))
		}
	}
	if f.err != nil {
		return nil, s.named(f.err)
	}
	return f.tok, nil
}

// name is how the Source's errors begin: its provider (WithProvider), or
// "auth".
func (s *Source) name() string {
	if s.provider == "" {
		return "auth"
	}
	return s.provider
}

// named makes a fetch's error name the Source's provider: errors from the
// provider packages' requests do already; a Fetcher's own, or the Store's,
// may not.
func (s *Source) named(err error) error {
	if s.provider == "" || strings.HasPrefix(err.Error(), s.provider+": ") {
		return err
	}
	return fmt.Errorf("%s: %w", s.provider, err)
}

// syncLocked brings the current entry's state up to what the wall clock
// says at now and re-schedules the Source. A caller (rather than the
// scheduler) marks an unused token used and, when it is stale, starts its
// refresh; the scheduler starts the renewal of a used token at its renewal
// time. States only move forward.
func (s *Source) syncLocked(ctx context.Context, now int64, caller bool) *entry {
	e := s.cur.Load()
	if e == nil || e.get() == stateInvalid {
		return e
	}
	switch ph, st := e.phase(now), e.get(); {
	case ph == phaseExpired:
		if st != stateExpired {
			e.set(stateExpired)
		}
	case st == stateFreshUnused && caller:
		switch {
		case ph == phaseFresh:
			e.set(stateFresh)
			s.armRenewalLocked(e)
		case e.noRefresh():
			e.set(stateStaleBusy)
		default:
			s.refreshLocked(ctx, e)
		}
	case (st == stateFresh || st == stateStale) && ph == phaseStale:
		// A used token in its refresh window: renewed by the first caller
		// in it, or by the scheduler at its (jittered) renewal time.
		if caller || s.wakeAt == 0 || now >= s.wakeAt {
			s.refreshLocked(ctx, e)
		} else if st == stateFresh {
			e.set(stateStale)
		}
	case st == stateStaleBusy && s.wakeAt != 0 && now >= s.wakeAt && s.flight == nil:
		// The next attempt after a failed renewal.
		s.wakeAt = 0
		s.startFlightLocked(ctx, true)
	}
	s.scheduleLocked(e)
	return e
}

// onDeadline is the scheduler's call at the Source's deadline.
func (s *Source) onDeadline() {
	s.mu.Lock()
	s.syncLocked(context.Background(), s.clock.Now().UnixNano(), false)
	s.mu.Unlock()
}

// armRenewalLocked picks the renewal time of e, which was just used while
// fresh: a random point in the first half of its refresh window (the
// second half leaves room for retries and for the endpoint's limits).
func (s *Source) armRenewalLocked(e *entry) {
	s.wakeAt = 0
	if e.expireAt == 0 || e.noRefresh() || e.staleAt >= e.expireAt {
		return
	}
	s.wakeAt = e.staleAt + s.rnd((e.expireAt-e.staleAt)/2+1)
}

// refreshLocked starts a background refresh of the stale entry e.
func (s *Source) refreshLocked(ctx context.Context, e *entry) {
	e.set(stateStaleBusy)
	s.wakeAt = 0
	if s.flight == nil {
		s.startFlightLocked(ctx, true)
	}
}

// scheduleLocked gives the Source its next deadline in the scheduler, or
// takes it out: a used token in service has one at or before its expiry
// point (its stale point, its renewal time, or the next attempt after a
// failed renewal); every other state needs none.
func (s *Source) scheduleLocked(e *entry) {
	var at int64
	if e != nil && e.expireAt != 0 {
		switch e.get() {
		case stateFresh:
			// The stale point, where the next caller starts the renewal.
			at = e.expireAt
			if s.wakeAt != 0 && e.staleAt < at {
				at = e.staleAt
			}
		case stateStale, stateStaleBusy:
			// The renewal time (stale) or the next attempt (renewal failed).
			at = e.expireAt
			if s.wakeAt != 0 && s.wakeAt < at {
				at = s.wakeAt
			}
		}
	}
	if at == 0 {
		s.sched.cancel(s)
		return
	}
	s.sched.set(s, at)
}

func (s *Source) startFlightLocked(ctx context.Context, background bool) *flight {
	f := &flight{background: background, src: s, ctx: ctx, idx: -1, urgent: !background}
	if e := s.cur.Load(); e != nil {
		f.prev = e.tok
		if background {
			f.deadline = e.expireAt
		}
	}
	s.flight = f
	s.flights.Add(1)
	s.lim.submit(f)
	return f
}

// runFlight runs one shared fetch, on one of its limiter's workers. It
// returns when the fetch (and the Store save after it) is done.
func (s *Source) runFlight(f *flight) {
	defer s.flights.Add(-1)
	ctx, cancel := withBudget(context.WithoutCancel(f.ctx), s.fetchTimeout)
	defer cancel()
	if f.prev != nil {
		ctx = context.WithValue(ctx, prevTokenKey{}, f.prev)
	}
	if f.background {
		s.emit(ctx, Event{Kind: EventRefreshStart, Background: true})
	}
	r := s.obtain(ctx, f.background)

	s.mu.Lock()
	s.flight = nil
	now := s.clock.Now().UnixNano()
	if r.err == nil {
		f.tok = r.tok
		s.publishLocked(ctx, r.tok, now, f.waiters > 0, r.adopted)
	} else {
		f.err = r.err
		if f.background {
			s.scheduleRetryLocked(now, r.err)
		}
	}
	if f.done != nil {
		close(f.done)
	}
	s.mu.Unlock()

	if r.after != nil {
		r.after()
	}
}

// publishLocked makes tok the cached token. used says whether callers
// already have it; adopted whether it came from the Store or
// WithInitialToken rather than a fetch.
func (s *Source) publishLocked(ctx context.Context, tok *oauth2.Token, now int64, used, adopted bool) {
	e := s.newEntry(tok, now)
	flags := s.bits
	var st uint32
	switch e.phase(now) {
	case phaseFresh:
		st = stateFreshUnused
		if used {
			st = stateFresh
		}
	case phaseExpired:
		st = stateExpired
	case phaseStale:
		switch {
		case !adopted:
			flags |= noRefreshBit
			st = stateStaleBusy
		case used:
			st = stateStaleBusy
		default:
			st = stateFreshUnused // the first caller starts the refresh
		}
	}
	e.state.Store(st | flags)
	s.cur.Store(e)
	s.bgFailures = 0
	s.wakeAt = 0
	switch {
	case st == stateFresh:
		s.armRenewalLocked(e)
	case st == stateStaleBusy && flags&noRefreshBit == 0 && s.flight == nil:
		s.startFlightLocked(ctx, true)
	}
	s.scheduleLocked(e)
}

// newEntry computes tok's stale and expiry points.
func (s *Source) newEntry(tok *oauth2.Token, now int64) *entry {
	e := &entry{tok: tok}
	if tok.Expiry.IsZero() {
		return e
	}
	exp := tok.Expiry.UnixNano() // wall clock, like the provider's
	window := s.window
	if !s.windowSet {
		life := time.Duration(exp - now)
		if tok.ExpiresIn > 0 && tok.ExpiresIn < int64(365*24*time.Hour/time.Second) {
			life = time.Duration(tok.ExpiresIn) * time.Second
		}
		window = min(max(life/5, defaultMinRefreshWindow), defaultMaxRefreshWindow)
	}
	e.staleAt = exp - int64(window)
	e.expireAt = exp - int64(s.margin)
	if e.expireAt == 0 {
		e.expireAt = -1 // 0 means "never"; this one has (long) expired
	}
	return e
}

// scheduleRetryLocked arms the next background attempt after a failed one,
// unless retrying cannot help (a final error: the token stays in service
// until it expires, then callers get the error of their own fetch) or the
// token will have expired by then.
func (s *Source) scheduleRetryLocked(now int64, err error) {
	e := s.cur.Load()
	if e == nil || e.get() != stateStaleBusy || !retryable(err) {
		return
	}
	s.bgFailures++
	d := bgMinBackoff
	for i := int32(1); i < s.bgFailures && d < bgMaxBackoff; i++ {
		d *= 2
	}
	d = min(d, bgMaxBackoff)
	d = d/2 + time.Duration(s.rnd(int64(d/2)+1))
	var pe *Error
	if errors.As(err, &pe) && pe.RetryAfter > d {
		d = pe.RetryAfter
	}
	if now+int64(d) >= e.expireAt {
		return
	}
	s.wakeAt = now + int64(d)
	s.scheduleLocked(e)
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
	if e == nil || e.get() == stateInvalid || tok != nil && e.tok != tok {
		s.mu.Unlock()
		return false
	}
	e.set(stateInvalid)
	s.rejected = e.tok
	s.wakeAt = 0
	s.scheduleLocked(e)
	s.mu.Unlock()
	s.emit(context.Background(), Event{Kind: eventInvalidate})
	return true
}

type prevTokenKey struct{}

// PreviousToken returns, inside a Fetcher called by a Source, the token the
// fetch replaces — stale, expired or invalidated; from a fetch, the Store
// or the provider package — or nil when there was none. Moov's TokenSource
// uses it to renew with the refresh_token grant. Do not modify it.
func PreviousToken(ctx context.Context) *oauth2.Token {
	tok, _ := ctx.Value(prevTokenKey{}).(*oauth2.Token)
	return tok
}
