package mockserver_test

import (
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/mockserver"
)

// fakeClock is a clock a test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func moovBasic() [2]string {
	id, secret := demo(mockserver.Moov)
	return [2]string{id, secret}
}

func moovToken(t *testing.T, c *http.Client, srv *mockserver.Server) map[string]any {
	t.Helper()
	a := send(t, c, srv, tokenReq{p: mockserver.Moov, contentType: ctJSON, body: `{"grant_type":"client_credentials"}`, basic: moovBasic()}, true)
	require.Equal(t, 200, a.Status, "%s", a.Body)
	return a.json(t)
}

// Expired tokens, codes and refresh tokens are forgotten ExpiredRetention after they
// expire: the state shrinks back to what is in use.
func TestStateForgetsWhatExpired(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	srv, c := newServer(t, mockserver.WithClock(clock.Now),
		mockserver.WithTokenLifetime(mockserver.Moov, time.Minute),
		mockserver.WithTokenLifetime(mockserver.MoneyGo, time.Minute),
		mockserver.WithCodeLifetime(time.Minute),
		mockserver.WithLimits(mockserver.Limits{ExpiredRetention: time.Minute}))
	const n = 60
	var first string
	for i := range n {
		m := moovToken(t, c, srv)
		if i == 0 {
			first = m["access_token"].(string)
		}
		a := send(t, c, srv, validReq(t, srv, mockserver.MoneyGo), true)
		require.Equal(t, 200, a.Status)
		srv.MustIssueCode(mockserver.DemoClientID(mockserver.MobiFinance), mockserver.DemoRedirectURI)
	}
	assert.Equal(t, mockserver.StateSize{Tokens: 2 * n, Refresh: n, Codes: n, Places: 4 * n}, srv.StateSize())

	// Expired but within the retention: still known, and said to be expired.
	clock.Advance(90 * time.Second)
	st, _, body := callProtected(t, c, srv.ProtectedURL(), "Bearer "+first)
	assert.Equal(t, 401, st)
	assert.Equal(t, "the access token has expired", body["error_description"])
	assert.Equal(t, mockserver.StateSize{Tokens: 2 * n, Refresh: n, Codes: n, Places: 4 * n}, srv.StateSize())

	// Past the retention: forgotten, tokens and codes; refresh tokens live 30 days.
	clock.Advance(time.Minute)
	assert.Equal(t, mockserver.StateSize{Refresh: n, Places: n}, srv.StateSize())
	st, _, body = callProtected(t, c, srv.ProtectedURL(), "Bearer "+first)
	assert.Equal(t, 401, st)
	assert.Equal(t, "the access token is unknown", body["error_description"])

	clock.Advance(30 * 24 * time.Hour)
	assert.Equal(t, mockserver.StateSize{}, srv.StateSize())

	// What is issued now is kept, and works.
	m := moovToken(t, c, srv)
	st, _, _ = callProtected(t, c, srv.ProtectedURL(), "Bearer "+m["access_token"].(string))
	assert.Equal(t, 200, st)
	assert.Equal(t, mockserver.StateSize{Tokens: 1, Refresh: 1, Places: 2}, srv.StateSize())
}

// ExpireTokens' tokens are forgotten one retention later too.
func TestStateForgetsExpiredByHand(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	srv, c := newServer(t, mockserver.WithClock(clock.Now), mockserver.WithLimits(mockserver.Limits{ExpiredRetention: time.Minute}))
	for range 10 {
		moovToken(t, c, srv)
	}
	srv.ExpireTokens(mockserver.Moov)
	assert.Equal(t, 10, srv.StateSize().Tokens)
	clock.Advance(time.Minute)
	assert.Equal(t, 0, srv.StateSize().Tokens)
}

// Beyond MaxEntries the oldest are forgotten: a spent refresh token leaves nothing behind,
// and the newest tokens keep working.
func TestStateBoundedByMaxEntries(t *testing.T) {
	t.Parallel()
	srv, c := newServer(t, mockserver.WithLimits(mockserver.Limits{MaxEntries: 20}))
	var toks []map[string]any
	for range 50 {
		toks = append(toks, moovToken(t, c, srv))
	}
	assert.Equal(t, mockserver.StateSize{Tokens: 20, Refresh: 20, Places: 40}, srv.StateSize())
	st, _, body := callProtected(t, c, srv.ProtectedURL(), "Bearer "+toks[0]["access_token"].(string))
	assert.Equal(t, 401, st)
	assert.Equal(t, "the access token is unknown", body["error_description"])
	st, _, _ = callProtected(t, c, srv.ProtectedURL(), "Bearer "+toks[49]["access_token"].(string))
	assert.Equal(t, 200, st)

	// Refreshing spends the refresh token: the state does not grow past the bound.
	rt := toks[49]["refresh_token"].(string)
	for range 30 {
		a := send(t, c, srv, tokenReq{p: mockserver.Moov, contentType: ctJSON, body: `{"grant_type":"refresh_token","refresh_token":"` + rt + `"}`, basic: moovBasic()}, true)
		require.Equal(t, 200, a.Status, "%s", a.Body)
		rt = a.str(t, "refresh_token")
	}
	s := srv.StateSize()
	assert.LessOrEqual(t, s.Tokens, 20)
	assert.LessOrEqual(t, s.Refresh, 20)
	assert.LessOrEqual(t, s.Places, 40)

	// The control API refuses clients and faults past the bound; the Go API is the test's own.
	for i := range 19 {
		resp, err := c.Post(srv.URL+mockserver.ControlPrefix+"moov/clients", ctJSON, strings.NewReader(`{"client_id":"c`+string(rune('a'+i))+`","client_secret":"s"}`))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, 204, resp.StatusCode, "client %d", i)
	}
	resp, err := c.Post(srv.URL+mockserver.ControlPrefix+"moov/clients", ctJSON, strings.NewReader(`{"client_id":"one-too-many","client_secret":"s"}`))
	require.NoError(t, err)
	a := readAnswer(t, resp)
	assert.Equal(t, 409, a.Status)
	assert.JSONEq(t, `{"error":"moov has 20 clients, the most the mock keeps (Limits.MaxEntries, paytoken mock --max-entries)"}`, string(a.Body))
	for i := range 21 {
		resp, err := c.Post(srv.URL+mockserver.ControlPrefix+"moov/faults", ctJSON, strings.NewReader(`{"status":503,"times":1}`))
		require.NoError(t, err)
		a := readAnswer(t, resp)
		want := 204
		if i == 20 {
			want = 409
		}
		require.Equal(t, want, a.Status, "fault %d: %s", i, a.Body)
	}
	assert.Equal(t, 20, srv.PendingFaults(mockserver.Moov))
}

// 100,000 Moov token requests' worth of state stays within MaxEntries, and so does the
// heap: without the bound every request would cost about 400 bytes for good.
func TestStateMemoryBound(t *testing.T) {
	// Not parallel: the heap is measured, and parallel tests only run after this one.
	const requests, bound = 100_000, 1000
	heapAfter := func(requests, maxEntries int) (uint64, mockserver.StateSize) {
		srv := mockserver.NewUnstarted(mockserver.WithLimits(mockserver.Limits{MaxEntries: maxEntries}))
		defer srv.Close()
		var before runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for range requests {
			mockserver.IssueMoovForTest(srv)
		}
		var after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&after)
		size := srv.StateSize()
		runtime.KeepAlive(srv)
		return after.HeapAlloc - min(after.HeapAlloc, before.HeapAlloc), size
	}
	bounded, size := heapAfter(requests, bound)
	assert.Equal(t, mockserver.StateSize{Tokens: bound, Refresh: bound, Places: 2 * bound}, size)
	const fewer = requests / 5 // enough to tell, and quicker
	unbounded, size := heapAfter(fewer, 2*fewer)
	assert.Equal(t, fewer, size.Tokens)
	t.Logf("heap kept after %d Moov requests: %d KiB with MaxEntries %d; without a bound, %d B a request (%d KiB after %d)",
		requests, bounded>>10, bound, unbounded/fewer, unbounded>>10, fewer)
	assert.Less(t, bounded, uint64(4<<20), "the bounded state's heap")
	assert.Greater(t, unbounded, 10*bounded, "the test can tell a bound from none")
}
