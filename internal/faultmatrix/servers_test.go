package faultmatrix_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// serve starts a test server with h on ln (nil: httptest's own loopback
// listener); it is closed when the test ends.
func serve(t testing.TB, ln net.Listener, h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	if ln != nil {
		srv.Listener.Close()
		srv.Listener = ln
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// otherHostListener listens on 127.0.0.2 where the system allows it (Linux
// routes all of 127/8 to lo), so that a server there is another host to a
// URL, not just another port; it is nil where the system does not.
func otherHostListener() net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		return nil
	}
	return ln
}

// newOtherHost is "another host" (otherHostListener), where redirects
// point: it counts the requests that reach it in n and answers each with a
// token.
func newOtherHost(t testing.TB, n *atomic.Int32) *httptest.Server {
	return serve(t, otherHostListener(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"stolen","token_type":"Bearer","expires_in":3600}`))
	}))
}

// countingListener counts the connections it accepts in n.
type countingListener struct {
	net.Listener
	n *atomic.Int32
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}
