package redisstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth/redisstore"
	"github.com/paytoken/paytoken/internal/redistest"
)

func newKey(t testing.TB) []byte {
	t.Helper()
	k := make([]byte, redisstore.KeySize)
	_, _ = rand.Read(k)
	return k
}

type env struct {
	srv *redistest.Server
	rdb *redis.Client
}

func newEnv(t testing.TB) *env {
	t.Helper()
	srv := redistest.Start(t)
	return &env{srv: srv, rdb: srv.Client(t)}
}

func (e *env) store(t testing.TB, opts ...redisstore.Option) *redisstore.Store {
	t.Helper()
	s, err := redisstore.New(e.rdb, opts...)
	require.NoError(t, err)
	return s
}

func (e *env) raw(t testing.TB, redisKey string) []byte {
	t.Helper()
	b, err := e.rdb.Get(context.Background(), redisKey).Bytes()
	require.NoError(t, err)
	return b
}

// moovToken is a token as auth reads it from a Moov response: extra fields
// decoded with UseNumber, the raw token_type kept beside the "Bearer" type.
func moovToken(t testing.TB, lifetime time.Duration) *oauth2.Token {
	t.Helper()
	body := `{"access_token":"at-` + randHex(24) + `","expires_in":900,"refresh_token":"rt-` + randHex(24) +
		`","scope":"/accounts.read /accounts.write","token_type":"opaque","nested":{"a":[1,"two",true,null,2.5]}}`
	var raw map[string]any
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&raw))
	tok := &oauth2.Token{
		AccessToken:  raw["access_token"].(string),
		TokenType:    "Bearer",
		RefreshToken: raw["refresh_token"].(string),
		ExpiresIn:    int64(lifetime / time.Second),
	}
	if lifetime != 0 {
		tok.Expiry = time.Now().Add(lifetime)
	}
	return tok.WithExtra(raw)
}

func randHex(n int) string {
	b := make([]byte, n/2)
	_, _ = rand.Read(b)
	const digits = "0123456789abcdef"
	var sb strings.Builder
	for _, c := range b {
		sb.WriteByte(digits[c>>4])
		sb.WriteByte(digits[c&15])
	}
	return sb.String()
}

// requireNoLeak fails when s contains a credential of tok.
func requireNoLeak(t testing.TB, s string, tok *oauth2.Token) {
	t.Helper()
	require.NotContains(t, s, tok.AccessToken)
	if tok.RefreshToken != "" {
		require.NotContains(t, s, tok.RefreshToken)
	}
}

func containsAny(b []byte, subs ...string) bool {
	for _, s := range subs {
		if bytes.Contains(b, []byte(s)) {
			return true
		}
	}
	return false
}
