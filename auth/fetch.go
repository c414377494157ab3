package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/oauth2"
)

// result of a flight's work.
type result struct {
	tok     *oauth2.Token
	err     error
	adopted bool   // from the Store, not fetched
	after   func() // Store save and unlock, run after the waiters are released
}

// obtain gets a token for a flight: through the Store when there is one
// (read-through, cross-process lock, write-back), else straight from the
// Fetcher. Store trouble is reported and worked around, never returned.
func (s *Source) obtain(ctx context.Context, background bool) result {
	if s.store == nil {
		return s.fetchResult(ctx, background, nil)
	}
	if tok := s.loadUsable(ctx, background); tok != nil {
		return result{tok: tok, adopted: true}
	}
	if s.locker != nil {
		unlock, err := s.lock(ctx)
		switch {
		case err == nil:
			return s.fetchUnderLock(ctx, background, unlock)
		case errors.Is(err, ErrLockHeld):
			return s.awaitWinner(ctx, background)
		default:
			s.emit(ctx, Event{Kind: EventStoreError, Background: background, Op: "lock", Err: err})
		}
	}
	return s.fetchResult(ctx, background, nil)
}

// fetchUnderLock fetches while holding the cross-process lock, unless the
// previous holder saved a token just before we took it.
func (s *Source) fetchUnderLock(ctx context.Context, background bool, unlock func()) result {
	if tok := s.loadUsable(ctx, background); tok != nil {
		unlock()
		return result{tok: tok, adopted: true}
	}
	return s.fetchResult(ctx, background, unlock)
}

// awaitWinner polls the Store while another process holds the lock. It
// takes the lock itself when it comes free (its holder released it, or
// died and let the lease lapse), and fetches without it when the wait
// reaches waitBound: a holder that is alive but slow does not hold up a
// process that needs a token.
func (s *Source) awaitWinner(ctx context.Context, background bool) result {
	s.emit(ctx, Event{Kind: EventLockWait, Background: background})
	deadline := s.waitBound(ctx, background)
	interval := s.pollMin
	for {
		if err := sleep(ctx, s.clock, min(interval, max(deadline.Sub(s.clock.Now()), 0))); err != nil {
			return result{err: fmt.Errorf("auth: waiting for another process's token: %w", err)}
		}
		if tok := s.loadUsable(ctx, background); tok != nil {
			return result{tok: tok, adopted: true}
		}
		unlock, err := s.lock(ctx)
		if err == nil {
			return s.fetchUnderLock(ctx, background, unlock)
		}
		if !errors.Is(err, ErrLockHeld) {
			s.emit(ctx, Event{Kind: EventStoreError, Background: background, Op: "lock", Err: err})
			break
		}
		if !s.clock.Now().Before(deadline) {
			break
		}
		interval = min(interval*2, s.pollMax)
	}
	return s.fetchResult(ctx, background, nil)
}

// waitBound is when a flight stops waiting for another process's fetch and
// fetches itself. The waiter's own need sets it: a flight for callers who
// have no usable token waits one lease (as long as a dead holder's lock
// takes to lapse); a background refresh, whose callers are still served,
// waits until the token it replaces expires, and at least one lease, so
// callers who arrive after the expiry wait less than a lease too. Either
// way the wait leaves at least half of the flight's budget (its context's
// deadline, WithFetchTimeout) to the fetch, so a flight never dies inside
// the wait.
func (s *Source) waitBound(ctx context.Context, background bool) time.Time {
	now := s.clock.Now()
	bound := now.Add(s.lockTTL)
	if e := s.cur.Load(); background && e != nil && e.expireAt > bound.UnixNano() {
		bound = time.Unix(0, e.expireAt)
	}
	if dl, ok := ctx.Deadline(); ok { // on the real clock, whatever s.clock is
		if half := now.Add(time.Until(dl) / 2); half.Before(bound) {
			bound = half
		}
	}
	return bound
}

// fetchResult runs the Fetcher; on success the result's after func saves
// the token to the Store and releases the lock.
func (s *Source) fetchResult(ctx context.Context, background bool, unlock func()) result {
	tok, err := s.doFetch(ctx, background)
	if err != nil {
		if unlock != nil {
			unlock()
		}
		return result{err: err}
	}
	if s.store == nil {
		return result{tok: tok}
	}
	return result{tok: tok, after: func() {
		if err := s.save(ctx, tok); err != nil {
			s.emit(ctx, Event{Kind: EventStoreError, Background: background, Op: "save", Err: err})
		}
		if unlock != nil {
			unlock()
		}
	}}
}

// doFetch is one fetch under the retry policy, reported to the observer.
func (s *Source) doFetch(ctx context.Context, background bool) (tok *oauth2.Token, err error) {
	ctx = s.startFetch(ctx, background)
	start := s.clock.Now()
	env := retryEnv{clk: s.clock, rnd: s.rnd}
	if s.obs != nil || s.log != nil {
		env.onRetry = func(ctx context.Context, attempt int, wait time.Duration, err error) {
			s.emit(ctx, Event{Kind: EventRetry, Background: background, Attempt: attempt, Duration: wait, Err: err})
		}
	}
	tok, attempts, err := retryLoop(ctx, s.policy, s.limitedFetch(), retryable, env)
	if err == nil && (tok == nil || tok.AccessToken == "") {
		err = fmt.Errorf("auth: the Fetcher returned no access token: %w", ErrMalformedResponse)
	}
	d := s.clock.Now().Sub(start)
	if err != nil {
		s.emit(ctx, Event{Kind: EventFetchDone, Background: background, Attempt: attempts, Duration: d, Err: err})
		return nil, err
	}
	s.emit(ctx, Event{Kind: EventFetchDone, Background: background, Attempt: attempts, Duration: d, Expiry: tok.Expiry})
	return tok, nil
}

// safeFetch calls the Fetcher, turning a panic into an error: the fetch
// runs on its own goroutine, where a panic would take the process down
// and leave the waiters without an answer.
func (s *Source) safeFetch(ctx context.Context) (tok *oauth2.Token, err error) {
	defer func() {
		if r := recover(); r != nil {
			tok, err = nil, fmt.Errorf("auth: the Fetcher panicked: %v", r)
		}
	}()
	return s.fetch(ctx)
}

// loadUsable reads the Store and returns its token when it can be served:
// not expired, not the one Invalidate dropped, and, for a background
// refresh, neither stale nor older than the token it replaces (another
// process renewed it).
func (s *Source) loadUsable(ctx context.Context, background bool) *oauth2.Token {
	tok, err := s.load(ctx)
	if err != nil {
		s.emit(ctx, Event{Kind: EventStoreError, Background: background, Op: "load", Err: err})
		return nil
	}
	if tok == nil {
		return nil
	}
	if tok.AccessToken == "" {
		s.emit(ctx, Event{Kind: EventStoreError, Background: background, Op: "corrupt",
			Err: errors.New("auth: the Store returned a token without an access token")})
		return nil
	}
	s.mu.Lock()
	skip := s.rejected != nil && tok.AccessToken == s.rejected.AccessToken
	if cur := s.cur.Load(); background && cur != nil {
		// A refresh adopts only a newer token (another process renewed),
		// never the one it is replacing.
		skip = skip || tok.AccessToken == cur.tok.AccessToken || !tok.Expiry.After(cur.tok.Expiry)
	}
	s.mu.Unlock()
	if skip {
		return nil
	}
	now := s.clock.Now().UnixNano()
	switch s.newEntry(tok, now).phase(now) {
	case phaseExpired:
		return nil
	case phaseStale:
		if background {
			return nil
		}
	}
	s.emit(ctx, Event{Kind: EventStoreHit, Background: background, Expiry: tok.Expiry})
	return tok
}

// Store calls, with a panicking Store treated as a failing one.

func (s *Source) load(ctx context.Context) (tok *oauth2.Token, err error) {
	defer recoverStore(&err)
	return s.store.Load(ctx, s.key)
}

func (s *Source) save(ctx context.Context, tok *oauth2.Token) (err error) {
	defer recoverStore(&err)
	return s.store.Save(ctx, s.key, tok)
}

func (s *Source) lock(ctx context.Context) (unlock func(), err error) {
	defer recoverStore(&err)
	unlock, err = s.locker.Lock(ctx, s.key, s.lockTTL)
	if err == nil && unlock == nil {
		unlock = func() {}
	}
	if err != nil {
		unlock = nil
	}
	return unlock, err
}

func recoverStore(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("auth: the Store panicked: %v", r)
	}
}
