package auth

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/paytoken/paytoken/internal/authhook"
)

// Sentinel errors. An *Error matches them with errors.Is according to its
// provider code and HTTP status, so callers can branch on the kind of failure
// without knowing each provider's vocabulary.
var (
	// ErrInvalidRequest: the provider rejected the request as malformed or
	// invalid (400, invalid_request; 422, a body that failed validation).
	ErrInvalidRequest = errors.New("invalid request")
	// ErrInvalidClient: the client id or secret was rejected (401, invalid_client,
	// unauthorized_client, api_error.auth.unauthorized).
	ErrInvalidClient = errors.New("invalid client credentials")
	// ErrInvalidGrant: the grant (authorization code, refresh token) is invalid, expired or used (403, invalid_grant).
	ErrInvalidGrant = errors.New("invalid grant")
	// ErrUnsupportedGrantType: the provider does not accept this grant_type (415, unsupported_grant_type).
	ErrUnsupportedGrantType = errors.New("unsupported grant type")
	// ErrRateLimited: the provider asked us to slow down (429, api_error.rate_limit_exceeded).
	ErrRateLimited = errors.New("rate limited")
	// ErrServer: the provider failed (5xx, server_error).
	ErrServer = errors.New("server error")
	// ErrMalformedResponse: the provider answered 2xx with something that is not a usable token.
	ErrMalformedResponse = errors.New("malformed token response")
	// ErrInsecureURL: credentials would travel over plain http to a non-loopback host.
	ErrInsecureURL = errors.New("insecure URL: credentials are only sent over https (plain http only to loopback)")
)

// maxErrorBody is how much of a response body an Error keeps.
const maxErrorBody = authhook.MaxErrorBody

// Error is a failed token request: the provider answered, but not with a token.
// Status, provider code and (a bounded copy of) the raw body are always kept,
// even when the body is not the provider's documented error shape.
type Error struct {
	Provider    string        // "moov", "moneykit", "moneygo", "mobifinance"
	StatusCode  int           // HTTP status of the token endpoint's answer
	Code        string        // provider's code: "invalid_grant", "api_error.auth.unauthorized", …
	Description string        // provider's human-readable message
	URI         string        // documentation_url where given
	RetryAfter  time.Duration // from Retry-After or X-Retry-In; 0 when absent
	RequestID   string        // X-Request-ID where given
	Body        []byte        // at most maxErrorBody bytes of the raw body

	// Code, Description, URI, RequestID and Body are as the server sent
	// them, except that endpoint.Send and ReadResponse replace the
	// credentials the request carried with "[redacted]".

	// kind is the sentinel this error matches; set by newError, or derived
	// from Code and StatusCode when an Error is built by hand.
	kind error
}

// newError builds an Error from a token endpoint's non-success answer. code,
// description and uri are what the provider's error body said (any may be
// empty). The body is truncated to maxErrorBody bytes and copied.
func newError(provider string, status int, header http.Header, body []byte, code, description, uri string) *Error {
	if len(body) > maxErrorBody {
		body = body[:maxErrorBody]
	}
	e := &Error{
		Provider:    provider,
		StatusCode:  status,
		Code:        code,
		Description: description,
		URI:         uri,
		Body:        append([]byte(nil), body...),
	}
	if header != nil {
		e.RetryAfter = parseRetryAfter(header, time.Now())
		e.RequestID = header.Get("X-Request-Id")
	}
	e.kind = classify(status, code)
	return e
}

// Error describes the failure without echoing the body, which may carry
// credentials a misbehaving server reflected back:
// "<provider>: token request failed: HTTP <status> <text>: <code>: <description>".
func (e *Error) Error() string {
	if e.Provider == "" {
		return "token request failed: " + e.detail()
	}
	return e.Provider + ": token request failed: " + e.detail()
}

// failure implements requestFailure.
func (e *Error) failure() (provider, detail string) { return e.Provider, e.detail() }

// detail is the message after "token request failed: ".
func (e *Error) detail() string {
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP %d", e.StatusCode)
	if t := http.StatusText(e.StatusCode); t != "" {
		b.WriteString(" ")
		b.WriteString(t)
	}
	if e.Code != "" {
		b.WriteString(": ")
		b.WriteString(sanitize(e.Code, 100))
	}
	if e.Description != "" {
		b.WriteString(": ")
		b.WriteString(sanitize(e.Description, 200))
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	if e.RequestID != "" {
		b.WriteString(" [request id ")
		b.WriteString(sanitize(e.RequestID, 100))
		b.WriteString("]")
	}
	return b.String()
}

// requestFailure is the error of one token request made through an
// endpoint (an *Error, or a *sendError when no usable answer came): it
// names its provider and can say what failed without naming it again, so
// that Retry's summary after several attempts names the provider once:
// "moov: token request failed after 3 attempts: HTTP 502 Bad Gateway".
type requestFailure interface {
	error
	failure() (provider, detail string)
}

// sendError is a token request that got no usable answer: it failed on the
// way (answer is nil), or the answer's body could not be read. errors.As and
// errors.Is see the answer's *Error and the cause.
type sendError struct {
	provider string
	answer   *Error // the answer whose body failed mid-read; nil when none came
	err      error  // the cause, scrubbed of the request's credentials
}

// Error is "<provider>: token request: <cause>" for a request that got no
// answer, and "<the answer's Error>: reading the body: <cause>" for one
// whose body failed mid-read.
func (e *sendError) Error() string {
	if e.answer != nil {
		return e.answer.Error() + ": reading the body: " + e.err.Error()
	}
	return e.provider + ": token request: " + e.err.Error()
}

func (e *sendError) failure() (provider, detail string) {
	if e.answer != nil {
		return e.answer.Provider, e.answer.detail() + ": reading the body: " + e.err.Error()
	}
	return e.provider, e.err.Error()
}

// Temporary reports whether retrying could help: a request that got no
// answer, or whose answer was cut off, is a network failure (temporary);
// an answer whose body failed mid-read is as temporary as its status.
func (e *sendError) Temporary() bool { return e.answer == nil || e.answer.Temporary() }

// Timeout reports whether the failure was a timeout.
func (e *sendError) Timeout() bool {
	var t interface{ Timeout() bool }
	return errors.As(e.err, &t) && t.Timeout()
}

func (e *sendError) Unwrap() []error {
	if e.answer != nil {
		return []error{e.answer, e.err}
	}
	return []error{e.err}
}

// Is reports whether target is the sentinel matching this error's kind.
func (e *Error) Is(target error) bool {
	k := e.kind
	if k == nil {
		k = classify(e.StatusCode, e.Code)
	}
	return k != nil && target == k
}

// Temporary reports whether retrying the same request later could succeed:
// rate limiting and server errors are temporary; a rejected request,
// credential or grant is not. It is true for a status of 408, 429 or 5xx,
// whatever the provider's code says, and for any error that matches
// ErrRateLimited or ErrServer, whatever its status (MoneyKit's
// api_error.rate_limit_exceeded, or temporarily_unavailable, sent with a
// 400). A malformed 2xx is never temporary.
func (e *Error) Temporary() bool {
	switch {
	case e.StatusCode == http.StatusTooManyRequests, e.StatusCode == http.StatusRequestTimeout,
		e.StatusCode >= 500 && e.StatusCode <= 599:
		return true
	}
	k := e.kind
	if k == nil {
		k = classify(e.StatusCode, e.Code)
	}
	return k == ErrRateLimited || k == ErrServer //nolint:errorlint // k is a sentinel itself, from classify
}

// classify maps a provider code (preferred) or an HTTP status to a sentinel.
func classify(status int, code string) error {
	switch strings.ToLower(code) {
	case "invalid_request":
		return ErrInvalidRequest
	case "invalid_client", "unauthorized_client", "api_error.auth.unauthorized":
		return ErrInvalidClient
	case "invalid_grant", "api_error.auth.expired_access_token":
		return ErrInvalidGrant
	case "unsupported_grant_type":
		return ErrUnsupportedGrantType
	case "rate_limited", "rate_limit_exceeded", "api_error.rate_limit_exceeded", "slow_down":
		return ErrRateLimited
	case "server_error", "temporarily_unavailable":
		return ErrServer
	}
	switch {
	case status == http.StatusTooManyRequests:
		return ErrRateLimited
	case status >= 500 && status <= 599:
		return ErrServer
	case status == http.StatusUnauthorized:
		return ErrInvalidClient
	case status == http.StatusForbidden:
		return ErrInvalidGrant
	case status == http.StatusUnsupportedMediaType:
		return ErrUnsupportedGrantType
	case status == http.StatusBadRequest, status == http.StatusUnprocessableEntity:
		return ErrInvalidRequest
	case status >= 200 && status <= 299:
		return ErrMalformedResponse
	}
	return nil
}

// sanitize bounds a provider-supplied string and strips control characters so
// an error message stays one readable line.
func sanitize(s string, n int) string {
	if len(s) > n {
		s = s[:n] + "…"
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
