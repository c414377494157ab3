package paytokenotel_test

import (
	"context"
	"slices"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/extra/paytokenotel"
)

// benchObserver is the observer with the real SDK behind it: metrics into a
// ManualReader, every span sampled and handed to an exporter that drops it.
func benchObserver(b *testing.B) auth.Observer {
	b.Helper()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(tracetest.NewNoopExporter())))
	b.Cleanup(func() {
		_ = mp.Shutdown(context.Background())
		_ = tp.Shutdown(context.Background())
	})
	obs, err := paytokenotel.NewObserver(paytokenotel.WithMeterProvider(mp), paytokenotel.WithTracerProvider(tp))
	if err != nil {
		b.Fatal(err)
	}
	return obs
}

// instant is a Fetcher that answers at once, so that a fetch costs only
// the Source's and the observer's work.
func instant(context.Context) (*oauth2.Token, error) {
	return &oauth2.Token{AccessToken: "bench-token", TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}, nil
}

func warm(b *testing.B, opts ...auth.Option) *auth.Source {
	b.Helper()
	src := auth.NewSource(instant, append([]auth.Option{auth.WithProvider("bench")}, opts...)...)
	if _, err := src.Token(); err != nil {
		b.Fatal(err)
	}
	return src
}

// BenchmarkCachedToken is Source.Token with a valid cached token, without
// and with the observer: both must be 0 allocs, the second within 10 % of
// the first.
func BenchmarkCachedToken(b *testing.B) {
	b.Run("observer=none", func(b *testing.B) {
		src := warm(b)
		b.ReportAllocs()
		for b.Loop() {
			_, _ = src.Token()
		}
	})
	b.Run("observer=otel", func(b *testing.B) {
		src := warm(b, auth.WithObserver(benchObserver(b)))
		b.ReportAllocs()
		for b.Loop() {
			_, _ = src.Token()
		}
	})
	// For comparison: an Observer that takes cache hits (it has no
	// CacheHits method) and ignores them; what declining them saves.
	b.Run("observer=takes-cache-hits", func(b *testing.B) {
		src := warm(b, auth.WithObserver(ignoreAll{}))
		b.ReportAllocs()
		for b.Loop() {
			_, _ = src.Token()
		}
	})
}

type ignoreAll struct{}

func (ignoreAll) Observe(context.Context, auth.Event) {}

// BenchmarkCachedTokenRatio runs the cached paths interleaved, in blocks
// of 1000 calls whose order rotates, and reports the ratios of their median
// block times to the one without an observer: with the paytokenotel
// observer (with/without), and with an Observer that takes cache hits
// (takes-hits/without). On a loaded machine a preempted block then skews
// nothing, where separate runs can differ by more than the effect measured.
func BenchmarkCachedTokenRatio(b *testing.B) {
	srcs := []*auth.Source{warm(b), warm(b, auth.WithObserver(benchObserver(b))), warm(b, auth.WithObserver(ignoreAll{}))}
	times := make([][]time.Duration, len(srcs))
	for i := 0; b.Loop(); i++ {
		for j := range srcs {
			k := (i + j) % len(srcs)
			t0 := time.Now()
			for range 1000 {
				_, _ = srcs[k].Token()
			}
			times[k] = append(times[k], time.Since(t0))
		}
	}
	without, with, hits := median(times[0]), median(times[1]), median(times[2])
	b.ReportMetric(float64(with)/float64(without), "with/without")
	b.ReportMetric(float64(hits)/float64(without), "takes-hits/without")
	b.ReportMetric(float64(without)/1000, "ns/call-without")
	b.ReportMetric(float64(with)/1000, "ns/call-with")
	b.ReportMetric(float64(hits)/1000, "ns/call-takes-hits")
}

// BenchmarkFetch is one fetch (Invalidate, then Token) through a Fetcher
// that answers at once, without and with the observer, interleaved; it
// reports the median of each (ns/fetch-without, ns/fetch-with) and the
// difference, the observer's cost per fetch (overhead-ns/fetch).
func BenchmarkFetch(b *testing.B) {
	plain := warm(b)
	observed := warm(b, auth.WithObserver(benchObserver(b)))
	fetch := func(src *auth.Source) time.Duration {
		t0 := time.Now()
		src.Invalidate()
		if _, err := src.Token(); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	var without, with []time.Duration
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			without = append(without, fetch(plain))
			with = append(with, fetch(observed))
		} else {
			with = append(with, fetch(observed))
			without = append(without, fetch(plain))
		}
	}
	mw, mo := median(without), median(with)
	b.ReportMetric(float64(mw), "ns/fetch-without")
	b.ReportMetric(float64(mo), "ns/fetch-with")
	b.ReportMetric(float64(mo-mw), "overhead-ns/fetch")
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[len(d)/2]
}

// BenchmarkObserverPerFetch is the observer's own work for one fetch: the
// span's start and, at the fetch's end, the histogram, the counter and the
// span's end.
func BenchmarkObserverPerFetch(b *testing.B) {
	obs := benchObserver(b).(interface {
		auth.Observer
		StartFetch(context.Context, auth.Event) context.Context
	})
	ctx := context.Background()
	start := auth.Event{Kind: auth.EventFetchStart, Provider: "bench"}
	done := auth.Event{Kind: auth.EventFetchDone, Provider: "bench", Attempt: 1, Duration: 40 * time.Millisecond, Expiry: time.Now().Add(time.Hour)}
	b.ReportAllocs()
	for b.Loop() {
		fctx := obs.StartFetch(ctx, start)
		obs.Observe(fctx, done)
	}
}
