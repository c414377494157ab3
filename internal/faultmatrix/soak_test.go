package faultmatrix_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/testenv"
	"github.com/paytoken/paytoken/mobifinance"
	"github.com/paytoken/paytoken/mockserver"
	"github.com/paytoken/paytoken/moneygo"
	"github.com/paytoken/paytoken/moneykit"
	"github.com/paytoken/paytoken/moov"
)

// soakSettings: PAYTOKEN_SOAK_DURATION (a Go duration) turns the soak on
// at full size (.ci/soak.sh sets 60s); PAYTOKEN_SOAK_GOROUTINES overrides
// the goroutines per provider (default 2,000). Without them the test is a
// few seconds' smoke run with 100 goroutines per provider (25 under -race,
// which is ~10x slower and caps live goroutines at 8,128), so that
// go test ./... stays fast.
func soakSettings(t *testing.T) (d time.Duration, perProvider int, full bool) {
	d, perProvider = 4*time.Second, 100
	if v := os.Getenv("PAYTOKEN_SOAK_DURATION"); v != "" {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			t.Fatalf("PAYTOKEN_SOAK_DURATION: %v", err)
		}
		perProvider, full = 2000, true
	}
	if raceEnabled && !full {
		perProvider = 25
	}
	if v := os.Getenv("PAYTOKEN_SOAK_GOROUTINES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			t.Fatalf("PAYTOKEN_SOAK_GOROUTINES: %q", v)
		}
		perProvider = n
	}
	return d, perProvider, full
}

// soakLifetime is the tokens' lifetime: short, so that a run sees many
// renewals. soakMargin, the safety margin, is a quarter of it: the
// Source's state timers (its cached path reads no clock) run late on a
// loaded machine, by ~0.3 s with 8,000 callers beside a CPU hog on two
// cores, and the margin is what absorbs that lateness.
const (
	soakLifetime = 4 * time.Second
	soakMargin   = time.Second
)

// soakPause is the range of each goroutine's random pause between calls:
// at full size 8,000 goroutines then make ~3,000 calls/s, which two cores
// serve in milliseconds; the smoke run's 400 goroutines pause less.
type soakPause struct{ min, max time.Duration }

var (
	soakPauseFull  = soakPause{1500 * time.Millisecond, 4500 * time.Millisecond}
	soakPauseSmoke = soakPause{10 * time.Millisecond, 50 * time.Millisecond}
)

// soakSleep sleeps d and reports whether ctx is still live then; it wakes
// early when ctx ends.
func soakSleep(ctx context.Context, d time.Duration) bool {
	wait, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	<-wait.Done()
	return ctx.Err() == nil
}

// latency is a histogram of API call durations, in power-of-two
// milliseconds buckets.
type latency struct{ buckets [16]atomic.Int64 }

func (l *latency) add(d time.Duration) {
	ms := d.Milliseconds()
	i := 0
	for ms > 0 && i < len(l.buckets)-1 {
		ms >>= 1
		i++
	}
	l.buckets[i].Add(1)
}

// quantile is the upper bound of the bucket holding the q-quantile.
func (l *latency) quantile(q float64) time.Duration {
	var total int64
	for i := range l.buckets {
		total += l.buckets[i].Load()
	}
	var seen int64
	for i := range l.buckets {
		seen += l.buckets[i].Load()
		if float64(seen) >= q*float64(total) {
			return time.Duration(1<<i) * time.Millisecond
		}
	}
	return time.Duration(1<<(len(l.buckets)-1)) * time.Millisecond
}

// soakProvider is one provider's share of the soak.
type soakProvider struct {
	mock     mockserver.Provider
	client   *http.Client
	calls    atomic.Int64
	ok       atomic.Int64 // answered 200
	failed   atomic.Int64 // failed in a way that is the SDK's fault
	timedOut atomic.Int64 // timed out: the machine was too slow
	refused  atomic.Int64 // 401 with a token that was right when handed out (revoked or expired in flight)
	faults   atomic.Int64 // token-endpoint faults injected
	expiry   atomic.Int64 // ExpireTokens injected (each costs a refetch)
	first    sync.Once
	errMsg   atomic.Value
	lat      latency
}

// TestSoak drives goroutines through each provider's Client against the
// mock, whose tokens live 4 s, while a chaos goroutine injects transient
// token-endpoint faults (5xx, 429 with X-Retry-In, dropped connections,
// slow answers, answers lost after the token was issued) and expires every
// token of a provider now and then (the API then answers 401).
//
// It asserts what the SDK promises, in terms that hold however loaded the
// machine is (CI runs it on two shared cores beside other jobs):
//
//   - no wrong token: every token sent to the API is one the mock issued
//     to that provider, and a replay after a 401 carries another one;
//   - no expired token: a cached token handed out still had its safety
//     margin when the call began, and a fetched one expires no later than
//     one lifetime after it arrived;
//   - no call fails but by a timeout or by a 401 for such a right token
//     (revoked by the chaos, or expired in flight while the machine stalled
//     for longer than the margin): any other error or status fails the test;
//   - bounded token requests: per provider at most 2 × (elapsed / lifetime),
//     plus one per injected fault, two per token the API rejected and one
//     per token request that timed out (what the machine cost, each worth
//     at most one request more), plus 2 for the edges of the run;
//     MobiFinance's permanent token is exchanged once, never fetched again;
//   - liveness: every provider answered calls during the run, and once the
//     chaos stops each provider's Client gets a 200 again;
//   - no leak: goroutines and heap come back to where they were (waiting
//     up to a minute for a loaded machine to wind down; a leak never does).
//
// A timed-out call is counted, not failed: the HTTP client gives a call
// 10 s, and a machine whose load makes a call wait longer is not a defect
// of the SDK; a hung SDK fails the liveness checks instead.
//
// Long (testenv.Long): a few seconds' smoke run with PAYTOKEN_LONG=1; full
// size (2,000 goroutines per provider, 60 s) via .ci/soak.sh or
// PAYTOKEN_SOAK_DURATION=60s.
func TestSoak(t *testing.T) {
	testenv.Long(t)
	duration, perProvider, full := soakSettings(t)

	// Warm up what stays loaded for the process (the mock's specs, the
	// HTTP machinery) before the baseline is taken.
	warm := mockserver.New()
	warm.Close()
	runtime.GC()
	baseGoroutines := runtime.NumGoroutine()
	leakOpt := goleak.IgnoreCurrent()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	pace := soakPauseSmoke
	switch {
	case full:
		pace = soakPauseFull
	case raceEnabled:
		pace = soakPause{50 * time.Millisecond, 150 * time.Millisecond}
	}
	results, elapsed := runSoak(t, duration, perProvider, pace)

	// Everything the soak made is gone: clients, sources, servers. GC lets
	// the sources' weakly held timers be stopped.
	for range 3 {
		runtime.GC()
		time.Sleep(50 * time.Millisecond)
	}
	// A loaded machine may take a while to let the last connections'
	// goroutines go; a leak stays however long one waits.
	const heapSlack = 16 << 20
	var after runtime.MemStats
	for deadline := time.Now().Add(time.Minute); ; {
		runtime.GC()
		runtime.ReadMemStats(&after)
		if goleak.Find(leakOpt) == nil && runtime.NumGoroutine() <= baseGoroutines+2 && after.HeapAlloc <= before.HeapAlloc+heapSlack ||
			time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	goleak.VerifyNone(t, leakOpt)
	if n := runtime.NumGoroutine(); n > baseGoroutines+2 {
		t.Errorf("%d goroutines after the soak, %d before", n, baseGoroutines)
	}
	if after.HeapAlloc > before.HeapAlloc+heapSlack {
		t.Errorf("heap %d MiB after the soak, %d MiB before", after.HeapAlloc>>20, before.HeapAlloc>>20)
	}
	t.Logf("soak: %v, %d goroutines per provider (full size: %v); heap %d → %d KiB, goroutines %d → %d",
		elapsed.Round(time.Millisecond), perProvider, full, before.HeapAlloc>>10, after.HeapAlloc>>10, baseGoroutines, runtime.NumGoroutine())
	for _, r := range results {
		t.Log(r)
	}
}

// runSoak runs the soak and returns one line per provider.
func runSoak(t *testing.T, duration time.Duration, perProvider int, pace soakPause) ([]string, time.Duration) {
	cc := []mockserver.Provider{mockserver.MoneyGo, mockserver.MoneyKit, mockserver.Moov}
	var opts []mockserver.Option
	for _, p := range cc {
		opts = append(opts, mockserver.WithTokenLifetime(p, soakLifetime))
	}
	srv := mockserver.New(opts...)
	defer srv.Close()

	// One HTTP transport for everything, sized for the load: the default two
	// idle connections per host would churn through ephemeral ports.
	const margin = soakMargin
	tr := &http.Transport{MaxConnsPerHost: 64, MaxIdleConnsPerHost: 64, IdleConnTimeout: 5 * time.Second}
	defer tr.CloseIdleConnections()
	wire := newSoakWire(tr)
	obs := &soakObserver{w: wire, margin: margin}
	hc := &http.Client{Transport: wire, Timeout: 10 * time.Second}
	sourceOpts := []auth.Option{
		auth.WithRetry(auth.RetryPolicy{MaxAttempts: 4, MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, MaxRetryAfter: time.Second}),
		auth.WithRefreshWindow(2 * time.Second), // renew in the second before the margin
		auth.WithSafetyMargin(margin),
		auth.WithObserver(obs),
	}
	id := mockserver.DemoClientID
	secret := func(p mockserver.Provider) auth.Secret { return auth.Secret(mockserver.DemoClientSecret(p)) }

	ps := map[mockserver.Provider]*soakProvider{}
	ps[mockserver.MoneyGo] = &soakProvider{mock: mockserver.MoneyGo, client: (&moneygo.Config{
		ClientID: id(mockserver.MoneyGo), ClientSecret: secret(mockserver.MoneyGo), BaseURL: srv.URL, HTTPClient: hc}).Client(sourceOpts...)}
	ps[mockserver.MoneyKit] = &soakProvider{mock: mockserver.MoneyKit, client: (&moneykit.Config{
		ClientID: id(mockserver.MoneyKit), ClientSecret: secret(mockserver.MoneyKit), BaseURL: srv.URL, HTTPClient: hc}).Client(sourceOpts...)}
	ps[mockserver.Moov] = &soakProvider{mock: mockserver.Moov, client: (&moov.Config{
		ClientID: id(mockserver.Moov), ClientSecret: secret(mockserver.Moov), BaseURL: srv.URL, HTTPClient: hc,
		Scopes: []string{"/accounts.read"}}).Client(sourceOpts...)}
	mf := &mobifinance.Config{ClientID: id(mockserver.MobiFinance), ClientSecret: secret(mockserver.MobiFinance),
		RedirectURL: mockserver.DemoRedirectURI, BaseURL: srv.URL, HTTPClient: hc}
	ctx0, cancel0 := context.WithTimeout(context.Background(), 10*time.Second)
	tok, err := mf.Exchange(ctx0, srv.MustIssueCode(id(mockserver.MobiFinance), mockserver.DemoRedirectURI))
	cancel0()
	if err != nil {
		t.Fatalf("mobifinance: %v", err)
	}
	ps[mockserver.MobiFinance] = &soakProvider{mock: mockserver.MobiFinance, client: mf.Client(tok, sourceOpts...)}
	srv.ResetCounts()

	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup

	// Chaos: a transient token-endpoint fault every 400 ms, all providers
	// expired every 2.5 s (the API then answers 401 until a new token).
	wg.Go(func() {
		faults := []mockserver.Fault{
			{Status: 503, Times: 1},
			{Status: 500, Times: 1},
			{Status: 429, RetryIn: "20", Times: 1},
			{Drop: true, Times: 1},
			{Delay: 100 * time.Millisecond, Times: 1},
			{Status: 502, AfterHandling: true, Times: 1},
		}
		tick := time.NewTicker(400 * time.Millisecond)
		defer tick.Stop()
		for n := 1; ; n++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			// Faults queue until token requests take them; a queue as long
			// as the retry policy's MaxAttempts would fail a fetch by
			// construction, which is not what the soak measures. At most
			// two queued faults leave every fetch two attempts to succeed.
			p := ps[cc[rand.IntN(len(cc))]]
			if srv.PendingFaults(p.mock) < 2 {
				srv.InjectFault(p.mock, faults[rand.IntN(len(faults))])
				p.faults.Add(1)
			}
			if n%6 == 0 {
				p := ps[cc[rand.IntN(len(cc))]]
				srv.ExpireTokens(p.mock)
				p.expiry.Add(1)
			}
		}
	})

	for _, p := range ps {
		for range perProvider {
			wg.Go(func() {
				// Start spread over the first pause, then pace: 2,000
				// goroutines per provider calling as fast as they can
				// would saturate two cores and queue calls for longer
				// than a token lives.
				pause := func() time.Duration {
					return pace.min + time.Duration(rand.Int64N(int64(pace.max-pace.min)))
				}
				if !soakSleep(ctx, time.Duration(rand.Int64N(int64(pace.max)))) {
					return
				}
				for ctx.Err() == nil {
					soakCall(ctx, srv.BaseURL(p.mock)+mockserver.ProtectedPath, p, obs)
					if !soakSleep(ctx, pause()) {
						return
					}
				}
			})
		}
	}
	wg.Wait()
	elapsed := time.Since(start)
	srv.ClearFaults()
	// Faults still queued were not taken by any request: they cost nothing.

	// Liveness: with the chaos over, every Client gets a 200 again (a
	// loaded machine may time a call out: try again, for up to 2 minutes).
	for _, p := range ps {
		recovered := false
		for deadline := time.Now().Add(2 * time.Minute); !recovered && time.Now().Before(deadline); {
			before := p.ok.Load()
			soakCall(context.Background(), srv.BaseURL(p.mock)+mockserver.ProtectedPath, p, obs)
			recovered = p.ok.Load() > before
		}
		if !recovered {
			t.Errorf("%s: no 200 within 2 minutes after the soak (first failure: %v)", p.mock, p.errMsg.Load())
		}
	}
	if late := obs.late; late > 0 {
		t.Logf("a token was served up to %v into its %v safety margin (its timer ran late)", late, margin)
	}
	if n := wire.violations.Load(); n > 0 {
		t.Errorf("%d broken promises on the wire, first: %v", n, wire.first.Load())
	}

	var lines []string
	for _, mp := range []mockserver.Provider{mockserver.MoneyGo, mockserver.MoneyKit, mockserver.Moov, mockserver.MobiFinance} {
		p := ps[mp]
		c := srv.Counts(mp)
		lifetimes := time.Since(start).Seconds() / soakLifetime.Seconds() // the liveness calls included
		timedOut, rejected := wire.costs(mp)
		// Each injected fault costs at most one request more (a retry, or the
		// refetch after an answer lost); each token the API rejected (the
		// chaos's ExpireTokens, or one expired in flight) one refetch and,
		// with Moov, a refresh-grant request beside it; each token request
		// that timed out one retry; +2 for the edges of the run (and the
		// liveness calls after it).
		allowed := int(2*lifetimes) + int(p.faults.Load()) + 2*rejected + timedOut + 2
		if mp == mockserver.MobiFinance {
			allowed = 0
		}
		line := fmt.Sprintf("%-11s %7d API calls (p50 ≤ %v, p99 ≤ %v): %d ok, %d timed out, %d refused (right token revoked or expired in flight), %d failed; "+
			"%3d token requests (allowed %d: %d faults, %d tokens rejected, %d token requests timed out); %d expiries injected",
			mp, p.calls.Load(), p.lat.quantile(0.5), p.lat.quantile(0.99), p.ok.Load(), p.timedOut.Load(), p.refused.Load(), p.failed.Load(),
			c.TokenRequests, allowed, p.faults.Load(), rejected, timedOut, p.expiry.Load())
		lines = append(lines, line)
		if f := p.failed.Load(); f != 0 {
			t.Errorf("%s: %d of %d API calls failed, first: %v", mp, f, p.calls.Load(), p.errMsg.Load())
		}
		if c.TokenRequests > allowed {
			t.Errorf("%s: %d token requests in %v, more than %d", mp, c.TokenRequests, elapsed.Round(time.Millisecond), allowed)
		}
		if p.ok.Load() == 0 {
			t.Errorf("%s: no API call answered 200", mp)
		}
	}
	for _, p := range ps {
		p.client.CloseIdleConnections()
	}
	clear(ps)
	return lines, elapsed
}

// soakCall makes one API call and sorts its outcome; a call cut short by
// the end of the soak is not counted. The wire checks the tokens it
// carries (soakWire), so a 401 here had a right token. A call that timed
// out, or whose token fetch ran out of attempts because some timed out,
// is the machine's slowness.
func soakCall(ctx context.Context, url string, p *soakProvider, obs *soakObserver) {
	start := time.Now()
	info := &soakCallInfo{p: p.mock, start: start}
	req, _ := http.NewRequestWithContext(context.WithValue(ctx, soakCallKey{}, info), http.MethodGet, url, nil)
	resp, err := p.client.Do(req)
	p.lat.add(time.Since(start))
	if ctx.Err() != nil {
		if err == nil {
			resp.Body.Close()
		}
		return
	}
	p.calls.Add(1)
	switch {
	case err != nil && (isTimeout(err) || obs.slowedBy(err)):
		p.timedOut.Add(1)
	case err != nil:
		p.fail(err)
	default:
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
			p.ok.Add(1)
		case http.StatusUnauthorized:
			p.refused.Add(1)
		default:
			p.fail(fmt.Errorf("HTTP %d (%s)", resp.StatusCode, resp.Header.Get("WWW-Authenticate")))
		}
	}
}

func (p *soakProvider) fail(err error) {
	p.failed.Add(1)
	p.first.Do(func() { p.errMsg.Store(err.Error()) })
}
