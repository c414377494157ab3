package moneykit_test

import (
	"testing"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providertest"
)

// FuzzTokenResponse: MoneyKit's token-response decoding through the public
// API (Config.Token, or a TokenSource with one attempt for the statuses
// Token would retry), with the invariants of providertest.FuzzTokenResponse.
// MoneyKit documents 201 for success and its own error_code shape.
//
//	go test ./moneykit -run '^$' -fuzz '^FuzzTokenResponse$' -fuzztime 30s
func FuzzTokenResponse(f *testing.F) {
	providertest.FuzzClientCredentials(f, provider, 201, auth.InHeader)
}
