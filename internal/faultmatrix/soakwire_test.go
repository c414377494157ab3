package faultmatrix_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paytoken/paytoken/mockserver"
)

// soakWire sits between the SDK and the mock (the HTTP client's Transport,
// so under both the token requests and the API calls) and checks what the
// product promises there, whatever the load:
//
//   - every token the SDK sends to the API is one the mock issued to that
//     provider (no wrong token);
//   - after a 401, the replay carries another token;
//
// and it counts what the machine, not the SDK, costs: token requests that
// timed out (each may be retried) and tokens the API rejected (revoked by
// the soak's ExpireTokens, or expired in flight while the machine stalled:
// each costs a refetch).
type soakWire struct {
	base http.RoundTripper

	mu       sync.Mutex
	issued   map[string]mockserver.Provider // access token → its provider
	rejected map[string]mockserver.Provider // access tokens the API answered 401
	timedOut map[mockserver.Provider]int    // token requests that timed out

	violations atomic.Int64
	first      atomic.Value // string: the first violation
}

func newSoakWire(base http.RoundTripper) *soakWire {
	return &soakWire{base: base, issued: map[string]mockserver.Provider{},
		rejected: map[string]mockserver.Provider{}, timedOut: map[mockserver.Provider]int{}}
}

// soakCallKey carries a call's *soakCallInfo in its request's context.
type soakCallKey struct{}

// soakCallInfo is one API call: its provider, when it began, and the
// tokens its requests carried.
type soakCallInfo struct {
	p     mockserver.Provider
	start time.Time
	mu    sync.Mutex
	sent  []string
}

func (w *soakWire) violate(format string, args ...any) {
	if w.violations.Add(1) == 1 {
		w.first.Store(fmt.Sprintf(format, args...))
	}
}

func (w *soakWire) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPost {
		return w.tokenRequest(req)
	}
	info, _ := req.Context().Value(soakCallKey{}).(*soakCallInfo)
	bearer := strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer ")
	if info != nil {
		w.mu.Lock()
		owner, ok := w.issued[bearer]
		w.mu.Unlock()
		if !ok || owner != info.p {
			w.violate("%s: an API call carried a token the mock did not issue to it (issued: %v, to %q)", info.p, ok, owner)
		}
		info.mu.Lock()
		if n := len(info.sent); n > 0 && info.sent[n-1] == bearer {
			w.violate("%s: the replay after a 401 carried the rejected token again", info.p)
		}
		info.sent = append(info.sent, bearer)
		info.mu.Unlock()
	}
	resp, err := w.base.RoundTrip(req)
	if err == nil && resp.StatusCode == http.StatusUnauthorized && info != nil {
		w.mu.Lock()
		w.rejected[bearer] = info.p
		w.mu.Unlock()
	}
	return resp, err
}

// tokenRequest records the token an answer issues, read as the SDK reads
// it (the body is passed on unchanged), and counts attempts that timed
// out.
func (w *soakWire) tokenRequest(req *http.Request) (*http.Response, error) {
	p := soakProviderOf(req.URL.Path)
	resp, err := w.base.RoundTrip(req)
	if err != nil {
		if isTimeout(err) {
			w.mu.Lock()
			w.timedOut[p]++
			w.mu.Unlock()
		}
		return nil, err
	}
	body, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	if rerr != nil {
		// The SDK sees the same failure, after the same bytes.
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{rerr}))
		if isTimeout(rerr) {
			w.mu.Lock()
			w.timedOut[p]++
			w.mu.Unlock()
		}
		return resp, nil
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if at := accessTokenOf(resp.Header.Get("Content-Type"), body); at != "" {
		w.mu.Lock()
		w.issued[at] = p
		w.mu.Unlock()
	}
	return resp, nil
}

// costs is what the machine cost a provider in token requests: timed-out
// attempts and rejected tokens.
func (w *soakWire) costs(p mockserver.Provider) (timedOut, rejected int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, owner := range w.rejected {
		if owner == p {
			rejected++
		}
	}
	return w.timedOut[p], rejected
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
