package faultmatrix_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paytoken/paytoken/auth"
)

// soakObserver checks the tokens a Source hands out: a cached token is
// never expired (with its safety margin) when the call that got it began,
// and a fetched token expires no later than one lifetime after it arrived
// (the Source reads the provider's expiry, it does not invent one). It
// also remembers the fetches that failed after an attempt timed out: the
// error then says what the last attempt met (an injected 503, say), yet it
// was the machine's slowness that used up the attempts.
type soakObserver struct {
	w      *soakWire
	margin time.Duration

	mu     sync.Mutex
	slowed []error       // errors of fetches that failed with an attempt timed out
	late   time.Duration // the longest a token was served into its safety margin
}

// soakFetchKey carries a fetch's *soakFetch in its context.
type soakFetchKey struct{}

type soakFetch struct{ timedOut atomic.Bool }

// StartFetch gives each fetch its record (see auth.Observer).
func (o *soakObserver) StartFetch(ctx context.Context, _ auth.Event) context.Context {
	return context.WithValue(ctx, soakFetchKey{}, &soakFetch{})
}

func (o *soakObserver) Observe(ctx context.Context, ev auth.Event) {
	switch ev.Kind {
	case auth.EventCacheHit:
		info, _ := ctx.Value(soakCallKey{}).(*soakCallInfo)
		if info == nil || ev.Expiry.IsZero() {
			return
		}
		// The Source handed the token out after the call began: it had not
		// expired then. Its timers (the cached path reads no clock) may flip
		// a token to expired late on a loaded machine: that lateness is what
		// the safety margin absorbs, and it is reported, not failed.
		if !ev.Expiry.After(info.start) {
			o.w.violate("%s: a call that began at %v got a token that expired at %v",
				info.p, info.start.Format(time.StampMilli), ev.Expiry.Format(time.StampMilli))
		}
		if late := info.start.Sub(ev.Expiry.Add(-o.margin)); late > 0 {
			o.mu.Lock()
			o.late = max(o.late, late)
			o.mu.Unlock()
		}
	case auth.EventFetchDone:
		if ev.Err != nil {
			o.fetchFailed(ctx, ev)
			return
		}
		if !ev.Expiry.IsZero() && ev.Expiry.After(time.Now().Add(soakLifetime)) {
			o.w.violate("%s: a fetched token expires at %v, more than %v from now", ev.Provider, ev.Expiry, soakLifetime)
		}
	case auth.EventRetry:
		if f, _ := ctx.Value(soakFetchKey{}).(*soakFetch); f != nil && isTimeout(ev.Err) {
			f.timedOut.Store(true)
		}
	}
}

// fetchFailed records a fetch that gave up with an attempt timed out.
func (o *soakObserver) fetchFailed(ctx context.Context, ev auth.Event) {
	if f, _ := ctx.Value(soakFetchKey{}).(*soakFetch); f != nil && f.timedOut.Load() || isTimeout(ev.Err) {
		o.mu.Lock()
		o.slowed = append(o.slowed, ev.Err)
		o.mu.Unlock()
	}
}

// slowedBy reports whether err is the error of a fetch that failed with an
// attempt timed out.
func (o *soakObserver) slowedBy(err error) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, e := range o.slowed {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// isTimeout reports whether err is a timeout: the HTTP client's, a
// deadline, or the SDK's own fetch budget.
func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &te) && te.Timeout()
}
