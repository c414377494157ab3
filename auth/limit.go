package auth

import (
	"container/heap"
	"context"
	"math"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// WithRefreshLimit bounds the token requests of all Sources of one endpoint
// (one provider and client id) in this process: at most concurrency
// fetches at once and at most perSecond requests per second (0: no rate
// limit). Without it a provider package's Sources use their provider's
// default (Moov: 16 at once, 40/s, its documented limit; MoneyKit,
// Money-Go and MobiFinance, which document none: 16 at once, 20/s), and a
// Source over your own Fetcher 16 at once with no rate limit.
//
// Every fetch waits its turn in one queue per endpoint, served by at most
// concurrency goroutines that exist only while the queue is not empty.
// Fetches that callers wait for (no token, an expired or invalidated one)
// go before background renewals of stale tokens, and those go in the order
// their tokens expire, so the limits delay renewals without letting a
// token that could still have been renewed in time expire first.
// Retries of a fetch wait for the rate limit too.
//
// Sources share a limit when their endpoint and limits are the same. The
// endpoint is read from the Store key the provider package gives (see
// StoreKey); Sources without one share a limit when their options are
// the same. concurrency below 1 means 1; a negative perSecond means 0.
func WithRefreshLimit(concurrency int, perSecond float64) Option {
	return func(c *config) {
		c.limitConc, c.limitRate, c.limitSet = max(concurrency, 1), max(perSecond, 0), true
		if math.IsNaN(perSecond) || math.IsInf(perSecond, 0) {
			c.limitRate = 0
		}
	}
}

// Default limits (see WithRefreshLimit).
const (
	defaultLimitConc     = 16
	defaultLimitRate     = 20 // per second, for providers that document no limit
	moovDocumentedLimit  = 40 // per second and account (docs.moov.io/api/rate-limits)
	defaultOwnLimitRate  = 0  // a Fetcher of the user's own: no rate limit
	endpointKeyPrefix    = "v1:"
	endpointKeyFields    = 3 // "v1", provider, client id
	endpointProviderMoov = "moov"
)

// endpointOf returns the "v1:<provider>:<client id>" prefix of a key built
// by StoreKey (or from one, as mobifinance's UserKey is), and the provider;
// "" for any other key.
func endpointOf(key string) (endpoint, provider string) {
	if !strings.HasPrefix(key, endpointKeyPrefix) {
		return "", ""
	}
	parts := strings.SplitN(key, ":", endpointKeyFields+1)
	if len(parts) <= endpointKeyFields || parts[1] == "" {
		return "", ""
	}
	return strings.Join(parts[:endpointKeyFields], ":"), parts[1]
}

// defaultRate is the refresh rate limit of an endpoint without
// WithRefreshLimit (its concurrency limit is defaultLimitConc).
func defaultRate(provider string) float64 {
	switch provider {
	case "":
		return defaultOwnLimitRate
	case endpointProviderMoov:
		return moovDocumentedLimit
	}
	return defaultLimitRate
}

// limiter is one endpoint's queue of fetches and its workers.
type limiter struct {
	clk      clock
	conc     int
	interval time.Duration // between two requests; 0: no rate limit

	mu       sync.Mutex
	queue    flightQueue
	workers  int
	sleeping int       // workers waiting for their rate slot
	nextAt   time.Time // the next free request slot under the rate limit
	seq      uint64
	running  int // fetches being run (tests)
	peak     int
}

type limiterKey struct {
	endpoint string
	conc     int
	rate     float64
	clk      clock
}

var limiters interned[limiterKey, limiter]

// limiterFor returns the limiter shared by key's Sources. It lives as long
// as a profile references it.
func limiterFor(k limiterKey) *limiter {
	return limiters.get(k, func() *limiter { return newLimiter(k.clk, k.conc, k.rate) })
}

func newLimiter(clk clock, conc int, rate float64) *limiter {
	l := &limiter{clk: clk, conc: conc}
	if rate > 0 {
		l.interval = time.Duration(float64(time.Second) / rate)
	}
	return l
}

// submit queues f and starts a worker if there is room for one.
func (l *limiter) submit(f *flight) {
	l.mu.Lock()
	l.seq++
	f.seq = l.seq
	heap.Push(&l.queue, f)
	start := l.workers < l.conc
	if start {
		l.workers++
	}
	l.mu.Unlock()
	if start {
		go l.work()
	}
}

// promote moves a queued background fetch ahead of the renewals: a caller
// now waits for it.
func (l *limiter) promote(f *flight) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if f.idx >= 0 && !f.urgent {
		f.urgent = true
		heap.Fix(&l.queue, f.idx)
	}
}

// work runs queued fetches until the queue is empty. Each takes its rate
// slot before choosing its fetch, so that the fetch that goes is the most
// urgent one at the moment it can go.
func (l *limiter) work() {
	for {
		l.mu.Lock()
		// Each queued fetch needs one slot: those that workers already
		// wait for slots for are covered.
		if len(l.queue) <= l.sleeping {
			l.workers--
			l.mu.Unlock()
			return
		}
		if wait := l.reserveLocked(); wait > 0 {
			l.sleeping++
			l.mu.Unlock()
			_ = sleep(context.Background(), l.clk, wait)
			l.mu.Lock()
			l.sleeping--
		}
		if len(l.queue) == 0 {
			l.workers--
			l.mu.Unlock()
			return
		}
		f := heap.Pop(&l.queue).(*flight)
		l.running++
		l.peak = max(l.peak, l.running)
		l.mu.Unlock()

		f.src.runFlight(f)

		l.mu.Lock()
		l.running--
		l.mu.Unlock()
	}
}

// reserveLocked takes the next request slot and returns how long to wait
// for it.
func (l *limiter) reserveLocked() time.Duration {
	if l.interval == 0 {
		return 0
	}
	now := l.clk.Now()
	at := l.nextAt
	if at.Before(now) {
		at = now
	}
	l.nextAt = at.Add(l.interval)
	return at.Sub(now)
}

// admit waits for a request slot: the rate limit of a retry's attempt.
func (l *limiter) admit(ctx context.Context) error {
	l.mu.Lock()
	wait := l.reserveLocked()
	l.mu.Unlock()
	return sleep(ctx, l.clk, wait)
}

// flightQueue is the limiter's heap: fetches callers wait for first, then
// the earliest deadline, then the earliest arrival.
type flightQueue []*flight

func (q flightQueue) Len() int { return len(q) }

func (q flightQueue) Less(i, j int) bool {
	a, b := q[i], q[j]
	if a.urgent != b.urgent {
		return a.urgent
	}
	if a.deadline != b.deadline {
		return a.deadline < b.deadline
	}
	return a.seq < b.seq
}

func (q flightQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].idx = i
	q[j].idx = j
}

func (q *flightQueue) Push(x any) {
	f := x.(*flight)
	f.idx = len(*q)
	*q = append(*q, f)
}

func (q *flightQueue) Pop() any {
	old := *q
	f := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	f.idx = -1
	return f
}

// limitedFetch is the Fetcher a fetch's retry loop calls: the worker took
// the first attempt's rate slot, each further attempt waits for its own.
func (s *Source) limitedFetch() Fetcher {
	if s.lim.interval == 0 {
		return s.safeFetch
	}
	attempts := 0
	return func(ctx context.Context) (*oauth2.Token, error) {
		if attempts++; attempts > 1 {
			if err := s.lim.admit(ctx); err != nil {
				return nil, err
			}
		}
		return s.safeFetch(ctx)
	}
}
