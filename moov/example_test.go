package moov_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/mockserver"
	"github.com/paytoken/paytoken/moov"
)

// Get one token. The built-in mock (mockserver) stands in for Moov and
// answers as Moov's documentation page shows (token_type "opaque"); in
// production leave BaseURL empty.
func Example() {
	const id, secret = "5clTR_MdVrrkgxw2", "dNC-hg7sVm22jc3g" // an API key's public and secret parts
	srv := mockserver.New(mockserver.WithClient(mockserver.Moov, id, secret))
	defer srv.Close()

	cfg := &moov.Config{
		ClientID:     id,
		ClientSecret: secret, // e.g. auth.Secret(os.Getenv("MOOV_CLIENT_SECRET"))
		Scopes:       []string{"/accounts.read"},
		BaseURL:      srv.URL,
	}
	tok, err := cfg.Token(context.Background())
	if err != nil {
		log.Print(err)
		return
	}
	fmt.Println(tok.TokenType, "(Moov said", tok.Extra("token_type").(string)+")")
	fmt.Println(time.Until(tok.Expiry).Round(time.Minute), tok.Extra("scope"))
	// Output:
	// Bearer (Moov said opaque)
	// 15m0s /accounts.read
}

// Call Moov's API with an *http.Client that fetches, caches and renews the
// token, and sends it as Bearer. Here the token endpoint fails once with a
// 503, and the client asks again. The mock's protected endpoint stands in
// for the API.
func ExampleConfig_Client() {
	srv, cfg := mock()
	defer srv.Close()
	srv.InjectFault(mockserver.Moov, mockserver.Fault{Status: 503, Times: 1})

	client := cfg.Client(auth.WithRetry(auth.RetryPolicy{MaxAttempts: 5}))
	resp, err := client.Get(srv.ProtectedURL())
	if err != nil {
		log.Print(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.Status, "after", srv.Counts(mockserver.Moov).TokenRequests, "token requests")
	// Output: 200 OK after 2 token requests
}

// Share one token between the Sources of a process (auth/redisstore does the
// same across a fleet).
func ExampleConfig_TokenSource() {
	srv, cfg := mock()
	defer srv.Close()

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
	fmt.Println(ta.AccessToken == tb.AccessToken, srv.Counts(mockserver.Moov).TokenRequests)
	// Output: true 1
}

// Tell a rejected key from a server in trouble.
func ExampleConfig_Token_errors() {
	srv, cfg := mock()
	defer srv.Close()
	ctx := context.Background()

	wrong := *cfg
	wrong.ClientSecret = "wrong"
	_, err := wrong.Token(ctx)
	if e, ok := errors.AsType[*auth.Error](err); ok {
		fmt.Println(e.StatusCode, e.Code, errors.Is(err, auth.ErrInvalidClient), e.Temporary())
		fmt.Println("request id for Moov's support:", e.RequestID != "") // also in err's text
	}

	srv.InjectFault(mockserver.Moov, mockserver.Fault{Status: 503, Times: 3}) // each of Token's 3 attempts
	_, err = cfg.Token(ctx)
	if e, ok := errors.AsType[*auth.Error](err); ok {
		fmt.Println(e.StatusCode, e.Temporary())
	}

	cfg.BaseURL = "http://api.moov.io"
	_, err = cfg.Token(ctx)
	fmt.Println(errors.Is(err, auth.ErrInsecureURL))
	// Output:
	// 401 invalid_client true false
	// request id for Moov's support: true
	// 503 true
	// true
}

// Renew a token with the refresh_token grant yourself (TokenSource does it
// for you). Each refresh token works once: the answer carries the next one.
func ExampleConfig_Refresh() {
	srv, cfg := mock()
	defer srv.Close()

	ctx := context.Background()
	first, err := cfg.Token(ctx)
	if err != nil {
		log.Print(err)
		return
	}
	renewed, err := cfg.Refresh(ctx, first.RefreshToken)
	if err != nil {
		log.Print(err)
		return
	}
	fmt.Println(renewed.AccessToken != first.AccessToken, renewed.RefreshToken != first.RefreshToken)

	_, err = cfg.Refresh(ctx, first.RefreshToken)
	fmt.Println(errors.Is(err, auth.ErrInvalidGrant))
	// Output:
	// true true
	// true
}

// A platform with one token per connected account: each account's Source
// is made on first use, scoped to that account, and kept in an auth.Pool
// (the least recently used goes when it is full). All of them renew
// through one queue for the platform's client id, within Moov's
// documented 40 requests/s.
func ExampleConfig_TokenSource_pool() {
	srv, platform := mock()
	defer srv.Close()

	accounts := &auth.Pool{Size: 50_000, New: func(accountID string) *auth.Source {
		cfg := *platform
		cfg.Scopes = []string{"/accounts/" + accountID + "/profile.read"}
		return cfg.TokenSource()
	}}
	ctx := context.Background()
	for _, id := range []string{"acct-1", "acct-2", "acct-1"} {
		tok, err := accounts.Token(ctx, id)
		if err != nil {
			log.Print(err)
			return
		}
		fmt.Println(id, tok.Extra("scope"))
	}
	fmt.Println("Sources:", accounts.Len(), "- token requests:", srv.Counts(mockserver.Moov).TokenRequests)
	// Output:
	// acct-1 /accounts/acct-1/profile.read
	// acct-2 /accounts/acct-2/profile.read
	// acct-1 /accounts/acct-1/profile.read
	// Sources: 2 - token requests: 2
}

// mock starts the built-in mock of Moov, answering as Moov's documentation
// page shows (close it when done), and returns a Config for its demo API key.
func mock() (*mockserver.Server, *moov.Config) {
	srv := mockserver.New(mockserver.WithMoovAPI(mockserver.MoovSeed))
	return srv, &moov.Config{
		ClientID:     mockserver.DemoClientID(mockserver.Moov),
		ClientSecret: auth.Secret(mockserver.DemoClientSecret(mockserver.Moov)),
		BaseURL:      srv.URL,
	}
}
