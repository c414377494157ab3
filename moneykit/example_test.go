package moneykit_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/mockserver"
	"github.com/paytoken/paytoken/moneykit"
)

// Get one token. The built-in mock (mockserver) stands in for MoneyKit and
// answers as MoneyKit documents (201, token_type "bearer"); in production
// leave BaseURL empty.
func Example() {
	srv := mockserver.New()
	defer srv.Close()

	cfg := &moneykit.Config{
		ClientID:     mockserver.DemoClientID(mockserver.MoneyKit),                  // live_5c739a…
		ClientSecret: auth.Secret(mockserver.DemoClientSecret(mockserver.MoneyKit)), // e.g. auth.Secret(os.Getenv("MONEYKIT_CLIENT_SECRET"))
		Scopes:       []string{"accounts:read", "transactions:read"},
		BaseURL:      srv.URL,
	}
	tok, err := cfg.Token(context.Background())
	if err != nil {
		log.Print(err)
		return
	}
	fmt.Println(tok.TokenType, "- MoneyKit's own token_type:", tok.Extra("token_type"))
	fmt.Println(time.Until(tok.Expiry).Round(time.Minute))
	// Output:
	// Bearer - MoneyKit's own token_type: bearer
	// 1h0m0s
}

// Call MoneyKit's API with an *http.Client that fetches, caches and renews
// the token. The mock's protected endpoint stands in for the API and says
// whose token it got.
func ExampleConfig_Client() {
	srv, cfg := mock()
	defer srv.Close()

	resp, err := cfg.Client().Get(srv.ProtectedURL())
	if err != nil {
		log.Print(err)
		return
	}
	defer resp.Body.Close()
	var got mockserver.ProtectedAnswer
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		log.Print(err)
		return
	}
	fmt.Println(resp.Status, got.Provider, got.ClientID)
	// Output: 200 OK moneykit demo-moneykit
}

// MoneyKit's error_code, error_message and documentation_url, as an
// *auth.Error.
func ExampleConfig_Token_errors() {
	srv, cfg := mock()
	defer srv.Close()

	cfg.ClientSecret = "wrong"
	_, err := cfg.Token(context.Background())
	if e, ok := errors.AsType[*auth.Error](err); ok {
		fmt.Println(e.StatusCode, e.Code)
		fmt.Println(e.Description, e.URI)
	}
	fmt.Println(errors.Is(err, auth.ErrInvalidClient))
	// Output:
	// 401 api_error.auth.unauthorized
	// Invalid client_id or client_secret https://docs.moneykit.com/
	// true
}

// Credentials as form fields instead of a Basic header. (This stand-in
// prints the form it got, which the mock does not show.)
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

// mock starts the built-in mock of MoneyKit (close it when done) and returns
// a Config for its demo application.
func mock() (*mockserver.Server, *moneykit.Config) {
	srv := mockserver.New()
	return srv, &moneykit.Config{
		ClientID:     mockserver.DemoClientID(mockserver.MoneyKit),
		ClientSecret: auth.Secret(mockserver.DemoClientSecret(mockserver.MoneyKit)),
		Scopes:       []string{"accounts:read"},
		BaseURL:      srv.URL,
	}
}
