package auth

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// api accepts bearer tokens other than the rejected ones and echoes the body.
type api struct {
	mu       sync.Mutex
	rejected map[string]bool
	seen     []string // Authorization headers
	bodies   []string
}

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	auth := r.Header.Get("Authorization")
	a.mu.Lock()
	a.seen = append(a.seen, auth)
	a.bodies = append(a.bodies, string(b))
	bad := a.rejected[strings.TrimPrefix(auth, "Bearer ")]
	a.mu.Unlock()
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
	mu     sync.Mutex
	bodies []*trackedBody
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
		c.mu.Lock()
		c.bodies = append(c.bodies, tb)
		c.mu.Unlock()
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

func opaqueFetcher(calls *atomic.Int32) Fetcher {
	return func(context.Context) (*oauth2.Token, error) {
		n := calls.Add(1)
		tok := &oauth2.Token{AccessToken: "tok-" + string(rune('0'+n)), TokenType: "Bearer", Expiry: time.Now().Add(time.Hour)}
		return tok.WithExtra(map[string]any{"token_type": "opaque"}), nil
	}
}

func TestTransportSetsBearerOnAClone(t *testing.T) {
	a, srv, ct := newAPI(t)
	var calls atomic.Int32
	s := NewSource(opaqueFetcher(&calls))
	c := &http.Client{Transport: &Transport{Source: s, Base: ct}}
	req, _ := http.NewRequest("GET", srv.URL+"/v1/things", nil)
	req.Header.Set("X-Mine", "1")
	resp, err := c.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, "ok ", string(body))
	require.Equal(t, []string{"Bearer tok-1"}, a.seen, "always Bearer, never the raw token_type")
	require.Empty(t, req.Header.Get("Authorization"), "the caller's request is untouched")
	require.Equal(t, http.Header{"X-Mine": {"1"}}, req.Header)
	s.waitIdle()
}

func TestTransportReplaysOnceAfter401(t *testing.T) {
	a, srv, ct := newAPI(t, "tok-1")
	var calls atomic.Int32
	s := NewSource(opaqueFetcher(&calls))
	c := &http.Client{Transport: &Transport{Source: s, Base: ct}}
	req, _ := http.NewRequest("POST", srv.URL+"/v1/pay", bytes.NewReader([]byte(`{"amount":5}`)))
	resp, err := c.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, `ok {"amount":5}`, string(body))
	require.Equal(t, []string{"Bearer tok-1", "Bearer tok-2"}, a.seen)
	require.Equal(t, []string{`{"amount":5}`, `{"amount":5}`}, a.bodies, "the body was replayed whole")
	require.EqualValues(t, 2, calls.Load())
	require.Len(t, ct.bodies, 2)
	require.True(t, ct.bodies[0].closed.Load(), "the first response body was closed")
	s.waitIdle()

	// Both tokens rejected: one replay only, then the 401 is the answer.
	a.rejected["tok-3"], a.rejected["tok-4"] = true, true
	a.seen = nil
	s.Invalidate()
	resp, err = c.Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 401, resp.StatusCode)
	require.Len(t, a.seen, 2)
	s.waitIdle()
}

func TestTransportNoReplayWithoutGetBody(t *testing.T) {
	a, srv, ct := newAPI(t, "tok-1")
	var calls atomic.Int32
	s := NewSource(opaqueFetcher(&calls))
	c := &http.Client{Transport: &Transport{Source: s, Base: ct}}
	req, _ := http.NewRequest("POST", srv.URL, io.NopCloser(strings.NewReader("stream")))
	require.Nil(t, req.GetBody)
	resp, err := c.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 401, resp.StatusCode)
	require.Equal(t, "no", string(body), "the API's 401 is returned untouched")
	require.Len(t, a.seen, 1)
	require.EqualValues(t, 1, calls.Load())
	// The rejected token is dropped all the same: the next request gets a new one.
	resp, err = c.Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "Bearer tok-2", a.seen[1])
	s.waitIdle()
}

// Concurrent 401s for one token cause one refetch, not a stampede.
func TestTransportConcurrent401sOneRefetch(t *testing.T) {
	_, srv, ct := newAPI(t, "tok-1")
	var calls atomic.Int32
	s := NewSource(opaqueFetcher(&calls))
	_, err := s.Token()
	require.NoError(t, err)
	c := &http.Client{Transport: &Transport{Source: s, Base: ct}}
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			resp, err := c.Get(srv.URL)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("status %d", resp.StatusCode)
			}
		})
	}
	wg.Wait()
	s.waitIdle()
	require.EqualValues(t, 2, calls.Load())
}

type bodyCloser struct {
	io.Reader
	closed bool
}

func (b *bodyCloser) Close() error { b.closed = true; return nil }

func TestTransportTokenError(t *testing.T) {
	failing := NewSource(func(context.Context) (*oauth2.Token, error) {
		return nil, newError("p", 401, nil, nil, "invalid_client", "", "")
	}, WithRetry(RetryPolicy{MaxAttempts: 1}))
	body := &bodyCloser{Reader: strings.NewReader("x")}
	req, _ := http.NewRequest("POST", "http://127.0.0.1:1/", body)
	_, err := (&Transport{Source: failing}).RoundTrip(req)
	require.ErrorIs(t, err, ErrInvalidClient)
	require.True(t, body.closed, "RoundTrip closes the request body on every path")
	failing.waitIdle()

	body = &bodyCloser{Reader: strings.NewReader("x")}
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
	require.Equal(t, []string{"Bearer tok-1"}, a.seen)

	d := NewClient(s, nil)
	require.Equal(t, defaultRequestTimeout, d.Timeout)
	d.CloseIdleConnections()
	s.waitIdle()
}
