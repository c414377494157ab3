package mobifinance_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providertest"
	"github.com/paytoken/paytoken/internal/testkit"
	"github.com/paytoken/paytoken/mobifinance"
)

// What is MobiFinance's own: its host, its permanent tokens, tokens kept
// per user, its Config.

// TestDefaultBaseURL: with no BaseURL the request goes to the host MonPay's
// public documentation shows, on MobiFinance's documented path.
func TestDefaultBaseURL(t *testing.T) {
	assert.Equal(t, "https://z-wallet.monpay.mn", mobifinance.DefaultBaseURL)
	var urls []string
	cfg := &mobifinance.Config{ClientID: provider.ID(), ClientSecret: providertest.TestSecret, RedirectURL: testRedirect, HTTPClient: providertest.Offline(200, okBody, &urls)}
	_, err := cfg.Exchange(context.Background(), testCode)
	require.NoError(t, err)
	assert.Equal(t, []string{"POST https://z-wallet.monpay.mn/v2/oauth/token"}, urls)
}

// noExpiry: the documented answer, a permanent token: no expiry.
func noExpiry(t *testing.T) {
	s := provider.NewServer(t, providertest.Always(200, okBody))
	tok, err := provider.Config(s).Exchange(context.Background(), testCode)
	require.NoError(t, err)
	assert.Equal(t, "8f14e45fceea167a5a36dedd4bea2543", tok.AccessToken)
	assert.Equal(t, "Bearer", tok.TokenType)
	assert.Equal(t, "c9f0f895fb98ab9159f51fd0297e236d", tok.RefreshToken)
	assert.True(t, tok.Expiry.IsZero(), "a permanent token has no expiry")
	assert.True(t, tok.Valid())
}

// zeroExpiry: expires_in 0 is no expiry.
func zeroExpiry(t *testing.T) {
	s := provider.NewServer(t, providertest.Always(200, `{"access_token":"a","token_type":"Bearer","expires_in":0}`))
	tok, err := provider.Config(s).Exchange(context.Background(), testCode)
	require.NoError(t, err)
	assert.True(t, tok.Expiry.IsZero())
}

// emptyCode: an empty code fails, and sends nothing.
func emptyCode(t *testing.T) {
	s := provider.NewServer(t, providertest.Always(200, okBody))
	_, err := provider.Config(s).Exchange(context.Background(), "")
	assert.ErrorContains(t, err, "mobifinance: Exchange: empty authorization code")
	assert.Empty(t, s.Requests())
}

// customSchemeRedirect: a custom-scheme RedirectURL is accepted.
func customSchemeRedirect(t *testing.T) {
	s := provider.NewServer(t, providertest.Always(200, okBody))
	cfg := provider.Config(s)
	cfg.RedirectURL = "monpay-miniapp://callback"
	_, err := cfg.Exchange(context.Background(), testCode)
	assert.NoError(t, err)
}

// TestExchangeRedactsEchoedCode: a server that echoes the code in its error
// does not put it in our error message.
func TestExchangeRedactsEchoedCode(t *testing.T) {
	s := provider.NewServer(t, providertest.Always(403, `{"error":"invalid_grant","error_description":"code `+testCode+` already used"}`))
	_, err := provider.Config(s).Exchange(context.Background(), testCode)
	assert.ErrorIs(t, err, auth.ErrInvalidGrant)
	assert.NotContains(t, err.Error(), testCode)
	assert.Contains(t, err.Error(), "already used")
}

// noRetries fails the test on any retry of a Source's.
func noRetries(t *testing.T) auth.Option {
	return auth.WithObserver(testkit.ObserverFunc(func(_ context.Context, ev auth.Event) {
		if ev.Kind == auth.EventRetry {
			t.Errorf("retried: %v", ev.Err)
		}
	}))
}

// TestTokenSource: a stored token is served as long as it lasts, then the
// source says a new authorization code is needed, at once.
func TestTokenSource(t *testing.T) {
	permanent := &oauth2.Token{AccessToken: "perm-1", TokenType: "Bearer"}

	t.Run("a permanent token is served for ever, with no request", func(t *testing.T) {
		s := provider.NewServer(t, providertest.Always(500, ``))
		src := provider.Config(s).TokenSource(permanent)
		for range 3 {
			tok, err := src.Token()
			require.NoError(t, err)
			assert.Equal(t, "perm-1", tok.AccessToken)
		}
		assert.Empty(t, s.Requests())
	})
	t.Run("dropped after a 401: ErrReauthorize, not retried", func(t *testing.T) {
		src := (&mobifinance.Config{}).TokenSource(permanent, noRetries(t))
		src.Invalidate()
		_, err := src.Token()
		assert.ErrorIs(t, err, mobifinance.ErrReauthorize)
		assert.Contains(t, err.Error(), "a new authorization code is needed")
		provider.AssertNamed(t, err)
	})
	t.Run("expired: ErrReauthorize", func(t *testing.T) {
		old := &oauth2.Token{AccessToken: "old-1", Expiry: time.Now().Add(-time.Minute)}
		src := (&mobifinance.Config{}).TokenSource(old, noRetries(t))
		_, err := src.Token()
		assert.ErrorIs(t, err, mobifinance.ErrReauthorize)
		assert.Contains(t, err.Error(), "expired")
	})
	t.Run("no token: ErrReauthorize", func(t *testing.T) {
		_, err := (&mobifinance.Config{}).TokenSource(nil).Token()
		assert.ErrorIs(t, err, mobifinance.ErrReauthorize)
	})
	t.Run("a token with an expiry is served until then", func(t *testing.T) {
		tok := &oauth2.Token{AccessToken: "short-1", Expiry: time.Now().Add(time.Hour)}
		got, err := (&mobifinance.Config{}).TokenSource(tok).Token()
		require.NoError(t, err)
		assert.Equal(t, "short-1", got.AccessToken)
	})
}

// TestExchangeNeverResendsACode: failures after the request went out are
// not retried, whatever they look like.
func TestExchangeNeverResendsACode(t *testing.T) {
	t.Parallel() // its own server and client id
	t.Run("connection reset after the request was read", func(t *testing.T) {
		s := provider.NewServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				return
			}
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // close with RST
			}
			conn.Close()
		})
		_, err := provider.Config(s).Exchange(context.Background(), testCode)
		require.Error(t, err)
		assert.Len(t, s.Requests(), 1)
		provider.AssertNamed(t, err)
		providertest.AssertNoSecret(t, err.Error(), testCode)
	})
	t.Run("timeout waiting for the answer", func(t *testing.T) {
		release := make(chan struct{})
		s := provider.NewServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
		defer close(release)
		hc := s.Client()
		hc.Timeout = 300 * time.Millisecond
		cfg := provider.Config(s)
		cfg.HTTPClient = hc
		_, err := cfg.Exchange(context.Background(), testCode)
		require.Error(t, err)
		var ne net.Error
		assert.True(t, errors.As(err, &ne) && ne.Timeout(), "%v", err)
		assert.Len(t, s.Requests(), 1)
	})
	t.Run("505, then a would-be success", func(t *testing.T) {
		s := provider.NewServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
			if n == 1 {
				providertest.Reply(w, 505, `{"error":"server_error"}`)
				return
			}
			providertest.Reply(w, 200, okBody)
		})
		_, err := provider.Config(s).Exchange(context.Background(), testCode)
		assert.ErrorIs(t, err, auth.ErrServer)
		assert.Len(t, s.Requests(), 1)
	})
}

// TestUserStore: per-user tokens in a Store survive a restart, and users
// never see each other's.
func TestUserStore(t *testing.T) {
	s := provider.NewServer(t, providertest.Always(200, okBody))
	cfg := provider.Config(s)
	ctx := context.Background()
	store := new(auth.MemoryStore)

	tok, err := cfg.Exchange(ctx, testCode)
	require.NoError(t, err)
	require.NoError(t, store.Save(ctx, cfg.UserKey("user-42"), tok))

	// A new process: no token in hand, the Store has it.
	got, err := cfg.TokenSource(nil, auth.WithStore(store, cfg.UserKey("user-42"))).Token()
	require.NoError(t, err)
	assert.Equal(t, tok.AccessToken, got.AccessToken)

	// Another user has none.
	_, err = cfg.TokenSource(nil, auth.WithStore(store, cfg.UserKey("user-43"))).Token()
	assert.ErrorIs(t, err, mobifinance.ErrReauthorize)

	// No default key: WithStore(store, "") does not serve user-42's token to anyone.
	_, err = cfg.TokenSource(nil, auth.WithStore(store, "")).Token()
	assert.ErrorIs(t, err, mobifinance.ErrReauthorize)

	// The stored token replaces an expired one in hand.
	expired := &oauth2.Token{AccessToken: "old", Expiry: time.Now().Add(-time.Hour)}
	got, err = cfg.TokenSource(expired, auth.WithStore(store, cfg.UserKey("user-42"))).Token()
	require.NoError(t, err)
	assert.Equal(t, tok.AccessToken, got.AccessToken)

	assert.Len(t, s.Requests(), 1, "only the Exchange reached the server")
}

func TestUserKey(t *testing.T) {
	cfg := &mobifinance.Config{ClientID: testID}
	assert.Equal(t, "v1:mobifinance:mf_client_7:user=user-42", cfg.UserKey("user-42"))
	assert.NotEqual(t, cfg.UserKey("a b"), cfg.UserKey("a+b"))
	assert.NotEqual(t, cfg.UserKey("a:b"), (&mobifinance.Config{ClientID: testID + ":user=a"}).UserKey("b"))
	assert.NotEqual(t, cfg.UserKey("1"), (&mobifinance.Config{ClientID: "other"}).UserKey("1"))
	assert.NotContains(t, (&mobifinance.Config{ClientID: testID, ClientSecret: providertest.TestSecret}).UserKey("1"), providertest.TestSecret)
}

// TestClient: Bearer on every request; after the API's 401 the token is
// dropped, the 401 returned, and later requests say a new code is needed.
func TestClient(t *testing.T) {
	var apiAuth []string
	api := provider.NewServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		apiAuth = append(apiAuth, r.Header.Get("Authorization"))
		if n == 2 {
			providertest.Reply(w, 401, `{"error":"invalid_token"}`)
			return
		}
		providertest.Reply(w, 200, `{}`)
	})
	cfg := provider.Config(api)
	client := cfg.Client(&oauth2.Token{AccessToken: "perm-1", TokenType: "Bearer"})

	resp, err := client.Get(api.URL + "/v2/api/user/info")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)

	resp, err = client.Get(api.URL + "/v2/api/user/info")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 401, resp.StatusCode)

	_, err = client.Get(api.URL + "/v2/api/user/info")
	assert.ErrorIs(t, err, mobifinance.ErrReauthorize)
	assert.Equal(t, []string{"Bearer perm-1", "Bearer perm-1"}, apiAuth)
}

// TestSecretNeverPrinted: a Config prints, marshals and logs without its
// secret.
func TestSecretNeverPrinted(t *testing.T) {
	cfg := mobifinance.Config{ClientID: testID, ClientSecret: providertest.TestSecret, RedirectURL: testRedirect}
	providertest.ConfigRedacted(t, cfg, &cfg, cfg.ClientSecret, testID)
}

// TestInterop: an exchanged token works with golang.org/x/oauth2 and
// through Client, as Bearer.
func TestInterop(t *testing.T) {
	cfg := provider.Config(provider.NewServer(t, providertest.Always(200, `{"access_token":"8f14e45f","token_type":"bearer"}`)))
	tok, err := cfg.Exchange(context.Background(), testCode)
	require.NoError(t, err)
	require.Equal(t, "8f14e45f", tok.AccessToken)
	providertest.Interop(t, tok, func(hc *http.Client) *http.Client { cfg.HTTPClient = hc; return cfg.Client(tok) })
}
