package paytokenotel

import (
	"slices"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.42.0"
	"go.opentelemetry.io/otel/trace"
)

// maxCached bounds each cache below: the keys are made of provider names
// and error kinds, a handful in any real program, but the provider name is
// the user's to choose; past the bound, options are built on each call.
const maxCached = 256

// optionCache remembers the metric and span options built for a key, so
// that a fetch does not rebuild its attribute sets.
type optionCache[K comparable, V any] struct {
	m sync.Map // K → V
	n atomic.Int32
}

func (c *optionCache[K, V]) get(k K, build func(K) V) V {
	if v, ok := c.m.Load(k); ok {
		return v.(V)
	}
	v := build(k)
	if c.n.Load() < maxCached {
		if _, loaded := c.m.LoadOrStore(k, v); !loaded {
			c.n.Add(1)
		}
	}
	return v
}

// fetchKey names the attribute set of a fetch's metric points; errType is
// empty for a fetch that got a token.
type fetchKey struct{ provider, errType string }

func fetchAttrs(k fetchKey) metric.MeasurementOption {
	if k.errType == "" {
		return metric.WithAttributeSet(attribute.NewSet(keyProvider.String(k.provider), keyOutcome.String("ok")))
	}
	return metric.WithAttributeSet(attribute.NewSet(keyProvider.String(k.provider), keyOutcome.String("error"), semconv.ErrorTypeKey.String(k.errType)))
}

// storeKey names the attribute set of a Store error's point.
type storeKey struct{ provider, op, errType string }

func storeAttrs(k storeKey) metric.MeasurementOption {
	return metric.WithAttributeSet(attribute.NewSet(keyProvider.String(k.provider), keyStoreOp.String(k.op), semconv.ErrorTypeKey.String(k.errType)))
}

func providerAttrs(provider string) metric.MeasurementOption {
	return metric.WithAttributeSet(attribute.NewSet(keyProvider.String(provider)))
}

// spanStartKey names the options a fetch's span starts with.
type spanStartKey struct {
	provider   string
	background bool
}

func spanStartOptions(k spanStartKey) []trace.SpanStartOption {
	opts := []trace.SpanStartOption{
		trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(keyProvider.String(k.provider), keyBackground.Bool(k.background)),
	}
	if k.background {
		opts = append(opts, trace.WithNewRoot())
	}
	return slices.Clip(opts) // shared: an append must copy
}
