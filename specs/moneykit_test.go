package specs_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/gen/moneykit"
)

// TestMoneyKitResponses: success is 201; 400 and 401 carry error_code, error_message and
// documentation_url, with codes beyond the documented one parsing as well.
func TestMoneyKitResponses(t *testing.T) {
	send := func(t *testing.T, r reply) *moneykit.CreateTokenResponse { return answer(t, r, moneykitToken) }

	t.Run("201", func(t *testing.T) {
		r := send(t, reply{Status: 201, Header: jsonCT, Body: `{"access_token":"52ea3d1b...4f9a53fffb67","token_type":"bearer","expires_in":3600}`})
		assert.Equal(t, 201, r.StatusCode())
		require.NotNil(t, r.JSON201)
		assert.Equal(t, moneykit.TokenResponse{AccessToken: "52ea3d1b...4f9a53fffb67", TokenType: "bearer", ExpiresIn: 3600}, *r.JSON201)
	})

	t.Run("200 is not the documented status", func(t *testing.T) {
		// The trap of a 201-only spec: the generated JSON201 is nil for any other status, so
		// the provider package parses the body itself.
		r := send(t, reply{Status: 200, Header: jsonCT, Body: `{"access_token":"a","token_type":"bearer","expires_in":3600}`})
		assert.Equal(t, 200, r.StatusCode())
		assert.Nil(t, r.JSON201)
		assert.JSONEq(t, `{"access_token":"a","token_type":"bearer","expires_in":3600}`, string(r.Body))
	})

	t.Run("400", func(t *testing.T) {
		r := send(t, reply{Status: 400, Header: jsonCT, Body: `{"error_code":"api_error.auth.unauthorized","error_message":"Accounts access not permitted","documentation_url":"https://docs.moneykit.com/"}`})
		assert.Equal(t, 400, r.StatusCode())
		require.NotNil(t, r.JSON400)
		assert.Equal(t, new("api_error.auth.unauthorized"), r.JSON400.ErrorCode)
		assert.Equal(t, "Accounts access not permitted", r.JSON400.ErrorMessage)
		assert.Equal(t, new("https://docs.moneykit.com/"), r.JSON400.DocumentationURL)
		assert.Nil(t, r.JSON201)
		assert.Nil(t, r.JSON401)
	})

	t.Run("401 with an undocumented code", func(t *testing.T) {
		r := send(t, reply{Status: 401, Header: jsonCT, Body: `{"error_code":"api_error.auth.expired_access_token","error_message":"Access token expired"}`})
		assert.Equal(t, 401, r.StatusCode())
		require.NotNil(t, r.JSON401)
		assert.Equal(t, new("api_error.auth.expired_access_token"), r.JSON401.ErrorCode)
		assert.Equal(t, "Access token expired", r.JSON401.ErrorMessage)
		assert.Nil(t, r.JSON401.DocumentationURL)
		assert.Nil(t, r.JSON400)
	})

	t.Run("400 with only error_message", func(t *testing.T) {
		// MoneyKit's OpenAPI document (its official SDKs) requires only error_message.
		r := send(t, reply{Status: 400, Header: jsonCT, Body: `{"error_message":"Invalid grant_type"}`})
		require.NotNil(t, r.JSON400)
		assert.Nil(t, r.JSON400.ErrorCode)
		assert.Equal(t, "Invalid grant_type", r.JSON400.ErrorMessage)
		assert.Nil(t, r.JSON400.DocumentationURL)
	})

	t.Run("401 documented", func(t *testing.T) {
		r := send(t, reply{Status: 401, Header: jsonCT, Body: `{"error_code":"api_error.auth.unauthorized","error_message":"Accounts access not permitted","documentation_url":"https://docs.moneykit.com/auth"}`})
		require.NotNil(t, r.JSON401)
		assert.Equal(t, new("api_error.auth.unauthorized"), r.JSON401.ErrorCode)
		assert.Equal(t, new("https://docs.moneykit.com/auth"), r.JSON401.DocumentationURL)
	})
}

// TestMoneyKitStrictServer: the generated strict server decodes the form and answers 201.
func TestMoneyKitStrictServer(t *testing.T) {
	impl, srv := serveStrict[moneykit.CreateTokenRequestObject, moneykit.CreateTokenResponseObject](t, moneykit.CreateToken201JSONResponse{AccessToken: "t", TokenType: "bearer", ExpiresIn: 3600}, moneykit.NewStrictHandler, moneykit.HandlerFromMux)

	r, err := moneykitClient(t, srv).CreateTokenWithFormdataBodyWithResponse(ctx(t), nil,
		moneykit.TokenRequest{GrantType: moneykit.TokenRequestGrantTypeClientCredentials, Scope: new("accounts:read")})
	require.NoError(t, err)
	require.NotNil(t, impl.got.Body)
	assert.Equal(t, moneykit.TokenRequest{GrantType: moneykit.TokenRequestGrantTypeClientCredentials, Scope: new("accounts:read")}, *impl.got.Body)
	assert.Equal(t, 201, r.StatusCode())
	require.NotNil(t, r.JSON201)
	assert.Equal(t, moneykit.TokenResponse{AccessToken: "t", TokenType: "bearer", ExpiresIn: 3600}, *r.JSON201)

	impl.resp = moneykit.CreateToken401JSONResponse{ErrorCode: new("api_error.auth.unauthorized"), ErrorMessage: "Accounts access not permitted"}
	r, err = moneykitClient(t, srv).CreateTokenWithFormdataBodyWithResponse(ctx(t), nil,
		moneykit.TokenRequest{GrantType: moneykit.TokenRequestGrantTypeClientCredentials})
	require.NoError(t, err)
	require.NotNil(t, r.JSON401)
	assert.Equal(t, new("api_error.auth.unauthorized"), r.JSON401.ErrorCode)
	assert.JSONEq(t, `{"error_code":"api_error.auth.unauthorized","error_message":"Accounts access not permitted"}`, string(r.Body))
}
