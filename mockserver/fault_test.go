package mockserver_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/mockserver"
)

func TestFaultStatus(t *testing.T) {
	srv, c := newServer(t)
	cases := []struct {
		p      mockserver.Provider
		status int
		key    string
		code   string
	}{
		{mockserver.Moov, 429, "error", "rate_limit_exceeded"},
		{mockserver.MoneyKit, 429, "error_code", "api_error.rate_limit_exceeded"},
		{mockserver.MoneyKit, 401, "error_code", "api_error.auth.unauthorized"},
		{mockserver.MoneyGo, 503, "error", "temporarily_unavailable"},
		{mockserver.MoneyGo, 500, "error", "server_error"},
		{mockserver.MobiFinance, 505, "error", "server_error"},
		{mockserver.MobiFinance, 401, "error", "unauthorized_client"},
		{mockserver.Moov, 400, "error", "invalid_request"},
	}
	for _, tc := range cases {
		t.Run(string(tc.p)+" "+http.StatusText(tc.status), func(t *testing.T) {
			srv.InjectFault(tc.p, mockserver.Fault{Status: tc.status, RetryAfter: "2", RetryIn: "1500", Times: 1})
			a := send(t, c, srv, validReq(t, srv, tc.p), false)
			require.Equal(t, tc.status, a.Status, "%s", a.Body)
			assert.Equal(t, "2", a.Header.Get("Retry-After"))
			assert.Equal(t, "1500", a.Header.Get("X-Retry-In"))
			assert.Equal(t, tc.code, a.str(t, tc.key))
			// Once only: the next request gets a token.
			a = send(t, c, srv, validReq(t, srv, tc.p), true)
			assert.Less(t, a.Status, 300)
		})
	}
}

func TestFaultTimesAndQueue(t *testing.T) {
	srv, c := newServer(t)
	p := mockserver.MoneyKit
	srv.InjectFault(p, mockserver.Fault{Status: 503, Times: 2})
	srv.InjectFault(p, mockserver.Fault{Status: 429, RetryAfter: "Wed, 21 Oct 2037 07:28:00 GMT", Times: 1})
	assert.Equal(t, 2, srv.PendingFaults(p))
	var got []int
	for range 4 {
		got = append(got, send(t, c, srv, validReq(t, srv, p), false).Status)
	}
	assert.Equal(t, []int{503, 503, 429, 201}, got, "faults apply in order, each its number of times")
	assert.Equal(t, 0, srv.PendingFaults(p))

	srv.InjectFault(p, mockserver.Fault{Status: 502}) // until cleared
	for range 3 {
		assert.Equal(t, 502, send(t, c, srv, validReq(t, srv, p), false).Status)
	}
	srv.ClearFaults(p)
	assert.Equal(t, 201, send(t, c, srv, validReq(t, srv, p), true).Status)
}

func TestFaultUntilCleared(t *testing.T) {
	srv, c := newServer(t)
	srv.InjectFault(mockserver.Moov, mockserver.Fault{Status: 502})
	for range 3 {
		assert.Equal(t, 502, send(t, c, srv, validReq(t, srv, mockserver.Moov), false).Status)
	}
	assert.Equal(t, 200, send(t, c, srv, validReq(t, srv, mockserver.MoneyGo), true).Status, "other providers are unaffected")
	srv.ClearFaults(mockserver.Moov)
	assert.Equal(t, 200, send(t, c, srv, validReq(t, srv, mockserver.Moov), true).Status)
	srv.InjectFault(mockserver.Moov, mockserver.Fault{Status: 502})
	srv.InjectFault(mockserver.MoneyGo, mockserver.Fault{Status: 502})
	srv.ClearFaults()
	assert.Equal(t, 200, send(t, c, srv, validReq(t, srv, mockserver.Moov), true).Status)
	assert.Equal(t, 200, send(t, c, srv, validReq(t, srv, mockserver.MoneyGo), true).Status)
}

func TestFaultCustomBodyAndRedirect(t *testing.T) {
	srv, c := newServer(t)
	srv.InjectFault(mockserver.MoneyGo, mockserver.Fault{Status: 502, Body: "<html><h1>502 Bad Gateway</h1></html>", ContentType: "text/html", Times: 1})
	a := sendRaw(t, c, srv, validReq(t, srv, mockserver.MoneyGo))
	assert.Equal(t, 502, a.Status)
	assert.Equal(t, "text/html", a.Header.Get("Content-Type"))
	assert.Contains(t, string(a.Body), "Bad Gateway")

	srv.InjectFault(mockserver.Moov, mockserver.Fault{Status: 307, Location: "http://127.0.0.2:1/steal", Times: 1})
	a = send(t, c, srv, validReq(t, srv, mockserver.Moov), false)
	assert.Equal(t, 307, a.Status)
	assert.Equal(t, "http://127.0.0.2:1/steal", a.Header.Get("Location"))
}

func TestFaultDelay(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t)
	srv.InjectFault(mockserver.MoneyKit, mockserver.Fault{Delay: 200 * time.Millisecond, Times: 1})
	start := time.Now()
	a := send(t, c, srv, validReq(t, srv, mockserver.MoneyKit), true)
	assert.Equal(t, 201, a.Status, "a bare delay, then a normal answer")
	assert.GreaterOrEqual(t, time.Since(start), 200*time.Millisecond)

	srv.InjectFault(mockserver.MoneyKit, mockserver.Fault{Delay: 100 * time.Millisecond, Status: 503, Times: 1})
	start = time.Now()
	assert.Equal(t, 503, send(t, c, srv, validReq(t, srv, mockserver.MoneyKit), false).Status)
	assert.GreaterOrEqual(t, time.Since(start), 100*time.Millisecond)

	t.Run("the client gives up", func(t *testing.T) {
		srv.InjectFault(mockserver.MoneyKit, mockserver.Fault{Delay: time.Hour, Times: 1})
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "POST", srv.TokenURL(mockserver.MoneyKit), strings.NewReader("grant_type=client_credentials"))
		req.Header.Set("Content-Type", ctForm)
		_, err := c.Do(req)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
}

// Close ends injected delays at once: a test never waits for a fault it set up.
func TestCloseEndsDelays(t *testing.T) {
	srv := mockserver.New()
	srv.InjectFault(mockserver.Moov, mockserver.Fault{Delay: time.Hour})
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest("POST", srv.TokenURL(mockserver.Moov), strings.NewReader(`{"grant_type":"client_credentials"}`))
		req.Header.Set("Content-Type", ctJSON)
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	require.Eventually(t, func() bool { return srv.Counts(mockserver.Moov).TokenRequests == 1 }, 5*time.Second, 5*time.Millisecond)
	start := time.Now()
	srv.Close()
	assert.Less(t, time.Since(start), 2*time.Second)
	t.Log("the delayed request ended with:", <-done) // an answer or a cut connection: either is fine
	srv.Close()                                      // twice is fine
}

func TestFaultDrop(t *testing.T) {
	srv, c := newServer(t)
	for _, p := range mockserver.Providers() {
		srv.InjectFault(p, mockserver.Fault{Drop: true, Times: 1})
		req, _ := http.NewRequest("POST", srv.TokenURL(p), strings.NewReader("x"))
		req.Header.Set("Content-Type", ctForm)
		_, err := c.Do(req)
		require.Error(t, err, "%s: the connection is closed without an answer", p)
		assert.True(t, errors.Is(err, io.EOF) || strings.Contains(err.Error(), "EOF") || strings.Contains(err.Error(), "reset"), "%v", err)
		assert.Equal(t, 1, srv.Counts(p).Faults)
	}
}

func TestFaultMalformed(t *testing.T) {
	srv, c := newServer(t)
	for _, p := range mockserver.Providers() {
		srv.InjectFault(p, mockserver.Fault{Malformed: true, Times: 1})
		a := sendRaw(t, c, srv, validReq(t, srv, p))
		if p == mockserver.MoneyKit {
			assert.Equal(t, 201, a.Status)
		} else {
			assert.Equal(t, 200, a.Status)
		}
		var v any
		assert.Error(t, json.Unmarshal(a.Body, &v), "%s: %s", p, a.Body)
	}
}

func TestFaultOversized(t *testing.T) {
	srv, c := newServer(t)
	srv.InjectFault(mockserver.Moov, mockserver.Fault{Oversized: true, Times: 1})
	req, _ := http.NewRequest("POST", srv.TokenURL(mockserver.Moov), strings.NewReader(`{"grant_type":"client_credentials"}`))
	req.Header.Set("Content-Type", ctJSON)
	resp, err := c.Do(req)
	require.NoError(t, err)
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.EqualValues(t, mockserver.OversizedBodySize, n)

	t.Run("a client that stops reading", func(t *testing.T) {
		srv.InjectFault(mockserver.Moov, mockserver.Fault{Oversized: true, Times: 1})
		req, _ := http.NewRequest("POST", srv.TokenURL(mockserver.Moov), strings.NewReader(`{"grant_type":"client_credentials"}`))
		req.Header.Set("Content-Type", ctJSON)
		resp, err := c.Do(req)
		require.NoError(t, err)
		_, _ = io.CopyN(io.Discard, resp.Body, 1<<20)
		resp.Body.Close()
	})
}

func TestFaultEmptyToken(t *testing.T) {
	srv, c := newServer(t)
	for _, p := range mockserver.Providers() {
		srv.InjectFault(p, mockserver.Fault{EmptyToken: true, Times: 1})
		a := send(t, c, srv, validReq(t, srv, p), true) // well-formed per the spec, yet useless
		assert.Less(t, a.Status, 300)
		assert.Equal(t, "", a.str(t, "access_token"), "%s", p)
	}
}

// AfterHandling: the provider acted (the code is spent) but the answer was lost.
func TestFaultAfterHandling(t *testing.T) {
	srv, c := newServer(t)
	id, secret := demo(mockserver.MobiFinance)
	code := srv.MustIssueCode(id, mockserver.DemoRedirectURI)
	srv.InjectFault(mockserver.MobiFinance, mockserver.Fault{Status: 505, AfterHandling: true, Times: 1})
	a := send(t, c, srv, mobiReq(id, secret, code, mockserver.DemoRedirectURI), true)
	assert.Equal(t, 505, a.Status)
	assert.Equal(t, "server_error", a.str(t, "error"))
	a = send(t, c, srv, mobiReq(id, secret, code, mockserver.DemoRedirectURI), true)
	assert.Equal(t, 403, a.Status, "resending the code finds it spent")
	assert.Equal(t, mockserver.Counts{TokenRequests: 2, TokensIssued: 1, TokenErrors: 1, Faults: 1}, srv.Counts(mockserver.MobiFinance))
}

func TestFaultValidate(t *testing.T) {
	srv, _ := newServer(t)
	for name, f := range map[string]mockserver.Fault{
		"empty":               {},
		"two kinds":           {Status: 500, Drop: true},
		"1xx":                 {Status: 100},
		"600":                 {Status: 600},
		"negative delay":      {Delay: -1},
		"negative times":      {Status: 500, Times: -1},
		"retry-after alone":   {Malformed: true, RetryAfter: "1"},
		"after handling only": {Delay: time.Second, AfterHandling: true},
		"header injection":    {Status: 429, RetryAfter: "1\r\nX-Evil: 1"},
	} {
		t.Run(name, func(t *testing.T) {
			assert.Error(t, f.Validate())
			assert.Panics(t, func() { srv.InjectFault(mockserver.Moov, f) })
		})
	}
	assert.Panics(t, func() { srv.InjectFault("nope", mockserver.Fault{Status: 500}) })
	assert.NoError(t, mockserver.Fault{Delay: time.Second}.Validate())
}

// A Fault's JSON form is the control API's: every field under its snake_case
// name, Delay as a Go duration, and back.
func TestFaultJSON(t *testing.T) {
	f := mockserver.Fault{Status: 429, RetryAfter: "2", RetryIn: "1500", Location: "https://x/", Body: "<html>",
		ContentType: "text/html", Delay: 1500 * time.Millisecond, AfterHandling: true, Times: 2}
	b, err := json.Marshal(f)
	require.NoError(t, err)
	require.JSONEq(t, `{"status":429,"retry_after":"2","retry_in":"1500","location":"https://x/","body":"<html>",
		"content_type":"text/html","delay":"1.5s","after_handling":true,"times":2}`, string(b))
	var g mockserver.Fault
	require.NoError(t, json.Unmarshal(b, &g))
	require.Equal(t, f, g)
	for _, k := range []string{"drop", "malformed", "oversized", "empty_token"} {
		var h mockserver.Fault
		require.NoError(t, json.Unmarshal([]byte(`{"`+k+`":true}`), &h))
		require.Equal(t, 1, countTrue(h.Drop, h.Malformed, h.Oversized, h.EmptyToken), k)
	}
	require.ErrorContains(t, json.Unmarshal([]byte(`{"stauts":500}`), &g), "stauts")
	require.ErrorContains(t, json.Unmarshal([]byte(`{"delay":"soon"}`), &g), "delay")
}

func countTrue(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}
