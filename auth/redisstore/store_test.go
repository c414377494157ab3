package redisstore_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth/redisstore"
)

func TestNewRejectsMisuse(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // never dialled
	t.Cleanup(func() { _ = rdb.Close() })
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

func TestRoundTrip(t *testing.T) {
	e := newEnv(t)
	for _, mode := range []struct {
		name string
		opt  redisstore.Option
	}{{"encrypted", redisstore.WithEncryptionKey(newKey(t))}, {"plaintext", redisstore.Plaintext()}} {
		t.Run(mode.name, func(t *testing.T) {
			s := e.store(t, mode.opt, redisstore.WithPrefix("rt-"+mode.name+":"))
			ctx := context.Background()
			tok := moovToken(t, 15*time.Minute)
			require.NoError(t, s.Save(ctx, "moov:client-1:/accounts.read", tok))

			got, err := s.Load(ctx, "moov:client-1:/accounts.read")
			require.NoError(t, err)
			require.NotNil(t, got)
			assert.Equal(t, tok.AccessToken, got.AccessToken)
			assert.Equal(t, "Bearer", got.TokenType)
			assert.Equal(t, tok.RefreshToken, got.RefreshToken)
			assert.Equal(t, tok.ExpiresIn, got.ExpiresIn)
			assert.True(t, tok.Expiry.Equal(got.Expiry), "expiry %v != %v", got.Expiry, tok.Expiry)
			assert.Equal(t, tok.Expiry.UnixNano(), got.Expiry.UnixNano())
			assert.True(t, got.Valid())

			// Extra comes back with the types auth decoded it with.
			assert.Equal(t, "opaque", got.Extra("token_type"))
			assert.Equal(t, json.Number("900"), got.Extra("expires_in"))
			assert.Equal(t, "/accounts.read /accounts.write", got.Extra("scope"))
			assert.Equal(t, tok.AccessToken, got.Extra("access_token"))
			assert.Equal(t, map[string]any{"a": []any{json.Number("1"), "two", true, nil, json.Number("2.5")}}, got.Extra("nested"))

			// The entry ends when the token does.
			pttl, err := e.rdb.PTTL(ctx, s.RedisKey("moov:client-1:/accounts.read")).Result()
			require.NoError(t, err)
			assert.InDelta(t, time.Until(tok.Expiry).Seconds(), pttl.Seconds(), 1, "PTTL %s", pttl)
		})
	}
}

func TestRoundTripExtraShapes(t *testing.T) {
	e := newEnv(t)
	s := e.store(t, redisstore.WithEncryptionKey(newKey(t)))
	ctx := context.Background()
	exp := time.Now().Add(time.Hour)

	t.Run("x/oauth2 JSON (float64 numbers)", func(t *testing.T) {
		var raw map[string]any
		require.NoError(t, json.Unmarshal([]byte(`{"access_token":"a1","expires_in":3600,"token_type":"bearer","f":0.5}`), &raw))
		tok := (&oauth2.Token{AccessToken: "a1", Expiry: exp}).WithExtra(raw)
		require.NoError(t, s.Save(ctx, "f64", tok))
		got, err := s.Load(ctx, "f64")
		require.NoError(t, err)
		assert.Equal(t, float64(3600), got.Extra("expires_in"))
		assert.Equal(t, 0.5, got.Extra("f"))
		assert.Equal(t, "bearer", got.Extra("token_type"))
	})
	t.Run("x/oauth2 form (url.Values)", func(t *testing.T) {
		vals := url.Values{"access_token": {"a2"}, "expires_in": {"3600"}, "scope": {"x y"}, "multi": {"1", "2"}}
		tok := (&oauth2.Token{AccessToken: "a2", Expiry: exp}).WithExtra(vals)
		require.NoError(t, s.Save(ctx, "form", tok))
		got, err := s.Load(ctx, "form")
		require.NoError(t, err)
		assert.Equal(t, int64(3600), got.Extra("expires_in")) // url.Values' Extra parses numbers
		assert.Equal(t, "x y", got.Extra("scope"))
		assert.Equal(t, int64(1), got.Extra("multi")) // first value, parsed as url.Values does
	})
	t.Run("auth form response (strings in a map)", func(t *testing.T) {
		raw := map[string]any{"access_token": "a3", "token_type": "Bearer", "expires_in": "3600"}
		tok := (&oauth2.Token{AccessToken: "a3", TokenType: "Bearer", Expiry: exp}).WithExtra(raw)
		require.NoError(t, s.Save(ctx, "authform", tok))
		got, err := s.Load(ctx, "authform")
		require.NoError(t, err)
		assert.Equal(t, "3600", got.Extra("expires_in"))
		assert.Equal(t, "Bearer", got.Extra("token_type"))
	})
	t.Run("no extra", func(t *testing.T) {
		tok := &oauth2.Token{AccessToken: "a4", Expiry: exp}
		require.NoError(t, s.Save(ctx, "none", tok))
		got, err := s.Load(ctx, "none")
		require.NoError(t, err)
		assert.Nil(t, got.Extra("token_type"))
		assert.Empty(t, got.TokenType)
	})
	t.Run("extra that is not JSON data", func(t *testing.T) {
		tok := (&oauth2.Token{AccessToken: "a5", Expiry: exp}).WithExtra(map[string]any{"ch": make(chan int)})
		err := s.Save(ctx, "bad", tok)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "chan int")
		requireNoLeak(t, err.Error(), tok)
	})
}

func TestNoExpiryMeansNoTTL(t *testing.T) {
	// MobiFinance documents its tokens as permanent: no Expiry.
	e := newEnv(t)
	s := e.store(t, redisstore.WithEncryptionKey(newKey(t)))
	ctx := context.Background()
	tok := moovToken(t, 0)
	require.True(t, tok.Expiry.IsZero())
	require.NoError(t, s.Save(ctx, "mobifinance:user:42", tok))
	pttl, err := e.rdb.PTTL(ctx, s.RedisKey("mobifinance:user:42")).Result()
	require.NoError(t, err)
	assert.Equal(t, time.Duration(-1), pttl, "an entry without expiry has no TTL (PTTL -1)")
	got, err := s.Load(ctx, "mobifinance:user:42")
	require.NoError(t, err)
	assert.True(t, got.Expiry.IsZero())
	assert.Equal(t, tok.AccessToken, got.AccessToken)

	// Saving a token with an expiry over it sets the TTL again.
	tok2 := moovToken(t, time.Minute)
	require.NoError(t, s.Save(ctx, "mobifinance:user:42", tok2))
	pttl, err = e.rdb.PTTL(ctx, s.RedisKey("mobifinance:user:42")).Result()
	require.NoError(t, err)
	assert.InDelta(t, 60, pttl.Seconds(), 1)
}

func TestAbsentExpiredAndDeleted(t *testing.T) {
	e := newEnv(t)
	s := e.store(t, redisstore.WithEncryptionKey(newKey(t)))
	ctx := context.Background()

	got, err := s.Load(ctx, "never-saved")
	require.NoError(t, err)
	require.Nil(t, got)

	// An expired token replaces the entry with nothing.
	require.NoError(t, s.Save(ctx, "k", moovToken(t, time.Hour)))
	expired := moovToken(t, time.Hour)
	expired.Expiry = time.Now().Add(-time.Second)
	require.NoError(t, s.Save(ctx, "k", expired))
	n, err := e.rdb.Exists(ctx, s.RedisKey("k")).Result()
	require.NoError(t, err)
	assert.Zero(t, n)
	got, err = s.Load(ctx, "k")
	require.NoError(t, err)
	require.Nil(t, got)

	// Redis drops the entry when the token expires.
	short := moovToken(t, 0)
	short.Expiry = time.Now().Add(100 * time.Millisecond)
	require.NoError(t, s.Save(ctx, "short", short))
	got, err = s.Load(ctx, "short")
	require.NoError(t, err)
	require.NotNil(t, got)
	require.Eventually(t, func() bool {
		got, err := s.Load(ctx, "short")
		return err == nil && got == nil
	}, 2*time.Second, 20*time.Millisecond)

	require.NoError(t, s.Save(ctx, "d", moovToken(t, time.Hour)))
	require.NoError(t, s.Delete(ctx, "d"))
	got, err = s.Load(ctx, "d")
	require.NoError(t, err)
	require.Nil(t, got)
	require.NoError(t, s.Delete(ctx, "d"), "deleting an absent entry is fine")
}

func TestSaveAndKeyArguments(t *testing.T) {
	e := newEnv(t)
	s := e.store(t, redisstore.Plaintext())
	ctx := context.Background()
	tok := moovToken(t, time.Hour)

	require.ErrorContains(t, s.Save(ctx, "", tok), "empty key")
	require.ErrorContains(t, s.Save(ctx, "lock:x", tok), "reserved for locks")
	_, err := s.Load(ctx, "lock:x")
	require.ErrorContains(t, err, "reserved for locks")
	require.ErrorContains(t, s.Delete(ctx, ""), "empty key")
	require.NoError(t, s.Save(ctx, "k", tok))
	require.NoError(t, s.Save(ctx, "k", nil), "a nil token deletes the entry, as with auth.MemoryStore")
	got, err := s.Load(ctx, "k")
	require.NoError(t, err)
	require.Nil(t, got)
	require.ErrorContains(t, s.Save(ctx, "k", &oauth2.Token{}), "no access token")
	_, err = s.Lock(ctx, "", time.Second)
	require.ErrorContains(t, err, "empty key")
	_, err = s.Lock(ctx, "k", 0)
	require.ErrorContains(t, err, "lease 0s is below 3ms")
}

func TestPrefix(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.store(t, redisstore.Plaintext(), redisstore.WithPrefix("svc-a:"))
	b := e.store(t, redisstore.Plaintext(), redisstore.WithPrefix("svc-b:"))
	tok := moovToken(t, time.Hour)
	require.NoError(t, a.Save(ctx, "moneykit:id", tok))
	keys, err := e.rdb.Keys(ctx, "*").Result()
	require.NoError(t, err)
	assert.Equal(t, []string{"svc-a:{moneykit:id}"}, keys)
	got, err := b.Load(ctx, "moneykit:id")
	require.NoError(t, err)
	assert.Nil(t, got, "another prefix is another namespace")

	d := e.store(t, redisstore.Plaintext())
	require.NoError(t, d.Save(ctx, "k", tok))
	n, err := e.rdb.Exists(ctx, "paytoken:{k}").Result()
	require.NoError(t, err)
	assert.Equal(t, int64(1), n, "default prefix is paytoken:")
}

func TestEncryptedAtRest(t *testing.T) {
	e := newEnv(t)
	s := e.store(t, redisstore.WithEncryptionKey(newKey(t)))
	ctx := context.Background()
	tok := moovToken(t, time.Hour)
	require.NoError(t, s.Save(ctx, "k", tok))
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
	tok := moovToken(t, time.Hour)
	require.NoError(t, writer.Save(ctx, "k", tok))

	got, err := reader.Load(ctx, "k")
	require.Nil(t, got)
	require.ErrorIs(t, err, redisstore.ErrCorrupt)
	assert.Contains(t, err.Error(), "does not hold")
	assert.Contains(t, err.Error(), `"paytoken:{k}"`)
	requireNoLeak(t, err.Error(), tok)

	// Saving with the right key over it makes it readable again.
	require.NoError(t, reader.Save(ctx, "k", tok))
	got, err = reader.Load(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, tok.AccessToken, got.AccessToken)
}

func TestKeyRotation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oldKey, newK := newKey(t), newKey(t)
	before := e.store(t, redisstore.WithEncryptionKey(oldKey))
	tok := moovToken(t, time.Hour)
	require.NoError(t, before.Save(ctx, "k", tok))

	during := e.store(t, redisstore.WithEncryptionKey(newK), redisstore.WithPreviousKeys(oldKey))
	got, err := during.Load(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, tok.AccessToken, got.AccessToken)

	after := e.store(t, redisstore.WithEncryptionKey(newK))
	_, err = after.Load(ctx, "k")
	require.ErrorIs(t, err, redisstore.ErrCorrupt, "old entry needs the old key")

	require.NoError(t, during.Save(ctx, "k", got)) // re-sealed under the new key
	got, err = after.Load(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, tok.AccessToken, got.AccessToken)
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

	got, err := plain.Load(ctx, "p")
	require.NoError(t, err)
	assert.Equal(t, tok.AccessToken, got.AccessToken)

	// An encrypting Store refuses a plaintext entry: anyone who can write
	// to Redis could have planted it.
	_, err = sealed.Load(ctx, "p")
	require.ErrorIs(t, err, redisstore.ErrCorrupt)
	assert.Contains(t, err.Error(), "refusing an unauthenticated token")
	requireNoLeak(t, err.Error(), tok)

	require.NoError(t, sealed.Save(ctx, "s", tok))
	_, err = plain.Load(ctx, "s")
	require.ErrorIs(t, err, redisstore.ErrCorrupt)
	assert.Contains(t, err.Error(), "encrypted but this Store was built with Plaintext()")
}

func TestCorruptEntries(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sealed := e.store(t, redisstore.WithEncryptionKey(newKey(t)))
	plain := e.store(t, redisstore.Plaintext())
	tok := moovToken(t, time.Hour)
	require.NoError(t, sealed.Save(ctx, "good", tok))
	good := e.raw(t, sealed.RedisKey("good"))

	flip := func(i int) []byte {
		b := append([]byte(nil), good...)
		b[i] ^= 0x01
		return b
	}
	secretJSON := `{"access_token":"` + tok.AccessToken + `",`
	cases := []struct {
		name  string
		store *redisstore.Store
		raw   []byte
		want  string
	}{
		{"empty", sealed, []byte{}, "not a paytoken entry"},
		{"foreign value", sealed, []byte(tok.AccessToken), "not a paytoken entry"},
		{"json from another library", plain, []byte(secretJSON + `"expiry":"2030-01-01T00:00:00Z"}`), "not a paytoken entry"},
		{"future version", sealed, append([]byte("ptk\x02g"), good[5:]...), "format version 2"},
		{"unknown mode", sealed, append([]byte("ptk\x01z"), good[5:]...), "unknown entry mode"},
		{"truncated", sealed, good[:20], "truncated"},
		{"ciphertext bit flipped", sealed, flip(len(good) - 30), "does not authenticate"},
		{"tag bit flipped", sealed, flip(len(good) - 1), "does not authenticate"},
		{"nonce bit flipped", sealed, flip(12), "does not authenticate"},
		{"key id changed", sealed, flip(6), "does not hold"},
		{"plaintext not JSON", plain, []byte("ptk\x01p" + secretJSON), "not valid JSON"},
		{"plaintext without token", plain, []byte(`ptk` + "\x01p" + `{"token_type":"Bearer"}`), "no access token"},
		{"plaintext bad extra", plain, []byte("ptk\x01p" + secretJSON + `"extra":[1]}`), "extra fields"},
		{"plaintext null extra", plain, []byte("ptk\x01p" + secretJSON + `"extra":null}`), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, e.rdb.Set(ctx, tc.store.RedisKey("bad"), tc.raw, 0).Err())
			var (
				got *oauth2.Token
				err error
			)
			require.NotPanics(t, func() { got, err = tc.store.Load(ctx, "bad") })
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.Nil(t, got)
			require.ErrorIs(t, err, redisstore.ErrCorrupt)
			assert.Contains(t, err.Error(), tc.want)
			requireNoLeak(t, err.Error(), tok)
		})
	}
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
