package specs_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/gen/moneygo"
)

// TestMoneyGoResponses: 200 parses into TokenResponse; errors are undocumented, so a 4XX or 5XX
// JSON body of any shape parses, and a non-JSON one keeps status and body.
func TestMoneyGoResponses(t *testing.T) {
	send := func(t *testing.T, r reply) *moneygo.CreateTokenResponse { return answer(t, r, moneygoToken) }

	t.Run("200", func(t *testing.T) {
		r := send(t, reply{Status: 200, Header: jsonCT, Body: `{"token_type":"Bearer","expires_in":2592000,"access_token":"eyJ0eXAi.abc"}`})
		assert.Equal(t, 200, r.StatusCode())
		require.NotNil(t, r.JSON200)
		assert.Equal(t, moneygo.TokenResponse{TokenType: "Bearer", ExpiresIn: 2592000, AccessToken: "eyJ0eXAi.abc"}, *r.JSON200)
		assert.Nil(t, r.JSON4XX)
		assert.Nil(t, r.JSON5XX)
	})

	t.Run("200 expires_in as a Unix time is exact", func(t *testing.T) {
		r := send(t, reply{Status: 200, Header: jsonCT, Body: `{"token_type":"Bearer","expires_in":1736966581,"access_token":"a"}`})
		require.NotNil(t, r.JSON200)
		assert.Equal(t, float64(1736966581), r.JSON200.ExpiresIn)
	})

	t.Run("401 object", func(t *testing.T) {
		r := send(t, reply{Status: 401, Header: jsonCT, Body: `{"error":"invalid_client","message":"Client authentication failed"}`})
		assert.Equal(t, 401, r.StatusCode())
		require.NotNil(t, r.JSON4XX)
		assert.Equal(t, map[string]any{"error": "invalid_client", "message": "Client authentication failed"}, *r.JSON4XX)
		assert.Nil(t, r.JSON200)
	})

	t.Run("422 string", func(t *testing.T) {
		r := send(t, reply{Status: 422, Header: jsonCT, Body: `"invalid scope"`})
		require.NotNil(t, r.JSON4XX)
		assert.Equal(t, "invalid scope", *r.JSON4XX)
	})

	t.Run("503", func(t *testing.T) {
		r := send(t, reply{Status: 503, Header: jsonCT, Body: `{"message":"Service Unavailable"}`})
		assert.Equal(t, 503, r.StatusCode())
		require.NotNil(t, r.JSON5XX)
		assert.Equal(t, map[string]any{"message": "Service Unavailable"}, *r.JSON5XX)
		assert.Nil(t, r.JSON4XX)
	})

	t.Run("502 html gateway page", func(t *testing.T) {
		r := send(t, reply{Status: 502, Header: map[string]string{"Content-Type": "text/html"}, Body: "<html>Bad Gateway</html>"})
		assert.Equal(t, 502, r.StatusCode())
		assert.Nil(t, r.JSON5XX)
		assert.Equal(t, "<html>Bad Gateway</html>", string(r.Body))
	})
}

// TestMoneyGoStrictServer: the generated strict server decodes the JSON body and answers 200
// or any 4XX/5XX status.
func TestMoneyGoStrictServer(t *testing.T) {
	impl, srv := serveStrict[moneygo.CreateTokenRequestObject, moneygo.CreateTokenResponseObject](t, moneygo.CreateToken200JSONResponse{TokenType: "Bearer", ExpiresIn: 2592000, AccessToken: "t"}, moneygo.NewStrictHandler, moneygo.HandlerFromMux)

	r, err := moneygoToken(t, srv)
	require.NoError(t, err)
	require.NotNil(t, impl.got.Body)
	assert.Equal(t, moneygoRequest, *impl.got.Body)
	require.NotNil(t, r.JSON200)
	assert.Equal(t, moneygo.TokenResponse{TokenType: "Bearer", ExpiresIn: 2592000, AccessToken: "t"}, *r.JSON200)

	impl.resp = moneygo.CreateToken4XXJSONResponse{StatusCode: 401, Body: map[string]any{"error": "invalid_client"}}
	r, err = moneygoToken(t, srv)
	require.NoError(t, err)
	assert.Equal(t, 401, r.StatusCode())
	require.NotNil(t, r.JSON4XX)
	assert.Equal(t, map[string]any{"error": "invalid_client"}, *r.JSON4XX)

	impl.resp = moneygo.CreateToken5XXJSONResponse{StatusCode: 503, Body: "down"}
	r, err = moneygoToken(t, srv)
	require.NoError(t, err)
	assert.Equal(t, 503, r.StatusCode())
	require.NotNil(t, r.JSON5XX)
	assert.Equal(t, "down", *r.JSON5XX)
}
