package moov

import (
	"context"
	"errors"
	"net/http"
	"slices"
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
	return providerkit.Token(ctx, provider, p.clientCredentials, err)
}

// Refresh renews a token with the refresh_token grant, under
// the default auth.RetryPolicy like Token. The new token keeps refreshToken when
// Moov's answer carries no refresh_token of its own (RFC 6749 §6).
func (c *Config) Refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	p, err := c.prepare()
	if err == nil && refreshToken == "" {
		err = errors.New("moov: Refresh: empty refresh token")
	}
	return providerkit.Token(ctx, provider, func(ctx context.Context) (*oauth2.Token, error) {
		return p.refresh(ctx, refreshToken)
	}, err)
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
	cfg := providerkit.OrZero(c)
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
	return auth.NewClient(c.TokenSource(opts...), providerkit.OrZero(c).HTTPClient)
}

// prepared is a checked Config, ready to send requests; its Request is the
// request headers (x-moov-version) of every token request.
type prepared providerkit.Prepared[*genmoov.Client, genmoov.RequestEditorFn, *genmoov.CreateTokenParams]

// prepare checks c (nil is the zero Config).
func (c *Config) prepare() (*prepared, error) {
	cfg := providerkit.OrZero(c)
	cr := providerkit.Credentials{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Scopes: cfg.Scopes,
		BaseURL: cfg.BaseURL, HTTPClient: cfg.HTTPClient, AuthStyle: cfg.AuthStyle}
	p, err := providerkit.Prepare[*genmoov.Client, genmoov.RequestEditorFn](provider, DefaultBaseURL, cr, genmoov.NewClient, genmoov.WithHTTPClient,
		func(_, _, _ *string) *genmoov.CreateTokenParams {
			if cfg.APIVersion == "" {
				return nil
			}
			v := cfg.APIVersion
			return &genmoov.CreateTokenParams{XMoovVersion: &v}
		}, checkAPIVersion(cfg.APIVersion))
	return (*prepared)(p), err
}

// clientCredentials makes one client_credentials request.
func (p *prepared) clientCredentials(ctx context.Context) (*oauth2.Token, error) {
	body := genmoov.TokenRequest{
		GrantType:    genmoov.TokenRequestGrantTypeClientCredentials,
		ClientID:     p.ID,
		ClientSecret: p.Secret,
		Scope:        p.Scope,
	}
	return p.send(ctx, body, p.Sensitive)
}

// refresh makes one refresh_token request. It sends no scope: the new
// token gets the scope of the one it renews (RFC 6749 §6).
func (p *prepared) refresh(ctx context.Context, refreshToken string) (*oauth2.Token, error) {
	body := genmoov.TokenRequest{
		GrantType:    genmoov.TokenRequestGrantTypeRefreshToken,
		ClientID:     p.ID,
		ClientSecret: p.Secret,
		RefreshToken: &refreshToken,
	}
	// A server may quote the refresh token back (invalid_grant: "token …
	// is spent"): it is scrubbed from errors along with the secret.
	tok, err := p.send(ctx, body, append(slices.Clip(p.Sensitive), refreshToken))
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
		return p.Client.CreateToken(ctx, p.Request, body, p.Editors...)
	}, sensitive...)
}
