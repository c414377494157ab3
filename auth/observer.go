package auth

import (
	"context"
	"log/slog"
	"time"
)

// EventKind says what an Event reports.
type EventKind uint8

const (
	// EventCacheHit reports a cached token returned. This is the hot path:
	// it is reported only when an Observer is set, and never logged.
	EventCacheHit EventKind = iota + 1
	// EventRefreshStart reports the start of a background refresh of a
	// stale token; no caller waits for it.
	EventRefreshStart
	// EventFetchStart reports the start of a token fetch (the Fetcher
	// under the RetryPolicy).
	EventFetchStart
	// EventRetry reports an attempt that failed with a retryable error;
	// Duration is the wait before the next attempt.
	EventRetry
	// EventFetchDone reports a fetch that ended: with a token, or, when Err
	// is set, without one (it gave up).
	EventFetchDone
	// EventStoreHit reports a token adopted from the Store without fetching.
	EventStoreHit
	// EventStoreError reports a Store that failed (Op says where) or held a
	// corrupt entry; the Source carried on without it.
	EventStoreError
	// EventLockWait reports that another process holds the Store's lock;
	// the Source polls the Store for that process's token.
	EventLockWait

	// eventInvalidate: Invalidate dropped the cached token. It is logged,
	// not reported: an Observer sees the fetch that follows.
	eventInvalidate
)

var eventNames = [...]string{
	EventCacheHit:     "cache_hit",
	EventRefreshStart: "refresh_start",
	EventFetchStart:   "fetch_start",
	EventRetry:        "retry",
	EventFetchDone:    "fetch_done",
	EventStoreHit:     "store_hit",
	EventStoreError:   "store_error",
	EventLockWait:     "lock_wait",
	eventInvalidate:   "invalidate",
}

// String returns a short snake_case name, suitable as a metric label.
func (k EventKind) String() string {
	if int(k) < len(eventNames) && eventNames[k] != "" {
		return eventNames[k]
	}
	return "unknown"
}

// Event is what a Source reports to its Observer. It carries no token or
// secret: only times, counts and errors (which never hold credentials).
type Event struct {
	Kind EventKind
	// Provider names the Source's provider ("moov"; see WithProvider), or
	// is empty.
	Provider string
	// Background is true when no caller waits for the work (a refresh
	// ahead of expiry).
	Background bool
	// Attempt counts the attempts made so far (EventRetry, EventFetchDone).
	Attempt int
	// Duration: how long the fetch took (EventFetchDone), or the wait
	// before the next attempt (EventRetry).
	Duration time.Duration
	// Expiry of the token involved (EventCacheHit, EventFetchDone,
	// EventStoreHit), as the provider gave it; zero when it never expires.
	Expiry time.Time
	// Op names the Store operation that failed: "load", "save", "lock",
	// "corrupt" (EventStoreError).
	Op string
	// Err is the failure (EventRetry, EventStoreError; EventFetchDone of a
	// fetch that gave up).
	Err error
}

// Observer receives a Source's events: fetch started, finished or failed,
// retries, background refreshes, cache hits, Store trouble. It is the hook
// for metrics and tracing (an OpenTelemetry or Prometheus adapter counts
// events by Kind, records Duration as a histogram, and uses ctx for spans).
//
// Observe is called synchronously from the goroutine doing the work, never
// while the Source holds a lock; it must be quick and safe for concurrent
// use. ctx is the caller's context for caller-driven work and a detached
// one for background work. For EventCacheHit from Token it is
// context.Background.
//
// An Observer may also have either of these methods, which the Source looks
// for by type assertion:
//
//	StartFetch(ctx context.Context, ev Event) context.Context
//
// is called for EventFetchStart instead of Observe, and the fetch runs under
// the context it returns (nil means ctx): its attempts, so the Fetcher's
// requests, and the EventRetry and EventFetchDone it reports. A tracer
// starts the fetch's span there and ends it on EventFetchDone, and the token request's own HTTP spans
// become the fetch span's children.
//
//	CacheHits() bool
//
// returning false, when the Source is built, says the Observer ignores
// EventCacheHit: the Source then does not report cache hits, and its cached
// path costs what it costs without an Observer.
type Observer interface {
	Observe(ctx context.Context, ev Event)
}

// fetchStarter is an Observer's optional StartFetch method.
type fetchStarter interface {
	StartFetch(ctx context.Context, ev Event) context.Context
}

// wantsCacheHits reports whether o is to be told about cache hits.
func wantsCacheHits(o Observer) bool {
	h, ok := o.(interface{ CacheHits() bool })
	return o != nil && (!ok || h.CacheHits())
}

// emit reports ev to the observer and the logger, whichever are set.
func (s *Source) emit(ctx context.Context, ev Event) {
	ev.Provider = s.provider
	if s.obs != nil && ev.Kind != eventInvalidate {
		s.obs.Observe(ctx, ev)
	}
	if s.log != nil && ev.Kind != EventCacheHit {
		s.logEvent(ctx, ev)
	}
}

// startFetch reports EventFetchStart and returns the context the fetch runs
// under: the one the Observer's StartFetch gives, if it has that method.
func (s *Source) startFetch(ctx context.Context, background bool) context.Context {
	ev := Event{Kind: EventFetchStart, Provider: s.provider, Background: background}
	if st, ok := s.obs.(fetchStarter); ok {
		if c := st.StartFetch(ctx, ev); c != nil {
			ctx = c
		}
		if s.log != nil {
			s.logEvent(ctx, ev)
		}
		return ctx
	}
	s.emit(ctx, ev)
	return ctx
}

func (s *Source) logEvent(ctx context.Context, ev Event) {
	level, name := slog.LevelDebug, ev.Kind.String()
	switch {
	case ev.Kind == EventRetry, ev.Kind == eventInvalidate:
		level = slog.LevelInfo
	case ev.Kind == EventStoreError:
		level = slog.LevelWarn
	case ev.Kind == EventFetchDone && ev.Err != nil:
		level, name = slog.LevelWarn, "fetch_failed"
	}
	if !s.log.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 9)
	attrs = append(attrs, slog.String("event", name))
	if ev.Provider != "" {
		attrs = append(attrs, slog.String("provider", ev.Provider))
	}
	if s.key != "" {
		attrs = append(attrs, slog.String("store_key", s.key))
	}
	if ev.Background {
		attrs = append(attrs, slog.Bool("background", true))
	}
	if ev.Attempt > 0 {
		attrs = append(attrs, slog.Int("attempt", ev.Attempt))
	}
	if ev.Duration > 0 {
		attrs = append(attrs, slog.Duration("duration", ev.Duration))
	}
	if !ev.Expiry.IsZero() {
		attrs = append(attrs, slog.Time("expiry", ev.Expiry))
	}
	if ev.Op != "" {
		attrs = append(attrs, slog.String("op", ev.Op))
	}
	if ev.Err != nil {
		attrs = append(attrs, slog.String("error", ev.Err.Error()))
	}
	s.log.LogAttrs(ctx, level, "auth: "+name, attrs...)
}
