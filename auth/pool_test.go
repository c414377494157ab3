package auth

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// Concurrent misses for one key make one Source and one Store load; the
// Pool's Sources are kept until evicted.
func TestPoolOneLoadPerKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := &loadCounter{}
	for _, u := range []string{"u1", "u2", "u3"} {
		require.NoError(t, store.Save(ctx, "user:"+u, &oauth2.Token{AccessToken: "tok-" + u, Expiry: time.Now().Add(time.Hour)}))
	}
	var made atomic.Int32
	pool := &Pool{Size: 10, New: func(key string) *Source {
		made.Add(1)
		return NewSource(func(context.Context) (*oauth2.Token, error) {
			return nil, fmt.Errorf("no fetch for %s", key)
		}, WithStore(store, "user:"+key))
	}}
	goEach(300, func(i int) {
		u := []string{"u1", "u2", "u3"}[i%3]
		tok, err := pool.Token(ctx, u)
		if err != nil || tok.AccessToken != "tok-"+u {
			t.Errorf("%s: %v, %v", u, tok, err)
		}
	})()
	require.EqualValues(t, 3, made.Load(), "one Source per key")
	require.Equal(t, map[string]int{"user:u1": 1, "user:u2": 1, "user:u3": 1}, store.loads, "one Store load per key")
	require.Equal(t, 3, pool.Len())
	require.Same(t, pool.Source("u1"), pool.Source("u1"))
}

// The least recently used Source goes when the Pool is full; Remove drops
// one; a dropped key gets a new Source on its next miss.
func TestPoolEviction(t *testing.T) {
	t.Parallel()
	made := map[string]int{}
	pool := &Pool{Size: 2, New: func(key string) *Source {
		made[key]++
		return NewSource(func(context.Context) (*oauth2.Token, error) { return nil, nil })
	}}
	a := pool.Source("a")
	pool.Source("b")
	require.Same(t, a, pool.Source("a")) // a is now the most recent
	pool.Source("c")                     // evicts b
	require.Equal(t, 2, pool.Len())
	require.Same(t, a, pool.Source("a"))
	pool.Source("b") // a miss again: evicts c
	require.Equal(t, map[string]int{"a": 1, "b": 2, "c": 1}, made)
	pool.Remove("a")
	pool.Remove("nobody")
	require.Equal(t, 1, pool.Len())
	require.NotSame(t, a, pool.Source("a"))
	require.Equal(t, 2, made["a"])
}

// A large Pool is split over locks, and still never holds more than its
// size.
func TestPoolBoundSharded(t *testing.T) {
	t.Parallel()
	fetch := func(context.Context) (*oauth2.Token, error) { return nil, nil }
	pool := &Pool{Size: 5000, New: func(string) *Source { return NewSource(fetch) }}
	for i := range 20_000 {
		pool.Source(fmt.Sprint("user-", i))
	}
	require.Len(t, pool.shards, poolShards)
	require.LessOrEqual(t, pool.Len(), 5000)
	require.GreaterOrEqual(t, pool.Len(), 5000-poolShards)
	def := &Pool{}
	require.Zero(t, def.Len())
	require.Len(t, def.shards, poolShards)
	require.Equal(t, defaultPoolSize/poolShards, def.shards[0].max, "Size 0: 10,000")
	_, err := def.Token(context.Background(), "k")
	require.ErrorIs(t, err, errPoolNoNew)
	small := &Pool{Size: 1}
	small.Len()
	require.Len(t, small.shards, 1)
}

// New returning nil or panicking: the caller gets an error (or the
// panic), waiters are not stuck, and the key is not kept.
func TestPoolBadNewSource(t *testing.T) {
	t.Parallel()
	calls := 0
	pool := &Pool{Size: 10, New: func(key string) *Source {
		calls++
		switch key {
		case "nil":
			return nil
		case "panic":
			if calls < 3 {
				panic("boom")
			}
		}
		return NewSource(func(context.Context) (*oauth2.Token, error) {
			return &oauth2.Token{AccessToken: key}, nil
		})
	}}
	_, err := pool.Token(context.Background(), "nil")
	require.ErrorIs(t, err, errPoolNilSource)
	require.Zero(t, pool.Len())
	require.PanicsWithValue(t, "boom", func() { pool.Source("panic") })
	require.Zero(t, pool.Len())
	tok, err := pool.Token(context.Background(), "panic")
	require.NoError(t, err)
	require.Equal(t, "panic", tok.AccessToken)
	require.Equal(t, 1, pool.Len())
}
