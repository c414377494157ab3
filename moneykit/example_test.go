package moneykit_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providertest"
	"github.com/paytoken/paytoken/moneykit"
)

// fakeMoneyKit stands in for https://api.moneykit.com: its token endpoint
// answers 201 as MoneyKit documents, and /links echoes the Authorization
// header it got.
func fakeMoneyKit() *httptest.Server {
	return providertest.FakeAPI("/auth/token", "/links", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if id, secret, ok := r.BasicAuth(); !ok || id != "live_5c739a369515e10fc9e0" || secret != "s3cr3t" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error_code":"api_error.auth.unauthorized","error_message":"Accounts access not permitted",`+
				`"documentation_url":"https://docs.moneykit.com/"}`)
			return
		}
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"access_token":"52ea3d1b4f9a53fffb67","token_type":"bearer","expires_in":3600}`)
	})
}

// Get one token. In production leave BaseURL and HTTPClient empty.
func Example() {
	srv := fakeMoneyKit()
	defer srv.Close()

	cfg := &moneykit.Config{
		ClientID:     "live_5c739a369515e10fc9e0",
		ClientSecret: "s3cr3t", // e.g. auth.Secret(os.Getenv("MONEYKIT_CLIENT_SECRET"))
		Scopes:       []string{"accounts:read", "transactions:read"},
		BaseURL:      srv.URL,
		HTTPClient:   srv.Client(),
	}
	tok, err := cfg.Token(context.Background())
	if err != nil {
		log.Print(err)
		return
	}
	fmt.Println(tok.AccessToken, tok.TokenType)
	fmt.Println(time.Until(tok.Expiry).Round(time.Minute))
	// Output:
	// 52ea3d1b4f9a53fffb67 Bearer
	// 1h0m0s
}

// Call MoneyKit's API with an *http.Client that fetches, caches and renews
// the token.
func ExampleConfig_Client() {
	srv := fakeMoneyKit()
	defer srv.Close()

	cfg := &moneykit.Config{
		ClientID:     "live_5c739a369515e10fc9e0",
		ClientSecret: "s3cr3t",
		BaseURL:      srv.URL,
		HTTPClient:   srv.Client(),
	}
	resp, err := cfg.Client().Get(srv.URL + "/links")
	if err != nil {
		log.Print(err)
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Println(string(b))
	// Output: Bearer 52ea3d1b4f9a53fffb67
}

// MoneyKit's error_code, error_message and documentation_url, as an
// *auth.Error.
func ExampleConfig_Token_errors() {
	srv := fakeMoneyKit()
	defer srv.Close()

	cfg := &moneykit.Config{
		ClientID:     "live_5c739a369515e10fc9e0",
		ClientSecret: "wrong",
		BaseURL:      srv.URL,
		HTTPClient:   srv.Client(),
	}
	_, err := cfg.Token(context.Background())
	if e, ok := errors.AsType[*auth.Error](err); ok {
		fmt.Println(e.StatusCode, e.Code)
		fmt.Println(e.Description, e.URI)
	}
	fmt.Println(errors.Is(err, auth.ErrInvalidClient))
	// Output:
	// 401 api_error.auth.unauthorized
	// Accounts access not permitted https://docs.moneykit.com/
	// true
}

// Credentials as form fields instead of a Basic header.
func ExampleConfig_inBody() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		fmt.Println(r.PostForm.Encode())
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"access_token":"52ea3d1b4f9a53fffb67","token_type":"bearer","expires_in":3600}`)
	}))
	defer srv.Close()

	cfg := &moneykit.Config{
		ClientID:     "live_5c739a369515e10fc9e0",
		ClientSecret: "s3cr3t",
		AuthStyle:    auth.InBody,
		BaseURL:      srv.URL,
		HTTPClient:   srv.Client(),
	}
	if _, err := cfg.Token(context.Background()); err != nil {
		log.Print(err)
		return
	}
	// Output: client_id=live_5c739a369515e10fc9e0&client_secret=s3cr3t&grant_type=client_credentials
}
