package redisstore_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/auth/redisstore"
	"github.com/paytoken/paytoken/internal/testenv"
)

func TestLockContention(t *testing.T) {
	e := newEnv(t)
	// Several Stores on their own connections, as separate processes
	// would have, racing for one lock.
	var stores []*redisstore.Store
	for range 8 {
		rdb := e.srv.Client(t)
		s, err := redisstore.New(rdb, redisstore.WithEncryptionKey(newKey(t)))
		require.NoError(t, err)
		stores = append(stores, s)
	}
	const goroutines = 200
	for round := range 5 {
		var (
			wg      sync.WaitGroup
			start   = make(chan struct{})
			winners atomic.Int32
			held    atomic.Int32
			unlocks = make(chan func(), goroutines)
		)
		for i := range goroutines {
			wg.Go(func() {
				<-start
				unlock, err := stores[i%len(stores)].Lock(context.Background(), "moov:fleet", 10*time.Second)
				switch {
				case err == nil:
					winners.Add(1)
					unlocks <- unlock
				case errors.Is(err, auth.ErrLockHeld):
					held.Add(1)
				default:
					t.Errorf("Lock: %v", err)
				}
			})
		}
		close(start)
		wg.Wait()
		close(unlocks)
		require.EqualValues(t, 1, winners.Load(), "round %d: exactly one winner", round)
		require.EqualValues(t, goroutines-1, held.Load())
		for u := range unlocks {
			u()
		}
		n, err := e.rdb.Exists(context.Background(), stores[0].LockKey("moov:fleet")).Result()
		require.NoError(t, err)
		require.Zero(t, n, "unlock released the lock")
	}
}

// A holder that loses its lock (Redis lost it in a failover, or it lapsed
// while Redis was unreachable) and whose place another process took: its
// renewal must not extend the other's lock, and its late unlock must not
// drop it.
func TestUnlockLeavesAnotherHoldersLock(t *testing.T) {
	e, a, b := twoStores(t)
	ctx := context.Background()

	unlockA, err := a.Lock(ctx, "k", 90*time.Millisecond)
	require.NoError(t, err)
	pttl, err := e.rdb.PTTL(ctx, a.LockKey("k")).Result()
	require.NoError(t, err)
	assert.InDelta(t, 90, pttl.Milliseconds(), 20, "lease in ms (PX)")

	_, err = b.Lock(ctx, "k", time.Minute)
	require.ErrorIs(t, err, auth.ErrLockHeld)

	// Redis forgets A's lock; B takes it with a long lease.
	require.NoError(t, e.rdb.Del(ctx, a.LockKey("k")).Err())
	unlockB, err := b.Lock(ctx, "k", time.Minute)
	require.NoError(t, err)
	bValue, err := e.rdb.Get(ctx, a.LockKey("k")).Result()
	require.NoError(t, err)

	time.Sleep(150 * time.Millisecond) // A's renewal ran (every 30ms) and found the lock not its own
	pttl, err = e.rdb.PTTL(ctx, a.LockKey("k")).Result()
	require.NoError(t, err)
	assert.Greater(t, pttl, 50*time.Second, "A's renewal left B's lease alone")

	// A finishes late and unlocks: B's lock must survive.
	unlockA()
	unlockA()
	got, err := e.rdb.Get(ctx, a.LockKey("k")).Result()
	require.NoError(t, err)
	assert.Equal(t, bValue, got, "A's late unlock left B's lock alone")
	_, err = a.Lock(ctx, "k", time.Minute)
	require.ErrorIs(t, err, auth.ErrLockHeld)

	unlockB()
	n, err := e.rdb.Exists(ctx, a.LockKey("k")).Result()
	require.NoError(t, err)
	assert.Zero(t, n)
	unlockB() // idempotent, and harmless when the key is gone

	// A new lock after B's is unaffected by B's repeated unlock.
	unlockA2, err := a.Lock(ctx, "k", time.Minute)
	require.NoError(t, err)
	unlockB()
	_, err = b.Lock(ctx, "k", time.Minute)
	require.ErrorIs(t, err, auth.ErrLockHeld)
	unlockA2()
}

// The holder renews its lease while it holds the lock: a fetch may outlast
// many leases without another process taking over.
//
// Long: a 2 s lease renewed every 667 ms leaves a renewal 1.3 s of room on
// a loaded machine (a 300 ms lease left 200 ms, and lapsed under load).
func TestLeaseRenewedWhileHeld(t *testing.T) {
	testenv.Long(t)
	e, a, b := twoStores(t)
	ctx := context.Background()
	const lease = 2 * time.Second
	unlock, err := a.Lock(ctx, "k", lease)
	require.NoError(t, err)
	for range 3 { // 3 × 1 s = 1.5 leases
		time.Sleep(lease / 2)
		_, err := b.Lock(ctx, "k", time.Minute)
		require.ErrorIs(t, err, auth.ErrLockHeld, "renewed lease still held")
		pttl, err := e.rdb.PTTL(ctx, a.LockKey("k")).Result()
		require.NoError(t, err)
		require.LessOrEqual(t, pttl, lease, "renewed to one lease, no more")
	}
	unlock()
	n, err := e.rdb.Exists(ctx, a.LockKey("k")).Result()
	require.NoError(t, err)
	assert.Zero(t, n, "released at unlock")
}

// A holder that stops renewing (here: its context ended, as when its fetch
// ran out of time; in the crash test: the process died) leaves a lock that
// lapses within one lease, without unlock.
func TestLeaseLapsesWhenRenewalStops(t *testing.T) {
	_, a, b := twoStores(t)
	ctx, cancel := context.WithCancel(context.Background())
	unlock, err := a.Lock(ctx, "k", 150*time.Millisecond)
	require.NoError(t, err)
	defer unlock()
	time.Sleep(200 * time.Millisecond) // renewed at least once
	cancel()
	stopped := time.Now()
	var unlockB func()
	require.Eventually(t, func() bool {
		unlockB, err = b.Lock(context.Background(), "k", time.Minute)
		return err == nil
	}, 10*time.Second, 5*time.Millisecond)
	defer unlockB()
	assert.Less(t, time.Since(stopped), 150*time.Millisecond+2*time.Second, "lapsed within one lease (plus room for polling on a loaded machine)")
}

// Renewal survives a Redis that is briefly unreachable: a renewal that
// fails is tried again at the next third of the lease. Long: the lease is
// 3 s, so that a loaded machine's scheduling delays (the renewal after the
// pause has a whole second before the first lease ends) cannot decide it.
func TestLeaseRenewalRetriesAfterFailure(t *testing.T) {
	testenv.Long(t)
	const lease = 3 * time.Second
	e := newEnv(t)
	ctx := context.Background()
	a := e.store(t, redisstore.Plaintext(), redisstore.WithTimeout(200*time.Millisecond))
	unlock, err := a.Lock(ctx, "k", lease)
	require.NoError(t, err)
	locked := time.Now()
	defer unlock()
	e.srv.Pause() // the renewal at lease/3 (1 s) times out
	time.Sleep(lease / 2)
	e.srv.Resume()
	// Past the first lease: only a renewal after the pause (at 2 s) keeps it.
	time.Sleep(time.Until(locked.Add(lease + 500*time.Millisecond)))
	v, err := e.rdb.Exists(ctx, a.LockKey("k")).Result()
	require.NoError(t, err)
	assert.EqualValues(t, 1, v, "the lease was renewed once Redis answered again")
}

func TestLockAndTokenKeysAreSeparate(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s := e.store(t, redisstore.WithEncryptionKey(newKey(t)))
	tok := saveToken(t, s, "k", time.Hour)
	unlock, err := s.Lock(ctx, "k", time.Minute)
	require.NoError(t, err)
	requireLoads(t, s, "k", tok)
	unlock()
	requireLoads(t, s, "k", tok)
}

func TestUnlockAfterContextCancelled(t *testing.T) {
	e := newEnv(t)
	s := e.store(t, redisstore.Plaintext())
	ctx, cancel := context.WithCancel(context.Background())
	unlock, err := s.Lock(ctx, "k", time.Minute)
	require.NoError(t, err)
	cancel()
	unlock()
	n, err := e.rdb.Exists(context.Background(), s.LockKey("k")).Result()
	require.NoError(t, err)
	assert.Zero(t, n, "unlock works after the caller's context is gone")
}

// twoStores are two Stores on one Redis, as two processes have.
func twoStores(t *testing.T) (e *env, a, b *redisstore.Store) {
	e = newEnv(t)
	return e, e.store(t, redisstore.Plaintext()), e.store(t, redisstore.Plaintext())
}
