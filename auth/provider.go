package auth

// Helpers for the provider packages (moneygo, moneykit, moov, mobifinance):
// what they all do alike when they check a Config and make one token
// request. Everything specific to one provider stays in its package.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

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

// CheckBaseURL returns the token endpoint's base URL: raw, or def when raw
// is empty, accepted by CheckURL (https, or plain http to loopback). A bad
// URL is a *ConfigError for field "BaseURL".
func CheckBaseURL(provider, raw, def string) (string, error) {
	if raw == "" {
		raw = def
	}
	if _, err := CheckURL(raw); err != nil {
		return "", &ConfigError{Provider: provider, Field: "BaseURL", Err: err}
	}
	return raw, nil
}

// CheckClientID accepts a client id that can be sent as style says: not
// empty, no control characters, and, in a Basic header, no ':' (RFC 7617:
// the server would split the id there).
func CheckClientID(provider, id string, style AuthStyle) error {
	var err error
	switch {
	case id == "":
		err = errors.New("empty")
	case hasControl(id):
		err = errors.New("contains a control character")
	case style == InHeader && strings.Contains(id, ":"):
		err = errors.New(`contains ':', which a Basic Authorization header cannot carry in the user id; use AuthStyle auth.InBody`)
	}
	if err != nil {
		return &ConfigError{Provider: provider, Field: "ClientID", Err: err}
	}
	return nil
}

// CheckClientSecret accepts any non-empty secret without control characters.
// The error never shows the secret.
func CheckClientSecret(provider string, secret Secret) error {
	var err error
	switch {
	case secret == "":
		err = errors.New("empty")
	case hasControl(string(secret)):
		err = errors.New("contains a control character")
	}
	if err != nil {
		return &ConfigError{Provider: provider, Field: "ClientSecret", Err: err}
	}
	return nil
}

// CheckAuthStyle accepts InHeader and InBody.
func CheckAuthStyle(provider string, style AuthStyle) error {
	if style != InHeader && style != InBody {
		return &ConfigError{Provider: provider, Field: "AuthStyle",
			Err: fmt.Errorf("unknown style %d (want auth.InHeader or auth.InBody)", int(style))}
	}
	return nil
}

// CheckScopes accepts a list of scopes, one per element, each an RFC 6749
// scope-token (printable ASCII, no space, '"' or '\'). field names the
// Config field ("Scopes"); the error names the element ("Scopes[1]").
func CheckScopes(provider, field string, scopes []string) error {
	for i, s := range scopes {
		if err := checkScopeToken(s); err != nil {
			return &ConfigError{Provider: provider, Field: field + "[" + strconv.Itoa(i) + "]", Err: err}
		}
	}
	return nil
}

// CheckScope accepts a space-delimited scope string (one or more
// scope-tokens separated by single spaces), as sent on the wire.
func CheckScope(provider, field, scope string) error {
	for _, s := range strings.Split(scope, " ") {
		if err := checkScopeToken(s); err != nil {
			if s == "" {
				err = fmt.Errorf("%q: scopes are separated by single spaces, with none leading or trailing", scope)
			}
			return &ConfigError{Provider: provider, Field: field, Err: err}
		}
	}
	return nil
}

func checkScopeToken(s string) error {
	if s == "" {
		return errors.New("empty scope")
	}
	for _, r := range s {
		switch {
		case r == ' ':
			return fmt.Errorf("%q contains a space: give each scope as its own element", s)
		case r < 0x21 || r > 0x7e || r == '"' || r == '\\':
			return fmt.Errorf("%q contains %q, which is not allowed in a scope (RFC 6749 §3.3)", s, r)
		}
	}
	return nil
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

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
// MinSensitiveLen are not scrubbed. A token that arrives costs nothing
// extra: the scrubbing runs only on the way to an error.
func (ep Endpoint) Send(ctx context.Context, send func(context.Context) (*http.Response, error), sensitive ...string) (*oauth2.Token, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	resp, err := send(ctx)
	if err != nil {
		if resp != nil && resp.Body != nil {
			resp.Body.Close()
		}
		return nil, &sendError{provider: ep.Provider, err: newScrubber(sensitive).scrubCause(err)}
	}
	return ep.ReadResponse(resp, sensitive...)
}

// PrefixError makes err's message start with "<provider>: ", wrapping it
// (%w) unless it already does; nil stays nil. Provider packages pass the
// result of Retry and RetryUnsent through it. Errors that come from
// Endpoint.Send already name their provider, after several attempts too
// ("moov: token request failed after 3 attempts: HTTP 502 Bad Gateway"), and
// are returned as they are; PrefixError names the provider in any other.
func PrefixError(provider string, err error) error {
	if err == nil || strings.HasPrefix(err.Error(), provider+": ") {
		return err
	}
	return fmt.Errorf("%s: %w", provider, err)
}

// ConfigSource is a provider Config's TokenSource: a Source of provider
// (WithProvider) over fetch whose Store key, for WithStore(store, ""), is
// defaultKey; opts follow, so the user's options win. When the Config was
// bad (configErr != nil) every fetch fails with configErr instead, so the
// error naming the field comes on first use, as from Config.Token.
func ConfigSource(provider string, configErr error, fetch Fetcher, defaultKey string, opts []Option) *Source {
	if configErr != nil {
		fetch = func(context.Context) (*oauth2.Token, error) { return nil, configErr }
	}
	return NewSource(fetch, append([]Option{WithProvider(provider), WithDefaultStoreKey(defaultKey)}, opts...)...)
}
