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
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
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
	for f := range strings.SplitSeq(raw, ",") {
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
