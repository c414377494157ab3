package mockserver_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/mockserver"
)

// The deviations from RFC 6749 and RFC 9110 that generic OAuth2 clients in other languages
// and Prism found (the interop step of .ci/run), each pinned to its exact answer.

// RFC 6749 §3.2: "Request and response parameters MUST NOT be included more than once."
func TestRepeatedParameters(t *testing.T) {
	srv, c := newServer(t)
	d := demoSetup(srv)
	const desc = `parameter \"grant_type\" is repeated (RFC 6749 section 3.2)`
	cases := []struct {
		name string
		req  tokenReq
		want string
	}{
		{"moneygo json member twice",
			tokenReq{p: mg, contentType: ctJSON, body: `{"grant_type":"client_credentials","grant_type":"client_credentials","client_id":"` + d.gid + `","client_secret":"` + d.gsec + `","scope":"api"}`},
			`{"error":"invalid_request","error_description":"` + desc + `"}`},
		{"moneykit form field twice",
			tokenReq{p: mk, contentType: ctForm, body: "grant_type=client_credentials&grant_type=client_credentials", basic: [2]string{d.kid, d.ksec}},
			`{"documentation_url":"https://docs.moneykit.com/","error_code":"api_error.auth.unauthorized","error_message":"` + desc + `"}`},
		{"moov form field twice",
			tokenReq{p: mv, contentType: ctForm, body: "grant_type=client_credentials&scope=%2Faccounts.read&grant_type=refresh_token", basic: [2]string{d.vid, d.vsec}},
			`{"error":"invalid_request"}`},
		{"moov json member twice",
			tokenReq{p: mv, contentType: ctJSON, body: `{"grant_type":"client_credentials","grant_type":"client_credentials"}`, basic: [2]string{d.vid, d.vsec}},
			`{"error":"invalid_request"}`},
		{"mobifinance form field twice",
			tokenReq{p: mf, contentType: ctForm, body: "grant_type=authorization_code&grant_type=authorization_code&" + form("client_id", d.fid, "client_secret", d.fsec, "code", d.code, "redirect_uri", mockserver.DemoRedirectURI)},
			`{"error":"invalid_request","error_description":"` + desc + `"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := send(t, c, srv, tc.req, true)
			require.Equal(t, 400, a.Status, "%s", a.Body)
			assert.Equal(t, ctJSON, a.Header.Get("Content-Type"))
			assert.JSONEq(t, tc.want, string(a.Body))
		})
	}
	t.Run("an encoded name counts as the same name", func(t *testing.T) {
		a := send(t, c, srv, tokenReq{p: mk, contentType: ctForm, body: "grant_type=client_credentials&grant%5Ftype=client_credentials", basic: [2]string{d.kid, d.ksec}}, true)
		require.Equal(t, 400, a.Status, "%s", a.Body)
		assert.Equal(t, `parameter "grant_type" is repeated (RFC 6749 section 3.2)`, a.str(t, "error_message"))
	})
	t.Run("a refused request does not spend the code", func(t *testing.T) {
		a := send(t, c, srv, mobiReq(d.fid, d.fsec, d.code, mockserver.DemoRedirectURI), true)
		assert.Equal(t, 200, a.Status, "%s", a.Body)
	})
	t.Run("distinct parameters pass", func(t *testing.T) {
		a := send(t, c, srv, tokenReq{p: mv, contentType: ctForm, body: "grant_type=client_credentials&scope=%2Faccounts.read&", basic: [2]string{d.vid, d.vsec}}, true)
		assert.Equal(t, 200, a.Status, "%s", a.Body)
	})
	assert.Equal(t, 1, srv.Counts(mg).TokenErrors, "a refused request is counted as one")
}

// RFC 9110 §11.6.1, §15.5.2: a 401 MUST carry WWW-Authenticate. RFC 6749 §5.2: a client that
// authenticated with the Authorization header gets 401 invalid_client, never 400.
func TestUnauthorizedChallenge(t *testing.T) {
	srv, c := newServer(t)
	d := demoSetup(srv)
	type challenged struct {
		challenge string // "" : none
		body      string // "" : not checked
	}
	runTokenCases(t, c, srv, []tokenCase[challenged]{
		{"moneygo body credentials", tokenReq{p: mg, contentType: ctJSON, body: jsonBody(t, "grant_type", "client_credentials", "client_id", d.gid, "client_secret", "wrong", "scope", "api")},
			401, challenged{`Basic realm="moneygo", charset="UTF-8"`, `{"error":"invalid_client","error_description":"Invalid client_id or client_secret"}`}},
		{"moneykit basic", tokenReq{p: mk, contentType: ctForm, body: form("grant_type", "client_credentials"), basic: [2]string{d.kid, "wrong"}},
			401, challenged{`Basic realm="moneykit", charset="UTF-8"`, `{"documentation_url":"https://docs.moneykit.com/","error_code":"api_error.auth.unauthorized","error_message":"Invalid client_id or client_secret"}`}},
		{"moneykit no credentials", tokenReq{p: mk, contentType: ctForm, body: form("grant_type", "client_credentials")},
			401, challenged{`Basic realm="moneykit", charset="UTF-8"`, `{"documentation_url":"https://docs.moneykit.com/","error_code":"api_error.auth.unauthorized","error_message":"Invalid client_id or client_secret"}`}},
		{"moov basic is 401", tokenReq{p: mv, contentType: ctJSON, body: jsonBody(t, "grant_type", "client_credentials"), basic: [2]string{d.vid, "wrong"}},
			401, challenged{`Basic realm="moov", charset="UTF-8"`, `{"error":"invalid_client"}`}},
		{"moov form basic is 401", tokenReq{p: mv, contentType: ctForm, body: form("grant_type", "client_credentials"), basic: [2]string{d.vid, "wrong"}},
			401, challenged{`Basic realm="moov", charset="UTF-8"`, `{"error":"invalid_client"}`}},
		{"moov body credentials stay 400", tokenReq{p: mv, contentType: ctJSON, body: jsonBody(t, "grant_type", "client_credentials", "client_id", d.vid, "client_secret", "wrong")},
			400, challenged{"", `{"error":"invalid_client"}`}},
		{"mobifinance", mobiReq(d.fid, "wrong", d.code, mockserver.DemoRedirectURI),
			401, challenged{`Basic realm="mobifinance", charset="UTF-8"`, `{"error":"unauthorized_client","error_description":"Invalid client_id or client_secret"}`}},
		{"mobifinance right secret", mobiReq(d.fid, d.fsec, d.code, mockserver.DemoRedirectURI), 200, challenged{}},
	}, func(t *testing.T, tc tokenCase[challenged], a answer) {
		assert.Equal(t, tc.want.challenge, a.Header.Get("WWW-Authenticate"))
		if tc.want.body != "" {
			assert.JSONEq(t, tc.want.body, string(a.Body))
		}
	})
	t.Run("an injected 401 gets the challenge too", func(t *testing.T) {
		srv.InjectFault(mv, mockserver.Fault{Status: 401, Times: 1})
		a := sendRaw(t, c, srv, validReq(t, srv, mv))
		require.Equal(t, 401, a.Status)
		assert.Equal(t, `Basic realm="moov", charset="UTF-8"`, a.Header.Get("WWW-Authenticate"))
	})
}

// Moov mirrors a form request with a form answer, but a client whose Accept prefers JSON gets
// JSON (RFC 9110 §12.5.1): generic clients post a form and read only JSON, and the spec
// allows either answer.
func TestMoovAnswerFollowsAccept(t *testing.T) {
	srv, c := newServer(t)
	vid, vsec := demo(mockserver.Moov)
	for _, tc := range []struct {
		accept string
		want   string
	}{
		{"", ctForm},
		{"*/*", ctForm},
		{"application/json", ctJSON},
		{"application/json, */*;q=0.1", ctJSON},
		{"application/*", ctForm},
		{"application/x-www-form-urlencoded", ctForm},
		{"application/json;q=0.5, application/x-www-form-urlencoded", ctForm},
		{"application/x-www-form-urlencoded;q=0.2, application/json;q=0.9", ctJSON},
		{"application/json;q=0", ctForm},
		{"text/html", ctForm},
	} {
		t.Run(tc.accept, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, srv.TokenURL(mockserver.Moov), strings.NewReader(form("grant_type", "client_credentials")))
			require.NoError(t, err)
			req.Header.Set("Content-Type", ctForm)
			if tc.accept != "" {
				req.Header.Set("Accept", tc.accept)
			}
			req.SetBasicAuth(vid, vsec)
			resp, err := c.Do(req)
			require.NoError(t, err)
			a := readAnswer(t, resp)
			validateAnswer(t, tokenReq{p: mockserver.Moov, contentType: ctForm, body: form("grant_type", "client_credentials")}, a, true)
			require.Equal(t, 200, a.Status, "%s", a.Body)
			require.Equal(t, tc.want, a.Header.Get("Content-Type"))
			tok := ""
			if tc.want == ctJSON {
				tok = a.str(t, "access_token")
				assert.Equal(t, "opaque", a.str(t, "token_type"))
			} else {
				v, err := url.ParseQuery(string(a.Body))
				require.NoError(t, err)
				tok = v.Get("access_token")
			}
			st, _, _ := callProtected(t, c, srv.ProtectedURL(), "Bearer "+tok)
			assert.Equal(t, 200, st)
		})
	}
	t.Run("a JSON request is answered in JSON whatever Accept says", func(t *testing.T) {
		a := sendRaw(t, c, srv, tokenReq{p: mv, contentType: ctJSON, body: `{"grant_type":"client_credentials"}`,
			basic: [2]string{vid, vsec}, header: http.Header{"Accept": {ctForm}}})
		require.Equal(t, 200, a.Status, "%s", a.Body)
		assert.Equal(t, ctJSON, a.Header.Get("Content-Type"))
	})
}

// RFC 9110 §15.5.14: a body larger than the server takes is 413 Content Too Large, with the
// provider's error body; the request is counted as refused.
func TestOversizedRequestBody(t *testing.T) {
	srv, c := newServer(t)
	huge := strings.Repeat("a", 64<<10+1)
	want := map[mockserver.Provider]string{
		mockserver.MoneyGo:     `{"error":"invalid_request","error_description":"request body larger than 65536 bytes"}`,
		mockserver.MoneyKit:    `{"documentation_url":"https://docs.moneykit.com/","error_code":"api_error.auth.unauthorized","error_message":"request body larger than 65536 bytes"}`,
		mockserver.Moov:        `{"error":"invalid_request"}`,
		mockserver.MobiFinance: `{"error":"invalid_request","error_description":"request body larger than 65536 bytes"}`,
	}
	for _, p := range mockserver.Providers() {
		t.Run(string(p), func(t *testing.T) {
			ct, body := ctForm, "grant_type=client_credentials&scope="+huge
			if p == mockserver.MoneyGo {
				ct, body = ctJSON, `{"grant_type":"client_credentials","scope":"`+huge+`"}`
			}
			a := send(t, c, srv, tokenReq{p: p, contentType: ct, body: body}, true)
			require.Equal(t, http.StatusRequestEntityTooLarge, a.Status, "%.200s", a.Body)
			assert.Equal(t, ctJSON, a.Header.Get("Content-Type"))
			assert.JSONEq(t, want[p], string(a.Body))
			n := srv.Counts(p)
			assert.Equal(t, 1, n.TokenRequests)
			assert.Equal(t, 1, n.TokenErrors)
		})
	}
}

func readAnswer(t *testing.T, resp *http.Response) answer {
	t.Helper()
	defer resp.Body.Close()
	var b strings.Builder
	_, err := io.Copy(&b, resp.Body)
	require.NoError(t, err)
	return answer{Status: resp.StatusCode, Header: resp.Header, Body: []byte(b.String())}
}

// RFC 6749 §3.3, §6: a token asked for without a scope has the default scope (every scope,
// in the mock), so its refresh token may be narrowed to any scope; a scoped one only narrowed.
func TestMoovRefreshAfterDefaultScope(t *testing.T) {
	srv, c := newServer(t)
	vid, vsec := demo(mockserver.Moov)
	get := func(body string) answer {
		return send(t, c, srv, tokenReq{p: mockserver.Moov, contentType: ctForm, body: body, basic: [2]string{vid, vsec}}, true)
	}
	first := get(form("grant_type", "client_credentials"))
	require.Equal(t, 200, first.Status, "%s", first.Body)
	v, err := url.ParseQuery(string(first.Body))
	require.NoError(t, err)
	assert.Empty(t, v.Get("scope"))
	second := get(form("grant_type", "refresh_token", "refresh_token", v.Get("refresh_token"), "scope", "/accounts.read"))
	require.Equal(t, 200, second.Status, "%s", second.Body)
	v, err = url.ParseQuery(string(second.Body))
	require.NoError(t, err)
	assert.Equal(t, "/accounts.read", v.Get("scope"))
	third := get(form("grant_type", "refresh_token", "refresh_token", v.Get("refresh_token"), "scope", "/accounts.read /transfers.write"))
	require.Equal(t, 400, third.Status, "%s", third.Body)
	assert.JSONEq(t, `{"error":"invalid_scope"}`, string(third.Body))
}

// The spec's format: uri on MobiFinance's redirect_uri is enforced, as Prism enforces it:
// a request it rejects gets 400 invalid_request and leaves the code unspent.
func TestRedirectURIFormat(t *testing.T) {
	srv, c := newServer(t)
	d := demoSetup(srv)
	for _, bad := range []string{"not a uri", "/callback", "miniapp.example.mn/callback", "https://miniapp.example.mn/call back", "https://x/{y}"} {
		t.Run(bad, func(t *testing.T) {
			a := send(t, c, srv, mobiReq(d.fid, d.fsec, d.code, bad), true)
			require.Equal(t, 400, a.Status, "%s", a.Body)
			assert.Equal(t, "invalid_request", a.str(t, "error"))
			assert.Contains(t, a.str(t, "error_description"), "redirect_uri")
		})
	}
	a := send(t, c, srv, mobiReq(d.fid, d.fsec, d.code, mockserver.DemoRedirectURI), true)
	assert.Equal(t, 200, a.Status, "the refused requests left the code unspent: %s", a.Body)
}

// RFC 6749 §2.3.1, §3.2: token request parameters travel in the body, never in the request
// URI; net/http's ParseForm would merge a query into them. A query of the endpoint's own
// (other names) is allowed and ignored.
func TestParametersInTheQuery(t *testing.T) {
	srv, c := newServer(t)
	kid, ksec := demo(mockserver.MoneyKit)
	const desc = `parameter \"client_secret\" in the request URI: token request parameters go in the body (RFC 6749 section 3.2)`
	for _, tc := range []struct {
		name   string
		req    tokenReq
		want   string
		status int
	}{
		{"moneykit credentials in the query",
			tokenReq{p: mockserver.MoneyKit, path: "/auth/token?client_secret=" + ksec, contentType: ctForm, body: form("grant_type", "client_credentials", "client_id", kid)},
			`{"documentation_url":"https://docs.moneykit.com/","error_code":"api_error.auth.unauthorized","error_message":"` + desc + `"}`, 400},
		{"moov grant_type in the query",
			tokenReq{p: mockserver.Moov, path: "/oauth2/token?grant_type=client_credentials", contentType: ctForm, body: form("scope", "/accounts.read"), basic: demoPair(mockserver.Moov)},
			`{"error":"invalid_request"}`, 400},
		{"mobifinance code in the query",
			tokenReq{p: mockserver.MobiFinance, path: "/v2/oauth/token?code=x", contentType: ctForm, body: form("grant_type", "authorization_code")},
			`{"error":"invalid_request","error_description":"parameter \"code\" in the request URI: token request parameters go in the body (RFC 6749 section 3.2)"}`, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := send(t, c, srv, tc.req, true)
			require.Equal(t, tc.status, a.Status, "%s", a.Body)
			assert.JSONEq(t, tc.want, string(a.Body))
		})
	}
	t.Run("another query is ignored", func(t *testing.T) {
		a := send(t, c, srv, tokenReq{p: mockserver.MoneyKit, path: "/auth/token?tenant=eu", contentType: ctForm, body: form("grant_type", "client_credentials"), basic: [2]string{kid, ksec}}, true)
		assert.Equal(t, 201, a.Status, "%s", a.Body)
	})
}

func demoPair(p mockserver.Provider) [2]string {
	id, secret := demo(p)
	return [2]string{id, secret}
}
