package redisstore_test

import (
	"encoding/base64"
	"log"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

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
