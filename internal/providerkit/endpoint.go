package providerkit

import (
	"context"
	"encoding/base64"
	"net/http"
	"time"

	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/authhook"
)

const (
	// MaxResponseBody is the most a token endpoint's answer may hold; a
	// longer answer is never buffered whole.
	MaxResponseBody = authhook.MaxResponseBody
	// MaxErrorBody is how much of a response body an auth.Error keeps.
	MaxErrorBody = authhook.MaxErrorBody
	// MinSensitiveLen is the shortest value Endpoint.Send and
	// Endpoint.ReadResponse scrub from errors. Shorter values are left
	// alone: replacing every "ab" or "x1" in a message would make it
	// unreadable without protecting anything a guesser could not find
	// anyway. Real client secrets, authorization codes and refresh tokens
	// are far longer; the provider packages accept any non-empty secret,
	// so a secret shorter than this can show in an error that quotes it.
	MinSensitiveLen = authhook.MinSensitiveLen
)

// Endpoint describes how one provider's token endpoint answers, so one
// piece of code (in package auth) can read all four.
type Endpoint struct {
	// Provider names the provider in errors ("moov").
	Provider string
	// DefaultLifetime applies when expires_in is absent or 0. Zero means
	// the provider documents tokens as permanent: the token has no expiry.
	DefaultLifetime time.Duration
	// DecodeError reads the provider's documented error body for the
	// answer's HTTP status (a provider may document a shape, or a default
	// code, for some statuses only). It returns ok=false when body is not in
	// that shape; the generic OAuth2 shape ({error, error_description,
	// error_uri}) is tried next.
	DecodeError func(status int, body []byte) (code, description, uri string, ok bool)
}

// ReadResponse turns a token endpoint's answer into a token or an
// *auth.Error, and closes its body. Any 2xx carrying a non-empty
// access_token is success (MoneyKit answers 201); every other answer, a 2xx
// without a usable token included, is an *auth.Error that keeps the status,
// the provider's code and up to MaxErrorBody bytes of the raw body. The
// body is read through a MaxResponseBody limit. expires_in may be a number
// or a numeric string; above 1577836800 it is an absolute Unix time (some
// of Moov's examples); absent or 0 it is DefaultLifetime.
//
// sensitive are the credentials the request carried (see Send and
// RequestSecrets): a server that echoes them finds each replaced with
// "[redacted]" in the *auth.Error's Code, Description, URI, RequestID and
// Body.
func (ep Endpoint) ReadResponse(resp *http.Response, sensitive ...string) (*oauth2.Token, error) {
	return authhook.ReadResponse(authhook.Endpoint(ep), resp, sensitive)
}

// Send makes one token request and reads its answer: send does the request
// (typically a generated client's CreateToken), ReadResponse reads what came
// back. A failure to get an answer is wrapped as "<provider>: token request:
// …" (errors.As still finds the *net.OpError or *url.Error inside, which is
// what auth.Retry and auth.RetryUnsent look at); an answer that is not a
// token is ReadResponse's *auth.Error, whose message already names the
// provider.
//
// sensitive are the credentials the request carries: the client secret and
// the Basic header's base64 form (RequestSecrets), an authorization code, a
// refresh token. A misbehaving server can echo them back, in an error body,
// a header or a malformed answer that the transport quotes; Send replaces
// each one (as sent, URL- or form-encoded, or JSON-escaped) with
// "[redacted]" in the *auth.Error's Code, Description, URI, RequestID and
// Body, and in the message of a failed request. Values shorter than
// MinSensitiveLen are not scrubbed. A token that arrives costs nothing
// extra: the scrubbing runs only on the way to an error.
func (ep Endpoint) Send(ctx context.Context, send func(context.Context) (*http.Response, error), sensitive ...string) (*oauth2.Token, error) {
	return authhook.Send(authhook.Endpoint(ep), ctx, send, sensitive)
}

// RequestSecrets returns the sensitive values a token request carrying
// these client credentials puts on the wire, for Endpoint.Send: the secret
// and, with auth.InHeader, the base64 credentials of the Basic
// Authorization header (id:secret), which give the secret away as surely as
// the secret itself. Provider packages compute it once per Config and add
// the request's grant (an authorization code, a refresh token) when they
// send.
func RequestSecrets(id string, secret auth.Secret, style auth.AuthStyle) []string {
	s := secret.Reveal()
	if style == auth.InHeader {
		return []string{s, base64.StdEncoding.EncodeToString([]byte(id + ":" + s))}
	}
	return []string{s}
}
