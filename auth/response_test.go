package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/require"
)

type trackBody struct {
	io.Reader
	closed bool
}

func (b *trackBody) Close() error { b.closed = true; return nil }

func resp(status int, ctype, body string) (*http.Response, *trackBody) {
	b := &trackBody{Reader: strings.NewReader(body)}
	h := http.Header{}
	if ctype != "" {
		h.Set("Content-Type", ctype)
	}
	return &http.Response{StatusCode: status, Header: h, Body: b}, b
}

var moov = endpoint{Provider: "moov", DefaultLifetime: 15 * time.Minute}

func TestReadResponseSuccess(t *testing.T) {
	r, body := resp(201, "application/json", `{"access_token":"mk-token","token_type":"bearer","expires_in":3600}`)
	start := time.Now()
	tok, err := endpoint{Provider: "moneykit", DefaultLifetime: time.Hour}.ReadResponse(r)
	require.NoError(t, err, "201 is success")
	require.True(t, body.closed)
	require.Equal(t, "mk-token", tok.AccessToken)
	require.Equal(t, "Bearer", tok.TokenType)
	require.EqualValues(t, 3600, tok.ExpiresIn)
	require.WithinRange(t, tok.Expiry, start.Add(time.Hour-time.Second), time.Now().Add(time.Hour))

	// Moov: opaque/jwt become Bearer; the raw value stays readable.
	for _, tt := range []string{"opaque", "jwt", "Bearer", ""} {
		r, _ = resp(200, "application/json", fmt.Sprintf(`{"access_token":"a","token_type":%q,"refresh_token":"r","scope":"/accounts.read","expires_in":900}`, tt))
		tok, err = moov.ReadResponse(r)
		require.NoError(t, err)
		require.Equal(t, "Bearer", tok.TokenType)
		require.Equal(t, tt, tok.Extra("token_type"))
		require.Equal(t, "/accounts.read", tok.Extra("scope"))
		require.Equal(t, "r", tok.RefreshToken)
	}

	// Form-encoded answer (Moov mirrors a form request).
	r, _ = resp(200, "application/x-www-form-urlencoded", "access_token=f&token_type=opaque&expires_in=900")
	tok, err = moov.ReadResponse(r)
	require.NoError(t, err)
	require.Equal(t, "f", tok.AccessToken)
	require.Equal(t, "opaque", tok.Extra("token_type"))
}

func TestReadResponseExpiresIn(t *testing.T) {
	future := time.Now().Add(2 * time.Hour).Unix()
	for _, tc := range []struct {
		name     string
		value    string // JSON value, "" = absent
		life     time.Duration
		absolute int64
		zero     bool
		bad      string
	}{
		{name: "number", value: `900`, life: 900 * time.Second},
		{name: "numeric string", value: `"900"`, life: 900 * time.Second},
		{name: "float", value: `900.9`, life: 900 * time.Second},
		{name: "exponent", value: `9e2`, life: 900 * time.Second},
		{name: "absent: provider default", value: "", life: 15 * time.Minute},
		{name: "null: provider default", value: `null`, life: 15 * time.Minute},
		{name: "zero: provider default", value: `0`, life: 15 * time.Minute},
		{name: "empty string: provider default", value: `""`, life: 15 * time.Minute},
		{name: "unix time", value: fmt.Sprint(future), absolute: future},
		{name: "unix time as string", value: fmt.Sprintf("%q", fmt.Sprint(future)), absolute: future},
		{name: "unix time in the past", value: `1736966581`, bad: "absolute time in the past"},
		{name: "negative", value: `-1`, bad: "negative"},
		{name: "non-numeric", value: `"soon"`, bad: "is not a number"},
		{name: "bool", value: `true`, bad: "is not a number"},
		{name: "huge", value: `1e400`, bad: "overflows"},
		{name: "beyond year 9999", value: `999999999999999`, bad: "overflows"},
		{name: "NaN string", value: `"NaN"`, bad: "not a finite number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"access_token":"a","token_type":"opaque"`
			if tc.value != "" {
				body += `,"expires_in":` + tc.value
			}
			body += "}"
			r, _ := resp(200, "application/json", body)
			start := time.Now().Truncate(time.Second)
			tok, err := moov.ReadResponse(r)
			if tc.bad != "" {
				require.ErrorIs(t, err, ErrMalformedResponse)
				require.ErrorContains(t, err, tc.bad)
				var e *Error
				require.ErrorAs(t, err, &e)
				require.Equal(t, 200, e.StatusCode)
				require.Nil(t, tok)
				return
			}
			require.NoError(t, err)
			switch {
			case tc.absolute != 0:
				require.Equal(t, time.Unix(tc.absolute, 0), tok.Expiry)
			default:
				require.WithinRange(t, tok.Expiry, start.Add(tc.life), time.Now().Add(tc.life))
			}
		})
	}

	// MobiFinance documents permanent tokens: no default lifetime, no expiry.
	r, _ := resp(200, "application/json", `{"access_token":"m","token_type":"Bearer","refresh_token":"r"}`)
	tok, err := endpoint{Provider: "mobifinance"}.ReadResponse(r)
	require.NoError(t, err)
	require.True(t, tok.Expiry.IsZero())
	require.Zero(t, tok.ExpiresIn)
}

func TestReadResponseMalformed2xx(t *testing.T) {
	for _, tc := range []struct{ name, ctype, body, why string }{
		{"no access_token", "application/json", `{"token_type":"Bearer","expires_in":60}`, "no access_token"},
		{"empty access_token", "application/json", `{"access_token":""}`, "no access_token"},
		{"numeric access_token", "application/json", `{"access_token":5}`, "no access_token"},
		{"not JSON", "application/json", `<html>ok</html>`, "not a JSON object"},
		{"trailing data", "application/json", `{"access_token":"a"} {}`, "data after the JSON object"},
		{"mac token", "application/json", `{"access_token":"a","token_type":"mac"}`, `token_type "mac" is not a bearer token type`},
		{"numeric token_type", "application/json", `{"access_token":"a","token_type":1}`, "token_type is not a string"},
		{"numeric refresh_token", "application/json", `{"access_token":"a","refresh_token":1}`, "refresh_token is not a string"},
		{"empty body", "", ``, "not a JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := resp(200, tc.ctype, tc.body)
			r.Header.Set("X-Request-Id", "rid")
			_, err := moov.ReadResponse(r)
			require.ErrorIs(t, err, ErrMalformedResponse)
			require.NotErrorIs(t, err, ErrServer)
			var e *Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, 200, e.StatusCode, "status kept")
			require.Equal(t, tc.body, string(e.Body), "body kept")
			require.Equal(t, "rid", e.RequestID)
			require.Contains(t, e.Description, tc.why)
			require.False(t, e.Temporary())
		})
	}
}

func TestReadResponseErrors(t *testing.T) {
	// An HTML gateway page keeps status and body.
	html := "<html><body>502 Bad Gateway</body></html>"
	r, _ := resp(502, "text/html", html)
	_, err := moov.ReadResponse(r)
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, 502, e.StatusCode)
	require.Equal(t, html, string(e.Body))
	require.ErrorIs(t, err, ErrServer)
	require.True(t, e.Temporary())

	// Generic OAuth2 error body.
	r, _ = resp(400, "application/json", `{"error":"invalid_request","error_description":"bad scope","error_uri":"https://u"}`)
	_, err = moov.ReadResponse(r)
	require.ErrorAs(t, err, &e)
	require.Equal(t, "invalid_request", e.Code)
	require.Equal(t, "bad scope", e.Description)
	require.Equal(t, "https://u", e.URI)
	require.ErrorIs(t, err, ErrInvalidRequest)

	// A provider's own shape (MoneyKit) via DecodeError.
	mk := endpoint{Provider: "moneykit", DecodeError: func(_ int, b []byte) (string, string, string, bool) {
		var v struct{ ErrorCode, ErrorMessage, DocumentationURL string }
		if json.Unmarshal(b, &v) != nil || v.ErrorCode == "" {
			return "", "", "", false
		}
		return v.ErrorCode, v.ErrorMessage, v.DocumentationURL, true
	}}
	r, _ = resp(401, "application/json", `{"ErrorCode":"api_error.auth.unauthorized","ErrorMessage":"no","DocumentationURL":"https://d"}`)
	_, err = mk.ReadResponse(r)
	require.ErrorIs(t, err, ErrInvalidClient)
	require.ErrorAs(t, err, &e)
	require.Equal(t, "https://d", e.URI)

	// 429 with Retry-After.
	r, _ = resp(429, "", "")
	r.Header.Set("Retry-After", "12")
	_, err = moov.ReadResponse(r)
	require.ErrorAs(t, err, &e)
	require.Equal(t, 12*time.Second, e.RetryAfter)
	require.ErrorIs(t, err, ErrRateLimited)
}

func TestReadResponseSizeLimit(t *testing.T) {
	big := `{"access_token":"` + strings.Repeat("a", maxResponseBody) + `"}`
	r, body := resp(200, "application/json", big)
	_, err := moov.ReadResponse(r)
	require.ErrorIs(t, err, ErrMalformedResponse)
	require.ErrorContains(t, err, "exceeds 1048576 bytes")
	require.True(t, body.closed)
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Len(t, e.Body, maxErrorBody)

	// Exactly at the limit is read whole.
	exact := `{"access_token":"` + strings.Repeat("a", maxResponseBody-19) + `"}`
	require.Len(t, exact, maxResponseBody)
	r, _ = resp(200, "application/json", exact)
	_, err = moov.ReadResponse(r)
	require.NoError(t, err)

	// An endless body is never buffered whole.
	var n atomic.Int64
	endless := io.NopCloser(&countingReader{n: &n})
	_, err = moov.ReadResponse(&http.Response{StatusCode: 500, Header: http.Header{}, Body: endless})
	require.ErrorIs(t, err, ErrServer)
	require.LessOrEqual(t, n.Load(), int64(maxResponseBody+1+32<<10))
}

type countingReader struct{ n *atomic.Int64 }

func (c *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	c.n.Add(int64(len(p)))
	return len(p), nil
}

// A success answer cut off mid-body is a network error (temporary,
// retried), not a malformed answer; another answer cut off keeps its status.
func TestReadResponseBodyError(t *testing.T) {
	body := io.MultiReader(strings.NewReader(`{"access_token":"at-0123`), iotest.ErrReader(io.ErrUnexpectedEOF))
	r := &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(body)}
	_, err := moov.ReadResponse(r)
	require.EqualError(t, err, "moov: token request: HTTP 200 answer cut off after 24 bytes: unexpected EOF")
	require.NotErrorIs(t, err, ErrMalformedResponse)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	var e *Error
	require.False(t, errors.As(err, &e), "no *Error: nothing of the answer is usable")
	var tmp interface{ Temporary() bool }
	require.ErrorAs(t, err, &tmp)
	require.True(t, tmp.Temporary())
	require.True(t, retryable(err))

	r = &http.Response{StatusCode: 503, Header: http.Header{}, Body: io.NopCloser(iotest.ErrReader(errors.New("connection reset")))}
	_, err = moov.ReadResponse(r)
	require.ErrorContains(t, err, "moov: token request failed: HTTP 503 Service Unavailable: reading the body")
	require.ErrorContains(t, err, "connection reset")
	require.ErrorAs(t, err, &e)
	require.Equal(t, 503, e.StatusCode)
	require.ErrorIs(t, err, ErrServer)
}

// A 2xx rejected as malformed may still carry live tokens; the Error keeps
// its status and body, but not them.
func TestMalformedAnswerKeepsNoTokens(t *testing.T) {
	const access, refresh = "ACCESS-SENTINEL-0123456789", "REFRESH-SENTINEL-0123456789"
	for _, tc := range []struct{ name, ctype, body string }{
		{"json token_type", "application/json", `{"access_token":"` + access + `","refresh_token":"` + refresh + `","token_type":"mac"}`},
		{"json expires_in", "application/json", `{"access_token":"` + access + `","refresh_token":"` + refresh + `","expires_in":-5}`},
		{"form expires_in", "application/x-www-form-urlencoded", "access_token=" + access + "&refresh_token=" + refresh + "&expires_in=soon"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {tc.ctype}}, Body: io.NopCloser(strings.NewReader(tc.body))}
			_, err := endpoint{Provider: "p"}.ReadResponse(resp)
			require.ErrorIs(t, err, ErrMalformedResponse)
			var e *Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, 200, e.StatusCode)
			for _, v := range []string{access, refresh} {
				require.NotContains(t, string(e.Body), v)
				require.NotContains(t, fmt.Sprintf("%+v %#v", err, e), v)
			}
			require.Contains(t, string(e.Body), "[redacted]")
		})
	}
}

func TestMalformedAnswerKeepsNoTokensWhateverTheSpelling(t *testing.T) {
	body := `{"access_token":"FIRST-SENTINEL-123","ACCESS_TOKEN":"SECOND-SENTINEL-456","Refresh_Token":"THIRD-SENTINEL-789","expires_in":-1}`
	resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body))}
	_, err := endpoint{Provider: "p"}.ReadResponse(resp)
	var e *Error
	require.ErrorAs(t, err, &e)
	for _, v := range []string{"FIRST-SENTINEL-123", "SECOND-SENTINEL-456", "THIRD-SENTINEL-789"} {
		require.NotContains(t, string(e.Body), v)
	}
}
