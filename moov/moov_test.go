package moov_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providertest"
	"github.com/paytoken/paytoken/moov"
)

// TestTokenRequest: the exact request Moov receives, for each way of
// sending credentials and scopes.
func TestTokenRequest(t *testing.T) {
	const scopes = "/accounts.read /accounts.write"
	body := func(inBody bool, scope string) func(id string) map[string]any {
		return func(id string) map[string]any {
			m := map[string]any{"grant_type": "client_credentials"}
			if inBody {
				m["client_id"], m["client_secret"] = id, testSecret
			}
			if scope != "" {
				m["scope"] = scope
			}
			return m
		}
	}
	provider.TokenRequest(t, []providertest.RequestCase[map[string]any, *moov.Config]{
		{Name: "Basic header (default), two scopes space-joined", Path: "/oauth2/token", Basic: true, ContentType: "application/json", Want: body(false, scopes)},
		{
			Name: "body credentials", Edit: func(_ *server, c *moov.Config) { c.AuthStyle = auth.InBody },
			Path: "/oauth2/token", ContentType: "application/json", Want: body(true, scopes),
		},
		{
			Name: "no scopes: the scope field is not sent", Edit: func(_ *server, c *moov.Config) { c.Scopes = nil },
			Path: "/oauth2/token", Basic: true, ContentType: "application/json", Want: body(false, ""),
		},
		{
			Name: "body credentials, no scopes", Edit: func(_ *server, c *moov.Config) { c.Scopes, c.AuthStyle = []string{}, auth.InBody },
			Path: "/oauth2/token", ContentType: "application/json", Want: body(true, ""),
		},
		{
			Name: "BaseURL with a path prefix", Edit: func(s *server, c *moov.Config) { c.BaseURL = s.URL + "/moov/v1" },
			Path: "/moov/v1/oauth2/token", Basic: true, ContentType: "application/json", Want: body(false, scopes),
		},
	})
}

// TestBasicHeaderDecodes: the header carries id and secret as given, so a
// server splitting at the first ':' gets the secret back whole.
func TestBasicHeaderDecodes(t *testing.T) {
	provider.BasicHeaderDecodes(t, providertest.Always(200, okBody), testSecret)
}

// TestTokenAnswers: each documented (and undocumented but seen) answer.
func TestTokenAnswers(t *testing.T) {
	future := time.Now().Add(2 * time.Hour).Unix()
	provider.TokenAnswers(t, []providertest.AnswerCase{
		{Name: "documented opaque", Body: okBody, Expiry: 900 * time.Second, Raw: "opaque"},
		{Name: "jwt", Body: `{"access_token":"eyJ.x.y","expires_in":900,"token_type":"jwt"}`, Expiry: 900 * time.Second, Raw: "jwt"},
		{Name: "expires_in as a numeric string", Body: `{"access_token":"a","expires_in":"600","token_type":"opaque"}`, Expiry: 600 * time.Second, Raw: "opaque"},
		{Name: "expires_in as a Unix time", Body: `{"access_token":"a","expires_in":` + strconv.FormatInt(future, 10) + `,"token_type":"opaque"}`, Expiry: 2 * time.Hour, Raw: "opaque"},
		{Name: "expires_in absent: 15 minutes", Body: `{"access_token":"a","token_type":"opaque"}`, Expiry: 15 * time.Minute, Raw: "opaque"},
		{Name: "expires_in 0: 15 minutes", Body: `{"access_token":"a","expires_in":0,"token_type":"opaque"}`, Expiry: 15 * time.Minute, Raw: "opaque"},
	})

	t.Run("documented fields", func(t *testing.T) {
		s := newServer(t, providertest.Always(200, okBody))
		tok, err := config(s).Token(context.Background())
		require.NoError(t, err)
		assert.Equal(t, "i1qxz68gu50zp4i8ceyxqogmq7y0yienm52351c6", tok.AccessToken)
		assert.Equal(t, "r1qxz68gu50zp4i8ceyxqogmq7y0yienm52351c6", tok.RefreshToken)
		assert.Equal(t, "/accounts.write", tok.Extra("scope"))
		assert.InDelta(t, 900, tok.ExpiresIn, 2)
	})

	t.Run("form answer (the reply mirrors a form request)", func(t *testing.T) {
		s := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
			w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
			_, _ = fmt.Fprint(w, "access_token=f1&expires_in=900&token_type=opaque")
		})
		tok, err := config(s).Token(context.Background())
		require.NoError(t, err)
		assert.Equal(t, "f1", tok.AccessToken)
		assert.Equal(t, "Bearer", tok.TokenType)
		providertest.AssertExpiry(t, 900*time.Second, tok.Expiry)
	})
}

// TestTokenErrors: answers that are not a token, with what is kept of them
// and how often each is tried under Token's default policy.
func TestTokenErrors(t *testing.T) {
	provider.TokenErrors(t, providertest.DefaultPolicy, []providertest.ErrorCase{
		{Name: "400 invalid_request", Status: 400, CType: "application/json", Body: `{"error":"invalid_request"}`, Kind: auth.ErrInvalidRequest, Code: "invalid_request"},
		{Name: "401 invalid_client", Status: 401, CType: "application/json", Body: `{"error":"invalid_client","error_description":"bad key"}`, Kind: auth.ErrInvalidClient, Code: "invalid_client"},
		{Name: "400 invalid_grant", Status: 400, CType: "application/json", Body: `{"error":"invalid_grant"}`, Kind: auth.ErrInvalidGrant, Code: "invalid_grant"},
		{Name: "2xx without access_token", Status: 200, CType: "application/json", Body: `{"token_type":"opaque","expires_in":900}`, Kind: auth.ErrMalformedResponse},
		{Name: "2xx with a negative expires_in", Status: 200, CType: "application/json", Body: `{"access_token":"a","expires_in":-1}`, Kind: auth.ErrMalformedResponse},
		{Name: "2xx with a non-numeric expires_in", Status: 200, CType: "application/json", Body: `{"access_token":"a","expires_in":"soon"}`, Kind: auth.ErrMalformedResponse},
		{Name: "2xx with an overflowing expires_in", Status: 200, CType: "application/json", Body: `{"access_token":"a","expires_in":1e300}`, Kind: auth.ErrMalformedResponse},
		{Name: "502 HTML gateway page", Status: 502, CType: "text/html", Body: `<html><body><h1>502 Bad Gateway</h1></body></html>`, Kind: auth.ErrServer, Attempts: 3},
	})
}

// TestRedirectNotFollowed: a 3xx is an error; the credentials never reach
// the Location.
func TestRedirectNotFollowed(t *testing.T) {
	provider.RedirectNotFollowed(t, "/oauth2/token", http.StatusTemporaryRedirect)
}

// TestRateLimited: 429 with Retry-After (seconds or an HTTP-date) or
// X-Retry-In (ms) is retried after exactly that wait.
func TestRateLimited(t *testing.T) {
	// How long a retry waits is auth's business, tested there on a fake
	// clock; here, that each form of the server's wait reaches the Error,
	// and that a retry waits it (X-Retry-In, which counts milliseconds).
	cases := []struct {
		name     string
		header   func() (string, string)
		min, max time.Duration
	}{
		{"Retry-After seconds", func() (string, string) { return "Retry-After", "1" }, time.Second, time.Second},
		{"Retry-After HTTP-date", func() (string, string) {
			return "Retry-After", time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat)
		}, time.Second, 2 * time.Second}, // an HTTP-date has whole seconds: at least 1s of the 2s remain
		{"X-Retry-In milliseconds", func() (string, string) { return "X-Retry-In", "700" }, 700 * time.Millisecond, 700 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
				k, v := tc.header()
				w.Header().Set(k, v)
				providertest.Reply(w, 429, `{}`)
			})
			_, err := config(s).TokenSource(auth.WithRetry(auth.RetryPolicy{MaxAttempts: 1})).Token()
			assert.ErrorIs(t, err, auth.ErrRateLimited)
			var e *auth.Error
			require.ErrorAs(t, err, &e)
			assert.GreaterOrEqual(t, e.RetryAfter, tc.min)
			assert.LessOrEqual(t, e.RetryAfter, tc.max)
		})
	}
	t.Run("X-Retry-In 50 waited, then 200", func(t *testing.T) {
		provider.WaitedThenOK(t, 429, `{}`, "i1qxz68gu50zp4i8ceyxqogmq7y0yienm52351c6")
	})

	t.Run("the error keeps RetryAfter when retries are spent", func(t *testing.T) {
		s := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
			w.Header().Set("Retry-After", "120")
			providertest.Reply(w, 429, `{}`)
		})
		_, err := config(s).TokenSource(auth.WithRetry(auth.RetryPolicy{MaxAttempts: 1})).Token()
		assert.ErrorIs(t, err, auth.ErrRateLimited)
		var e *auth.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, 429, e.StatusCode)
		assert.Equal(t, 120*time.Second, e.RetryAfter)
		assert.True(t, e.Temporary())
		assert.Len(t, s.Requests(), 1)
	})

	t.Run("a wait longer than MaxRetryAfter is not waited", func(t *testing.T) {
		s := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
			w.Header().Set("Retry-After", "3600")
			providertest.Reply(w, 429, `{}`)
		})
		start := time.Now()
		_, err := config(s).Token(context.Background())
		assert.ErrorIs(t, err, auth.ErrRateLimited)
		assert.Less(t, time.Since(start), 5*time.Second)
		assert.Len(t, s.Requests(), 1)
		provider.AssertNamed(t, err)
	})
}

// TestRefresh: the refresh_token grant's exact request, and the refresh
// token kept when the answer has none.
func TestRefresh(t *testing.T) {
	for _, style := range []auth.AuthStyle{auth.InHeader, auth.InBody} {
		t.Run(style.String(), func(t *testing.T) {
			s := newServer(t, providertest.Always(200, `{"access_token":"new","expires_in":900,"token_type":"opaque"}`))
			cfg := config(s)
			cfg.AuthStyle = style
			tok, err := cfg.Refresh(context.Background(), "rt-1")
			require.NoError(t, err)
			assert.Equal(t, "new", tok.AccessToken)
			assert.Equal(t, "rt-1", tok.RefreshToken, "no refresh_token in the answer: the old one stays valid")
			assert.Equal(t, "Bearer", tok.TokenType)
			reqs := s.Requests()
			require.Len(t, reqs, 1)
			want := map[string]any{"grant_type": "refresh_token", "refresh_token": "rt-1"}
			wantAuth := provider.Basic(s)
			if style == auth.InBody {
				want["client_id"], want["client_secret"] = s.ClientID, testSecret
				wantAuth = ""
			}
			assert.Equal(t, want, reqs[0].Body)
			assert.Equal(t, wantAuth, reqs[0].Authorization)
			assert.Equal(t, "application/json", reqs[0].ContentType)
		})
	}

	t.Run("a rotated refresh token replaces the old one", func(t *testing.T) {
		s := newServer(t, providertest.Always(200, okBody))
		tok, err := config(s).Refresh(context.Background(), "rt-1")
		require.NoError(t, err)
		assert.Equal(t, "r1qxz68gu50zp4i8ceyxqogmq7y0yienm52351c6", tok.RefreshToken)
	})

	t.Run("empty refresh token", func(t *testing.T) {
		s := newServer(t, providertest.Always(200, okBody))
		_, err := config(s).Refresh(context.Background(), "")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "moov: Refresh: empty refresh token")
		assert.Empty(t, s.Requests())
	})

	t.Run("spent refresh token", func(t *testing.T) {
		s := newServer(t, providertest.Always(400, `{"error":"invalid_grant"}`))
		_, err := config(s).Refresh(context.Background(), "rt-1")
		assert.ErrorIs(t, err, auth.ErrInvalidGrant)
		assert.Len(t, s.Requests(), 1)
	})
}

var ccBody = map[string]any{"grant_type": "client_credentials", "scope": "/accounts.read /accounts.write"}

// TestTokenSourceRenewsWithRefreshToken: the token that replaces one with a
// refresh token comes from the refresh_token grant.
func TestTokenSourceRenewsWithRefreshToken(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		providertest.Reply(w, 200, fmt.Sprintf(`{"access_token":"at-%d","expires_in":900,"refresh_token":"rt-%d","token_type":"opaque"}`, n, n))
	})
	src := config(s).TokenSource()
	tok, err := src.Token()
	require.NoError(t, err)
	assert.Equal(t, "at-1", tok.AccessToken)

	src.Invalidate() // as auth.Transport does after a 401
	tok, err = src.Token()
	require.NoError(t, err)
	assert.Equal(t, "at-2", tok.AccessToken)
	assert.Equal(t, "rt-2", tok.RefreshToken)

	src.Invalidate()
	tok, err = src.Token()
	require.NoError(t, err)
	assert.Equal(t, "at-3", tok.AccessToken)

	reqs := s.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, ccBody, reqs[0].Body)
	assert.Equal(t, map[string]any{"grant_type": "refresh_token", "refresh_token": "rt-1"}, reqs[1].Body)
	assert.Equal(t, map[string]any{"grant_type": "refresh_token", "refresh_token": "rt-2"}, reqs[2].Body)
	for _, r := range reqs {
		assert.Equal(t, provider.Basic(s), r.Authorization)
	}
}

// TestTokenSourceFallsBackToClientCredentials: a refused refresh token
// costs one request, not an error.
func TestTokenSourceFallsBackToClientCredentials(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch n {
		case 1:
			providertest.Reply(w, 200, `{"access_token":"at-1","expires_in":900,"refresh_token":"rt-1","token_type":"opaque"}`)
		case 2:
			providertest.Reply(w, 400, `{"error":"invalid_grant"}`)
		default:
			providertest.Reply(w, 200, `{"access_token":"at-3","expires_in":900,"token_type":"jwt"}`)
		}
	})
	cfg := config(s)
	cfg.AuthStyle = auth.InBody
	src := cfg.TokenSource()
	_, err := src.Token()
	require.NoError(t, err)
	src.Invalidate()
	tok, err := src.Token()
	require.NoError(t, err)
	assert.Equal(t, "at-3", tok.AccessToken)
	assert.Equal(t, "jwt", tok.Extra("token_type"))

	reqs := s.Requests()
	require.Len(t, reqs, 3)
	cc := map[string]any{"grant_type": "client_credentials", "client_id": s.ClientID, "client_secret": testSecret, "scope": "/accounts.read /accounts.write"}
	assert.Equal(t, cc, reqs[0].Body)
	assert.Equal(t, map[string]any{"grant_type": "refresh_token", "refresh_token": "rt-1", "client_id": s.ClientID, "client_secret": testSecret}, reqs[1].Body)
	assert.Equal(t, cc, reqs[2].Body)

	// The new token has no refresh token: the next renewal is client_credentials again.
	src.Invalidate()
	_, err = src.Token()
	require.NoError(t, err)
	reqs = s.Requests()
	require.Len(t, reqs, 4)
	assert.Equal(t, cc, reqs[3].Body)
}

// TestTokenSourceRenewsBeforeExpiry: with no Invalidate, a token that runs
// out is renewed through its refresh token.
func TestTokenSourceRenewsBeforeExpiry(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		providertest.Reply(w, 200, fmt.Sprintf(`{"access_token":"at-%d","expires_in":2,"refresh_token":"rt-%d","token_type":"opaque"}`, n, n))
	})
	// A 2 s token served for its first 200 ms only (the safety margin takes
	// the rest): it runs out without a long wait.
	src := config(s).TokenSource(auth.WithSafetyMargin(1800*time.Millisecond), auth.WithRefreshWindow(0))
	tok, err := src.Token()
	require.NoError(t, err)
	assert.Equal(t, "at-1", tok.AccessToken)
	time.Sleep(300 * time.Millisecond)
	tok, err = src.Token()
	require.NoError(t, err)
	assert.Equal(t, "at-2", tok.AccessToken)
	reqs := s.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, map[string]any{"grant_type": "refresh_token", "refresh_token": "rt-1"}, reqs[1].Body)
}

// TestTokenSourceCaches: concurrent callers share one fetch; the token is
// served from memory afterwards.
func TestTokenSourceCaches(t *testing.T) {
	s := newServer(t, providertest.Always(200, okBody))
	src := config(s).TokenSource()
	for range 5 {
		tok, err := src.Token()
		require.NoError(t, err)
		assert.Equal(t, "Bearer", tok.TokenType)
	}
	assert.Len(t, s.Requests(), 1)
}

// TestTokenSourceConfigIsCopied: changing the Config afterwards does not
// change what the source sends.
func TestTokenSourceConfigIsCopied(t *testing.T) {
	s := newServer(t, providertest.Always(200, okBody))
	cfg := config(s)
	src := cfg.TokenSource()
	cfg.Scopes[0] = "/changed"
	cfg.ClientID = "other"
	_, err := src.Token()
	require.NoError(t, err)
	assert.Equal(t, ccBody, s.Requests()[0].Body)
	assert.Equal(t, provider.Basic(s), s.Requests()[0].Authorization)
}

// TestDefaultStoreKey: WithStore(store, "") saves under
// StoreKey("moov", ClientID, Scopes...), which another Source then reads.
func TestDefaultStoreKey(t *testing.T) {
	s := newServer(t, providertest.Always(200, okBody))
	store := new(auth.MemoryStore)
	cfg := config(s)
	_, err := cfg.TokenSource(auth.WithStore(store, "")).Token()
	require.NoError(t, err)
	// The save follows the hand-over to the caller (callers never wait on
	// the Store): wait for it.
	var saved *oauth2.Token
	require.Eventually(t, func() bool {
		saved, err = store.Load(context.Background(), auth.StoreKey("moov", s.ClientID, "/accounts.write", "/accounts.read"))
		require.NoError(t, err)
		return saved != nil
	}, 10*time.Second, time.Millisecond, "nothing saved under the default key")
	assert.Equal(t, "i1qxz68gu50zp4i8ceyxqogmq7y0yienm52351c6", saved.AccessToken)

	tok, err := cfg.TokenSource(auth.WithStore(store, "")).Token()
	require.NoError(t, err)
	assert.Equal(t, saved.AccessToken, tok.AccessToken)
	assert.Len(t, s.Requests(), 1, "the second Source read the store")
}

// TestConfigErrors: a Config that cannot work fails on first use, naming
// the field, and sends nothing.
func TestConfigErrors(t *testing.T) {
	cases := []providertest.ConfigCase[*moov.Config]{
		{Name: "empty ClientID", Edit: func(c *moov.Config) { c.ClientID = "" }, Field: "moov: Config.ClientID: empty"},
		{Name: "ClientID with ':' in a Basic header", Edit: func(c *moov.Config) { c.ClientID = "a:b" }, Field: "moov: Config.ClientID:"},
		{Name: "empty ClientSecret", Edit: func(c *moov.Config) { c.ClientSecret = "" }, Field: "moov: Config.ClientSecret: empty"},
		{Name: "scope with a space inside", Edit: func(c *moov.Config) { c.Scopes = []string{"/accounts.read", "/a /b"} }, Field: "moov: Config.Scopes[1]:"},
		{Name: "empty scope", Edit: func(c *moov.Config) { c.Scopes = []string{""} }, Field: "moov: Config.Scopes[0]: empty scope"},
		{Name: "insecure BaseURL", Edit: func(c *moov.Config) { c.BaseURL = "http://api.moov.io" }, Field: "moov: Config.BaseURL:", Is: auth.ErrInsecureURL},
		{Name: "relative BaseURL", Edit: func(c *moov.Config) { c.BaseURL = "api.moov.io" }, Field: "moov: Config.BaseURL:"},
		{Name: "BaseURL with user info", Edit: func(c *moov.Config) { c.BaseURL = "https://u:p@api.moov.io" }, Field: "moov: Config.BaseURL:"},
		{Name: "unknown AuthStyle", Edit: func(c *moov.Config) { c.AuthStyle = 7 }, Field: "moov: Config.AuthStyle:"},
	}
	providertest.ConfigErrorsFrom(t, newServer, config, providertest.Always(200, okBody), cases, func(s *server, cfg *moov.Config) []error {
		_, refreshErr := cfg.Refresh(context.Background(), "rt")
		return append(providertest.ClientCredentialsUses(s, cfg), refreshErr)
	})

	t.Run("insecure BaseURL message", func(t *testing.T) {
		_, err := (&moov.Config{ClientID: "id", ClientSecret: "s", BaseURL: "http://api.moov.io"}).Token(context.Background())
		assert.Regexp(t, `^moov: Config\.BaseURL: .*insecure URL`, err.Error())
	})
	t.Run("nil Config", func(t *testing.T) {
		var cfg *moov.Config
		_, err := cfg.Token(context.Background())
		assert.Error(t, err)
		_, err = cfg.TokenSource().Token()
		assert.Error(t, err)
	})
	t.Run("loopback http is allowed, https anywhere", func(t *testing.T) {
		s := newServer(t, providertest.Always(200, okBody))
		for _, u := range []string{s.URL, strings.Replace(s.URL, "127.0.0.1", "localhost", 1)} {
			cfg := config(s)
			cfg.BaseURL = u
			_, err := cfg.Token(context.Background())
			assert.NoError(t, err, u)
		}
	})
}

// TestSecretNeverPrinted: a Config prints, marshals and logs without its
// secret.
func TestSecretNeverPrinted(t *testing.T) {
	cfg := moov.Config{ClientID: testID, ClientSecret: testSecret, Scopes: []string{"/accounts.read"}}
	providertest.ConfigRedacted(t, cfg, &cfg, cfg.ClientSecret, testID)
}

// TestInterop: tokens work with golang.org/x/oauth2 and through Client,
// always as Bearer, never as Moov's "opaque".
func TestInterop(t *testing.T) {
	cfg := config(newServer(t, providertest.Always(200, okBody)))
	providertest.TokenInterop(t, cfg, "i1qxz68gu50zp4i8ceyxqogmq7y0yienm52351c6", func(hc *http.Client) *http.Client { cfg.HTTPClient = hc; return cfg.Client() })
}

// TestClientRenewsAfter401: the API's 401 drops the token; the request is
// sent once more with one renewed through the refresh token.
func TestClientRenewsAfter401(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		providertest.Reply(w, 200, fmt.Sprintf(`{"access_token":"at-%d","expires_in":900,"refresh_token":"rt-%d","token_type":"opaque"}`, n, n))
	})
	var apiAuth []string
	api := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		apiAuth = append(apiAuth, r.Header.Get("Authorization"))
		if n == 1 {
			providertest.Reply(w, 401, `{}`)
			return
		}
		providertest.Reply(w, 200, `{}`)
	})
	resp, err := config(s).Client().Get(api.URL + "/accounts")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, []string{"Bearer at-1", "Bearer at-2"}, apiAuth)
	assert.Equal(t, "refresh_token", s.Requests()[1].Body["grant_type"])
}

// TestNetworkErrorRetried: a server that is not there is a network error,
// retried, and named after the provider.
func TestNetworkErrorRetried(t *testing.T) {
	s := newServer(t, providertest.Always(200, okBody))
	cfg := config(s)
	s.Close()
	_, err := cfg.Token(context.Background())
	require.Error(t, err)
	provider.AssertNamed(t, err)
	assert.Contains(t, err.Error(), "3 attempts")
	var ae *auth.Error
	assert.False(t, errors.As(err, &ae))
}

// TestDefaultBaseURL: with no BaseURL the request goes to Moov's documented
// endpoint.
func TestDefaultBaseURL(t *testing.T) {
	assert.Equal(t, "https://api.moov.io", moov.DefaultBaseURL)
	var urls []string
	cfg := &moov.Config{ClientID: testID, ClientSecret: testSecret, HTTPClient: providertest.Offline(200, okBody, &urls)}
	_, err := cfg.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"POST https://api.moov.io/oauth2/token"}, urls)
}

// TestEchoedCredentialsScrubbed: a server that answers invalid_grant
// quoting the refresh token and the credentials it got (JSON body, Basic
// header) gives an error with each replaced by [redacted].
func TestEchoedCredentialsScrubbed(t *testing.T) {
	const rt = "rt-5f0c9b1e7a2d4c68"
	for _, style := range []auth.AuthStyle{auth.InHeader, auth.InBody} {
		t.Run(style.String(), func(t *testing.T) {
			e := provider.EchoedCredentialsScrubbed(t, providertest.Echo[map[string]any, *moov.Config]{
				Edit: func(c *moov.Config) { c.AuthStyle = style },
				Fetch: func(c *moov.Config) error {
					_, err := c.Refresh(context.Background(), rt)
					return err
				},
				Status: 400, Kind: auth.ErrInvalidGrant, Secrets: []string{rt},
				Answer: func(got providertest.Request[map[string]any]) (string, map[string]string) {
					return rt + ":" + got.Authorization, map[string]string{"error": "invalid_grant",
						"error_description": "refresh token " + rt + " is spent; you sent " + got.Raw + " with " + got.Authorization}
				},
			})
			assert.Contains(t, e.Description, "refresh token [redacted] is spent")
		})
	}
}

// TestErrorMessageAfterRetries: after its retries, an error names the
// provider once and says how many attempts it took.
func TestErrorMessageAfterRetries(t *testing.T) {
	providertest.ErrorMessageAfterRetries(t, "moov", newServer, config)
}
