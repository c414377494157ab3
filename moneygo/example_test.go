package moneygo_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/mockserver"
	"github.com/paytoken/paytoken/moneygo"
)

// Get one token. The built-in mock (mockserver) stands in for Money-Go and
// answers as Money-Go documents; in production leave BaseURL empty (or set
// it to moneygo.SandboxBaseURL).
func Example() {
	srv := mockserver.New(mockserver.WithClient(mockserver.MoneyGo, "CLIENT_ID", "CLIENT_SECRET"))
	defer srv.Close()

	cfg := &moneygo.Config{
		ClientID:     "CLIENT_ID",
		ClientSecret: "CLIENT_SECRET", // e.g. auth.Secret(os.Getenv("MONEYGO_CLIENT_SECRET"))
		BaseURL:      srv.URL,
	}
	tok, err := cfg.Token(context.Background())
	if err != nil {
		log.Print(err)
		return
	}
	fmt.Println(tok.TokenType, tok.Valid())
	fmt.Println(time.Until(tok.Expiry).Round(time.Hour)) // Money-Go's tokens live 30 days
	// Output:
	// Bearer true
	// 720h0m0s
}

// Call Money-Go's API with an *http.Client that fetches the token once,
// caches it and renews it before it expires. The mock's protected endpoint
// stands in for the API.
func ExampleConfig_Client() {
	srv, cfg := mock()
	defer srv.Close()

	client := cfg.Client()
	for range 2 {
		resp, err := client.Get(srv.ProtectedURL())
		if err != nil {
			log.Print(err)
			return
		}
		resp.Body.Close()
	}
	n := srv.Counts(mockserver.MoneyGo)
	fmt.Println(n.ProtectedRequests, "calls,", n.TokenRequests, "token request")
	// Output: 2 calls, 1 token request
}

// A Config can be logged whole: the secret never shows.
func ExampleConfig_print() {
	cfg := moneygo.Config{ClientID: "CLIENT_ID", ClientSecret: "CLIENT_SECRET", BaseURL: moneygo.SandboxBaseURL}
	fmt.Printf("%+v\n", cfg)
	// Output: {ClientID:CLIENT_ID ClientSecret:[redacted] Scope: BaseURL:https://api.money-go-test.com HTTPClient:<nil>}
}

// mock starts the built-in mock of Money-Go (close it when done) and returns
// a Config for its demo client.
func mock() (*mockserver.Server, *moneygo.Config) {
	srv := mockserver.New()
	return srv, &moneygo.Config{
		ClientID:     mockserver.DemoClientID(mockserver.MoneyGo),
		ClientSecret: auth.Secret(mockserver.DemoClientSecret(mockserver.MoneyGo)),
		BaseURL:      srv.URL,
	}
}
