package moneykit_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providertest"
	"github.com/paytoken/paytoken/moneykit"
)

// What is MoneyKit's own: its answers' details, its renewals, its
// HTTPClient handling, its Config.

// allProblems: a Config with several problems names each.
func allProblems(t *testing.T) {
	_, err := (&moneykit.Config{BaseURL: "http://example.com"}).Token(context.Background())
	require.Error(t, err)
	for _, f := range []string{"Config.ClientID", "Config.ClientSecret", "Config.BaseURL"} {
		assert.Contains(t, err.Error(), f)
	}
}

// TestTokenSource: cached, renewed with a new client_credentials request,
// stored under the default key.
func TestTokenSource(t *testing.T) {
	src, s := providertest.TokenSourceStores(t, provider, func(w http.ResponseWriter, _ *http.Request, n int) {
		providertest.Reply(w, 201, fmt.Sprintf(`{"access_token":"at-%d","token_type":"bearer","expires_in":3600}`, n))
	}, func(id string) string { return auth.StoreKey("moneykit", id, "transactions:read", "accounts:read") }, "at-1")

	src.Invalidate()
	tok, err := src.Token()
	require.NoError(t, err)
	assert.Equal(t, "at-2", tok.AccessToken)
	reqs := s.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, reqs[0].Body, reqs[1].Body, "a renewal is the same client_credentials request")
}

// TestSecretNeverPrinted: a Config prints, marshals and logs without its
// secret.
func TestSecretNeverPrinted(t *testing.T) {
	cfg := moneykit.Config{ClientID: testID, ClientSecret: providertest.TestSecret}
	providertest.ConfigRedacted(t, cfg, &cfg, cfg.ClientSecret, testID)
}

// TestInterop: tokens work with golang.org/x/oauth2 and through Client, as
// Bearer (not MoneyKit's lower-case "bearer").
func TestInterop(t *testing.T) {
	cfg := provider.Config(provider.NewServer(t, created(okBody)))
	providertest.TokenInterop(t, cfg, "52ea3d1b4a7f4f9a53fffb67", func(hc *http.Client) *http.Client { cfg.HTTPClient = hc; return cfg.Client() })
}

// TestDefaultHTTPClient: with no HTTPClient the shared default one is
// used, and still refuses to follow redirects.
func TestDefaultHTTPClient(t *testing.T) {
	other := provider.NewServer(t, created(okBody))
	s := provider.NewServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Connection", "close") // leave no idle connection behind (goleak)
		if n == 1 {
			providertest.Reply(w, 201, okBody)
			return
		}
		http.Redirect(w, r, other.URL+"/auth/token", http.StatusFound)
	})
	cfg := provider.Config(s)
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
	other := provider.NewServer(t, created(okBody))
	s := provider.NewServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		http.Redirect(w, r, other.URL+"/auth/token", http.StatusTemporaryRedirect)
	})
	hc := s.Client()
	followed := 0
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { followed++; return nil }
	cfg := provider.Config(s)
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
	cfg := &moneykit.Config{ClientID: provider.ID(), ClientSecret: providertest.TestSecret, HTTPClient: providertest.Offline(201, okBody, &urls)}
	_, err := cfg.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"POST https://api.moneykit.com/auth/token"}, urls)
}
