package providertest

import (
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// fuzzAnswer is what the server says to the current input.
type fuzzAnswer struct {
	status int
	header http.Header
	body   []byte
}

// fuzzServer is FuzzTokenResponse's loopback server: it answers every
// request with the current input's answer, and counts the requests since
// that was set.
type fuzzServer struct {
	*httptest.Server
	mu   sync.Mutex
	cur  fuzzAnswer
	reqs int
}

// newFuzzServer starts a fuzzServer, and the client for it; both go when
// the fuzz test ends.
func newFuzzServer(f *testing.F) (*fuzzServer, *http.Client) {
	srv := &fuzzServer{}
	srv.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		srv.mu.Lock()
		srv.reqs++
		a := srv.cur
		srv.mu.Unlock()
		maps.Copy(w.Header(), a.header)
		w.WriteHeader(a.status)
		_, _ = w.Write(a.body)
	}))
	tr := &http.Transport{}
	f.Cleanup(func() {
		tr.CloseIdleConnections()
		srv.Close()
	})
	return srv, &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

func (s *fuzzServer) set(a fuzzAnswer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cur, s.reqs = a, 0
}

func (s *fuzzServer) requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reqs
}
