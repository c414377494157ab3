package providertest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providerkit"
	"github.com/paytoken/paytoken/internal/twin"
)

// The credentials a FuzzTarget's Fetch sends: the harness checks that
// error messages keep them out.
const (
	FuzzClientID     = "fuzz-client-id"
	FuzzClientSecret = "fuzz-client-secret-7f3a9c"
	FuzzCode         = "fuzz-auth-code-91b2e4d7" // the authorization code, for a provider that sends one
)

// FuzzTarget is one provider's side of FuzzTokenResponse.
type FuzzTarget struct {
	// Fetch gets a token through the provider's public API from baseURL
	// with hc, using FuzzClientID and FuzzClientSecret (and FuzzCode).
	// retryable says the answer is one Token would retry: Fetch must then
	// make a single attempt (or never retry anyway).
	Fetch func(ctx context.Context, baseURL string, hc *http.Client, retryable bool) (*oauth2.Token, error)
	// OKStatus is the provider's documented success status.
	OKStatus int
	// Permanent: the provider's tokens may have no expiry.
	Permanent bool
	// Secrets are the values the request carries that an *auth.Error
	// replaces by [redacted] in its Body (providerkit.RequestSecrets, and the
	// code for a provider that sends one).
	Secrets []string
	// Seeds are bodies in the provider's documented shapes, each added as
	// the answer of OKStatus and of 400.
	Seeds []string
}

// FuzzTokenResponse fuzzes the provider's token-response decoding through
// its public API (p.Fetch) against a loopback server that answers every
// request with the fuzzed status, headers and body.
//
// Invariants: no panic; a token or an error, never both or neither; a token
// comes from a 2xx, has the body's non-empty access_token, TokenType
// "Bearer", and expires after now (never, only for a provider whose tokens
// are permanent); an error keeps the status in an *auth.Error with at most
// 4 KiB of the body, is ErrMalformedResponse for a 2xx, and its message is
// one line without the client secret, the authorization code or the body's
// access_token; exactly one request reached the server.
func FuzzTokenResponse(f *testing.F, p FuzzTarget) {
	for _, b := range p.Seeds {
		f.Add(p.OKStatus, "application/json", "", []byte(b))
		f.Add(400, "application/json", "", []byte(b))
	}
	for _, s := range []struct {
		status        int
		ct, hdr, body string
	}{
		{p.OKStatus, "application/json", "", `{"access_token":"","token_type":"Bearer"}`},
		{p.OKStatus, "application/json", "", `{"access_token":"tok-0123456789","expires_in":-1}`},
		{p.OKStatus, "application/json", "", `{"access_token":"tok-0123456789","expires_in":"3600"}`},
		{p.OKStatus, "application/json", "", `{"access_token":"tok-0123456789","expires_in":1e400}`},
		{p.OKStatus, "application/json", "", `{"access_token":"tok-0123456789","token_type":"mac"}`},
		{p.OKStatus, "application/x-www-form-urlencoded", "", `access_token=tok-0123456789&token_type=bearer&expires_in=60`},
		{p.OKStatus, "text/html", "", `<html>captive portal</html>`},
		{p.OKStatus, "application/json", "", `{"access_token":"tok-0123456789","token_type":`},
		{201, "application/json", "", `{"access_token":"tok-0123456789","token_type":"bearer","expires_in":3600}`},
		{204, "", "", ``},
		{302, "", "Location: https://evil.example/steal", ``},
		{401, "application/json", "", `{"error_code":"api_error.auth.unauthorized","error_message":"no","documentation_url":"https://docs"}`},
		{403, "application/json", "X-Request-Id: abc", `{"error":"invalid_grant","error_description":"code used"}`},
		{415, "application/json", "", `{"error":"unsupported_grant_type"}`},
		{429, "application/json", "Retry-After: 2", `{"error":"rate_limit_exceeded"}`},
		{429, "", "X-Retry-In: 1500", ``},
		{500, "text/html", "", `<html>500</html>`},
		{503, "application/json", "Retry-After: Wed, 21 Oct 2037 07:28:00 GMT", `{"error":"temporarily_unavailable"}`},
		{505, "application/json", "", `{"error":"server_error","error_description":"HTTP Version Not Supported"}`},
	} {
		f.Add(s.status, s.ct, s.hdr, []byte(s.body))
	}

	srv, hc := newFuzzServer(f)

	f.Fuzz(func(t *testing.T, status int, contentType, headerLines string, body []byte) {
		if status < 0 {
			status = -status
		}
		status = 200 + status%400 // final statuses only: net/http handles 1xx itself
		h := http.Header{}
		for line := range strings.SplitSeq(headerLines, "\n") {
			k, v, ok := strings.Cut(line, ":")
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if ok && k != "" && headerName(k) && headerValue(v) &&
				!strings.EqualFold(k, "Content-Length") && !strings.EqualFold(k, "Transfer-Encoding") && !strings.EqualFold(k, "Connection") {
				h.Add(k, v)
			}
		}
		if contentType != "" && headerValue(contentType) {
			h.Set("Content-Type", contentType)
		}
		if status == 204 || status == 304 {
			body = nil // no body allowed
		}
		srv.set(fuzzAnswer{status: status, header: h, body: body})
		retryable := status == 408 || status == 429 || status >= 500 || temporaryCode(status, body)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		start := time.Now()
		tok, err := p.Fetch(ctx, srv.URL, hc, retryable)

		if n := srv.requests(); n != 1 {
			t.Fatalf("HTTP %d: %d requests reached the server, want 1 (err: %v)", status, n, err)
		}
		if (tok == nil) == (err == nil) {
			t.Fatalf("token %v and error %v", tok, err)
		}
		two := status >= 200 && status <= 299
		access, formAccess := accessTokens(body)
		if tok != nil {
			switch {
			case !two:
				t.Fatalf("a token from HTTP %d", status)
			case tok.AccessToken == "" || tok.AccessToken != access && tok.AccessToken != formAccess:
				t.Fatalf("access token %q, body has %q (as a form %q)", tok.AccessToken, access, formAccess)
			case tok.TokenType != "Bearer":
				t.Fatalf("TokenType %q", tok.TokenType)
			case tok.Expiry.IsZero() && !p.Permanent:
				t.Fatal("a token without expiry")
			case !tok.Expiry.IsZero() && !tok.Expiry.After(start):
				t.Fatalf("expiry %v is not after %v", tok.Expiry, start)
			}
			return
		}
		var e *auth.Error
		if !errors.As(err, &e) {
			t.Fatalf("HTTP %d: %T %v is not an *auth.Error", status, err, err)
		}
		if e.StatusCode != status {
			t.Fatalf("status %d lost: %v", status, err)
		}
		switch {
		case len(e.Body) > providerkit.MaxErrorBody:
			t.Fatalf("Error.Body: %d bytes, more than %d", len(e.Body), providerkit.MaxErrorBody)
		case !two && !bytes.HasPrefix(scrubbed(body, p.Secrets), e.Body):
			t.Fatalf("Error.Body: %d bytes, not a prefix of the body (with the credentials [redacted])", len(e.Body))
		case two && !RedactedFrom(body, e.Body):
			// A rejected 2xx also loses the tokens it carried (auth scrubs
			// them in every encoding it knows): what is left between the
			// [redacted] marks must be the body's own bytes, in order.
			t.Fatalf("Error.Body: %d bytes, not the body with some values [redacted]", len(e.Body))
		}
		// twinErr is the error of the same answer with only one token's
		// value twinned: fixed text that holds the value ("redacted" in
		// "[redacted]", "token request" in the message) is in both errors,
		// a copy of the value in the first only (see Echoes).
		// The twin taking another path (a token) cannot tell: ok false.
		twinErr := func(twinBody []byte) (msg string, kept []byte, ok bool) {
			srv.set(fuzzAnswer{status: status, header: h, body: twinBody})
			_, err := p.Fetch(ctx, srv.URL, hc, retryable)
			var te *auth.Error
			if !errors.As(err, &te) {
				return "", nil, false
			}
			return err.Error(), te.Body, true
		}
		if two {
			for _, k := range []string{"access_token", "refresh_token"} {
				v, tb, ok := twin.JSONField(body, k)
				if !ok || len(v) < providerkit.MinSensitiveLen || !bytes.Contains(e.Body, []byte(v)) && !strings.Contains(err.Error(), v) {
					continue
				}
				if msg, kept, ok := twinErr(tb); ok && twin.Echoes(v, []string{string(e.Body), err.Error()}, []string{string(kept), msg}) {
					t.Fatalf("a rejected 2xx's %s %q is kept in its error: %v (Body %q)", k, v, err, e.Body)
				}
			}
		}
		if two && !errors.Is(err, auth.ErrMalformedResponse) {
			t.Fatalf("a 2xx without a token is not ErrMalformedResponse: %v", err)
		}
		msg := err.Error()
		if strings.ContainsAny(msg, "\r\n") || strings.Contains(msg, "%!") {
			t.Fatalf("message %q", msg)
		}
		if strings.Contains(msg, FuzzClientSecret) && !bytes.Contains(body, []byte(FuzzClientSecret)) && !strings.Contains(headerLines, FuzzClientSecret) {
			t.Fatalf("message %q holds the client secret", msg)
		}
		if strings.Contains(msg, FuzzCode) {
			t.Fatalf("message %q holds the authorization code", msg)
		}
		tokens := twin.FormFields(body, "access_token")
		if v, tb, ok := twin.JSONField(body, "access_token"); ok {
			tokens = append(tokens, twin.FormField{Value: v, TwinBody: tb})
		}
		for _, at := range tokens {
			if len(at.Value) >= providerkit.MinSensitiveLen && strings.Contains(msg, at.Value) {
				if twinMsg, _, ok := twinErr(at.TwinBody); ok && twin.Echoes(at.Value, []string{msg}, []string{twinMsg}) {
					t.Fatalf("message %q holds the access token %q", msg, at.Value)
				}
			}
		}
	})
}

// accessTokens are the access_token of the body read as JSON and read as
// a form (the SDK picks by Content-Type).
func accessTokens(body []byte) (asJSON, asForm string) {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // as the SDK does: 1e700 elsewhere in the body is no reason to fail
	if dec.Decode(&m) == nil {
		asJSON, _ = m["access_token"].(string)
	}
	if v, err := url.ParseQuery(string(body)); err == nil {
		asForm = v.Get("access_token")
	}
	return asJSON, asForm
}

// headerName reports whether s is a valid header name.
func headerName(s string) bool {
	for _, r := range s {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return false
		}
	}
	return s != ""
}

// headerValue reports whether net/http's client accepts v as a header
// value (no control characters): the target fuzzes decoding, not HTTP
// framing.
func headerValue(v string) bool {
	for _, r := range v {
		if r < ' ' && r != '\t' || r == 0x7f {
			return false
		}
	}
	return true
}

// scrubbed is body as an *auth.Error keeps it: each of secrets (the
// credentials the request carried), as sent or URL-encoded, replaced by
// [redacted] (see providerkit.Endpoint.Send).
func scrubbed(body []byte, secrets []string) []byte {
	var olds []string
	for _, v := range secrets {
		olds = append(olds, v, url.QueryEscape(v), url.PathEscape(v))
	}
	slices.SortFunc(olds, func(a, b string) int { return len(b) - len(a) })
	var pairs []string
	for _, o := range slices.Compact(olds) {
		pairs = append(pairs, o, "[redacted]")
	}
	return []byte(strings.NewReplacer(pairs...).Replace(string(body)))
}

// RedactedFrom reports whether kept is a prefix of body in which some runs
// were replaced by [redacted]: the pieces between the marks appear in body
// in order, the first at its start.
func RedactedFrom(body, kept []byte) bool {
	pieces := bytes.Split(kept, []byte("[redacted]"))
	if !bytes.HasPrefix(body, pieces[0]) {
		return false
	}
	rest := body[len(pieces[0]):]
	for _, piece := range pieces[1:] {
		i := bytes.Index(rest, piece)
		if i < 0 {
			return false
		}
		rest = rest[i+len(piece):]
	}
	return true
}

// temporaryCode reports whether body carries a code that makes an answer
// with this (non-2xx) status retryable whatever the status says: a rate
// limit or server error code (auth.Error.Temporary). Either of the two
// shapes' code fields counts: erring towards retryable only makes the
// harness use its single-attempt fetch.
func temporaryCode(status int, body []byte) bool {
	if status >= 200 && status <= 299 {
		return false
	}
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return false
	}
	for _, k := range []string{"error", "error_code"} {
		if code, ok := m[k].(string); ok && (&auth.Error{StatusCode: status, Code: code}).Temporary() {
			return true
		}
	}
	return false
}

// ClientCredentialsFetch is the FuzzTarget.Fetch of a client-credentials
// provider: its Config (made by config for baseURL and hc) gives one token
// through Token, or, for an answer Token would retry, through a TokenSource
// that makes one attempt. That Source has no rate limit: every input's
// Source shares one endpoint, whose default limit (20 requests a second)
// would make the fuzzer measure the queue instead of the decoding.
func ClientCredentialsFetch[C ClientCredentials](config func(baseURL string, hc *http.Client) C) func(context.Context, string, *http.Client, bool) (*oauth2.Token, error) {
	return func(ctx context.Context, baseURL string, hc *http.Client, retryable bool) (*oauth2.Token, error) {
		cfg := config(baseURL, hc)
		if retryable {
			return cfg.TokenSource(auth.WithRetry(auth.RetryPolicy{MaxAttempts: 1}), auth.WithRefreshLimit(1, 0)).TokenContext(ctx)
		}
		return cfg.Token(ctx)
	}
}

// Seeds are the bodies in testdata/token_seeds.txt of the package under
// test, one a line: the answers its provider documents, for
// FuzzTarget.Seeds. A missing or empty file fails the test.
func Seeds(tb testing.TB) []string {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "token_seeds.txt"))
	if err != nil {
		tb.Fatalf("providertest: seeds: %v", err)
	}
	var seeds []string
	for line := range strings.Lines(string(raw)) {
		if line = strings.TrimSpace(line); line != "" {
			seeds = append(seeds, line)
		}
	}
	if len(seeds) == 0 {
		tb.Fatal("providertest: testdata/token_seeds.txt holds no seed")
	}
	return seeds
}

// FuzzClientCredentials is FuzzTokenResponse for the client-credentials
// provider p, whose success status is okStatus and whose credentials go as
// style says: p.New makes its Config for the fuzz server, with FuzzClientID
// and FuzzClientSecret (see ClientCredentialsFetch); the seeds are the
// package's Seeds.
func FuzzClientCredentials[B any, C ClientCredentials](f *testing.F, p Provider[B, C], okStatus int, style auth.AuthStyle) {
	f.Helper()
	FuzzTokenResponse(f, FuzzTarget{
		Fetch: ClientCredentialsFetch(func(baseURL string, hc *http.Client) C {
			return p.New(FuzzClientID, FuzzClientSecret, baseURL, hc)
		}),
		OKStatus: okStatus,
		Secrets:  providerkit.RequestSecrets(FuzzClientID, FuzzClientSecret, style),
		Seeds:    Seeds(f),
	})
}
