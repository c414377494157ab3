package moneygo

import (
	"context"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	genmoneygo "github.com/paytoken/paytoken/gen/moneygo"
	"github.com/paytoken/paytoken/internal/providerkit"
)

const (
	// DefaultBaseURL is Money-Go's production API. The token endpoint is
	// DefaultBaseURL + "/token".
	DefaultBaseURL = "https://api.money-go.com"
	// SandboxBaseURL is Money-Go's test environment.
	SandboxBaseURL = "https://api.money-go-test.com"
	// DefaultScope is the scope Money-Go documents, sent when Config.Scope
	// is empty.
	DefaultScope = "api"
	// DefaultLifetime is the lifetime Money-Go documents for its access
	// tokens (expires_in 2592000, 30 days). It applies when an answer
	// carries no expires_in, or 0.
	DefaultLifetime = 30 * 24 * time.Hour
)

const provider = "moneygo"

// endpoint reads Money-Go's answers. Money-Go documents no error body: an
// error keeps its status and raw body, and the generic OAuth2 shape
// ({"error": …, "error_description": …}) is read when it is there.
var endpoint = providerkit.Endpoint{Provider: provider, DefaultLifetime: DefaultLifetime}

// Config describes a Money-Go API client that gets tokens with the
// client_credentials grant. ClientID and ClientSecret are required. A bad
// field is reported, by name, on first use. A Config prints and marshals
// without its secret.
type Config struct {
	// ClientID is your Money-Go client id.
	ClientID string
	// ClientSecret is your Money-Go client secret. It prints as [redacted].
	ClientSecret auth.Secret
	// Scope is the scope of the access request, as sent; empty means
	// DefaultScope ("api").
	Scope string
	// BaseURL is the API's root: empty means DefaultBaseURL; SandboxBaseURL
	// for tests against Money-Go. It must be https (plain http is accepted
	// only for loopback hosts).
	BaseURL string
	// HTTPClient sends the token requests (never following redirects,
	// whatever its CheckRedirect says) and is the base of Client. nil means
	// one with bounded timeouts (30 s per request, 10 s to connect).
	HTTPClient *http.Client
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
// the background (Money-Go's 30-day tokens turn stale 5 minutes before they
// expire). The Config is copied: later changes to c do not affect the
// source.
//
// opts are the auth options (auth.WithRetry, auth.WithStore, …). With
// auth.WithStore(store, "") the key is auth.StoreKey("moneygo", ClientID,
// the scopes of Scope).
func (c *Config) TokenSource(opts ...auth.Option) *auth.Source {
	cfg := providerkit.OrZero(c)
	key := auth.StoreKey(provider, cfg.ClientID, strings.Fields(cfg.scope())...)
	p, err := cfg.prepare()
	return providerkit.ConfigSource(provider, err, p.fetch, key, opts)
}

// Client returns an *http.Client for Money-Go's API whose requests carry
// "Authorization: Bearer <token>" from TokenSource(opts...). It is a copy of
// HTTPClient (or of a client with bounded timeouts) with its transport
// wrapped by auth.Transport, which also renews the token once when the API
// answers 401.
func (c *Config) Client(opts ...auth.Option) *http.Client {
	return auth.NewClient(c.TokenSource(opts...), providerkit.OrZero(c).HTTPClient)
}

func (c *Config) scope() string {
	if c.Scope == "" {
		return DefaultScope
	}
	return c.Scope
}

// prepared is a checked Config, ready to send requests; its Request is the
// JSON body of every token request.
type prepared providerkit.Prepared[*genmoneygo.Client, genmoneygo.RequestEditorFn, genmoneygo.TokenRequest]

// prepare checks c (nil is the zero Config).
func (c *Config) prepare() (*prepared, error) {
	cfg := providerkit.OrZero(c)
	cr := providerkit.Credentials{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, BaseURL: cfg.BaseURL, HTTPClient: cfg.HTTPClient, AuthStyle: auth.InBody}
	p, err := providerkit.Prepare[*genmoneygo.Client, genmoneygo.RequestEditorFn](provider, DefaultBaseURL, cr, genmoneygo.NewClient, genmoneygo.WithHTTPClient,
		func(id, secret, _ *string) genmoneygo.TokenRequest {
			return genmoneygo.TokenRequest{GrantType: genmoneygo.TokenRequestGrantTypeClientCredentials, ClientID: *id, ClientSecret: *secret, Scope: cfg.scope()}
		}, providerkit.CheckScope(provider, "Scope", cfg.scope()))
	return (*prepared)(p), err
}

// fetch makes one token request: a JSON body with the credentials in it,
// as Money-Go documents (it takes no Basic header).
func (p *prepared) fetch(ctx context.Context) (*oauth2.Token, error) {
	return endpoint.Send(ctx, func(ctx context.Context) (*http.Response, error) {
		return p.Client.CreateToken(ctx, p.Request)
	}, p.Sensitive...)
}
