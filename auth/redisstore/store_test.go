package redisstore_test

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth/redisstore"
)

func TestRoundTrip(t *testing.T) {
	eachMode(t, newEnv(t), "rt-", func(t *testing.T, e *env, s *redisstore.Store) {
		ctx := context.Background()
		tok := saveToken(t, s, "moov:client-1:/accounts.read", 15*time.Minute)

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
	tok := saveToken(t, a, "moneykit:id", time.Hour)
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

func TestCorruptEntries(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sealed := e.store(t, redisstore.WithEncryptionKey(newKey(t)))
	plain := e.store(t, redisstore.Plaintext())
	tok := saveToken(t, sealed, "good", time.Hour)
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
