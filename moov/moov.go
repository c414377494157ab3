package moov

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	genmoov "github.com/paytoken/paytoken/gen/moov"
	"github.com/paytoken/paytoken/internal/providerkit"
)

const (
	// DefaultBaseURL is Moov's production API. The token endpoint is
	// DefaultBaseURL + "/oauth2/token".
	DefaultBaseURL = "https://api.moov.io"
	// DefaultLifetime is the lifetime Moov documents for its access tokens
	// (expires_in 900). It applies when an answer carries no expires_in, or 0.
	DefaultLifetime = 15 * time.Minute
)

const provider = "moov"

// endpoint reads Moov's answers. Its error body, {"error": "invalid_request"},
// is the generic OAuth2 shape that auth reads without help; decodeError
// reads the field-keyed body of a 422.
var endpoint = providerkit.Endpoint{Provider: provider, DefaultLifetime: DefaultLifetime, DecodeError: decodeError}

// Config describes a Moov API client that gets tokens with the
// client_credentials grant (and renews them with the refresh_token grant).
// The zero value is not usable: ClientID and ClientSecret are required. A bad
// field is reported, by name, on first use. A Config prints and marshals
// without its secret.
type Config struct {
	// ClientID is the public part of a Moov API key.
	ClientID string
	// ClientSecret is the secret part of the API key. It prints as [redacted].
	ClientSecret auth.Secret
	// Scopes are the scopes asked for, one per element ("/accounts.read");
	// they are sent space-separated. None: the scope field is not sent.
	// Moov's OpenAPI document requires a scope with the client_credentials
	// grant (a 422 keyed by "scope" otherwise); its documentation page
	// marks it optional.
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
	// auth.InBody as client_id and client_secret in the JSON body.
	AuthStyle auth.AuthStyle
	// APIVersion, when set, is sent as the x-moov-version header of every
	// token request: "vYYYY.QQ.BB" (such as "v2024.01.00") or "latest", as
	// Moov documents it. Empty: no header, and Moov answers as v2024.01.00.
	// Any other value fails on first use with an error naming the field.
	APIVersion string
}

// Token gets a new token with the client_credentials grant: one fetch,
// retried under the default auth.RetryPolicy after a network error, a 429 (after
// the Retry-After or X-Retry-In the server asked for) or a 5xx. It does
// not cache: use TokenSource or Client for that.
func (c *Config) Token(ctx context.Context) (*oauth2.Token, error) {
	p, err := c.prepare()
	if err != nil {
		return nil, err
	}
	tok, err := auth.Retry(ctx, auth.RetryPolicy{}, p.clientCredentials)
	return tok, providerkit.PrefixError(provider, err)
}

// Refresh renews a token with the refresh_token grant, under
// the default auth.RetryPolicy like Token. The new token keeps refreshToken when
// Moov's answer carries no refresh_token of its own (RFC 6749 §6).
func (c *Config) Refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	p, err := c.prepare()
	if err != nil {
		return nil, err
	}
	if refreshToken == "" {
		return nil, errors.New("moov: Refresh: empty refresh token")
	}
	tok, err := auth.Retry(ctx, auth.RetryPolicy{}, func(ctx context.Context) (*oauth2.Token, error) {
		return p.refresh(ctx, refreshToken)
	})
	return tok, providerkit.PrefixError(provider, err)
}

// TokenSource returns a cached source of tokens for this Config (see
// auth.Source): fresh tokens are served from memory, stale ones renewed in
// the background. A renewal uses the refresh_token grant when the token it
// replaces carried a refresh token, and falls back to the client_credentials
// grant when that fails. The Config is copied: later changes to c do not
// affect the source.
//
// opts are the auth options (auth.WithRetry, auth.WithStore, …). With
// auth.WithStore(store, "") the key is auth.StoreKey("moov", ClientID,
// Scopes...).
func (c *Config) TokenSource(opts ...auth.Option) *auth.Source {
	cfg := c.clone()
	p, err := cfg.prepare()
	fetch := func(ctx context.Context) (*oauth2.Token, error) {
		if prev := auth.PreviousToken(ctx); prev != nil && prev.RefreshToken != "" {
			tok, rerr := p.refresh(ctx, prev.RefreshToken)
			if rerr == nil || ctx.Err() != nil {
				return tok, rerr
			}
		}
		return p.clientCredentials(ctx)
	}
	return providerkit.ConfigSource(provider, err, fetch, auth.StoreKey(provider, cfg.ClientID, cfg.Scopes...), opts)
}

// Client returns an *http.Client for Moov's API whose requests carry
// "Authorization: Bearer <token>" from TokenSource(opts...). It is a copy of
// HTTPClient (or of a client with bounded timeouts) with its transport
// wrapped by auth.Transport, which also renews the token once when the API
// answers 401.
func (c *Config) Client(opts ...auth.Option) *http.Client {
	var base *http.Client
	if c != nil {
		base = c.HTTPClient
	}
	return auth.NewClient(c.TokenSource(opts...), base)
}

func (c *Config) clone() Config {
	if c == nil {
		return Config{}
	}
	cp := *c
	cp.Scopes = slices.Clone(c.Scopes)
	return cp
}

// prepared is a checked Config, ready to send requests.
type prepared struct {
	client    *genmoov.Client
	params    *genmoov.CreateTokenParams // request headers (x-moov-version)
	editors   []genmoov.RequestEditorFn
	id        *string // client_id and client_secret in the body (auth.InBody), else nil
	secret    *string
	scope     *string  // nil when there are no scopes: the field is then not sent
	sensitive []string // scrubbed from errors (providerkit.RequestSecrets)
}

func (c *Config) prepare() (*prepared, error) {
	if c == nil {
		return nil, errors.New("moov: nil *Config")
	}
	base, urlErr := providerkit.CheckBaseURL(provider, c.BaseURL, DefaultBaseURL)
	if err := errors.Join(
		providerkit.CheckClientID(provider, c.ClientID, c.AuthStyle),
		providerkit.CheckClientSecret(provider, c.ClientSecret),
		providerkit.CheckAuthStyle(provider, c.AuthStyle),
		providerkit.CheckScopes(provider, "Scopes", c.Scopes),
		checkAPIVersion(c.APIVersion),
		urlErr,
	); err != nil {
		return nil, err
	}
	client, err := genmoov.NewClient(base, genmoov.WithHTTPClient(providerkit.TokenClient(c.HTTPClient)))
	if err != nil {
		return nil, &auth.ConfigError{Provider: provider, Field: "BaseURL", Err: err}
	}
	p := &prepared{client: client, sensitive: providerkit.RequestSecrets(c.ClientID, c.ClientSecret, c.AuthStyle)}
	if c.AuthStyle == auth.InBody {
		id, secret := c.ClientID, c.ClientSecret.Reveal()
		p.id, p.secret = &id, &secret
	} else {
		p.editors = []genmoov.RequestEditorFn{providerkit.BasicAuth(c.ClientID, c.ClientSecret.Reveal())}
	}
	if len(c.Scopes) > 0 {
		scope := strings.Join(c.Scopes, " ")
		p.scope = &scope
	}
	if c.APIVersion != "" {
		v := c.APIVersion
		p.params = &genmoov.CreateTokenParams{XMoovVersion: &v}
	}
	return p, nil
}

// clientCredentials makes one client_credentials request.
func (p *prepared) clientCredentials(ctx context.Context) (*oauth2.Token, error) {
	body := genmoov.TokenRequest{
		GrantType:    genmoov.TokenRequestGrantTypeClientCredentials,
		ClientID:     p.id,
		ClientSecret: p.secret,
		Scope:        p.scope,
	}
	return p.send(ctx, body, p.sensitive)
}

// refresh makes one refresh_token request. It sends no scope: the new
// token gets the scope of the one it renews (RFC 6749 §6).
func (p *prepared) refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	body := genmoov.TokenRequest{
		GrantType:    genmoov.TokenRequestGrantTypeRefreshToken,
		ClientID:     p.id,
		ClientSecret: p.secret,
		RefreshToken: &refreshToken,
	}
	// A server may quote the refresh token back (invalid_grant: "token …
	// is spent"): it is scrubbed from errors along with the secret.
	tok, err := p.send(ctx, body, append(slices.Clip(p.sensitive), refreshToken))
	if err != nil {
		return nil, err
	}
	if tok.RefreshToken == "" {
		tok.RefreshToken = refreshToken // not yet published: ours to change
	}
	return tok, nil
}

// send posts body as JSON (Moov's reply mirrors the request's type, and a
// JSON reply keeps expires_in and token_type typed). sensitive are the
// request's credentials, scrubbed from its errors.
func (p *prepared) send(ctx context.Context, body genmoov.TokenRequest, sensitive []string) (*oauth2.Token, error) {
	return endpoint.Send(ctx, func(ctx context.Context) (*http.Response, error) {
		return p.client.CreateToken(ctx, p.params, body, p.editors...)
	}, sensitive...)
}
