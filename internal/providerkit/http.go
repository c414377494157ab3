package providerkit

import (
	"context"
	"encoding/base64"
	"net/http"
	"sync"

	"github.com/paytoken/paytoken/internal/authhook"
)

// DefaultHTTPClient returns a new client with bounded timeouts (30 s per
// request, 10 s to connect, 15 s for the response headers) that never
// follows redirects: what a Config without an HTTPClient sends its token
// requests with.
func DefaultHTTPClient() *http.Client { return authhook.DefaultHTTPClient() }

// TokenHTTPClient returns c (DefaultHTTPClient when nil) changed only so it
// does not follow redirects: a token request answered with a 3xx becomes an
// *auth.Error instead of carrying credentials to wherever Location points.
// c itself is not modified.
func TokenHTTPClient(c *http.Client) *http.Client {
	if c == nil {
		return DefaultHTTPClient()
	}
	cp := *c
	cp.CheckRedirect = refuseRedirect
	return &cp
}

func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

var sharedTokenClient = sync.OnceValue(DefaultHTTPClient)

// TokenClient returns the client token requests go through: hc changed so
// that it never follows redirects (see TokenHTTPClient), or, when hc is
// nil, one DefaultHTTPClient shared by every provider package so that
// fetches reuse its connections instead of each opening a pool of its own.
func TokenClient(hc *http.Client) *http.Client {
	if hc == nil {
		return sharedTokenClient()
	}
	return TokenHTTPClient(hc)
}

// BasicAuth returns a request editor that sets an HTTP Basic Authorization
// header with id and secret exactly as given. Its type matches every
// generated client's RequestEditorFn.
func BasicAuth(id, secret string) func(context.Context, *http.Request) error {
	header := "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", header)
		return nil
	}
}
