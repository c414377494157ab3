package auth_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paytoken/paytoken/auth"
	"golang.org/x/oauth2"
)

// countingStore counts the Store loads a Pool causes.
type countingStore struct {
	auth.MemoryStore
	loads atomic.Int32
}

func (s *countingStore) Load(ctx context.Context, key string) (*oauth2.Token, error) {
	s.loads.Add(1)
	return s.MemoryStore.Load(ctx, key)
}

// One token per user, as a MobiFinance (MonPay) mini app keeps them: each
// user's token was saved to the Store when the user authorized the app
// (mobifinance.Config.Exchange); the Pool serves it from there, one Store
// load per user however many requests arrive at once, and asks for a new
// authorization when the Store has none. With mobifinance, New is
//
//	func(user string) *auth.Source {
//		return cfg.TokenSource(nil, auth.WithStore(store, cfg.UserKey(user)))
//	}
func ExamplePool() {
	ctx := context.Background()
	store := new(countingStore) // auth/redisstore in production
	_ = store.Save(ctx, "user:alice", &oauth2.Token{AccessToken: "alice-token", Expiry: time.Now().Add(time.Hour)})

	errReauthorize := errors.New("no token: ask the user to authorize the app again")
	users := &auth.Pool{Size: 100_000, New: func(user string) *auth.Source {
		return auth.NewSource(func(context.Context) (*oauth2.Token, error) { return nil, errReauthorize },
			auth.WithStore(store, "user:"+user))
	}}

	var wg sync.WaitGroup
	for range 100 { // 100 requests of alice's at once
		wg.Go(func() {
			if _, err := users.Token(ctx, "alice"); err != nil {
				log.Fatal(err)
			}
		})
	}
	wg.Wait()
	tok, _ := users.Token(ctx, "alice")
	fmt.Println("alice:", tok.AccessToken, "- Store loads:", store.loads.Load())

	_, err := users.Token(ctx, "bob")
	fmt.Println("bob:", err)
	// Output:
	// alice: alice-token - Store loads: 1
	// bob: no token: ask the user to authorize the app again
}

// One token per connected account, as a platform on Moov or MoneyKit keeps
// them: each account's Source is made from that account's Config on first
// use (with moov: cfg.TokenSource(auth.WithStore(store, ""))), and the
// least recently used is dropped when the Pool is full.
func ExamplePool_accounts() {
	var fetches atomic.Int32
	accounts := &auth.Pool{Size: 2, New: func(account string) *auth.Source {
		return auth.NewSource(func(context.Context) (*oauth2.Token, error) {
			fetches.Add(1)
			return &oauth2.Token{AccessToken: "token-of-" + account, Expiry: time.Now().Add(15 * time.Minute)}, nil
		})
	}}
	ctx := context.Background()
	var got []string
	for _, account := range []string{"acct-1", "acct-2", "acct-1", "acct-3", "acct-1"} {
		tok, err := accounts.Token(ctx, account)
		if err != nil {
			log.Fatal(err)
		}
		got = append(got, tok.AccessToken)
	}
	fmt.Println(strings.Join(got, " "))
	fmt.Println("Sources:", accounts.Len(), "- fetches:", fetches.Load())
	// Output:
	// token-of-acct-1 token-of-acct-2 token-of-acct-1 token-of-acct-3 token-of-acct-1
	// Sources: 2 - fetches: 3
}
