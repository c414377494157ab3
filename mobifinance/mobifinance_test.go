package mobifinance_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
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

// TestDefaultBaseURL: with no BaseURL the request goes to the host MonPay's
// public documentation shows, on MobiFinance's documented path.
func TestDefaultBaseURL(t *testing.T) {
	assert.Equal(t, "https://z-wallet.monpay.mn", mobifinance.DefaultBaseURL)
	var urls []string
	cfg := &mobifinance.Config{ClientID: provider.ID(), ClientSecret: testSecret, RedirectURL: testRedirect, HTTPClient: providertest.Offline(200, okBody, &urls)}
	_, err := cfg.Exchange(context.Background(), testCode)
	require.NoError(t, err)
	assert.Equal(t, []string{"POST https://z-wallet.monpay.mn/v2/oauth/token"}, urls)
}

// TestExchangeRequest: the exact request MobiFinance receives: all five
// form fields, credentials in the body, no Authorization header.
func TestExchangeRequest(t *testing.T) {
	provider.TokenRequest(t, []providertest.RequestCase[url.Values, *mobifinance.Config]{{
		Name: "documented", Path: "/v2/oauth/token", ContentType: "application/x-www-form-urlencoded",
		Want: func(id string) url.Values {
			return url.Values{
				"redirect_uri":  {testRedirect},
				"client_id":     {id},
				"client_secret": {testSecret},
				"code":          {testCode},
				"grant_type":    {"authorization_code"},
			}
		},
	}})
}

// TestExchangeAnswers: the documented answer (a permanent token) and the
// forms expires_in may take.
func TestExchangeAnswers(t *testing.T) {
	t.Run("documented: no expires_in, no expiry", func(t *testing.T) {
		s := newServer(t, providertest.Always(200, okBody))
		tok, err := config(s).Exchange(context.Background(), testCode)
		require.NoError(t, err)
		assert.Equal(t, "8f14e45fceea167a5a36dedd4bea2543", tok.AccessToken)
		assert.Equal(t, "Bearer", tok.TokenType)
		assert.Equal(t, "c9f0f895fb98ab9159f51fd0297e236d", tok.RefreshToken)
		assert.True(t, tok.Expiry.IsZero(), "a permanent token has no expiry")
		assert.True(t, tok.Valid())
	})
	t.Run("expires_in 0: no expiry", func(t *testing.T) {
		s := newServer(t, providertest.Always(200, `{"access_token":"a","token_type":"Bearer","expires_in":0}`))
		tok, err := config(s).Exchange(context.Background(), testCode)
		require.NoError(t, err)
		assert.True(t, tok.Expiry.IsZero())
	})
	future := time.Now().Add(6 * time.Hour).Unix()
	provider.TokenAnswers(t, []providertest.AnswerCase{
		{Name: "expires_in a number", Body: `{"access_token":"a","token_type":"bearer","expires_in":3600}`, Expiry: time.Hour},
		{Name: "expires_in a numeric string", Body: `{"access_token":"a","token_type":"bearer","expires_in":"7200"}`, Expiry: 2 * time.Hour},
		{Name: "expires_in a Unix time", Body: `{"access_token":"a","token_type":"bearer","expires_in":` + strconv.FormatInt(future, 10) + `}`, Expiry: 6 * time.Hour},
	})
}

// TestExchangeErrors: each documented error, mapped, and never retried.
func TestExchangeErrors(t *testing.T) {
	// Retry-After 0: an answer Exchange would retry, if it retried any.
	now := map[string]string{"Retry-After": "0"}
	provider.TokenErrors(t, providertest.DefaultPolicy, []providertest.ErrorCase{
		{Name: "400 invalid_request", Status: 400, Header: now, CType: "application/json", Body: `{"error":"invalid_request","error_description":"Bad request"}`, Kind: auth.ErrInvalidRequest, Code: "invalid_request"},
		{Name: "401 unauthorized_client", Status: 401, Header: now, CType: "application/json", Body: `{"error":"unauthorized_client","error_description":"Invalid client_id or client_secret"}`, Kind: auth.ErrInvalidClient, Code: "unauthorized_client"},
		{Name: "403 invalid_grant", Status: 403, Header: now, CType: "application/json", Body: `{"error":"invalid_grant","error_description":"Invalid code"}`, Kind: auth.ErrInvalidGrant, Code: "invalid_grant"},
		{Name: "415 unsupported_grant_type", Status: 415, Header: now, CType: "application/json", Body: `{"error":"unsupported_grant_type","error_description":"Unsupported type"}`, Kind: auth.ErrUnsupportedGrantType, Code: "unsupported_grant_type"},
		{Name: "505 server_error", Status: 505, Header: now, CType: "application/json", Body: `{"error":"server_error","error_description":"Internal server error"}`, Kind: auth.ErrServer, Code: "server_error"},
		{Name: "502 ", Status: 502, Header: now, CType: "text/html", Body: `<html><body><h1>502 Bad Gateway</h1></body></html>`, Kind: auth.ErrServer},
		{Name: "429 ", Status: 429, Header: now, CType: "application/json", Body: `{}`, Kind: auth.ErrRateLimited},
		{Name: "503 ", Status: 503, Header: now, CType: "text/plain", Body: `try later`, Kind: auth.ErrServer},
		{Name: "200 ", Status: 200, Header: now, CType: "application/json", Body: `{"token_type":"Bearer"}`, Kind: auth.ErrMalformedResponse},
	})
}

// TestExchangeNeverResendsACode: failures after the request went out are
// not retried, whatever they look like.
func TestExchangeNeverResendsACode(t *testing.T) {
	t.Run("connection reset after the request was read", func(t *testing.T) {
		s := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				return
			}
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // close with RST
			}
			conn.Close()
		})
		_, err := config(s).Exchange(context.Background(), testCode)
		require.Error(t, err)
		assert.Len(t, s.Requests(), 1)
		provider.AssertNamed(t, err)
		providertest.AssertNoSecret(t, err.Error(), testCode)
	})
	t.Run("timeout waiting for the answer", func(t *testing.T) {
		release := make(chan struct{})
		s := newServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
		defer close(release)
		hc := s.Client()
		hc.Timeout = 300 * time.Millisecond
		cfg := config(s)
		cfg.HTTPClient = hc
		_, err := cfg.Exchange(context.Background(), testCode)
		require.Error(t, err)
		var ne net.Error
		assert.True(t, errors.As(err, &ne) && ne.Timeout(), "%v", err)
		assert.Len(t, s.Requests(), 1)
	})
	t.Run("505, then a would-be success", func(t *testing.T) {
		s := newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
			if n == 1 {
				providertest.Reply(w, 505, `{"error":"server_error"}`)
				return
			}
			providertest.Reply(w, 200, okBody)
		})
		_, err := config(s).Exchange(context.Background(), testCode)
		assert.ErrorIs(t, err, auth.ErrServer)
		assert.Len(t, s.Requests(), 1)
	})
}

// TestExchangeRetriesUnsent: a request that never left (a failed dial) is
// retried: the code was not spent.
func TestExchangeRetriesUnsent(t *testing.T) {
	s := newServer(t, providertest.Always(200, okBody))
	var dials atomic.Int32
	tr := s.Client().Transport.(*http.Transport).Clone()
	var d net.Dialer
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if dials.Add(1) == 1 {
			return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
		}
		return d.DialContext(ctx, network, addr)
	}
	defer tr.CloseIdleConnections()
	cfg := config(s)
	cfg.HTTPClient = &http.Client{Transport: tr}
	tok, err := cfg.Exchange(context.Background(), testCode)
	require.NoError(t, err)
	assert.Equal(t, "8f14e45fceea167a5a36dedd4bea2543", tok.AccessToken)
	assert.Equal(t, int32(2), dials.Load())
	assert.Len(t, s.Requests(), 1)
}

// TestExchangeRedactsEchoedCode: a server that echoes the code in its error
// does not put it in our error message.
func TestExchangeRedactsEchoedCode(t *testing.T) {
	s := newServer(t, providertest.Always(403, `{"error":"invalid_grant","error_description":"code `+testCode+` already used"}`))
	_, err := config(s).Exchange(context.Background(), testCode)
	assert.ErrorIs(t, err, auth.ErrInvalidGrant)
	assert.NotContains(t, err.Error(), testCode)
	assert.Contains(t, err.Error(), "already used")
}

// TestRedirectNotFollowed: a 3xx is an error; neither the credentials nor
// the code reach the Location.
func TestRedirectNotFollowed(t *testing.T) {
	provider.RedirectNotFollowed(t, "/v2/oauth/token", http.StatusTemporaryRedirect)
}

// countRetries counts the retry events of a Source.
func countRetries(n *atomic.Int32) auth.Option {
	return auth.WithObserver(testkit.ObserverFunc(func(_ context.Context, ev auth.Event) {
		if ev.Kind == auth.EventRetry {
			n.Add(1)
		}
	}))
}

// TestTokenSource: a stored token is served as long as it lasts, then the
// source says a new authorization code is needed, at once.
func TestTokenSource(t *testing.T) {
	permanent := &oauth2.Token{AccessToken: "perm-1", TokenType: "Bearer"}

	t.Run("a permanent token is served for ever, with no request", func(t *testing.T) {
		s := newServer(t, providertest.Always(500, ``))
		src := config(s).TokenSource(permanent)
		for range 3 {
			tok, err := src.Token()
			require.NoError(t, err)
			assert.Equal(t, "perm-1", tok.AccessToken)
		}
		assert.Empty(t, s.Requests())
	})
	t.Run("dropped after a 401: ErrReauthorize, not retried", func(t *testing.T) {
		var retries atomic.Int32
		src := (&mobifinance.Config{}).TokenSource(permanent, countRetries(&retries))
		src.Invalidate()
		_, err := src.Token()
		assert.ErrorIs(t, err, mobifinance.ErrReauthorize)
		assert.Contains(t, err.Error(), "a new authorization code is needed")
		provider.AssertNamed(t, err)
		assert.Zero(t, retries.Load())
	})
	t.Run("expired: ErrReauthorize", func(t *testing.T) {
		old := &oauth2.Token{AccessToken: "old-1", Expiry: time.Now().Add(-time.Minute)}
		var retries atomic.Int32
		src := (&mobifinance.Config{}).TokenSource(old, countRetries(&retries))
		_, err := src.Token()
		assert.ErrorIs(t, err, mobifinance.ErrReauthorize)
		assert.Contains(t, err.Error(), "expired")
		assert.Zero(t, retries.Load())
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

// TestUserStore: per-user tokens in a Store survive a restart, and users
// never see each other's.
func TestUserStore(t *testing.T) {
	s := newServer(t, providertest.Always(200, okBody))
	cfg := config(s)
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
	assert.NotContains(t, (&mobifinance.Config{ClientID: testID, ClientSecret: testSecret}).UserKey("1"), testSecret)
}

// TestClient: Bearer on every request; after the API's 401 the token is
// dropped, the 401 returned, and later requests say a new code is needed.
func TestClient(t *testing.T) {
	var apiAuth []string
	api := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		apiAuth = append(apiAuth, r.Header.Get("Authorization"))
		if n == 2 {
			providertest.Reply(w, 401, `{"error":"invalid_token"}`)
			return
		}
		providertest.Reply(w, 200, `{}`)
	})
	cfg := config(api)
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

// TestConfigErrors: a Config that cannot work fails on first use, naming
// the field, and sends nothing.
func TestConfigErrors(t *testing.T) {
	cases := []providertest.ConfigCase[*mobifinance.Config]{
		{Name: "empty ClientID", Edit: func(c *mobifinance.Config) { c.ClientID = "" }, Field: "mobifinance: Config.ClientID: empty"},
		{Name: "empty ClientSecret", Edit: func(c *mobifinance.Config) { c.ClientSecret = "" }, Field: "mobifinance: Config.ClientSecret: empty"},
		{Name: "missing RedirectURL", Edit: func(c *mobifinance.Config) { c.RedirectURL = "" }, Field: "mobifinance: Config.RedirectURL: empty"},
		{Name: "relative RedirectURL", Edit: func(c *mobifinance.Config) { c.RedirectURL = "/callback" }, Field: "mobifinance: Config.RedirectURL:"},
		{Name: "insecure BaseURL", Edit: func(c *mobifinance.Config) { c.BaseURL = "http://z-wallet.monpay.mn" }, Field: "mobifinance: Config.BaseURL:", Is: auth.ErrInsecureURL},
		{Name: "BaseURL with a fragment", Edit: func(c *mobifinance.Config) { c.BaseURL = "https://z-wallet.monpay.mn#x" }, Field: "mobifinance: Config.BaseURL:"},
	}
	providertest.ConfigErrorsFrom(t, newServer, config, providertest.Always(200, okBody), cases, func(_ *server, cfg *mobifinance.Config) []error {
		_, err := cfg.Exchange(context.Background(), testCode)
		return []error{err}
	}, testCode)

	t.Run("empty code", func(t *testing.T) {
		s := newServer(t, providertest.Always(200, okBody))
		_, err := config(s).Exchange(context.Background(), "")
		assert.ErrorContains(t, err, "mobifinance: Exchange: empty authorization code")
		assert.Empty(t, s.Requests())
	})
	t.Run("custom-scheme RedirectURL is accepted", func(t *testing.T) {
		s := newServer(t, providertest.Always(200, okBody))
		cfg := config(s)
		cfg.RedirectURL = "monpay-miniapp://callback"
		_, err := cfg.Exchange(context.Background(), testCode)
		assert.NoError(t, err)
	})
}

// TestSecretNeverPrinted: a Config prints, marshals and logs without its
// secret.
func TestSecretNeverPrinted(t *testing.T) {
	cfg := mobifinance.Config{ClientID: testID, ClientSecret: testSecret, RedirectURL: testRedirect}
	providertest.ConfigRedacted(t, cfg, &cfg, cfg.ClientSecret, testID)
}

// TestInterop: an exchanged token works with golang.org/x/oauth2 and
// through Client, as Bearer.
func TestInterop(t *testing.T) {
	cfg := config(newServer(t, providertest.Always(200, `{"access_token":"8f14e45f","token_type":"bearer"}`)))
	tok, err := cfg.Exchange(context.Background(), testCode)
	require.NoError(t, err)
	require.Equal(t, "8f14e45f", tok.AccessToken)
	providertest.Interop(t, tok, func(hc *http.Client) *http.Client { cfg.HTTPClient = hc; return cfg.Client(tok) })
}

// TestEchoedCredentialsScrubbed: a server that answers an error quoting the
// form body it got (secret and code, form-encoded) and the code in its
// X-Request-Id gives an error with both replaced by [redacted], in the
// message and in every field of the *auth.Error.
func TestEchoedCredentialsScrubbed(t *testing.T) {
	e := provider.EchoedCredentialsScrubbed(t, providertest.Echo[url.Values, *mobifinance.Config]{
		Status: 403, Kind: auth.ErrInvalidGrant,
		Answer: func(got providertest.Request[url.Values]) (string, map[string]string) {
			return testSecret + ":" + testCode, map[string]string{"error": "invalid_grant",
				"error_description": "code " + testCode + " already used; you sent " + got.Raw}
		},
	})
	assert.Equal(t, "[redacted]:[redacted]", e.RequestID)
	assert.Contains(t, e.Description, "code [redacted] already used")
}

// TestErrorMessageAfterRetries: an Exchange whose dial failed three times
// (the one failure it retries) names the provider once and says how many
// attempts it took.
func TestErrorMessageAfterRetries(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close() // nothing listens: every dial is refused
	cfg := &mobifinance.Config{ClientID: testID, ClientSecret: testSecret, RedirectURL: testRedirect, BaseURL: "http://" + addr}
	_, err = cfg.Exchange(context.Background(), testCode)
	require.Error(t, err)
	want := "mobifinance: token request failed after 3 attempts: Post \"http://" + addr + "/v2/oauth/token\": dial tcp " + addr + ": "
	assert.True(t, strings.HasPrefix(err.Error(), want), "%q does not start with %q", err, want)
	assert.Equal(t, 1, strings.Count(err.Error(), "mobifinance"), err.Error())
	var op *net.OpError
	assert.ErrorAs(t, err, &op)
}
