package redisstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/auth/redisstore"
	"github.com/paytoken/paytoken/internal/redistest"
	"github.com/paytoken/paytoken/mobifinance"
	"github.com/paytoken/paytoken/mockserver"
)

// Per-user MobiFinance tokens that outlive the process: a token is issued
// once per single-use authorization code and documented as permanent, so
// losing it on a restart would send the user through authorization again.

const userWorkerEnv = "PAYTOKEN_REDISSTORE_USER_WORKER"

type userConfig struct {
	Mode         string // "exchange": redeem Code and save the token; "serve": serve the stored one
	Redis        string
	Key          []byte
	BaseURL      string // the mock's MobiFinance base URL
	ProtectedURL string
	UserID       string
	Code         string
}

type userReport struct {
	AccessToken string
	TTL         time.Duration // PTTL of the user's entry
	APIStatus   int           // the mock's protected endpoint, called through cfg.Client
	Err         string
	Reauthorize bool // Err matches mobifinance.ErrReauthorize
}

func userMobiConfig(cfg userConfig) *mobifinance.Config {
	return &mobifinance.Config{
		ClientID:     mockserver.DemoClientID(mockserver.MobiFinance),
		ClientSecret: auth.Secret(mockserver.DemoClientSecret(mockserver.MobiFinance)),
		RedirectURL:  mockserver.DemoRedirectURI,
		BaseURL:      cfg.BaseURL,
	}
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

// TestMobiFinanceUserTokenSurvivesRestart: one process redeems each user's
// code and saves the token under cfg.UserKey(userID); a freshly started
// process serves each user's token from Redis and calls the API with it,
// without a new code and without a request to the token endpoint.
func TestMobiFinanceUserTokenSurvivesRestart(t *testing.T) {
	srv := redistest.Start(t)
	mock := mockserver.New()
	t.Cleanup(mock.Close)
	base := userConfig{
		Redis: srv.Addr, Key: newKey(t),
		BaseURL: mock.BaseURL(mockserver.MobiFinance), ProtectedURL: mock.ProtectedURL(),
	}
	clientID := mockserver.DemoClientID(mockserver.MobiFinance)

	issued := map[string]string{}
	for _, user := range []string{"alice", "bob"} {
		cfg := base
		cfg.Mode, cfg.UserID = "exchange", user
		cfg.Code = mock.MustIssueCode(clientID, mockserver.DemoRedirectURI)
		rep := runUserWorker(t, cfg)
		require.Empty(t, rep.Err)
		require.NotEmpty(t, rep.AccessToken)
		assert.Equal(t, http.StatusOK, rep.APIStatus)
		assert.Equal(t, time.Duration(-1), rep.TTL, "a permanent token is stored without a TTL")
		issued[user] = rep.AccessToken
	}
	assert.NotEqual(t, issued["alice"], issued["bob"])
	require.Equal(t, 2, mock.Counts(mockserver.MobiFinance).TokenRequests)

	for _, user := range []string{"bob", "alice"} {
		cfg := base
		cfg.Mode, cfg.UserID = "serve", user
		rep := runUserWorker(t, cfg)
		require.Empty(t, rep.Err)
		assert.Equal(t, issued[user], rep.AccessToken, "%s's token, from Redis", user)
		assert.Equal(t, http.StatusOK, rep.APIStatus, "%s's stored token works with the API", user)
	}
	assert.Equal(t, 2, mock.Counts(mockserver.MobiFinance).TokenRequests, "the restarted process sent nothing to the token endpoint")

	// A user with nothing stored needs to authorize.
	cfg := base
	cfg.Mode, cfg.UserID = "serve", "carol"
	rep := runUserWorker(t, cfg)
	assert.True(t, rep.Reauthorize, "carol: %s", rep.Err)
	assert.Equal(t, 2, mock.Counts(mockserver.MobiFinance).TokenRequests)
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
	mf := userMobiConfig(cfg)
	key := mf.UserKey(cfg.UserID)
	rep := func() (rep userReport) {
		opts := []auth.Option{auth.WithStore(store, key)}
		var given *oauth2.Token // "serve": none in hand, the Store has it
		if cfg.Mode == "exchange" {
			tok, err := mf.Exchange(ctx, cfg.Code)
			if err != nil {
				rep.Err = "exchange: " + err.Error()
				return rep
			}
			// The source does not save a token it is given: save it once,
			// right after the exchange.
			if err := store.Save(ctx, key, tok); err != nil {
				rep.Err = "save: " + err.Error()
				return rep
			}
			given = tok
		}
		tok, err := mf.TokenSource(given, opts...).TokenContext(ctx)
		if err != nil {
			rep.Err = err.Error()
			rep.Reauthorize = errors.Is(err, mobifinance.ErrReauthorize)
			return rep
		}
		rep.AccessToken = tok.AccessToken
		rep.TTL, _ = rdb.PTTL(ctx, store.RedisKey(key)).Result()

		client := mf.Client(given, opts...)
		defer client.CloseIdleConnections()
		resp, err := client.Get(cfg.ProtectedURL)
		if err != nil {
			rep.Err = "API: " + err.Error()
			return rep
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		rep.APIStatus = resp.StatusCode
		return rep
	}()
	if err := json.NewEncoder(os.Stdout).Encode(rep); err != nil {
		return 2
	}
	return 0
}
