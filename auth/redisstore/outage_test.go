package redisstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/auth/redisstore"
	"github.com/paytoken/paytoken/internal/testenv"
)

// TestRedisKilledMidRun: every operation fails promptly while Redis is down,
// with an error that is not ErrCorrupt (so auth degrades to a direct
// fetch), and the same Store works again once a new Redis listens on the
// same port.
func TestRedisKilledMidRun(t *testing.T) {
	testenv.Long(t) // restarts redis-server: about 3 s
	e := newEnv(t)
	const bound = 300 * time.Millisecond
	s := e.store(t, redisstore.WithEncryptionKey(newKey(t)), redisstore.WithTimeout(bound))
	ctx := context.Background()
	tok := saveToken(t, s, "k", time.Hour)

	e.srv.Kill()
	for range 3 {
		requireFailsPromptly(t, s, tok, 2*time.Second)
	}

	e.srv.Restart()
	require.Eventually(t, func() bool {
		_, err := s.Load(ctx, "k")
		return err == nil
	}, 5*time.Second, 20*time.Millisecond, "the Store reconnects by itself")
	got, err := s.Load(ctx, "k")
	require.NoError(t, err)
	assert.Nil(t, got, "the new Redis is empty")
	require.NoError(t, s.Save(ctx, "k", tok))
	requireLoads(t, s, "k", tok)
	unlock, err := s.Lock(ctx, "k", time.Second)
	require.NoError(t, err)
	unlock()
}

// TestRedisHangs: a Redis that accepts connections but never answers (here
// SIGSTOPped) costs each operation no more than WithTimeout, on a client
// with go-redis's defaults (ReadTimeout 3s, 3 retries): New turned on its
// ContextTimeoutEnabled.
func TestRedisHangs(t *testing.T) {
	e := newEnv(t)
	const bound = 200 * time.Millisecond
	rdb := clientOf(t, e.srv.Addr)
	s, err := redisstore.New(rdb, redisstore.WithEncryptionKey(newKey(t)), redisstore.WithTimeout(bound))
	require.NoError(t, err)
	ctx := context.Background()
	tok := saveToken(t, s, "k", time.Hour)

	e.srv.Pause()
	requireFailsPromptly(t, s, tok, bound+500*time.Millisecond)
	e.srv.Resume()

	require.Eventually(t, func() bool {
		got, err := s.Load(ctx, "k")
		return err == nil && got != nil && got.AccessToken == tok.AccessToken
	}, 5*time.Second, 20*time.Millisecond)
}

func requireFailsPromptly(t *testing.T, s *redisstore.Store, tok *oauth2.Token, limit time.Duration) {
	t.Helper()
	ctx := context.Background()
	check := func(op string, err error, took time.Duration) {
		t.Helper()
		require.Error(t, err, op)
		assert.False(t, errors.Is(err, redisstore.ErrCorrupt), "%s: an outage is not corruption: %v", op, err)
		assert.False(t, errors.Is(err, auth.ErrLockHeld), "%s: an outage is not a held lock: %v", op, err)
		assert.Less(t, took, limit, "%s took %s: %v", op, took, err)
		requireNoLeak(t, err.Error(), tok)
	}
	start := time.Now()
	got, err := s.Load(ctx, "k")
	assert.Nil(t, got)
	check("Load", err, time.Since(start))
	start = time.Now()
	err = s.Save(ctx, "k", tok)
	check("Save", err, time.Since(start))
	start = time.Now()
	unlock, err := s.Lock(ctx, "k", time.Second)
	assert.Nil(t, unlock)
	check("Lock", err, time.Since(start))
}

func TestErrorsAreNotCorruptWhenRedisFails(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = rdb.Close() })
	s, err := redisstore.New(rdb, redisstore.WithEncryptionKey(newKey(t)))
	require.NoError(t, err)
	_, err = s.Load(context.Background(), "k")
	require.Error(t, err)
	assert.False(t, errors.Is(err, redisstore.ErrCorrupt))
	assert.Contains(t, err.Error(), `redisstore: load "paytoken:{k}"`)
}
