package specs_test

import (
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/oapi-codegen/runtime"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/gen/moov"
)

// TestMoovResponses: each documented answer parses into its typed field.
func TestMoovResponses(t *testing.T) {
	t.Run("200 json jwt, expires_in as a Unix time, no refresh token", func(t *testing.T) {
		// Some Moov examples show an absolute Unix time in expires_in; it fits int32.
		srv := newRecorder(t, reply{Status: 200, Header: map[string]string{"Content-Type": "application/json; charset=utf-8"},
			Body: `{"access_token":"eyJhbGciOi.x.y","expires_in":1736966581,"token_type":"jwt"}`})
		resp, err := moovClient(t, srv.Server).CreateToken(ctx(t), nil, moov.TokenRequest{GrantType: moov.TokenRequestGrantTypeClientCredentials})
		require.NoError(t, err)
		r, err := moov.ParseCreateTokenResponse(resp)
		require.NoError(t, err)
		require.NotNil(t, r.JSON200)
		assert.Equal(t, moov.TokenResponse{AccessToken: "eyJhbGciOi.x.y", ExpiresIn: 1736966581, TokenType: moov.TokenResponseTokenTypeJwt}, *r.JSON200)
	})

	t.Run("200 form reply mirrors a form request", func(t *testing.T) {
		// oapi-codegen does not decode form-encoded responses: JSON200 stays nil and the body
		// is kept; it binds into the same TokenResponse with runtime.BindForm.
		srv := newRecorder(t, reply{Status: 200, Header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			Body: "access_token=i1qxz68gu50zp4i8ceyxqogmq7y0yienm52351c6...&expires_in=900&refresh_token=r1&scope=%2Faccounts.write&token_type=opaque"})
		c := newClient(t, srv.Server, moov.NewClientWithResponses, moov.WithHTTPClient)
		r, err := c.CreateTokenWithFormdataBodyWithResponse(ctx(t), nil, moov.TokenRequest{GrantType: moov.TokenRequestGrantTypeClientCredentials})
		require.NoError(t, err)
		assert.Equal(t, 200, r.StatusCode())
		assert.Nil(t, r.JSON200)
		assert.Equal(t, "application/x-www-form-urlencoded", r.ContentType())

		var tok moov.TokenResponse
		require.NoError(t, runtime.BindForm(&tok, formValues(t, r.Body), nil, nil))
		assert.Equal(t, moov.TokenResponse{
			AccessToken:  "i1qxz68gu50zp4i8ceyxqogmq7y0yienm52351c6...",
			ExpiresIn:    900,
			RefreshToken: new("r1"),
			Scope:        new("/accounts.write"),
			TokenType:    moov.TokenResponseTokenTypeOpaque,
		}, tok)
	})

	t.Run("400", func(t *testing.T) {
		r := answer(t, reply{Status: 400, Header: jsonCT, Body: `{"error":"invalid_request"}`}, moovToken)
		assert.Equal(t, 400, r.StatusCode())
		require.NotNil(t, r.JSON400)
		assert.Equal(t, "invalid_request", r.JSON400.Error)
		assert.Nil(t, r.JSON200)
	})

	for _, tc := range []struct {
		name      string
		header    map[string]string
		body      string
		want      moov.TokenResponse
		requestID string // the X-Request-Id header, "" when not sent
	}{
		{
			name:   "200 json opaque",
			header: jsonCT,
			body: `{
			"access_token": "i1qxz68gu50zp4i8ceyxqogmq7y0yienm52351c6...",
			"expires_in": 900,
			"refresh_token": "r1qxz68gu50zp4i8ceyxqogmq7y0yienm52351c6...",
			"scope": "/accounts.write",
			"token_type": "opaque"
		}`,
			want: moov.TokenResponse{
				AccessToken:  "i1qxz68gu50zp4i8ceyxqogmq7y0yienm52351c6...",
				ExpiresIn:    900,
				RefreshToken: new("r1qxz68gu50zp4i8ceyxqogmq7y0yienm52351c6..."),
				Scope:        new("/accounts.write"),
				TokenType:    moov.TokenResponseTokenTypeOpaque,
			},
		},
		{
			name: "200 json as Moov's OpenAPI document: Bearer, expires_in a Unix time, x-request-id",
			header: map[string]string{
				"Content-Type": "application/json",
				"X-Request-Id": "5a6fbe4e-5d70-4d0e-a2b7-2f7c1f1ac2d4",
			},
			body: `{
			"access_token": "eyJhbGciOiJFZERTQSIsImN0eSI6IkpXVCIsImtpZCI6IkR...",
			"expires_in": 1736964352,
			"refresh_token": "eyJhbGc0eSI6TQSIsImN0kpXVCIsImtp6IkpXVsImtpZC0a...",
			"scope": "/accounts.read /accounts.write",
			"token_type": "Bearer"
		}`,
			want: moov.TokenResponse{
				AccessToken:  "eyJhbGciOiJFZERTQSIsImN0eSI6IkpXVCIsImtpZCI6IkR...",
				ExpiresIn:    1736964352,
				RefreshToken: new("eyJhbGc0eSI6TQSIsImN0kpXVCIsImtp6IkpXVsImtpZC0a..."),
				Scope:        new("/accounts.read /accounts.write"),
				TokenType:    moov.TokenResponseTokenTypeBearer,
			},
			requestID: "5a6fbe4e-5d70-4d0e-a2b7-2f7c1f1ac2d4",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := answer(t, reply{Status: 200, Header: tc.header, Body: tc.body}, moovToken)
			assert.Equal(t, 200, r.StatusCode())
			require.NotNil(t, r.JSON200)
			assert.Equal(t, tc.want, *r.JSON200)
			assert.True(t, r.JSON200.TokenType.Valid())
			assert.Nil(t, r.JSON400)
			assert.Nil(t, r.JSON429)
			if tc.requestID != "" {
				require.NotNil(t, r.Headers200)
				require.NotNil(t, r.Headers200.XRequestID)
				assert.Equal(t, tc.requestID, r.Headers200.XRequestID.String())
			}
		})
	}

	t.Run("422 keyed by field, no error key", func(t *testing.T) {
		r := answer(t, reply{Status: 422, Header: map[string]string{
			"Content-Type": "application/json",
			"x-request-id": "0b3c2b9e-8c1e-4c55-9f59-7d1a54f5b0c1",
		}, Body: `{"scope":"is required when grant_type is client_credentials"}`}, moovToken)
		assert.Equal(t, 422, r.StatusCode())
		require.NotNil(t, r.JSON422)
		assert.Equal(t, new("is required when grant_type is client_credentials"), r.JSON422.Scope)
		assert.Nil(t, r.JSON422.RefreshToken)
		require.NotNil(t, r.Headers422)
		require.NotNil(t, r.Headers422.XRequestID)
		assert.Equal(t, "0b3c2b9e-8c1e-4c55-9f59-7d1a54f5b0c1", r.Headers422.XRequestID.String())
		assert.Nil(t, r.JSON400)
	})

	for _, status := range []int{500, 504} {
		t.Run(fmt.Sprintf("%d with x-request-id", status), func(t *testing.T) {
			r := answer(t, reply{Status: status, Header: map[string]string{
				"Content-Type": "application/json",
				"X-Request-ID": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
			}, Body: `{"error":"server_error"}`}, moovToken)
			assert.Equal(t, status, r.StatusCode())
			var (
				body map[string]any
				id   *moov.CreateTokenResponse500Headers
			)
			if status == 500 {
				require.NotNil(t, r.JSON500)
				body, id = *r.JSON500, r.Headers500
			} else {
				require.NotNil(t, r.JSON504)
				require.NotNil(t, r.Headers504)
				body, id = *r.JSON504, (*moov.CreateTokenResponse500Headers)(r.Headers504)
			}
			assert.Equal(t, map[string]any{"error": "server_error"}, body)
			require.NotNil(t, id)
			require.NotNil(t, id.XRequestID)
			assert.Equal(t, "7c9e6679-7425-40de-944b-e07fc1f90ae7", id.XRequestID.String())
		})
	}

	for _, tc := range []struct {
		name, retryAfter, retryIn string
	}{
		{"429 Retry-After seconds", "30", ""},
		{"429 Retry-After HTTP-date", "Wed, 21 Oct 2015 07:28:00 GMT", ""},
		{"429 X-Retry-In milliseconds", "", "1500"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := map[string]string{"Content-Type": "application/json"}
			if tc.retryAfter != "" {
				h["Retry-After"] = tc.retryAfter
			}
			if tc.retryIn != "" {
				h["X-Retry-In"] = tc.retryIn
			}
			r := answer(t, reply{Status: 429, Header: h, Body: `{"error":"rate limited"}`}, moovToken)
			assert.Equal(t, 429, r.StatusCode())
			require.NotNil(t, r.JSON429)
			assert.Equal(t, map[string]any{"error": "rate limited"}, *r.JSON429)
			require.NotNil(t, r.Headers429)
			if tc.retryAfter != "" {
				require.NotNil(t, r.Headers429.RetryAfter)
				assert.Equal(t, tc.retryAfter, *r.Headers429.RetryAfter)
				assert.Equal(t, tc.retryAfter, r.HTTPResponse.Header.Get("Retry-After"))
			} else {
				assert.Nil(t, r.Headers429.RetryAfter)
			}
			if tc.retryIn != "" {
				require.NotNil(t, r.Headers429.XRetryIn)
				assert.Equal(t, tc.retryIn, *r.Headers429.XRetryIn)
			} else {
				assert.Nil(t, r.Headers429.XRetryIn)
			}
		})
	}
}

// TestMoovStrictServer: the generated strict server (what mockserver builds on) decodes both
// request media types, answers in both, leaves unset optional fields out of a form reply, and
// sets the 429 headers.
func TestMoovStrictServer(t *testing.T) {
	impl, srv := serveStrict[moov.CreateTokenRequestObject, moov.CreateTokenResponseObject](t, nil, moov.NewStrictHandler, moov.HandlerFromMux)
	c := newClient(t, srv, moov.NewClientWithResponses, moov.WithHTTPClient)

	// Each request media type is decoded into its own field, and answered in kind.
	for _, tc := range []struct {
		name  string
		resp  moov.CreateTokenResponseObject
		req   moov.TokenRequest
		form  bool // the request as a form, else as JSON
		check func(t *testing.T, r *moov.CreateTokenResponse)
	}{
		{
			name: "form in, form out",
			resp: moov.CreateToken200FormdataResponse{Body: moov.TokenResponse{AccessToken: "a", ExpiresIn: 900, TokenType: moov.TokenResponseTokenTypeOpaque}},
			req:  moov.TokenRequest{GrantType: moov.TokenRequestGrantTypeClientCredentials, Scope: new("/accounts.read")},
			form: true,
			check: func(t *testing.T, r *moov.CreateTokenResponse) {
				assert.Equal(t, 200, r.StatusCode())
				assert.Equal(t, "application/x-www-form-urlencoded", r.ContentType())
				assert.Equal(t, "access_token=a&expires_in=900&token_type=opaque", string(r.Body))
			},
		},
		{
			name: "json in, json out",
			resp: moov.CreateToken200JSONResponse{Body: moov.TokenResponse{AccessToken: "a", ExpiresIn: 900, RefreshToken: new("r"), TokenType: moov.TokenResponseTokenTypeJwt}},
			req:  moov.TokenRequest{GrantType: moov.TokenRequestGrantTypeRefreshToken, RefreshToken: new("r0")},
			check: func(t *testing.T, r *moov.CreateTokenResponse) {
				require.NotNil(t, r.JSON200)
				assert.Equal(t, moov.TokenResponse{AccessToken: "a", ExpiresIn: 900, RefreshToken: new("r"), TokenType: moov.TokenResponseTokenTypeJwt}, *r.JSON200)
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			impl.resp = tc.resp
			send := c.CreateTokenWithResponse
			if tc.form {
				send = c.CreateTokenWithFormdataBodyWithResponse
			}
			r, err := send(ctx(t), nil, tc.req)
			require.NoError(t, err)
			decoded, other := impl.got.JSONBody, impl.got.FormdataBody
			if tc.form {
				decoded, other = other, decoded
			}
			assert.Nil(t, other)
			require.NotNil(t, decoded)
			assert.Equal(t, tc.req, *decoded)
			tc.check(t, r)
		})
	}

	t.Run("json out with x-request-id", func(t *testing.T) {
		id := uuid.MustParse("5a6fbe4e-5d70-4d0e-a2b7-2f7c1f1ac2d4")
		impl.resp = moov.CreateToken200JSONResponse{
			Body:    moov.TokenResponse{AccessToken: "a", ExpiresIn: 1736964352, TokenType: moov.TokenResponseTokenTypeBearer},
			Headers: moov.CreateToken200ResponseHeaders{XRequestID: &id},
		}
		r, err := c.CreateTokenWithResponse(ctx(t), nil, moov.TokenRequest{GrantType: moov.TokenRequestGrantTypeClientCredentials})
		require.NoError(t, err)
		assert.Equal(t, []string{"5a6fbe4e-5d70-4d0e-a2b7-2f7c1f1ac2d4"}, r.HTTPResponse.Header.Values("X-Request-Id"))
		require.NotNil(t, r.JSON200)
		assert.Equal(t, moov.TokenResponseTokenTypeBearer, r.JSON200.TokenType)

		// Without a request id the header is left out, not sent empty.
		impl.resp = moov.CreateToken200JSONResponse{Body: moov.TokenResponse{AccessToken: "a", ExpiresIn: 900, TokenType: moov.TokenResponseTokenTypeOpaque}}
		r, err = c.CreateTokenWithResponse(ctx(t), nil, moov.TokenRequest{GrantType: moov.TokenRequestGrantTypeClientCredentials})
		require.NoError(t, err)
		assert.Empty(t, r.HTTPResponse.Header.Values("X-Request-Id"))
	})

	t.Run("400", func(t *testing.T) {
		var resp moov.CreateToken400JSONResponse
		resp.Body.Error = "invalid_request"
		impl.resp = resp
		r, err := c.CreateTokenWithResponse(ctx(t), nil, moov.TokenRequest{GrantType: moov.TokenRequestGrantTypeClientCredentials})
		require.NoError(t, err)
		require.NotNil(t, r.JSON400)
		assert.Equal(t, "invalid_request", r.JSON400.Error)
	})

	t.Run("429", func(t *testing.T) {
		impl.resp = moov.CreateToken429JSONResponse{
			Body:    map[string]any{},
			Headers: moov.CreateToken429ResponseHeaders{RetryAfter: new("7")},
		}
		r, err := c.CreateTokenWithResponse(ctx(t), nil, moov.TokenRequest{GrantType: moov.TokenRequestGrantTypeClientCredentials})
		require.NoError(t, err)
		assert.Equal(t, 429, r.StatusCode())
		assert.Equal(t, "7", r.HTTPResponse.Header.Get("Retry-After"))
		assert.Empty(t, r.HTTPResponse.Header.Values("X-Retry-In"))
		require.NotNil(t, r.Headers429)
		assert.Equal(t, new("7"), r.Headers429.RetryAfter)
	})
}
