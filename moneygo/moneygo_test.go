package moneygo_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/internal/providertest"
	"github.com/paytoken/paytoken/moneygo"
)

// What is Money-Go's own: its hosts, its documented answer, its Config.

// TestSecretNeverPrinted: a Config prints, marshals and logs without its
// secret.
func TestSecretNeverPrinted(t *testing.T) {
	cfg := moneygo.Config{ClientID: testID, ClientSecret: providertest.TestSecret, BaseURL: moneygo.SandboxBaseURL}
	providertest.ConfigRedacted(t, cfg, &cfg, cfg.ClientSecret, testID)
}

// TestInterop: tokens work with golang.org/x/oauth2 and through Client.
func TestInterop(t *testing.T) {
	cfg := provider.Config(provider.NewServer(t, providertest.Always(200, okBody)))
	providertest.TokenInterop(t, cfg, "mgo_8f14e45fceea167a5a36", func(hc *http.Client) *http.Client { cfg.HTTPClient = hc; return cfg.Client() })
}

// TestDefaultBaseURL: with no BaseURL the request goes to Money-Go's
// documented endpoint; SandboxBaseURL to its test host.
func TestDefaultBaseURL(t *testing.T) {
	assert.Equal(t, "https://api.money-go.com", moneygo.DefaultBaseURL)
	assert.Equal(t, "https://api.money-go-test.com", moneygo.SandboxBaseURL)
	var urls []string
	cfg := &moneygo.Config{ClientID: provider.ID(), ClientSecret: providertest.TestSecret, HTTPClient: providertest.Offline(200, okBody, &urls)}
	_, err := cfg.Token(context.Background())
	require.NoError(t, err)
	cfg.BaseURL = moneygo.SandboxBaseURL
	_, err = cfg.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"POST https://api.money-go.com/token", "POST https://api.money-go-test.com/token"}, urls)
}
