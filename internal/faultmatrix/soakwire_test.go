package faultmatrix_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/paytoken/paytoken/auth"
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

// soakProviderOf is the provider whose token path path is (the longest
// match: Money-Go's /token is a suffix of the others').
func soakProviderOf(path string) (p mockserver.Provider) {
	longest := 0
	for _, q := range mockserver.Providers() {
		if tp := q.TokenPath(); strings.HasSuffix(path, tp) && len(tp) > longest {
			p, longest = q, len(tp)
		}
	}
	return p
}

func accessTokenOf(contentType string, body []byte) string {
	var v struct {
		AccessToken string `json:"access_token"`
	}
	if strings.HasPrefix(contentType, "application/x-www-form-urlencoded") {
		q, _ := url.ParseQuery(string(body))
		return q.Get("access_token")
	}
	if json.Unmarshal(body, &v) == nil {
		return v.AccessToken
	}
	return ""
}

// isTimeout reports whether err is a timeout: the HTTP client's, a
// deadline, or the SDK's own fetch budget.
func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &te) && te.Timeout()
}

// soakObserver checks the tokens a Source hands out: a cached token is
// never expired (with its safety margin) when the call that got it began,
// and a fetched token expires no later than one lifetime after it arrived
// (the Source reads the provider's expiry, it does not invent one). It
// also remembers the fetches that failed after an attempt timed out: the
// error then says what the last attempt met (an injected 503, say), yet it
// was the machine's slowness that used up the attempts.
type soakObserver struct {
	w      *soakWire
	margin time.Duration

	mu     sync.Mutex
	slowed []error       // errors of fetches that failed with an attempt timed out
	late   time.Duration // the longest a token was served into its safety margin
}

// soakFetchKey carries a fetch's *soakFetch in its context.
type soakFetchKey struct{}

type soakFetch struct{ timedOut atomic.Bool }

// StartFetch gives each fetch its record (see auth.Observer).
func (o *soakObserver) StartFetch(ctx context.Context, _ auth.Event) context.Context {
	return context.WithValue(ctx, soakFetchKey{}, &soakFetch{})
}

func (o *soakObserver) Observe(ctx context.Context, ev auth.Event) {
	switch ev.Kind {
	case auth.EventCacheHit:
		info, _ := ctx.Value(soakCallKey{}).(*soakCallInfo)
		if info == nil || ev.Expiry.IsZero() {
			return
		}
		// The Source handed the token out after the call began: it had not
		// expired then. Its timers (the cached path reads no clock) may flip
		// a token to expired late on a loaded machine: that lateness is what
		// the safety margin absorbs, and it is reported, not failed.
		if !ev.Expiry.After(info.start) {
			o.w.violate("%s: a call that began at %v got a token that expired at %v",
				info.p, info.start.Format(time.StampMilli), ev.Expiry.Format(time.StampMilli))
		}
		if late := info.start.Sub(ev.Expiry.Add(-o.margin)); late > 0 {
			o.mu.Lock()
			o.late = max(o.late, late)
			o.mu.Unlock()
		}
	case auth.EventFetchDone:
		if ev.Err != nil {
			o.fetchFailed(ctx, ev)
			return
		}
		if !ev.Expiry.IsZero() && ev.Expiry.After(time.Now().Add(soakLifetime)) {
			o.w.violate("%s: a fetched token expires at %v, more than %v from now", ev.Provider, ev.Expiry, soakLifetime)
		}
	case auth.EventRetry:
		if f, _ := ctx.Value(soakFetchKey{}).(*soakFetch); f != nil && isTimeout(ev.Err) {
			f.timedOut.Store(true)
		}
	}
}

// fetchFailed records a fetch that gave up with an attempt timed out.
func (o *soakObserver) fetchFailed(ctx context.Context, ev auth.Event) {
	if f, _ := ctx.Value(soakFetchKey{}).(*soakFetch); f != nil && f.timedOut.Load() || isTimeout(ev.Err) {
		o.mu.Lock()
		o.slowed = append(o.slowed, ev.Err)
		o.mu.Unlock()
	}
}

// slowedBy reports whether err is the error of a fetch that failed with an
// attempt timed out.
func (o *soakObserver) slowedBy(err error) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, e := range o.slowed {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
