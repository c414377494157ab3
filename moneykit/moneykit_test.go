package moneykit_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providertest"
	"github.com/paytoken/paytoken/moneykit"
)

// TestTokenRequest: the exact request MoneyKit receives.
func TestTokenRequest(t *testing.T) {
	const form = "application/x-www-form-urlencoded"
	body := func(inBody bool, scope ...string) func(id string) url.Values {
		return func(id string) url.Values {
			v := url.Values{"grant_type": {"client_credentials"}}
			if inBody {
				v["client_id"], v["client_secret"] = []string{id}, []string{testSecret}
			}
			if scope != nil {
				v["scope"] = scope
			}
			return v
		}
	}
	noEmptyScope := func(t *testing.T, r providertest.Request[url.Values]) {
		assert.NotContains(t, r.Raw, "scope=&")
		assert.False(t, strings.HasSuffix(r.Raw, "scope="), r.Raw)
	}
	provider.TokenRequest(t, []providertest.RequestCase[url.Values, *moneykit.Config]{
		{
			Name: "Basic header (default), scopes space-joined", Path: "/auth/token", Basic: true, ContentType: form,
			Want: body(false, "accounts:read transactions:read"), Check: noEmptyScope,
		},
		{
			Name: "body credentials", Edit: func(_ *server, c *moneykit.Config) { c.AuthStyle = auth.InBody }, Path: "/auth/token", ContentType: form,
			Want: body(true, "accounts:read transactions:read"), Check: noEmptyScope,
		},
		{
			Name: "no scopes: no scope field at all (not scope=)", Edit: func(_ *server, c *moneykit.Config) { c.Scopes = nil }, Path: "/auth/token", Basic: true, ContentType: form,
			Want: body(false), Check: noEmptyScope,
		},
		{
			Name: "body credentials, empty scopes", Edit: func(_ *server, c *moneykit.Config) { c.Scopes, c.AuthStyle = []string{}, auth.InBody }, Path: "/auth/token", ContentType: form,
			Want: body(true), Check: noEmptyScope,
		},
	})
}

// TestBasicHeaderDecodes: the secret arrives whole through the header.
func TestBasicHeaderDecodes(t *testing.T) {
	provider.BasicHeaderDecodes(t, providertest.Always(201, okBody), testSecret)
}

// TestTokenAnswers: MoneyKit's 201 and the forms expires_in takes.
func TestTokenAnswers(t *testing.T) {
	future := time.Now().Add(3 * time.Hour).Unix()
	provider.TokenAnswers(t, []providertest.AnswerCase{
		{Name: "documented 201", Status: 201, Body: okBody, Expiry: time.Hour},
		{Name: "200 works too", Status: 200, Body: okBody, Expiry: time.Hour},
		{Name: "expires_in as a numeric string", Status: 201, Body: `{"access_token":"a","token_type":"bearer","expires_in":"1800"}`, Expiry: 30 * time.Minute},
		{Name: "expires_in as a Unix time", Status: 201, Body: `{"access_token":"a","token_type":"bearer","expires_in":` + strconv.FormatInt(future, 10) + `}`, Expiry: 3 * time.Hour},
		{Name: "expires_in absent: 1 hour", Status: 201, Body: `{"access_token":"a","token_type":"bearer"}`, Expiry: time.Hour},
	})
	t.Run("documented fields", func(t *testing.T) {
		s := newServer(t, created(okBody))
		tok, err := config(s).Token(context.Background())
		require.NoError(t, err)
		assert.Equal(t, "52ea3d1b4a7f4f9a53fffb67", tok.AccessToken)
		assert.Equal(t, "bearer", tok.Extra("token_type"))
		assert.Empty(t, tok.RefreshToken)
		assert.InDelta(t, 3600, tok.ExpiresIn, 2)
	})
	t.Run("201 with a Content-Type the generated client would not parse", func(t *testing.T) {
		s := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(201)
			fmt.Fprint(w, okBody)
		})
		tok, err := config(s).Token(context.Background())
		require.NoError(t, err)
		assert.Equal(t, "52ea3d1b4a7f4f9a53fffb67", tok.AccessToken)
	})
}

// TestTokenErrors: MoneyKit's error body mapped onto auth.Error, and what
// is kept of answers that are not in that shape.
func TestTokenErrors(t *testing.T) {
	const doc = "https://docs.moneykit.com/errors#unauthorized"
	// One attempt: the outcome of each answer, not the retries.
	provider.TokenErrors(t, providertest.OneAttempt, []providertest.ErrorCase{
		{
			Name: "400 documented", Status: 400, CType: "application/json",
			Body: `{"error_code":"api_error.auth.unauthorized","error_message":"Accounts access not permitted","documentation_url":"` + doc + `"}`,
			Kind: auth.ErrInvalidClient, Code: "api_error.auth.unauthorized", Desc: "Accounts access not permitted", URI: doc, Attempts: 1,
		},
		{
			Name: "401 documented", Status: 401, CType: "application/json",
			Body: `{"error_code":"api_error.auth.unauthorized","error_message":"Accounts access not permitted","documentation_url":"` + doc + `"}`,
			Kind: auth.ErrInvalidClient, Code: "api_error.auth.unauthorized", Desc: "Accounts access not permitted", URI: doc, Attempts: 1,
		},
		{
			// MoneyKit's OpenAPI document requires only error_message; an absent
			// error_code is its documented default, api_error.auth.unauthorized.
			Name: "400 with only error_message", Status: 400, CType: "application/json",
			Body: `{"error_message":"Invalid grant_type"}`,
			Kind: auth.ErrInvalidClient, Code: "api_error.auth.unauthorized", Desc: "Invalid grant_type", Attempts: 1,
		},
		{
			Name: "401 with only error_message", Status: 401, CType: "application/json",
			Body: `{"error_message":"Accounts access not permitted"}`,
			Kind: auth.ErrInvalidClient, Code: "api_error.auth.unauthorized", Desc: "Accounts access not permitted", Attempts: 1,
		},
		{
			Name: "503 with only error_message: no default code, a server error", Status: 503, CType: "application/json",
			Body: `{"error_message":"maintenance"}`,
			Kind: auth.ErrServer, Code: "", Desc: "maintenance", Attempts: 1,
		},
		{
			Name: "401 expired access token", Status: 401, CType: "application/json",
			Body: `{"error_code":"api_error.auth.expired_access_token","error_message":"Access token expired"}`,
			Kind: auth.ErrInvalidGrant, Code: "api_error.auth.expired_access_token", Desc: "Access token expired", Attempts: 1,
		},
		{
			Name: "429 rate limit exceeded", Status: 429, Header: map[string]string{"Retry-After": "90"}, CType: "application/json",
			Body: `{"error_code":"api_error.rate_limit_exceeded","error_message":"Slow down"}`,
			Kind: auth.ErrRateLimited, Code: "api_error.rate_limit_exceeded", Desc: "Slow down", RetryAfter: 90 * time.Second, Attempts: 1,
		},
		{
			Name: "400 in the generic OAuth2 shape", Status: 400, CType: "application/json",
			Body: `{"error":"unsupported_grant_type"}`, Kind: auth.ErrUnsupportedGrantType, Code: "unsupported_grant_type", Attempts: 1,
		},
		{
			Name: "502 HTML gateway page", Status: 502, CType: "text/html",
			Body: `<html><head><title>502 Bad Gateway</title></head></html>`, Kind: auth.ErrServer, Attempts: 1,
		},
		{
			Name: "201 without access_token", Status: 201, CType: "application/json",
			Body: `{"token_type":"bearer","expires_in":3600}`, Kind: auth.ErrMalformedResponse, Attempts: 1,
		},
		{
			Name: "201 with an empty access_token", Status: 201, CType: "application/json",
			Body: `{"access_token":"","token_type":"bearer","expires_in":3600}`, Kind: auth.ErrMalformedResponse, Attempts: 1,
		},
	})
}

// TestRetries: Token retries what can pass (429 after its Retry-After, 5xx)
// and nothing else.
func TestRetries(t *testing.T) {
	// How long a retry waits is auth's business, tested there on a fake
	// clock; here, that the server's wait reaches the Error and is waited.
	t.Run("429 with an HTTP-date Retry-After", func(t *testing.T) {
		s := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
			w.Header().Set("Retry-After", time.Now().Add(2*time.Second).UTC().Format(http.TimeFormat))
			providertest.Reply(w, 429, `{"error_code":"api_error.rate_limit_exceeded","error_message":"Slow down"}`)
		})
		_, err := config(s).TokenSource(auth.WithRetry(auth.RetryPolicy{MaxAttempts: 1})).Token()
		assert.ErrorIs(t, err, auth.ErrRateLimited)
		var e *auth.Error
		require.ErrorAs(t, err, &e)
		assert.Greater(t, e.RetryAfter, time.Duration(0))
		assert.LessOrEqual(t, e.RetryAfter, 2*time.Second, "an HTTP-date has whole seconds")
	})
	// The code, not the status, says rate limited: a 400 carrying
	// api_error.rate_limit_exceeded is retried after its X-Retry-In like a 429.
	for _, tc := range []struct {
		name   string
		status int
	}{
		{"429 with X-Retry-In 50, then 201", 429},
		{"api_error.rate_limit_exceeded with a 400, then 201", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			provider.WaitedThenOK(t, tc.status, `{"error_code":"api_error.rate_limit_exceeded","error_message":"Slow down"}`, "52ea3d1b4a7f4f9a53fffb67")
		})
	}
	t.Run("503 three times", func(t *testing.T) {
		s := newServer(t, providertest.Always(503, `upstream down`))
		_, err := config(s).Token(context.Background())
		assert.ErrorIs(t, err, auth.ErrServer)
		assert.Len(t, s.Requests(), 3)
		provider.AssertNamed(t, err)
	})
	t.Run("401 once", func(t *testing.T) {
		s := newServer(t, providertest.Always(401, `{"error_code":"api_error.auth.unauthorized","error_message":"no"}`))
		_, err := config(s).Token(context.Background())
		assert.ErrorIs(t, err, auth.ErrInvalidClient)
		assert.Len(t, s.Requests(), 1)
	})
}

// TestRedirectNotFollowed: a 3xx is an error; the credentials never reach
// the Location.
func TestRedirectNotFollowed(t *testing.T) {
	provider.RedirectNotFollowed(t, "/auth/token", http.StatusPermanentRedirect)
}

// TestTokenSource: cached, renewed with a new client_credentials request,
// stored under the default key.
func TestTokenSource(t *testing.T) {
	s := newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		providertest.Reply(w, 201, fmt.Sprintf(`{"access_token":"at-%d","token_type":"bearer","expires_in":3600}`, n))
	})
	store := new(auth.MemoryStore)
	cfg := config(s)
	src := cfg.TokenSource(auth.WithStore(store, ""))
	for range 3 {
		tok, err := src.Token()
		require.NoError(t, err)
		assert.Equal(t, "at-1", tok.AccessToken)
	}
	saved, err := store.Load(context.Background(), auth.StoreKey("moneykit", s.ClientID, "transactions:read", "accounts:read"))
	require.NoError(t, err)
	require.NotNil(t, saved)
	assert.Equal(t, "at-1", saved.AccessToken)

	src.Invalidate()
	tok, err := src.Token()
	require.NoError(t, err)
	assert.Equal(t, "at-2", tok.AccessToken)
	reqs := s.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, reqs[0].Body, reqs[1].Body, "a renewal is the same client_credentials request")
}

// TestConfigErrors: a Config that cannot work fails on first use, naming
// the field, and sends nothing.
func TestConfigErrors(t *testing.T) {
	providertest.ConfigErrors(t, newServer, config, created(okBody), []providertest.ConfigCase[*moneykit.Config]{
		{Name: "empty ClientID", Edit: func(c *moneykit.Config) { c.ClientID = "" }, Field: "moneykit: Config.ClientID: empty"},
		{Name: "empty ClientSecret", Edit: func(c *moneykit.Config) { c.ClientSecret = "" }, Field: "moneykit: Config.ClientSecret: empty"},
		{Name: "scope with a space inside", Edit: func(c *moneykit.Config) { c.Scopes = []string{"accounts:read transactions:read"} }, Field: "moneykit: Config.Scopes[0]:"},
		{Name: "scope with a control character", Edit: func(c *moneykit.Config) { c.Scopes = []string{"a", "b\n"} }, Field: "moneykit: Config.Scopes[1]:"},
		{Name: "insecure BaseURL", Edit: func(c *moneykit.Config) { c.BaseURL = "http://api.moneykit.com" }, Field: "moneykit: Config.BaseURL:", Is: auth.ErrInsecureURL},
		{Name: "BaseURL with a query", Edit: func(c *moneykit.Config) { c.BaseURL = "https://api.moneykit.com?x=1" }, Field: "moneykit: Config.BaseURL:"},
		{Name: "ftp BaseURL", Edit: func(c *moneykit.Config) { c.BaseURL = "ftp://api.moneykit.com" }, Field: "moneykit: Config.BaseURL:"},
		{Name: "unknown AuthStyle", Edit: func(c *moneykit.Config) { c.AuthStyle = -1 }, Field: "moneykit: Config.AuthStyle:"},
	})
	t.Run("all problems at once", func(t *testing.T) {
		_, err := (&moneykit.Config{BaseURL: "http://example.com"}).Token(context.Background())
		require.Error(t, err)
		for _, f := range []string{"Config.ClientID", "Config.ClientSecret", "Config.BaseURL"} {
			assert.Contains(t, err.Error(), f)
		}
	})
}

// TestSecretNeverPrinted: a Config prints, marshals and logs without its
// secret.
func TestSecretNeverPrinted(t *testing.T) {
	cfg := moneykit.Config{ClientID: testID, ClientSecret: testSecret}
	providertest.ConfigRedacted(t, cfg, &cfg, cfg.ClientSecret, testID)
}

// TestInterop: tokens work with golang.org/x/oauth2 and through Client, as
// Bearer (not MoneyKit's lower-case "bearer").
func TestInterop(t *testing.T) {
	cfg := config(newServer(t, created(okBody)))
	providertest.TokenInterop(t, cfg, "52ea3d1b4a7f4f9a53fffb67", func(hc *http.Client) *http.Client { cfg.HTTPClient = hc; return cfg.Client() })
}

// TestDefaultHTTPClient: with no HTTPClient the shared default one is
// used, and still refuses to follow redirects.
func TestDefaultHTTPClient(t *testing.T) {
	other := newServer(t, created(okBody))
	s := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Connection", "close") // leave no idle connection behind (goleak)
		if n == 1 {
			providertest.Reply(w, 201, okBody)
			return
		}
		http.Redirect(w, r, other.URL+"/auth/token", http.StatusFound)
	})
	cfg := config(s)
	cfg.HTTPClient = nil
	tok, err := cfg.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "Bearer", tok.TokenType)
	_, err = cfg.Token(context.Background())
	var e *auth.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, http.StatusFound, e.StatusCode)
	assert.Empty(t, other.Requests())
}

// TestUserClientRedirectPolicyIgnored: an HTTPClient that follows
// redirects still does not, for token requests; the caller's client is not
// changed.
func TestUserClientRedirectPolicyIgnored(t *testing.T) {
	other := newServer(t, created(okBody))
	s := newServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		http.Redirect(w, r, other.URL+"/auth/token", http.StatusTemporaryRedirect)
	})
	hc := s.Client()
	followed := 0
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { followed++; return nil }
	cfg := config(s)
	cfg.HTTPClient = hc
	_, err := cfg.Token(context.Background())
	require.Error(t, err)
	assert.Zero(t, followed)
	assert.Empty(t, other.Requests())
	assert.NotNil(t, hc.CheckRedirect)
}

// TestDefaultBaseURL: with no BaseURL the request goes to MoneyKit's
// documented endpoint.
func TestDefaultBaseURL(t *testing.T) {
	assert.Equal(t, "https://api.moneykit.com", moneykit.DefaultBaseURL)
	var urls []string
	cfg := &moneykit.Config{ClientID: provider.ID(), ClientSecret: testSecret, HTTPClient: providertest.Offline(201, okBody, &urls)}
	_, err := cfg.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"POST https://api.moneykit.com/auth/token"}, urls)
}

// TestEchoedCredentialsScrubbed: a server that answers an error quoting the
// request it got (the form body with the form-encoded secret, or the Basic
// header) in its message, its X-Request-Id and its documentation_url gives
// an error with every form of the secret replaced by [redacted].
func TestEchoedCredentialsScrubbed(t *testing.T) {
	for _, style := range []auth.AuthStyle{auth.InHeader, auth.InBody} {
		t.Run(style.String(), func(t *testing.T) {
			e := provider.EchoedCredentialsScrubbed(t, providertest.Echo[url.Values, *moneykit.Config]{
				Edit:   func(c *moneykit.Config) { c.AuthStyle = style },
				Status: 401, Kind: auth.ErrInvalidClient,
				Answer: func(got providertest.Request[url.Values]) (string, map[string]string) {
					return testSecret + " " + got.Authorization, map[string]string{"error_code": "api_error.auth.unauthorized",
						"error_message":     "you sent " + got.Raw + " with " + got.Authorization,
						"documentation_url": "https://docs.example/?s=" + url.QueryEscape(testSecret)}
				},
			})
			assert.Contains(t, e.URI, "s=[redacted]")
		})
	}
}

// TestErrorMessageAfterRetries: after its retries, an error names the
// provider once and says how many attempts it took.
func TestErrorMessageAfterRetries(t *testing.T) {
	providertest.ErrorMessageAfterRetries(t, "moneykit", newServer, config)
}
