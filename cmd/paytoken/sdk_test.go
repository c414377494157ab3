package main

// The SDK end to end through the mock: every provider package, happy path and each fault
// the mock can inject.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providerkit"
	"github.com/paytoken/paytoken/internal/testkit"
	"github.com/paytoken/paytoken/mobifinance"
	"github.com/paytoken/paytoken/mockserver"
	"github.com/paytoken/paytoken/moneygo"
	"github.com/paytoken/paytoken/moneykit"
	"github.com/paytoken/paytoken/moov"
)

// sdk is one provider's package configured against a mock, behind one shape.
type sdk struct {
	p      mockserver.Provider
	token  func(ctx context.Context) (*oauth2.Token, error) // Token, or a fresh code's Exchange
	client func(opts ...auth.Option) *http.Client           // Client (MobiFinance: of a fresh exchange)
}

// quickRetry keeps the tests fast: the waits a server asks for are honoured as given.
var quickRetry = auth.RetryPolicy{MaxAttempts: 3, MinBackoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond, MaxRetryAfter: 5 * time.Second}

func newMock(t *testing.T, opts ...mockserver.Option) (*mockserver.Server, *http.Client) {
	t.Helper()
	srv := mockserver.New(opts...)
	hc := &http.Client{Transport: &http.Transport{}, Timeout: 20 * time.Second}
	t.Cleanup(func() {
		hc.CloseIdleConnections()
		srv.Close()
	})
	return srv, hc
}

// sdkClients numbers the clients sdkFor registers.
var sdkClients atomic.Int64

// ownClient registers a client of p of its own with srv: the demo
// client's secret under a new id (see sdkFor).
func ownClient(srv *mockserver.Server, p mockserver.Provider) (id, secret string) {
	id = fmt.Sprintf("%s-%d", mockserver.DemoClientID(p), sdkClients.Add(1))
	secret = mockserver.DemoClientSecret(p)
	srv.AddClient(p, id, secret)
	return id, secret
}

// sdkFor configures p's package against srv as a client of its own (the
// demo client's secret under a new id), sending secret ("": the right one).
// A client of its own, because a process shares one refresh rate limit (20
// or 40 requests a second) among all Sources of a provider and client id:
// the tests would queue for it.
func sdkFor(t *testing.T, srv *mockserver.Server, hc *http.Client, p mockserver.Provider, secret string) sdk {
	t.Helper()
	id, right := ownClient(srv, p)
	if secret == "" {
		secret = right
	}
	s := auth.Secret(secret)
	switch p {
	case mockserver.MoneyGo:
		c := &moneygo.Config{ClientID: id, ClientSecret: s, BaseURL: srv.URL, HTTPClient: hc}
		return sdk{p, c.Token, c.Client}
	case mockserver.MoneyKit:
		c := &moneykit.Config{ClientID: id, ClientSecret: s, BaseURL: srv.URL, HTTPClient: hc}
		return sdk{p, c.Token, c.Client}
	case mockserver.Moov:
		c := &moov.Config{ClientID: id, ClientSecret: s, BaseURL: srv.URL, HTTPClient: hc, Scopes: []string{"/accounts.read"}}
		return sdk{p, c.Token, c.Client}
	default:
		c := &mobifinance.Config{ClientID: id, ClientSecret: s, RedirectURL: mockserver.DemoRedirectURI, BaseURL: srv.URL, HTTPClient: hc}
		exchange := func(ctx context.Context) (*oauth2.Token, error) {
			code, err := srv.IssueCode(id, mockserver.DemoRedirectURI)
			if err != nil {
				return nil, err
			}
			return c.Exchange(ctx, code)
		}
		client := func(opts ...auth.Option) *http.Client {
			tok, err := exchange(context.Background())
			require.NoError(t, err)
			return c.Client(tok, opts...)
		}
		return sdk{p, exchange, client}
	}
}

func protectedStatus(t *testing.T, c *http.Client, url string) int {
	t.Helper()
	resp, err := c.Get(url)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestSDKHappyPath(t *testing.T) {
	srv, hc := newMock(t)
	want := map[mockserver.Provider]struct {
		raw  string
		life time.Duration
	}{
		mockserver.MoneyGo:     {"Bearer", 30 * 24 * time.Hour},
		mockserver.MoneyKit:    {"bearer", time.Hour},
		mockserver.Moov:        {"opaque", 15 * time.Minute},
		mockserver.MobiFinance: {"Bearer", 0},
	}
	for _, p := range mockserver.Providers() {
		t.Run(string(p), func(t *testing.T) {
			s := sdkFor(t, srv, hc, p, "")
			tok, err := s.token(ctxT(t))
			require.NoError(t, err)
			assert.Len(t, tok.AccessToken, 64)
			assert.Equal(t, "Bearer", tok.TokenType, "every SDK token says Bearer")
			assert.Equal(t, want[p].raw, tok.Extra("token_type"), "the raw token_type stays readable")
			if want[p].life == 0 {
				assert.True(t, tok.Expiry.IsZero(), "MobiFinance tokens are permanent")
			} else {
				assert.WithinDuration(t, time.Now().Add(want[p].life), tok.Expiry, 5*time.Second)
			}
			if p == mockserver.Moov {
				assert.NotEmpty(t, tok.RefreshToken)
			}
			assert.Equal(t, 200, protectedStatus(t, s.client(), srv.ProtectedURL()), "Client sends Authorization: Bearer, Moov included")
		})
	}
}

func TestSDKRetriesTransientFaults(t *testing.T) {
	// The server's wait in milliseconds (X-Retry-In): Retry-After's whole
	// seconds are waited in auth's tests, on a fake clock.
	faults := map[string]mockserver.Fault{
		"429 X-Retry-In":    {Status: 429, RetryIn: "300", Times: 1},
		"503":               {Status: 503, Times: 2},
		"dropped":           {Drop: true, Times: 1},
		"HTML gateway page": {Status: 502, Body: "<html>Bad Gateway</html>", ContentType: "text/html", Times: 1},
	}
	type retryCase struct {
		p    mockserver.Provider
		name string
		f    mockserver.Fault
	}
	var cases []retryCase
	for _, p := range []mockserver.Provider{mockserver.MoneyGo, mockserver.MoneyKit, mockserver.Moov} {
		for name, f := range faults {
			cases = append(cases, retryCase{p, name, f})
		}
	}
	// All at once, each its own mock: the waits overlap.
	testkit.RunConcurrently(t, 0, cases, func(c retryCase) string { return string(c.p) + " " + c.name },
		func(t *testing.T, c retryCase) {
			p, f := c.p, c.f
			srv, hc := newMock(t)
			s := sdkFor(t, srv, hc, p, "")
			srv.InjectFault(p, f)
			start := time.Now()
			tok, err := s.token(ctxT(t))
			require.NoError(t, err)
			assert.NotEmpty(t, tok.AccessToken)
			assert.Equal(t, f.Times+1, srv.Counts(p).TokenRequests, "retried until the fault was used up")
			if f.RetryIn != "" {
				assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond, "X-Retry-In is honoured")
			}
		})
}

func TestSDKGivesUp(t *testing.T) {
	t.Parallel()
	for _, p := range []mockserver.Provider{mockserver.MoneyGo, mockserver.MoneyKit, mockserver.Moov} {
		t.Run(string(p), func(t *testing.T) {
			t.Parallel()
			srv, hc := newMock(t)
			s := sdkFor(t, srv, hc, p, "")
			srv.InjectFault(p, mockserver.Fault{Status: 503}) // until cleared
			_, err := s.token(ctxT(t))
			require.Error(t, err)
			assert.ErrorIs(t, err, auth.ErrServer)
			var ae *auth.Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, 503, ae.StatusCode)
			assert.Equal(t, 3, srv.Counts(p).TokenRequests, "the default policy makes 3 attempts")
		})
	}
}

func TestSDKBadAnswers(t *testing.T) {
	for _, p := range mockserver.Providers() {
		for name, f := range map[string]mockserver.Fault{
			"malformed":   {Malformed: true, Times: 1},
			"oversized":   {Oversized: true, Times: 1},
			"empty token": {EmptyToken: true, Times: 1},
		} {
			t.Run(string(p)+" "+name, func(t *testing.T) {
				srv, hc := newMock(t)
				s := sdkFor(t, srv, hc, p, "")
				srv.InjectFault(p, f)
				tok, err := s.token(ctxT(t))
				assert.Nil(t, tok)
				assert.ErrorIs(t, err, auth.ErrMalformedResponse)
				var ae *auth.Error
				if assert.ErrorAs(t, err, &ae) {
					assert.Equal(t, srv.Counts(p).TokenRequests, 1, "a 2xx is final")
					assert.LessOrEqual(t, len(ae.Body), providerkit.MaxErrorBody)
				}
			})
		}
	}
}

// A token request never follows a redirect: the credentials stay with the configured host.
func TestSDKRefusesRedirects(t *testing.T) {
	var stolen atomic.Int32
	thief := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { stolen.Add(1) }))
	defer thief.Close()
	for _, p := range mockserver.Providers() {
		t.Run(string(p), func(t *testing.T) {
			srv, hc := newMock(t)
			s := sdkFor(t, srv, hc, p, "")
			srv.InjectFault(p, mockserver.Fault{Status: 307, Location: thief.URL + p.TokenPath()})
			_, err := s.token(ctxT(t))
			var ae *auth.Error
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, 307, ae.StatusCode)
		})
	}
	assert.Zero(t, stolen.Load(), "no request reached the redirect's target")
}

func TestSDKWrongCredentials(t *testing.T) {
	srv, hc := newMock(t)
	for _, p := range mockserver.Providers() {
		t.Run(string(p), func(t *testing.T) {
			_, err := sdkFor(t, srv, hc, p, "wrong-secret").token(ctxT(t))
			assert.ErrorIs(t, err, auth.ErrInvalidClient)
			assert.NotContains(t, err.Error(), "wrong-secret")
			assert.Equal(t, 1, srv.Counts(p).TokenRequests, "a 4xx is final")
		})
	}
}

// The authorized client recovers from a 401: its Transport drops the cached token, gets a
// new one and sends the request again.
func TestSDKClientRecoversFromRevokedToken(t *testing.T) {
	for _, p := range []mockserver.Provider{mockserver.MoneyGo, mockserver.MoneyKit, mockserver.Moov} {
		t.Run(string(p), func(t *testing.T) {
			srv, hc := newMock(t)
			c := sdkFor(t, srv, hc, p, "").client(auth.WithRetry(quickRetry))
			assert.Equal(t, 200, protectedStatus(t, c, srv.ProtectedURL()))
			srv.ExpireTokens(p)
			assert.Equal(t, 200, protectedStatus(t, c, srv.ProtectedURL()))
			assert.Equal(t, 2, srv.Counts(p).TokensIssued)
			assert.Equal(t, 1, srv.Counts(p).ProtectedRejected)
		})
	}
}
