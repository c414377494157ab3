package auth

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/stretchr/testify/require"
)

func TestDefaultHTTPClient(t *testing.T) {
	c := defaultHTTPClient()
	require.Equal(t, defaultRequestTimeout, c.Timeout)
	require.NotNil(t, c.CheckRedirect)
	tr := c.Transport.(*http.Transport)
	require.NotSame(t, http.DefaultTransport, tr)
	require.Equal(t, defaultHeaderTimeout, tr.ResponseHeaderTimeout)
	require.NotSame(t, c, defaultHTTPClient())
}

func TestAuthStyleString(t *testing.T) {
	require.Equal(t, "InHeader", InHeader.String())
	require.Equal(t, "InBody", InBody.String())
	require.Equal(t, "AuthStyle(invalid)", AuthStyle(7).String())
}

// countingTransport stands for what tracing libraries put in
// http.DefaultTransport: a RoundTripper wrapping another.
type countingTransport struct {
	base http.RoundTripper
	n    atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

// TestDefaultHTTPClientWrappedDefaultTransport: a program whose
// http.DefaultTransport is not an *http.Transport (or is nil) gets working
// clients, not a panic: token requests go through its RoundTripper and
// still refuse redirects; NewClient(src, nil) works too.
func TestDefaultHTTPClientWrappedDefaultTransport(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	orig := http.DefaultTransport
	defer func() { http.DefaultTransport = orig }()

	wrapped := &countingTransport{base: orig}
	var typedNil *http.Transport
	for _, dt := range []http.RoundTripper{wrapped, nil, typedNil} {
		http.DefaultTransport = dt
		c := defaultHTTPClient()
		require.Equal(t, defaultRequestTimeout, c.Timeout)
		resp, err := c.Get(srv.URL + "/redirect")
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusFound, resp.StatusCode, "redirects are refused")

		src := NewSource(func(context.Context) (*oauth2.Token, error) {
			return &oauth2.Token{AccessToken: "tok", Expiry: time.Now().Add(time.Hour)}, nil
		})
		resp, err = NewClient(src, nil).Get(srv.URL + "/")
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		resp, err = (&http.Client{Transport: &Transport{Source: src}}).Get(srv.URL + "/")
		require.NoError(t, err)
		resp.Body.Close()
	}
	require.EqualValues(t, 3, wrapped.n.Load(), "requests go through the program's RoundTripper")
}

// A 3xx is an Error and is never followed: credentials do not travel to the
// redirect's target.
func TestReadResponseRedirectNotFollowed(t *testing.T) {
	var hit atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hit.Add(1) }))
	defer target.Close()
	src := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/steal", http.StatusTemporaryRedirect)
	}))
	defer src.Close()

	given := src.Client()
	given.CheckRedirect = refuseRedirect
	for _, c := range []*http.Client{given, defaultHTTPClient()} {
		req, _ := http.NewRequest("POST", src.URL+"/token", bytes.NewReader([]byte("client_secret=s")))
		req.SetBasicAuth("id", "secret")
		res, err := c.Do(req)
		require.NoError(t, err)
		_, err = moov.ReadResponse(res)
		var e *Error
		require.ErrorAs(t, err, &e)
		require.Equal(t, 307, e.StatusCode)
		require.Contains(t, e.Description, "redirect not followed")
		require.Contains(t, e.Description, target.Listener.Addr().String(), "the target named")
		require.False(t, e.Temporary())
		c.CloseIdleConnections()
	}
	require.Zero(t, hit.Load())
}
