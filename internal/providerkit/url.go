package providerkit

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/paytoken/paytoken/auth"
)

// CheckURL parses a token endpoint's base URL and accepts it only if
// credentials may be sent there: https to any host, plain http only to a
// loopback host (localhost, 127.0.0.0/8, ::1) for tests and the mock server.
// Plain http elsewhere fails with auth.ErrInsecureURL. The error does not name
// the field; the caller adds it ("moov: BaseURL: …").
func CheckURL(raw string) (*url.URL, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, errors.New("empty URL")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error quotes the input, which may hold a password: keep only
		// the reason.
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return nil, fmt.Errorf("invalid URL: %w", err)
	}
	if u.User != nil {
		return nil, errors.New("URL must not carry user info (credentials go in ClientID/ClientSecret)")
	}
	if u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("URL %q is not absolute (want https://host[/path])", shown(u))
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("URL %q must not have a query or fragment", shown(u))
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return u, nil
	case "http":
		if IsLoopback(u.Hostname()) {
			return u, nil
		}
		return nil, fmt.Errorf("%q: %w", shown(u), auth.ErrInsecureURL)
	}
	return nil, fmt.Errorf("URL %q: scheme %q is not https", shown(u), u.Scheme)
}

// shown is u as an error may show it: without user info, query or fragment,
// any of which may carry a credential.
func shown(u *url.URL) string {
	c := *u
	c.User, c.RawQuery, c.ForceQuery, c.Fragment, c.RawFragment = nil, "", false, "", ""
	return c.String()
}

// IsLoopback reports whether host (no port) names this machine.
func IsLoopback(host string) bool {
	// Only "localhost" itself: Go's resolver sends other *.localhost names to
	// DNS and ProxyFromEnvironment sends them through HTTP_PROXY, so they
	// may leave the machine.
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
