package mobifinance_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"

	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providertest"
	"github.com/paytoken/paytoken/mobifinance"
)

// fakeMonPay stands in for MobiFinance: its token endpoint accepts the code
// "c0de-1" once, and /v2/api/user/info echoes the Authorization header.
func fakeMonPay() *httptest.Server {
	spent := false
	return providertest.FakeAPI("/v2/oauth/token", "/v2/api/user/info", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.PostFormValue("code") != "c0de-1" || spent {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"error":"invalid_grant","error_description":"Invalid code"}`)
			return
		}
		spent = true
		fmt.Fprint(w, `{"access_token":"8f14e45fceea167a","token_type":"Bearer","refresh_token":"c9f0f895"}`)
	})
}

// Exchange the code your mini app received, once. In production leave
// BaseURL and HTTPClient empty.
func Example() {
	srv := fakeMonPay()
	defer srv.Close()

	cfg := &mobifinance.Config{
		ClientID:     "ClientID given by MobiFinance",
		ClientSecret: "ClientSecret given by MobiFinance", // e.g. auth.Secret(os.Getenv(…))
		RedirectURL:  "https://miniapp.example.mn/callback",
		BaseURL:      srv.URL,
		HTTPClient:   srv.Client(),
	}
	tok, err := cfg.Exchange(context.Background(), "c0de-1")
	if err != nil {
		log.Print(err)
		return
	}
	fmt.Println(tok.AccessToken, tok.TokenType, "expires:", !tok.Expiry.IsZero())

	// The code is spent: a second exchange is refused, and says why. Any
	// Exchange failure says whether the code may be sent again
	// (ErrCodeNotSent) or the user must authorize again (ErrReauthorize).
	_, err = cfg.Exchange(context.Background(), "c0de-1")
	fmt.Println(errors.Is(err, auth.ErrInvalidGrant), errors.Is(err, mobifinance.ErrReauthorize), errors.Is(err, mobifinance.ErrCodeNotSent))
	// Output:
	// 8f14e45fceea167a Bearer expires: false
	// true true false
}

// Call the API with the user's token.
func ExampleConfig_Client() {
	srv := fakeMonPay()
	defer srv.Close()

	cfg := &mobifinance.Config{
		ClientID:     "ClientID given by MobiFinance",
		ClientSecret: "ClientSecret given by MobiFinance",
		RedirectURL:  "https://miniapp.example.mn/callback",
		BaseURL:      srv.URL,
		HTTPClient:   srv.Client(),
	}
	tok, err := cfg.Exchange(context.Background(), "c0de-1")
	if err != nil {
		log.Print(err)
		return
	}
	resp, err := cfg.Client(tok).Get(srv.URL + "/v2/api/user/info")
	if err != nil {
		log.Print(err)
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Println(string(b))
	// Output: Bearer 8f14e45fceea167a
}

// Keep each user's token in a Store under Config.UserKey, so that any
// process, after any restart, serves it without a new code.
func ExampleConfig_UserKey() {
	srv := fakeMonPay()
	defer srv.Close()
	ctx := context.Background()

	cfg := &mobifinance.Config{
		ClientID:     "ClientID given by MobiFinance",
		ClientSecret: "ClientSecret given by MobiFinance",
		RedirectURL:  "https://miniapp.example.mn/callback",
		BaseURL:      srv.URL,
		HTTPClient:   srv.Client(),
	}
	store := new(auth.MemoryStore) // auth/redisstore in production

	// At login:
	tok, err := cfg.Exchange(ctx, "c0de-1")
	if err != nil {
		log.Print(err)
		return
	}
	if err := store.Save(ctx, cfg.UserKey("user-42"), tok); err != nil {
		log.Print(err)
		return
	}

	// Later, anywhere: no token in hand, the store has it.
	src := cfg.TokenSource(nil, auth.WithStore(store, cfg.UserKey("user-42")))
	got, err := src.Token()
	fmt.Println(got.AccessToken, err)

	// A user who never logged in needs a code.
	_, err = cfg.TokenSource(nil, auth.WithStore(store, cfg.UserKey("user-43"))).Token()
	fmt.Println(errors.Is(err, mobifinance.ErrReauthorize))
	// Output:
	// 8f14e45fceea167a <nil>
	// true
}

// When the API rejects the token, the user has to authorize again.
func ExampleErrReauthorize() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized) // the user revoked access
	}))
	defer api.Close()

	cfg := &mobifinance.Config{HTTPClient: api.Client()}
	client := cfg.Client(&oauth2.Token{AccessToken: "8f14e45fceea167a"})

	resp, err := client.Get(api.URL + "/v2/api/user/info")
	if err != nil {
		log.Print(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode)

	_, err = client.Get(api.URL + "/v2/api/user/info")
	if errors.Is(err, mobifinance.ErrReauthorize) {
		fmt.Println("send the user through MonPay's authorization again")
	}
	// Output:
	// 401
	// send the user through MonPay's authorization again
}

// One token per user in a mini app's server: save each user's token
// under cfg.UserKey when they authorize the app, and hold the users'
// Sources in an auth.Pool. A request of a user the Pool does not hold
// loads that user's token from the Store once; a user with no token
// there gets ErrReauthorize.
func ExampleConfig_TokenSource_pool() {
	srv := fakeMonPay()
	defer srv.Close()

	cfg := &mobifinance.Config{
		ClientID:     "ClientID given by MobiFinance",
		ClientSecret: "ClientSecret given by MobiFinance",
		RedirectURL:  "https://miniapp.example.mn/callback",
		BaseURL:      srv.URL,
		HTTPClient:   srv.Client(),
	}
	ctx := context.Background()
	store := new(auth.MemoryStore) // auth/redisstore for a fleet

	// The callback of user 1001's authorization:
	tok, err := cfg.Exchange(ctx, "c0de-1")
	if err != nil {
		log.Print(err)
		return
	}
	if err := store.Save(ctx, cfg.UserKey("1001"), tok); err != nil {
		log.Print(err)
		return
	}

	users := &auth.Pool{Size: 100_000, New: func(userID string) *auth.Source {
		return cfg.TokenSource(nil, auth.WithStore(store, cfg.UserKey(userID)))
	}}
	resp, err := auth.NewClient(users.Source("1001"), srv.Client()).Get(srv.URL + "/v2/api/user/info")
	if err != nil {
		log.Print(err)
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Println(string(b))

	_, err = users.Token(ctx, "2002")
	fmt.Println(errors.Is(err, mobifinance.ErrReauthorize))
	// Output:
	// Bearer 8f14e45fceea167a
	// true
}
