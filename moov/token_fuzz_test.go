package moov_test

import (
	"net/http"
	"testing"

	"github.com/paytoken/paytoken/auth"
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
	providertest.FuzzClientCredentials(f, 200, auth.InHeader, func(baseURL string, hc *http.Client) *moov.Config {
		return &moov.Config{ClientID: providertest.FuzzClientID, ClientSecret: providertest.FuzzClientSecret, BaseURL: baseURL, HTTPClient: hc}
	})
}
