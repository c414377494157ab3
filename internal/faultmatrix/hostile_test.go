package faultmatrix_test

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// sentinels are unique credential values for one test run. Any of them in an
// error message, a formatted value or a log line is a leak.
type sentinels struct {
	secret, access, refresh, code string
	// id is the case's client id: not a secret, but a client of its own,
	// since an SDK process shares one refresh rate limit (WithRefreshLimit:
	// 20 or 40 requests a second) among all Sources of a provider and client
	// id; with one id for all, the cases would queue for it.
	id string
}

func newSentinels() sentinels {
	r := func(what string) string {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		return what + "-" + hex.EncodeToString(b)
	}
	return sentinels{secret: r("SENTINEL-SECRET"), access: r("SENTINEL-ACCESS"), refresh: r("SENTINEL-REFRESH"), code: r("SENTINEL-CODE"),
		id: r("client")}
}

func (s sentinels) all() map[string]string {
	return map[string]string{"client secret": s.secret, "access token": s.access, "refresh token": s.refresh, "authorization code": s.code}
}

// leaks lists the sentinels (or their first 24 characters: more than enough
// to be the credential "in full" for any real provider) found in text.
func (s sentinels) leaks(text string) []string {
	var out []string
	for what, v := range s.all() {
		if strings.Contains(text, v[:24]) {
			out = append(out, what)
		}
	}
	return out
}

// hostile is a raw token endpoint that misbehaves as a fault says, for the
// first `times` requests (0: every request), and otherwise answers like the
// provider. It counts requests, and with reflect set it echoes every
// credential it received (and the sentinels it was given) back in bodies
// and headers, as a careless or malicious server might.
type hostile struct {
	t       testing.TB
	p       prov
	s       sentinels
	fault   func(w http.ResponseWriter, r *http.Request, x *call)
	times   int
	reflect bool

	srv    *httptest.Server
	other  *httptest.Server // "another host", where redirects point
	n      atomic.Int32     // token requests (with this case's credentials)
	otherN atomic.Int32     // requests that reached the other host
	stop   chan struct{}    // closed at cleanup: hanging handlers return
}

// call is one request being answered: the server and what the request
// carried.
type call struct {
	*hostile
	n                  int
	gotSecret, gotCode string
}

func newHostile(t testing.TB, p prov, s sentinels, times int, reflect bool, fault func(http.ResponseWriter, *http.Request, *call)) *hostile {
	x := &hostile{t: t, p: p, s: s, fault: fault, times: times, reflect: reflect, stop: make(chan struct{})}
	x.other = newOtherHost(t, &x.otherN)
	x.srv = httptest.NewServer(http.HandlerFunc(x.serve))
	t.Cleanup(func() {
		close(x.stop)
		x.srv.CloseClientConnections()
		x.srv.Close()
	})
	return x
}

// newOtherHost listens on 127.0.0.2 where the system allows it (Linux routes
// all of 127/8 to lo), so it is another host to a URL, not just another port.
func newOtherHost(t testing.TB, n *atomic.Int32) *httptest.Server {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"stolen","token_type":"Bearer","expires_in":3600}`))
	}))
	if ln, err := net.Listen("tcp", "127.0.0.2:0"); err == nil {
		srv.Listener.Close()
		srv.Listener = ln
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func (x *hostile) URL() string { return x.srv.URL }

func (x *hostile) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != x.p.path {
		http.NotFound(w, r)
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	secret, code := requestCreds(r, body)
	if secret != x.s.secret && code != x.s.code {
		// Not this case's SDK: a fetch of an earlier case that outlived it
		// (a Source's fetch runs on, detached, after its caller's timeout)
		// retrying at a port the system has since given to this server.
		// Counting it would make this case's exact count off by one.
		x.t.Logf("a token request with another case's credentials: not counted")
		w.WriteHeader(http.StatusMisdirectedRequest)
		return
	}
	n := int(x.n.Add(1))
	c := &call{hostile: x, n: n, gotSecret: secret, gotCode: code}
	if x.times == 0 || n <= x.times {
		x.fault(w, r, c)
		return
	}
	c.ok(w, x.p.okStatus, x.p.okBody(x.accessToken(n), x.s.refresh))
}

// accessToken is the token the n-th request gets: sentinel-based, so it is
// also checked for leaks, and numbered, so a test can tell which request
// it came from.
func (x *hostile) accessToken(n int) string { return fmt.Sprintf("%s-%d", x.s.access, n) }

// requestCreds reads the client secret (Basic header or body) and code a
// token request carried.
func requestCreds(r *http.Request, body []byte) (secret, code string) {
	if _, pw, ok := r.BasicAuth(); ok {
		secret = pw
	}
	var m map[string]any
	if json.Unmarshal(body, &m) == nil {
		if s, ok := m["client_secret"].(string); ok && secret == "" {
			secret = s
		}
		if c, ok := m["code"].(string); ok {
			code = c
		}
		return secret, code
	}
	if v, err := url.ParseQuery(string(body)); err == nil {
		if secret == "" {
			secret = v.Get("client_secret")
		}
		code = v.Get("code")
	}
	return secret, code
}

// echo is what a reflecting server puts in its messages: the credentials
// the request carried. (Not the sentinel tokens: a server that writes a
// token in an error message it never issued as one leaks nothing the SDK
// could know; tokens are checked where the SDK received them, in 2xx
// bodies.)
func (x *call) echo() string {
	if !x.reflect {
		return ""
	}
	return fmt.Sprintf(" (you sent client_secret=%s code=%s)", x.gotSecret, x.gotCode)
}

// echoHeaders sets headers a reflecting server fills with credentials.
func (x *call) echoHeaders(w http.ResponseWriter) {
	if !x.reflect {
		return
	}
	h := w.Header()
	h.Set("X-Request-Id", x.gotSecret+":"+x.gotCode)
	h.Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="`+x.gotCode+`"`)
	h.Set("X-Debug-Secret", x.gotSecret+" "+x.gotCode)
}

// errorAnswer answers status with the provider's error body.
func (x *call) errorAnswer(w http.ResponseWriter, status int, header ...string) {
	for i := 0; i+1 < len(header); i += 2 {
		w.Header().Set(header[i], header[i+1])
	}
	x.echoHeaders(w)
	desc := http.StatusText(status) + x.echo()
	b := x.p.errBody(x.p.errCode(status), desc)
	if x.reflect {
		b["access_token"] = x.s.access // some servers put odd things in error bodies
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(mustJSON(b))
}

// ok answers status with body as JSON.
func (x *call) ok(w http.ResponseWriter, status int, body map[string]any) {
	x.raw(w, status, "application/json", mustJSON(body))
}

// okWith answers the provider's success body changed by set (a nil value
// deletes the key).
func (x *call) okWith(w http.ResponseWriter, set map[string]any) {
	b := x.p.okBody(x.s.access, x.s.refresh)
	for k, v := range set {
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
	}
	if x.reflect {
		b["error_description"] = strings.TrimSpace(x.echo())
	}
	x.ok(w, x.p.okStatus, b)
}

func (x *call) raw(w http.ResponseWriter, status int, contentType string, body []byte) {
	x.echoHeaders(w)
	if contentType != "" {
		w.Header().Set("Content-Type", contentType)
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// reset closes the connection with a TCP RST, after writing prefix (raw
// HTTP/1.1 bytes) if any.
func (x *call) reset(w http.ResponseWriter, prefix string) {
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if prefix != "" {
		_, _ = buf.WriteString(prefix)
		_ = buf.Flush()
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// hang keeps the request open until the client gives up or the test ends.
func (x *hostile) hang(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-x.stop:
	}
}
