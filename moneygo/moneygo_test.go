package moneygo_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providertest"
	"github.com/paytoken/paytoken/moneygo"
)

func TestConstants(t *testing.T) {
	assert.Equal(t, "https://api.money-go.com", moneygo.DefaultBaseURL)
	assert.Equal(t, "https://api.money-go-test.com", moneygo.SandboxBaseURL)
}

// TestTokenRequest: the exact request Money-Go receives: its documented
// JSON body, credentials in it, no Authorization header.
func TestTokenRequest(t *testing.T) {
	body := func(scope string) func(id string) map[string]any {
		return func(id string) map[string]any {
			return map[string]any{"grant_type": "client_credentials", "client_id": id, "client_secret": testSecret, "scope": scope}
		}
	}
	provider.TokenRequest(t, []providertest.RequestCase[map[string]any, *moneygo.Config]{
		{Name: "default scope", Path: "/token", ContentType: "application/json", Want: body("api")},
		{Name: "scope as given", Edit: func(_ *server, c *moneygo.Config) { c.Scope = "api payouts" }, Path: "/token", ContentType: "application/json", Want: body("api payouts")},
	})
}

// TestTokenAnswers: the documented answer and the forms expires_in takes.
func TestTokenAnswers(t *testing.T) {
	future := time.Now().Add(48 * time.Hour).Unix()
	provider.TokenAnswers(t, []providertest.AnswerCase{
		{Name: "documented: 30 days", Body: okBody, Expiry: 30 * 24 * time.Hour},
		{Name: "expires_in as a numeric string", Body: `{"token_type":"Bearer","expires_in":"86400","access_token":"a"}`, Expiry: 24 * time.Hour},
		{Name: "expires_in as a Unix time", Body: `{"token_type":"Bearer","expires_in":` + strconv.FormatInt(future, 10) + `,"access_token":"a"}`, Expiry: 48 * time.Hour},
		{Name: "expires_in absent: 30 days", Body: `{"token_type":"Bearer","access_token":"a"}`, Expiry: 30 * 24 * time.Hour},
		{Name: "expires_in 0: 30 days", Body: `{"token_type":"Bearer","expires_in":0,"access_token":"a"}`, Expiry: 30 * 24 * time.Hour},
		{Name: "lower-case bearer", Body: `{"token_type":"bearer","expires_in":2592000,"access_token":"a"}`, Expiry: 30 * 24 * time.Hour},
		{Name: "no token_type", Body: `{"expires_in":2592000,"access_token":"a"}`, Expiry: 30 * 24 * time.Hour},
	})
	t.Run("documented fields", func(t *testing.T) {
		s := newServer(t, providertest.Always(200, okBody))
		tok, err := config(s).Token(context.Background())
		require.NoError(t, err)
		assert.Equal(t, "mgo_8f14e45fceea167a5a36", tok.AccessToken)
		assert.InDelta(t, 2592000, tok.ExpiresIn, 2)
		assert.Equal(t, "Bearer", tok.Extra("token_type"))
	})
}

// TestTokenErrors: Money-Go documents no errors; status and body are kept
// whatever they are, and the generic OAuth2 shape is read when present.
func TestTokenErrors(t *testing.T) {
	id := map[string]string{"X-Request-Id": "req-77"}
	provider.TokenErrors(t, providertest.OneAttempt, []providertest.ErrorCase{
		{Name: "401 generic OAuth2 body", Status: 401, Header: id, CType: "application/json", Body: `{"error":"invalid_client","error_description":"Client authentication failed"}`, Kind: auth.ErrInvalidClient, Code: "invalid_client", Desc: "Client authentication failed"},
		{Name: "400 generic OAuth2 body", Status: 400, Header: id, CType: "application/json", Body: `{"error":"invalid_scope"}`, Kind: auth.ErrInvalidRequest, Code: "invalid_scope"},
		{Name: "401 with an unknown body", Status: 401, Header: id, CType: "application/json", Body: `{"message":"Unauthenticated."}`, Kind: auth.ErrInvalidClient},
		{Name: "403 plain text", Status: 403, Header: id, CType: "text/plain", Body: `Forbidden`, Kind: auth.ErrInvalidGrant},
		{Name: "502 HTML gateway page", Status: 502, Header: id, CType: "text/html", Body: `<html><body>Bad Gateway</body></html>`, Kind: auth.ErrServer},
		{Name: "200 without access_token", Status: 200, Header: id, CType: "application/json", Body: `{"token_type":"Bearer","expires_in":2592000,"access_token":""}`, Kind: auth.ErrMalformedResponse},
		{Name: "200 that is not JSON", Status: 200, Header: id, CType: "text/html", Body: `<html>maintenance</html>`, Kind: auth.ErrMalformedResponse},
		{Name: "200 with token_type mac", Status: 200, Header: id, CType: "application/json", Body: `{"token_type":"mac","access_token":"a"}`, Kind: auth.ErrMalformedResponse},
	})
}

// TestRetries: Token retries a 5xx and a 429 (after its Retry-After), not
// a 4xx.
func TestRetries(t *testing.T) {
	t.Run("502 then 200", func(t *testing.T) {
		s := newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
			if n == 1 {
				w.WriteHeader(502)
				fmt.Fprint(w, "<html>Bad Gateway</html>")
				return
			}
			providertest.Reply(w, 200, okBody)
		})
		tok, err := config(s).Token(context.Background())
		require.NoError(t, err)
		assert.Equal(t, "mgo_8f14e45fceea167a5a36", tok.AccessToken)
		assert.Len(t, s.Requests(), 2)
	})
	// How long a retry waits is auth's business, tested there on a fake
	// clock; here, that the server's wait reaches the Error and is waited.
	t.Run("429 Retry-After 1", func(t *testing.T) {
		s := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(429)
		})
		_, err := config(s).TokenSource(auth.WithRetry(auth.RetryPolicy{MaxAttempts: 1})).Token()
		assert.ErrorIs(t, err, auth.ErrRateLimited)
		var e *auth.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, time.Second, e.RetryAfter)
	})
	t.Run("429 X-Retry-In 50, then 200", func(t *testing.T) {
		provider.WaitedThenOK(t, 429, ``, "mgo_8f14e45fceea167a5a36")
	})
	t.Run("400 once", func(t *testing.T) {
		s := newServer(t, providertest.Always(400, `{"error":"invalid_request"}`))
		_, err := config(s).Token(context.Background())
		assert.ErrorIs(t, err, auth.ErrInvalidRequest)
		assert.Len(t, s.Requests(), 1)
	})
	t.Run("the caller's deadline bounds the retries", func(t *testing.T) {
		s := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
			w.Header().Set("Retry-After", "20")
			w.WriteHeader(503)
		})
		// A deadline the answer surely comes within, even on a loaded
		// machine, and that the asked-for wait would pass.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		start := time.Now()
		_, err := config(s).Token(ctx)
		assert.ErrorIs(t, err, auth.ErrServer)
		assert.Less(t, time.Since(start), 5*time.Second, "returned at once, not at the deadline")
		assert.Len(t, s.Requests(), 1)
	})
}

// TestRedirectNotFollowed: a 3xx is an error; the credentials never reach
// the Location.
func TestRedirectNotFollowed(t *testing.T) {
	provider.RedirectNotFollowed(t, "/token", http.StatusMovedPermanently)
}

// TestTokenSource: cached, and stored under the default key.
func TestTokenSource(t *testing.T) {
	s := newServer(t, providertest.Always(200, okBody))
	store := new(auth.MemoryStore)
	src := config(s).TokenSource(auth.WithStore(store, ""))
	for range 3 {
		tok, err := src.Token()
		require.NoError(t, err)
		assert.Equal(t, "mgo_8f14e45fceea167a5a36", tok.AccessToken)
	}
	assert.Len(t, s.Requests(), 1)
	saved, err := store.Load(context.Background(), auth.StoreKey("moneygo", s.ClientID, "api"))
	require.NoError(t, err)
	require.NotNil(t, saved)
	assert.Equal(t, "mgo_8f14e45fceea167a5a36", saved.AccessToken)
}

// TestConfigErrors: a Config that cannot work fails on first use, naming
// the field, and sends nothing.
func TestConfigErrors(t *testing.T) {
	providertest.ConfigErrors(t, newServer, config, providertest.Always(200, okBody), []providertest.ConfigCase[*moneygo.Config]{
		{Name: "empty ClientID", Edit: func(c *moneygo.Config) { c.ClientID = "" }, Field: "moneygo: Config.ClientID: empty"},
		{Name: "empty ClientSecret", Edit: func(c *moneygo.Config) { c.ClientSecret = "" }, Field: "moneygo: Config.ClientSecret: empty"},
		{Name: "Scope with a trailing space", Edit: func(c *moneygo.Config) { c.Scope = "api " }, Field: "moneygo: Config.Scope:"},
		{Name: "Scope with a double space", Edit: func(c *moneygo.Config) { c.Scope = "api  payouts" }, Field: "moneygo: Config.Scope:"},
		{Name: "insecure BaseURL", Edit: func(c *moneygo.Config) { c.BaseURL = "http://api.money-go.com" }, Field: "moneygo: Config.BaseURL:", Is: auth.ErrInsecureURL},
		{Name: "BaseURL not a URL", Edit: func(c *moneygo.Config) { c.BaseURL = "://x" }, Field: "moneygo: Config.BaseURL:"},
	})
}

// TestSecretNeverPrinted: a Config prints, marshals and logs without its
// secret.
func TestSecretNeverPrinted(t *testing.T) {
	cfg := moneygo.Config{ClientID: testID, ClientSecret: testSecret, BaseURL: moneygo.SandboxBaseURL}
	providertest.ConfigRedacted(t, cfg, &cfg, cfg.ClientSecret, testID)
}

// TestInterop: tokens work with golang.org/x/oauth2 and through Client.
func TestInterop(t *testing.T) {
	cfg := config(newServer(t, providertest.Always(200, okBody)))
	providertest.TokenInterop(t, cfg, "mgo_8f14e45fceea167a5a36", func(hc *http.Client) *http.Client { cfg.HTTPClient = hc; return cfg.Client() })
}

// TestDefaultBaseURL: with no BaseURL the request goes to Money-Go's
// documented endpoint; SandboxBaseURL to its test host.
func TestDefaultBaseURL(t *testing.T) {
	var urls []string
	cfg := &moneygo.Config{ClientID: provider.ID(), ClientSecret: testSecret, HTTPClient: providertest.Offline(200, okBody, &urls)}
	_, err := cfg.Token(context.Background())
	require.NoError(t, err)
	cfg.BaseURL = moneygo.SandboxBaseURL
	_, err = cfg.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"POST https://api.money-go.com/token", "POST https://api.money-go-test.com/token"}, urls)
}

// TestEchoedCredentialsScrubbed: a server that answers an error quoting the
// request it got (the secret in its JSON body) in its description, its
// X-Request-Id and its code gives an error with the secret replaced by
// [redacted], in the message and in every field of the *auth.Error.
func TestEchoedCredentialsScrubbed(t *testing.T) {
	e := provider.EchoedCredentialsScrubbed(t, providertest.Echo[map[string]any, *moneygo.Config]{
		Status: 401, Kind: auth.ErrInvalidClient,
		Answer: func(got providertest.Request[map[string]any]) (string, map[string]string) {
			return testSecret, map[string]string{"error": "invalid_client", "error_description": "you sent " + got.Raw,
				"error_uri": "https://docs.example/?s=" + url.QueryEscape(testSecret)}
		},
	})
	assert.Contains(t, e.Description, `"client_secret":"[redacted]"`)
	assert.Equal(t, "[redacted]", e.RequestID)
}

// TestErrorMessageAfterRetries: after its retries, an error names the
// provider once and says how many attempts it took.
func TestErrorMessageAfterRetries(t *testing.T) {
	providertest.ErrorMessageAfterRetries(t, "moneygo", newServer, config)
}
