package auth_test

// Fuzz targets for what auth reads from the network: token responses
// (Endpoint.ReadResponse), error bodies, expires_in, Retry-After /
// X-Retry-In, base URLs (CheckURL), and the redaction of secrets. Each
// target states its invariants next to the code that checks them. Findings
// are kept as regression seeds under testdata/fuzz/<Target>.
//
// Run one for a while:
//
//	go test ./auth -run '^$' -fuzz '^FuzzReadResponse$' -fuzztime 30s

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providertest"
)

// fuzzEndpoints are shaped like the four providers' endpoints: their
// default lifetimes, and MoneyKit's own error body.
var fuzzEndpoints = []auth.Endpoint{
	{Provider: "moneygo", DefaultLifetime: 30 * 24 * time.Hour},
	{Provider: "moneykit", DefaultLifetime: time.Hour, DecodeError: fuzzMoneyKitError},
	{Provider: "moov", DefaultLifetime: 15 * time.Minute},
	{Provider: "mobifinance"},
}

func fuzzMoneyKitError(body []byte) (code, desc, uri string, ok bool) {
	var v struct {
		Code string `json:"error_code"`
		Msg  string `json:"error_message"`
		URL  string `json:"documentation_url"`
	}
	if json.Unmarshal(body, &v) != nil || v.Code == "" {
		return "", "", "", false
	}
	return v.Code, v.Msg, v.URL, true
}

// fuzzBody is a response body that records whether it was closed and can
// fail after its bytes, like a connection reset mid-body.
type fuzzBody struct {
	r      *bytes.Reader
	err    error // returned once r is drained; nil means io.EOF
	closed bool
	read   int
}

func (b *fuzzBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read += n
	if err == io.EOF && b.err != nil {
		return n, b.err
	}
	return n, err
}

func (b *fuzzBody) Close() error { b.closed = true; return nil }

// fuzzHeader turns "Name: value" lines into a header.
func fuzzHeader(lines string) http.Header {
	h := http.Header{}
	for _, line := range strings.Split(lines, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || k == "" {
			continue
		}
		h.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	return h
}

// accessTokenIn returns the access_token a body carries (as JSON or form),
// if any.
func accessTokenIn(body []byte) string {
	var m map[string]any
	if json.Unmarshal(body, &m) == nil {
		if s, ok := m["access_token"].(string); ok {
			return s
		}
	}
	if v, err := url.ParseQuery(string(body)); err == nil {
		return v.Get("access_token")
	}
	return ""
}

func addReadResponseSeeds(f *testing.F) {
	type seed struct {
		status int
		ct     string
		hdr    string
		body   string
	}
	seeds := []seed{
		{200, "application/json", "", `{"token_type":"Bearer","expires_in":2592000,"access_token":"mg-0123456789abcdef"}`},
		{201, "application/json", "", `{"access_token":"mk-0123456789abcdef","token_type":"bearer","expires_in":3600}`},
		{200, "application/json", "", `{"access_token":"mv-0123456789abcdef","expires_in":900,"refresh_token":"rt-0123456789","scope":"/accounts.read","token_type":"opaque"}`},
		{200, "application/x-www-form-urlencoded", "", `access_token=mv-0123456789abcdef&expires_in=900&refresh_token=rt&token_type=jwt`},
		{200, "application/json", "", `{"access_token":"mf-0123456789abcdef","token_type":"Bearer","refresh_token":"r","expires_in":0}`},
		{200, "application/json", "", `{"access_token":"x","expires_in":1736966581}`},
		{200, "application/json", "", `{"access_token":"x","expires_in":"3600"}`},
		{200, "application/json", "", `{"access_token":"x","expires_in":-1}`},
		{200, "application/json", "", `{"access_token":"x","expires_in":1.5}`},
		{200, "application/json", "", `{"access_token":"x","expires_in":1e400}`},
		{200, "application/json", "", `{"access_token":"x","expires_in":"soon"}`},
		{200, "application/json", "", `{"access_token":"x","expires_in":true}`},
		{200, "application/json", "", `{"access_token":"","token_type":"Bearer"}`},
		{200, "application/json", "", `{"access_token":null}`},
		{200, "application/json", "", `{"access_token":42}`},
		{200, "application/json", "", `{"access_token":"tok-123456789","token_type":"mac"}`},
		{200, "application/json", "", `{"access_token":"tok-123456789","refresh_token":7}`},
		{200, "application/json", "", `{"access_token":"tok-123456789"}{}`},
		{200, "application/json", "", `{"access_token":"tok-123456789","token_type":`},
		{200, "text/html", "", `<html><body>Bad gateway</body></html>`},
		{200, "text/plain", "", `access_token=tok-123456789&token_type=bearer`},
		{200, "text/plain", "", ` {"access_token":"tok-123456789"}`},
		{200, "", "", `[]`},
		{200, "application/json", "", ``},
		{204, "", "", ``},
		{301, "", "Location: https://evil.example/steal", ``},
		{307, "", "Location: ::", `{"access_token":"tok-123456789"}`},
		{400, "application/json", "", `{"error":"invalid_request"}`},
		{400, "application/json", "", `{"error_code":"api_error.auth.unauthorized","error_message":"Invalid client","documentation_url":"https://docs.moneykit.com/"}`},
		{401, "application/json", "", `{"error":"unauthorized_client","error_description":"bad client"}`},
		{403, "application/json", "", `{"error":"invalid_grant","error_description":"code used"}`},
		{415, "application/json", "", `{"error":"unsupported_grant_type"}`},
		{429, "application/json", "Retry-After: 2", `{"error":"rate_limit_exceeded"}`},
		{429, "application/json", "Retry-After: Wed, 21 Oct 2037 07:28:00 GMT", ``},
		{429, "application/json", "X-Retry-In: 1500", ``},
		{429, "application/json", "Retry-After: -5\nX-Retry-In: NaN", ``},
		{429, "application/json", "Retry-After: 99999999999999999999", ``},
		{500, "text/html", "X-Request-Id: abc\x01\ndef", `<html>500 Internal Server Error</html>`},
		{502, "text/html", "", `<html><head><title>502 Bad Gateway</title></head></html>`},
		{503, "application/json", "", `{"error":"temporarily_unavailable"}`},
		{505, "application/json", "", `{"error":"server_error","error_description":"HTTP Version Not Supported"}`},
		{418, "application/json", "", `{"error":"i'm a teapot","error_description":"` + strings.Repeat("é", 300) + `"}`},
		{400, "application/json", "", `{"error":"invalid_request","access_token":"leaked-access-token-000"}`},
		{103, "", "", ``},
		{999, "", "", `{}`},
	}
	for i, s := range seeds {
		f.Add(s.status, s.ct, s.hdr, []byte(s.body), uint8(i%4))
		if i%7 == 0 {
			f.Add(s.status, s.ct, s.hdr, []byte(s.body), uint8(i%4)|0x80) // body fails after its bytes
		}
	}
	f.Add(200, "application/json", "", []byte(`{"padding":"`+strings.Repeat("x", 5000)+`","access_token":"big-0123456789"}`), uint8(2))
}

// FuzzReadResponse feeds arbitrary answers to Endpoint.ReadResponse.
//
// Invariants: it never panics and always closes the body; it returns a token
// or an error, never both or neither; a token has a non-empty AccessToken,
// TokenType "Bearer", came from a 2xx, and expires after now (or never, only
// for an endpoint whose tokens are permanent); an error is an *auth.Error
// keeping the status, holding at most 4 KiB of the body, matching
// ErrMalformedResponse exactly when the status is 2xx, Temporary exactly
// for 408, 429, 5xx and the ErrRateLimited and ErrServer kinds; its message
// is one line of bounded length and never contains the body's access_token.
func FuzzReadResponse(f *testing.F) {
	addReadResponseSeeds(f)
	f.Fuzz(func(t *testing.T, status int, contentType, headerLines string, body []byte, flags uint8) {
		if status < 0 {
			status = -status
		}
		status = 100 + status%900
		ep := fuzzEndpoints[int(flags&3)]
		h := fuzzHeader(headerLines)
		if contentType != "" {
			h.Set("Content-Type", contentType)
		}
		rb := &fuzzBody{r: bytes.NewReader(body)}
		if flags&0x80 != 0 {
			rb.err = io.ErrUnexpectedEOF
		}
		resp := &http.Response{StatusCode: status, Header: h, Body: rb}
		before := time.Now()
		tok, err := ep.ReadResponse(resp)

		if !rb.closed {
			t.Fatal("the body was not closed")
		}
		if rb.read > auth.MaxResponseBody+1 {
			t.Fatalf("read %d bytes, more than MaxResponseBody+1", rb.read)
		}
		if (tok == nil) == (err == nil) {
			t.Fatalf("want exactly one of token and error, got %v and %v", tok, err)
		}
		two := status >= 200 && status <= 299
		if tok != nil {
			if !two || rb.err != nil {
				t.Fatalf("a token from HTTP %d (read error %v)", status, rb.err)
			}
			if tok.AccessToken == "" {
				t.Fatal("a token with an empty AccessToken")
			}
			if tok.TokenType != "Bearer" {
				t.Fatalf("TokenType %q, want Bearer", tok.TokenType)
			}
			if tok.Expiry.IsZero() {
				if ep.DefaultLifetime != 0 {
					t.Fatalf("%s: a token without expiry", ep.Provider)
				}
			} else if !tok.Expiry.After(before) {
				t.Fatalf("expiry %v is not after %v", tok.Expiry, before)
			}
			if tok.ExpiresIn < 0 {
				t.Fatalf("ExpiresIn %d", tok.ExpiresIn)
			}
			return
		}

		var e *auth.Error
		if !errors.As(err, &e) {
			t.Fatalf("error %T %q is not an *auth.Error", err, err)
		}
		if e.StatusCode != status {
			t.Fatalf("status %d lost: Error has %d", status, e.StatusCode)
		}
		if e.Provider != ep.Provider {
			t.Fatalf("provider %q, want %q", e.Provider, ep.Provider)
		}
		if len(e.Body) > auth.MaxErrorBody {
			t.Fatalf("Error.Body holds %d bytes", len(e.Body))
		}
		// A rejected 2xx also loses the tokens it carried, replaced by
		// [redacted]; anything else is kept byte for byte.
		if !two && !bytes.HasPrefix(body, e.Body) || two && !providertest.RedactedFrom(body, e.Body) {
			t.Fatal("Error.Body is not a prefix of the body (with a 2xx's tokens [redacted])")
		}
		if e.RetryAfter < 0 || e.RetryAfter > 24*time.Hour {
			t.Fatalf("RetryAfter %v", e.RetryAfter)
		}
		if got := errors.Is(err, auth.ErrMalformedResponse); two && rb.err == nil && !got {
			t.Fatalf("a 2xx without a token is not ErrMalformedResponse: %v", err)
		} else if !two && got {
			t.Fatalf("HTTP %d is ErrMalformedResponse: %v", status, err)
		}
		wantTemp := status == 408 || status == 429 || status >= 500 && status <= 599 ||
			errors.Is(e, auth.ErrRateLimited) || errors.Is(e, auth.ErrServer) // the kind: a rate-limit code with a 400
		if e.Temporary() != wantTemp {
			t.Fatalf("HTTP %d: Temporary() = %v", status, e.Temporary())
		}
		if status == 429 && e.Code == "" && !errors.Is(err, auth.ErrRateLimited) {
			t.Fatalf("429 without a code is not ErrRateLimited: %v", err)
		}
		if status >= 500 && status <= 599 && e.Code == "" && !errors.Is(err, auth.ErrServer) {
			t.Fatalf("HTTP %d without a code is not ErrServer: %v", status, err)
		}
		checkErrorMessage(t, err.Error(), body)
	})
}

// checkErrorMessage: one line, bounded, valid UTF-8, no fmt mistakes, and
// no access_token from the body (when it occurs in the body only once, so it
// cannot have come from a field that is meant to be shown).
func checkErrorMessage(t *testing.T, msg string, body []byte) {
	t.Helper()
	if strings.ContainsAny(msg, "\r\n\x00") {
		t.Fatalf("error message is not one line: %q", msg)
	}
	if len(msg) > 1024 {
		t.Fatalf("error message of %d bytes", len(msg))
	}
	if !utf8.ValidString(msg) {
		t.Fatalf("error message is not valid UTF-8: %q", msg)
	}
	if strings.Contains(msg, "%!") {
		t.Fatalf("fmt mistake in %q", msg)
	}
	if at := accessTokenIn(body); len(at) >= 8 && bytes.Count(body, []byte(at)) == 1 && strings.Contains(msg, at) {
		t.Fatalf("error message %q contains the access_token %q", msg, at)
	}
}

// FuzzErrorBody decodes arbitrary error bodies for every non-2xx status the
// providers document, in each provider's shape.
//
// Invariants: the status is kept; a body in a provider's shape yields its
// code; the sentinel follows the code first, then the status; the message
// is one bounded line.
func FuzzErrorBody(f *testing.F) {
	for _, s := range []struct {
		status int
		body   string
	}{
		{400, `{"error":"invalid_request"}`},
		{400, `{"error_code":"api_error.auth.unauthorized","error_message":"Invalid client_id","documentation_url":"https://docs.moneykit.com/"}`},
		{401, `{"error_code":"api_error.auth.expired_access_token","error_message":"expired"}`},
		{401, `{"error":"unauthorized_client","error_description":"Invalid client_id or client_secret"}`},
		{403, `{"error":"invalid_grant","error_description":"code already used"}`},
		{415, `{"error":"unsupported_grant_type","error_description":"Unsupported type"}`},
		{429, `{"error_code":"api_error.rate_limit_exceeded","error_message":"slow down"}`},
		{429, `{"error":"slow_down"}`},
		{500, `{"error":"server_error"}`},
		{503, `{"error":"temporarily_unavailable","error_uri":"https://status.example"}`},
		{505, `{"error":"server_error","error_description":"HTTP Version Not Supported"}`},
		{502, `<html><body><h1>502 Bad Gateway</h1></body></html>`},
		{400, `{"error":["not","a","string"]}`},
		{400, `{"error":"` + strings.Repeat("\u2028\x1b[31m", 100) + `"}`},
		{400, `{"error_code":"","error":"invalid_request"}`},
		{401, `null`},
		{400, `{"error":"invalid_client"}`},
	} {
		for ep := range fuzzEndpoints {
			f.Add(s.status, []byte(s.body), uint8(ep))
		}
	}
	f.Fuzz(func(t *testing.T, status int, body []byte, epi uint8) {
		if status < 0 {
			status = -status
		}
		status = 400 + status%200 // the error statuses: 4xx and 5xx
		ep := fuzzEndpoints[int(epi)%len(fuzzEndpoints)]
		resp := &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(bytes.NewReader(body))}
		tok, err := ep.ReadResponse(resp)
		if tok != nil || err == nil {
			t.Fatalf("HTTP %d gave a token", status)
		}
		var e *auth.Error
		if !errors.As(err, &e) || e.StatusCode != status {
			t.Fatalf("status lost: %v", err)
		}
		checkErrorMessage(t, err.Error(), body)

		// The provider's code, when the body is in a documented shape.
		var std struct {
			Error string `json:"error"`
		}
		if code, _, _, ok := fuzzMoneyKitError(body); ep.DecodeError != nil && ok {
			if e.Code != code {
				t.Fatalf("code %q, want MoneyKit's %q", e.Code, code)
			}
		} else if json.Unmarshal(body, &std) == nil && e.Code != std.Error {
			t.Fatalf("code %q, want %q", e.Code, std.Error)
		}

		// The sentinel: from the code when it is known, else from the status.
		sentinels := []error{auth.ErrInvalidRequest, auth.ErrInvalidClient, auth.ErrInvalidGrant,
			auth.ErrUnsupportedGrantType, auth.ErrRateLimited, auth.ErrServer, auth.ErrMalformedResponse, auth.ErrInsecureURL}
		n := 0
		for _, s := range sentinels {
			if errors.Is(err, s) {
				n++
			}
		}
		if n > 1 {
			t.Fatalf("%v matches %d sentinels", err, n)
		}
		byStatus := map[int]error{400: auth.ErrInvalidRequest, 401: auth.ErrInvalidClient, 403: auth.ErrInvalidGrant,
			415: auth.ErrUnsupportedGrantType, 429: auth.ErrRateLimited}
		if want, ok := byStatus[status]; ok && e.Code == "" && !errors.Is(err, want) {
			t.Fatalf("HTTP %d without a code: want %v, got %v", status, want, err)
		}
		if e.Code == "invalid_grant" && !errors.Is(err, auth.ErrInvalidGrant) {
			t.Fatalf("invalid_grant not ErrInvalidGrant: %v", err)
		}
		if strings.EqualFold(e.Code, "api_error.auth.unauthorized") && !errors.Is(err, auth.ErrInvalidClient) {
			t.Fatalf("api_error.auth.unauthorized not ErrInvalidClient: %v", err)
		}
	})
}

// FuzzParseExpiresIn gives ParseExpiresIn every kind of value a JSON or
// form decoder can produce, and some it cannot.
//
// Invariants: it never panics; success means an expiry after now, or the
// zero time only when the default lifetime is none; failure means the zero
// time and a one-line reason; a plain number of seconds up to 1577836800 is
// now plus that many whole seconds; a value above it is that Unix time.
func FuzzParseExpiresIn(f *testing.F) {
	for _, s := range []string{"", "0", "1", "0.5", "900", "3600", "2592000", "1577836800", "1577836801",
		"1736966581", "253402300799", "253402300800", "-1", "-0", "1e3", "1e400", "NaN", "Inf", "-Inf",
		"0x10", "0x1p-2", "1_000", " 60 ", "+60", "soon", "9223372036854775807", "18446744073709551616",
		"1.9", "00000000000000000000000000000000000060", "\u0660"} {
		for kind := range uint8(3) {
			f.Add(kind, s, 0.0, int64(0), int64(time.Hour))
		}
	}
	for _, fl := range []float64{0, 0.1, 1, 59.99, 3600, 1736966581.5, -1, 1e300} {
		f.Add(uint8(3), "", fl, int64(0), int64(0))
	}
	for _, i := range []int64{0, 1, 900, -900, 1736966581, 1 << 62, -1 << 63} {
		f.Add(uint8(4), "", 0.0, i, int64(15*time.Minute))
		f.Add(uint8(5), "", 0.0, i, int64(-1))
	}
	f.Add(uint8(6), "x", 0.0, int64(0), int64(0))
	f.Fuzz(func(t *testing.T, kind uint8, s string, fl float64, i int64, def int64) {
		var v any
		switch kind % 8 {
		case 0:
			v = json.Number(s)
		case 1:
			v = s
		case 2:
			v = nil
		case 3:
			v = fl
		case 4:
			v = i
		case 5:
			v = int(i)
		case 6:
			v = true
		case 7:
			v = map[string]any{"s": s}
		}
		now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		defLife := time.Duration(def)
		exp, why := auth.ParseExpiresIn(v, now, defLife)
		if why != "" {
			if !exp.IsZero() {
				t.Fatalf("%#v: reason %q with expiry %v", v, why, exp)
			}
			if strings.ContainsAny(why, "\r\n") || len(why) > 200 || !utf8.ValidString(why) {
				t.Fatalf("reason %q", why)
			}
			return
		}
		if exp.IsZero() {
			if defLife > 0 {
				t.Fatalf("%#v with default %v: no expiry", v, defLife)
			}
		} else if !exp.After(now) {
			t.Fatalf("%#v: expiry %v is not after now %v", v, exp, now)
		}
		if exp.Year() > 10000 {
			t.Fatalf("%#v: expiry %v", v, exp)
		}
		// Exact values for plain decimal integers.
		str, isStr := v.(string)
		if n, ok := v.(json.Number); ok {
			str, isStr = string(n), true
		}
		if isStr {
			if n, err := strconv.ParseInt(strings.TrimSpace(str), 10, 64); err == nil && n >= 1 {
				want := now.Add(time.Duration(n) * time.Second)
				if n > 1577836800 {
					want = time.Unix(n, 0)
				}
				if !exp.Equal(want) {
					t.Fatalf("%#v: expiry %v, want %v", v, exp, want)
				}
			}
		}
	})
}

// FuzzParseRetryAfter: the wait a server asks for.
//
// Invariants: never negative, never more than 24 hours, whatever the
// headers say; delay-seconds n in [1, 86400] is exactly n seconds; an
// HTTP-date d in the future is d − now (to the second); X-Retry-In counts
// only when Retry-After is absent; *auth.Error carries the same wait.
func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range [][2]string{
		{"2", ""}, {"0", ""}, {"-1", ""}, {"86400", ""}, {"86401", ""}, {"99999999999999999999", ""},
		{"Wed, 21 Oct 2037 07:28:00 GMT", ""}, {"Sun, 01 Mar 2026 12:00:30 GMT", ""}, {"Sun, 06 Nov 1994 08:49:37 GMT", ""},
		{"Sunday, 06-Nov-94 08:49:37 GMT", ""}, {"Sun Nov  6 08:49:37 1994", ""}, {"1.5", ""}, {" 7 ", ""},
		{"", "1500"}, {"", "0"}, {"", "-5"}, {"", "NaN"}, {"", "+Inf"}, {"", "1e300"}, {"", "0.4"}, {"", "86400001"},
		{"x", "1500"}, {"", ""},
	} {
		f.Add(s[0], s[1], int64(0))
	}
	f.Fuzz(func(t *testing.T, retryAfter, retryIn string, offset int64) {
		now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		h := http.Header{}
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
		if retryIn != "" {
			h.Set("X-Retry-In", retryIn)
		}
		d := auth.ParseRetryAfter(h, now)
		if d < 0 || d > 24*time.Hour {
			t.Fatalf("Retry-After %q, X-Retry-In %q: wait %v", retryAfter, retryIn, d)
		}
		ra := strings.TrimSpace(retryAfter)
		if n, err := strconv.ParseInt(ra, 10, 64); err == nil && n >= 1 && n <= 86400 && d != time.Duration(n)*time.Second {
			t.Fatalf("Retry-After %q: wait %v", retryAfter, d)
		}
		if ra == "" && strings.TrimSpace(retryIn) == "" && d != 0 {
			t.Fatalf("no header: wait %v", d)
		}
		// An HTTP-date offset seconds from now.
		off := offset % (48 * 3600)
		h2 := http.Header{"Retry-After": {now.Add(time.Duration(off) * time.Second).Format(http.TimeFormat)}}
		d2 := auth.ParseRetryAfter(h2, now)
		want := min(max(time.Duration(off)*time.Second, 0), 24*time.Hour)
		if d2 != want {
			t.Fatalf("HTTP-date %+ds from now: wait %v, want %v", off, d2, want)
		}
		// NewError reads the same header (against its own clock: bounds only).
		e := auth.NewError("moov", 429, h, nil, "", "", "")
		if e.RetryAfter < 0 || e.RetryAfter > 24*time.Hour {
			t.Fatalf("Error.RetryAfter %v", e.RetryAfter)
		}
	})
}

// FuzzCheckURL: the guard in front of every credential.
//
// Invariants: an accepted URL is absolute, carries no user info, query or
// fragment, and is https, or plain http to a loopback host; a rejected
// plain-http non-loopback URL matches ErrInsecureURL; the error never
// repeats a password given in the URL.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{
		"https://api.moov.io", "https://api.moov.io/", "http://127.0.0.1:8089", "http://localhost:1/x",
		"http://[::1]:80", "http://api.moov.io", "http://10.0.0.1", "ftp://x", "https://user:pass@host",
		"http://user:hunter2-secret@10.0.0.1", "https://h/?a=b", "https://h/#f", "", "   ", "api.moov.io",
		"//api.moov.io", "http://127.1", "http://0x7f000001", "http://[::ffff:127.0.0.1]", "http://foo.localhost",
		"HTTP://LOCALHOST", "http://localhost.", "http://127.0.0.1.nip.io", "https://%zz", "http://[fe80::1%25lo]",
		"http://0.0.0.0", "http://[::]", "javascript:alert(1)", "http:///path",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := auth.CheckURL(raw)
		if err != nil {
			if u != nil {
				t.Fatalf("%q: URL and error", raw)
			}
			if pw := passwordIn(raw); len(pw) >= 4 && strings.Contains(err.Error(), pw) && !strings.Contains(checkURLWording, pw) {
				t.Fatalf("%q: the error repeats the password %q: %v", raw, pw, err)
			}
			if pu, perr := url.Parse(raw); perr == nil && strings.EqualFold(pu.Scheme, "http") && pu.Host != "" &&
				pu.User == nil && pu.RawQuery == "" && pu.Fragment == "" && !auth.IsLoopback(pu.Hostname()) &&
				!errors.Is(err, auth.ErrInsecureURL) {
				t.Fatalf("%q: %v is not ErrInsecureURL", raw, err)
			}
			return
		}
		if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			t.Fatalf("%q accepted: %#v", raw, u)
		}
		switch strings.ToLower(u.Scheme) {
		case "https":
		case "http":
			if !auth.IsLoopback(u.Hostname()) {
				t.Fatalf("%q accepted: plain http to %q", raw, u.Hostname())
			}
		default:
			t.Fatalf("%q accepted with scheme %q", raw, u.Scheme)
		}
	})
}

// passwordIn finds the password of a URL's user info even when the URL does
// not parse: after "//", up to the first '/', '?' or '#', before the last
// '@', after the first ':'.
func passwordIn(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "//")
	if !ok || !schemeRE.MatchString(scheme) {
		return ""
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return ""
	}
	_, pw, _ := strings.Cut(rest[:at], ":")
	return pw
}

var schemeRE = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*:)?$`)

// checkURLWording is the fixed text CheckURL's errors may hold: a password
// that is part of it proves nothing.
const checkURLWording = "empty URL invalid URL: is not absolute (want https://host[/path]) URL must not carry user info " +
	"(credentials go in ClientID/ClientSecret) must not have a query or fragment scheme is not https " +
	"insecure URL: credentials are only sent over https (plain http only to loopback) " +
	"net/url: invalid userinfo invalid URL escape invalid character in host name invalid port after host " +
	"missing protocol scheme first path segment in URL cannot contain colon parse"

// FuzzSecret: auth.Secret never prints itself, through any fmt verb, inside
// a struct, through JSON or slog; Redact never returns a usable value.
func FuzzSecret(f *testing.F) {
	for _, s := range []string{"hunter2", "demo-moov-secret", "[redacted]", "%v", "\x00", "é", "a\nb",
		"0123456789abcdef0123", `"quoted"`} {
		f.Add(s)
	}
	render := func(s auth.Secret) string {
		type config struct {
			ClientID     string
			ClientSecret auth.Secret
		}
		c := config{ClientID: "id", ClientSecret: s}
		var b strings.Builder
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "% x", "%d", "%10.3s", "%-8v", "%T", "%U", "%c"} {
			fmt.Fprintf(&b, verb+"|", s)
			fmt.Fprintf(&b, verb+"|", c)
			fmt.Fprintf(&b, verb+"|", []auth.Secret{s})
			fmt.Fprintf(&b, verb+"|", map[string]auth.Secret{"k": s})
		}
		fmt.Fprint(&b, s, c, "|")
		fmt.Fprintln(&b, s, c)
		js, err := json.Marshal(c)
		if err != nil {
			panic(err)
		}
		b.Write(js)
		noTime := func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		}
		lh := slog.New(slog.NewTextHandler(&b, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: noTime}))
		lh.Debug("m", "secret", s, "config", c, slog.Any("any", s))
		lj := slog.New(slog.NewJSONHandler(&b, &slog.HandlerOptions{ReplaceAttr: noTime}))
		lj.Info("m", "secret", s, "config", c)
		return b.String()
	}
	reference := render(auth.Secret("\x00"))
	f.Fuzz(func(t *testing.T, raw string) {
		if raw == "" || strings.Contains(reference, raw) {
			return // text the redacted rendering has anyway
		}
		if out := render(auth.Secret(raw)); strings.Contains(out, raw) {
			t.Fatalf("secret %q printed: %s", raw, out)
		}
		r := auth.Redact(raw)
		if len(raw) >= 4 && strings.Contains(r, raw) {
			t.Fatalf("Redact(%q) = %q", raw, r)
		}
		if len(r) > 4+len("…[redacted]") {
			t.Fatalf("Redact(%q) = %q: too long", raw, r)
		}
	})
}
