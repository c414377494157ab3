package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// ClusterNodeTimeout is the cluster-node-timeout of a StartCluster cluster:
// how long a master may be unreachable before its replica takes over.
const ClusterNodeTimeout = time.Second

// Cluster is a Redis Cluster on loopback.
type Cluster struct {
	// Nodes are every node, masters first, as created; roles change in a
	// failover.
	Nodes []*Server
	tb    testing.TB
}

// StartCluster starts masters × (1 + replicas) cluster nodes, joins them
// with redis-cli --cluster create (replicas per master), and waits until
// every node reports cluster_state:ok. Everything is killed when the test
// ends.
func StartCluster(tb testing.TB, masters, replicas int) *Cluster {
	tb.Helper()
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		Require(tb) // skips or fails as for redis-server
		tb.Fatalf("redistest: redis-cli not on PATH (it comes with redis-tools, which redis-server depends on): %v", err)
	}
	c := &Cluster{tb: tb}
	for range masters * (1 + replicas) {
		dir := tb.TempDir()
		c.Nodes = append(c.Nodes, StartArgs(tb, "--dir", dir,
			"--cluster-enabled", "yes",
			"--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", strconv.Itoa(int(ClusterNodeTimeout.Milliseconds())),
			"--cluster-require-full-coverage", "no",
			"--repl-diskless-sync", "yes", "--repl-diskless-sync-delay", "0", "--repl-diskless-load", "swapdb"))
	}
	args := []string{"--cluster", "create"}
	for _, n := range c.Nodes {
		args = append(args, n.Addr)
	}
	args = append(args, "--cluster-replicas", strconv.Itoa(replicas), "--cluster-yes")
	out, err := exec.Command(cli, args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("redistest: redis-cli %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	c.WaitHealthy(startTimeout)
	// Replicas in sync, so a failover loses nothing written after this.
	deadline := time.Now().Add(startTimeout)
	for _, n := range c.Nodes {
		for !c.synced(n) {
			if time.Now().After(deadline) {
				tb.Fatalf("redistest: cluster node %s did not finish its replica sync within %s", n.Addr, startTimeout)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return c
}

// Addrs are the nodes' addresses, for redis.ClusterOptions.Addrs.
func (c *Cluster) Addrs() []string {
	var a []string
	for _, n := range c.Nodes {
		a = append(a, n.Addr)
	}
	return a
}

// ClusterOptions are options for redis.NewClusterClient with the same
// short timeouts as ClientOptions.
func (c *Cluster) ClusterOptions() *redis.ClusterOptions {
	return &redis.ClusterOptions{
		Addrs:        c.Addrs(),
		DialTimeout:  time.Second,
		ReadTimeout:  time.Second,
		WriteTimeout: time.Second,
	}
}

func (c *Cluster) client(n *Server) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: n.Addr, ContextTimeoutEnabled: true, MaxRetries: -1,
		DialTimeout: 300 * time.Millisecond, ReadTimeout: 300 * time.Millisecond})
}

func (c *Cluster) synced(n *Server) bool {
	rc := c.client(n)
	defer rc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	info, err := rc.Info(ctx, "replication").Result()
	if err != nil {
		return false
	}
	if strings.Contains(info, "role:slave") {
		return strings.Contains(info, "master_link_status:up") && strings.Contains(info, "master_sync_in_progress:0")
	}
	return true
}

// WaitHealthy waits until every running node reports cluster_state:ok and
// all 16384 slots served by reachable masters.
func (c *Cluster) WaitHealthy(timeout time.Duration) {
	c.tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, why := c.healthy()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			c.tb.Fatalf("redistest: cluster not healthy after %s: %s", timeout, why)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (c *Cluster) healthy() (bool, string) {
	for _, n := range c.Nodes {
		if !n.Running() {
			continue
		}
		rc := c.client(n)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		info, err := rc.ClusterInfo(ctx).Result()
		cancel()
		_ = rc.Close()
		if err != nil {
			return false, fmt.Sprintf("%s: %v", n.Addr, err)
		}
		if !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_slots_ok:16384") {
			return false, fmt.Sprintf("%s: %s", n.Addr, strings.ReplaceAll(info, "\r\n", " "))
		}
	}
	return true, ""
}

// MasterOf returns the node that is master of key's slot, as a running
// node's CLUSTER SHARDS says (the online master of its shard).
func (c *Cluster) MasterOf(key string) (*Server, error) {
	var master string
	err := c.ask(func(ctx context.Context, rc *redis.Client) error {
		slot, err := rc.ClusterKeySlot(ctx, key).Result()
		if err != nil {
			return err
		}
		shards, err := rc.ClusterShards(ctx).Result()
		if err != nil {
			return err
		}
		for _, sh := range shards {
			for _, r := range sh.Slots {
				if r.Start > slot || slot > r.End {
					continue
				}
				for _, n := range sh.Nodes {
					if n.Role == "master" && n.Health == "online" {
						master = net.JoinHostPort(n.IP, strconv.FormatInt(n.Port, 10))
						return nil
					}
				}
			}
		}
		return fmt.Errorf("slot %d of %q has no master", slot, key)
	})
	if err != nil {
		return nil, err
	}
	for _, m := range c.Nodes {
		if m.Addr == master {
			return m, nil
		}
	}
	return nil, fmt.Errorf("redistest: the master of %q is %s, not a node of this cluster", key, master)
}

// KeySlot returns key's hash slot, as a running node computes it.
func (c *Cluster) KeySlot(key string) (slot int64, err error) {
	err = c.ask(func(ctx context.Context, rc *redis.Client) error {
		slot, err = rc.ClusterKeySlot(ctx, key).Result()
		return err
	})
	return slot, err
}

// ask runs fn against each running node in turn until one succeeds.
func (c *Cluster) ask(fn func(ctx context.Context, rc *redis.Client) error) error {
	err := errors.New("no node is running")
	for _, n := range c.Nodes {
		if !n.Running() {
			continue
		}
		rc := c.client(n)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err = fn(ctx, rc)
		cancel()
		_ = rc.Close()
		if err == nil {
			return nil
		}
	}
	return fmt.Errorf("redistest: no cluster node answered: %w", err)
}
