package moov_test

import (
	"context"
	"net/http"
	"testing"

	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providerkit"
	"github.com/paytoken/paytoken/internal/providertest"
	"github.com/paytoken/paytoken/moov"
)

// FuzzTokenResponse: Moov's token-response decoding through the public API
// (Config.Token, or a TokenSource with one attempt for the statuses Token
// would retry), with the invariants of providertest.FuzzTokenResponse.
// Moov answers token_type "opaque" or "jwt", which must become "Bearer".
//
//	go test ./moov -run '^$' -fuzz '^FuzzTokenResponse$' -fuzztime 30s
func FuzzTokenResponse(f *testing.F) {
	providertest.FuzzTokenResponse(f, providertest.FuzzTarget{
		Fetch: func(ctx context.Context, baseURL string, hc *http.Client, retryable bool) (*oauth2.Token, error) {
			cfg := &moov.Config{ClientID: providertest.FuzzClientID, ClientSecret: providertest.FuzzClientSecret, BaseURL: baseURL, HTTPClient: hc}
			if retryable {
				return cfg.TokenSource(auth.WithRetry(auth.RetryPolicy{MaxAttempts: 1})).TokenContext(ctx)
			}
			return cfg.Token(ctx)
		},
		OKStatus: 200,
		Secrets:  providerkit.RequestSecrets(providertest.FuzzClientID, providertest.FuzzClientSecret, auth.InHeader),
		Seeds: []string{
			`{"access_token":"mv-0123456789abcdef","expires_in":900,"refresh_token":"rt-0123456789","scope":"/accounts.read","token_type":"opaque"}`,
			`{"access_token":"mv-0123456789abcdef","expires_in":900,"token_type":"jwt"}`,
			`{"access_token":"mv-0123456789abcdef","expires_in":1736966581,"token_type":"opaque"}`,
			`{"error":"invalid_request"}`,
			`{"error":"invalid_client"}`,
			`{"error":"invalid_grant"}`,
		},
	})
}
