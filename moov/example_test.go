package moov_test

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
	"github.com/paytoken/paytoken/moov"
)

// fakeMoov stands in for https://api.moov.io: its token endpoint answers as
// Moov documents, and /accounts echoes the Authorization header it got.
func fakeMoov() *httptest.Server {
	return providertest.FakeAPI("/oauth2/token", "/accounts", func(w http.ResponseWriter, r *http.Request) {
		if id, secret, ok := r.BasicAuth(); !ok || id != "5clTR_MdVrrkgxw2" || secret != "dNC-hg7sVm22jc3g" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid_client"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"i1qxz68gu50zp4i8","expires_in":900,"refresh_token":"r7k2",`+
			`"scope":"/accounts.read","token_type":"opaque"}`)
	})
}

// Get one token. In production leave BaseURL and HTTPClient empty.
func Example() {
	srv := fakeMoov()
	defer srv.Close()

	cfg := &moov.Config{
		ClientID:     "5clTR_MdVrrkgxw2",
		ClientSecret: "dNC-hg7sVm22jc3g", // e.g. auth.Secret(os.Getenv("MOOV_CLIENT_SECRET"))
		Scopes:       []string{"/accounts.read"},
		BaseURL:      srv.URL,
		HTTPClient:   srv.Client(),
	}
	tok, err := cfg.Token(context.Background())
	if err != nil {
		log.Print(err)
		return
	}
	fmt.Println(tok.AccessToken)
	fmt.Println(tok.TokenType, "(Moov said", tok.Extra("token_type").(string)+")")
	fmt.Println(time.Until(tok.Expiry).Round(time.Minute))
	// Output:
	// i1qxz68gu50zp4i8
	// Bearer (Moov said opaque)
	// 15m0s
}

// Call Moov's API with an *http.Client that fetches, caches and renews the
// token, and sends it as Bearer.
func ExampleConfig_Client() {
	srv := fakeMoov()
	defer srv.Close()

	cfg := &moov.Config{
		ClientID:     "5clTR_MdVrrkgxw2",
		ClientSecret: "dNC-hg7sVm22jc3g",
		Scopes:       []string{"/accounts.read"},
		BaseURL:      srv.URL,
		HTTPClient:   srv.Client(),
	}
	client := cfg.Client(auth.WithRetry(auth.RetryPolicy{MaxAttempts: 5}))

	resp, err := client.Get(srv.URL + "/accounts")
	if err != nil {
		log.Print(err)
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Println(string(b))
	// Output: Bearer i1qxz68gu50zp4i8
}

// Share one token between the Sources of a process (auth/redisstore does the
// same across a fleet).
func ExampleConfig_TokenSource() {
	srv := fakeMoov()
	defer srv.Close()

	cfg := &moov.Config{
		ClientID:     "5clTR_MdVrrkgxw2",
		ClientSecret: "dNC-hg7sVm22jc3g",
		BaseURL:      srv.URL,
		HTTPClient:   srv.Client(),
	}
	store := new(auth.MemoryStore)
	a := cfg.TokenSource(auth.WithStore(store, ""))
	b := cfg.TokenSource(auth.WithStore(store, ""))

	ta, err := a.Token()
	if err != nil {
		log.Print(err)
		return
	}
	tb, err := b.Token()
	if err != nil {
		log.Print(err)
		return
	}
	fmt.Println(ta.AccessToken == tb.AccessToken)
	// Output: true
}

// Tell a rejected key from a server in trouble.
func ExampleConfig_Token_errors() {
	srv := fakeMoov()
	defer srv.Close()

	cfg := &moov.Config{
		ClientID:     "5clTR_MdVrrkgxw2",
		ClientSecret: "wrong",
		BaseURL:      srv.URL,
		HTTPClient:   srv.Client(),
	}
	_, err := cfg.Token(context.Background())
	if e, ok := errors.AsType[*auth.Error](err); ok {
		fmt.Println(e.StatusCode, e.Code, errors.Is(err, auth.ErrInvalidClient), e.Temporary())
	}
	fmt.Println(err)

	cfg.BaseURL = "http://api.moov.io"
	_, err = cfg.Token(context.Background())
	fmt.Println(errors.Is(err, auth.ErrInsecureURL))
	// Output:
	// 401 invalid_client true false
	// moov: token request failed: HTTP 401 Unauthorized: invalid_client
	// true
}

// Renew a token with the refresh_token grant yourself (TokenSource does it
// for you).
func ExampleConfig_Refresh() {
	srv := fakeMoov()
	defer srv.Close()

	cfg := &moov.Config{
		ClientID:     "5clTR_MdVrrkgxw2",
		ClientSecret: "dNC-hg7sVm22jc3g",
		BaseURL:      srv.URL,
		HTTPClient:   srv.Client(),
	}
	tok, err := cfg.Refresh(context.Background(), "r7k2")
	if err != nil {
		log.Print(err)
		return
	}
	fmt.Println(tok.AccessToken, tok.RefreshToken)
	// Output: i1qxz68gu50zp4i8 r7k2
}

// A platform with one token per connected account: each account's Source
// is made on first use, scoped to that account, and kept in an auth.Pool
// (the least recently used goes when it is full). All of them renew
// through one queue for the platform's client id, within Moov's
// documented 40 requests/s.
func ExampleConfig_TokenSource_pool() {
	srv := fakeMoov()
	defer srv.Close()

	accounts := &auth.Pool{Size: 50_000, New: func(accountID string) *auth.Source {
		cfg := &moov.Config{
			ClientID:     "5clTR_MdVrrkgxw2",
			ClientSecret: "dNC-hg7sVm22jc3g",
			Scopes:       []string{"/accounts/" + accountID + "/profile.read"},
			BaseURL:      srv.URL,
			HTTPClient:   srv.Client(),
		}
		return cfg.TokenSource()
	}}
	ctx := context.Background()
	for _, id := range []string{"acct-1", "acct-2", "acct-1"} {
		tok, err := accounts.Token(ctx, id)
		if err != nil {
			log.Print(err)
			return
		}
		fmt.Println(id, tok.AccessToken)
	}
	fmt.Println("Sources:", accounts.Len())
	// Output:
	// acct-1 i1qxz68gu50zp4i8
	// acct-2 i1qxz68gu50zp4i8
	// acct-1 i1qxz68gu50zp4i8
	// Sources: 2
}
