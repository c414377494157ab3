package auth

import (
	"log/slog"
	"math/rand/v2"
	"time"

	"golang.org/x/oauth2"
)

// Option configures a Source.
type Option func(*config)

type config struct {
	window, margin  time.Duration
	windowSet       bool
	retry           RetryPolicy
	store           Store
	key, defaultKey string
	log             *slog.Logger
	obs             Observer
	provider        string
	initial         *oauth2.Token
	fetchTimeout    time.Duration
	clock           clock
	rnd             func(int64) int64
	limitConc       int
	limitRate       float64
	limitSet        bool
}

// Defaults of the refresh window and safety margin (see NewSource).
const (
	defaultSafetyMargin     = 10 * time.Second
	defaultMinRefreshWindow = 10 * time.Second
	defaultMaxRefreshWindow = 5 * time.Minute
	// defaultFetchTimeout bounds one shared fetch, retries and Store
	// round trips included, whoever waits for it: the fetch budget.
	defaultFetchTimeout = defaultFetchBudget
)

// WithRefreshWindow sets how long before its expiry a token turns stale and
// is refreshed in the background, instead of the default: 20 % of the
// token's lifetime clamped to [10s, 5min]. The value is used as given; 0
// disables refresh ahead of expiry (callers then wait for a fetch once the
// token reaches the safety margin).
func WithRefreshWindow(d time.Duration) Option {
	return func(c *config) { c.window, c.windowSet = max(d, 0), true }
}

// WithSafetyMargin sets how long before its expiry a token stops being
// served (default 10s), to absorb clock skew and request latency. The
// value is used as given.
func WithSafetyMargin(d time.Duration) Option {
	return func(c *config) { c.margin = max(d, 0) }
}

// WithRetry sets the policy every fetch of the Source runs under (default:
// the zero RetryPolicy, 3 attempts).
func WithRetry(p RetryPolicy) Option {
	return func(c *config) { c.retry = p }
}

// WithStore makes the Source read tokens through store before fetching and
// save what it fetches, under key. An empty key means the provider
// package's default key, StoreKey(provider, client id, scopes...); with no
// key at all (a Source of your own Fetcher given "") the store is not used,
// and the logger says so. Without WithStore a Source keeps its token in its
// own memory only; pass a new(MemoryStore) to
// share tokens between Sources of one process, auth/redisstore to share
// them across a fleet.
func WithStore(store Store, key string) Option {
	return func(c *config) { c.store, c.key = store, key }
}

// withDefaultStoreKey is for provider packages (through internal/authhook):
// the key WithStore(store, "")
// uses, built with StoreKey from the provider, client id and scopes (never
// the secret). Options apply in order; this one may come before or after
// the user's WithStore.
func withDefaultStoreKey(key string) Option {
	return func(c *config) { c.defaultKey = key }
}

// WithLogger reports fetches, retries, failures and Store trouble to l
// (fetch events at Debug, retries at Info, failures at Warn). Nothing is
// logged on the cached path, and no token or secret is ever logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.log = l }
}

// WithObserver reports the Source's events to o (see Observer).
func WithObserver(o Observer) Option {
	return func(c *config) { c.obs = o }
}

// WithProvider names the Source's provider ("moov"): it is the Provider of
// every Event and of the logger's records. The provider packages set it; a
// Source over a Fetcher of your own may name its provider with it.
func WithProvider(name string) Option {
	return func(c *config) { c.provider = name }
}

// withInitialToken (lent to the provider packages through
// internal/authhook) seeds the Source with tok, served (and refreshed ahead of
// expiry, through the Fetcher) like a fetched one. A tok with a zero Expiry
// never expires. MobiFinance's TokenSource(tok) uses it with a Fetcher that
// fails with "a new authorization code is needed". tok is not modified; do
// not modify it afterwards. A nil tok or one without an access token is
// ignored.
func withInitialToken(tok *oauth2.Token) Option {
	return func(c *config) { c.initial = tok }
}

// WithFetchTimeout bounds each shared fetch (retries and Store round trips
// included), default 30 s: the fetch's budget. The fetch runs detached
// from the callers' contexts so that one caller giving up does not fail
// the others; this is what stops it. A fetch that uses its budget up fails
// every waiter with an error that says "timeout" and names the provider
// (Timeout() true); it matches context.DeadlineExceeded only for a waiter
// whose own context ended (Token has none: it gets the budget's error).
func WithFetchTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.fetchTimeout = d
		}
	}
}

// newConfig resets c to the defaults and applies opts.
func newConfig(c *config, opts []Option) {
	*c = config{
		retry:        defaultRetryPolicy,
		margin:       defaultSafetyMargin,
		fetchTimeout: defaultFetchTimeout,
		clock:        realClock{},
		rnd:          rand.Int64N,
	}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
}
