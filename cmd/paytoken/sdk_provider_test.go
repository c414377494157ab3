package main

// What the SDK does through the mock that is one provider's own: MobiFinance's
// single-use codes, Moov's refresh tokens, a shared fetch.

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/mobifinance"
	"github.com/paytoken/paytoken/mockserver"
	"github.com/paytoken/paytoken/moneykit"
	"github.com/paytoken/paytoken/moov"
)

// MobiFinance's exchange never sends a code twice once the request may have reached the
// server: a 505 (which it documents), a 429 or a dropped connection is returned at once.
func TestSDKMobiFinanceNeverResendsACode(t *testing.T) {
	for name, f := range map[string]mockserver.Fault{
		"505":     {Status: 505, Times: 1},
		"429":     {Status: 429, RetryAfter: "1", Times: 1},
		"dropped": {Drop: true, Times: 1},
	} {
		t.Run(name, func(t *testing.T) {
			srv, hc := newMock(t)
			s := sdkFor(t, srv, hc, mockserver.MobiFinance, "")
			srv.InjectFault(mockserver.MobiFinance, f)
			_, err := s.token(ctxT(t))
			require.Error(t, err)
			assert.Equal(t, 1, srv.Counts(mockserver.MobiFinance).TokenRequests, "not retried")
			if f.Status == 505 {
				assert.ErrorIs(t, err, auth.ErrServer)
				var ae *auth.Error
				require.ErrorAs(t, err, &ae)
				assert.Equal(t, "server_error", ae.Code)
				assert.True(t, ae.Temporary())
			}
		})
	}
	t.Run("a code spent before the answer was lost", func(t *testing.T) {
		srv, hc := newMock(t)
		id, secret := ownClient(srv, mockserver.MobiFinance)
		c := &mobifinance.Config{ClientID: id, ClientSecret: auth.Secret(secret), RedirectURL: mockserver.DemoRedirectURI, BaseURL: srv.URL, HTTPClient: hc}
		code := srv.MustIssueCode(id, mockserver.DemoRedirectURI)
		srv.InjectFault(mockserver.MobiFinance, mockserver.Fault{Status: 505, AfterHandling: true, Times: 1})
		_, err := c.Exchange(ctxT(t), code)
		assert.ErrorIs(t, err, auth.ErrServer)
		_, err = c.Exchange(ctxT(t), code)
		assert.ErrorIs(t, err, auth.ErrInvalidGrant, "the caller's own resend finds the code spent")
	})
	t.Run("redirect_uri mismatch", func(t *testing.T) {
		srv, hc := newMock(t)
		id, secret := ownClient(srv, mockserver.MobiFinance)
		c := &mobifinance.Config{ClientID: id, ClientSecret: auth.Secret(secret), RedirectURL: "https://other.example/cb", BaseURL: srv.URL, HTTPClient: hc}
		_, err := c.Exchange(ctxT(t), srv.MustIssueCode(id, mockserver.DemoRedirectURI))
		assert.ErrorIs(t, err, auth.ErrInvalidGrant)
	})
}

// Moov's TokenSource renews with the refresh_token grant when it has a refresh token.
func TestSDKMoovRenewsWithRefreshToken(t *testing.T) {
	srv, hc := newMock(t, mockserver.WithTokenLifetime(mockserver.Moov, 2*time.Second))
	id, secret := ownClient(srv, mockserver.Moov)
	c := &moov.Config{ClientID: id, ClientSecret: auth.Secret(secret), BaseURL: srv.URL, HTTPClient: hc, Scopes: []string{"/accounts.read"}}
	ts := c.TokenSource()
	first, err := ts.TokenContext(ctxT(t))
	require.NoError(t, err)
	ts.Invalidate() // renew now: when a renewal happens is auth's business, tested on a fake clock
	second, err := ts.TokenContext(ctxT(t))
	require.NoError(t, err)
	assert.NotEqual(t, first.AccessToken, second.AccessToken)
	// The first refresh token was spent by the renewal (the mock rotates them).
	_, err = c.Refresh(ctxT(t), first.RefreshToken)
	assert.ErrorIs(t, err, auth.ErrInvalidGrant)
	_, err = c.Refresh(ctxT(t), second.RefreshToken)
	assert.NoError(t, err)
}

// Many callers, one fetch.
func TestSDKTokenSourceSharesOneFetch(t *testing.T) {
	srv, hc := newMock(t)
	srv.InjectFault(mockserver.MoneyKit, mockserver.Fault{Delay: 100 * time.Millisecond, Times: 1})
	id, secret := ownClient(srv, mockserver.MoneyKit)
	ts := (&moneykit.Config{ClientID: id, ClientSecret: auth.Secret(secret), BaseURL: srv.URL, HTTPClient: hc}).TokenSource()
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			if _, err := ts.TokenContext(context.Background()); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assert.Equal(t, 1, srv.Counts(mockserver.MoneyKit).TokenRequests)
}
