package redisstore_test

import (
	"context"
	"encoding/hex"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/auth/redisstore"
)

// New: what it refuses, and what it keeps of its arguments.

func TestNewRejectsMisuse(t *testing.T) {
	rdb := clientOf(t, "127.0.0.1:1") // never dialled
	key := newKey(t)
	cases := []struct {
		name string
		rdb  redis.UniversalClient
		opts []redisstore.Option
		want []string
	}{
		{"neither key nor plaintext", rdb, nil, []string{"WithEncryptionKey", "Plaintext()"}},
		{"both", rdb, []redisstore.Option{redisstore.WithEncryptionKey(key), redisstore.Plaintext()}, []string{"WithEncryptionKey and Plaintext both given"}},
		{"nil client", nil, []redisstore.Option{redisstore.Plaintext()}, []string{"client is nil"}},
		{"short key", rdb, []redisstore.Option{redisstore.WithEncryptionKey(key[:16])}, []string{"WithEncryptionKey", "16 bytes, want 32"}},
		{"empty key", rdb, []redisstore.Option{redisstore.WithEncryptionKey(nil)}, []string{"WithEncryptionKey", "0 bytes"}},
		{"key twice", rdb, []redisstore.Option{redisstore.WithEncryptionKey(key), redisstore.WithEncryptionKey(newKey(t))}, []string{"WithEncryptionKey given more than once"}},
		{"bad previous key", rdb, []redisstore.Option{redisstore.WithEncryptionKey(key), redisstore.WithPreviousKeys(newKey(t), key[:5])}, []string{"WithPreviousKeys: key 1", "5 bytes"}},
		{"previous repeats current", rdb, []redisstore.Option{redisstore.WithEncryptionKey(key), redisstore.WithPreviousKeys(key)}, []string{"WithPreviousKeys: key 0 repeats"}},
		{"previous with plaintext", rdb, []redisstore.Option{redisstore.Plaintext(), redisstore.WithPreviousKeys(key)}, []string{"WithPreviousKeys given with Plaintext"}},
		{"brace in prefix", rdb, []redisstore.Option{redisstore.Plaintext(), redisstore.WithPrefix("app{1}:")}, []string{"WithPrefix", "brace", "hash tag"}},
		{"negative timeout", rdb, []redisstore.Option{redisstore.Plaintext(), redisstore.WithTimeout(-time.Second)}, []string{"WithTimeout"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := redisstore.New(tc.rdb, tc.opts...)
			require.Error(t, err)
			require.Nil(t, s)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.NotContains(t, err.Error(), hex.EncodeToString(key))
		})
	}

	s, err := redisstore.New(rdb, redisstore.WithEncryptionKey(key))
	require.NoError(t, err)
	assert.True(t, s.Encrypted())
	s, err = redisstore.New(rdb, redisstore.Plaintext(), nil)
	require.NoError(t, err)
	assert.False(t, s.Encrypted())
	assert.Equal(t, "paytoken:{moov:id}", s.RedisKey("moov:id"))
	assert.Equal(t, "paytoken:{moov:id}:lock", s.LockKey("moov:id"), "same {…} hash tag: same Cluster slot")
}

func TestNewCopiesKey(t *testing.T) {
	e := newEnv(t)
	key := newKey(t)
	orig := append([]byte(nil), key...)
	s := e.store(t, redisstore.WithEncryptionKey(key))
	clear(key) // the caller wipes its copy
	tok := moovToken(t, time.Hour)
	ctx := context.Background()
	require.NoError(t, s.Save(ctx, "k", tok))
	got, err := e.store(t, redisstore.WithEncryptionKey(orig)).Load(ctx, "k")
	require.NoError(t, err)
	require.Equal(t, tok.AccessToken, got.AccessToken)
}
