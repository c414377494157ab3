package mobifinance_test

import (
	"context"
	"net/http"
	"net/url"

	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providertest"
	"github.com/paytoken/paytoken/mobifinance"
)

const (
	testID       = "mf_client_7"
	testCode     = "c0de-7f3a9b2e41d8c6f5a0b1"
	testRedirect = "https://miniapp.example.mn/callback?from=monpay"
	okBody       = `{"access_token":"8f14e45fceea167a5a36dedd4bea2543","token_type":"Bearer",` +
		`"refresh_token":"c9f0f895fb98ab9159f51fd0297e236d"}`
)

// provider is MobiFinance to the shared suite: form bodies, answered 200;
// a token is the Exchange of testCode, which no error may show.
var provider = providertest.Provider[url.Values, *mobifinance.Config]{
	Name:   "mobifinance",
	Decode: providertest.FormBody,
	New:    newConfig,
	Test:   func(c *mobifinance.Config) { c.RedirectURL = testRedirect },
	OK:     providertest.Always(200, okBody),
	Fetch: func(ctx context.Context, cfg *mobifinance.Config) (*oauth2.Token, error) {
		return cfg.Exchange(ctx, testCode)
	},
	Secrets: []string{testCode},
}

// server is a loopback MobiFinance token endpoint recording each request,
// its form body decoded.
type server = providertest.Server[url.Values]

// newConfig is a bare Config: these credentials, against baseURL through hc.
func newConfig(id string, secret auth.Secret, baseURL string, hc *http.Client) *mobifinance.Config {
	return &mobifinance.Config{ClientID: id, ClientSecret: secret, BaseURL: baseURL, HTTPClient: hc}
}
