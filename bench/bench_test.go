// Package bench measures paytoken's auth.Source against
// golang.org/x/oauth2's ReuseTokenSource and cloud.google.com/go/auth's
// cached TokenProvider, side by side in one `go test -bench` run. It has its
// own go.mod so that neither comparison library enters the SDK's module
// graph.
//
// The scenario benchmarks' ns/op is the whole scenario (setup and sleeps
// included), so b.N stays small; their custom metrics are the result.
//
// Every benchmark names its contender as /lib=…, so that
// `benchstat -col /lib` prints one column per library and the ratios
// between them (see run.sh). Scenario benchmarks report what matters as
// custom metrics: upstream-requests (token requests the server saw, per
// scenario) and p99-wait-ns / max-wait-ns (how long callers waited).
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gauth "cloud.google.com/go/auth"
	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providerkit"
	"golang.org/x/oauth2"
)

// ---------------------------------------------------------------------------
// A loopback token server: every request takes `latency`, then answers a
// token (or 503 when failing).

type tokenServer struct {
	srv      *httptest.Server
	requests atomic.Int64
	latency  time.Duration
	failing  bool
	client   *http.Client
}

func newTokenServer(b *testing.B, latency time.Duration, failing bool) *tokenServer {
	ts := &tokenServer{latency: latency, failing: failing}
	ts.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := ts.requests.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		time.Sleep(ts.latency)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		if ts.failing {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `{"error":"server_error"}`)
			return
		}
		fmt.Fprintf(w, `{"access_token":"tok-%d","token_type":"Bearer","expires_in":3600}`, n)
	}))
	tr := ts.srv.Client().Transport.(*http.Transport)
	tr.MaxIdleConnsPerHost = 200
	ts.client = &http.Client{Transport: tr}
	b.Cleanup(ts.srv.Close)
	return ts
}

var endpoint = providerkit.Endpoint{Provider: "bench", DefaultLifetime: time.Hour}

// fetch makes one token request. The token lives `life` from when the
// answer arrived (the bench controls lifetimes finer than expires_in's
// seconds). Errors are auth.Error values for all contenders.
func (ts *tokenServer) fetch(ctx context.Context, life time.Duration) (*oauth2.Token, error) {
	tok, err := fetchToken(ctx, ts.client, ts.srv.URL)
	if err != nil {
		return nil, err
	}
	tok.Expiry = time.Now().Add(life)
	return tok, nil
}

// fetchToken makes one token request to base's /token through hc and reads
// the answer as a provider package does (an auth.Error when it fails).
func fetchToken(ctx context.Context, hc *http.Client, base string) (*oauth2.Token, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/token", nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	return endpoint.ReadResponse(resp)
}

// ---------------------------------------------------------------------------
// The contenders, behind one interface.

type contender struct {
	name string
	// build returns the cached token getter over fetch. window: how long
	// before expiry a refresh starts (paytoken's refresh window, x/oauth2's
	// early expiry, cloud auth's ExpireEarly). margin: paytoken's safety
	// margin (the others have none).
	build func(fetch func(context.Context) (*oauth2.Token, error), window, margin time.Duration) func() (string, error)
}

var contenders = []contender{
	{"xoauth2", func(fetch func(context.Context) (*oauth2.Token, error), window, _ time.Duration) func() (string, error) {
		return accessToken(oauth2.ReuseTokenSourceWithExpiry(nil, xSource(fetch), window).Token)
	}},
	{"paytoken", func(fetch func(context.Context) (*oauth2.Token, error), window, margin time.Duration) func() (string, error) {
		return accessToken(auth.NewSource(fetch, auth.WithRefreshWindow(window), auth.WithSafetyMargin(margin)).Token)
	}},
	{"cloudauth", func(fetch func(context.Context) (*oauth2.Token, error), window, _ time.Duration) func() (string, error) {
		tp := gauth.NewCachedTokenProvider(gSource(fetch), &gauth.CachedTokenProviderOptions{ExpireEarly: window})
		return func() (string, error) {
			tok, err := tp.Token(context.Background())
			if err != nil {
				return "", err
			}
			return tok.Value, nil
		}
	}},
}

// accessToken is the access token of what get returns.
func accessToken(get func() (*oauth2.Token, error)) func() (string, error) {
	return func() (string, error) {
		tok, err := get()
		if err != nil {
			return "", err
		}
		return tok.AccessToken, nil
	}
}

type xSource func(context.Context) (*oauth2.Token, error)

func (f xSource) Token() (*oauth2.Token, error) { return f(context.Background()) }

type gSource func(context.Context) (*oauth2.Token, error)

func (f gSource) Token(ctx context.Context) (*gauth.Token, error) {
	tok, err := f(ctx)
	if err != nil {
		return nil, err
	}
	return &gauth.Token{Value: tok.AccessToken, Type: "Bearer", Expiry: tok.Expiry}, nil
}

// ---------------------------------------------------------------------------
// 1. The cached path: a valid token, called as users call each library.

func hourToken(context.Context) (*oauth2.Token, error) {
	return &oauth2.Token{AccessToken: "cached", TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}, nil
}

func BenchmarkCachedToken(b *testing.B) {
	type getter struct {
		name string
		make func() func() bool
	}
	getters := []getter{
		{"xoauth2", func() func() bool {
			src := oauth2.ReuseTokenSource(nil, xSource(hourToken))
			return func() bool { tok, err := src.Token(); return err == nil && tok != nil }
		}},
		{"paytoken", func() func() bool {
			src := auth.NewSource(hourToken)
			return func() bool { tok, err := src.Token(); return err == nil && tok != nil }
		}},
		{"paytoken-as-oauth2.TokenSource", func() func() bool {
			var src oauth2.TokenSource = auth.NewSource(hourToken)
			return func() bool { tok, err := src.Token(); return err == nil && tok != nil }
		}},
		{"cloudauth", func() func() bool {
			tp := gauth.NewCachedTokenProvider(gSource(hourToken), nil)
			ctx := context.Background()
			return func() bool { tok, err := tp.Token(ctx); return err == nil && tok != nil }
		}},
		// The floor: a bare atomic pointer load, what a cached Token can at
		// best cost.
		{"floor-atomic-load", func() func() bool {
			var p atomic.Pointer[oauth2.Token]
			p.Store(&oauth2.Token{AccessToken: "x"})
			return func() bool { return p.Load() != nil }
		}},
	}
	for _, mode := range []string{"serial", "parallel"} {
		for _, g := range getters {
			b.Run("mode="+mode+"/lib="+g.name, func(b *testing.B) {
				get := g.make()
				if !get() { // first call fetches
					b.Fatal("no token")
				}
				b.ReportAllocs()
				b.ResetTimer()
				if mode == "serial" {
					for b.Loop() {
						if !get() {
							b.Fatal("no token")
						}
					}
					return
				}
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if !get() {
							b.Error("no token")
							return
						}
					}
				})
			})
		}
	}
}

// ---------------------------------------------------------------------------
// 2. Expiry storm: the token server takes 50 ms per request; 1000
// goroutines call Token at once when the token reaches its refresh point.

const (
	upstreamLatency = 50 * time.Millisecond
	stormCallers    = 1000
	life            = 600 * time.Millisecond // token lifetime in the storm scenarios
	window          = 300 * time.Millisecond // refresh window / early expiry
	margin          = 50 * time.Millisecond  // paytoken's safety margin
)

type stormResult struct {
	waits    []time.Duration
	upstream int64
	errs     int
}

// stampede releases n goroutines into call at once, waits for them all and
// returns how long each call took, and its error.
func stampede(n int, call func() (string, error)) ([]time.Duration, []error) {
	start := make(chan struct{})
	waits := make([]time.Duration, n)
	errs := make([]error, n)
	var ready, done sync.WaitGroup
	ready.Add(n)
	for i := range n {
		done.Go(func() {
			ready.Done()
			<-start
			t := time.Now()
			_, errs[i] = call()
			waits[i] = time.Since(t)
		})
	}
	ready.Wait()
	close(start)
	done.Wait()
	return waits, errs
}

// storm: get a token, sleep until `arrive` after it was issued, then release
// stormCallers goroutines at once; count upstream requests until all
// background work has settled.
func storm(b *testing.B, c contender, arrive time.Duration, res *stormResult) {
	ts := newTokenServer(b, upstreamLatency, false)
	// The first token lives `life`; the ones that replace it an hour, so
	// that the count below holds the scenario's refreshes and nothing else.
	var issued atomic.Int64
	fetch := func(ctx context.Context) (*oauth2.Token, error) {
		l := time.Hour
		if issued.Load() == 0 {
			l = life
		}
		tok, err := ts.fetch(ctx, l)
		if err == nil {
			issued.CompareAndSwap(0, time.Now().UnixNano())
		}
		return tok, err
	}
	get := c.build(fetch, window, margin)
	if _, err := get(); err != nil { // used once
		b.Fatal(err)
	}
	before := ts.requests.Load() // upstream requests count from here: refreshes only
	t0 := time.Unix(0, issued.Load())
	time.Sleep(time.Until(t0.Add(arrive)))

	waits, errs := stampede(stormCallers, get)
	time.Sleep(2 * upstreamLatency) // let a background refresh land
	res.waits = append(res.waits, waits...)
	res.upstream += ts.requests.Load() - before
	for _, err := range errs {
		if err != nil {
			res.errs++
		}
	}
	ts.client.CloseIdleConnections()
}

func report(b *testing.B, res *stormResult, n int) {
	slices.Sort(res.waits)
	p := func(q float64) float64 { return float64(res.waits[int(q*float64(len(res.waits)-1))]) }
	b.ReportMetric(float64(res.upstream)/float64(n), "upstream-requests")
	b.ReportMetric(p(0.50), "p50-wait-ns")
	b.ReportMetric(p(0.99), "p99-wait-ns")
	b.ReportMetric(float64(res.waits[len(res.waits)-1]), "max-wait-ns")
	if res.errs > 0 {
		b.Errorf("%d callers got an error", res.errs)
	}
}

// Callers arrive at the refresh point (expiry − window): paytoken's and
// cloud auth's token turns stale, x/oauth2's is due for a refresh.
func BenchmarkExpiryStorm(b *testing.B) {
	for _, c := range contenders {
		b.Run("lib="+c.name, func(b *testing.B) {
			var res stormResult
			for range b.N {
				storm(b, c, life-window, &res)
			}
			report(b, &res, b.N)
		})
	}
}

// The token was used once, then sat idle through its whole refresh window.
// arrive=margin: callers come inside paytoken's safety margin (10 ms before
// expiry); arrive=expired: 10 ms after the token's expiry.
func BenchmarkIdleThenStorm(b *testing.B) {
	for _, at := range []struct {
		name   string
		arrive time.Duration
	}{{"margin", life - margin + 40*time.Millisecond}, {"expired", life + 10*time.Millisecond}} {
		for _, c := range contenders {
			b.Run("arrive="+at.name+"/lib="+c.name, func(b *testing.B) {
				var res stormResult
				for range b.N {
					storm(b, c, at.arrive, &res)
				}
				report(b, &res, b.N)
			})
		}
	}
}

// ---------------------------------------------------------------------------
// 3. Failing endpoint: 503 on every request (50 ms each); 100 concurrent
// callers with no token yet. paytoken runs its default retry policy (3
// attempts, backoff 200 ms..5 s with full jitter) in one shared fetch.

func BenchmarkFailingEndpoint(b *testing.B) {
	const callers = 100
	for _, c := range contenders {
		b.Run("lib="+c.name, func(b *testing.B) {
			var res stormResult
			var notServer int
			for range b.N {
				ts := newTokenServer(b, upstreamLatency, true)
				get := c.build(func(ctx context.Context) (*oauth2.Token, error) { return ts.fetch(ctx, time.Hour) }, window, margin)
				waits, errs := stampede(callers, get)
				for _, err := range errs {
					if !errors.Is(err, auth.ErrServer) {
						notServer++
					}
				}
				time.Sleep(upstreamLatency)
				res.waits = append(res.waits, waits...)
				res.upstream += ts.requests.Load()
				ts.client.CloseIdleConnections()
			}
			report(b, &res, b.N)
			if notServer > 0 {
				b.Errorf("%d callers did not get ErrServer", notServer)
			}
		})
	}
}
