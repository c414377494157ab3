package auth

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
)

// Transport is an http.RoundTripper that authorizes each request with a
// token from Source: it sets "Authorization: Bearer <token>" (always
// Bearer, whatever token_type the provider sent) on a clone of the request;
// the caller's request is never modified. When the API answers 401, it
// drops that token (only if it is still the cached one, so that concurrent
// 401s cause one refetch) and sends the request once more with a new token,
// if the body can be replayed (no body, or req.GetBody set, as
// http.NewRequest does for in-memory bodies); the first response's body is
// drained and closed. Otherwise, or when no other token can be had, the 401
// is returned as it came. A hop of a redirect to another host (neither the
// first request's host nor a subdomain of it) is sent without the token, as
// net/http's Client sends it without an Authorization header of the caller.
type Transport struct {
	// Source gives the tokens. Required.
	Source *Source
	// Base sends the requests; nil means http.DefaultTransport (whatever
	// RoundTripper it is; a transport of its own if that is nil).
	Base http.RoundTripper
}

var errNoSource = errors.New("auth: Transport has no Source")

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.Source == nil {
		closeBody(req)
		return nil, errNoSource
	}
	if !sameSite(req) {
		// A redirect to another host: the token stays with the host it was
		// sent to, as net/http's Client drops Authorization on such a hop
		// (a header set here, on every hop, would bypass that).
		return t.base().RoundTrip(req)
	}
	ctx := req.Context()
	tok, err := t.Source.TokenContext(ctx)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	resp, err := t.base().RoundTrip(authorized(req, tok.AccessToken))
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	// The API rejected the token: the next request gets a new one, whether
	// or not this one can be replayed.
	t.Source.invalidate(tok)
	if !replayable {
		return resp, nil
	}
	tok2, err := t.Source.TokenContext(ctx)
	if err != nil || tok2.AccessToken == tok.AccessToken {
		// No better token: the API's 401 is the answer.
		return resp, nil
	}
	r2 := authorized(req, tok2.AccessToken)
	if req.GetBody != nil && req.Body != nil && req.Body != http.NoBody {
		body, err := req.GetBody()
		if err != nil {
			return resp, nil
		}
		r2.Body = body
	}
	drain(resp.Body)
	return t.base().RoundTrip(r2)
}

// sameSite reports whether req may carry the token: it is not a redirect
// (req.Response is nil), or it is one to the host that began the chain or
// a subdomain of it, net/http's rule for forwarding Authorization.
func sameSite(req *http.Request) bool {
	if req.Response == nil || req.Response.Request == nil || req.URL == nil {
		return true
	}
	first := req.Response.Request
	for first.Response != nil && first.Response.Request != nil {
		first = first.Response.Request
	}
	if first.URL == nil {
		return true
	}
	dst, src := strings.ToLower(req.URL.Hostname()), strings.ToLower(first.URL.Hostname())
	return dst == src || strings.HasSuffix(dst, "."+src) && net.ParseIP(src) == nil
}

func (t *Transport) base() http.RoundTripper {
	if t.Base != nil {
		return t.Base
	}
	return programTransport()
}

// authorized returns a clone of req carrying the bearer token.
func authorized(req *http.Request, access string) *http.Request {
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+access)
	return r
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

// drain reads a little of a discarded response so its connection can be
// reused, then closes it.
func drain(body io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, body, 4<<10)
	_ = body.Close()
}

// NewClient returns an *http.Client whose requests carry tokens from src.
// It copies base (nil: a client with defaultHTTPClient's timeouts, which
// follows redirects as usual) and wraps its Transport; base is not modified.
func NewClient(src *Source, base *http.Client) *http.Client {
	var c http.Client
	if base != nil {
		c = *base
	} else {
		d := defaultHTTPClient()
		c = http.Client{Transport: d.Transport, Timeout: d.Timeout}
	}
	c.Transport = &Transport{Source: src, Base: c.Transport}
	return &c
}
