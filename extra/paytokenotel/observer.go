package paytokenotel

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.42.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/paytoken/paytoken/auth"
)

// ScopeName is the instrumentation scope of the meter and tracer.
const ScopeName = "github.com/paytoken/paytoken/extra/paytokenotel"

// The attributes of the metric points (the provider also on the fetch
// spans); the error type on points, spans and retry events alike is
// OpenTelemetry's error.type (semconv.ErrorTypeKey).
const (
	keyProvider = attribute.Key("paytoken.provider")
	keyOutcome  = attribute.Key("paytoken.outcome")
	keyStoreOp  = attribute.Key("paytoken.store.operation")
)

// The fetch span's own attributes.
const (
	keyBackground = attribute.Key("paytoken.background")
	keyAttempts   = attribute.Key("paytoken.attempts")
)

// The retry event's attributes.
const (
	keyAttempt = attribute.Key("paytoken.attempt")
	keyWait    = attribute.Key("paytoken.retry.wait")
)

// durationBuckets (seconds) span a fast local fetch to a minute of retries.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// Option configures NewObserver.
type Option func(*config)

type config struct {
	mp metric.MeterProvider
	tp trace.TracerProvider
}

// WithMeterProvider records the metrics through mp instead of the global
// MeterProvider (otel.GetMeterProvider at NewObserver).
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) { c.mp = mp }
}

// WithTracerProvider records the spans through tp instead of the global
// TracerProvider (otel.GetTracerProvider at NewObserver).
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) { c.tp = tp }
}

// observer is the auth.Observer NewObserver returns. Besides Observe it has
// the optional methods a Source looks for: StartFetch (the fetch runs under
// the span's context) and CacheHits (false: none are reported).
type observer struct {
	tracer    trace.Tracer
	duration  metric.Float64Histogram
	fetches   metric.Int64Counter
	refreshes metric.Int64Counter
	storeErrs metric.Int64Counter

	fetchOpts    optionCache[fetchKey, metric.MeasurementOption]
	storeOpts    optionCache[storeKey, metric.MeasurementOption]
	providerOpts optionCache[string, metric.MeasurementOption]
	spanOpts     optionCache[spanStartKey, []trace.SpanStartOption]
}

// NewObserver returns an auth.Observer that records a Source's fetches,
// renewals and Store errors as OpenTelemetry metrics and spans (see the
// package documentation). It is safe for concurrent use and may be shared
// by any number of Sources. It fails only if the MeterProvider refuses an
// instrument.
func NewObserver(opts ...Option) (auth.Observer, error) {
	var c config
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.mp == nil {
		c.mp = otel.GetMeterProvider()
	}
	if c.tp == nil {
		c.tp = otel.GetTracerProvider()
	}
	m := c.mp.Meter(ScopeName)
	o := &observer{tracer: c.tp.Tracer(ScopeName)}
	var err error
	if o.duration, err = m.Float64Histogram("paytoken.token.fetch.duration",
		metric.WithUnit("s"),
		metric.WithDescription("Duration of token fetches, retries included."),
		metric.WithExplicitBucketBoundaries(durationBuckets...)); err != nil {
		return nil, fmt.Errorf("paytokenotel: paytoken.token.fetch.duration: %w", err)
	}
	if o.fetches, err = m.Int64Counter("paytoken.token.fetches",
		metric.WithUnit("{fetch}"),
		metric.WithDescription("Token fetches that ended, by outcome.")); err != nil {
		return nil, fmt.Errorf("paytokenotel: paytoken.token.fetches: %w", err)
	}
	if o.refreshes, err = m.Int64Counter("paytoken.token.refreshes",
		metric.WithUnit("{refresh}"),
		metric.WithDescription("Background renewals of tokens ahead of their expiry.")); err != nil {
		return nil, fmt.Errorf("paytokenotel: paytoken.token.refreshes: %w", err)
	}
	if o.storeErrs, err = m.Int64Counter("paytoken.store.errors",
		metric.WithUnit("{error}"),
		metric.WithDescription("Token Store failures the Source worked around.")); err != nil {
		return nil, fmt.Errorf("paytokenotel: paytoken.store.errors: %w", err)
	}
	return o, nil
}

// CacheHits tells the Source not to report cache hits: they record nothing.
func (o *observer) CacheHits() bool { return false }

// spanKey marks a context whose span this observer started for a fetch, so
// that the closing event ends that span and never a caller's.
type spanKey struct{}

// StartFetch starts the fetch's span: a child of the caller's span, or for a
// background renewal a root span linked to it.
func (o *observer) StartFetch(ctx context.Context, ev auth.Event) context.Context {
	opts := o.spanOpts.get(spanStartKey{ev.Provider, ev.Background}, spanStartOptions)
	if ev.Background {
		if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
			opts = append(opts, trace.WithLinks(trace.Link{SpanContext: sc}))
		}
	}
	ctx, span := o.tracer.Start(ctx, "paytoken.token.fetch", opts...)
	return context.WithValue(ctx, spanKey{}, span)
}

// Observe records ev. Cache hits, should a Source report them anyway, return
// at once.
func (o *observer) Observe(ctx context.Context, ev auth.Event) {
	switch ev.Kind {
	case auth.EventFetchDone:
		o.fetchEnded(ctx, ev)
	case auth.EventRetry:
		if span, ok := ctx.Value(spanKey{}).(trace.Span); ok {
			span.AddEvent("paytoken.token.retry", trace.WithAttributes(
				keyAttempt.Int(ev.Attempt),
				keyWait.Float64(ev.Duration.Seconds()),
				semconv.ErrorTypeKey.String(errorType(ev.Err))))
		}
	case auth.EventRefreshStart:
		o.refreshes.Add(ctx, 1, o.providerOpts.get(ev.Provider, providerAttrs))
	case auth.EventStoreError:
		o.storeErrs.Add(ctx, 1, o.storeOpts.get(storeKey{ev.Provider, ev.Op, errorType(ev.Err)}, storeAttrs))
	}
}

func (o *observer) fetchEnded(ctx context.Context, ev auth.Event) {
	kind := errorType(ev.Err) // "" for a fetch that got its token
	set := o.fetchOpts.get(fetchKey{ev.Provider, kind}, fetchAttrs)
	o.duration.Record(ctx, ev.Duration.Seconds(), set)
	o.fetches.Add(ctx, 1, set)

	span, ok := ctx.Value(spanKey{}).(trace.Span)
	if !ok {
		return
	}
	if kind == "" {
		span.SetAttributes(keyAttempts.Int(ev.Attempt))
	} else {
		span.SetAttributes(keyAttempts.Int(ev.Attempt), semconv.ErrorTypeKey.String(kind))
		msg := kind
		if ev.Err != nil {
			msg = ev.Err.Error()
		}
		span.SetStatus(codes.Error, msg)
	}
	span.End()
}
