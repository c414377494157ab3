// Package auth is the engine every paytoken provider package shares: a
// cached, self-refreshing token Source, retries that honour Retry-After,
// typed errors, an authorizing http.RoundTripper, token Stores, and the
// guards (https only, 1 MiB responses, no redirects) that keep credentials
// where they belong.
//
// # Source
//
// NewSource wraps a Fetcher — one token request, no retries inside — in a
// cache shaped for the hot path of every API call a service makes:
//
//	src := auth.NewSource(fetch,
//		auth.WithRetry(auth.RetryPolicy{MaxAttempts: 5}),
//		auth.WithStore(store, auth.StoreKey("acme", clientID)),
//		auth.WithObserver(metrics),
//	)
//	tok, err := src.Token()             // oauth2.TokenSource
//
// A cached Token is two atomic loads and a comparison: it does not lock,
// allocate or read the clock (a clock read alone costs more here than
// x/oauth2's whole cached Token). One scheduler per process flips the
// state of used tokens at their renewal and expiry points: an idle Source
// has no goroutine and no timer of its own. A stale token is served while
// one background refresh runs; an expired one makes callers wait for one
// shared fetch, each for as long as its own context allows. The fetches of
// all Sources of one endpoint (provider and client id) wait in one queue
// under a concurrency and a rate limit (WithRefreshLimit), those that
// callers wait for first. See Source for the exact rules.
//
// # Many Sources
//
// A server holding one token per user or per tenant keeps its Sources in a
// Pool: bounded, least recently used out, one Source and one Store load per
// key however many requests miss at once. Sources made with the same
// options share one copy of them; a Source with a used token costs about
// 150 bytes of heap besides its token.
//
// # Retries
//
// Retry is one token request under a RetryPolicy: network errors, 429 and
// 5xx are retried with exponential backoff and full jitter, a server's
// Retry-After (seconds or HTTP-date) or X-Retry-In (ms) is honoured up to
// MaxRetryAfter, nothing waits past the context's deadline. RetryUnsent
// retries only requests that provably never left the machine, for grants
// that must not be sent twice.
//
// # Errors
//
// A provider that answers without a token yields an *Error: status,
// provider code, description, Retry-After, request id and up to 4 KiB of
// the raw body, never lost, even for an HTML gateway page. errors.Is
// matches it against ErrInvalidRequest, ErrInvalidClient, ErrInvalidGrant,
// ErrUnsupportedGrantType, ErrRateLimited, ErrServer and
// ErrMalformedResponse. No error or log line carries a secret or a token:
// the message never quotes the body, and a server that echoes the
// credentials a request carried (in its error body, a header, a malformed
// answer) finds them replaced with "[redacted]" in the *Error's fields and
// Body and in the message of a failed request (values shorter than four
// bytes are left alone).
//
// # A provider of your own
//
// The provider packages are built on this package's public API alone, and
// so can a fifth one be: a Fetcher that makes one token request and
// returns an *Error (its exported fields are enough; errors.Is classifies
// it by Code and StatusCode) when the provider answers without a token;
// Config.Token is Retry(ctx, RetryPolicy{}, fetch); Config.TokenSource is
// NewSource(fetch, opts...), with WithStore(store, StoreKey(provider, id,
// scopes...)) to share tokens; Config.Client is NewClient(src, hc). A
// Fetcher that renews with a refresh token finds the token it replaces with
// PreviousToken(ctx). A grant whose request must never be sent twice (a
// single-use authorization code) goes through RetryUnsent.
package auth
