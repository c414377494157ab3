package specs_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/gen/mobifinance"
)

func mobifinanceClient(t *testing.T, srv *httptest.Server) *mobifinance.ClientWithResponses {
	t.Helper()
	c, err := mobifinance.NewClientWithResponses(srv.URL, mobifinance.WithHTTPClient(srv.Client()))
	require.NoError(t, err)
	return c
}

var mobifinanceRequest = mobifinance.CreateTokenFormdataRequestBody{
	RedirectURI:  "https://miniapp.example.mn/callback?x=1",
	ClientID:     "ClientID given by MobiFinance",
	ClientSecret: "ClientSecret given by MobiFinance",
	Code:         "4/0AX4XfWh-code",
	GrantType:    mobifinance.TokenRequestGrantTypeAuthorizationCode,
}

// TestMobiFinanceRequest: a form body with all five documented fields and nothing else;
// credentials in the body only.
func TestMobiFinanceRequest(t *testing.T) {
	srv := newRecorder(t, reply{Status: 200})
	_, err := mobifinanceClient(t, srv.Server).CreateTokenWithFormdataBodyWithResponse(ctx(t), mobifinanceRequest)
	require.NoError(t, err)

	got := srv.only(t)
	assert.Equal(t, http.MethodPost, got.Method)
	assert.Equal(t, "/v2/oauth/token", got.Path)
	assert.Empty(t, got.Query)
	assert.Equal(t, "application/x-www-form-urlencoded", got.Header.Get("Content-Type"))
	assert.Empty(t, got.Header.Values("Authorization"))
	assert.Equal(t, url.Values{
		"redirect_uri":  {"https://miniapp.example.mn/callback?x=1"},
		"client_id":     {"ClientID given by MobiFinance"},
		"client_secret": {"ClientSecret given by MobiFinance"},
		"code":          {"4/0AX4XfWh-code"},
		"grant_type":    {"authorization_code"},
	}, formValues(t, got.Body))
}

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
	send := func(t *testing.T, r reply) *mobifinance.CreateTokenResponse {
		t.Helper()
		srv := newRecorder(t, r)
		resp, err := mobifinanceClient(t, srv.Server).CreateTokenWithFormdataBodyWithResponse(ctx(t), mobifinanceRequest)
		require.NoError(t, err)
		return resp
	}
	jsonCT := map[string]string{"Content-Type": "application/json"}

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

	type apiError struct {
		Error            string
		ErrorDescription *string
	}
	cases := []struct {
		status     int
		code, desc string
		field      func(*mobifinance.CreateTokenResponse) *apiError
	}{
		{400, "invalid_request", "Bad request", func(r *mobifinance.CreateTokenResponse) *apiError {
			if r.JSON400 == nil {
				return nil
			}
			return &apiError{r.JSON400.Error, r.JSON400.ErrorDescription}
		}},
		{401, "unauthorized_client", "Invalid client_id or client_secret", func(r *mobifinance.CreateTokenResponse) *apiError {
			if r.JSON401 == nil {
				return nil
			}
			return &apiError{r.JSON401.Error, r.JSON401.ErrorDescription}
		}},
		{403, "invalid_grant", "Invalid code", func(r *mobifinance.CreateTokenResponse) *apiError {
			if r.JSON403 == nil {
				return nil
			}
			return &apiError{r.JSON403.Error, r.JSON403.ErrorDescription}
		}},
		{415, "unsupported_grant_type", "Unsupported type", func(r *mobifinance.CreateTokenResponse) *apiError {
			if r.JSON415 == nil {
				return nil
			}
			return &apiError{r.JSON415.Error, r.JSON415.ErrorDescription}
		}},
		{505, "server_error", "Internal server error", func(r *mobifinance.CreateTokenResponse) *apiError {
			if r.JSON505 == nil {
				return nil
			}
			return &apiError{r.JSON505.Error, r.JSON505.ErrorDescription}
		}},
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

type mobifinanceStrict = strict[mobifinance.CreateTokenRequestObject, mobifinance.CreateTokenResponseObject]

// TestMobiFinanceStrictServer: the generated strict server decodes all five form fields and
// answers 200 and 505.
func TestMobiFinanceStrictServer(t *testing.T) {
	impl := &mobifinanceStrict{resp: mobifinance.CreateToken200JSONResponse{AccessToken: "t", TokenType: "Bearer"}}
	srv := httptest.NewServer(mobifinance.HandlerFromMux(mobifinance.NewStrictHandler(impl, nil), http.NewServeMux()))
	t.Cleanup(srv.Close)

	r, err := mobifinanceClient(t, srv).CreateTokenWithFormdataBodyWithResponse(ctx(t), mobifinanceRequest)
	require.NoError(t, err)
	require.NotNil(t, impl.got.Body)
	assert.Equal(t, mobifinanceRequest, *impl.got.Body)
	require.NotNil(t, r.JSON200)
	assert.Equal(t, mobifinance.TokenResponse{AccessToken: "t", TokenType: "Bearer"}, *r.JSON200)
	assert.JSONEq(t, `{"access_token":"t","token_type":"Bearer"}`, string(r.Body))

	impl.resp = mobifinance.CreateToken505JSONResponse{Error: "server_error", ErrorDescription: new("Internal server error")}
	r, err = mobifinanceClient(t, srv).CreateTokenWithFormdataBodyWithResponse(ctx(t), mobifinanceRequest)
	require.NoError(t, err)
	assert.Equal(t, 505, r.StatusCode())
	require.NotNil(t, r.JSON505)
	assert.Equal(t, "server_error", r.JSON505.Error)
	assert.Equal(t, new("Internal server error"), r.JSON505.ErrorDescription)
}
