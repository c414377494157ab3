package auth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

// defaultFetchBudget bounds a fetch whose caller set no deadline: all its
// attempts and the waits between them (see Retry, WithFetchTimeout).
const defaultFetchBudget = 30 * time.Second

// budget is the deadline a fetch gets when its caller gave none. It is
// both the cause of its context's end and a value of that context, so that
// a retry loop under it knows the deadline is the budget's and not the
// caller's.
type budget struct {
	d        time.Duration
	deadline time.Time
}

func (b *budget) Error() string {
	return fmt.Sprintf("timeout: no token within the %s fetch budget", b.d)
}

type budgetKey struct{}

// withBudget bounds ctx (which has no deadline of its own) by a budget of d.
func withBudget(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	b := &budget{d: d, deadline: time.Now().Add(d)}
	ctx, cancel := context.WithDeadlineCause(ctx, b.deadline, b)
	return context.WithValue(ctx, budgetKey{}, b), cancel
}

// budgetOf returns the budget that set ctx's deadline, if one did.
func budgetOf(ctx context.Context) *budget {
	b, _ := ctx.Value(budgetKey{}).(*budget)
	if dl, ok := ctx.Deadline(); b != nil && ok && dl.Equal(b.deadline) {
		return b
	}
	return nil
}

// ended reports whether b (nil: no budget) is what ended ctx, rather than
// the caller cancelling it.
func (b *budget) ended(ctx context.Context) bool {
	return b != nil && ctx.Err() != nil && context.Cause(ctx) == error(b) //nolint:errorlint // the cause is b itself, never wrapped
}

// timeoutError is a fetch that used up its budget. It is a timeout
// (Timeout and Temporary are true: a later fetch may get an answer), names
// the provider, and wraps the last attempt's error unless that error was
// the budget cutting the attempt short: it never matches
// context.DeadlineExceeded, which only a caller's own deadline gives.
type timeoutError struct {
	budget   time.Duration
	attempts int
	provider string
	last     error  // nil when the budget cut the last attempt short
	reason   string // why it gave up before the budget ran out, if it did
	detail   string
}

func newTimeoutError(b *budget, attempts int, last error) *timeoutError {
	e := &timeoutError{budget: b.d, attempts: attempts}
	e.provider, e.detail = "auth", last.Error()
	if f, ok := last.(requestFailure); ok { //nolint:errorlint // only an Endpoint's own error, not one a Fetcher wrapped (that is quoted whole)
		e.provider, e.detail = f.failure()
	}
	if errors.Is(last, context.DeadlineExceeded) || errors.Is(last, error(b)) { // net/http reports the context's cause
		e.detail = "the last attempt got no answer before the budget ran out"
	} else {
		e.last = last
	}
	return e
}

func (e *timeoutError) Error() string {
	n := "1 attempt"
	if e.attempts != 1 {
		n = fmt.Sprintf("%d attempts", e.attempts)
	}
	if e.reason != "" {
		n += "; " + e.reason
	}
	return fmt.Sprintf("%s: token request timeout: no token within the %s fetch budget (%s): %s", e.provider, e.budget, n, e.detail)
}

func (e *timeoutError) Timeout() bool   { return true }
func (e *timeoutError) Temporary() bool { return true }
func (e *timeoutError) Unwrap() error   { return e.last }

// transportTimeout is a timeout of the HTTP client or its transport (its
// Timeout, a ResponseHeaderTimeout), not of the caller's context. net/http
// makes such errors match context.DeadlineExceeded; this one does not, so
// that only a caller whose own context ended sees that error. It keeps the
// message and is a net.Error whose Timeout() is true, so it is retried as
// the network error it is.
type transportTimeout struct{ msg string }

func (e *transportTimeout) Error() string   { return e.msg }
func (e *transportTimeout) Timeout() bool   { return true }
func (e *transportTimeout) Temporary() bool { return true }

// maskTransportTimeout returns err as a transportTimeout when it matches
// context.DeadlineExceeded although ctx (the context the request was sent
// with; nil: unknown) has not ended. A failed dial is kept as it is:
// RetryUnsent looks for it, and its timeouts are the dialer's own.
func maskTransportTimeout(ctx context.Context, err error) error {
	if err == nil || !errors.Is(err, context.DeadlineExceeded) || ctx != nil && ctx.Err() != nil {
		return err
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return err
	}
	return &transportTimeout{msg: err.Error()}
}
