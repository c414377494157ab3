package faultmatrix_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/mockserver"
)

// runMock runs one row through the mock's fault injection.
func runMock(t *testing.T, r row, p prov) *result {
	s := newSentinels()
	srv, code := newMock(t, p, s)
	var otherN atomic.Int32
	other := newOtherHost(t, &otherN)
	f := r.mock(p, other.URL)
	f.Times = r.times
	srv.InjectFault(p.mock, *f)
	e := env{baseURL: srv.URL, hc: newHTTPClient(t, r.timeout), creds: creds{id: s.id, secret: s.secret, code: code},
		opts: []auth.Option{auth.WithRetry(fastRetry)}}
	c := &result{p: p, server: "mock", start: time.Now(), mock: srv, env: e}
	c.tok, c.elapsed, c.err = callBounded(t, p, e, p.fetch)
	c.requests, c.other = srv.Counts(p.mock).TokenRequests, int(otherN.Load())
	return c
}

// newMock is a mock server with s's client of p, closed when the test
// ends, and the code the case submits: one the mock issued for MobiFinance,
// none for the client-credentials providers.
func newMock(t testing.TB, p prov, s sentinels) (srv *mockserver.Server, code string) {
	srv = mockserver.New(mockserver.WithClient(p.mock, s.id, s.secret))
	t.Cleanup(srv.Close)
	if p.oneShot {
		code = srv.MustIssueCode(s.id, mockserver.DemoRedirectURI)
	}
	return srv, code
}
