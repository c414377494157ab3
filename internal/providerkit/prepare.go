package providerkit

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
)

// Credentials are the fields every provider's Config has (see moov.Config
// for their contract). A provider without a choice of AuthStyle or a scope
// list sets AuthStyle auth.InBody and leaves Scopes nil.
type Credentials struct {
	ClientID, BaseURL string
	ClientSecret      auth.Secret
	Scopes            []string
	HTTPClient        *http.Client
	AuthStyle         auth.AuthStyle
}

// Prepared is a checked Credentials, ready to go into token requests: C is
// the provider's generated client, E its RequestEditorFn, R the part of its
// token requests that is the same for every request (a body, headers).
type Prepared[C any, E ~func(context.Context, *http.Request) error, R any] struct {
	// Client is the generated client on BaseURL (or the default), sending
	// through TokenClient(HTTPClient).
	Client C
	// ID and Secret are client_id and client_secret for the request body
	// with auth.InBody; nil with auth.InHeader.
	ID, Secret *string
	// Editors set the Basic Authorization header with auth.InHeader; none
	// with auth.InBody.
	Editors []E
	// Scope is Scopes space-separated; nil when there are none: the
	// generated encoders leave a nil pointer out, but send a pointer to ""
	// as an empty field.
	Scope *string
	// Sensitive are the request's credentials (RequestSecrets), scrubbed
	// from its errors.
	Sensitive []string
	// Request is what Prepare's request argument built.
	Request R
}

// Prepare checks cr's fields (defaultBase applies when BaseURL is empty)
// along with the provider's own checks, extra, and reports every failure
// at once, each an *auth.ConfigError naming its field.
//
// newClient and withHTTPClient are the provider's generated NewClient and
// WithHTTPClient: the client is built on the checked base URL, sending
// through TokenClient(cr.HTTPClient); its failure is reported as field
// BaseURL. request builds Prepared.Request from the checked client_id and
// client_secret (nil with auth.InHeader) and scope (nil without Scopes); it
// is called only when every check passed.
func Prepare[C any, E ~func(context.Context, *http.Request) error, O, D, R any](provider, defaultBase string, cr Credentials,
	newClient func(server string, opts ...O) (C, error), withHTTPClient func(D) O,
	request func(id, secret, scope *string) R, extra ...error) (*Prepared[C, E, R], error) {
	base, urlErr := CheckBaseURL(provider, cr.BaseURL, defaultBase)
	checks := append([]error{
		CheckClientID(provider, cr.ClientID, cr.AuthStyle),
		CheckClientSecret(provider, cr.ClientSecret),
		CheckAuthStyle(provider, cr.AuthStyle),
		CheckScopes(provider, "Scopes", cr.Scopes),
	}, extra...)
	if err := errors.Join(append(checks, urlErr)...); err != nil {
		return nil, err
	}
	// D is the generated package's HttpRequestDoer, which *http.Client
	// implements.
	client, err := newClient(base, withHTTPClient(any(TokenClient(cr.HTTPClient)).(D)))
	if err != nil {
		return nil, &auth.ConfigError{Provider: provider, Field: "BaseURL", Err: err}
	}
	p := &Prepared[C, E, R]{Client: client, Sensitive: RequestSecrets(cr.ClientID, cr.ClientSecret, cr.AuthStyle)}
	if cr.AuthStyle == auth.InBody {
		id, secret := cr.ClientID, cr.ClientSecret.Reveal()
		p.ID, p.Secret = &id, &secret
	} else {
		p.Editors = []E{BasicAuth(cr.ClientID, cr.ClientSecret.Reveal())}
	}
	if len(cr.Scopes) > 0 {
		scope := strings.Join(cr.Scopes, " ")
		p.Scope = &scope
	}
	p.Request = request(p.ID, p.Secret, p.Scope)
	return p, nil
}

// OrZero is *c, or the zero Config for a nil c: a provider's methods treat
// a nil *Config as the zero one, whose empty fields its checks report.
func OrZero[T any](c *T) T {
	if c == nil {
		var zero T
		return zero
	}
	return *c
}

// Token is a Config's Token (or Refresh): fetch under the default
// auth.RetryPolicy, its error prefixed with the provider's name. A
// configErr (from the Config's checks) is returned as it is, and fetch is
// not called.
func Token(ctx context.Context, provider string, fetch auth.Fetcher, configErr error) (*oauth2.Token, error) {
	if configErr != nil {
		return nil, configErr
	}
	tok, err := auth.Retry(ctx, auth.RetryPolicy{}, fetch)
	return tok, PrefixError(provider, err)
}
