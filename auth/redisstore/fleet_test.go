package redisstore_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/auth/redisstore"
	"github.com/paytoken/paytoken/internal/redistest"
	"github.com/paytoken/paytoken/internal/testkit"
	"github.com/paytoken/paytoken/moov"
)

// The fleet tests start real OS processes (this test binary, re-executed
// with fleetWorkerEnv set) that share one Redis and one token endpoint, as
// a service deployed as many replicas does.

const fleetWorkerEnv = "PAYTOKEN_REDISSTORE_FLEET_WORKER"

type fleetConfig struct {
	Redis      string
	TokenURL   string // base URL of the Moov-shaped token endpoint
	Key        []byte
	ClientID   string
	Scopes     []string
	Goroutines int
	// Duration is how long the workers call Token, from the start time
	// the test sends them once all are ready (see fleet.begin).
	Duration     time.Duration
	Window       time.Duration
	Margin       time.Duration
	StoreTimeout time.Duration
	// Sentinel, when set, is a sentinel's address: the worker uses
	// redis.NewFailoverClient. Cluster, when set, are cluster nodes: it
	// uses redis.NewClusterClient. Both with go-redis's defaults only.
	Sentinel string
	Cluster  []string
	// CallTimeout is each Token call's deadline (default 5s).
	CallTimeout time.Duration
}

// client is the go-redis client the config asks for.
func (cfg *fleetConfig) client() redis.UniversalClient {
	switch {
	case len(cfg.Cluster) > 0:
		return redis.NewClusterClient(&redis.ClusterOptions{Addrs: cfg.Cluster})
	case cfg.Sentinel != "":
		return redis.NewFailoverClient(&redis.FailoverOptions{MasterName: redistest.SentinelMaster, SentinelAddrs: []string{cfg.Sentinel}})
	}
	return redis.NewClient(redistest.ClientOptions(cfg.Redis))
}

type fleetReport struct {
	Calls      int64
	Errors     int64
	FirstError string
	// ExpiredServed counts tokens handed out past their Expiry.
	ExpiredServed int64
	// Tokens: every access token callers got, in the order first seen.
	Tokens []string
	Events map[string]int64
	// FirstCall and FirstToken: when the first Token call started, and
	// when a call first got a token.
	FirstCall, FirstToken time.Time
}

// tokenServer is the loopback token endpoint, answering as Moov does: it
// counts requests, takes delay to answer each, and issues tokens named
// tok-<n>.
type tokenServer struct {
	*httptest.Server
	lifetime time.Duration
	delay    time.Duration
	// delayFor, when set, is the delay of the n-th request (from 1)
	// instead of delay; a negative one hangs until the client goes away.
	delayFor  func(n int) time.Duration
	mu        sync.Mutex
	at        []time.Time
	strangers []string // requests not from a fleet worker, not counted
}

func newTokenServer(t *testing.T, lifetime, delay time.Duration) *tokenServer {
	ts := &tokenServer{lifetime: lifetime, delay: delay}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		// Only the fleet's own workers count: on a machine shared with
		// other test runs, a stranger may reach a reused loopback port.
		user, _, _ := r.BasicAuth()
		if r.Method != http.MethodPost || r.URL.Path != "/oauth2/token" || !bytes.Contains(body, []byte("client_credentials")) || !strings.HasPrefix(user, "client-") {
			ts.mu.Lock()
			ts.strangers = append(ts.strangers, fmt.Sprintf("%s %s user=%q UA=%q", r.Method, r.URL.Path, user, r.UserAgent()))
			ts.mu.Unlock()
			http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
			return
		}
		ts.mu.Lock()
		ts.at = append(ts.at, time.Now())
		n := len(ts.at)
		lifetime := ts.lifetime
		ts.mu.Unlock()
		d := ts.delay
		if ts.delayFor != nil {
			d = ts.delayFor(n)
		}
		if d < 0 {
			<-r.Context().Done() // the fetching process died
			return
		}
		time.Sleep(d)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = fmt.Fprintf(w, `{"access_token":"tok-%d-%s","token_type":"opaque","expires_in":%d,"scope":"/accounts.read"}`,
			n, randHex(16), int(lifetime/time.Second))
	}))
	t.Cleanup(ts.Close)
	return ts
}

// requests returns how many requests arrived in [from, to).
func (ts *tokenServer) requests(from, to time.Time) int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	n := 0
	for _, at := range ts.at {
		if !at.Before(from) && at.Before(to) {
			n++
		}
	}
	return n
}

// setLifetime sets the lifetime of the tokens issued from now on.
func (ts *tokenServer) setLifetime(d time.Duration) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.lifetime = d
}

// waitRequests waits until n requests have arrived and returns when the
// n-th did.
func (ts *tokenServer) waitRequests(t *testing.T, n int, timeout time.Duration) time.Time {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		ts.mu.Lock()
		if len(ts.at) >= n {
			at := ts.at[n-1]
			ts.mu.Unlock()
			return at
		}
		ts.mu.Unlock()
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("token server: %d requests after %s, want %d", ts.requests(time.Time{}, time.Now()), timeout, n)
	return time.Time{}
}

func (ts *tokenServer) timeline(t0 time.Time) string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	var parts []string
	for _, at := range ts.at {
		parts = append(parts, fmt.Sprintf("t0%+.3fs", at.Sub(t0).Seconds()))
	}
	if len(ts.strangers) > 0 {
		parts = append(parts, fmt.Sprintf("(and %d requests not from the fleet, not counted: %s)", len(ts.strangers), strings.Join(ts.strangers, "; ")))
	}
	return strings.Join(parts, " ")
}

// fleetOnRedis starts a Redis and a token server issuing tokens that live
// lifetime (each answer takes 50 ms), and returns them with the part of a
// fleetConfig that points workers at both, as clientID.
func fleetOnRedis(t *testing.T, lifetime time.Duration, clientID string) (*redistest.Server, *tokenServer, fleetConfig) {
	t.Helper()
	srv := redistest.Start(t)
	ts := newTokenServer(t, lifetime, 50*time.Millisecond)
	return srv, ts, fleetConfig{Redis: srv.Addr, TokenURL: ts.URL, Key: newKey(t), ClientID: clientID}
}

type fleet struct {
	cmds    []*exec.Cmd
	outs    []*readyWriter
	errs    []*bytes.Buffer
	starts  []io.WriteCloser
	reports []fleetReport
}

// readyWriter is a worker's stdout: it signals ready at the worker's first
// line ("ready"), and keeps the rest (the report).
type readyWriter struct {
	mu    sync.Mutex
	b     bytes.Buffer
	ready chan struct{}
	once  sync.Once
}

func (w *readyWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b.Write(p)
	if bytes.HasPrefix(w.b.Bytes(), []byte("ready\n")) {
		w.once.Do(func() { close(w.ready) })
	}
	return len(p), nil
}

func (w *readyWriter) report() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return bytes.TrimPrefix(w.b.Bytes(), []byte("ready\n"))
}

func startFleet(t *testing.T, n int, cfg fleetConfig) *fleet {
	t.Helper()
	f := &fleet{}
	for range n {
		cmd := workerCommand(t, fleetWorkerEnv, cfg)
		out := &readyWriter{ready: make(chan struct{})}
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = out, &stderr
		start, err := cmd.StdinPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		f.cmds = append(f.cmds, cmd)
		f.outs = append(f.outs, out)
		f.errs = append(f.errs, &stderr)
		f.starts = append(f.starts, start)
	}
	t.Cleanup(func() {
		for _, c := range f.cmds {
			if c.ProcessState == nil {
				_ = c.Process.Kill()
				_ = c.Wait()
			}
		}
	})
	return f
}

// begin waits until every worker is ready (its Store and Source built),
// however long a loaded machine takes to start them, then starts them all
// at once and returns that start time, t0.
func (f *fleet) begin(t *testing.T) time.Time {
	t.Helper()
	for i, out := range f.outs {
		select {
		case <-out.ready:
		case <-time.After(2 * time.Minute):
			t.Fatalf("worker %d not ready after 2 minutes; stderr:\n%s", i, f.errs[i])
		}
	}
	t0 := time.Now().Add(50 * time.Millisecond)
	line := t0.Format(time.RFC3339Nano) + "\n"
	for i, w := range f.starts {
		_, err := io.WriteString(w, line)
		require.NoError(t, err, "starting worker %d", i)
		_ = w.Close()
	}
	return t0
}

func (f *fleet) wait(t *testing.T) {
	t.Helper()
	for i, c := range f.cmds {
		err := c.Wait()
		require.NoError(t, err, "worker %d: %v\nstderr:\n%s", i, err, f.errs[i])
		var r fleetReport
		require.NoError(t, json.Unmarshal(f.outs[i].report(), &r), "worker %d stdout: %q\nstderr:\n%s", i, f.outs[i].report(), f.errs[i])
		f.reports = append(f.reports, r)
	}
}

// fleetWorker is the body of one worker process: goroutines calling Token
// on one Source from cfg.Start to cfg.Stop. It prints a fleetReport.
func fleetWorker(cfgJSON string) int {
	var cfg fleetConfig
	if err := json.Unmarshal([]byte(cfgJSON), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "fleet worker: config:", err)
		return 2
	}
	rdb := cfg.client()
	defer rdb.Close()
	opts := []redisstore.Option{redisstore.WithEncryptionKey(cfg.Key)}
	if cfg.StoreTimeout > 0 {
		opts = append(opts, redisstore.WithTimeout(cfg.StoreTimeout))
	}
	store, err := redisstore.New(rdb, opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fleet worker:", err)
		return 2
	}

	hc := &http.Client{Timeout: 5 * time.Second}
	defer hc.CloseIdleConnections()
	mv := &moov.Config{
		ClientID: cfg.ClientID, ClientSecret: "fleet-secret", Scopes: cfg.Scopes,
		BaseURL: cfg.TokenURL, HTTPClient: hc,
	}

	var events [16]atomic.Int64
	src := mv.TokenSource(
		auth.WithStore(store, ""), // the provider's key: moov, client id, scopes
		auth.WithRefreshWindow(cfg.Window),
		auth.WithSafetyMargin(cfg.Margin),
		auth.WithObserver(testkit.ObserverFunc(func(_ context.Context, ev auth.Event) {
			if int(ev.Kind) < len(events) {
				events[ev.Kind].Add(1)
			}
		})),
	)

	var (
		rep       fleetReport
		mu        sync.Mutex
		firstSeen = map[string]time.Time{}
		calls     atomic.Int64
		errs      atomic.Int64
		expired   atomic.Int64
		wg        sync.WaitGroup
	)
	callTimeout := cfg.CallTimeout
	if callTimeout == 0 {
		callTimeout = 5 * time.Second
	}
	var firstToken atomic.Pointer[time.Time]
	// Ready; the test answers with the start time once every worker is.
	fmt.Println("ready")
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil {
		fmt.Fprintln(os.Stderr, "fleet worker: reading the start time:", err)
		return 2
	}
	start, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(line))
	if err != nil {
		fmt.Fprintln(os.Stderr, "fleet worker: start time:", err)
		return 2
	}
	stop := start.Add(cfg.Duration)
	time.Sleep(time.Until(start))
	rep.FirstCall = time.Now()
	for g := range cfg.Goroutines {
		wg.Go(func() {
			var last string
			time.Sleep(time.Duration(g) * 100 * time.Microsecond) // spread the wake-ups
			for time.Now().Before(stop) {
				ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
				tok, err := src.TokenContext(ctx)
				now := time.Now()
				cancel()
				calls.Add(1)
				switch {
				case err != nil:
					if errs.Add(1) == 1 {
						mu.Lock()
						rep.FirstError = err.Error()
						mu.Unlock()
					}
				case !tok.Expiry.IsZero() && now.After(tok.Expiry):
					expired.Add(1)
				default:
					firstToken.CompareAndSwap(nil, &now)
				}
				if err == nil && tok.AccessToken != last {
					last = tok.AccessToken
					mu.Lock()
					if _, ok := firstSeen[last]; !ok {
						firstSeen[last] = now
					}
					mu.Unlock()
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	wg.Wait()

	rep.Calls, rep.Errors, rep.ExpiredServed = calls.Load(), errs.Load(), expired.Load()
	if ft := firstToken.Load(); ft != nil {
		rep.FirstToken = *ft
	}
	for tok := range firstSeen {
		rep.Tokens = append(rep.Tokens, tok)
	}
	slices.SortFunc(rep.Tokens, func(a, b string) int { return firstSeen[a].Compare(firstSeen[b]) })
	rep.Events = map[string]int64{}
	for k := range events {
		if n := events[k].Load(); n > 0 {
			rep.Events[auth.EventKind(k).String()] = n
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(rep); err != nil {
		fmt.Fprintln(os.Stderr, "fleet worker:", err)
		return 2
	}
	return 0
}
