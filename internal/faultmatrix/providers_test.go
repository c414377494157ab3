package faultmatrix_test

import (
	"context"
	"encoding/json"
	"net/http"

	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/mobifinance"
	"github.com/paytoken/paytoken/mockserver"
	"github.com/paytoken/paytoken/moneygo"
	"github.com/paytoken/paytoken/moneykit"
	"github.com/paytoken/paytoken/moov"
)

// creds are what a test gives a provider: sentinel values, so that any of
// them turning up in an error or a log is caught.
type creds struct {
	id, secret string
	code       string // MobiFinance's authorization code
}

// env is where and how one provider call goes.
type env struct {
	baseURL string
	hc      *http.Client
	creds   creds
	opts    []auth.Option // for TokenSource (logger, retry policy)
}

// prov adapts one provider package to what the tests need.
type prov struct {
	name     string // "moov"
	display  string // "Moov"
	mock     mockserver.Provider
	path     string // the token endpoint's path
	okStatus int    // the documented success status
	// oneShot: the request carries a single-use code and is never resent
	// once it may have reached the server (MobiFinance's Exchange).
	oneShot bool
	// permanent: tokens without expires_in never expire.
	permanent bool
	// fetch gets one token through the public API: a TokenSource with
	// e.opts for the client-credentials providers, Exchange for MobiFinance.
	fetch func(ctx context.Context, e env) (*oauth2.Token, error)
	// token is Config.Token (Exchange for MobiFinance): one fetch under
	// the default auth.RetryPolicy.
	token func(ctx context.Context, e env) (*oauth2.Token, error)
	// tokenSource is Config.TokenSource with no options (the
	// client-credentials providers only: MobiFinance's never fetches).
	tokenSource func(e env) oauth2.TokenSource
	// client is Config.Client (MobiFinance: with tok).
	client func(e env, tok *oauth2.Token) *http.Client
	// config is the Config, to check how it prints.
	config func(e env) any
	// okBody is the documented success body.
	okBody func(access, refresh string) map[string]any
	// errBody is the documented error body for code and description.
	errBody func(code, desc string) map[string]any
}

func moneygoConfig(e env) *moneygo.Config {
	return &moneygo.Config{ClientID: e.creds.id, ClientSecret: auth.Secret(e.creds.secret), BaseURL: e.baseURL, HTTPClient: e.hc}
}

func moneykitConfig(e env) *moneykit.Config {
	return &moneykit.Config{ClientID: e.creds.id, ClientSecret: auth.Secret(e.creds.secret), BaseURL: e.baseURL, HTTPClient: e.hc,
		Scopes: []string{"accounts:read"}}
}

func moovConfig(e env) *moov.Config {
	return &moov.Config{ClientID: e.creds.id, ClientSecret: auth.Secret(e.creds.secret), BaseURL: e.baseURL, HTTPClient: e.hc,
		Scopes: []string{"/accounts.read"}}
}

func mobifinanceConfig(e env) *mobifinance.Config {
	return &mobifinance.Config{ClientID: e.creds.id, ClientSecret: auth.Secret(e.creds.secret), BaseURL: e.baseURL, HTTPClient: e.hc,
		RedirectURL: mockserver.DemoRedirectURI}
}

func oauthErrBody(code, desc string) map[string]any {
	return map[string]any{"error": code, "error_description": desc}
}

// ccConfig is the Config of a client-credentials provider.
type ccConfig interface {
	Token(ctx context.Context) (*oauth2.Token, error)
	TokenSource(opts ...auth.Option) *auth.Source
	Client(opts ...auth.Option) *http.Client
}

// ccProv is p with the calls of a client-credentials provider whose Config
// for an env is config(e).
func ccProv[C ccConfig](p prov, config func(e env) C) prov {
	p.fetch = func(ctx context.Context, e env) (*oauth2.Token, error) {
		return config(e).TokenSource(e.opts...).TokenContext(ctx)
	}
	p.token = func(ctx context.Context, e env) (*oauth2.Token, error) { return config(e).Token(ctx) }
	p.tokenSource = func(e env) oauth2.TokenSource { return config(e).TokenSource() }
	p.client = func(e env, _ *oauth2.Token) *http.Client { return config(e).Client(e.opts...) }
	p.config = func(e env) any { return config(e) }
	return p
}

var providers = []prov{
	ccProv(prov{
		name: "moneygo", display: "Money-Go", mock: mockserver.MoneyGo, path: "/token", okStatus: 200,
		okBody: func(access, _ string) map[string]any {
			return map[string]any{"token_type": "Bearer", "expires_in": 2592000, "access_token": access}
		},
		errBody: oauthErrBody,
	}, moneygoConfig),
	ccProv(prov{
		name: "moneykit", display: "MoneyKit", mock: mockserver.MoneyKit, path: "/auth/token", okStatus: 201,
		okBody: func(access, _ string) map[string]any {
			return map[string]any{"access_token": access, "token_type": "bearer", "expires_in": 3600}
		},
		errBody: func(code, desc string) map[string]any {
			return map[string]any{"error_code": code, "error_message": desc, "documentation_url": "https://docs.moneykit.com/"}
		},
	}, moneykitConfig),
	ccProv(prov{
		name: "moov", display: "Moov", mock: mockserver.Moov, path: "/oauth2/token", okStatus: 200,
		okBody: func(access, refresh string) map[string]any {
			return map[string]any{"access_token": access, "expires_in": 900, "refresh_token": refresh,
				"scope": "/accounts.read", "token_type": "opaque"}
		},
		errBody: func(code, _ string) map[string]any { return map[string]any{"error": code} },
	}, moovConfig),
	{
		name: "mobifinance", display: "MobiFinance", mock: mockserver.MobiFinance, path: "/v2/oauth/token", okStatus: 200,
		oneShot: true, permanent: true,
		fetch: func(ctx context.Context, e env) (*oauth2.Token, error) {
			return mobifinanceConfig(e).Exchange(ctx, e.creds.code)
		},
		token: func(ctx context.Context, e env) (*oauth2.Token, error) {
			return mobifinanceConfig(e).Exchange(ctx, e.creds.code)
		},
		client: func(e env, tok *oauth2.Token) *http.Client { return mobifinanceConfig(e).Client(tok, e.opts...) },
		config: func(e env) any { return mobifinanceConfig(e) },
		okBody: func(access, refresh string) map[string]any {
			return map[string]any{"access_token": access, "token_type": "Bearer", "refresh_token": refresh, "expires_in": 0}
		},
		errBody: oauthErrBody,
	},
}

// errCode is the provider's error code for a kind of failure, as its
// documents (or the mock) spell it.
func (p prov) errCode(status int) string {
	if p.name == "moneykit" {
		switch {
		case status == 429:
			return "api_error.rate_limit_exceeded"
		case status >= 500:
			return "api_error.internal_server_error"
		}
		return "api_error.auth.unauthorized"
	}
	switch status {
	case 400:
		return "invalid_request"
	case 401:
		if p.name == "mobifinance" {
			return "unauthorized_client"
		}
		return "invalid_client"
	case 403:
		return "invalid_grant"
	case 429:
		return "rate_limit_exceeded"
	}
	return "server_error"
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
