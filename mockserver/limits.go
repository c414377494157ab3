package mockserver

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// Limits bound what clients can make a started Server (and `paytoken mock`) hold: time,
// connections, bytes and remembered state. A field left zero takes its default from
// [DefaultLimits]. Every refusal that can still be answered is answered in the provider's
// documented error shape: 408 when a request is not received in time, 413 for a body over
// MaxBodyBytes, 431 for headers over MaxHeaderBytes.
type Limits struct {
	// ReadHeaderTimeout bounds reading a request's line and headers, counted from the
	// connection's accept or, on a kept-alive connection, from the request's first byte.
	// Never more than ReadTimeout. A request that started and is not complete in time gets
	// 408; a connection that sent nothing is closed.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included: a body still arriving
	// after it gets 408 and the connection is closed.
	ReadTimeout time.Duration
	// WriteTimeout bounds handling and answering a request, counted from the end of its
	// headers. An injected Delay ends at it, and the connection is then closed without an
	// answer, as a provider that gave up would.
	WriteTimeout time.Duration
	// IdleTimeout closes a kept-alive connection that has been idle this long.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds a request's line and headers (net/http allows 4 KiB beyond it);
	// more is answered 431 and the connection closed.
	MaxHeaderBytes int
	// MaxBodyBytes bounds a token request's body (real ones are a few hundred bytes); more
	// is answered 413 and the connection closed.
	MaxBodyBytes int64
	// MaxEntries bounds each kind of state the mock keeps, per provider: access tokens,
	// Moov refresh tokens, MobiFinance codes, and the clients and faults added through the
	// control API. Beyond it the oldest token or code is forgotten (the protected endpoint
	// then answers 401 "unknown", as for a token a provider revoked), and the control API
	// refuses more clients or faults. Expired tokens and codes are forgotten anyway,
	// ExpiredRetention after they expire.
	MaxEntries int
	// ExpiredRetention is how long an expired token or code is still remembered, so that
	// presenting it gets "expired" (MoneyKit's api_error.auth.expired_access_token) or
	// "used already" rather than "unknown".
	ExpiredRetention time.Duration
	// ShutdownGrace is how long Close lets in-flight requests finish before it closes every
	// connection.
	ShutdownGrace time.Duration
}

// DefaultLimits are the limits of a Server given no [WithLimits]: generous for any test,
// tight enough that no client can hold a connection, a goroutine or memory for long.
func DefaultLimits() Limits {
	return Limits{
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       30 * time.Second,
		MaxHeaderBytes:    32 << 10,
		MaxBodyBytes:      64 << 10,
		MaxEntries:        10000,
		ExpiredRetention:  10 * time.Minute,
		ShutdownGrace:     time.Second,
	}
}

// WithLimits sets the server's limits; zero fields keep their defaults ([DefaultLimits]).
// A negative field panics.
func WithLimits(l Limits) Option {
	if err := l.check(); err != nil {
		panic("mockserver: WithLimits: " + err.Error())
	}
	return func(c *config) { c.limits = l.withDefaults() }
}

func (l Limits) check() error {
	for name, v := range map[string]int64{
		"ReadHeaderTimeout": int64(l.ReadHeaderTimeout), "ReadTimeout": int64(l.ReadTimeout),
		"WriteTimeout": int64(l.WriteTimeout), "IdleTimeout": int64(l.IdleTimeout),
		"MaxHeaderBytes": int64(l.MaxHeaderBytes), "MaxBodyBytes": l.MaxBodyBytes,
		"MaxEntries": int64(l.MaxEntries), "ExpiredRetention": int64(l.ExpiredRetention),
		"ShutdownGrace": int64(l.ShutdownGrace),
	} {
		if v < 0 {
			return fmt.Errorf("negative Limits.%s", name)
		}
	}
	return nil
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	pick := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	pick(&l.ReadTimeout, d.ReadTimeout)
	pick(&l.ReadHeaderTimeout, min(d.ReadHeaderTimeout, l.ReadTimeout))
	l.ReadHeaderTimeout = min(l.ReadHeaderTimeout, l.ReadTimeout)
	pick(&l.WriteTimeout, d.WriteTimeout)
	pick(&l.IdleTimeout, d.IdleTimeout)
	pick(&l.ExpiredRetention, d.ExpiredRetention)
	pick(&l.ShutdownGrace, d.ShutdownGrace)
	if l.MaxHeaderBytes == 0 {
		l.MaxHeaderBytes = d.MaxHeaderBytes
	}
	if l.MaxBodyBytes == 0 {
		l.MaxBodyBytes = d.MaxBodyBytes
	}
	if l.MaxEntries == 0 {
		l.MaxEntries = d.MaxEntries
	}
	return l
}

// WithClock makes the mock read the time from now instead of time.Now, for what it decides
// by the clock: when tokens and codes expire, and when they are forgotten. It lets a test
// move time forward without waiting; expires_in still says the configured lifetime. A nil
// now panics.
func WithClock(now func() time.Time) Option {
	if now == nil {
		panic("mockserver: WithClock: nil clock")
	}
	return func(c *config) { c.now = now }
}

// addClientBounded is AddClient for the control API: it refuses a new client beyond
// Limits.MaxEntries, so no client of the API can grow the mock without bound.
func (s *Server) addClientBounded(p Provider, clientID, secret string) error {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, known := st.clients[p][clientID]; !known && len(st.clients[p]) >= st.cfg.limits.MaxEntries {
		return fmt.Errorf("%s has %d clients, the most the mock keeps (Limits.MaxEntries, paytoken mock --max-entries)", p, len(st.clients[p]))
	}
	st.clients[p][clientID] = secret
	return nil
}

// injectFaultBounded is InjectFault for the control API, which refuses a fault beyond
// Limits.MaxEntries queued. f is valid.
func (s *Server) injectFaultBounded(p Provider, f Fault) error {
	st := s.st
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.faults[p]) >= st.cfg.limits.MaxEntries {
		return fmt.Errorf("%s has %d faults queued, the most the mock keeps (Limits.MaxEntries, paytoken mock --max-entries); DELETE them first", p, len(st.faults[p]))
	}
	st.faults[p] = append(st.faults[p], &faultEntry{f: f, remaining: f.Times})
	return nil
}

// readBody reads a token request's body within Limits.MaxBodyBytes and Limits.ReadTimeout,
// answering the refusal when it cannot. ok is false when the request has been answered (or
// the client left, and nobody is there to answer).
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) (body []byte, ok bool) {
	limit := s.cfg.limits.MaxBodyBytes
	if r.ContentLength > limit {
		s.refuse(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", limit))
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case err == nil:
		return body, true
	case errors.As(err, &tooBig):
		s.refuse(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", limit))
	case errors.Is(err, os.ErrDeadlineExceeded):
		s.refuse(w, r, http.StatusRequestTimeout, "the request body did not arrive within the read timeout")
	default:
		// The client went away mid-body: nobody to answer. Close the connection rather
		// than let net/http send an empty 200.
		panic(http.ErrAbortHandler)
	}
	return nil, false
}
