package auth_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/providerkit"
)

// Credentials with the characters that URL, form and JSON encodings change,
// so that every form a server could echo differs from the raw value.
const (
	scrubID      = "client-42"
	scrubSecret  = `s3cr:t+/=%&<x>"q"`
	scrubCode    = "code 9f2e/41d8+c6f5"
	scrubRefresh = "rt-0a1b2c3d4e5f"
)

// allForms lists what must not survive scrubbing: each value as sent,
// URL-/form-encoded and JSON-escaped, and the Basic header's credentials.
func allForms() []string {
	var out []string
	for _, v := range []string{scrubSecret, scrubCode, scrubRefresh} {
		j, _ := json.Marshal(v)
		q := strconv.Quote(v)
		out = append(out, v, url.QueryEscape(v), url.PathEscape(v), string(j[1:len(j)-1]), q[1:len(q)-1])
	}
	return append(out, base64.StdEncoding.EncodeToString([]byte(scrubID+":"+scrubSecret)))
}

func sensitive() []string {
	return append(providerkit.RequestSecrets(scrubID, auth.Secret(scrubSecret), auth.InHeader), scrubCode, scrubRefresh)
}

// assertScrubbed checks that no form of any credential is in text.
func assertScrubbed(t *testing.T, where, text string) {
	t.Helper()
	for _, f := range allForms() {
		assert.NotContains(t, text, f, "%s holds a credential", where)
	}
}

// answer is a canned response for Endpoint.Send.
func answer(status int, header http.Header, body string) func(context.Context) (*http.Response, error) {
	return func(context.Context) (*http.Response, error) {
		if header == nil {
			header = http.Header{}
		}
		return &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(strings.NewReader(body))}, nil
	}
}

func TestRequestSecrets(t *testing.T) {
	basic := base64.StdEncoding.EncodeToString([]byte("id:secret"))
	assert.Equal(t, []string{"secret", basic}, providerkit.RequestSecrets("id", "secret", auth.InHeader))
	assert.Equal(t, []string{"secret"}, providerkit.RequestSecrets("id", "secret", auth.InBody))
}

// TestSendScrubsEchoedCredentials: a server that echoes the credentials it
// got, in every field an *Error copies and in every encoding, gets each of
// them replaced by [redacted], in the fields, in Body and in the message.
func TestSendScrubsEchoedCredentials(t *testing.T) {
	basic := base64.StdEncoding.EncodeToString([]byte(scrubID + ":" + scrubSecret))
	body, err := json.Marshal(map[string]string{
		"error":             "bad_" + scrubSecret,
		"error_description": "client_secret=" + url.QueryEscape(scrubSecret) + " code=" + scrubCode + " refresh=" + scrubRefresh + " auth=Basic " + basic,
		"error_uri":         "https://docs.example/errors?code=" + url.QueryEscape(scrubCode) + "&p=" + url.PathEscape(scrubSecret),
	})
	require.NoError(t, err)
	h := http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {scrubSecret + ":" + scrubCode}}
	ep := providerkit.Endpoint{Provider: "moov"}

	_, err = ep.Send(context.Background(), answer(400, h, string(body)), sensitive()...)
	var e *auth.Error
	require.ErrorAs(t, err, &e)
	for where, text := range map[string]string{
		"message": err.Error(), "Code": e.Code, "Description": e.Description, "URI": e.URI,
		"RequestID": e.RequestID, "Body": string(e.Body), "%+v": fmt.Sprintf("%+v", *e),
	} {
		assertScrubbed(t, where, text)
	}
	assert.Equal(t, "bad_[redacted]", e.Code)
	assert.Equal(t, "[redacted]:[redacted]", e.RequestID)
	assert.Contains(t, e.Description, "client_secret=[redacted] code=[redacted] refresh=[redacted] auth=Basic [redacted]")
	assert.Equal(t, "https://docs.example/errors?code=[redacted]&p=[redacted]", e.URI)
	assert.Contains(t, string(e.Body), `"error_description":"client_secret=[redacted] code=[redacted]`, "Body: the JSON-escaped forms too")
	assert.ErrorIs(t, err, auth.ErrInvalidRequest, "classified before scrubbing, as the server meant it")
	assert.Equal(t, 400, e.StatusCode)

	// Without sensitive values, nothing is changed.
	_, err = ep.Send(context.Background(), answer(400, h, string(body)))
	require.ErrorAs(t, err, &e)
	assert.Equal(t, string(body), string(e.Body))
	assert.Contains(t, e.RequestID, scrubSecret)
}

// A credential straddling the MaxErrorBody cut is replaced whole, not left
// half visible at the end of Body.
func TestSendScrubsAcrossTheBodyCut(t *testing.T) {
	for shift := range len(scrubRefresh) + 1 {
		pad := strings.Repeat("x", providerkit.MaxErrorBody-len(scrubRefresh)+shift)
		_, err := providerkit.Endpoint{Provider: "p"}.Send(context.Background(), answer(500, nil, pad+scrubRefresh+" tail"), sensitive()...)
		var e *auth.Error
		require.ErrorAs(t, err, &e)
		require.LessOrEqual(t, len(e.Body), providerkit.MaxErrorBody)
		for i := 4; i <= len(scrubRefresh); i++ {
			require.False(t, strings.HasSuffix(string(e.Body), scrubRefresh[:i]), "shift %d: Body ends with %q", shift, scrubRefresh[:i])
		}
	}
}

// Values shorter than MinSensitiveLen are not scrubbed: "abc" would
// otherwise be cut out of every word that holds it.
func TestSendScrubsOnlyLongEnoughValues(t *testing.T) {
	ep := providerkit.Endpoint{Provider: "p"}
	_, err := ep.Send(context.Background(), answer(401, nil, `{"error":"invalid_client","error_description":"abcd is not abc"}`), "abc", "abcd", "")
	var e *auth.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "[redacted] is not abc", e.Description)
	assert.Equal(t, "invalid_client", e.Code)
}

// A malformed 2xx whose reason quotes a value (token_type, expires_in)
// scrubs it before the quote is cut to 40 characters, so no prefix of a
// long secret is left either.
func TestReadResponseScrubsQuotedValues(t *testing.T) {
	long := "LONGSECRET-" + strings.Repeat("0123456789", 6)
	ep := providerkit.Endpoint{Provider: "p", DefaultLifetime: 1}
	for _, body := range []string{
		`{"access_token":"a","token_type":"` + long + `"}`,
		`{"access_token":"a","expires_in":"` + long + `"}`,
	} {
		resp, _ := answer(200, http.Header{"Content-Type": {"application/json"}}, body)(context.Background())
		_, err := ep.ReadResponse(resp, long)
		var e *auth.Error
		require.ErrorAs(t, err, &e)
		require.ErrorIs(t, err, auth.ErrMalformedResponse)
		assert.NotContains(t, err.Error(), long[:12])
		assert.NotContains(t, string(e.Body), long[:12])
		assert.Contains(t, e.Description, `"[redacted]"`)
	}
}

// A failed request whose error quotes a credential (the transport quotes a
// malformed status line; a read error can say anything) has it scrubbed
// from its message, and still matches what it matched before, so retries
// decide as they did.
func TestSendScrubsFailedRequests(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = http.ReadRequest(bufio.NewReader(c))
				_, _ = io.WriteString(c, "HTTP/1.1 "+scrubSecret+" nope\r\n\r\n")
			}()
		}
	}()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	send := func(ctx context.Context) (*http.Response, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+ln.Addr().String()+"/token", nil)
		return hc.Do(req)
	}
	ep := providerkit.Endpoint{Provider: "moov"}

	_, raw := ep.Send(context.Background(), send)
	require.Error(t, raw)
	q := strconv.Quote(scrubSecret)
	require.Contains(t, raw.Error(), q[1:len(q)-1], "the transport does quote the status line (%q)")

	_, err = ep.Send(context.Background(), send, sensitive()...)
	require.Error(t, err)
	assertScrubbed(t, "message", err.Error())
	assert.Contains(t, err.Error(), "moov: token request: ")
	assert.Contains(t, err.Error(), "[redacted]")
	var ue *url.Error
	assert.ErrorAs(t, err, &ue, "errors.As still finds the *url.Error")
	for e := err; e != nil; e = errors.Unwrap(e) {
		assertScrubbed(t, fmt.Sprintf("%T in the chain", e), e.Error())
	}

	// A body that fails mid-read with a message quoting the code.
	resp := &http.Response{StatusCode: 502, Header: http.Header{}, Body: io.NopCloser(io.MultiReader(
		strings.NewReader("partial "+scrubCode), iotest.ErrReader(fmt.Errorf("stream reset (%s): %w", scrubCode, io.ErrUnexpectedEOF))))}
	_, err = ep.ReadResponse(resp, sensitive()...)
	require.Error(t, err)
	assertScrubbed(t, "message", err.Error())
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "still a network error to Retry")
	assert.ErrorIs(t, err, auth.ErrServer)
	var e *auth.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "partial [redacted]", string(e.Body))
}

// The token path pays nothing for the sensitive values: a successful Send
// allocates exactly as much with them as without.
func TestSendSuccessDoesNotScrub(t *testing.T) {
	ep := providerkit.Endpoint{Provider: "p", DefaultLifetime: 3600e9}
	body := `{"access_token":"` + scrubSecret[:4] + `-tok","token_type":"Bearer","expires_in":"3600"}`
	h := http.Header{"Content-Type": {"application/json"}}
	sens := sensitive()
	run := func(s []string) float64 {
		return testing.AllocsPerRun(200, func() {
			tok, err := ep.Send(context.Background(), func(context.Context) (*http.Response, error) {
				return &http.Response{StatusCode: 200, Header: h, Body: io.NopCloser(strings.NewReader(body))}, nil
			}, s...)
			if err != nil || tok == nil {
				panic(err)
			}
		})
	}
	assert.Equal(t, run(nil), run(sens))
}

// A real server echoing the Basic header it got (base64 of id:secret):
// BasicAuth and RequestSecrets agree on its form.
func TestSendScrubsEchoedBasicHeader(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", r.Header.Get("Authorization"))
		w.WriteHeader(401)
		_, _ = io.WriteString(w, `{"error":"invalid_client","error_description":"got `+r.Header.Get("Authorization")+`"}`)
	}))
	defer srv.Close()
	send := func(ctx context.Context) (*http.Response, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, nil)
		_ = providerkit.BasicAuth(scrubID, scrubSecret)(ctx, req)
		return srv.Client().Do(req)
	}
	_, err := providerkit.Endpoint{Provider: "moneykit"}.Send(context.Background(), send, providerkit.RequestSecrets(scrubID, scrubSecret, auth.InHeader)...)
	var e *auth.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "Basic [redacted]", e.RequestID)
	assert.Equal(t, "got Basic [redacted]", e.Description)
	assertScrubbed(t, "Body", string(e.Body))
}
