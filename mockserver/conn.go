package mockserver

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"sync"
)

// net/http answers a request it cannot parse (headers over MaxHeaderBytes, a malformed
// line, an unknown transfer coding) itself, straight on the connection and in plain text,
// before any handler sees it; and it closes a connection whose headers time out without a
// word. A started Server wraps each connection so that those refusals, too, come in the
// provider's error shape: the connection knows where each request is (idle, headers
// arriving, handled) and the first bytes of the request being read, which name its path.

// shapedListener hands out shapedConns.
type shapedListener struct {
	net.Listener
	s *Server
}

func (l shapedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &shapedConn{Conn: c, s: l.s}, nil
}

type connPhase int

const (
	phaseIdle    connPhase = iota // between requests: nothing of the next one has arrived
	phaseHead                     // a request's line and headers are arriving
	phaseHandled                  // a handler has the request
)

// headSniff is how much of a request's start is kept to find its path.
const headSniff = 512

type shapedConn struct {
	net.Conn
	s *Server

	mu       sync.Mutex
	phase    connPhase
	head     []byte // the first bytes of the request being read
	answered bool   // the connection wrote a refusal of its own: it is closing
}

// connKey is the request-context key of the request's shapedConn.
type connKey struct{}

func (c *shapedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.mu.Lock()
	defer c.mu.Unlock()
	if n > 0 {
		if c.phase == phaseIdle {
			c.phase, c.head = phaseHead, c.head[:0]
		}
		if c.phase == phaseHead && len(c.head) < headSniff {
			c.head = append(c.head, b[:min(n, headSniff-len(c.head))]...)
		}
	}
	if err != nil && c.phase == phaseHead && len(c.head) > 0 && errors.Is(err, os.ErrDeadlineExceeded) {
		// A request started and its headers did not arrive in time: answer 408 (RFC 9110
		// §15.5.9) before net/http closes the connection.
		c.refuseLocked(http.StatusRequestTimeout, "the request's headers did not arrive within the read timeout")
	}
	return n, err
}

func (c *shapedConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	if c.phase == phaseHead {
		if status, desc, ok := c.plainRefusal(b); ok {
			c.refuseLocked(status, desc)
			c.mu.Unlock()
			return len(b), nil
		}
	}
	c.mu.Unlock()
	return c.Conn.Write(b)
}

// CloseWrite lets net/http half-close after a refusal, so the client reads the answer
// before the connection goes.
func (c *shapedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// handled: a handler has the connection's request; its body is the handler's business.
func (c *shapedConn) handled() {
	c.mu.Lock()
	c.phase = phaseHandled
	c.mu.Unlock()
}

// idle: the connection waits for its next request.
func (c *shapedConn) idle() {
	c.mu.Lock()
	c.phase, c.head = phaseIdle, c.head[:0]
	c.mu.Unlock()
}

// serverHooks are the http.Server fields that keep each shapedConn's phase.
func (s *Server) serverHooks(srv *http.Server) {
	next := srv.Handler
	srv.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, ok := r.Context().Value(connKey{}).(*shapedConn); ok {
			c.handled()
		}
		next.ServeHTTP(w, r)
	})
	srv.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		return context.WithValue(ctx, connKey{}, c)
	}
}
