package paytokenotel_test

import (
	"context"
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
}

// BenchmarkCachedTokenRatio runs the two cached paths interleaved, in
// blocks of 1000 calls, and reports their time ratio (with/without the
// observer), which a loaded machine's noise affects less than two separate
// runs.
func BenchmarkCachedTokenRatio(b *testing.B) {
	plain := warm(b)
	observed := warm(b, auth.WithObserver(benchObserver(b)))
	var tPlain, tObserved time.Duration
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		for range 1000 {
			_, _ = plain.Token()
		}
		t1 := time.Now()
		for range 1000 {
			_, _ = observed.Token()
		}
		tPlain += t1.Sub(t0)
		tObserved += time.Since(t1)
	}
	b.ReportMetric(float64(tObserved)/float64(tPlain), "with/without")
	b.ReportMetric(float64(tPlain)/float64(b.N)/1000, "ns/call-without")
	b.ReportMetric(float64(tObserved)/float64(b.N)/1000, "ns/call-with")
}

// BenchmarkFetch is one fetch (Invalidate, then Token) through a Fetcher
// that answers at once, without and with the observer; it reports the
// observer's cost per fetch (overhead-ns/fetch), measured interleaved.
func BenchmarkFetch(b *testing.B) {
	plain := warm(b)
	observed := warm(b, auth.WithObserver(benchObserver(b)))
	var tPlain, tObserved time.Duration
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		plain.Invalidate()
		if _, err := plain.Token(); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		observed.Invalidate()
		if _, err := observed.Token(); err != nil {
			b.Fatal(err)
		}
		tPlain += t1.Sub(t0)
		tObserved += time.Since(t1)
	}
	b.ReportMetric(float64(tPlain)/float64(b.N), "ns/fetch-without")
	b.ReportMetric(float64(tObserved)/float64(b.N), "ns/fetch-with")
	b.ReportMetric(float64(tObserved-tPlain)/float64(b.N), "overhead-ns/fetch")
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
