package faultmatrix_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/paytoken/paytoken/mockserver"
)

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
	srv, code := newMock(t, p, s)
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
