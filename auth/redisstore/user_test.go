package redisstore_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/internal/redistest"
	"github.com/paytoken/paytoken/mockserver"
)

// Per-user MobiFinance tokens that outlive the process: a token is issued
// once per single-use authorization code and documented as permanent, so
// losing it on a restart would send the user through authorization again.

func runUserWorker(t *testing.T, cfg userConfig) userReport {
	t.Helper()
	var rep userReport
	runWorker(t, cfg.Mode, userWorkerEnv, cfg, &rep)
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
