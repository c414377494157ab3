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
			wg.Add(1)
			go func() {
				defer wg.Done()
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
			}()
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

func TestUnlockLeavesAnotherHoldersLock(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.store(t, redisstore.Plaintext())
	b := e.store(t, redisstore.Plaintext())

	unlockA, err := a.Lock(ctx, "k", 100*time.Millisecond)
	require.NoError(t, err)
	pttl, err := e.rdb.PTTL(ctx, a.LockKey("k")).Result()
	require.NoError(t, err)
	assert.InDelta(t, 100, pttl.Milliseconds(), 20, "lock TTL in ms (PX)")

	_, err = b.Lock(ctx, "k", time.Minute)
	require.ErrorIs(t, err, auth.ErrLockHeld)

	// A's lock expires while A still works; B takes it.
	var unlockB func()
	require.Eventually(t, func() bool {
		unlockB, err = b.Lock(ctx, "k", time.Minute)
		return err == nil
	}, 2*time.Second, 10*time.Millisecond)
	bValue, err := e.rdb.Get(ctx, a.LockKey("k")).Result()
	require.NoError(t, err)

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

func TestLockAndTokenKeysAreSeparate(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s := e.store(t, redisstore.WithEncryptionKey(newKey(t)))
	tok := moovToken(t, time.Hour)
	require.NoError(t, s.Save(ctx, "k", tok))
	unlock, err := s.Lock(ctx, "k", time.Minute)
	require.NoError(t, err)
	got, err := s.Load(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, tok.AccessToken, got.AccessToken)
	unlock()
	got, err = s.Load(ctx, "k")
	require.NoError(t, err)
	assert.Equal(t, tok.AccessToken, got.AccessToken)
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
