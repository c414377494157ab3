package specs_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/gen/moneykit"
	"github.com/paytoken/paytoken/gen/moov"
	"github.com/paytoken/paytoken/internal/testkit"
)

// wireRequest is one documented request shape: how a generated client sends it, and what
// reaches the server.
type wireRequest struct {
	name        string
	send        func(t *testing.T, srv *httptest.Server) error
	contentType string
	basic       bool     // credentials in the Basic header, else in the body only
	version     []string // the values of the spec's version header; nil: not sent
	json        map[string]any
	form        url.Values
	raw         string // when set, the exact body bytes
}

// closed reduces a raw client call to its error, closing the body.
func closed(resp *http.Response, err error) error {
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// moneykitSend sends body with params, the credentials in the Basic header when basic is set.
func moneykitSend(params *moneykit.CreateTokenParams, body moneykit.TokenRequest, basic bool) func(*testing.T, *httptest.Server) error {
	return func(t *testing.T, srv *httptest.Server) error {
		var editors []moneykit.RequestEditorFn
		if basic {
			editors = append(editors, basicAuth(moneykitID, moneykitSecret))
		}
		return closed(moneykitClient(t, srv).CreateTokenWithFormdataBody(ctx(t), params, body, editors...))
	}
}

// moovSend sends body as JSON or, with form set, as a form, with params; the credentials go
// in the Basic header when basic is set.
func moovSend(form bool, params *moov.CreateTokenParams, body moov.TokenRequest, basic bool) func(*testing.T, *httptest.Server) error {
	return func(t *testing.T, srv *httptest.Server) error {
		var editors []moov.RequestEditorFn
		if basic {
			editors = append(editors, basicAuth(moovID, moovSecret))
		}
		c := moovClient(t, srv)
		if form {
			return closed(c.CreateTokenWithFormdataBody(ctx(t), params, body, editors...))
		}
		return closed(c.CreateToken(ctx(t), params, body, editors...))
	}
}

// TestRequestsOnTheWire: each documented request shape of each spec, JSON or form, Basic
// header or body credentials, reaches the server exactly as documented and with nothing more:
// a POST to the documented path, no query, the documented media type, the credentials where
// the shape puts them and nowhere else, the optional version header only when set, and
// exactly the documented body.
func TestRequestsOnTheWire(t *testing.T) {
	const form, json = "application/x-www-form-urlencoded", "application/json"
	clientCredentials := moov.TokenRequest{GrantType: moov.TokenRequestGrantTypeClientCredentials}
	specs := []struct {
		name     string
		path     string
		id, sec  string // the Basic credentials
		version  string // the optional version request header, "" where the spec has none
		reply    reply
		requests []wireRequest
	}{
		{
			name: "moneygo", path: "/token", reply: reply{Status: 200},
			requests: []wireRequest{{
				name:        "json body credentials",
				send:        sent(moneygoToken),
				contentType: json,
				json: map[string]any{
					"grant_type":    "client_credentials",
					"client_id":     "CLIENT_ID",
					"client_secret": "CLIENT_SECRET",
					"scope":         "api",
				},
			}},
		},
		{
			name: "moneykit", path: "/auth/token", id: moneykitID, sec: moneykitSecret, version: "MoneyKit-Version",
			reply: reply{Status: 201},
			requests: []wireRequest{
				{
					name:        "Basic header, all scopes",
					send:        moneykitSend(nil, moneykit.TokenRequest{GrantType: moneykit.TokenRequestGrantTypeClientCredentials}, true),
					contentType: form,
					basic:       true,
					form:        url.Values{"grant_type": {"client_credentials"}},
					raw:         "grant_type=client_credentials",
				},
				{
					name:        "Basic header, scopes",
					send:        moneykitSend(nil, moneykit.TokenRequest{GrantType: moneykit.TokenRequestGrantTypeClientCredentials, Scope: new("accounts:read transactions:read")}, true),
					contentType: form,
					basic:       true,
					form:        url.Values{"grant_type": {"client_credentials"}, "scope": {"accounts:read transactions:read"}},
				},
				{
					name: "body credentials",
					send: moneykitSend(nil, moneykit.TokenRequest{
						GrantType:    moneykit.TokenRequestGrantTypeClientCredentials,
						ClientID:     new(moneykitID),
						ClientSecret: new(moneykitSecret),
						Scope:        new("accounts:read"),
					}, false),
					contentType: form,
					form: url.Values{
						"grant_type": {"client_credentials"}, "client_id": {moneykitID}, "client_secret": {moneykitSecret},
						"scope": {"accounts:read"},
					},
				},
				{
					// The optional header MoneyKit's official SDKs send goes out as given.
					name: "version header",
					send: moneykitSend(&moneykit.CreateTokenParams{MoneyKitVersion: new("2023-02-18")},
						moneykit.TokenRequest{GrantType: moneykit.TokenRequestGrantTypeClientCredentials}, true),
					contentType: form,
					basic:       true,
					version:     []string{"2023-02-18"},
					form:        url.Values{"grant_type": {"client_credentials"}},
					raw:         "grant_type=client_credentials",
				},
			},
		},
		{
			name: "moov", path: "/oauth2/token", id: moovID, sec: moovSecret, version: "X-Moov-Version",
			reply: reply{Status: 200, Header: map[string]string{"Content-Type": "application/json"}, Body: `{}`},
			requests: []wireRequest{
				{
					name: "json client_credentials, Basic header",
					send: moovSend(false, nil, moov.CreateTokenJSONRequestBody{
						GrantType: moov.TokenRequestGrantTypeClientCredentials,
						Scope:     new("/accounts.read /accounts.write"),
					}, true),
					contentType: json,
					basic:       true,
					json:        map[string]any{"grant_type": "client_credentials", "scope": "/accounts.read /accounts.write"},
				},
				{
					name: "json client_credentials, body credentials",
					send: moovSend(false, nil, moov.TokenRequest{
						GrantType:    moov.TokenRequestGrantTypeClientCredentials,
						ClientID:     new(moovID),
						ClientSecret: new(moovSecret),
						Scope:        new("/accounts.write"),
					}, false),
					contentType: json,
					json: map[string]any{
						"grant_type": "client_credentials", "client_id": moovID, "client_secret": moovSecret,
						"scope": "/accounts.write",
					},
				},
				{
					name: "json refresh_token, Basic header, no scope",
					send: moovSend(false, nil, moov.TokenRequest{
						GrantType:    moov.TokenRequestGrantTypeRefreshToken,
						RefreshToken: new(moovRefresh),
					}, true),
					contentType: json,
					basic:       true,
					json:        map[string]any{"grant_type": "refresh_token", "refresh_token": moovRefresh},
				},
				{
					name: "form client_credentials, body credentials",
					send: moovSend(true, nil, moov.CreateTokenFormdataRequestBody{
						GrantType:    moov.TokenRequestGrantTypeClientCredentials,
						ClientID:     new(moovID),
						ClientSecret: new(moovSecret),
						Scope:        new("/accounts.read /accounts.write"),
					}, false),
					contentType: form,
					form: url.Values{
						"grant_type": {"client_credentials"}, "client_id": {moovID}, "client_secret": {moovSecret},
						"scope": {"/accounts.read /accounts.write"},
					},
				},
				{
					// runtime.MarshalForm sends every field it does not skip, so an optional
					// field left nil must not reach the wire at all, not even as "scope=".
					name:        "form client_credentials, Basic header, nothing optional",
					send:        moovSend(true, nil, clientCredentials, true),
					contentType: form,
					basic:       true,
					form:        url.Values{"grant_type": {"client_credentials"}},
					raw:         "grant_type=client_credentials",
				},
				{
					name:        "form nothing optional, no credentials",
					send:        moovSend(true, nil, clientCredentials, false),
					contentType: form,
					form:        url.Values{"grant_type": {"client_credentials"}},
					raw:         "grant_type=client_credentials",
				},
				{
					name: "form refresh_token, body credentials",
					send: moovSend(true, nil, moov.TokenRequest{
						GrantType:    moov.TokenRequestGrantTypeRefreshToken,
						RefreshToken: new(moovRefresh),
						ClientID:     new(moovID),
						ClientSecret: new(moovSecret),
					}, false),
					contentType: form,
					form: url.Values{
						"grant_type": {"refresh_token"}, "refresh_token": {moovRefresh},
						"client_id": {moovID}, "client_secret": {moovSecret},
					},
				},
				{
					// A pointer to an empty string is a value, and is sent: callers leave a
					// field out with nil, never with new("").
					name: "form empty scope",
					send: moovSend(true, nil, moov.TokenRequest{
						GrantType: moov.TokenRequestGrantTypeClientCredentials,
						Scope:     new(""),
					}, false),
					contentType: form,
					form:        url.Values{"grant_type": {"client_credentials"}, "scope": {""}},
					raw:         "grant_type=client_credentials&scope=",
				},
				{
					// The optional header of Moov's OpenAPI document goes out as given, with
					// either request media type.
					name:        "json version header",
					send:        moovSend(false, &moov.CreateTokenParams{XMoovVersion: new("v2025.04.00")}, moov.TokenRequest{GrantType: moov.TokenRequestGrantTypeClientCredentials, Scope: new("/accounts.read")}, false),
					contentType: json,
					version:     []string{"v2025.04.00"},
					json:        map[string]any{"grant_type": "client_credentials", "scope": "/accounts.read"},
				},
				{
					name:        "form version header",
					send:        moovSend(true, &moov.CreateTokenParams{XMoovVersion: new("v2025.04.00")}, moov.TokenRequest{GrantType: moov.TokenRequestGrantTypeClientCredentials, Scope: new("/accounts.read")}, false),
					contentType: form,
					version:     []string{"v2025.04.00"},
					form:        url.Values{"grant_type": {"client_credentials"}, "scope": {"/accounts.read"}},
				},
			},
		},
		{
			name: "mobifinance", path: "/v2/oauth/token", reply: reply{Status: 200},
			requests: []wireRequest{{
				name:        "form body credentials, all five fields",
				send:        sent(mobifinanceToken),
				contentType: form,
				form: url.Values{
					"redirect_uri":  {"https://miniapp.example.mn/callback?x=1"},
					"client_id":     {"ClientID given by MobiFinance"},
					"client_secret": {"ClientSecret given by MobiFinance"},
					"code":          {"4/0AX4XfWh-code"},
					"grant_type":    {"authorization_code"},
				},
			}},
		},
	}
	for _, s := range specs {
		for _, tc := range s.requests {
			t.Run(s.name+"/"+tc.name, func(t *testing.T) {
				srv := newRecorder(t, s.reply)
				require.NoError(t, tc.send(t, srv.Server))

				got := srv.only(t)
				assert.Equal(t, http.MethodPost, got.Method)
				assert.Equal(t, s.path, got.Path)
				assert.Empty(t, got.Query)
				assert.Equal(t, tc.contentType, got.Header.Get("Content-Type"))
				if tc.basic {
					// Sent as given, not form-encoded first (x/oauth2 #783).
					assert.Equal(t, testkit.BasicHeader(s.id, s.sec), got.Header.Get("Authorization"))
				} else {
					assert.Empty(t, got.Header.Values("Authorization"))
				}
				if s.version != "" {
					assert.Equal(t, tc.version, got.Header.Values(s.version), "the %s header", s.version)
				}
				if tc.json != nil {
					assert.Equal(t, tc.json, jsonMap(t, got.Body))
				} else {
					assert.Equal(t, tc.form, formValues(t, got.Body))
				}
				if tc.raw != "" {
					assert.Equal(t, tc.raw, string(got.Body))
				}
			})
		}
	}
}
