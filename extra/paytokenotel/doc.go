// Package paytokenotel reports what paytoken's token Sources do to
// OpenTelemetry: metrics of every token fetch, background renewal and Store
// failure, and a span per fetch.
//
// Install the Observer on each Source (any provider's TokenSource or Client,
// or auth.NewSource):
//
//	obs, err := paytokenotel.NewObserver() // the global providers
//	if err != nil { … }
//	src := cfg.TokenSource(auth.WithObserver(obs))
//
// # Metrics
//
//	paytoken.token.fetch.duration  histogram, s   a fetch, its retries included
//	paytoken.token.fetches         counter        fetches that ended
//	paytoken.token.refreshes       counter        background renewals begun
//	paytoken.store.errors          counter        Store failures worked around
//
// Every point carries paytoken.provider ("moov", …; empty for a Source that
// names none, see auth.WithProvider). Fetch points carry paytoken.outcome, ok
// or error, and on errors error.type, a low-cardinality kind: invalid_client,
// invalid_grant, invalid_request, unsupported_grant_type, rate_limited,
// server, malformed_response, insecure_url, config, reauthorize (MobiFinance:
// the user must authorize again), timeout, canceled, network, the HTTP status
// of any other refusal ("404"), or _OTHER. Store errors carry
// paytoken.store.operation (load, save, lock, corrupt) and error.type.
//
// # Spans
//
// Each fetch is a span "paytoken.token.fetch" (kind internal) with the
// attributes paytoken.provider, paytoken.background and paytoken.attempts,
// an event "paytoken.token.retry" per failed attempt that is retried, and on
// failure the status Error (the error's message, which paytoken keeps free
// of credentials) and error.type. A fetch a caller waits for runs on that
// caller's context, so its span is a child of the caller's span; a
// background renewal is a root span linked to the span of the call that
// set it off, if any. The fetch's requests run under the span, so an
// otelhttp-instrumented HTTP client records them as its children.
//
// # What is never recorded
//
// No attribute, event or span name holds a client secret, token or
// authorization code; errors are reported by kind, and their messages
// (span status only) are the SDK's, which never hold credentials. Cache
// hits record nothing: the Observer declines them, so a Source's cached
// path costs what it costs without an Observer.
package paytokenotel
