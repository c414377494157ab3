//go:build unix

package redisstore_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"syscall"
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

// The fleet tests: real redis-server topologies, real worker processes
// (fleet_test.go), first with nothing failing, then with one thing killed
// mid-flight. Each failure test logs a line starting with "FIGURES"
// (upstream requests, caller errors, times) that docs/fleets.md's failure
// table reports.

// TestFleetRefresh: 8 processes × 100 goroutines share one token. Startup
// costs one upstream request, and when the token reaches its refresh point
// exactly one more request is made across the whole fleet; every caller
// gets a valid token throughout.
func TestFleetRefresh(t *testing.T) {
	testenv.Long(t) // 8 processes for several seconds
	srv, ts, cfg := fleetOnRedis(t, 6*time.Second, "client-1")
	cfg.Scopes, cfg.Goroutines, cfg.Duration = []string{"/accounts.read"}, 100, 5*time.Second
	// stale at expiry−3s (≈ t0+3s), not served from expiry−1s
	cfg.Window, cfg.Margin, cfg.StoreTimeout = 3*time.Second, time.Second, 300*time.Millisecond
	f := startFleet(t, 8, cfg)
	t0 := f.begin(t)
	f.wait(t)
	t.Logf("token requests: %s", ts.timeline(t0))

	assert.Equal(t, 1, ts.requests(time.Time{}, t0.Add(2*time.Second)), "start-up: one request for the whole fleet")
	assert.Equal(t, 1, ts.requests(t0.Add(2*time.Second), time.Now()), "refresh point: exactly one request across the fleet")
	var calls int64
	for i, r := range f.reports {
		calls += r.Calls
		assert.Zero(t, r.Errors, "worker %d: %s", i, r.FirstError)
		assert.Zero(t, r.ExpiredServed, "worker %d", i)
		require.Len(t, r.Tokens, 2, "worker %d: the first token, then the refreshed one", i)
		assert.True(t, strings.HasPrefix(r.Tokens[0], "tok-1-") && strings.HasPrefix(r.Tokens[1], "tok-2-"), "worker %d: %v", i, r.Tokens)
		assert.Equal(t, f.reports[0].Tokens, r.Tokens, "worker %d serves the fleet's tokens", i)
		assert.Positive(t, r.Events["refresh_start"], "worker %d refreshed in the background", i)
		t.Logf("worker %d: %d calls, events %v", i, r.Calls, r.Events)
	}
	t.Logf("%d Token calls across the fleet, 2 upstream requests", calls)

	// The fleet shared the provider's default key (provider, client id,
	// scopes), under the Store's prefix.
	rdb := srv.Client(t)
	keys, err := rdb.Keys(context.Background(), "*").Result()
	require.NoError(t, err)
	assert.Equal(t, []string{"paytoken:{" + auth.StoreKey("moov", "client-1", "/accounts.read") + "}"}, keys)
}

// TestFleetRedisOutage: Redis dies before the refresh point. Every process
// then fetches for itself (its store calls fail within the Store's
// timeout), callers keep getting valid tokens, and once a new Redis is up
// the fleet is back to one request per refresh.
func TestFleetRedisOutage(t *testing.T) {
	testenv.Long(t) // 8 processes for several seconds
	srv, ts, cfg := fleetOnRedis(t, 8*time.Second, "client-2")
	cfg.Goroutines, cfg.Duration = 100, 13500*time.Millisecond
	// token 1: stale ≈ t0+4s, renewed in the window's first half (auth
	// jitters renewals there), t0+4s … t0+6s, plus 0.6 s of failing store
	// calls: all inside the outage; tokens fetched then (≤ t0+6.7s): stale
	// from ≈ t0+8.6s, renewed by ≈ t0+12.7s, with Redis back; tokens
	// issued then live a minute, so the first renewal's token serves every
	// later one
	cfg.Window, cfg.Margin, cfg.StoreTimeout = 4*time.Second, time.Second, 300*time.Millisecond
	f := startFleet(t, 8, cfg)
	t0 := f.begin(t)
	time.Sleep(time.Until(t0.Add(1500 * time.Millisecond)))
	srv.Kill()
	time.Sleep(time.Until(t0.Add(7500 * time.Millisecond)))
	ts.setLifetime(time.Minute)
	srv.Restart() // empty, same port
	f.wait(t)
	t.Logf("token requests: %s", ts.timeline(t0))

	assert.Equal(t, 1, ts.requests(time.Time{}, t0.Add(1500*time.Millisecond)), "start-up, Redis up: one request")
	assert.Equal(t, 8, ts.requests(t0.Add(1500*time.Millisecond), t0.Add(7500*time.Millisecond)), "Redis down: each process fetches for itself")
	assert.Equal(t, 1, ts.requests(t0.Add(7500*time.Millisecond), time.Now()), "Redis back: one request across the fleet again")
	for i, r := range f.reports {
		assert.Zero(t, r.Errors, "worker %d: %s", i, r.FirstError)
		assert.Zero(t, r.ExpiredServed, "worker %d", i)
		assert.Len(t, r.Tokens, 3, "worker %d: shared, own (outage), shared: %v", i, r.Tokens)
		assert.Positive(t, r.Events["store_error"], "worker %d reported the outage", i)
		t.Logf("worker %d: %d calls, events %v", i, r.Calls, r.Events)
	}
	last := f.reports[0].Tokens[len(f.reports[0].Tokens)-1]
	for i, r := range f.reports {
		assert.Equal(t, last, r.Tokens[len(r.Tokens)-1], "worker %d ends on the fleet's shared token", i)
	}
}

// TestFleetHolderCrashesMidFetch: a process takes the fetch lock and its
// fetch hangs; right after renewing its lease (the longest the lock can
// outlive it) it is killed with SIGKILL, or hangs itself (SIGSTOP: alive,
// connections open, nothing running). A freshly started process gets its
// first token within one lease plus one fetch.
func TestFleetHolderCrashesMidFetch(t *testing.T) {
	testenv.Long(t)
	for name, sig := range map[string]syscall.Signal{"SIGKILL": syscall.SIGKILL, "SIGSTOP": syscall.SIGSTOP} {
		t.Run(name, func(t *testing.T) { testHolderCrash(t, name, sig) })
	}
}

func testHolderCrash(t *testing.T, name string, sig syscall.Signal) {
	srv, ts, cfg := fleetOnRedis(t, time.Hour, "client-crash")
	ts.delayFor = func(n int) time.Duration {
		if n == 1 {
			return -1 // the holder's fetch hangs until it dies
		}
		return 50 * time.Millisecond
	}
	cfg.Goroutines, cfg.Duration = 1, time.Minute
	cfg.Window, cfg.Margin, cfg.CallTimeout = time.Minute, 10*time.Second, time.Minute
	holder := startFleet(t, 1, cfg)
	holder.begin(t)

	rdb := srv.Client(t)
	probe, err := redisstore.New(rdb, redisstore.Plaintext())
	require.NoError(t, err)
	lk := probe.LockKey(auth.StoreKey("moov", "client-crash"))
	ctx := context.Background()
	require.Eventually(t, func() bool {
		return ts.requests(time.Time{}, time.Now()) == 1 && rdb.Exists(ctx, lk).Val() == 1
	}, 15*time.Second, 10*time.Millisecond, "the holder took the lock and its fetch hangs")
	// Kill right after a renewal: the lock then has nearly a whole lease left.
	var left time.Duration
	require.Eventually(t, func() bool {
		left = rdb.PTTL(ctx, lk).Val()
		return left > 4700*time.Millisecond
	}, 10*time.Second, 5*time.Millisecond, "the holder renews its 5s lease")
	require.NoError(t, holder.cmds[0].Process.Signal(sig))
	if sig == syscall.SIGKILL {
		_ = holder.cmds[0].Wait()
	} // a stopped holder is killed when the test ends
	killed := time.Now()

	fresh := cfg
	fresh.Goroutines, fresh.CallTimeout = 20, 10*time.Second
	fresh.Duration = 8 * time.Second
	f := startFleet(t, 1, fresh)
	f.begin(t)
	f.wait(t)
	r := f.reports[0]
	t.Logf("token requests: %s", ts.timeline(killed))

	require.False(t, r.FirstToken.IsZero(), "the fresh process got a token: %s", r.FirstError)
	first := r.FirstToken.Sub(r.FirstCall)
	upstream := ts.requests(time.Time{}, time.Now())
	t.Logf("FIGURES scenario=holder-%s-plain upstream=%d caller_errors=%d lock_left_at_kill=%s first_token=%s (from the fresh process's first call) kill_to_first_token=%s",
		name, upstream, r.Errors, left.Round(time.Millisecond), first.Round(time.Millisecond), r.FirstToken.Sub(killed).Round(time.Millisecond))
	assert.LessOrEqual(t, first, 6*time.Second, "first token within one lease (5s) + one fetch")
	assert.Zero(t, r.Errors, "callers with 10s deadlines: %s", r.FirstError)
	assert.Equal(t, 2, upstream, "the hung fetch and the fresh process's own")
}

// failover is one Redis topology whose master of the token's slot the test
// kills.
type failover struct {
	cfg      func(*fleetConfig)        // points the workers at the topology
	client   redis.UniversalClient     // the probe's client, go-redis defaults
	kill     func()                    // kills the master of the token's slot
	promoted func() (time.Time, error) // waits for its replica's promotion
}

func sentinelFailover(t *testing.T) *failover {
	st := redistest.StartSentinel(t)
	return &failover{
		cfg: func(c *fleetConfig) { c.Sentinel = st.Sentinel.Addr },
		client: redis.NewFailoverClient(&redis.FailoverOptions{
			MasterName: redistest.SentinelMaster, SentinelAddrs: []string{st.Sentinel.Addr},
		}),
		kill:     st.Master.Kill,
		promoted: func() (time.Time, error) { return st.WaitPromoted(30 * time.Second) },
	}
}

func clusterFailover(t *testing.T, redisKey string) *failover {
	c := redistest.StartCluster(t, 3, 1)
	m, err := c.MasterOf(redisKey)
	require.NoError(t, err)
	return &failover{
		cfg:    func(cfg *fleetConfig) { cfg.Cluster = c.Addrs() },
		client: redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs()}),
		kill:   m.Kill,
		promoted: func() (time.Time, error) {
			deadline := time.Now().Add(30 * time.Second)
			for time.Now().Before(deadline) {
				if n, err := c.MasterOf(redisKey); err == nil && n != m {
					return time.Now(), nil
				}
				time.Sleep(20 * time.Millisecond)
			}
			return time.Time{}, fmt.Errorf("no replica took over %s's slots within 30s", m.Addr)
		},
	}
}

// TestFleetFailover: 4 processes × 20 goroutines (10 s deadlines) share a
// token through Sentinel or Cluster; the master holding the token's slot is
// killed while a fetch holds the lock, at start-up (mid-fetch) or at the
// refresh point (mid-refresh).
func TestFleetFailover(t *testing.T) {
	testenv.Long(t)
	for _, topo := range []string{"sentinel", "cluster"} {
		for _, phase := range []string{"fetch", "refresh"} {
			t.Run(topo+"/"+phase, func(t *testing.T) { testFailover(t, topo, phase) })
		}
	}
}

func testFailover(t *testing.T, topo, phase string) {
	clientID := "client-" + topo + "-" + phase
	key := auth.StoreKey("moov", clientID)
	unused := clientOf(t, "127.0.0.1:1")                            // never dialled
	keyStore, err := redisstore.New(unused, redisstore.Plaintext()) // for its key layout only
	require.NoError(t, err)
	redisKey := keyStore.RedisKey(key)
	var fo *failover
	if topo == "sentinel" {
		fo = sentinelFailover(t)
	} else {
		fo = clusterFailover(t, redisKey)
	}
	t.Cleanup(func() { _ = fo.client.Close() })

	// Each fetch takes 2 s, so the kill lands inside one.
	const fetch = 2 * time.Second
	cfg := fleetConfig{
		Key: newKey(t), ClientID: clientID, Goroutines: 20, CallTimeout: 10 * time.Second,
		Margin: time.Second,
	}
	fo.cfg(&cfg)
	var killAfter int // the kill lands 1 s into the fetch of this request
	var ts *tokenServer
	switch phase {
	case "fetch": // the start-up fetch (t0 … t0+2s); tokens live an hour
		ts = newTokenServer(t, time.Hour, fetch)
		ts.delayFor = func(n int) time.Duration {
			if n == 1 {
				return fetch
			}
			return 50 * time.Millisecond
		}
		cfg.Window, cfg.Duration = time.Minute, 12*time.Second
		killAfter = 1
	case "refresh": // 12 s tokens, stale 5 s before expiry: the refresh starts in t0+7s … t0+9.5s (jittered) and takes 2 s
		ts = newTokenServer(t, 12*time.Second, fetch)
		ts.delayFor = func(n int) time.Duration {
			if n == 1 {
				return 50 * time.Millisecond
			}
			return fetch
		}
		cfg.Window, cfg.Duration = 5*time.Second, 23*time.Second
		killAfter = 2
	}
	cfg.TokenURL = ts.URL

	// The probe: a Store on a client of the topology, loading the token's
	// key every 50 ms, recording when it succeeds.
	probe, err := redisstore.New(fo.client, redisstore.WithEncryptionKey(cfg.Key))
	require.NoError(t, err)
	var (
		mu  sync.Mutex
		oks []time.Time
	)
	stop := make(chan struct{})
	probeDone := make(chan struct{})
	go func() {
		defer close(probeDone)
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			if _, err := probe.Load(context.Background(), key); err == nil {
				mu.Lock()
				oks = append(oks, time.Now())
				mu.Unlock()
			}
		}
	}()

	f := startFleet(t, 4, cfg)
	t0 := f.begin(t)
	arrived := ts.waitRequests(t, killAfter, 30*time.Second)
	time.Sleep(time.Until(arrived.Add(time.Second)))
	fo.kill()
	killed := time.Now()
	promoted, err := fo.promoted()
	require.NoError(t, err)
	f.wait(t)
	t.Logf("token requests: %s", ts.timeline(t0))

	// The first successful store operation after the kill: the probe
	// runs on after the workers, up to 10 s past the promotion.
	firstOKAfter := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		for _, at := range oks {
			if at.After(killed) {
				return at
			}
		}
		return time.Time{}
	}
	for firstOKAfter().IsZero() && time.Now().Before(promoted.Add(10*time.Second)) {
		time.Sleep(50 * time.Millisecond)
	}
	close(stop)
	<-probeDone
	firstOK := firstOKAfter()
	require.False(t, firstOK.IsZero(), "no store operation succeeded within 10 s of the promotion")
	recovery := max(firstOK.Sub(promoted), 0)

	var errs, expired int64
	for i, r := range f.reports {
		errs += r.Errors
		expired += r.ExpiredServed
		assert.Zero(t, r.Errors, "worker %d: %s", i, r.FirstError)
		t.Logf("worker %d: %d calls, events %v", i, r.Calls, r.Events)
	}
	upstream := ts.requests(time.Time{}, time.Now())
	t.Logf("FIGURES scenario=%s-%s upstream=%d caller_errors=%d expired_served=%d promotion_after_kill=%s store_ok_after_promotion=%s store_outage=%s",
		topo, phase, upstream, errs, expired, promoted.Sub(killed).Round(time.Millisecond),
		recovery.Round(time.Millisecond), firstOK.Sub(killed).Round(time.Millisecond))
	assert.Zero(t, expired)
	assert.LessOrEqual(t, recovery, 10*time.Second, "time without a successful store operation after the promotion")
	switch phase {
	case "fetch":
		// The holder's fetch, and at most one own fetch per other process
		// while the store is down.
		assert.LessOrEqual(t, upstream, 1+len(f.reports)-1)
	case "refresh":
		// After the failover the fleet shares again: the next refresh
		// (tokens fetched ≈ t0+9s … t0+12s turn stale 7 s later) costs
		// one request.
		// (A Sentinel slowed down by a loaded machine may abort its first
		// failover attempt and promote only after failover-timeout; then
		// the run ends before the fleet is back to sharing.)
		if promoted.Sub(killed) < 4*time.Second {
			assert.Equal(t, 1, ts.requests(killed.Add(4*time.Second), time.Now()), "one request at the refresh after recovery")
		} else {
			t.Logf("promotion took %s, so the run ends before the next shared refresh: not checked", promoted.Sub(killed).Round(time.Millisecond))
		}
	}
}

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
		followFailover(t, rdb, st.Replica.Addr, false, func() {
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
		followFailover(t, rdb, replica.Addr, true, func() {
			rc := redis.NewClient(&redis.Options{Addr: replica.Addr})
			defer rc.Close()
			// Redis aborts a manual failover whose replica has not caught up
			// with its master within 5 s (CLUSTER_MF_TIMEOUT), which a loaded
			// machine can make happen; then the replica is asked again. The
			// Store is what is under test here, not Redis's failover.
			require.NoError(t, rc.ClusterFailover(context.Background()).Err())
			asked := time.Now()
			require.Eventually(t, func() bool {
				n, err := c.MasterOf(s.RedisKey("k"))
				if err == nil && n == replica {
					return true
				}
				if time.Since(asked) > 6*time.Second {
					t.Logf("the manual failover did not happen in %s: asked again", time.Since(asked).Round(time.Millisecond))
					_ = rc.ClusterFailover(context.Background()).Err()
					asked = time.Now()
				}
				return false
			}, 30*time.Second, 20*time.Millisecond, "the replica promoted")
		})
	})
}

// followFailover holds a lock across failover, which promotes the replica
// at replicaAddr (a Cluster node when cluster).
func followFailover(t *testing.T, rdb redis.UniversalClient, replicaAddr string, cluster bool, failover func()) {
	ctx := context.Background()
	s, err := redisstore.New(rdb, redisstore.Plaintext())
	require.NoError(t, err)
	tok := saveToken(t, s, "k", time.Hour)
	// A lease longer than the failover (under a second here), renewed
	// every second: it survives if the renewals reach the new master.
	unlock, err := s.Lock(ctx, "k", 3*time.Second)
	require.NoError(t, err)
	defer unlock()
	// The lock must be on the replica before it is promoted (replication is
	// asynchronous: a failover before it arrives loses it, rightly). Waited
	// for, not slept for: a loaded machine replicates late.
	rc := redis.NewClient(&redis.Options{Addr: replicaAddr, OnConnect: func(ctx context.Context, cn *redis.Conn) error {
		if cluster {
			return cn.ReadOnly(ctx).Err() // a Cluster replica serves reads only when asked
		}
		return nil
	}})
	defer rc.Close()
	require.Eventually(t, func() bool {
		n, err := rc.Exists(ctx, s.LockKey("k"), s.RedisKey("k")).Result()
		return err == nil && n == 2
	}, 10*time.Second, 10*time.Millisecond, "the token and the lock replicated")

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
