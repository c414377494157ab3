package moov_test

import (
	"net/http"
	"testing"

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
		Fetch: providertest.ClientCredentialsFetch(func(baseURL string, hc *http.Client) *moov.Config {
			return &moov.Config{ClientID: providertest.FuzzClientID, ClientSecret: providertest.FuzzClientSecret, BaseURL: baseURL, HTTPClient: hc}
		}),
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
