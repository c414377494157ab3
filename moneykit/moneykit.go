package moneykit

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	genmoneykit "github.com/paytoken/paytoken/gen/moneykit"
	"github.com/paytoken/paytoken/internal/providerkit"
)

const (
	// DefaultBaseURL is MoneyKit's production API. The token endpoint is
	// DefaultBaseURL + "/auth/token".
	DefaultBaseURL = "https://api.moneykit.com"
	// DefaultLifetime is the lifetime MoneyKit documents for its access
	// tokens (expires_in 3600). It applies when an answer carries no
	// expires_in, or 0.
	DefaultLifetime = time.Hour
)

const provider = "moneykit"

var endpoint = providerkit.Endpoint{Provider: provider, DefaultLifetime: DefaultLifetime, DecodeError: decodeError}

// decodeError reads MoneyKit's error body,
// {"error_code": "api_error.auth.unauthorized", "error_message": "…", "documentation_url": "…"},
// into an auth.Error's Code, Description and URI. MoneyKit's OpenAPI
// document requires only error_message: error_code is optional, and for a
// 400 or a 401 (APIErrorAuthUnauthorizedResponse) its default is
// api_error.auth.unauthorized, which an answer without one gets here too.
// A body with neither field is not MoneyKit's shape (auth then tries the
// generic OAuth2 one).
func decodeError(status int, body []byte) (code, description, uri string, ok bool) {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return "", "", "", false
	}
	code, _ = m["error_code"].(string)
	description, hasMessage := m["error_message"].(string)
	if code == "" && !hasMessage {
		return "", "", "", false
	}
	if code == "" && (status == http.StatusBadRequest || status == http.StatusUnauthorized) {
		code = defaultErrorCode
	}
	uri, _ = m["documentation_url"].(string)
	return code, description, uri, true
}

// defaultErrorCode is what MoneyKit's OpenAPI document gives error_code
// when a 400 or 401 leaves it out.
const defaultErrorCode = "api_error.auth.unauthorized"

// Config describes a MoneyKit application that gets tokens with the
// client_credentials grant. ClientID and ClientSecret are required. A bad
// field is reported, by name, on first use. A Config prints and marshals
// without its secret.
type Config struct {
	// ClientID is your application's MoneyKit client id (live_5c739a…).
	ClientID string
	// ClientSecret is your application's client secret. It prints as [redacted].
	ClientSecret auth.Secret
	// Scopes are the actions allowed for the token, one per element
	// ("accounts:read"); they are sent space-separated. None: the scope
	// field is not sent, and MoneyKit grants all your application may do.
	Scopes []string
	// BaseURL is the API's root; empty means DefaultBaseURL. It must be
	// https (plain http is accepted only for loopback hosts, for tests).
	BaseURL string
	// HTTPClient sends the token requests (never following redirects,
	// whatever its CheckRedirect says) and is the base of Client. nil means
	// one with bounded timeouts (30 s per request, 10 s to connect).
	HTTPClient *http.Client
	// AuthStyle says where the client credentials go: auth.InHeader (the
	// zero value) sends them in an "Authorization: Basic" header,
	// auth.InBody as client_id and client_secret form fields.
	AuthStyle auth.AuthStyle
}

// Token gets a new token: one fetch, retried under the default auth.RetryPolicy
// after a network error, a 429 (after the Retry-After it asked for) or a
// 5xx. It does not cache: use TokenSource or Client for that.
func (c *Config) Token(ctx context.Context) (*oauth2.Token, error) {
	p, err := c.prepare()
	return providerkit.Token(ctx, provider, p.fetch, err)
}

// TokenSource returns a cached source of tokens for this Config (see
// auth.Source): fresh tokens are served from memory, stale ones renewed in
// the background. MoneyKit has no refresh grant: a renewal is a new
// client_credentials request. The Config is copied: later changes to c do
// not affect the source.
//
// opts are the auth options (auth.WithRetry, auth.WithStore, …). With
// auth.WithStore(store, "") the key is auth.StoreKey("moneykit", ClientID,
// Scopes...).
func (c *Config) TokenSource(opts ...auth.Option) *auth.Source {
	cfg := providerkit.OrZero(c)
	p, err := cfg.prepare()
	return providerkit.ConfigSource(provider, err, p.fetch, auth.StoreKey(provider, cfg.ClientID, cfg.Scopes...), opts)
}

// Client returns an *http.Client for MoneyKit's API whose requests carry
// "Authorization: Bearer <token>" from TokenSource(opts...). It is a copy of
// HTTPClient (or of a client with bounded timeouts) with its transport
// wrapped by auth.Transport, which also renews the token once when the API
// answers 401 (api_error.auth.expired_access_token).
func (c *Config) Client(opts ...auth.Option) *http.Client {
	return auth.NewClient(c.TokenSource(opts...), providerkit.OrZero(c).HTTPClient)
}

// prepared is a checked Config, ready to send requests; its Request is the
// form body of every token request.
type prepared providerkit.Prepared[*genmoneykit.Client, genmoneykit.RequestEditorFn, genmoneykit.TokenRequest]

// prepare checks c (nil is the zero Config).
func (c *Config) prepare() (*prepared, error) {
	cfg := providerkit.OrZero(c)
	cr := providerkit.Credentials{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Scopes: cfg.Scopes,
		BaseURL: cfg.BaseURL, HTTPClient: cfg.HTTPClient, AuthStyle: cfg.AuthStyle}
	p, err := providerkit.Prepare[*genmoneykit.Client, genmoneykit.RequestEditorFn](provider, DefaultBaseURL, cr, genmoneykit.NewClient, genmoneykit.WithHTTPClient,
		func(id, secret, scope *string) genmoneykit.TokenRequest {
			return genmoneykit.TokenRequest{GrantType: genmoneykit.TokenRequestGrantTypeClientCredentials, ClientID: id, ClientSecret: secret, Scope: scope}
		})
	return (*prepared)(p), err
}

// fetch makes one token request.
func (p *prepared) fetch(ctx context.Context) (*oauth2.Token, error) {
	return endpoint.Send(ctx, func(ctx context.Context) (*http.Response, error) {
		return p.Client.CreateTokenWithFormdataBody(ctx, nil, p.Request, p.Editors...)
	}, p.Sensitive...)
}
