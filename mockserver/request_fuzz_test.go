package mockserver_test

// FuzzMockRequest sends arbitrary requests to the mock's handler (no faults
// injected) and checks what a fake must never do:
//
//   - answer 5xx;
//   - put a Go error string, a stack or a panic in a body;
//   - answer a token request's 4xx in any shape but the provider's
//     documented JSON error body, or off its spec (kin-openapi validation
//     of every POST answer, status included);
//   - echo a client secret or an authorization code the request carried;
//   - answer the protected endpoint with anything but 200 or 401 JSON.
//
// Placeholders in the body and Authorization header are replaced with live
// values so the fuzzer reaches the issuing paths: {ID} and {SECRET} the
// provider's demo credentials, {CODE} a fresh MobiFinance code, {BASIC} a
// Basic header with the demo credentials.
//
//	go test ./mockserver -run '^$' -fuzz '^FuzzMockRequest$' -fuzztime 30s

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/paytoken/paytoken/internal/twin"
	"github.com/paytoken/paytoken/mockserver"

	"github.com/paytoken/paytoken/internal/testkit"
)

// fuzzGoErrorMarks are fragments of Go error strings, stack traces and
// encoder messages that have no place in a provider's answer.
var fuzzGoErrorMarks = []string{
	"invalid character", "json: ", "unexpected EOF", "unexpected end of JSON", "strconv.", "runtime error",
	"goroutine ", "panic", ".go:", "cannot unmarshal", "http: ", "net/http", "openapi3", "kin-openapi",
	"request body has an error", "Error at \"", "<nil>", "%!", "EOF", "reflect:", "nil pointer",
}

func fuzzMockSeeds(f *testing.F) {
	type seed struct {
		p      uint8
		route  uint8
		method string
		ct     string
		authz  string
		body   string
	}
	seeds := []seed{
		// Money-Go (0)
		{0, 0, "POST", ctJSON, "", `{"grant_type":"client_credentials","client_id":"{ID}","client_secret":"{SECRET}","scope":"api"}`},
		{0, 1, "POST", ctJSON, "", `{"grant_type":"client_credentials","client_id":"{ID}","client_secret":"wrong-secret-123"}`},
		{0, 0, "POST", ctJSON, "", `{"grant_type":"password","client_id":"{ID}","client_secret":"{SECRET}"}`},
		{0, 0, "POST", ctForm, "", `grant_type=client_credentials&client_id={ID}&client_secret={SECRET}`},
		{0, 0, "POST", ctJSON, "", `{"grant_type":"client_credentials","client_id":42}`},
		{0, 0, "POST", ctJSON, "", `{"grant_type":"client_credentials",`},
		{0, 0, "POST", ctJSON, "", `[]`},
		{0, 0, "POST", ctJSON, "", `null`},
		{0, 0, "POST", "", "", ``},
		{0, 0, "GET", "", "", ``},
		// MoneyKit (1)
		{1, 0, "POST", ctForm, "{BASIC}", `grant_type=client_credentials`},
		{1, 0, "POST", ctForm, "", `grant_type=client_credentials&client_id={ID}&client_secret={SECRET}&scope=accounts%3Aread`},
		{1, 1, "POST", ctForm, "Basic !!!", `grant_type=client_credentials`},
		{1, 0, "POST", ctForm, "{BASIC}", `grant_type=client_credentials&client_id=other`},
		{1, 0, "POST", ctForm, "{BASIC}", `grant_type=refresh_token`},
		{1, 0, "POST", ctForm, "{BASIC}", `grant_type=%zz`},
		{1, 0, "POST", ctJSON, "{BASIC}", `{"grant_type":"client_credentials"}`},
		{1, 0, "POST", "text/plain", "{BASIC}", `grant_type=client_credentials`},
		{1, 0, "POST", "multipart/form-data; boundary=x", "", "--x\r\nContent-Disposition: form-data; name=\"grant_type\"\r\n\r\nclient_credentials\r\n--x--\r\n"},
		{1, 0, "PUT", ctForm, "{BASIC}", `grant_type=client_credentials`},
		// Moov (2)
		{2, 0, "POST", ctJSON, "{BASIC}", `{"grant_type":"client_credentials","scope":"/accounts.read"}`},
		{2, 0, "POST", ctForm, "{BASIC}", `grant_type=client_credentials&scope=%2Faccounts.read`},
		{2, 0, "POST", ctJSON, "", `{"grant_type":"client_credentials","client_id":"{ID}","client_secret":"{SECRET}"}`},
		{2, 1, "POST", ctJSON, "{BASIC}", `{"grant_type":"refresh_token","refresh_token":"not-a-refresh-token"}`},
		{2, 0, "POST", ctJSON, "{BASIC}", `{"grant_type":"refresh_token"}`},
		{2, 0, "POST", ctJSON, "{BASIC}", `{"grant_type":"authorization_code","code":"x"}`},
		{2, 0, "POST", "application/json; charset=utf-8", "{BASIC}", `{"grant_type":"client_credentials"}`},
		{2, 0, "POST", "application/json; charset=\"", "{BASIC}", `{"grant_type":"client_credentials"}`},
		{2, 0, "POST", ctJSON, "Bearer abc", `{"grant_type":"client_credentials"}`},
		{2, 0, "POST", ctJSON, "{BASIC}", `{"grant_type":"client_credentials","client_secret":"disagreeing-secret"}`},
		// MobiFinance (3)
		{3, 0, "POST", ctForm, "", `grant_type=authorization_code&client_id={ID}&client_secret={SECRET}&code={CODE}&redirect_uri=https%3A%2F%2Fminiapp.example.mn%2Fcallback`},
		{3, 1, "POST", ctForm, "", `grant_type=authorization_code&client_id={ID}&client_secret={SECRET}&code={CODE}&redirect_uri=https%3A%2F%2Fother.example%2F`},
		{3, 0, "POST", ctForm, "", `grant_type=authorization_code&client_id={ID}&client_secret={SECRET}&code=used-or-unknown-code&redirect_uri=x`},
		{3, 0, "POST", ctForm, "", `grant_type=client_credentials&client_id={ID}&client_secret={SECRET}`},
		{3, 0, "POST", ctForm, "", `grant_type=authorization_code&client_id={ID}&client_secret=wrong-secret-123&code={CODE}&redirect_uri=x`},
		{3, 0, "POST", ctJSON, "", `{"grant_type":"authorization_code"}`},
		{3, 0, "POST", ctForm, "", strings.Repeat("a", 70<<10)},
		// Protected endpoints
		{2, 2, "GET", "", "Bearer nope", ``},
		{2, 3, "GET", "", "", ``},
		{1, 2, "GET", "", "opaque abc", ``},
		{0, 3, "DELETE", "", "Bearer " + strings.Repeat("f", 64), ``},
	}
	for _, s := range seeds {
		f.Add(s.p, s.route, s.method, s.ct, s.authz, []byte(s.body))
	}
}

// fuzzMock is one mock for the whole fuzzing run: building the handler
// loads four specs, too slow to repeat per input.
var fuzzMock = sync.OnceValue(func() *mockserver.Server { return mockserver.NewUnstarted() })

func FuzzMockRequest(f *testing.F) {
	fuzzMockSeeds(f)
	f.Fuzz(func(t *testing.T, pi, route uint8, method, contentType, authz string, body []byte) {
		srv := fuzzMock()
		p := mockserver.Providers()[int(pi)%4]
		id, secret := mockserver.DemoClientID(p), mockserver.DemoClientSecret(p)
		var code string
		if bytes.Contains(body, []byte("{CODE}")) {
			c, err := srv.IssueCode(mockserver.DemoClientID(mockserver.MobiFinance), mockserver.DemoRedirectURI)
			if err != nil {
				t.Fatal(err)
			}
			code = c
		}
		r := strings.NewReplacer("{ID}", id, "{SECRET}", secret, "{CODE}", code)
		body = []byte(r.Replace(string(body)))
		authz = strings.ReplaceAll(authz, "{BASIC}", testkit.BasicHeader(id, secret))

		var path string
		protected := false
		switch route % 4 {
		case 0:
			path = p.TokenPath()
		case 1:
			path = "/" + string(p) + p.TokenPath()
		case 2:
			path, protected = mockserver.ProtectedPath, true
		case 3:
			path, protected = "/"+string(p)+mockserver.ProtectedPath, true
		}
		res, got, ok := fuzzServe(srv, method, path, contentType, authz, body)
		if !ok {
			return // not a request net/http would send
		}

		if res.StatusCode >= 500 {
			t.Fatalf("%s %s: HTTP %d without an injected fault: %s", method, path, res.StatusCode, got)
		}
		// A mark the request itself carried (raw, or decoded: "\u0070anic"
		// is "panic" to the mock) may come back in a validation message.
		sent := requestTexts(body, authz)
		for _, m := range fuzzGoErrorMarks {
			if strings.Contains(strings.Join(answerText(res, got), "\x00"), m) && !slices.ContainsFunc(sent, func(s string) bool { return strings.Contains(s, m) }) {
				t.Fatalf("%s %s: the answer holds %q: %s", method, path, m, got)
			}
		}
		text := answerText(res, got)
		for _, cred := range requestSecrets(body, authz) {
			if len(cred.value) < 4 || !slices.ContainsFunc(text, func(p string) bool { return strings.Contains(p, cred.value) }) {
				continue
			}
			// Differential (see twin.Echoes): fixed text that holds
			// the value, like "rect_uri" in the field name "redirect_uri",
			// is in the twin's answer too.
			twinRes, twinGot, _ := fuzzServe(srv, method, path, contentType, cred.authz, cred.body)
			if twin.Echoes(cred.value, text, answerText(twinRes, twinGot)) {
				t.Fatalf("%s %s: the answer echoes the credential %q: %s (the twin request's answer: %s)", method, path, cred.value, got, twinGot)
			}
		}

		if protected {
			if res.StatusCode != 200 && res.StatusCode != 401 {
				if method == http.MethodGet || method == http.MethodPost {
					t.Fatalf("protected %s: HTTP %d", method, res.StatusCode)
				}
			}
			if res.StatusCode == 401 && res.Header.Get("WWW-Authenticate") == "" {
				t.Fatal("protected 401 without WWW-Authenticate")
			}
			if res.StatusCode == 200 || res.StatusCode == 401 {
				mustJSONObject(t, res, got)
			}
			return
		}

		if res.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("%s %s: token answer without Cache-Control: no-store: %v", method, path, res.Header)
		}
		if method != http.MethodPost {
			// The token endpoints document POST only: 405 Allow: POST with the
			// provider's documented error body (none for HEAD).
			if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != http.MethodPost {
				t.Fatalf("%s %s: HTTP %d, Allow %q", method, path, res.StatusCode, res.Header.Get("Allow"))
			}
			if method != http.MethodHead {
				checkErrorShape(t, p, mustJSONObject(t, res, got), got)
			}
			return
		}
		if res.StatusCode >= 400 {
			m := mustJSONObject(t, res, got)
			checkErrorShape(t, p, m, got)
		}
		validateFuzzAnswer(t, p, contentType, body, res, got)
	})
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// requestTexts is what a request says, for the Go-error check: its body
// and Authorization header as sent, and the body's strings decoded as JSON
// (keys and values, at any depth) and as a form.
func requestTexts(body []byte, authz string) []string {
	out := []string{string(body), authz}
	var v any
	if json.Unmarshal(body, &v) == nil {
		out = appendJSONStrings(out, v, nil)
	}
	q, _ := url.ParseQuery(string(body)) // what parsed, even when the rest did not
	for k, vs := range q {
		out = append(append(out, k), vs...)
	}
	return out
}

// fuzzServe sends one request to the mock's handler; ok is false for a
// request net/http would not send.
func fuzzServe(srv *mockserver.Server, method, path, contentType, authz string, body []byte) (res *http.Response, got []byte, ok bool) {
	req, err := http.NewRequestWithContext(context.Background(), method, "http://mock"+path, bytes.NewReader(body))
	if err != nil {
		return nil, nil, false
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	if len(req.Header.Values("Content-Type"))+len(req.Header.Values("Authorization")) != btoi(contentType != "")+btoi(authz != "") {
		return nil, nil, false
	}
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	return rec.Result(), rec.Body.Bytes(), true
}

// secretField is a client secret, code or refresh token a request carried
// (in its body, JSON or form, or its Basic header), with the request's
// body and Authorization header in which only that value is twinned.
type secretField struct {
	value string
	body  []byte
	authz string
}

var secretKeys = []string{"client_secret", "code", "refresh_token"}

func requestSecrets(body []byte, authz string) []secretField {
	var out []secretField
	for _, k := range secretKeys {
		if v, twin, ok := twin.JSONField(body, k); ok {
			out = append(out, secretField{v, twin, authz})
		}
		for _, f := range twin.FormFields(body, k) {
			out = append(out, secretField{f.Value, f.TwinBody, authz})
		}
	}
	if scheme, rest, ok := strings.Cut(authz, " "); ok && strings.EqualFold(scheme, "basic") {
		enc := strings.TrimSpace(rest)
		if raw, err := base64.StdEncoding.DecodeString(enc); err == nil {
			if id, sec, ok := strings.Cut(string(raw), ":"); ok {
				twin := base64.StdEncoding.EncodeToString([]byte(id + ":" + twin.Twin(sec)))
				out = append(out, secretField{sec, body, strings.Replace(authz, enc, twin, 1)})
			}
		}
	}
	return out
}

// answerText is what an answer says, for the echo check: the strings of a
// JSON object answer (keys and values, at any depth) or the keys and
// values of a form answer, without the tokens the mock issued and the
// expiry it computed (random or time-dependent, so different in the twin's
// answer); any other answer as one piece.
func answerText(res *http.Response, got []byte) []string {
	issued := map[string]bool{"access_token": true, "refresh_token": true, "expires_in": true}
	var out []string
	mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	switch mt {
	case "application/json":
		var v any
		if json.Unmarshal(got, &v) != nil {
			break
		}
		out = appendJSONStrings(out, v, issued)
		return out
	case "application/x-www-form-urlencoded":
		q, err := url.ParseQuery(string(got))
		if err != nil {
			break
		}
		for k, vs := range q {
			out = append(out, k)
			if !issued[k] {
				out = append(out, vs...)
			}
		}
		return out
	}
	return []string{string(got)}
}

func mustJSONObject(t *testing.T, res *http.Response, body []byte) map[string]any {
	t.Helper()
	if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt != "application/json" {
		t.Fatalf("HTTP %d with Content-Type %q: %s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		t.Fatalf("HTTP %d: body is not a JSON object (%v): %s", res.StatusCode, err, body)
	}
	return m
}

// checkErrorShape: the provider's documented error body.
func checkErrorShape(t *testing.T, p mockserver.Provider, m map[string]any, raw []byte) {
	t.Helper()
	str := func(k string, required bool) {
		v, ok := m[k]
		if !ok {
			if required {
				t.Fatalf("%s error without %q: %s", p, k, raw)
			}
			return
		}
		if s, isStr := v.(string); !isStr || required && s == "" {
			t.Fatalf("%s error: %q is not a non-empty string: %s", p, k, raw)
		}
	}
	var allowed map[string]bool
	switch p {
	case mockserver.MoneyKit:
		str("error_code", true)
		str("error_message", true)
		str("documentation_url", false)
		allowed = map[string]bool{"error_code": true, "error_message": true, "documentation_url": true}
	case mockserver.Moov:
		str("error", true)
		allowed = map[string]bool{"error": true}
	default:
		str("error", true)
		str("error_description", false)
		allowed = map[string]bool{"error": true, "error_description": true}
	}
	for k := range m {
		if !allowed[k] {
			t.Fatalf("%s error body has an undocumented field %q: %s", p, k, raw)
		}
	}
}

// validateFuzzAnswer checks the answer against the provider's embedded spec,
// its status included.
func validateFuzzAnswer(t *testing.T, p mockserver.Provider, contentType string, body []byte, res *http.Response, got []byte) {
	t.Helper()
	route, err := mockserver.Route(p)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, "http://mock"+p.TokenPath(), bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route},
		Status:                 res.StatusCode,
		Header:                 res.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, SchemaValidationOptions: answerFormats},
	}
	in.SetBodyBytes(got)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Fatalf("%s: HTTP %d %s does not match the spec: %v", p, res.StatusCode, got, err)
	}
}

// TestMockTokenPathOtherMethods: a token path asked with another method
// than POST is a request the spec rejects, so it gets an answer like every
// other rejected token request: the provider's documented JSON error shape,
// and Cache-Control: no-store ("every token answer, faults included").
func TestMockTokenPathOtherMethods(t *testing.T) {
	srv := fuzzMock()
	for _, p := range mockserver.Providers() {
		for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
			t.Run(string(p)+"/"+method, func(t *testing.T) {
				req := httptest.NewRequest(method, "http://mock"+p.TokenPath(), nil)
				rec := httptest.NewRecorder()
				srv.Handler().ServeHTTP(rec, req)
				res := rec.Result()
				if res.StatusCode < 400 || res.StatusCode >= 500 {
					t.Fatalf("HTTP %d", res.StatusCode)
				}
				if got := res.Header.Get("Cache-Control"); got != "no-store" {
					t.Errorf("Cache-Control %q, want no-store", got)
				}
				if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt != "application/json" {
					t.Errorf("HTTP %d with Content-Type %q: %q", res.StatusCode, res.Header.Get("Content-Type"), rec.Body.String())
					return
				}
				var m map[string]any
				if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
					t.Fatalf("not JSON: %q", rec.Body.String())
				}
				checkErrorShape(t, p, m, rec.Body.Bytes())
			})
		}
	}
}

// appendJSONStrings appends every string in the decoded JSON value v, keys
// and values at any depth, to out; the values under a key in skip are left
// out (the key itself is kept).
func appendJSONStrings(out []string, v any, skip map[string]bool) []string {
	switch v := v.(type) {
	case string:
		out = append(out, v)
	case []any:
		for _, e := range v {
			out = appendJSONStrings(out, e, skip)
		}
	case map[string]any:
		for k, e := range v {
			out = append(out, k)
			if !skip[k] {
				out = appendJSONStrings(out, e, skip)
			}
		}
	}
	return out
}
