package redisstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/auth/redisstore"
	"github.com/paytoken/paytoken/internal/redistest"
	"github.com/paytoken/paytoken/mobifinance"
	"github.com/paytoken/paytoken/mockserver"
)

// The per-user worker's side: what one worker process of
// TestMobiFinanceUserTokenSurvivesRestart is told (userConfig), does
// (userWorker) and reports (userReport).

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

// userWorker is the body of one worker process: it redeems cfg.Code or
// serves the stored token, as cfg.Mode says. It prints a userReport.
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
