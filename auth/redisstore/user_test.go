package redisstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/auth/redisstore"
	"github.com/paytoken/paytoken/internal/redistest"
)

// Per-user tokens that outlive the process, the MobiFinance case: a token
// is issued once per single-use authorization code and documented as
// permanent, so losing it on a restart means sending the user through
// authorization again. The mobifinance package is not written yet; these
// tests play its part with auth.NewSource and an endpoint shaped like
// MobiFinance's (form body, authorization_code grant, no expires_in).

const userWorkerEnv = "PAYTOKEN_REDISSTORE_USER_WORKER"

type userConfig struct {
	Mode     string // "exchange": redeem Code and keep the token; "serve": serve the stored token
	Redis    string
	Key      []byte
	TokenURL string
	UserID   string
	Code     string
}

type userReport struct {
	AccessToken string
	Fetches     int // times the Source asked for a token from the provider
	TTL         time.Duration
}

func userStoreKey(userID string) string { return "mobifinance:user:" + userID }

// errNeedCode is what a MobiFinance Source's Fetcher answers: there is no
// refresh grant, only a new authorization code would give a new token.
var errNeedCode = errors.New("mobifinance: the token is gone; a new authorization code is needed")

// codeServer issues one permanent token per single-use code.
type codeServer struct {
	*httptest.Server
	mu       sync.Mutex
	codes    map[string]bool // code -> used
	requests int
}

func newCodeServer(t *testing.T, codes ...string) *codeServer {
	cs := &codeServer{codes: map[string]bool{}}
	for _, c := range codes {
		cs.codes[c] = false
	}
	cs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cs.mu.Lock()
		defer cs.mu.Unlock()
		cs.requests++
		code := r.FormValue("code")
		used, known := cs.codes[code]
		if r.FormValue("grant_type") != "authorization_code" || !known || used {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		cs.codes[code] = true
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"access_token":"user-%s","token_type":"Bearer","refresh_token":"r-%s"}`, randHex(24), randHex(24))
	}))
	t.Cleanup(cs.Close)
	return cs
}

func runUserWorker(t *testing.T, cfg userConfig) userReport {
	t.Helper()
	b, err := json.Marshal(cfg)
	require.NoError(t, err)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), userWorkerEnv+"="+string(b))
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	require.NoError(t, cmd.Run(), "%s worker: %s", cfg.Mode, stderr.String())
	var rep userReport
	require.NoError(t, json.Unmarshal(out.Bytes(), &rep), "%s worker: %q %s", cfg.Mode, out.String(), stderr.String())
	return rep
}

// TestPerUserTokenSurvivesRestart: process 1 redeems each user's code and
// saves the token under the user's key; process 2, started afresh, serves
// each user's token from Redis without a new code or any request upstream.
func TestPerUserTokenSurvivesRestart(t *testing.T) {
	srv := redistest.Start(t)
	cs := newCodeServer(t, "code-alice", "code-bob")
	key := newKey(t)
	base := userConfig{Redis: srv.Addr, Key: key, TokenURL: cs.URL + "/v2/oauth/token"}

	issued := map[string]string{}
	for _, u := range []struct{ id, code string }{{"alice", "code-alice"}, {"bob", "code-bob"}} {
		cfg := base
		cfg.Mode, cfg.UserID, cfg.Code = "exchange", u.id, u.code
		rep := runUserWorker(t, cfg)
		require.True(t, strings.HasPrefix(rep.AccessToken, "user-"))
		assert.Equal(t, time.Duration(-1), rep.TTL, "a permanent token is stored without a TTL")
		issued[u.id] = rep.AccessToken
	}
	assert.NotEqual(t, issued["alice"], issued["bob"])
	require.Equal(t, 2, cs.requests)

	for _, id := range []string{"bob", "alice"} {
		cfg := base
		cfg.Mode, cfg.UserID = "serve", id
		rep := runUserWorker(t, cfg)
		assert.Equal(t, issued[id], rep.AccessToken, "%s's token, from Redis", id)
		assert.Zero(t, rep.Fetches, "no new code needed")
	}
	assert.Equal(t, 2, cs.requests, "nothing sent upstream by the restarted process")

	// An unknown user has nothing stored: the Source says a new code is needed.
	cfg := base
	cfg.Mode, cfg.UserID = "serve", "carol"
	b, _ := json.Marshal(cfg)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), userWorkerEnv+"="+string(b))
	out, err := cmd.CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(out), "a new authorization code is needed")
}

func userWorker(cfgJSON string) int {
	var cfg userConfig
	if err := json.Unmarshal([]byte(cfgJSON), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "user worker:", err)
		return 2
	}
	rdb := redis.NewClient(redistest.ClientOptions(cfg.Redis))
	defer rdb.Close()
	store, err := redisstore.New(rdb, redisstore.WithEncryptionKey(cfg.Key))
	if err != nil {
		fmt.Fprintln(os.Stderr, "user worker:", err)
		return 2
	}
	ctx := context.Background()
	key := userStoreKey(cfg.UserID)
	var rep userReport

	var initial []auth.Option
	if cfg.Mode == "exchange" {
		tok, err := exchangeCode(ctx, cfg.TokenURL, cfg.Code)
		if err != nil {
			fmt.Fprintln(os.Stderr, "user worker: exchange:", err)
			return 1
		}
		// Keep the token: the Source does not write a WithInitialToken
		// token to its Store, so save it here, once, right after the
		// exchange.
		if err := store.Save(ctx, key, tok); err != nil {
			fmt.Fprintln(os.Stderr, "user worker: save:", err)
			return 1
		}
		initial = append(initial, auth.WithInitialToken(tok))
	}

	src := auth.NewSource(func(context.Context) (*oauth2.Token, error) {
		rep.Fetches++
		return nil, errNeedCode
	}, append(initial, auth.WithStore(store, key), auth.WithRetry(auth.RetryPolicy{MaxAttempts: 1}))...)
	tok, err := src.TokenContext(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "user worker:", err)
		return 1
	}
	rep.AccessToken = tok.AccessToken
	rep.TTL, _ = rdb.PTTL(ctx, store.RedisKey(key)).Result()
	if err := json.NewEncoder(os.Stdout).Encode(rep); err != nil {
		return 2
	}
	return 0
}

// exchangeCode redeems an authorization code at a MobiFinance-shaped endpoint.
func exchangeCode(ctx context.Context, tokenURL, code string) (*oauth2.Token, error) {
	body := "grant_type=authorization_code&code=" + code + "&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&client_id=app&client_secret=s"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	// DefaultLifetime 0: MobiFinance documents its tokens as permanent.
	return auth.Endpoint{Provider: "mobifinance"}.ReadResponse(resp)
}
