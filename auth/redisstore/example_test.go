package redisstore_test

import (
	"context"
	"encoding/base64"
	"errors"
	"log"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/auth/redisstore"
	"github.com/paytoken/paytoken/mobifinance"
)

// A Store with tokens sealed under a key from the environment (32 random
// bytes, base64: `openssl rand -base64 32`).
func ExampleNew() {
	key, err := base64.StdEncoding.DecodeString(os.Getenv("PAYTOKEN_STORE_KEY"))
	if err != nil {
		log.Fatal(err)
	}
	rdb := redis.NewClient(&redis.Options{
		Addr:        "redis:6379",
		DialTimeout: time.Second,
	}) // New turns on ContextTimeoutEnabled, so the Store's deadlines reach the socket
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

// A fleet on Redis Cluster or Sentinel: no settings beyond the addresses.
// A token and its lock share a hash slot, and the Store reloads a
// ClusterClient's slot map after a failed operation, so a failed-over
// master is found again within moments of its replica's promotion; the
// failover client asks the sentinels for the master on every new
// connection, so it follows a promotion by itself.
func ExampleNew_clusterOrSentinel() {
	var rdb redis.UniversalClient
	if os.Getenv("REDIS_SENTINEL") != "" {
		rdb = redis.NewFailoverClient(&redis.FailoverOptions{
			MasterName:    "mymaster",
			SentinelAddrs: []string{"sentinel-0:26379", "sentinel-1:26379", "sentinel-2:26379"},
		})
	} else {
		rdb = redis.NewClusterClient(&redis.ClusterOptions{
			Addrs: []string{"redis-0:6379", "redis-1:6379", "redis-2:6379"},
		})
	}
	defer rdb.Close()
	key := make([]byte, redisstore.KeySize) // from your secret manager
	store, err := redisstore.New(rdb, redisstore.WithEncryptionKey(key))
	if err != nil {
		log.Fatal(err)
	}
	_ = store // cfg.TokenSource(auth.WithStore(store, ""))
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

// Per-user MobiFinance tokens that survive restarts: one token per
// authorization code, documented as permanent. Save it under the user's key
// right after the code exchange; any process, including one started later,
// then serves it from Redis without a new code.
func Example_mobiFinanceUserTokens() {
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: "redis:6379"})
	defer rdb.Close()
	key := make([]byte, redisstore.KeySize) // from your secret manager
	store, err := redisstore.New(rdb, redisstore.WithEncryptionKey(key))
	if err != nil {
		log.Fatal(err)
	}
	cfg := &mobifinance.Config{
		ClientID:     "ClientID given by MobiFinance",
		ClientSecret: auth.Secret(os.Getenv("MOBIFINANCE_CLIENT_SECRET")),
		RedirectURL:  "https://miniapp.example.mn/callback",
	}
	userID := "42"

	// In the OAuth callback: redeem the code once, keep the token. (The
	// source does not write a token given to TokenSource to its Store.)
	tok, err := cfg.Exchange(ctx, "code from the callback")
	if err != nil {
		log.Print(err) // a spent or expired code: authorize again
		return
	}
	if err := store.Save(ctx, cfg.UserKey(userID), tok); err != nil {
		log.Print(err) // the token works now, but won't outlive this process
	}

	// Anywhere, any time later, after a restart too: no token in hand.
	client := cfg.Client(nil, auth.WithStore(store, cfg.UserKey(userID)))
	resp, err := client.Get("https://z-wallet.monpay.mn/v2/api/user/info")
	if errors.Is(err, mobifinance.ErrReauthorize) {
		return // nothing stored for this user, or the API rejected the token
	}
	if err == nil {
		resp.Body.Close()
	}

	// Logout or revoked consent: forget the token.
	_ = store.Delete(ctx, cfg.UserKey(userID))
}
