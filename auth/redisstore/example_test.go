package redisstore_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/auth/redisstore"
)

// A Store with tokens sealed under a key from the environment (32 random
// bytes, base64: `openssl rand -base64 32`).
func ExampleNew() {
	key, err := base64.StdEncoding.DecodeString(os.Getenv("PAYTOKEN_STORE_KEY"))
	if err != nil {
		log.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{
		Addr:                  "redis:6379",
		ContextTimeoutEnabled: true, // let the Store's per-operation deadline reach the socket
		DialTimeout:           time.Second,
	})
	defer rdb.Close()

	store, err := redisstore.New(rdb,
		redisstore.WithEncryptionKey(key),
		redisstore.WithPrefix("payments-svc:"),
	)
	if err != nil {
		log.Fatal(err) // names the option at fault, e.g. "WithEncryptionKey: key is 16 bytes, want 32"
	}
	_ = store // pass to a provider: cfg.TokenSource(auth.WithStore(store, ""))
}

// Rotating the encryption key: entries sealed with the old key stay
// readable, and each Save re-seals under the new one.
func ExampleWithPreviousKeys() {
	var rdb redis.UniversalClient = redis.NewClient(&redis.Options{Addr: "redis:6379"})
	defer rdb.Close()
	oldKey, newKey := make([]byte, 32), make([]byte, 32) // from your secret manager
	newKey[0] = 1
	store, err := redisstore.New(rdb,
		redisstore.WithEncryptionKey(newKey),
		redisstore.WithPreviousKeys(oldKey),
	)
	if err != nil {
		log.Fatal(err)
	}
	_ = store
}

// Per-user tokens that survive restarts (MobiFinance: one token per
// authorization code, documented as permanent). Save the token under the
// user's key right after the code exchange; any process, including one
// started later, then serves it from Redis without a new code. (Until the
// mobifinance package lands, auth.NewSource stands in for
// mobifinance.Config.TokenSource; the Store and the keys are the same.)
func Example_perUserTokens() {
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: "redis:6379", ContextTimeoutEnabled: true})
	defer rdb.Close()
	key := make([]byte, redisstore.KeySize) // from your secret manager
	store, err := redisstore.New(rdb, redisstore.WithEncryptionKey(key))
	if err != nil {
		log.Fatal(err)
	}
	userKey := func(userID string) string { return "mobifinance:user:" + userID }

	// In the OAuth callback: redeem the code once, keep the token.
	var exchanged *oauth2.Token // = cfg.Exchange(ctx, r.FormValue("code"))
	if exchanged != nil {
		if err := store.Save(ctx, userKey("42"), exchanged); err != nil {
			log.Print(err) // the user would need to authorize again after a restart
		}
	}

	// Anywhere, any time later: the user's token, from Redis.
	needNewCode := func(context.Context) (*oauth2.Token, error) {
		return nil, errors.New("mobifinance: a new authorization code is needed")
	}
	src := auth.NewSource(needNewCode, auth.WithStore(store, userKey("42")))
	tok, err := src.TokenContext(ctx)
	if err != nil {
		log.Print(err) // nothing stored for this user: send them through authorization
		return
	}
	fmt.Println(tok.Type())
}
