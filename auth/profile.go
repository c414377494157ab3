package auth

import (
	"log/slog"
	"sync"
	"time"
	"unsafe"
)

// profile is the immutable part of a Source's configuration. Sources made
// with the same options share one (interned), so that a process with a
// million Sources holds a handful of profiles, not a million copies of the
// same settings.
type profile struct {
	obs          Observer
	hits         bool // obs wants EventCacheHit
	provider     string
	policy       RetryPolicy
	window       time.Duration
	windowSet    bool
	margin       time.Duration
	store        Store
	locker       Locker
	log          *slog.Logger
	fetchTimeout time.Duration
	clock        clock
	rnd          func(int64) int64
	lockTTL      time.Duration
	pollMin      time.Duration
	pollMax      time.Duration
	sched        *scheduler
	lim          *limiter
	bits         uint32 // observedBit when obs is set
}

// profileKey identifies a profile by the identity of the values it holds
// (interfaces and pointers by their words, so that a Store or Observer of
// any type, comparable or not, can be shared) and by its plain settings.
type profileKey struct {
	obs, store, log, clock, rnd ifaceWords
	provider                    string
	policy                      RetryPolicy
	window, margin, timeout     time.Duration
	windowSet                   bool
	endpoint                    string
	limitConc                   int
	limitRate                   float64
	limitSet                    bool
}

type ifaceWords [2]uintptr

// wordsOf returns the two words of an interface value: its type and data
// pointers. Two values with the same words are the same value.
func wordsOf(v any) ifaceWords { return *(*ifaceWords)(unsafe.Pointer(&v)) }

var profiles interned[profileKey, profile]

// profileOf returns the shared profile of c's settings (everything but
// the per-Source store key and initial token), endpoint being the one its
// keys name.
//
// Identity words are safe as keys: while the profile is alive it holds the
// values they point to, so their addresses cannot be reused; once it is
// collected its weak pointer reads nil and the entry is replaced.
func profileOf(c *config, endpoint, provider string) *profile {
	k := profileKey{
		policy: c.retry, window: c.window, margin: c.margin, timeout: c.fetchTimeout,
		windowSet: c.windowSet, endpoint: endpoint, provider: c.provider,
		limitConc: c.limitConc, limitRate: c.limitRate, limitSet: c.limitSet,
	}
	if c.obs != nil {
		k.obs = wordsOf(c.obs)
	}
	if c.store != nil {
		k.store = wordsOf(c.store)
	}
	if c.log != nil {
		k.log = wordsOf(c.log)
	}
	k.clock = wordsOf(c.clock)
	k.rnd = wordsOf(c.rnd)

	return profiles.get(k, func() *profile { return newProfile(c, endpoint, provider) })
}

// newProfile makes the profile of c's settings (see profileOf).
func newProfile(c *config, endpoint, provider string) *profile {
	p := &profile{
		obs:          c.obs,
		hits:         wantsCacheHits(c.obs),
		provider:     c.provider,
		policy:       c.retry,
		window:       c.window,
		windowSet:    c.windowSet,
		margin:       c.margin,
		store:        c.store,
		log:          c.log,
		fetchTimeout: c.fetchTimeout,
		clock:        c.clock,
		rnd:          c.rnd,
		lockTTL:      lockLease,
		pollMin:      defaultPollMin,
		pollMax:      defaultPollMax,
		sched:        schedulerFor(c.clock),
	}
	if p.hits {
		p.bits = observedBit
	}
	p.locker, _ = c.store.(Locker)
	conc, rate := defaultLimitConc, defaultRate(provider)
	if c.limitSet {
		conc, rate = c.limitConc, c.limitRate
	}
	if endpoint == "" {
		p.lim = newLimiter(c.clock, conc, rate) // a Fetcher of the user's own: these options' own limit
	} else {
		p.lim = limiterFor(limiterKey{endpoint: endpoint, conc: conc, rate: rate, clk: c.clock})
	}
	return p
}

// configs are reused by NewSource: a config is only read while a Source is
// made, then its settings live on in the shared profile.
var configs = sync.Pool{New: func() any { return new(config) }}

func getConfig(opts []Option) *config {
	c := configs.Get().(*config)
	newConfig(c, opts)
	return c
}

func putConfig(c *config) {
	*c = config{} // drop the references (store, observer, token) it held
	configs.Put(c)
}
