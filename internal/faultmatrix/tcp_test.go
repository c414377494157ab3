package faultmatrix_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/testenv"
	"github.com/paytoken/paytoken/mobifinance"
)

// TCP-level faults: toxiproxy, run in-process as a library, sits on
// loopback between the SDK and the mock and damages the connections
// themselves (delays, throttles, hangs, resets, slices, cuts), on the
// requests (upstream) or on the answers (downstream). Every connection of
// a case gets the toxic, so each retry meets it again.

// TestTCPFaults runs every TCP fault for every provider through each path.
// Rows that wait out timeouts are long (testenv.Long); the others run in
// the normal go test, for the providers runsByDefault picks.
// Most cases wait (a latency, a timeout), so they run 16 at a time
// whatever -parallel says.
func TestTCPFaults(t *testing.T) {
	t.Parallel()
	runCases(t, tcpRows, tcpPaths,
		func(r tcpRow, p prov, path tcpPath) bool {
			return r.long && !testenv.LongEnabled() || p.oneShot && path.name == "TokenSource"
		},
		func(c matrixCase[tcpRow, tcpPath]) string { return c.r.id + "/" + c.p.name + "/" + c.v.name },
		func(t *testing.T, c matrixCase[tcpRow, tcpPath]) { runTCPCase(t, c.r, c.p, c.v) })
	if !testenv.LongEnabled() {
		t.Log("the rows that wait out timeouts are long, and each row ran for MobiFinance and one other provider per path: run with " + testenv.LongEnv + "=1")
	}
}

func runTCPCase(t *testing.T, r tcpRow, p prov, path tcpPath) {
	s := newSentinels()
	srv, code := newMock(t, p, s)
	attrs := r.attrs
	if r.attrsFor != nil {
		attrs = r.attrsFor(t, p, path.name)
	}
	base := newToxicProxy(t, r.id+"/"+p.name+"/"+path.name, strings.TrimPrefix(srv.URL, "http://"), r, attrs)
	want := r.cc
	if p.oneShot {
		want = r.mf
	}
	timeout := tcpOKTimeout
	if want.kind == kTimeout {
		timeout = tcpTimeout
	}
	e := env{baseURL: base, hc: newHTTPClient(t, timeout), creds: creds{id: s.id, secret: s.secret, code: code},
		opts: []auth.Option{auth.WithRetry(fastRetry)}}
	// A deadline far beyond the bound, so that the SDK's own timeouts end
	// the call.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	err := path.call(ctx, t, p, srv, e)
	elapsed := time.Since(start)
	reqs := srv.Counts(p.mock).TokenRequests
	// A request sent just before its attempt timed out may still be on its
	// way through the proxy: wait (up to 10 s) for the ones a fault on the
	// answers lets through, rather than read the count at once.
	for deadline := time.Now().Add(10 * time.Second); reqs < want.reqMin && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		reqs = srv.Counts(p.mock).TokenRequests
	}

	// Client's HTTPClient.Timeout bounds the whole API call, its wait for
	// a token included: a failing fetch may end there, as a timeout of the
	// caller's (the call's) own, after one attempt or a few.
	clientTimedOut := path.name == "Client" && !p.oneShot && want.kind != kToken &&
		kindOf(err) == kTimeout && elapsed >= timeout-50*time.Millisecond
	if clientTimedOut {
		want.reqMin = min(want.reqMin, 1)
	}
	if got := kindOf(err); got != want.kind && !clientTimedOut {
		t.Errorf("outcome %s (%v), want %s", got, err, want.kind)
	}
	// The SDK's own count of attempts, in its message, is exact even where
	// the mock's is not (a request the fault stops before it is through).
	if err != nil && !p.oneShot && path.name != "Client" && want.kind != kToken && !strings.Contains(err.Error(), " after 3 attempts: ") {
		t.Errorf("error %q does not say it made 3 attempts", err)
	}
	if elapsed > want.bound {
		t.Errorf("took %v, more than %v", elapsed.Round(time.Millisecond), want.bound)
	}
	switch {
	case p.oneShot && path.name == "Client":
		// The exchange (without the fault) was the code's one submission;
		// the API call fetches nothing (the token is permanent).
		if reqs != 1 {
			t.Errorf("%d code submissions, want 1", reqs)
		}
	case reqs < want.reqMin || reqs > want.reqMax:
		t.Errorf("%d token requests reached the mock, want %d to %d", reqs, want.reqMin, want.reqMax)
	}
	if err != nil {
		if !strings.Contains(err.Error(), p.name+": ") && !(p.oneShot && path.name == "Client") {
			t.Errorf("error %q does not name %s", err, p.name)
		}
		if p.oneShot && path.name != "Client" && !errors.Is(err, mobifinance.ErrReauthorize) {
			t.Errorf("a failed Exchange that may have reached the server does not match ErrReauthorize: %v", err)
		}
	}
	if t.Failed() {
		t.Logf("%s via %s: %v after %v, %d token requests", p.name, path.name, err, elapsed.Round(time.Millisecond), reqs)
	}
}
