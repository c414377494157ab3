package moneygo_test

import (
	"context"
	"net/http"
	"testing"

	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providerkit"
	"github.com/paytoken/paytoken/internal/providertest"
	"github.com/paytoken/paytoken/moneygo"
)

// FuzzTokenResponse: Money-Go's token-response decoding through the public
// API (Config.Token, or a TokenSource with one attempt for the statuses
// Token would retry), with the invariants of providertest.FuzzTokenResponse.
//
//	go test ./moneygo -run '^$' -fuzz '^FuzzTokenResponse$' -fuzztime 30s
func FuzzTokenResponse(f *testing.F) {
	providertest.FuzzTokenResponse(f, providertest.FuzzTarget{
		Fetch: func(ctx context.Context, baseURL string, hc *http.Client, retryable bool) (*oauth2.Token, error) {
			cfg := &moneygo.Config{ClientID: providertest.FuzzClientID, ClientSecret: providertest.FuzzClientSecret, BaseURL: baseURL, HTTPClient: hc}
			if retryable {
				return cfg.TokenSource(auth.WithRetry(auth.RetryPolicy{MaxAttempts: 1})).TokenContext(ctx)
			}
			return cfg.Token(ctx)
		},
		OKStatus: 200,
		Secrets:  providerkit.RequestSecrets(providertest.FuzzClientID, providertest.FuzzClientSecret, auth.InBody),
		Seeds: []string{
			`{"token_type":"Bearer","expires_in":2592000,"access_token":"mg-0123456789abcdef"}`,
			`{"token_type":"bearer","expires_in":"2592000","access_token":"mg-0123456789abcdef"}`,
			`{"error":"invalid_client","error_description":"Invalid client_id or client_secret"}`,
			`{"error":"invalid_request"}`,
		},
	})
}
