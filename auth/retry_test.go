package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/internal/testenv"
)

// seq returns a Fetcher answering with errs in turn, then a token.
func seq(calls *atomic.Int32, errs ...error) Fetcher {
	return func(context.Context) (*oauth2.Token, error) {
		n := int(calls.Add(1))
		if n <= len(errs) && errs[n-1] != nil {
			return nil, errs[n-1]
		}
		return &oauth2.Token{AccessToken: "ok"}, nil
	}
}

func statusErr(status int, header http.Header) *Error {
	return newError("test", status, header, nil, "", "", "")
}

func TestRetryWhichStatuses(t *testing.T) {
	for _, tc := range []struct {
		status   int
		attempts int
	}{
		{408, 3}, {429, 3}, {500, 3}, {502, 3}, {503, 3}, {504, 3}, {505, 3},
		{400, 1}, {401, 1}, {403, 1}, {404, 1}, {415, 1}, {200, 1}, {302, 1},
	} {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			var calls atomic.Int32
			e := statusErr(tc.status, nil)
			fetch := func(context.Context) (*oauth2.Token, error) { calls.Add(1); return nil, e }
			_, n, err := retryForTest(context.Background(), defaultRetryPolicy, fetch, false, instantClock{}, maxJitter, nil)
			require.Equal(t, tc.attempts, n)
			require.EqualValues(t, tc.attempts, calls.Load())
			var got *Error
			require.ErrorAs(t, err, &got)
			require.Same(t, e, got)
			if tc.attempts == 1 {
				require.Same(t, e, err, "a lone final failure is returned as is")
			} else {
				require.Equal(t, "test: token request failed after 3 attempts: "+strings.TrimPrefix(e.Error(), "test: token request failed: "), err.Error())
			}
		})
	}
}

// A rate-limit or server code sent with a status that alone would be final
// (MoneyKit's api_error.rate_limit_exceeded with a 400) is retried, after
// the Retry-After it asked for; the same status with a final code is not.
func TestRetryByKind(t *testing.T) {
	for _, tc := range []struct {
		status   int
		code     string
		attempts int
	}{
		{400, "api_error.rate_limit_exceeded", 2},
		{401, "rate_limited", 2},
		{400, "temporarily_unavailable", 2},
		{400, "api_error.auth.unauthorized", 1},
		{400, "invalid_request", 1},
	} {
		t.Run(tc.code, func(t *testing.T) {
			var calls atomic.Int32
			e := newError("moneykit", tc.status, http.Header{"Retry-After": {"1"}}, nil, tc.code, "", "")
			var waits []time.Duration
			tok, n, err := retryForTest(context.Background(), defaultRetryPolicy, seq(&calls, e), false, instantClock{}, maxJitter, &waits)
			require.Equal(t, tc.attempts, n)
			if tc.attempts == 1 {
				require.Same(t, e, err)
				return
			}
			require.NoError(t, err)
			require.NotNil(t, tok)
			require.Equal(t, []time.Duration{time.Second}, waits)
		})
	}
}

func TestRetryKeepsLastErrorAndSucceeds(t *testing.T) {
	var calls atomic.Int32
	fetch := seq(&calls, statusErr(500, nil), statusErr(502, nil), statusErr(503, nil))
	_, n, err := retryForTest(context.Background(), defaultRetryPolicy, fetch, false, instantClock{}, maxJitter, nil)
	require.Equal(t, 3, n)
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, 503, e.StatusCode, "the last error")
	require.ErrorIs(t, err, ErrServer)
	require.Contains(t, err.Error(), "after 3 attempts")

	calls.Store(0)
	tok, n, err := retryForTest(context.Background(), RetryPolicy{MaxAttempts: 5}, fetch, false, instantClock{}, maxJitter, nil)
	require.NoError(t, err)
	require.Equal(t, "ok", tok.AccessToken)
	require.Equal(t, 4, n)
}

func TestRetryBackoffExponentialFullJitter(t *testing.T) {
	e := statusErr(503, nil)
	always := func(context.Context) (*oauth2.Token, error) { return nil, e }

	var waits []time.Duration
	_, _, _ = retryForTest(context.Background(), RetryPolicy{MaxAttempts: 6, MinBackoff: time.Second, MaxBackoff: 5 * time.Second}, always, false, instantClock{}, maxJitter, &waits)
	require.Equal(t, []time.Duration{1 * time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}, waits, "ceilings double up to MaxBackoff")

	// Full jitter: the wait is drawn uniformly from [0, ceiling].
	var args []int64
	waits = nil
	rnd := func(n int64) int64 { args = append(args, n); return 0 }
	_, _, _ = retryForTest(context.Background(), defaultRetryPolicy, always, false, instantClock{}, rnd, &waits)
	require.Equal(t, []int64{int64(200*time.Millisecond) + 1, int64(400*time.Millisecond) + 1}, args)
	require.Equal(t, []time.Duration{0, 0}, waits)

	// Zero fields take the defaults.
	require.Equal(t, defaultRetryPolicy, RetryPolicy{}.withDefaults())
	require.Equal(t, RetryPolicy{MaxAttempts: 1, MinBackoff: 200 * time.Millisecond, MaxBackoff: 5 * time.Second, MaxRetryAfter: 30 * time.Second}, RetryPolicy{MaxAttempts: 1}.withDefaults())
	require.Equal(t, 7*time.Second, RetryPolicy{MinBackoff: 7 * time.Second}.withDefaults().MaxBackoff, "MaxBackoff never below MinBackoff")
}

func TestRetryHonoursRetryAfter(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		name   string
		header http.Header
		want   time.Duration
	}{
		{"seconds", http.Header{"Retry-After": {"7"}}, 7 * time.Second},
		{"HTTP-date", http.Header{"Retry-After": {now.Add(20 * time.Second).UTC().Format(http.TimeFormat)}}, 0},
		{"X-Retry-In ms", http.Header{"X-Retry-In": {"1500"}}, 1500 * time.Millisecond},
		{"exactly the cap", http.Header{"Retry-After": {"30"}}, 30 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			e := statusErr(429, tc.header)
			want := tc.want
			if want == 0 { // HTTP-date: whatever the header parsed to, at most 20s
				require.InDelta(t, float64(20*time.Second), float64(e.RetryAfter), float64(2*time.Second))
				want = e.RetryAfter
			}
			var waits []time.Duration
			// A caller deadline: the 30 s cap is as long as the fetch budget a
			// context without one gets, which a 30 s wait cannot fit in.
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			tok, n, err := retryForTest(ctx, defaultRetryPolicy, seq(&calls, e), false, instantClock{}, maxJitter, &waits)
			require.NoError(t, err)
			require.NotNil(t, tok)
			require.Equal(t, 2, n)
			require.Equal(t, []time.Duration{want}, waits, "exactly the server's wait, not the jittered backoff")
		})
	}
}

// A Retry-After beyond MaxRetryAfter: give up at once with that error.
func TestRetryAfterBeyondCapGivesUp(t *testing.T) {
	var calls atomic.Int32
	e := statusErr(429, http.Header{"Retry-After": {"31"}})
	start := time.Now()
	_, n, err := retryForTest(context.Background(), defaultRetryPolicy, seq(&calls, e, e), false, realClock{}, maxJitter, nil)
	require.Less(t, time.Since(start), 10*time.Second, "at once, not after the 31 s asked for")
	require.Equal(t, 1, n)
	require.ErrorIs(t, err, ErrRateLimited)
	var got *Error
	require.ErrorAs(t, err, &got)
	require.Equal(t, 31*time.Second, got.RetryAfter)
	require.Equal(t, "test: token request failed after 1 attempt (server asked to wait 31s, more than MaxRetryAfter 30s): HTTP 429 Too Many Requests (retry after 31s)", err.Error())

	// With a larger cap it is honoured, by a caller whose deadline leaves
	// room for it (without one, the 30 s fetch budget would not).
	calls.Store(0)
	var waits []time.Duration
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, n, err = retryForTest(ctx, RetryPolicy{MaxRetryAfter: time.Minute}, seq(&calls, e), false, instantClock{}, maxJitter, &waits)
	require.NoError(t, err)
	require.Equal(t, 2, n)
	require.Equal(t, []time.Duration{31 * time.Second}, waits)
}

// Never sleep past the caller's deadline: when the next wait would end
// after it, return the last error now.
func TestRetryRespectsDeadline(t *testing.T) {
	var calls atomic.Int32
	// The deadline is far enough that "at once" and "at the deadline" stay
	// apart on a loaded machine.
	e := statusErr(503, http.Header{"Retry-After": {"20"}})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	start := time.Now()
	_, err := Retry(ctx, defaultRetryPolicy, seq(&calls, e, e, e))
	require.Less(t, time.Since(start), 5*time.Second, "returned at once, not at the deadline")
	require.EqualValues(t, 1, calls.Load())
	require.ErrorIs(t, err, ErrServer)
	require.ErrorContains(t, err, "next attempt in 20s would pass the context deadline")

	// A cancelled wait returns promptly with both errors.
	calls.Store(0)
	ctx, cancel = context.WithCancel(context.Background())
	e5 := statusErr(503, http.Header{"Retry-After": {"5"}})
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	start = time.Now()
	_, err = Retry(ctx, defaultRetryPolicy, seq(&calls, e5, e5))
	require.Less(t, time.Since(start), 2*time.Second)
	require.ErrorIs(t, err, ErrServer)
	require.ErrorIs(t, err, context.Canceled)
	require.EqualValues(t, 1, calls.Load())
}

func TestRetryRealClock(t *testing.T) {
	var calls atomic.Int32
	p := RetryPolicy{MaxAttempts: 3, MinBackoff: 10 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}
	tok, err := Retry(context.Background(), p, seq(&calls, statusErr(500, nil), statusErr(500, nil)))
	require.NoError(t, err)
	require.Equal(t, "ok", tok.AccessToken)
	require.EqualValues(t, 3, calls.Load())
}

func TestRetryNetworkErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		err      error
		retry    bool
		unsentOK bool
	}{
		{"conn reset", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, true, false},
		{"dial refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, true, true},
		{"dns temporary", &net.DNSError{Err: "server misbehaving", Name: "x", IsTemporary: true}, true, true},
		{"dns not found", &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}, false, false},
		{"dial of a name not found", &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}}, false, false},
		{"dial timeout", &net.OpError{Op: "dial", Net: "tcp", Err: &timeoutErr{}}, true, true},
		{"unexpected EOF", fmt.Errorf("reading: %w", io.ErrUnexpectedEOF), true, false},
		{"EOF", io.EOF, true, false},
		{"timeout", &timeoutErr{}, true, false},
		{"caller cancelled", context.Canceled, false, false},
		{"plain", errors.New("mobifinance: a new authorization code is needed"), false, false},
		{"temporary Error", statusErr(503, nil), true, false},
		{"final Error", statusErr(400, nil), false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.retry, retryable(tc.err), "retryable")
			require.Equal(t, tc.unsentOK, unsent(tc.err), "unsent")
			if tc.unsentOK {
				require.True(t, tc.retry, "RetryUnsent retries nothing Retry does not")
			}
			require.Equal(t, tc.retry, retryable(&wrapURL{tc.err}), "retryable through a wrapper")
		})
	}
}

type timeoutErr struct{}

func (*timeoutErr) Error() string   { return "i/o timeout" }
func (*timeoutErr) Timeout() bool   { return true }
func (*timeoutErr) Temporary() bool { return true }

type wrapURL struct{ err error }

func (w *wrapURL) Error() string { return "Post: " + w.err.Error() }
func (w *wrapURL) Unwrap() error { return w.err }

// The caller's own cancellation is never retried.
func TestRetryStopsOnCallerCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int32
	fetch := func(ctx context.Context) (*oauth2.Token, error) {
		calls.Add(1)
		cancel()
		return nil, &net.OpError{Op: "read", Err: syscall.ECONNRESET}
	}
	_, err := Retry(ctx, defaultRetryPolicy, fetch)
	require.EqualValues(t, 1, calls.Load())
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorIs(t, err, syscall.ECONNRESET)
}

// RetryUnsent retries a real dial error (connection refused) and nothing
// that may have reached the server.
func TestRetryUnsent(t *testing.T) {
	addr := testenv.RefusedAddr(t)
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var calls atomic.Int32
	dial := func(ctx context.Context) (*oauth2.Token, error) {
		calls.Add(1)
		req, _ := http.NewRequestWithContext(ctx, "POST", "http://"+addr+"/token", strings.NewReader("code=single-use"))
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		resp.Body.Close()
		return nil, errors.New("unexpected answer")
	}
	p := RetryPolicy{MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}
	_, err := RetryUnsent(context.Background(), p, dial)
	require.EqualValues(t, 3, calls.Load(), "dial errors are retried")
	require.ErrorIs(t, err, syscall.ECONNREFUSED)
	require.ErrorContains(t, err, "after 3 attempts")

	for _, e := range []error{statusErr(503, nil), statusErr(429, nil), io.ErrUnexpectedEOF, &net.OpError{Op: "read", Err: syscall.ECONNRESET}, &timeoutErr{}} {
		calls.Store(0)
		_, err := RetryUnsent(context.Background(), p, seq(&calls, e, e))
		require.EqualValues(t, 1, calls.Load(), "%v may have reached the server: never resent", e)
		require.ErrorIs(t, err, e)
	}
}

func TestRetryNilFetcher(t *testing.T) {
	_, err := Retry(context.Background(), defaultRetryPolicy, nil)
	require.ErrorContains(t, err, "auth: nil Fetcher")
}
