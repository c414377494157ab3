package mockserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/mockserver"
)

const (
	ctJSON = "application/json"
	ctForm = "application/x-www-form-urlencoded"
)

// newServer starts a mock for the test and closes it (and the test client's idle
// connections) at the end.
func newServer(t *testing.T, opts ...mockserver.Option) (*mockserver.Server, *http.Client) {
	t.Helper()
	srv := mockserver.New(opts...)
	tr := &http.Transport{}
	c := &http.Client{Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		srv.Close()
	})
	return srv, c
}

// tokenReq is one request to a provider's token endpoint.
type tokenReq struct {
	p           mockserver.Provider
	contentType string
	body        string
	basic       [2]string   // id, secret; empty: no header
	rawAuth     string      // a raw Authorization header instead
	path        string      // default: the provider's token path
	header      http.Header // more request headers
}

// answer is what came back, already checked against the provider's spec.
type answer struct {
	Status int
	Header http.Header
	Body   []byte
}

func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(a.Body))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&m), "body %q", a.Body)
	return m
}

func (a answer) str(t *testing.T, key string) string {
	t.Helper()
	v, ok := a.json(t)[key].(string)
	require.True(t, ok, "%s is not a string in %s", key, a.Body)
	return v
}

// send posts the request and validates the answer against the embedded spec: with
// strict=true the status itself must be one the spec documents.
func send(t *testing.T, c *http.Client, srv *mockserver.Server, r tokenReq, strict bool) answer {
	t.Helper()
	a := sendRaw(t, c, srv, r)
	validateAnswer(t, r, a, strict)
	return a
}

// sendRaw posts the request and checks only the headers every token answer has: for the
// faults that are off-spec on purpose.
func sendRaw(t *testing.T, c *http.Client, srv *mockserver.Server, r tokenReq) answer {
	t.Helper()
	path := r.path
	if path == "" {
		path = r.p.TokenPath()
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL+path, strings.NewReader(r.body))
	require.NoError(t, err)
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	if r.basic[0] != "" || r.basic[1] != "" {
		req.SetBasicAuth(r.basic[0], r.basic[1])
	}
	if r.rawAuth != "" {
		req.Header.Set("Authorization", r.rawAuth)
	}
	maps.Copy(req.Header, r.header)
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	a := answer{Status: resp.StatusCode, Header: resp.Header, Body: body}
	require.Equal(t, "no-store", a.Header.Get("Cache-Control"), "every token answer is no-store")
	require.Equal(t, "no-cache", a.Header.Get("Pragma"))
	return a
}

// answerFormats are the string formats the specs use on answers, which kin-openapi checks
// only when told (Prism checks them always): x-request-id is a uuid.
var answerFormats = []openapi3.SchemaValidationOption{
	openapi3.WithStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC4122)),
}

// validateAnswer checks an answer against the provider's embedded spec with kin-openapi.
func validateAnswer(t *testing.T, r tokenReq, a answer, strict bool) {
	t.Helper()
	route, err := mockserver.Route(r.p)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, "http://mock"+r.p.TokenPath(), strings.NewReader(r.body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", r.contentType)
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route},
		Status:                 a.Status,
		Header:                 a.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: strict, SchemaValidationOptions: answerFormats},
	}
	in.SetBodyBytes(a.Body)
	require.NoError(t, openapi3filter.ValidateResponse(context.Background(), in),
		"%s answer %d %s does not match its spec", r.p, a.Status, a.Body)
}

func demo(p mockserver.Provider) (string, string) {
	return mockserver.DemoClientID(p), mockserver.DemoClientSecret(p)
}

func form(kv ...string) string {
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v.Encode()
}

func jsonBody(t *testing.T, kv ...string) string {
	t.Helper()
	m := map[string]string{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return string(b)
}

// validReq is a request each provider answers with a token (MobiFinance: with a fresh code).
func validReq(t *testing.T, srv *mockserver.Server, p mockserver.Provider) tokenReq {
	t.Helper()
	id, secret := demo(p)
	switch p {
	case mockserver.MoneyGo:
		return tokenReq{p: p, contentType: ctJSON, body: jsonBody(t, "grant_type", "client_credentials", "client_id", id, "client_secret", secret, "scope", "api")}
	case mockserver.MoneyKit:
		return tokenReq{p: p, contentType: ctForm, body: form("grant_type", "client_credentials"), basic: [2]string{id, secret}}
	case mockserver.Moov:
		return tokenReq{p: p, contentType: ctJSON, body: jsonBody(t, "grant_type", "client_credentials", "scope", "/accounts.read"), basic: [2]string{id, secret}}
	default:
		code, err := srv.IssueCode(id, mockserver.DemoRedirectURI)
		require.NoError(t, err)
		return tokenReq{p: p, contentType: ctForm, body: form("grant_type", "authorization_code", "client_id", id, "client_secret", secret, "code", code, "redirect_uri", mockserver.DemoRedirectURI)}
	}
}

// do sends method url with body and the headers given as name, value pairs (a pair with an
// empty value is left out), and returns the answer with its body, read and closed.
func do(t *testing.T, c *http.Client, method, url, body string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] != "" {
			req.Header.Set(header[i], header[i+1])
		}
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

// callProtected calls a protected path with the Authorization header given.
func callProtected(t *testing.T, c *http.Client, url, authorization string) (int, http.Header, map[string]any) {
	t.Helper()
	resp, b := do(t, c, http.MethodGet, url, "", "Authorization", authorization)
	var m map[string]any
	require.NoError(t, json.NewDecoder(bytes.NewReader(b)).Decode(&m))
	return resp.StatusCode, resp.Header, m
}

// The four providers, short: the table tests name one in every case.
const mg, mk, mv, mf = mockserver.MoneyGo, mockserver.MoneyKit, mockserver.Moov, mockserver.MobiFinance

// tokenCase is one row of a table test of token requests: the request, the status it is
// answered with, and what else the test wants of the answer.
type tokenCase[W any] struct {
	name   string
	req    tokenReq
	status int
	want   W
}

// runTokenCases sends each case's request (the answer validated against the spec), requires
// its status, and hands the answer to check.
func runTokenCases[W any](t *testing.T, c *http.Client, srv *mockserver.Server, cases []tokenCase[W], check func(t *testing.T, tc tokenCase[W], a answer)) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := send(t, c, srv, tc.req, true)
			require.Equal(t, tc.status, a.Status, "%s", a.Body)
			check(t, tc, a)
		})
	}
}

// demoCreds is every provider's demo client and one fresh MobiFinance code: the setup of
// most table tests.
type demoCreds struct {
	gid, gsec, kid, ksec, vid, vsec, fid, fsec, code string
}

func demoSetup(srv *mockserver.Server) demoCreds {
	var d demoCreds
	d.gid, d.gsec = demo(mockserver.MoneyGo)
	d.kid, d.ksec = demo(mockserver.MoneyKit)
	d.vid, d.vsec = demo(mockserver.Moov)
	d.fid, d.fsec = demo(mockserver.MobiFinance)
	d.code = srv.MustIssueCode(d.fid, mockserver.DemoRedirectURI)
	return d
}

// requestIDPattern is an X-Request-Id as the mock sends it: a version 4 UUID.
const requestIDPattern = `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`
