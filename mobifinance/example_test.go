package mobifinance_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/mobifinance"
	"github.com/paytoken/paytoken/mockserver"
)

// Exchange the code your mini app received, once. The built-in mock
// (mockserver) stands in for MobiFinance and issues the code as MonPay
// would; in production leave BaseURL empty.
func Example() {
	const redirect = "https://miniapp.example.mn/callback" // the mini app's registered URL
	srv := mockserver.New(mockserver.WithClient(mockserver.MobiFinance, "ClientID given by MobiFinance", "ClientSecret given by MobiFinance"))
	defer srv.Close()
	code := srv.MustIssueCode("ClientID given by MobiFinance", redirect)

	cfg := &mobifinance.Config{
		ClientID:     "ClientID given by MobiFinance",
		ClientSecret: "ClientSecret given by MobiFinance", // e.g. auth.Secret(os.Getenv(…))
		RedirectURL:  redirect,
		BaseURL:      srv.URL,
	}
	tok, err := cfg.Exchange(context.Background(), code)
	if err != nil {
		log.Print(err)
		return
	}
	fmt.Println(tok.TokenType, "expires:", !tok.Expiry.IsZero())

	// The code is spent: a second exchange is refused, and says why. Any
	// Exchange failure says whether the code may be sent again
	// (ErrCodeNotSent) or the user must authorize again (ErrReauthorize).
	_, err = cfg.Exchange(context.Background(), code)
	fmt.Println(errors.Is(err, auth.ErrInvalidGrant), errors.Is(err, mobifinance.ErrReauthorize), errors.Is(err, mobifinance.ErrCodeNotSent))
	// Output:
	// Bearer expires: false
	// true true false
}

// Call the API with the user's token. When the API rejects the token (here
// the user revoked access), the client hands its 401 back once; the next
// call fails with ErrReauthorize: the user has to authorize again. The
// mock's protected endpoint stands in for the API.
func ExampleConfig_Client() {
	srv, cfg, code := mock()
	defer srv.Close()

	tok, err := cfg.Exchange(context.Background(), code)
	if err != nil {
		log.Print(err)
		return
	}
	client := cfg.Client(tok)
	call := func() {
		resp, err := client.Get(srv.ProtectedURL())
		switch {
		case errors.Is(err, mobifinance.ErrReauthorize):
			fmt.Println("ErrReauthorize: send the user through MonPay's authorization again")
		case err != nil:
			log.Print(err)
		default:
			resp.Body.Close()
			fmt.Println(resp.Status)
		}
	}
	call()
	srv.RevokeToken(tok.AccessToken) // the user revoked access
	call()
	call()
	// Output:
	// 200 OK
	// 401 Unauthorized
	// ErrReauthorize: send the user through MonPay's authorization again
}

// Keep each user's token in a Store under Config.UserKey when they
// authorize the mini app, so that any process, after any restart too,
// serves it without a new code. A mini app's server holds its users'
// Sources in an auth.Pool: a user the Pool does not hold yet is loaded from
// the Store once, and a user with no token there gets ErrReauthorize.
func ExampleConfig_UserKey() {
	srv, cfg, code := mock()
	defer srv.Close()
	ctx := context.Background()
	store := new(auth.MemoryStore) // auth/redisstore for a fleet

	// The callback of user 1001's authorization:
	tok, err := cfg.Exchange(ctx, code)
	if err != nil {
		log.Print(err)
		return
	}
	if err := store.Save(ctx, cfg.UserKey("1001"), tok); err != nil {
		log.Print(err)
		return
	}

	// Later, anywhere: no token in hand, the store has it.
	users := &auth.Pool{Size: 100_000, New: func(userID string) *auth.Source {
		return cfg.TokenSource(nil, auth.WithStore(store, cfg.UserKey(userID)))
	}}
	got, err := users.Token(ctx, "1001")
	fmt.Println(got.AccessToken == tok.AccessToken, err)

	// A user who never logged in needs a code.
	_, err = users.Token(ctx, "2002")
	fmt.Println(errors.Is(err, mobifinance.ErrReauthorize))
	// Output:
	// true <nil>
	// true
}

// mock starts the built-in mock of MobiFinance (close it when done) and
// returns a Config for its demo mini app and an authorization code for it,
// as MonPay gives the mini app when a user approves it.
func mock() (*mockserver.Server, *mobifinance.Config, string) {
	srv := mockserver.New()
	cfg := &mobifinance.Config{
		ClientID:     mockserver.DemoClientID(mockserver.MobiFinance),
		ClientSecret: auth.Secret(mockserver.DemoClientSecret(mockserver.MobiFinance)),
		RedirectURL:  mockserver.DemoRedirectURI,
		BaseURL:      srv.URL,
	}
	return srv, cfg, srv.MustIssueCode(cfg.ClientID, cfg.RedirectURL)
}
