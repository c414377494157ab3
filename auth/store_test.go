package auth

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/paytoken/paytoken/internal/testenv"
)

// events records what an Observer saw.
type events struct {
	mu   sync.Mutex
	evs  []Event
	hook func(context.Context, Event) // called under mu, when set
}

func (r *events) Observe(ctx context.Context, ev Event) {
	r.mu.Lock()
	r.evs = append(r.evs, ev)
	if r.hook != nil {
		r.hook(ctx, ev)
	}
	r.mu.Unlock()
}

func (r *events) kinds() []EventKind {
	r.mu.Lock()
	defer r.mu.Unlock()
	var k []EventKind
	for _, ev := range r.evs {
		if ev.Kind != EventCacheHit {
			k = append(k, ev.Kind)
		}
	}
	return k
}

func (r *events) storeErrors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ops []string
	for _, ev := range r.evs {
		if ev.Kind == EventStoreError {
			ops = append(ops, ev.Op)
		}
	}
	return ops
}

// loadCounter is a MemoryStore that counts loads per key.
type loadCounter struct {
	MemoryStore
	mu    sync.Mutex
	loads map[string]int
}

func (s *loadCounter) Load(ctx context.Context, key string) (*oauth2.Token, error) {
	s.mu.Lock()
	if s.loads == nil {
		s.loads = map[string]int{}
	}
	s.loads[key]++
	s.mu.Unlock()
	time.Sleep(time.Millisecond) // a Redis round trip: let concurrent misses pile up
	return s.MemoryStore.Load(ctx, key)
}

// badStore fails the operations it is told to.
type badStore struct {
	*MemoryStore
	loadErr, saveErr, lockErr error
	loadTok                   *oauth2.Token
	panicLoad                 bool
}

func (b *badStore) Load(ctx context.Context, key string) (*oauth2.Token, error) {
	if b.panicLoad {
		panic("store exploded")
	}
	if b.loadErr != nil {
		return nil, b.loadErr
	}
	if b.loadTok != nil {
		return b.loadTok, nil
	}
	return b.MemoryStore.Load(ctx, key)
}

func (b *badStore) Save(ctx context.Context, key string, tok *oauth2.Token) error {
	if b.saveErr != nil {
		return b.saveErr
	}
	return b.MemoryStore.Save(ctx, key, tok)
}

func (b *badStore) Lock(ctx context.Context, key string, ttl time.Duration) (func(), error) {
	if b.lockErr != nil {
		return nil, b.lockErr
	}
	return b.MemoryStore.Lock(ctx, key, ttl)
}

func TestStoreReadThroughAndWriteBack(t *testing.T) {
	clk := newFakeClock(t0)
	st := new(MemoryStore)
	ctx := context.Background()
	stored := &oauth2.Token{AccessToken: "from-store", Expiry: t0.Add(time.Hour)}
	require.NoError(t, st.Save(ctx, "k", stored))

	f := &fetcher{clk: clk, life: time.Hour}
	rec := &events{}
	s := NewSource(f.fetch, withClock(clk), WithStore(st, "k"), WithObserver(rec))
	require.Same(t, stored, mustToken(t, s), "adopted without fetching")
	s.waitIdle()
	require.Zero(t, f.calls.Load())
	require.Equal(t, []EventKind{EventStoreHit}, rec.kinds())

	// An expired stored token is not adopted; the fetched one is written back.
	require.NoError(t, st.Save(ctx, "k2", &oauth2.Token{AccessToken: "old", Expiry: t0.Add(5 * time.Second)}))
	s2 := NewSource(f.fetch, withClock(clk), WithStore(st, "k2"))
	tok := mustToken(t, s2)
	require.Equal(t, "tok-1", tok.AccessToken)
	s2.waitIdle()
	got, _ := st.Load(ctx, "k2")
	require.Same(t, tok, got)

	// A stale stored token is adopted by a caller with none, and refreshed
	// in the background at once since that caller uses it.
	require.NoError(t, st.Save(ctx, "k3", &oauth2.Token{AccessToken: "stale", Expiry: t0.Add(2 * time.Minute), ExpiresIn: 3600}))
	s3 := NewSource(f.fetch, withClock(clk), WithStore(st, "k3"))
	require.Equal(t, "stale", mustToken(t, s3).AccessToken)
	s3.waitIdle()
	require.Equal(t, "tok-2", mustToken(t, s3).AccessToken)
	got, _ = st.Load(ctx, "k3")
	require.Equal(t, "tok-2", got.AccessToken)
}

// Two Sources (two processes, as far as they know) share one token, and
// one refresh: at the stale point both start a background refresh; one
// fetches under the lock, the other waits for its token.
//
// Real time, so Long: both renew at the stale point (3 s; no jitter), and
// the loser of the lock adopts the winner's token if it is still fresh
// when it loads it, so the test has 3 s of room for a stalled machine
// (tok-2's fresh phase) where it used to have about 200 ms.
func TestStoreSharedBetweenSources(t *testing.T) {
	testenv.Long(t)
	t.Parallel()
	st := new(MemoryStore)
	f := &fetcher{clk: realClock{}, life: 4 * time.Second}
	key := StoreKey("moov", "cid", "/accounts.read")
	noJitter := func(int64) int64 { return 0 }
	opts := []Option{WithRefreshWindow(time.Second), WithSafetyMargin(100 * time.Millisecond), withRand(noJitter)}
	a := NewSource(f.fetch, append(opts, WithStore(st, ""), withDefaultStoreKey(key))...)
	b := NewSource(f.fetch, append(opts, withDefaultStoreKey(key), WithStore(st, ""))...)
	// A lease longer than tok-2's fresh phase: the loser waits for the
	// winner rather than fetching on its own.
	a.setLockTiming(5*time.Second, time.Millisecond, 5*time.Millisecond)
	b.setLockTiming(5*time.Second, time.Millisecond, 5*time.Millisecond)
	require.Equal(t, "tok-1", mustToken(t, a).AccessToken)
	a.waitIdle()
	require.Equal(t, "tok-1", mustToken(t, b).AccessToken)
	require.EqualValues(t, 1, f.calls.Load())

	// Both used tok-1 while fresh, so both renew it by themselves.
	require.Eventually(t, func() bool {
		return mustToken(t, a).AccessToken == "tok-2" && mustToken(t, b).AccessToken == "tok-2"
	}, 30*time.Second, 10*time.Millisecond, "both Sources renewed tok-1")
	a.waitIdle()
	b.waitIdle()
	require.EqualValues(t, 2, f.calls.Load(), "one refresh for both")
}

func TestStoreKeyRules(t *testing.T) {
	require.Equal(t, "v1:moov:cid:%2Fa+%2Fb", StoreKey("moov", "cid", "/b", "/a", "/b", " "))
	require.Equal(t, "v1:moneygo:cid:", StoreKey("moneygo", "cid"))
	require.NotEqual(t, StoreKey("p", "a:b", "c"), StoreKey("p", "a", "b:c"))
	require.NotEqual(t, StoreKey("p", "a", "b c"), StoreKey("p", "a", "b", "c"))
	require.Equal(t, StoreKey("p", "a", "x", "y"), StoreKey("p", "a", "y", "x"))

	// No key at all: the store is not used, and the logger says so.
	var buf bytes.Buffer
	st := new(MemoryStore)
	f := &fetcher{clk: realClock{}, life: time.Hour}
	s := NewSource(f.fetch, WithStore(st, ""), WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
	mustToken(t, s)
	s.waitIdle()
	require.Empty(t, st.toks)
	require.Contains(t, buf.String(), "WithStore was given no key")
}

// A failing or corrupt store never fails a caller who could have a token.
func TestStoreDegradation(t *testing.T) {
	boom := errors.New("store: connection refused")
	for _, tc := range []struct {
		name  string
		store *badStore
		ops   []string
	}{
		{"load fails", &badStore{loadErr: boom}, []string{"load", "load"}},
		{"corrupt entry", &badStore{loadTok: &oauth2.Token{}}, []string{"corrupt", "corrupt"}},
		{"save fails", &badStore{saveErr: boom}, []string{"save"}},
		{"lock fails", &badStore{lockErr: boom}, []string{"lock"}},
		{"load panics", &badStore{panicLoad: true}, []string{"load", "load"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.store.MemoryStore = new(MemoryStore)
			var buf bytes.Buffer
			rec := &events{}
			f := &fetcher{clk: realClock{}, life: time.Hour}
			s := NewSource(f.fetch, WithStore(tc.store, "k"), WithObserver(rec), WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
			tok, err := s.Token()
			require.NoError(t, err)
			require.Equal(t, "tok-1", tok.AccessToken)
			s.waitIdle()
			require.Equal(t, tc.ops, rec.storeErrors())
			require.Contains(t, buf.String(), "level=WARN msg=\"auth: store_error\"")
			require.NotContains(t, buf.String(), "tok-1")
		})
	}
}

// lockedStore is a MemoryStore whose lock on "k" another process took
// for ttl; unlock releases it.
func lockedStore(t *testing.T, ttl time.Duration) (st *MemoryStore, unlock func()) {
	t.Helper()
	st = new(MemoryStore)
	unlock, err := st.Lock(context.Background(), "k", ttl)
	require.NoError(t, err)
	return st, unlock
}

// Another process holds the lock: poll the store for its token.
func TestLockerWaitsForWinner(t *testing.T) {
	ctx := context.Background()
	st, unlock := lockedStore(t, time.Minute) // the other process

	f := &fetcher{clk: realClock{}, life: time.Hour}
	// The winner delivers once the Source waits for it (not after a fixed
	// sleep: a stalled Source would find the token before waiting at all).
	waiting := make(chan struct{})
	var once sync.Once
	rec := &events{hook: func(_ context.Context, ev Event) {
		if ev.Kind == EventLockWait {
			once.Do(func() { close(waiting) })
		}
	}}
	s := NewSource(f.fetch, WithStore(st, "k"), WithObserver(rec))
	s.setLockTiming(5*time.Second, 2*time.Millisecond, 10*time.Millisecond)
	go func() {
		<-waiting
		_ = st.Save(ctx, "k", &oauth2.Token{AccessToken: "winner", Expiry: time.Now().Add(time.Hour)})
		unlock()
	}()
	require.Equal(t, "winner", mustToken(t, s).AccessToken)
	s.waitIdle()
	require.Zero(t, f.calls.Load())
	require.Equal(t, []EventKind{EventLockWait, EventStoreHit}, rec.kinds())
}

func TestLockerWinnerGivesUp(t *testing.T) {
	ctx := context.Background()
	st, unlock := lockedStore(t, time.Minute)
	f := &fetcher{clk: realClock{}, life: time.Hour}
	s := NewSource(f.fetch, WithStore(st, "k"))
	s.setLockTiming(5*time.Second, 2*time.Millisecond, 10*time.Millisecond)
	go func() { time.Sleep(20 * time.Millisecond); unlock() }() // released without a token
	require.Equal(t, "tok-1", mustToken(t, s).AccessToken)
	s.waitIdle()
	require.EqualValues(t, 1, f.calls.Load())
	got, _ := st.Load(ctx, "k")
	require.Equal(t, "tok-1", got.AccessToken)
	_, err := st.Lock(ctx, "k", time.Minute)
	require.NoError(t, err, "the Source released the lock it took")
}

func TestLockerWinnerNeverDelivers(t *testing.T) {
	st, _ := lockedStore(t, time.Hour) // held for good
	f := &fetcher{clk: realClock{}, life: time.Hour}
	s := NewSource(f.fetch, WithStore(st, "k"))
	s.setLockTiming(60*time.Millisecond, 5*time.Millisecond, 10*time.Millisecond)
	start := time.Now()
	require.Equal(t, "tok-1", mustToken(t, s).AccessToken)
	require.GreaterOrEqual(t, time.Since(start), 60*time.Millisecond, "waited the lock's TTL")
	require.Less(t, time.Since(start), 10*time.Second, "the TTL, not the holder's hour, plus room for a loaded machine")
	s.waitIdle()
	require.EqualValues(t, 1, f.calls.Load())
}

// Invalidate: the store's copy of the rejected token is not adopted again.
func TestInvalidateSkipsStoredCopy(t *testing.T) {
	st := new(MemoryStore)
	f := &fetcher{clk: realClock{}, life: time.Hour}
	s := NewSource(f.fetch, WithStore(st, "k"))
	require.Equal(t, "tok-1", mustToken(t, s).AccessToken)
	s.waitIdle()
	s.Invalidate()
	require.Equal(t, "tok-2", mustToken(t, s).AccessToken)
	s.waitIdle()
}

func TestMemoryStoreLock(t *testing.T) {
	ctx := context.Background()
	st := new(MemoryStore)
	u1, err := st.Lock(ctx, "k", time.Millisecond)
	require.NoError(t, err)
	time.Sleep(5 * time.Millisecond)
	_, err = st.Lock(ctx, "k", time.Millisecond)
	require.ErrorIs(t, err, ErrLockHeld, "held until unlock: an in-process holder cannot die without the store")
	_, err = st.Lock(ctx, "other", time.Millisecond)
	require.NoError(t, err)
	u1()
	u2, err := st.Lock(ctx, "k", time.Millisecond)
	require.NoError(t, err)
	u1() // stale unlock: must not release u2's lock
	_, err = st.Lock(ctx, "k", time.Millisecond)
	require.ErrorIs(t, err, ErrLockHeld)
	u2()
	_, err = st.Lock(ctx, "k", time.Millisecond)
	require.NoError(t, err)

	require.NoError(t, st.Save(ctx, "t", &oauth2.Token{AccessToken: "a"}))
	require.NoError(t, st.Save(ctx, "t", nil))
	tok, err := st.Load(ctx, "t")
	require.NoError(t, err)
	require.Nil(t, tok)
}

// The lock is a short lease whatever the fetch timeout: the Locker renews
// it while the fetch runs, so it need not cover the fetch.
func TestLockIsALease(t *testing.T) {
	fetch := func(context.Context) (*oauth2.Token, error) { return nil, errors.New("unused") }
	for _, s := range []*Source{NewSource(fetch), NewSource(fetch, WithFetchTimeout(3*time.Minute)), NewSource(fetch, WithFetchTimeout(time.Second))} {
		require.Equal(t, 5*time.Second, s.lockTTL)
	}
}

// A flight never dies inside the wait: with a holder that keeps the lock
// (alive, renewing, never delivering) and a fetch timeout shorter than the
// lease, the flight stops waiting with half its budget left and fetches
// itself. (It used to wait until its context ended, fail, and leave the
// next flight to wait again.)
func TestLockWaitLeavesFetchBudget(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := new(MemoryStore)
	_, err := st.Lock(ctx, "k", time.Hour) // held for good
	require.NoError(t, err)
	f := &fetcher{clk: realClock{}, life: time.Hour}
	s := NewSource(f.fetch, WithStore(st, "k"), WithFetchTimeout(400*time.Millisecond))
	s.setLockTiming(time.Hour, 5*time.Millisecond, 20*time.Millisecond)
	start := time.Now()
	require.Equal(t, "tok-1", mustToken(t, s).AccessToken)
	waited := time.Since(start)
	require.GreaterOrEqual(t, waited, 200*time.Millisecond, "waited half the fetch budget")
	require.Less(t, waited, 390*time.Millisecond, "and fetched within the budget")
	s.waitIdle()
	require.EqualValues(t, 1, f.calls.Load())
}

// A background refresh waits for another process's fetch until the token it
// replaces expires (its callers are served meanwhile), not just one lease,
// and then fetches itself.
func TestLockWaitBackgroundUntilExpiry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := new(MemoryStore)
	_, err := st.Lock(ctx, "k", time.Hour)
	require.NoError(t, err)
	f := &fetcher{clk: realClock{}, life: time.Hour}
	old := &oauth2.Token{AccessToken: "old", Expiry: time.Now().Add(time.Second)}
	rec := &events{}
	s := NewSource(f.fetch, WithStore(st, "k"), withInitialToken(old), WithObserver(rec),
		WithRefreshWindow(time.Second), WithSafetyMargin(500*time.Millisecond))
	s.setLockTiming(50*time.Millisecond, 5*time.Millisecond, 20*time.Millisecond)
	start := time.Now()
	require.Equal(t, "old", mustToken(t, s).AccessToken, "stale: served, refresh in the background")
	s.waitIdle()
	require.GreaterOrEqual(t, time.Since(start), 450*time.Millisecond, "the refresh waited until the old token's expiry point")
	require.EqualValues(t, 1, f.calls.Load())
	require.Equal(t, "tok-1", mustToken(t, s).AccessToken)
}
