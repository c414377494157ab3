package auth

import (
	"net"
	"net/http"
	"time"
)

// Default timeouts of the HTTP client used when a Config has none.
const (
	defaultRequestTimeout = 30 * time.Second
	defaultDialTimeout    = 10 * time.Second
	defaultHeaderTimeout  = 15 * time.Second
)

// defaultHTTPClient returns a new client with bounded timeouts that never
// follows redirects.
func defaultHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: defaultDialTimeout, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = defaultDialTimeout
	t.ResponseHeaderTimeout = defaultHeaderTimeout
	return &http.Client{Transport: t, Timeout: defaultRequestTimeout, CheckRedirect: refuseRedirect}
}

func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
