package paytokenotel_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paytoken/paytoken/auth"
)

// signal forwards to the observer under test and reports each event on a
// channel, for events that come after the call that caused them returned
// (a background renewal, the Store save after a fetch).
type signal struct {
	obs  auth.Observer
	evs  chan auth.Event
	hits atomic.Int64 // cache hits, counted rather than sent
}

func newSignal(obs auth.Observer) *signal {
	return &signal{obs: obs, evs: make(chan auth.Event, 64)}
}

func (s *signal) Observe(ctx context.Context, ev auth.Event) {
	s.obs.Observe(ctx, ev)
	if ev.Kind == auth.EventCacheHit {
		s.hits.Add(1)
		return
	}
	s.evs <- ev
}

func (s *signal) StartFetch(ctx context.Context, ev auth.Event) context.Context {
	return s.obs.(interface {
		StartFetch(context.Context, auth.Event) context.Context
	}).StartFetch(ctx, ev)
}

// CacheHits is the observer's answer.
func (s *signal) CacheHits() bool {
	h, ok := s.obs.(interface{ CacheHits() bool })
	return !ok || h.CacheHits()
}

// await returns once an event ok accepts has been observed.
func (s *signal) await(t *testing.T, what string, ok func(auth.Event) bool) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case ev := <-s.evs:
			if ok(ev) {
				return
			}
		case <-timeout:
			t.Fatalf("no %s within 20s", what)
		}
	}
}
