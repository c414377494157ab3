package faultmatrix_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/testenv"
	"github.com/paytoken/paytoken/mockserver"
)

// fastRetry is the policy of the matrix's fetches: the default's three
// attempts, with millisecond backoffs so the matrix runs in seconds, and
// server-requested waits honoured up to 2s.
var fastRetry = auth.RetryPolicy{MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, MaxRetryAfter: 2 * time.Second}

// result is what one case saw.
type result struct {
	p        prov
	server   string // "hostile" or "mock"
	start    time.Time
	tok      *oauth2.Token
	err      error
	elapsed  time.Duration
	requests int
	other    int // requests that reached the other host
	mock     *mockserver.Server
	env      env
}

// TestFaultMatrix runs every row for every provider, against the hostile
// server and, where the row has one, through the mock's fault injection.
// Most cases wait (for a Retry-After, a timeout), so they run 16 at a time
// whatever -parallel says.
func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	forEachCase(t, func(t *testing.T, r row, p prov, server string) {
		var c *result
		if server == "hostile" {
			c = runHostile(t, r, p, newSentinels(), false, nil)
		} else {
			c = runMock(t, r, p)
		}
		checkCase(t, r, c)
	})
}

// TestFaultMatrixConfigToken runs the rows once more through Config.Token
// of the client-credentials providers, under the default auth.RetryPolicy
// (backoffs of up to 200 ms and 400 ms): the same outcomes, a little slower.
// (MobiFinance's Exchange is what TestFaultMatrix runs already.)
func TestFaultMatrixConfigToken(t *testing.T) {
	if testing.Short() {
		t.Skip("the default policy's backoffs: skipped with -short")
	}
	t.Parallel()
	forEachCase(t, func(t *testing.T, r row, p prov, server string) {
		if server != "hostile" || p.oneShot {
			return
		}
		checkCase(t, r, runHostileVia(t, r, p, newSentinels(), false, nil, p.token))
	})
}

// forEachCase runs f as a subtest for every row × provider × server, 16 at
// a time (with testenv.Long; see runsByDefault for the cases of a plain go
// test).
func forEachCase(t *testing.T, f func(t *testing.T, r row, p prov, server string)) {
	runCases(t, rows, []string{"hostile", "mock"},
		func(r row, _ prov, server string) bool {
			return server == "hostile" && r.raw == nil || server == "mock" && r.mock == nil
		},
		func(c matrixCase[row, string]) string { return c.r.id + "/" + c.p.name + "/" + c.v },
		func(t *testing.T, c matrixCase[row, string]) {
			if c.r.long {
				testenv.Long(t)
			}
			f(t, c.r, c.p, c.v)
		})
	if !testenv.LongEnabled() {
		t.Log("each row ran for MobiFinance and one other provider; for all four, run with " + testenv.LongEnv + "=1")
	}
}

// defaultTimeout is the HTTPClient.Timeout of the rows whose fault is not a
// hang: a ceiling that only a stalled machine reaches (a healthy answer on
// loopback takes milliseconds; at 2 s a loaded CI run saw one time out, and
// the SDK's retry made a row that wants 1 request count 2).
const defaultTimeout = 10 * time.Second

// slack is the room each case gets over the time the SDK promises, for a
// loaded machine's scheduling delays.
const slack = 10 * time.Second

func newHTTPClient(t testing.TB, timeout time.Duration) *http.Client {
	if timeout == 0 {
		timeout = defaultTimeout
	}
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	// CheckRedirect follows anything: the SDK must refuse redirects itself.
	return &http.Client{Transport: tr, Timeout: timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
}

// callBounded runs fetch with a deadline, turning a panic into a test failure.
func callBounded(t *testing.T, p prov, e env, fetch func(context.Context, env) (*oauth2.Token, error)) (tok *oauth2.Token, elapsed time.Duration, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	func() {
		defer func() {
			if v := recover(); v != nil {
				t.Errorf("%s panicked: %v", p.name, v)
				err = fmt.Errorf("panic: %v", v)
			}
		}()
		tok, err = fetch(ctx, e)
	}()
	return tok, time.Since(start), err
}

// runHostile runs one row against the hostile server; opts are extra
// auth.Options (a logger).
func runHostile(t *testing.T, r row, p prov, s sentinels, reflect bool, opts []auth.Option) *result {
	return runHostileVia(t, r, p, s, reflect, opts, p.fetch)
}

// runHostileVia is runHostile with the SDK call to make.
func runHostileVia(t *testing.T, r row, p prov, s sentinels, reflect bool, opts []auth.Option, fetch func(context.Context, env) (*oauth2.Token, error)) *result {
	x := newHostile(t, p, s, r.times, reflect, r.raw)
	e := env{baseURL: x.URL(), hc: newHTTPClient(t, r.timeout), creds: creds{id: s.id, secret: s.secret, code: s.code},
		opts: append([]auth.Option{auth.WithRetry(fastRetry)}, opts...)}
	c := &result{p: p, server: "hostile", start: time.Now(), env: e}
	c.tok, c.elapsed, c.err = callBounded(t, p, e, fetch)
	c.requests, c.other = int(x.n.Load()), int(x.otherN.Load())
	return c
}

// checkMessage: an error names its provider once, at the start, with no
// "auth: " in between ("moov: token request failed after 3 attempts: HTTP
// 502 Bad Gateway: …"), and says how many attempts it took when there were
// several.
func checkMessage(t *testing.T, c *result, attempts int) {
	t.Helper()
	msg, prefix := c.err.Error(), c.p.name+": "
	if !strings.HasPrefix(msg, prefix) || strings.Count(msg, prefix) != 1 || strings.Contains(msg, "auth: ") {
		t.Errorf("message %q does not name %s once, at its start", msg, c.p.name)
	}
	if n := attempts; n > 1 && !strings.Contains(msg, fmt.Sprintf(" after %d attempts: ", n)) {
		t.Errorf("message %q does not say it took %d attempts", msg, n)
	}
}

// checkCase asserts the row's outcome and the invariants of every case.
func checkCase(t *testing.T, r row, c *result) {
	t.Helper()
	want := r.want(c.p)
	if got := kindOf(c.err); got != want.kind {
		t.Errorf("outcome %s (%v), want %s", got, c.err, want.kind)
	}
	// An attempt that times out on the client may not have reached the
	// server's count yet (a loaded machine: a 300 ms timeout can run out
	// before the handler runs, even for the first attempt): the SDK's own
	// count, in the message, is the exact one then, and the server's may
	// only fall short of it.
	attempts := c.requests
	if want.kind == kTimeout && c.requests < want.requests {
		attempts = want.requests
	}
	if attempts != want.requests {
		t.Errorf("%d upstream token requests, want %d (err: %v)", c.requests, want.requests, c.err)
	}
	if c.other != 0 {
		t.Errorf("the other host got %d requests", c.other)
	}
	if (c.tok == nil) == (c.err == nil) {
		t.Errorf("token %v and error %v", c.tok, c.err)
	}
	if c.tok != nil && (c.tok.AccessToken == "" || c.tok.TokenType != "Bearer") {
		t.Errorf("unusable token %+v", c.tok)
	}
	if c.tok != nil && c.server == "hostile" && want.requests > 1 && !strings.HasSuffix(c.tok.AccessToken, fmt.Sprintf("-%d", want.requests)) {
		t.Errorf("token %q is not from request %d", c.tok.AccessToken, want.requests)
	}
	if c.elapsed < want.minWait {
		t.Errorf("took %v, less than the %v the server asked to wait", c.elapsed, want.minWait)
	}
	// The SDK promises: every attempt of a hanging row ends at the
	// HTTPClient.Timeout, waits between attempts are at most
	// MaxRetryAfter (or a backoff of milliseconds).
	promised := time.Duration(want.requests-1) * fastRetry.MaxRetryAfter
	if r.timeout != 0 {
		promised += time.Duration(want.requests) * r.timeout
	}
	if maxTime := promised + slack; c.elapsed > maxTime {
		t.Errorf("took %v, more than %v (%v promised, %v of room)", c.elapsed, maxTime, promised, slack)
	}
	if c.err != nil {
		checkMessage(t, c, attempts)
	}
	if r.check != nil {
		r.check(t, c)
	}
	if t.Failed() {
		t.Logf("%s via %s: %v after %v, %d requests", c.p.name, c.server, c.err, c.elapsed.Round(time.Millisecond), c.requests)
	}
}
