package redisstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"os"
	"os/exec"
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

// clientOf is a go-redis client of addr with go-redis's defaults, closed
// when t ends. No connection is made before its first command.
func clientOf(t testing.TB, addr string) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

func (e *env) store(t testing.TB, opts ...redisstore.Option) *redisstore.Store {
	t.Helper()
	s, err := redisstore.New(e.rdb, opts...)
	require.NoError(t, err)
	return s
}

// eachMode runs f as a subtest (or sub-benchmark) of t for each of the
// Store's ways of keeping a token, sealed under a new key and plaintext,
// with e and a Store of e in that mode under the prefix prefix+mode+":".
func eachMode[T interface {
	testing.TB
	Run(name string, f func(T)) bool
}](t T, e *env, prefix string, f func(T, *env, *redisstore.Store)) {
	for _, mode := range []struct {
		name string
		opt  redisstore.Option
	}{{"encrypted", redisstore.WithEncryptionKey(newKey(t))}, {"plaintext", redisstore.Plaintext()}} {
		t.Run(mode.name, func(t T) { f(t, e, e.store(t, mode.opt, redisstore.WithPrefix(prefix+mode.name+":"))) })
	}
}

// saveToken saves a new token of lifetime (moovToken) under key and
// returns it.
func saveToken(t testing.TB, s *redisstore.Store, key string, lifetime time.Duration) *oauth2.Token {
	t.Helper()
	tok := moovToken(t, lifetime)
	require.NoError(t, s.Save(context.Background(), key, tok))
	return tok
}

// requireLoads loads key from s and requires tok's access token; it
// returns the token loaded.
func requireLoads(t testing.TB, s *redisstore.Store, key string, tok *oauth2.Token) *oauth2.Token {
	t.Helper()
	got, err := s.Load(context.Background(), key)
	require.NoError(t, err)
	require.Equal(t, tok.AccessToken, got.AccessToken)
	return got
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

// runWorker runs a worker process (name, in messages) to its end and
// decodes the report it prints into rep.
func runWorker(t *testing.T, name, env string, cfg, rep any) {
	t.Helper()
	cmd := workerCommand(t, env, cfg)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	require.NoError(t, cmd.Run(), "%s worker: %s", name, stderr.String())
	require.NoError(t, json.Unmarshal(out.Bytes(), rep), "%s worker: %q %s", name, out.String(), stderr.String())
}

// workerCommand is this test binary re-run as a worker process, given cfg
// in JSON in the environment variable env (TestMain runs the worker that
// env names).
func workerCommand(t *testing.T, env string, cfg any) *exec.Cmd {
	t.Helper()
	b, err := json.Marshal(cfg)
	require.NoError(t, err)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env+"="+string(b))
	return cmd
}
