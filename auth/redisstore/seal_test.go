package redisstore_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/auth/redisstore"
)

// Sealing: what a Store with an encryption key writes to Redis, and which
// keys open it.

func TestEncryptedAtRest(t *testing.T) {
	e := newEnv(t)
	s := e.store(t, redisstore.WithEncryptionKey(newKey(t)))
	ctx := context.Background()
	tok := saveToken(t, s, "k", time.Hour)
	raw := e.raw(t, s.RedisKey("k"))

	for _, secret := range []string{tok.AccessToken, tok.RefreshToken} {
		assert.False(t, containsAny(raw,
			secret, secret[3:20],
			base64.StdEncoding.EncodeToString([]byte(secret)),
			hex.EncodeToString([]byte(secret)),
		), "the stored entry reveals a credential")
	}
	assert.NotContains(t, string(raw), "opaque", "extra fields are sealed too")
	assert.True(t, strings.HasPrefix(string(raw), "ptk\x01g"), "versioned envelope header")

	// Two saves of the same token differ (fresh nonce each time).
	require.NoError(t, s.Save(ctx, "k", tok))
	assert.NotEqual(t, raw, e.raw(t, s.RedisKey("k")))
}

func TestWrongKey(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	writer := e.store(t, redisstore.WithEncryptionKey(newKey(t)))
	reader := e.store(t, redisstore.WithEncryptionKey(newKey(t)))
	tok := saveToken(t, writer, "k", time.Hour)

	got, err := reader.Load(ctx, "k")
	require.Nil(t, got)
	require.ErrorIs(t, err, redisstore.ErrCorrupt)
	assert.Contains(t, err.Error(), "does not hold")
	assert.Contains(t, err.Error(), `"paytoken:{k}"`)
	requireNoLeak(t, err.Error(), tok)

	// Saving with the right key over it makes it readable again.
	require.NoError(t, reader.Save(ctx, "k", tok))
	requireLoads(t, reader, "k", tok)
}

func TestKeyRotation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oldKey, newK := newKey(t), newKey(t)
	before := e.store(t, redisstore.WithEncryptionKey(oldKey))
	tok := saveToken(t, before, "k", time.Hour)

	during := e.store(t, redisstore.WithEncryptionKey(newK), redisstore.WithPreviousKeys(oldKey))
	got := requireLoads(t, during, "k", tok)

	after := e.store(t, redisstore.WithEncryptionKey(newK))
	_, err := after.Load(ctx, "k")
	require.ErrorIs(t, err, redisstore.ErrCorrupt, "old entry needs the old key")

	require.NoError(t, during.Save(ctx, "k", got)) // re-sealed under the new key
	requireLoads(t, after, "k", tok)
}

func TestEntryMovedToAnotherKeyFails(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s := e.store(t, redisstore.WithEncryptionKey(newKey(t)))
	userA, userB := moovToken(t, time.Hour), moovToken(t, time.Hour)
	require.NoError(t, s.Save(ctx, "mobifinance:user:a", userA))
	require.NoError(t, s.Save(ctx, "mobifinance:user:b", userB))

	// Someone with write access to Redis swaps the two users' entries.
	rawA, rawB := e.raw(t, s.RedisKey("mobifinance:user:a")), e.raw(t, s.RedisKey("mobifinance:user:b"))
	require.NoError(t, e.rdb.Set(ctx, s.RedisKey("mobifinance:user:a"), rawB, 0).Err())
	require.NoError(t, e.rdb.Set(ctx, s.RedisKey("mobifinance:user:b"), rawA, 0).Err())

	for _, k := range []string{"mobifinance:user:a", "mobifinance:user:b"} {
		got, err := s.Load(ctx, k)
		require.Nil(t, got)
		require.ErrorIs(t, err, redisstore.ErrCorrupt)
		assert.Contains(t, err.Error(), "copied here from another Redis key")
		requireNoLeak(t, err.Error(), userA)
		requireNoLeak(t, err.Error(), userB)
	}
}

func TestPlaintextOptOut(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	plain := e.store(t, redisstore.Plaintext())
	sealed := e.store(t, redisstore.WithEncryptionKey(newKey(t)))
	tok := moovToken(t, time.Hour)

	require.NoError(t, plain.Save(ctx, "p", tok))
	raw := e.raw(t, plain.RedisKey("p"))
	require.True(t, strings.HasPrefix(string(raw), "ptk\x01p{"), "plaintext entries are readable JSON after the header")
	var rec map[string]any
	require.NoError(t, json.Unmarshal(raw[5:], &rec))
	assert.Equal(t, tok.AccessToken, rec["access_token"])

	requireLoads(t, plain, "p", tok)

	// An encrypting Store refuses a plaintext entry: anyone who can write
	// to Redis could have planted it.
	_, err := sealed.Load(ctx, "p")
	require.ErrorIs(t, err, redisstore.ErrCorrupt)
	assert.Contains(t, err.Error(), "refusing an unauthenticated token")
	requireNoLeak(t, err.Error(), tok)

	require.NoError(t, sealed.Save(ctx, "s", tok))
	_, err = plain.Load(ctx, "s")
	require.ErrorIs(t, err, redisstore.ErrCorrupt)
	assert.Contains(t, err.Error(), "encrypted but this Store was built with Plaintext()")
}
