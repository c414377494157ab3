package faultmatrix_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providerkit"
	"github.com/paytoken/paytoken/mockserver"
)

// outcome is what the SDK does about a fault.
type outcome struct {
	kind     string
	requests int           // upstream token requests, exactly
	minWait  time.Duration // the call took at least this long (a wait the server asked for)
	does     string        // what the SDK does, in the doc's words
}

// row is one fault.
type row struct {
	id    string // test name
	fault string // the doc's words
	// times: how many requests misbehave, 1 (a transient fault: the next
	// request gets a token) or 0 (every request).
	times int
	// raw makes the hostile server misbehave; mock is the same fault through
	// mockserver's injection (nil where the mock cannot express it).
	raw  func(w http.ResponseWriter, r *http.Request, x *call)
	mock func(p prov, other string) *mockserver.Fault
	// cc is the outcome for the client-credentials providers (Money-Go,
	// MoneyKit, Moov) through TokenSource; mf for MobiFinance's Exchange.
	cc, mf outcome
	// override holds outcomes for a single provider.
	override map[string]outcome
	// timeout is the HTTPClient.Timeout of a row whose fault is a hang
	// (default: defaultTimeout, which no healthy answer reaches).
	timeout time.Duration
	// long: the row waits out a long timeout (testenv.Long).
	long bool
	// check makes extra assertions on a finished case.
	check func(t *testing.T, c *result)
}

func (r row) want(p prov) outcome {
	if o, ok := r.override[p.name]; ok {
		return o
	}
	if p.oneShot {
		return r.mf
	}
	return r.cc
}

const (
	doesRetry     = "retries, returns the next token"
	doesWaitRetry = "waits as asked, retries, returns the next token"
	doesOnce      = "no retry: the code may be spent"
	doesFinal     = "no retry"
	doesGiveUp    = "retries up to `MaxAttempts` (3), then fails"
	doesToken     = "returns the token"
	doesRedirect  = "does not follow it: the credentials stay put"
)

func tokenOK(does string, n int) outcome { return outcome{kind: kToken, requests: n, does: does} }
func final(kind string) outcome          { return outcome{kind: kind, requests: 1, does: doesFinal} }
func once(kind string) outcome           { return outcome{kind: kind, requests: 1, does: doesOnce} }

func statusFault(status int, header ...string) func(http.ResponseWriter, *http.Request, *call) {
	return func(w http.ResponseWriter, _ *http.Request, x *call) { x.errorAnswer(w, status, header...) }
}

func bodyFault(set map[string]any) func(http.ResponseWriter, *http.Request, *call) {
	return func(w http.ResponseWriter, _ *http.Request, x *call) { x.okWith(w, set) }
}

// mockBody is a mock fault answering the provider's success status with the
// success body changed by set.
func mockBody(set map[string]any) func(p prov, _ string) *mockserver.Fault {
	return func(p prov, _ string) *mockserver.Fault {
		b := p.okBody("mock-token-0123456789", "mock-refresh")
		for k, v := range set {
			if v == nil {
				delete(b, k)
			} else {
				b[k] = v
			}
		}
		return &mockserver.Fault{Status: p.okStatus, Body: string(mustJSON(b))}
	}
}

func mockStatus(status int, f mockserver.Fault) func(prov, string) *mockserver.Fault {
	return func(prov, string) *mockserver.Fault { g := f; g.Status = status; return &g }
}

const htmlPage = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>\n"

// expiryNear checks the token expires about d from the case's start.
func expiryNear(d time.Duration) func(t *testing.T, c *result) {
	return func(t *testing.T, c *result) {
		if c.tok == nil {
			return
		}
		want := c.start.Add(d)
		if diff := c.tok.Expiry.Sub(want); diff < -5*time.Second || diff > 5*time.Second {
			t.Errorf("expiry %v, want about %v", c.tok.Expiry, want)
		}
	}
}

var unixExpiry = time.Now().Add(2 * time.Hour).Truncate(time.Second)

// redirectRow is a redirect with status to another host.
func redirectRow(status int) row {
	does := outcome{kind: kRedirect, requests: 1, does: "does not follow it (credentials stay put): an `*auth.Error` with the 3xx status"}
	return row{
		id: fmt.Sprintf("redirect-%d", status), fault: fmt.Sprintf("%d redirect to another host", status), times: 0,
		raw: func(w http.ResponseWriter, _ *http.Request, x *call) {
			w.Header().Set("Location", x.other.URL+x.p.path)
			x.raw(w, status, "", nil)
		},
		mock: func(p prov, other string) *mockserver.Fault {
			return &mockserver.Fault{Status: status, Location: other + p.path}
		},
		cc: does, mf: does,
	}
}

// rows is the fault matrix. Its outcomes are also the table in
// docs/failure-behaviour.md.
var rows = []row{
	{
		id: "429-retry-after-seconds", fault: "429, `Retry-After: 1` (seconds)", times: 1,
		raw:  statusFault(429, "Retry-After", "1"),
		mock: mockStatus(429, mockserver.Fault{RetryAfter: "1"}),
		cc:   outcome{kind: kToken, requests: 2, minWait: 900 * time.Millisecond, does: doesWaitRetry},
		mf:   once(kRate),
	},
	{
		id: "429-retry-after-date", fault: "429, `Retry-After` as an HTTP-date 2 s ahead", times: 1,
		raw: func(w http.ResponseWriter, r *http.Request, x *call) {
			x.errorAnswer(w, 429, "Retry-After", time.Now().Add(2*time.Second).UTC().Format(http.TimeFormat))
		},
		mock: func(prov, string) *mockserver.Fault {
			return &mockserver.Fault{Status: 429, RetryAfter: time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat)}
		},
		cc: outcome{kind: kToken, requests: 2, minWait: 500 * time.Millisecond, does: doesWaitRetry},
		mf: once(kRate),
	},
	{
		id: "429-no-retry-after", fault: "429 without `Retry-After`", times: 1,
		raw: statusFault(429), mock: mockStatus(429, mockserver.Fault{}),
		cc: tokenOK("retries after a jittered backoff, returns the next token", 2),
		mf: once(kRate),
	},
	{
		id: "429-every-time", fault: "429 on every request", times: 0,
		raw: statusFault(429), mock: mockStatus(429, mockserver.Fault{}),
		cc: outcome{kind: kRate, requests: 3, does: doesGiveUp},
		mf: once(kRate),
	},
	{
		id: "429-retry-after-too-long", fault: "429, `Retry-After: 3600` (more than `RetryPolicy.MaxRetryAfter`)", times: 0,
		raw: statusFault(429, "Retry-After", "3600"), mock: mockStatus(429, mockserver.Fault{RetryAfter: "3600"}),
		cc: outcome{kind: kRate, requests: 1, does: "gives up at once; `Error.RetryAfter` (1h) says when to come back"},
		mf: once(kRate),
		check: func(t *testing.T, c *result) {
			var e *auth.Error
			if errors.As(c.err, &e) && e.RetryAfter != time.Hour {
				t.Errorf("Error.RetryAfter = %v, want 1h", e.RetryAfter)
			}
		},
	},
	{
		id: "429-x-retry-in", fault: "429, `X-Retry-In: 300` (milliseconds, Moov's older documents)", times: 1,
		raw: statusFault(429, "X-Retry-In", "300"), mock: mockStatus(429, mockserver.Fault{RetryIn: "300"}),
		cc: outcome{kind: kToken, requests: 2, minWait: 300 * time.Millisecond, does: doesWaitRetry},
		mf: once(kRate),
	},
	{id: "500", fault: "500 Internal Server Error", times: 1, raw: statusFault(500), mock: mockStatus(500, mockserver.Fault{}), cc: tokenOK(doesRetry, 2), mf: once(kServer)},
	{id: "502", fault: "502 Bad Gateway", times: 1, raw: statusFault(502), mock: mockStatus(502, mockserver.Fault{}), cc: tokenOK(doesRetry, 2), mf: once(kServer)},
	{id: "503", fault: "503 Service Unavailable", times: 1, raw: statusFault(503), mock: mockStatus(503, mockserver.Fault{}), cc: tokenOK(doesRetry, 2), mf: once(kServer)},
	{id: "505", fault: "505 (MobiFinance's documented server_error)", times: 1, raw: statusFault(505), mock: mockStatus(505, mockserver.Fault{}), cc: tokenOK(doesRetry, 2), mf: once(kServer)},
	{
		id: "503-every-time", fault: "503 on every request", times: 0,
		raw: statusFault(503), mock: mockStatus(503, mockserver.Fault{}),
		cc: outcome{kind: kServer, requests: 3, does: doesGiveUp}, mf: once(kServer),
	},
	{
		id: "502-html", fault: "502 with an HTML gateway page", times: 1,
		raw: func(w http.ResponseWriter, _ *http.Request, x *call) {
			x.raw(w, 502, "text/html", []byte(htmlPage))
		},
		mock: mockStatus(502, mockserver.Fault{Body: htmlPage, ContentType: "text/html"}),
		cc:   tokenOK(doesRetry, 2), mf: once(kServer),
		check: func(t *testing.T, c *result) {
			var e *auth.Error
			if c.err != nil && (!errors.As(c.err, &e) || e.StatusCode != 502 || !bytes.Contains(e.Body, []byte("<html>"))) {
				t.Errorf("the error does not keep the status and the page: %#v", e)
			}
		},
	},
	{
		id: "reset", fault: "connection reset before any answer", times: 1,
		raw:  func(w http.ResponseWriter, _ *http.Request, x *call) { x.reset(w, "") },
		mock: func(prov, string) *mockserver.Fault { return &mockserver.Fault{Drop: true} },
		cc:   tokenOK(doesRetry, 2), mf: once(kNetwork),
	},
	{
		id: "reset-every-time", fault: "connection reset on every request", times: 0,
		raw:  func(w http.ResponseWriter, _ *http.Request, x *call) { x.reset(w, "") },
		mock: func(prov, string) *mockserver.Fault { return &mockserver.Fault{Drop: true} },
		cc:   outcome{kind: kNetwork, requests: 3, does: doesGiveUp}, mf: once(kNetwork),
	},
	{
		id: "reset-mid-body", fault: "connection reset in the middle of a 2xx body", times: 1,
		raw: func(w http.ResponseWriter, _ *http.Request, x *call) {
			x.reset(w, fmt.Sprintf("HTTP/1.1 %d OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"access_token\":\"%s\",", x.p.okStatus, x.s.access))
		},
		cc: tokenOK(doesRetry, 2), mf: once(kNetwork),
	},
	{
		// The retry must be answered within the timeout, so it is the
		// healthy rows' 10 s (300 ms, then 2 s, were not enough under the
		// race detector on a loaded machine: the retry timed out too, 3
		// requests); waiting it out makes the row long.
		id: "no-answer", fault: "no answer at all (`HTTPClient.Timeout` 10 s)", times: 1, timeout: defaultTimeout, long: true,
		raw:  func(w http.ResponseWriter, r *http.Request, x *call) { x.hang(r) },
		mock: func(prov, string) *mockserver.Fault { return &mockserver.Fault{Delay: time.Minute} },
		cc:   tokenOK(doesRetry, 2), mf: once(kTimeout),
	},
	{
		id: "no-answer-every-time", fault: "no answer on every request (`HTTPClient.Timeout` 300 ms)", times: 0, timeout: 300 * time.Millisecond,
		raw:  func(w http.ResponseWriter, r *http.Request, x *call) { x.hang(r) },
		mock: func(prov, string) *mockserver.Fault { return &mockserver.Fault{Delay: time.Minute} },
		cc:   outcome{kind: kTimeout, requests: 3, does: doesGiveUp}, mf: once(kTimeout),
	},
	{
		id: "body-never-ends", fault: "headers, then a body that never ends (`HTTPClient.Timeout` 10 s)", times: 1, timeout: defaultTimeout, long: true,
		raw: func(w http.ResponseWriter, r *http.Request, x *call) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(x.p.okStatus)
			_, _ = w.Write([]byte(`{"access_token":"` + x.s.access + `","padding":"`))
			http.NewResponseController(w).Flush()
			x.hang(r)
		},
		cc: tokenOK(doesRetry, 2), mf: once(kTimeout),
	},
	{
		id: "slow-answer", fault: "a slow answer (200 ms) within the timeout", times: 1,
		raw: func(w http.ResponseWriter, r *http.Request, x *call) {
			time.Sleep(200 * time.Millisecond)
			x.ok(w, x.p.okStatus, x.p.okBody(x.accessToken(x.n), x.s.refresh))
		},
		mock: func(prov, string) *mockserver.Fault { return &mockserver.Fault{Delay: 200 * time.Millisecond} },
		cc:   tokenOK(doesToken, 1), mf: tokenOK(doesToken, 1),
	},
	{
		id: "truncated-json", fault: "2xx with truncated JSON", times: 1,
		raw: func(w http.ResponseWriter, _ *http.Request, x *call) {
			x.raw(w, x.p.okStatus, "application/json", []byte(`{"access_token":"`+x.s.access+`","token_type":`))
		},
		mock: func(prov, string) *mockserver.Fault { return &mockserver.Fault{Malformed: true} },
		cc:   final(kMalformed), mf: final(kMalformed),
	},
	{
		id: "html-200", fault: "200 with an HTML page (a captive portal)", times: 1,
		raw:  func(w http.ResponseWriter, _ *http.Request, x *call) { x.raw(w, 200, "text/html", []byte(htmlPage)) },
		mock: mockStatus(200, mockserver.Fault{Body: htmlPage, ContentType: "text/html"}),
		cc:   final(kMalformed), mf: final(kMalformed),
	},
	{
		id: "10mib-2xx", fault: "2xx with a 10 MiB body", times: 1,
		raw: func(w http.ResponseWriter, _ *http.Request, x *call) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(x.p.okStatus)
			_, _ = w.Write([]byte(`{"padding":"`))
			chunk := bytes.Repeat([]byte("x"), 64<<10)
			for range 160 {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
			_, _ = w.Write([]byte(`","access_token":"` + x.s.access + `","token_type":"Bearer"}`))
		},
		mock: func(prov, string) *mockserver.Fault { return &mockserver.Fault{Oversized: true} },
		cc:   final(kMalformed), mf: final(kMalformed),
	},
	{
		id: "10mib-500", fault: "500 with a 10 MiB body", times: 1,
		raw: func(w http.ResponseWriter, _ *http.Request, x *call) {
			x.raw(w, 500, "text/plain", bytes.Repeat([]byte("E"), 10<<20))
		},
		mock: mockStatus(500, mockserver.Fault{Body: strings.Repeat("E", 10<<20), ContentType: "text/plain"}),
		cc:   tokenOK(doesRetry, 2), mf: once(kServer),
		check: func(t *testing.T, c *result) {
			var e *auth.Error
			if c.err != nil && errors.As(c.err, &e) && len(e.Body) > providerkit.MaxErrorBody {
				t.Errorf("Error.Body holds %d bytes", len(e.Body))
			}
		},
	},
	{
		id: "empty-access-token", fault: "2xx with `\"access_token\": \"\"`", times: 1,
		raw: bodyFault(map[string]any{"access_token": ""}), mock: func(prov, string) *mockserver.Fault { return &mockserver.Fault{EmptyToken: true} },
		cc: final(kMalformed), mf: final(kMalformed),
	},
	{
		id: "no-access-token", fault: "2xx with an OAuth2 error body and no `access_token`", times: 1,
		raw: func(w http.ResponseWriter, _ *http.Request, x *call) {
			x.ok(w, x.p.okStatus, map[string]any{"error": "invalid_client", "error_description": "Unknown client" + x.echo()})
		},
		mock: func(p prov, _ string) *mockserver.Fault {
			return &mockserver.Fault{Status: p.okStatus, Body: `{"error":"invalid_client","error_description":"Unknown client"}`}
		},
		cc: final(kMalformed), mf: final(kMalformed),
	},
	{
		id: "expires-in-negative", fault: "`expires_in: -1`", times: 1,
		raw: bodyFault(map[string]any{"expires_in": -1}), mock: mockBody(map[string]any{"expires_in": -1}),
		cc: final(kMalformed), mf: final(kMalformed),
	},
	{
		id: "expires-in-float", fault: "`expires_in: 3600.5`", times: 1,
		raw: bodyFault(map[string]any{"expires_in": 3600.5}), mock: mockBody(map[string]any{"expires_in": 3600.5}),
		cc: tokenOK("returns the token (fractions of a second dropped)", 1), mf: tokenOK("returns the token (fractions of a second dropped)", 1),
		check: expiryNear(3600 * time.Second),
	},
	{
		id: "expires-in-huge", fault: "`expires_in: 1e300`", times: 1,
		raw: bodyFault(map[string]any{"expires_in": 1e300}), mock: mockBody(map[string]any{"expires_in": 1e300}),
		cc: final(kMalformed), mf: final(kMalformed),
	},
	{
		id: "expires-in-numeric-string", fault: "`expires_in: \"3600\"` (a numeric string)", times: 1,
		raw: bodyFault(map[string]any{"expires_in": "3600"}), mock: mockBody(map[string]any{"expires_in": "3600"}),
		cc: tokenOK(doesToken, 1), mf: tokenOK(doesToken, 1), check: expiryNear(3600 * time.Second),
	},
	{
		id: "expires-in-string", fault: "`expires_in: \"soon\"`", times: 1,
		raw: bodyFault(map[string]any{"expires_in": "soon"}), mock: mockBody(map[string]any{"expires_in": "soon"}),
		cc: final(kMalformed), mf: final(kMalformed),
	},
	{
		id: "expires-in-unix-time", fault: "`expires_in` holding an absolute Unix time (some Moov examples)", times: 1,
		raw: bodyFault(map[string]any{"expires_in": unixExpiry.Unix()}), mock: mockBody(map[string]any{"expires_in": unixExpiry.Unix()}),
		cc: tokenOK("returns the token, expiring at that time", 1), mf: tokenOK("returns the token, expiring at that time", 1),
		check: func(t *testing.T, c *result) {
			if c.tok != nil && !c.tok.Expiry.Equal(unixExpiry) {
				t.Errorf("expiry %v, want %v", c.tok.Expiry, unixExpiry)
			}
		},
	},
	{
		id: "expires-in-absent", fault: "no `expires_in`", times: 1,
		raw: bodyFault(map[string]any{"expires_in": nil}), mock: mockBody(map[string]any{"expires_in": nil}),
		cc: tokenOK("returns the token with the documented lifetime (30 d, 1 h, 15 min)", 1),
		mf: tokenOK("returns the token, which never expires", 1),
		check: func(t *testing.T, c *result) {
			if c.tok == nil {
				return
			}
			life := map[string]time.Duration{"moneygo": 30 * 24 * time.Hour, "moneykit": time.Hour, "moov": 15 * time.Minute}[c.p.name]
			if life == 0 {
				if !c.tok.Expiry.IsZero() {
					t.Errorf("MobiFinance token expires at %v", c.tok.Expiry)
				}
				return
			}
			expiryNear(life)(t, c)
		},
	},
	{
		id: "content-type-text-plain", fault: "a JSON token labelled `Content-Type: text/plain`", times: 1,
		raw: func(w http.ResponseWriter, _ *http.Request, x *call) {
			x.raw(w, x.p.okStatus, "text/plain; charset=utf-8", mustJSON(x.p.okBody(x.s.access, x.s.refresh)))
		},
		mock: func(p prov, _ string) *mockserver.Fault {
			return &mockserver.Fault{Status: p.okStatus, ContentType: "text/plain; charset=utf-8", Body: string(mustJSON(p.okBody("mock-token-0123456789", "r")))}
		},
		cc: tokenOK("returns the token (a body starting with `{` is JSON)", 1), mf: tokenOK("returns the token (a body starting with `{` is JSON)", 1),
	},
	{
		id: "content-type-form", fault: "a JSON token labelled `application/x-www-form-urlencoded`", times: 1,
		raw: func(w http.ResponseWriter, _ *http.Request, x *call) {
			x.raw(w, x.p.okStatus, "application/x-www-form-urlencoded", mustJSON(x.p.okBody(x.s.access, x.s.refresh)))
		},
		mock: func(p prov, _ string) *mockserver.Fault {
			return &mockserver.Fault{Status: p.okStatus, ContentType: "application/x-www-form-urlencoded", Body: string(mustJSON(p.okBody("mock-token-0123456789", "r")))}
		},
		cc: final(kMalformed), mf: final(kMalformed),
	},
	{
		id: "token-type-mac", fault: "`token_type: \"mac\"` (not a bearer token)", times: 1,
		raw: bodyFault(map[string]any{"token_type": "mac"}), mock: mockBody(map[string]any{"token_type": "mac"}),
		cc: final(kMalformed), mf: final(kMalformed),
	},
	redirectRow(307),
	redirectRow(302),
	{
		id: "400", fault: "400 with the provider's `invalid_request` body", times: 0,
		raw: statusFault(400), mock: mockStatus(400, mockserver.Fault{}),
		cc: final(kRequest), mf: final(kRequest),
		// MoneyKit's documented 400 body carries api_error.auth.unauthorized.
		override: map[string]outcome{"moneykit": final(kClient)},
	},
	{
		id: "401", fault: "401 with the provider's invalid-client body", times: 0,
		raw: statusFault(401), mock: mockStatus(401, mockserver.Fault{}),
		cc: final(kClient), mf: final(kClient),
	},
	{
		id: "403", fault: "403 `invalid_grant`", times: 0,
		raw: statusFault(403), mock: mockStatus(403, mockserver.Fault{}),
		cc: final(kGrant), mf: final(kGrant),
		override: map[string]outcome{"moneykit": final(kClient)},
	},
	{
		id: "answer-lost", fault: "the token is issued, then the answer is lost (500 after handling; mock only)", times: 1,
		mock: func(prov, string) *mockserver.Fault { return &mockserver.Fault{Status: 500, AfterHandling: true} },
		cc:   tokenOK("retries, returns a second token (the first is never seen)", 2),
		mf:   outcome{kind: kServer, requests: 1, does: "no retry; the code is spent (a second `Exchange` gets `ErrInvalidGrant`)"},
		check: func(t *testing.T, c *result) {
			if !c.p.oneShot {
				if n := c.mock.Counts(c.p.mock).TokensIssued; n != 2 {
					t.Errorf("the mock issued %d tokens, want 2", n)
				}
				return
			}
			_, err := c.p.fetch(context.Background(), c.env)
			if !errors.Is(err, auth.ErrInvalidGrant) {
				t.Errorf("a second Exchange of the spent code: %v, want ErrInvalidGrant", err)
			}
		},
	},
}

func rowByID(id string) row {
	for _, r := range rows {
		if r.id == id {
			return r
		}
	}
	panic("no row " + id)
}
