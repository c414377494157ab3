package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// SentinelMaster is the master name a Sentinel from StartSentinel monitors.
const SentinelMaster = "paytoken"

// Sentinel is a Redis Sentinel setup on loopback: one master, one replica
// and one sentinel (quorum 1) that declares the master down after
// DownAfter and promotes the replica.
type Sentinel struct {
	Master, Replica *Server
	// Sentinel is the sentinel process (redis-server --sentinel).
	Sentinel *Server
	// DownAfter is the sentinel's down-after-milliseconds.
	DownAfter time.Duration
}

// StartSentinel starts a master, a replica of it, and a sentinel watching
// them, and waits until the sentinel knows the replica (so it can fail
// over). Everything is killed when the test ends.
func StartSentinel(tb testing.TB) *Sentinel {
	tb.Helper()
	st := &Sentinel{DownAfter: time.Second}
	st.Master = Start(tb)
	st.Replica = StartArgs(tb, append(replicaArgs(tb), "--replicaof", "127.0.0.1", strconv.Itoa(st.Master.Port))...)
	dir := tb.TempDir()
	st.Sentinel = start(tb, func(port int) []string {
		conf := filepath.Join(dir, fmt.Sprintf("sentinel-%d.conf", port))
		body := fmt.Sprintf("port %d\nbind 127.0.0.1\ndaemonize no\nloglevel warning\ndir %s\n"+
			"sentinel monitor %s 127.0.0.1 %d 1\n"+
			"sentinel down-after-milliseconds %s %d\n"+
			"sentinel failover-timeout %s 3000\n"+
			"sentinel parallel-syncs %s 1\n",
			port, dir, SentinelMaster, st.Master.Port, SentinelMaster, st.DownAfter.Milliseconds(),
			SentinelMaster, SentinelMaster)
		if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
			tb.Fatalf("redistest: writing %s: %v", conf, err)
		}
		return []string{conf, "--sentinel"}
	})

	// Wait for the replica to be in sync and known to the sentinel.
	sc := redis.NewSentinelClient(&redis.Options{Addr: st.Sentinel.Addr, ContextTimeoutEnabled: true})
	defer sc.Close()
	deadline := time.Now().Add(startTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		reps, err := sc.Replicas(ctx, SentinelMaster).Result()
		cancel()
		if err == nil && len(reps) == 1 && reps[0]["master-link-status"] == "ok" && reps[0]["flags"] == "slave" {
			return st
		}
		if time.Now().After(deadline) {
			tb.Fatalf("redistest: the sentinel did not see a synced replica within %s (replicas %v, err %v); logs:\n%s",
				startTimeout, reps, err, st.Sentinel.Logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// replicaArgs make a server that syncs from its master over the socket
// alone, in a directory of its own: no RDB file that replicas sharing the
// temporary directory would overwrite.
func replicaArgs(tb testing.TB) []string {
	return []string{"--dir", tb.TempDir(), "--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0", "--repl-diskless-load", "swapdb"}
}

// FailoverOptions are options for redis.NewFailoverClient on this setup,
// with the same short timeouts as ClientOptions.
func (st *Sentinel) FailoverOptions() *redis.FailoverOptions {
	return &redis.FailoverOptions{
		MasterName:    SentinelMaster,
		SentinelAddrs: []string{st.Sentinel.Addr},
		DialTimeout:   time.Second,
		ReadTimeout:   time.Second,
		WriteTimeout:  time.Second,
	}
}

// MasterAddr is the master's address as the sentinel reports it.
func (st *Sentinel) MasterAddr(ctx context.Context) (string, error) {
	sc := redis.NewSentinelClient(&redis.Options{Addr: st.Sentinel.Addr, ContextTimeoutEnabled: true})
	defer sc.Close()
	a, err := sc.GetMasterAddrByName(ctx, SentinelMaster).Result()
	if err != nil {
		return "", err
	}
	return net.JoinHostPort(a[0], a[1]), nil
}

// WaitPromoted waits until the sentinel names the replica as master and
// the replica says it is one, and returns when that was first seen.
func (st *Sentinel) WaitPromoted(timeout time.Duration) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	rc := redis.NewClient(&redis.Options{Addr: st.Replica.Addr, ContextTimeoutEnabled: true, MaxRetries: -1})
	defer rc.Close()
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		addr, err := st.MasterAddr(ctx)
		var role []any
		if err == nil && addr == st.Replica.Addr {
			role, err = rc.Do(ctx, "ROLE").Slice()
		}
		cancel()
		if err == nil && len(role) > 0 && role[0] == "master" {
			return time.Now(), nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Time{}, fmt.Errorf("redistest: the replica %s was not promoted within %s; sentinel logs:\n%s", st.Replica.Addr, timeout, st.Sentinel.Logs())
}
