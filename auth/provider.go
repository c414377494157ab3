package auth

// What the provider packages (through internal/providerkit) share: the
// error a bad Config yields, and one token request.

import (
	"context"
	"net/http"

	"golang.org/x/oauth2"
)

// ConfigError reports a field of a provider's Config that cannot work. The
// provider packages return it on first use (Token, Exchange, or the first
// fetch of a TokenSource), since building a Config cannot fail. Its message
// names the field: "moov: Config.BaseURL: …". errors.Is sees through it
// (errors.Is(err, ErrInsecureURL) for a plain-http BaseURL).
type ConfigError struct {
	Provider string // "moov"
	Field    string // "BaseURL", "Scopes[1]", …
	Err      error
}

func (e *ConfigError) Error() string {
	return e.Provider + ": Config." + e.Field + ": " + e.Err.Error()
}

func (e *ConfigError) Unwrap() error { return e.Err }

// Send makes one token request and reads its answer: send does the request
// (typically a generated client's CreateToken), ReadResponse reads what came
// back. A failure to get an answer is wrapped as "<provider>: token request:
// …" (errors.As still finds the *net.OpError or *url.Error inside, which is
// what Retry and RetryUnsent look at); an answer that is not a token is
// ReadResponse's *Error, whose message already names the provider.
//
// sensitive are the credentials the request carries: the client secret and
// the Basic header's base64 form (RequestSecrets), an authorization code, a
// refresh token. A misbehaving server can echo them back, in an error body,
// a header or a malformed answer that the transport quotes; Send replaces
// each one (as sent, URL- or form-encoded, or JSON-escaped) with
// "[redacted]" in the *Error's Code, Description, URI, RequestID and Body,
// and in the message of a failed request. Values shorter than
// minSensitiveLen are not scrubbed. A token that arrives costs nothing
// extra: the scrubbing runs only on the way to an error.
func (ep endpoint) Send(ctx context.Context, send func(context.Context) (*http.Response, error), sensitive ...string) (*oauth2.Token, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	resp, err := send(ctx)
	if err != nil {
		if resp != nil && resp.Body != nil {
			resp.Body.Close()
		}
		return nil, &sendError{provider: ep.Provider, err: newScrubber(sensitive).scrubCause(maskTransportTimeout(ctx, err))}
	}
	return ep.ReadResponse(resp, sensitive...)
}
