package faultmatrix_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/testenv"
	"github.com/paytoken/paytoken/internal/testkit"
	"github.com/paytoken/paytoken/mobifinance"
	"github.com/paytoken/paytoken/mockserver"
)

// TCP-level faults: toxiproxy, run in-process as a library, sits on
// loopback between the SDK and the mock and damages the connections
// themselves (delays, throttles, hangs, resets, slices, cuts), on the
// requests (upstream) or on the answers (downstream). Every connection of
// a case gets the toxic, so each retry meets it again.

// tcpTimeout is the HTTPClient.Timeout of the TCP cases whose fault is a
// hang: the bound of one attempt, which they wait out.
const tcpTimeout = time.Second

// tcpOKTimeout is the HTTPClient.Timeout of every other case, those that
// return a token (the fault only slows the answer) and those that end on
// a network error: a ceiling only a stalled machine reaches. At 1 s a
// Client call, a fetch and an API call each 300 ms late, had 400 ms of
// room, and a timed-out attempt would be retried (a second token request)
// or, for MobiFinance, fail; and on a loaded machine toxiproxy took more
// than 1 s to pass on a cut request's close, so a case that wants the
// network error got the timeout.
const tcpOKTimeout = 10 * time.Second

// tcpOutcome is what the SDK does about a TCP fault.
type tcpOutcome struct {
	kind string
	// reqMin, reqMax bound the token requests that reach the mock: the
	// client-credentials providers' attempts (a fault upstream may stop
	// them before they arrive), MobiFinance's code submissions (never
	// more than one).
	reqMin, reqMax int
	bound          time.Duration // every path ends within this (generous for a loaded machine)
	does           string
}

// tcpRow is one TCP fault.
type tcpRow struct {
	id     string
	fault  string // the doc's words
	toxic  string // toxiproxy's toxic type
	stream string // "upstream" (requests) or "downstream" (answers)
	attrs  map[string]any
	// attrsFor, when set, computes the attributes per provider and path (a
	// cut inside the answer's body needs the length of its headers).
	attrsFor func(t *testing.T, p prov, path string) map[string]any
	long     bool // waits out timeouts: testenv.Long
	cc, mf   tcpOutcome
}

const (
	doesTCPToken   = "returns the token, the fault only slows it"
	doesTCPRetry   = "retries (3 attempts), then the network error"
	doesTCPTimeout = "each attempt ends at `HTTPClient.Timeout`; 3 attempts, then the timeout"
	doesMFSpent    = "no retry; `ErrReauthorize` (the code may have reached the server)"
)

func tcpOK(bound time.Duration) (cc, mf tcpOutcome) {
	return tcpOutcome{kind: kToken, reqMin: 1, reqMax: 1, bound: bound, does: doesTCPToken},
		tcpOutcome{kind: kToken, reqMin: 1, reqMax: 1, bound: bound, does: doesTCPToken}
}

// tcpFail: every attempt fails with kind; reached says whether the
// requests get to the mock before the fault (a fault on the answers) or
// not (a fault that stops the request).
func tcpFail(kind string, reached bool, bound time.Duration) (cc, mf tcpOutcome) {
	does := doesTCPRetry
	if kind == kTimeout {
		does = doesTCPTimeout
	}
	cc = tcpOutcome{kind: kind, bound: bound, does: does}
	mf = tcpOutcome{kind: kind, reqMax: 1, bound: bound, does: doesMFSpent}
	if reached {
		cc.reqMin, cc.reqMax, mf.reqMin = 3, 3, 1
	} else {
		cc.reqMax = 3 // a request cut short may still reach the mock's count
	}
	return cc, mf
}

func tcpRowOf(id, fault, toxic, stream string, attrs map[string]any, long bool, o func() (tcpOutcome, tcpOutcome)) tcpRow {
	cc, mf := o()
	return tcpRow{id: id, fault: fault, toxic: toxic, stream: stream, attrs: attrs, long: long, cc: cc, mf: mf}
}

var tcpRows = func() []tcpRow {
	ok := func() (tcpOutcome, tcpOutcome) { return tcpOK(10 * time.Second) }
	fail := func(kind string, reached bool, bound time.Duration) func() (tcpOutcome, tcpOutcome) {
		return func() (tcpOutcome, tcpOutcome) { return tcpFail(kind, reached, bound) }
	}
	rows := []tcpRow{
		tcpRowOf("latency-down", "latency 300 ms on the answers", "latency", "downstream", map[string]any{"latency": 300}, false, ok),
		tcpRowOf("latency-up", "latency 300 ms on the requests", "latency", "upstream", map[string]any{"latency": 300}, false, ok),
		tcpRowOf("bandwidth-down", "bandwidth 2 KB/s on the answers", "bandwidth", "downstream", map[string]any{"rate": 2}, false, ok),
		tcpRowOf("bandwidth-up", "bandwidth 2 KB/s on the requests", "bandwidth", "upstream", map[string]any{"rate": 2}, false, ok),
		tcpRowOf("slicer-down", "answers sliced into ~8-byte TCP segments", "slicer", "downstream", map[string]any{"average_size": 8, "size_variation": 4, "delay": 200}, false, ok),
		tcpRowOf("slicer-up", "requests sliced into ~8-byte TCP segments", "slicer", "upstream", map[string]any{"average_size": 8, "size_variation": 4, "delay": 200}, false, ok),
		tcpRowOf("slow-close-down", "slow_close: the answer side closes 500 ms late", "slow_close", "downstream", map[string]any{"delay": 500}, false, ok),
		tcpRowOf("slow-close-up", "slow_close: the request side closes 500 ms late", "slow_close", "upstream", map[string]any{"delay": 500}, false, ok),
		tcpRowOf("reset-down", "reset_peer: RST as the answer starts", "reset_peer", "downstream", map[string]any{"timeout": 0}, false, fail(kNetwork, true, 10*time.Second)),
		tcpRowOf("reset-up", "reset_peer: RST as the request starts", "reset_peer", "upstream", map[string]any{"timeout": 0}, false, fail(kNetwork, false, 10*time.Second)),
		tcpRowOf("limit-down-headers", "limit_data: the answer cut after 40 bytes (in its headers)", "limit_data", "downstream", map[string]any{"bytes": 40}, false, fail(kNetwork, true, 10*time.Second)),
		tcpRowOf("limit-up", "limit_data: the request cut after 40 bytes", "limit_data", "upstream", map[string]any{"bytes": 40}, false, fail(kNetwork, false, 10*time.Second)),
		tcpRowOf("timeout-close-down", "timeout 100 ms: the answer never comes, the connection closes", "timeout", "downstream", map[string]any{"timeout": 100}, false, fail(kNetwork, false, 10*time.Second)), // the 100 ms start at the connection: a loaded proxy may close it before the request is through
		tcpRowOf("timeout-hang-down", "timeout: the answer never comes, the connection stays open", "timeout", "downstream", map[string]any{"timeout": 0}, true, fail(kTimeout, true, 15*time.Second)),
		tcpRowOf("timeout-hang-up", "timeout: the request never arrives, the connection stays open", "timeout", "upstream", map[string]any{"timeout": 0}, true, fail(kTimeout, false, 15*time.Second)),
		tcpRowOf("latency-down-long", "latency 3 s on the answers (beyond `HTTPClient.Timeout`)", "latency", "downstream", map[string]any{"latency": 3000}, true, fail(kTimeout, true, 15*time.Second)),
		tcpRowOf("latency-up-long", "latency 3 s on the requests (beyond `HTTPClient.Timeout`)", "latency", "upstream", map[string]any{"latency": 3000}, true, fail(kTimeout, false, 15*time.Second)),
	}
	cut := tcpRowOf("limit-down-body", "limit_data: the answer cut 16 bytes into its body", "limit_data", "downstream", nil, false, fail(kNetwork, true, 10*time.Second))
	cut.attrsFor = func(t *testing.T, p prov, path string) map[string]any {
		return map[string]any{"bytes": answerHeaderLen(t, p, p.oneShot && path == "Client") + 16}
	}
	return append(rows[:11], append([]tcpRow{cut}, rows[11:]...)...)
}()

// toxiServer is the in-process toxiproxy: its proxies, no API listener.
var toxiServer = sync.OnceValue(func() *toxiproxy.ApiServer {
	return toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
})

// newToxicProxy starts a loopback proxy to upstream with the toxic on
// every connection; it is stopped when the test ends.
func newToxicProxy(t *testing.T, name, upstream string, r tcpRow, attrs map[string]any) string {
	t.Helper()
	px := toxiproxy.NewProxy(toxiServer(), name, "127.0.0.1:0", upstream)
	if err := px.Start(); err != nil {
		t.Fatalf("toxiproxy: %v", err)
	}
	t.Cleanup(px.Stop)
	spec, err := json.Marshal(map[string]any{"type": r.toxic, "stream": r.stream, "attributes": attrs})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := px.Toxics.AddToxicJson(bytes.NewReader(spec)); err != nil {
		t.Fatalf("toxiproxy: %s: %v", spec, err)
	}
	return "http://" + px.Listen
}

// tcpPath is one way the SDK is called.
type tcpPath struct {
	name string
	// call makes the call against the mock behind baseURL; direct is the
	// mock itself (for what a case sets up without the fault).
	call func(ctx context.Context, t *testing.T, p prov, srv *mockserver.Server, e env) error
}

var tcpPaths = []tcpPath{
	{"Config.Token", func(ctx context.Context, _ *testing.T, p prov, _ *mockserver.Server, e env) error {
		_, err := p.token(ctx, e)
		return err
	}},
	// MobiFinance's TokenSource serves the token it is given and never
	// fetches: Exchange (Config.Token's path) is its one token request.
	{"TokenSource", func(ctx context.Context, _ *testing.T, p prov, _ *mockserver.Server, e env) error {
		_, err := p.fetch(ctx, e)
		return err
	}},
	{"Client", func(ctx context.Context, t *testing.T, p prov, srv *mockserver.Server, e env) error {
		var tok *oauth2.Token
		if p.oneShot {
			// MobiFinance's Client serves an exchanged token: the exchange
			// goes to the mock directly, the API call through the fault.
			var err error
			direct := e
			direct.baseURL = srv.URL
			direct.hc = newHTTPClient(t, tcpOKTimeout) // no fault: the healthy ceiling
			if tok, err = mobifinanceConfig(direct).Exchange(ctx, e.creds.code); err != nil {
				t.Fatalf("exchange without the fault: %v", err)
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.baseURL+"/"+string(p.mock)+mockserver.ProtectedPath, nil)
		if err != nil {
			return err
		}
		resp, err := p.client(e, tok).Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("API answered HTTP %d", resp.StatusCode)
		}
		return nil
	}},
}

// TestTCPFaults runs every TCP fault for every provider through each path.
// Rows that wait out timeouts are long (testenv.Long); the others run in
// the normal go test, for the providers runsByDefault picks.
// Most cases wait (a latency, a timeout), so they run 16 at a time
// whatever -parallel says.
func TestTCPFaults(t *testing.T) {
	t.Parallel()
	type tcpCase struct {
		r    tcpRow
		p    prov
		path tcpPath
	}
	var cases []tcpCase
	for i, r := range tcpRows {
		for _, p := range providers {
			for j, path := range tcpPaths {
				if r.long && !testenv.LongEnabled() || p.oneShot && path.name == "TokenSource" || !runsByDefault(i+j, p) {
					continue
				}
				cases = append(cases, tcpCase{r, p, path})
			}
		}
	}
	testkit.RunConcurrently(t, 16, cases, func(c tcpCase) string { return c.r.id + "/" + c.p.name + "/" + c.path.name },
		func(t *testing.T, c tcpCase) { runTCPCase(t, c.r, c.p, c.path) })
	if !testenv.LongEnabled() {
		t.Log("the rows that wait out timeouts are long, and each row ran for MobiFinance and one other provider per path: run with " + testenv.LongEnv + "=1")
	}
}

func runTCPCase(t *testing.T, r tcpRow, p prov, path tcpPath) {
	s := newSentinels()
	srv := mockserver.New(mockserver.WithClient(p.mock, s.id, s.secret))
	t.Cleanup(srv.Close)
	code := ""
	if p.oneShot {
		code = srv.MustIssueCode(s.id, mockserver.DemoRedirectURI)
	}
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

// answerHeaderLen is how many bytes the mock's first answer to p spends
// on its status line and headers: the token answer, or (api) the protected
// endpoint's answer to a MobiFinance token. Measured once on a real
// exchange, so that a cut can be placed inside the body.
func answerHeaderLen(t *testing.T, p prov, api bool) int {
	key := fmt.Sprint(p.name, api)
	headerLens.Lock()
	defer headerLens.Unlock()
	if n, ok := headerLens.m[key]; ok {
		return n
	}
	s := newSentinels()
	srv := mockserver.New(mockserver.WithClient(p.mock, s.id, s.secret))
	defer srv.Close()
	var mu sync.Mutex
	var last *recordingConn // the latest connection
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		defer mu.Unlock()
		last = &recordingConn{Conn: c}
		return last, nil
	}}
	defer tr.CloseIdleConnections()
	code := ""
	if p.oneShot {
		code = srv.MustIssueCode(s.id, mockserver.DemoRedirectURI)
	}
	e := env{baseURL: srv.URL, hc: &http.Client{Transport: tr, Timeout: 10 * time.Second}, creds: creds{id: s.id, secret: s.secret, code: code}}
	tok, err := p.token(context.Background(), e)
	if err != nil {
		t.Fatalf("measuring the answer: %v", err)
	}
	if api {
		tr.CloseIdleConnections() // the API call on a connection of its own
		resp, err := p.client(e, tok).Get(srv.URL + "/" + string(p.mock) + mockserver.ProtectedPath)
		if err != nil {
			t.Fatalf("measuring the API answer: %v", err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	tr.CloseIdleConnections()
	mu.Lock()
	got := last.bytes()
	mu.Unlock()
	i := bytes.Index(got, []byte("\r\n\r\n"))
	if i < 0 {
		t.Fatalf("no end of headers in %q", got)
	}
	headerLens.m[key] = i + 4
	return i + 4
}

var headerLens = struct {
	sync.Mutex
	m map[string]int
}{m: map[string]int{}}

// recordingConn keeps what was read from it.
type recordingConn struct {
	net.Conn
	mu   sync.Mutex
	read bytes.Buffer
}

func (c *recordingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.mu.Lock()
	c.read.Write(b[:n])
	c.mu.Unlock()
	return n, err
}

func (c *recordingConn) bytes() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.read.Bytes())
}

func tcpOutcomeDoc(o tcpOutcome) string {
	reqs := fmt.Sprintf("%d req.", o.reqMax)
	if o.reqMin != o.reqMax {
		reqs = fmt.Sprintf("%d–%d req.", o.reqMin, o.reqMax)
	}
	return fmt.Sprintf("%s — %s, %s, within %v", o.does, kindDoc(o.kind), reqs, o.bound)
}

// tcpDoc is the failure-behaviour table's section on TCP faults.
func tcpDoc() string {
	var b strings.Builder
	fmt.Fprintf(&b, `
### TCP-level faults

The same four providers behind Shopify's toxiproxy (`+"`github.com/Shopify/toxiproxy/v2`"+`, run in-process,
on loopback, between the SDK and `+"`mockserver`"+`), with `+"`HTTPClient.Timeout`"+` %v where the fault is a
hang (%v otherwise: a ceiling for a loaded machine, which those cases end before). Every
connection gets the fault, each retry meets it again. The client-credentials providers are called
through `+"`Config.Token`"+`, `+"`TokenSource`"+` and `+"`Client`"+` (a `+"`Client`"+` call is bounded by its
`+"`HTTPClient.Timeout`"+` as a whole, so a failing fetch may end there, as a timeout); MobiFinance
through `+"`Exchange`"+`, and its `+"`Client`"+` with an exchanged token (the API call meets the fault,
and no token request is made). *req.* counts the token requests that reached the mock: a fault on
the requests may stop them before; MobiFinance's code is never submitted twice. Every error names
its provider; a failed `+"`Exchange`"+` matches `+"`mobifinance.ErrReauthorize`"+`.

| Fault (toxic, stream) | Money-Go, MoneyKit, Moov | MobiFinance `+"`Exchange`"+` |
|---|---|---|
`, tcpTimeout, tcpOKTimeout)
	for _, r := range tcpRows {
		fmt.Fprintf(&b, "| %s (`%s`, %s) | %s | %s |\n", strings.ReplaceAll(r.fault, "|", `\|`), r.toxic, r.stream, tcpOutcomeDoc(r.cc), tcpOutcomeDoc(r.mf))
	}
	return b.String()
}

// TestNoDeadlineBudget: a token endpoint that takes requests and never answers,
// called with no deadline at all (Config.Token(context.Background()),
// TokenSource().Token(), Exchange) through the default HTTP client: each
// call ends within the 30 s fetch budget with a timeout that names its
// provider and does not match context.DeadlineExceeded (no caller
// deadline ended). Long: it waits the budget out.
func TestNoDeadlineBudget(t *testing.T) {
	testenv.Long(t)
	t.Parallel()
	const budget = 30 * time.Second
	// The request arrives, the answer is swallowed and the connection
	// stays open (a hang on the requests would meet the mock's own read
	// timeout, which closes the connection).
	hang := tcpRow{toxic: "timeout", stream: "downstream"}
	var wg sync.WaitGroup
	for _, p := range providers {
		for _, via := range []string{"Config.Token", "TokenSource"} {
			if p.oneShot && via == "TokenSource" {
				continue
			}
			wg.Go(func() {
				t.Run(p.name+"/"+via, func(t *testing.T) {
					s := newSentinels()
					srv := mockserver.New(mockserver.WithClient(p.mock, s.id, s.secret))
					t.Cleanup(srv.Close)
					code := ""
					if p.oneShot {
						code = srv.MustIssueCode(s.id, mockserver.DemoRedirectURI)
					}
					base := newToxicProxy(t, "budget/"+p.name+"/"+via, strings.TrimPrefix(srv.URL, "http://"), hang, map[string]any{"timeout": 0})
					e := env{baseURL: base, creds: creds{id: s.id, secret: s.secret, code: code}} // HTTPClient nil: the default
					start := time.Now()
					var err error
					if via == "TokenSource" {
						_, err = tokenSourceOf(p, e).Token()
					} else {
						_, err = p.token(context.Background(), e)
					}
					elapsed := time.Since(start)
					if elapsed > budget+5*time.Second {
						t.Errorf("took %v, more than the %v budget", elapsed.Round(time.Millisecond), budget)
					}
					if msg := fmt.Sprint(err); !strings.HasPrefix(msg, p.name+": ") || !strings.Contains(msg, "timed out") && !strings.Contains(msg, "timeout") {
						t.Errorf("error %v does not say %s timed out", err, p.name)
					}
					if errors.Is(err, context.DeadlineExceeded) {
						t.Errorf("%v matches context.DeadlineExceeded, yet no caller deadline ended", err)
					}
					if kindOf(err) != kTimeout {
						t.Errorf("outcome %s, want %s", kindOf(err), kTimeout)
					}
					if p.oneShot && !errors.Is(err, mobifinance.ErrReauthorize) {
						t.Errorf("%v does not match ErrReauthorize", err)
					}
					t.Logf("%s %s: %v after %v", p.name, via, err, elapsed.Round(100*time.Millisecond))
				})
			})
		}
	}
	wg.Wait()
}

// tokenSourceOf is p's Config.TokenSource, for a client-credentials
// provider.
func tokenSourceOf(p prov, e env) oauth2.TokenSource {
	switch p.mock {
	case mockserver.MoneyGo:
		return moneygoConfig(e).TokenSource()
	case mockserver.MoneyKit:
		return moneykitConfig(e).TokenSource()
	case mockserver.Moov:
		return moovConfig(e).TokenSource()
	}
	panic("no TokenSource fetches for " + p.name)
}
