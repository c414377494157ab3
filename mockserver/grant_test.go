package mockserver_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/mockserver"
)

func mobiReq(id, secret, code, redirect string) tokenReq {
	return tokenReq{p: mockserver.MobiFinance, contentType: ctForm, body: form(
		"grant_type", "authorization_code", "client_id", id, "client_secret", secret, "code", code, "redirect_uri", redirect)}
}

func TestMobiFinanceCodes(t *testing.T) {
	const other, otherSecret = "other-app", "other-secret"
	srv, c := newServer(t, mockserver.WithClient(mockserver.MobiFinance, other, otherSecret))
	id, secret := demo(mockserver.MobiFinance)
	redirect := mockserver.DemoRedirectURI

	forbidden := func(t *testing.T, a answer, desc string) {
		t.Helper()
		require.Equal(t, 403, a.Status, "%s", a.Body)
		assert.Equal(t, "invalid_grant", a.str(t, "error"))
		assert.Contains(t, a.str(t, "error_description"), desc)
	}

	t.Run("single use, and a replay revokes the token", func(t *testing.T) {
		code := srv.MustIssueCode(id, redirect)
		a := send(t, c, srv, mobiReq(id, secret, code, redirect), true)
		require.Equal(t, 200, a.Status, "%s", a.Body)
		tok := a.str(t, "access_token")
		assert.Equal(t, "Bearer", a.str(t, "token_type"))
		assert.NotEmpty(t, a.str(t, "refresh_token"))
		st, _, _ := callProtected(t, c, srv.ProtectedURL(), "Bearer "+tok)
		require.Equal(t, 200, st)

		forbidden(t, send(t, c, srv, mobiReq(id, secret, code, redirect), true), "used already")
		st, _, body := callProtected(t, c, srv.ProtectedURL(), "Bearer "+tok)
		assert.Equal(t, 401, st, "RFC 6749 §4.1.2: a replayed code revokes what it gave")
		assert.Equal(t, "the access token was revoked", body["error_description"])
	})
	t.Run("unknown code", func(t *testing.T) {
		forbidden(t, send(t, c, srv, mobiReq(id, secret, "not-a-code", redirect), true), "Invalid code")
	})
	t.Run("redirect_uri is bound, and a mismatch spends the code", func(t *testing.T) {
		code := srv.MustIssueCode(id, redirect)
		forbidden(t, send(t, c, srv, mobiReq(id, secret, code, "https://evil.example/callback"), true), "redirect_uri does not match")
		forbidden(t, send(t, c, srv, mobiReq(id, secret, code, redirect), true), "used already")
	})
	t.Run("redirect match is exact", func(t *testing.T) {
		code := srv.MustIssueCode(id, redirect)
		forbidden(t, send(t, c, srv, mobiReq(id, secret, code, redirect+"/"), true), "redirect_uri does not match")
	})
	t.Run("bound to its client", func(t *testing.T) {
		code := srv.MustIssueCode(id, redirect)
		forbidden(t, send(t, c, srv, mobiReq(other, otherSecret, code, redirect), true), "another client")
		a := send(t, c, srv, mobiReq(id, secret, code, redirect), true)
		assert.Equal(t, 200, a.Status, "another client's attempt does not spend the code")
	})
	t.Run("issuing needs a registered client and a redirect", func(t *testing.T) {
		_, err := srv.IssueCode("nobody", redirect)
		assert.Error(t, err)
		_, err = srv.IssueCode(id, "")
		assert.Error(t, err)
		assert.Panics(t, func() { srv.MustIssueCode("nobody", redirect) })
	})
	t.Run("tokens are permanent by default", func(t *testing.T) {
		a := send(t, c, srv, mobiReq(id, secret, srv.MustIssueCode(id, redirect), redirect), true)
		_, has := a.json(t)["expires_in"]
		assert.False(t, has, "no expires_in for a permanent token (RFC 6749 §5.1: 0 reads as expired): %s", a.Body)
		srv.ExpireTokens(mockserver.MoneyGo) // other providers' expiry leaves it alone
		st, _, ans := callProtected(t, c, srv.ProtectedURL(), "Bearer "+a.str(t, "access_token"))
		assert.Equal(t, 200, st)
		assert.Nil(t, ans["expires_at"])
	})
}

func TestMobiFinanceCodeExpiry(t *testing.T) {
	clock := &fakeClock{now: time.Now()}
	srv, c := newServer(t, mockserver.WithClock(clock.Now), mockserver.WithCodeLifetime(50*time.Millisecond))
	id, secret := demo(mockserver.MobiFinance)
	code := srv.MustIssueCode(id, mockserver.DemoRedirectURI)
	clock.Advance(100 * time.Millisecond)
	a := send(t, c, srv, mobiReq(id, secret, code, mockserver.DemoRedirectURI), true)
	require.Equal(t, 403, a.Status)
	assert.Contains(t, a.str(t, "error_description"), "expired")
	assert.Panics(t, func() { mockserver.WithCodeLifetime(0) })
}

func moovReq(t *testing.T, body ...string) tokenReq {
	id, secret := demo(mockserver.Moov)
	return tokenReq{p: mockserver.Moov, contentType: ctJSON, body: jsonBody(t, body...), basic: [2]string{id, secret}}
}

func TestMoovRefresh(t *testing.T) {
	const other, otherSecret = "other", "other-secret"
	srv, c := newServer(t, mockserver.WithClient(mockserver.Moov, other, otherSecret))

	first := send(t, c, srv, moovReq(t, "grant_type", "client_credentials", "scope", "/accounts.read /accounts.write"), true)
	require.Equal(t, 200, first.Status)
	rt1 := first.str(t, "refresh_token")

	second := send(t, c, srv, moovReq(t, "grant_type", "refresh_token", "refresh_token", rt1), true)
	require.Equal(t, 200, second.Status, "%s", second.Body)
	assert.Equal(t, "/accounts.read /accounts.write", second.str(t, "scope"), "the refresh keeps the scopes")
	assert.NotEqual(t, first.str(t, "access_token"), second.str(t, "access_token"))
	rt2 := second.str(t, "refresh_token")
	assert.NotEqual(t, rt1, rt2, "refresh tokens rotate")

	again := send(t, c, srv, moovReq(t, "grant_type", "refresh_token", "refresh_token", rt1), true)
	assert.Equal(t, 400, again.Status)
	assert.Equal(t, "invalid_grant", again.str(t, "error"), "a spent refresh token is refused")

	st, _, _ := callProtected(t, c, srv.ProtectedURL(), "Bearer "+first.str(t, "access_token"))
	assert.Equal(t, 200, st, "earlier access tokens stay valid until they expire")

	wider := send(t, c, srv, moovReq(t, "grant_type", "refresh_token", "refresh_token", rt2, "scope", "/transfers.write"), true)
	assert.Equal(t, 400, wider.Status)
	assert.Equal(t, "invalid_scope", wider.str(t, "error"))

	// A refused refresh does not spend the refresh token.
	narrower := send(t, c, srv, moovReq(t, "grant_type", "refresh_token", "refresh_token", rt2, "scope", "/accounts.read"), true)
	require.Equal(t, 200, narrower.Status, "%s", narrower.Body)
	assert.Equal(t, "/accounts.read", narrower.str(t, "scope"))

	stolen := send(t, c, srv, tokenReq{p: mockserver.Moov, contentType: ctJSON, basic: [2]string{other, otherSecret},
		body: jsonBody(t, "grant_type", "refresh_token", "refresh_token", narrower.str(t, "refresh_token"))}, true)
	assert.Equal(t, 400, stolen.Status)
	assert.Equal(t, "invalid_grant", stolen.str(t, "error"), "another client's refresh token")

	viaForm := send(t, c, srv, tokenReq{p: mockserver.Moov, contentType: ctForm, basic: [2]string{mockserver.DemoClientID(mockserver.Moov), mockserver.DemoClientSecret(mockserver.Moov)},
		body: form("grant_type", "refresh_token", "refresh_token", narrower.str(t, "refresh_token"))}, true)
	assert.Equal(t, 200, viaForm.Status, "%s", viaForm.Body)
	assert.Equal(t, ctForm, viaForm.Header.Get("Content-Type"))
}

func TestMoovRefreshTokenReuse(t *testing.T) {
	srv, c := newServer(t, mockserver.WithMoovRefreshTokenReuse())
	first := send(t, c, srv, moovReq(t, "grant_type", "client_credentials"), true)
	rt := first.str(t, "refresh_token")
	for range 3 {
		a := send(t, c, srv, moovReq(t, "grant_type", "refresh_token", "refresh_token", rt), true)
		assert.Equal(t, 200, a.Status, "%s", a.Body)
	}
}
