package auth

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// Default timeouts of the HTTP client used when a Config has none.
const (
	defaultRequestTimeout = 30 * time.Second
	defaultDialTimeout    = 10 * time.Second
	defaultHeaderTimeout  = 15 * time.Second
)

// defaultHTTPClient returns a new client with bounded timeouts that never
// follows redirects: 30 s per request in all, and, on its own transport, 10 s
// to connect (TCP and TLS) and 15 s for the response headers.
//
// Its transport is a clone of http.DefaultTransport when that is an
// *http.Transport (so proxies and TLS settings made there apply), with
// those timeouts set. When a program has replaced http.DefaultTransport by
// another RoundTripper (tracing and metrics libraries wrap it), token
// requests go through that RoundTripper as it is, so that its
// instrumentation sees them; the request timeout and the fetch budget
// still bound them. A nil http.DefaultTransport gets a transport of its own.
func defaultHTTPClient() *http.Client {
	return &http.Client{Transport: defaultTransport(), Timeout: defaultRequestTimeout, CheckRedirect: refuseRedirect}
}

func defaultTransport() http.RoundTripper {
	var t *http.Transport
	switch dt := http.DefaultTransport.(type) {
	case *http.Transport:
		if dt == nil {
			t = newTransport()
		} else {
			t = dt.Clone()
		}
	case nil:
		t = newTransport()
	default:
		return dt
	}
	t.DialContext = (&net.Dialer{Timeout: defaultDialTimeout, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = defaultDialTimeout
	t.ResponseHeaderTimeout = defaultHeaderTimeout
	return t
}

// newTransport is what net/http's DefaultTransport is, for a program that
// set it to nil.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// programTransport is http.DefaultTransport, or, while a program has set
// it to nil (or a nil *http.Transport), one transport of our own.
func programTransport() http.RoundTripper {
	if dt, ok := http.DefaultTransport.(*http.Transport); http.DefaultTransport == nil || ok && dt == nil {
		return fallbackTransport()
	}
	return http.DefaultTransport
}

var fallbackTransport = sync.OnceValue(func() http.RoundTripper { return newTransport() })

func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
