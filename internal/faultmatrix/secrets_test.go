package faultmatrix_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/internal/testkit"
)

// leak is one place a sentinel turned up.
type leak struct{ provider, fault, where, what, excerpt string }

// TestSecretHygiene runs every fault of the matrix against a hostile server
// that reflects every credential it gets (client secret, authorization
// code) and the tokens it made up (access and refresh tokens) in error
// bodies, 2xx bodies and headers (X-Request-Id, WWW-Authenticate, …), and
// checks that none of them appears in:
//
//   - the error, printed with every fmt verb, nor any error in its tree
//     (including *auth.Error's fields through %+v / %#v);
//   - the Config, printed with every fmt verb;
//   - the Source's slog output at Debug (text and JSON);
//   - the error of an API call made through Client;
//   - a panic message.
func TestSecretHygiene(t *testing.T) {
	t.Parallel()
	// Server-requested waits are refused rather than waited: the retry
	// then returns the 429's error, one more rendering to check, at once.
	// Two attempts give the message of a retried request as well as three.
	noWait := fastRetry
	noWait.MaxRetryAfter = time.Millisecond
	noWait.MaxAttempts = 2
	var (
		mu    sync.Mutex
		leaks []leak
	)
	record := func(p prov, r row, where, text string, s sentinels) {
		for _, what := range s.leaks(text) {
			i := strings.Index(text, map[string]string{"client secret": s.secret, "access token": s.access,
				"refresh token": s.refresh, "authorization code": s.code}[what][:24])
			lo, hi := max(0, i-60), min(len(text), i+60)
			mu.Lock()
			leaks = append(leaks, leak{p.name, r.id, where, what, strings.ReplaceAll(text[lo:hi], "\n", " ")})
			mu.Unlock()
		}
	}
	forEachCase(t, func(t *testing.T, r row, p prov, server string) {
		if server != "hostile" {
			return // the mock reflects nothing
		}
		// What a request that hangs says is checked as well after 300 ms
		// as after the matrix's longer timeouts.
		r.timeout = 300 * time.Millisecond
		s := newSentinels()
		logs := &testkit.SyncBuffer{}
		c := runHostile(t, r, p, s, true, []auth.Option{auth.WithRetry(noWait), auth.WithLogger(debugLogger(logs))})
		record(p, r, "error", renderings(c.err), s)
		record(p, r, "Config", renderings(p.config(c.env)), s)
		record(p, r, "slog", logs.String(), s)

		// The same fault under an API call through Client.
		apiLogs := &testkit.SyncBuffer{}
		x := newHostile(t, p, s, r.times, true, r.raw)
		e := env{baseURL: x.URL(), hc: newHTTPClient(t, r.timeout), creds: c.env.creds,
			opts: []auth.Option{auth.WithRetry(noWait), auth.WithLogger(debugLogger(apiLogs))}}
		var seed *oauth2.Token
		if p.oneShot {
			seed = c.tok // MobiFinance: the exchanged token, if any
		}
		func() {
			defer func() {
				if v := recover(); v != nil {
					record(p, r, "panic", fmt.Sprint(v), s)
					t.Errorf("panic: %v", v)
				}
			}()
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, x.URL()+"/api/accounts", nil)
			resp, err := p.client(e, seed).Do(req)
			if err == nil {
				resp.Body.Close()
			}
			record(p, r, "Client error", renderings(err), s)
		}()
		record(p, r, "Client slog", apiLogs.String(), s)
	})
	if len(leaks) == 0 {
		return
	}
	sort.Slice(leaks, func(i, j int) bool {
		a, b := leaks[i], leaks[j]
		return a.provider+a.where+a.what+a.fault < b.provider+b.where+b.what+b.fault
	})
	// One line per (provider, where, what), with the faults it happened in.
	type key struct{ provider, where, what string }
	byKey := map[key][]leak{}
	var keys []key
	for _, l := range leaks {
		k := key{l.provider, l.where, l.what}
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], l)
	}
	for _, k := range keys {
		ls := byKey[k]
		var faults []string
		for _, l := range ls {
			faults = append(faults, l.fault)
		}
		t.Errorf("%s: the %s shows in the %s (%d faults: %s), e.g. …%s…", k.provider, k.what, k.where, len(ls),
			strings.Join(faults, ", "), ls[0].excerpt)
	}
}

// TestSecretHygieneMoovRefresh: Moov's refresh_token grant against a server
// that answers invalid_grant quoting the refresh token it was sent (and the
// secret): neither shows in the error.
func TestSecretHygieneMoovRefresh(t *testing.T) {
	s := newSentinels()
	srv := serve(t, nil, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		rt, _ := m["refresh_token"].(string)
		_, secret, _ := r.BasicAuth()
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", rt)
		w.WriteHeader(400)
		_, _ = w.Write(mustJSON(map[string]any{"error": "invalid_grant",
			"error_description": "refresh token " + rt + " is spent (client secret " + secret + ")"}))
	}))
	p := providers[2]
	if p.name != "moov" {
		t.Fatal("providers[2] is not moov")
	}
	e := env{baseURL: srv.URL, hc: newHTTPClient(t, 0), creds: creds{id: s.id, secret: s.secret}}
	_, err := moovConfig(e).Refresh(context.Background(), s.refresh)
	if err == nil {
		t.Fatal("no error")
	}
	if l := s.leaks(renderings(err)); len(l) != 0 {
		t.Errorf("the %v show in the error: %v", l, err)
	}
}
