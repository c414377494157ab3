package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/internal/redistest"
)

// Tokens saved by earlier versions, at <prefix>k, are still read when the
// hash-tagged key holds none; Delete and Save(nil) remove both, so a deleted
// token cannot come back from the old key.
func TestLegacyLayoutStillRead(t *testing.T) {
	srv := redistest.Start(t)
	rdb := srv.Client(t)
	ctx := context.Background()
	key := make([]byte, KeySize)
	key[0] = 7
	s, err := New(rdb, WithEncryptionKey(key))
	if err != nil {
		t.Fatal(err)
	}
	old := &oauth2.Token{AccessToken: "at-old", TokenType: "Bearer"} // permanent, as MobiFinance's
	b, err := s.encode("paytoken:mobifinance:user:1", old)
	if err != nil {
		t.Fatal(err)
	}
	if err := rdb.Set(ctx, "paytoken:mobifinance:user:1", b, 0).Err(); err != nil {
		t.Fatal(err)
	}

	got, err := s.Load(ctx, "mobifinance:user:1")
	if err != nil || got == nil || got.AccessToken != "at-old" {
		t.Fatalf("Load from the earlier layout = %v, %v; want at-old", got, err)
	}
	// A Save goes to the new key, which Load then prefers.
	if err := s.Save(ctx, "mobifinance:user:1", &oauth2.Token{AccessToken: "at-new", Expiry: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Load(ctx, "mobifinance:user:1"); err != nil || got.AccessToken != "at-new" {
		t.Fatalf("Load after Save = %v, %v; want at-new", got, err)
	}
	if err := s.Delete(ctx, "mobifinance:user:1"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Load(ctx, "mobifinance:user:1"); err != nil || got != nil {
		t.Fatalf("Load after Delete = %v, %v; want nothing from either layout", got, err)
	}
	if n := rdb.Exists(ctx, "paytoken:mobifinance:user:1", "paytoken:{mobifinance:user:1}").Val(); n != 0 {
		t.Fatalf("%d keys left after Delete", n)
	}
}

// New turns on ContextTimeoutEnabled, so that the Store's per-operation
// deadlines reach the sockets.
func TestNewEnablesContextTimeouts(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}})
	fc := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: "m", SentinelAddrs: []string{"127.0.0.1:1"}})
	t.Cleanup(func() { _, _, _ = c.Close(), cc.Close(), fc.Close() })
	for _, rdb := range []redis.UniversalClient{c, cc, fc} {
		if _, err := New(rdb, Plaintext()); err != nil {
			t.Fatal(err)
		}
	}
	if !c.Options().ContextTimeoutEnabled || !cc.Options().ContextTimeoutEnabled || !fc.Options().ContextTimeoutEnabled {
		t.Fatal("New left ContextTimeoutEnabled off")
	}
}
