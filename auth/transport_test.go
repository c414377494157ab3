package auth

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// api accepts bearer tokens other than the rejected ones and echoes the
// body. The test changes rejected only while no request is in flight.
type api struct {
	rejected map[string]bool
	seen     syncList[string] // Authorization headers
	bodies   syncList[string]
}

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	auth := r.Header.Get("Authorization")
	a.seen.add(auth)
	a.bodies.add(string(b))
	bad := a.rejected[strings.TrimPrefix(auth, "Bearer ")]
	if bad || !strings.HasPrefix(auth, "Bearer ") {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, "no")
		return
	}
	io.WriteString(w, "ok "+string(b))
}

// closeTracker records whether response bodies were closed.
type closeTracker struct {
	base   http.RoundTripper
	bodies syncList[*trackedBody]
}

type trackedBody struct {
	io.ReadCloser
	closed atomic.Bool
}

func (b *trackedBody) Close() error { b.closed.Store(true); return b.ReadCloser.Close() }

func (c *closeTracker) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(r)
	if err == nil {
		tb := &trackedBody{ReadCloser: resp.Body}
		resp.Body = tb
		c.bodies.add(tb)
	}
	return resp, err
}

func newAPI(t *testing.T, rejected ...string) (*api, *httptest.Server, *closeTracker) {
	a := &api{rejected: map[string]bool{}}
	for _, r := range rejected {
		a.rejected[r] = true
	}
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return a, srv, &closeTracker{base: srv.Client().Transport}
}

// apiClient is a client of an api through a Transport and a closeTracker,
// its Source counting the tokens it fetched.
type apiClient struct {
	*api
	srv   *httptest.Server
	ct    *closeTracker
	calls atomic.Int32
	s     *Source
	c     *http.Client
}

func newAPIClient(t *testing.T, rejected ...string) *apiClient {
	a := &apiClient{}
	a.api, a.srv, a.ct = newAPI(t, rejected...)
	a.s = NewSource(opaqueFetcher(&a.calls))
	a.c = &http.Client{Transport: &Transport{Source: a.s, Base: a.ct}}
	return a
}

// do sends req and returns the response, its body read and closed.
func (a *apiClient) do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := a.c.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

func opaqueFetcher(calls *atomic.Int32) Fetcher {
	return func(context.Context) (*oauth2.Token, error) {
		n := calls.Add(1)
		tok := &oauth2.Token{AccessToken: "tok-" + string(rune('0'+n)), TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}
		return tok.WithExtra(map[string]any{"token_type": "opaque"}), nil
	}
}

func TestTransportSetsBearerOnAClone(t *testing.T) {
	a := newAPIClient(t)
	req, _ := http.NewRequest("GET", a.srv.URL+"/v1/things", nil)
	req.Header.Set("X-Mine", "1")
	_, body := a.do(t, req)
	require.Equal(t, "ok ", body)
	require.Equal(t, []string{"Bearer tok-1"}, a.seen.all(), "always Bearer, never the raw token_type")
	require.Empty(t, req.Header.Get("Authorization"), "the caller's request is untouched")
	require.Equal(t, http.Header{"X-Mine": {"1"}}, req.Header)
	a.s.waitIdle()
}

func TestTransportReplaysOnceAfter401(t *testing.T) {
	a := newAPIClient(t, "tok-1")
	req, _ := http.NewRequest("POST", a.srv.URL+"/v1/pay", bytes.NewReader([]byte(`{"amount":5}`)))
	resp, body := a.do(t, req)
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, `ok {"amount":5}`, body)
	require.Equal(t, []string{"Bearer tok-1", "Bearer tok-2"}, a.seen.all())
	require.Equal(t, []string{`{"amount":5}`, `{"amount":5}`}, a.bodies.all(), "the body was replayed whole")
	require.EqualValues(t, 2, a.calls.Load())
	require.Len(t, a.ct.bodies.all(), 2)
	require.True(t, a.ct.bodies.all()[0].closed.Load(), "the first response body was closed")
	a.s.waitIdle()

	// Both tokens rejected: one replay only, then the 401 is the answer.
	a.rejected["tok-3"], a.rejected["tok-4"] = true, true
	a.seen.reset()
	a.s.Invalidate()
	resp, err := a.c.Get(a.srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 401, resp.StatusCode)
	require.Len(t, a.seen.all(), 2)
	a.s.waitIdle()
}

func TestTransportNoReplayWithoutGetBody(t *testing.T) {
	a := newAPIClient(t, "tok-1")
	req, _ := http.NewRequest("POST", a.srv.URL, io.NopCloser(strings.NewReader("stream")))
	require.Nil(t, req.GetBody)
	resp, body := a.do(t, req)
	require.Equal(t, 401, resp.StatusCode)
	require.Equal(t, "no", body, "the API's 401 is returned untouched")
	require.Len(t, a.seen.all(), 1)
	require.EqualValues(t, 1, a.calls.Load())
	// The rejected token is dropped all the same: the next request gets a new one.
	resp, err := a.c.Get(a.srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "Bearer tok-2", a.seen.all()[1])
	a.s.waitIdle()
}

// Concurrent 401s for one token cause one refetch, not a stampede.
func TestTransportConcurrent401sOneRefetch(t *testing.T) {
	_, srv, ct := newAPI(t, "tok-1")
	var calls atomic.Int32
	s := NewSource(opaqueFetcher(&calls))
	_, err := s.Token()
	require.NoError(t, err)
	c := &http.Client{Transport: &Transport{Source: s, Base: ct}}
	goEach(50, func(int) {
		resp, err := c.Get(srv.URL)
		if err != nil {
			t.Error(err)
			return
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("status %d", resp.StatusCode)
		}
	})()
	s.waitIdle()
	require.EqualValues(t, 2, calls.Load())
}

func TestTransportTokenError(t *testing.T) {
	failing := NewSource(func(context.Context) (*oauth2.Token, error) {
		return nil, newError("p", 401, nil, nil, "invalid_client", "", "")
	}, WithRetry(RetryPolicy{MaxAttempts: 1}))
	body := &trackBody{Reader: strings.NewReader("x")}
	req, _ := http.NewRequest("POST", "http://127.0.0.1:1/", body)
	_, err := (&Transport{Source: failing}).RoundTrip(req)
	require.ErrorIs(t, err, ErrInvalidClient)
	require.True(t, body.closed, "RoundTrip closes the request body on every path")
	failing.waitIdle()

	body = &trackBody{Reader: strings.NewReader("x")}
	req, _ = http.NewRequest("POST", "http://127.0.0.1:1/", body)
	_, err = (&Transport{}).RoundTrip(req)
	require.True(t, errors.Is(err, errNoSource))
	require.True(t, body.closed)
}

func TestNewClient(t *testing.T) {
	a, srv, _ := newAPI(t)
	var calls atomic.Int32
	s := NewSource(opaqueFetcher(&calls))
	base := srv.Client()
	base.Timeout = 7 * time.Second
	c := NewClient(s, base)
	require.Equal(t, 7*time.Second, c.Timeout)
	require.IsType(t, &Transport{}, c.Transport)
	require.NotSame(t, base, c)
	require.NotEqual(t, c.Transport, base.Transport, "base is not modified")
	resp, err := c.Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, []string{"Bearer tok-1"}, a.seen.all())

	d := NewClient(s, nil)
	require.Equal(t, defaultRequestTimeout, d.Timeout)
	d.CloseIdleConnections()
	s.waitIdle()
}
