package moov_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providertest"
	"github.com/paytoken/paytoken/internal/testenv"
	"github.com/paytoken/paytoken/mockserver"
	"github.com/paytoken/paytoken/moov"
)

// What is Moov's own: its documented answer, its refresh tokens, its two
// answer shapes, its API version, its Config.

// TestTokenSourceCaches: concurrent callers share one fetch; the token is
// served from memory afterwards.
func TestTokenSourceCaches(t *testing.T) {
	s := provider.NewServer(t, providertest.Always(200, okBody))
	src := provider.Config(s).TokenSource()
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
	s := provider.NewServer(t, providertest.Always(200, okBody))
	cfg := provider.Config(s)
	src := cfg.TokenSource()
	cfg.Scopes[0] = "/changed"
	cfg.ClientID = "other"
	_, err := src.Token()
	require.NoError(t, err)
	assert.Equal(t, ccBody, s.Requests()[0].Body)
	assert.Equal(t, provider.Basic(s), s.Requests()[0].Authorization)
}

// insecureBaseURLMessage: the message of an insecure BaseURL names the field.
func insecureBaseURLMessage(t *testing.T) {
	_, err := (&moov.Config{ClientID: "id", ClientSecret: "s", BaseURL: "http://api.moov.io"}).Token(context.Background())
	assert.Regexp(t, `^moov: Config\.BaseURL: .*insecure URL`, err.Error())
}

// nilConfig: a nil Config fails, from Token as from a TokenSource.
func nilConfig(t *testing.T) {
	var cfg *moov.Config
	_, err := cfg.Token(context.Background())
	assert.Error(t, err)
	_, err = cfg.TokenSource().Token()
	assert.Error(t, err)
}

// loopbackHTTP: loopback http is allowed, https anywhere.
func loopbackHTTP(t *testing.T) {
	s := provider.NewServer(t, providertest.Always(200, okBody))
	for _, u := range []string{s.URL, strings.Replace(s.URL, "127.0.0.1", "localhost", 1)} {
		cfg := provider.Config(s)
		cfg.BaseURL = u
		_, err := cfg.Token(context.Background())
		assert.NoError(t, err, u)
	}
}

// TestSecretNeverPrinted: a Config prints, marshals and logs without its
// secret.
func TestSecretNeverPrinted(t *testing.T) {
	cfg := moov.Config{ClientID: testID, ClientSecret: providertest.TestSecret, Scopes: []string{"/accounts.read"}}
	providertest.ConfigRedacted(t, cfg, &cfg, cfg.ClientSecret, testID)
}

// TestInterop: tokens work with golang.org/x/oauth2 and through Client,
// always as Bearer, never as Moov's "opaque".
func TestInterop(t *testing.T) {
	cfg := provider.Config(provider.NewServer(t, providertest.Always(200, okBody)))
	providertest.TokenInterop(t, cfg, "i1qxz68gu50zp4i8ceyxqogmq7y0yienm52351c6", func(hc *http.Client) *http.Client { cfg.HTTPClient = hc; return cfg.Client() })
}

// TestNetworkErrorRetried: a server that is not there is a network error,
// retried, and named after the provider.
func TestNetworkErrorRetried(t *testing.T) {
	s := provider.NewServer(t, providertest.Always(200, okBody))
	cfg := provider.Config(s)
	cfg.BaseURL = "http://" + testenv.RefusedAddr(t) // every dial refused
	_, err := cfg.Token(context.Background())
	require.Error(t, err)
	provider.AssertNamed(t, err)
	assert.Contains(t, err.Error(), "3 attempts")
	var ae *auth.Error
	assert.NotErrorAs(t, err, &ae)
}

// TestDefaultBaseURL: with no BaseURL the request goes to Moov's documented
// endpoint.
func TestDefaultBaseURL(t *testing.T) {
	assert.Equal(t, "https://api.moov.io", moov.DefaultBaseURL)
	var urls []string
	cfg := &moov.Config{ClientID: testID, ClientSecret: providertest.TestSecret, HTTPClient: providertest.Offline(200, okBody, &urls)}
	_, err := cfg.Token(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"POST https://api.moov.io/oauth2/token"}, urls)
}

// TestRefresh: the refresh_token grant's exact request, and the refresh
// token kept when the answer has none.
func TestRefresh(t *testing.T) {
	for _, style := range []auth.AuthStyle{auth.InHeader, auth.InBody} {
		t.Run(style.String(), func(t *testing.T) {
			s := provider.NewServer(t, providertest.Always(200, `{"access_token":"new","expires_in":900,"token_type":"opaque"}`))
			cfg := provider.Config(s)
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
				want["client_id"], want["client_secret"] = s.ClientID, providertest.TestSecret
				wantAuth = ""
			}
			assert.Equal(t, want, reqs[0].Body)
			assert.Equal(t, wantAuth, reqs[0].Authorization)
			assert.Equal(t, "application/json", reqs[0].ContentType)
		})
	}

	t.Run("a rotated refresh token replaces the old one", func(t *testing.T) {
		s := provider.NewServer(t, providertest.Always(200, okBody))
		tok, err := provider.Config(s).Refresh(context.Background(), "rt-1")
		require.NoError(t, err)
		assert.Equal(t, "r1qxz68gu50zp4i8ceyxqogmq7y0yienm52351c6", tok.RefreshToken)
	})

	t.Run("empty refresh token", func(t *testing.T) {
		s := provider.NewServer(t, providertest.Always(200, okBody))
		_, err := provider.Config(s).Refresh(context.Background(), "")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "moov: Refresh: empty refresh token")
		assert.Empty(t, s.Requests())
	})

	t.Run("spent refresh token", func(t *testing.T) {
		s := provider.NewServer(t, providertest.Always(400, `{"error":"invalid_grant"}`))
		_, err := provider.Config(s).Refresh(context.Background(), "rt-1")
		assert.ErrorIs(t, err, auth.ErrInvalidGrant)
		assert.Len(t, s.Requests(), 1)
	})
}

var ccBody = map[string]any{"grant_type": "client_credentials", "scope": "/accounts.read /accounts.write"}

// TestTokenSourceRenewsWithRefreshToken: the token that replaces one with a
// refresh token comes from the refresh_token grant.
func TestTokenSourceRenewsWithRefreshToken(t *testing.T) {
	s := provider.NewServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		providertest.Reply(w, 200, fmt.Sprintf(`{"access_token":"at-%d","expires_in":900,"refresh_token":"rt-%d","token_type":"opaque"}`, n, n))
	})
	src := provider.Config(s).TokenSource()
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
	s := provider.NewServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch n {
		case 1:
			providertest.Reply(w, 200, `{"access_token":"at-1","expires_in":900,"refresh_token":"rt-1","token_type":"opaque"}`)
		case 2:
			providertest.Reply(w, 400, `{"error":"invalid_grant"}`)
		default:
			providertest.Reply(w, 200, `{"access_token":"at-3","expires_in":900,"token_type":"jwt"}`)
		}
	})
	cfg := provider.Config(s)
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
	cc := map[string]any{"grant_type": "client_credentials", "client_id": s.ClientID, "client_secret": providertest.TestSecret, "scope": "/accounts.read /accounts.write"}
	assert.Equal(t, cc, reqs[0].Body)
	assert.Equal(t, map[string]any{"grant_type": "refresh_token", "refresh_token": "rt-1", "client_id": s.ClientID, "client_secret": providertest.TestSecret}, reqs[1].Body)
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
	t.Parallel() // its own server and client id
	s := provider.NewServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		providertest.Reply(w, 200, fmt.Sprintf(`{"access_token":"at-%d","expires_in":2,"refresh_token":"rt-%d","token_type":"opaque"}`, n, n))
	})
	// A 2 s token served for its first 200 ms only (the safety margin takes
	// the rest): it runs out without a long wait.
	src := provider.Config(s).TokenSource(auth.WithSafetyMargin(1800*time.Millisecond), auth.WithRefreshWindow(0))
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

// TestClientRenewsAfter401: the API's 401 drops the token; the request is
// sent once more with one renewed through the refresh token.
func TestClientRenewsAfter401(t *testing.T) {
	s := provider.NewServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		providertest.Reply(w, 200, fmt.Sprintf(`{"access_token":"at-%d","expires_in":900,"refresh_token":"rt-%d","token_type":"opaque"}`, n, n))
	})
	var apiAuth []string
	api := provider.NewServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		apiAuth = append(apiAuth, r.Header.Get("Authorization"))
		if n == 1 {
			providertest.Reply(w, 401, `{}`)
			return
		}
		providertest.Reply(w, 200, `{}`)
	})
	resp, err := provider.Config(s).Client().Get(api.URL + "/accounts")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, []string{"Bearer at-1", "Bearer at-2"}, apiAuth)
	assert.Equal(t, "refresh_token", s.Requests()[1].Body["grant_type"])
}

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
				s := provider.NewServer(t, sh.answer(nil))
				tok, err := provider.Config(s).Token(context.Background())
				require.NoError(t, err)
				assert.Equal(t, "at-1", tok.AccessToken)
				assert.Equal(t, "rt-1", tok.RefreshToken)
				assert.Equal(t, "Bearer", tok.TokenType)
				assert.Equal(t, sh.tokenType, tok.Extra("token_type"))
				assert.Equal(t, "/accounts.read /accounts.write", tok.Extra("scope"))
				providertest.AssertExpiry(t, 900*time.Second, tok.Expiry)
			})

			t.Run("Refresh", func(t *testing.T) {
				s := provider.NewServer(t, sh.answer(nil))
				tok, err := provider.Config(s).Refresh(context.Background(), "rt-0")
				require.NoError(t, err)
				assert.Equal(t, "rt-1", tok.RefreshToken)
				providertest.AssertExpiry(t, 900*time.Second, tok.Expiry)
				assert.Equal(t, "refresh_token", s.Requests()[0].Body["grant_type"])
			})

			t.Run("Client sends Bearer and renews after 401 with the refresh token", func(t *testing.T) {
				s := provider.NewServer(t, sh.answer(nil))
				api := provider.NewServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
					providertest.Reply(w, map[bool]int{true: 401, false: 200}[n == 1], `{}`)
				})
				resp, err := provider.Config(s).Client().Get(api.URL + "/accounts")
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
					s := provider.NewServer(t, sh.answer(func(int) (int, string) { return tc.status, tc.body }))
					cfg := provider.Config(s)
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
		s := provider.NewServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
			w.Header().Set("X-REQUEST-ID", "0b3c2b9e-8c1e-4c55-9f59-7d1a54f5b0c1")
			providertest.Reply(w, http.StatusUnprocessableEntity, body)
		})
		_, err := provider.Config(s).Token(context.Background())
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
		"422 access_token field: no value":    {422, `{"access_token":"tok-0123456789","scope":"bad"}`, "", "fields failed validation: access_token: [redacted]; scope: bad", auth.ErrInvalidRequest},
		"422 not JSON":                        {422, `<html>422</html>`, "", "", auth.ErrInvalidRequest},
		"500 field-keyed: not read as fields": {500, `{"message":"boom"}`, "", "", auth.ErrServer},
	} {
		t.Run(name, func(t *testing.T) {
			s := provider.NewServer(t, providertest.Always(tc.status, tc.body))
			_, err := provider.Config(s).TokenSource(auth.WithRetry(auth.RetryPolicy{MaxAttempts: 1})).Token()
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
			s := provider.NewServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				got = append(got, r.Header.Values("X-Moov-Version"))
				providertest.Reply(w, 200, shapes()[0].body(n))
			})
			cfg := provider.Config(s)
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
			s := provider.NewServer(t, providertest.Always(200, okBody))
			cfg := provider.Config(s)
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

// TestAgainstMock: the SDK against the mock answering in each of Moov's shapes, the
// documentation page's (the default) and the OpenAPI document's.
func TestAgainstMock(t *testing.T) {
	const uuid = `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`
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
