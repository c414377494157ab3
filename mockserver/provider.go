package mockserver

import (
	"fmt"
	"strings"
	"time"
)

// Provider names one of the four faked token endpoints.
type Provider string

// The four providers the mock serves. The string values are the path prefixes under which
// each provider is also mounted (see [Server.BaseURL]).
const (
	MoneyGo     Provider = "moneygo"
	MoneyKit    Provider = "moneykit"
	Moov        Provider = "moov"
	MobiFinance Provider = "mobifinance"
)

// Providers lists the four providers in a stable order.
func Providers() []Provider { return []Provider{MoneyGo, MoneyKit, Moov, MobiFinance} }

// ParseProvider accepts a provider's name in any case, with or without a hyphen
// ("Money-Go", "moneygo", "MOOV").
func ParseProvider(s string) (Provider, error) {
	n := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), "-", ""))
	for _, p := range Providers() {
		if string(p) == n {
			return p, nil
		}
	}
	return "", fmt.Errorf("mockserver: unknown provider %q (want one of moneygo, moneykit, moov, mobifinance)", s)
}

func (p Provider) valid() bool {
	switch p {
	case MoneyGo, MoneyKit, Moov, MobiFinance:
		return true
	}
	return false
}

// TokenPath is the provider's documented token endpoint path.
func (p Provider) TokenPath() string {
	switch p {
	case MoneyGo:
		return "/token"
	case MoneyKit:
		return "/auth/token"
	case Moov:
		return "/oauth2/token"
	case MobiFinance:
		return "/v2/oauth/token"
	}
	return ""
}

// DisplayName is the provider's name as its vendor writes it.
func (p Provider) DisplayName() string {
	switch p {
	case MoneyGo:
		return "Money-Go"
	case MoneyKit:
		return "MoneyKit"
	case Moov:
		return "Moov"
	case MobiFinance:
		return "MobiFinance"
	}
	return string(p)
}

// DefaultLifetime is the token lifetime the provider documents, which the mock uses unless
// [WithTokenLifetime] says otherwise: Money-Go 30 days, MoneyKit 1 hour, Moov 15 minutes.
// MobiFinance documents its tokens as permanent: 0, meaning no expiry.
func (p Provider) DefaultLifetime() time.Duration {
	switch p {
	case MoneyGo:
		return 30 * 24 * time.Hour
	case MoneyKit:
		return time.Hour
	case Moov:
		return 15 * time.Minute
	}
	return 0
}

// successStatus is the status of the provider's documented success answer.
func (p Provider) successStatus() int {
	if p == MoneyKit {
		return 201
	}
	return 200
}

// DemoClientID is the client id of the demo client every provider has unless
// [WithoutDemoClients] is given: "demo-moneygo", "demo-moneykit", "demo-moov", "demo-mobifinance".
func DemoClientID(p Provider) string { return "demo-" + string(p) }

// DemoClientSecret is the secret of the provider's demo client ("demo-moov-secret", ...).
// It is public: the mock is a test double and its demo credentials protect nothing.
func DemoClientSecret(p Provider) string { return "demo-" + string(p) + "-secret" }

// DemoRedirectURI is a redirect URI for MobiFinance demos and examples; any URI works with
// [Server.IssueCode], as long as the exchange sends the same one.
const DemoRedirectURI = "https://miniapp.example.mn/callback"
