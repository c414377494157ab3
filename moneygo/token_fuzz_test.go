package moneygo_test

import (
	"net/http"
	"testing"

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
		Fetch: providertest.ClientCredentialsFetch(func(baseURL string, hc *http.Client) *moneygo.Config {
			return &moneygo.Config{ClientID: providertest.FuzzClientID, ClientSecret: providertest.FuzzClientSecret, BaseURL: baseURL, HTTPClient: hc}
		}),
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
