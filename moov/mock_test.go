package moov_test

import (
	"context"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providertest"
	"github.com/paytoken/paytoken/mockserver"
	"github.com/paytoken/paytoken/moov"
)

// TestAgainstMock: the SDK against the mock answering in each of Moov's shapes, the
// documentation page's (the default) and the OpenAPI document's.
func TestAgainstMock(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	for _, tc := range []struct {
		api       mockserver.MoovAPI
		tokenType string
	}{
		{mockserver.MoovSeed, "opaque"},
		{mockserver.MoovCurrent, "Bearer"},
	} {
		t.Run(string(tc.api), func(t *testing.T) {
			srv := mockserver.New(mockserver.WithMoovAPI(tc.api))
			t.Cleanup(srv.Close)
			cfg := func() *moov.Config {
				return &moov.Config{
					ClientID:     mockserver.DemoClientID(mockserver.Moov),
					ClientSecret: auth.Secret(mockserver.DemoClientSecret(mockserver.Moov)),
					Scopes:       []string{"/accounts.read"},
					BaseURL:      srv.URL,
					APIVersion:   "v2024.01.00",
				}
			}

			tok, err := cfg().Token(context.Background())
			require.NoError(t, err)
			assert.Equal(t, "Bearer", tok.TokenType)
			assert.Equal(t, tc.tokenType, tok.Extra("token_type"))
			providertest.AssertExpiry(t, 15*time.Minute, tok.Expiry)
			require.NotEmpty(t, tok.RefreshToken)

			renewed, err := cfg().Refresh(context.Background(), tok.RefreshToken)
			require.NoError(t, err)
			providertest.AssertExpiry(t, 15*time.Minute, renewed.Expiry)
			assert.NotEqual(t, tok.AccessToken, renewed.AccessToken)

			resp, err := cfg().Client().Get(srv.URL + "/moov/protected")
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			assert.Equal(t, http.StatusOK, resp.StatusCode)

			bad := cfg()
			bad.ClientSecret = "not-the-secret"
			_, err = bad.Token(context.Background())
			assert.ErrorIs(t, err, auth.ErrInvalidClient)
			var e *auth.Error
			require.ErrorAs(t, err, &e)
			assert.Regexp(t, uuid, e.RequestID, "the mock's x-request-id reaches the error")

			before := srv.Counts(mockserver.Moov).TokenRequests
			srv.InjectFault(mockserver.Moov, mockserver.Fault{Status: http.StatusUnprocessableEntity, Times: 1})
			_, err = cfg().Token(context.Background())
			assert.ErrorIs(t, err, auth.ErrInvalidRequest)
			require.ErrorAs(t, err, &e)
			assert.Equal(t, "fields failed validation: scope: is required when grant_type is client_credentials", e.Description)
			assert.Equal(t, before+1, srv.Counts(mockserver.Moov).TokenRequests, "a 422 is not retried")
		})
	}
}
