package moneykit_test

import (
	"net/http"
	"testing"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providerkit"
	"github.com/paytoken/paytoken/internal/providertest"
	"github.com/paytoken/paytoken/moneykit"
)

// FuzzTokenResponse: MoneyKit's token-response decoding through the public
// API (Config.Token, or a TokenSource with one attempt for the statuses
// Token would retry), with the invariants of providertest.FuzzTokenResponse.
// MoneyKit documents 201 for success and its own error_code shape.
//
//	go test ./moneykit -run '^$' -fuzz '^FuzzTokenResponse$' -fuzztime 30s
func FuzzTokenResponse(f *testing.F) {
	providertest.FuzzTokenResponse(f, providertest.FuzzTarget{
		Fetch: providertest.ClientCredentialsFetch(func(baseURL string, hc *http.Client) *moneykit.Config {
			return &moneykit.Config{ClientID: providertest.FuzzClientID, ClientSecret: providertest.FuzzClientSecret, BaseURL: baseURL, HTTPClient: hc}
		}),
		OKStatus: 201,
		Secrets:  providerkit.RequestSecrets(providertest.FuzzClientID, providertest.FuzzClientSecret, auth.InHeader),
		Seeds: []string{
			`{"access_token":"52ea3d1b0123456789abcdef4f9a53fffb67","token_type":"bearer","expires_in":3600}`,
			`{"access_token":"52ea3d1b0123456789abcdef4f9a53fffb67","token_type":"bearer"}`,
			`{"error_code":"api_error.auth.unauthorized","error_message":"Accounts access not permitted","documentation_url":"https://docs.moneykit.com/"}`,
			`{"error_code":"api_error.auth.expired_access_token","error_message":"expired"}`,
			`{"error_code":"api_error.rate_limit_exceeded","error_message":"slow down"}`,
		},
	})
}
