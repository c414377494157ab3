package paytokenotel_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/extra/paytokenotel"
	"github.com/paytoken/paytoken/mobifinance"
	"github.com/paytoken/paytoken/mockserver"
	"github.com/paytoken/paytoken/moneygo"
	"github.com/paytoken/paytoken/moneykit"
	"github.com/paytoken/paytoken/moov"
)

// sentinel is every test client's secret: it must appear in no exported
// metric, span or event.
const sentinel = "S3NTINEL-client-secret-must-never-leak"

const clientID = "otel-test-client"

// fastRetry keeps the retry waits of the failure tests short.
var fastRetry = auth.WithRetry(auth.RetryPolicy{MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond})

// env is one test's mock server and OpenTelemetry SDK, with the observer
// under test recording into a ManualReader and a SpanRecorder.
type env struct {
	t      *testing.T
	srv    *mockserver.Server
	reader *sdkmetric.ManualReader
	mp     *sdkmetric.MeterProvider
	spans  *tracetest.SpanRecorder
	tp     *sdktrace.TracerProvider
	obs    auth.Observer
	http   *http.Client // token requests, traced by otelhttp into tp

	mu      sync.Mutex
	secrets []string // every credential the test saw: none may be exported
}

func newEnv(t *testing.T, opts ...mockserver.Option) *env {
	t.Helper()
	e := &env{t: t, reader: sdkmetric.NewManualReader(), spans: tracetest.NewSpanRecorder()}
	for _, p := range mockserver.Providers() {
		opts = append(opts, mockserver.WithClient(p, clientID, sentinel))
	}
	e.srv = mockserver.New(opts...)
	t.Cleanup(e.srv.Close)
	e.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(e.reader))
	e.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(e.spans))
	t.Cleanup(func() {
		_ = e.mp.Shutdown(context.Background())
		_ = e.tp.Shutdown(context.Background())
	})
	obs, err := paytokenotel.NewObserver(paytokenotel.WithMeterProvider(e.mp), paytokenotel.WithTracerProvider(e.tp))
	if err != nil {
		t.Fatal(err)
	}
	e.obs = obs
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	e.http = &http.Client{Transport: otelhttp.NewTransport(tr,
		otelhttp.WithTracerProvider(e.tp), otelhttp.WithMeterProvider(e.mp))}
	e.secrets = []string{sentinel}
	return e
}

// source is p's TokenSource against the mock with the env's observer (or
// obs) and opts.
func (e *env) source(p mockserver.Provider, obs auth.Observer, opts ...auth.Option) *auth.Source {
	if obs == nil {
		obs = e.obs
	}
	opts = append([]auth.Option{auth.WithObserver(obs)}, opts...)
	switch p {
	case mockserver.MoneyGo:
		return (&moneygo.Config{ClientID: clientID, ClientSecret: sentinel, BaseURL: e.srv.URL, HTTPClient: e.http}).TokenSource(opts...)
	case mockserver.MoneyKit:
		return (&moneykit.Config{ClientID: clientID, ClientSecret: sentinel, BaseURL: e.srv.URL, HTTPClient: e.http}).TokenSource(opts...)
	case mockserver.Moov:
		return (&moov.Config{ClientID: clientID, ClientSecret: sentinel, BaseURL: e.srv.URL, HTTPClient: e.http}).TokenSource(opts...)
	}
	e.t.Fatalf("no client-credentials source for %s", p)
	return nil
}

func (e *env) mobiConfig() *mobifinance.Config {
	return &mobifinance.Config{ClientID: clientID, ClientSecret: sentinel,
		RedirectURL: mockserver.DemoRedirectURI, BaseURL: e.srv.URL, HTTPClient: e.http}
}

// exchange gets a MobiFinance token for a fresh code, remembering both.
func (e *env) exchange() *oauth2.Token {
	e.t.Helper()
	code, err := e.srv.IssueCode(clientID, mockserver.DemoRedirectURI)
	if err != nil {
		e.t.Fatal(err)
	}
	e.saw(code)
	tok, err := e.mobiConfig().Exchange(e.t.Context(), code)
	if err != nil {
		e.t.Fatal(err)
	}
	e.sawToken(tok)
	return tok
}

func (e *env) saw(s ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, v := range s {
		if v != "" {
			e.secrets = append(e.secrets, v)
		}
	}
}

func (e *env) sawToken(tok *oauth2.Token) {
	if tok != nil {
		e.saw(tok.AccessToken, tok.RefreshToken)
	}
}

// token is src.TokenContext(ctx), recorded as seen.
func (e *env) token(ctx context.Context, src *auth.Source) (*oauth2.Token, error) {
	tok, err := src.TokenContext(ctx)
	e.sawToken(tok)
	return tok, err
}

// awaitRenewed waits until src serves a token other than old. The
// Source reports EventFetchDone when the fetch ends, a moment before it
// caches the token, so a call right after the event may still get old;
// the calls meanwhile are cache hits, which record nothing.
func (e *env) awaitRenewed(src *auth.Source, old string) {
	e.t.Helper()
	var err error
	renewed := func() bool {
		var tok *oauth2.Token
		tok, err = e.token(e.t.Context(), src)
		return err == nil && tok.AccessToken != old
	}
	for deadline := time.Now().Add(10 * time.Second); !renewed(); time.Sleep(5 * time.Millisecond) {
		if err != nil || time.Now().After(deadline) {
			e.t.Fatalf("the renewed token is not served within 10s (last error: %v)", err)
		}
	}
}

// points are the observer's metric points: "name{k=v,…}" → the counter's
// value or the histogram's count. Points of other scopes (otelhttp's) are
// left out.
func (e *env) points() map[string]int64 {
	e.t.Helper()
	var rm metricdata.ResourceMetrics
	if err := e.reader.Collect(context.Background(), &rm); err != nil {
		e.t.Fatal(err)
	}
	got := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != paytokenotel.ScopeName {
			continue
		}
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				if !d.IsMonotonic || d.Temporality != metricdata.CumulativeTemporality {
					e.t.Errorf("%s: not a cumulative monotonic counter", m.Name)
				}
				for _, dp := range d.DataPoints {
					got[m.Name+attrString(dp.Attributes)] = dp.Value
				}
			case metricdata.Histogram[float64]:
				if m.Unit != "s" {
					e.t.Errorf("%s: unit %q, want s", m.Name, m.Unit)
				}
				for _, dp := range d.DataPoints {
					if dp.Count > 0 && (dp.Sum <= 0 || dp.Sum > 60) {
						e.t.Errorf("%s%s: sum %v s for %d fetches", m.Name, attrString(dp.Attributes), dp.Sum, dp.Count)
					}
					got[m.Name+attrString(dp.Attributes)] = int64(dp.Count)
				}
			default:
				e.t.Errorf("%s: unexpected data %T", m.Name, m.Data)
			}
		}
	}
	return got
}

func attrString(s attribute.Set) string {
	kvs := s.ToSlice()
	parts := make([]string, len(kvs))
	for i, kv := range kvs {
		parts[i] = string(kv.Key) + "=" + kv.Value.String()
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// fetchSpans are the ended paytoken.token.fetch spans, in the order they
// ended.
func (e *env) fetchSpans() []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range e.spans.Ended() {
		if s.Name() == "paytoken.token.fetch" {
			out = append(out, s)
		}
	}
	return out
}

// attrs is a span's or event's attributes as "k=v" strings, sorted.
func attrs(kvs []attribute.KeyValue) []string {
	out := make([]string, len(kvs))
	for i, kv := range kvs {
		out[i] = string(kv.Key) + "=" + kv.Value.String()
	}
	slices.Sort(out)
	return out
}

// checkNoSecret scans everything exported — metric names, descriptions,
// attributes, exemplars; span names, attributes, events, links and status;
// otelhttp's data included — for every credential the test saw.
func (e *env) checkNoSecret() {
	e.t.Helper()
	var b strings.Builder
	var rm metricdata.ResourceMetrics
	if err := e.reader.Collect(context.Background(), &rm); err != nil {
		e.t.Fatal(err)
	}
	fmt.Fprintf(&b, "%+v\n", rm)
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			fmt.Fprintln(&b, m.Name, m.Description, m.Unit)
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, dp := range d.DataPoints {
					fmt.Fprintln(&b, attrString(dp.Attributes))
				}
			case metricdata.Histogram[float64]:
				for _, dp := range d.DataPoints {
					fmt.Fprintln(&b, attrString(dp.Attributes))
					for _, ex := range dp.Exemplars {
						fmt.Fprintln(&b, attrs(ex.FilteredAttributes))
					}
				}
			}
		}
	}
	all := e.spans.Ended()
	for _, s := range e.spans.Started() {
		all = append(all, s)
	}
	for _, s := range all {
		fmt.Fprintln(&b, s.Name(), attrs(s.Attributes()), s.Status().Description, s.Resource().Attributes())
		for _, ev := range s.Events() {
			fmt.Fprintln(&b, ev.Name, attrs(ev.Attributes))
		}
		for _, l := range s.Links() {
			fmt.Fprintln(&b, attrs(l.Attributes))
		}
	}
	out := b.String()
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.secrets) < 2 {
		e.t.Error("no credential was seen: the scan checks nothing but the client secret")
	}
	for _, s := range e.secrets {
		if strings.Contains(out, s) {
			e.t.Errorf("a credential (%d bytes) appears in the exported telemetry", len(s))
		}
	}
}

// failingStore fails every call: Load with a timeout, Save and Lock with
// plain errors.
type failingStore struct{}

var errStoreDown = errors.New("store down")

func (failingStore) Load(context.Context, string) (*oauth2.Token, error) {
	return nil, fmt.Errorf("teststore: load: %w", context.DeadlineExceeded)
}

func (failingStore) Save(context.Context, string, *oauth2.Token) error {
	return fmt.Errorf("teststore: save: %w", errStoreDown)
}

func (failingStore) Lock(context.Context, string, time.Duration) (func(), error) {
	return nil, fmt.Errorf("teststore: lock: %w", errStoreDown)
}
