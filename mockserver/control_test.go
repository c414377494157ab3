package mockserver_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/mockserver"
)

func doJSON(t *testing.T, c *http.Client, method, url, contentType, body string) (int, []byte) {
	t.Helper()
	resp, b := do(t, c, method, url, body, "Content-Type", contentType)
	return resp.StatusCode, b
}

func TestControlAPI(t *testing.T) {
	srv, c := newServer(t)
	base := srv.URL + mockserver.ControlPrefix

	st, b := doJSON(t, c, "GET", base, "", "")
	require.Equal(t, 200, st)
	var ix mockserver.Index
	require.NoError(t, json.Unmarshal(b, &ix))
	require.Len(t, ix.Providers, 4)
	assert.Equal(t, "/oauth2/token", ix.Providers[2].TokenPath)
	assert.Equal(t, "demo-moov-secret", ix.Providers[2].DemoSecret)
	assert.EqualValues(t, 0, ix.Providers[3].LifetimeSeconds, "permanent")
	assert.EqualValues(t, 900, ix.Providers[2].LifetimeSeconds)

	st, _ = doJSON(t, c, "POST", base+"moov/clients", ctJSON, `{"client_id":"ci","client_secret":"cs"}`)
	assert.Equal(t, 204, st)
	a := send(t, c, srv, tokenReq{p: mockserver.Moov, contentType: ctJSON, body: `{"grant_type":"client_credentials"}`, basic: [2]string{"ci", "cs"}}, true)
	assert.Equal(t, 200, a.Status)
	st, _ = doJSON(t, c, "POST", base+"moneykit/clients", ctForm, "client_id=fi&client_secret=fs")
	assert.Equal(t, 204, st)
	st, _ = doJSON(t, c, "POST", base+"moneykit/clients", ctJSON, `{"client_id":"x"}`)
	assert.Equal(t, 400, st)

	st, b = doJSON(t, c, "POST", base+"moov/faults", ctJSON, `{"status":429,"retry_after":"1","times":1,"delay":"10ms"}`)
	assert.Equal(t, 204, st, "%s", b)
	a = send(t, c, srv, validReq(t, srv, mockserver.Moov), false)
	assert.Equal(t, 429, a.Status)
	assert.Equal(t, "1", a.Header.Get("Retry-After"))
	for _, bad := range []string{`{"status":42}`, `{"delay":"soon"}`, `{"stauts":500}`, `nope`} {
		st, b = doJSON(t, c, "POST", base+"moov/faults", ctJSON, bad)
		assert.Equal(t, 400, st, bad)
		assert.Contains(t, string(b), `"error"`)
	}
	st, _ = doJSON(t, c, "POST", base+"moov/faults", ctJSON, `{"status":500}`)
	assert.Equal(t, 204, st)
	st, _ = doJSON(t, c, "DELETE", base+"moov/faults", "", "")
	assert.Equal(t, 204, st)
	assert.Equal(t, 200, send(t, c, srv, validReq(t, srv, mockserver.Moov), true).Status)
	st, _ = doJSON(t, c, "POST", base+"paypal/faults", ctJSON, `{"status":500}`)
	assert.Equal(t, 404, st)

	st, b = doJSON(t, c, "POST", base+"mobifinance/codes", ctJSON, `{"client_id":"demo-mobifinance","redirect_uri":"https://app.example/cb"}`)
	require.Equal(t, 201, st, "%s", b)
	var code struct{ Code string }
	require.NoError(t, json.Unmarshal(b, &code))
	id, secret := demo(mockserver.MobiFinance)
	a = send(t, c, srv, mobiReq(id, secret, code.Code, "https://app.example/cb"), true)
	assert.Equal(t, 200, a.Status)
	st, _ = doJSON(t, c, "POST", base+"mobifinance/codes", ctForm, "client_id=nobody&redirect_uri=x")
	assert.Equal(t, 400, st)
	st, b = doJSON(t, c, "POST", base+"mobifinance/codes", ctForm, `{"client_id":"demo-mobifinance","redirect_uri":"x"}`)
	assert.Equal(t, 201, st, "JSON as curl -d sends it, labelled a form: %s", b)

	tok := a.str(t, "access_token")
	st, _ = doJSON(t, c, "POST", base+"mobifinance/expire", "", "")
	assert.Equal(t, 204, st)
	s, _, _ := callProtected(t, c, srv.ProtectedURL(), "Bearer "+tok)
	assert.Equal(t, 401, s)

	st, b = doJSON(t, c, "GET", base+"counts", "", "")
	require.Equal(t, 200, st)
	var counts map[string]mockserver.Counts
	require.NoError(t, json.Unmarshal(b, &counts))
	assert.Equal(t, 3, counts["moov"].TokenRequests)
	assert.Equal(t, 1, counts["mobifinance"].TokensIssued)
	st, _ = doJSON(t, c, "DELETE", base+"counts", "", "")
	assert.Equal(t, 204, st)
	assert.Equal(t, mockserver.Counts{}, srv.TotalCounts())
}

// The handler serves from any server: here httptest's, without starting the mock's own.
func TestHandlerEmbedding(t *testing.T) {
	srv := mockserver.NewUnstarted(mockserver.WithClient(mockserver.MoneyGo, "emb", "sec"))
	defer srv.Close() // never started: fine
	assert.Empty(t, srv.URL)
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	resp, err := http.Post(ts.URL+"/token", ctJSON, strings.NewReader(`{"grant_type":"client_credentials","client_id":"emb","client_secret":"sec","scope":"api"}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, 1, srv.Counts(mockserver.MoneyGo).TokensIssued)

	h := mockserver.NewHandler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/oauth2/token", strings.NewReader(`{"grant_type":"client_credentials","client_id":"demo-moov","client_secret":"demo-moov-secret"}`)))
	assert.Equal(t, 400, rec.Code, "no Content-Type: %s", rec.Body)
	http.DefaultClient.CloseIdleConnections()
}

func TestStartTwicePanics(t *testing.T) {
	srv, _ := newServer(t)
	assert.Panics(t, srv.Start)
	assert.Equal(t, srv.URL+"/moov", srv.BaseURL(mockserver.Moov))
	assert.Equal(t, srv.URL+"/v2/oauth/token", srv.TokenURL(mockserver.MobiFinance))
}

func TestParseProvider(t *testing.T) {
	for in, want := range map[string]mockserver.Provider{"Money-Go": mockserver.MoneyGo, "moneykit": mockserver.MoneyKit, "MOOV": mockserver.Moov, " mobifinance ": mockserver.MobiFinance} { //nolint:gocritic // the spaces are the test: ParseProvider trims them
		got, err := mockserver.ParseProvider(in)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	_, err := mockserver.ParseProvider("paypal")
	assert.Error(t, err)
}
