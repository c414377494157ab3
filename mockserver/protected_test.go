package mockserver_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/mockserver"

	"github.com/paytoken/paytoken/internal/testkit"
)

func issueToken(t *testing.T, c *http.Client, srv *mockserver.Server, p mockserver.Provider) string {
	t.Helper()
	a := send(t, c, srv, validReq(t, srv, p), true)
	require.Less(t, a.Status, 300, "%s", a.Body)
	return a.str(t, "access_token")
}

func TestProtected(t *testing.T) {
	srv, c := newServer(t)
	moovTok := issueToken(t, c, srv, mockserver.Moov)
	kitTok := issueToken(t, c, srv, mockserver.MoneyKit)

	t.Run("bearer", func(t *testing.T) {
		st, h, ans := callProtected(t, c, srv.ProtectedURL(), "Bearer "+moovTok)
		require.Equal(t, 200, st)
		assert.Equal(t, "no-store", h.Get("Cache-Control"))
		assert.Equal(t, true, ans["ok"])
		assert.Equal(t, "moov", ans["provider"])
		assert.Equal(t, mockserver.DemoClientID(mockserver.Moov), ans["client_id"])
		assert.Equal(t, "/accounts.read", ans["scope"])
		assert.Equal(t, "opaque", ans["token_type"])
		assert.NotEmpty(t, ans["expires_at"])
	})
	t.Run("scheme is case-insensitive", func(t *testing.T) {
		st, _, _ := callProtected(t, c, srv.ProtectedURL(), "bearer "+kitTok)
		assert.Equal(t, 200, st)
	})
	t.Run("any method", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, srv.ProtectedURL(), strings.NewReader(`{"amount":1}`))
		req.Header.Set("Authorization", "Bearer "+moovTok)
		resp, err := c.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 200, resp.StatusCode)
	})
	t.Run("own path", func(t *testing.T) {
		st, _, _ := callProtected(t, c, srv.URL+"/moov/protected", "Bearer "+moovTok)
		assert.Equal(t, 200, st)
		st, _, body := callProtected(t, c, srv.URL+"/moov/protected", "Bearer "+kitTok)
		assert.Equal(t, 401, st)
		assert.Equal(t, "the access token was issued by another provider", body["error_description"])
	})
	for name, authz := range map[string]string{
		"no header":                     "",
		"moov's token_type as a scheme": "opaque " + moovTok,
		"basic":                         testkit.BasicHeader("a", "b"),
		"bearer without token":          "Bearer ",
	} {
		t.Run("refused: "+name, func(t *testing.T) {
			st, h, body := callProtected(t, c, srv.ProtectedURL(), authz)
			assert.Equal(t, 401, st)
			assert.Equal(t, `Bearer realm="paytoken-mock"`, h.Get("WWW-Authenticate"))
			assert.Equal(t, "invalid_request", body["error"])
		})
	}
	t.Run("unknown token", func(t *testing.T) {
		st, h, body := callProtected(t, c, srv.ProtectedURL(), "Bearer nope")
		assert.Equal(t, 401, st)
		assert.Contains(t, h.Get("WWW-Authenticate"), `error="invalid_token"`)
		assert.Equal(t, "invalid_token", body["error"])
	})
	t.Run("revoked", func(t *testing.T) {
		tok := issueToken(t, c, srv, mockserver.MoneyGo)
		srv.RevokeToken(tok)
		st, _, _ := callProtected(t, c, srv.ProtectedURL(), "Bearer "+tok)
		assert.Equal(t, 401, st)
	})
	t.Run("expired, in MoneyKit's words", func(t *testing.T) {
		srv.ExpireTokens(mockserver.MoneyKit)
		st, _, body := callProtected(t, c, srv.ProtectedURL(), "Bearer "+kitTok)
		assert.Equal(t, 401, st)
		assert.Equal(t, "api_error.auth.expired_access_token", body["error_code"])
		st, _, _ = callProtected(t, c, srv.ProtectedURL(), "Bearer "+moovTok)
		assert.Equal(t, 200, st, "other providers' tokens are untouched")
		st, _, _ = callProtected(t, c, srv.ProtectedURL(), "Bearer "+issueToken(t, c, srv, mockserver.MoneyKit))
		assert.Equal(t, 200, st, "new tokens are fine")
	})
}

func TestCounts(t *testing.T) {
	srv, c := newServer(t)
	tok := issueToken(t, c, srv, mockserver.Moov)
	issueToken(t, c, srv, mockserver.Moov)
	send(t, c, srv, moovReq(t, "grant_type", "password"), true)
	srv.InjectFault(mockserver.Moov, mockserver.Fault{Status: 503, Times: 1})
	send(t, c, srv, validReq(t, srv, mockserver.Moov), false)
	callProtected(t, c, srv.ProtectedURL(), "Bearer "+tok)
	callProtected(t, c, srv.URL+"/moov/protected", "Bearer nope")
	callProtected(t, c, srv.ProtectedURL(), "Bearer nope")
	issueToken(t, c, srv, mockserver.MoneyGo)

	assert.Equal(t, mockserver.Counts{TokenRequests: 4, TokensIssued: 2, TokenErrors: 1, Faults: 1, ProtectedRequests: 2, ProtectedRejected: 1}, srv.Counts(mockserver.Moov))
	assert.Equal(t, mockserver.Counts{TokenRequests: 1, TokensIssued: 1}, srv.Counts(mockserver.MoneyGo))
	assert.Equal(t, mockserver.Counts{}, srv.Counts(mockserver.MobiFinance))
	assert.Equal(t, mockserver.Counts{TokenRequests: 5, TokensIssued: 3, TokenErrors: 1, Faults: 1, ProtectedRequests: 3, ProtectedRejected: 2}, srv.TotalCounts())
	srv.ResetCounts()
	assert.Equal(t, mockserver.Counts{}, srv.TotalCounts())
}

// Many clients at once, on every provider, under the race detector.
func TestConcurrent(t *testing.T) {
	srv, c := newServer(t, mockserver.WithMoovTokenType("jwt"))
	var wg sync.WaitGroup
	const perProvider = 25
	errs := make(chan string, 4*perProvider)
	for _, p := range mockserver.Providers() {
		for range perProvider {
			wg.Go(func() {
				id, secret := demo(p)
				var req *http.Request
				switch p {
				case mockserver.MobiFinance:
					code, err := srv.IssueCode(id, mockserver.DemoRedirectURI)
					if err != nil {
						errs <- err.Error()
						return
					}
					req, _ = http.NewRequest("POST", srv.TokenURL(p), strings.NewReader(form("grant_type", "authorization_code", "client_id", id, "client_secret", secret, "code", code, "redirect_uri", mockserver.DemoRedirectURI)))
					req.Header.Set("Content-Type", ctForm)
				case mockserver.MoneyGo:
					req, _ = http.NewRequest("POST", srv.TokenURL(p), strings.NewReader(`{"grant_type":"client_credentials","client_id":"`+id+`","client_secret":"`+secret+`","scope":"api"}`))
					req.Header.Set("Content-Type", ctJSON)
				default:
					req, _ = http.NewRequest("POST", srv.TokenURL(p), strings.NewReader("grant_type=client_credentials"))
					req.Header.Set("Content-Type", ctForm)
					req.SetBasicAuth(id, secret)
				}
				resp, err := c.Do(req)
				if err != nil {
					errs <- err.Error()
					return
				}
				resp.Body.Close()
				if resp.StatusCode >= 300 {
					errs <- resp.Status
				}
				srv.Counts(p)
			})
		}
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	assert.Equal(t, 4*perProvider, srv.TotalCounts().TokensIssued)
}
