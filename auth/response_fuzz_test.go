package auth_test

// Fuzz targets for what auth reads from the network: token responses
// (providerkit.Endpoint.ReadResponse), error bodies, and the redaction of
// secrets (expires_in and Retry-After: parse_fuzz_test.go; base URLs:
// internal/providerkit). Each
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
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providerkit"
	"github.com/paytoken/paytoken/internal/providertest"
	"github.com/paytoken/paytoken/internal/twin"
)

// fuzzEndpoints are shaped like the four providers' endpoints: their
// default lifetimes, and MoneyKit's own error body.
var fuzzEndpoints = []providerkit.Endpoint{
	{Provider: "moneygo", DefaultLifetime: 30 * 24 * time.Hour},
	{Provider: "moneykit", DefaultLifetime: time.Hour, DecodeError: fuzzMoneyKitError},
	{Provider: "moov", DefaultLifetime: 15 * time.Minute},
	{Provider: "mobifinance"},
}

func fuzzMoneyKitError(_ int, body []byte) (code, desc, uri string, ok bool) {
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
	for line := range strings.SplitSeq(lines, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || k == "" {
			continue
		}
		h.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	return h
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
	// Status 100 is HTTP 200 (100 + 100): a success answer cut off mid-body.
	f.Add(100, "application/json", "", []byte(`{"access_token":"tok-0123456789","expires_in":900}`), uint8(2)|0x80)
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
		if rb.read > providerkit.MaxResponseBody+1 {
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

		if two && rb.err != nil {
			// A success answer cut off mid-body: a network error, retried,
			// never a malformed answer or an *Error.
			var tmp interface{ Temporary() bool }
			if errors.As(err, new(*auth.Error)) || errors.Is(err, auth.ErrMalformedResponse) ||
				!errors.As(err, &tmp) || !tmp.Temporary() || !strings.HasPrefix(err.Error(), ep.Provider+": ") {
				t.Fatalf("HTTP %d cut off mid-body: %T %v is not a temporary network error of %s", status, err, err, ep.Provider)
			}
			checkErrorMessage(t, err.Error(), body, func([]byte) string { return "" })
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
		if len(e.Body) > providerkit.MaxErrorBody {
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
		checkErrorMessage(t, err.Error(), body, func(twin []byte) string {
			rb := &fuzzBody{r: bytes.NewReader(twin)}
			if flags&0x80 != 0 {
				rb.err = io.ErrUnexpectedEOF
			}
			if _, err := ep.ReadResponse(&http.Response{StatusCode: status, Header: h, Body: rb}); err != nil {
				return err.Error()
			}
			return ""
		})
	})
}

// checkErrorMessage: one line, bounded, valid UTF-8, no fmt mistakes, and
// no access_token from the body. The last is differential: twinMsg gives
// the message for the same answer with only the access_token's value
// twinned, so that fixed text holding the value ("token request" in
// "token request failed") or a shown field equal to it (the error code)
// counts for nothing (see package twin).
func checkErrorMessage(t *testing.T, msg string, body []byte, twinMsg func(twin []byte) string) {
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
	tokens := twin.FormFields(body, "access_token")
	if v, tb, ok := twin.JSONField(body, "access_token"); ok {
		tokens = append(tokens, twin.FormField{Value: v, TwinBody: tb})
	}
	for _, at := range tokens {
		if len(at.Value) >= providerkit.MinSensitiveLen && strings.Contains(msg, at.Value) &&
			twin.Echoes(at.Value, []string{msg}, []string{twinMsg(at.TwinBody)}) {
			t.Fatalf("error message %q contains the access_token %q", msg, at.Value)
		}
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
		checkErrorMessage(t, err.Error(), body, func(twin []byte) string {
			resp := &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(bytes.NewReader(twin))}
			if _, err := ep.ReadResponse(resp); err != nil {
				return err.Error()
			}
			return ""
		})

		// The provider's code, when the body is in a documented shape.
		var std struct {
			Error string `json:"error"`
		}
		if code, _, _, ok := fuzzMoneyKitError(status, body); ep.DecodeError != nil && ok {
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

// FuzzSecret: auth.Secret never prints itself, through any fmt verb, inside
// a struct, through JSON or slog.
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
	})
}
