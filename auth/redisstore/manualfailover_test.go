//go:build unix

package redisstore_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/paytoken/paytoken/auth"
	"github.com/paytoken/paytoken/auth/redisstore"
	"github.com/paytoken/paytoken/internal/redistest"
	"github.com/paytoken/paytoken/internal/testenv"
)

// TestStoreFollowsManualFailover: an orderly failover (SENTINEL FAILOVER,
// CLUSTER FAILOVER) demotes a master that stays up and answers READONLY or
// MOVED. The Store follows it by itself: a lock held across the failover
// keeps being renewed on the new master and is released there, and tokens
// saved before are read back.
func TestStoreFollowsManualFailover(t *testing.T) {
	testenv.Long(t)
	t.Run("sentinel", func(t *testing.T) {
		st := redistest.StartSentinel(t)
		rdb := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: redistest.SentinelMaster, SentinelAddrs: []string{st.Sentinel.Addr}})
		t.Cleanup(func() { _ = rdb.Close() })
		followFailover(t, rdb, func() {
			sc := redis.NewSentinelClient(&redis.Options{Addr: st.Sentinel.Addr})
			defer sc.Close()
			require.NoError(t, sc.Failover(context.Background(), redistest.SentinelMaster).Err())
			_, err := st.WaitPromoted(30 * time.Second)
			require.NoError(t, err)
		})
	})
	t.Run("cluster", func(t *testing.T) {
		c := redistest.StartCluster(t, 3, 1)
		rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs()})
		t.Cleanup(func() { _ = rdb.Close() })
		followFailover(t, rdb, func() {
			s, err := redisstore.New(rdb, redisstore.Plaintext())
			require.NoError(t, err)
			m, err := c.MasterOf(s.RedisKey("k"))
			require.NoError(t, err)
			// The replica of m's slots asks for the failover.
			var replica *redistest.Server
			for _, n := range c.Nodes {
				rc := redis.NewClient(&redis.Options{Addr: n.Addr})
				info, err := rc.Info(context.Background(), "replication").Result()
				_ = rc.Close()
				if err == nil && n != m && containsAll(info, "role:slave", "master_port:"+portOf(m.Addr)) {
					replica = n
				}
			}
			require.NotNil(t, replica, "a replica of %s", m.Addr)
			rc := redis.NewClient(&redis.Options{Addr: replica.Addr})
			defer rc.Close()
			require.NoError(t, rc.ClusterFailover(context.Background()).Err())
			require.Eventually(t, func() bool {
				n, err := c.MasterOf(s.RedisKey("k"))
				return err == nil && n == replica
			}, 30*time.Second, 20*time.Millisecond)
		})
	})
}

func followFailover(t *testing.T, rdb redis.UniversalClient, failover func()) {
	ctx := context.Background()
	s, err := redisstore.New(rdb, redisstore.Plaintext())
	require.NoError(t, err)
	tok := moovToken(t, time.Hour)
	require.NoError(t, s.Save(ctx, "k", tok))
	// A lease longer than the failover (under a second here), renewed
	// every second: it survives if the renewals reach the new master.
	unlock, err := s.Lock(ctx, "k", 3*time.Second)
	require.NoError(t, err)
	defer unlock()
	time.Sleep(300 * time.Millisecond) // let the lock replicate

	start := time.Now()
	failover()
	var got = tok
	require.Eventually(t, func() bool {
		got, err = s.Load(ctx, "k")
		return err == nil && got != nil
	}, 10*time.Second, 20*time.Millisecond, "Load after the failover: %v", err)
	assert.Equal(t, tok.AccessToken, got.AccessToken)
	require.Eventually(t, func() bool { return s.Save(ctx, "k", tok) == nil }, 10*time.Second, 20*time.Millisecond, "Save after the failover")
	t.Logf("store working %s after the failover began", time.Since(start).Round(time.Millisecond))

	// The lock outlived the failover: still held (renewed on the new
	// master), then released there.
	time.Sleep(3 * time.Second) // a whole lease: only renewals on the new master keep it
	_, err = s.Lock(ctx, "k", time.Second)
	require.ErrorIs(t, err, auth.ErrLockHeld, "the lease was renewed on the new master")
	unlock()
	unlock2, err := s.Lock(ctx, "k", time.Second)
	require.NoError(t, err, "released on the new master")
	unlock2()
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

func portOf(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}
