package specs_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/gen/mobifinance"
)

// TestMobiFinanceBaseURLWithPath: the base URL is overridable, a path prefix included.
func TestMobiFinanceBaseURLWithPath(t *testing.T) {
	srv := newRecorder(t, reply{Status: 200})
	c, err := mobifinance.NewClientWithResponses(srv.URL+"/monpay", mobifinance.WithHTTPClient(srv.Client()))
	require.NoError(t, err)
	_, err = c.CreateTokenWithFormdataBodyWithResponse(ctx(t), mobifinanceRequest)
	require.NoError(t, err)
	assert.Equal(t, "/monpay/v2/oauth/token", srv.only(t).Path)
}

// TestMobiFinanceResponses: 200 and each documented error status parse into their fields.
func TestMobiFinanceResponses(t *testing.T) {
	send := func(t *testing.T, r reply) *mobifinance.CreateTokenResponse { return answer(t, r, mobifinanceToken) }

	t.Run("200", func(t *testing.T) {
		r := send(t, reply{Status: 200, Header: jsonCT, Body: `{"access_token":"8f14e45f","token_type":"Bearer","refresh_token":"c9f0f895","expires_in":0}`})
		assert.Equal(t, 200, r.StatusCode())
		require.NotNil(t, r.JSON200)
		assert.Equal(t, mobifinance.TokenResponse{AccessToken: "8f14e45f", TokenType: "Bearer", RefreshToken: new("c9f0f895"), ExpiresIn: new(0)}, *r.JSON200)
	})

	t.Run("200 permanent token without expiry", func(t *testing.T) {
		r := send(t, reply{Status: 200, Header: jsonCT, Body: `{"access_token":"8f14e45f","token_type":"Bearer"}`})
		require.NotNil(t, r.JSON200)
		assert.Equal(t, mobifinance.TokenResponse{AccessToken: "8f14e45f", TokenType: "Bearer"}, *r.JSON200)
	})

	// The type of each documented error status's body.
	type apiError = struct {
		Error            string  `json:"error"`
		ErrorDescription *string `json:"error_description,omitempty"`
	}
	cases := []struct {
		status     int
		code, desc string
		field      func(*mobifinance.CreateTokenResponse) *apiError
	}{
		{400, "invalid_request", "Bad request", func(r *mobifinance.CreateTokenResponse) *apiError { return r.JSON400 }},
		{401, "unauthorized_client", "Invalid client_id or client_secret", func(r *mobifinance.CreateTokenResponse) *apiError { return r.JSON401 }},
		{403, "invalid_grant", "Invalid code", func(r *mobifinance.CreateTokenResponse) *apiError { return r.JSON403 }},
		{415, "unsupported_grant_type", "Unsupported type", func(r *mobifinance.CreateTokenResponse) *apiError { return r.JSON415 }},
		{505, "server_error", "Internal server error", func(r *mobifinance.CreateTokenResponse) *apiError { return r.JSON505 }},
	}
	for _, tc := range cases {
		t.Run(tc.code, func(t *testing.T) {
			r := send(t, reply{Status: tc.status, Header: jsonCT, Body: `{"error":"` + tc.code + `","error_description":"` + tc.desc + `"}`})
			assert.Equal(t, tc.status, r.StatusCode())
			got := tc.field(r)
			require.NotNil(t, got, "JSON%d", tc.status)
			assert.Equal(t, apiError{tc.code, new(tc.desc)}, *got)
			assert.Nil(t, r.JSON200)
			for _, other := range cases {
				if other.status != tc.status {
					assert.Nil(t, other.field(r), "JSON%d set for a %d", other.status, tc.status)
				}
			}

			// Without a description.
			r = send(t, reply{Status: tc.status, Header: jsonCT, Body: `{"error":"` + tc.code + `"}`})
			got = tc.field(r)
			require.NotNil(t, got)
			assert.Equal(t, apiError{Error: tc.code}, *got)
		})
	}
}

// TestMobiFinanceStrictServer: the generated strict server decodes all five form fields and
// answers 200 and 505.
func TestMobiFinanceStrictServer(t *testing.T) {
	impl, srv := serveStrict[mobifinance.CreateTokenRequestObject, mobifinance.CreateTokenResponseObject](t, mobifinance.CreateToken200JSONResponse{AccessToken: "t", TokenType: "Bearer"}, mobifinance.NewStrictHandler, mobifinance.HandlerFromMux)

	r, err := mobifinanceToken(t, srv)
	require.NoError(t, err)
	require.NotNil(t, impl.got.Body)
	assert.Equal(t, mobifinanceRequest, *impl.got.Body)
	require.NotNil(t, r.JSON200)
	assert.Equal(t, mobifinance.TokenResponse{AccessToken: "t", TokenType: "Bearer"}, *r.JSON200)
	assert.JSONEq(t, `{"access_token":"t","token_type":"Bearer"}`, string(r.Body))

	impl.resp = mobifinance.CreateToken505JSONResponse{Error: "server_error", ErrorDescription: new("Internal server error")}
	r, err = mobifinanceToken(t, srv)
	require.NoError(t, err)
	assert.Equal(t, 505, r.StatusCode())
	require.NotNil(t, r.JSON505)
	assert.Equal(t, "server_error", r.JSON505.Error)
	assert.Equal(t, new("Internal server error"), r.JSON505.ErrorDescription)
}
