package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"syscall"
	"time"

	"golang.org/x/oauth2"
)

// Fetcher makes one token request: no retries inside (Retry, RetryUnsent
// and Source add them). Its error is an *Error when the provider answered
// without a token, a network error when it could not be reached, or any
// other error that retrying cannot fix (a bad Config, a spent grant).
type Fetcher func(ctx context.Context) (*oauth2.Token, error)

// RetryPolicy says how often and how patiently a token request is retried.
// A zero field takes its default (given beside each field), so the zero
// RetryPolicy is the default policy, that of a provider's Config.Token and
// of a Source without WithRetry; RetryPolicy{MaxAttempts: 5} keeps the
// default backoffs; RetryPolicy{MaxAttempts: 1} disables retries.
//
// Retried: network errors (not the caller's own context ending) and *Error
// with Temporary(): 408, 429, 5xx (MobiFinance's 505 included), and any
// status whose code says rate limited or server error (MoneyKit's
// api_error.rate_limit_exceeded with a 400). Final: everything else (400,
// 401, 403, 415 with any other code, a malformed 2xx, configuration
// errors). Between attempts the wait is drawn with full jitter from
// [0, min(MaxBackoff, MinBackoff·2^(n-1))], unless the server said how long to
// wait (Retry-After in seconds or as an HTTP-date, or X-Retry-In in ms): then
// exactly that.
//
// A server-requested wait longer than MaxRetryAfter is not shortened: the
// retry gives up at once and returns that error, whose Error.RetryAfter tells
// the caller when the server will talk again. (Retrying earlier than the
// server asked only earns another 429, after making the caller wait.)
// Likewise no wait runs past the context's deadline: when the next attempt
// could not start before it, the last error is returned at once.
//
// A context without a deadline gets a budget of 30 s for the whole fetch:
// every attempt and every wait between them (a Source's fetches get
// theirs from WithFetchTimeout, 30 s by default). A fetch that uses it up
// fails with an error that says "timeout", names the provider and has
// Timeout() and Temporary() true; it wraps the last attempt's error (an
// *Error, a network error) unless the budget cut that attempt short, and
// never matches context.DeadlineExceeded: that error is only for a
// caller's own context ending, deadline or cancellation, whose error
// Retry wraps as well.
type RetryPolicy struct {
	MaxAttempts   int           // attempts in all, the first included; default 3
	MinBackoff    time.Duration // ceiling of the first jittered wait; default 200ms
	MaxBackoff    time.Duration // cap on the jittered wait's ceiling; default 5s
	MaxRetryAfter time.Duration // longest server-requested wait honoured; default 30s
}

// defaultRetryPolicy holds the defaults a zero RetryPolicy field takes.
// Never modified.
var defaultRetryPolicy = RetryPolicy{
	MaxAttempts:   3,
	MinBackoff:    200 * time.Millisecond,
	MaxBackoff:    5 * time.Second,
	MaxRetryAfter: 30 * time.Second,
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = defaultRetryPolicy.MaxAttempts
	}
	if p.MinBackoff <= 0 {
		p.MinBackoff = defaultRetryPolicy.MinBackoff
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = defaultRetryPolicy.MaxBackoff
	}
	if p.MaxBackoff < p.MinBackoff {
		p.MaxBackoff = p.MinBackoff
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = defaultRetryPolicy.MaxRetryAfter
	}
	return p
}

// ceiling is the upper bound of the jittered wait after the n-th failed attempt.
func (p RetryPolicy) ceiling(n int) time.Duration {
	d := p.MinBackoff
	for i := 1; i < n && d < p.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, p.MaxBackoff)
}

// Retry makes one token request under policy p: fetch, and again after a
// retryable failure (see RetryPolicy). A provider's Config.Token is Retry
// with the zero (default) RetryPolicy. When it gives up after more than one attempt the
// error says how many attempts were made and wraps the last one, so
// errors.As(err, &*Error) and errors.Is(err, ErrServer) still work; its
// message names the provider once ("moov: token request failed after 3
// attempts: HTTP 502 Bad Gateway") when the last error came from
// endpoint.Send. A single final failure is returned as the Fetcher gave it.
func Retry(ctx context.Context, p RetryPolicy, fetch Fetcher) (*oauth2.Token, error) {
	tok, _, err := retryLoop(ctx, p, fetch, retryable, defaultRetryEnv)
	return tok, err
}

// RetryUnsent is Retry for requests that must never reach the server twice
// (MobiFinance's single-use authorization code): it retries only failures
// where the request provably never left this machine — a failed dial or DNS
// lookup, except a name that does not exist, which Retry does not retry
// either — and returns every other error, timeouts and resets included, at
// once.
func RetryUnsent(ctx context.Context, p RetryPolicy, fetch Fetcher) (*oauth2.Token, error) {
	tok, _, err := retryLoop(ctx, p, fetch, unsent, defaultRetryEnv)
	return tok, err
}

// retryEnv is what a retry loop needs from its surroundings; tests swap it.
type retryEnv struct {
	clk     clock
	rnd     func(n int64) int64 // uniform in [0, n)
	onRetry func(ctx context.Context, attempt int, wait time.Duration, err error)
}

var defaultRetryEnv = retryEnv{clk: realClock{}, rnd: rand.Int64N}

// retryLoop returns the token or the final error and the attempts made.
func retryLoop(ctx context.Context, p RetryPolicy, fetch Fetcher, canRetry func(error) bool, env retryEnv) (*oauth2.Token, int, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if fetch == nil {
		return nil, 0, errors.New("auth: nil Fetcher")
	}
	p = p.withDefaults()
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = withBudget(ctx, defaultFetchBudget)
		defer cancel()
	}
	b := budgetOf(ctx)
	for attempt := 1; ; attempt++ {
		tok, err := fetch(ctx)
		if err == nil {
			return tok, attempt, nil
		}
		if cerr := ctx.Err(); cerr != nil {
			if b.ended(ctx) {
				return nil, attempt, newTimeoutError(b, attempt, err)
			}
			return nil, attempt, giveUp(attempt, "", err, context.Cause(ctx))
		}
		if !canRetry(err) {
			return nil, attempt, giveUp(attempt, "", err, nil)
		}
		if attempt >= p.MaxAttempts {
			return nil, attempt, giveUp(attempt, "", err, nil)
		}
		wait := time.Duration(env.rnd(int64(p.ceiling(attempt)) + 1))
		if e := (*Error)(nil); errors.As(err, &e) && e.RetryAfter > 0 {
			if e.RetryAfter > p.MaxRetryAfter {
				return nil, attempt, giveUp(attempt, fmt.Sprintf("server asked to wait %s, more than MaxRetryAfter %s", e.RetryAfter, p.MaxRetryAfter), err, nil)
			}
			wait = e.RetryAfter
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			if b != nil {
				te := newTimeoutError(b, attempt, err)
				te.reason = fmt.Sprintf("the next attempt, in %s, would start after it", wait.Round(time.Millisecond))
				return nil, attempt, te
			}
			return nil, attempt, giveUp(attempt, fmt.Sprintf("next attempt in %s would pass the context deadline", wait.Round(time.Millisecond)), err, nil)
		}
		if env.onRetry != nil {
			env.onRetry(ctx, attempt, wait, err)
		}
		if serr := sleep(ctx, env.clk, wait); serr != nil {
			if b.ended(ctx) {
				return nil, attempt, newTimeoutError(b, attempt, err)
			}
			return nil, attempt, giveUp(attempt, "", err, context.Cause(ctx))
		}
	}
}

// giveUp wraps the last error with the attempt count. A lone final failure
// is returned unchanged.
func giveUp(attempts int, reason string, last, ctxErr error) error {
	if attempts == 1 && reason == "" && ctxErr == nil {
		return last
	}
	return &retryError{attempts: attempts, reason: reason, last: last, ctxErr: ctxErr}
}

// retryError is what Retry returns when it gives up after retrying, or for
// a reason of its own. Its message names the provider once, as the last
// error did, and goes on with what that error said after it:
// "moov: token request failed after 3 attempts: HTTP 502 Bad Gateway: …".
// When the last error did not come from an endpoint (a Source's own
// Fetcher) it starts "auth: " and quotes that error whole.
type retryError struct {
	attempts int
	reason   string
	last     error
	ctxErr   error
}

func (e *retryError) Error() string {
	provider, detail := "", e.last.Error()
	if f, ok := e.last.(requestFailure); ok { //nolint:errorlint // only an Endpoint's own error, not one a Fetcher wrapped (that is quoted whole)
		provider, detail = f.failure()
	}
	if provider == "" {
		provider = "auth"
	}
	s := provider + ": token request failed after 1 attempt"
	if e.attempts != 1 {
		s = fmt.Sprintf("%s: token request failed after %d attempts", provider, e.attempts)
	}
	if e.reason != "" {
		s += " (" + e.reason + ")"
	}
	if e.ctxErr != nil {
		s += " (" + e.ctxErr.Error() + ")"
	}
	return s + ": " + detail
}

func (e *retryError) Unwrap() []error {
	if e.ctxErr != nil {
		return []error{e.last, e.ctxErr}
	}
	return []error{e.last}
}

// retryable: a network failure or a temporary provider answer.
func retryable(err error) bool {
	if isNetworkError(err) {
		return true
	}
	var e *Error
	return errors.As(err, &e) && e.Temporary()
}

// unsent: the request cannot have reached the server, and trying again
// could help: a failed dial or DNS lookup, but not a name that does not
// exist (final for Retry too).
func unsent(err error) bool {
	if dns, ok := errors.AsType[*net.DNSError](err); ok {
		return !dns.IsNotFound
	}
	return neverSent(err)
}

// neverSent reports whether err shows that the request never left this
// machine: its dial (or the DNS lookup before it) failed.
func neverSent(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	return errors.As(err, &op) && op.Op == "dial" || errors.As(err, &dns)
}

func isNetworkError(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	if dns, ok := errors.AsType[*net.DNSError](err); ok {
		return !dns.IsNotFound
	}
	if _, ok := errors.AsType[*net.OpError](err); ok {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EPIPE)
}
