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
		Seeds: []string{
			`{"access_token":"mf-0123456789abcdef","token_type":"Bearer","refresh_token":"rt-0123","expires_in":0}`,
			`{"access_token":"mf-0123456789abcdef","token_type":"Bearer"}`,
			`{"error":"invalid_grant","error_description":"code fuzz-auth-code-91b2e4d7 was used"}`,
			`{"error":"unauthorized_client","error_description":"Invalid client_id or client_secret"}`,
			`{"error":"unsupported_grant_type","error_description":"Unsupported type"}`,
			`{"error":"server_error","error_description":"HTTP Version Not Supported"}`,
		},
	})
}
