package faultmatrix_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
)

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
