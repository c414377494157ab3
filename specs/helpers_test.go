// Package specs_test checks the hand-written OpenAPI documents in this directory and the code
// oapi-codegen generates from them in gen/: the documents load and validate, the embedded
// copies equal the files, every documented field and status is present, and the generated
// clients put exactly the documented bytes on the wire and parse every documented answer.
package specs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// request is what the fake provider saw of one request.
type request struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   []byte
}

// reply is what the fake provider answers.
type reply struct {
	Status int
	Header map[string]string
	Body   string
}

// recorder is a provider stand-in on loopback: it records every request it gets and answers
// each with the same reply.
type recorder struct {
	*httptest.Server
	requests chan request
}

func newRecorder(t *testing.T, r reply) *recorder {
	t.Helper()
	rec := &recorder{requests: make(chan request, 8)}
	rec.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		rec.requests <- request{
			Method: req.Method,
			Path:   req.URL.Path,
			Query:  req.URL.RawQuery,
			Header: req.Header.Clone(),
			Body:   body,
		}
		for k, v := range r.Header {
			w.Header().Set(k, v)
		}
		status := r.Status
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, r.Body)
	}))
	t.Cleanup(rec.Close)
	return rec
}

// only returns the one request the recorder got, failing the test if there was not exactly one.
func (rec *recorder) only(t *testing.T) request {
	t.Helper()
	var got request
	select {
	case got = <-rec.requests:
	case <-time.After(5 * time.Second):
		t.Fatal("the server got no request")
	}
	select {
	case extra := <-rec.requests:
		t.Fatalf("the server got a second request: %s %s", extra.Method, extra.Path)
	default:
	}
	return got
}

// jsonMap decodes a JSON object body, keeping numbers exact.
func jsonMap(t *testing.T, body []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var m map[string]any
	require.NoError(t, dec.Decode(&m), "body %q", body)
	require.False(t, dec.More(), "trailing data after the JSON body %q", body)
	return m
}

// formValues decodes an application/x-www-form-urlencoded body.
func formValues(t *testing.T, body []byte) url.Values {
	t.Helper()
	v, err := url.ParseQuery(string(body))
	require.NoError(t, err, "body %q", body)
	return v
}

// basicAuth is a request editor that sets the client credentials as HTTP Basic, the way a
// provider package does: the generated client ignores security schemes.
func basicAuth(id, secret string) func(context.Context, *http.Request) error {
	return func(_ context.Context, req *http.Request) error {
		req.SetBasicAuth(id, secret)
		return nil
	}
}

// jsonCT is the header of a JSON answer.
var jsonCT = map[string]string{"Content-Type": "application/json"}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// strict is a generated StrictServerInterface (each provider's has the one
// method CreateToken) that records the request and answers with resp.
type strict[Req, Resp any] struct {
	got  Req
	resp Resp
}

func (s *strict[Req, Resp]) CreateToken(_ context.Context, req Req) (Resp, error) {
	s.got = req
	return s.resp, nil
}

// serveStrict serves a strict answering resp on a test server, through one gen package's
// NewStrictHandler and HandlerFromMux.
func serveStrict[Req, Resp, SSI, MW, SI, Mux any](t *testing.T, resp Resp, newStrict func(SSI, []MW) SI, fromMux func(SI, Mux) http.Handler) (*strict[Req, Resp], *httptest.Server) {
	t.Helper()
	impl := &strict[Req, Resp]{resp: resp}
	ssi, ok := any(impl).(SSI)
	require.True(t, ok, "%T is no %T", impl, ssi)
	mux, ok := any(http.NewServeMux()).(Mux)
	require.True(t, ok, "*http.ServeMux is no %T", mux)
	srv := httptest.NewServer(fromMux(newStrict(ssi, nil), mux))
	t.Cleanup(srv.Close)
	return impl, srv
}
