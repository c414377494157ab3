package moov_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// A secret with the characters a form encoder would change: it must reach
// the server exactly as given.
const (
	testID     = "5clTR_MdVrrkgxw2"
	testSecret = "dNC:hg7s%2Vm+22/jc3g="
)

// wantBasic is the Authorization header for testID and testSecret, built by
// hand: base64 of "id:secret" with nothing escaped.
var wantBasic = "Basic " + base64.StdEncoding.EncodeToString([]byte(testID+":"+testSecret))

// request is what the fake token endpoint received.
type request struct {
	Method, Path, ContentType, Authorization string
	Body                                     map[string]any // the JSON body, decoded
	Raw                                      string
	At                                       time.Time
}

// server is a loopback token endpoint that records every request and
// answers the n-th (from 1) with answer(w, r, n).
type server struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []request
}

func newServer(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, n int)) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		rec := request{
			Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"),
			Authorization: r.Header.Get("Authorization"), Raw: string(raw), At: time.Now(),
		}
		if len(raw) > 0 {
			_ = json.Unmarshal(raw, &rec.Body)
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

func (s *server) requests() []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]request(nil), s.reqs...)
}

// reply writes a JSON answer.
func reply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// always answers every request alike.
func always(status int, body string) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, _ *http.Request, _ int) { reply(w, status, body) }
}

// assertExpiry checks that expiry is about d from now.
func assertExpiry(t *testing.T, d time.Duration, expiry time.Time) {
	t.Helper()
	require.False(t, expiry.IsZero(), "token has no expiry")
	assert.WithinDuration(t, time.Now().Add(d), expiry, 5*time.Second)
}

// assertNoSecret checks that nothing secret leaked into s.
func assertNoSecret(t *testing.T, s string, secrets ...string) {
	t.Helper()
	for _, x := range append(secrets, testSecret) {
		assert.NotContains(t, s, x)
	}
}

// offline is an HTTPClient that answers every request itself, recording the
// method and URL it was sent to: for checking defaults without network access.
func offline(status int, body string, urls *[]string) *http.Client {
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
