package moneygo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/paytoken/paytoken/internal/providertest"
	"github.com/paytoken/paytoken/moneygo"
)

// fakeMoneyGo stands in for https://api.money-go.com: its token endpoint
// answers as Money-Go documents, and /balance echoes the Authorization
// header it got.
func fakeMoneyGo() *httptest.Server {
	return providertest.FakeAPI("/token", "/balance", func(w http.ResponseWriter, r *http.Request) {
		var req map[string]string
		_ = json.NewDecoder(r.Body).Decode(&req)
		w.Header().Set("Content-Type", "application/json")
		if req["client_id"] != "CLIENT_ID" || req["client_secret"] != "CLIENT_SECRET" || req["scope"] != "api" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid_client"}`)
			return
		}
		fmt.Fprint(w, `{"token_type":"Bearer","expires_in":2592000,"access_token":"mgo_8f14e45f"}`)
	})
}

// Get one token. In production leave BaseURL (or set it to
// moneygo.SandboxBaseURL) and HTTPClient empty.
func Example() {
	srv := fakeMoneyGo()
	defer srv.Close()

	cfg := &moneygo.Config{
		ClientID:     "CLIENT_ID",
		ClientSecret: "CLIENT_SECRET", // e.g. auth.Secret(os.Getenv("MONEYGO_CLIENT_SECRET"))
		BaseURL:      srv.URL,
		HTTPClient:   srv.Client(),
	}
	tok, err := cfg.Token(context.Background())
	if err != nil {
		log.Print(err)
		return
	}
	fmt.Println(tok.AccessToken, tok.TokenType)
	fmt.Println(time.Until(tok.Expiry).Round(time.Hour))
	// Output:
	// mgo_8f14e45f Bearer
	// 720h0m0s
}

// Call Money-Go's API with an *http.Client that fetches, caches and renews
// the token.
func ExampleConfig_Client() {
	srv := fakeMoneyGo()
	defer srv.Close()

	cfg := &moneygo.Config{
		ClientID:     "CLIENT_ID",
		ClientSecret: "CLIENT_SECRET",
		BaseURL:      srv.URL,
		HTTPClient:   srv.Client(),
	}
	resp, err := cfg.Client().Get(srv.URL + "/balance")
	if err != nil {
		log.Print(err)
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Println(string(b))
	// Output: Bearer mgo_8f14e45f
}

// A Config can be logged whole: the secret never shows.
func ExampleConfig_print() {
	cfg := moneygo.Config{ClientID: "CLIENT_ID", ClientSecret: "CLIENT_SECRET", BaseURL: moneygo.SandboxBaseURL}
	fmt.Printf("%+v\n", cfg)
	// Output: {ClientID:CLIENT_ID ClientSecret:[redacted] Scope: BaseURL:https://api.money-go-test.com HTTPClient:<nil>}
}
