package mockserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"sync"
)

// Server is a fake of the four providers' token endpoints, shaped like
// net/http/httptest.Server: [New] starts it on a loopback port, URL is its base URL, and
// Close shuts it down, waiting for every connection and handler to finish.
//
// The same Server can be embedded in another server through [Server.Handler], without
// starting it. All methods are safe for concurrent use.
type Server struct {
	// URL is the base URL of the running server, "http://127.0.0.1:port", with no trailing
	// slash. Empty until the server is started. Every provider package's BaseURL can be set
	// to it at once: each provider's token endpoint is on its own documented path.
	URL string

	cfg     config
	handler http.Handler
	st      *state

	closing   chan struct{} // closed by Close: ends injected delays at once
	closeOnce sync.Once

	mu       sync.Mutex // guards httpSrv, ln, started
	httpSrv  *http.Server
	ln       net.Listener
	started  bool
	served   chan struct{} // closed when the serving goroutine ends, after serveErr is set
	serveErr error
	conns    sync.WaitGroup // one per open connection, so Close waits for all of them
}

// New starts a mock server on 127.0.0.1 at a free port. The caller must Close it
// (t.Cleanup(srv.Close) in tests).
func New(opts ...Option) *Server {
	s := NewUnstarted(opts...)
	s.Start()
	return s
}

// NewUnstarted returns a mock server that is not listening yet: register clients or inject
// faults, then call [Server.Start], or serve [Server.Handler] from your own http.Server.
func NewUnstarted(opts ...Option) *Server {
	cfg := newConfig(opts)
	s := &Server{
		cfg:     cfg,
		closing: make(chan struct{}),
	}
	s.st = newState(cfg)
	s.handler = s.routes()
	return s
}

// NewHandler returns the mock as a plain http.Handler, for mounting in a server of your own.
// Use [NewUnstarted] and [Server.Handler] instead when you also need the Server's methods
// (clients, codes, faults, counts).
func NewHandler(opts ...Option) http.Handler { return NewUnstarted(opts...).Handler() }

// Handler serves every endpoint of the mock: the four token endpoints, the protected
// endpoint and the control API. It is the same handler the started server uses.
func (s *Server) Handler() http.Handler { return s.handler }

// Start starts the server on 127.0.0.1 at a free port and sets URL. It panics if the server
// was already started or cannot listen, like httptest.Server.Start.
func (s *Server) Start() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("mockserver: failed to listen on a loopback port: %v", err))
	}
	if err := s.serve(ln); err != nil {
		panic(err.Error())
	}
}

// Serve serves the mock on ln, which it takes over, until [Server.Close], and sets URL
// from ln's address: for a mock on an address of your choosing (`paytoken mock` uses it).
// Like http.Server.Serve, it returns http.ErrServerClosed once Close has begun, or the
// listener's error if accepting fails for good; Close still has to be called then. It
// returns an error at once, and closes ln, when the server was already started.
func (s *Server) Serve(ln net.Listener) error {
	if err := s.serve(ln); err != nil {
		return err
	}
	<-s.served
	return s.serveErr
}

func (s *Server) serve(ln net.Listener) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		ln.Close()
		return errors.New("mockserver: Server already started")
	}
	s.started = true
	s.ln = ln
	s.URL = "http://" + ln.Addr().String()
	lim := s.cfg.limits
	s.httpSrv = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: lim.ReadHeaderTimeout,
		ReadTimeout:       lim.ReadTimeout,
		WriteTimeout:      lim.WriteTimeout,
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    lim.MaxHeaderBytes,
		ErrorLog:          slogErrorLog(s.cfg.logger),
		ConnState: func(c net.Conn, st http.ConnState) {
			switch st {
			case http.StateNew:
				s.conns.Add(1)
			case http.StateIdle:
				if sc, ok := c.(*shapedConn); ok {
					sc.idle()
				}
			case http.StateClosed, http.StateHijacked:
				s.conns.Done()
			}
		},
	}
	s.serverHooks(s.httpSrv)
	s.served = make(chan struct{})
	srv := s.httpSrv
	go func() {
		s.serveErr = srv.Serve(shapedListener{Listener: ln, s: s})
		close(s.served)
	}()
	return nil
}

// Close shuts the server down: injected delays end at once, in-flight requests get
// Limits.ShutdownGrace (default 1 s) to finish, then every connection is closed. Close
// returns when the serving goroutine and every connection's goroutine have ended. It may be
// called more than once, and on a server that was never started.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.closing)
		s.mu.Lock()
		srv, served := s.httpSrv, s.served
		s.mu.Unlock()
		if srv == nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), s.cfg.limits.ShutdownGrace)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			s.cfg.logger.Info("mockserver: closing the connections still open after the shutdown grace", "grace", s.cfg.limits.ShutdownGrace)
			_ = srv.Close()
		}
		<-served
		if err := s.serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.cfg.logger.Warn("mockserver: serve ended", "err", err)
		}
		s.conns.Wait()
	})
}

// BaseURL is the provider's own base URL under the server: URL + "/" + provider. Each
// provider is mounted there as well as at the root, which is useful to keep one provider's
// traffic apart from another's or to test a BaseURL with a path.
func (s *Server) BaseURL(p Provider) string { return s.URL + "/" + string(p) }

// TokenURL is the full URL of the provider's token endpoint on this server.
func (s *Server) TokenURL(p Provider) string { return s.URL + p.TokenPath() }

// ProtectedURL is the URL of the protected endpoint, which answers 200 for any unexpired
// token the mock issued, from any provider.
func (s *Server) ProtectedURL() string { return s.URL + ProtectedPath }

// slogErrorLog routes net/http's own complaints (TLS handshakes, bad requests) to the logger
// at debug level: a test double should not write to stderr on its own.
func slogErrorLog(l *slog.Logger) *log.Logger { return log.New(&logAdapter{l: l}, "", 0) }

type logAdapter struct{ l *slog.Logger }

func (a *logAdapter) Write(p []byte) (int, error) {
	a.l.Debug("mockserver: http", "msg", string(p))
	return len(p), nil
}

var _ io.Writer = (*logAdapter)(nil)
