package providertest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Request is what the fake token endpoint received; Body is the body as
// the provider's wire format decodes it (nil when the body is empty).
type Request[B any] struct {
	Method, Path, ContentType, Authorization string
	Body                                     B
	Raw                                      string
	At                                       time.Time
}

// Answer answers the n-th (from 1) request a Server received.
type Answer func(w http.ResponseWriter, r *http.Request, n int)

// Server is a loopback token endpoint that records every request and
// answers the n-th (from 1) with answer(w, r, n).
type Server[B any] struct {
	*httptest.Server
	// ClientID is the client id of the Configs sent to this Server, its own
	// (Provider.NewServer); "" from NewServer.
	ClientID string
	mu       sync.Mutex
	reqs     []Request[B]
}

// NewServer starts a Server, closed when the test ends, that decodes each
// non-empty request body with decode (JSONBody or FormBody).
func NewServer[B any](t *testing.T, decode func(raw []byte) B, answer Answer) *Server[B] {
	t.Helper()
	s := &Server[B]{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		rec := Request[B]{
			Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"),
			Authorization: r.Header.Get("Authorization"), Raw: string(raw), At: time.Now(),
		}
		if len(raw) > 0 {
			rec.Body = decode(raw)
		}
		s.mu.Lock()
		s.reqs = append(s.reqs, rec)
		n := len(s.reqs)
		s.mu.Unlock()
		answer(w, r, n)
	}))
	t.Cleanup(s.Close)
	return s
}

// Requests are the requests received so far, oldest first.
func (s *Server[B]) Requests() []Request[B] {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request[B](nil), s.reqs...)
}

// JSONBody decodes a JSON request body (nil if it is not a JSON object).
func JSONBody(raw []byte) map[string]any {
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return m
}

// FormBody decodes a form request body.
func FormBody(raw []byte) url.Values {
	v, _ := url.ParseQuery(string(raw))
	return v
}

// Reply writes a JSON answer.
func Reply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// Always answers every request alike.
func Always(status int, body string) Answer {
	return func(w http.ResponseWriter, _ *http.Request, _ int) { Reply(w, status, body) }
}

// Offline is an HTTPClient that answers every request itself, recording the
// method and URL it was sent to: for checking defaults without network access.
func Offline(status int, body string, urls *[]string) *http.Client {
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		*urls = append(*urls, r.Method+" "+r.URL.String())
		if r.Body != nil {
			r.Body.Close()
		}
		return &http.Response{
			StatusCode: status,
			Header:     http.Header{"Content-Type": {"application/json"}},
			Body:       io.NopCloser(strings.NewReader(body)),
			Request:    r,
		}, nil
	})}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Only is the one request received so far; any other count fails the test.
func (s *Server[B]) Only(t *testing.T) Request[B] {
	t.Helper()
	reqs := s.Requests()
	require.Len(t, reqs, 1)
	return reqs[0]
}
