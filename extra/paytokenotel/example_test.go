package paytokenotel_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/extra/paytokenotel"
	"github.com/paytoken/paytoken/mockserver"
	"github.com/paytoken/paytoken/moov"
)

// The observer beside otelhttp, wired twice: around http.DefaultTransport,
// as tracing setups do, which the Config's token requests and API requests
// go through; and around the API client's own transport, for a span per API
// call that includes waiting for its token. A call's trace then shows the
// token fetch inside the API call, the token request under the fetch, and
// the API request.
func Example_otelhttp() {
	// Your OpenTelemetry SDK; here with in-memory readers, to print what
	// they got. In a service: otel.SetTracerProvider(…) and
	// otel.SetMeterProvider(…), and NewObserver() without options.
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))

	obs, err := paytokenotel.NewObserver(paytokenotel.WithTracerProvider(tp), paytokenotel.WithMeterProvider(mp))
	if err != nil {
		fmt.Println(err)
		return
	}

	// Every request through http.DefaultTransport is traced.
	plain := http.DefaultTransport
	http.DefaultTransport = otelhttp.NewTransport(plain, otelhttp.WithTracerProvider(tp), otelhttp.WithMeterProvider(mp))
	defer func() { http.DefaultTransport = plain }()

	srv := mockserver.New() // stands in for Moov
	defer srv.Close()
	cfg := &moov.Config{
		ClientID:     mockserver.DemoClientID(mockserver.Moov),
		ClientSecret: auth.Secret(mockserver.DemoClientSecret(mockserver.Moov)),
		BaseURL:      srv.URL,
		// Token requests and the Client's API requests.
		HTTPClient: &http.Client{Transport: http.DefaultTransport},
	}
	client := cfg.Client(auth.WithObserver(obs))
	defer client.CloseIdleConnections()
	client.Transport = otelhttp.NewTransport(client.Transport, otelhttp.WithTracerProvider(tp),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return "API " + r.Method }))

	ctx, span := tp.Tracer("example").Start(context.Background(), "handle order")
	for range 2 { // the second call is served from the cache: no fetch
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.ProtectedURL(), nil)
		resp, err := client.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
	}
	span.End()

	printTree(spans.Ended(), trace.SpanID{}, "")
	var rm metricdata.ResourceMetrics
	_ = reader.Collect(context.Background(), &rm)
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != paytokenotel.ScopeName {
			continue
		}
		for _, m := range sm.Metrics {
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok {
				for _, dp := range sum.DataPoints {
					fmt.Println(m.Name, dp.Attributes.Encoded(attribute.DefaultEncoder()), dp.Value)
				}
			}
		}
	}
	// Output:
	// handle order
	//   API GET
	//     paytoken.token.fetch
	//       HTTP POST
	//     HTTP GET
	//   API GET
	//     HTTP GET
	// paytoken.token.fetches paytoken.outcome=ok,paytoken.provider=moov 1
}

// printTree prints the spans under parent, indented, in the order they
// started.
func printTree(spans []sdktrace.ReadOnlySpan, parent trace.SpanID, indent string) {
	for _, s := range sortedByStart(spans) {
		if s.Parent().SpanID() == parent {
			fmt.Println(indent + s.Name())
			printTree(spans, s.SpanContext().SpanID(), indent+"  ")
		}
	}
}

func sortedByStart(spans []sdktrace.ReadOnlySpan) []sdktrace.ReadOnlySpan {
	out := append([]sdktrace.ReadOnlySpan(nil), spans...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].StartTime().Before(out[j-1].StartTime()); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// Prometheus through the OpenTelemetry Prometheus exporter: the metric
// names as a scrape shows them (units become suffixes, counters end in
// _total).
func Example_prometheus() {
	reg := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutTargetInfo(), otelprom.WithoutScopeInfo())
	if err != nil {
		fmt.Println(err)
		return
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	obs, err := paytokenotel.NewObserver(paytokenotel.WithMeterProvider(mp))
	if err != nil {
		fmt.Println(err)
		return
	}

	srv := mockserver.New()
	defer srv.Close()
	cfg := &moov.Config{
		ClientID:     mockserver.DemoClientID(mockserver.Moov),
		ClientSecret: auth.Secret(mockserver.DemoClientSecret(mockserver.Moov)),
		BaseURL:      srv.URL,
	}
	// A fetch that fails (a wrong secret), one that works beside a Store
	// that cannot be read, and a background renewal: a stored token in its
	// refresh window is served and renewed behind the caller's back.
	bad := *cfg
	bad.ClientSecret = "wrong"
	_, _ = bad.TokenSource(auth.WithObserver(obs)).Token()
	_, _ = cfg.TokenSource(auth.WithObserver(obs), auth.WithStore(unreadableStore{}, "")).Token()

	store := &auth.MemoryStore{}
	stale := &oauth2.Token{AccessToken: "stored", Expiry: time.Now().Add(time.Minute)}
	_ = store.Save(context.Background(), "orders", stale)
	src := cfg.TokenSource(auth.WithObserver(obs), auth.WithStore(store, "orders"), auth.WithRefreshWindow(time.Hour))
	for tok, _ := src.Token(); tok.AccessToken == "stored"; tok, _ = src.Token() {
		time.Sleep(time.Millisecond) // until the renewed token is served
	}

	// The scrape, as Prometheus gets it (paytoken lines, without the
	// histogram's buckets and sum).
	scrape := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer scrape.Close()
	resp, err := http.Get(scrape.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.Contains(line, "paytoken_") && !strings.Contains(line, "_bucket{") && !strings.Contains(line, "_sum{") {
			fmt.Println(line)
		}
	}
	// Output:
	// # HELP paytoken_store_errors_total Token Store failures the Source worked around.
	// # TYPE paytoken_store_errors_total counter
	// paytoken_store_errors_total{error_type="network",paytoken_provider="moov",paytoken_store_operation="load"} 1
	// # HELP paytoken_token_fetch_duration_seconds Duration of token fetches, retries included.
	// # TYPE paytoken_token_fetch_duration_seconds histogram
	// paytoken_token_fetch_duration_seconds_count{paytoken_outcome="ok",paytoken_provider="moov"} 2
	// paytoken_token_fetch_duration_seconds_count{error_type="invalid_client",paytoken_outcome="error",paytoken_provider="moov"} 1
	// # HELP paytoken_token_fetches_total Token fetches that ended, by outcome.
	// # TYPE paytoken_token_fetches_total counter
	// paytoken_token_fetches_total{paytoken_outcome="ok",paytoken_provider="moov"} 2
	// paytoken_token_fetches_total{error_type="invalid_client",paytoken_outcome="error",paytoken_provider="moov"} 1
	// # HELP paytoken_token_refreshes_total Background renewals of tokens ahead of their expiry.
	// # TYPE paytoken_token_refreshes_total counter
	// paytoken_token_refreshes_total{paytoken_provider="moov"} 1
}

// unreadableStore is a Store whose Load fails as an unreachable Redis
// would; what it is given to save, it drops.
type unreadableStore struct{}

func (unreadableStore) Load(context.Context, string) (*oauth2.Token, error) {
	return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
}

func (unreadableStore) Save(context.Context, string, *oauth2.Token) error { return nil }
