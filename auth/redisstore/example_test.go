package redisstore_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/auth/redisstore"
	"github.com/paytoken/paytoken/mobifinance"
	"github.com/paytoken/paytoken/mockserver"
)

// A Store with tokens sealed under a key from the environment (32 random
// bytes, base64: `openssl rand -base64 32`).
func ExampleNew() {
	key, err := base64.StdEncoding.DecodeString(os.Getenv("PAYTOKEN_STORE_KEY"))
	if err != nil {
		log.Print(err)
		return
	}
	rdb := redis.NewClient(&redis.Options{
		Addr:        os.Getenv("REDIS_ADDR"), // "redis:6379"
		DialTimeout: time.Second,
	}) // New turns on ContextTimeoutEnabled, so the Store's deadlines reach the socket
	defer rdb.Close()

	store, err := redisstore.New(rdb,
		redisstore.WithEncryptionKey(key),
		redisstore.WithPrefix("payments-svc:"),
	)
	if err != nil {
		log.Print(err) // names the option at fault, e.g. "WithEncryptionKey: key is 16 bytes, want 32"
		return
	}
	// Pass it to a provider: cfg.TokenSource(auth.WithStore(store, "")).
	ctx := context.Background()
	if err := store.Save(ctx, "k", &oauth2.Token{AccessToken: "at", Expiry: time.Now().Add(time.Hour)}); err != nil {
		log.Print(err)
		return
	}
	tok, err := store.Load(ctx, "k")
	if err != nil {
		log.Print(err)
		return
	}
	fmt.Println(tok.AccessToken)
}

// A fleet on Redis Cluster or Sentinel: no settings beyond the addresses.
// A token and its lock share a hash slot, and the Store reloads a
// ClusterClient's slot map after a failed operation, so a failed-over
// master is found again within moments of its replica's promotion; the
// failover client asks the sentinels for the master on every new
// connection, so it follows a promotion by itself.
func ExampleNew_clusterOrSentinel() {
	var rdb redis.UniversalClient
	if addrs := os.Getenv("REDIS_SENTINEL_ADDRS"); addrs != "" { // "sentinel-0:26379,sentinel-1:26379,…"
		rdb = redis.NewFailoverClient(&redis.FailoverOptions{
			MasterName:    os.Getenv("REDIS_MASTER_NAME"), // "mymaster"
			SentinelAddrs: strings.Split(addrs, ","),
		})
	} else {
		rdb = redis.NewClusterClient(&redis.ClusterOptions{
			Addrs: strings.Split(os.Getenv("REDIS_CLUSTER_ADDRS"), ","), // "redis-0:6379,redis-1:6379,…"
		})
	}
	defer rdb.Close()
	key := make([]byte, redisstore.KeySize) // from your secret manager
	store, err := redisstore.New(rdb, redisstore.WithEncryptionKey(key))
	if err != nil {
		log.Print(err)
		return
	}
	// cfg.TokenSource(auth.WithStore(store, "")); the lock shares the token's slot:
	ctx := context.Background()
	unlock, err := store.Lock(ctx, "v1:moov:client:", 5*time.Second)
	if err == nil {
		err = store.Save(ctx, "v1:moov:client:", &oauth2.Token{AccessToken: "at", Expiry: time.Now().Add(time.Hour)})
		unlock()
	}
	fmt.Println(err)
}

// Rotating the encryption key: entries sealed with the old key stay
// readable, and each Save re-seals under the new one, which the old key
// alone then no longer opens.
func ExampleWithPreviousKeys() {
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv("REDIS_ADDR")})
	defer rdb.Close()
	ctx := context.Background()
	oldKey, newKey := make([]byte, 32), make([]byte, 32) // from your secret manager
	newKey[0] = 1

	before, err := redisstore.New(rdb, redisstore.WithEncryptionKey(oldKey))
	if err != nil {
		log.Print(err)
		return
	}
	_ = before.Save(ctx, "k", &oauth2.Token{AccessToken: "sealed with the old key", Expiry: time.Now().Add(time.Hour)})

	// The rollout: the new key seals, the old one still opens.
	after, err := redisstore.New(rdb, redisstore.WithEncryptionKey(newKey), redisstore.WithPreviousKeys(oldKey))
	if err != nil {
		log.Print(err)
		return
	}
	if tok, err := after.Load(ctx, "k"); err == nil {
		fmt.Println(tok.AccessToken)
		_ = after.Save(ctx, "k", tok)
	}
	_, err = before.Load(ctx, "k")
	fmt.Println(errors.Is(err, redisstore.ErrCorrupt))
}

// Per-user MobiFinance tokens that survive restarts: one token per
// authorization code, documented as permanent. Save it under the user's key
// right after the code exchange; any process, including one started later,
// then serves it from Redis without a new code. (The built-in mock,
// mockserver, stands in for MobiFinance here; in production leave BaseURL
// empty.)
func Example_mobiFinanceUserTokens() {
	mobi := mockserver.New()
	defer mobi.Close()
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv("REDIS_ADDR")})
	defer rdb.Close()
	store, err := redisstore.New(rdb, redisstore.WithEncryptionKey(make([]byte, redisstore.KeySize))) // a key from your secret manager
	if err != nil {
		log.Print(err)
		return
	}
	cfg := &mobifinance.Config{
		ClientID:     mockserver.DemoClientID(mockserver.MobiFinance),
		ClientSecret: auth.Secret(mockserver.DemoClientSecret(mockserver.MobiFinance)), // os.Getenv("MOBIFINANCE_CLIENT_SECRET")
		RedirectURL:  mockserver.DemoRedirectURI,
		BaseURL:      mobi.URL,
	}
	userID := "42"

	// In the OAuth callback: redeem the code once, keep the token. (The
	// source does not write a token given to TokenSource to its Store.)
	tok, err := cfg.Exchange(ctx, mobi.MustIssueCode(cfg.ClientID, cfg.RedirectURL))
	if err != nil {
		log.Print(err) // a spent or expired code: authorize again
		return
	}
	if err := store.Save(ctx, cfg.UserKey(userID), tok); err != nil {
		log.Print(err) // the token works now, but won't outlive this process
	}

	// Anywhere, any time later, after a restart too: no token in hand.
	client := cfg.Client(nil, auth.WithStore(store, cfg.UserKey(userID)))
	resp, err := client.Get(mobi.ProtectedURL()) // https://z-wallet.monpay.mn/v2/api/user/info
	if errors.Is(err, mobifinance.ErrReauthorize) {
		fmt.Println(err) // nothing stored for this user, or the API rejected the token
		return
	}
	if err == nil {
		resp.Body.Close()
		fmt.Println(resp.Status)
	}

	// Logout or revoked consent: forget the token. The user's next
	// Source has nothing to serve.
	_ = store.Delete(ctx, cfg.UserKey(userID))
	_, err = cfg.TokenSource(nil, auth.WithStore(store, cfg.UserKey(userID))).Token()
	fmt.Println(errors.Is(err, mobifinance.ErrReauthorize))
}
