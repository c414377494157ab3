package mockserver_test

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/mockserver"

	"github.com/paytoken/paytoken/internal/testkit"
)

func TestTokenSuccess(t *testing.T) {
	srv, c := newServer(t)
	id := mockserver.DemoClientID
	sec := mockserver.DemoClientSecret
	cases := []struct {
		name       string
		req        tokenReq
		status     int
		tokenType  string
		expiresIn  string
		formAnswer bool
	}{
		{"moneygo json", tokenReq{p: mg, contentType: ctJSON, body: jsonBody(t, "grant_type", "client_credentials", "client_id", id(mg), "client_secret", sec(mg), "scope", "api")}, 200, "Bearer", "2592000", false},
		{"moneykit basic", tokenReq{p: mk, contentType: ctForm, body: form("grant_type", "client_credentials"), basic: [2]string{id(mk), sec(mk)}}, 201, "bearer", "3600", false},
		{"moneykit body creds and scope", tokenReq{p: mk, contentType: ctForm, body: form("grant_type", "client_credentials", "client_id", id(mk), "client_secret", sec(mk), "scope", "accounts:read transactions:read")}, 201, "bearer", "3600", false},
		{"moneykit both agreeing", tokenReq{p: mk, contentType: ctForm, body: form("grant_type", "client_credentials", "client_id", id(mk)), basic: [2]string{id(mk), sec(mk)}}, 201, "bearer", "3600", false},
		{"moov json basic", tokenReq{p: mv, contentType: ctJSON, body: jsonBody(t, "grant_type", "client_credentials", "scope", "/accounts.write"), basic: [2]string{id(mv), sec(mv)}}, 200, "opaque", "900", false},
		{"moov json body creds", tokenReq{p: mv, contentType: ctJSON, body: jsonBody(t, "grant_type", "client_credentials", "client_id", id(mv), "client_secret", sec(mv))}, 200, "opaque", "900", false},
		{"moov json with charset", tokenReq{p: mv, contentType: "application/json; charset=utf-8", body: jsonBody(t, "grant_type", "client_credentials"), basic: [2]string{id(mv), sec(mv)}}, 200, "opaque", "900", false},
		{"moov form mirrors", tokenReq{p: mv, contentType: ctForm, body: form("grant_type", "client_credentials", "scope", "/accounts.write"), basic: [2]string{id(mv), sec(mv)}}, 200, "opaque", "900", true},
		{"moov prefixed path", tokenReq{p: mv, path: "/moov/oauth2/token", contentType: ctJSON, body: jsonBody(t, "grant_type", "client_credentials"), basic: [2]string{id(mv), sec(mv)}}, 200, "opaque", "900", false},
		{"mobifinance", validReq(t, srv, mockserver.MobiFinance), 200, "Bearer", "", false},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := send(t, c, srv, tc.req, true)
			require.Equal(t, tc.status, a.Status, "%s", a.Body)
			var tok, typ, exp string
			if tc.formAnswer {
				assert.Equal(t, ctForm, a.Header.Get("Content-Type"))
				v, err := url.ParseQuery(string(a.Body))
				require.NoError(t, err)
				tok, typ, exp = v.Get("access_token"), v.Get("token_type"), v.Get("expires_in")
				assert.Equal(t, "/accounts.write", v.Get("scope"), "scopes are echoed")
				assert.NotEmpty(t, v.Get("refresh_token"))
			} else {
				assert.Equal(t, ctJSON, a.Header.Get("Content-Type"))
				m := a.json(t)
				tok, typ = m["access_token"].(string), m["token_type"].(string)
				if n, ok := m["expires_in"].(json.Number); ok {
					exp = n.String()
				}
			}
			assert.Len(t, tok, 64, "32 random bytes, hex")
			assert.False(t, seen[tok], "tokens are unique")
			seen[tok] = true
			assert.Equal(t, tc.tokenType, typ)
			assert.Equal(t, tc.expiresIn, exp)
			assert.Regexp(t, requestIDPattern, a.Header.Get("X-Request-Id"), "a UUID, the format of Moov's x-request-id")

			st, _, ans := callProtected(t, c, srv.ProtectedURL(), "Bearer "+tok)
			assert.Equal(t, 200, st, "%v", ans)
			assert.Equal(t, string(tc.req.p), ans["provider"])
		})
	}
	t.Run("moov echoes the scope in JSON too", func(t *testing.T) {
		a := send(t, c, srv, tokenReq{p: mv, contentType: ctJSON, body: jsonBody(t, "grant_type", "client_credentials", "scope", "/accounts.read /transfers.write"), basic: [2]string{id(mv), sec(mv)}}, true)
		assert.Equal(t, "/accounts.read /transfers.write", a.str(t, "scope"))
		assert.NotEmpty(t, a.str(t, "refresh_token"))
	})
}

func TestRequestValidation(t *testing.T) {
	srv, c := newServer(t)
	d := demoSetup(srv)
	// want: the "error" (or MoneyKit error_code)
	runTokenCases(t, c, srv, []tokenCase[string]{
		{"moneygo missing scope", tokenReq{p: mg, contentType: ctJSON, body: jsonBody(t, "grant_type", "client_credentials", "client_id", d.gid, "client_secret", d.gsec)}, 400, "invalid_request"},
		{"moneygo form body", tokenReq{p: mg, contentType: ctForm, body: form("grant_type", "client_credentials", "client_id", d.gid, "client_secret", d.gsec, "scope", "api")}, 400, "invalid_request"},
		{"moneygo broken json", tokenReq{p: mg, contentType: ctJSON, body: `{"grant_type":`}, 400, "invalid_request"},
		{"moneygo no body", tokenReq{p: mg, contentType: ctJSON}, 400, "invalid_request"},
		{"moneygo wrong grant", tokenReq{p: mg, contentType: ctJSON, body: jsonBody(t, "grant_type", "password", "client_id", d.gid, "client_secret", d.gsec, "scope", "api")}, 400, "unsupported_grant_type"},
		{"moneykit missing grant", tokenReq{p: mk, contentType: ctForm, body: form("scope", "x"), basic: [2]string{d.kid, d.ksec}}, 400, "api_error.auth.unauthorized"},
		{"moneykit json body", tokenReq{p: mk, contentType: ctJSON, body: jsonBody(t, "grant_type", "client_credentials"), basic: [2]string{d.kid, d.ksec}}, 400, "api_error.auth.unauthorized"},
		{"moneykit wrong grant", tokenReq{p: mk, contentType: ctForm, body: form("grant_type", "refresh_token"), basic: [2]string{d.kid, d.ksec}}, 400, "api_error.auth.unauthorized"},
		{"moneykit credentials disagree", tokenReq{p: mk, contentType: ctForm, body: form("grant_type", "client_credentials", "client_id", "someone-else"), basic: [2]string{d.kid, d.ksec}}, 400, "api_error.auth.unauthorized"},
		{"moov no content type", tokenReq{p: mv, body: jsonBody(t, "grant_type", "client_credentials"), basic: [2]string{d.vid, d.vsec}}, 400, "invalid_request"},
		{"moov text/plain", tokenReq{p: mv, contentType: "text/plain", body: "grant_type=client_credentials", basic: [2]string{d.vid, d.vsec}}, 400, "invalid_request"},
		{"moov missing grant", tokenReq{p: mv, contentType: ctJSON, body: `{}`, basic: [2]string{d.vid, d.vsec}}, 400, "invalid_request"},
		{"moov grant not a string", tokenReq{p: mv, contentType: ctJSON, body: `{"grant_type":7}`, basic: [2]string{d.vid, d.vsec}}, 400, "invalid_request"},
		{"moov refresh token too long", tokenReq{p: mv, contentType: ctJSON, body: jsonBody(t, "grant_type", "refresh_token", "refresh_token", strings.Repeat("r", 4097)), basic: [2]string{d.vid, d.vsec}}, 400, "invalid_request"},
		{"moov refresh grant without token", tokenReq{p: mv, contentType: ctJSON, body: jsonBody(t, "grant_type", "refresh_token"), basic: [2]string{d.vid, d.vsec}}, 400, "invalid_request"},
		{"moov wrong grant", tokenReq{p: mv, contentType: ctJSON, body: jsonBody(t, "grant_type", "password"), basic: [2]string{d.vid, d.vsec}}, 400, "unsupported_grant_type"},
		{"moov credentials disagree", tokenReq{p: mv, contentType: ctJSON, body: jsonBody(t, "grant_type", "client_credentials", "client_secret", "other"), basic: [2]string{d.vid, d.vsec}}, 400, "invalid_request"},
		{"mobifinance missing code", tokenReq{p: mf, contentType: ctForm, body: form("grant_type", "authorization_code", "client_id", d.fid, "client_secret", d.fsec, "redirect_uri", mockserver.DemoRedirectURI)}, 400, "invalid_request"},
		{"mobifinance json", tokenReq{p: mf, contentType: ctJSON, body: jsonBody(t, "grant_type", "authorization_code", "client_id", d.fid, "client_secret", d.fsec, "code", d.code, "redirect_uri", mockserver.DemoRedirectURI)}, 400, "invalid_request"},
		{"mobifinance wrong grant is 415", tokenReq{p: mf, contentType: ctForm, body: form("grant_type", "client_credentials", "client_id", d.fid, "client_secret", d.fsec, "code", d.code, "redirect_uri", mockserver.DemoRedirectURI)}, 415, "unsupported_grant_type"},
	}, func(t *testing.T, tc tokenCase[string], a answer) {
		assert.Equal(t, ctJSON, a.Header.Get("Content-Type"), "a JSON error body, never a Go error string")
		key := "error"
		if tc.req.p == mk {
			key = "error_code"
			assert.NotEmpty(t, a.str(t, "error_message"))
			assert.Equal(t, "https://docs.moneykit.com/", a.str(t, "documentation_url"))
		}
		assert.Equal(t, tc.want, a.str(t, key))
		for _, leak := range []string{"can't", "json:", "unexpected EOF", d.gsec, d.ksec, d.vsec, d.fsec} {
			assert.NotContains(t, string(a.Body), leak)
		}
	})
	// The code sent with the rejected requests was never spent.
	a := send(t, c, srv, tokenReq{p: mf, contentType: ctForm, body: form("grant_type", "authorization_code", "client_id", d.fid, "client_secret", d.fsec, "code", d.code, "redirect_uri", mockserver.DemoRedirectURI)}, true)
	assert.Equal(t, 200, a.Status, "%s", a.Body)
}

func TestMethodAndPath(t *testing.T) {
	srv, c := newServer(t)
	resp, err := c.Get(srv.URL + "/oauth2/token")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 405, resp.StatusCode)
	assert.Equal(t, "POST", resp.Header.Get("Allow"))
	resp, err = c.Post(srv.URL+"/nope", ctJSON, nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 404, resp.StatusCode)
}

func TestBadCredentials(t *testing.T) {
	srv, c := newServer(t, mockserver.WithClient(mockserver.MoneyKit, "live_5c739a369515e10fc9e0", "s3cret"))
	d := demoSetup(srv)
	type keyCode struct{ key, code string } // the error field and its value
	runTokenCases(t, c, srv, []tokenCase[keyCode]{
		{"moneygo", tokenReq{p: mg, contentType: ctJSON, body: jsonBody(t, "grant_type", "client_credentials", "client_id", d.gid, "client_secret", "wrong", "scope", "api")}, 401, keyCode{"error", "invalid_client"}},
		{"moneykit basic", tokenReq{p: mk, contentType: ctForm, body: form("grant_type", "client_credentials"), basic: [2]string{d.kid, "wrong"}}, 401, keyCode{"error_code", "api_error.auth.unauthorized"}},
		{"moneykit body", tokenReq{p: mk, contentType: ctForm, body: form("grant_type", "client_credentials", "client_id", "live_5c739a369515e10fc9e0", "client_secret", "wrong")}, 401, keyCode{"error_code", "api_error.auth.unauthorized"}},
		{"moneykit none", tokenReq{p: mk, contentType: ctForm, body: form("grant_type", "client_credentials")}, 401, keyCode{"error_code", "api_error.auth.unauthorized"}},
		{"moneykit broken basic", tokenReq{p: mk, contentType: ctForm, body: form("grant_type", "client_credentials"), rawAuth: "Basic !!!"}, 401, keyCode{"error_code", "api_error.auth.unauthorized"}},
		{"moov unknown client in Basic", tokenReq{p: mv, contentType: ctJSON, body: jsonBody(t, "grant_type", "client_credentials"), basic: [2]string{"nobody", "x"}}, 401, keyCode{"error", "invalid_client"}},
		{"moov unknown client in the body", tokenReq{p: mv, contentType: ctJSON, body: jsonBody(t, "grant_type", "client_credentials", "client_id", "nobody", "client_secret", "x")}, 400, keyCode{"error", "invalid_client"}},
		{"moov wrong secret in body", tokenReq{p: mv, contentType: ctForm, body: form("grant_type", "client_credentials", "client_id", d.vid, "client_secret", "wrong")}, 400, keyCode{"error", "invalid_client"}},
		{"mobifinance", tokenReq{p: mf, contentType: ctForm, body: form("grant_type", "authorization_code", "client_id", d.fid, "client_secret", "wrong", "code", d.code, "redirect_uri", mockserver.DemoRedirectURI)}, 401, keyCode{"error", "unauthorized_client"}},
	}, func(t *testing.T, tc tokenCase[keyCode], a answer) {
		assert.Equal(t, tc.want.code, a.str(t, tc.want.key))
		assert.NotContains(t, string(a.Body), "wrong")
	})
	t.Run("mobifinance d.code survives a wrong secret", func(t *testing.T) {
		a := send(t, c, srv, tokenReq{p: mf, contentType: ctForm, body: form("grant_type", "authorization_code", "client_id", d.fid, "client_secret", d.fsec, "code", d.code, "redirect_uri", mockserver.DemoRedirectURI)}, true)
		assert.Equal(t, 200, a.Status, "%s", a.Body)
	})
	t.Run("removed client", func(t *testing.T) {
		srv.RemoveClient(mk, "live_5c739a369515e10fc9e0")
		a := send(t, c, srv, tokenReq{p: mk, contentType: ctForm, body: form("grant_type", "client_credentials"), basic: [2]string{"live_5c739a369515e10fc9e0", "s3cret"}}, true)
		assert.Equal(t, 401, a.Status)
	})
}

// RFC 6749 §2.3.1 has clients form-encode id and secret before Basic; golang.org/x/oauth2
// does, paytoken does not (x/oauth2 #783). The mock takes both.
func TestBasicCredentialsEncodedOrNot(t *testing.T) {
	const id, secret = "app one+two", "p@ss:w/rd %"
	srv, c := newServer(t, mockserver.WithClient(mockserver.Moov, id, secret))
	for name, auth := range map[string]string{
		"as given":     testkit.BasicHeader(id, secret),
		"form-encoded": testkit.BasicHeader(url.QueryEscape(id), url.QueryEscape(secret)),
	} {
		t.Run(name, func(t *testing.T) {
			a := send(t, c, srv, tokenReq{p: mockserver.Moov, contentType: ctJSON, body: `{"grant_type":"client_credentials"}`, rawAuth: auth}, true)
			assert.Equal(t, 200, a.Status, "%s", a.Body)
		})
	}
	t.Run("basic scheme is case-insensitive", func(t *testing.T) {
		raw := "basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
		a := send(t, c, srv, tokenReq{p: mockserver.Moov, contentType: ctJSON, body: `{"grant_type":"client_credentials"}`, rawAuth: raw}, true)
		assert.Equal(t, 200, a.Status, "%s", a.Body)
	})
}

func TestWithoutDemoClients(t *testing.T) {
	srv, c := newServer(t, mockserver.WithoutDemoClients(), mockserver.WithClient(mockserver.MoneyGo, "mine", "secret"))
	a := send(t, c, srv, validReq(t, srv, mockserver.MoneyGo), true)
	assert.Equal(t, 401, a.Status)
	a = send(t, c, srv, tokenReq{p: mockserver.MoneyGo, contentType: ctJSON, body: jsonBody(t, "grant_type", "client_credentials", "client_id", "mine", "client_secret", "secret", "scope", "api")}, true)
	assert.Equal(t, 200, a.Status)
	_, err := srv.IssueCode(mockserver.DemoClientID(mockserver.MobiFinance), mockserver.DemoRedirectURI)
	assert.ErrorContains(t, err, "not registered")
	for _, e := range srv.Index().Providers {
		assert.Empty(t, e.DemoSecret)
	}
}

func TestLifetimes(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Now()}
	srv, c := newServer(t, mockserver.WithClock(clock.Now),
		mockserver.WithTokenLifetime(mockserver.MoneyGo, 1500*time.Millisecond), // rounded up to 2 s
		mockserver.WithTokenLifetime(mockserver.MoneyKit, time.Minute),
		mockserver.WithTokenLifetime(mockserver.Moov, time.Second),
		mockserver.WithTokenLifetime(mockserver.MobiFinance, time.Hour),
	)
	want := map[mockserver.Provider]string{mockserver.MoneyGo: "2", mockserver.MoneyKit: "60", mockserver.Moov: "1", mockserver.MobiFinance: "3600"}
	toks := map[mockserver.Provider]string{}
	for _, p := range mockserver.Providers() {
		a := send(t, c, srv, validReq(t, srv, p), true)
		require.Less(t, a.Status, 300, "%s", a.Body)
		m := a.json(t)
		assert.Equal(t, want[p], m["expires_in"].(json.Number).String(), "%s", p)
		toks[p] = m["access_token"].(string)
	}
	st, _, _ := callProtected(t, c, srv.ProtectedURL(), "Bearer "+toks[mockserver.Moov])
	assert.Equal(t, 200, st)
	clock.Advance(1100 * time.Millisecond)
	st, h, body := callProtected(t, c, srv.ProtectedURL(), "Bearer "+toks[mockserver.Moov])
	assert.Equal(t, 401, st, "a Moov token lives one second here")
	assert.Contains(t, h.Get("WWW-Authenticate"), `error="invalid_token"`)
	assert.Equal(t, "the access token has expired", body["error_description"])
	st, _, _ = callProtected(t, c, srv.ProtectedURL(), "Bearer "+toks[mockserver.MoneyKit])
	assert.Equal(t, 200, st)

	assert.Panics(t, func() { mockserver.WithTokenLifetime(mockserver.Moov, 0) })
	assert.NotPanics(t, func() { mockserver.WithTokenLifetime(mockserver.MobiFinance, 0) })
	assert.Panics(t, func() { mockserver.WithTokenLifetime("nope", time.Second) })
}

func TestMoovJWT(t *testing.T) {
	srv, c := newServer(t, mockserver.WithMoovTokenType("jwt"))
	a := send(t, c, srv, validReq(t, srv, mockserver.Moov), true)
	require.Equal(t, 200, a.Status, "%s", a.Body)
	assert.Equal(t, "jwt", a.str(t, "token_type"))
	tok := a.str(t, "access_token")
	parts := strings.Split(tok, ".")
	require.Len(t, parts, 3)
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var claims map[string]any
	require.NoError(t, json.Unmarshal(payload, &claims))
	assert.Equal(t, mockserver.DemoClientID(mockserver.Moov), claims["sub"])
	assert.Equal(t, "/accounts.read", claims["scope"])
	assert.NotZero(t, claims["exp"])
	st, _, ans := callProtected(t, c, srv.ProtectedURL(), "Bearer "+tok)
	assert.Equal(t, 200, st)
	assert.Equal(t, "jwt", ans["token_type"])
	assert.Panics(t, func() { mockserver.WithMoovTokenType("mac") })
}
