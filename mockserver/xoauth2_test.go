package mockserver_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/paytoken/paytoken/mockserver"
)

// An unmodified golang.org/x/oauth2/clientcredentials client gets tokens from the mock's
// Moov and MoneyKit endpoints: a standard client must work against our fake. It sends a form
// body; Moov mirrors it with a form answer, MoneyKit answers 201, which x/oauth2 accepts.
func TestXOAuth2ClientCredentials(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, c)
	styles := map[string]oauth2.AuthStyle{
		"header":      oauth2.AuthStyleInHeader,
		"params":      oauth2.AuthStyleInParams,
		"auto-detect": oauth2.AuthStyleAutoDetect,
	}
	for _, p := range []mockserver.Provider{mockserver.Moov, mockserver.MoneyKit} {
		for name, style := range styles {
			t.Run(string(p)+" "+name, func(t *testing.T) {
				id, secret := demo(p)
				cfg := clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: srv.TokenURL(p), AuthStyle: style, Scopes: []string{"/accounts.read"}}
				tok, err := cfg.Token(ctx)
				require.NoError(t, err)
				assert.Len(t, tok.AccessToken, 64)
				assert.True(t, tok.Valid())
				if p == mockserver.Moov {
					assert.Equal(t, "opaque", tok.TokenType)
					assert.NotEmpty(t, tok.RefreshToken)
					assert.Equal(t, "/accounts.read", tok.Extra("scope"))
				} else {
					assert.Equal(t, "bearer", tok.TokenType)
				}
			})
		}
	}
}

// The Moov trap: x/oauth2 sends the token_type it got as the Authorization scheme, so with
// Moov's "opaque" it sends "Authorization: opaque …", which Moov's API (and the mock's
// protected endpoint) refuse. MoneyKit's "bearer" is normalised to "Bearer" by x/oauth2 and
// works. paytoken's provider packages always send Bearer (see the SDK tests in cmd/paytoken
// and this package's e2e tests).
func TestXOAuth2MoovTokenTypeTrap(t *testing.T) {
	srv, c := newServer(t)
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, c)
	get := func(p mockserver.Provider) (int, string) {
		id, secret := demo(p)
		cfg := clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: srv.TokenURL(p)}
		resp, err := cfg.Client(ctx).Get(srv.ProtectedURL())
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	st, body := get(mockserver.Moov)
	assert.Equal(t, http.StatusUnauthorized, st, "x/oauth2 sends Authorization: opaque …: %s", body)
	assert.Contains(t, body, "Authorization: Bearer")
	st, body = get(mockserver.MoneyKit)
	assert.Equal(t, http.StatusOK, st, body)
}
