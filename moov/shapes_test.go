package moov_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providertest"
)

// shape is one of the two ways Moov's sources show a token answer.
type shape struct {
	name      string
	tokenType string // the raw token_type
	requestID string // the x-request-id header, "" for none
	// body is the token answer for the nth request, expires_in a number
	// of seconds or a Unix time.
	body func(n int) string
}

// shapes: Moov's documentation page (opaque, 900 seconds, no request id)
// and Moov's OpenAPI document (Bearer, the Unix time of expiry, an
// x-request-id on every answer).
func shapes() []shape {
	return []shape{
		{
			name: "documentation page", tokenType: "opaque",
			body: func(n int) string {
				return fmt.Sprintf(`{"access_token":"at-%d","expires_in":900,"refresh_token":"rt-%d","scope":"/accounts.read /accounts.write","token_type":"opaque"}`, n, n)
			},
		},
		{
			name: "OpenAPI document", tokenType: "Bearer", requestID: "5a6fbe4e-5d70-4d0e-a2b7-2f7c1f1ac2d4",
			body: func(n int) string {
				exp := time.Now().Add(900 * time.Second).Unix()
				return fmt.Sprintf(`{"access_token":"at-%d","expires_in":%d,"refresh_token":"rt-%d","scope":"/accounts.read /accounts.write","token_type":"Bearer"}`, n, exp, n)
			},
		},
	}
}

func (sh shape) answer(status func(n int) (int, string)) providertest.Answer {
	return func(w http.ResponseWriter, _ *http.Request, n int) {
		if sh.requestID != "" {
			w.Header()["x-request-id"] = []string{sh.requestID} // lower case on the wire
		}
		code, body := http.StatusOK, sh.body(n)
		if status != nil {
			if c, b := status(n); c != 0 {
				code, body = c, b
			}
		}
		providertest.Reply(w, code, body)
	}
}

// TestBothShapes: every token behaviour holds against both of Moov's shapes.
func TestBothShapes(t *testing.T) {
	for _, sh := range shapes() {
		t.Run(sh.name, func(t *testing.T) {
			t.Run("Token", func(t *testing.T) {
				s := newServer(t, sh.answer(nil))
				tok, err := config(s).Token(context.Background())
				require.NoError(t, err)
				assert.Equal(t, "at-1", tok.AccessToken)
				assert.Equal(t, "rt-1", tok.RefreshToken)
				assert.Equal(t, "Bearer", tok.TokenType)
				assert.Equal(t, sh.tokenType, tok.Extra("token_type"))
				assert.Equal(t, "/accounts.read /accounts.write", tok.Extra("scope"))
				providertest.AssertExpiry(t, 900*time.Second, tok.Expiry)
			})

			t.Run("Refresh", func(t *testing.T) {
				s := newServer(t, sh.answer(nil))
				tok, err := config(s).Refresh(context.Background(), "rt-0")
				require.NoError(t, err)
				assert.Equal(t, "rt-1", tok.RefreshToken)
				providertest.AssertExpiry(t, 900*time.Second, tok.Expiry)
				assert.Equal(t, "refresh_token", s.Requests()[0].Body["grant_type"])
			})

			t.Run("Client sends Bearer and renews after 401 with the refresh token", func(t *testing.T) {
				s := newServer(t, sh.answer(nil))
				api := newServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
					providertest.Reply(w, map[bool]int{true: 401, false: 200}[n == 1], `{}`)
				})
				resp, err := config(s).Client().Get(api.URL + "/accounts")
				require.NoError(t, err)
				require.NoError(t, resp.Body.Close())
				assert.Equal(t, 200, resp.StatusCode)
				calls := api.Requests()
				require.Len(t, calls, 2)
				assert.Equal(t, "Bearer at-1", calls[0].Authorization)
				assert.Equal(t, "Bearer at-2", calls[1].Authorization)
				assert.Equal(t, "refresh_token", s.Requests()[1].Body["grant_type"])
			})

			t.Run("errors keep the request id", func(t *testing.T) {
				for _, tc := range []struct {
					status int
					body   string
					kind   error
				}{
					{400, `{"error":"invalid_request"}`, auth.ErrInvalidRequest},
					{422, `{"scope":"is required when grant_type is client_credentials"}`, auth.ErrInvalidRequest},
					{504, `{}`, auth.ErrServer},
				} {
					s := newServer(t, sh.answer(func(int) (int, string) { return tc.status, tc.body }))
					cfg := config(s)
					_, err := cfg.TokenSource(auth.WithRetry(auth.RetryPolicy{MaxAttempts: 1})).Token()
					require.Error(t, err)
					assert.ErrorIs(t, err, tc.kind, "%d", tc.status)
					var e *auth.Error
					require.ErrorAs(t, err, &e)
					assert.Equal(t, tc.status, e.StatusCode)
					assert.Equal(t, sh.requestID, e.RequestID, "%d", tc.status)
					if sh.requestID != "" {
						assert.Contains(t, err.Error(), "[request id "+sh.requestID+"]")
					}
				}
			})
		})
	}
}

// TestValidationError: Moov's 422 is keyed by the fields that failed, with no
// error key; the error names each field, in the same order whatever the
// body's, and is final (not retried).
func TestValidationError(t *testing.T) {
	const want = "fields failed validation: refresh_token: is required when grant_type is refresh_token, must not be empty; scope: is required when grant_type is client_credentials"
	for _, body := range []string{
		`{"scope":"is required when grant_type is client_credentials","refresh_token":["is required when grant_type is refresh_token","must not be empty"]}`,
		`{"refresh_token":["is required when grant_type is refresh_token","must not be empty"],"scope":"is required when grant_type is client_credentials"}`,
	} {
		s := newServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
			w.Header().Set("X-REQUEST-ID", "0b3c2b9e-8c1e-4c55-9f59-7d1a54f5b0c1")
			providertest.Reply(w, http.StatusUnprocessableEntity, body)
		})
		_, err := config(s).Token(context.Background())
		require.Error(t, err)
		assert.ErrorIs(t, err, auth.ErrInvalidRequest)
		var e *auth.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, "moov", e.Provider)
		assert.Equal(t, 422, e.StatusCode)
		assert.Empty(t, e.Code, "Moov sends no code")
		assert.Equal(t, want, e.Description)
		assert.Equal(t, "0b3c2b9e-8c1e-4c55-9f59-7d1a54f5b0c1", e.RequestID)
		assert.Equal(t, body, string(e.Body))
		assert.False(t, e.Temporary())
		assert.Len(t, s.Requests(), 1, "a 422 is final")
		assert.Equal(t, "moov: token request failed: HTTP 422 Unprocessable Entity: "+want+" [request id 0b3c2b9e-8c1e-4c55-9f59-7d1a54f5b0c1]", err.Error())
	}

	for name, tc := range map[string]struct {
		status    int
		body      string
		code, dsc string
		kind      error
	}{
		"422 with an OAuth2 error key":        {422, `{"error":"invalid_scope","error_description":"no"}`, "invalid_scope", "no", auth.ErrInvalidRequest},
		"422 with an empty body object":       {422, `{}`, "", "the request failed validation", auth.ErrInvalidRequest},
		"422 field with a non-string value":   {422, `{"scope":{"min":1}}`, "", "fields failed validation: scope", auth.ErrInvalidRequest},
		"422 not JSON":                        {422, `<html>422</html>`, "", "", auth.ErrInvalidRequest},
		"500 field-keyed: not read as fields": {500, `{"message":"boom"}`, "", "", auth.ErrServer},
	} {
		t.Run(name, func(t *testing.T) {
			s := newServer(t, providertest.Always(tc.status, tc.body))
			_, err := config(s).TokenSource(auth.WithRetry(auth.RetryPolicy{MaxAttempts: 1})).Token()
			require.Error(t, err)
			var e *auth.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.code, e.Code)
			assert.Equal(t, tc.dsc, e.Description)
			// invalid_scope, a code the engine does not map, falls back to the status.
			assert.ErrorIs(t, err, tc.kind)
		})
	}
}

// TestAPIVersion: APIVersion goes out as x-moov-version on every grant;
// without it no such header is sent.
func TestAPIVersion(t *testing.T) {
	for _, v := range []string{"", "v2024.01.00", "v2025.04.00", "latest"} {
		t.Run(strconv.Quote(v), func(t *testing.T) {
			var got [][]string
			s := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				got = append(got, r.Header.Values("X-Moov-Version"))
				providertest.Reply(w, 200, shapes()[0].body(n))
			})
			cfg := config(s)
			cfg.APIVersion = v
			_, err := cfg.Token(context.Background())
			require.NoError(t, err)
			_, err = cfg.Refresh(context.Background(), "rt-0")
			require.NoError(t, err)
			var want []string
			if v != "" {
				want = []string{v}
			}
			assert.Equal(t, [][]string{want, want}, got)
		})
	}
}

// TestAPIVersionInvalid: a version not in Moov's documented form fails on
// first use, from every entry point, with an error naming the field, and
// nothing is sent.
func TestAPIVersionInvalid(t *testing.T) {
	for _, v := range []string{"v2024.01.00\r\nX-Evil: 1", "v2024.01.00\n", "2024.01.00", "v2024.1.0", "Latest", " v2024.01.00"} {
		t.Run(strconv.Quote(v), func(t *testing.T) {
			s := newServer(t, providertest.Always(200, okBody))
			cfg := config(s)
			cfg.APIVersion = v
			for _, get := range []func() error{
				func() error { _, err := cfg.Token(context.Background()); return err },
				func() error { _, err := cfg.Refresh(context.Background(), "rt"); return err },
				func() error { _, err := cfg.TokenSource().Token(); return err },
				func() error { _, err := cfg.Client().Get(s.URL + "/accounts"); return err },
			} {
				err := get()
				require.Error(t, err)
				assert.Contains(t, err.Error(), "moov: Config.APIVersion: "+strconv.Quote(v)+": not a Moov API version")
				var ce *auth.ConfigError
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, "APIVersion", ce.Field)
			}
			assert.Empty(t, s.Requests())
		})
	}
}
