package mobifinance_test

import (
	"context"
	"net/http"
	"testing"

	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providerkit"
	"github.com/paytoken/paytoken/internal/providertest"
	"github.com/paytoken/paytoken/mobifinance"
)

// FuzzTokenResponse: MobiFinance's token-response decoding through the
// public API (Config.Exchange, which never sends a code twice), with the
// invariants of providertest.FuzzTokenResponse. Its tokens may be
// permanent, and the code it sends must stay out of errors like the secret.
//
//	go test ./mobifinance -run '^$' -fuzz '^FuzzTokenResponse$' -fuzztime 30s
func FuzzTokenResponse(f *testing.F) {
	providertest.FuzzTokenResponse(f, providertest.FuzzTarget{
		Fetch: func(ctx context.Context, baseURL string, hc *http.Client, _ bool) (*oauth2.Token, error) {
			cfg := &mobifinance.Config{ClientID: providertest.FuzzClientID, ClientSecret: providertest.FuzzClientSecret, BaseURL: baseURL, HTTPClient: hc,
				RedirectURL: "https://miniapp.example.mn/callback"}
			return cfg.Exchange(ctx, providertest.FuzzCode) // never retried once sent
		},
		OKStatus:  200,
		Permanent: true,
		Secrets:   append(providerkit.RequestSecrets(providertest.FuzzClientID, providertest.FuzzClientSecret, auth.InBody), providertest.FuzzCode),
		Seeds:     providertest.Seeds(f),
	})
}
