package bench

// Many Sources in one process: a server keeping one token per user or per
// tenant. Three benchmarks, each at several scales and side by side with
// x/oauth2's ReuseTokenSource:
//
//   - BenchmarkManySourcesHeap: heap per Source (its token excluded) and the
//     time to create one.
//   - BenchmarkManySourcesIdle: goroutines created, peak goroutines and CPU
//     time while the Sources sit idle with valid, used tokens.
//   - BenchmarkMassRenewal: every Source's token is stale at once (or, for
//     x/oauth2, inside its early-expiry window) and each is asked once:
//     peak goroutines, peak requests in flight at the token server, peak
//     RSS, and the time until every token was renewed.
//
// Scales: PAYTOKEN_BENCH_SOURCES, a comma-separated list (default
// "10000", so that the CI's bench smoke stays quick; docs/many-sources.md
// runs "10000,100000,1000000"). Idle interval: PAYTOKEN_BENCH_IDLE
// (default 2s; the figures in docs/many-sources.md use 60s).

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/authhook"
	"golang.org/x/oauth2"
)

func benchScales(b *testing.B) []int {
	raw := os.Getenv("PAYTOKEN_BENCH_SOURCES")
	if raw == "" {
		raw = "10000"
	}
	var ns []int
	for _, f := range strings.Split(raw, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			b.Fatalf("PAYTOKEN_BENCH_SOURCES: %q is not a positive count", f)
		}
		ns = append(ns, n)
	}
	return ns
}

func idleInterval(b *testing.B) time.Duration {
	raw := os.Getenv("PAYTOKEN_BENCH_IDLE")
	if raw == "" {
		return 2 * time.Second
	}
	d, err := time.ParseDuration(raw)
	if err != nil || d <= 0 {
		b.Fatalf("PAYTOKEN_BENCH_IDLE: %q is not a positive duration", raw)
	}
	return d
}

// manyLib builds n cached token getters over fetch, the way each library
// is used for one token per user: one Source each.
type manyLib struct {
	name  string
	build func(fetch func(context.Context) (*oauth2.Token, error)) func() (*oauth2.Token, error)
	// stale builds a getter seeded with tok, which the library must renew
	// on its next call without making that call wait (paytoken) or by
	// fetching in it (x/oauth2, which has no background refresh).
	stale func(tok *oauth2.Token, fetch func(context.Context) (*oauth2.Token, error)) func() (*oauth2.Token, error)
}

// The refresh window of the mass renewal: the seeded tokens expire in
// renewLeft, inside it.
const (
	renewWindow = 5 * time.Minute
	renewLeft   = 2 * time.Minute
	// renewConcurrency bounds paytoken's renewals per endpoint in the mass
	// renewal (WithRefreshLimit), as many as x/oauth2's callers have in
	// flight (renewCallers); no rate limit, so the figure is the loopback
	// server's speed.
	renewConcurrency = 100
)

var manyLibs = []manyLib{
	{"xoauth2",
		func(fetch func(context.Context) (*oauth2.Token, error)) func() (*oauth2.Token, error) {
			return oauth2.ReuseTokenSource(nil, xSource(fetch)).Token
		},
		func(tok *oauth2.Token, fetch func(context.Context) (*oauth2.Token, error)) func() (*oauth2.Token, error) {
			return oauth2.ReuseTokenSourceWithExpiry(tok, xSource(fetch), renewWindow).Token
		}},
	{"paytoken",
		func(fetch func(context.Context) (*oauth2.Token, error)) func() (*oauth2.Token, error) {
			return auth.NewSource(fetch).Token
		},
		func(tok *oauth2.Token, fetch func(context.Context) (*oauth2.Token, error)) func() (*oauth2.Token, error) {
			return auth.NewSource(fetch, withInitialToken(tok), auth.WithRefreshWindow(renewWindow),
				auth.WithRefreshLimit(renewConcurrency, 0)).Token
		}},
}

// withInitialToken is auth's option for provider packages (seed a Source
// with a stored token), which it lends them through internal/authhook.
var withInitialToken = authhook.WithInitialToken.(func(*oauth2.Token) auth.Option)

// heapInUse is the bytes of live heap objects after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func goroutinesCreated() uint64 {
	s := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// resetPeakRSS and peakRSS read Linux's high-water mark of resident memory
// (VmHWM), reset through /proc/self/clear_refs. Both report 0 elsewhere.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

func peakRSS() uint64 { return procStatus("VmHWM:") }

// rss is the resident memory now: the floor peakRSS starts from.
func rss() uint64 { return procStatus("VmRSS:") }

func procStatus(field string) uint64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// preTokens are allocated before a heap baseline, so that the figure
// measured after is the Sources' own memory, not their tokens'.
func preTokens(n int, life time.Duration) []*oauth2.Token {
	exp := time.Now().Add(life)
	toks := make([]*oauth2.Token, n)
	for i := range toks {
		toks[i] = &oauth2.Token{AccessToken: "tok-" + strconv.Itoa(i), TokenType: "Bearer", Expiry: exp}
	}
	return toks
}

// buildMany creates n getters whose first call gets toks[i], and calls each
// once, so that every Source holds a used, valid token.
func buildMany(b *testing.B, lib manyLib, toks []*oauth2.Token) []func() (*oauth2.Token, error) {
	gets := make([]func() (*oauth2.Token, error), len(toks))
	for i := range gets {
		tok := toks[i]
		gets[i] = lib.build(func(context.Context) (*oauth2.Token, error) { return tok, nil })
	}
	for _, get := range gets {
		if _, err := get(); err != nil {
			b.Fatal(err)
		}
	}
	return gets
}

func BenchmarkManySourcesHeap(b *testing.B) {
	for _, n := range benchScales(b) {
		for _, lib := range manyLibs {
			b.Run(fmt.Sprintf("sources=%d/lib=%s", n, lib.name), func(b *testing.B) {
				var perSource, createNs float64
				for range b.N {
					toks := preTokens(n, time.Hour)
					// The getters slice and closures are the benchmark's,
					// not the library's: allocate and count them apart.
					fetches := make([]func(context.Context) (*oauth2.Token, error), n)
					for i := range fetches {
						tok := toks[i]
						fetches[i] = func(context.Context) (*oauth2.Token, error) { return tok, nil }
					}
					gets := make([]func() (*oauth2.Token, error), n)
					base := heapInUse()
					start := time.Now()
					for i := range gets {
						gets[i] = lib.build(fetches[i])
					}
					createNs += float64(time.Since(start).Nanoseconds()) / float64(n)
					for _, get := range gets {
						if _, err := get(); err != nil {
							b.Fatal(err)
						}
					}
					// Minus the method value each getter is (one small
					// closure, 16 B, that a user holding the Source would
					// not have).
					perSource += (float64(heapInUse()-base) - 16*float64(n)) / float64(n)
					runtime.KeepAlive(gets)
					runtime.KeepAlive(toks)
				}
				b.ReportMetric(perSource/float64(b.N), "heap-B/source")
				b.ReportMetric(createNs/float64(b.N), "create-ns/source")
			})
		}
	}
}

func BenchmarkManySourcesIdle(b *testing.B) {
	idle := idleInterval(b)
	for _, n := range benchScales(b) {
		for _, lib := range manyLibs {
			b.Run(fmt.Sprintf("sources=%d/lib=%s", n, lib.name), func(b *testing.B) {
				var created, cpu, peak float64
				for range b.N {
					gets := buildMany(b, lib, preTokens(n, time.Hour))
					runtime.GC()
					time.Sleep(100 * time.Millisecond) // let the first calls' work settle
					g0, c0 := goroutinesCreated(), cpuTime()
					maxG := runtime.NumGoroutine()
					for end := time.Now().Add(idle); time.Now().Before(end); {
						time.Sleep(10 * time.Millisecond)
						maxG = max(maxG, runtime.NumGoroutine())
					}
					created += float64(goroutinesCreated() - g0)
					cpu += float64((cpuTime() - c0).Microseconds()) / 1000
					peak += float64(maxG)
					runtime.KeepAlive(gets)
				}
				k := float64(b.N)
				b.ReportMetric(created/k, "goroutines-created")
				b.ReportMetric(peak/k, "peak-goroutines")
				b.ReportMetric(cpu/k, "cpu-ms")
				b.ReportMetric(idle.Seconds(), "idle-s")
			})
		}
	}
}

// renewServer answers every token request with a new one-hour token after
// 1ms, counting requests and the most in flight at once.
type renewServer struct {
	srv               *httptest.Server
	client            *http.Client
	requests, current atomic.Int64
	maxInFlight       atomic.Int64
}

func newRenewServer(b *testing.B) *renewServer {
	rs := &renewServer{}
	rs.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cur := rs.current.Add(1)
		defer rs.current.Add(-1)
		for m := rs.maxInFlight.Load(); cur > m && !rs.maxInFlight.CompareAndSwap(m, cur); m = rs.maxInFlight.Load() {
		}
		n := rs.requests.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		time.Sleep(time.Millisecond)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"renewed-%d","token_type":"Bearer","expires_in":3600}`, n)
	}))
	// Connections are capped below the file-descriptor limit; a library
	// that sends more requests at once queues them in the Transport.
	tr := rs.srv.Client().Transport.(*http.Transport).Clone()
	tr.MaxConnsPerHost = 4096
	tr.MaxIdleConnsPerHost = 4096
	rs.client = &http.Client{Transport: tr}
	b.Cleanup(func() { tr.CloseIdleConnections(); rs.srv.Close() })
	return rs
}

func (rs *renewServer) fetch(ctx context.Context) (*oauth2.Token, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rs.srv.URL+"/token", nil)
	if err != nil {
		return nil, err
	}
	resp, err := rs.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, err
	}
	return &oauth2.Token{AccessToken: body.AccessToken, TokenType: "Bearer",
		Expiry: time.Now().Add(time.Duration(body.ExpiresIn) * time.Second)}, nil
}

// renewCallers is how many goroutines ask the Sources: a server's request
// handlers. x/oauth2 renews inside Token, so these are also its fetchers.
const renewCallers = 100

func BenchmarkMassRenewal(b *testing.B) {
	for _, n := range benchScales(b) {
		for _, lib := range manyLibs {
			b.Run(fmt.Sprintf("sources=%d/lib=%s", n, lib.name), func(b *testing.B) {
				var took, peakG, inflight, peakMem, baseMem float64
				for range b.N {
					rs := newRenewServer(b)
					exp := time.Now().Add(renewLeft)
					gets := make([]func() (*oauth2.Token, error), n)
					for i := range gets {
						gets[i] = lib.stale(&oauth2.Token{AccessToken: "old-" + strconv.Itoa(i), TokenType: "Bearer", Expiry: exp}, rs.fetch)
					}
					debug.FreeOSMemory()
					resetPeakRSS()
					baseMem += float64(rss()) / (1 << 20)
					var maxG atomic.Int64
					stop := make(chan struct{})
					var sampler sync.WaitGroup
					sampler.Go(func() {
						t := time.NewTicker(time.Millisecond)
						defer t.Stop()
						for {
							maxG.Store(max(maxG.Load(), int64(runtime.NumGoroutine())))
							select {
							case <-stop:
								return
							case <-t.C:
							}
						}
					})
					start := time.Now()
					var errs atomic.Int64
					var callers sync.WaitGroup
					per := (n + renewCallers - 1) / renewCallers
					for c := 0; c < n; c += per {
						callers.Go(func() {
							for _, get := range gets[c:min(c+per, n)] {
								if _, err := get(); err != nil {
									errs.Add(1)
								}
							}
						})
					}
					callers.Wait()
					for rs.requests.Load() < int64(n) && time.Since(start) < 10*time.Minute {
						time.Sleep(time.Millisecond)
					}
					elapsed := time.Since(start)
					close(stop)
					sampler.Wait()
					if errs.Load() > 0 || rs.requests.Load() < int64(n) {
						b.Fatalf("%d callers failed; %d of %d renewed", errs.Load(), rs.requests.Load(), n)
					}
					took += elapsed.Seconds()
					peakG += float64(maxG.Load())
					inflight += float64(rs.maxInFlight.Load())
					peakMem += float64(peakRSS()) / (1 << 20)
					runtime.KeepAlive(gets)
				}
				k := float64(b.N)
				b.ReportMetric(took/k, "renew-all-s")
				b.ReportMetric(peakG/k, "peak-goroutines")
				b.ReportMetric(inflight/k, "peak-in-flight")
				b.ReportMetric(peakMem/k, "peak-RSS-MiB")
				// What the process held when the scenario started (its Sources
				// and whatever earlier benchmarks of the run left resident):
				// run one scale per process for the scenario's own peak.
				b.ReportMetric(baseMem/k, "start-RSS-MiB")
			})
		}
	}
}
